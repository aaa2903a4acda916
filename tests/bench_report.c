/* tests/bench_report.c - the report on a big trace (make bench).
   Writes a 10-million-event trace (BENCH_EVENTS to change): four threads of
   nested zones with allocations, a collector thread, counters and log
   messages; then times ctrace_report_html (median of 3), prints the HTML's
   size, and times opening the report in headless Chromium (navigation start
   to the load event, median of 3; needs node and build/node_modules/
   playwright-core, else that figure is skipped).
   Targets: report < 3 s, HTML < 10 MB, open < 1 s. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static const char *const zone_names[] = {"frame", "update", "physics", "collide", "render", "draw batch",
                                         "upload", "parse", "tokenize", "hash lookup", "compress", "io wait"};

/* Each loop writes 10 events: 4 zone pairs and an allocation with its free. */
typedef struct worker { long loops; int id; } worker;

static void *work(void *arg) {
  const worker *w = (const worker *)arg;
  long i;
  char name[32];
  snprintf(name, sizeof name, "worker %d", w->id);
  CTRACE_THREAD_NAME(name);
  for (i = 0; i < w->loops; ++i) {
    const char *a = zone_names[i % 4], *b = zone_names[4 + (i / 3) % 4], *c = zone_names[8 + (i / 7) % 4];
    void *p;
    CTRACE_ZONE_BEGIN(a);
    CTRACE_ZONE_BEGIN(b);
    CTRACE_ZONE_BEGIN(c);
    p = ctrace_malloc((size_t)(16 + (i * 37) % 4000));
    CTRACE_ZONE_END();
    CTRACE_ZONE_BEGIN(c);
    ctrace_free(p);
    CTRACE_ZONE_END();
    CTRACE_ZONE_END();
    CTRACE_ZONE_END();
    if (i % 50000 == 0) {
      CTRACE_COUNTER("queue depth", (i / 1000) % 97);
      CTRACE_LOG("progress", "worker %d at loop %ld", w->id, i);
      CTRACE_GC_BEGIN("periodic");
      CTRACE_GC_END();
    }
  }
  return NULL;
}

static int write_trace(const char *path, long events) {
  pthread_t t[4];
  worker w[4];
  int i;
  if (ctrace_start(path) != 0) return -1;
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < 4; ++i) {
    w[i].loops = events / 10 / 4;
    w[i].id = i + 1;
    pthread_create(&t[i], NULL, work, &w[i]);
  }
  for (i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  return ctrace_stop();
}

static const char open_js[] =
    "const path = require('path');\n"
    "const [build, chromiumPath, file, ud] = process.argv.slice(2);\n"
    "const { chromium } = require(path.resolve(build, 'node_modules/playwright-core'));\n"
    "(async () => {\n"
    "  const ctx = await chromium.launchPersistentContext(ud, { executablePath: chromiumPath, headless: true,\n"
    "    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',\n"
    "      '--disable-background-networking', '--disable-component-update', '--disable-sync'],\n"
    "    viewport: { width: 1400, height: 900 } });\n"
    "  const times = [];\n"
    "  for (let i = 0; i < 3; i++) {\n"
    "    const page = await ctx.newPage();\n"
    "    let errors = 0;\n"
    "    page.on('pageerror', () => errors++);\n"
    "    const t0 = Date.now();\n"
    "    await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });\n"
    "    times.push(Date.now() - t0);\n"
    "    if (errors) console.log('errors ' + errors);\n"
    "    await page.close();\n"
    "  }\n"
    "  times.sort((a, b) => a - b);\n"
    "  console.log('open_ms ' + times[1] + ' (runs: ' + times.join(', ') + ')');\n"
    "  await ctx.close();\n"
    "})().catch(e => { console.log('error ' + e.message.split('\\n')[0]); process.exit(1); });\n";

int main(void) {
  const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
  const char *ev = getenv("BENCH_EVENTS");
  long events = ev ? atol(ev) : 10000000L;
  char trace[512], html[512], js[512], ud[512], cmd[2400];
  double t[3], t0;
  struct stat st;
  int i;
  ctrace_analysis *a = NULL;
  FILE *f;
  snprintf(trace, sizeof trace, "%s/tmp/bench_report_%ld.ctrace", build, (long)getpid());
  snprintf(html, sizeof html, "%s/tmp/bench_report_%ld.html", build, (long)getpid());
  mkdir(build, 0777);
  snprintf(cmd, sizeof cmd, "%s/tmp", build);
  mkdir(cmd, 0777);
  t0 = now_s();
  if (write_trace(trace, events) != 0) { fprintf(stderr, "bench_report: cannot write %s\n", trace); return 1; }
  if (ctrace_analyze(trace, NULL, &a, NULL, 0) == 0 && a) {
    stat(trace, &st);
    printf("trace: %llu events, %.1f MB, written in %.2f s\n",
           (unsigned long long)ctrace_analysis_summary(a)->events, (double)st.st_size / 1e6, now_s() - t0);
    ctrace_analysis_free(a);
  }
  for (i = 0; i < 3; ++i) {
    char err[300];
    ctrace_report_config cfg;
    int rc;
    memset(&cfg, 0, sizeof cfg);
    cfg.error = err;
    cfg.error_size = sizeof err;
    t0 = now_s();
    rc = ctrace_report_html(trace, html, &cfg);
    t[i] = now_s() - t0;
    if (rc) { fprintf(stderr, "bench_report: %s\n", err); return 1; }
  }
  qsort(t, 3, sizeof t[0], cmp_double);
  stat(html, &st);
  printf("report: median %.3f s (runs %.3f %.3f %.3f)   target < 3 s: %s\n", t[1], t[0], t[1], t[2],
         t[1] < 3 ? "met" : "MISSED");
  printf("html:   %.2f MB   target < 10 MB: %s\n", (double)st.st_size / 1e6, st.st_size < 10000000 ? "met" : "MISSED");
  snprintf(js, sizeof js, "%s/tmp/bench_report_open_%ld.js", build, (long)getpid());
  snprintf(ud, sizeof ud, "%s/tmp/bench_report_profile_%ld", build, (long)getpid());
  f = fopen(js, "w");
  if (f) {
    fputs(open_js, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "test -d %s/node_modules/playwright-core && command -v node >/dev/null && "
             "timeout 120 node %s %s /usr/bin/chromium %s %s; rm -rf %s", build, js, build, html, ud, ud);
    printf("open in Chromium (target < 1000 ms): ");
    fflush(stdout);
    if (system(cmd) != 0) printf("skipped (needs node, playwright-core in %s/node_modules, /usr/bin/chromium)\n", build);
    remove(js);
  }
  if (!getenv("BENCH_KEEP")) { remove(trace); remove(html); }
  return 0;
}
