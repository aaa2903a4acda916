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
/* ---- Analysis ---------------------------------------------------------------
   One streaming pass over a trace that computes every figure the report, the
   tool and the exports show. Memory is bounded independently of the trace's
   length: every table has a cap (see ctrace_analysis_config) and what goes over
   a cap is folded into an "(other)" entry and counted in ctrace_summary. The
   only structures that grow with the trace's *content* are the table of blocks
   still live (for leaks; it grows with live blocks only, never with the number
   of allocations), the table of tasks still open, and one small record per
   thread.

   NOTE FOR CONSUMERS (report, PNG, tool, exports)
   - Build:  ctrace_analysis *a; char err[256];
             int rc = ctrace_analyze("run.ctrace", NULL, &a, err, sizeof err);
             if (!a) -> failed (rc < 0, err says why);
             if (a && rc < 0) -> damaged trace: the analysis holds everything that
                was recovered; show err as a warning; still ctrace_analysis_free(a).
   - Want one pass total? Set cfg.on_event (every event) and cfg.on_span
     (every zone as it closes) and build your own detail in the same pass.
   - Every pointer an accessor returns (structs, arrays, strings) belongs to the
     analysis and stays valid until ctrace_analysis_free(). Strings in spans
     passed to callbacks also stay valid until then (they are the analysis's
     own copies). All strings are NUL-terminated bytes exactly as the trace
     holds them: they may contain anything, including invalid UTF-8, quotes
     and markup. Escape them for your output format.
   - Times are ns since the trace started. Zones are keyed by (name, file, line),
     so one name used at two sites gives two zones; the flame tree merges by
     name.
   - Zone indexes (ctrace_span.zone, ctrace_analysis_zone_order) index the array
     from ctrace_analysis_zones(); that array is in order of first appearance.
   - Tests with exact timestamps: feed hand-made events with
     ctrace_analysis_begin / _add / _end instead of a trace file.
   - A baseline run: analyse both traces, then look each zone up in the other
     with ctrace_analysis_find_zone(b, z->name, z->file, z->line).
   Thread safety: an analysis is built by one thread; once built it is read-only
   and may be read from any number of threads at once. */

#define CTRACE_NONE 0xffffffffu /* "no index" in the analysis's uint32_t links */

/* A zone (or a task, or a collection) as it closes. */
typedef struct ctrace_span {
  const char *name;          /* zone/task name, GC reason */
  const char *file;          /* site; "" if none */
  uint32_t line;
  uint32_t thread;           /* thread that began it */
  uint32_t depth;            /* 0 = outermost zone of its thread (tasks, GC: 0) */
  uint32_t zone;             /* index in ctrace_analysis_zones() (in ..._tasks()
                                for on_task; CTRACE_NONE for on_gc) */
  int64_t start_ns;
  int64_t end_ns;            /* >= start_ns */
  int64_t self_ns;           /* duration minus the durations of its child zones */
  uint64_t alloc_bytes;      /* bytes allocated while it was the innermost zone */
  uint64_t id;               /* task id (tasks only) */
  int unfinished;            /* 1: never ended; closed at the trace's end */
} ctrace_span;

typedef struct ctrace_analysis_config {
  void *user;                /* passed to every callback */
  /* Every zone as it closes, children before parents; unfinished zones at the
     end, innermost first, with unfinished = 1. */
  void (*on_span)(void *user, const ctrace_span *s);
  void (*on_task)(void *user, const ctrace_span *s);  /* every task as it ends */
  void (*on_gc)(void *user, const ctrace_span *s);    /* every collection */
  /* Every event, before the analysis looks at it (so on_span for a zone an
     event closes comes after on_event for that event). */
  void (*on_event)(void *user, const ctrace_event *ev);
  /* Fraction done, 0..1, called at most about 200 times, last with 1.0. */
  void (*on_progress)(void *user, double fraction);
  /* Caps; 0 means the default shown. */
  uint32_t max_gc_spans;     /* collections kept as spans; 10000 */
  uint32_t max_logs;         /* log messages kept; 10000 */
  uint32_t max_log_bytes;    /* bytes kept per message (cut on a UTF-8 boundary); 2048 */
  uint32_t max_series_points;/* points per time series (heap, each counter); 4096 */
  uint32_t max_flame_nodes;  /* nodes of the flame tree; 100000 */
  uint32_t max_zones;        /* distinct (name, file, line) zones; 16384 */
  uint32_t max_tasks;        /* distinct task (name, file, line); 4096 */
  uint32_t max_counters;     /* distinct counter names; 256 */
  uint32_t max_alloc_sites;  /* distinct allocation (file, line); 16384 */
  uint32_t max_leak_sites;   /* sites listed in ctrace_analysis_leaks(); 1000 */
  uint32_t max_depth;        /* zone nesting tracked per thread; 1024 (deeper
                                zones are matched but not measured; counted) */
  /* A block is "temporary" when it is freed within temporary_ns of its
     allocation (default 1 ms = 1000000; negative: this rule off), or before its
     allocating thread made any other allocation (heaptrack's rule). */
  int64_t temporary_ns;
} ctrace_analysis_config;

typedef struct ctrace_analysis ctrace_analysis;
typedef struct ctrace_histogram ctrace_histogram;

/* Analyse the trace at path in one pass. Returns 0 with *out set; or a negative
   code with *out NULL (the file cannot be opened or is not a trace; out of
   memory); or CTRACE_E_CORRUPT / CTRACE_E_TRUNCATED with *out SET: the trace is
   damaged and the analysis holds what was recovered. err (may be NULL)
   receives a sentence naming the file and the reason. cfg NULL = defaults. */
CTRACE_API int ctrace_analyze(const char *trace_path, const ctrace_analysis_config *cfg,
                              ctrace_analysis **out, char *err, size_t err_size);
/* As above over an open reader, from where it stands to its end. The caller
   still owns (and closes) the reader; the analysis does not refer to it. */
CTRACE_API int ctrace_analyze_reader(ctrace_reader *r, const ctrace_analysis_config *cfg,
                                     ctrace_analysis **out, char *err, size_t err_size);
CTRACE_API void ctrace_analysis_free(ctrace_analysis *a);

/* Incremental form (what ctrace_analyze uses; also for exact unit tests).
   begin -> add each event in time order -> end. The event's strings need only
   live during the call. Thread names may be set any time before end. end()
   closes what is still open at max(info->duration_ns, last event time); info
   may be NULL. Accessors give empty results until end() was called. add() and
   end() return 0 or CTRACE_E_NOMEM (the analysis is then incomplete) or
   CTRACE_E_INVALID (called after end). */
CTRACE_API int ctrace_analysis_begin(const ctrace_analysis_config *cfg, ctrace_analysis **out);
CTRACE_API int ctrace_analysis_add(ctrace_analysis *a, const ctrace_event *ev);
CTRACE_API int ctrace_analysis_set_thread(ctrace_analysis *a, uint32_t thread, const char *name,
                                          uint64_t os_id);
CTRACE_API int ctrace_analysis_end(ctrace_analysis *a, const ctrace_trace_info *info);

/* ---- What the analysis holds --------------------------------------------- */

typedef struct ctrace_summary {
  ctrace_trace_info info;    /* from the reader (zeros when fed by hand) */
  uint64_t events;           /* events read */
  uint64_t events_by_kind[16];/* index: ctrace_event_kind; [15]: unknown kinds */
  int64_t first_ns, last_ns; /* times of the first and last event (0 if none) */
  int64_t duration_ns;       /* max(info.duration_ns, last_ns) */
  uint32_t threads;
  uint64_t events_lost;      /* max(info.events_lost, sum of LOSS events) */
  int damaged;               /* 1 if part of the file could not be used */
  int read_error;            /* error code that ended reading early, or 0 */
  char read_error_text[200]; /* its sentence, "" if none */
  /* What went over a cap (see ctrace_analysis_config), so nothing is lost
     silently: */
  uint64_t zones_folded;     /* spans counted in the "(other)" zone */
  uint64_t tasks_folded;     /* tasks counted in the "(other)" task */
  uint64_t counters_folded;  /* samples of counters beyond max_counters */
  uint64_t sites_folded;     /* allocations counted in the "(other)" site */
  uint64_t flame_folded;     /* spans counted in the flame tree's "(other)" node */
  uint64_t too_deep;         /* zones deeper than max_depth (not measured) */
  uint64_t logs;             /* log messages in the trace */
  uint64_t logs_dropped;     /* beyond max_logs */
} ctrace_summary;

typedef struct ctrace_thread_stats {
  uint32_t id;               /* ctrace thread id */
  const char *name;          /* "" if unnamed */
  uint64_t os_id;            /* 0 if unknown */
  uint64_t events;
  int64_t first_ns, last_ns; /* its first and last event */
  uint64_t zones;            /* zones it closed (unfinished included) */
  uint32_t max_depth;        /* deepest nesting seen, 1 = only outermost zones */
  int64_t busy_ns;           /* sum of its outermost zones' durations */
  uint64_t allocs, alloc_bytes;
} ctrace_thread_stats;

/* Per zone (and per task, and for collections). count, total, self, min, max
   are exact. Percentiles come from a log-linear histogram (32 sub-buckets per
   power of two, at most 16 KiB per zone): a reported percentile p satisfies
   |p - v| <= v/64 (1.6 %), where v is the exact nearest-rank order statistic,
   and min <= p <= max. Values below 32 ns are exact. */
typedef struct ctrace_zone_stats {
  const char *name;
  const char *file;          /* "" if none */
  uint32_t line;
  uint64_t count;            /* spans, unfinished included */
  uint64_t unfinished;       /* of which never ended (closed at trace end) */
  int64_t total_ns;          /* sum of durations */
  int64_t self_ns;           /* sum of self times (duration minus children) */
  int64_t mean_ns;           /* total_ns / count, rounded to nearest */
  int64_t min_ns, max_ns;
  int64_t p50_ns, p95_ns, p99_ns;
  uint64_t allocs, alloc_bytes; /* allocations made while it was innermost */
  const ctrace_histogram *hist; /* for ctrace_histogram_* */
} ctrace_zone_stats;

/* Quantile q in [0,1] (nearest rank) from a histogram, within the bound above.
   0 for an empty histogram. */
CTRACE_API int64_t ctrace_histogram_percentile(const ctrace_histogram *h, double q);
/* A histogram for display: up to max_bins bins between min and max (geometric
   when max >= 4*min, else equal widths), bins cover [lo_ns, hi_ns). Counts sum
   to the zone's count exactly. Returns the number of bins written. */
typedef struct ctrace_hist_bin {
  int64_t lo_ns, hi_ns;
  uint64_t count;
} ctrace_hist_bin;
CTRACE_API uint32_t ctrace_histogram_bins(const ctrace_histogram *h, ctrace_hist_bin *bins,
                                          uint32_t max_bins);

typedef struct ctrace_gc_stats {
  uint64_t count;            /* collections, unfinished included */
  uint64_t completed;        /* with a GC_END (Go's NumGC) */
  uint64_t unfinished;
  int64_t pause_total_ns, pause_max_ns, pause_min_ns, pause_mean_ns;
  int64_t p50_ns, p95_ns;    /* bound as for zones */
  double share;              /* pause_total_ns / duration_ns (0 if duration 0) */
  uint64_t spans_dropped;    /* beyond max_gc_spans */
  const ctrace_histogram *hist;
} ctrace_gc_stats;

typedef struct ctrace_gc_span {
  int64_t start_ns, end_ns;
  const char *reason;        /* "" if none */
  uint32_t thread;           /* thread that began it */
  int unfinished;
} ctrace_gc_span;

/* A downsampled series: time is cut into equal buckets (a power of two ns
   wide, at most max_series_points of them); a bucket keeps its first, min,
   max and last value, so peaks and dips survive. Only buckets with samples
   are returned, in time order. */
typedef struct ctrace_series_point {
  int64_t t_ns, t_end_ns;    /* the bucket, [t_ns, t_end_ns) */
  int64_t max_t_ns;          /* when max was (first) reached */
  double first, min, max, last;
  uint32_t n;                /* samples in the bucket */
} ctrace_series_point;

typedef struct ctrace_counter_stats {
  const char *name;          /* "(other)" collects counters beyond the cap */
  uint64_t count;
  double min, max, last, mean;
  int64_t max_t_ns, last_t_ns;
  int is_float;              /* 1 if any sample came from CTRACE_COUNTER_F */
  const ctrace_series_point *series;
  uint32_t n_series;
} ctrace_counter_stats;

/* Memory in Go's terms (runtime.MemStats) as at the trace's end, from
   ALLOC/FREE events; plus what Go does not show. Size buckets: [0] holds
   size 0, [k] for k >= 1 holds sizes in [2^(k-1), 2^k). */
typedef struct ctrace_mem_summary {
  uint64_t alloc;            /* bytes live at the end */
  uint64_t heap_alloc;       /* same as alloc */
  uint64_t total_alloc;      /* bytes ever allocated */
  uint64_t mallocs, frees;   /* frees: of known blocks only */
  uint64_t live_blocks;      /* blocks live at the end (= leaked) */
  uint64_t peak_alloc;       /* highest alloc, exact */
  int64_t peak_time_ns;      /* when it was first reached */
  uint32_t num_gc;           /* completed collections */
  uint64_t pause_total_ns;
  uint64_t temporary_allocs, temporary_bytes; /* see temporary_ns */
  int has_rss;               /* a "ctrace.rss" counter was recorded */
  uint64_t rss_last, rss_peak;
  int64_t rss_peak_time_ns;
  uint64_t size_count[65], size_bytes[65];
} ctrace_mem_summary;

typedef struct ctrace_alloc_site {
  const char *file;          /* "" if none; "(other)" beyond the cap */
  uint32_t line;
  const char *zone;          /* innermost zone at its first allocation, "" if none */
  uint64_t allocs, bytes;
  uint64_t frees, freed_bytes;
  uint64_t live_blocks, live_bytes;   /* at the end: leaks */
  uint64_t temporary_allocs, temporary_bytes;
  uint64_t max_size;
} ctrace_alloc_site;

enum ctrace_site_order { CTRACE_BY_BYTES = 0, CTRACE_BY_COUNT = 1, CTRACE_BY_LIVE_BYTES = 2 };

enum ctrace_problem_kind {
  CTRACE_PROB_END_WITHOUT_BEGIN = 1, /* ZONE_END with no open zone on its thread */
  CTRACE_PROB_UNFINISHED_ZONE = 2,   /* zone open at the trace's end */
  CTRACE_PROB_DOUBLE_FREE = 3,       /* FREE of a block freed recently */
  CTRACE_PROB_UNTRACKED_FREE = 4,    /* FREE of a pointer never seen allocated */
  CTRACE_PROB_ALLOC_LIVE = 5,        /* ALLOC of a pointer already live */
  CTRACE_PROB_LOST_EVENTS = 6,       /* count = events lost */
  CTRACE_PROB_GC_END_WITHOUT_BEGIN = 7,
  CTRACE_PROB_GC_NESTED = 8,         /* GC_BEGIN while a collection runs */
  CTRACE_PROB_GC_UNFINISHED = 9,
  CTRACE_PROB_TASK_END_UNKNOWN = 10, /* TASK_END of an id not open */
  CTRACE_PROB_TASK_UNFINISHED = 11,
  CTRACE_PROB_TOO_DEEP = 12,         /* nesting beyond max_depth */
  CTRACE_PROB_REPORTED = 13,         /* MEM_PROBLEM event; what = its name */
  CTRACE_PROB_DAMAGED = 14,          /* count = chunks skipped (+1 for a cut) */
  CTRACE_PROB_UNKNOWN_EVENT = 15     /* events of a kind this version skips */
};

typedef struct ctrace_problem {
  int kind;                  /* enum ctrace_problem_kind */
  const char *what;          /* a short sentence (or the reported name) */
  uint64_t count;
  int64_t first_ns;          /* first occurrence */
  uint32_t thread;           /* thread of the first occurrence (0 if none) */
} ctrace_problem;

typedef struct ctrace_log_entry {
  int64_t time_ns;
  uint32_t thread;
  const char *category;
  const char *message;       /* NUL-terminated copy, at most max_log_bytes */
  uint32_t message_len;
  int truncated;             /* 1 if the message was cut */
  const char *file;
  uint32_t line;
} ctrace_log_entry;

/* Aggregated zone stacks of all threads, merged by name. Node 0 is the root
   ("all"); its self figures are time 0 and the bytes allocated outside any
   zone. Beyond max_flame_nodes, new stacks fold into one "(other)" node under
   the root. For every node: total_ns = self_ns + sum of children's total_ns,
   bytes_total = bytes_self + sum of children's bytes_total. */
typedef struct ctrace_flame_node {
  const char *name;
  uint32_t parent;           /* CTRACE_NONE for the root */
  uint32_t first_child;      /* CTRACE_NONE if none */
  uint32_t next_sibling;     /* CTRACE_NONE if last */
  uint32_t depth;            /* root 0 */
  uint64_t count;            /* spans merged here */
  int64_t total_ns, self_ns;
  uint64_t bytes_total, bytes_self, allocs_self;
} ctrace_flame_node;

CTRACE_API const ctrace_summary *ctrace_analysis_summary(const ctrace_analysis *a);
/* Threads ascending by id. */
CTRACE_API const ctrace_thread_stats *ctrace_analysis_threads(const ctrace_analysis *a, uint32_t *n);
/* Zones in order of first appearance. */
CTRACE_API const ctrace_zone_stats *ctrace_analysis_zones(const ctrace_analysis *a, uint32_t *n);
enum ctrace_zone_key {
  CTRACE_ZONE_BY_TOTAL = 0, CTRACE_ZONE_BY_SELF = 1, CTRACE_ZONE_BY_COUNT = 2,
  CTRACE_ZONE_BY_MAX = 3, CTRACE_ZONE_BY_MEAN = 4
};
/* Fill idx with up to max zone indexes, largest first by key (ties: by name,
   then file, then line). Returns how many were written. */
CTRACE_API uint32_t ctrace_analysis_zone_order(const ctrace_analysis *a, int key, uint32_t *idx,
                                               uint32_t max);
/* The zone with that name, file and line, or NULL. file NULL matches any site:
   then the zone with that name and the largest total. For baselines. */
CTRACE_API const ctrace_zone_stats *ctrace_analysis_find_zone(const ctrace_analysis *a,
                                                              const char *name,
                                                              const char *file, uint32_t line);
/* Tasks by (name, file, line), in order of first appearance. */
CTRACE_API const ctrace_zone_stats *ctrace_analysis_tasks(const ctrace_analysis *a, uint32_t *n);
CTRACE_API const ctrace_gc_stats *ctrace_analysis_gc(const ctrace_analysis *a);
/* The first max_gc_spans collections in time order. */
CTRACE_API const ctrace_gc_span *ctrace_analysis_gc_spans(const ctrace_analysis *a, uint32_t *n);
/* Counters in order of first appearance. */
CTRACE_API const ctrace_counter_stats *ctrace_analysis_counters(const ctrace_analysis *a, uint32_t *n);
CTRACE_API const ctrace_counter_stats *ctrace_analysis_find_counter(const ctrace_analysis *a,
                                                                    const char *name);
/* Live heap bytes over time; the bucket holding the peak has max == peak_alloc
   and max_t_ns == peak_time_ns. */
CTRACE_API const ctrace_series_point *ctrace_analysis_heap_series(const ctrace_analysis *a,
                                                                  uint32_t *n);
CTRACE_API const ctrace_mem_summary *ctrace_analysis_memory(const ctrace_analysis *a);
/* Allocation sites sorted by enum ctrace_site_order, largest first. */
CTRACE_API const ctrace_alloc_site *ctrace_analysis_alloc_sites(const ctrace_analysis *a, int order,
                                                                uint32_t *n);
/* Sites with blocks live at the end, by live bytes, at most max_leak_sites;
   *dropped (may be NULL) receives how many leaking sites were left out. The
   totals are in ctrace_mem_summary (alloc, live_blocks). */
CTRACE_API const ctrace_alloc_site *ctrace_analysis_leaks(const ctrace_analysis *a, uint32_t *n,
                                                          uint32_t *dropped);
/* Problems that occurred (count > 0), by kind. */
CTRACE_API const ctrace_problem *ctrace_analysis_problems(const ctrace_analysis *a, uint32_t *n);
/* The first max_logs messages, in time order; the total is in the summary. */
CTRACE_API const ctrace_log_entry *ctrace_analysis_logs(const ctrace_analysis *a, uint32_t *n);
/* The flame tree; node 0 is the root. */
CTRACE_API const ctrace_flame_node *ctrace_analysis_flame(const ctrace_analysis *a, uint32_t *n);

/* ---- Outputs ----------------------------------------------------------------
   Each returns 0, or the first negative code write returned (ctrace_write_stdio
   gives CTRACE_E_WRITE), or CTRACE_E_INVALID. Text goes through as UTF-8; invalid bytes become U+FFFD.

   ctrace_stats_text: the terminal summary of `ctrace stats`: trace, threads,
   zones top 15 by total and by self (like `go tool pprof -top`), memory in Go's
   terms with peak and leaks, collections, counters, problems.

   ctrace_stats_json (`ctrace stats --json`), one JSON object; times in ns,
   sizes in bytes, all numbers finite integers unless noted:
     "version": 1                      schema version of this object
     "program", "pid", "format_version", "wall_start_ns", "file_size"
     "duration_ns", "events", "threads"
     "events_by_kind": {"zone_begin": n, ...}  kinds with a count > 0
     "damage": {"damaged": bool, "chunks_bad", "bytes_lost", "truncated": bool,
                "crashed": bool, "crash_signal", "events_lost",
                "read_error": string ("" if none)}
     "thread_list": [{"id","name","os_id","events","first_ns","last_ns",
                      "zones","max_depth","busy_ns","allocs","alloc_bytes"}]
     "zones": [{"name","file","line","count","unfinished","total_ns","self_ns",
                "mean_ns","min_ns","p50_ns","p95_ns","p99_ns","max_ns",
                "allocs","alloc_bytes"}]      sorted by total_ns, largest first
     "tasks": [same fields as zones]
     "gc": {"count","completed","unfinished","pause_total_ns","pause_max_ns",
            "pause_min_ns","pause_mean_ns","p50_ns","p95_ns",
            "share" (number 0..1), "spans_dropped"}
     "memory": {"alloc","heap_alloc","total_alloc","mallocs","frees",
                "live_blocks","peak_alloc","peak_time_ns","num_gc",
                "pause_total_ns","temporary_allocs","temporary_bytes",
                "rss_last","rss_peak","rss_peak_time_ns" (rss_* null if no RSS),
                "size_histogram": [{"min","max","count","bytes"}] non-empty
                                   buckets; max is exclusive}
     "alloc_sites": [{"file","line","zone","allocs","bytes","frees",
                      "freed_bytes","live_blocks","live_bytes",
                      "temporary_allocs","temporary_bytes","max_size"}] by bytes
     "leaks": {"blocks","bytes","sites_dropped","sites": [as alloc_sites]}
     "counters": [{"name","count","min","max","last","mean" (numbers)}]
     "problems": [{"kind" (string),"what","count","first_ns","thread"}]
     "logs": {"count","kept","dropped"}
     "folded": {"zones","tasks","counters","sites","flame","too_deep"} cap overflows
   Strings: quotes, backslash and control characters escaped; invalid UTF-8
   replaced by U+FFFD.

   ctrace_export_csv: a header row, then one row per zone sorted by total:
   name,file,line,count,total_ns,self_ns,mean_ns,min_ns,p50_ns,p95_ns,max_ns
   (RFC 4180: CRLF line ends; a field with a comma, quote, CR or LF is quoted
   and its quotes doubled). The figures are those of stats --json.

   ctrace_export_folded: one line "a;b;c N" per flame stack with N > 0; N is the
   self time in ns (by_bytes 0) or the bytes allocated with exactly that stack
   innermost (by_bytes 1; allocations outside any zone are the stack
   "(no zone)"). In names ';' becomes ':' and CR/LF/TAB become spaces, empty
   names become "(unnamed)". The weights sum to the sum of every zone's self
   time (= the flame root's total_ns), or to total_alloc. */
/* Where output goes: write size bytes, return 0 or a negative code (which the
   output function then returns). ctrace_write_stdio writes to user, a FILE*
   (stdout, or one from fopen): ctrace_stats_json(a, ctrace_write_stdio, stdout). */
typedef int (*ctrace_write_fn)(void *user, const void *data, size_t size);
CTRACE_API int ctrace_write_stdio(void *file, const void *data, size_t size);
CTRACE_API int ctrace_stats_text(const ctrace_analysis *a, ctrace_write_fn write, void *user);
CTRACE_API int ctrace_stats_json(const ctrace_analysis *a, ctrace_write_fn write, void *user);
CTRACE_API int ctrace_export_csv(const ctrace_analysis *a, ctrace_write_fn write, void *user);
CTRACE_API int ctrace_export_folded(const ctrace_analysis *a, int by_bytes, ctrace_write_fn write,
                                    void *user);
/* Name of a problem kind ("end_without_begin", ...), "unknown" otherwise. */
CTRACE_API const char *ctrace_problem_kind_name(int kind);
/* <<api:analysis */

/* >>api:draw */
/* <<api:draw */

/* >>api:report */
/* ---- Report ---------------------------------------------------------------
   One self-contained HTML file (inline CSS, SVG and JS, no request of any
   kind leaves the page): summary, timeline, zones, flame graph, memory,
   messages, with notes for a first-time reader. Its size stays bounded
   (under 10 MB) whatever the trace's length: zones narrower than a pixel fold
   into a density band and only the longest spans are kept for zooming, while
   every statistic is exact. A zero-initialised config means defaults. */
typedef struct ctrace_report_config {
  const char *baseline_path; /* a second trace: both heaps on one axis, zone
                                table before/after/delta, flame graph coloured
                                by change. NULL = no comparison */
  const char *title;         /* page title; NULL = the traced program's name */
  uint32_t max_spans;        /* spans kept for zooming; 0 = 150000 */
  uint32_t max_messages;     /* rows in the messages table; 0 = 5000 */
  uint32_t max_table_rows;   /* rows in the zone and site tables; 0 = 500 */
  /* Called now and then with the share done (0..1) and a word for the stage;
     NULL = silent. */
  void (*progress)(void *user, double done, const char *stage);
  void *progress_user;
  char *error;               /* optional: receives a sentence on failure */
  size_t error_size;
} ctrace_report_config;

/* Write the report for the trace at trace_path to html_path ("-" = stdout).
   Returns 0, or a negative CTRACE_E_*: the trace cannot be opened or read
   (CTRACE_E_OPEN/FORMAT/...), the output cannot be written (CTRACE_E_WRITE),
   out of memory. A damaged or truncated trace still gives a report (with a
   visible warning naming what was lost) and returns 0. On failure a sentence
   naming the file and the reason goes to cfg->error when given. Thread-safe
   (no shared state). */
CTRACE_API int ctrace_report_html(const char *trace_path, const char *html_path,
                                  const ctrace_report_config *cfg);
/* <<api:report */

/* >>api:raster */
/* <<api:raster */

/* >>api:export */
/* ---- Chrome trace export (>>export) ------------------------------------------
   Chrome trace event JSON, the format Perfetto UI, chrome://tracing and
   speedscope open. Streams straight from the reader: memory stays bounded by
   the reader's own needs plus the zones, tasks and collections open at once. */

/* Called now and then with the share of the trace done so far, in [0, 1]. */
typedef void (*ctrace_progress_fn)(void *user, double done);

/* Counts of what an export wrote, for callers that want to report them. */
typedef struct ctrace_export_counts {
  uint64_t events_read;      /* events the reader delivered */
  uint64_t spans;            /* B/E pairs (zones), including those closed at the end */
  uint64_t spans_closed_at_end; /* zones still open when the trace ended */
  uint64_t ends_dropped;     /* zone ends with no zone open on their thread */
  uint64_t async_spans;      /* b/e pairs: tasks and collections */
  uint64_t counters;         /* C events: user counters, heap, RSS */
  uint64_t instants;         /* i events: instants, logs, losses, memory problems */
  uint64_t skipped;          /* unknown kinds, unmatched task ends, non-finite values */
  ctrace_trace_info info;    /* the reader's final facts: damage, losses, duration */
} ctrace_export_counts;

/* Write the trace at trace_path as Chrome trace event JSON to out_path
   ("-" means standard output), in the object form
   {"traceEvents":[...],"displayTimeUnit":"ns"}:
   - one process (pid from the trace, named after the program), "M" metadata
     for process_name, thread_name and thread_sort_index;
   - zones as "B"/"E" pairs strictly nested per thread: a zone end with no
     zone open is dropped, zones still open at the end of the trace are closed
     at its last timestamp;
   - user counters, the live heap (computed from ALLOC/FREE, counter "heap")
     and "ctrace.rss" as "C" events;
   - collections (category "gc") and tasks (category "task") as async "b"/"e"
     spans on their own tracks; unfinished ones are closed at the end;
   - instants, log messages, losses and memory problems as "i" instants with
     thread scope and their details in "args".
   Timestamps are microseconds with three decimals (exact to the ns). Strings
   are escaped as JSON requires; invalid UTF-8 becomes U+FFFD.
   Returns 0, or a negative code: reader errors (CTRACE_E_OPEN, _FORMAT,
   _EMPTY, ...), CTRACE_E_OPEN when out_path cannot be created, CTRACE_E_WRITE
   when writing fails (disk full). On failure err (if not NULL) receives a
   sentence that starts with the path of the file at fault. Damage the reader
   recovered from is not an error: check ctrace_reader_info() or `ctrace
   check`. progress may be NULL; counts may be NULL. Thread-safe (no shared
   state). */
CTRACE_API int ctrace_export_chrome(const char *trace_path, const char *out_path,
                                    ctrace_progress_fn progress, void *progress_user,
                                    ctrace_export_counts *counts, char *err, size_t err_size);
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

/* Inline guards: a session that is not running costs one load and a branch,
   and every argument is still evaluated exactly once. */
static inline int ctrace__zone_begin_if(ctrace_site *s, const char *n, int lit) {
  return ctrace__active ? ctrace_zone_begin(s, n, lit) : 0;
}
static inline void ctrace__counter_if(ctrace_site *s, const char *n, int lit, int64_t v) {
  if (ctrace__active) ctrace_counter(s, n, lit, v);
}
static inline void ctrace__counter_f_if(ctrace_site *s, const char *n, int lit, double v) {
  if (ctrace__active) ctrace_counter_f(s, n, lit, v);
}
static inline void ctrace__instant_if(ctrace_site *s, const char *n, int lit) {
  if (ctrace__active) ctrace_instant(s, n, lit);
}

#if defined(__cplusplus)
struct ctrace__zone_guard {
  int on;
  ctrace__zone_guard(ctrace_site *s, const char *n, int lit) : on(ctrace__zone_begin_if(s, n, lit)) {}
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
      ctrace__zone_begin_if(&CTRACE__VAR(ctrace__site_), (name), CTRACE__IS_LITERAL(name))
#else
/* Fallback: compilers without cleanup attributes (MSVC in C mode) have no
   scoped zone. Use CTRACE_ZONE_BEGIN / CTRACE_ZONE_END instead. */
#define CTRACE_ZONE(name) CTRACE_ZONE_needs_gcc_clang_or_cplusplus_use_CTRACE_ZONE_BEGIN
#endif

#define CTRACE_ZONE_BEGIN(name)                                                \
  do { CTRACE__SITE(ctrace__s);                                                \
       (void)ctrace__zone_begin_if(&ctrace__s, (name), CTRACE__IS_LITERAL(name)); } while (0)
#define CTRACE_ZONE_END() do { if (ctrace__active) ctrace_zone_end(); } while (0)
#define CTRACE_INSTANT(name)                                                   \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace__instant_if(&ctrace__s, (name), CTRACE__IS_LITERAL(name)); } while (0)
#define CTRACE_COUNTER(name, value)                                            \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace__counter_if(&ctrace__s, (name), CTRACE__IS_LITERAL(name), (int64_t)(value)); } while (0)
#define CTRACE_COUNTER_F(name, value)                                          \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace__counter_f_if(&ctrace__s, (name), CTRACE__IS_LITERAL(name), (double)(value)); } while (0)
/* Like Go's trace.Logf: the format and its arguments are evaluated and
   formatted only while a trace runs (the category is always evaluated). */
#define CTRACE_LOG(category, ...)                                              \
  do { CTRACE__SITE(ctrace__s); const char *ctrace__c = (category);            \
       if (ctrace__active)                                                     \
         ctrace_log(&ctrace__s, ctrace__c, CTRACE__IS_LITERAL(category), __VA_ARGS__); } while (0)
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

/* >>draw:out ----------------------------------------------------------------
   A byte sink for text output (SVG, HTML, JSON): buffered writes to a FILE,
   or a growing buffer in memory when f is NULL. The first failure sticks in
   err and later writes are dropped, so callers check once at the end. */
typedef struct ctrace__out {
  FILE *f;
  char *buf;
  size_t len, cap;
  uint64_t total;   /* bytes accepted so far */
  int err;          /* 0, CTRACE_E_WRITE or CTRACE_E_NOMEM */
} ctrace__out;

#define CTRACE__OUT_FLUSH_AT ((size_t)1 << 16)

static CTRACE__MAYBE_UNUSED void ctrace__out_flush(ctrace__out *o) {
  if (!o->f || o->len == 0 || o->err) return;
  if (fwrite(o->buf, 1, o->len, o->f) != o->len) o->err = CTRACE_E_WRITE;
  o->len = 0;
}

static CTRACE__MAYBE_UNUSED int ctrace__out_reserve(ctrace__out *o, size_t n) {
  size_t ncap;
  char *nb;
  if (o->len + n <= o->cap) return 0;
  if (o->f && o->len) {
    ctrace__out_flush(o);
    if (o->err) return -1;
    if (n <= o->cap) return 0;
  }
  ncap = o->cap ? o->cap : (o->f ? CTRACE__OUT_FLUSH_AT * 2 : 4096);
  while (ncap < o->len + n) {
    if (ncap > ((size_t)-1) / 4) { o->err = CTRACE_E_NOMEM; return -1; }
    ncap *= 2;
  }
  nb = (char *)CTRACE_MEM_REALLOC(o->buf, ncap);
  if (!nb) { o->err = CTRACE_E_NOMEM; return -1; }
  o->buf = nb;
  o->cap = ncap;
  return 0;
}

static CTRACE__MAYBE_UNUSED void ctrace__out_bytes(ctrace__out *o, const void *p, size_t n) {
  if (o->err || n == 0) return;
  if (ctrace__out_reserve(o, n)) return;
  memcpy(o->buf + o->len, p, n);
  o->len += n;
  o->total += n;
  if (o->f && o->len >= CTRACE__OUT_FLUSH_AT) ctrace__out_flush(o);
}

static CTRACE__MAYBE_UNUSED void ctrace__out_str(ctrace__out *o, const char *s) {
  ctrace__out_bytes(o, s, strlen(s));
}

static CTRACE__MAYBE_UNUSED void ctrace__out_fmt(ctrace__out *o, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void ctrace__out_fmt(ctrace__out *o, const char *fmt, ...) {
  char small[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) { o->err = CTRACE_E_WRITE; return; }
  if ((size_t)n < sizeof small) { ctrace__out_bytes(o, small, (size_t)n); return; }
  if (ctrace__out_reserve(o, (size_t)n + 1)) return;
  va_start(ap, fmt);
  vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  o->len += (size_t)n;
  o->total += (size_t)n;
  if (o->f && o->len >= CTRACE__OUT_FLUSH_AT) ctrace__out_flush(o);
}

static CTRACE__MAYBE_UNUSED void ctrace__out_int(ctrace__out *o, int64_t v) {
  char tmp[24];
  int i = 24;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do { tmp[--i] = (char)('0' + (int)(u % 10u)); u /= 10u; } while (u);
  if (v < 0) tmp[--i] = '-';
  ctrace__out_bytes(o, tmp + i, (size_t)(24 - i));
}

/* A coordinate with one decimal, without printf: layouts emit hundreds of
   thousands of them. Non-finite values become 0 so the SVG stays valid. */
static CTRACE__MAYBE_UNUSED void ctrace__out_num(ctrace__out *o, double v) {
  int64_t tenths;
  if (!(v == v) || v > 1e15 || v < -1e15) v = 0;
  tenths = (int64_t)(v * 10.0 + (v < 0 ? -0.5 : 0.5));
  if (tenths < 0) { ctrace__out_bytes(o, "-", 1); tenths = -tenths; }
  ctrace__out_int(o, tenths / 10);
  if (tenths % 10) {
    char d[2];
    d[0] = '.';
    d[1] = (char)('0' + (int)(tenths % 10));
    ctrace__out_bytes(o, d, 2);
  }
}

/* Length of the valid UTF-8 sequence at p (1..4) with its code point, or 0
   when the bytes there are not valid UTF-8 (overlong, surrogate, cut short). */
static CTRACE__MAYBE_UNUSED int ctrace__utf8_seq(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
  uint32_t c = p[0];
  int n, i;
  if (c < 0x80u) { *cp = c; return 1; }
  if (c >= 0xc2u && c <= 0xdfu) { n = 2; c &= 0x1fu; }
  else if (c >= 0xe0u && c <= 0xefu) { n = 3; c &= 0x0fu; }
  else if (c >= 0xf0u && c <= 0xf4u) { n = 4; c &= 0x07u; }
  else return 0;
  if (end - p < n) return 0;
  for (i = 1; i < n; ++i) {
    if ((p[i] & 0xc0u) != 0x80u) return 0;
    c = (c << 6) | (p[i] & 0x3fu);
  }
  if ((n == 3 && c < 0x800u) || (n == 4 && (c < 0x10000u || c > 0x10ffffu)) ||
      (c >= 0xd800u && c <= 0xdfffu))
    return 0;
  *cp = c;
  return n;
}

/* Text for HTML/SVG content and attribute values: markup characters become
   entities, invalid UTF-8 and control characters become U+FFFD, so nothing a
   trace holds can open a tag, end an attribute or break the parser. */
static CTRACE__MAYBE_UNUSED void ctrace__out_html_n(ctrace__out *o, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
  while (p < end) {
    uint32_t cp = 0;
    int len = (*p >= 0x20u && *p < 0x7fu && *p != '<' && *p != '>' && *p != '&' && *p != '"' &&
               *p != '\'') ? 1 : ctrace__utf8_seq(p, end, &cp);
    const char *rep = NULL;
    if (len == 1 && *p >= 0x20u && *p < 0x7fu && *p != '<' && *p != '>' && *p != '&' &&
        *p != '"' && *p != '\'') { ++p; continue; }
    if (len == 0) rep = "\xef\xbf\xbd";
    else if (cp == '<') rep = "&lt;";
    else if (cp == '>') rep = "&gt;";
    else if (cp == '&') rep = "&amp;";
    else if (cp == '"') rep = "&quot;";
    else if (cp == '\'') rep = "&#39;";
    else if (cp == '\t' || cp == '\n') rep = NULL;
    else if (cp < 0x20u || (cp >= 0x7fu && cp < 0xa0u) || cp == 0xfffeu || cp == 0xffffu)
      rep = "\xef\xbf\xbd";
    if (rep) {
      ctrace__out_bytes(o, run, (size_t)(p - run));
      ctrace__out_str(o, rep);
      p += len ? len : 1;
      run = p;
    } else {
      p += len;
    }
  }
  ctrace__out_bytes(o, run, (size_t)(p - run));
}

static CTRACE__MAYBE_UNUSED void ctrace__out_html(ctrace__out *o, const char *s) {
  if (s) ctrace__out_html_n(o, s, strlen(s));
}

/* A JSON string literal that is also safe inside an HTML <script> element:
   <, > and & are \u-escaped (no "</script>" or "<!--" can form), as are
   U+2028/U+2029 and control characters; invalid UTF-8 becomes U+FFFD. */
static CTRACE__MAYBE_UNUSED void ctrace__out_json_n(ctrace__out *o, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
  ctrace__out_bytes(o, "\"", 1);
  while (p < end) {
    uint32_t cp = 0;
    int len;
    char esc[8];
    if (*p >= 0x20u && *p < 0x7fu && *p != '"' && *p != '\\' && *p != '<' && *p != '>' &&
        *p != '&') { ++p; continue; }
    len = ctrace__utf8_seq(p, end, &cp);
    if (len > 1 && cp != 0x2028u && cp != 0x2029u) { p += len; continue; }
    ctrace__out_bytes(o, run, (size_t)(p - run));
    if (len == 0) { ctrace__out_str(o, "\\ufffd"); p += 1; run = p; continue; }
    if (cp == '"') ctrace__out_str(o, "\\\"");
    else if (cp == '\\') ctrace__out_str(o, "\\\\");
    else if (cp == '\n') ctrace__out_str(o, "\\n");
    else if (cp == '\t') ctrace__out_str(o, "\\t");
    else {
      esc[0] = '\\'; esc[1] = 'u';
      esc[2] = hex[(cp >> 12) & 15u]; esc[3] = hex[(cp >> 8) & 15u];
      esc[4] = hex[(cp >> 4) & 15u]; esc[5] = hex[cp & 15u];
      ctrace__out_bytes(o, esc, 6);
    }
    p += len;
    run = p;
  }
  ctrace__out_bytes(o, run, (size_t)(p - run));
  ctrace__out_bytes(o, "\"", 1);
}

static CTRACE__MAYBE_UNUSED void ctrace__out_json(ctrace__out *o, const char *s) {
  ctrace__out_json_n(o, s ? s : "", s ? strlen(s) : 0);
}

/* >>draw:svg ----------------------------------------------------------------
   The SVG backend. Colours are 0xRRGGBBAA; SVG gets #rrggbb plus an opacity
   attribute when the colour is not opaque. */
static void ctrace__svg_paint(ctrace__out *o, const char *attr, uint32_t rgba) {
  static const char hex[] = "0123456789abcdef";
  char col[8];
  uint32_t a = rgba & 0xffu;
  int i;
  ctrace__out_fmt(o, " %s=\"", attr);
  if (a == 0) { ctrace__out_str(o, "none\""); return; }
  col[0] = '#';
  for (i = 0; i < 6; ++i) col[1 + i] = hex[(rgba >> (28 - 4 * i)) & 15u];
  col[7] = '"';
  ctrace__out_bytes(o, col, 8);
  if (a != 0xffu) ctrace__out_fmt(o, " %s-opacity=\"%.2f\"", attr, (double)a / 255.0);
}

static void ctrace__svg_xy(ctrace__out *o, const char *a, double v) {
  ctrace__out_fmt(o, " %s=\"", a);
  ctrace__out_num(o, v);
  ctrace__out_bytes(o, "\"", 1);
}

static void ctrace__svg_shape(const ctrace__canvas *c, const ctrace__shape *s, ctrace__out *o) {
  const char *tag = "rect";
  uint32_t i;
  switch (s->kind) {
  case CTRACE__SH_RECT:
    ctrace__out_str(o, "<rect");
    ctrace__svg_xy(o, "x", s->x); ctrace__svg_xy(o, "y", s->y);
    ctrace__svg_xy(o, "width", s->w); ctrace__svg_xy(o, "height", s->h);
    ctrace__svg_paint(o, "fill", s->fill);
    break;
  case CTRACE__SH_LINE:
    tag = "line";
    ctrace__out_str(o, "<line");
    ctrace__svg_xy(o, "x1", s->x); ctrace__svg_xy(o, "y1", s->y);
    ctrace__svg_xy(o, "x2", s->x + s->w); ctrace__svg_xy(o, "y2", s->y + s->h);
    break;
  case CTRACE__SH_POLY:
    tag = (s->fill & 0xffu) ? "polygon" : "polyline";
    ctrace__out_fmt(o, "<%s points=\"", tag);
    for (i = 0; i < s->n_points; ++i) {
      const float *pt = c->points + 2u * (s->first_point + i);
      if (i) ctrace__out_bytes(o, " ", 1);
      ctrace__out_num(o, pt[0]);
      ctrace__out_bytes(o, ",", 1);
      ctrace__out_num(o, pt[1]);
    }
    ctrace__out_bytes(o, "\"", 1);
    ctrace__svg_paint(o, "fill", s->fill);
    break;
  case CTRACE__SH_TEXT:
    tag = "text";
    ctrace__out_str(o, "<text");
    ctrace__svg_xy(o, "x", s->x); ctrace__svg_xy(o, "y", s->y);
    ctrace__out_fmt(o, " font-size=\"%u\"", (unsigned)s->font_px);
    if (s->anchor == CTRACE__AN_MIDDLE) ctrace__out_str(o, " text-anchor=\"middle\"");
    else if (s->anchor == CTRACE__AN_END) ctrace__out_str(o, " text-anchor=\"end\"");
    ctrace__svg_paint(o, "fill", s->fill);
    break;
  default:
    return;
  }
  if (s->kind != CTRACE__SH_TEXT && (s->stroke & 0xffu)) {
    ctrace__svg_paint(o, "stroke", s->stroke);
    ctrace__out_str(o, " stroke-width=\"");
    ctrace__out_num(o, s->stroke_w > 0 ? s->stroke_w : 1);
    ctrace__out_bytes(o, "\"", 1);
  }
  if (s->group) {
    ctrace__out_str(o, " data-g=\"");
    ctrace__out_int(o, (int64_t)s->group);
    ctrace__out_bytes(o, "\"", 1);
  }
  if (s->kind == CTRACE__SH_TEXT || s->title != CTRACE__NO_TEXT) {
    ctrace__out_bytes(o, ">", 1);
    if (s->title != CTRACE__NO_TEXT && s->title < c->n_text) {
      ctrace__out_str(o, "<title>");
      ctrace__out_html(o, c->text + s->title);
      ctrace__out_str(o, "</title>");
    }
    if (s->kind == CTRACE__SH_TEXT && s->text < c->n_text) ctrace__out_html(o, c->text + s->text);
    ctrace__out_fmt(o, "</%s>\n", tag);
  } else {
    ctrace__out_str(o, "/>\n");
  }
}

/* Writes the canvas as one <svg> element (for inline use in HTML or, with an
   XML declaration in front, as a file). css_class may be NULL. Returns 0 or
   the sink's error. */
static CTRACE__MAYBE_UNUSED int ctrace__canvas_to_svg(const ctrace__canvas *c, ctrace__out *o, const char *css_class) {
  uint32_t i;
  ctrace__out_str(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
  ctrace__out_num(o, c->width);
  ctrace__out_bytes(o, " ", 1);
  ctrace__out_num(o, c->height);
  ctrace__out_str(o, "\" width=\"");
  ctrace__out_num(o, c->width);
  ctrace__out_str(o, "\" height=\"");
  ctrace__out_num(o, c->height);
  ctrace__out_str(o, "\" font-family=\"monospace\" role=\"img\"");
  if (css_class) {
    ctrace__out_str(o, " class=\"");
    ctrace__out_html(o, css_class);
    ctrace__out_bytes(o, "\"", 1);
  }
  ctrace__out_str(o, ">\n");
  if (c->background & 0xffu) {
    ctrace__out_str(o, "<rect width=\"100%\" height=\"100%\"");
    ctrace__svg_paint(o, "fill", c->background);
    ctrace__out_str(o, "/>\n");
  }
  for (i = 0; i < c->n_shapes; ++i) ctrace__svg_shape(c, &c->shapes[i], o);
  ctrace__out_str(o, "</svg>\n");
  return o->err;
}
/* <<impl:draw */

/* >>impl:report */
/* <<impl:report */

/* >>impl:raster */
/* <<impl:raster */

/* >>impl:export */
/* >>export --------------------------------------------------------------------
   Chrome trace event JSON, streamed from the reader. Output goes through a
   64 KiB buffer with hand-written number formatting: fprintf per field would
   cost more than the whole reader does per event. */

#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <math.h>

#define CTRACE__OUT_CAP 65536

typedef struct ctrace__out {
  FILE *f;
  int owns;                  /* we opened f and must close it */
  int failed;                /* a write failed; later writes are skipped */
  int saved_errno;
  size_t n;
  char buf[CTRACE__OUT_CAP];
} ctrace__out;

static int ctrace__out_open(ctrace__out *o, const char *path) {
  o->n = 0;
  o->failed = 0;
  o->saved_errno = 0;
  if (strcmp(path, "-") == 0) {
    o->f = stdout;
    o->owns = 0;
    return 0;
  }
  o->f = fopen(path, "wb");
  o->owns = 1;
  if (!o->f) {
    o->saved_errno = errno;
    return CTRACE_E_OPEN;
  }
  return 0;
}

static void ctrace__out_drain(ctrace__out *o) {
  if (!o->failed && o->n && fwrite(o->buf, 1, o->n, o->f) != o->n) {
    o->failed = 1;
    o->saved_errno = errno;
  }
  o->n = 0;
}

/* Make room for at least `need` bytes (need <= CTRACE__OUT_CAP). */
static char *ctrace__out_room(ctrace__out *o, size_t need) {
  if (o->n + need > CTRACE__OUT_CAP) ctrace__out_drain(o);
  return o->buf + o->n;
}

static void ctrace__out_bytes(ctrace__out *o, const char *p, size_t len) {
  while (len) {
    size_t space, take;
    ctrace__out_room(o, len < 4096 ? len : 4096);
    space = CTRACE__OUT_CAP - o->n;
    take = len < space ? len : space;
    memcpy(o->buf + o->n, p, take);
    o->n += take;
    p += take;
    len -= take;
  }
}

#define CTRACE__OUT_LIT(o, lit) ctrace__out_bytes((o), (lit), sizeof(lit) - 1)

static void ctrace__out_u64(ctrace__out *o, uint64_t v) {
  char tmp[24];
  int i = 24;
  do {
    tmp[--i] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v);
  ctrace__out_bytes(o, tmp + i, (size_t)(24 - i));
}

static void ctrace__out_i64(ctrace__out *o, int64_t v) {
  if (v < 0) {
    CTRACE__OUT_LIT(o, "-");
    ctrace__out_u64(o, (uint64_t)0 - (uint64_t)v);
  } else {
    ctrace__out_u64(o, (uint64_t)v);
  }
}

/* ns as microseconds with exactly three decimals: 1234567 -> 1234.567 */
static void ctrace__out_us(ctrace__out *o, int64_t ns) {
  uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
  uint64_t frac = mag % 1000u;
  char *p;
  if (ns < 0) CTRACE__OUT_LIT(o, "-");
  ctrace__out_u64(o, mag / 1000u);
  p = ctrace__out_room(o, 4);
  p[0] = '.';
  p[1] = (char)('0' + (int)(frac / 100u));
  p[2] = (char)('0' + (int)(frac / 10u % 10u));
  p[3] = (char)('0' + (int)(frac % 10u));
  o->n += 4;
}

static void ctrace__out_hex(ctrace__out *o, uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[16];
  int i = 16;
  do {
    tmp[--i] = digits[v & 15u];
    v >>= 4;
  } while (v);
  CTRACE__OUT_LIT(o, "0x");
  ctrace__out_bytes(o, tmp + i, (size_t)(16 - i));
}

/* Closes the file; returns 0, CTRACE_E_WRITE on any write error so far. */
static int ctrace__out_close(ctrace__out *o) {
  ctrace__out_drain(o);
  if (!o->failed && (fflush(o->f) != 0 || ferror(o->f))) {
    o->failed = 1;
    o->saved_errno = errno;
  }
  if (o->owns && fclose(o->f) != 0 && !o->failed) {
    o->failed = 1;
    o->saved_errno = errno;
  }
  o->f = NULL;
  return o->failed ? CTRACE_E_WRITE : 0;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes available), or 0
   when it is malformed; *bad then receives how many bytes form the maximal
   ill-formed prefix that one U+FFFD replaces (the Unicode recommendation,
   which Python and browsers follow). */
static size_t ctrace__utf8_seq(const unsigned char *s, size_t n, size_t *bad) {
  unsigned c = s[0];
  size_t len, i;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  /* no UTF-16 surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  /* nothing above U+10FFFF */
  } else {
    *bad = 1;
    return 0;
  }
  for (i = 1; i < len; i++) {
    unsigned b;
    if (i >= n) break;
    b = s[i];
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
  }
  if (i == len) return len;
  *bad = i;
  return 0;
}

/* Writes s (len bytes) as a quoted JSON string. */
static void ctrace__json_str(ctrace__out *o, const char *str, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, run = 0;
  CTRACE__OUT_LIT(o, "\"");
  while (i < len) {
    unsigned c = s[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      i++;
      continue;
    }
    if (i > run) ctrace__out_bytes(o, str + run, i - run);
    if (c < 0x80) {
      char *p = ctrace__out_room(o, 6);
      p[0] = '\\';
      if (c == '"' || c == '\\') { p[1] = (char)c; o->n += 2; }
      else if (c == '\n') { p[1] = 'n'; o->n += 2; }
      else if (c == '\t') { p[1] = 't'; o->n += 2; }
      else if (c == '\r') { p[1] = 'r'; o->n += 2; }
      else {
        p[1] = 'u'; p[2] = '0'; p[3] = '0';
        p[4] = hex[c >> 4]; p[5] = hex[c & 15u];
        o->n += 6;
      }
      i++;
    } else {
      size_t bad = 1, ok = ctrace__utf8_seq(s + i, len - i, &bad);
      if (ok) {
        ctrace__out_bytes(o, str + i, ok);
        i += ok;
      } else {
        CTRACE__OUT_LIT(o, "\xEF\xBF\xBD");
        i += bad;
      }
    }
    run = i;
  }
  if (i > run) ctrace__out_bytes(o, str + run, i - run);
  CTRACE__OUT_LIT(o, "\"");
}

static void ctrace__json_cstr(ctrace__out *o, const char *s) {
  ctrace__json_str(o, s ? s : "", s ? strlen(s) : 0);
}

/* u64 -> u64 map, linear probing with backward-shift deletion. Key 0 is
   stored out of line, so every key is allowed. */
typedef struct ctrace__map {
  uint64_t *keys;
  uint64_t *vals;
  size_t cap, count;         /* cap is a power of two or 0 */
  int has_zero;
  uint64_t zero_val;
} ctrace__map;

static size_t ctrace__map_slot(const ctrace__map *m, uint64_t key) {
  uint64_t h = key * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 20) & (m->cap - 1);
}

static int ctrace__map_grow(ctrace__map *m) {
  size_t old_cap = m->cap, i, ncap = old_cap ? old_cap * 2 : 64;
  uint64_t *ok = m->keys, *ov = m->vals;
  m->keys = (uint64_t *)CTRACE_MEM_ALLOC(ncap * sizeof(uint64_t));
  m->vals = (uint64_t *)CTRACE_MEM_ALLOC(ncap * sizeof(uint64_t));
  if (!m->keys || !m->vals) {
    CTRACE_MEM_FREE(m->keys);
    CTRACE_MEM_FREE(m->vals);
    m->keys = ok;
    m->vals = ov;
    return CTRACE_E_NOMEM;
  }
  memset(m->keys, 0, ncap * sizeof(uint64_t));
  m->cap = ncap;
  for (i = 0; i < old_cap; i++) {
    if (ok[i]) {
      size_t s = ctrace__map_slot(m, ok[i]);
      while (m->keys[s]) s = (s + 1) & (ncap - 1);
      m->keys[s] = ok[i];
      m->vals[s] = ov[i];
    }
  }
  CTRACE_MEM_FREE(ok);
  CTRACE_MEM_FREE(ov);
  return 0;
}

/* Pointer to key's value, inserting it with value 0 when absent; NULL only
   when memory runs out. */
static uint64_t *ctrace__map_get(ctrace__map *m, uint64_t key, int insert) {
  size_t s;
  if (key == 0) {
    if (!m->has_zero) {
      if (!insert) return NULL;
      m->has_zero = 1;
      m->zero_val = 0;
    }
    return &m->zero_val;
  }
  if (m->cap) {
    s = ctrace__map_slot(m, key);
    while (m->keys[s]) {
      if (m->keys[s] == key) return &m->vals[s];
      s = (s + 1) & (m->cap - 1);
    }
  }
  if (!insert) return NULL;
  if ((m->count + 1) * 4 > m->cap * 3 && ctrace__map_grow(m) != 0) return NULL;
  s = ctrace__map_slot(m, key);
  while (m->keys[s]) s = (s + 1) & (m->cap - 1);
  m->keys[s] = key;
  m->vals[s] = 0;
  m->count++;
  return &m->vals[s];
}

static void ctrace__map_remove(ctrace__map *m, uint64_t key) {
  size_t s, next;
  if (key == 0) {
    m->has_zero = 0;
    return;
  }
  if (!m->cap) return;
  s = ctrace__map_slot(m, key);
  while (m->keys[s] != key) {
    if (!m->keys[s]) return;
    s = (s + 1) & (m->cap - 1);
  }
  /* Pull later entries of the probe chain back so lookups never stop early. */
  next = (s + 1) & (m->cap - 1);
  while (m->keys[next]) {
    size_t home = ctrace__map_slot(m, m->keys[next]);
    int movable = (s <= next) ? (home <= s || home > next) : (home <= s && home > next);
    if (movable) {
      m->keys[s] = m->keys[next];
      m->vals[s] = m->vals[next];
      s = next;
    }
    next = (next + 1) & (m->cap - 1);
  }
  m->keys[s] = 0;
  m->count--;
}

static void ctrace__map_free(ctrace__map *m) {
  CTRACE_MEM_FREE(m->keys);
  CTRACE_MEM_FREE(m->vals);
  memset(m, 0, sizeof *m);
}

typedef struct ctrace__gc_open {
  uint64_t id;
  const char *name;
  uint32_t thread;
} ctrace__gc_open;

typedef struct ctrace__chrome {
  ctrace__out *out;
  ctrace_reader *reader;
  uint64_t pid;
  uint64_t written;          /* events written, to place the commas */
  int64_t last_ns;
  ctrace__map depth;         /* thread -> zones open */
  ctrace__map tasks;         /* task id -> name pointer of an open task */
  ctrace__map task_thread;   /* task id -> thread that began it */
  ctrace__gc_open *gcs;      /* collections open, innermost last */
  size_t n_gcs, cap_gcs;
  uint64_t next_gc_id;
  uint64_t heap_live;
  int oom;
  ctrace_export_counts counts;
} ctrace__chrome;

/* Opens an event object: {"ph":"X","ts":T,"pid":P,"tid":N */
static void ctrace__chrome_head(ctrace__chrome *c, char ph, int64_t ns, uint32_t tid) {
  ctrace__out *o = c->out;
  char *p = ctrace__out_room(o, 16);
  if (c->written++) {
    p[0] = ',';
    p[1] = '\n';
    o->n += 2;
    p += 2;
  }
  memcpy(p, "{\"ph\":\"", 7);
  p[7] = ph;
  memcpy(p + 8, "\",\"ts\":", 7);
  o->n += 15;
  ctrace__out_us(o, ns);
  CTRACE__OUT_LIT(o, ",\"pid\":");
  ctrace__out_u64(o, c->pid);
  CTRACE__OUT_LIT(o, ",\"tid\":");
  ctrace__out_u64(o, tid);
}

static void ctrace__chrome_name(ctrace__chrome *c, const char *name) {
  CTRACE__OUT_LIT(c->out, ",\"name\":");
  ctrace__json_cstr(c->out, name);
}

static void ctrace__chrome_site_args(ctrace__chrome *c, const ctrace_event *ev) {
  CTRACE__OUT_LIT(c->out, ",\"args\":{\"file\":");
  ctrace__json_cstr(c->out, ev->file);
  CTRACE__OUT_LIT(c->out, ",\"line\":");
  ctrace__out_u64(c->out, ev->line);
  CTRACE__OUT_LIT(c->out, "}");
}

static void ctrace__chrome_zone_begin(ctrace__chrome *c, const ctrace_event *ev) {
  uint64_t *d = ctrace__map_get(&c->depth, ev->thread, 1);
  if (!d) {
    c->oom = 1;
    return;
  }
  ++*d;
  ctrace__chrome_head(c, 'B', ev->time_ns, ev->thread);
  ctrace__chrome_name(c, ev->name);
  CTRACE__OUT_LIT(c->out, "}");
  c->counts.spans++;
}

static void ctrace__chrome_zone_end(ctrace__chrome *c, const ctrace_event *ev) {
  uint64_t *d = ctrace__map_get(&c->depth, ev->thread, 0);
  if (!d || *d == 0) {
    c->counts.ends_dropped++;
    return;
  }
  --*d;
  ctrace__chrome_head(c, 'E', ev->time_ns, ev->thread);
  CTRACE__OUT_LIT(c->out, "}");
}

static void ctrace__chrome_counter(ctrace__chrome *c, const ctrace_event *ev,
                                   const char *name, const char *key) {
  ctrace__chrome_head(c, 'C', ev->time_ns, ev->thread);
  ctrace__chrome_name(c, name);
  CTRACE__OUT_LIT(c->out, ",\"args\":{\"");
  ctrace__out_bytes(c->out, key, strlen(key));
  CTRACE__OUT_LIT(c->out, "\":");
  if (ev->kind == CTRACE_EV_COUNTER_F) {
    char num[40];
    int len = snprintf(num, sizeof num, "%.17g", ev->fvalue);
    ctrace__out_bytes(c->out, num, (size_t)len);
  } else if (ev->kind == CTRACE_EV_COUNTER) {
    ctrace__out_i64(c->out, ev->value);
  } else {
    ctrace__out_u64(c->out, c->heap_live);
  }
  CTRACE__OUT_LIT(c->out, "}}");
  c->counts.counters++;
}

static void ctrace__chrome_user_counter(ctrace__chrome *c, const ctrace_event *ev) {
  /* JSON has no NaN or infinity; such a sample cannot be written. */
  if (ev->kind == CTRACE_EV_COUNTER_F && !(ev->fvalue == ev->fvalue && fabs(ev->fvalue) <= 1.7976931348623157e308)) {
    c->counts.skipped++;
    return;
  }
  ctrace__chrome_counter(c, ev, ev->name, "value");
}

static void ctrace__chrome_heap(ctrace__chrome *c, const ctrace_event *ev) {
  if (ev->kind == CTRACE_EV_ALLOC) c->heap_live += ev->size;
  else c->heap_live = ev->size > c->heap_live ? 0 : c->heap_live - ev->size;
  ctrace__chrome_counter(c, ev, "heap", "live_bytes");
}

static void ctrace__chrome_async(ctrace__chrome *c, char ph, int64_t ns, uint32_t tid,
                                 const char *cat, uint64_t id, const char *name) {
  ctrace__chrome_head(c, ph, ns, tid);
  CTRACE__OUT_LIT(c->out, ",\"cat\":\"");
  ctrace__out_bytes(c->out, cat, strlen(cat));
  CTRACE__OUT_LIT(c->out, "\",\"id\":\"");
  ctrace__out_bytes(c->out, cat, strlen(cat));
  CTRACE__OUT_LIT(c->out, "-");
  ctrace__out_u64(c->out, id);
  CTRACE__OUT_LIT(c->out, "\"");
  ctrace__chrome_name(c, name);
  CTRACE__OUT_LIT(c->out, "}");
}

static const char *ctrace__or(const char *s, const char *fallback) {
  return (s && *s) ? s : fallback;
}

static void ctrace__chrome_task_begin(ctrace__chrome *c, const ctrace_event *ev) {
  uint64_t *slot = ctrace__map_get(&c->tasks, ev->id, 1);
  uint64_t *th = ctrace__map_get(&c->task_thread, ev->id, 1);
  const char *name = ctrace__or(ev->name, "task");
  if (!slot || !th) {
    c->oom = 1;
    return;
  }
  if (*slot) {
    /* The same id begun twice: close the first so every b has its e. */
    ctrace__chrome_async(c, 'e', ev->time_ns, ev->thread, "task", ev->id,
                         (const char *)(uintptr_t)*slot);
  } else {
    c->counts.async_spans++;
  }
  *slot = (uint64_t)(uintptr_t)name;
  *th = ev->thread;
  ctrace__chrome_async(c, 'b', ev->time_ns, ev->thread, "task", ev->id, name);
}

static void ctrace__chrome_task_end(ctrace__chrome *c, const ctrace_event *ev) {
  uint64_t *slot = ctrace__map_get(&c->tasks, ev->id, 0);
  if (!slot || !*slot) {
    c->counts.skipped++;
    return;
  }
  ctrace__chrome_async(c, 'e', ev->time_ns, ev->thread, "task", ev->id,
                       (const char *)(uintptr_t)*slot);
  ctrace__map_remove(&c->tasks, ev->id);
  ctrace__map_remove(&c->task_thread, ev->id);
}

static void ctrace__chrome_gc_begin(ctrace__chrome *c, const ctrace_event *ev) {
  ctrace__gc_open *g;
  if (c->n_gcs == c->cap_gcs) {
    size_t ncap = c->cap_gcs ? c->cap_gcs * 2 : 8;
    ctrace__gc_open *n = (ctrace__gc_open *)CTRACE_MEM_REALLOC(c->gcs, ncap * sizeof *n);
    if (!n) {
      c->oom = 1;
      return;
    }
    c->gcs = n;
    c->cap_gcs = ncap;
  }
  g = &c->gcs[c->n_gcs++];
  g->id = ++c->next_gc_id;
  g->name = ctrace__or(ev->name, "gc");
  g->thread = ev->thread;
  ctrace__chrome_async(c, 'b', ev->time_ns, ev->thread, "gc", g->id, g->name);
  c->counts.async_spans++;
}

static void ctrace__chrome_gc_end(ctrace__chrome *c, const ctrace_event *ev) {
  ctrace__gc_open *g;
  if (!c->n_gcs) {
    c->counts.skipped++;
    return;
  }
  g = &c->gcs[--c->n_gcs];
  ctrace__chrome_async(c, 'e', ev->time_ns, ev->thread, "gc", g->id, g->name);
}

static void ctrace__chrome_instant(ctrace__chrome *c, const ctrace_event *ev) {
  ctrace__out *o = c->out;
  ctrace__chrome_head(c, 'i', ev->time_ns, ev->thread);
  CTRACE__OUT_LIT(o, ",\"s\":\"t\"");
  switch (ev->kind) {
    case CTRACE_EV_INSTANT:
      ctrace__chrome_name(c, ev->name);
      ctrace__chrome_site_args(c, ev);
      break;
    case CTRACE_EV_LOG:
      CTRACE__OUT_LIT(o, ",\"cat\":\"log\"");
      ctrace__chrome_name(c, ctrace__or(ev->name, "log"));
      CTRACE__OUT_LIT(o, ",\"args\":{\"message\":");
      ctrace__json_str(o, ev->message ? ev->message : "", ev->message ? ev->message_len : 0);
      CTRACE__OUT_LIT(o, "}");
      break;
    case CTRACE_EV_LOSS:
      CTRACE__OUT_LIT(o, ",\"name\":\"ctrace.events_lost\",\"args\":{\"count\":");
      ctrace__out_i64(o, ev->value);
      CTRACE__OUT_LIT(o, "}");
      break;
    default: /* CTRACE_EV_MEM_PROBLEM */
      CTRACE__OUT_LIT(o, ",\"name\":\"ctrace.memory_problem\",\"args\":{\"what\":");
      ctrace__json_cstr(o, ev->name);
      CTRACE__OUT_LIT(o, ",\"ptr\":\"");
      ctrace__out_hex(o, ev->ptr);
      CTRACE__OUT_LIT(o, "\"}");
      break;
  }
  CTRACE__OUT_LIT(o, "}");
  c->counts.instants++;
}

static void ctrace__chrome_event(ctrace__chrome *c, const ctrace_event *ev) {
  if (ev->time_ns > c->last_ns) c->last_ns = ev->time_ns;
  switch (ev->kind) {
    case CTRACE_EV_ZONE_BEGIN: ctrace__chrome_zone_begin(c, ev); break;
    case CTRACE_EV_ZONE_END: ctrace__chrome_zone_end(c, ev); break;
    case CTRACE_EV_COUNTER:
    case CTRACE_EV_COUNTER_F: ctrace__chrome_user_counter(c, ev); break;
    case CTRACE_EV_ALLOC:
    case CTRACE_EV_FREE: ctrace__chrome_heap(c, ev); break;
    case CTRACE_EV_TASK_BEGIN: ctrace__chrome_task_begin(c, ev); break;
    case CTRACE_EV_TASK_END: ctrace__chrome_task_end(c, ev); break;
    case CTRACE_EV_GC_BEGIN: ctrace__chrome_gc_begin(c, ev); break;
    case CTRACE_EV_GC_END: ctrace__chrome_gc_end(c, ev); break;
    case CTRACE_EV_INSTANT:
    case CTRACE_EV_LOG:
    case CTRACE_EV_LOSS:
    case CTRACE_EV_MEM_PROBLEM: ctrace__chrome_instant(c, ev); break;
    default: c->counts.skipped++; break;
  }
}

/* Every span still open when the trace ends is closed at its last moment, so
   importers never see a dangling B or b. */
static void ctrace__chrome_close_open(ctrace__chrome *c, int64_t end_ns) {
  size_t i;
  while (c->n_gcs) {
    ctrace__gc_open *g = &c->gcs[--c->n_gcs];
    ctrace__chrome_async(c, 'e', end_ns, g->thread, "gc", g->id, g->name);
  }
  for (i = 0; i < c->tasks.cap; i++) {
    uint64_t id = c->tasks.keys[i];
    if (id) {
      uint64_t *th = ctrace__map_get(&c->task_thread, id, 0);
      ctrace__chrome_async(c, 'e', end_ns, th ? (uint32_t)*th : 0u, "task", id,
                           (const char *)(uintptr_t)c->tasks.vals[i]);
    }
  }
  if (c->tasks.has_zero) {
    uint64_t *th = ctrace__map_get(&c->task_thread, 0, 0);
    ctrace__chrome_async(c, 'e', end_ns, th ? (uint32_t)*th : 0u, "task", 0,
                         (const char *)(uintptr_t)c->tasks.zero_val);
  }
  for (i = 0; i < c->depth.cap; i++) {
    uint64_t d;
    if (!c->depth.keys[i]) continue;
    for (d = c->depth.vals[i]; d; d--) {
      ctrace__chrome_head(c, 'E', end_ns, (uint32_t)c->depth.keys[i]);
      CTRACE__OUT_LIT(c->out, "}");
      c->counts.spans_closed_at_end++;
    }
  }
  if (c->depth.has_zero) {
    uint64_t d;
    for (d = c->depth.zero_val; d; d--) {
      ctrace__chrome_head(c, 'E', end_ns, 0);
      CTRACE__OUT_LIT(c->out, "}");
      c->counts.spans_closed_at_end++;
    }
  }
}

static void ctrace__chrome_meta(ctrace__chrome *c, uint32_t tid, const char *what,
                                const char *key, const char *text, uint64_t number) {
  ctrace__out *o = c->out;
  if (c->written++) CTRACE__OUT_LIT(o, ",\n");
  CTRACE__OUT_LIT(o, "{\"ph\":\"M\",\"pid\":");
  ctrace__out_u64(o, c->pid);
  CTRACE__OUT_LIT(o, ",\"tid\":");
  ctrace__out_u64(o, tid);
  CTRACE__OUT_LIT(o, ",\"name\":\"");
  ctrace__out_bytes(o, what, strlen(what));
  CTRACE__OUT_LIT(o, "\",\"args\":{\"");
  ctrace__out_bytes(o, key, strlen(key));
  CTRACE__OUT_LIT(o, "\":");
  if (text) ctrace__json_cstr(o, text);
  else ctrace__out_u64(o, number);
  CTRACE__OUT_LIT(o, "}}");
}

/* Thread names may only be known once their chunks were read, so the thread
   metadata goes last; importers accept M events anywhere. */
static void ctrace__chrome_threads(ctrace__chrome *c) {
  const uint32_t *ids = NULL;
  uint32_t n = ctrace_reader_threads(c->reader, &ids), i;
  for (i = 0; i < n; i++) {
    const char *name = ctrace_reader_thread_name(c->reader, ids[i]);
    char fallback[32];
    if (!name || !*name) {
      snprintf(fallback, sizeof fallback, "thread %u", (unsigned)ids[i]);
      name = fallback;
    }
    ctrace__chrome_meta(c, ids[i], "thread_name", "name", name, 0);
    ctrace__chrome_meta(c, ids[i], "thread_sort_index", "sort_index", NULL, ids[i]);
  }
}

static void ctrace__set_err(char *err, size_t err_size, const char *path, const char *why) {
  if (err && err_size) snprintf(err, err_size, "%s: %s", path, why);
}

static int ctrace__chrome_stream(ctrace__chrome *c, ctrace_progress_fn progress, void *user) {
  ctrace_event ev;
  int rc;
  double span = (double)ctrace_reader_info(c->reader)->duration_ns;
  while ((rc = ctrace_reader_next(c->reader, &ev)) > 0) {
    ctrace__chrome_event(c, &ev);
    if ((++c->counts.events_read & 0xFFFFu) == 0) {
      if (c->oom || c->out->failed) break;
      if (progress && span > 0) progress(user, (double)ev.time_ns / span);
    }
  }
  if (c->oom) return CTRACE_E_NOMEM;
  return rc < 0 ? rc : 0;
}

CTRACE_API int ctrace_export_chrome(const char *trace_path, const char *out_path,
                                    ctrace_progress_fn progress, void *progress_user,
                                    ctrace_export_counts *counts, char *err, size_t err_size) {
  ctrace__chrome c;
  ctrace__out *out;
  const ctrace_trace_info *info;
  int rc, wrc;
  char why[256];
  if (err && err_size) err[0] = 0;
  if (!trace_path || !out_path) {
    ctrace__set_err(err, err_size, "(null)", ctrace_strerror(CTRACE_E_INVALID));
    return CTRACE_E_INVALID;
  }
  memset(&c, 0, sizeof c);
  why[0] = 0;
  rc = ctrace_reader_open(&c.reader, trace_path, why, sizeof why);
  if (rc < 0) {
    ctrace__set_err(err, err_size, trace_path, why[0] ? why : ctrace_strerror(rc));
    return rc;
  }
  out = (ctrace__out *)CTRACE_MEM_ALLOC(sizeof *out);
  if (!out) {
    ctrace_reader_close(c.reader);
    ctrace__set_err(err, err_size, out_path, ctrace_strerror(CTRACE_E_NOMEM));
    return CTRACE_E_NOMEM;
  }
  rc = ctrace__out_open(out, out_path);
  if (rc < 0) {
    ctrace__set_err(err, err_size, out_path, strerror(out->saved_errno));
    CTRACE_MEM_FREE(out);
    ctrace_reader_close(c.reader);
    return rc;
  }
  c.out = out;
  info = ctrace_reader_info(c.reader);
  c.pid = info->pid ? info->pid : 1u;
  CTRACE__OUT_LIT(out, "{\"traceEvents\":[\n");
  ctrace__chrome_meta(&c, 0, "process_name", "name", ctrace__or(info->program, "ctrace"), 0);
  rc = ctrace__chrome_stream(&c, progress, progress_user);
  info = ctrace_reader_info(c.reader);
  if (rc == 0) {
    ctrace__chrome_close_open(&c, info->duration_ns > c.last_ns ? info->duration_ns : c.last_ns);
    ctrace__chrome_threads(&c);
  }
  CTRACE__OUT_LIT(out, "\n],\"displayTimeUnit\":\"ns\"}\n");
  c.counts.info = *info;
  wrc = ctrace__out_close(out);
  if (rc < 0) {
    const char *at = rc == CTRACE_E_NOMEM ? out_path : trace_path;
    ctrace__set_err(err, err_size, at, ctrace_strerror(rc));
  } else if (wrc < 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s (%s)", ctrace_strerror(wrc), strerror(out->saved_errno));
    ctrace__set_err(err, err_size, out_path, msg);
    rc = wrc;
  }
  if (counts) *counts = c.counts;
  ctrace__map_free(&c.depth);
  ctrace__map_free(&c.tasks);
  ctrace__map_free(&c.task_thread);
  CTRACE_MEM_FREE(c.gcs);
  CTRACE_MEM_FREE(out);
  ctrace_reader_close(c.reader);
  return rc;
}
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
