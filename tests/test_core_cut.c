/* Prefix recovery: a small multi-thread trace cut at every byte offset.
   The reader must never crash, and must give back exactly the events of the
   complete chunks before the cut: for each thread, a prefix of its events
   in the full trace, as long as the events its complete chunks hold. That
   expectation comes from the chunk headers (README.md, "The format"):
     file header: magic[8], u16 version, u16 header length, ...
     chunk: 'C' 'K' type flags, u32 payload length, u32 thread, u32 seq,
            u64 base time, u32 reserved, u32 CRC; then the payload.
   How many events a chunk holds is measured by cutting that one chunk out
   of the file and counting what the reader loses. */
#ifndef CTRACE_TEST_SEPARATE_IMPL
/* The Makefile and test_sanitizers.sh link one shared implementation
   object instead. */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#endif
#include "../ctrace.h"
#include "harness.h"
#include "core_support.h"

#define MAX_CHUNKS 4096
#define MAX_THREADS 64

typedef struct chunk {
  size_t off, end;
  int type;
  uint32_t tid, seq;
  long events; /* E chunks: events it holds; others 0 */
} chunk;

static uint32_t get_u16(const unsigned char *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static uint32_t get_u32(const unsigned char *p) { return get_u16(p) | (get_u16(p + 2) << 16); }

/* Walks the chunk headers; returns the number of chunks, sets *stop to the
   offset where the walk ended (the file size when every chunk is whole). */
static size_t walk_chunks(const unsigned char *d, size_t size, size_t header_len, chunk *out,
                          size_t *stop) {
  size_t off = header_len, n = 0;
  while (n < MAX_CHUNKS && off + 32 <= size && d[off] == 'C' && d[off + 1] == 'K') {
    size_t end = off + 32 + get_u32(d + off + 4);
    if (end > size) break;
    out[n].off = off;
    out[n].end = end;
    out[n].type = d[off + 2];
    out[n].tid = get_u32(d + off + 8);
    out[n].seq = get_u32(d + off + 12);
    out[n].events = 0;
    n++;
    off = end;
  }
  *stop = off;
  return n;
}

/* Events per thread id, from a read trace. */
static void count_by_thread(const ct_trace *t, long *per) {
  size_t i;
  memset(per, 0, MAX_THREADS * sizeof *per);
  for (i = 0; i < t->n; i++)
    if (t->ev[i].thread < MAX_THREADS) per[t->ev[i].thread]++;
}

/* Fills chunk[j].events for E chunks by cutting each out. Returns the
   number of chunks whose measurement did not add up. */
static int measure_chunks(const unsigned char *d, size_t size, chunk *c, size_t n,
                          const ct_trace *full) {
  long full_per[MAX_THREADS], per[MAX_THREADS];
  unsigned char *buf = (unsigned char *)malloc(size);
  size_t j;
  int bad = 0;
  uint32_t t;
  count_by_thread(full, full_per);
  for (j = 0; j < n; j++) {
    ct_trace cut;
    size_t len = c[j].end - c[j].off;
    if (c[j].type != 'E') continue;
    memcpy(buf, d, c[j].off);
    memcpy(buf + c[j].off, d + c[j].end, size - c[j].end);
    ct_load_memory(&cut, buf, size - len, full->n + 1);
    count_by_thread(&cut, per);
    c[j].events = (long)full->n - (long)cut.n;
    /* Only the chunk's own thread may lose events. */
    for (t = 0; t < MAX_THREADS; t++)
      if (full_per[t] - per[t] != (t == c[j].tid ? c[j].events : 0)) bad++;
    ct_free(&cut);
  }
  free(buf);
  return bad;
}

typedef struct cut_result {
  long open_wrong, events_wrong, times_differ, times_off, count_wrong, next_wrong, info_wrong;
  int64_t max_time_diff;
  char first[240];
} cut_result;

static void note_first(cut_result *r, size_t cut, const char *what) {
  if (!r->first[0]) snprintf(r->first, sizeof r->first, "cut at %lu: %s", (unsigned long)cut, what);
}

/* Positions of each thread's events in the full read. */
typedef struct thread_index {
  size_t *at[MAX_THREADS];
  long n[MAX_THREADS];
} thread_index;

static void index_threads(const ct_trace *full, thread_index *ix) {
  size_t i;
  uint32_t t;
  memset(ix, 0, sizeof *ix);
  for (t = 0; t < MAX_THREADS; t++) ix->at[t] = (size_t *)malloc((full->n + 1) * sizeof(size_t));
  for (i = 0; i < full->n; i++) {
    t = full->ev[i].thread;
    if (t < MAX_THREADS) ix->at[t][ix->n[t]++] = i;
  }
}

static void check_one_cut(const unsigned char *d, size_t size, size_t cut, size_t header_len,
                          const chunk *c, size_t n, const ct_trace *full, const thread_index *ix,
                          cut_result *r) {
  long want[MAX_THREADS], got[MAX_THREADS];
  size_t i, last_boundary = header_len;
  int at_boundary = cut == header_len;
  ct_trace t;
  const ctrace_trace_info *info;
  char what[160];
  memset(want, 0, sizeof want);
  memset(got, 0, sizeof got);
  for (i = 0; i < n && c[i].end <= cut; i++) {
    if (c[i].tid < MAX_THREADS) want[c[i].tid] += c[i].events;
    last_boundary = c[i].end;
    at_boundary |= c[i].end == cut;
  }
  ct_load_memory(&t, d, cut, full->n + 1);
  if (cut < header_len) {
    int ok = cut == 0 ? t.open_rc == CTRACE_E_EMPTY : t.open_rc < 0;
    if (!ok || t.r || (cut > 0 && !t.err[0])) {
      r->open_wrong++;
      snprintf(what, sizeof what, "header cut short: open returned %d", t.open_rc);
      note_first(r, cut, what);
    }
    ct_free(&t);
    return;
  }
  if (t.open_rc != 0) {
    r->open_wrong++;
    snprintf(what, sizeof what, "open failed with %d (%.100s)", t.open_rc, t.err);
    note_first(r, cut, what);
    ct_free(&t);
    return;
  }
  if (t.next_rc != 0 && t.next_rc != CTRACE_E_TRUNCATED) {
    r->next_wrong++;
    snprintf(what, sizeof what, "reader_next ended with %d", t.next_rc);
    note_first(r, cut, what);
  }
  for (i = 0; i < t.n; i++) {
    const ctrace_event *e = &t.ev[i];
    const ctrace_event *f;
    uint32_t th = e->thread;
    if (th >= MAX_THREADS || got[th] >= ix->n[th]) {
      r->events_wrong++;
      note_first(r, cut, "an event beyond the thread's events in the full trace");
      continue;
    }
    f = &full->ev[ix->at[th][got[th]++]];
    if (!ct_same_sited(e, f)) {
      r->events_wrong++;
      snprintf(what, sizeof what, "thread %u event %ld: %s \"%s\" differs from the full read",
               th, got[th] - 1, ctrace_event_kind_name(e->kind), e->name);
      note_first(r, cut, what);
    } else if (e->time_ns != f->time_ns) {
      /* README.md: the last sync point before the end sets the clock rate,
         so a cut trace may convert ticks at a slightly different rate. */
      int64_t diff = e->time_ns > f->time_ns ? e->time_ns - f->time_ns : f->time_ns - e->time_ns;
      r->times_differ++;
      if (diff > r->max_time_diff) r->max_time_diff = diff;
      if ((double)diff > (double)f->time_ns * 1e-3 + 2000.0) r->times_off++;
    }
  }
  for (i = 0; i < MAX_THREADS; i++)
    if (got[i] != want[i]) {
      r->count_wrong++;
      snprintf(what, sizeof what, "thread %lu: %ld events, complete chunks hold %ld",
               (unsigned long)i, got[i], want[i]);
      note_first(r, cut, what);
      break;
    }
  info = ctrace_reader_info(t.r);
  what[0] = '\0';
  if (cut == size) {
    if (!info->ended || info->truncated) snprintf(what, sizeof what, "whole file not intact");
  } else if (at_boundary) {
    if (info->ended) snprintf(what, sizeof what, "cut at a chunk boundary reads as ended");
  } else if (!info->truncated || info->bytes_lost != cut - last_boundary) {
    snprintf(what, sizeof what, "mid-chunk cut: truncated=%d bytes_lost=%llu (expected 1, %lu)",
             info->truncated, (unsigned long long)info->bytes_lost,
             (unsigned long)(cut - last_boundary));
  }
  if (what[0]) {
    r->info_wrong++;
    note_first(r, cut, what);
  }
  ct_free(&t);
}

int main(void) {
  static chunk chunks[MAX_CHUNKS];
  char path[512];
  unsigned char *data;
  size_t size = 0, header_len, n, stop, j, cut;
  ct_trace full;
  thread_index ix;
  cut_result r;
  long in_chunks = 0;
  int types[256] = {0}, threads = 0;
  uint32_t t;

  ct_tmp_path(path, sizeof path, "cut");
  if (!CHECK_EQ_INT(ct_make_small_trace(path, 3, (int)ct_scaled(300, 300)), 0, "write a small trace"))
    return harness_done();
  data = ct_slurp(path, &size);
  remove(path);
  if (!CHECK(data != NULL && size > 12, "trace file read (%lu bytes)", (unsigned long)size))
    return harness_done();
  header_len = get_u16(data + 10);
  n = walk_chunks(data, size, header_len, chunks, &stop);
  CHECK(header_len >= 58 && header_len < size, "file header length field (%lu)", (unsigned long)header_len);
  CHECK_EQ_UINT(stop, size, "chunk headers walk the file end to end (%lu chunks)", (unsigned long)n);
  for (j = 0; j < n; j++) types[chunks[j].type]++;
  CHECK(types['E'] >= 6 && types['D'] >= 1 && types['Z'] == 1,
        "many event chunks, definition chunks, one end chunk (E %d, D %d, S %d, Z %d)", types['E'],
        types['D'], types['S'], types['Z']);
  if (!CHECK_EQ_INT(ct_load_memory(&full, data, size, (size_t)-1), 0, "full trace reads"))
    return harness_done();
  CHECK(full.next_rc == 0 && ctrace_reader_info(full.r)->ended, "full trace reads to its end marker");
  CHECK_EQ_INT(measure_chunks(data, size, chunks, n, &full), 0,
               "each event chunk's events belong to the thread in its header");
  for (j = 0; j < n; j++) in_chunks += chunks[j].events;
  CHECK_EQ_INT(in_chunks, (long)full.n, "event chunks' counts add up to the whole trace");
  index_threads(&full, &ix);
  for (t = 0; t < MAX_THREADS; t++) threads += ix.n[t] > 0;
  CHECK_EQ_INT(threads, 4, "four threads in the trace");

  memset(&r, 0, sizeof r);
  for (cut = 0; cut <= size; cut++)
    check_one_cut(data, size, cut, header_len, chunks, n, &full, &ix, &r);
  harness_note("%lu cuts of a %lu-byte trace with %lu chunks and %lu events", (unsigned long)size + 1,
               (unsigned long)size, (unsigned long)n, (unsigned long)full.n);
  if (r.first[0]) harness_note("first problem: %s", r.first);
  CHECK_EQ_INT(r.open_wrong, 0, "every cut: opens when the header is whole, clear error otherwise");
  CHECK_EQ_INT(r.next_wrong, 0, "every cut: reader ends cleanly (0) after the last whole chunk");
  CHECK_EQ_INT(r.events_wrong, 0, "every cut: recovered events equal the full trace's, per thread in order");
  CHECK_EQ_INT(r.count_wrong, 0, "every cut: exactly the events of the complete chunks before the cut");
  harness_note("%ld event times differ from the whole read, by up to %lld ns", r.times_differ,
               (long long)r.max_time_diff);
  CHECK_EQ_INT(r.times_off, 0, "every cut: event times within 0.1%% + 2 us of the whole read's");
  CHECK_EQ_INT(r.info_wrong, 0, "every cut: info reports the truncation (ended / truncated / bytes_lost)");
  for (t = 0; t < MAX_THREADS; t++) free(ix.at[t]);
  ct_free(&full);
  free(data);
  return harness_done();
}
