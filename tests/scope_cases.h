/* tests/scope_cases.h - scoped CTRACE_ZONE cases shared by the C test
   (cleanup attribute) and the C++ test (RAII), so both languages are held
   to the same expected sequence. Each case records a marker instant
   "after:<case>" once its zone should be closed. */
#ifndef CTRACE_TEST_SCOPE_CASES_H
#define CTRACE_TEST_SCOPE_CASES_H

static void scope_plain_block(void) {
  {
    CTRACE_ZONE("block");
    CTRACE_INSTANT("in:block");
  }
  CTRACE_INSTANT("after:block");
}

static int scope_early_return(int n) {
  CTRACE_ZONE("early");
  if (n > 0) return n; /* the zone must end here too */
  CTRACE_INSTANT("not reached");
  return 0;
}

static void scope_loop(void) {
  int i;
  for (i = 0; i < 3; i++) {
    CTRACE_ZONE("loop");
    if (i == 0) continue;
    if (i == 2) break;
  }
  CTRACE_INSTANT("after:loop");
}

static void scope_nested(void) {
  CTRACE_ZONE("n.outer");
  {
    CTRACE_ZONE("n.inner");
    CTRACE_ZONE("n.inner2");
    CTRACE_INSTANT("in:nested");
  }
  CTRACE_INSTANT("after:inner");
}

/* The expected sequence: kind, name ("" for ends). */
typedef struct scope_step {
  int kind;
  const char *name;
} scope_step;

static const scope_step scope_expected[] = {
    {CTRACE_EV_INSTANT, "started"},
    {CTRACE_EV_ZONE_BEGIN, "block"},   {CTRACE_EV_INSTANT, "in:block"},
    {CTRACE_EV_ZONE_END, ""},          {CTRACE_EV_INSTANT, "after:block"},
    {CTRACE_EV_ZONE_BEGIN, "early"},   {CTRACE_EV_ZONE_END, ""},
    {CTRACE_EV_INSTANT, "after:early"},
    {CTRACE_EV_ZONE_BEGIN, "loop"},    {CTRACE_EV_ZONE_END, ""},
    {CTRACE_EV_ZONE_BEGIN, "loop"},    {CTRACE_EV_ZONE_END, ""},
    {CTRACE_EV_ZONE_BEGIN, "loop"},    {CTRACE_EV_ZONE_END, ""},
    {CTRACE_EV_INSTANT, "after:loop"},
    {CTRACE_EV_ZONE_BEGIN, "n.outer"}, {CTRACE_EV_ZONE_BEGIN, "n.inner"},
    {CTRACE_EV_ZONE_BEGIN, "n.inner2"}, {CTRACE_EV_INSTANT, "in:nested"},
    {CTRACE_EV_ZONE_END, ""},          {CTRACE_EV_ZONE_END, ""},
    {CTRACE_EV_INSTANT, "after:inner"}, {CTRACE_EV_ZONE_END, ""},
    {CTRACE_EV_INSTANT, "after:nested"}};

/* A zone opened before the trace starts records nothing, not even its end. */
static void scope_record_all(const char *path) {
  {
    CTRACE_ZONE("before-start");
    if (ctrace_start(path) != 0) return;
    CTRACE_INSTANT("started");
  }
  scope_plain_block();
  scope_early_return(1);
  CTRACE_INSTANT("after:early");
  scope_loop();
  scope_nested();
  CTRACE_INSTANT("after:nested");
}

/* Compares the first events of the trace with scope_expected; returns how
   many it checked (later events are the caller's). */
static size_t scope_check_sequence(const ct_trace *t, const char *lang) {
  size_t i, n = sizeof scope_expected / sizeof scope_expected[0], wrong = n;
  for (i = 0; i < n && i < t->n; i++) {
    int kind_ok = t->ev[i].kind == scope_expected[i].kind;
    int name_ok = scope_expected[i].kind == CTRACE_EV_ZONE_END ||
                  strcmp(t->ev[i].name, scope_expected[i].name) == 0;
    if (!(kind_ok && name_ok)) {
      wrong = i;
      break;
    }
  }
  if (wrong < n && wrong < t->n) {
    char why[200];
    snprintf(why, sizeof why, "event %d is %s \"%s\", expected %s \"%s\"", (int)wrong,
             ctrace_event_kind_name(t->ev[wrong].kind), t->ev[wrong].name,
             ctrace_event_kind_name(scope_expected[wrong].kind), scope_expected[wrong].name);
    FAIL(why, "%s: scoped zones end at block exit", lang);
  } else {
    CHECK(t->n >= n, "%s: scoped zones end at block exit (%d events)", lang, (int)t->n);
  }
  return n;
}

#endif /* CTRACE_TEST_SCOPE_CASES_H */
