/* ctrace - the command-line tool for ctrace traces.

   Verbs: dump, check, stats, export (chrome, folded, csv), png, report, run,
   version, help. `ctrace help` documents the exit codes; `ctrace VERB --help`
   documents each verb. Built by `make` as build/ctrace:
       cc -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -pthread -I. \
          tools/ctrace.c -o build/ctrace -lm          (add -DCTRACE_WITH_PNG for png)
*/
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "../ctrace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <io.h>
#define ctrace_tool_isatty _isatty
#define ctrace_tool_fileno _fileno
#else
#include <sys/stat.h>
#include <unistd.h>
#define ctrace_tool_isatty isatty
#define ctrace_tool_fileno fileno
#endif

/* Exit codes, the same for every verb (see `ctrace help`). */
enum {
  EXIT_OK = 0,        /* done; the trace was intact */
  EXIT_DAMAGED = 1,   /* done from what could be recovered of a damaged trace */
  EXIT_ERROR = 2      /* nothing useful done: unreadable trace, usage, output error */
};

/* ---- messages ---------------------------------------------------------------- */

static const char *g_verb = "ctrace";

static void fail_msg(const char *file, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A message to stderr, one line: what came from a trace (an object's path,
   a name) may hold controls that would retitle or clear the terminal, so
   C0 and C1 controls and DEL show as '?'. */
static void put_line_safe(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  for (; *p; p++) {
    if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) { /* U+0080..U+009F */
      fputc('?', stderr);
      p++;
    } else {
      fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, stderr);
    }
  }
  fputc('\n', stderr);
}

static void fail_msg(const char *file, const char *fmt, ...) {
  va_list ap;
  char msg[2048];
  int n = snprintf(msg, sizeof msg, "ctrace: %s: %s%s", g_verb, file ? file : "", file ? ": " : "");
  if (n < 0 || (size_t)n >= sizeof msg) n = 0;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  put_line_safe(msg);
}

/* A message from the library already starts with the file at fault. */
static void fail_lib(const char *err, const char *fallback_file, int rc) {
  if (err && *err) fail_msg(NULL, "%s", err);
  else fail_msg(fallback_file, "%s", ctrace_strerror(rc));
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "ctrace: %s: ", g_verb);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (try: ctrace %s --help)\n", g_verb);
  return EXIT_ERROR;
}

/* ---- progress on a terminal ---------------------------------------------------
   Shown only when stderr is a terminal and the work has already taken more
   than a second, so scripts and quick runs see nothing. */

typedef struct progress {
  int tty;
  int shown;
  double start;
  int last_pct;
} progress;

static double now_seconds(void) {
#if defined(_WIN32)
  return (double)clock() / CLOCKS_PER_SEC;
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}

static void progress_init(progress *p) {
  p->tty = ctrace_tool_isatty(ctrace_tool_fileno(stderr));
  p->shown = 0;
  p->start = now_seconds();
  p->last_pct = -1;
}

static void progress_update(void *user, double done) {
  progress *p = (progress *)user;
  int pct;
  if (!p->tty) return;
  if (!p->shown && now_seconds() - p->start < 1.0) return;
  if (done < 0) done = 0;
  if (done > 1) done = 1;
  pct = (int)(done * 100.0);
  if (pct == p->last_pct) return;
  p->last_pct = pct;
  p->shown = 1;
  fprintf(stderr, "\rctrace: %s: %3d%%", g_verb, pct);
  fflush(stderr);
}

static void progress_stage(void *user, double done, const char *stage) {
  (void)stage;
  progress_update(user, done);
}

static void progress_done(progress *p) {
  if (p->shown) fprintf(stderr, "\r%*s\r", 20 + (int)strlen(g_verb), "");
}

/* ---- output files -------------------------------------------------------------- */

/* TRACE with its extension replaced by ext (".html"): run.ctrace -> run.html. */
static char *derived_name(const char *trace, const char *ext) {
  const char *base = strrchr(trace, '/');
  const char *dot;
  size_t stem, n;
  char *s;
  base = base ? base + 1 : trace;
  dot = strrchr(base, '.');
  stem = (dot && dot != base) ? (size_t)(dot - trace) : strlen(trace);
  n = stem + strlen(ext) + 1;
  s = (char *)malloc(n);
  if (!s) return NULL;
  memcpy(s, trace, stem);
  strcpy(s + stem, ext);
  return s;
}

static const char *input_at(const char *out);

/* 1 (and says so) when writing path would destroy a file this command reads. */
static int refuse_output(const char *path) {
  const char *in = input_at(path);
  if (!in) return 0;
  fail_msg(path, "will not write here: it is %s, which this command reads", in);
  return 1;
}

/* Opens "-" as stdout, anything else for writing. */
static FILE *open_output(const char *path) {
  FILE *f;
  if (strcmp(path, "-") == 0) return stdout;
  if (refuse_output(path)) return NULL;
  f = fopen(path, "wb");
  if (!f) fail_msg(path, "cannot open for writing: %s", strerror(errno));
  return f;
}

/* Flushes and closes; reports a write error (disk full) naming the file. */
static int close_output(FILE *f, const char *path) {
  int bad = fflush(f) != 0 || ferror(f);
  int saved = errno;
  if (f != stdout && fclose(f) != 0 && !bad) {
    bad = 1;
    saved = errno;
  }
  if (bad) {
    fail_msg(path, "cannot write: %s", strerror(saved ? saved : EIO));
    return EXIT_ERROR;
  }
  return EXIT_OK;
}

/* ---- trace damage --------------------------------------------------------------- */

static int info_damaged(const ctrace_trace_info *in) {
  return in->chunks_bad > 0 || in->truncated || in->bytes_lost > 0 || !in->ended ||
         in->first_damage_offset >= 0;
}

/* Every verb says this, and exits EXIT_DAMAGED, for a trace with no end
   marker: the program ended by _exit, exec, abort, a signal or a crash with
   no handler, before ctrace_stop or the exit hook ran. */
static const char no_end_marker[] =
    "no end marker: the program ended without ctrace_stop (_exit, exec, abort or a kill); "
    "what it recorded after the writer's last flush (one flush period, 100 ms by default) is "
    "missing, and zones still open end where the trace ends";

/* The lines for stderr about damage a verb worked around. */
static void warn_damage(const char *trace, const ctrace_trace_info *in) {
  if (in->first_damage_offset >= 0)
    fail_msg(trace, "warning: damaged trace (first damage at byte %lld: %s); output covers what was recovered",
             (long long)in->first_damage_offset, in->first_damage[0] ? in->first_damage : "unknown reason");
  if (!in->ended)
    fail_msg(trace, "warning: %s; output covers what was recovered", no_end_marker);
  else if (in->first_damage_offset < 0)
    fail_msg(trace, "warning: damaged trace; output covers what was recovered");
}

/* ---- argument parsing -------------------------------------------------------------
   Every verb takes: one trace path, options, --help. */

typedef struct args {
  const char *trace;
  const char *out;           /* -o */
  const char *format;        /* export: chrome, folded, csv */
  const char *weight;        /* --weight */
  const char *chart;         /* --chart */
  const char *baseline;      /* --baseline */
  long width, height;
  int json;
  int help;
} args;

static int parse_long(const char *s, long *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || end == s || *end) return -1;
  *out = v;
  return 0;
}

/* 1 when both paths name one existing file (so writing one destroys the
   other before it is read). */
static int same_file(const char *x, const char *y) {
#if defined(_WIN32)
  return strcmp(x, y) == 0;
#else
  struct stat sx, sy;
  if (stat(x, &sx) != 0 || stat(y, &sy) != 0) return 0;
  return sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino;
#endif
}

/* The command's arguments, for input_at: every file it reads is the trace,
   a --baseline or a --symbols argument. */
static int g_argc;
static char **g_argv;
static const char *g_trace;

/* 1 when path is an existing ELF file: only such a file can be an object
   the trace names (or its debug file). */
static int is_elf_file(const char *path) {
  unsigned char magic[4];
  FILE *f = fopen(path, "rb");
  int elf = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "\x7f" "ELF", 4) == 0;
  if (f) fclose(f);
  return elf;
}

/* The object (or debug file) that trace's memory map made the reader read
   and out names, copied into found; 0 when none. */
static int object_read(const char *trace, const char *out, char *found, size_t size) {
  ctrace_reader *r = NULL;
  const char *hit;
  char err[64];
  if (ctrace_reader_open(&r, trace, err, sizeof err) < 0 || !r) return 0;
  hit = ctrace_reader_reads_file(r, out);
  if (hit) snprintf(found, size, "%s, an object the trace %s names", hit, trace);
  ctrace_reader_close(r);
  return hit != NULL;
}

/* The input that out names (by device and inode, however spelt), or NULL:
   the trace, a --baseline or --symbols argument, or (when out is an ELF
   file, so worth reading the traces for) an object a trace names, which the
   tool reads to name functions. */
static const char *input_at(const char *out) {
  static char found[4400];
  static const char *checked;
  int i;
  if (strcmp(out, "-") == 0) return NULL;
  if (g_trace && same_file(out, g_trace)) return g_trace;
  for (i = 0; i + 1 < g_argc; i++)
    if ((!strcmp(g_argv[i], "--baseline") || !strcmp(g_argv[i], "--symbols")) && same_file(out, g_argv[i + 1]))
      return g_argv[i + 1];
  if (!g_trace || !is_elf_file(out)) return NULL;
  if (checked == out) return found[0] ? found : NULL; /* the traces are read once for one out */
  checked = out;
  if (object_read(g_trace, out, found, sizeof found)) return found;
  for (i = 0; i + 1 < g_argc; i++)
    if (!strcmp(g_argv[i], "--baseline") && object_read(g_argv[i + 1], out, found, sizeof found)) return found;
  found[0] = 0;
  return NULL;
}

/* Puts dir in front of CTRACE_SYMBOL_PATH, which the reader searches for
   the binaries named in a trace's memory map. */
static int set_symbol_path(const char *dir) {
  const char *old = getenv("CTRACE_SYMBOL_PATH");
  size_t n = strlen(dir) + (old ? strlen(old) : 0) + 2;
  char *v = (char *)malloc(n);
  int rc;
  if (!v) return -1;
  snprintf(v, n, "%s%s%s", dir, old && *old ? ":" : "", old && *old ? old : "");
#if defined(_WIN32)
  rc = _putenv_s("CTRACE_SYMBOL_PATH", v);
#else
  rc = setenv("CTRACE_SYMBOL_PATH", v, 1);
#endif
  free(v);
  return rc;
}

/* flags: which options this verb takes, as letters: o=-o j=--json w=--weight
   c=--chart s=--width/--height b=--baseline f=format word first */
static int parse_args(int argc, char **argv, const char *flags, args *a) {
  int i;
  memset(a, 0, sizeof *a);
  for (i = 0; i < argc; i++) {
    const char *s = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      a->help = 1;
      return 0;
    } else if (!strcmp(s, "-o") && strchr(flags, 'o')) {
      if (!next) return usage_error("%s needs a file name", s);
      a->out = argv[++i];
    } else if (!strcmp(s, "--json") && strchr(flags, 'j')) {
      a->json = 1;
    } else if (!strcmp(s, "--weight") && strchr(flags, 'w')) {
      if (!next) return usage_error("%s needs time or bytes", s);
      a->weight = argv[++i];
    } else if (!strcmp(s, "--chart") && strchr(flags, 'c')) {
      if (!next) return usage_error("%s needs heap, timeline or flame", s);
      a->chart = argv[++i];
    } else if ((!strcmp(s, "--width") || !strcmp(s, "--height")) && strchr(flags, 's')) {
      long v;
      if (!next || parse_long(next, &v) != 0 || v < 16 || v > 8192)
        return usage_error("%s needs a number of pixels from 16 to 8192", s);
      if (s[2] == 'w') a->width = v;
      else a->height = v;
      i++;
    } else if (!strcmp(s, "--baseline") && strchr(flags, 'b')) {
      if (!next) return usage_error("%s needs a trace file", s);
      a->baseline = argv[++i];
    } else if (!strcmp(s, "--symbols")) {
      /* Every verb: where the traced program's binaries are now, for traces
         of CTRACE_INSTRUMENT_FUNCTIONS (the reader searches these first). */
      if (!next) return usage_error("%s needs a directory", s);
      if (set_symbol_path(argv[++i]) != 0) return usage_error("%s: cannot set the search path", s);
    } else if (s[0] == '-' && s[1] != 0) {
      return usage_error("unknown option %s", s);
    } else if (strchr(flags, 'f') && !a->format) {
      a->format = s;
    } else if (!a->trace) {
      a->trace = s;
    } else {
      return usage_error("unexpected argument %s", s);
    }
  }
  if (!a->trace) return usage_error("%s", "which trace? give a TRACE file");
  g_argc = argc;
  g_argv = argv;
  g_trace = a->trace;
  if (a->out && same_file(a->out, a->trace))
    return usage_error("-o %s would overwrite the trace being read", a->out);
  if (a->out && input_at(a->out)) {
    refuse_output(a->out);
    return EXIT_ERROR;
  }
  return 0;
}

/* ---- dump ----------------------------------------------------------------------------- */

static const char help_dump[] =
    "usage: ctrace dump TRACE [-o OUT]\n"
    "\n"
    "Print every event of TRACE in time order (merged across threads), one per\n"
    "line, fields separated by one TAB:\n"
    "\n"
    "  TIME_NS  THREAD  KIND  NAME  FIELDS...\n"
    "\n"
    "TIME_NS is ns since the trace started, THREAD the ctrace thread id (1, 2, ...),\n"
    "KIND the event kind's name. NAME and the FIELDS per kind:\n"
    "\n"
    "  zone_begin   zone name     FILE  LINE\n"
    "  zone_end     (empty)       (none)\n"
    "  instant      name          FILE  LINE\n"
    "  counter      counter name  VALUE (integer)\n"
    "  counter_f    counter name  VALUE (%.17g)\n"
    "  log          category      MESSAGE\n"
    "  task_begin   task name     ID\n"
    "  task_end     (empty)       ID\n"
    "  alloc        (empty)       PTR (0x hex)  SIZE  FILE  LINE  [STACK]\n"
    "  free         (empty)       PTR  SIZE (0 if unknown)  FILE  LINE\n"
    "  gc_begin     reason        (none)\n"
    "  gc_end       (empty)       (none)\n"
    "  loss         (empty)       COUNT (events lost at this point)\n"
    "  mem_problem  what          PTR  FILE  LINE\n"
    "  unknown      (empty)       RAW_KIND (a kind this version skips)\n"
    "\n"
    "STACK: the id of the allocation's call stack, when it has one (traces of\n"
    "ctrace run). Just before the first event that uses a stack, its definition:\n"
    "a stack line, then one frame line per frame, innermost (the caller of the\n"
    "allocation function) first, at that event's TIME_NS and THREAD:\n"
    "\n"
    "  stack        (empty)       STACK  FRAMES\n"
    "  frame        function      STACK  INDEX (0 innermost)  ADDRESS (0x hex)\n"
    "                             OBJECT  OFFSET (0x hex, in OBJECT)  FILE  LINE\n"
    "\n"
    "(function, OBJECT and FILE empty where not known, LINE 0). A STACK with no\n"
    "stack line: its definition is not in the trace (a damaged file).\n"
    "\n"
    "Before the events, one line per thread the trace defines (named, or with\n"
    "its OS thread id known), in thread id order, with TIME_NS 0:\n"
    "\n"
    "  thread       thread name   OS_TID (0 if unknown)\n"
    "\n"
    "A thread whose definition is only found later in the file (or that is\n"
    "renamed) gets its line after the events, at the last event's time.\n"
    "\n"
    "Strings are printed safely: backslash as \\\\, TAB \\t, LF \\n, CR \\r, other\n"
    "control characters, DEL and bytes that are not valid UTF-8 as \\xNN.\n"
    "A name or file longer than 256 bytes is cut there (on a whole character)\n"
    "and ends in \\... to mark the cut.\n"
    "Output goes to standard output, or to OUT with -o.\n"
    "\n"
    "Exit: 0 intact trace; 1 damaged trace (every recovered event printed, a\n"
    "warning on stderr); 2 unreadable trace, usage or output error.\n";

/* Length of the well-formed UTF-8 character at s (n bytes available), or 0
   when the bytes there are not one (overlong, surrogate, past U+10FFFF, cut
   short): the same rule the library's outputs follow. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0], lo = 0x80, hi = 0xBF;
  size_t len, i;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3;
  else if (c >= 0xF0 && c <= 0xF4) len = 4;
  else return 0;
  if (c == 0xE0) lo = 0xA0;
  else if (c == 0xED) hi = 0x9F;
  else if (c == 0xF0) lo = 0x90;
  else if (c == 0xF4) hi = 0x8F;
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

/* Decimal digits of v at p; returns the end. */
static char *put_u64(char *p, uint64_t v) {
  char tmp[20];
  int n = 0;
  do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
  while (n) *p++ = tmp[--n];
  return p;
}

/* Writes s with TAB, LF, CR, backslash, control bytes and invalid UTF-8
   escaped, so one event stays on one line and a terminal sees no controls. */
static void put_safe(FILE *f, const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, run = 0;
  while (i < len) {
    unsigned c = s[i];
    size_t ok = 1;
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      i++;
      continue;
    }
    if (i > run) fwrite(str + run, 1, i - run, f);
    if (c >= 0x80) ok = utf8_len(s + i, len - i);
    if (c >= 0x80 && ok) {
      fwrite(str + i, 1, ok, f);
      i += ok;
    } else if (c == '\\') { fputs("\\\\", f); i++; }
    else if (c == '\t') { fputs("\\t", f); i++; }
    else if (c == '\n') { fputs("\\n", f); i++; }
    else if (c == '\r') { fputs("\\r", f); i++; }
    else { fprintf(f, "\\x%02x", c); i++; }
    run = i;
  }
  if (i > run) fwrite(str + run, 1, i - run, f);
}

/* A name or file, repeated on every event: cut at NAME_CAP bytes (see
   --help) on a whole character, the cut marked with \... (which escaping
   never produces). */
#define NAME_CAP 256
static void put_safe_c(FILE *f, const char *s) {
  size_t n = 0;
  if (!s) return;
  while (n <= NAME_CAP && s[n]) n++;
  if (n <= NAME_CAP) {
    put_safe(f, s, n);
    return;
  }
  n = NAME_CAP;
  while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--; /* s[n] starts the part cut off */
  put_safe(f, s, n);
  fputs("\\...", f);
}

/* |v| as unsigned, INT64_MIN included, with no step that overflows. */
static uint64_t magnitude(int64_t v) { return v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v; }

/* TAB then a decimal number; printf per field would make dump several times
   slower on traces of millions of events. */
static void put_tab_i64(FILE *f, int64_t v) {
  char b[24];
  char *p = b;
  *p++ = '\t';
  if (v < 0) *p++ = '-';
  p = put_u64(p, magnitude(v));
  fwrite(b, 1, (size_t)(p - b), f);
}

static void put_site(FILE *f, const ctrace_event *ev) {
  fputc('\t', f);
  put_safe_c(f, ev->file);
  put_tab_i64(f, (int64_t)ev->line);
}

/* The stack ids dump has defined: a set by open addressing (0 is no id). */
typedef struct id_set {
  uint32_t *v;
  uint32_t n, cap;
} id_set;

/* Adds id: 1 if it was new, 0 if already there, -1 out of memory. */
static int id_set_add(id_set *s, uint32_t id) {
  uint32_t i;
  if (2 * (s->n + 1) > s->cap) {
    id_set g = {NULL, 0, s->cap ? 2 * s->cap : 1024};
    if (!(g.v = (uint32_t *)calloc(g.cap, sizeof *g.v))) return -1;
    for (i = 0; i < s->cap; i++)
      if (s->v[i]) id_set_add(&g, s->v[i]);
    free(s->v);
    *s = g;
  }
  for (i = (id ^ (id >> 13)) & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
    if (s->v[i] == id) return 0;
  s->v[i] = id;
  s->n++;
  return 1;
}

/* The definition of an allocation's call stack, the first time one uses
   it: a stack line and a frame line per frame. Returns -1 out of memory. */
static int dump_stack(FILE *f, id_set *seen, const ctrace_event *ev) {
  uint32_t i;
  int added;
  if (!ev->stack || !ev->stack_depth || (added = id_set_add(seen, ev->stack)) == 0) return 0;
  if (added < 0) return -1;
  fprintf(f, "%lld\t%u\tstack\t\t%u\t%u\n", (long long)ev->time_ns, (unsigned)ev->thread, (unsigned)ev->stack,
          (unsigned)ev->stack_depth);
  for (i = 0; i < ev->stack_depth; i++) {
    const ctrace_frame *fr = &ev->stack_frames[i];
    fprintf(f, "%lld\t%u\tframe\t", (long long)ev->time_ns, (unsigned)ev->thread);
    put_safe_c(f, fr->function);
    fprintf(f, "\t%u\t%u\t0x%llx\t", (unsigned)ev->stack, (unsigned)i, (unsigned long long)fr->address);
    put_safe_c(f, fr->object);
    fprintf(f, "\t0x%llx\t", (unsigned long long)fr->offset);
    put_safe_c(f, fr->file);
    put_tab_i64(f, (int64_t)fr->line);
    fputc('\n', f);
  }
  return 0;
}

static void dump_event(FILE *f, const ctrace_event *ev) {
  char head[80];
  char *p = head;
  const char *kind = ctrace_event_kind_name(ev->kind);
  size_t kind_len = strlen(kind);
  if (ev->time_ns < 0) *p++ = '-';
  p = put_u64(p, magnitude(ev->time_ns));
  *p++ = '\t';
  p = put_u64(p, ev->thread);
  *p++ = '\t';
  if (kind_len > 24) kind_len = 24;
  memcpy(p, kind, kind_len);
  p += kind_len;
  *p++ = '\t';
  fwrite(head, 1, (size_t)(p - head), f);
  put_safe_c(f, ev->name);
  switch (ev->kind) {
    case CTRACE_EV_ZONE_BEGIN:
    case CTRACE_EV_INSTANT: put_site(f, ev); break;
    case CTRACE_EV_COUNTER: put_tab_i64(f, ev->value); break;
    case CTRACE_EV_COUNTER_F: fprintf(f, "\t%.17g", ev->fvalue); break;
    case CTRACE_EV_LOG:
      fputc('\t', f);
      if (ev->message) put_safe(f, ev->message, ev->message_len);
      break;
    case CTRACE_EV_TASK_BEGIN:
    case CTRACE_EV_TASK_END: fprintf(f, "\t%llu", (unsigned long long)ev->id); break;
    case CTRACE_EV_ALLOC:
    case CTRACE_EV_FREE:
      fprintf(f, "\t0x%llx\t%llu", (unsigned long long)ev->ptr, (unsigned long long)ev->size);
      put_site(f, ev);
      if (ev->stack) put_tab_i64(f, (int64_t)ev->stack);
      break;
    case CTRACE_EV_LOSS: fprintf(f, "\t%llu", (unsigned long long)(uint64_t)ev->value); break; /* a count: unsigned */
    case CTRACE_EV_MEM_PROBLEM:
      fprintf(f, "\t0x%llx", (unsigned long long)ev->ptr);
      put_site(f, ev);
      break;
    case CTRACE_EV_WAIT_BEGIN: put_site(f, ev); break;
    case CTRACE_EV_THREAD_CPU: fprintf(f, "\t%lld", (long long)ev->value); break; /* CPU ns so far */
    case CTRACE_EV_MEMSTATS: /* Alloc, TotalAlloc, NumGC */
      fprintf(f, "\t%llu\t%llu\t%lld", (unsigned long long)ev->size, (unsigned long long)ev->id, (long long)ev->value);
      break;
    case CTRACE_EV_ZONE_END:
    case CTRACE_EV_WAIT_END:
    case CTRACE_EV_GC_BEGIN:
    case CTRACE_EV_GC_END: break;
    default: fprintf(f, "\t%u", (unsigned)ev->raw_kind); break;
  }
  fputc('\n', f);
}

/* Opens the trace or says why not (exit code 2 territory). */
static ctrace_reader *open_trace(const char *path) {
  ctrace_reader *r = NULL;
  char err[256];
  int rc;
  err[0] = 0;
  rc = ctrace_reader_open(&r, path, err, sizeof err);
  if (rc < 0 || !r) {
    fail_msg(path, "%s", err[0] ? err : ctrace_strerror(rc));
    return NULL;
  }
  return r;
}

/* One "thread" line: TIME THREAD thread NAME OS_TID, escaped like events. */
static void dump_thread(FILE *f, ctrace_reader *r, uint32_t id, int64_t time_ns) {
  fprintf(f, "%lld\t%u\tthread\t", (long long)time_ns, (unsigned)id);
  put_safe_c(f, ctrace_reader_thread_name(r, id));
  put_tab_i64(f, (int64_t)ctrace_reader_thread_os_id(r, id));
  fputc('\n', f);
}

/* The thread definitions the reader knows now. Returns their count and,
   in *names, a copy of each name (NULL where the thread has no line), so
   the end can tell which were found or renamed later; -1 out of memory. */
static long dump_threads(FILE *f, ctrace_reader *r, int64_t time_ns, uint32_t n_before,
                         const uint32_t *before, char **before_names, char ***names) {
  const uint32_t *ids = NULL;
  uint32_t n = ctrace_reader_threads(r, &ids), i, j = 0;
  if (names && !(*names = (char **)calloc(n ? n : 1, sizeof **names))) return -1;
  for (i = 0; i < n; i++) {
    const char *name = ctrace_reader_thread_name(r, ids[i]);
    const char *was = NULL;
    int seen = 0;
    if (!*name && !ctrace_reader_thread_os_id(r, ids[i])) continue;
    while (j < n_before && before[j] < ids[i]) j++;
    if (j < n_before && before[j] == ids[i]) {
      seen = 1;
      was = before_names[j];
    }
    if (!seen || !was || strcmp(was, name) != 0) dump_thread(f, r, ids[i], time_ns);
    if (names) {
      size_t len = strlen(name) + 1;
      if (!((*names)[i] = (char *)malloc(len))) return -1;
      memcpy((*names)[i], name, len);
    }
  }
  return (long)n;
}

static int cmd_dump(int argc, char **argv) {
  args a;
  ctrace_reader *r;
  ctrace_event ev;
  FILE *f;
  progress pr;
  double span;
  uint64_t n = 0;
  int rc, code;
  const char *out;
  if (parse_args(argc, argv, "o", &a) != 0) return EXIT_ERROR;
  if (a.help) return fputs(help_dump, stdout), EXIT_OK;
  r = open_trace(a.trace);
  if (!r) return EXIT_ERROR;
  out = a.out ? a.out : "-";
  f = open_output(out);
  if (!f) {
    ctrace_reader_close(r);
    return EXIT_ERROR;
  }
  progress_init(&pr);
  span = (double)ctrace_reader_info(r)->duration_ns;
  {
    const uint32_t *ids = NULL;
    uint32_t *first = NULL;
    char **names = NULL;
    id_set stacks = {NULL, 0, 0};
    long n_first = dump_threads(f, r, 0, 0, NULL, NULL, &names);
    uint32_t n_ids = ctrace_reader_threads(r, &ids);
    int64_t last_ns = 0;
    if (n_first >= 0 && (first = (uint32_t *)malloc((n_ids ? n_ids : 1) * sizeof *first)) != NULL)
      memcpy(first, ids, n_ids * sizeof *first);
    if (n_first < 0 || !first) {
      fail_msg(NULL, "out of memory");
      rc = CTRACE_E_NOMEM;
    } else {
      while ((rc = ctrace_reader_next(r, &ev)) > 0) {
        if (dump_stack(f, &stacks, &ev) < 0) {
          rc = CTRACE_E_NOMEM;
          break;
        }
        dump_event(f, &ev);
        last_ns = ev.time_ns;
        if ((++n & 0xFFFFu) == 0) {
          if (ferror(f)) break;
          if (span > 0) progress_update(&pr, (double)ev.time_ns / span);
        }
      }
      if (rc == 0 && dump_threads(f, r, last_ns, n_ids, first, names, NULL) < 0) rc = CTRACE_E_NOMEM;
    }
    if (names)
      for (n = 0; n < (uint64_t)(n_first > 0 ? n_first : 0); n++) free(names[n]);
    free(names);
    free(first);
    free(stacks.v);
  }
  progress_done(&pr);
  code = close_output(f, out);
  if (rc < 0 && code == EXIT_OK) {
    fail_msg(a.trace, "read error: %s", ctrace_strerror(rc));
    code = EXIT_ERROR;
  }
  if (code == EXIT_OK && info_damaged(ctrace_reader_info(r))) {
    warn_damage(a.trace, ctrace_reader_info(r));
    code = EXIT_DAMAGED;
  }
  ctrace_reader_close(r);
  return code;
}

/* ---- check ---------------------------------------------------------------------------- */

static const char help_check[] =
    "usage: ctrace check TRACE\n"
    "\n"
    "Read all of TRACE and say whether it is intact. Prints a summary on standard\n"
    "output: chunks and events kept, chunks and bytes lost, events the writer\n"
    "could not record, and for a damaged trace the byte offset of the first\n"
    "damage and why.\n"
    "\n"
    "Exit: 0 intact; 1 damaged but partly recovered (bad chunks skipped, cut\n"
    "short, or no end marker because the program never called ctrace_stop);\n"
    "2 unreadable (missing, empty, not a ctrace file, or nothing recoverable).\n";

static void print_check_summary(const char *path, const ctrace_trace_info *in, uint64_t events) {
  printf("%s: format %u, threads %u, duration %.3f ms, %llu bytes\n", path, (unsigned)in->format_version,
         (unsigned)in->threads, (double)in->duration_ns / 1e6, (unsigned long long)in->file_size);
  printf("kept: %llu chunks, %llu events\n", (unsigned long long)in->chunks_ok,
         (unsigned long long)events);
  printf("lost: %llu chunks, %llu bytes of the file; %llu events the writer could not record\n",
         (unsigned long long)in->chunks_bad, (unsigned long long)in->bytes_lost,
         (unsigned long long)in->events_lost);
  if (in->contradictions)
    printf("contradictions: %llu (the trace contradicts itself; what could not be used was set aside)\n",
           (unsigned long long)in->contradictions);
  if (in->crashed) printf("the program died of signal %d; the trace was saved\n", in->crash_signal);
  if (in->flight_window) printf("flight-recorder window (the start of the run is not included)\n");
}

static int cmd_check(int argc, char **argv) {
  args a;
  ctrace_reader *r;
  ctrace_event ev;
  const ctrace_trace_info *in;
  progress pr;
  double span;
  uint64_t events = 0;
  int rc;
  if (parse_args(argc, argv, "", &a) != 0) return EXIT_ERROR;
  if (a.help) return fputs(help_check, stdout), EXIT_OK;
  r = open_trace(a.trace);
  if (!r) return EXIT_ERROR;
  progress_init(&pr);
  span = (double)ctrace_reader_info(r)->duration_ns;
  while ((rc = ctrace_reader_next(r, &ev)) > 0) {
    if ((++events & 0xFFFFu) == 0 && span > 0) progress_update(&pr, (double)ev.time_ns / span);
  }
  progress_done(&pr);
  in = ctrace_reader_info(r);
  print_check_summary(a.trace, in, events);
  if (rc < 0) {
    fail_msg(a.trace, "unreadable after %llu events: %s", (unsigned long long)events,
             ctrace_strerror(rc));
    ctrace_reader_close(r);
    return EXIT_ERROR;
  }
  if (!info_damaged(in)) {
    printf("intact\n");
    ctrace_reader_close(r);
    return EXIT_OK;
  }
  /* Both lines when both hold: a file cut mid-chunk has damage at the cut
     and no end marker, and the missing marker is what a user must know. */
  if (in->first_damage_offset >= 0)
    printf("damaged: first damage at byte %lld: %s\n", (long long)in->first_damage_offset,
           in->first_damage[0] ? in->first_damage : "unknown reason");
  if (!in->ended) printf("damaged: %s\n", no_end_marker);
  if (in->first_damage_offset < 0 && in->ended) printf("damaged\n");
  rc = (in->chunks_ok == 0 && events == 0) ? EXIT_ERROR : EXIT_DAMAGED;
  fail_msg(a.trace, "%s: kept %llu chunks and %llu events, lost %llu chunks (%llu bytes)",
           rc == EXIT_ERROR ? "unreadable, nothing recovered" : "damaged",
           (unsigned long long)in->chunks_ok, (unsigned long long)events,
           (unsigned long long)in->chunks_bad, (unsigned long long)in->bytes_lost);
  ctrace_reader_close(r);
  return rc;
}

/* ---- verbs built on the analysis ------------------------------------------------------ */

static const char help_stats[] =
    "usage: ctrace stats TRACE [--json] [-o OUT]\n"
    "\n"
    "A summary of TRACE: duration, threads, events; zones top by total and by self\n"
    "time (like `go tool pprof -top`); memory in Go's terms (alloc, total_alloc,\n"
    "mallocs, frees) with the peak and leaks; collections; counters; problems.\n"
    "\n"
    "--json  the same figures as one JSON object (times in ns, sizes in bytes).\n"
    "        Top-level fields: version, program, pid, format_version,\n"
    "        wall_start_ns, file_size, duration_ns, events, threads,\n"
    "        events_by_kind, damage, thread_list, zones (name, file, line, count,\n"
    "        unfinished, total_ns, self_ns, mean_ns, min_ns, p50_ns, p95_ns,\n"
    "        p99_ns, max_ns, allocs, alloc_bytes; by total), tasks, gc, memory,\n"
    "        alloc_sites, leaks, counters, problems, logs, folded. See the\n"
    "        ctrace_stats_json comment in ctrace.h for every field.\n"
    "-o OUT  write to OUT instead of standard output.\n"
    "\n"
    "Exit: 0 ok; 1 damaged trace (figures cover what was recovered); 2 error.\n";

static const char help_export[] =
    "usage: ctrace export FORMAT TRACE [-o OUT] [--weight time|bytes|count]\n"
    "\n"
    "FORMAT is one of:\n"
    "  chrome  Chrome trace event JSON for Perfetto UI, chrome://tracing and\n"
    "          speedscope. Zones as B/E spans nested per thread, thread and process\n"
    "          names as metadata, counters (user counters, live heap \"heap\",\n"
    "          \"ctrace.rss\") as C events, collections (category gc) and tasks\n"
    "          (category task) as async b/e spans on their own tracks, instants\n"
    "          and log messages as i instants. Timestamps in microseconds.\n"
    "          A name longer than 256 bytes is cut there and ends in \"...[cut]\".\n"
    "          Default OUT: TRACE with .json.\n"
    "  folded  Folded stacks \"a;b;c N\" for flamegraph.pl, inferno, speedscope.\n"
    "          --weight time (default): N = self time in ns; --weight bytes:\n"
    "          N = bytes allocated with that stack innermost. A trace of\n"
    "          `ctrace run` gives the allocations' call stacks instead, with\n"
    "          --weight bytes or --weight count (N = allocations). Names longer than\n"
    "          256 bytes end in \"...[cut]\"; stacks deeper than 64 frames end in\n"
    "          a \"(deeper)\" frame that counts everything below. Default OUT:\n"
    "          TRACE with .folded.\n"
    "  csv     One row per zone: name,file,line,count,total_ns,self_ns,mean_ns,\n"
    "          min_ns,p50_ns,p95_ns,max_ns (RFC 4180 quoting). The figures equal\n"
    "          those of `ctrace stats --json`. Default OUT: TRACE with .csv.\n"
    "\n"
    "-o -  writes to standard output.\n"
    "\n"
    "Exit: 0 ok; 1 damaged trace (output covers what was recovered); 2 error.\n";

/* Analyses the trace; NULL (after a message) when nothing could be read.
   *damaged is set when the analysis covers only what was recovered. */
static ctrace_analysis *analyse(const char *trace, progress *pr, int *damaged) {
  ctrace_analysis_config cfg;
  ctrace_analysis *an = NULL;
  char err[256];
  int rc;
  memset(&cfg, 0, sizeof cfg);
  cfg.user = pr;
  cfg.on_progress = progress_update;
  err[0] = 0;
  rc = ctrace_analyze(trace, &cfg, &an, err, sizeof err);
  progress_done(pr);
  if (!an) {
    fail_lib(err, trace, rc);
    return NULL;
  }
  *damaged = rc < 0 || ctrace_analysis_summary(an)->damaged || info_damaged(&ctrace_analysis_summary(an)->info);
  if (*damaged) warn_damage(trace, &ctrace_analysis_summary(an)->info);
  if (ctrace_analysis_summary(an)->overflowed) /* said here too for CSV and folded, which have no place for it */
    fprintf(stderr, "ctrace: %s: %s: warning: overflowed: some totals passed 2^64 (2^63 for times) and show that limit\n",
            g_verb, trace);
  return an;
}

typedef int (*analysis_writer)(const ctrace_analysis *an, int option, ctrace_write_fn w, void *f);

static int write_stats_text(const ctrace_analysis *an, int option, ctrace_write_fn w, void *f) {
  (void)option;
  return ctrace_stats_text(an, w, f);
}
static int write_stats_json(const ctrace_analysis *an, int option, ctrace_write_fn w, void *f) {
  (void)option;
  return ctrace_stats_json(an, w, f);
}
static int write_csv(const ctrace_analysis *an, int option, ctrace_write_fn w, void *f) {
  (void)option;
  return ctrace_export_csv(an, w, f);
}
static int write_folded(const ctrace_analysis *an, int by_bytes, ctrace_write_fn w, void *f) {
  return ctrace_export_folded(an, by_bytes, w, f);
}

/* The shape of stats / export csv / export folded: analyse, write, close. */
static int run_analysis_output(const char *trace, const char *out, analysis_writer write,
                               int option) {
  progress pr;
  ctrace_analysis *an;
  FILE *f;
  int damaged = 0, rc, code;
  progress_init(&pr);
  an = analyse(trace, &pr, &damaged);
  if (!an) return EXIT_ERROR;
  f = open_output(out);
  if (!f) {
    ctrace_analysis_free(an);
    return EXIT_ERROR;
  }
  rc = write(an, option, ctrace_write_stdio, f);
  code = close_output(f, out);
  if (rc < 0 && code == EXIT_OK) {
    fail_msg(out, "%s", ctrace_strerror(rc));
    code = EXIT_ERROR;
  }
  ctrace_analysis_free(an);
  if (code == EXIT_OK && damaged) code = EXIT_DAMAGED;
  return code;
}

static int cmd_stats(int argc, char **argv) {
  args a;
  if (parse_args(argc, argv, "oj", &a) != 0) return EXIT_ERROR;
  if (a.help) return fputs(help_stats, stdout), EXIT_OK;
  return run_analysis_output(a.trace, a.out ? a.out : "-",
                             a.json ? write_stats_json : write_stats_text, 0);
}

static int export_chrome(const args *a) {
  char err[320];
  char *def = NULL;
  const char *out = a->out;
  progress pr;
  ctrace_export_counts counts;
  int rc;
  if (!out) {
    def = derived_name(a->trace, ".json");
    if (!def) return fail_msg(NULL, "out of memory"), EXIT_ERROR;
    out = def;
  }
  progress_init(&pr);
  err[0] = 0;
  rc = ctrace_export_chrome(a->trace, out, progress_update, &pr, &counts, err, sizeof err);
  progress_done(&pr);
  if (rc < 0) {
    fail_lib(err, a->trace, rc);
    free(def);
    return EXIT_ERROR;
  }
  free(def);
  if (counts.heap_overflowed)
    fprintf(stderr, "ctrace: %s: %s: warning: live heap bytes passed 2^64-1; the heap counter reads "
                    "18446744073709551615 from the \"ctrace.heap_overflowed\" instant on\n",
            g_verb, a->trace);
  if (info_damaged(&counts.info)) {
    warn_damage(a->trace, &counts.info);
    return EXIT_DAMAGED;
  }
  return EXIT_OK;
}

static int cmd_export(int argc, char **argv) {
  args a;
  int by_bytes = 0;
  if (parse_args(argc, argv, "owf", &a) != 0) return EXIT_ERROR;
  if (a.help) return fputs(help_export, stdout), EXIT_OK;
  if (!a.format) return usage_error("%s", "which format? chrome, folded or csv");
  if (a.weight) {
    if (!strcmp(a.weight, "bytes")) by_bytes = 1;
    else if (!strcmp(a.weight, "count")) by_bytes = CTRACE_FOLDED_COUNT;
    else if (strcmp(a.weight, "time")) return usage_error("--weight %s: use time, bytes or count", a.weight);
    if (strcmp(a.format, "folded")) return usage_error("%s", "--weight applies to folded only");
  }
  if (!strcmp(a.format, "chrome")) return export_chrome(&a);
  if (strcmp(a.format, "folded") && strcmp(a.format, "csv"))
    return usage_error("unknown format %s: use chrome, folded or csv", a.format);
  {
    int csv = !strcmp(a.format, "csv");
    char *def = a.out ? NULL : derived_name(a.trace, csv ? ".csv" : ".folded");
    int code;
    if (!a.out && !def) return fail_msg(NULL, "out of memory"), EXIT_ERROR;
    code = run_analysis_output(a.trace, a.out ? a.out : def, csv ? write_csv : write_folded,
                               by_bytes);
    free(def);
    return code;
  }
}

/* ---- png and report ---------------------------------------------------------------------- */

static const char help_png[] =
    "usage: ctrace png TRACE [-o OUT.png] [--chart heap|timeline|flame]\n"
    "                        [--width W] [--height H]\n"
    "\n"
    "Draw one chart of TRACE as a PNG, from the same layout as the report's SVG:\n"
    "  heap      live heap bytes over time with the peak marked (default)\n"
    "  timeline  zones per thread over time\n"
    "  flame     the flame graph of all threads' zones, each box with its share\n"
    "Default size 1600x900; W and H from 16 to 8192. For timeline and flame H is a\n"
    "maximum: the image ends under the chart's time axis. Default OUT: TRACE with .png;\n"
    "-o - writes the PNG to standard output.\n"
    "\n"
    "Exit: 0 ok; 1 damaged trace (chart of what was recovered); 2 error, or PNG\n"
    "support not built in (needs stb_image_write.h, Debian libstb-dev).\n";

static const char help_report[] =
    "usage: ctrace report TRACE [-o OUT.html] [--baseline BASE.ctrace] [--symbols DIR]\n"
    "\n"
    "Write one self-contained HTML file (no network access) about TRACE: summary,\n"
    "timeline, zones, flame graph, memory, messages. With --baseline, compare\n"
    "the two runs: both heaps on one time axis, the zone table with before, after\n"
    "and delta columns, the flame graph coloured by change.\n"
    "With --symbols DIR (any verb; repeatable), the binaries of a program built\n"
    "with -finstrument-functions and CTRACE_INSTRUMENT_FUNCTIONS are looked for in\n"
    "DIR first, by file name, when they are no longer where they ran.\n"
    "Default OUT: TRACE with .html; -o - writes to standard output.\n"
    "\n"
    "Exit: 0 ok; 1 damaged trace (report of what was recovered, with a warning\n"
    "in it); 2 error.\n";

/* Functions of a CTRACE_INSTRUMENT_FUNCTIONS trace that have no name, or
   no file and line for a reason the user can act on; from the facts the
   report's own read gathered (the trace is not read again for them). */
static void symbols_warning(const char *trace, const ctrace_trace_info *in) {
  if (in->functions_unresolved)
    fail_msg(trace, "warning: %u of %u functions have no name (%s); --symbols DIR points at moved binaries",
             in->functions_unresolved, in->functions, in->symbols_note);
  if (in->functions_mangled)
    fail_msg(trace, "note: %u C++ function names are shown mangled (no demangler); c++filt turns them back",
             in->functions_mangled);
  if (in->functions_without_line && in->lines_note[0])
    fail_msg(trace, "warning: %u of %u functions have no file and line: %s", in->functions_without_line,
             in->functions, in->lines_note);
}

/* ctrace_png analyses the trace itself: for the timeline it needs the zone
   spans, which only its own pass over the events collects. */
static int png_run(const args *a) {
  ctrace_png_config cfg;
  progress pr;
  char err[320];
  char *def = a->out ? NULL : derived_name(a->trace, ".png");
  const char *out = a->out ? a->out : def;
  ctrace_input_result found;
  int rc;
  if (!out) return fail_msg(NULL, "out of memory"), EXIT_ERROR;
  if (refuse_output(out)) return free(def), EXIT_ERROR;
  progress_init(&pr);
  memset(&cfg, 0, sizeof cfg);
  cfg.result = &found;
  cfg.chart = !a->chart || !strcmp(a->chart, "heap") ? CTRACE_CHART_HEAP
              : !strcmp(a->chart, "timeline")        ? CTRACE_CHART_TIMELINE
                                                     : CTRACE_CHART_FLAME;
  cfg.width = (int)a->width;
  cfg.height = (int)a->height;
  cfg.progress = progress_stage;
  cfg.progress_user = &pr;
  err[0] = 0;
  cfg.error = err;
  cfg.error_size = sizeof err;
  rc = ctrace_png(a->trace, out, &cfg);
  progress_done(&pr);
  free(def);
  if (rc < 0) {
    fail_lib(err, a->trace, rc);
    return EXIT_ERROR;
  }
  if (found.read && info_damaged(&found.info)) found.damaged = 1, warn_damage(a->trace, &found.info);
  else if (found.damaged) fail_msg(a->trace, "warning: damaged trace; the chart covers what was recovered");
  return found.damaged ? EXIT_DAMAGED : EXIT_OK;
}

static int cmd_png(int argc, char **argv) {
  args a;
  if (parse_args(argc, argv, "ocs", &a) != 0) return EXIT_ERROR;
  if (a.help) return fputs(help_png, stdout), EXIT_OK;
  if (a.chart && strcmp(a.chart, "heap") && strcmp(a.chart, "timeline") && strcmp(a.chart, "flame"))
    return usage_error("unknown chart %s: use heap, timeline or flame", a.chart);
  return png_run(&a);
}

static int cmd_report(int argc, char **argv) {
  args a;
  if (parse_args(argc, argv, "ob", &a) != 0) return EXIT_ERROR;
  if (a.help) return fputs(help_report, stdout), EXIT_OK;
  {
    ctrace_report_config cfg;
    progress pr;
    char err[320];
    char *def = a.out ? NULL : derived_name(a.trace, ".html");
    const char *out = a.out ? a.out : def;
    ctrace_input_result found;
    int rc;
    if (!out) return fail_msg(NULL, "out of memory"), EXIT_ERROR;
    if (refuse_output(out)) return free(def), EXIT_ERROR;
    memset(&cfg, 0, sizeof cfg);
    cfg.result = &found;
    progress_init(&pr);
    err[0] = 0;
    cfg.baseline_path = a.baseline;
    cfg.progress = progress_stage;
    cfg.progress_user = &pr;
    cfg.error = err;
    cfg.error_size = sizeof err;
    rc = ctrace_report_html(a.trace, out, &cfg);
    progress_done(&pr);
    free(def);
    if (rc < 0) {
      fail_lib(err, a.trace, rc);
      return EXIT_ERROR;
    }
    if (found.read) symbols_warning(a.trace, &found.info);
    if (found.read && info_damaged(&found.info)) {
      warn_damage(a.trace, &found.info);
      return EXIT_DAMAGED;
    }
    if (found.damaged || found.baseline_damaged) {
      fail_msg(found.damaged ? a.trace : a.baseline,
               "warning: damaged trace; the report covers what was recovered");
      return EXIT_DAMAGED;
    }
    return EXIT_OK;
  }
}

/* ---- run --------------------------------------------------------------------------- */

static const char help_run[] =
    "usage: ctrace run [OPTIONS] [--] PROGRAM [ARGS...]\n"
    "\n"
    "Run PROGRAM, unchanged, and record its allocations (malloc, calloc, realloc,\n"
    "free and the rest of the family) with their call stacks. It works by\n"
    "preloading libctrace-preload.so (found beside this tool or in ../lib), which\n"
    "is what LD_PRELOAD=.../libctrace-preload.so CTRACE_FILE=OUT PROGRAM does by\n"
    "hand. PROGRAM must be dynamically linked and not set-user-ID.\n"
    "\n"
    "Options:\n"
    "  -o FILE            the trace (default: PROGRAM's name + .ctrace, here)\n"
    "  --report           also write the HTML report (FILE with .html) at the end\n"
    "  --depth N          frames kept per call stack, 1 to 256 (default 64)\n"
    "  --functions        also record every call of code built with\n"
    "                     -finstrument-functions (no ctrace.h needed in it)\n"
    "  --min-ns N         with --functions: drop calls shorter than N ns\n"
    "  --flight-ms N      flight recorder: keep only about the last N ms,\n"
    "                     written at the end\n"
    "  --flight-bytes N   flight recorder: keep only the last N bytes\n"
    "\n"
    "A program PROGRAM starts with exec writes FILE's name + .PID.ctrace; a child\n"
    "that forks without exec writes nothing. The exit status is PROGRAM's (128 +\n"
    "the signal if a signal ended it), or 2 if it could not be run.\n";

#ifndef _WIN32
#include <signal.h>
#include <sys/wait.h>

/* PROGRAM as the shell would find it: itself if it names a path, else the
   first executable of that name in PATH. NULL if none. */
static char *find_program(const char *prog) {
  const char *path = getenv("PATH"), *p;
  if (strchr(prog, '/')) return strdup(prog);
  for (p = path ? path : "/usr/bin:/bin"; p; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL) {
    size_t dl = strchr(p, ':') ? (size_t)(strchr(p, ':') - p) : strlen(p);
    size_t n = (dl ? dl : 1) + 1 + strlen(prog) + 1;
    char *c = (char *)malloc(n);
    if (!c) return NULL;
    snprintf(c, n, "%.*s/%s", (int)(dl ? dl : 1), dl ? p : ".", prog);
    if (access(c, X_OK) == 0) return c;
    free(c);
  }
  return NULL;
}

/* Why the loader would not preload into the program at path, or NULL when
   it would: a statically linked ELF has no loader (no PT_INTERP), and a
   set-user-ID or set-group-ID one runs in secure mode (LD_PRELOAD ignored).
   Anything that is not ELF (a script) is left to its interpreter. */
static const char *preload_refusal(const char *path) {
  unsigned char h[64], ph[56];
  struct stat st;
  FILE *f;
  uint64_t phoff, i;
  unsigned phnum, phentsize;
  int is64, interp = 0;
  if (stat(path, &st) != 0) return NULL; /* exec will say why */
  if (st.st_mode & (S_ISUID | S_ISGID))
    return "is set-user-ID or set-group-ID: the loader ignores LD_PRELOAD for such programs "
           "(secure execution). Run a copy without the bit (cp PROGRAM /tmp/p; ctrace run -- /tmp/p), "
           "or build it with ctrace.h";
  if (!(f = fopen(path, "rb"))) return NULL;
  if (fread(h, 1, sizeof h, f) != sizeof h || memcmp(h, "\177ELF", 4) != 0 || h[5] != 1) {
    fclose(f);
    return NULL; /* not ELF, or big-endian: not ours to judge */
  }
  is64 = h[4] == 2;
  phoff = is64 ? (uint64_t)h[32] | (uint64_t)h[33] << 8 | (uint64_t)h[34] << 16 | (uint64_t)h[35] << 24 |
                     (uint64_t)h[36] << 32 | (uint64_t)h[37] << 40
               : (uint64_t)h[28] | (uint64_t)h[29] << 8 | (uint64_t)h[30] << 16 | (uint64_t)h[31] << 24;
  phentsize = is64 ? (unsigned)(h[54] | h[55] << 8) : (unsigned)(h[42] | h[43] << 8);
  phnum = is64 ? (unsigned)(h[56] | h[57] << 8) : (unsigned)(h[44] | h[45] << 8);
  for (i = 0; i < phnum && phentsize >= 4 && phentsize <= sizeof ph; i++) {
    if (fseek(f, (long)(phoff + i * phentsize), SEEK_SET) != 0 || fread(ph, 1, phentsize, f) != phentsize) break;
    if ((ph[0] | ph[1] << 8 | ph[2] << 16 | (unsigned)ph[3] << 24) == 3) interp = 1; /* PT_INTERP */
  }
  fclose(f);
  if (!interp)
    return "is statically linked: no dynamic loader runs in it, so no library can be preloaded to see its "
           "allocations. Link it dynamically (without -static) to use ctrace run, or record it from the "
           "inside with ctrace.h (ctrace_malloc, CTRACE_INSTRUMENT_FUNCTIONS)";
  return NULL;
}

/* The preload library: beside this executable, or in ../lib from it. */
static char *find_preload(void) {
  static const char *const rel[] = {"libctrace-preload.so", "../lib/libctrace-preload.so"};
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  char *dir_end, *c;
  size_t i;
  if (n <= 0) return NULL;
  self[n] = 0;
  if (!(dir_end = strrchr(self, '/'))) return NULL;
  dir_end[1] = 0;
  for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
    size_t len = strlen(self) + strlen(rel[i]) + 1;
    if (!(c = (char *)malloc(len))) return NULL;
    snprintf(c, len, "%s%s", self, rel[i]);
    if (access(c, R_OK) == 0) return c;
    free(c);
  }
  return NULL;
}

typedef struct run_args {
  const char *out;
  int report, functions;
  long depth, min_ns, flight_ms, flight_bytes;
  char **argv;               /* PROGRAM ARGS..., NULL-terminated */
} run_args;

static int parse_run_args(int argc, char **argv, run_args *a) {
  int i;
  memset(a, 0, sizeof *a);
  for (i = 0; i < argc && argv[i][0] == '-'; i++) {
    const char *s = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
    long *num = NULL;
    if (!strcmp(s, "--")) {
      i++;
      break;
    } else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      fputs(help_run, stdout);
      exit(EXIT_OK);
    } else if (!strcmp(s, "-o")) {
      if (!next) return usage_error("%s needs a file name", s);
      a->out = argv[++i];
    } else if (!strcmp(s, "--report")) {
      a->report = 1;
    } else if (!strcmp(s, "--functions")) {
      a->functions = 1;
    } else if (!strcmp(s, "--depth")) {
      num = &a->depth;
    } else if (!strcmp(s, "--min-ns")) {
      num = &a->min_ns;
    } else if (!strcmp(s, "--flight-ms")) {
      num = &a->flight_ms;
    } else if (!strcmp(s, "--flight-bytes")) {
      num = &a->flight_bytes;
    } else {
      return usage_error("unknown option %s", s);
    }
    if (num) {
      if (!next || parse_long(next, num) != 0 || *num < 0 || (num == &a->depth && (*num < 1 || *num > 256)))
        return usage_error(num == &a->depth ? "%s needs a number from 1 to 256" : "%s needs a number >= 0", s);
      i++;
    }
  }
  if (i >= argc) return usage_error("%s", "which program? ctrace run [OPTIONS] -- PROGRAM [ARGS...]");
  a->argv = argv + i;
  return 0;
}

static void set_env_long(const char *name, long v) {
  char b[32];
  snprintf(b, sizeof b, "%ld", v);
  setenv(name, b, 1);
}

/* In the child: the environment the library reads, then the program. */
static void run_child(const run_args *a, const char *prog, const char *lib, const char *trace) {
  const char *old = getenv("LD_PRELOAD");
  size_t n = strlen(lib) + (old ? strlen(old) + 1 : 0) + 1;
  char *pre = (char *)malloc(n);
  if (!pre) _exit(127);
  snprintf(pre, n, "%s%s%s", lib, old && *old ? ":" : "", old ? old : "");
  setenv("LD_PRELOAD", pre, 1);
  setenv("CTRACE_FILE", trace, 1);
  unsetenv("CTRACE_RUN_CLAIMED");
  if (a->depth) set_env_long("CTRACE_STACK_DEPTH", a->depth);
  if (a->functions) setenv("CTRACE_FUNCTIONS", "1", 1);
  if (a->min_ns) set_env_long("CTRACE_FUNCTION_MIN_NS", a->min_ns);
  if (a->flight_ms) set_env_long("CTRACE_FLIGHT_MS", a->flight_ms);
  if (a->flight_bytes) set_env_long("CTRACE_FLIGHT_BYTES", a->flight_bytes);
  signal(SIGINT, SIG_DFL);
  signal(SIGQUIT, SIG_DFL);
  execv(prog, a->argv);
  fprintf(stderr, "ctrace: run: %s: cannot run: %s\n", prog, strerror(errno));
  _exit(127);
}

/* The trace's default name: the program's file name + .ctrace, here. */
static char *default_trace_name(const char *prog) {
  const char *base = strrchr(prog, '/');
  size_t n;
  char *s;
  base = base ? base + 1 : prog;
  n = strlen(base) + sizeof ".ctrace";
  if (!(s = (char *)malloc(n))) return NULL;
  snprintf(s, n, "%s.ctrace", base);
  return s;
}

/* An absolute path, so that a program that changes directory still writes
   (and names its children's traces) where asked. */
static char *absolute(const char *path) {
  char cwd[4096];
  size_t n;
  char *s;
  if (path[0] == '/' || !getcwd(cwd, sizeof cwd)) return strdup(path);
  n = strlen(cwd) + 1 + strlen(path) + 1;
  if (!(s = (char *)malloc(n))) return NULL;
  snprintf(s, n, "%s/%s", cwd, path);
  return s;
}

static int cmd_run(int argc, char **argv) {
  run_args a;
  char *prog, *lib, *trace, *def = NULL;
  const char *why;
  pid_t pid;
  int status = 0, rc;
  struct sigaction ign, old_int, old_quit;
  if (parse_run_args(argc, argv, &a) != 0) return EXIT_ERROR;
  if (!(prog = find_program(a.argv[0]))) return fail_msg(a.argv[0], "no such program (not a path, not in PATH)"), EXIT_ERROR;
  if ((why = preload_refusal(prog)) != NULL) {
    fail_msg(prog, "%s", why);
    free(prog);
    return EXIT_ERROR;
  }
  if (!(lib = find_preload())) {
    fail_msg(NULL, "libctrace-preload.so is neither beside this ctrace nor in ../lib (make builds it; make install "
                   "installs it)");
    free(prog);
    return EXIT_ERROR;
  }
  if (!a.out && !(def = default_trace_name(prog))) return fail_msg(NULL, "out of memory"), EXIT_ERROR;
  trace = absolute(a.out ? a.out : def);
  free(def);
  if (!trace) return fail_msg(NULL, "out of memory"), EXIT_ERROR;
  remove(trace); /* what is there after the run is this run's */
  /* Like system(): ^C goes to the program; the tool waits for it. */
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGINT, &ign, &old_int);
  sigaction(SIGQUIT, &ign, &old_quit);
  fflush(NULL);
  pid = fork();
  if (pid == 0) run_child(&a, prog, lib, trace);
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGQUIT, &old_quit, NULL);
  if (pid < 0) {
    fail_msg(NULL, "cannot start %s: %s", prog, strerror(errno));
    rc = EXIT_ERROR;
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && access(trace, F_OK) != 0) {
    rc = EXIT_ERROR; /* the child said why */
  } else if (access(trace, F_OK) != 0) {
    fail_msg(trace, "%s wrote no trace (the library was not loaded: LD_PRELOAD removed or ignored?)", prog);
    rc = EXIT_ERROR;
  } else {
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : EXIT_ERROR;
    if (a.report) {
      char err[320], *html = derived_name(trace, ".html");
      ctrace_report_config cfg;
      memset(&cfg, 0, sizeof cfg);
      err[0] = 0;
      cfg.error = err;
      cfg.error_size = sizeof err;
      if (!html || ctrace_report_html(trace, html, &cfg) < 0) {
        fail_lib(err, trace, CTRACE_E_WRITE);
        if (rc == 0) rc = EXIT_ERROR;
      } else {
        fprintf(stderr, "ctrace: run: wrote %s and %s\n", trace, html);
      }
      free(html);
    } else {
      fprintf(stderr, "ctrace: run: wrote %s\n", trace);
    }
  }
  free(trace);
  free(lib);
  free(prog);
  return rc;
}
#else
static int cmd_run(int argc, char **argv) {
  if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
    fputs(help_run, stdout);
    return EXIT_OK;
  }
  fail_msg(NULL, "run needs LD_PRELOAD (Linux and other ELF systems)");
  return EXIT_ERROR;
}
#endif

/* ---- version, help, main -------------------------------------------------------------------- */

static const char help_main[] =
    "usage: ctrace VERB [ARGS]   (ctrace VERB --help for each verb)\n"
    "\n"
    "Verbs:\n"
    "  dump TRACE                      every event, one per line (tab-separated)\n"
    "  check TRACE                     is the trace intact? what was lost?\n"
    "  stats TRACE [--json]            summary: zones top, memory, collections\n"
    "  export chrome TRACE [-o OUT]    Chrome trace JSON (Perfetto, speedscope)\n"
    "  export folded TRACE [--weight time|bytes|count] [-o OUT]   folded stacks\n"
    "  export csv TRACE [-o OUT]       one row per zone\n"
    "  png TRACE [-o OUT.png] [--chart heap|timeline|flame] [--width W] [--height H]\n"
    "  report TRACE [-o OUT.html] [--baseline BASE.ctrace]   self-contained HTML\n"
    "  run [-o OUT] [--report] -- PROGRAM [ARGS]   record an unchanged program's\n"
    "                                  allocations with their call stacks\n"
    "  version                         tool and format version\n"
    "  help                            this text\n"
    "\n"
    "-o - writes to standard output. Default output names replace TRACE's\n"
    "extension: .json, .folded, .csv, .png, .html. Errors go to stderr as\n"
    "`ctrace: VERB: FILE: reason`. On a terminal, a verb that runs longer than\n"
    "a second shows its progress on stderr.\n"
    "\n"
    "Exit codes (every verb):\n"
    "  0  done; the trace was intact\n"
    "  1  damaged trace: done with what could be recovered (a warning on stderr;\n"
    "     for check: damaged but partly recovered). A trace with no end marker\n"
    "     (the program ended by _exit, exec, abort or a kill) counts as damaged\n"
    "  2  nothing done: missing, empty or unreadable trace, bad usage, or the\n"
    "     output could not be written\n";

static int cmd_version(int argc, char **argv) {
  (void)argv;
  if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")))
    return puts("usage: ctrace version\n\nPrint the tool's version and the trace format version it reads."),
           EXIT_OK;
  printf("ctrace %s (trace format %d)%s\n", CTRACE_VERSION_STRING, CTRACE_FORMAT_VERSION,
#ifdef CTRACE_WITH_PNG
         ", PNG output"
#else
         ", without PNG output"
#endif
  );
  return EXIT_OK;
}

static int cmd_help(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs(help_main, stdout);
  return EXIT_OK;
}

typedef struct verb {
  const char *name;
  int (*run)(int argc, char **argv);
} verb;

static const verb verbs[] = {
    {"dump", cmd_dump},     {"check", cmd_check},   {"stats", cmd_stats},
    {"export", cmd_export}, {"png", cmd_png},       {"report", cmd_report},
    {"run", cmd_run},       {"version", cmd_version}, {"help", cmd_help},
};

int main(int argc, char **argv) {
  size_t i;
  const char *name = argc > 1 ? argv[1] : NULL;
  if (!name) {
    fputs(help_main, stderr);
    return EXIT_ERROR;
  }
  if (!strcmp(name, "--help") || !strcmp(name, "-h")) name = "help";
  if (!strcmp(name, "--version")) name = "version";
  for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
    if (!strcmp(name, verbs[i].name)) {
      g_verb = verbs[i].name;
      return verbs[i].run(argc - 2, argv + 2);
    }
  }
  fprintf(stderr, "ctrace: unknown verb '%s' (try: ctrace help)\n", name);
  return EXIT_ERROR;
}
