/* Random bit flips in a small trace (seeded, reproducible: CTRACE_TEST_SEED).
   For every damaged copy the reader must end (no crash, no hang, no endless
   stream), and either refuse it with a code and a sentence, or report the
   damage and give back only real events, or, when it reports nothing, give
   back exactly the original events. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile and test_sanitizers.sh link one shared implementation
   object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#include <signal.h>

static volatile long current_trial = -1;
static unsigned long long seed;

static void on_alarm(int sig) {
  char msg[160];
  int n;
  (void)sig;
  n = snprintf(msg, sizeof msg, "FAIL: bit flips: reader hung on trial %ld (seed %llu)\n",
               current_trial, seed);
  if (n > 0 && write(1, msg, (size_t)n) < 0) _exit(3);
  _exit(2);
}

static uint64_t next_random(uint64_t *s) {
  /* xorshift64, the left shift dropping by mask the bits it would push out */
  *s ^= *s >> 12;
  *s ^= (*s & (UINT64_MAX >> 25)) << 25;
  *s ^= *s >> 27;
  return *s;
}

/* Recovered events must be, thread by thread, a subsequence of the
   original's (compared without times and names, which a lost clock or
   definition chunk may change). Returns the number that are not. */
static long not_from_original(const ct_trace *orig, const ct_trace *got) {
  size_t pos[64], i, j;
  long bad = 0;
  memset(pos, 0, sizeof pos);
  for (i = 0; i < got->n; i++) {
    const ctrace_event *e = &got->ev[i];
    uint32_t th = e->thread;
    if (th >= 64) {
      bad++;
      continue;
    }
    for (j = pos[th]; j < orig->n; j++)
      if (orig->ev[j].thread == th && ct_same_payload(&orig->ev[j], e)) break;
    if (j == orig->n) bad++;
    else pos[th] = j + 1;
  }
  return bad;
}

/* -1 when identical, else the index of the first difference (or the
   shorter length). */
static long first_difference(const ct_trace *a, const ct_trace *b) {
  size_t i;
  for (i = 0; i < a->n && i < b->n; i++)
    if (!ct_same_event(&a->ev[i], &b->ev[i])) return (long)i;
  return a->n == b->n ? -1 : (long)i;
}

/* Every single-bit flip of a smaller trace: CRC-32 catches every one, so
   none may give an intact-looking read that differs from the original. */
static void every_single_flip(void) {
  char path[512];
  unsigned char *data, *copy;
  size_t size = 0, bit;
  ct_trace orig;
  long silent = 0, first = -1;
  ct_tmp_path(path, sizeof path, "flips_all");
  if (ct_make_small_trace(path, 3, (int)ct_scaled(40, 15)) != 0) {
    FAIL("single flips", "could not write the trace");
    return;
  }
  data = ct_slurp(path, &size);
  remove(path);
  if (!data || ct_load_memory(&orig, data, size, (size_t)-1) != 0) {
    FAIL("single flips", "could not read the original");
    free(data);
    return;
  }
  copy = (unsigned char *)malloc(size);
  for (bit = 0; copy && bit < size * 8; bit++) {
    ct_trace t;
    const ctrace_trace_info *info;
    memcpy(copy, data, size);
    copy[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    ct_load_memory(&t, copy, size, orig.n * 4 + 16);
    if (t.open_rc == 0) {
      info = ctrace_reader_info(t.r);
      if (!(t.next_rc < 0 || info->chunks_bad > 0 || info->truncated || info->first_damage_offset >= 0 ||
            !info->ended) &&
          first_difference(&orig, &t) >= 0) {
        if (first < 0) first = (long)bit;
        silent++;
      }
    }
    ct_free(&t);
  }
  CHECK_EQ_INT(silent, 0, "every single-bit flip of a %lu-byte trace is refused or reported (first silent bit: %ld)",
               (unsigned long)size, first);
  ct_free(&orig);
  free(copy);
  free(data);
}

int main(void) {
  char path[512];
  unsigned char *data, *copy;
  size_t size = 0;
  ct_trace orig;
  long trials = ct_scaled(4000, 300), i;
  long refused = 0, damaged = 0, clean = 0, silent_wrong = 0, unreal = 0, too_many = 0;
  long no_sentence = 0, bad_offset = 0;
  uint64_t rng;
  const char *env = getenv("CTRACE_TEST_SEED");
  char first[200] = "";

  seed = env ? strtoull(env, NULL, 10) : 20261126ull;
  rng = seed ? seed : 1;
  ct_tmp_path(path, sizeof path, "flips");
  if (!CHECK_EQ_INT(ct_make_small_trace(path, 3, (int)ct_scaled(300, 100)), 0, "write a small trace"))
    return harness_done();
  data = ct_slurp(path, &size);
  remove(path);
  if (!CHECK(data && size > 0, "trace read into memory")) return harness_done();
  if (!CHECK_EQ_INT(ct_load_memory(&orig, data, size, (size_t)-1), 0, "original reads"))
    return harness_done();
  copy = (unsigned char *)malloc(size);
  signal(SIGALRM, on_alarm);
  harness_note("%ld trials on a %lu-byte trace of %lu events, seed %llu", trials,
               (unsigned long)size, (unsigned long)orig.n, seed);
  for (i = 0; i < trials; i++) {
    ct_trace t;
    int flips = 1 + (int)(next_random(&rng) % 4), f;
    uint64_t flipped[4];
    const ctrace_trace_info *info;
    int reported;
    memcpy(copy, data, size);
    for (f = 0; f < flips; f++) {
      uint64_t bit = next_random(&rng) % ((uint64_t)size * 8);
      copy[bit / 8] ^= (unsigned char)(1u << (bit % 8));
      flipped[f] = bit;
    }
    current_trial = i;
    alarm(20);
    ct_load_memory(&t, copy, size, orig.n * 4 + 16);
    alarm(0);
    if (t.open_rc != 0) {
      refused++;
      if (t.open_rc >= 0 || !t.err[0]) no_sentence++;
      ct_free(&t);
      continue;
    }
    if (t.next_rc == 2) {
      too_many++;
      if (!first[0]) snprintf(first, sizeof first, "trial %ld: endless event stream", i);
    }
    info = ctrace_reader_info(t.r);
    reported = t.next_rc < 0 || info->chunks_bad > 0 || info->truncated ||
               info->first_damage_offset >= 0 || !info->ended;
    if (reported) {
      damaged++;
      if (info->first_damage_offset >= (int64_t)size || (info->first_damage_offset >= 0 && !info->first_damage[0]))
        bad_offset++;
      if (not_from_original(&orig, &t)) {
        unreal++;
        if (!first[0]) snprintf(first, sizeof first, "trial %ld: events that are not in the original", i);
      }
    } else {
      long at = first_difference(&orig, &t);
      clean++;
      if (at >= 0) {
        silent_wrong++;
        if (!first[0])
          snprintf(first, sizeof first,
                   "trial %ld: no damage reported but event %ld of %lu differs (bits flipped: %llu%s)",
                   i, at, (unsigned long)orig.n, (unsigned long long)flipped[0],
                   flips > 1 ? " and more" : "");
        if (getenv("CTRACE_TEST_VERBOSE") && (size_t)at < t.n && (size_t)at < orig.n)
          harness_note("was %s \"%s\" t=%lld v=%lld msg \"%.40s\"; now %s \"%s\" t=%lld v=%lld msg \"%.40s\"",
                       ctrace_event_kind_name(orig.ev[at].kind), orig.ev[at].name,
                       (long long)orig.ev[at].time_ns, (long long)orig.ev[at].value, orig.ev[at].message,
                       ctrace_event_kind_name(t.ev[at].kind), t.ev[at].name,
                       (long long)t.ev[at].time_ns, (long long)t.ev[at].value, t.ev[at].message);
      }
    }
    ct_free(&t);
  }
  harness_note("refused %ld, damage reported %ld, read as intact %ld", refused, damaged, clean);
  if (first[0]) harness_note("first problem: %s (seed %llu)", first, seed);
  PASS("bit flips: no crash or hang in %ld trials", trials);
  CHECK_EQ_INT(no_sentence, 0, "bit flips: every refusal has a negative code and a sentence");
  CHECK_EQ_INT(too_many, 0, "bit flips: no endless event stream");
  CHECK_EQ_INT(silent_wrong, 0, "bit flips: no silently wrong output (intact-looking reads equal the original)");
  CHECK_EQ_INT(unreal, 0, "bit flips: damaged traces give back only events of the original");
  CHECK_EQ_INT(bad_offset, 0, "bit flips: damage offset inside the file, with a sentence");
  CHECK(damaged + refused > trials / 2, "bit flips: damage is detected (%ld of %ld)", damaged + refused, trials);
  free(copy);
  ct_free(&orig);
  free(data);
  every_single_flip();
  return harness_done();
}
