/* tests/test_cpu.c - running told from waiting, on hand-made events whose
   figures are worked out by hand: CPU samples (CTRACE_EV_THREAD_CPU) shared
   among what was innermost (running stretches first, waits only with CPU
   time beyond them), zones that mostly waited, waits by reason, the CPU time
   a thread used while others waited, and a thread without samples (no
   figure invented). Times in ms; the run lasts 100 ms.
     thread 1: zone A 0-100, a wait "lock" 40-80; 50 ms on CPU
     thread 2: zone B 0-100; 5 ms on CPU, 10 ms waiting for a core
     thread 3: zone C 0-100, waits "queue" 0-30 and "lock" 30-50; 70 ms on CPU
     thread 4: zone D 0-100, no samples */
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"
#include "harness.h"

#define MS 1000000LL

static ctrace_analysis *A;

static void put(int kind, uint32_t th, int64_t t, const char *name) {
  ctrace_event e;
  memset(&e, 0, sizeof e);
  e.kind = kind;
  e.thread = th;
  e.time_ns = t;
  e.name = name ? name : "";
  e.message = "";
  e.file = "x.c";
  ctrace_analysis_add(A, &e);
}
static void cpu(uint32_t th, int64_t t, int64_t cpu_ns, int64_t ready_ns) {
  ctrace_event e;
  memset(&e, 0, sizeof e);
  e.kind = CTRACE_EV_THREAD_CPU;
  e.thread = th;
  e.time_ns = t;
  e.name = e.message = e.file = "";
  e.value = cpu_ns;
  e.ptr = 1;
  e.size = (uint64_t)ready_ns;
  ctrace_analysis_add(A, &e);
}

static const ctrace_thread_stats *thread_of(uint32_t id) {
  uint32_t i, n;
  const ctrace_thread_stats *t = ctrace_analysis_threads(A, &n);
  for (i = 0; i < n; i++)
    if (t[i].id == id) return &t[i];
  return NULL;
}
static const ctrace_zone_stats *zone(const char *name) { return ctrace_analysis_find_zone(A, name, NULL, 0); }
static int near(int64_t x, int64_t y) { return x - y <= 2 && y - x <= 2; } /* shares are rounded down */

int main(void) {
  const ctrace_thread_stats *t1, *t2, *t3, *t4;
  const ctrace_zone_stats *za, *zb, *zc, *zd;
  const ctrace_cpu_span *sp;
  uint32_t n = 0;
  ctrace_trace_info info;
  if (!CHECK(ctrace_analysis_begin(NULL, &A) == 0, "analysis begins")) return harness_done();
  cpu(1, 0, 7 * MS, 0); /* cumulative: 7 ms before the trace */
  cpu(2, 0, 0, 0);
  cpu(3, 0, 0, 0);
  put(CTRACE_EV_ZONE_BEGIN, 1, 0, "A");
  put(CTRACE_EV_ZONE_BEGIN, 2, 0, "B");
  put(CTRACE_EV_ZONE_BEGIN, 3, 0, "C");
  put(CTRACE_EV_ZONE_BEGIN, 4, 0, "D");
  put(CTRACE_EV_WAIT_BEGIN, 3, 0, "queue");
  put(CTRACE_EV_WAIT_END, 3, 30 * MS, NULL);
  put(CTRACE_EV_WAIT_BEGIN, 3, 30 * MS, "lock");
  put(CTRACE_EV_WAIT_BEGIN, 1, 40 * MS, "lock");
  put(CTRACE_EV_WAIT_END, 3, 50 * MS, NULL);
  put(CTRACE_EV_WAIT_END, 1, 80 * MS, NULL);
  cpu(1, 100 * MS, 57 * MS, 0);
  cpu(2, 100 * MS, 5 * MS, 10 * MS);
  cpu(3, 100 * MS, 70 * MS, 0);
  put(CTRACE_EV_ZONE_END, 1, 100 * MS, NULL);
  put(CTRACE_EV_ZONE_END, 2, 100 * MS, NULL);
  put(CTRACE_EV_ZONE_END, 3, 100 * MS, NULL);
  put(CTRACE_EV_ZONE_END, 4, 100 * MS, NULL);
  /* thread 6 only collects: its CPU samples (ctrace's) keep it a collector */
  cpu(6, 1 * MS, 0, 0);
  put(CTRACE_EV_GC_BEGIN, 6, 2 * MS, "goal");
  put(CTRACE_EV_GC_END, 6, 3 * MS, NULL);
  cpu(6, 20 * MS, 1 * MS, 0);
  memset(&info, 0, sizeof info);
  info.duration_ns = 100 * MS;
  ctrace_analysis_end(A, &info);
  t1 = thread_of(1); t2 = thread_of(2); t3 = thread_of(3); t4 = thread_of(4);
  za = zone("A"); zb = zone("B"); zc = zone("C"); zd = zone("D");
  if (!CHECK(t1 && t2 && t3 && t4 && za && zb && zc && zd, "threads and zones found")) return harness_done();
  CHECK(thread_of(6) && thread_of(6)->role == CTRACE_ROLE_COLLECTOR && thread_of(6)->cpu_ns == 1 * MS,
        "a thread that only collects stays a collector with CPU samples");
  CHECK(ctrace_analysis_summary(A)->cpu_samples == 8, "eight CPU samples counted (%llu)",
        (unsigned long long)ctrace_analysis_summary(A)->cpu_samples);
  CHECK(t1->has_cpu && t1->cpu_ns == 50 * MS && t1->cpu_wall_ns == 100 * MS && t1->ready_ns == 0,
        "thread 1: 50 ms on CPU of 100 ms (the 7 ms before the first sample left out)");
  CHECK(t2->has_cpu && t2->cpu_ns == 5 * MS && t2->ready_ns == 10 * MS, "thread 2: 5 ms on CPU, 10 ms waiting for a core");
  CHECK(!t4->has_cpu && t4->cpu_ns == 0 && zd->sampled_self_ns == 0 && !ctrace_zone_mostly_waited(zd),
        "thread 4 has no samples: no CPU time, its zone not called waiting");
  /* A: running 60 ms, waiting 40 ms; its 50 ms fit the running part. */
  CHECK(near(za->cpu_self_ns, 50 * MS) && za->sampled_self_ns == 100 * MS && !ctrace_zone_mostly_waited(za),
        "zone A: 50 ms of CPU, covered 100 ms, did not mostly wait (cpu %lld)", (long long)za->cpu_self_ns);
  /* B: 5 ms running and 10 ms ready of 100 ms: less than a quarter. */
  CHECK(near(zb->cpu_self_ns, 5 * MS) && near(zb->ready_self_ns, 10 * MS) && ctrace_zone_mostly_waited(zb),
        "zone B: 5 ms of CPU and 10 ms ready in 100 ms: mostly waited");
  /* C: 50 ms running, 50 ms waiting; 70 ms of CPU: 50 to running, 20 to the waits. */
  CHECK(near(zc->cpu_self_ns, 70 * MS) && !ctrace_zone_mostly_waited(zc), "zone C: CPU time beyond its running part goes to its waits (%lld)",
        (long long)zc->cpu_self_ns);
  CHECK(t3->n_wait_by == 2 && strcmp(t3->wait_by[0].what, "queue") == 0 && t3->wait_by[0].ns == 30 * MS &&
        t3->wait_by[0].count == 1 && strcmp(t3->wait_by[1].what, "lock") == 0 && t3->wait_by[1].ns == 20 * MS,
        "thread 3's waits by reason, longest first: queue 30 ms, lock 20 ms");
  CHECK(t1->n_wait_by == 1 && strcmp(t1->wait_by[0].what, "lock") == 0 && t1->wait_by[0].ns == 40 * MS,
        "thread 1 waited 40 ms for lock");
  /* Others waiting, thread-ms over 0-100: thread 1 40, thread 3 50. Thread 1
     saw 50 besides its own, thread 2 90, thread 3 40. */
  CHECK(near(t1->waited_on_ns, 25 * MS) && near(t2->waited_on_ns, 4500000) && near(t3->waited_on_ns, 28 * MS),
        "CPU time while others waited: 25, 4.5 and 28 ms (%lld, %lld, %lld)", (long long)t1->waited_on_ns,
        (long long)t2->waited_on_ns, (long long)t3->waited_on_ns);
  sp = ctrace_analysis_thread_cpu(A, 2, &n);
  CHECK(sp && n == 1 && sp[0].start_ns == 0 && sp[0].end_ns == 100 * MS && sp[0].cpu_ns == 5 * MS && sp[0].ready_ns == 10 * MS,
        "thread 2's CPU spans: one, 0-100 ms, 5 ms running, 10 ms ready");
  sp = ctrace_analysis_thread_cpu(A, 4, &n);
  CHECK(n == 0, "thread 4 has no CPU spans");
  ctrace_analysis_free(A);
  return harness_done();
}
