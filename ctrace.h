/* ctrace.h - trace what a C program does over time, in one header.
   MIT licence at the end of this file.

   ABOUT
   ctrace records zones, threads, counters, log messages, tasks, allocations and
   collection phases into a compact binary file, reads that file back, and turns
   it into reports. Think of Go's runtime/trace plus `go tool trace`, for C.

   QUICK START
   In exactly one .c file:
       #define CTRACE_IMPLEMENTATION
       #include "ctrace.h"
   Everywhere else just #include "ctrace.h". Then:
       ctrace_start("run.ctrace");          -- like Go's trace.Start
       CTRACE_THREAD_NAME("main");
       { CTRACE_ZONE("parse"); ... }        -- a zone scoped to its block
       ctrace_stop();                       -- flushes and closes
   Link with -lpthread on POSIX systems.

   CONTENTS (grep for the ">>" tags)
     >>options       compile-time options
     >>api           public API: session, instrumentation, memory, reader
     >>macros        instrumentation macros
     >>impl          implementation
       >>platform    clock, threads, atomics, files (one ladder per concern)
       >>format      the on-disk format (see README.md for the full spec)
       >>writer      per-thread buffers, the writer thread, sessions
       >>memory      tracked allocator and memstats
       >>reader      streaming reader with time-ordered merge
     >>licence

   COMPILE-TIME OPTIONS (>>options)
   +------------------------+--------------------------------------------------+
   | CTRACE_IMPLEMENTATION  | define in one file to compile the implementation |
   | CTRACE_ENABLED 0       | every instrumentation macro compiles to nothing  |
   | CTRACE_DISABLE         | same as CTRACE_ENABLED 0                         |
   | CTRACE_STATIC          | make every function static (one-file programs)   |
   | CTRACE_MEM_ALLOC/_FREE/ | allocator used by ctrace itself; define all      |
   |   CTRACE_MEM_REALLOC   |   three or none                                  |
   | CTRACE_NO_MEMORY_MACROS| do not define the ctrace_malloc(...) site macros |
   +------------------------+--------------------------------------------------+
*/
#ifndef CTRACE_H
#define CTRACE_H

#include <stddef.h>
#include <stdint.h>

/* >>options */
#if defined(CTRACE_DISABLE) && !defined(CTRACE_ENABLED)
#define CTRACE_ENABLED 0
#endif
#ifndef CTRACE_ENABLED
#define CTRACE_ENABLED 1
#endif

#ifdef CTRACE_STATIC
#define CTRACE_API static
#else
#define CTRACE_API extern
#endif

#define CTRACE_VERSION_STRING "0.1.0"
#define CTRACE_FORMAT_VERSION 1

#ifdef __cplusplus
extern "C" {
#endif

/* >>api ===================================================================== */

/* Result codes: 0 is success, every failure is negative. ctrace_strerror()
   turns a code into a sentence. The X-macro keeps the enum and its strings
   in step. */
#define CTRACE__ERRORS(X)                                                        \
  X(CTRACE_OK, 0, "success")                                                     \
  X(CTRACE_E_INVALID, -1, "invalid argument")                                    \
  X(CTRACE_E_ALREADY_STARTED, -2, "a trace is already running")                  \
  X(CTRACE_E_NOT_STARTED, -3, "no trace is running")                             \
  X(CTRACE_E_OPEN, -4, "cannot open the file")                                   \
  X(CTRACE_E_WRITE, -5, "cannot write the trace file (disk full or I/O error)")  \
  X(CTRACE_E_NOMEM, -6, "out of memory")                                         \
  X(CTRACE_E_LOST, -7, "events were lost; the trace records how many")           \
  X(CTRACE_E_THREAD, -8, "cannot start the writer thread")                       \
  X(CTRACE_E_READ, -9, "cannot read the file")                                   \
  X(CTRACE_E_FORMAT, -10, "not a ctrace file (bad magic or header)")             \
  X(CTRACE_E_VERSION, -11, "trace format version not supported")                 \
  X(CTRACE_E_CORRUPT, -12, "the trace is damaged")                               \
  X(CTRACE_E_TRUNCATED, -13, "the trace is cut short")                           \
  X(CTRACE_E_NOT_FLIGHT, -14, "no flight recorder is running")                   \
  X(CTRACE_E_EMPTY, -15, "the file is empty")                                   \
  X(CTRACE_E_UNSUPPORTED, -16, "not supported in this build")

typedef enum ctrace_result {
#define CTRACE__ENUM(name, value, text) name = value,
  CTRACE__ERRORS(CTRACE__ENUM)
#undef CTRACE__ENUM
  CTRACE__E_LAST = -17
} ctrace_result;

/* A sentence for a result code; never NULL, never changes. Thread-safe. */
CTRACE_API const char *ctrace_strerror(int code);

/* ---- Session ---------------------------------------------------------------
   A zero-initialised config means defaults. */
enum ctrace_clock_choice {
  CTRACE_CLOCK_AUTO = 0,      /* the CPU counter where reliable, else monotonic */
  CTRACE_CLOCK_CPU = 1,       /* the CPU's time-stamp counter */
  CTRACE_CLOCK_MONOTONIC = 2  /* the OS monotonic clock */
};

typedef struct ctrace_config {
  uint32_t buffer_size;      /* bytes per thread buffer (= max chunk); default 65536 */
  uint32_t flush_period_ms;  /* writer wakes and flushes idle threads; default 100 */
  int clock;                 /* enum ctrace_clock_choice; default AUTO */
  uint32_t max_buffers;      /* buffers queued for writing before threads wait; default 256 */
  uint32_t rss_sample_ms;    /* sample resident memory as counter "ctrace.rss"; 0 = off */
  uint64_t flight_bytes;     /* >0: flight recorder, keep the last N bytes in memory */
  uint32_t flight_ms;        /* >0: flight recorder, keep about the last N ms */
  int catch_fatal_signals;   /* nonzero: on SIGSEGV/SIGBUS/SIGABRT/SIGFPE/SIGILL
                                write what is buffered, mark the trace crashed */
} ctrace_config;

/* Start tracing into the file at path (created or truncated). Returns 0, or
   CTRACE_E_ALREADY_STARTED, CTRACE_E_OPEN, CTRACE_E_NOMEM, CTRACE_E_THREAD.
   One session at a time per process. Thread-safe. */
CTRACE_API int ctrace_start(const char *path);
/* As ctrace_start with a config (NULL = defaults). In flight-recorder mode
   (flight_bytes or flight_ms set) path may be NULL: nothing is written until
   ctrace_flight_dump(). */
CTRACE_API int ctrace_start_with(const char *path, const ctrace_config *cfg);
/* Stop: write every buffered event and an end marker, close the file.
   Returns 0, or the first write error (CTRACE_E_WRITE), or CTRACE_E_LOST when
   events could not be written (their number is in the trace). */
CTRACE_API int ctrace_stop(void);
/* Write everything buffered so far, from every thread, to the file. */
CTRACE_API int ctrace_flush(void);
/* 1 while a session is running. Costs one load. */
CTRACE_API int ctrace_enabled(void);
/* Flight recorder: write the retained window as a complete trace to path.
   Any number of times, from any thread. CTRACE_E_NOT_FLIGHT otherwise. */
CTRACE_API int ctrace_flight_dump(const char *path);

/* Counts since the session began (any thread, any time). */
typedef struct ctrace_session_stats {
  uint64_t events_lost;      /* events that could not be written */
  uint64_t bytes_written;    /* bytes written to the file so far */
  uint64_t chunks_written;
  uint32_t threads;          /* threads that recorded at least one event */
  int error;                 /* first write error, or 0 */
} ctrace_session_stats;
CTRACE_API void ctrace_session_stats_get(ctrace_session_stats *out);

/* ---- Instrumentation entry points -----------------------------------------
   Use the CTRACE_* macros below; these functions are what they expand to.
   A site is one macro use in the source: its file and line, and a cache of
   the name's id. Sites are static objects the macros create. */
typedef struct ctrace_site {
  const char *file;
  uint32_t line;
  uint32_t id;               /* 0 until the name is interned; written atomically */
} ctrace_site;

/* Nonzero while a session runs; read by the macros so a disabled trace costs
   one load and one branch. Internal: never write it. */
CTRACE_API volatile int ctrace__active;

CTRACE_API int ctrace_zone_begin(ctrace_site *site, const char *name, int name_is_literal);
CTRACE_API void ctrace_zone_end(void);
CTRACE_API void ctrace_instant(ctrace_site *site, const char *name, int name_is_literal);
CTRACE_API void ctrace_counter(ctrace_site *site, const char *name, int name_is_literal, int64_t value);
CTRACE_API void ctrace_counter_f(ctrace_site *site, const char *name, int name_is_literal, double value);
CTRACE_API void ctrace_log(ctrace_site *site, const char *category, int category_is_literal,
                           const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
CTRACE_API void ctrace_thread_name(const char *name);
/* Tasks are rare: their names are interned by text, no site cache. */
CTRACE_API uint64_t ctrace_task_begin(const char *name, const char *file, int line);
CTRACE_API void ctrace_task_end(uint64_t id);
CTRACE_API void ctrace_gc_begin(ctrace_site *site, const char *reason, int reason_is_literal);
CTRACE_API void ctrace_gc_end(void);
CTRACE_API void ctrace_alloc_event(ctrace_site *site, const void *ptr, uint64_t size);
CTRACE_API void ctrace_free_event(ctrace_site *site, const void *ptr);

/* ---- Memory -----------------------------------------------------------------
   Tracked allocator: behaves exactly like malloc/calloc/realloc/free whether
   or not a trace runs; records the caller's site while one does. The macros
   below capture file and line; call the _at forms directly from wrappers. */
CTRACE_API void *ctrace_malloc_at(size_t size, const char *file, int line);
CTRACE_API void *ctrace_calloc_at(size_t n, size_t size, const char *file, int line);
CTRACE_API void *ctrace_realloc_at(void *ptr, size_t size, const char *file, int line);
CTRACE_API void ctrace_free_at(void *ptr, const char *file, int line);

/* Modelled on Go's runtime.MemStats; covers memory allocated through
   ctrace_malloc & co and raw CTRACE_ALLOC/CTRACE_FREE events, plus the
   collection phases. Correct from any thread at any time. */
typedef struct ctrace_memstats {
  uint64_t alloc;            /* bytes live now */
  uint64_t heap_alloc;       /* same as alloc (Go keeps both names) */
  uint64_t total_alloc;      /* bytes ever allocated */
  uint64_t mallocs;          /* allocations ever made */
  uint64_t frees;            /* frees ever made */
  uint64_t peak_alloc;       /* highest alloc seen */
  uint32_t num_gc;           /* completed collections (CTRACE_GC_END) */
  uint64_t pause_total_ns;   /* time inside collections */
  uint64_t last_gc_ns;       /* wall-clock end of the last collection, ns since 1970 */
  uint64_t rss;              /* resident memory from the OS, 0 where unknown */
} ctrace_memstats;
CTRACE_API void ctrace_read_memstats(ctrace_memstats *ms);

/* ---- Reader -----------------------------------------------------------------
   Streams a trace's events in time order, merged across threads. Memory is
   bounded by the chunk size times the number of threads. */
typedef enum ctrace_event_kind {
  CTRACE_EV_ZONE_BEGIN = 1,  /* name, file, line */
  CTRACE_EV_ZONE_END = 2,    /* closes the thread's innermost zone */
  CTRACE_EV_INSTANT = 3,     /* name, file, line */
  CTRACE_EV_COUNTER = 4,     /* name, value (int64) */
  CTRACE_EV_COUNTER_F = 5,   /* name, fvalue (double) */
  CTRACE_EV_LOG = 6,         /* name = category, message */
  CTRACE_EV_TASK_BEGIN = 7,  /* name, id */
  CTRACE_EV_TASK_END = 8,    /* id */
  CTRACE_EV_ALLOC = 9,       /* ptr, size, file, line */
  CTRACE_EV_FREE = 10,       /* ptr, file, line; size = size freed, 0 if unknown */
  CTRACE_EV_GC_BEGIN = 11,   /* name = reason */
  CTRACE_EV_GC_END = 12,
  CTRACE_EV_LOSS = 13,       /* value = events lost at this point */
  CTRACE_EV_MEM_PROBLEM = 14,/* name = what (double free, untracked free...), ptr */
  CTRACE_EV_UNKNOWN = 63     /* a kind this reader does not know (skipped safely) */
} ctrace_event_kind;

typedef struct ctrace_event {
  int kind;                  /* ctrace_event_kind */
  uint32_t thread;           /* ctrace thread id (1, 2, ...) */
  int64_t time_ns;           /* ns since the trace started */
  const char *name;          /* zone/counter/task name, log category; "" if none */
  const char *message;       /* log text; "" if none */
  uint32_t message_len;      /* bytes in message (it is also NUL-terminated) */
  const char *file;          /* source file of the site; "" if none */
  uint32_t line;
  int64_t value;             /* counter value, LOSS count */
  double fvalue;             /* float counter value */
  uint64_t id;               /* task id */
  uint64_t ptr;              /* ALLOC/FREE address */
  uint64_t size;             /* ALLOC size */
  uint32_t raw_kind;         /* kind byte as stored (for UNKNOWN) */
} ctrace_event;
/* The strings in an event stay valid until the reader is closed. */

typedef struct ctrace_trace_info {
  uint32_t format_version;
  double ticks_per_second;   /* clock frequency used for timestamps */
  int clock;                 /* enum ctrace_clock_choice actually used */
  uint64_t wall_start_ns;    /* wall clock at start, ns since 1970 */
  uint64_t mono_start_ns;    /* monotonic clock at start */
  int64_t duration_ns;       /* start to end marker (or to the last event) */
  uint32_t pid;
  char program[256];
  uint32_t threads;          /* threads with events */
  uint64_t file_size;
  uint64_t chunks_ok;
  uint64_t chunks_bad;       /* chunks skipped as damaged */
  uint64_t bytes_lost;       /* bytes of the file that could not be used */
  uint64_t events_lost;      /* events the writer recorded as lost */
  int ended;                 /* 1 if an end marker was found */
  int crashed;               /* end marker says the program died of a signal */
  int crash_signal;
  int truncated;             /* the file is cut short after its last complete chunk */
  int flight_window;         /* written by ctrace_flight_dump */
  int64_t first_damage_offset;/* -1 if none */
  char first_damage[160];    /* a sentence about the first damage found */
} ctrace_trace_info;

typedef struct ctrace_reader ctrace_reader;

/* Open a trace. On failure returns a negative code, *out is NULL, and if err
   is not NULL it receives a sentence naming the reason and the byte offset. */
CTRACE_API int ctrace_reader_open(ctrace_reader **out, const char *path, char *err, size_t err_size);
/* As above over bytes in memory; they must outlive the reader. */
CTRACE_API int ctrace_reader_open_memory(ctrace_reader **out, const void *data, size_t size,
                                         char *err, size_t err_size);
/* Next event in time order: 1 with *ev filled, 0 at the end, negative on a
   read error. Damaged chunks are skipped and counted in the info. */
CTRACE_API int ctrace_reader_next(ctrace_reader *r, ctrace_event *ev);
/* Facts about the trace. Damage counts are final once next() returned 0. */
CTRACE_API const ctrace_trace_info *ctrace_reader_info(const ctrace_reader *r);
/* Name of a thread ("" if unnamed) and its OS thread id (0 if unknown). */
CTRACE_API const char *ctrace_reader_thread_name(const ctrace_reader *r, uint32_t thread);
CTRACE_API uint64_t ctrace_reader_thread_os_id(const ctrace_reader *r, uint32_t thread);
/* Thread ids that appear in the trace, ascending. Returns the count. */
CTRACE_API uint32_t ctrace_reader_threads(const ctrace_reader *r, const uint32_t **ids);
CTRACE_API void ctrace_reader_close(ctrace_reader *r);
/* Name of an event kind ("zone_begin", ...). */
CTRACE_API const char *ctrace_event_kind_name(int kind);

/* >>api:analysis */
/* <<api:analysis */

/* >>api:draw */
/* <<api:draw */

/* >>api:report */
/* <<api:report */

/* >>api:raster */
/* <<api:raster */

/* >>api:export */
/* <<api:export */

#ifdef __cplusplus
} /* extern "C" */
#endif

/* >>macros =================================================================== */
#define CTRACE__CAT2(a, b) a##b
#define CTRACE__CAT(a, b) CTRACE__CAT2(a, b)
#define CTRACE__VAR(base) CTRACE__CAT(base, __LINE__)

/* A literal name takes the fast path: its id is cached in the site. Anything
   else (a buffer, a pointer) is interned by its text every time. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__IS_LITERAL(s) __builtin_constant_p(s)
#else
#define CTRACE__IS_LITERAL(s) 0
#endif

#define CTRACE__SITE(var) static ctrace_site var = {__FILE__, (uint32_t)__LINE__, 0}

#if CTRACE_ENABLED

#if defined(__cplusplus)
struct ctrace__zone_guard {
  int on;
  ctrace__zone_guard(ctrace_site *s, const char *n, int lit) : on(ctrace_zone_begin(s, n, lit)) {}
  ~ctrace__zone_guard() { if (on) ctrace_zone_end(); }
};
#define CTRACE_ZONE(name)                                                      \
  CTRACE__SITE(CTRACE__VAR(ctrace__site_));                                    \
  ctrace__zone_guard CTRACE__VAR(ctrace__zone_)(&CTRACE__VAR(ctrace__site_),   \
                                                (name), CTRACE__IS_LITERAL(name))
#elif defined(__GNUC__) || defined(__clang__)
static inline void ctrace__zone_cleanup(int *on) {
  if (*on) ctrace_zone_end();
}
#define CTRACE_ZONE(name)                                                      \
  CTRACE__SITE(CTRACE__VAR(ctrace__site_));                                    \
  int CTRACE__VAR(ctrace__zone_) __attribute__((cleanup(ctrace__zone_cleanup), unused)) = \
      ctrace_zone_begin(&CTRACE__VAR(ctrace__site_), (name), CTRACE__IS_LITERAL(name))
#else
/* Fallback: compilers without cleanup attributes (MSVC in C mode) have no
   scoped zone. Use CTRACE_ZONE_BEGIN / CTRACE_ZONE_END instead. */
#define CTRACE_ZONE(name) CTRACE_ZONE_needs_gcc_clang_or_cplusplus_use_CTRACE_ZONE_BEGIN
#endif

#define CTRACE_ZONE_BEGIN(name)                                                \
  do { CTRACE__SITE(ctrace__s);                                                \
       (void)ctrace_zone_begin(&ctrace__s, (name), CTRACE__IS_LITERAL(name)); } while (0)
#define CTRACE_ZONE_END() ctrace_zone_end()
#define CTRACE_INSTANT(name)                                                   \
  do { if (ctrace__active) { CTRACE__SITE(ctrace__s);                          \
       ctrace_instant(&ctrace__s, (name), CTRACE__IS_LITERAL(name)); } } while (0)
#define CTRACE_COUNTER(name, value)                                            \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace_counter(&ctrace__s, (name), CTRACE__IS_LITERAL(name), (int64_t)(value)); } while (0)
#define CTRACE_COUNTER_F(name, value)                                          \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace_counter_f(&ctrace__s, (name), CTRACE__IS_LITERAL(name), (double)(value)); } while (0)
/* The format and its arguments are only evaluated while a trace runs. */
#define CTRACE_LOG(category, ...)                                              \
  do { if (ctrace__active) { CTRACE__SITE(ctrace__s);                          \
       ctrace_log(&ctrace__s, (category), CTRACE__IS_LITERAL(category), __VA_ARGS__); } } while (0)
#define CTRACE_THREAD_NAME(name) ctrace_thread_name(name)
#define CTRACE_TASK_BEGIN(name) ctrace_task_begin((name), __FILE__, __LINE__)
#define CTRACE_TASK_END(id) ctrace_task_end(id)
#define CTRACE_GC_BEGIN(reason)                                                \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace_gc_begin(&ctrace__s, (reason), CTRACE__IS_LITERAL(reason)); } while (0)
#define CTRACE_GC_END() ctrace_gc_end()
#define CTRACE_ALLOC(ptr, size)                                                \
  do { CTRACE__SITE(ctrace__s); ctrace_alloc_event(&ctrace__s, (ptr), (uint64_t)(size)); } while (0)
#define CTRACE_FREE(ptr)                                                       \
  do { CTRACE__SITE(ctrace__s); ctrace_free_event(&ctrace__s, (ptr)); } while (0)

#else /* CTRACE_ENABLED == 0: every macro vanishes; arguments are not evaluated */
#define CTRACE_ZONE(name) ((void)0)
#define CTRACE_ZONE_BEGIN(name) ((void)0)
#define CTRACE_ZONE_END() ((void)0)
#define CTRACE_INSTANT(name) ((void)0)
#define CTRACE_COUNTER(name, value) ((void)0)
#define CTRACE_COUNTER_F(name, value) ((void)0)
#define CTRACE_LOG(category, ...) ((void)0)
#define CTRACE_THREAD_NAME(name) ((void)0)
#define CTRACE_TASK_BEGIN(name) ((uint64_t)0)
#define CTRACE_TASK_END(id) ((void)0)
#define CTRACE_GC_BEGIN(reason) ((void)0)
#define CTRACE_GC_END() ((void)0)
#define CTRACE_ALLOC(ptr, size) ((void)0)
#define CTRACE_FREE(ptr) ((void)0)
#endif /* CTRACE_ENABLED */

/* Tracked allocator with the caller's site. These stay real allocators when
   tracing is compiled out. */
#ifndef CTRACE_NO_MEMORY_MACROS
#define ctrace_malloc(size) ctrace_malloc_at((size), __FILE__, __LINE__)
#define ctrace_calloc(n, size) ctrace_calloc_at((n), (size), __FILE__, __LINE__)
#define ctrace_realloc(ptr, size) ctrace_realloc_at((ptr), (size), __FILE__, __LINE__)
#define ctrace_free(ptr) ctrace_free_at((ptr), __FILE__, __LINE__)
#endif

#endif /* CTRACE_H */

/* >>impl ==================================================================== */
#ifdef CTRACE_IMPLEMENTATION
#ifndef CTRACE__IMPLEMENTED
#define CTRACE__IMPLEMENTED

/* >>impl:core */
/* <<impl:core */

/* >>impl:analysis */
/* <<impl:analysis */

/* >>impl:draw */
/* >>draw ---------------------------------------------------------------------
   One drawing model. Charts are laid out once as a list of shapes in pixel
   coordinates (origin top-left, y down); the SVG backend (report) and the
   raster backend (PNG) both render the same list, so they cannot drift apart. */

enum ctrace__shape_kind {
  CTRACE__SH_RECT = 1,  /* x,y,w,h; fill and/or stroke */
  CTRACE__SH_LINE = 2,  /* from (x,y) to (x+w, y+h); stroke, stroke_w */
  CTRACE__SH_POLY = 3,  /* points[first..first+n): filled polygon if fill
                           alpha > 0, outline/polyline if stroke alpha > 0
                           (closed only when fill is set) */
  CTRACE__SH_TEXT = 4   /* text at baseline (x,y), font_px high, colour fill */
};

enum ctrace__anchor { CTRACE__AN_START = 0, CTRACE__AN_MIDDLE = 1, CTRACE__AN_END = 2 };

#define CTRACE__NO_TEXT 0xffffffffu

typedef struct ctrace__shape {
  uint8_t kind;          /* enum ctrace__shape_kind */
  uint8_t anchor;        /* enum ctrace__anchor, for text */
  uint16_t font_px;      /* text height in pixels */
  uint32_t fill;         /* 0xRRGGBBAA; AA = 0 means no fill */
  uint32_t stroke;       /* 0xRRGGBBAA; AA = 0 means no stroke */
  float stroke_w;
  float x, y, w, h;
  uint32_t first_point;  /* POLY: index into canvas points (pairs of floats) */
  uint32_t n_points;
  uint32_t text;         /* TEXT: offset of a NUL-terminated UTF-8 string in
                            the canvas text arena, else CTRACE__NO_TEXT */
  uint32_t title;        /* tooltip (SVG <title>), offset or CTRACE__NO_TEXT;
                            ignored by the raster backend */
  uint32_t group;        /* SVG class/data hook for interactivity; 0 = none;
                            ignored by the raster backend */
} ctrace__shape;

typedef struct ctrace__canvas {
  float width, height;
  uint32_t background;   /* 0xRRGGBBAA */
  ctrace__shape *shapes;
  uint32_t n_shapes, cap_shapes;
  float *points;         /* x0,y0,x1,y1,... */
  uint32_t n_points, cap_points;
  char *text;            /* arena of NUL-terminated strings */
  uint32_t n_text, cap_text;
  int oom;               /* set when an append failed; the canvas is then incomplete */
} ctrace__canvas;

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <math.h>

#ifndef CTRACE_MEM_ALLOC
#define CTRACE_MEM_ALLOC(n) malloc(n)
#define CTRACE_MEM_REALLOC(p, n) realloc((p), (n))
#define CTRACE_MEM_FREE(p) free(p)
#endif

/* Charts may be built by the report, the PNG renderer or both; a build that
   uses only one must not warn about the other's helpers. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__MAYBE_UNUSED __attribute__((unused))
#else
#define CTRACE__MAYBE_UNUSED
#endif

/* Grow an array of elem-sized items to hold at least need items. Returns 0
   on success; on failure the array is untouched. */
static CTRACE__MAYBE_UNUSED int ctrace__grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  uint64_t ncap;
  void *np;
  if (need <= *cap) return 0;
  ncap = *cap ? (uint64_t)*cap * 2u : 64u;
  while (ncap < need) ncap *= 2u;
  if (ncap > 0xfffffff0u || ncap * elem > (uint64_t)(size_t)-1 / 2) return -1;
  np = CTRACE_MEM_REALLOC(*p, (size_t)(ncap * elem));
  if (!np) return -1;
  *p = np;
  *cap = (uint32_t)ncap;
  return 0;
}

static CTRACE__MAYBE_UNUSED void ctrace__canvas_init(ctrace__canvas *c, float w, float h, uint32_t background) {
  memset(c, 0, sizeof *c);
  c->width = w;
  c->height = h;
  c->background = background;
}

static CTRACE__MAYBE_UNUSED void ctrace__canvas_free(ctrace__canvas *c) {
  if (!c) return;
  CTRACE_MEM_FREE(c->shapes);
  CTRACE_MEM_FREE(c->points);
  CTRACE_MEM_FREE(c->text);
  c->shapes = NULL;
  c->points = NULL;
  c->text = NULL;
  c->n_shapes = c->cap_shapes = c->n_points = c->cap_points = c->n_text = c->cap_text = 0;
}

/* A fresh shape at the end of the list, or NULL (and c->oom) when full. */
static CTRACE__MAYBE_UNUSED ctrace__shape *ctrace__canvas_push(ctrace__canvas *c, int kind) {
  ctrace__shape *s;
  if (c->oom) return NULL;
  if (ctrace__grow((void **)&c->shapes, &c->cap_shapes, c->n_shapes + 1u, sizeof(ctrace__shape))) {
    c->oom = 1;
    return NULL;
  }
  s = &c->shapes[c->n_shapes++];
  memset(s, 0, sizeof *s);
  s->kind = (uint8_t)kind;
  s->text = CTRACE__NO_TEXT;
  s->title = CTRACE__NO_TEXT;
  return s;
}

/* Copies a string into the arena; CTRACE__NO_TEXT on failure. */
static CTRACE__MAYBE_UNUSED uint32_t ctrace__canvas_string(ctrace__canvas *c, const char *utf8) {
  size_t n = strlen(utf8 ? utf8 : "");
  uint32_t at;
  if (c->oom) return CTRACE__NO_TEXT;
  if (n > 0x0fffffffu ||
      ctrace__grow((void **)&c->text, &c->cap_text, c->n_text + (uint32_t)n + 1u, 1)) {
    c->oom = 1;
    return CTRACE__NO_TEXT;
  }
  at = c->n_text;
  if (n) memcpy(c->text + at, utf8, n);
  c->text[at + n] = '\0';
  c->n_text += (uint32_t)n + 1u;
  return at;
}

static CTRACE__MAYBE_UNUSED void ctrace__canvas_rect(ctrace__canvas *c, float x, float y, float w, float h,
                                                     uint32_t fill, uint32_t stroke, float stroke_w) {
  ctrace__shape *s = ctrace__canvas_push(c, CTRACE__SH_RECT);
  if (!s) return;
  if (w < 0) { x += w; w = -w; }
  if (h < 0) { y += h; h = -h; }
  s->x = x; s->y = y; s->w = w; s->h = h;
  s->fill = fill; s->stroke = stroke; s->stroke_w = stroke_w;
}

static CTRACE__MAYBE_UNUSED void ctrace__canvas_line(ctrace__canvas *c, float x1, float y1, float x2, float y2,
                                                     uint32_t stroke, float stroke_w) {
  ctrace__shape *s = ctrace__canvas_push(c, CTRACE__SH_LINE);
  if (!s) return;
  s->x = x1; s->y = y1; s->w = x2 - x1; s->h = y2 - y1;
  s->stroke = stroke; s->stroke_w = stroke_w;
}

static CTRACE__MAYBE_UNUSED void ctrace__canvas_poly(ctrace__canvas *c, const float *xy, uint32_t n_points,
                                                     uint32_t fill, uint32_t stroke, float stroke_w) {
  ctrace__shape *s;
  if (c->oom || n_points == 0 || n_points > 0x3fffffffu) return;
  if (ctrace__grow((void **)&c->points, &c->cap_points, c->n_points + 2u * n_points, sizeof(float))) {
    c->oom = 1;
    return;
  }
  s = ctrace__canvas_push(c, CTRACE__SH_POLY);
  if (!s) return;
  memcpy(c->points + c->n_points, xy, sizeof(float) * 2u * n_points);
  s->first_point = c->n_points / 2u;
  s->n_points = n_points;
  c->n_points += 2u * n_points;
  s->fill = fill; s->stroke = stroke; s->stroke_w = stroke_w;
}

static CTRACE__MAYBE_UNUSED void ctrace__canvas_text(ctrace__canvas *c, float x, float y, int font_px, int anchor,
                                                     uint32_t colour, const char *utf8) {
  uint32_t at = ctrace__canvas_string(c, utf8);
  ctrace__shape *s;
  if (at == CTRACE__NO_TEXT) return;
  s = ctrace__canvas_push(c, CTRACE__SH_TEXT);
  if (!s) return;
  s->x = x; s->y = y;
  s->font_px = (uint16_t)(font_px < 1 ? 1 : font_px > 1000 ? 1000 : font_px);
  s->anchor = (uint8_t)(anchor == CTRACE__AN_MIDDLE ? CTRACE__AN_MIDDLE
                        : anchor == CTRACE__AN_END  ? CTRACE__AN_END : CTRACE__AN_START);
  s->fill = colour;
  s->text = at;
}

static CTRACE__MAYBE_UNUSED void ctrace__canvas_title(ctrace__canvas *c, const char *tooltip) {
  uint32_t at;
  if (c->oom || c->n_shapes == 0) return;
  at = ctrace__canvas_string(c, tooltip);
  if (at != CTRACE__NO_TEXT) c->shapes[c->n_shapes - 1u].title = at;
}

static CTRACE__MAYBE_UNUSED void ctrace__canvas_group(ctrace__canvas *c, uint32_t group) {
  if (c->oom || c->n_shapes == 0) return;
  c->shapes[c->n_shapes - 1u].group = group;
}

/* Width of a string in the layout's monospace font: every code point
   advances 0.6 em. The SVG uses font-family monospace, and the raster font
   is drawn to the same advance, so both renderers agree on where text ends. */
static CTRACE__MAYBE_UNUSED float ctrace__text_width(const char *utf8, int font_px) {
  uint32_t cps = 0;
  const unsigned char *p = (const unsigned char *)(utf8 ? utf8 : "");
  for (; *p; ++p)
    if ((*p & 0xc0u) != 0x80u) ++cps;
  return (float)cps * 0.6f * (float)font_px;
}
/* <<impl:draw */

/* >>impl:report */
/* <<impl:report */

/* >>impl:raster */
/* <<impl:raster */

/* >>impl:export */
/* <<impl:export */

#endif /* CTRACE__IMPLEMENTED */
#endif /* CTRACE_IMPLEMENTATION */

/* >>licence
MIT License

Copyright (c) 2026 the ctrace authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
*/
