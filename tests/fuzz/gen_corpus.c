/* tests/fuzz/gen_corpus.c - writes the fuzzers' seed corpus: real traces
   made by the library, plus a few damaged and hand-built ones.

     gen_corpus DIR     writes DIR/NAME.ctrace for every seed below, each
                        under 64 KiB (the fuzzers' -max_len)

   Seeds: nested zones; every event kind with hostile text (markup, quotes,
   invalid UTF-8, extreme counters, NaN); four threads in small chunks on the
   monotonic clock; a flight-recorder dump; a program that exits without
   ctrace_stop; one that dies of SIGABRT with fatal-signal handling; zones
   nested deep; an empty session; a cut copy; a bit-flipped copy; and a
   hand-built trace with the kinds the writer never emits (loss, unknown
   future kinds, an end with no begin, a reserved chunk type, a sequence gap,
   a sync chunk). Linux only (fork). Exits non-zero if a seed could not be
   made. */
#define CTRACE_IMPLEMENTATION
#include "../../ctrace.h"
#include "fuzz_common.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

static const char *g_dir;
static int g_failures;

static const char *seed_path(char *buf, size_t size, const char *name) {
  snprintf(buf, size, "%s/%s.ctrace", g_dir, name);
  return buf;
}

static void seed_failed(const char *name, const char *why) {
  fprintf(stderr, "gen_corpus: %s: %s\n", name, why);
  g_failures++;
}

/* Starts a session into the seed's file with a small buffer, so even short
   seeds hold several chunks. */
static int seed_start(const char *name, uint32_t buffer_size, int clock) {
  char path[512];
  ctrace_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.buffer_size = buffer_size;
  cfg.clock = clock;
  if (ctrace_start_with(seed_path(path, sizeof path, name), &cfg) != 0) {
    seed_failed(name, "ctrace_start_with failed");
    return 0;
  }
  return 1;
}

static void seed_stop(const char *name) {
  if (ctrace_stop() != 0) seed_failed(name, "ctrace_stop failed");
}

/* ---- seeds written through the library -------------------------------------- */

static void nest(int depth) {
  CTRACE_ZONE("nest");
  CTRACE_INSTANT("leaf");
  if (depth > 0) {
    nest(depth - 1);
    nest(depth - 2);
  }
}

static void seed_zones(void) {
  int i;
  if (!seed_start("zones", 0, CTRACE_CLOCK_AUTO)) return;
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < 3; i++) {
    CTRACE_ZONE("outer");
    nest(5);
  }
  seed_stop("zones");
}

/* Text a report must escape and an export must quote. */
static const char *const hostile_names[] = {
    "</script><script>alert(1)</script>", "a\"b'c&d<e>f", "<!-- x -->", "tab\there\nnewline",
    "bad utf8 \xff\xfe \xc3\x28 \xed\xa0\x80", "semi;colon,comma", "", "\xe2\x82\xac uro"};

typedef struct task_handoff {
  uint64_t id;
} task_handoff;

static void *end_task_elsewhere(void *arg) {
  task_handoff *h = (task_handoff *)arg;
  CTRACE_THREAD_NAME("<b>ender</b>");
  CTRACE_TASK_END(h->id);
  return NULL;
}

static void kinds_memory(void) {
  char *p = (char *)ctrace_malloc(100), *q;
  void *raw = &p;
  q = (char *)ctrace_calloc(3, 7);
  p = (char *)ctrace_realloc(p, 5000);
  CTRACE_ALLOC(raw, 64);
  CTRACE_FREE(raw);
  ctrace_free(q);
  ctrace_free(p);
  ctrace_free(p); /* a double free: recorded as a memory problem */
  (void)ctrace_malloc(33); /* a leak, on purpose */
}

static void kinds_counters(void) {
  CTRACE_COUNTER("min", INT64_MIN);
  CTRACE_COUNTER("max", INT64_MAX);
  CTRACE_COUNTER("zero", 0);
  CTRACE_COUNTER_F("nan", NAN);
  CTRACE_COUNTER_F("inf", HUGE_VAL);
  CTRACE_COUNTER_F("-inf", -HUGE_VAL);
  CTRACE_COUNTER_F("-0", -0.0);
  CTRACE_COUNTER_F("tiny", 4.9e-324);
}

static void seed_kinds(void) {
  char name[64];
  size_t i;
  pthread_t t;
  task_handoff h;
  if (!seed_start("kinds", 1024, CTRACE_CLOCK_AUTO)) return;
  CTRACE_THREAD_NAME("main \"quoted\" <i>");
  for (i = 0; i < sizeof hostile_names / sizeof hostile_names[0]; i++) {
    snprintf(name, sizeof name, "%s", hostile_names[i]);
    CTRACE_ZONE_BEGIN(name);
    CTRACE_INSTANT(name);
    CTRACE_COUNTER(name, (int64_t)i);
    CTRACE_LOG(name, "message %s", hostile_names[i]);
    CTRACE_ZONE_END();
  }
  CTRACE_GC_BEGIN("alloc <threshold>");
  kinds_memory();
  CTRACE_GC_END();
  kinds_counters();
  h.id = CTRACE_TASK_BEGIN("request \"42\"");
  if (pthread_create(&t, NULL, end_task_elsewhere, &h) == 0) pthread_join(t, NULL);
  (void)CTRACE_TASK_BEGIN("never ends");
  CTRACE_ZONE_BEGIN("left open");
  seed_stop("kinds");
}

static void *thread_work(void *arg) {
  int i, n = (int)(intptr_t)arg;
  char name[32];
  snprintf(name, sizeof name, "worker %d", n);
  CTRACE_THREAD_NAME(name);
  for (i = 0; i < 60; i++) {
    CTRACE_ZONE("work");
    CTRACE_COUNTER("progress", i);
    if (i % 10 == 0) {
      void *p = ctrace_malloc((size_t)(16 * (i + 1)));
      CTRACE_LOG("worker", "step %d of thread %d", i, n);
      ctrace_free(p);
    }
  }
  return NULL;
}

static void seed_threads(void) {
  pthread_t t[4];
  int i, started = 0;
  if (!seed_start("threads", 512, CTRACE_CLOCK_MONOTONIC)) return;
  for (i = 0; i < 4; i++) {
    if (pthread_create(&t[i], NULL, thread_work, (void *)(intptr_t)i) == 0) started++;
  }
  for (i = 0; i < started; i++) pthread_join(t[i], NULL);
  seed_stop("threads");
}

static void seed_flight(void) {
  char path[512];
  ctrace_config cfg;
  int i;
  memset(&cfg, 0, sizeof cfg);
  cfg.buffer_size = 1024;
  cfg.flight_bytes = 8192;
  if (ctrace_start_with(NULL, &cfg) != 0) {
    seed_failed("flight", "cannot start a flight recorder");
    return;
  }
  for (i = 0; i < 3000; i++) {
    CTRACE_ZONE("flight zone");
    CTRACE_COUNTER("i", i);
  }
  if (ctrace_flight_dump(seed_path(path, sizeof path, "flight")) != 0)
    seed_failed("flight", "ctrace_flight_dump failed");
  ctrace_stop();
}

static void seed_deep(void) {
  int i;
  if (!seed_start("deep", 4096, CTRACE_CLOCK_AUTO)) return;
  for (i = 0; i < 1500; i++) CTRACE_ZONE_BEGIN("deeper");
  for (i = 0; i < 1502; i++) CTRACE_ZONE_END(); /* two ends with no begin */
  seed_stop("deep");
}

static void seed_empty(void) {
  if (!seed_start("empty", 0, CTRACE_CLOCK_AUTO)) return;
  seed_stop("empty");
}

/* In a child process: a trace ended by exit() without ctrace_stop, or by a
   fatal signal. */
static void seed_in_child(const char *name, int crash) {
  pid_t pid = fork();
  int status;
  if (pid < 0) {
    seed_failed(name, "fork failed");
    return;
  }
  if (pid == 0) {
    char path[512];
    ctrace_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.catch_fatal_signals = crash;
    if (ctrace_start_with(seed_path(path, sizeof path, name), &cfg) != 0) _exit(3);
    CTRACE_ZONE_BEGIN("doomed");
    CTRACE_LOG("child", "about to %s", crash ? "abort" : "exit");
    if (crash) {
      abort();
    }
    exit(0);
  }
  if (waitpid(pid, &status, 0) != pid) seed_failed(name, "waitpid failed");
  else if (crash ? !WIFSIGNALED(status) : !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    seed_failed(name, "the child did not end as planned");
}

/* ---- seeds derived from others ---------------------------------------------- */

static unsigned char *load_seed(const char *name, size_t *size) {
  char path[512];
  FILE *f = fopen(seed_path(path, sizeof path, name), "rb");
  unsigned char *data;
  long n;
  *size = 0;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
      !(data = (unsigned char *)malloc((size_t)n))) {
    fclose(f);
    return NULL;
  }
  if (fread(data, 1, (size_t)n, f) != (size_t)n) {
    free(data);
    data = NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return data;
}

static void save_seed(const char *name, const unsigned char *data, size_t size) {
  char path[512];
  if (fuzz_write_file(seed_path(path, sizeof path, name), data, size) != 0)
    seed_failed(name, "cannot write");
}

/* A copy of the threads seed cut short (a kill mid-write) and one of the
   kinds seed with two bits flipped (a bad disk). */
static void seed_damaged(void) {
  size_t size;
  unsigned char *data = load_seed("threads", &size);
  if (data && size > 200) save_seed("cut", data, size * 3 / 5);
  else seed_failed("cut", "no threads seed to cut");
  free(data);
  data = load_seed("kinds", &size);
  if (data && size > 200) {
    data[size / 2] ^= 0x10;
    data[size / 3] ^= 0x01;
    save_seed("flipped", data, size);
  } else {
    seed_failed("flipped", "no kinds seed to damage");
  }
  free(data);
}

/* ---- a hand-built trace ----------------------------------------------------- */

typedef struct builder {
  unsigned char data[4096];
  size_t len;
} builder;

static void put_bytes(builder *b, const void *p, size_t n) {
  if (b->len + n > sizeof b->data) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void put_u8(builder *b, unsigned v) {
  unsigned char c = (unsigned char)v;
  put_bytes(b, &c, 1);
}

static void put_varint(builder *b, uint64_t v) {
  while (v >= 0x80) {
    put_u8(b, (unsigned)(v & 0x7f) | 0x80);
    v >>= 7;
  }
  put_u8(b, (unsigned)v);
}

static void put_le(builder *b, uint64_t v, int bytes) {
  int i;
  for (i = 0; i < bytes; i++) put_u8(b, (unsigned)(v >> (8 * i)) & 0xff);
}

static void put_chunk(builder *b, char type, unsigned flags, uint32_t tid, uint32_t seq,
                      uint64_t base, const builder *payload) {
  put_u8(b, 'C');
  put_u8(b, 'K');
  put_u8(b, (unsigned char)type);
  put_u8(b, flags);
  put_le(b, payload->len, 4);
  put_le(b, tid, 4);
  put_le(b, seq, 4);
  put_le(b, base, 8);
  put_le(b, 0, 4);
  put_le(b, 0, 4); /* CRC, fixed below */
  put_bytes(b, payload->data, payload->len);
}

static void put_site(builder *d, unsigned id, unsigned line, const char *name, const char *file) {
  put_u8(d, 1);
  put_varint(d, id);
  put_varint(d, line);
  put_varint(d, strlen(name));
  put_bytes(d, name, strlen(name));
  put_varint(d, strlen(file));
  put_bytes(d, file, strlen(file));
}

static void put_thread(builder *d, unsigned tid, unsigned os_tid, const char *name) {
  put_u8(d, 2);
  put_varint(d, tid);
  put_varint(d, os_tid);
  put_varint(d, strlen(name));
  put_bytes(d, name, strlen(name));
}

static void crafted_header(builder *b) {
  static const unsigned char magic[8] = {0x89, 'C', 'T', 'R', '\r', '\n', 0x1a, '\n'};
  const char *prog = "crafted";
  put_bytes(b, magic, 8);
  put_le(b, 1, 2);
  put_le(b, 62 + strlen(prog), 2);
  put_u8(b, 2); /* monotonic clock, ns */
  put_u8(b, 0);
  put_le(b, 0, 2);
  put_le(b, 1000000000u, 8);
  put_le(b, 1000, 8);
  put_le(b, 5000, 8);
  put_le(b, (uint64_t)1700000000 * 1000000000u, 8);
  put_le(b, 4096, 4);
  put_le(b, 4242, 4);
  put_le(b, strlen(prog), 2);
  put_bytes(b, prog, strlen(prog));
  put_le(b, 0, 4); /* CRC, fixed below */
}

static void crafted_events(builder *e) {
  const unsigned char future[3] = {1, 2, 3};
  put_u8(e, 2); put_varint(e, 5);               /* zone end, no begin */
  put_u8(e, 1); put_varint(e, 10); put_varint(e, 1);  /* zone begin */
  put_u8(e, 13); put_varint(e, 1); put_varint(e, 77); /* loss */
  put_u8(e, 64); put_varint(e, 1); put_varint(e, 3); put_bytes(e, future, 3);
  put_u8(e, 4); put_varint(e, 2); put_varint(e, 2); put_varint(e, 1); /* counter -1 */
  put_u8(e, 14); put_varint(e, 1); put_varint(e, 3); put_varint(e, 0xdeadbeef);
  put_u8(e, 10); put_varint(e, 1); put_varint(e, 1); put_varint(e, 0x1000); put_varint(e, 0);
  put_u8(e, 8); put_varint(e, 1); put_varint(e, 999); /* task end, never begun */
  put_u8(e, 12); put_varint(e, 1);                    /* GC end, never begun */
  put_u8(e, 2); put_varint(e, 100);
}

static void seed_crafted(void) {
  builder file, defs, ev, small;
  memset(&file, 0, sizeof file);
  memset(&defs, 0, sizeof defs);
  memset(&ev, 0, sizeof ev);
  memset(&small, 0, sizeof small);
  crafted_header(&file);
  put_site(&defs, 1, 7, "crafted zone", "crafted.c");
  put_site(&defs, 2, 8, "crafted counter", "crafted.c");
  put_site(&defs, 3, 9, "double free", "crafted.c");
  put_thread(&defs, 1, 1234, "crafted thread");
  put_chunk(&file, 'D', 0, 0, 0, 0, &defs);
  crafted_events(&ev);
  put_chunk(&file, 'E', 0, 1, 0, 2000, &ev);
  put_varint(&small, 9000);
  put_chunk(&file, 'S', 0, 0, 0, 6000, &small);
  put_chunk(&file, 'Q', 0, 0, 0, 0, &small); /* reserved type: skipped */
  put_chunk(&file, 'E', 1, 1, 2, 7000, &ev); /* seq 1 missing; thread exits */
  small.len = 0;
  put_varint(&small, 0);
  put_varint(&small, 0);
  put_varint(&small, 12000);
  put_varint(&small, 3);
  put_varint(&small, 1);
  put_chunk(&file, 'Z', 0, 0, 0, 9000, &small);
  fuzz_fix_checksums(file.data, file.len);
  save_seed("crafted", file.data, file.len);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_corpus DIR\n");
    return 2;
  }
  g_dir = argv[1];
  seed_in_child("noend", 0);
  seed_in_child("crashed", 1);
  seed_zones();
  seed_kinds();
  seed_threads();
  seed_flight();
  seed_deep();
  seed_empty();
  seed_damaged();
  seed_crafted();
  return g_failures ? 1 : 0;
}
