/* ctrace.h - trace what a C program does over time, in one header.
   MIT licence at the end of this file.

   ABOUT
   ctrace records zones, threads, counters, log messages, tasks, allocations,
   collection phases and waits into a compact binary file, reads that file
   back, and turns it into reports. Think of Go's runtime/trace plus `go tool trace`, for C.

   QUICK START (record)
   In exactly one .c file:
       #define CTRACE_IMPLEMENTATION
       #include "ctrace.h"
   Everywhere else just #include "ctrace.h". Then:
       ctrace_start("run.ctrace");          -- like Go's trace.Start
       CTRACE_THREAD_NAME("main");
       { CTRACE_ZONE("parse"); ... }        -- a zone scoped to its block
       ctrace_stop();                       -- flushes and closes
   Build: cc main.c -pthread (POSIX). Nothing else to link: the recorder
   needs no libm. On Windows nothing extra at all.

   AFTER THE RUN (read and report)
   Use the `ctrace` tool built on this header (report, stats, png, export,
   dump, check), or report from your own program: in one .c file, which may
   be the same one,
       #define CTRACE_TOOLS_IMPLEMENTATION      -- reader, analysis, report,
       #include "ctrace.h"                      -- PNG and exports
   and call
       ctrace_report_html("run.ctrace", "run.html", NULL);  -- one static HTML file
       ctrace_png("run.ctrace", "heap.png", NULL);          -- a chart (CTRACE_WITH_PNG)
       ctrace_analyze(...), ctrace_stats_json(...), ctrace_export_chrome(...)
   Build: cc main.c -pthread -lm. The tools use the recorder's code too
   (ctrace_strerror, the checksum), so CTRACE_IMPLEMENTATION must also be
   defined in some file of the program. README.md documents the file format
   byte by byte.

   CONTENTS (grep for the ">>" tags)
     >>options       compile-time options
     >>warnings      the header quiet under strict warning sets (push/pop)
     >>api           public API: session, instrumentation, memory, reader,
                     then analysis, report, PNG and export declarations
     >>macros        instrumentation macros
     >>impl          implementation
       shared by both macros, and CTRACE_IMPLEMENTATION's (>>impl:core):
       >>platform    clock, threads, atomics, files (one ladder per concern)
       >>format      the on-disk format (see README.md for the full spec)
       >>writer      per-thread buffers, event encoding
       >>memory      tracked allocator and memstats
       >>session     the file, the writer thread, sessions, fork, crashes
       >>functions   -finstrument-functions hooks (CTRACE_INSTRUMENT_FUNCTIONS)
       >>preload     the allocation functions of ctrace run (CTRACE_PRELOAD_...)
       CTRACE_TOOLS_IMPLEMENTATION's (>>impl:reader ... >>impl:export):
       >>reader      streaming reader with time-ordered merge
       >>analysis    one streaming pass: zones, memory, GC, flame tree, outputs
       >>draw        one drawing model (shapes), chart layouts, SVG backend
       >>report      the HTML report
       >>raster      the raster backend, bitmap font and PNG encoding
       >>export      Chrome trace event JSON
     >>licence

   THREAD SAFETY
   Every instrumentation macro and session call may be used from any thread.
   A reader or an analysis object belongs to one thread at a time; distinct
   objects may be used in parallel. The report, PNG and export calls share no
   state.

   COMPILE-TIME OPTIONS (>>options)
   +------------------------+--------------------------------------------------+
   | CTRACE_IMPLEMENTATION  | define in one file: the recorder (sessions, the  |
   |                        |   writer, crash handling, tracked allocator).    |
   |                        |   All a program that only records needs: no     |
   |                        |   report code is compiled or linked, no libm.    |
   | CTRACE_TOOLS_          | define in one file (this one or another) to add  |
   |   IMPLEMENTATION       |   the reader, analysis, HTML report, PNG and     |
   |                        |   exports; needs CTRACE_IMPLEMENTATION too. The  |
   |                        |   reader is on this side: a recording program    |
   |                        |   never reads a trace back. A tools call without |
   |                        |   it fails to link, naming the macro:            |
   |                        |   "..._needs_CTRACE_TOOLS_IMPLEMENTATION"        |
   | CTRACE_INSTRUMENT_     | with CTRACE_IMPLEMENTATION: define the hooks of  |
   |   FUNCTIONS            |   -finstrument-functions, so that every function |
   |                        |   compiled with it is a zone named by the tools  |
   |                        |   (README.md, "Tracing with no annotations")     |
   | CTRACE_PRELOAD_        | with CTRACE_IMPLEMENTATION and CTRACE_INSTRU-    |
   |   IMPLEMENTATION       |   MENT_FUNCTIONS, in a shared library for        |
   |                        |   LD_PRELOAD only (make builds it: build/libc-   |
   |                        |   trace-preload.so): defines malloc, free and    |
   |                        |   the rest of the family, records each call with |
   |                        |   its call stack, starts a session from          |
   |                        |   CTRACE_FILE (README.md, "ctrace run";>>preload)|
   | CTRACE_ENABLED 0       | every instrumentation macro compiles to nothing  |
   | CTRACE_DISABLE         | same as CTRACE_ENABLED 0                         |
   | CTRACE_STATIC          | make every function static (one-file programs)   |
   | CTRACE_MEM_ALLOC/_FREE/ | allocator used by ctrace itself; define all      |
   |   CTRACE_MEM_REALLOC   |   three or none                                  |
   | CTRACE_NO_LOCK_WRAPPERS| do not include <pthread.h> for ctrace_mutex_lock |
   | CTRACE_NO_MEMORY_MACROS| do not define the ctrace_malloc(...) site macros |
   | CTRACE_WITH_PNG        | PNG output through <stb/stb_image_write.h>       |
   |                        |   (Debian libstb-dev); without it the PNG calls  |
   |                        |   return CTRACE_E_UNSUPPORTED                    |
   +------------------------+--------------------------------------------------+
*/
/* >>warnings: the header's own code is quiet under the warnings projects
   turn on (gnulib's manywarnings, -Wconversion, C++'s -Wold-style-cast...).
   What it cannot avoid without ceasing to be C99 that compiles as C++ (C
   casts, 0 as a null pointer, long long constants, a float compared with
   a value it was set to) or what is a heuristic of one optimisation level
   (-Winline, -Wnull-dereference) is silenced here, for the header's lines
   only: the pop at the end of the file gives the program its own settings
   back, and the macros, which expand in the program's code, are clean by
   themselves (tests/test_compile.sh builds both under these flags). */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#ifdef __clang__
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#else
#pragma GCC diagnostic ignored "-Wpragmas"
#endif
#pragma GCC diagnostic ignored "-Wlong-long"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wfloat-equal"
#pragma GCC diagnostic ignored "-Wdeclaration-after-statement"
#pragma GCC diagnostic ignored "-Winline"
#pragma GCC diagnostic ignored "-Wnull-dereference"
#ifdef __cplusplus
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wuseless-cast"
#pragma GCC diagnostic ignored "-Wzero-as-null-pointer-constant"
#else
#pragma GCC diagnostic ignored "-Wbad-function-cast"
#endif
#endif

/* The implementation uses POSIX (clock_gettime, pthreads); in strict C
   modes those are visible only when asked for before the first system
   header. Include ctrace.h first in the implementation file, or build with
   -D_DEFAULT_SOURCE (or -std=gnu99). */
#if (defined(CTRACE_IMPLEMENTATION) || defined(CTRACE_TOOLS_IMPLEMENTATION)) && !defined(_WIN32) && \
    !defined(__APPLE__)
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && !defined(_XOPEN_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#if !defined(_DEFAULT_SOURCE) && !defined(_GNU_SOURCE)
#define _DEFAULT_SOURCE 1
#endif
#endif

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
/* One-file programs: a function the program does not call is not an error. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE_API static __attribute__((unused))
#else
#define CTRACE_API static
#endif
#else
#define CTRACE_API extern
#endif

/* ctrace's own functions, the header's inline ones included, are never
   instrumented by -finstrument-functions (see CTRACE_INSTRUMENT_FUNCTIONS):
   a traced program must not trace its tracer, nor recurse into the hooks. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__NOINSTR __attribute__((no_instrument_function))
#else
#define CTRACE__NOINSTR
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

/* Who writes a full thread buffer to the file. A recording thread that fills
   its buffer either hands it to the writer thread (through a queue, no I/O)
   or seals and writes it itself (checksum, header, one write(2) into the
   page cache). Handing over spares the recording thread the I/O, but the
   writer thread then needs a core of its own: when every core is busy
   recording, it preempts a recording thread and the program is slower than
   if each thread had written its own chunks. The writer thread runs in every
   mode for what it is good at: the periodic flush of idle threads, the
   flight recorder, resident-memory samples. README.md ("How the writer
   works") gives the measured cost of each; the session stats count the
   time recording threads spent on full buffers (full_buffer_ns). */
enum ctrace_write_mode {
  CTRACE_WRITE_AUTO = 0,   /* per chunk: the thread that filled it writes it while at
                              least as many threads fill buffers as there are
                              cores (no core is idle for the writer thread),
                              else the writer thread does */
  CTRACE_WRITE_THREAD = 1, /* the thread that fills a buffer writes it */
  CTRACE_WRITE_WRITER = 2  /* the writer thread writes every chunk; recording threads
                              never wait for I/O (only, when max_buffers chunks
                              are queued, for the writer to catch up) */
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
                                (Windows: an unhandled exception, abort())
                                write what is buffered, mark the trace crashed */
  int write_mode;            /* enum ctrace_write_mode; default AUTO. With AUTO the
                                environment variable CTRACE_WRITE_MODE (thread,
                                writer or auto) decides; a flight recorder always
                                uses the writer thread */
  uint32_t function_min_ns;  /* with CTRACE_INSTRUMENT_FUNCTIONS: a function call shorter
                                than this that recorded nothing inside (no call to another
                                instrumented function, no event) is erased at its exit.
                                0 = default (CTRACE_FUNCTION_MIN_NS_DEFAULT);
                                CTRACE_FUNCTION_MIN_NONE keeps every call */
  uint32_t cpu_sample_ms;    /* the writer thread reads every recording thread's CPU
                                time this often (event CTRACE_EV_THREAD_CPU), so
                                outputs can tell running from waiting; 0 = default
                                (CTRACE_CPU_SAMPLE_MS_DEFAULT); CTRACE_CPU_SAMPLE_OFF:
                                never. Nothing is added to the recording path */
} ctrace_config;
#define CTRACE_CPU_SAMPLE_MS_DEFAULT 10
#define CTRACE_CPU_SAMPLE_OFF 0xffffffffu
#define CTRACE_FUNCTION_MIN_NONE 0xffffffffu
#define CTRACE_FUNCTION_MIN_NS_DEFAULT 0

/* Start tracing into the file at path (created or truncated). Returns 0, or
   CTRACE_E_ALREADY_STARTED, CTRACE_E_OPEN, CTRACE_E_WRITE (the header could
   not be written, e.g. /dev/full), CTRACE_E_NOMEM, CTRACE_E_THREAD,
   CTRACE_E_INVALID (also for an unknown write_mode or CTRACE_WRITE_MODE).
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
  uint64_t chunks_by_threads; /* of those, written by the thread that filled them */
  uint64_t full_buffers;     /* times a recording thread found its buffer full */
  uint64_t full_buffer_ns;   /* the time they spent on it: handing the buffer over
                                or writing it, and getting room for more */
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
/* Waits: the thread is held up (a lock, a condition, a collection to finish)
   from wait_begin to the matching wait_end; waits may nest, the outermost
   counts. `what` names the wait. The _at form interns its name by text
   (for wrappers that pass their caller's file and line). */
CTRACE_API void ctrace_wait_begin(ctrace_site *site, const char *what, int what_is_literal);
CTRACE_API void ctrace_wait_begin_at(const char *what, const char *file, int line);
CTRACE_API void ctrace_wait_end(void);
CTRACE_API void ctrace_alloc_event(ctrace_site *site, const void *ptr, uint64_t size);
CTRACE_API void ctrace_free_event(ctrace_site *site, const void *ptr);

/* ---- Memory -----------------------------------------------------------------
   Tracked allocator: behaves exactly like malloc/calloc/realloc/free whether
   or not a trace runs; records the caller's site while one does. The macros
   below capture file and line; call the _at forms directly from wrappers.
   A pointer ctrace did not allocate goes to the C library's free/realloc and
   is counted (memstats untracked_frees) and recorded as a MEM_PROBLEM; a
   double free of ctrace's block is refused while ctrace can recognise the
   block (README.md, "Memory", says exactly when). Thread-safe: any thread
   may free or realloc any block. */
CTRACE_API void *ctrace_malloc_at(size_t size, const char *file, int line);
CTRACE_API void *ctrace_calloc_at(size_t n, size_t size, const char *file, int line);
/* Records p, the result of the program's own malloc(size) just called, and
   returns it (a NULL p with a nonzero size sets errno to ENOMEM): for a
   wrapper that must call malloc itself. ctrace_free and ctrace_realloc take
   such a block too (a table keeps it: slower than ctrace_malloc's blocks). */
CTRACE_API void *ctrace_malloc_record(void *p, size_t size, const char *file, int line);
/* Internal: ctrace_malloc_record's common case alone (no trace running, the
   block recorded in the thread's table); 0 if ctrace_malloc_record must be
   called. */
CTRACE_API int ctrace__malloc_quick(void *p, size_t size);
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
  uint64_t peak_alloc;       /* highest alloc seen: exact when one thread allocates, else
                                within 64 KiB per other thread (each batches its changes) */
  uint32_t num_gc;           /* completed collections (CTRACE_GC_END) */
  uint64_t pause_total_ns;   /* time inside collections */
  uint64_t last_gc_ns;       /* wall-clock end of the last collection, ns since 1970 */
  uint64_t rss;              /* resident memory from the OS, 0 where unknown */
  /* appended by issue 27 (i27-alloc): */
  uint64_t untracked_frees;  /* ctrace_free/ctrace_realloc of a pointer ctrace did not
                                allocate (passed on to free/realloc) */
  uint64_t double_frees;     /* ctrace_free/ctrace_realloc of a block ctrace had freed
                                already (refused: see README, "Memory") */
} ctrace_memstats;
CTRACE_API void ctrace_read_memstats(ctrace_memstats *ms);

/* ---- Which macro compiles what ---------------------------------------------
   Everything declared from here to >>macros (reader, analysis, report, PNG,
   export) is compiled by CTRACE_TOOLS_IMPLEMENTATION, not by
   CTRACE_IMPLEMENTATION. Its link names carry that macro's name, so a program
   that calls one of these functions without it fails to link with a message
   that says what to do, for instance
     undefined reference to `ctrace_report_html_needs_CTRACE_TOOLS_IMPLEMENTATION'
   In the source they are called by their short names as usual. A function
   added to the tools must be listed here (tests/test_split.sh checks). */
#define CTRACE__TOOL(name) name##_needs_CTRACE_TOOLS_IMPLEMENTATION
/* One-file programs (CTRACE_STATIC) declare the tools static only where
   they are compiled; elsewhere they stay extern, so an unused declaration
   is not an error and a call still fails to link, naming the macro. */
#if defined(CTRACE_STATIC) && !defined(CTRACE_TOOLS_IMPLEMENTATION)
#define CTRACE_TOOLS_API extern
#else
#define CTRACE_TOOLS_API CTRACE_API
#endif
#define ctrace_report_html CTRACE__TOOL(ctrace_report_html)
#define ctrace_png CTRACE__TOOL(ctrace_png)
#define ctrace_analyze CTRACE__TOOL(ctrace_analyze)
#define ctrace_stats_json CTRACE__TOOL(ctrace_stats_json)
#define ctrace_export_chrome CTRACE__TOOL(ctrace_export_chrome)
#define ctrace_export_chrome_to_func CTRACE__TOOL(ctrace_export_chrome_to_func)
#define ctrace_report_html_to_func CTRACE__TOOL(ctrace_report_html_to_func)
#define ctrace_png_to_func CTRACE__TOOL(ctrace_png_to_func)
#define ctrace_reader_open CTRACE__TOOL(ctrace_reader_open)
#define ctrace_reader_open_memory CTRACE__TOOL(ctrace_reader_open_memory)
#define ctrace_reader_next CTRACE__TOOL(ctrace_reader_next)
#define ctrace_reader_info CTRACE__TOOL(ctrace_reader_info)
#define ctrace_reader_thread_name CTRACE__TOOL(ctrace_reader_thread_name)
#define ctrace_reader_thread_os_id CTRACE__TOOL(ctrace_reader_thread_os_id)
#define ctrace_reader_threads CTRACE__TOOL(ctrace_reader_threads)
#define ctrace_reader_reads_file CTRACE__TOOL(ctrace_reader_reads_file)
#define ctrace_reader_close CTRACE__TOOL(ctrace_reader_close)
#define ctrace_event_kind_name CTRACE__TOOL(ctrace_event_kind_name)
#define ctrace_reader_stack CTRACE__TOOL(ctrace_reader_stack)
#define ctrace_analysis_free CTRACE__TOOL(ctrace_analysis_free)
#define ctrace_analysis_zones CTRACE__TOOL(ctrace_analysis_zones)
#define ctrace_analysis_find_zone CTRACE__TOOL(ctrace_analysis_find_zone)
#define ctrace_analysis_leaks CTRACE__TOOL(ctrace_analysis_leaks)
#define ctrace_analyze_reader CTRACE__TOOL(ctrace_analyze_reader)
#define ctrace_analysis_begin CTRACE__TOOL(ctrace_analysis_begin)
#define ctrace_analysis_add CTRACE__TOOL(ctrace_analysis_add)
#define ctrace_analysis_set_thread CTRACE__TOOL(ctrace_analysis_set_thread)
#define ctrace_analysis_end CTRACE__TOOL(ctrace_analysis_end)
#define ctrace_histogram_percentile CTRACE__TOOL(ctrace_histogram_percentile)
#define ctrace_histogram_bins CTRACE__TOOL(ctrace_histogram_bins)
#define ctrace_analysis_summary CTRACE__TOOL(ctrace_analysis_summary)
#define ctrace_analysis_threads CTRACE__TOOL(ctrace_analysis_threads)
#define ctrace_analysis_zone_order CTRACE__TOOL(ctrace_analysis_zone_order)
#define ctrace_analysis_tasks CTRACE__TOOL(ctrace_analysis_tasks)
#define ctrace_analysis_gc CTRACE__TOOL(ctrace_analysis_gc)
#define ctrace_analysis_gc_spans CTRACE__TOOL(ctrace_analysis_gc_spans)
#define ctrace_analysis_counters CTRACE__TOOL(ctrace_analysis_counters)
#define ctrace_analysis_find_counter CTRACE__TOOL(ctrace_analysis_find_counter)
#define ctrace_analysis_mmu CTRACE__TOOL(ctrace_analysis_mmu)
#define ctrace_analysis_mmu_at CTRACE__TOOL(ctrace_analysis_mmu_at)
#define ctrace_analysis_heap_series CTRACE__TOOL(ctrace_analysis_heap_series)
#define ctrace_analysis_memory CTRACE__TOOL(ctrace_analysis_memory)
#define ctrace_analysis_peaks CTRACE__TOOL(ctrace_analysis_peaks)
#define ctrace_analysis_memstats_reads CTRACE__TOOL(ctrace_analysis_memstats_reads)
#define ctrace_analysis_alloc_sites CTRACE__TOOL(ctrace_analysis_alloc_sites)
#define ctrace_analysis_alloc_stacks CTRACE__TOOL(ctrace_analysis_alloc_stacks)
#define ctrace_analysis_problems CTRACE__TOOL(ctrace_analysis_problems)
#define ctrace_analysis_logs CTRACE__TOOL(ctrace_analysis_logs)
#define ctrace_analysis_flame CTRACE__TOOL(ctrace_analysis_flame)
#define ctrace_analysis_thread_cpu CTRACE__TOOL(ctrace_analysis_thread_cpu)
#define ctrace_zone_mostly_waited CTRACE__TOOL(ctrace_zone_mostly_waited)
#define ctrace_write_stdio CTRACE__TOOL(ctrace_write_stdio)
#define ctrace_stats_text CTRACE__TOOL(ctrace_stats_text)
#define ctrace_export_csv CTRACE__TOOL(ctrace_export_csv)
#define ctrace_export_folded CTRACE__TOOL(ctrace_export_folded)
#define ctrace_problem_kind_name CTRACE__TOOL(ctrace_problem_kind_name)
#define ctrace_chart_rgba CTRACE__TOOL(ctrace_chart_rgba)
#define ctrace_png_from_analysis CTRACE__TOOL(ctrace_png_from_analysis)

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
  CTRACE_EV_WAIT_BEGIN = 64, /* name = what it waits for (a sized kind: older
                                readers skip it) */
  CTRACE_EV_WAIT_END = 65,   /* closes the thread's innermost wait */
  CTRACE_EV_THREAD_CPU = 66, /* CPU time `thread` has used so far, in value (ns,
                                since the thread began; sized). thread is the
                                thread measured, not the one that wrote it.
                                ptr = 1 when size holds the time it has waited
                                for a core so far (ns; Linux), 0 if not known */
  CTRACE_EV_MEMSTATS = 74,   /* the program read its statistics (ctrace_read_memstats),
                                as it then saw them: size = Alloc (= HeapAlloc),
                                id = TotalAlloc, value = NumGC (sized) */
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
  uint32_t raw_kind;         /* kind byte as stored (for UNKNOWN); 69 for a FREE from ctrace run,
                                whose block may have been allocated before the recording */
  /* Appended (ctrace run): an ALLOC's call stack, as ctrace_reader_stack
     gives it; 0 frames when the allocation has none. */
  uint32_t stack;            /* stack id, 0 if none */
  uint32_t stack_depth;      /* frames in stack_frames */
  const struct ctrace_frame *stack_frames; /* innermost first; valid until the reader is closed */
} ctrace_event;

/* One frame of an allocation's call stack (ctrace run). */
typedef struct ctrace_frame {
  uint64_t address;          /* return address: the call is the instruction before it */
  const char *function;      /* from the object's symbol table; "" if unknown */
  const char *object;        /* path of the loaded object; "" if in none the trace lists */
  uint64_t offset;           /* address - the object's load bias (what addr2line takes) */
  const char *file;          /* source file of the call; "" if unknown */
  uint32_t line;             /* 0 if unknown */
} ctrace_frame;
/* name and file stay valid until the reader is closed; message only until
   the next ctrace_reader_next call (copy it to keep it): keeping every
   message would make the reader's memory grow with the trace. */

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
  int exit_without_stop;     /* closed at exit: the program never called ctrace_stop */
  int truncated;             /* the file is cut short after its last complete chunk */
  int flight_window;         /* written by ctrace_flight_dump */
  int64_t first_damage_offset;/* -1 if none */
  char first_damage[160];    /* a sentence about the first damage found */
  uint64_t contradictions;   /* places where the trace contradicts itself (README: "What a
                                reader sets aside"); each is also damage. 0 in an intact trace */
  int events_lost_overflowed;/* events_lost saturated at UINT64_MAX */
  uint32_t functions;        /* sites that are function addresses (CTRACE_INSTRUMENT_FUNCTIONS) */
  uint32_t functions_unresolved; /* of those, not named from a symbol table: shown as
                                object+0xOFFSET (or the bare address) */
  char symbols_note[160];    /* why the first of those was not named; "" if none */
  uint32_t functions_mangled;/* named with a C++ mangled name (_Z...): no demangler here */
  /* File and line from the DWARF line tables. */
  uint32_t functions_without_line; /* named functions with no file:line (no -g, or see lines_note) */
  char lines_note[240];      /* why the first such could not be given one, when the user can act; "" if none */
  /* Appended (ctrace run): allocation call stacks. */
  uint32_t stacks;           /* distinct stacks defined */
  uint32_t stacks_cut;       /* of those, cut at the recording's depth limit */
  uint64_t frames_unnamed;   /* frames (of all stacks) no symbol table names */
} ctrace_trace_info;

typedef struct ctrace_reader ctrace_reader;

/* Open a trace. On failure returns a negative code, *out is NULL, and if err
   is not NULL it receives a sentence naming the reason and the byte offset. */
CTRACE_TOOLS_API int ctrace_reader_open(ctrace_reader **out, const char *path, char *err, size_t err_size);
/* As above over bytes in memory; they must outlive the reader. */
CTRACE_TOOLS_API int ctrace_reader_open_memory(ctrace_reader **out, const void *data, size_t size,
                                         char *err, size_t err_size);
/* Next event in time order: 1 with *ev filled, 0 at the end, negative on a
   read error. Damaged chunks are skipped and counted in the info. */
CTRACE_TOOLS_API int ctrace_reader_next(ctrace_reader *r, ctrace_event *ev);
/* Facts about the trace. Damage counts are final once next() returned 0. */
CTRACE_TOOLS_API const ctrace_trace_info *ctrace_reader_info(const ctrace_reader *r);
/* Name of a thread ("" if unnamed) and its OS thread id (0 if unknown). */
CTRACE_TOOLS_API const char *ctrace_reader_thread_name(const ctrace_reader *r, uint32_t thread);
CTRACE_TOOLS_API uint64_t ctrace_reader_thread_os_id(const ctrace_reader *r, uint32_t thread);
/* Thread ids that appear in the trace, ascending. Returns the count. */
CTRACE_TOOLS_API uint32_t ctrace_reader_threads(const ctrace_reader *r, const uint32_t **ids);
/* When path names (by device and inode, however spelt) a file the reader
   read to name functions, the objects of the trace's memory map or their
   debug files: that file's path as the reader opened it (valid until the
   reader is closed); else NULL. A tool asks it before writing over path. */
CTRACE_TOOLS_API const char *ctrace_reader_reads_file(const ctrace_reader *r, const char *path);
CTRACE_TOOLS_API void ctrace_reader_close(ctrace_reader *r);
/* Name of an event kind ("zone_begin", ...). */
CTRACE_TOOLS_API const char *ctrace_event_kind_name(int kind);
/* The frames of a call stack (ctrace_event.stack), innermost first (frame 0
   called the allocation function); valid until the reader is closed.
   Returns the count, 0 for an id the trace does not define. Names are known
   once the reader is open (the scan reads the symbol tables). */
CTRACE_TOOLS_API uint32_t ctrace_reader_stack(const ctrace_reader *r, uint32_t stack, const ctrace_frame **frames);

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
  uint32_t max_gc_spans;     /* collections kept as spans; 10000; four times
                                this: stretches of threads held up by
                                collections kept for the MMU */
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
  /* A block is "temporary" when it is freed before the thread that made it
     allocates again (heaptrack's rule: it counts allocations, not time, so
     it does not vary with the machine's load). Negative: no block is; other
     values are kept for compatibility and change nothing. */
  int64_t temporary_ns;
} ctrace_analysis_config;

typedef struct ctrace_analysis ctrace_analysis;
typedef struct ctrace_histogram ctrace_histogram;

/* Analyse the trace at path in one pass. Returns 0 with *out set; or a negative
   code with *out NULL (the file cannot be opened or is not a trace; out of
   memory); or CTRACE_E_CORRUPT / CTRACE_E_TRUNCATED with *out SET: the trace is
   damaged and the analysis holds what was recovered. err (may be NULL)
   receives a sentence naming the file and the reason. cfg NULL = defaults. */
CTRACE_TOOLS_API int ctrace_analyze(const char *trace_path, const ctrace_analysis_config *cfg,
                              ctrace_analysis **out, char *err, size_t err_size);
/* As above over an open reader, from where it stands to its end. The caller
   still owns (and closes) the reader; the analysis does not refer to it. */
CTRACE_TOOLS_API int ctrace_analyze_reader(ctrace_reader *r, const ctrace_analysis_config *cfg,
                                     ctrace_analysis **out, char *err, size_t err_size);
CTRACE_TOOLS_API void ctrace_analysis_free(ctrace_analysis *a);

/* Incremental form (what ctrace_analyze uses; also for exact unit tests).
   begin -> add each event in time order -> end. The event's strings need only
   live during the call. Thread names may be set any time before end. end()
   closes what is still open at max(info->duration_ns, last event time); info
   may be NULL. Accessors give empty results until end() was called. add() and
   end() return 0 or CTRACE_E_NOMEM (the analysis is then incomplete) or
   CTRACE_E_INVALID (called after end). */
CTRACE_TOOLS_API int ctrace_analysis_begin(const ctrace_analysis_config *cfg, ctrace_analysis **out);
CTRACE_TOOLS_API int ctrace_analysis_add(ctrace_analysis *a, const ctrace_event *ev);
CTRACE_TOOLS_API int ctrace_analysis_set_thread(ctrace_analysis *a, uint32_t thread, const char *name,
                                          uint64_t os_id);
CTRACE_TOOLS_API int ctrace_analysis_end(ctrace_analysis *a, const ctrace_trace_info *info);

/* ---- What the analysis holds --------------------------------------------- */

typedef struct ctrace_summary {
  ctrace_trace_info info;    /* from the reader (zeros when fed by hand) */
  uint64_t events;           /* events read */
  uint64_t events_by_kind[18];/* index: ctrace_event_kind for kinds 1-14; [15]:
                                unknown kinds; [16], [17]: wait begin, end */
  int64_t first_ns, last_ns; /* times of the first and last event (0 if none) */
  int64_t duration_ns;       /* max(info.duration_ns, last_ns) */
  uint32_t threads;          /* every thread with events, ctrace's own included */
  uint32_t program_threads;  /* of which role CTRACE_ROLE_PROGRAM */
  uint64_t events_lost;      /* max(info.events_lost, sum of LOSS events) */
  int damaged;               /* 1 if part of the file could not be used */
  int overflowed;            /* 1 if a sum reached its type's limit: it shows the limit
                                (UINT64_MAX, INT64_MAX) and every output says so */
  int read_error;            /* error code that ended reading early, or 0 */
  char read_error_text[200]; /* its sentence, "" if none */
  /* What went over a cap (see ctrace_analysis_config), so nothing is lost
     silently: */
  uint64_t zones_folded;     /* spans counted in the "(other)" zone */
  uint64_t tasks_folded;     /* tasks counted in the "(other)" task */
  uint64_t counters_folded;  /* samples of counters beyond max_counters (dropped) */
  uint64_t sites_folded;     /* allocations counted in the "(other)" site */
  uint64_t flame_folded;     /* spans counted in the flame tree's "(other)" node */
  uint64_t too_deep;         /* zones deeper than max_depth (not measured) */
  uint64_t logs;             /* log messages in the trace */
  uint64_t logs_dropped;     /* beyond max_logs */
  uint64_t cpu_samples;      /* CTRACE_EV_THREAD_CPU events (not counted in
                                events_by_kind); 0: running cannot be told from
                                waiting */
} ctrace_summary;

/* Waits of one thread for one thing (the name given to CTRACE_WAIT). */
#define CTRACE_WAIT_REASONS 6
typedef struct ctrace_wait_reason {
  const char *what;
  uint64_t count;
  int64_t ns;
} ctrace_wait_reason;

/* A stretch of one thread's time between two CPU samples. */
typedef struct ctrace_cpu_span {
  int64_t start_ns, end_ns;
  int64_t cpu_ns;            /* CPU time it used in it (<= end - start, but for
                                the clocks' own error) */
  int64_t ready_ns;          /* time it was runnable but waited for a core */
} ctrace_cpu_span;

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
  int role;                  /* enum ctrace_thread_role */
  uint64_t waits;            /* outermost waits it began (CTRACE_WAIT...) */
  int64_t wait_ns;           /* their total length */
  int64_t gc_held_ns;        /* time held up by collections: the part of its waits
                                that overlaps a collection, plus collections it
                                ran itself; counted for program threads only */
  /* Running against waiting, from the CPU samples (CTRACE_EV_THREAD_CPU): */
  int has_cpu;               /* 1 if two or more samples were recorded for it; 0:
                                its CPU time is not known (not "zero") */
  int64_t cpu_ns;            /* CPU time between its first and last sample */
  int64_t cpu_wall_ns;       /* the wall time those samples span */
  int64_t ready_ns;          /* of the rest, time it was runnable but waited for a
                                core (Linux; 0 where not known) */
  uint32_t n_wait_by;        /* entries in wait_by */
  ctrace_wait_reason wait_by[CTRACE_WAIT_REASONS]; /* its outermost waits by what they
                                waited for, longest first; when it had more reasons
                                than fit, the last entry is "(other)" */
  int64_t waited_on_ns;      /* the CPU time it used while other threads were in a
                                wait, times how many were (a thread the others
                                wait on has the largest; 0 without CPU samples) */
} ctrace_thread_stats;

/* Whose a thread is. The program's threads are what the mutator utilization
   (ctrace_analysis_mmu) and the thread counts of the outputs are about. */
enum ctrace_thread_role {
  CTRACE_ROLE_PROGRAM = 0,   /* the program's own */
  CTRACE_ROLE_COLLECTOR = 1, /* ran collections and recorded nothing outside them */
  CTRACE_ROLE_TRACER = 2     /* ctrace's writer thread ("ctrace writer") */
};

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
  int64_t total_ns;          /* time some instance was open, each moment once per
                                thread: the outermost instances' durations (a
                                recursive zone's total is not its levels' sum) */
  int64_t self_ns;           /* sum of self times (duration minus children) */
  int64_t mean_ns;           /* spans_ns / count, rounded to nearest */
  int64_t min_ns, max_ns;
  int64_t p50_ns, p95_ns, p99_ns;
  uint64_t allocs, alloc_bytes; /* allocations made while it was innermost */
  const ctrace_histogram *hist; /* for ctrace_histogram_* */
  int64_t spans_ns;          /* sum of every span's duration, nested instances
                                included (what total_ns was before it counted
                                each moment once) */
  /* CPU time while it was the innermost zone, from the CPU samples: each
     stretch between two samples of a thread shares the CPU time the thread
     used in it among what was innermost, waits (CTRACE_WAIT) last. Exact to
     about one sampling period (cpu_sample_ms). Zones only, not tasks. */
  int64_t cpu_self_ns;
  int64_t sampled_self_ns;   /* the part of self_ns the samples covered; 0: its CPU
                                time is not known */
  int64_t ready_self_ns;     /* shared the same way: time its thread was runnable but
                                waited for a core (a loaded machine, not a wait) */
} ctrace_zone_stats;

/* Quantile q in [0,1] (nearest rank) from a histogram, within the bound above.
   0 for an empty histogram. */
CTRACE_TOOLS_API int64_t ctrace_histogram_percentile(const ctrace_histogram *h, double q);
/* A histogram for display: up to max_bins bins between min and max (geometric
   when max >= 4*min, else equal widths), bins cover [lo_ns, hi_ns). Counts sum
   to the zone's count exactly. Returns the number of bins written. */
typedef struct ctrace_hist_bin {
  int64_t lo_ns, hi_ns;
  uint64_t count;
} ctrace_hist_bin;
CTRACE_TOOLS_API uint32_t ctrace_histogram_bins(const ctrace_histogram *h, ctrace_hist_bin *bins,
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
  /* How much the collections held the program up (see ctrace_thread_stats):
     collections that run on a thread of their own hold nobody up unless a
     program thread waits for them. */
  int64_t held_ns;           /* sum of gc_held_ns over the program's threads */
  int64_t held_wall_ns;      /* time during which at least one of them was held */
  uint64_t waits;            /* waits recorded by the program's threads */
  int64_t wait_ns;           /* their total length, on a collection or not */
  uint64_t held_dropped;     /* held stretches beyond the analysis's cap (left out) */
} ctrace_gc_stats;

/* Minimum mutator utilization, as in Go's trace tool: for a window length,
   the smallest share, over every window of that length inside the run, of
   the program's thread-time not held up by collections (1 = never held, 0 =
   every program thread held for the whole window). */
typedef struct ctrace_mmu_point {
  int64_t window_ns;
  double utilization;        /* 0..1 */
  int64_t worst_start_ns;    /* start of a window where it is reached */
} ctrace_mmu_point;

typedef struct ctrace_gc_span {
  int64_t start_ns, end_ns;
  const char *reason;        /* "" if none */
  uint32_t thread;           /* thread that began it */
  int unfinished;
  uint64_t heap_before, heap_after; /* live heap when it began and ended */
  double goal;               /* the last value of a counter whose name holds
                                "goal" (a heap goal) when it began; -1 if none */
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
  const char *name;          /* (samples of counters beyond the cap are dropped
                                and counted in ctrace_summary.counters_folded) */
  uint64_t count;
  double min, max, last, mean;
  int64_t max_t_ns, last_t_ns;
  int is_float;              /* 1 if any sample came from CTRACE_COUNTER_F */
  int64_t imin, imax, ilast; /* exact, when !is_float (a double cannot hold every int64) */
  const ctrace_series_point *series;
  uint32_t n_series;
} ctrace_counter_stats;

/* Peaks closer than this share of the peak count as the same peak: a chart
   (and a reader) cannot tell 8.389 MB from 8.394 MB. */
#define CTRACE_PEAK_TOLERANCE 0.005
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
  uint32_t peak_count;       /* rises of the heap whose high point came within
                                CTRACE_PEAK_TOLERANCE of peak_alloc (see
                                ctrace_analysis_peaks for when) */
  /* The heap's shape: a "fall" is a drop to 3/4 or less of the highest point
     since the last fall; rise_allocs counts the allocations made while
     climbing to those high points. */
  uint64_t heap_falls, heap_falls_in_gc, rise_allocs;
  uint64_t max_alloc_size;   /* the largest single allocation */
  uint32_t num_gc;           /* completed collections */
  uint64_t pause_total_ns;
  uint64_t temporary_allocs, temporary_bytes; /* see temporary_ns */
  int has_rss;               /* a "ctrace.rss" counter was recorded */
  uint64_t rss_last, rss_peak;
  int64_t rss_peak_time_ns;
  uint64_t size_count[65], size_bytes[65];
  /* Freed by the first collection that began after they were made (the
     word for short-lived under a collector; temporary_* is for malloc/free). */
  uint64_t died_young_allocs, died_young_bytes;
  /* Appended (ctrace run): frees of blocks the trace never saw allocated
     (made before the recording began); not counted anywhere else. */
  uint64_t frees_before;
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
  uint64_t died_young_allocs; /* see ctrace_mem_summary.died_young_allocs */
} ctrace_alloc_site;

enum ctrace_site_order { CTRACE_BY_BYTES = 0, CTRACE_BY_COUNT = 1, CTRACE_BY_LIVE_BYTES = 2,
                         CTRACE_BY_PEAK_BYTES = 3 /* call stacks only */ };

/* Allocations by call stack (traces of ctrace run): one per distinct stack. */
typedef struct ctrace_alloc_stack {
  uint32_t stack;            /* the reader's stack id */
  uint32_t depth;
  const ctrace_frame *frames;/* innermost first (frame 0 called the allocator); the analysis's copy */
  uint64_t allocs, bytes;
  uint64_t frees, freed_bytes;
  uint64_t live_blocks, live_bytes;   /* at the end: leaks */
  uint64_t peak_bytes;       /* live when the heap first reached its peak */
  uint64_t temporary_allocs, temporary_bytes;
} ctrace_alloc_stack;

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
  CTRACE_PROB_UNKNOWN_EVENT = 15,    /* events of a kind this version skips */
  CTRACE_PROB_BAD_VALUE = 16         /* counter samples that are NaN or infinite (skipped) */
};

typedef struct ctrace_problem {
  int kind;                  /* enum ctrace_problem_kind */
  const char *what;          /* a short sentence (or the reported name) */
  uint64_t count;
  int64_t first_ns;          /* first occurrence */
  uint32_t thread;           /* thread of the first occurrence (0 if none) */
  /* appended by issue 27 (i27-alloc): */
  const char *file;          /* site: of a reported problem (MEM_PROBLEM; each site is its own
                                entry), or of the first untracked or double free the analysis
                                found; "" and 0 where there is none */
  uint32_t line;
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
  uint32_t first_child;      /* CTRACE_NONE if none; siblings in no set order */
  uint32_t next_sibling;     /* CTRACE_NONE if last */
  uint32_t depth;            /* root 0 */
  uint64_t count;            /* spans merged here */
  int64_t total_ns, self_ns;
  uint64_t bytes_total, bytes_self, allocs_self;
} ctrace_flame_node;

CTRACE_TOOLS_API const ctrace_summary *ctrace_analysis_summary(const ctrace_analysis *a);
/* Threads ascending by id. */
CTRACE_TOOLS_API const ctrace_thread_stats *ctrace_analysis_threads(const ctrace_analysis *a, uint32_t *n);
/* Zones in order of first appearance. */
CTRACE_TOOLS_API const ctrace_zone_stats *ctrace_analysis_zones(const ctrace_analysis *a, uint32_t *n);
enum ctrace_zone_key {
  CTRACE_ZONE_BY_TOTAL = 0, CTRACE_ZONE_BY_SELF = 1, CTRACE_ZONE_BY_COUNT = 2,
  CTRACE_ZONE_BY_MAX = 3, CTRACE_ZONE_BY_MEAN = 4
};
/* Fill idx with up to max zone indexes, largest first by key (ties: by name,
   then file, then line). Returns how many were written. */
CTRACE_TOOLS_API uint32_t ctrace_analysis_zone_order(const ctrace_analysis *a, int key, uint32_t *idx,
                                               uint32_t max);
/* The zone with that name, file and line, or NULL. file NULL matches any site:
   then the zone with that name and the largest total. For baselines. */
CTRACE_TOOLS_API const ctrace_zone_stats *ctrace_analysis_find_zone(const ctrace_analysis *a,
                                                              const char *name,
                                                              const char *file, uint32_t line);
/* Tasks by (name, file, line), in order of first appearance. */
CTRACE_TOOLS_API const ctrace_zone_stats *ctrace_analysis_tasks(const ctrace_analysis *a, uint32_t *n);
CTRACE_TOOLS_API const ctrace_gc_stats *ctrace_analysis_gc(const ctrace_analysis *a);
/* The first max_gc_spans collections in time order. */
CTRACE_TOOLS_API const ctrace_gc_span *ctrace_analysis_gc_spans(const ctrace_analysis *a, uint32_t *n);
/* The MMU curve: windows from 1 ms, each about 1.41 times the last, and the
   whole run last (just the whole run when it is shorter than 1 ms). Empty
   when the trace has no program thread. */
CTRACE_TOOLS_API const ctrace_mmu_point *ctrace_analysis_mmu(const ctrace_analysis *a, uint32_t *n);
/* The MMU for any window length (clamped to the run): utilization, and the
   start of a worst window in *worst_start_ns (may be NULL). 1.0 when there is
   no program thread or the window is empty. */
CTRACE_TOOLS_API double ctrace_analysis_mmu_at(const ctrace_analysis *a, int64_t window_ns,
                                         int64_t *worst_start_ns);
/* Counters in order of first appearance. */
CTRACE_TOOLS_API const ctrace_counter_stats *ctrace_analysis_counters(const ctrace_analysis *a, uint32_t *n);
CTRACE_TOOLS_API const ctrace_counter_stats *ctrace_analysis_find_counter(const ctrace_analysis *a,
                                                                    const char *name);
/* Live heap bytes over time; the bucket holding the peak has max == peak_alloc
   and max_t_ns == peak_time_ns. */
CTRACE_TOOLS_API const ctrace_series_point *ctrace_analysis_heap_series(const ctrace_analysis *a,
                                                                  uint32_t *n);
CTRACE_TOOLS_API const ctrace_mem_summary *ctrace_analysis_memory(const ctrace_analysis *a);
/* When the heap rose to its peak (within CTRACE_PEAK_TOLERANCE), the high
   point of each such rise: the first 64 times (peak_count has them all). */
CTRACE_TOOLS_API const int64_t *ctrace_analysis_peaks(const ctrace_analysis *a, uint32_t *n);
/* The program's reads of its statistics (ctrace_read_memstats), the first
   CTRACE_MEMSTATS_READS_KEPT in time order, with the figures it then got. */
#define CTRACE_MEMSTATS_READS_KEPT 64
typedef struct ctrace_memstats_read {
  int64_t time_ns;
  uint32_t thread;
  uint32_t num_gc;
  uint64_t alloc, total_alloc; /* HeapAlloc = Alloc */
} ctrace_memstats_read;
CTRACE_TOOLS_API const ctrace_memstats_read *ctrace_analysis_memstats_reads(const ctrace_analysis *a,
                                                                        uint32_t *n);
/* Allocation sites sorted by enum ctrace_site_order, largest first
   (CTRACE_BY_LIVE_BYTES lists only the sites with blocks live at the end). */
CTRACE_TOOLS_API const ctrace_alloc_site *ctrace_analysis_alloc_sites(const ctrace_analysis *a, int order,
                                                                uint32_t *n);
/* Sites with blocks live at the end, by live bytes, at most max_leak_sites;
   *dropped (may be NULL) receives how many leaking sites were left out. The
   totals are in ctrace_mem_summary (alloc, live_blocks). */
CTRACE_TOOLS_API const ctrace_alloc_site *ctrace_analysis_leaks(const ctrace_analysis *a, uint32_t *n,
                                                          uint32_t *dropped);
/* Call stacks of allocations (traces of ctrace run), largest first by
   enum ctrace_site_order: BY_LIVE_BYTES lists those with blocks live at the
   end (leaks), BY_PEAK_BYTES those holding bytes at the peak. Empty for a
   trace without stacks. */
CTRACE_TOOLS_API const ctrace_alloc_stack *ctrace_analysis_alloc_stacks(const ctrace_analysis *a, int order,
                                                                  uint32_t *n);
/* Problems that occurred (count > 0), by kind. */
CTRACE_TOOLS_API const ctrace_problem *ctrace_analysis_problems(const ctrace_analysis *a, uint32_t *n);
/* The first max_logs messages, in time order; the total is in the summary. */
CTRACE_TOOLS_API const ctrace_log_entry *ctrace_analysis_logs(const ctrace_analysis *a, uint32_t *n);
/* The flame tree; node 0 is the root. */
CTRACE_TOOLS_API const ctrace_flame_node *ctrace_analysis_flame(const ctrace_analysis *a, uint32_t *n);
/* A thread's CPU use over time, in time order: at most 2048 spans (adjacent
   ones are merged beyond that; the sum stays exact). Empty when the thread
   had fewer than two CPU samples. */
CTRACE_TOOLS_API const ctrace_cpu_span *ctrace_analysis_thread_cpu(const ctrace_analysis *a, uint32_t thread,
                                                              uint32_t *n);
/* Whether a zone mostly waited: the samples covered at least half of its
   self time, and it ran or was ready to run less than a quarter of that. */
CTRACE_TOOLS_API int ctrace_zone_mostly_waited(const ctrace_zone_stats *z);

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
     "duration_ns", "events", "threads", "program_threads" (threads of role
                                       "program": not ctrace's, not a collector's)
     "events_by_kind": {"zone_begin": n, ...}  kinds with a count > 0
     "damage": {"damaged": bool, "chunks_bad", "bytes_lost", "truncated": bool,
                "crashed": bool, "crash_signal", "events_lost",
                "read_error": string ("" if none)}
     "thread_list": [{"id","name","os_id","events","first_ns","last_ns",
                      "zones","max_depth","busy_ns","allocs","alloc_bytes",
                      "role" ("program", "collector", "tracer"),"waits","wait_ns",
                      "gc_held_ns"}]
     "zones": [{"name","file","line","count","unfinished","total_ns","self_ns",
                "mean_ns","min_ns","p50_ns","p95_ns","p99_ns","max_ns",
                "allocs","alloc_bytes"}]      sorted by total_ns, largest first
     "tasks": [same fields as zones]
     "gc": {"count","completed","unfinished","pause_total_ns","pause_max_ns",
            "pause_min_ns","pause_mean_ns","p50_ns","p95_ns",
            "share" (number 0..1), "spans_dropped", "held_ns", "held_wall_ns",
            "waits", "wait_ns", "held_dropped",
            "mmu": [{"window_ns", "utilization" (number 0..1), "worst_start_ns"}]}
     "memory": {"alloc","heap_alloc","total_alloc","mallocs","frees",
                "live_blocks","peak_alloc","peak_time_ns","peak_count" (times
                the heap rose to that peak),"heap_falls" (drops to 3/4 of the
                high point or less),"num_gc",
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
     "long_strings": [string]          every string past 256 bytes, whole, once
   Strings: quotes, backslash and control characters escaped; invalid UTF-8
   replaced by U+FFFD. A string past 256 bytes (rows repeat an object's path
   in every function's "file") is cut at a whole character and marked
   "...[cut]", and its key gets a sibling KEY_full: its index in
   "long_strings" ("file": "/very/long...[cut]", "file_full": 0).

   ctrace_export_csv: a header row, then one row per zone sorted by total:
   name,file,line,count,total_ns,self_ns,mean_ns,min_ns,p50_ns,p95_ns,max_ns
   (RFC 4180: CRLF line ends; a field with a comma, quote, CR or LF is quoted
   and its quotes doubled; one that begins with = + - @ TAB or CR is quoted
   with a ' in front, so no spreadsheet runs it as a formula; control
   characters but TAB, CR and LF show as <U+001B>; names and files past 256
   bytes are cut, the cut marked "...[cut]"). The figures are those of
   stats --json.

   ctrace_export_folded: one line "a;b;c N" per flame stack with N > 0; N is the
   self time in ns (by_bytes 0) or the bytes allocated with exactly that stack
   innermost (by_bytes 1; allocations outside any zone are the stack
   "(no zone)"). In names ';' becomes ':' and CR/LF/TAB become spaces, empty
   names become "(unnamed)". The weights sum to the sum of every zone's self
   time (= the flame root's total_ns), or to total_alloc.
   A trace with allocation call stacks (ctrace run) gives, for by_bytes 1
   (bytes) and 2 (count, CTRACE_FOLDED_COUNT), one line per call stack,
   outermost frame first, each frame as `ctrace stats` names it; N sums to
   total_alloc or to the allocations made with a stack. */
#define CTRACE_FOLDED_COUNT 2
/* Where output goes: write size bytes, return 0 or a negative code (which the
   output function then returns). A last call with size 0 marks the end of the
   output. ctrace_write_stdio writes to user, a FILE* (stdout, or one from
   fopen), and flushes it on that last call:
       ctrace_stats_json(a, ctrace_write_stdio, stdout);
   Still check fclose() of a file you opened. */
typedef int (*ctrace_write_fn)(void *user, const void *data, size_t size);
CTRACE_TOOLS_API int ctrace_write_stdio(void *file, const void *data, size_t size);
CTRACE_TOOLS_API int ctrace_stats_text(const ctrace_analysis *a, ctrace_write_fn write, void *user);
CTRACE_TOOLS_API int ctrace_stats_json(const ctrace_analysis *a, ctrace_write_fn write, void *user);
CTRACE_TOOLS_API int ctrace_export_csv(const ctrace_analysis *a, ctrace_write_fn write, void *user);
CTRACE_TOOLS_API int ctrace_export_folded(const ctrace_analysis *a, int by_bytes, ctrace_write_fn write,
                                    void *user);
/* Name of a problem kind ("end_without_begin", ...), "unknown" otherwise. */
CTRACE_TOOLS_API const char *ctrace_problem_kind_name(int kind);

/* What an output call that reads a trace itself (report, PNG) found about
   it, so a caller can warn and choose its exit status without reading the
   trace a second time. Pass one in the call's config; it is filled in
   whenever the trace could be read, also when writing then failed. */
typedef struct ctrace_input_result {
  int read;                  /* 1 once the trace was read (the rest is valid) */
  int damaged;               /* 1: the trace was damaged; the output covers
                                what was recovered (info says how much) */
  ctrace_trace_info info;    /* the reader's final facts: chunks_bad,
                                bytes_lost, events_lost, first_damage, ... */
  int baseline_read, baseline_damaged; /* the same for a report's baseline */
  ctrace_trace_info baseline_info;
} ctrace_input_result;
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
  uint32_t max_spans;        /* spans kept for zooming (the longest); 0 = 50000 */
  uint32_t max_messages;     /* rows in the messages table; 0 = 2000 */
  uint32_t max_table_rows;   /* rows in the zone and site tables; 0 = 500 */
  /* Called now and then with the share done (0..1) and a word for the stage;
     NULL = silent. */
  void (*progress)(void *user, double done, const char *stage);
  void *progress_user;
  char *error;               /* optional: receives a sentence on failure */
  size_t error_size;
  ctrace_input_result *result; /* optional: receives what the trace was found to be */
} ctrace_report_config;

/* Write the report for the trace at trace_path to html_path ("-" = stdout).
   Returns 0, or a negative CTRACE_E_*: the trace cannot be opened or read
   (CTRACE_E_OPEN/FORMAT/...), the output cannot be written (CTRACE_E_WRITE),
   out of memory. A damaged or truncated trace still gives a report (with a
   visible warning naming what was lost) and returns 0. On failure a sentence
   naming the file and the reason goes to cfg->error when given. Thread-safe
   (no shared state). */
CTRACE_TOOLS_API int ctrace_report_html(const char *trace_path, const char *html_path,
                                  const ctrace_report_config *cfg);
/* As above, the page going to write(user, data, size) (see ctrace_write_fn)
   instead of a file; a write error is write's own code. */
CTRACE_TOOLS_API int ctrace_report_html_to_func(const char *trace_path, ctrace_write_fn write, void *user,
                                          const ctrace_report_config *cfg);
/* <<api:report */

/* >>api:raster */
/* ---- PNG charts (>>raster) --------------------------------------------------
   A chart of a trace as a PNG image, for slides and documents. It is drawn
   from the same layout as the report's SVG (one drawing model, two renderers)
   by a small anti-aliasing rasteriser with a built-in bitmap font, and
   encoded with stb_image_write. PNG output needs CTRACE_WITH_PNG defined where
   the implementation is compiled and <stb/stb_image_write.h> (Debian package
   libstb-dev) on the include path; without it the functions that write PNG
   files return CTRACE_E_UNSUPPORTED, while ctrace_chart_rgba() still works.
   Note: the implementation compiles stb_image_write privately (every stb
   symbol static). Do not include stb_image_write.h before ctrace.h in the file
   that defines CTRACE_IMPLEMENTATION. */

enum ctrace_chart_kind {
  CTRACE_CHART_HEAP = 0,      /* live heap over time, resident memory, collections */
  CTRACE_CHART_TIMELINE = 1,  /* a row per thread, zones nested by depth */
  CTRACE_CHART_FLAME = 2      /* zone stacks of all threads, merged by name */
};

#define CTRACE_PNG_MIN_SIDE 16
#define CTRACE_PNG_MAX_SIDE 8192

/* A zero-initialised config means: the heap chart, 1600 x 900 pixels. */
typedef struct ctrace_png_config {
  int chart;                 /* enum ctrace_chart_kind */
  int width, height;         /* pixels, each in [16, 8192]; 0 = 1600 and 900. For
                                the timeline and the flame graph the height is a
                                maximum: ctrace_png cuts the image under the chart's
                                time axis (ctrace_chart_rgba fills it all) */
  /* Called now and then with the share done (0..1) and a word for the stage;
     NULL = silent. */
  void (*progress)(void *user, double done, const char *stage);
  void *progress_user;
  char *error;               /* optional: receives a sentence on failure */
  size_t error_size;
  ctrace_input_result *result; /* optional: receives what the trace was found
                                  to be (ctrace_png, ctrace_png_to_func) */
} ctrace_png_config;

/* Analyse the trace at trace_path and write the chosen chart as a PNG file to
   png_path ("-" = standard output). cfg NULL = defaults. Returns 0, or:
   CTRACE_E_INVALID (a NULL path, an unknown chart, a side out of range),
   the analysis's error when the trace cannot be read (CTRACE_E_OPEN,
   CTRACE_E_FORMAT, CTRACE_E_EMPTY, ...), CTRACE_E_OPEN when png_path cannot
   be created, CTRACE_E_WRITE when writing fails (disk full),
   CTRACE_E_NOMEM, or CTRACE_E_UNSUPPORTED in a build without
   CTRACE_WITH_PNG. A damaged trace still gives a chart of what was recovered
   and returns 0. On failure a sentence naming the file and the reason goes
   to cfg->error when given. Thread-safe (no shared state). */
CTRACE_TOOLS_API int ctrace_png(const char *trace_path, const char *png_path, const ctrace_png_config *cfg);
/* As above, the PNG going to write(user, data, size) (see ctrace_write_fn)
   instead of a file, the way stbi_write_png_to_func does. */
CTRACE_TOOLS_API int ctrace_png_to_func(const char *trace_path, ctrace_write_fn write, void *user,
                                  const ctrace_png_config *cfg);

/* As ctrace_png() from an analysis already made (ctrace_analyze()). */
CTRACE_TOOLS_API int ctrace_png_from_analysis(const ctrace_analysis *a, const char *png_path,
                                        const ctrace_png_config *cfg);

/* Draw the chosen chart into rgba: width * height pixels of 4 bytes (red,
   green, blue, alpha), rows top to bottom, with width and height as in cfg
   after defaults. Needs no PNG support. Returns 0, CTRACE_E_INVALID or
   CTRACE_E_NOMEM. */
CTRACE_TOOLS_API int ctrace_chart_rgba(const ctrace_analysis *a, const ctrace_png_config *cfg,
                                 unsigned char *rgba);
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
  uint64_t async_spans;      /* b/e pairs: tasks, collections and waits */
  uint64_t counters;         /* C events: user counters, heap, RSS */
  uint64_t instants;         /* i events: instants, logs, losses, memory problems */
  uint64_t skipped;          /* unknown kinds, unmatched task ends, non-finite values */
  int heap_overflowed;       /* the heap counter passed UINT64_MAX: it reads UINT64_MAX from
                                there on, after a "ctrace.heap_overflowed" instant */
  ctrace_trace_info info;    /* the reader's final facts: damage, losses, duration */
  uint64_t cpu_samples;      /* CPU samples (CTRACE_EV_THREAD_CPU) read: the Chrome format
                                has no per-thread CPU track, so they are not written */
} ctrace_export_counts;

/* Write the trace at trace_path as Chrome trace event JSON to out_path
   ("-" means standard output), in the object form
   {"traceEvents":[...],"displayTimeUnit":"ns"}:
   - one process (pid from the trace, named after the program), "M" metadata
     for process_name, thread_name and thread_sort_index;
   - zones as "B"/"E" pairs strictly nested per thread, each "E" named like
     its "B" (speedscope pairs them by name): a zone end with no zone open is
     dropped, zones still open at the end of the trace are closed, innermost
     first, at its last timestamp;
   - user counters, the live heap (computed from ALLOC/FREE, counter "heap")
     and "ctrace.rss" as "C" events;
   - collections (category "gc"), tasks (category "task") and waits (category
     "wait", named "wait", what was waited for in args) as async "b"/"e"
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
CTRACE_TOOLS_API int ctrace_export_chrome(const char *trace_path, const char *out_path,
                                    ctrace_progress_fn progress, void *progress_user,
                                    ctrace_export_counts *counts, char *err, size_t err_size);
/* As above, the JSON going to write(user, data, size) (see ctrace_write_fn)
   in pieces of up to 64 KiB instead of a file; a write error is write's own
   code and stops the export. */
CTRACE_TOOLS_API int ctrace_export_chrome_to_func(const char *trace_path, ctrace_write_fn write, void *user,
                                            ctrace_progress_fn progress, void *progress_user,
                                            ctrace_export_counts *counts, char *err, size_t err_size);
/* <<api:export */

#ifdef __cplusplus
} /* extern "C" */
#endif

/* >>macros =================================================================== */
/* The macros' helpers: always inlined, so no -Winline in the program's
   code when the compiler judges a call cold. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__MACRO_FN static inline __attribute__((always_inline)) CTRACE__NOINSTR
#else
#define CTRACE__MACRO_FN static inline CTRACE__NOINSTR
#endif
#define CTRACE__CAT2(a, b) a##b
#define CTRACE__CAT(a, b) CTRACE__CAT2(a, b)
#define CTRACE__VAR(base) CTRACE__CAT(base, __LINE__)
/* A fresh identifier per use, so two zones may share a line. */
#ifdef __COUNTER__
#define CTRACE__UNIQUE __COUNTER__
#else
#define CTRACE__UNIQUE __LINE__
#endif

/* A literal name takes the fast path: its id is cached in the site. Anything
   else (a buffer, a pointer) is interned by its text every time. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__IS_LITERAL(s) __builtin_constant_p(s)
#else
#define CTRACE__IS_LITERAL(s) 0
#endif

#define CTRACE__SITE(var) static ctrace_site var = {__FILE__, __LINE__, 0}

/* The macros' value conversions: a C cast, or in C++ a static_cast made in
   the header's own code (a cast written in the macro would be the program's
   old-style or useless cast under -Wold-style-cast / -Wuseless-cast). */
#ifdef __cplusplus
template <typename T, typename V> CTRACE__MACRO_FN T ctrace__to(V v) { return static_cast<T>(v); }
#define CTRACE__TO(T, v) ctrace__to<T>(v)
#else
#define CTRACE__TO(T, v) ((T)(v))
#endif

/* Reading the flag is a relaxed atomic load: one plain load on common CPUs,
   and no data race for ThreadSanitizer. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__ON() __atomic_load_n(&ctrace__active, __ATOMIC_RELAXED)
#else
#define CTRACE__ON() (ctrace__active)
#endif

#if CTRACE_ENABLED

/* Inline guards: a session that is not running costs one load and a branch,
   and every argument is still evaluated exactly once. */
CTRACE__MACRO_FN int ctrace__zone_begin_if(ctrace_site *s, const char *n, int lit) {
  return CTRACE__ON() ? ctrace_zone_begin(s, n, lit) : 0;
}
CTRACE__MACRO_FN void ctrace__counter_if(ctrace_site *s, const char *n, int lit, int64_t v) {
  if (CTRACE__ON()) ctrace_counter(s, n, lit, v);
}
CTRACE__MACRO_FN void ctrace__counter_f_if(ctrace_site *s, const char *n, int lit, double v) {
  if (CTRACE__ON()) ctrace_counter_f(s, n, lit, v);
}
CTRACE__MACRO_FN void ctrace__instant_if(ctrace_site *s, const char *n, int lit) {
  if (CTRACE__ON()) ctrace_instant(s, n, lit);
}


#define CTRACE_ZONE_BEGIN(name)                                                \
  do { CTRACE__SITE(ctrace__s);                                                \
       (void)ctrace__zone_begin_if(&ctrace__s, (name), CTRACE__IS_LITERAL(name)); } while (0)
#define CTRACE_ZONE_END() do { if (CTRACE__ON()) ctrace_zone_end(); } while (0)
#define CTRACE_INSTANT(name)                                                   \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace__instant_if(&ctrace__s, (name), CTRACE__IS_LITERAL(name)); } while (0)
#define CTRACE_COUNTER(name, value)                                            \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace__counter_if(&ctrace__s, (name), CTRACE__IS_LITERAL(name), CTRACE__TO(int64_t, value)); } while (0)
#define CTRACE_COUNTER_F(name, value)                                          \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace__counter_f_if(&ctrace__s, (name), CTRACE__IS_LITERAL(name), CTRACE__TO(double, value)); } while (0)
/* Like Go's trace.Logf: the format and its arguments are evaluated and
   formatted only while a trace runs (the category is always evaluated). */
#define CTRACE_LOG(category, ...)                                              \
  do { CTRACE__SITE(ctrace__s); const char *ctrace__c = (category);            \
       if (CTRACE__ON())                                                     \
         ctrace_log(&ctrace__s, ctrace__c, CTRACE__IS_LITERAL(category), __VA_ARGS__); } while (0)
#define CTRACE_THREAD_NAME(name) ctrace_thread_name(name)
#define CTRACE_TASK_BEGIN(name) ctrace_task_begin((name), __FILE__, __LINE__)
#define CTRACE_TASK_END(id) ctrace_task_end(id)
#define CTRACE_GC_BEGIN(reason)                                                \
  do { CTRACE__SITE(ctrace__s);                                                \
       ctrace_gc_begin(&ctrace__s, (reason), CTRACE__IS_LITERAL(reason)); } while (0)
#define CTRACE_GC_END() ctrace_gc_end()
/* A wait: the thread is held up until the matching end (or, for the scoped
   form, the end of the block). The analysis counts the part of a wait that
   overlaps a collection as time the program was held up by the collector. */
CTRACE__MACRO_FN int ctrace__wait_begin_if(ctrace_site *s, const char *n, int lit) {
  if (!CTRACE__ON()) return 0;
  ctrace_wait_begin(s, n, lit);
  return 1;
}
#define CTRACE_WAIT_BEGIN(what)                                                \
  do { CTRACE__SITE(ctrace__s);                                                \
       (void)ctrace__wait_begin_if(&ctrace__s, (what), CTRACE__IS_LITERAL(what)); } while (0)
#define CTRACE_WAIT_END() do { if (CTRACE__ON()) ctrace_wait_end(); } while (0)
/* The scoped forms, CTRACE_ZONE and CTRACE_WAIT: a hidden variable says
   whether the begin was recorded, and the matching end runs when the block
   is left, by a C++ guard's destructor or by gcc/clang's cleanup attribute
   in C. Compilers with neither (MSVC in C mode) have no scoped forms: use
   the _BEGIN / _END pairs there. */
#if defined(__cplusplus)
template <void (*End)(void)> struct ctrace__scope {
  int on;
  CTRACE__NOINSTR explicit ctrace__scope(int began) : on(began) {}
  CTRACE__NOINSTR ~ctrace__scope() { if (on) End(); }
};
#define CTRACE__ZONE_ENDER ctrace__scope<ctrace_zone_end>
#define CTRACE__WAIT_ENDER ctrace__scope<ctrace_wait_end>
#define CTRACE__SCOPED(var, ender, begin_if, name)                             \
  CTRACE__SITE(CTRACE__CAT(var, _site));                                       \
  ender var(begin_if(&CTRACE__CAT(var, _site), (name), CTRACE__IS_LITERAL(name)))
#elif defined(__GNUC__) || defined(__clang__)
CTRACE__MACRO_FN void ctrace__zone_cleanup(int *on) {
  if (*on) ctrace_zone_end();
}
CTRACE__MACRO_FN void ctrace__wait_cleanup(int *on) {
  if (*on) ctrace_wait_end();
}
#define CTRACE__ZONE_ENDER ctrace__zone_cleanup
#define CTRACE__WAIT_ENDER ctrace__wait_cleanup
#define CTRACE__SCOPED(var, ender, begin_if, name)                             \
  CTRACE__SITE(CTRACE__CAT(var, _site));                                       \
  int var __attribute__((cleanup(ender), unused)) =                            \
      begin_if(&CTRACE__CAT(var, _site), (name), CTRACE__IS_LITERAL(name))
#endif
#ifdef CTRACE__SCOPED
#define CTRACE_ZONE(name)                                                      \
  CTRACE__SCOPED(CTRACE__CAT(ctrace__zone_, CTRACE__UNIQUE), CTRACE__ZONE_ENDER, ctrace__zone_begin_if, name)
#define CTRACE_WAIT(what)                                                      \
  CTRACE__SCOPED(CTRACE__CAT(ctrace__wait_, CTRACE__UNIQUE), CTRACE__WAIT_ENDER, ctrace__wait_begin_if, what)
#else
#define CTRACE_ZONE(name) CTRACE_ZONE_needs_gcc_clang_or_cplusplus_use_CTRACE_ZONE_BEGIN
#define CTRACE_WAIT(what) CTRACE_WAIT_needs_gcc_clang_or_cplusplus_use_CTRACE_WAIT_BEGIN
#endif
#define CTRACE_ALLOC(ptr, size)                                                \
  do { CTRACE__SITE(ctrace__s); ctrace_alloc_event(&ctrace__s, (ptr), CTRACE__TO(uint64_t, size)); } while (0)
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
#define CTRACE_TASK_BEGIN(name) CTRACE__TO(uint64_t, 0)
#define CTRACE_TASK_END(id) ((void)0)
#define CTRACE_GC_BEGIN(reason) ((void)0)
#define CTRACE_GC_END() ((void)0)
#define CTRACE_WAIT(what) ((void)0)
#define CTRACE_WAIT_BEGIN(what) ((void)0)
#define CTRACE_WAIT_END() ((void)0)
#define CTRACE_ALLOC(ptr, size) ((void)0)
#define CTRACE_FREE(ptr) ((void)0)
#endif /* CTRACE_ENABLED */

/* Tracked allocator with the caller's site. These stay real allocators when
   tracing is compiled out. */
#ifndef CTRACE_NO_MEMORY_MACROS
#include <stdlib.h>
#define ctrace_malloc(size) ctrace_malloc_at((size), __FILE__, __LINE__)
#define ctrace_calloc(n, size) ctrace_calloc_at((n), (size), __FILE__, __LINE__)
#define ctrace_realloc(ptr, size) ctrace_realloc_at((ptr), (size), __FILE__, __LINE__)
#define ctrace_free(ptr) ctrace_free_at((ptr), __FILE__, __LINE__)
#endif

#endif /* CTRACE_H */

/* >>locks: lock wrappers that record a wait only when the call blocked. The
   wait is named "mutex" (or "critical section", "SRW lock") and carries the
   caller's file and line. With tracing off they are the plain calls.
   POSIX: ctrace.h includes <pthread.h> for them (CTRACE_NO_LOCK_WRAPPERS:
   not). Windows: they are defined when <windows.h> was included first;
   the block sits outside the include guard so that including ctrace.h again
   after <windows.h> also works. */
#if !defined(CTRACE__PTHREAD_LOCKS) && !defined(_WIN32) && !defined(CTRACE_NO_LOCK_WRAPPERS)
#define CTRACE__PTHREAD_LOCKS
#include <errno.h>
#include <pthread.h>
/* pthread_mutex_lock(m), with a wait recorded if m was held by another
   thread (a trylock first, so an uncontended lock records nothing). Returns
   what pthread_mutex_lock returns. */
#define ctrace_mutex_lock(m) ctrace_mutex_lock_at((m), __FILE__, __LINE__)
CTRACE__MACRO_FN int ctrace_mutex_lock_at(pthread_mutex_t *m, const char *file, int line) {
  int rc;
#if CTRACE_ENABLED
  if (CTRACE__ON()) {
    rc = pthread_mutex_trylock(m);
    if (rc != EBUSY) return rc;
    ctrace_wait_begin_at("mutex", file, line);
    rc = pthread_mutex_lock(m);
    ctrace_wait_end();
    return rc;
  }
#endif
  (void)file;
  (void)line;
  rc = pthread_mutex_lock(m);
  return rc;
}
#endif
#if !defined(CTRACE__WIN32_LOCKS) && defined(_WIN32) && defined(_WINDOWS_)
#define CTRACE__WIN32_LOCKS
#define ctrace_enter_critical_section(cs) ctrace_enter_critical_section_at((cs), __FILE__, __LINE__)
CTRACE__MACRO_FN void ctrace_enter_critical_section_at(CRITICAL_SECTION *cs, const char *file, int line) {
#if CTRACE_ENABLED
  if (CTRACE__ON()) {
    if (TryEnterCriticalSection(cs)) return;
    ctrace_wait_begin_at("critical section", file, line);
    EnterCriticalSection(cs);
    ctrace_wait_end();
    return;
  }
#endif
  (void)file;
  (void)line;
  EnterCriticalSection(cs);
}
#if defined(_WIN32_WINNT) && _WIN32_WINNT >= 0x0601 /* TryAcquireSRWLockExclusive: Windows 7 */
#define ctrace_acquire_srwlock_exclusive(l) ctrace_acquire_srwlock_exclusive_at((l), __FILE__, __LINE__)
CTRACE__MACRO_FN void ctrace_acquire_srwlock_exclusive_at(SRWLOCK *l, const char *file, int line) {
#if CTRACE_ENABLED
  if (CTRACE__ON()) {
    if (TryAcquireSRWLockExclusive(l)) return;
    ctrace_wait_begin_at("SRW lock", file, line);
    AcquireSRWLockExclusive(l);
    ctrace_wait_end();
    return;
  }
#endif
  (void)file;
  (void)line;
  AcquireSRWLockExclusive(l);
}
#endif
#endif

/* >>impl ==================================================================== */
#if (defined(CTRACE_IMPLEMENTATION) || defined(CTRACE_TOOLS_IMPLEMENTATION)) && !defined(CTRACE__COMMON_IMPLEMENTED)
#define CTRACE__COMMON_IMPLEMENTED

/* >>impl:core */
/* Everything below is internal: static, prefixed ctrace__, or a ctrace_
   function declared in the API above. */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(CTRACE_MEM_ALLOC) && !defined(CTRACE_MEM_REALLOC) && !defined(CTRACE_MEM_FREE)
#define CTRACE_MEM_ALLOC(n) malloc(n)
#define CTRACE_MEM_REALLOC(p, n) realloc((p), (n))
#define CTRACE_MEM_FREE(p) free(p)
#elif !defined(CTRACE_MEM_ALLOC) || !defined(CTRACE_MEM_REALLOC) || !defined(CTRACE_MEM_FREE)
#error "define all of CTRACE_MEM_ALLOC, CTRACE_MEM_REALLOC and CTRACE_MEM_FREE, or none"
#endif

/* >>platform ==================================================================
   One ladder per concern: atomics, threads and locks, thread-local storage,
   clocks, files. Porting to a new OS touches only this section. */

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <io.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <process.h>
#include <signal.h>
#else
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <mach/mach.h>
#include <mach/mach_time.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#if !defined(CLOCK_MONOTONIC) && !defined(__APPLE__)
#error "ctrace: POSIX is not visible here. Include ctrace.h before any system header in the file that defines CTRACE_IMPLEMENTATION, or compile with -D_DEFAULT_SOURCE."
#endif
#endif

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#define CTRACE__X86 1
#if defined(_MSC_VER)
#include <intrin.h>
#else
/* Not <x86intrin.h>: it declares every vector extension there is, and
   parsing it was most of the recorder's compile time (gcc -O0: 1.7 s of
   it). The time-stamp counter and carry-less multiply are compiler
   builtins, so cpuid.h is all that is included. */
#include <cpuid.h>
/* cpuid.h's __get_cpuid is an inline function that -finstrument-functions
   would instrument; on x86-64 (where cpuid always exists) the __cpuid macro
   does the same without a function. */
static CTRACE__NOINSTR int ctrace__cpuid(unsigned leaf, unsigned *a, unsigned *b, unsigned *c, unsigned *d) {
#if defined(__x86_64__)
  unsigned max;
  __cpuid(leaf & 0x80000000u, max, *b, *c, *d);
  if (max < leaf) return 0;
  __cpuid(leaf, *a, *b, *c, *d);
  return 1;
#else
  return __get_cpuid(leaf, a, b, c, d);
#endif
}
#endif
#else
#define CTRACE__X86 0
#endif

/* The hot path must inline into each entry point, the slow path must not.
   The hottest entry points (zone begin and end, the allocator's quick
   paths) start on a cache line, so their speed does not hang on where the
   linker puts them: 16 bytes off one, bench_memory measured the allocator's
   same code 0.08x slower. They are called, as from any other file, also in
   the file that has the implementation: clang would inline a copy of them
   into each caller there (gcc did not). CTRACE__SHARED is code that several
   entry points call, kept one copy (a call costs less than the size:
   README's drop-in size). */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__HOT static inline __attribute__((always_inline, no_instrument_function))
#define CTRACE__COLD static __attribute__((noinline, cold, no_instrument_function))
#define CTRACE__SHARED static __attribute__((noinline, no_instrument_function))
#define CTRACE__LINE_ALIGNED __attribute__((aligned(64), noinline))
#define CTRACE__RARE __attribute__((cold))
#if defined(__clang__)
#define CTRACE__SMALL __attribute__((minsize)) /* code that runs a few times a second: its size counts */
#define CTRACE__ROLLED _Pragma("clang loop unroll(disable)") /* a loop of a few turns kept one copy */
#else
#define CTRACE__SMALL
#define CTRACE__ROLLED
#endif
#elif defined(_MSC_VER)
#define CTRACE__HOT static __forceinline
#define CTRACE__COLD static __declspec(noinline)
#define CTRACE__SHARED static __declspec(noinline)
#define CTRACE__LINE_ALIGNED
#define CTRACE__RARE
#define CTRACE__SMALL
#define CTRACE__ROLLED
#else
#define CTRACE__HOT static inline
#define CTRACE__COLD static
#define CTRACE__SHARED static
#define CTRACE__LINE_ALIGNED
#define CTRACE__RARE
#define CTRACE__SMALL
#define CTRACE__ROLLED
#endif
/* Some arithmetic wraps on purpose, modulo 2^N as C defines it for unsigned
   types: a hash, a CRC, a checksum. A function that does says so with
   CTRACE__WRAPS, which tells clang's integer checks (make test-ubsan runs
   the suite under them) that it is meant; anywhere else an unsigned wrap is
   a bug, as a byte total that wraps would be. */
#if defined(__clang__) && __clang_major__ >= 12
#define CTRACE__WRAPS __attribute__((no_sanitize("unsigned-integer-overflow", "unsigned-shift-base")))
#else
#define CTRACE__WRAPS
#endif
/* CTRACE__RARE marks what runs once a session, a thread or a process, or
   on an error (start, stop, headers, table set-up, names, the environment,
   fork, the crash handler), like CTRACE__COLD but still inlined where it is
   called once: gcc then optimises it for size, which keeps what a recording
   program gains under 40 kB (clang shrinks it less). */

/* ---- atomics ---- */
#if defined(__GNUC__) || defined(__clang__)
#define ctrace__load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ctrace__load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ctrace__store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ctrace__store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define ctrace__add_u64(p, v) __atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
static CTRACE__NOINSTR inline int ctrace__cas_u64(volatile uint64_t *p, uint64_t expect, uint64_t want) {
  return __atomic_compare_exchange_n(p, &expect, want, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}
static CTRACE__NOINSTR inline int ctrace__cas_uptr(volatile uintptr_t *p, uintptr_t expect, uintptr_t want) {
  return __atomic_compare_exchange_n(p, &expect, want, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}
#define ctrace__fence_release() __atomic_thread_fence(__ATOMIC_RELEASE)
#define ctrace__fence_acquire() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define ctrace__spin_try(p) (__atomic_exchange_n((p), 1, __ATOMIC_ACQUIRE) == 0)
#define ctrace__spin_release(p) __atomic_store_n((p), 0, __ATOMIC_RELEASE)
#define ctrace__pause() ((void)0)
#elif defined(_MSC_VER)
/* MSVC on x86/x64: aligned loads and stores are atomic, and volatile gives
   acquire/release ordering (/volatile:ms, the default there). */
#define ctrace__load_relaxed(p) (*(p))
#define ctrace__load_acquire(p) (*(p))
#define ctrace__store_relaxed(p, v) (*(p) = (v))
#define ctrace__store_release(p, v) (*(p) = (v))
#define ctrace__add_u64(p, v) ((uint64_t)InterlockedExchangeAdd64((volatile LONG64 *)(p), (LONG64)(v)) + (v))
static CTRACE__NOINSTR inline int ctrace__cas_u64(volatile uint64_t *p, uint64_t expect, uint64_t want) {
  return (uint64_t)InterlockedCompareExchange64((volatile LONG64 *)p, (LONG64)want, (LONG64)expect) == expect;
}
static CTRACE__NOINSTR inline int ctrace__cas_uptr(volatile uintptr_t *p, uintptr_t expect, uintptr_t want) {
  return (uintptr_t)InterlockedCompareExchangePointer((PVOID volatile *)p, (PVOID)want, (PVOID)expect) == expect;
}
#define ctrace__fence_release() _ReadWriteBarrier()
#define ctrace__fence_acquire() _ReadWriteBarrier()
#define ctrace__spin_try(p) (InterlockedExchange((volatile LONG *)(p), 1) == 0)
#define ctrace__spin_release(p) InterlockedExchange((volatile LONG *)(p), 0)
#define ctrace__pause() YieldProcessor()
#else
#error "ctrace: no atomics for this compiler (add a branch to the >>platform ladder)"
#endif

/* ---- once: both halves initialise shared tables (the checksum's) once ---- */
#if defined(_WIN32)
typedef INIT_ONCE ctrace__once_flag_t;
#define CTRACE__ONCE_INIT INIT_ONCE_STATIC_INIT
typedef struct { void (*fn)(void); } ctrace__once_fn;
static CTRACE__NOINSTR BOOL CALLBACK ctrace__once_call(PINIT_ONCE o, PVOID p, PVOID *c) {
  (void)o; (void)c;
  ((ctrace__once_fn *)p)->fn();
  return TRUE;
}
#define CTRACE__CALL_ONCE(flag, f)                                  \
  do {                                                              \
    static ctrace__once_fn ctrace__of_ = {f};                       \
    InitOnceExecuteOnce(&(flag), ctrace__once_call, &ctrace__of_, NULL); \
  } while (0)
#else
typedef pthread_once_t ctrace__once_flag_t;
#define CTRACE__ONCE_INIT PTHREAD_ONCE_INIT
#define CTRACE__CALL_ONCE(flag, f) pthread_once(&(flag), (f))
#endif

#ifdef CTRACE_IMPLEMENTATION
#define CTRACE__RECORDER_PLATFORM 1
/* Decimal numbers in and out without stdio (/proc files, the environment,
   the messages about it): the recorder stays small (README: drop-in size). */
static CTRACE__NOINSTR CTRACE__SMALL char *ctrace__put_dec(char *out, uint64_t v) {
  char digits[20];
  size_t k = 0;
  do digits[k++] = (char)('0' + v % 10); while ((v /= 10) != 0);
  while (k) *out++ = digits[--k];
  return out;
}
/* The digits at s into *v, UINT64_MAX if too many; where they end. */
static CTRACE__NOINSTR CTRACE__SMALL const char *ctrace__get_dec(const char *s, uint64_t *v) {
  for (*v = 0; *s >= '0' && *s <= '9'; s++)
    *v = *v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : *v * 10 + (uint64_t)(*s - '0');
  return s;
}
/* ---- threads, locks, condition variables, once (recorder only) ---- */
#if defined(_WIN32)
typedef CRITICAL_SECTION ctrace__mutex;
typedef CONDITION_VARIABLE ctrace__cond;
typedef HANDLE ctrace__thread_handle;
static CTRACE__NOINSTR void ctrace__mutex_init(ctrace__mutex *m) { InitializeCriticalSection(m); }
static CTRACE__NOINSTR void ctrace__mutex_destroy(ctrace__mutex *m) { DeleteCriticalSection(m); }
static CTRACE__NOINSTR void ctrace__lock(ctrace__mutex *m) { EnterCriticalSection(m); }
static CTRACE__NOINSTR void ctrace__unlock(ctrace__mutex *m) { LeaveCriticalSection(m); }
static CTRACE__NOINSTR void ctrace__cond_init(ctrace__cond *c) { InitializeConditionVariable(c); }
static CTRACE__NOINSTR void ctrace__cond_signal_all(ctrace__cond *c) { WakeAllConditionVariable(c); }
static CTRACE__NOINSTR void ctrace__cond_wait_ms(ctrace__cond *c, ctrace__mutex *m, uint32_t ms) {
  SleepConditionVariableCS(c, m, ms);
}
typedef struct { void (*fn)(void *); void *arg; } ctrace__thread_start;
static CTRACE__NOINSTR unsigned __stdcall ctrace__thread_trampoline(void *p) {
  ctrace__thread_start st = *(ctrace__thread_start *)p;
  CTRACE_MEM_FREE(p);
  st.fn(st.arg);
  return 0;
}
static CTRACE__NOINSTR CTRACE__RARE int ctrace__thread_create(ctrace__thread_handle *h, void (*fn)(void *), void *arg) {
  ctrace__thread_start *st = (ctrace__thread_start *)CTRACE_MEM_ALLOC(sizeof *st);
  uintptr_t t;
  if (!st) return -1;
  st->fn = fn; st->arg = arg;
  t = _beginthreadex(NULL, 0, ctrace__thread_trampoline, st, 0, NULL);
  if (t == 0) { CTRACE_MEM_FREE(st); return -1; }
  *h = (HANDLE)t;
  return 0;
}
static CTRACE__NOINSTR void ctrace__thread_join(ctrace__thread_handle h) { WaitForSingleObject(h, INFINITE); CloseHandle(h); }
static CTRACE__NOINSTR uint64_t ctrace__os_thread_id(void) { return (uint64_t)GetCurrentThreadId(); }
/* Thread CPU clocks are not read here yet: traces say "not recorded". */
typedef struct { int ok; } ctrace__cpu_clock;
static CTRACE__NOINSTR void ctrace__cpu_clock_self(ctrace__cpu_clock *c) { c->ok = 0; }
static CTRACE__NOINSTR int ctrace__cpu_clock_read(const ctrace__cpu_clock *c, uint64_t *ns) { (void)c; *ns = 0; return -1; }
static CTRACE__NOINSTR int ctrace__run_delay(uint64_t os_tid, uint64_t *ns) { (void)os_tid; *ns = 0; return -1; }
static CTRACE__NOINSTR uint32_t ctrace__pid(void) { return (uint32_t)GetCurrentProcessId(); }
static CTRACE__NOINSTR uint32_t ctrace__cpu_count(void) {
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  return si.dwNumberOfProcessors ? (uint32_t)si.dwNumberOfProcessors : 1u;
}
static CTRACE__NOINSTR void ctrace__sleep_ms(uint32_t ms) { Sleep(ms); }
static INIT_ONCE ctrace__once_flag = INIT_ONCE_STATIC_INIT;
static void ctrace__global_init(void);
static CTRACE__NOINSTR BOOL CALLBACK ctrace__once_cb(PINIT_ONCE o, PVOID p, PVOID *c) {
  (void)o; (void)p; (void)c;
  ctrace__global_init();
  return TRUE;
}
static CTRACE__NOINSTR void ctrace__once(void) { InitOnceExecuteOnce(&ctrace__once_flag, ctrace__once_cb, NULL, NULL); }
#else
typedef pthread_mutex_t ctrace__mutex;
typedef pthread_cond_t ctrace__cond;
typedef pthread_t ctrace__thread_handle;
static CTRACE__NOINSTR void ctrace__mutex_init(ctrace__mutex *m) { pthread_mutex_init(m, NULL); }
static CTRACE__NOINSTR void ctrace__mutex_destroy(ctrace__mutex *m) { pthread_mutex_destroy(m); }
static CTRACE__NOINSTR void ctrace__lock(ctrace__mutex *m) { pthread_mutex_lock(m); }
static CTRACE__NOINSTR void ctrace__unlock(ctrace__mutex *m) { pthread_mutex_unlock(m); }
static CTRACE__NOINSTR void ctrace__cond_init(ctrace__cond *c) { pthread_cond_init(c, NULL); }
static CTRACE__NOINSTR void ctrace__cond_signal_all(ctrace__cond *c) { pthread_cond_broadcast(c); }
static CTRACE__NOINSTR void ctrace__cond_wait_ms(ctrace__cond *c, ctrace__mutex *m, uint32_t ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
  pthread_cond_timedwait(c, m, &ts);
}
typedef struct { void (*fn)(void *); void *arg; } ctrace__thread_start;
static CTRACE__NOINSTR CTRACE__RARE void *ctrace__thread_trampoline(void *p) {
  ctrace__thread_start st = *(ctrace__thread_start *)p;
  sigset_t all;
  CTRACE_MEM_FREE(p);
  /* The writer never takes the program's signals. */
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  st.fn(st.arg);
  return NULL;
}
static CTRACE__NOINSTR CTRACE__RARE int ctrace__thread_create(ctrace__thread_handle *h, void (*fn)(void *), void *arg) {
  ctrace__thread_start *st = (ctrace__thread_start *)CTRACE_MEM_ALLOC(sizeof *st);
  if (!st) return -1;
  st->fn = fn; st->arg = arg;
  if (pthread_create(h, NULL, ctrace__thread_trampoline, st) != 0) { CTRACE_MEM_FREE(st); return -1; }
  return 0;
}
static CTRACE__NOINSTR void ctrace__thread_join(ctrace__thread_handle h) { pthread_join(h, NULL); }
static CTRACE__NOINSTR uint64_t ctrace__os_thread_id(void) {
#if defined(__linux__) && defined(SYS_gettid)
  return (uint64_t)syscall(SYS_gettid);
#elif defined(__APPLE__)
  uint64_t id = 0;
  pthread_threadid_np(NULL, &id);
  return id;
#else
  return (uint64_t)(uintptr_t)pthread_self();
#endif
}
/* A thread's CPU clock, taken by the thread itself and read by any thread
   (the writer's samples), where POSIX thread CPU clocks exist. */
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
typedef struct { clockid_t id; int ok; } ctrace__cpu_clock;
static CTRACE__NOINSTR void ctrace__cpu_clock_self(ctrace__cpu_clock *c) {
  c->ok = pthread_getcpuclockid(pthread_self(), &c->id) == 0;
}
static CTRACE__NOINSTR int ctrace__cpu_clock_read(const ctrace__cpu_clock *c, uint64_t *ns) {
  struct timespec ts;
  if (!c->ok || clock_gettime(c->id, &ts) != 0) return -1;
  *ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  return 0;
}
#else
typedef struct { int ok; } ctrace__cpu_clock;
static CTRACE__NOINSTR void ctrace__cpu_clock_self(ctrace__cpu_clock *c) { c->ok = 0; }
static CTRACE__NOINSTR int ctrace__cpu_clock_read(const ctrace__cpu_clock *c, uint64_t *ns) { (void)c; *ns = 0; return -1; }
#endif
/* How long a thread has waited for a core (runnable, not running): Linux's
   schedstat, so a loaded machine is not mistaken for a blocked thread. -1
   where not known. */
#if defined(__linux__)
/* The number in field `field` (from 0; fields are separated by spaces) of a
   small /proc file; -1 if there is none. */
static CTRACE__NOINSTR CTRACE__SMALL int ctrace__proc_number(const char *path, int field, uint64_t *out) {
  char buf[128];
  const char *p = buf;
  long n;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  n = (long)read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  while (field-- > 0 && *p) {
    while (*p && *p != ' ') p++;
    if (*p) p++;
  }
  if (*p < '0' || *p > '9') return -1;
  ctrace__get_dec(p, out);
  return 0;
}
/* /proc/self/task/TID/leaf into path (64 bytes: leaf is a short name). */
static CTRACE__NOINSTR CTRACE__SMALL void ctrace__task_file(char *path, uint64_t os_tid, const char *leaf) {
  char *p = ctrace__put_dec(path + 16, os_tid);
  memcpy(path, "/proc/self/task/", 16);
  *p++ = '/';
  memcpy(p, leaf, strlen(leaf) + 1);
}
#endif
static CTRACE__NOINSTR CTRACE__SMALL int ctrace__run_delay(uint64_t os_tid, uint64_t *ns) {
#if defined(__linux__)
  char path[64];
  ctrace__task_file(path, os_tid, "schedstat");
  return ctrace__proc_number(path, 1, ns); /* "run_ns delay_ns slices" */
#else
  (void)os_tid;
  *ns = 0;
  return -1;
#endif
}
static CTRACE__NOINSTR uint32_t ctrace__pid(void) { return (uint32_t)getpid(); }
static CTRACE__NOINSTR uint32_t ctrace__cpu_count(void) {
#if defined(_SC_NPROCESSORS_ONLN)
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (uint32_t)n : 1u;
#else
  return 1u;
#endif
}
static CTRACE__NOINSTR void ctrace__sleep_ms(uint32_t ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}
static pthread_once_t ctrace__once_flag = PTHREAD_ONCE_INIT;
static void ctrace__global_init(void);
static CTRACE__NOINSTR void ctrace__once(void) { pthread_once(&ctrace__once_flag, ctrace__global_init); }
#endif

/* ---- thread-local storage ----
   A plain pointer per thread; the exit hook (pthread key destructor, or a
   fiber-local-storage callback on Windows) hands an exiting thread's events
   to the writer. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__TLS __thread
#elif defined(_MSC_VER)
#define CTRACE__TLS __declspec(thread)
#elif defined(__cplusplus)
#define CTRACE__TLS thread_local
#else
#define CTRACE__TLS _Thread_local
#endif

/* ---- clocks ---- */
static CTRACE__NOINSTR uint64_t ctrace__mono_ns(void) {
#if defined(_WIN32)
  static LARGE_INTEGER freq;
  LARGE_INTEGER now;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&now);
  return (uint64_t)((double)now.QuadPart * 1e9 / (double)freq.QuadPart);
#elif defined(__APPLE__)
  static mach_timebase_info_data_t tb;
  if (tb.denom == 0) mach_timebase_info(&tb);
  return mach_absolute_time() * tb.numer / tb.denom;
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
#endif
}

static CTRACE__NOINSTR uint64_t ctrace__wall_ns(void) {
#if defined(_WIN32)
  FILETIME ft;
  uint64_t t;
  GetSystemTimeAsFileTime(&ft);
  t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime; /* 100 ns since 1601 */
  return (t - UINT64_C(116444736000000000)) * 100u;
#else
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
#endif
}

#if CTRACE__X86
#if defined(_MSC_VER)
#define ctrace__cpu_ticks() ((uint64_t)__rdtsc())
#else
#define ctrace__cpu_ticks() ((uint64_t)__builtin_ia32_rdtsc())
#endif
/* The counter is usable only when it is invariant: constant rate, running
   in every power state, as CPUID leaf 0x80000007 reports. */
static CTRACE__NOINSTR int ctrace__cpu_counter_reliable(void) {
#if defined(_MSC_VER)
  int r[4];
  __cpuid(r, (int)0x80000000);
  if ((unsigned)r[0] < 0x80000007u) return 0;
  __cpuid(r, (int)0x80000007);
  return (r[3] >> 8) & 1;
#else
  unsigned a, b, c, d;
  if (!ctrace__cpuid(0x80000007u, &a, &b, &c, &d)) return 0;
  return (int)((d >> 8) & 1);
#endif
}
#else
#define ctrace__cpu_ticks() ctrace__mono_ns()
static CTRACE__NOINSTR int ctrace__cpu_counter_reliable(void) { return 0; }
#endif

/* ---- files: raw descriptors, so the crash path can write with write(2) ---- */
#if defined(_WIN32)
static CTRACE__NOINSTR int ctrace__file_create(const char *path) {
  return _open(path, _O_WRONLY | _O_CREAT | _O_TRUNC | _O_BINARY, _S_IREAD | _S_IWRITE);
}
static CTRACE__NOINSTR int ctrace__file_close(int fd) { return _close(fd); }
static CTRACE__NOINSTR long ctrace__file_write_some(int fd, const void *p, size_t n) {
  return (long)_write(fd, p, (unsigned)(n > 0x40000000u ? 0x40000000u : n));
}
static CTRACE__NOINSTR int ctrace__file_sync(int fd) { (void)fd; return 0; }
#else
static CTRACE__NOINSTR int ctrace__file_create(const char *path) {
  return open(path, O_WRONLY | O_CREAT | O_TRUNC
#ifdef O_CLOEXEC
                        | O_CLOEXEC
#endif
              , 0644);
}
static CTRACE__NOINSTR int ctrace__file_close(int fd) { return close(fd); }
static CTRACE__NOINSTR long ctrace__file_write_some(int fd, const void *p, size_t n) { return (long)write(fd, p, n); }
static CTRACE__NOINSTR int ctrace__file_sync(int fd) { (void)fd; return 0; }
#endif

/* Write all n bytes; 0 or -1 (errno kept). */
static CTRACE__NOINSTR int ctrace__file_write(int fd, const void *p, size_t n) {
  const uint8_t *b = (const uint8_t *)p;
  while (n > 0) {
    long w = ctrace__file_write_some(fd, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { if (w == 0) errno = ENOSPC; return -1; }
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

static CTRACE__NOINSTR uint64_t ctrace__rss_bytes(void) {
#if defined(__linux__)
  uint64_t resident;
  if (ctrace__proc_number("/proc/self/statm", 1, &resident) != 0) return 0; /* "size resident ..." in pages */
  return resident * (uint64_t)sysconf(_SC_PAGESIZE);
#elif defined(__APPLE__)
  mach_task_basic_info_data_t info;
  mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
  if (task_info(mach_task_self(), MACH_TASK_BASIC_INFO, (task_info_t)&info, &count) != KERN_SUCCESS) return 0;
  return (uint64_t)info.resident_size;
#elif defined(_WIN32)
  /* The working set; read through kernel32's K32 entry point so no extra
     library is needed at link time. */
  typedef struct { DWORD cb, faults; SIZE_T peak_ws, ws, a, b, c, d, e, f; } ctrace__pmc;
  typedef BOOL(WINAPI * ctrace__pmc_fn)(HANDLE, void *, DWORD);
  static ctrace__pmc_fn fn;
  ctrace__pmc pmc;
  if (!fn) fn = (ctrace__pmc_fn)(void (*)(void))GetProcAddress(GetModuleHandleA("kernel32.dll"), "K32GetProcessMemoryInfo");
  if (!fn) return 0;
  memset(&pmc, 0, sizeof pmc);
  pmc.cb = sizeof pmc;
  if (!fn(GetCurrentProcess(), &pmc, sizeof pmc)) return 0;
  return (uint64_t)pmc.ws;
#else
  return 0;
#endif
}

static CTRACE__NOINSTR CTRACE__RARE void ctrace__program_name(char *out, size_t cap) {
  out[0] = 0;
#if defined(__linux__)
  {
    char buf[256];
    long n;
    int fd = open("/proc/self/cmdline", O_RDONLY);
    if (fd >= 0) {
      n = (long)read(fd, buf, sizeof buf - 1);
      close(fd);
      if (n > 0) {
        size_t len = strnlen(buf, (size_t)n);
        if (len >= cap) len = cap - 1;
        memcpy(out, buf, len);
        out[len] = 0;
      }
    }
  }
#elif defined(_WIN32)
  {
    char buf[MAX_PATH];
    DWORD n = GetModuleFileNameA(NULL, buf, sizeof buf);
    if (n > 0 && n < sizeof buf) snprintf(out, cap, "%s", buf);
  }
#else
  (void)cap;
#endif
}

#endif /* CTRACE_IMPLEMENTATION: the recorder's platform layer */

/* >>format ====================================================================
   The file is a header followed by chunks. README.md documents it byte by
   byte; the constants here are that document's. */

#define CTRACE__MAGIC "\x89" "CTR\r\n\x1a\n"
#define CTRACE__HEADER_FIXED 58
#define CTRACE__CHUNK_HEADER 32
#define CTRACE__MAX_CHUNK (16u << 20) /* readers reject chunks larger than this */
#define CTRACE__MAX_NAME (1u << 20)   /* longer names are cut here */

enum ctrace__chunk_type {
  CTRACE__CH_EVENTS = 'E',
  CTRACE__CH_DEFS = 'D',
  CTRACE__CH_SYNC = 'S',
  CTRACE__CH_END = 'Z',
  CTRACE__CH_MAP = 'M'  /* memory map: loaded objects (CTRACE_INSTRUMENT_FUNCTIONS) */
};
enum ctrace__chunk_flag { CTRACE__CF_THREAD_EXIT = 1 };
enum ctrace__header_flag { CTRACE__HF_FLIGHT = 1 };
/* Kinds from 3 up are (kind, varint a, varint b, varint n, n bytes), so a
   reader skips the ones it does not know. A stack: a = its id, b = frames * 2
   + 1 if cut at the depth limit, the bytes = the return addresses, the first
   as a varint and each next as the zigzag varint of its difference. */
enum ctrace__def_kind { CTRACE__DEF_SITE = 1, CTRACE__DEF_THREAD = 2, CTRACE__DEF_STACK = 3 };
/* Sized kind: an allocation with its call stack (site, ptr, size, stack id);
   readers give it as CTRACE_EV_ALLOC with ctrace_event.stack set. */
#define CTRACE__EV_ALLOC_STACK 68
/* Sized kind: a free from the preload library (site, ptr), of a block the
   session may not have seen allocated (ctrace run); readers give it as
   CTRACE_EV_FREE with raw_kind 69, and the analysis takes a pointer it
   never saw allocated as a block from before the recording, not a problem. */
#define CTRACE__EV_FREE_ANY 69
/* Event kinds below 0x40 have the fixed layouts of ctrace_event_kind; kinds
   from 0x40 up carry their own length after the time delta, so an older
   reader can skip them. */
#define CTRACE__KIND_SIZED 0x40
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
/* Room for a held-back function begin (16 bytes at most) written before
   any event (see >>functions). */
#define CTRACE__MAX_FIXED_EVENT 64
#else
#define CTRACE__MAX_FIXED_EVENT 48 /* largest fixed-layout event in bytes */
#endif

static CTRACE__NOINSTR inline void ctrace__put_u16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static CTRACE__NOINSTR void ctrace__put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static CTRACE__NOINSTR inline void ctrace__put_u64(uint8_t *p, uint64_t v) {
  ctrace__put_u32(p, (uint32_t)v);
  ctrace__put_u32(p + 4, (uint32_t)(v >> 32));
}
static CTRACE__NOINSTR inline uint32_t ctrace__get_u16(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static CTRACE__NOINSTR uint32_t ctrace__get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static CTRACE__NOINSTR inline uint64_t ctrace__get_u64(const uint8_t *p) {
  return (uint64_t)ctrace__get_u32(p) | ((uint64_t)ctrace__get_u32(p + 4) << 32);
}

CTRACE__HOT uint8_t *ctrace__put_varint(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}
static CTRACE__NOINSTR CTRACE__WRAPS inline uint64_t ctrace__zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static CTRACE__NOINSTR inline int64_t ctrace__unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Decode a varint from [*pp, end). 0 on success; -1 if it runs past end or
   is longer than 10 bytes. */
static CTRACE__NOINSTR int ctrace__get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out) {
  const uint8_t *p = *pp;
  uint64_t v = 0;
  unsigned shift = 0;
  while (p < end) {
    uint8_t b = *p++;
    if (shift == 63 && b > 1) return -1;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *pp = p;
      *out = v;
      return 0;
    }
    shift += 7;
    if (shift > 63) return -1;
  }
  return -1;
}

/* CRC-32 (IEEE 802.3, reflected). Eight bytes a step from tables; on x86-64
   with the carry-less multiply instruction, long runs are folded 64 bytes a
   step instead (about ten times faster, and the writer checksums every byte
   it writes), and with its 256-bit form (VPCLMULQDQ with AVX2) 128 bytes a
   step (2.5-6x faster again: 5-7 us per 64 KiB chunk against 15-39 us,
   measured side by side on this project's loaded VM; issue 28). The tables
   and fold constants are filled once per process by ctrace__global_init. */
static uint32_t ctrace__crc_table[8][256];

#if CTRACE__X86 && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CTRACE__CRC_FOLD 1
static int ctrace__crc_fold_ok, ctrace__crc_wide_ok;
static uint64_t ctrace__crc_k[4]; /* fold by 512 bits: low, high half; by 128 bits: low, high */
static uint64_t ctrace__crc_kw[4]; /* 256-bit lanes: fold by 1024 bits, by 256 bits */

/* x^n mod P, bit-reflected and shifted left once, the form a fold constant
   takes when both operands of the multiply are reflected. */
CTRACE__COLD uint64_t ctrace__crc_xpow(unsigned n) {
  uint64_t r = 1, out = 0;
  unsigned i;
  for (; n > 0; n--) {
    r <<= 1;
    if (r & UINT64_C(0x100000000)) r ^= UINT64_C(0x104C11DB7);
  }
  for (i = 0; i < 32; i++) out |= ((r >> i) & 1) << (31 - i);
  return out << 1;
}
#endif

/* The table-driven update on the raw (inverted) register. */
static CTRACE__NOINSTR uint32_t ctrace__crc_run(uint32_t s, const uint8_t *p, size_t n) {
  while (n >= 8) {
    uint32_t a = s ^ ctrace__get_u32(p), b = ctrace__get_u32(p + 4);
    s = ctrace__crc_table[7][a & 0xff] ^ ctrace__crc_table[6][(a >> 8) & 0xff] ^
        ctrace__crc_table[5][(a >> 16) & 0xff] ^ ctrace__crc_table[4][a >> 24] ^
        ctrace__crc_table[3][b & 0xff] ^ ctrace__crc_table[2][(b >> 8) & 0xff] ^
        ctrace__crc_table[1][(b >> 16) & 0xff] ^ ctrace__crc_table[0][b >> 24];
    p += 8;
    n -= 8;
  }
  for (; n > 0; n--) s = ctrace__crc_table[0][(s ^ *p++) & 0xff] ^ (s >> 8);
  return s;
}

#if CTRACE__CRC_FOLD
/* One 128-bit fold: v times x^d (mod P, d set by the constants) plus next.
   The message stays congruent, so its CRC does not change. */
typedef long long ctrace__v2di __attribute__((vector_size(16))); /* what pclmul takes */
__attribute__((target("pclmul,sse2"))) static CTRACE__NOINSTR ctrace__v2di ctrace__crc_fold1(ctrace__v2di v, ctrace__v2di k,
                                                                          ctrace__v2di next) {
  return __builtin_ia32_pclmulqdq128(v, k, 0x00) ^ __builtin_ia32_pclmulqdq128(v, k, 0x11) ^ next;
}
__attribute__((target("pclmul,sse2"))) static CTRACE__NOINSTR ctrace__v2di ctrace__crc_load16(const uint8_t *p) {
  ctrace__v2di v;
  memcpy(&v, p, sizeof v); /* one unaligned 16-byte load */
  return v;
}

/* The register after n bytes (n >= 64, a multiple of 16): four lanes folded
   forward 64 bytes a step, then into one, then the last 16 bytes through
   the tables from a zero register. Lane element 0 is the low 64 bits. */
__attribute__((target("pclmul,sse2"))) static CTRACE__NOINSTR uint32_t ctrace__crc_fold(uint32_t s, const uint8_t *p, size_t n) {
  ctrace__v2di k4 = {(long long)ctrace__crc_k[0], (long long)ctrace__crc_k[1]};
  ctrace__v2di k1 = {(long long)ctrace__crc_k[2], (long long)ctrace__crc_k[3]};
  ctrace__v2di reg = {(long long)s, 0}; /* the register joins the first bytes */
  ctrace__v2di x0 = ctrace__crc_load16(p) ^ reg, x1, x2, x3;
  uint8_t last[16];
  x1 = ctrace__crc_load16(p + 16);
  x2 = ctrace__crc_load16(p + 32);
  x3 = ctrace__crc_load16(p + 48);
  for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
    x0 = ctrace__crc_fold1(x0, k4, ctrace__crc_load16(p));
    x1 = ctrace__crc_fold1(x1, k4, ctrace__crc_load16(p + 16));
    x2 = ctrace__crc_fold1(x2, k4, ctrace__crc_load16(p + 32));
    x3 = ctrace__crc_fold1(x3, k4, ctrace__crc_load16(p + 48));
  }
  x0 = ctrace__crc_fold1(ctrace__crc_fold1(ctrace__crc_fold1(x0, k1, x1), k1, x2), k1, x3);
  for (; n >= 16; p += 16, n -= 16) x0 = ctrace__crc_fold1(x0, k1, ctrace__crc_load16(p));
  memcpy(last, &x0, sizeof last);
  return ctrace__crc_run(0, last, 16);
}

static CTRACE__NOINSTR int ctrace__crc_fold_supported(void) {
  unsigned a, b, c, d;
  return ctrace__cpuid(1u, &a, &b, &c, &d) && (c & 2u); /* PCLMULQDQ */
}

/* Two 128-bit lanes per register, each folded as ctrace__crc_fold1 does. */
typedef long long ctrace__v4di __attribute__((vector_size(32)));
#if defined(__clang__)
#define CTRACE__CLMUL256(a, b, i) __builtin_ia32_pclmulqdq256((a), (b), (i))
#else
#define CTRACE__CLMUL256(a, b, i) __builtin_ia32_vpclmulqdq_v4di((a), (b), (i))
#endif
__attribute__((target("vpclmulqdq,avx2,pclmul"))) static CTRACE__NOINSTR ctrace__v4di ctrace__crc_fold2(ctrace__v4di v, ctrace__v4di k,
                                                                                   ctrace__v4di next) {
  return CTRACE__CLMUL256(v, k, 0x00) ^ CTRACE__CLMUL256(v, k, 0x11) ^ next;
}
__attribute__((target("vpclmulqdq,avx2,pclmul"))) static CTRACE__NOINSTR ctrace__v4di ctrace__crc_load32(const uint8_t *p) {
  ctrace__v4di v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* As ctrace__crc_fold for n >= 128: eight lanes in four registers folded
   forward 128 bytes a step, then into one register, its two lanes into one,
   and the rest 16 bytes a step. */
__attribute__((target("vpclmulqdq,avx2,pclmul"))) static CTRACE__NOINSTR uint32_t ctrace__crc_fold_wide(uint32_t s, const uint8_t *p,
                                                                                    size_t n) {
  ctrace__v4di k8 = {(long long)ctrace__crc_kw[0], (long long)ctrace__crc_kw[1], (long long)ctrace__crc_kw[0],
                     (long long)ctrace__crc_kw[1]};
  ctrace__v4di k2 = {(long long)ctrace__crc_kw[2], (long long)ctrace__crc_kw[3], (long long)ctrace__crc_kw[2],
                     (long long)ctrace__crc_kw[3]};
  ctrace__v4di reg = {(long long)s, 0, 0, 0};
  ctrace__v4di y0 = ctrace__crc_load32(p) ^ reg, y1 = ctrace__crc_load32(p + 32), y2 = ctrace__crc_load32(p + 64),
               y3 = ctrace__crc_load32(p + 96);
  ctrace__v2di k1 = {(long long)ctrace__crc_k[2], (long long)ctrace__crc_k[3]}, lo, hi, x;
  uint8_t last[16];
  for (p += 128, n -= 128; n >= 128; p += 128, n -= 128) {
    y0 = ctrace__crc_fold2(y0, k8, ctrace__crc_load32(p));
    y1 = ctrace__crc_fold2(y1, k8, ctrace__crc_load32(p + 32));
    y2 = ctrace__crc_fold2(y2, k8, ctrace__crc_load32(p + 64));
    y3 = ctrace__crc_fold2(y3, k8, ctrace__crc_load32(p + 96));
  }
  y3 = ctrace__crc_fold2(ctrace__crc_fold2(ctrace__crc_fold2(y0, k2, y1), k2, y2), k2, y3);
  lo[0] = y3[0];
  lo[1] = y3[1];
  hi[0] = y3[2];
  hi[1] = y3[3];
  x = ctrace__crc_fold1(lo, k1, hi);
  for (; n >= 16; p += 16, n -= 16) x = ctrace__crc_fold1(x, k1, ctrace__crc_load16(p));
  memcpy(last, &x, sizeof last);
  return ctrace__crc_run(0, last, 16);
}

/* VPCLMULQDQ and AVX2, and an OS that saves the 256-bit registers. */
static CTRACE__NOINSTR int ctrace__crc_wide_supported(void) {
  unsigned a, b, c, d, lo, hi;
  if (!ctrace__cpuid(1u, &a, &b, &c, &d) || !(c & (1u << 27))) return 0; /* OSXSAVE */
  __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0u));
  if ((lo & 6u) != 6u || !ctrace__cpuid(0u, &a, &b, &c, &d) || a < 7u) return 0;
  __cpuid_count(7u, 0u, a, b, c, d);
  return (b & (1u << 5)) && (c & (1u << 10));
}
#endif

CTRACE__COLD void ctrace__crc_init_tables(void) {
  uint32_t i, j, c;
  for (i = 0; i < 256; i++) {
    c = i;
    for (j = 0; j < 8; j++) c = (c & 1) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    ctrace__crc_table[0][i] = c;
  }
  for (i = 0; i < 256; i++)
    for (j = 1; j < 8; j++)
      ctrace__crc_table[j][i] = (ctrace__crc_table[j - 1][i] >> 8) ^ ctrace__crc_table[0][ctrace__crc_table[j - 1][i] & 0xff];
#if CTRACE__CRC_FOLD
  /* A 64-bit half sits 32 bits past or short of the distance folded. */
  ctrace__crc_k[0] = ctrace__crc_xpow(512 + 32);
  ctrace__crc_k[1] = ctrace__crc_xpow(512 - 32);
  ctrace__crc_k[2] = ctrace__crc_xpow(128 + 32);
  ctrace__crc_k[3] = ctrace__crc_xpow(128 - 32);
  ctrace__crc_kw[0] = ctrace__crc_xpow(1024 + 32);
  ctrace__crc_kw[1] = ctrace__crc_xpow(1024 - 32);
  ctrace__crc_kw[2] = ctrace__crc_xpow(256 + 32);
  ctrace__crc_kw[3] = ctrace__crc_xpow(256 - 32);
  ctrace__crc_fold_ok = ctrace__crc_fold_supported();
  ctrace__crc_wide_ok = ctrace__crc_fold_ok && ctrace__crc_wide_supported();
#endif
}

static ctrace__once_flag_t ctrace__crc_once_flag = CTRACE__ONCE_INIT;
static CTRACE__NOINSTR void ctrace__crc_init(void) { CTRACE__CALL_ONCE(ctrace__crc_once_flag, ctrace__crc_init_tables); }

static CTRACE__NOINSTR uint32_t ctrace__crc_update(uint32_t crc, const uint8_t *p, size_t n) {
  uint32_t s = ~crc;
#if CTRACE__CRC_FOLD
  if (n >= 64 && ctrace__crc_fold_ok) {
    size_t bulk = n & ~(size_t)15;
    s = n >= 128 && ctrace__crc_wide_ok ? ctrace__crc_fold_wide(s, p, bulk) : ctrace__crc_fold(s, p, bulk);
    p += bulk;
    n -= bulk;
  }
#endif
  return ~ctrace__crc_run(s, p, n);
}

#ifdef CTRACE_IMPLEMENTATION
/* Skip one event in [p, end): returns the byte after it and the time delta,
   or NULL if the event is malformed or runs past end. The flight recorder's
   trimming needs it; the reader decodes events fully instead. */
static CTRACE__NOINSTR const uint8_t *ctrace__event_skip(const uint8_t *p, const uint8_t *end, uint64_t *dt) {
  uint64_t v;
  uint8_t kind;
  int fields = 0, has_len = 0;
  if (p >= end) return NULL;
  kind = *p++;
  if (ctrace__get_varint(&p, end, dt)) return NULL;
  switch (kind) {
  case CTRACE_EV_ZONE_END: case CTRACE_EV_GC_END: fields = 0; break;
  case CTRACE_EV_ZONE_BEGIN: case CTRACE_EV_INSTANT: case CTRACE_EV_GC_BEGIN:
  case CTRACE_EV_TASK_END: case CTRACE_EV_LOSS: fields = 1; break;
  case CTRACE_EV_COUNTER: case CTRACE_EV_TASK_BEGIN: case CTRACE_EV_MEM_PROBLEM: fields = 2; break;
  case CTRACE_EV_FREE: fields = 3; break;
  case CTRACE_EV_ALLOC: fields = 3; break;
  case CTRACE_EV_COUNTER_F:
    if (ctrace__get_varint(&p, end, &v)) return NULL;
    if ((size_t)(end - p) < 8) return NULL;
    return p + 8;
  case CTRACE_EV_LOG: fields = 1; has_len = 1; break;
  default:
    if (kind < CTRACE__KIND_SIZED || kind == 0xff) return NULL;
    has_len = 1;
    break;
  }
  while (fields-- > 0)
    if (ctrace__get_varint(&p, end, &v)) return NULL;
  if (has_len) {
    if (ctrace__get_varint(&p, end, &v)) return NULL;
    if (v > (uint64_t)(end - p)) return NULL;
    p += v;
  }
  return p;
}
#endif

#endif /* either implementation macro: the part both halves share */

#if defined(CTRACE_IMPLEMENTATION) && !defined(CTRACE__RECORDER_IMPLEMENTED)
#define CTRACE__RECORDER_IMPLEMENTED
#ifndef CTRACE__RECORDER_PLATFORM
#error "ctrace: in one file, define CTRACE_IMPLEMENTATION before the include that compiles CTRACE_TOOLS_IMPLEMENTATION (or define both before one include)"
#endif
/* >>writer ====================================================================
   Each thread appends encoded events to a buffer of its own with plain stores:
   no lock, no allocator, no system call on the hot path. A full buffer is
   handed whole to a queue; the writer thread gives every chunk its header and
   checksum and writes it. Or (ctrace_config.write_mode) the thread seals and
   writes the chunk itself and keeps its buffer. Every flush period the writer
   also takes out the events of threads that are idle ("steals" them, under
   the thread's own lock, which only slow paths take), so a kill loses at
   most one period. A thread's chunks reach the file in the order of their
   sequence numbers whoever writes them: a thread that writes a chunk
   directly first writes what is queued (see ctrace__write_here). */

#define CTRACE__DYN_CACHE 256
/* AUTO remembers this many of the latest full buffers (their threads and
   times) to count the threads that are busy recording; machines with more
   cores than this keep the writer thread. */
#define CTRACE__RECENT 64
/* A thread counts as busy recording when it filled a buffer this recently. */
#define CTRACE__BUSY_NS 100000000u

typedef struct ctrace__buf {
  struct ctrace__buf *next;
  uint8_t *mem;        /* payload capacity `cap`, with a chunk header's room before it */
  uint8_t *data;       /* first payload byte of the chunk (mem <= data) */
  uint32_t len, cap;
  uint8_t type, flags;
  uint32_t tid, seq;
  uint64_t base_ts;
  uint64_t enq_ns;     /* monotonic time queued, for the flight recorder's age limit */
} ctrace__buf;

typedef struct ctrace__dyn {
  const char *file;
  uint64_t hash;
  const char *text;    /* the interned copy, stable for the process */
  uint32_t len, line, id;
} ctrace__dyn;

/* An allocation call's site id, by the file pointer and line of the call. */
typedef struct ctrace__call_site {
  const char *file;
  uint32_t line, id;
} ctrace__call_site;
#define CTRACE__CALL_SITES 64
#define CTRACE__FN_CACHE 512
#define CTRACE__FN_DEPTH 1024

typedef struct ctrace__tstate {
  /* hot: touched by every event */
  uint8_t *pos;                 /* next byte to write; published with release */
  uintptr_t limit;              /* end of the buffer; 0 forces the slow path */
  uint64_t last_ts;             /* timestamp of the previous event */
  /* warm */
  ctrace__buf *buf;
  uint8_t *copied;              /* bytes before this were already taken by a steal */
  uint64_t copied_ts;           /* timestamp of the last event before `copied` */
  uint32_t tid, seq;
  uint64_t session;
  uint64_t os_tid;
  ctrace__cpu_clock cpu_clock;  /* read by the writer's CPU samples */
  uint64_t gc_begin_ns;
  volatile uint64_t ms_total, ms_mallocs, ms_frees; /* owner writes, anyone reads */
  volatile int64_t ms_pending;  /* live-byte change not yet added to ms_alloc */
  int64_t ms_headroom;          /* pending above this may be a new peak */
  struct ctrace__btable *blocks; /* live blocks this thread allocated (see >>memory) */
  struct ctrace__blockslot *home_slots; /* blocks' slots, home multiplier and mask, copied */
  uint64_t home_mul;                    /* here by ctrace__blocks_seen so that the quick */
  uint32_t home_mask;                   /* paths reach a slot one load sooner */
  ctrace__mutex lock;           /* seal (owner) against steal (writer, stop) */
  struct ctrace__tstate *next, *prev; /* every live state, under reg_lock */
  char *name;
  ctrace__dyn cache[CTRACE__DYN_CACHE];
  ctrace__call_site call_sites[CTRACE__CALL_SITES];
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
  uint32_t fn_pending;          /* site of a call whose begin is held back (min duration), or 0 */
  uint64_t fn_pending_ts;
  struct { uintptr_t fn, at, dist; uint32_t id; } fn_cache[CTRACE__FN_CACHE]; /* function address -> site
                                   id; the hook call last seen for it and its distance to the CFA */
  uint32_t fn_depth;            /* calls open on this thread (begun in this session) */
  struct { uintptr_t fn, sp, cs, at, cfa; } fn_stack[CTRACE__FN_DEPTH]; /* the first CTRACE__FN_DEPTH of
                                   them: function, its enter hook's frame, the call site gcc passed,
                                   where the hook was called from, and the canonical frame address of
                                   the machine frame the hook ran in (see >>functions) */
#endif
#ifdef CTRACE_PRELOAD_IMPLEMENTATION
  const struct ctrace__stack *stk_cache[512]; /* stacks this thread recorded, by hash */
  struct ctrace__pl_rule *pl_rules;   /* unwinding rules by address (x86-64), or NULL */
  uintptr_t pl_stack_lo, pl_stack_hi; /* the thread's stack (hi 1: not known) */
#endif
} ctrace__tstate;

typedef struct ctrace__site_entry {
  uint64_t hash;
  char *name;
  char *file;
  uint32_t name_len, file_len, line;
} ctrace__site_entry;

/* The process-wide tracer: a tracer records one program, like Go's. Sites
   (interned names) outlive sessions, so the ids cached in static ctrace_site
   objects stay valid; each new file gets all of them again. */
static struct {
  int inited;
  ctrace__mutex session_lock;   /* start/stop/flush/dump against each other */
  ctrace__mutex reg_lock;       /* the list of thread states */
  ctrace__mutex q_lock;         /* queue, free list, counters */
  ctrace__mutex file_lock;      /* file writes and their order */
  ctrace__mutex intern_lock;    /* sites and pending definitions */
  ctrace__cond q_cond;
  ctrace__tstate *states;
  /* session */
  uint64_t session;             /* generation; 0 before the first start */
  int running, stopping, flight;
  int fd;
  ctrace_config cfg;
  int use_cpu_clock;
  uint64_t tsc0, mono0, wall0;
  ctrace__buf *q_head, *q_tail;
  uint32_t queued, buffers_out;
  ctrace__buf *free_list;
  ctrace__buf *ret_head, *ret_tail; /* flight recorder window */
  uint64_t ret_bytes;
  uint32_t next_tid;
  int error;
  uint64_t events_lost, chunks_lost, bytes_written, chunks_written, chunks_by_threads;
  volatile uint64_t full_buffers, full_buffer_ns;
  int write_mode;               /* enum ctrace_write_mode, resolved at start */
  uint32_t ncpu;
  struct { uint32_t tid; uint64_t ns; } recent[CTRACE__RECENT]; /* the last full buffers */
  uint32_t recent_next;
  uint64_t exited_total, exited_mallocs, exited_frees;
  ctrace__thread_handle writer;
  int writer_running;
  uint32_t writer_wake;
  uint8_t *defs;                /* every definition of this session */
  size_t defs_len, defs_cap, defs_written;
  int defs_oom;
  /* sites */
  ctrace__site_entry *sites;    /* index = id - 1 */
  uint32_t n_sites, cap_sites;
  uint32_t *site_slots;         /* open addressing: site id or 0 */
  uint32_t cap_slots;
  /* memstats that need one global value */
  volatile uint64_t ms_alloc, ms_peak, ms_pause, ms_last_gc, ms_num_gc;
  volatile uint64_t next_task;
#if defined(_WIN32)
  DWORD fls;
#else
  pthread_key_t key;
#endif
} ctrace__g;

#ifndef CTRACE_STATIC
volatile int ctrace__active = 0;
#endif /* with CTRACE_STATIC the declaration above is the (zeroed) definition */
static CTRACE__TLS ctrace__tstate *ctrace__tls = NULL;
/* Set in the writer thread: the events it records itself (CPU and RSS
   samples) must never wait for a free buffer, since only it frees them. */
static CTRACE__TLS int ctrace__is_writer;
#ifdef CTRACE_PRELOAD_IMPLEMENTATION
/* Inside ctrace (recording a call, the writer thread, a hook): allocations
   made here are ctrace's own, passed to the C library and never recorded. */
static CTRACE__TLS int ctrace__pl_busy;
static void ctrace__pl_redefine_stacks(void);
#endif

static void ctrace__thread_exit(void *p);
#if defined(_WIN32)
static CTRACE__NOINSTR VOID WINAPI ctrace__fls_exit(PVOID p) { if (p) ctrace__thread_exit(p); }
#endif

static CTRACE__NOINSTR CTRACE__RARE void ctrace__global_init(void) {
  ctrace__crc_init();
  ctrace__mutex_init(&ctrace__g.session_lock);
  ctrace__mutex_init(&ctrace__g.reg_lock);
  ctrace__mutex_init(&ctrace__g.q_lock);
  ctrace__mutex_init(&ctrace__g.file_lock);
  ctrace__mutex_init(&ctrace__g.intern_lock);
  ctrace__cond_init(&ctrace__g.q_cond);
#if defined(_WIN32)
  ctrace__g.fls = FlsAlloc(ctrace__fls_exit);
#else
  pthread_key_create(&ctrace__g.key, ctrace__thread_exit);
#endif
  ctrace__g.fd = -1;
  ctrace__g.inited = 1;
}

CTRACE_API CTRACE__NOINSTR const char *ctrace_strerror(int code) {
  switch (code) {
#define CTRACE__CASE(name, value, text) case value: return text;
    CTRACE__ERRORS(CTRACE__CASE)
#undef CTRACE__CASE
  default: return "unknown error";
  }
}

CTRACE__HOT uint64_t ctrace__now(void) {
  return ctrace__g.use_cpu_clock ? ctrace__cpu_ticks() : ctrace__mono_ns();
}

/* The trace's clock and the monotonic clock read as one pair: the
   monotonic read between two of the trace's, the closest of a few tries
   kept, the trace's time taken at their midpoint. A thread preempted between
   two plain reads would pair times as far apart as the preemption, and a
   rate derived from two pairs (the start and a sync point, or the two ends
   of the calibration) is only as good as they are: 10 us off over the
   calibration's 1 ms is a 1% error in every time of a cut trace. */
static CTRACE__NOINSTR CTRACE__RARE void ctrace__clock_pair(uint64_t *ticks, uint64_t *mono) {
  uint64_t best = UINT64_MAX;
  int i;
  *ticks = ctrace__now();
  *mono = ctrace__mono_ns();
  for (i = 0; i < 5; i++) {
    uint64_t a = ctrace__now(), m = ctrace__mono_ns(), b = ctrace__now();
    if (b >= a && b - a < best) {
      best = b - a;
      *ticks = a + (b - a) / 2;
      *mono = m;
    }
  }
}

static CTRACE__NOINSTR CTRACE__WRAPS uint64_t ctrace__hash_bytes(const void *p, size_t n, uint64_t seed) {
  const uint8_t *b = (const uint8_t *)p;
  uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
  for (; n > 0; n--) {
    h ^= *b++;
    h *= UINT64_C(0x100000001b3);
  }
  return h ^ (h >> 29);
}

/* ---- definitions ---- */

CTRACE__COLD int ctrace__defs_reserve(size_t more) {
  size_t cap;
  uint8_t *n;
  if (ctrace__g.defs_len + more <= ctrace__g.defs_cap) return 0;
  cap = ctrace__g.defs_cap ? ctrace__g.defs_cap : 4096;
  while (cap < ctrace__g.defs_len + more) cap *= 2;
  n = (uint8_t *)CTRACE_MEM_REALLOC(ctrace__g.defs, cap);
  if (!n) { ctrace__g.defs_oom = 1; return -1; }
  ctrace__g.defs = n;
  ctrace__g.defs_cap = cap;
  return 0;
}

/* Called with intern_lock held. */
CTRACE__COLD CTRACE__NOINSTR void ctrace__def_site(uint32_t id, const ctrace__site_entry *e) {
  uint8_t *p;
  if (ctrace__defs_reserve(1 + 10 * 4 + (size_t)e->name_len + e->file_len)) return;
  p = ctrace__g.defs + ctrace__g.defs_len;
  *p++ = CTRACE__DEF_SITE;
  p = ctrace__put_varint(p, id);
  p = ctrace__put_varint(p, e->line);
  p = ctrace__put_varint(p, e->name_len);
  memcpy(p, e->name, e->name_len);
  p += e->name_len;
  p = ctrace__put_varint(p, e->file_len);
  memcpy(p, e->file, e->file_len);
  p += e->file_len;
  ctrace__g.defs_len = (size_t)(p - ctrace__g.defs);
}

#if defined(__linux__)
/* The first line of a small file (a /proc name), without its newline. */
static CTRACE__NOINSTR CTRACE__RARE size_t ctrace__read_line(const char *path, char *out, size_t cap) {
  size_t n = 0;
  long got;
  int fd = open(path, O_RDONLY);
  out[0] = 0;
  if (fd < 0) return 0;
  got = (long)read(fd, out, cap - 1);
  close(fd);
  while (got > 0 && n < (size_t)got && out[n] != '\n') n++;
  out[n] = 0;
  return n;
}
#endif

/* A name for a thread the program never named, from the OS: the main
   thread is the program (its file name, as started); another thread has the
   name the program gave it (pthread_setname_np, prctl), read when it joins
   a session. A thread's OS name that is only the one it inherited from the
   process is not a name of its own: such a thread stays unnamed. Linux
   only for now (elsewhere every such thread stays unnamed). */
static CTRACE__NOINSTR size_t ctrace__os_thread_name(const ctrace__tstate *t, char *out, size_t cap) {
  size_t n = 0;
  out[0] = 0;
#if defined(__linux__)
  if (t->os_tid == (uint64_t)getpid()) {
    char prog[256];
    const char *base = prog, *c;
    ctrace__program_name(prog, sizeof prog);
    for (c = prog; *c; c++)
      if (*c == '/') base = c + 1;
    if (*base) {
      n = strlen(base) < cap - 1 ? strlen(base) : cap - 1;
      memcpy(out, base, n);
      out[n] = 0;
    } else n = ctrace__read_line("/proc/self/comm", out, cap);
  } else {
    char path[64], process[64];
    ctrace__task_file(path, t->os_tid, "comm");
    n = ctrace__read_line(path, out, cap);
    if (n && ctrace__read_line("/proc/self/comm", process, sizeof process) == n && memcmp(process, out, n) == 0)
      n = 0;
    out[n] = 0;
  }
#else
  (void)t; (void)cap;
#endif
  return n;
}

CTRACE__COLD CTRACE__NOINSTR void ctrace__def_thread(const ctrace__tstate *t) {
  char os_name[256];
  const char *name = t->name;
  size_t n = name ? strlen(name) : ctrace__os_thread_name(t, os_name, sizeof os_name);
  uint8_t *p;
  if (!name) name = os_name;
  ctrace__lock(&ctrace__g.intern_lock);
  if (ctrace__defs_reserve(1 + 10 * 3 + n) == 0) {
    p = ctrace__g.defs + ctrace__g.defs_len;
    *p++ = CTRACE__DEF_THREAD;
    p = ctrace__put_varint(p, t->tid);
    p = ctrace__put_varint(p, t->os_tid);
    p = ctrace__put_varint(p, n);
    if (n) memcpy(p, name, n);
    p += n;
    ctrace__g.defs_len = (size_t)(p - ctrace__g.defs);
  }
  ctrace__unlock(&ctrace__g.intern_lock);
}

static CTRACE__NOINSTR CTRACE__RARE char *ctrace__strndup(const char *s, size_t n) {
  char *c = (char *)CTRACE_MEM_ALLOC(n + 1);
  if (!c) return NULL;
  memcpy(c, s, n);
  c[n] = 0;
  return c;
}

CTRACE__COLD int ctrace__slots_grow(void) {
  uint32_t cap = ctrace__g.cap_slots ? ctrace__g.cap_slots * 2 : 1024, i;
  uint32_t *slots = (uint32_t *)CTRACE_MEM_ALLOC(sizeof(uint32_t) * cap);
  if (!slots) return -1;
  memset(slots, 0, sizeof(uint32_t) * cap);
  for (i = 0; i < ctrace__g.n_sites; i++) {
    uint32_t h = (uint32_t)ctrace__g.sites[i].hash & (cap - 1);
    while (slots[h]) h = (h + 1) & (cap - 1);
    slots[h] = i + 1;
  }
  CTRACE_MEM_FREE(ctrace__g.site_slots);
  ctrace__g.site_slots = slots;
  ctrace__g.cap_slots = cap;
  return 0;
}

/* The id of the site (name, file, line); 0 only when memory runs out. */
CTRACE__COLD CTRACE__NOINSTR uint32_t ctrace__site_intern(const char *name, size_t name_len, const char *file, uint32_t line) {
  uint64_t h;
  uint32_t slot, id = 0;
  size_t file_len;
  ctrace__site_entry *e;
  if (!name) name = "";
  if (!file) file = "";
  if (name_len > CTRACE__MAX_NAME) name_len = CTRACE__MAX_NAME;
  file_len = strlen(file);
  if (file_len > CTRACE__MAX_NAME) file_len = CTRACE__MAX_NAME;
  h = ctrace__hash_bytes(name, name_len, ctrace__hash_bytes(file, file_len, line));
  ctrace__lock(&ctrace__g.intern_lock);
  if (ctrace__g.cap_slots == 0 && ctrace__slots_grow()) goto done;
  for (slot = (uint32_t)h & (ctrace__g.cap_slots - 1);; slot = (slot + 1) & (ctrace__g.cap_slots - 1)) {
    uint32_t cand = ctrace__g.site_slots[slot];
    if (!cand) break;
    e = &ctrace__g.sites[cand - 1];
    if (e->hash == h && e->line == line && e->name_len == name_len && e->file_len == file_len &&
        memcmp(e->name, name, name_len) == 0 && memcmp(e->file, file, file_len) == 0) {
      id = cand;
      goto done;
    }
  }
  if (ctrace__g.n_sites == ctrace__g.cap_sites) {
    uint32_t cap = ctrace__g.cap_sites ? ctrace__g.cap_sites * 2 : 256;
    ctrace__site_entry *n = (ctrace__site_entry *)CTRACE_MEM_REALLOC(ctrace__g.sites, sizeof *n * cap);
    if (!n) goto done;
    ctrace__g.sites = n;
    ctrace__g.cap_sites = cap;
  }
  e = &ctrace__g.sites[ctrace__g.n_sites];
  e->hash = h;
  e->line = line;
  e->name_len = (uint32_t)name_len;
  e->file_len = (uint32_t)file_len;
  e->name = ctrace__strndup(name, name_len);
  e->file = ctrace__strndup(file, file_len);
  if (!e->name || !e->file) {
    CTRACE_MEM_FREE(e->name);
    CTRACE_MEM_FREE(e->file);
    goto done;
  }
  id = ++ctrace__g.n_sites;
  if ((ctrace__g.n_sites * 2 > ctrace__g.cap_slots) && ctrace__slots_grow()) {
    /* the slot table could not grow: keep the old one, it still has room */
  }
  for (slot = (uint32_t)h & (ctrace__g.cap_slots - 1); ctrace__g.site_slots[slot];
       slot = (slot + 1) & (ctrace__g.cap_slots - 1)) {}
  ctrace__g.site_slots[slot] = id;
  if (ctrace__g.running) ctrace__def_site(id, e);
done:
  ctrace__unlock(&ctrace__g.intern_lock);
  return id;
}

/* Dynamic names: a small per-thread cache keyed by site and text, so a name
   built in a buffer costs a hash and a compare, and a buffer reused with
   other text gives another name. */
static CTRACE__NOINSTR uint32_t ctrace__dynamic_id(ctrace__tstate *t, const char *file, uint32_t line, const char *name) {
  size_t len;
  uint64_t h;
  ctrace__dyn *c;
  if (!name) name = "";
  len = strlen(name);
  if (len > CTRACE__MAX_NAME) len = CTRACE__MAX_NAME;
  h = ctrace__hash_bytes(name, len, (uint64_t)(uintptr_t)file * 31u + line);
  c = &t->cache[h & (CTRACE__DYN_CACHE - 1)];
  if (c->id && c->hash == h && c->file == file && c->line == line && c->len == len &&
      memcmp(c->text, name, len) == 0)
    return c->id;
  c->id = ctrace__site_intern(name, len, file, line);
  if (c->id) {
    c->hash = h;
    c->file = file;
    c->line = line;
    c->len = (uint32_t)len;
    c->text = ctrace__g.sites[c->id - 1].name; /* never moves: entries own their text */
  }
  return c->id;
}

CTRACE__COLD uint32_t ctrace__site_id(ctrace__tstate *t, ctrace_site *site, const char *name, int literal) {
  uint32_t id;
  if (!literal) return ctrace__dynamic_id(t, site->file, site->line, name);
  id = ctrace__site_intern(name, name ? strlen(name) : 0, site->file, site->line);
  ctrace__store_relaxed(&site->id, id);
  return id;
}

/* ---- buffers ---- */

static CTRACE__NOINSTR ctrace__buf *ctrace__buf_new(uint32_t cap) {
  size_t head = (sizeof(ctrace__buf) + 15) & ~(size_t)15;
  uint8_t *m = (uint8_t *)CTRACE_MEM_ALLOC(head + CTRACE__CHUNK_HEADER + cap);
  ctrace__buf *b;
  if (!m) return NULL;
  b = (ctrace__buf *)(void *)m;
  memset(b, 0, sizeof *b);
  b->mem = m + head + CTRACE__CHUNK_HEADER;
  b->data = b->mem;
  b->cap = cap;
  return b;
}

/* A buffer for a thread or a steal. Called with q_lock held. A thread that
   may wait waits while too many chunks are queued (the writer is behind),
   unless the writer failed, so memory stays bounded. */
static CTRACE__NOINSTR ctrace__buf *ctrace__buf_get_locked(int may_wait) {
  ctrace__buf *b;
  while (may_wait && ctrace__g.running && !ctrace__g.stopping && ctrace__g.writer_running &&
         ctrace__g.queued >= ctrace__g.cfg.max_buffers) {
    ctrace__g.writer_wake = 1;
    ctrace__cond_signal_all(&ctrace__g.q_cond);
    ctrace__cond_wait_ms(&ctrace__g.q_cond, &ctrace__g.q_lock, 10);
  }
  b = ctrace__g.free_list;
  if (b && b->cap == ctrace__g.cfg.buffer_size) {
    ctrace__g.free_list = b->next;
  } else {
    b = ctrace__buf_new(ctrace__g.cfg.buffer_size);
    if (!b) return NULL;
  }
  b->next = NULL;
  b->data = b->mem;
  b->len = 0;
  b->flags = 0;
  ctrace__g.buffers_out++;
  return b;
}

static CTRACE__NOINSTR void ctrace__buf_put_locked(ctrace__buf *b) {
  ctrace__g.buffers_out--;
  if (!ctrace__g.running || b->cap != ctrace__g.cfg.buffer_size) { /* no session, or another size */
    CTRACE_MEM_FREE(b);
    return;
  }
  b->next = ctrace__g.free_list;
  ctrace__g.free_list = b;
}

static CTRACE__NOINSTR uint64_t ctrace__count_events(const uint8_t *p, uint32_t len, uint64_t *last_dt_sum) {
  const uint8_t *end = p + len;
  uint64_t n = 0, dt, sum = 0;
  while (p < end && (p = ctrace__event_skip(p, end, &dt)) != NULL) {
    n++;
    sum += dt;
  }
  if (last_dt_sum) *last_dt_sum = sum;
  return n;
}

static CTRACE__NOINSTR void ctrace__enqueue_locked(ctrace__buf *b) {
  b->enq_ns = ctrace__mono_ns();
  if (ctrace__g.q_tail) ctrace__g.q_tail->next = b; else ctrace__g.q_head = b;
  ctrace__g.q_tail = b;
  ctrace__g.queued++;
  if (ctrace__g.queued >= 4) ctrace__cond_signal_all(&ctrace__g.q_cond);
}

static void ctrace__chunk_header(ctrace__buf *b);
CTRACE__COLD void ctrace__write_defs(int fd);
static void ctrace__write_chunk(int fd, ctrace__buf *b);
static void ctrace__drain(void);

/* Whether a chunk of thread t is written now by the caller rather than
   queued for the writer thread: 0 queue it, 1 write it, 2 write what is
   queued first (ctrace__drain), then it. Called with t->lock held; `full`
   says the thread filled its buffer (AUTO counts those). Per-thread order:
   t's chunks enter the queue only under t->lock, which the caller holds,
   so once the queue has been drained none of them waits there; one that a
   drain has taken is written under file_lock, which the direct write waits
   for. */
static CTRACE__NOINSTR int ctrace__write_here(const ctrace__tstate *t, int full) {
  int here = 0;
  ctrace__lock(&ctrace__g.q_lock);
  if (ctrace__g.running && !ctrace__g.stopping && t->session == ctrace__g.session &&
      ctrace__g.write_mode != CTRACE_WRITE_WRITER && !ctrace__g.flight) {
    here = 1;
    if (ctrace__g.write_mode == CTRACE_WRITE_AUTO) {
      uint64_t now = ctrace__mono_ns();
      uint32_t i, j, busy = 0;
      if (full) {
        ctrace__g.recent[ctrace__g.recent_next].tid = t->tid;
        ctrace__g.recent[ctrace__g.recent_next].ns = now;
        ctrace__g.recent_next = (ctrace__g.recent_next + 1) % CTRACE__RECENT;
      }
      /* distinct threads among the recent full buffers */
      for (i = 0; i < CTRACE__RECENT && busy < ctrace__g.ncpu; i++) {
        if (!ctrace__g.recent[i].tid || now - ctrace__g.recent[i].ns > CTRACE__BUSY_NS) continue;
        for (j = 0; j < i; j++)
          if (ctrace__g.recent[j].tid == ctrace__g.recent[i].tid && now - ctrace__g.recent[j].ns <= CTRACE__BUSY_NS)
            break;
        if (j == i) busy++;
      }
      here = busy >= ctrace__g.ncpu;
    }
    if (here && ctrace__g.queued) here = 2; /* chunks handed over before the threads got busy */
  }
  ctrace__unlock(&ctrace__g.q_lock);
  return here;
}

/* Checksum, header and one write, by the calling thread (after the queued
   chunks when here is 2). Called with the chunk's thread's lock held (its
   order, see above). */
static CTRACE__NOINSTR void ctrace__write_now(ctrace__buf *b, int by_owner, int here) {
  if (here == 2) ctrace__drain();
  ctrace__chunk_header(b); /* outside file_lock: threads checksum in parallel */
  ctrace__lock(&ctrace__g.file_lock);
  ctrace__write_defs(ctrace__g.fd); /* names the chunk uses, first */
  ctrace__write_chunk(ctrace__g.fd, b);
  if (by_owner) ctrace__g.chunks_by_threads++;
  ctrace__unlock(&ctrace__g.file_lock);
}

/* Hand the thread's unwritten events to the queue as a chunk, or write them
   here (ctrace__write_here). Called with t->lock held. Returns 1 if the
   buffer itself went (the caller must give the thread a new one). */
static CTRACE__NOINSTR int ctrace__seal_locked(ctrace__tstate *t, int flags, int full) {
  ctrace__buf *b = t->buf;
  int live, here;
  if (!b) return 0;
  if (t->pos == t->copied && !flags) {
    t->pos = t->copied = b->mem;
    return 0;
  }
  if ((here = ctrace__write_here(t, full)) != 0) {
    /* The chunk's header goes in the bytes before t->copied: room kept
       before the buffer, or events a steal already wrote. */
    b->type = CTRACE__CH_EVENTS;
    b->flags = (uint8_t)flags;
    b->tid = t->tid;
    b->seq = t->seq++;
    b->base_ts = t->copied_ts;
    b->data = t->copied;
    b->len = (uint32_t)(t->pos - t->copied);
    ctrace__write_now(b, 1, here);
    b->data = b->mem;
    b->len = 0;
    b->flags = 0;
    t->pos = t->copied = b->mem; /* the thread keeps its buffer */
    t->copied_ts = t->last_ts;
    return 0;
  }
  b->type = CTRACE__CH_EVENTS;
  b->flags = (uint8_t)flags;
  b->tid = t->tid;
  b->seq = t->seq++;
  b->base_ts = t->copied_ts;
  b->data = t->copied;
  b->len = (uint32_t)(t->pos - t->copied);
  t->buf = NULL;
  ctrace__store_relaxed(&t->limit, (uintptr_t)0);
  t->pos = t->copied = NULL;
  t->copied_ts = t->last_ts;
  ctrace__lock(&ctrace__g.q_lock);
  live = ctrace__g.running && t->session == ctrace__g.session;
  if (live) {
    ctrace__enqueue_locked(b);
  } else {
    ctrace__buf_put_locked(b);
  }
  ctrace__unlock(&ctrace__g.q_lock);
  return 1;
}

/* Copy out what an idle thread has recorded, leaving its buffer in place. */
static CTRACE__NOINSTR void ctrace__steal(ctrace__tstate *t) {
  uint8_t *end;
  ctrace__buf *nb;
  uint64_t dts = 0;
  uint32_t len;
  int here;
  ctrace__lock(&t->lock);
  if (t->buf && t->session == ctrace__g.session) {
    end = ctrace__load_acquire(&t->pos);
    if (end > t->copied && (here = ctrace__write_here(t, 0)) != 0) {
      /* Written in place: the owner only appends past `end`, and the
         header goes in bytes already written (or the room before them). */
      ctrace__buf c;
      memset(&c, 0, sizeof c);
      c.data = t->copied;
      c.len = (uint32_t)(end - t->copied);
      c.type = CTRACE__CH_EVENTS;
      c.tid = t->tid;
      c.seq = t->seq++;
      c.base_ts = t->copied_ts;
      ctrace__count_events(c.data, c.len, &dts);
      ctrace__write_now(&c, 0, here);
      t->copied_ts += dts;
      t->copied = end;
    } else if (end > t->copied) {
      len = (uint32_t)(end - t->copied);
      ctrace__lock(&ctrace__g.q_lock);
      nb = ctrace__buf_get_locked(0);
      if (nb) {
        memcpy(nb->mem, t->copied, len);
        nb->len = len;
        nb->type = CTRACE__CH_EVENTS;
        nb->tid = t->tid;
        nb->seq = t->seq++;
        nb->base_ts = t->copied_ts;
        ctrace__enqueue_locked(nb);
        ctrace__count_events(nb->mem, len, &dts);
        t->copied_ts += dts;
        t->copied = end;
      }
      ctrace__unlock(&ctrace__g.q_lock);
    }
  }
  ctrace__unlock(&t->lock);
}

static CTRACE__NOINSTR void ctrace__steal_all(void) {
  ctrace__tstate *t;
  ctrace__lock(&ctrace__g.reg_lock);
  for (t = ctrace__g.states; t; t = t->next)
    if (t->session == ctrace__g.session) ctrace__steal(t);
  ctrace__unlock(&ctrace__g.reg_lock);
}

/* Give the thread a fresh buffer (it has none). May wait for the writer,
   unless it is the writer. */
static CTRACE__NOINSTR void ctrace__install_buffer(ctrace__tstate *t) {
  ctrace__buf *b;
  ctrace__lock(&ctrace__g.q_lock);
  b = ctrace__buf_get_locked(!ctrace__is_writer);
  ctrace__unlock(&ctrace__g.q_lock);
  ctrace__lock(&t->lock);
  if (b && ctrace__g.running && t->session == ctrace__g.session && !t->buf) {
    t->buf = b;
    t->pos = t->copied = b->mem;
    t->copied_ts = t->last_ts;
    ctrace__store_relaxed(&t->limit, (uintptr_t)(b->mem + b->cap));
    b = NULL;
  }
  ctrace__unlock(&t->lock);
  if (b) {
    ctrace__lock(&ctrace__g.q_lock);
    ctrace__buf_put_locked(b);
    ctrace__unlock(&ctrace__g.q_lock);
  }
}

static void ctrace__blocks_init(ctrace__tstate *t);

CTRACE__COLD ctrace__tstate *ctrace__state_create(void) {
  ctrace__tstate *t;
  ctrace__once();
  t = (ctrace__tstate *)CTRACE_MEM_ALLOC(sizeof *t);
  if (!t) return NULL;
  memset(t, 0, sizeof *t);
  ctrace__blocks_init(t);
  ctrace__mutex_init(&t->lock);
  t->os_tid = ctrace__os_thread_id();
  ctrace__cpu_clock_self(&t->cpu_clock);
  ctrace__lock(&ctrace__g.reg_lock);
  t->next = ctrace__g.states;
  if (t->next) t->next->prev = t;
  ctrace__g.states = t;
  ctrace__unlock(&ctrace__g.reg_lock);
  ctrace__tls = t;
#if defined(_WIN32)
  FlsSetValue(ctrace__g.fls, t);
#else
  pthread_setspecific(ctrace__g.key, t);
#endif
  return t;
}

static CTRACE__NOINSTR ctrace__tstate *ctrace__state(void) {
  ctrace__tstate *t = ctrace__tls;
  return t ? t : ctrace__state_create();
}

/* Join the running session: a thread id, the thread's definition, a buffer. */
static CTRACE__NOINSTR void ctrace__join_session(ctrace__tstate *t) {
  ctrace__buf *old = NULL;
  int joined = 0;
  ctrace__lock(&ctrace__g.reg_lock);
  ctrace__lock(&t->lock);
  if (ctrace__g.running && !ctrace__g.stopping) {
    old = t->buf;
    t->buf = NULL;
    t->session = ctrace__g.session;
    t->tid = ++ctrace__g.next_tid;
    t->seq = 0;
    t->last_ts = t->copied_ts = ctrace__g.tsc0;
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
    t->fn_pending = 0; /* held back in an earlier session */
    t->fn_depth = 0;   /* calls begun before this session end unrecorded */
#endif
    joined = 1;
  }
  ctrace__unlock(&t->lock);
  ctrace__unlock(&ctrace__g.reg_lock);
  if (old) {
    ctrace__lock(&ctrace__g.q_lock);
    ctrace__g.buffers_out++; /* it was counted when made; put_locked uncounts */
    ctrace__buf_put_locked(old);
    ctrace__unlock(&ctrace__g.q_lock);
  }
  if (joined) {
    ctrace__def_thread(t);
    ctrace__install_buffer(t);
  }
}

static void ctrace__cpu_sample_self(ctrace__tstate *t, size_t need);

/* Everything that is not the common case: first event of a thread or of a
   session, a full buffer, a stopped session. Returns the state ready for
   `need` bytes, or NULL (the event is dropped: no session). */
CTRACE__COLD ctrace__tstate *ctrace__slow(size_t need) {
  ctrace__tstate *t = ctrace__state();
  int sealed;
  if (!t || !ctrace__load_acquire(&ctrace__active)) return NULL; /* pairs with start's release */
  if (need > ctrace__g.cfg.buffer_size) return NULL;
  if (t->session != ctrace__g.session) {
    ctrace__join_session(t);
    if (t->buf && t->session == ctrace__g.session) ctrace__cpu_sample_self(t, need);
  } else {
    uint64_t t0 = ctrace__mono_ns();
    ctrace__lock(&t->lock);
    sealed = ctrace__seal_locked(t, 0, 1);
    ctrace__unlock(&t->lock);
    if (sealed || !t->buf) ctrace__install_buffer(t);
    ctrace__add_u64(&ctrace__g.full_buffer_ns, ctrace__mono_ns() - t0);
    ctrace__add_u64(&ctrace__g.full_buffers, 1);
  }
  if (t->buf && (uintptr_t)t->pos + need <= ctrace__load_relaxed(&t->limit)) return t;
  return NULL;
}

#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define CTRACE__UNLIKELY(x) (x)
#endif

/* Ready for `need` more bytes in this thread's buffer, or NULL. */
CTRACE__HOT ctrace__tstate *ctrace__ready(size_t need) {
  ctrace__tstate *t = ctrace__tls;
  if (t && (uintptr_t)t->pos + need <= ctrace__load_relaxed(&t->limit)) return t;
  return ctrace__slow(need);
}

/* Kind byte and time delta of a new event stamped `now`; returns where its
   fields go. */
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
/* Writes the begin of the function call held back by the minimum duration:
   an event is about to be recorded inside it, so it is kept. */
CTRACE__COLD void ctrace__fn_flush(ctrace__tstate *t) {
  uint8_t *p = t->pos;
  uint64_t ts = t->fn_pending_ts;
  if (ts < t->last_ts) ts = t->last_ts;
  *p = CTRACE_EV_ZONE_BEGIN;
  p = ctrace__put_varint(p + 1, ts - t->last_ts);
  t->last_ts = ts;
  p = ctrace__put_varint(p, t->fn_pending);
  t->fn_pending = 0;
  ctrace__store_release(&t->pos, p);
}
#endif

CTRACE__HOT uint8_t *ctrace__event_head_at(ctrace__tstate *t, uint8_t kind, uint64_t now) {
  uint8_t *p;
  uint64_t d;
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
  if (CTRACE__UNLIKELY(t->fn_pending != 0)) ctrace__fn_flush(t);
#endif
  p = t->pos;
  if (now < t->last_ts) now = t->last_ts; /* a counter read on another core may lag a little */
  d = now - t->last_ts;
  t->last_ts = now;
  *p = kind;
  return ctrace__put_varint(p + 1, d);
}

/* With the session's clock. */
CTRACE__HOT uint8_t *ctrace__event_head(ctrace__tstate *t, uint8_t kind) {
  return ctrace__event_head_at(t, kind, ctrace__now());
}

/* When the CPU counter is the clock: no branch, no call. */
CTRACE__HOT uint8_t *ctrace__event_head_cpu(ctrace__tstate *t, uint8_t kind) {
  return ctrace__event_head_at(t, kind, ctrace__cpu_ticks());
}

CTRACE__HOT void ctrace__event_commit(ctrace__tstate *t, uint8_t *p) { ctrace__store_release(&t->pos, p); }

/* CPU samples (CTRACE_EV_THREAD_CPU) are sized: the measured thread's id,
   its CPU ns and, where known, how long it waited for a core. Written by
   the writer thread for every recording thread, and by a thread for itself
   as it joins a session (the base its first period is measured from) and as
   it exits (its last), through ctrace__site_event (below). */
static int ctrace__site_event(ctrace_site *site, const char *name, int literal, uint8_t kind, const uint64_t *v, int n);

/* Room for a CPU sample besides the event about to be written. */
#define CTRACE__CPU_EVENT_MAX CTRACE__MAX_FIXED_EVENT /* what ctrace__site_event asks */

CTRACE__COLD CTRACE__SMALL void ctrace__cpu_sample_self(ctrace__tstate *t, size_t need) {
  uint64_t v[3];
  if (ctrace__g.cfg.cpu_sample_ms == CTRACE_CPU_SAMPLE_OFF) return;
  if ((uintptr_t)t->pos + need + CTRACE__CPU_EVENT_MAX > ctrace__load_relaxed(&t->limit)) return;
  if (ctrace__cpu_clock_read(&t->cpu_clock, &v[1]) != 0) return;
  v[0] = t->tid;
  ctrace__site_event(NULL, NULL, 0, CTRACE_EV_THREAD_CPU, v, ctrace__run_delay(t->os_tid, &v[2]) == 0 ? 3 : 2);
}

/* ---- the instrumentation entry points ---- */


/* Zones are the hottest path of all. Their fast paths call nothing, so the
   compiler saves no registers; every other case is a tail call to the
   general version. */
CTRACE__COLD int ctrace__zone_begin_general(ctrace_site *site, const char *name, int name_is_literal) {
  ctrace__tstate *t;
  uint32_t id;
  uint8_t *p;
  if (!CTRACE__ON() || !(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT))) return 0;
  id = name_is_literal ? ctrace__load_relaxed(&site->id) : 0;
  if (!id && !(id = ctrace__site_id(t, site, name, name_is_literal))) return 0;
  p = ctrace__event_head(t, CTRACE_EV_ZONE_BEGIN);
  ctrace__event_commit(t, ctrace__put_varint(p, id));
  return 1;
}

CTRACE_API CTRACE__NOINSTR CTRACE__LINE_ALIGNED int ctrace_zone_begin(ctrace_site *site, const char *name, int name_is_literal) {
  ctrace__tstate *t = ctrace__tls;
  uint32_t id;
  if (CTRACE__UNLIKELY(!t || !name_is_literal || !CTRACE__ON() || !ctrace__g.use_cpu_clock ||
                       (uintptr_t)t->pos + CTRACE__MAX_FIXED_EVENT > ctrace__load_relaxed(&t->limit) ||
                       !(id = ctrace__load_relaxed(&site->id))))
    return ctrace__zone_begin_general(site, name, name_is_literal);
  ctrace__event_commit(t, ctrace__put_varint(ctrace__event_head_cpu(t, CTRACE_EV_ZONE_BEGIN), id));
  return 1;
}

CTRACE__COLD void ctrace__zone_end_general(void) {
  ctrace__tstate *t;
  if (!CTRACE__ON() || !(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT))) return;
  ctrace__event_commit(t, ctrace__event_head(t, CTRACE_EV_ZONE_END));
}

CTRACE_API CTRACE__NOINSTR CTRACE__LINE_ALIGNED void ctrace_zone_end(void) {
  ctrace__tstate *t = ctrace__tls;
  if (CTRACE__UNLIKELY(!t || !CTRACE__ON() || !ctrace__g.use_cpu_clock ||
                       (uintptr_t)t->pos + CTRACE__MAX_FIXED_EVENT > ctrace__load_relaxed(&t->limit))) {
    ctrace__zone_end_general();
    return;
  }
  ctrace__event_commit(t, ctrace__event_head_cpu(t, CTRACE_EV_ZONE_END));
}

/* Every event but zones, allocations and logs takes this one path (one
   copy of the checks and the time stamp, not one per entry point: README's
   drop-in size): the name's id when there is a site (a made-up one for a
   name at a file and line), then n varints from v (at most 3), or with
   CTRACE__F64 v[0]'s 8 bytes (a double's). A sized kind (64 and up) gets its
   length, which these few fields keep to one byte. 1 if the event was
   written. */
#define CTRACE__F64 (-1)
CTRACE__SHARED int ctrace__site_event(ctrace_site *site, const char *name, int literal, uint8_t kind,
                                      const uint64_t *v, int n) {
  ctrace__tstate *t;
  uint64_t f[4]; /* the varints: the id, then v's */
  uint8_t *p, *len = NULL;
  int i, k = 0;
  if (!CTRACE__ON() || !(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT))) return 0;
  if (site) {
    f[0] = literal ? ctrace__load_relaxed(&site->id) : 0;
    if (!f[0] && !(f[0] = ctrace__site_id(t, site, name, literal))) return 0;
    k = 1;
  }
  CTRACE__ROLLED
  for (i = 0; i < n; i++) f[k++] = v[i];
  p = ctrace__event_head(t, kind);
  if (kind & CTRACE__KIND_SIZED) len = p++;
  CTRACE__ROLLED
  for (i = 0; i < k; i++) p = ctrace__put_varint(p, f[i]);
  if (n == CTRACE__F64) {
    ctrace__put_u64(p, v[0]);
    p += 8;
  }
  if (len) *len = (uint8_t)(p - len - 1);
  ctrace__event_commit(t, p);
  return 1;
}

CTRACE_API CTRACE__NOINSTR void ctrace_instant(ctrace_site *site, const char *name, int name_is_literal) {
  ctrace__site_event(site, name, name_is_literal, CTRACE_EV_INSTANT, NULL, 0);
}

CTRACE_API CTRACE__NOINSTR void ctrace_counter(ctrace_site *site, const char *name, int name_is_literal, int64_t value) {
  uint64_t v = ctrace__zigzag(value);
  ctrace__site_event(site, name, name_is_literal, CTRACE_EV_COUNTER, &v, 1);
}

CTRACE_API CTRACE__NOINSTR void ctrace_counter_f(ctrace_site *site, const char *name, int name_is_literal, double value) {
  uint64_t bits;
  memcpy(&bits, &value, 8);
  ctrace__site_event(site, name, name_is_literal, CTRACE_EV_COUNTER_F, &bits, CTRACE__F64);
}

/* The message is formatted straight into the thread's buffer, behind a
   three-byte length (a padded varint, so its size is known in advance). */
CTRACE_API CTRACE__NOINSTR void ctrace_log(ctrace_site *site, const char *category, int category_is_literal, const char *fmt, ...) {
  ctrace__tstate *t;
  uint32_t id, room, max_msg;
  uint8_t *p, *lenp;
  va_list ap;
  int n;
  char small[1];
  if (!CTRACE__ON() || !fmt) return;
  max_msg = ctrace__g.cfg.buffer_size - CTRACE__MAX_FIXED_EVENT - 5; /* room for vsnprintf's NUL */
  if (max_msg > (1u << 21) - 1) max_msg = (1u << 21) - 1;
  va_start(ap, fmt);
  n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((uint32_t)n > max_msg) n = (int)max_msg;
  if (!(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT + 4 + (size_t)n + 1))) return;
  id = category_is_literal ? ctrace__load_relaxed(&site->id) : 0;
  if (!id && !(id = ctrace__site_id(t, site, category, category_is_literal))) return;
  p = ctrace__put_varint(ctrace__event_head(t, CTRACE_EV_LOG), id);
  lenp = p;
  p += 3;
  room = (uint32_t)n + 1;
  va_start(ap, fmt);
  vsnprintf((char *)p, room, fmt, ap); /* writes n bytes and a NUL we do not keep */
  va_end(ap);
  lenp[0] = (uint8_t)(0x80 | (n & 0x7f));
  lenp[1] = (uint8_t)(0x80 | ((n >> 7) & 0x7f));
  lenp[2] = (uint8_t)((n >> 14) & 0x7f);
  ctrace__event_commit(t, p + n);
}

CTRACE_API CTRACE__NOINSTR CTRACE__RARE void ctrace_thread_name(const char *name) {
  ctrace__tstate *t = ctrace__state();
  char *copy;
  if (!t || !name) return;
  copy = ctrace__strndup(name, strlen(name) > 4096 ? 4096 : strlen(name));
  if (!copy) return;
  ctrace__lock(&t->lock);
  CTRACE_MEM_FREE(t->name);
  t->name = copy;
  ctrace__unlock(&t->lock);
  if (CTRACE__ON() && t->session == ctrace__g.session) ctrace__def_thread(t);
}

CTRACE_API CTRACE__NOINSTR uint64_t ctrace_task_begin(const char *name, const char *file, int line) {
  ctrace_site at; /* the name's id by file and line, as for any name made at run time */
  uint64_t task;
  if (!CTRACE__ON()) return 0;
  at.file = file;
  at.line = (uint32_t)line;
  at.id = 0;
  task = ctrace__add_u64(&ctrace__g.next_task, 1); /* a number a dropped event used is never missed */
  return ctrace__site_event(&at, name, 0, CTRACE_EV_TASK_BEGIN, &task, 1) ? task : 0;
}

CTRACE_API CTRACE__NOINSTR void ctrace_task_end(uint64_t id) {
  if (id) ctrace__site_event(NULL, NULL, 0, CTRACE_EV_TASK_END, &id, 1);
}

CTRACE_API CTRACE__NOINSTR void ctrace_gc_begin(ctrace_site *site, const char *reason, int reason_is_literal) {
  ctrace__tstate *t = ctrace__state();
  if (t) t->gc_begin_ns = ctrace__mono_ns();
  ctrace__site_event(site, reason ? reason : "", reason_is_literal, CTRACE_EV_GC_BEGIN, NULL, 0);
}

CTRACE_API CTRACE__NOINSTR void ctrace_gc_end(void) {
  ctrace__tstate *t = ctrace__state();
  if (t && t->gc_begin_ns) {
    uint64_t pause = ctrace__mono_ns() - t->gc_begin_ns;
    t->gc_begin_ns = 0;
    ctrace__add_u64(&ctrace__g.ms_pause, pause);
    ctrace__add_u64(&ctrace__g.ms_num_gc, 1);
    ctrace__store_relaxed(&ctrace__g.ms_last_gc, ctrace__wall_ns());
  }
  ctrace__site_event(NULL, NULL, 0, CTRACE_EV_GC_END, NULL, 0);
}

/* Waits are sized kinds (README: kinds 64-254 carry their length), so a
   reader that predates them skips them. */
CTRACE_API CTRACE__NOINSTR void ctrace_wait_begin(ctrace_site *site, const char *what, int what_is_literal) {
  ctrace__site_event(site, what ? what : "", what_is_literal, CTRACE_EV_WAIT_BEGIN, NULL, 0);
}

CTRACE_API CTRACE__NOINSTR void ctrace_wait_begin_at(const char *what, const char *file, int line) {
  ctrace_site at; /* as ctrace_task_begin's */
  at.file = file ? file : "";
  at.line = (uint32_t)line;
  at.id = 0;
  ctrace__site_event(&at, what ? what : "", 0, CTRACE_EV_WAIT_BEGIN, NULL, 0);
}

CTRACE_API CTRACE__NOINSTR void ctrace_wait_end(void) {
  ctrace__site_event(NULL, NULL, 0, CTRACE_EV_WAIT_END, NULL, 0);
}

/* >>memory ====================================================================
   ctrace_malloc & co keep their blocks' sizes in a header (see "ctrace's own
   blocks" below). Blocks the program allocated itself and recorded
   (ctrace_malloc_record, CTRACE_ALLOC) are in the table of the thread that
   recorded them: the key is the address, the value the size.

   The owner thread inserts and removes with plain loads and stores, no lock
   and no atomic read-modify-write: that is what keeps ctrace_malloc +
   ctrace_free close to malloc + free. A block freed by another thread is
   found by searching the other tables, each under its lock, and marked
   freed in place (its key gets the low bit, by compare-and-swap). Such a
   search stays right while the owner works without the lock because no key
   ever moves outside a rebuild, and rebuilds take the lock: a removal
   leaves a tombstone (a key with the low bit set, like a remote free's
   mark), an insertion fills an empty slot or a tombstone, and neither
   hides a live key from a probe. Tombstones go when the table is rebuilt,
   which it is when live keys and tombstones fill half of it.
   A table outlives its thread: an exiting thread leaves it to the next new
   thread, with the blocks still live in it. Tables are never freed. */

typedef struct ctrace__blockslot {
  volatile uintptr_t key;      /* 0 = empty; low bit set = a tombstone */
  volatile uint64_t size;
} ctrace__blockslot;

typedef struct ctrace__btable {
  ctrace__blockslot *slots;
  uint32_t mask, count;        /* mask: slots - 1 (a power of two); count: slots not empty (tombstones too) */
  uint32_t full;               /* count that calls for a rebuild: half the slots */
  uint64_t mul;                /* home slot: see ctrace__block_home */
  volatile long lock;          /* searches by other threads, rebuilds */
  struct ctrace__btable *next; /* every table, newest first */
  struct ctrace__btable *next_spare; /* tables no thread owns, under reg_lock */
} ctrace__btable;

#define CTRACE__FREED_MARK ((uintptr_t)1) /* the tombstone bit; a key's low bits are alignment */

static ctrace__btable *volatile ctrace__tables;  /* every table; only ever prepended */
/* A new table's slots until its first insert: one empty slot, so that a
   lookup needs no test for a table with no slots. Never written. */
static ctrace__blockslot ctrace__no_slots[1];
/* Every thread's table until it first needs one of its own: no slots, and
   full, so the fast paths need no test for a missing table. */
static ctrace__btable ctrace__no_table = {ctrace__no_slots, 0, 0, 0, 1, 0, NULL, NULL};
static ctrace__btable *ctrace__spare_tables;     /* under reg_lock */

/* The thread's copy of its table's shape. Only the owner changes a table's
   shape (a rebuild) or its table, so the copy is refreshed there. */
static CTRACE__NOINSTR void ctrace__blocks_seen(ctrace__tstate *t) {
  const ctrace__btable *b = t->blocks ? t->blocks : &ctrace__no_table;
  t->home_slots = b->slots;
  t->home_mul = b->mul;
  t->home_mask = b->mask;
}

/* Home slot. A table starts out by address: one slot per 64 bytes of
   address space, so blocks allocated together (and freed together) share
   cache lines of the table. Blocks packed closer than that, or spaced by a
   large power of two, would pile up into ever longer runs, so a probe
   longer than CTRACE__PROBE_LIMIT sends the table to a scattered home
   instead (multiplicative hashing) for good. The low four bits of an
   address are alignment (and the freed mark). Both homes are a multiply
   and a fixed shift: a shift by a variable would tie up the register the
   fast paths keep an argument in, and cost them a stack frame. */
#define CTRACE__PROBE_LIMIT 64u
#define CTRACE__HOME_NEAR_MUL ((uint64_t)1 << 30) /* (address / 16) * 2^30 / 2^32 = address / 64 */
#define CTRACE__HOME_SCATTER_MUL UINT64_C(0x9E3779B97F4A7C15)

CTRACE__HOT CTRACE__WRAPS uint32_t ctrace__home_index(uintptr_t k, uint64_t mul, uint32_t mask) {
  return (uint32_t)((((uint64_t)k >> 4) * mul) >> 32) & mask;
}

CTRACE__HOT uint32_t ctrace__block_home(const ctrace__btable *b, uintptr_t k) {
  return ctrace__home_index(k, b->mul, b->mask);
}

/* The lock is held: spin, now and then letting the holder run. Out of
   line, so the lock's every user does not carry a copy. */
CTRACE__COLD void ctrace__spin_wait(volatile long *lock) {
  unsigned spins = 0;
  while (!ctrace__spin_try(lock)) {
    if (++spins > 64) {
      ctrace__sleep_ms(0); /* let the holder run */
      spins = 0;
    }
  }
}

CTRACE__HOT void ctrace__spin_lock(volatile long *lock) {
  if (!ctrace__spin_try(lock)) ctrace__spin_wait(lock);
}

/* The calling thread's first table: adopted, or made. */
CTRACE__COLD ctrace__btable *ctrace__blocks_first(ctrace__tstate *t) {
  ctrace__btable *b;
  ctrace__lock(&ctrace__g.reg_lock);
  b = ctrace__spare_tables;
  if (b) {
    ctrace__spare_tables = b->next_spare;
  } else if ((b = (ctrace__btable *)CTRACE_MEM_ALLOC(sizeof *b)) != NULL) {
    memset(b, 0, sizeof *b);
    b->slots = ctrace__no_slots;
    b->mask = 0;
    b->mul = CTRACE__HOME_NEAR_MUL;
    b->next = ctrace__tables;
    ctrace__store_release(&ctrace__tables, b);
  }
  ctrace__unlock(&ctrace__g.reg_lock);
  t->blocks = b ? b : &ctrace__no_table;
  ctrace__blocks_seen(t);
  return b;
}

/* The calling thread's table, made or adopted on first use. */
CTRACE__HOT ctrace__btable *ctrace__blocks_of(ctrace__tstate *t) {
  return t->blocks != &ctrace__no_table ? t->blocks : ctrace__blocks_first(t);
}

static CTRACE__NOINSTR void ctrace__blocks_init(ctrace__tstate *t) {
  t->blocks = &ctrace__no_table;
  ctrace__blocks_seen(t);
}

/* Rebuild into cap slots with the given home, dropping tombstones. Owner
   only, under the table's lock. -1 if out of memory, -2 if a home by
   address gave a run longer than the probe limit (nothing changed). */
static CTRACE__NOINSTR CTRACE__RARE int ctrace__btable_rebuild(ctrace__btable *b, uint32_t cap, uint64_t mul) {
  ctrace__blockslot *slots = (ctrace__blockslot *)CTRACE_MEM_ALLOC(sizeof(ctrace__blockslot) * cap);
  ctrace__btable shape; /* the new home, for ctrace__block_home */
  uint32_t i, n = 0;
  if (!slots) return -1;
  memset(slots, 0, sizeof(ctrace__blockslot) * cap);
  memset(&shape, 0, sizeof shape);
  shape.mul = mul;
  shape.mask = cap - 1;
  for (i = 0; i <= b->mask; i++) {
    uintptr_t k = ctrace__load_relaxed(&b->slots[i].key);
    if (k && !(k & CTRACE__FREED_MARK)) {
      uint32_t j = ctrace__block_home(&shape, k), probes = 0;
      while (slots[j].key) {
        j = (j + 1) & (cap - 1);
        if (++probes > CTRACE__PROBE_LIMIT && mul == CTRACE__HOME_NEAR_MUL) {
          CTRACE_MEM_FREE(slots);
          return -2;
        }
      }
      slots[j].key = k;
      slots[j].size = ctrace__load_relaxed(&b->slots[i].size);
      n++;
    }
  }
  if (b->slots != ctrace__no_slots) CTRACE_MEM_FREE(b->slots);
  b->slots = slots;
  b->mask = cap - 1;
  b->count = n;
  b->full = cap / 2;
  b->mul = mul;
  if (ctrace__tls && ctrace__tls->blocks == b) ctrace__blocks_seen(ctrace__tls); /* the owner: see above */
  return 0;
}

/* Rebuild at cap, by address while that keeps runs short, else scattered. */
static CTRACE__NOINSTR int ctrace__btable_rebuild_locked(ctrace__btable *b, uint32_t cap, int scatter) {
  int rc = -2;
  ctrace__spin_lock(&b->lock);
  if (!scatter && b->mul == CTRACE__HOME_NEAR_MUL) rc = ctrace__btable_rebuild(b, cap, CTRACE__HOME_NEAR_MUL);
  if (rc == -2) rc = ctrace__btable_rebuild(b, cap, CTRACE__HOME_SCATTER_MUL);
  ctrace__spin_release(&b->lock);
  return rc;
}

/* Room for one more entry, keeping the table at most half full. */
static CTRACE__NOINSTR int ctrace__btable_make_room(ctrace__btable *b) {
  uint32_t live = 0, i, cap;
  if (b->count < b->full) return 0;
  for (i = 0; i <= b->mask; i++) {
    uintptr_t k = ctrace__load_relaxed(&b->slots[i].key);
    live += k && !(k & CTRACE__FREED_MARK);
  }
  cap = b->mask >= 256 ? b->mask + 1 : 256;
  while ((live + 1) * 4 > cap) cap *= 2; /* after the rebuild, at most a quarter full */
  if (cap == 0) return -1;
  return ctrace__btable_rebuild_locked(b, cap, 0);
}

/* Where key k is (1) or would go: its own tombstone on its probe path (2)
   or the empty slot that ends the path (0). Owner only.
   Allocators hand out freed addresses again soon, so k's own tombstone is
   usually k's home slot. It also ends the search: k was live there, so it
   cannot be live further on, for a second k would have been caught when it
   was inserted, and a k inserted after this one was freed would have taken
   this tombstone. Other keys' tombstones are left for the next rebuild. */
CTRACE__HOT int ctrace__btable_find_slot(ctrace__btable *b, uintptr_t k, ctrace__blockslot **at) {
  ctrace__blockslot *slots = b->slots, *last = slots + b->mask, *s;
  uint32_t left = CTRACE__PROBE_LIMIT;
  uintptr_t x;
  /* pointers, not indexes, and no copy of the key kept: the allocator's
     fast path has registers enough for this loop without a stack frame */
  for (s = slots + ctrace__block_home(b, k); (x = ctrace__load_relaxed(&s->key)) != 0;
       s = s == last ? slots : s + 1) {
    x ^= k;
    if (x <= CTRACE__FREED_MARK) { /* k, live (x 0) or a tombstone */
      *at = s;
      return x ? 2 : 1;
    }
    if (--left == 0) {
      *at = s;
      return 3; /* a run too long: see ctrace__block_home */
    }
  }
  *at = s;
  return 0;
}

/* Fill slot s (empty or a tombstone, as ctrace__btable_find_slot said). The
   size goes first: a searcher that sees the key sees its size. */
CTRACE__HOT void ctrace__btable_put(ctrace__btable *b, ctrace__blockslot *s, uintptr_t k, uint64_t size, int was) {
  ctrace__store_relaxed(&s->size, size);
  ctrace__store_release(&s->key, k);
  if (was == 0) b->count++;
}

/* Remember a live block in the owner's table; -1 if the table cannot grow,
   1 if the address was already live (its old size in *old: it was freed
   outside ctrace). */
static CTRACE__NOINSTR int ctrace__block_remember(ctrace__btable *b, uintptr_t k, uint64_t size, uint64_t *old) {
  ctrace__blockslot *at;
  int rc;
  if (!b || ctrace__btable_make_room(b)) return -1;
  rc = ctrace__btable_find_slot(b, k, &at);
  while (rc == 3) { /* scatter (or, already scattered, grow) and look again */
    if (ctrace__btable_rebuild_locked(b, b->mul == CTRACE__HOME_NEAR_MUL ? b->mask + 1 : (b->mask + 1) * 2, 1))
      return -1;
    rc = ctrace__btable_find_slot(b, k, &at);
  }
  if (rc == 1) {
    *old = ctrace__load_relaxed(&at->size);
    ctrace__store_relaxed(&at->size, size);
    return 1;
  }
  ctrace__btable_put(b, at, k, size, rc);
  return 0;
}

/* Forget a block of the owner's own table; 1 and its size if it was there.
   The slot becomes a tombstone. */
CTRACE__HOT int ctrace__block_forget_own(ctrace__btable *b, uintptr_t k, uint64_t *size) {
  uint32_t i, mask;
  uintptr_t key;
  mask = b->mask;
  for (i = ctrace__block_home(b, k); (key = ctrace__load_relaxed(&b->slots[i].key)) != 0; i = (i + 1) & mask) {
    if (key == k) {
      *size = ctrace__load_relaxed(&b->slots[i].size);
      ctrace__store_relaxed(&b->slots[i].key, k | CTRACE__FREED_MARK); /* a tombstone that remembers k */
      return 1;
    }
  }
  return 0;
}

/* Another thread's table (its lock held, so it is not being rebuilt): find
   k and mark it freed. 1 and the size if k was live. */
static CTRACE__NOINSTR int ctrace__btable_take(ctrace__btable *b, uintptr_t k, uint64_t *size) {
  uint32_t i, mask = b->mask;
  uintptr_t key;
  for (i = ctrace__block_home(b, k); (key = ctrace__load_acquire(&b->slots[i].key)) != 0; i = (i + 1) & mask) {
    if (key == k) {
      uint64_t sz = ctrace__load_relaxed(&b->slots[i].size);
      /* Fails only if the owner freed k at this very moment: a double free. */
      if (!ctrace__cas_uptr(&b->slots[i].key, k, k | CTRACE__FREED_MARK)) return 0;
      *size = sz;
      return 1;
    }
  }
  return 0;
}

/* Forget a block some other thread's table holds. 1 and its size if found. */
static CTRACE__NOINSTR int ctrace__block_forget_remote(ctrace__btable *own, uintptr_t k, uint64_t *size) {
  ctrace__btable *b;
  for (b = ctrace__load_acquire(&ctrace__tables); b; b = b->next) {
    int found;
    if (b == own) continue;
    ctrace__spin_lock(&b->lock);
    found = ctrace__btable_take(b, k, size);
    ctrace__spin_release(&b->lock);
    if (found) return 1;
  }
  return 0;
}

static CTRACE__NOINSTR int ctrace__block_forget(ctrace__tstate *t, uintptr_t k, uint64_t *size) {
  ctrace__btable *own = t ? ctrace__blocks_of(t) : NULL;
  return ctrace__block_forget_own(own, k, size) || ctrace__block_forget_remote(own, k, size);
}

/* A thread is leaving: its table, live blocks and all, waits for the next
   thread. Called with reg_lock held. */
static CTRACE__NOINSTR CTRACE__RARE void ctrace__blocks_release(ctrace__tstate *t) {
  if (!t->blocks || t->blocks == &ctrace__no_table) return;
  t->blocks->next_spare = ctrace__spare_tables;
  ctrace__spare_tables = t->blocks;
  t->blocks = NULL;
  ctrace__blocks_seen(t);
}

/* Live bytes: each thread keeps its change to the global count to itself
   until it reaches CTRACE__MS_BATCH either way, so the common allocation
   makes no atomic read-modify-write; ctrace_read_memstats adds the pending
   changes back, so alloc stays exact. The peak is checked on every
   allocation against the global count plus the thread's own change: exact
   when one thread allocates, and off by less than the batch for each other
   thread when several do. */
#define CTRACE__MS_BATCH ((int64_t)64 << 10)

static CTRACE__NOINSTR void ctrace__raise_peak(uint64_t live) {
  uint64_t peak;
  while (live > (peak = ctrace__load_relaxed(&ctrace__g.ms_peak)) &&
         !ctrace__cas_u64(&ctrace__g.ms_peak, peak, live)) {}
}

/* The pending change reached the batch or the thread's headroom (the peak
   minus the global count when it last looked): flush and check the peak. */
CTRACE__COLD void ctrace__note_live_slow(ctrace__tstate *t, int64_t pending) {
  int64_t live, peak;
  if (!t) { /* no thread state (out of memory): straight to the global count */
    live = (int64_t)ctrace__add_u64(&ctrace__g.ms_alloc, (uint64_t)pending);
    if (live > 0) ctrace__raise_peak((uint64_t)live);
    return;
  }
  live = (int64_t)ctrace__load_relaxed(&ctrace__g.ms_alloc) + pending;
  if (live > (int64_t)ctrace__load_relaxed(&ctrace__g.ms_peak)) ctrace__raise_peak((uint64_t)live);
  if (pending >= CTRACE__MS_BATCH || pending <= -CTRACE__MS_BATCH) {
    live = (int64_t)ctrace__add_u64(&ctrace__g.ms_alloc, (uint64_t)pending);
    pending = 0;
  } else {
    live -= pending;
  }
  /* Only this thread's flushes and peaks move the two between looks when it
     is the one allocating, so the peak stays exact then. */
  peak = (int64_t)ctrace__load_relaxed(&ctrace__g.ms_peak);
  t->ms_headroom = peak - live < CTRACE__MS_BATCH ? peak - live : CTRACE__MS_BATCH;
  ctrace__store_relaxed(&t->ms_pending, pending);
}

/* An allocation's counters, its live-byte change within the headroom. */
CTRACE__HOT void ctrace__count_alloc(ctrace__tstate *t, uint64_t size, int64_t pending) {
  ctrace__store_relaxed(&t->ms_pending, pending);
  ctrace__store_relaxed(&t->ms_total, t->ms_total + size);
  ctrace__store_relaxed(&t->ms_mallocs, t->ms_mallocs + 1);
}

/* The headroom is at most the batch, so growth needs one test; shrinking
   can never make a peak, so it only watches the batch. */
CTRACE__HOT void ctrace__note_alloc(ctrace__tstate *t, uint64_t size) {
  int64_t pending;
  if (!t) {
    ctrace__note_live_slow(NULL, (int64_t)size);
    return;
  }
  pending = t->ms_pending + (int64_t)size;
  if (pending > t->ms_headroom) {
    ctrace__note_live_slow(t, pending);
    pending = t->ms_pending; /* flushed, or within the new headroom */
  }
  ctrace__count_alloc(t, size, pending);
}

CTRACE__HOT void ctrace__note_free(ctrace__tstate *t, uint64_t size) {
  int64_t pending;
  if (!t) {
    ctrace__note_live_slow(NULL, -(int64_t)size);
    return;
  }
  pending = t->ms_pending - (int64_t)size;
  if (pending > -CTRACE__MS_BATCH) ctrace__store_relaxed(&t->ms_pending, pending);
  else ctrace__note_live_slow(t, pending);
  ctrace__store_relaxed(&t->ms_frees, t->ms_frees + 1);
}

/* The site of an allocation call: its name is empty, so its cache entry is
   just the file pointer and line, in a cache of its own (an entry with id 0
   is one never filled). */
CTRACE__HOT ctrace__call_site *ctrace__call_site_slot(ctrace__tstate *t, const char *file, uint32_t line) {
  /* the top 6 bits of a 32-bit multiplicative hash: 2^6 entries */
  uint64_t key = (uint32_t)(uintptr_t)file ^ ((line & 0x7ffffffu) << 5); /* < 2^32: no wrap below */
  return &t->call_sites[(uint32_t)(key * 0x9E3779B1u) >> 26];
}

static CTRACE__NOINSTR uint32_t ctrace__call_site_id(ctrace__tstate *t, const char *file, uint32_t line) {
  ctrace__call_site *c = ctrace__call_site_slot(t, file, line);
  if (c->file == file && c->line == line && c->id) return c->id;
  c->id = ctrace__site_intern("", 0, file, line);
  c->file = file;
  c->line = line;
  return c->id;
}

/* An ALLOC or FREE event of the allocator's own, at a call site. */
CTRACE__COLD void ctrace__block_event_general(uint8_t kind, const char *file, uint32_t line, uintptr_t ptr,
                                              uint64_t size) {
  ctrace__tstate *t;
  uint64_t v[3]; /* the site's id (no name: not ctrace__site_event's kind of site), the block */
  if (!CTRACE__ON() || !(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT)) || !(v[0] = ctrace__call_site_id(t, file, line)))
    return;
  v[1] = (uint64_t)ptr;
  v[2] = size;
  ctrace__site_event(NULL, NULL, 0, kind, v, 3);
}

/* The same when the CPU counter is the clock, the buffer has room and the
   site is in the cache: no call, so no registers to save (the zones' way). */
static CTRACE__NOINSTR void ctrace__block_event(uint8_t kind, const char *file, uint32_t line, uintptr_t ptr, uint64_t size) {
  ctrace__tstate *t = ctrace__tls;
  ctrace__call_site *c;
  uint8_t *p;
  if (!CTRACE__ON()) return; /* the allocator's long ways come here with no trace too */
  if (CTRACE__UNLIKELY(!t || !ctrace__g.use_cpu_clock ||
                       (uintptr_t)t->pos + CTRACE__MAX_FIXED_EVENT > ctrace__load_relaxed(&t->limit) ||
                       (c = ctrace__call_site_slot(t, file, line))->file != file || c->line != line || !c->id)) {
    ctrace__block_event_general(kind, file, line, ptr, size);
    return;
  }
  p = ctrace__put_varint(ctrace__event_head_cpu(t, kind), c->id);
  p = ctrace__put_varint(p, (uint64_t)ptr);
  ctrace__event_commit(t, ctrace__put_varint(p, size));
}

/* A block freed, its counters and its event: one copy for every way but
   ctrace_free's own. */
CTRACE__SHARED void ctrace__count_free(ctrace__tstate *t, uintptr_t k, uint64_t size, const char *file, uint32_t line) {
  ctrace__note_free(t, size);
  ctrace__block_event(CTRACE_EV_FREE, file, line, k, size);
}

/* A MEM_PROBLEM event: what went wrong, at the call's site. */
CTRACE__COLD void ctrace__mem_problem(const char *what, const char *file, uint32_t line, uintptr_t ptr) {
  ctrace_site at; /* as ctrace_task_begin's */
  uint64_t v = (uint64_t)ptr;
  at.file = file;
  at.line = line;
  at.id = 0;
  ctrace__site_event(&at, what, 0, CTRACE_EV_MEM_PROBLEM, &v, 1);
}

static CTRACE__NOINSTR void ctrace__track_alloc(uintptr_t ptr, uint64_t size, const char *file, uint32_t line) {
  ctrace__tstate *t = ctrace__state();
  uint64_t old = 0;
  int rc = ctrace__block_remember(t ? ctrace__blocks_of(t) : NULL, ptr, size, &old);
  if (rc < 0) {
    ctrace__mem_problem("untracked: out of memory for the block table", file, line, ptr);
    return;
  }
  if (rc > 0) { /* the old block at this address was released behind ctrace's back */
    ctrace__mem_problem("allocation at a live address (freed outside ctrace?)", file, line, ptr);
    ctrace__count_free(t, ptr, old, file, line);
  }
  ctrace__note_alloc(t, size);
  ctrace__block_event(CTRACE_EV_ALLOC, file, line, ptr, size);
}

/* 1 if ptr was a live block (now forgotten), 0 after reporting a problem. */
static CTRACE__NOINSTR int ctrace__track_free(uintptr_t ptr, const char *file, uint32_t line) {
  ctrace__tstate *t = ctrace__state();
  uint64_t size = 0;
  if (!ctrace__block_forget(t, ptr, &size)) {
    ctrace__mem_problem("free of a pointer that is not live (double free or untracked)", file, line, ptr);
    return 0;
  }
  ctrace__count_free(t, ptr, size, file, line);
  return 1;
}

/* ctrace__track_alloc, but for the event, when the thread has a table with
   room and the address is new: the first try of the long way, for a trace
   running or a key not placed at its home. The thread's state, or NULL if
   ctrace__track_alloc must do it (nothing was changed). */
CTRACE__HOT ctrace__tstate *ctrace__track_alloc_fast(uintptr_t ptr, uint64_t size) {
  ctrace__tstate *t = ctrace__tls;
  ctrace__btable *b;
  ctrace__blockslot *at;
  int was;
  int64_t pending;
  if (!t) return NULL;
  b = t->blocks;
  if (b->count >= b->full || (was = ctrace__btable_find_slot(b, ptr, &at)) & 1) return NULL; /* 1 or 3 */
  pending = t->ms_pending + (int64_t)size; /* after the search: one register less in its loop */
  if (pending > t->ms_headroom) return NULL;
  ctrace__btable_put(b, at, ptr, size, was);
  ctrace__count_alloc(t, size, pending); /* ctrace__note_alloc, its test done above: no call in here */
  return t;
}

/* The quick paths below look at one slot, the key's home, and nothing else:
   allocators hand a freed address out again soon, so an allocation usually
   finds its own tombstone there (or an empty slot), and a free finds its
   live key there. Anything else (a collision, a full table, a trace
   running) takes the long way, which probes as far as it must. No loop and
   no call keeps them within the registers a leaf function has. */
CTRACE__HOT ctrace__blockslot *ctrace__home_slot(const ctrace__tstate *t, uintptr_t k) {
  return t->home_slots + ctrace__home_index(k, t->home_mul, t->home_mask);
}

/* A new address k into its home slot, and the allocation's counters: 1,
   or 0 if the long way must be taken (nothing was changed). */
CTRACE__HOT int ctrace__home_insert(ctrace__tstate *t, uintptr_t k, uint64_t size) {
  ctrace__blockslot *s = ctrace__home_slot(t, k);
  uintptr_t x = ctrace__load_relaxed(&s->key);
  int64_t pending;
  /* k's own tombstone (never there for NULL, which no table holds), or an
     empty slot the table has room to fill */
  if (x != (k | CTRACE__FREED_MARK) && (x != 0 || !k || t->blocks->count >= t->blocks->full)) return 0;
  pending = t->ms_pending + (int64_t)size;
  if (pending > t->ms_headroom) return 0;
  ctrace__btable_put(t->blocks, s, k, size, x != 0 ? 2 : 0);
  ctrace__count_alloc(t, size, pending); /* ctrace__note_alloc, its test done above */
  return 1;
}

/* Everything ctrace__malloc_quick leaves: tracing, a home slot taken, a
   full table, an address already live, a failed allocation. POSIX says a failed
   allocation sets errno to ENOMEM; not every allocator does (valgrind's
   calloc, wine's realloc), so make sure. */
CTRACE__COLD void *ctrace__record_slow(void *p, size_t size, const char *file, int line) {
  ctrace__tstate *t = ctrace__tls;
  if (p) {
    /* the home slot was tried already, unless a trace running stopped that */
    if ((CTRACE__ON() && t && ctrace__home_insert(t, (uintptr_t)p, size)) ||
        ctrace__track_alloc_fast((uintptr_t)p, size))
      ctrace__block_event(CTRACE_EV_ALLOC, file, (uint32_t)line, (uintptr_t)p, size);
    else
      ctrace__track_alloc((uintptr_t)p, size, file, (uint32_t)line);
  } else if (size) {
    errno = ENOMEM;
  }
  return p;
}

/* With no trace running, a new address into its home slot. */
CTRACE_API CTRACE__NOINSTR CTRACE__LINE_ALIGNED int ctrace__malloc_quick(void *p, size_t size) {
  ctrace__tstate *t = ctrace__tls;
  if (CTRACE__ON() || !t) return 0;
  return ctrace__home_insert(t, (uintptr_t)p, size);
}

CTRACE_API CTRACE__NOINSTR void *ctrace_malloc_record(void *p, size_t size, const char *file, int line) {
  if (ctrace__malloc_quick(p, size)) return p;
  return ctrace__record_slow(p, size, file, line);
}

/* ---- ctrace's own blocks: a header in front, a map of where they are ------
   ctrace_malloc & co ask malloc for CTRACE__HDR bytes more than the program
   did and keep the block's size in front of it, in memory the block brings
   into the cache anyway: so their cost does not grow with the live set, and
   any thread can free a block with no lock and no search. Whether a pointer
   is one of these is read from a map, one byte per grain (16 bytes; 8 on
   32-bit systems) of address space, never from the memory before the
   pointer: before a pointer from another allocator lies memory that may
   belong to something else, or not be mapped at all. The byte says no block
   of ctrace's starts here (0), a live one does, or one did and ctrace freed
   it (until ctrace hands out a block here again).
   A freed mark alone cannot tell a double free from a block another
   allocator has since handed out at the same address, so ctrace_free also
   writes a freed tag (the address mixed with a per-process key) into the
   block before passing it to free(): at its start, or 16 bytes in for
   blocks of CTRACE__TAG_FAR bytes and more, which is memory glibc's free
   lists do not write (they use the header's 16 bytes, and large chunks the
   16 after). A double free is reported when the mark and the tag are both
   still there; the tag is read at the pointer the program passed, never
   before it. Blocks are padded to CTRACE__MIN_BLOCK so the tag fits and the
   next chunk's header never falls on it. The map is a radix tree
   with leaves of 2^18 grains made when first needed and never freed: about
   one byte per 16 of the address range ctrace's blocks come from. */
#if UINTPTR_MAX > 0xffffffffu
#define CTRACE__GRAIN_BITS 4
#else
#define CTRACE__GRAIN_BITS 3
#endif
#define CTRACE__HDR 16u /* keeps the block as aligned as malloc made it */
#define CTRACE__LEAF_BITS 18
#define CTRACE__MID_BITS 13
#define CTRACE__TOP_BITS 13 /* grain + leaf + mid + top = 48 bits of address */
#define CTRACE__BLK_LIVE ((uint8_t)1)
#define CTRACE__BLK_FREED ((uint8_t)2)     /* tag at the block's start */
#define CTRACE__BLK_FREED_FAR ((uint8_t)3) /* tag 16 bytes in */
#define CTRACE__TAG_FAR 512u
#define CTRACE__MIN_BLOCK 16u

static volatile uintptr_t ctrace__map_top[(size_t)1 << CTRACE__TOP_BITS]; /* mid nodes */
static volatile uint64_t ctrace__untracked_frees, ctrace__double_frees; /* for ctrace_read_memstats */

/* What ctrace_free writes into a freed block, and where. */
CTRACE__HOT CTRACE__WRAPS uint64_t ctrace__freed_tag(uintptr_t k) {
  return ((uint64_t)k * UINT64_C(0x9E3779B97F4A7C15)) ^ (uint64_t)(uintptr_t)&ctrace__untracked_frees ^ UINT64_C(0x6374726163656672);
}

CTRACE__HOT size_t ctrace__tag_offset(uint64_t size) { return size >= CTRACE__TAG_FAR ? 16u : 0u; }

/* What malloc is asked for: the header, and room for the tag. */
CTRACE__HOT size_t ctrace__real_size(size_t size) {
  return CTRACE__HDR + (size < CTRACE__MIN_BLOCK ? CTRACE__MIN_BLOCK : size);
}

/* Whether a pointer marked freed still holds its tag, i.e. is the block
   ctrace freed (a double free) and not memory another allocator handed out
   since. Reads the 8 bytes at p (or 16 on) that free() left alone; a
   sanitizer would call that a use after free, which is what is looked for. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
__attribute__((no_sanitize("address")))
#endif
static CTRACE__NOINSTR CTRACE__RARE int ctrace__still_freed(const void *p, uint8_t state) {
  const volatile unsigned char *at = (const volatile unsigned char *)p + (state == CTRACE__BLK_FREED_FAR ? 16 : 0);
  uint64_t v, tag = ctrace__freed_tag((uintptr_t)p);
  unsigned char bytes[8];
  unsigned i;
  for (i = 0; i < 8; i++) bytes[i] = at[i];
  memcpy(&v, bytes, sizeof v);
  return v == tag;
}

/* Mark the block at k freed, its tag written; its state byte st. */
CTRACE__HOT void ctrace__mark_freed(volatile uint8_t *st, uintptr_t k, uint64_t size) {
  size_t off = ctrace__tag_offset(size);
  uint64_t tag = ctrace__freed_tag(k);
  memcpy((unsigned char *)k + off, &tag, sizeof tag);
  ctrace__store_relaxed(st, off ? CTRACE__BLK_FREED_FAR : CTRACE__BLK_FREED);
}

/* Where the map keeps a (grain index g): 0 if a cannot start a block of
   ctrace's (not on a grain, or beyond the map). */
CTRACE__HOT int ctrace__map_index(uintptr_t a, uint64_t *g) {
  *g = (uint64_t)a >> CTRACE__GRAIN_BITS;
  return !(a & (((uintptr_t)1 << CTRACE__GRAIN_BITS) - 1)) &&
         (*g >> (CTRACE__LEAF_BITS + CTRACE__MID_BITS)) < ((uint64_t)1 << CTRACE__TOP_BITS);
}

/* a's byte, or NULL if no block of ctrace's ever started near it. */
CTRACE__HOT volatile uint8_t *ctrace__map_at(uintptr_t a) {
  uint64_t g;
  uintptr_t mid, leaf;
  if (!ctrace__map_index(a, &g) ||
      !(mid = ctrace__load_acquire(&ctrace__map_top[g >> (CTRACE__LEAF_BITS + CTRACE__MID_BITS)])))
    return NULL;
  leaf = ctrace__load_acquire(&((volatile uintptr_t *)mid)[(g >> CTRACE__LEAF_BITS) & ((1u << CTRACE__MID_BITS) - 1)]);
  return leaf ? (volatile uint8_t *)leaf + (g & ((1u << CTRACE__LEAF_BITS) - 1)) : NULL;
}

/* The node in *slot (n bytes, zeroed), made if missing; 0 if out of memory.
   Two threads may make one at once: the first to publish it wins. */
static CTRACE__NOINSTR CTRACE__RARE uintptr_t ctrace__map_node(volatile uintptr_t *slot, size_t n) {
  uintptr_t node = ctrace__load_acquire(slot);
  void *mem;
  if (node) return node;
  if (!(mem = CTRACE_MEM_ALLOC(n))) return 0;
  memset(mem, 0, n);
  if (ctrace__cas_uptr(slot, 0, (uintptr_t)mem)) return (uintptr_t)mem;
  CTRACE_MEM_FREE(mem);
  return ctrace__load_acquire(slot);
}

/* a's byte, its leaf made if missing; NULL if a cannot be mapped. */
static CTRACE__NOINSTR CTRACE__RARE volatile uint8_t *ctrace__map_make(uintptr_t a) {
  uint64_t g;
  uintptr_t mid, leaf;
  if (!ctrace__map_index(a, &g) ||
      !(mid = ctrace__map_node(&ctrace__map_top[g >> (CTRACE__LEAF_BITS + CTRACE__MID_BITS)],
                               sizeof(uintptr_t) << CTRACE__MID_BITS)) ||
      !(leaf = ctrace__map_node(&((volatile uintptr_t *)mid)[(g >> CTRACE__LEAF_BITS) & ((1u << CTRACE__MID_BITS) - 1)],
                                (size_t)1 << CTRACE__LEAF_BITS)))
    return NULL;
  return (volatile uint8_t *)leaf + (g & ((1u << CTRACE__LEAF_BITS) - 1));
}

/* A block of ctrace's allocated or freed, the long way: a trace running
   (the event), no thread state yet, or the live count's batch full. */
CTRACE__COLD void ctrace__own_alloc_slow(uintptr_t k, uint64_t size, const char *file, int line) {
  ctrace__note_alloc(ctrace__state(), size);
  ctrace__block_event(CTRACE_EV_ALLOC, file, (uint32_t)line, k, size);
}

CTRACE__COLD void ctrace__own_free_slow(uintptr_t k, uint64_t size, const char *file, int line) {
  ctrace__count_free(ctrace__state(), k, size, file, (uint32_t)line);
}

/* Make r (size + CTRACE__HDR bytes from malloc, calloc or realloc) a live
   block of ctrace's: header, map byte, counters, event. The pointer the
   program gets, or NULL (nothing changed) if the map cannot cover r. */
CTRACE__HOT void *ctrace__own_block(uint8_t *r, size_t size, const char *file, int line) {
  uintptr_t k = (uintptr_t)(r + CTRACE__HDR);
  volatile uint8_t *st = ctrace__map_at(k);
  ctrace__tstate *t = ctrace__tls;
  uint64_t n = size;
  int64_t pending;
  if (CTRACE__UNLIKELY(!st) && !(st = ctrace__map_make(k))) return NULL;
  memcpy(r, &n, sizeof n);
  ctrace__store_relaxed(st, CTRACE__BLK_LIVE);
  if (t && !CTRACE__ON() && (pending = t->ms_pending + (int64_t)n) <= t->ms_headroom)
    ctrace__count_alloc(t, n, pending); /* ctrace__note_alloc, its test done here */
  else
    ctrace__own_alloc_slow(k, n, file, line);
  return (void *)k;
}

/* Out of the map's reach (an address above 2^48): the block goes to the
   thread's table instead, as ctrace_malloc_record's do. */
CTRACE__COLD void *ctrace__unmapped_block(uint8_t *r, size_t size, const char *file, int line) {
  memmove(r, r + CTRACE__HDR, size);
  return ctrace_malloc_record(r, size, file, line);
}

CTRACE_API CTRACE__NOINSTR void *ctrace_malloc_at(size_t size, const char *file, int line) {
  uint8_t *r = size <= SIZE_MAX - CTRACE__HDR - CTRACE__MIN_BLOCK ? (uint8_t *)malloc(ctrace__real_size(size)) : NULL;
  void *p;
  if (CTRACE__UNLIKELY(!r)) {
    errno = ENOMEM;
    return NULL;
  }
  p = ctrace__own_block(r, size, file, line);
  return p ? p : ctrace__unmapped_block(r, size, file, line);
}

/* ctrace__own_block, or the unmapped way, for the allocator's less frequent
   calls (calloc, realloc): one copy of it, not one in each. */
CTRACE__SHARED void *ctrace__own_block_any(uint8_t *r, size_t size, const char *file, int line) {
  void *p = ctrace__own_block(r, size, file, line);
  return p ? p : ctrace__unmapped_block(r, size, file, line);
}

CTRACE_API CTRACE__NOINSTR void *ctrace_calloc_at(size_t n, size_t size, const char *file, int line) {
  uint8_t *r = NULL;
  if (!size || n <= (SIZE_MAX - CTRACE__HDR - CTRACE__MIN_BLOCK) / size) r = (uint8_t *)calloc(1, ctrace__real_size(n * size));
  if (!r) {
    errno = ENOMEM;
    return NULL;
  }
  return ctrace__own_block_any(r, n * size, file, line);
}

/* A MEM_PROBLEM of the allocator's, counted for ctrace_read_memstats too. */
CTRACE__COLD void ctrace__alloc_problem(volatile uint64_t *count, const char *what, const char *file, int line,
                                        const void *ptr) {
  ctrace__add_u64(count, 1);
  ctrace__mem_problem(what, file, (uint32_t)line, (uintptr_t)ptr);
}

#define CTRACE__UNTRACKED_FREE_WHAT "untracked free: not allocated by ctrace, passed to free"
#define CTRACE__UNTRACKED_REALLOC_WHAT "untracked realloc: not allocated by ctrace, passed to realloc"
#define CTRACE__DOUBLE_FREE_WHAT "double free of a ctrace block (not passed to free)"
#define CTRACE__DOUBLE_REALLOC_WHAT "realloc of a freed ctrace block (refused)"

static CTRACE__NOINSTR CTRACE__RARE int ctrace__is_double_free(const void *ptr, volatile uint8_t *st) {
  uint8_t state = st ? ctrace__load_relaxed(st) : 0;
  return (state == CTRACE__BLK_FREED || state == CTRACE__BLK_FREED_FAR) && ctrace__still_freed(ptr, state);
}

/* realloc of a block in a thread's table (from ctrace_malloc_record):
   1 and *out set if ptr was one. */
static CTRACE__NOINSTR int ctrace__realloc_recorded(void *ptr, size_t size, const char *file, int line, void **out) {
  ctrace__tstate *t = ctrace__state();
  uint64_t old = 0, ignored;
  uintptr_t addr = (uintptr_t)ptr; /* ptr itself is not to be used once realloc has it */
  void *q;
  if (!t || !ctrace__block_forget(t, addr, &old)) return 0;
  q = realloc(ptr, size);
  if (!q && size != 0) { /* failed: the old block is untouched */
    errno = ENOMEM;
    ctrace__block_remember(ctrace__blocks_of(t), addr, old, &ignored);
    *out = NULL;
    return 1;
  }
  ctrace__count_free(t, addr, old, file, (uint32_t)line);
  if (q) ctrace__track_alloc((uintptr_t)q, size, file, (uint32_t)line);
  *out = q;
  return 1;
}

/* Everything ctrace_realloc_at's own way leaves: a recorded block, a block
   ctrace freed already, a pointer from another allocator. */
CTRACE__COLD void *ctrace__realloc_other(void *ptr, volatile uint8_t *st, size_t size, const char *file, int line) {
  void *q;
  if (ctrace__realloc_recorded(ptr, size, file, line, &q)) return q;
  if (ctrace__is_double_free(ptr, st)) {
    ctrace__alloc_problem(&ctrace__double_frees, CTRACE__DOUBLE_REALLOC_WHAT, file, line, ptr);
    errno = EINVAL;
    return NULL;
  }
  ctrace__alloc_problem(&ctrace__untracked_frees, CTRACE__UNTRACKED_REALLOC_WHAT, file, line, ptr);
  return realloc(ptr, size);
}

/* Everything ctrace_free_at's own way leaves, as ctrace__realloc_other. */
CTRACE__COLD void ctrace__free_other(void *ptr, volatile uint8_t *st, const char *file, int line) {
  ctrace__tstate *t;
  uint64_t size = 0;
  if (!ptr) return;
  if ((t = ctrace__state()) != NULL && ctrace__block_forget(t, (uintptr_t)ptr, &size)) {
    ctrace__count_free(t, (uintptr_t)ptr, size, file, (uint32_t)line);
    free(ptr);
  } else if (ctrace__is_double_free(ptr, st)) {
    ctrace__alloc_problem(&ctrace__double_frees, CTRACE__DOUBLE_FREE_WHAT, file, line, ptr);
  } else {
    ctrace__alloc_problem(&ctrace__untracked_frees, CTRACE__UNTRACKED_FREE_WHAT, file, line, ptr);
    free(ptr);
  }
}

/* realloc's contract, kept: NULL ptr allocates; size 0 frees (glibc's
   way); on failure the old block stays valid and live; a block moved or not
   is a free plus an allocation. */
CTRACE_API CTRACE__NOINSTR void *ctrace_realloc_at(void *ptr, size_t size, const char *file, int line) {
  volatile uint8_t *st;
  uint8_t *r, *q, word[8];
  uint64_t old;
  uintptr_t addr = (uintptr_t)ptr; /* ptr itself is not to be used once realloc has it */
  size_t off;
  if (!ptr) return ctrace_malloc_at(size, file, line);
  st = ctrace__map_at((uintptr_t)ptr);
  if (!st || ctrace__load_relaxed(st) != CTRACE__BLK_LIVE) return ctrace__realloc_other(ptr, st, size, file, line);
  if (size == 0) {
    ctrace_free_at(ptr, file, line);
    return NULL;
  }
  r = (uint8_t *)ptr - CTRACE__HDR;
  memcpy(&old, r, sizeof old);
  off = ctrace__tag_offset(old);
  memcpy(word, (uint8_t *)ptr + off, sizeof word);
  /* freed before realloc: once it returns, another thread may be given ptr */
  ctrace__mark_freed(st, (uintptr_t)ptr, old);
  q = size <= SIZE_MAX - CTRACE__HDR - CTRACE__MIN_BLOCK ? (uint8_t *)realloc(r, ctrace__real_size(size)) : NULL;
  if (!q) {
    memcpy((uint8_t *)addr + off, word, sizeof word);
    ctrace__store_relaxed(st, CTRACE__BLK_LIVE);
    errno = ENOMEM;
    return NULL;
  }
  if (ctrace__real_size(size) >= CTRACE__HDR + off + sizeof word) /* the copy has the tag: the program's bytes back */
    memcpy(q + CTRACE__HDR + off, word, sizeof word);
  ctrace__count_free(ctrace__state(), addr, old, file, (uint32_t)line);
  return ctrace__own_block_any(q, size, file, line);
}

CTRACE_API CTRACE__NOINSTR void ctrace_free_at(void *ptr, const char *file, int line) {
  volatile uint8_t *st = ctrace__map_at((uintptr_t)ptr);
  ctrace__tstate *t = ctrace__tls;
  uint8_t *r;
  uint64_t size;
  if (CTRACE__UNLIKELY(!st || ctrace__load_relaxed(st) != CTRACE__BLK_LIVE)) {
    ctrace__free_other(ptr, st, file, line);
    return;
  }
  r = (uint8_t *)ptr - CTRACE__HDR;
  memcpy(&size, r, sizeof size);
  /* before free(): after it another thread may be handed the address */
  ctrace__mark_freed(st, (uintptr_t)ptr, size);
  if (t && !CTRACE__ON()) ctrace__note_free(t, size);
  else ctrace__own_free_slow((uintptr_t)ptr, size, file, line);
  free(r);
}

CTRACE_API CTRACE__NOINSTR void ctrace_alloc_event(ctrace_site *site, const void *ptr, uint64_t size) {
  if (ptr) ctrace__track_alloc((uintptr_t)ptr, size, site->file, site->line);
}

CTRACE_API CTRACE__NOINSTR void ctrace_free_event(ctrace_site *site, const void *ptr) {
  if (ptr) ctrace__track_free((uintptr_t)ptr, site->file, site->line);
}

CTRACE_API CTRACE__NOINSTR CTRACE__RARE void ctrace_read_memstats(ctrace_memstats *ms) {
  ctrace__tstate *t;
  uint64_t total, mallocs, frees, v[3];
  int64_t live;
  if (!ms) return;
  ctrace__once();
  memset(ms, 0, sizeof *ms);
  ctrace__lock(&ctrace__g.reg_lock);
  total = ctrace__g.exited_total;
  mallocs = ctrace__g.exited_mallocs;
  frees = ctrace__g.exited_frees;
  /* ms_alloc is a signed count in an unsigned atomic (threads add their
     pending changes, negative ones too): a free can be counted before the
     allocation it frees, made on a thread whose change is still pending. */
  live = (int64_t)ctrace__load_relaxed(&ctrace__g.ms_alloc);
  for (t = ctrace__g.states; t; t = t->next) {
    total += ctrace__load_relaxed(&t->ms_total);
    mallocs += ctrace__load_relaxed(&t->ms_mallocs);
    frees += ctrace__load_relaxed(&t->ms_frees);
    live += ctrace__load_relaxed(&t->ms_pending);
  }
  ctrace__unlock(&ctrace__g.reg_lock);
  ms->alloc = ms->heap_alloc = live > 0 ? (uint64_t)live : 0;
  ms->total_alloc = total;
  ms->mallocs = mallocs;
  ms->frees = frees;
  if (live > 0) ctrace__raise_peak((uint64_t)live); /* seen now, with every thread's pending change */
  ms->peak_alloc = ctrace__load_relaxed(&ctrace__g.ms_peak);
  ms->num_gc = (uint32_t)ctrace__load_relaxed(&ctrace__g.ms_num_gc);
  ms->pause_total_ns = ctrace__load_relaxed(&ctrace__g.ms_pause);
  ms->last_gc_ns = ctrace__load_relaxed(&ctrace__g.ms_last_gc);
  ms->rss = ctrace__rss_bytes();
  ms->untracked_frees = ctrace__load_relaxed(&ctrace__untracked_frees);
  ms->double_frees = ctrace__load_relaxed(&ctrace__double_frees);
  /* what the program read, so the report can show the figures it printed at
     the moment it printed them (Go's chapter prints three such tables) */
  v[0] = ms->alloc;
  v[1] = ms->total_alloc;
  v[2] = ms->num_gc;
  ctrace__site_event(NULL, NULL, 0, CTRACE_EV_MEMSTATS, v, 3);
}

/* A thread is exiting: its last events go to the writer, its state away. */
CTRACE__COLD CTRACE__NOINSTR void ctrace__thread_exit(void *p) {
  ctrace__tstate *t = (ctrace__tstate *)p;
  ctrace__buf *b;
  if (CTRACE__ON() && ctrace__tls == t && t->session == ctrace__g.session &&
      ctrace__ready(CTRACE__CPU_EVENT_MAX) == t)
    ctrace__cpu_sample_self(t, 0); /* its CPU time to the end */
  ctrace__lock(&ctrace__g.reg_lock);
  ctrace__lock(&t->lock);
  if (t->session == ctrace__g.session && ctrace__g.running) ctrace__seal_locked(t, CTRACE__CF_THREAD_EXIT, 0);
  b = t->buf;
  t->buf = NULL;
  ctrace__unlock(&t->lock);
  if (t->prev) t->prev->next = t->next; else ctrace__g.states = t->next;
  if (t->next) t->next->prev = t->prev;
  ctrace__g.exited_total += t->ms_total;
  ctrace__g.exited_mallocs += t->ms_mallocs;
  ctrace__g.exited_frees += t->ms_frees;
  ctrace__add_u64(&ctrace__g.ms_alloc, (uint64_t)t->ms_pending);
  ctrace__blocks_release(t);
  ctrace__unlock(&ctrace__g.reg_lock);
  if (b) {
    ctrace__lock(&ctrace__g.q_lock);
    ctrace__buf_put_locked(b);
    ctrace__unlock(&ctrace__g.q_lock);
  }
  if (ctrace__tls == t) ctrace__tls = NULL;
  ctrace__mutex_destroy(&t->lock);
  CTRACE_MEM_FREE(t->name);
  CTRACE_MEM_FREE(t);
}

/* >>session ===================================================================
   The file and the writer thread, sessions (start, stop, flush, the flight
   recorder), fork and fatal signals: the lifetime of a trace, as opposed to
   the per-event paths above. */

/* ---- the file: header, chunks, the writer thread ---- */

static CTRACE__NOINSTR void ctrace__chunk_header(ctrace__buf *b) {
  uint8_t *h = b->data - CTRACE__CHUNK_HEADER;
  uint32_t crc;
  h[0] = 'C';
  h[1] = 'K';
  h[2] = b->type;
  h[3] = b->flags;
  ctrace__put_u32(h + 4, b->len);
  ctrace__put_u32(h + 8, b->tid);
  ctrace__put_u32(h + 12, b->seq);
  ctrace__put_u64(h + 16, b->base_ts);
  ctrace__put_u32(h + 24, 0);
  crc = ctrace__crc_update(0, h, 28);
  crc = ctrace__crc_update(crc, b->data, b->len);
  ctrace__put_u32(h + 28, crc);
}

static CTRACE__NOINSTR void ctrace__note_write_error(void) {
  if (!ctrace__g.error) ctrace__g.error = CTRACE_E_WRITE;
}

/* Write one chunk (header already built) or count it lost. */
static CTRACE__NOINSTR void ctrace__write_chunk(int fd, ctrace__buf *b) {
  size_t n = CTRACE__CHUNK_HEADER + (size_t)b->len;
  if (fd >= 0 && ctrace__file_write(fd, b->data - CTRACE__CHUNK_HEADER, n) == 0) {
    ctrace__g.bytes_written += n;
    ctrace__g.chunks_written++;
    return;
  }
  ctrace__note_write_error();
  ctrace__g.chunks_lost++;
  if (b->type == CTRACE__CH_EVENTS) ctrace__g.events_lost += ctrace__count_events(b->data, b->len, NULL);
}

/* A small chunk (definitions, sync, end) from bytes. */
static CTRACE__NOINSTR void ctrace__write_small(int fd, uint8_t type, const uint8_t *payload, size_t len, uint64_t ts) {
  ctrace__buf b;
  uint8_t *tmp = (uint8_t *)CTRACE_MEM_ALLOC(CTRACE__CHUNK_HEADER + len + 1);
  if (!tmp) { ctrace__note_write_error(); return; }
  memset(&b, 0, sizeof b);
  b.data = tmp + CTRACE__CHUNK_HEADER;
  if (len) memcpy(b.data, payload, len);
  b.len = (uint32_t)len;
  b.type = type;
  b.base_ts = ts;
  ctrace__chunk_header(&b);
  ctrace__write_chunk(fd, &b);
  CTRACE_MEM_FREE(tmp);
}

/* Definitions not yet in the file. Called with file_lock held, after the
   chunks to write were taken from the queue: everything they name was
   defined before they were queued. */
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
static void ctrace__fn_map_write(int fd, int always);
#endif

CTRACE__COLD void ctrace__write_defs(int fd) {
  uint8_t *copy = NULL;
  size_t from, len;
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
  ctrace__fn_map_write(fd, 0); /* a map made again since (dlopen) */
#endif
  ctrace__lock(&ctrace__g.intern_lock);
  from = ctrace__g.defs_written;
  len = ctrace__g.defs_len - from;
  if (len) {
    copy = (uint8_t *)CTRACE_MEM_ALLOC(len);
    if (copy) {
      memcpy(copy, ctrace__g.defs + from, len);
      ctrace__g.defs_written = ctrace__g.defs_len;
    }
  }
  ctrace__unlock(&ctrace__g.intern_lock);
  if (copy) {
    /* split so no definitions chunk exceeds what readers accept */
    size_t off = 0;
    while (off < len) {
      size_t part = len - off;
      const uint8_t *p, *end;
      uint64_t v = 0;
      if (part > CTRACE__MAX_CHUNK / 2) {
        /* cut at a record boundary: kind, two varints, a string, and for a
           site a second string */
        p = copy + off;
        end = copy + len;
        part = 0;
        while (p < end && part < CTRACE__MAX_CHUNK / 2) {
          const uint8_t *q = p + 1;
          ctrace__get_varint(&q, end, &v);
          ctrace__get_varint(&q, end, &v);
          ctrace__get_varint(&q, end, &v);
          q += v;
          if (*p == CTRACE__DEF_SITE) {
            ctrace__get_varint(&q, end, &v);
            q += v;
          }
          part += (size_t)(q - p);
          p = q;
        }
      }
      ctrace__write_small(fd, CTRACE__CH_DEFS, copy + off, part, 0);
      off += part;
    }
    CTRACE_MEM_FREE(copy);
  } else if (len) {
    ctrace__note_write_error();
  }
}

static CTRACE__NOINSTR void ctrace__write_sync(int fd) {
  uint8_t p[24], *e;
  uint64_t ts, mono;
  ctrace__clock_pair(&ts, &mono);
  e = ctrace__put_varint(p, mono);
  ctrace__write_small(fd, CTRACE__CH_SYNC, p, (size_t)(e - p), ts);
}

/* Flight recorder: keep the newest chunks, drop the oldest beyond the limits. */
static CTRACE__NOINSTR void ctrace__retain(ctrace__buf *b) {
  uint64_t now = ctrace__mono_ns();
  b->next = NULL;
  if (ctrace__g.ret_tail) ctrace__g.ret_tail->next = b; else ctrace__g.ret_head = b;
  ctrace__g.ret_tail = b;
  ctrace__g.ret_bytes += b->len + CTRACE__CHUNK_HEADER;
  while (ctrace__g.ret_head && ctrace__g.ret_head != b) {
    ctrace__buf *h = ctrace__g.ret_head;
    int too_big = ctrace__g.cfg.flight_bytes && ctrace__g.ret_bytes > ctrace__g.cfg.flight_bytes;
    int too_old = ctrace__g.cfg.flight_ms && now - h->enq_ns > (uint64_t)ctrace__g.cfg.flight_ms * 1000000u;
    if (!too_big && !too_old) break;
    ctrace__g.ret_head = h->next;
    ctrace__g.ret_bytes -= h->len + CTRACE__CHUNK_HEADER;
    ctrace__lock(&ctrace__g.q_lock);
    ctrace__buf_put_locked(h);
    ctrace__unlock(&ctrace__g.q_lock);
  }
}

/* Write (or retain) everything queued so far, in queue order. */
static CTRACE__NOINSTR void ctrace__drain(void) {
  ctrace__buf *list, *b, *next;
  ctrace__lock(&ctrace__g.file_lock);
  ctrace__lock(&ctrace__g.q_lock);
  list = ctrace__g.q_head;
  ctrace__g.q_head = ctrace__g.q_tail = NULL;
  ctrace__g.queued = 0;
  ctrace__cond_signal_all(&ctrace__g.q_cond); /* threads waiting for room */
  ctrace__unlock(&ctrace__g.q_lock);
  if (!ctrace__g.flight) ctrace__write_defs(ctrace__g.fd);
  for (b = list; b; b = next) {
    next = b->next;
    ctrace__chunk_header(b);
    if (ctrace__g.flight) {
      ctrace__retain(b);
    } else {
      ctrace__write_chunk(ctrace__g.fd, b);
      ctrace__lock(&ctrace__g.q_lock);
      ctrace__buf_put_locked(b);
      ctrace__unlock(&ctrace__g.q_lock);
    }
  }
  ctrace__unlock(&ctrace__g.file_lock);
}

static CTRACE__NOINSTR void ctrace__sample_rss(void) {
  static ctrace_site site = {"ctrace.h", 0, 0};
  ctrace_counter(&site, "ctrace.rss", 1, (int64_t)ctrace__rss_bytes());
}

/* Every recording thread's CPU time, recorded by the calling thread (the
   writer, or the one that stops the session) as events about the threads
   measured. The clocks are read under reg_lock, so no state goes away
   meanwhile; events are recorded after it, a batch at a time. */
CTRACE__COLD CTRACE__SMALL void ctrace__sample_cpu(void) {
  struct { uint64_t v[3]; int n; } got[32]; /* a sample's fields: as ctrace__cpu_sample_self's */
  uint32_t n, i, skip = 0, more = 1;
  ctrace__tstate *t;
  if (ctrace__g.cfg.cpu_sample_ms == CTRACE_CPU_SAMPLE_OFF) return;
  while (more) {
    n = 0;
    more = 0;
    ctrace__lock(&ctrace__g.reg_lock);
    for (t = ctrace__g.states, i = 0; t; t = t->next) {
      if (t->session != ctrace__g.session || !t->tid || i++ < skip) continue;
      if (n == 32) { more = 1; break; }
      if (ctrace__cpu_clock_read(&t->cpu_clock, &got[n].v[1]) == 0) {
        got[n].v[0] = t->tid;
        got[n].n = ctrace__run_delay(t->os_tid, &got[n].v[2]) == 0 ? 3 : 2;
        n++;
      }
      skip++;
    }
    ctrace__unlock(&ctrace__g.reg_lock);
    for (i = 0; i < n; i++)
      if (!ctrace__site_event(NULL, NULL, 0, CTRACE_EV_THREAD_CPU, got[i].v, got[i].n)) return;
  }
}

static CTRACE__NOINSTR uint32_t ctrace__min_nonzero(uint32_t a, uint32_t b) { return b && b < a ? b : a; }

static CTRACE__NOINSTR void ctrace__writer_main(void *arg) {
  uint64_t last_flush = ctrace__mono_ns(), last_rss = 0, last_cpu = 0;
  uint32_t period = ctrace__g.cfg.flush_period_ms;
  uint32_t rss_every = ctrace__g.cfg.rss_sample_ms;
  uint32_t cpu_every = ctrace__g.cfg.cpu_sample_ms == CTRACE_CPU_SAMPLE_OFF ? 0 : ctrace__g.cfg.cpu_sample_ms;
  uint32_t wait = ctrace__min_nonzero(ctrace__min_nonzero(period, rss_every), cpu_every);
  (void)arg;
  ctrace__is_writer = 1;
#ifdef CTRACE_PRELOAD_IMPLEMENTATION
  ctrace__pl_busy = 1;
#endif
  ctrace_thread_name("ctrace writer");
  for (;;) {
    int stopping, flush_due;
    uint64_t now;
    ctrace__lock(&ctrace__g.q_lock);
    if (!ctrace__g.stopping && ctrace__g.queued < 4 && !ctrace__g.writer_wake)
      ctrace__cond_wait_ms(&ctrace__g.q_cond, &ctrace__g.q_lock, wait);
    ctrace__g.writer_wake = 0;
    stopping = ctrace__g.stopping;
    ctrace__unlock(&ctrace__g.q_lock);
    if (stopping) break;
    now = ctrace__mono_ns();
    if (rss_every && now - last_rss >= (uint64_t)rss_every * 1000000u) {
      last_rss = now;
      ctrace__sample_rss();
    }
    if (cpu_every && now - last_cpu >= (uint64_t)cpu_every * 1000000u) {
      last_cpu = now;
      ctrace__sample_cpu();
    }
    flush_due = now - last_flush >= (uint64_t)period * 1000000u;
    if (flush_due) {
      last_flush = now;
      ctrace__steal_all();
    }
    ctrace__drain();
    if (flush_due && !ctrace__g.flight) {
      ctrace__lock(&ctrace__g.file_lock);
      ctrace__write_sync(ctrace__g.fd);
      ctrace__unlock(&ctrace__g.file_lock);
    }
  }
}

static CTRACE__NOINSTR CTRACE__RARE size_t ctrace__file_header(uint8_t *h, size_t cap, int flags) {
  char prog[200];
  size_t n, total;
  ctrace__program_name(prog, sizeof prog);
  n = strlen(prog);
  total = CTRACE__HEADER_FIXED + n + 4;
  if (total > cap) return 0;
  memset(h, 0, total);
  memcpy(h, CTRACE__MAGIC, 8);
  ctrace__put_u16(h + 8, CTRACE_FORMAT_VERSION);
  ctrace__put_u16(h + 10, (uint32_t)total);
  h[12] = (uint8_t)(ctrace__g.use_cpu_clock ? CTRACE_CLOCK_CPU : CTRACE_CLOCK_MONOTONIC);
  h[13] = (uint8_t)flags;
  ctrace__put_u64(h + 16, (uint64_t)(ctrace__g.use_cpu_clock ? 0 : 1000000000u));
  ctrace__put_u64(h + 24, ctrace__g.tsc0);
  ctrace__put_u64(h + 32, ctrace__g.mono0);
  ctrace__put_u64(h + 40, ctrace__g.wall0);
  ctrace__put_u32(h + 48, ctrace__g.cfg.buffer_size);
  ctrace__put_u32(h + 52, ctrace__pid());
  ctrace__put_u16(h + 56, (uint32_t)n);
  memcpy(h + 58, prog, n);
  ctrace__put_u32(h + 58 + n, ctrace__crc_update(0, h, 58 + n));
  return total;
}

/* The counter's rate, measured against the monotonic clock over a few ms.
   Readers refine it with the sync chunks written during the trace. */
static CTRACE__NOINSTR CTRACE__RARE uint64_t ctrace__calibrate(void) {
  uint64_t t0, m0, t1, m1;
  ctrace__clock_pair(&t0, &m0);
  do {
    ctrace__clock_pair(&t1, &m1);
  } while (m1 - m0 < 1000000u);
  return (uint64_t)((double)(t1 - t0) * 1e9 / (double)(m1 - m0) + 0.5);
}

CTRACE__COLD void ctrace__write_header(int fd, int flags, uint64_t hz) {
  uint8_t h[CTRACE__HEADER_FIXED + 256];
  size_t n = ctrace__file_header(h, sizeof h, flags);
  if (ctrace__g.use_cpu_clock) {
    ctrace__put_u64(h + 16, hz);
    ctrace__put_u32(h + n - 4, ctrace__crc_update(0, h, n - 4));
  }
  if (ctrace__file_write(fd, h, n) != 0) ctrace__note_write_error();
  else ctrace__g.bytes_written += n;
}

static uint64_t ctrace__hz;
static int ctrace__atexit_registered;

static void ctrace__atexit(void);

static CTRACE__NOINSTR CTRACE__RARE void ctrace__session_defaults(ctrace_config *c) {
  if (c->buffer_size == 0) c->buffer_size = 64u << 10;
  if (c->buffer_size < 1024) c->buffer_size = 1024;
  if (c->buffer_size > CTRACE__MAX_CHUNK / 2) c->buffer_size = CTRACE__MAX_CHUNK / 2;
  if (c->flush_period_ms == 0) c->flush_period_ms = 100;
  if (c->max_buffers == 0) c->max_buffers = 256;
  if (c->cpu_sample_ms == 0) c->cpu_sample_ms = CTRACE_CPU_SAMPLE_MS_DEFAULT;
}

/* Definitions of every site known so far, so a new file is self-contained. */
static CTRACE__NOINSTR CTRACE__RARE void ctrace__redefine_all_sites(void) {
  uint32_t i;
  ctrace__lock(&ctrace__g.intern_lock);
  ctrace__g.defs_len = ctrace__g.defs_written = 0;
  ctrace__g.defs_oom = 0;
  for (i = 0; i < ctrace__g.n_sites; i++) ctrace__def_site(i + 1, &ctrace__g.sites[i]);
  ctrace__unlock(&ctrace__g.intern_lock);
}

#if !defined(_WIN32)
static CTRACE__NOINSTR CTRACE__RARE void ctrace__after_fork_child(void) {
  /* The child shares the parent's file descriptor: it must never write to
     it. The child stops tracing; it may start a session of its own. */
  ctrace__store_relaxed(&ctrace__active, 0);
  ctrace__g.running = 0;
  ctrace__g.writer_running = 0;
  ctrace__g.fd = -1;
  ctrace__g.session++; /* the parent's session is not the child's */
  ctrace__mutex_init(&ctrace__g.session_lock);
  ctrace__mutex_init(&ctrace__g.reg_lock);
  ctrace__mutex_init(&ctrace__g.q_lock);
  ctrace__mutex_init(&ctrace__g.file_lock);
  ctrace__mutex_init(&ctrace__g.intern_lock);
  ctrace__cond_init(&ctrace__g.q_cond);
  ctrace__g.q_head = ctrace__g.q_tail = NULL;
  ctrace__g.ret_head = ctrace__g.ret_tail = NULL;
  ctrace__g.queued = 0;
  ctrace__g.free_list = NULL;
  {
    /* Only the forking thread exists in the child. The others' states (and
       their locks, held or not at the fork) are forgotten; their memory is
       the parent's story. The caller keeps its state but not its buffer,
       which belongs to the parent's session. */
    ctrace__tstate *self = ctrace__tls, *t;
    for (t = ctrace__g.states; t; t = t->next) { /* their counts stay in the totals */
      if (t == self) continue;
      ctrace__g.exited_total += t->ms_total;
      ctrace__g.exited_mallocs += t->ms_mallocs;
      ctrace__g.exited_frees += t->ms_frees;
      ctrace__g.ms_alloc += (uint64_t)t->ms_pending;
    }
    ctrace__g.states = NULL;
    if (self) {
      self->next = self->prev = NULL;
      ctrace__mutex_init(&self->lock);
      self->buf = NULL;
      self->pos = self->copied = NULL;
      self->limit = 0;
      self->os_tid = ctrace__os_thread_id(); /* the child's own (it names the thread too) */
      ctrace__g.states = self;
    }
    /* The other threads' block tables stay (their blocks are the child's
       too) with no owner; a lock held at the fork is free in the child. */
    {
      ctrace__btable *b;
      ctrace__spare_tables = NULL;
      for (b = ctrace__tables; b; b = b->next) {
        b->lock = 0;
        if (!self || b != self->blocks) {
          b->next_spare = ctrace__spare_tables;
          ctrace__spare_tables = b;
        }
      }
    }
  }
}
static int ctrace__fork_hook_registered;
#endif

/* ---- fatal signals ----
   On a crash the handler writes what is buffered with write(2) only: chunks
   still queued, then each thread's unwritten events, then an end marker
   that says which signal killed the program. No lock is taken (the crashed
   thread may hold one); the file lock is tried for a moment so the writer
   thread is not interrupted mid-chunk. Then the signal goes on as before.
   A crash by stack overflow needs an alternate signal stack, which ctrace
   does not install. */
static int ctrace__hooks_installed;
static volatile long ctrace__crashing;

CTRACE__COLD void ctrace__crash_write(int fd, ctrace__buf *b) {
  ctrace__chunk_header(b);
  (void)ctrace__file_write(fd, b->data - CTRACE__CHUNK_HEADER, CTRACE__CHUNK_HEADER + (size_t)b->len);
}

/* Try a lock for up to about ms milliseconds; the crashed thread may hold
   it, so never wait for good. */
CTRACE__COLD int ctrace__crash_trylock(ctrace__mutex *m, int ms) {
  int tries;
#if defined(_WIN32)
  for (tries = 0; tries < ms; tries++) {
    if (TryEnterCriticalSection(m)) return 1;
    Sleep(1);
  }
#else
  for (tries = 0; tries < ms * 10; tries++) {
    struct timespec ts = {0, 100000};
    if (pthread_mutex_trylock(m) == 0) return 1;
    nanosleep(&ts, NULL);
  }
#endif
  return 0;
}

/* The end marker's fields at e (at most 50 bytes): how the trace ended and
   what was lost; its time in *ts. Their end. */
CTRACE__COLD uint8_t *ctrace__end_fields(uint8_t *e, int status, int sig, uint64_t *ts) {
  uint64_t f[5];
  int i;
  f[0] = (uint64_t)status;
  f[1] = (uint64_t)sig;
  ctrace__clock_pair(ts, &f[2]); /* the monotonic time */
  f[3] = ctrace__g.events_lost;
  f[4] = ctrace__g.chunks_lost;
  CTRACE__ROLLED
  for (i = 0; i < 5; i++) e = ctrace__put_varint(e, f[i]);
  return e;
}

static CTRACE__NOINSTR CTRACE__RARE void ctrace__crash_dump(int sig) {
  static uint8_t end[CTRACE__CHUNK_HEADER + 64];
  ctrace__buf *b, fake;
  ctrace__tstate *t;
  int fd = ctrace__g.fd, budget = 200;
  uint8_t *e;
  uint64_t ts;
  /* The other threads, the writer among them, keep running while this
     handler works: hold the file lock (no chunk half-written under us) and
     every thread's lock (no steal or seal moves events between a thread's
     buffer and the queue while both are read). The locks are never given
     back: the process is about to die. */
  ctrace__crash_trylock(&ctrace__g.file_lock, 200);
  for (t = ctrace__g.states; t && budget > 0; t = t->next)
    if (!ctrace__crash_trylock(&t->lock, budget > 50 ? 50 : budget)) budget -= 50;
  /* Definitions first: names interned since the writer's last drain. The
     buffer only grows by appending, so its prefix is stable enough here. */
  if (ctrace__g.defs_len > ctrace__g.defs_written && ctrace__g.defs_written <= ctrace__g.defs_len) {
    uint8_t hdr[CTRACE__CHUNK_HEADER];
    uint32_t len = (uint32_t)(ctrace__g.defs_len - ctrace__g.defs_written), crc;
    const uint8_t *d = ctrace__g.defs + ctrace__g.defs_written;
    memset(hdr, 0, sizeof hdr);
    hdr[0] = 'C';
    hdr[1] = 'K';
    hdr[2] = CTRACE__CH_DEFS;
    ctrace__put_u32(hdr + 4, len);
    crc = ctrace__crc_update(ctrace__crc_update(0, hdr, 28), d, len);
    ctrace__put_u32(hdr + 28, crc);
    (void)ctrace__file_write(fd, hdr, sizeof hdr);
    (void)ctrace__file_write(fd, d, len);
  }
  for (b = ctrace__g.q_head; b; b = b->next) ctrace__crash_write(fd, b);
  for (t = ctrace__g.states; t; t = t->next) {
    uint8_t *pos = t->pos;
    if (t->session != ctrace__g.session || !t->buf || !pos || pos <= t->copied) continue;
    memset(&fake, 0, sizeof fake);
    fake.data = t->copied;
    fake.len = (uint32_t)(pos - t->copied);
    fake.type = CTRACE__CH_EVENTS;
    fake.tid = t->tid;
    fake.seq = t->seq;
    fake.base_ts = t->copied_ts;
    ctrace__crash_write(fd, &fake);
  }
  e = ctrace__end_fields(end + CTRACE__CHUNK_HEADER, 1, sig, &ts);
  memset(&fake, 0, sizeof fake);
  fake.data = end + CTRACE__CHUNK_HEADER;
  fake.len = (uint32_t)(e - fake.data);
  fake.type = CTRACE__CH_END;
  fake.base_ts = ts;
  ctrace__crash_write(fd, &fake);
}

/* The first thread to crash dumps; tracing stops for every thread. */
static CTRACE__NOINSTR void ctrace__crash_now(int sig) {
  if (ctrace__g.running && !ctrace__g.flight && ctrace__g.fd >= 0 && ctrace__spin_try(&ctrace__crashing)) {
    ctrace__store_relaxed(&ctrace__active, 0);
    ctrace__crash_dump(sig);
  }
}

#if !defined(_WIN32)
static const int ctrace__fatal_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
#define CTRACE__N_FATAL (sizeof ctrace__fatal_signals / sizeof ctrace__fatal_signals[0])
static struct sigaction ctrace__old_actions[CTRACE__N_FATAL];

CTRACE__COLD void ctrace__on_fatal(int sig, siginfo_t *info, void *uc) {
  size_t i;
  (void)uc;
  ctrace__crash_now(sig);
  for (i = 0; i < CTRACE__N_FATAL; i++)
    if (ctrace__fatal_signals[i] == sig) sigaction(sig, &ctrace__old_actions[i], NULL);
  /* A fault re-executes the faulting instruction under the old handler; a
     signal that was sent must be sent again. */
  if (!info || info->si_code <= 0 || sig == SIGABRT) raise(sig);
}

static CTRACE__NOINSTR CTRACE__RARE void ctrace__crash_hooks(int on) {
  size_t i;
  if (on && !ctrace__hooks_installed) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = ctrace__on_fatal;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < CTRACE__N_FATAL; i++) sigaction(ctrace__fatal_signals[i], &sa, &ctrace__old_actions[i]);
    ctrace__hooks_installed = 1;
  } else if (!on && ctrace__hooks_installed) {
    for (i = 0; i < CTRACE__N_FATAL; i++) sigaction(ctrace__fatal_signals[i], &ctrace__old_actions[i], NULL);
    ctrace__hooks_installed = 0;
  }
}
#else
/* Windows: a fault is a structured exception. The process-wide filter for
   exceptions nothing handled dumps, then passes the exception on to the
   filter that was there before (or to the system, which ends the process).
   abort() raises SIGABRT through the C runtime. The end marker records the
   C runtime's signal numbers: SIGSEGV 11, SIGILL 4, SIGFPE 8, SIGABRT 22. */
static LPTOP_LEVEL_EXCEPTION_FILTER ctrace__old_filter;
static void (*ctrace__old_abort)(int);

static CTRACE__NOINSTR int ctrace__exception_signal(DWORD code) {
  switch (code) {
  case EXCEPTION_ACCESS_VIOLATION: case EXCEPTION_IN_PAGE_ERROR: case EXCEPTION_STACK_OVERFLOW:
  case EXCEPTION_ARRAY_BOUNDS_EXCEEDED: case EXCEPTION_DATATYPE_MISALIGNMENT: case EXCEPTION_GUARD_PAGE:
    return SIGSEGV;
  case EXCEPTION_ILLEGAL_INSTRUCTION: case EXCEPTION_PRIV_INSTRUCTION:
    return SIGILL;
  case EXCEPTION_INT_DIVIDE_BY_ZERO: case EXCEPTION_INT_OVERFLOW: case EXCEPTION_FLT_DIVIDE_BY_ZERO:
  case EXCEPTION_FLT_OVERFLOW: case EXCEPTION_FLT_UNDERFLOW: case EXCEPTION_FLT_INEXACT_RESULT:
  case EXCEPTION_FLT_INVALID_OPERATION: case EXCEPTION_FLT_STACK_CHECK: case EXCEPTION_FLT_DENORMAL_OPERAND:
    return SIGFPE;
  default:
    return SIGABRT; /* an exception no one handled (a C++ one, say): the program ends abnormally */
  }
}

static CTRACE__NOINSTR LONG WINAPI ctrace__on_exception(EXCEPTION_POINTERS *x) {
  ctrace__crash_now(ctrace__exception_signal(x && x->ExceptionRecord ? x->ExceptionRecord->ExceptionCode : 0));
  return ctrace__old_filter ? ctrace__old_filter(x) : EXCEPTION_CONTINUE_SEARCH;
}

static CTRACE__NOINSTR void __cdecl ctrace__on_abort(int sig) {
  ctrace__crash_now(sig);
  signal(SIGABRT, ctrace__old_abort == SIG_ERR ? SIG_DFL : ctrace__old_abort);
  raise(SIGABRT);
}

static CTRACE__NOINSTR CTRACE__RARE void ctrace__crash_hooks(int on) {
  if (on && !ctrace__hooks_installed) {
    ctrace__old_filter = SetUnhandledExceptionFilter(ctrace__on_exception);
    ctrace__old_abort = signal(SIGABRT, ctrace__on_abort);
    ctrace__hooks_installed = 1;
  } else if (!on && ctrace__hooks_installed) {
    SetUnhandledExceptionFilter(ctrace__old_filter);
    signal(SIGABRT, ctrace__old_abort == SIG_ERR ? SIG_DFL : ctrace__old_abort);
    ctrace__hooks_installed = 0;
  }
}
#endif

/* >>functions =================================================================
   CTRACE_INSTRUMENT_FUNCTIONS: ctrace defines the hooks that gcc and clang
   call around every function compiled with -finstrument-functions. A call
   is a zone whose site is the function's address: the site's name is the
   address in hex ("0x55d0c0ffee40"), its file "" and its line 0, so readers
   that know nothing of this show the address. The session also writes the
   memory map (each loaded ELF object: path, address range, build id) as an
   'M' chunk, from which the tools turn addresses into function names. A
   thread caches address -> site id, so a traced call costs a zone's few
   stores. A call shorter than the minimum duration whose begin is still
   held back (nothing recorded inside it) is dropped at its exit without a
   byte written. */
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
#if !defined(_WIN32) && !defined(__APPLE__)
#include <link.h>
#define CTRACE__FN_MAP 1
#if defined(__GLIBC__) && !defined(__USE_GNU)
/* glibc declares these only for _GNU_SOURCE, decided before this point;
   the first four members are the stable part of the interface. */
struct dl_phdr_info {
  ElfW(Addr) dlpi_addr;
  const char *dlpi_name;
  const ElfW(Phdr) *dlpi_phdr;
  ElfW(Half) dlpi_phnum;
  unsigned long long dlpi_adds; /* objects ever loaded (glibc 2.4 on; the size argument says) */
  unsigned long long dlpi_subs;
};
extern int dl_iterate_phdr(int (*callback)(struct dl_phdr_info *, size_t, void *), void *data);
#endif
#else
#define CTRACE__FN_MAP 0 /* no memory map yet: the tools show bare addresses */
#endif

static uint64_t ctrace__fn_min;        /* clock ticks; 0 keeps every call */
#ifdef CTRACE_PRELOAD_IMPLEMENTATION
#define ctrace__fn_busy ctrace__pl_busy /* one flag: inside ctrace, nothing is recorded */
static int ctrace__pl_functions;       /* CTRACE_FUNCTIONS=1: the hooks record (ctrace run --functions) */
#define CTRACE__FN_ON() (CTRACE__ON() && ctrace__pl_functions)
#else
static CTRACE__TLS int ctrace__fn_busy; /* in a hook's slow path: calls made from it are not traced */
#define CTRACE__FN_ON() CTRACE__ON()
#endif
/* The memory map: the 'M' chunk's payload and each object's address range. */
typedef struct ctrace__fn_mapbuf {
  uint8_t *p;
  size_t len, cap;
  uint64_t (*ranges)[2];
  uint32_t n_ranges, cap_ranges;
  int first;
} ctrace__fn_mapbuf;
/* Under intern_lock once a session runs: the current map, whether the file
   still lacks it, and the loader's count of objects ever loaded when it was
   made (0 when the C library does not say). */
static ctrace__fn_mapbuf ctrace__fn_map;
static int ctrace__fn_map_dirty;
static unsigned long long ctrace__fn_map_adds;
static void ctrace__fn_remap(uintptr_t fn);

CTRACE__HOT uint32_t ctrace__fn_slot(const void *fn) {
  uintptr_t a = (uintptr_t)fn;
  return (uint32_t)((a >> 4) ^ (a >> 13)) & (CTRACE__FN_CACHE - 1);
}

/* ---- the frame a hook runs in ----
   Calls made from one machine frame are siblings whatever their own frames
   hold, so nesting is told by the canonical frame address (CFA, the stack
   pointer before the call that made a frame) of the frame each enter hook
   is called from. gcc and clang call the hook after the prologue: the
   hook's own frame is lower in a callee with a bigger frame, which made a
   call after a longjmp look like a child of its dead sibling. For a given
   hook call site (`at`) the hook's frame sits a fixed distance below that
   CFA; the distance is asked once per `at` of the C runtime's unwinder
   (_Unwind_Backtrace reads .eh_frame), kept in a process-wide table and
   cached per thread beside the function's site id. On x86 the return
   address just below the CFA must be the call site the compiler passed,
   which catches a frame aligned at run time (its distance varies: the
   unwinder is asked each time). Without unwind information the lowest
   possible CFA, the hook's frame plus three words, stands in, made odd
   (CTRACE__FN_CFA_GUESS) so that it is known for one. */
#define CTRACE__FN_CFA_SLOTS 8192 /* a power of two: far more hook call sites than a program has */
#define CTRACE__FN_CFA_PROBES 16
#define CTRACE__FN_CFA_GUESS ((uintptr_t)1)
#if defined(__x86_64__) || defined(__i386__)
#define CTRACE__FN_RA_BELOW_CFA 1
#else
#define CTRACE__FN_RA_BELOW_CFA 0
#endif
static struct {
  volatile uintptr_t at; /* written under intern_lock, after dist */
  uintptr_t dist;
} ctrace__fn_cfa_table[CTRACE__FN_CFA_SLOTS];

/* Whether a hook whose frame is fa is dist below the CFA of a frame whose
   return address is cs. */
CTRACE__HOT int ctrace__fn_dist_fits(uintptr_t fa, uintptr_t dist, uintptr_t cs) {
  return !CTRACE__FN_RA_BELOW_CFA || (dist & CTRACE__FN_CFA_GUESS) ||
         *(const uintptr_t *)(fa + dist - sizeof(uintptr_t)) == cs;
}

CTRACE__HOT void ctrace__fn_enter_at(ctrace__tstate *t, uint32_t id, uint64_t now) {
  if (ctrace__fn_min) {
    if (t->fn_pending) ctrace__fn_flush(t); /* the caller made a call: it is kept */
    t->fn_pending = id;
    t->fn_pending_ts = now;
    return;
  }
  ctrace__event_commit(t, ctrace__put_varint(ctrace__event_head_at(t, CTRACE_EV_ZONE_BEGIN, now), id));
}

CTRACE__HOT void ctrace__fn_exit_at(ctrace__tstate *t, uint64_t now) {
  if (t->fn_pending && now - t->fn_pending_ts < ctrace__fn_min) {
    t->fn_pending = 0; /* short, nothing inside: as if never called */
    return;
  }
  ctrace__event_commit(t, ctrace__event_head_at(t, CTRACE_EV_ZONE_END, now)); /* writes a held begin first */
}

/* Which open calls an enter hook finds still open. Each open call keeps
   the CFA of the machine frame its enter hook ran in (see above), the call
   site gcc passed (that frame's return address) and where its enter hook
   was called from (at). A real call's CFA is below its caller's; a
   function the compiler inlined calls its hooks from its caller's machine
   frame: the same CFA and call site, another `at`; so an equal CFA nests.
   A call whose exit never came (longjmp, or an exception through code
   built without the flag) is found when a call's CFA is above it (its CFA
   below the new one's), equal with another call site (the caller called
   something else), or equal from its very hook call (a loop came back
   around). Only recursion gcc inlined into itself shares CFA and call site
   with its caller, and it differs in `at`. d <= CTRACE__FN_DEPTH; returns
   how many of the d stay open. */
CTRACE__HOT uint32_t ctrace__fn_open_at_enter(const ctrace__tstate *t, uint32_t d, uintptr_t cfa, uintptr_t cs,
                                              uintptr_t at) {
  uint32_t j;
  while (d && t->fn_stack[d - 1].cfa < cfa) d--;
  if (!d || t->fn_stack[d - 1].cfa != cfa) return d;
  if (t->fn_stack[d - 1].cs != cs) {
    while (d && t->fn_stack[d - 1].cfa == cfa) d--;
    return d;
  }
  for (j = d; j && t->fn_stack[j - 1].cfa == cfa; j--)
    if (t->fn_stack[j - 1].at == at) return j - 1;
  return d;
}

/* The same at an exit of fn. Calls whose frames are below the hook's are
   gone. gcc and clang often jump to the exit hook after the function's frame
   is released (the hook then returns straight to the call site, so `tail`):
   the exiting call is then among the gone ones, or was never recorded.
   Otherwise it is the shallowest open call of fn at or above the hook's
   frame, and the calls above it left without their exits (longjmp). An exit
   of no open call (it began before the session) ends only calls that are
   gone. */
static CTRACE__NOINSTR uint32_t ctrace__fn_open_at_exit(const ctrace__tstate *t, uint32_t d, uintptr_t fn, uintptr_t sp,
                                                        int tail) {
  uint32_t k;
  while (d && t->fn_stack[d - 1].sp < sp) d--;
  if (tail) return d;
  for (k = d; k; k--)
    if (t->fn_stack[k - 1].fn == fn) return k - 1;
  return d;
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32)
#include <unwind.h>
#define CTRACE__FN_UNWIND 1
typedef struct ctrace__fn_unwind_arg {
  uintptr_t at, cfa;
  int seen, frames;
} ctrace__fn_unwind_arg;

/* The unwinder's context for a frame holds the CFA of the frame unwound
   before it: the CFA of the frame that called the hook is read in the
   frame after it (the one its return address is in). */
static CTRACE__NOINSTR _Unwind_Reason_Code ctrace__fn_unwind_frame(struct _Unwind_Context *ctx, void *arg) {
  ctrace__fn_unwind_arg *u = (ctrace__fn_unwind_arg *)arg;
  if (u->seen) {
    u->cfa = (uintptr_t)_Unwind_GetCFA(ctx);
    return _URC_END_OF_STACK;
  }
  u->seen = (uintptr_t)_Unwind_GetIP(ctx) == u->at;
  return ++u->frames < 16 ? _URC_NO_REASON : _URC_END_OF_STACK;
}
#else
#define CTRACE__FN_UNWIND 0
#endif

/* The distance from a hook's frame fa to the CFA, from the table, else
   from the unwinder (and then into the table). */
static CTRACE__NOINSTR uintptr_t ctrace__fn_cfa_dist(uintptr_t fa, uintptr_t cs, uintptr_t at) {
  uintptr_t dist = 3 * sizeof(uintptr_t) + CTRACE__FN_CFA_GUESS;
  uint32_t i = (uint32_t)((at >> 2) ^ (at >> 15)) & (CTRACE__FN_CFA_SLOTS - 1), n, slot;
  uintptr_t a;
  for (n = 0; n < CTRACE__FN_CFA_PROBES; n++) {
    slot = (i + n) & (CTRACE__FN_CFA_SLOTS - 1);
    a = ctrace__load_acquire(&ctrace__fn_cfa_table[slot].at);
    if (a != at) {
      if (!a) break;
      continue;
    }
    if (ctrace__fn_dist_fits(fa, ctrace__fn_cfa_table[slot].dist, cs)) return ctrace__fn_cfa_table[slot].dist;
    break;
  }
#if CTRACE__FN_UNWIND
  {
    ctrace__fn_unwind_arg u;
    memset(&u, 0, sizeof u);
    u.at = at;
    _Unwind_Backtrace(ctrace__fn_unwind_frame, &u);
    if (u.cfa > fa && ctrace__fn_dist_fits(fa, u.cfa - fa, cs)) dist = u.cfa - fa;
  }
#endif
  ctrace__lock(&ctrace__g.intern_lock);
  for (n = 0; n < CTRACE__FN_CFA_PROBES; n++) {
    slot = (i + n) & (CTRACE__FN_CFA_SLOTS - 1);
    if (ctrace__fn_cfa_table[slot].at == at) break; /* known, but not this time's frame (aligned at run time) */
    if (!ctrace__fn_cfa_table[slot].at) {
      ctrace__fn_cfa_table[slot].dist = dist;
      ctrace__store_release(&ctrace__fn_cfa_table[slot].at, at);
      break;
    }
  }
  ctrace__unlock(&ctrace__g.intern_lock);
  return dist;
}

/* Open calls past CTRACE__FN_DEPTH are only counted: a hook in a frame
   above the deepest one kept is past all of them. */
static CTRACE__NOINSTR uint32_t ctrace__fn_untracked_gone(const ctrace__tstate *t, uintptr_t sp) {
  uint32_t d = t->fn_depth;
  return d > CTRACE__FN_DEPTH && sp > t->fn_stack[CTRACE__FN_DEPTH - 1].sp ? CTRACE__FN_DEPTH : d;
}

static CTRACE__NOINSTR ctrace__tstate *ctrace__fn_end_down_to(ctrace__tstate *t, uint32_t keep, uint64_t now) {
  while (t && t->fn_depth > keep) {
    ctrace__fn_exit_at(t, now);
    t->fn_depth--;
    t = ctrace__ready(CTRACE__MAX_FIXED_EVENT);
  }
  return t;
}

CTRACE__COLD void ctrace__fn_general(void *fn, int enter, uintptr_t sp, uintptr_t cs, uintptr_t at) {
  ctrace__tstate *t;
  if (ctrace__fn_busy) return; /* e.g. an instrumented CTRACE_MEM_ALLOC called from here */
  ctrace__fn_busy = 1;
  if (CTRACE__ON() && (t = ctrace__ready(CTRACE__MAX_FIXED_EVENT)) != NULL) {
    uint64_t now = ctrace__now();
    uint32_t d = ctrace__fn_untracked_gone(t, sp), keep;
    uintptr_t cfa;
    if (!enter) {
      keep = d <= CTRACE__FN_DEPTH ? ctrace__fn_open_at_exit(t, d, (uintptr_t)fn, sp, cs == at) : d - 1;
      ctrace__fn_end_down_to(t, keep, now);
    } else {
      uint32_t i = ctrace__fn_slot(fn), id = t->fn_cache[i].fn == (uintptr_t)fn ? t->fn_cache[i].id : 0;
      uintptr_t dist = ctrace__fn_cfa_dist(sp, cs, at);
      if (!id) {
        char name[32];
        int n = snprintf(name, sizeof name, "0x%llx", (unsigned long long)(uintptr_t)fn);
        ctrace__fn_remap((uintptr_t)fn); /* an object loaded since the map was made? */
        id = ctrace__site_intern(name, (size_t)n, "", 0);
      }
      if (id) {
        t->fn_cache[i].fn = (uintptr_t)fn;
        t->fn_cache[i].id = id;
        t->fn_cache[i].at = at;
        t->fn_cache[i].dist = dist;
      }
      cfa = sp + dist;
      keep = d <= CTRACE__FN_DEPTH ? ctrace__fn_open_at_enter(t, d, cfa, cs, at) : d;
      t = ctrace__fn_end_down_to(t, keep, now);
      /* Out of memory: no begin, and no end either (not on the stack). */
      if (id && t) {
        if (t->fn_depth < CTRACE__FN_DEPTH) {
          t->fn_stack[t->fn_depth].fn = (uintptr_t)fn;
          t->fn_stack[t->fn_depth].sp = sp;
          t->fn_stack[t->fn_depth].cs = cs;
          t->fn_stack[t->fn_depth].at = at;
          t->fn_stack[t->fn_depth].cfa = cfa;
        }
        t->fn_depth++;
        ctrace__fn_enter_at(t, id, now);
      }
    }
  }
  ctrace__fn_busy = 0;
}

#ifdef __cplusplus
extern "C" {
#endif
/* Never inlined into an instrumented function of the same file: the hooks
   read their own frame and return address (see ctrace__fn_open_at_enter). */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__FN_HOOK CTRACE__NOINSTR __attribute__((noinline))
#else
#define CTRACE__FN_HOOK CTRACE__NOINSTR
#endif
void __cyg_profile_func_enter(void *fn, void *call_site) CTRACE__FN_HOOK;
void __cyg_profile_func_exit(void *fn, void *call_site) CTRACE__FN_HOOK;

void __cyg_profile_func_enter(void *fn, void *call_site) {
  ctrace__tstate *t;
  uint32_t i, d;
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0), cs = (uintptr_t)call_site,
            at = (uintptr_t)__builtin_return_address(0), cfa;
  if (!CTRACE__FN_ON()) return;
  t = ctrace__tls;
  i = ctrace__fn_slot(fn);
  if (CTRACE__UNLIKELY(!t || ctrace__fn_busy || !ctrace__g.use_cpu_clock ||
                       (uintptr_t)t->pos + CTRACE__MAX_FIXED_EVENT > ctrace__load_relaxed(&t->limit) ||
                       t->fn_cache[i].fn != (uintptr_t)fn || t->fn_cache[i].at != at ||
                       !ctrace__fn_dist_fits(sp, t->fn_cache[i].dist, cs) || (d = t->fn_depth) >= CTRACE__FN_DEPTH ||
                       (cfa = sp + t->fn_cache[i].dist, d && t->fn_stack[d - 1].cfa <= cfa &&
                                                            ctrace__fn_open_at_enter(t, d, cfa, cs, at) != d))) {
    ctrace__fn_general(fn, 1, sp, cs, at);
    return;
  }
  t->fn_stack[d].fn = (uintptr_t)fn;
  t->fn_stack[d].sp = sp;
  t->fn_stack[d].cs = cs;
  t->fn_stack[d].at = at;
  t->fn_stack[d].cfa = cfa;
  t->fn_depth = d + 1;
  ctrace__fn_enter_at(t, t->fn_cache[i].id, ctrace__cpu_ticks());
}

/* The quick exit: the call on top, in the hook's frame or (the hook jumped
   to, see ctrace__fn_open_at_exit) in the one just below, its caller open. */
void __cyg_profile_func_exit(void *fn, void *call_site) {
  ctrace__tstate *t;
  uint32_t d;
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0), cs = (uintptr_t)call_site,
            at = (uintptr_t)__builtin_return_address(0);
  if (!CTRACE__FN_ON()) return;
  t = ctrace__tls;
  if (CTRACE__UNLIKELY(!t || ctrace__fn_busy || !ctrace__g.use_cpu_clock ||
                       (uintptr_t)t->pos + CTRACE__MAX_FIXED_EVENT > ctrace__load_relaxed(&t->limit) ||
                       (d = t->fn_depth) == 0 || d > CTRACE__FN_DEPTH || t->fn_stack[d - 1].fn != (uintptr_t)fn ||
                       (t->fn_stack[d - 1].sp < sp && (cs != at || (d > 1 && t->fn_stack[d - 2].sp < sp))))) {
    ctrace__fn_general(fn, 0, sp, cs, at);
    return;
  }
  t->fn_depth = d - 1;
  ctrace__fn_exit_at(t, ctrace__cpu_ticks());
}
#ifdef __cplusplus
}
#endif

static CTRACE__NOINSTR void ctrace__fn_map_free(ctrace__fn_mapbuf *b) {
  CTRACE_MEM_FREE(b->p);
  CTRACE_MEM_FREE(b->ranges);
  memset(b, 0, sizeof *b);
}

#if CTRACE__FN_MAP
static CTRACE__NOINSTR void ctrace__fn_put(ctrace__fn_mapbuf *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    uint8_t *m;
    while (cap < b->len + n) cap *= 2;
    m = (uint8_t *)CTRACE_MEM_REALLOC(b->p, cap);
    if (!m) return; /* the map is then cut short: the tools show addresses */
    b->p = m;
    b->cap = cap;
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

/* One record per loaded object: varint record length, then kind 1 (ELF),
   varint load bias, varint lowest and end address of its PT_LOAD segments,
   varint build-id length and bytes, varint path length and bytes. */
static CTRACE__NOINSTR int ctrace__fn_map_object(struct dl_phdr_info *info, size_t size, void *user) {
  ctrace__fn_mapbuf *b = (ctrace__fn_mapbuf *)user;
  uint8_t rec[4096 + 128], head[10], *p = rec;
  const uint8_t *bid = NULL;
  uint64_t lo = UINT64_MAX, hi = 0;
  uint32_t bid_len = 0;
  char exe[4096];
  const char *path = info->dlpi_name ? info->dlpi_name : "";
  size_t plen;
  int i;
  (void)size;
  if (!*path && b->first) { /* the main program: dl_iterate_phdr gives it no name */
    long n = (long)readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    path = exe;
  }
  b->first = 0;
  for (i = 0; i < (int)info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD) {
      if ((uint64_t)ph->p_vaddr < lo) lo = (uint64_t)ph->p_vaddr;
      if ((uint64_t)(ph->p_vaddr + ph->p_memsz) > hi) hi = (uint64_t)(ph->p_vaddr + ph->p_memsz);
    } else if (ph->p_type == PT_NOTE && !bid) {
      const uint8_t *n = (const uint8_t *)(uintptr_t)(info->dlpi_addr + ph->p_vaddr), *end = n + ph->p_memsz;
      while (n + 12 <= end) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, n, 4);
        memcpy(&descsz, n + 4, 4);
        memcpy(&type, n + 8, 4);
        if ((uint64_t)12 + ((namesz + 3u) & ~3u) + ((descsz + 3u) & ~3u) > (uint64_t)(end - n)) break;
        if (type == 3 && namesz == 4 && memcmp(n + 12, "GNU", 4) == 0 && descsz <= 64) { /* NT_GNU_BUILD_ID */
          bid = n + 12 + 4;
          bid_len = descsz;
          break;
        }
        n += 12 + ((namesz + 3u) & ~3u) + ((descsz + 3u) & ~3u);
      }
    }
  }
  if (lo == UINT64_MAX) return 0;
  plen = strlen(path);
  if (plen > 4096) plen = 4096;
  *p++ = 1;
  p = ctrace__put_varint(p, (uint64_t)info->dlpi_addr);
  p = ctrace__put_varint(p, (uint64_t)info->dlpi_addr + lo);
  p = ctrace__put_varint(p, (uint64_t)info->dlpi_addr + hi);
  p = ctrace__put_varint(p, bid_len);
  if (bid_len) memcpy(p, bid, bid_len);
  p += bid_len;
  p = ctrace__put_varint(p, plen);
  memcpy(p, path, plen);
  p += plen;
  ctrace__fn_put(b, head, (size_t)(ctrace__put_varint(head, (uint64_t)(p - rec)) - head));
  ctrace__fn_put(b, rec, (size_t)(p - rec));
  if (b->n_ranges == b->cap_ranges) {
    uint32_t cap = b->cap_ranges ? b->cap_ranges * 2 : 32;
    uint64_t(*r)[2] = (uint64_t(*)[2])CTRACE_MEM_REALLOC(b->ranges, sizeof *r * cap);
    if (!r) return 0;
    b->ranges = r;
    b->cap_ranges = cap;
  }
  b->ranges[b->n_ranges][0] = (uint64_t)info->dlpi_addr + lo;
  b->ranges[b->n_ranges][1] = (uint64_t)info->dlpi_addr + hi;
  b->n_ranges++;
  return 0;
}

static CTRACE__NOINSTR int ctrace__fn_adds_of(struct dl_phdr_info *info, size_t size, void *out) {
  if (size >= offsetof(struct dl_phdr_info, dlpi_subs)) *(unsigned long long *)out = info->dlpi_adds;
  return 1; /* the first object says it */
}
#endif

/* Makes the map of the objects loaded now into ctrace__fn_map. Outside
   every ctrace lock: dl_iterate_phdr takes the loader's. */
static CTRACE__NOINSTR void ctrace__fn_map_build(void) {
  ctrace__fn_mapbuf b;
  unsigned long long adds = 0;
  memset(&b, 0, sizeof b);
  b.first = 1;
#if CTRACE__FN_MAP
  dl_iterate_phdr(ctrace__fn_adds_of, &adds);
  dl_iterate_phdr(ctrace__fn_map_object, &b);
#endif
  ctrace__lock(&ctrace__g.intern_lock);
  ctrace__fn_map_free(&ctrace__fn_map);
  ctrace__fn_map = b;
  ctrace__fn_map_adds = adds;
  ctrace__fn_map_dirty = 1;
  ctrace__unlock(&ctrace__g.intern_lock);
}

/* A function the map does not cover: when the loader says objects were
   loaded since the map was made (dlopen), the map is made again, and
   written with the next definitions. Once per new function. */
static CTRACE__NOINSTR void ctrace__fn_remap(uintptr_t fn) {
#if CTRACE__FN_MAP
  unsigned long long adds = 0;
  uint32_t i;
  int known = 0, same;
  ctrace__lock(&ctrace__g.intern_lock);
  for (i = 0; i < ctrace__fn_map.n_ranges && !known; i++)
    known = fn >= ctrace__fn_map.ranges[i][0] && fn < ctrace__fn_map.ranges[i][1];
  ctrace__unlock(&ctrace__g.intern_lock);
  if (known) return;
  dl_iterate_phdr(ctrace__fn_adds_of, &adds);
  ctrace__lock(&ctrace__g.intern_lock);
  same = !adds || adds == ctrace__fn_map_adds;
  ctrace__unlock(&ctrace__g.intern_lock);
  if (!same) ctrace__fn_map_build();
#else
  (void)fn;
#endif
}

/* Writes the map if the file does not have this one yet; every map holds
   every object, readers take the objects of all. */
static CTRACE__NOINSTR void ctrace__fn_map_write(int fd, int always) {
  uint8_t *copy = NULL;
  size_t len = 0;
  ctrace__lock(&ctrace__g.intern_lock);
  if ((ctrace__fn_map_dirty || always) && ctrace__fn_map.len &&
      (copy = (uint8_t *)CTRACE_MEM_ALLOC(ctrace__fn_map.len)) != NULL) {
    len = ctrace__fn_map.len;
    memcpy(copy, ctrace__fn_map.p, len);
    ctrace__fn_map_dirty = 0;
  }
  ctrace__unlock(&ctrace__g.intern_lock);
  if (copy) ctrace__write_small(fd, CTRACE__CH_MAP, copy, len, 0);
  CTRACE_MEM_FREE(copy);
}

static CTRACE__NOINSTR void ctrace__fn_session(const ctrace_config *c) {
  uint32_t ns = c->function_min_ns ? c->function_min_ns : CTRACE_FUNCTION_MIN_NS_DEFAULT;
  if (ns == CTRACE_FUNCTION_MIN_NONE || ns == 0) ctrace__fn_min = 0;
  else if (ctrace__g.use_cpu_clock) ctrace__fn_min = (uint64_t)((double)ns * (double)ctrace__hz / 1e9) + 1;
  else ctrace__fn_min = ns;
  ctrace__fn_map_build();
}

#endif /* CTRACE_INSTRUMENT_FUNCTIONS */

/* ---- the environment (README "Environment variables"): the variables fill
   the ctrace_config fields a session left at 0, so a CTRACE_FILE session
   (all zero) is set entirely from them. A value that does not parse stops
   the session from starting, with a line on stderr naming the variable:
   a trace recorded with a setting other than the one asked for would
   mislead, and the program runs on untraced. */
/* "ctrace: NAME=VALUE: why; tracing not started" on stderr, the pieces
   written as they are (no stdio: README's drop-in size). */
static CTRACE__NOINSTR CTRACE__RARE CTRACE__SMALL void ctrace__not_started(const char *name, const char *value, const char *why) {
  const char *piece[6];
  size_t i;
  piece[0] = "ctrace: ";
  piece[1] = name;
  piece[2] = "=";
  piece[3] = value;
  piece[4] = ": ";
  piece[5] = why;
  for (i = 0; i < 6; i++) (void)ctrace__file_write(2, piece[i], strlen(piece[i]));
  (void)ctrace__file_write(2, "; tracing not started\n", 22);
}

/* The numbers the environment may set, named in order in the string below
   (no table of pointers, which a position-independent program would have to
   relocate): a field the config left at 0 takes the variable's value, a
   whole number in [lo, hi] (if_zero stands for 0 where 0 means something
   else in the config). */
typedef struct {
  size_t field;
  uint32_t lo, hi, if_zero;
} ctrace__env_number;

static CTRACE__NOINSTR CTRACE__RARE CTRACE__SMALL int ctrace__env_config(ctrace_config *c) {
  static const char num_names[] =
      "CTRACE_BUFFER_SIZE\0CTRACE_FLUSH_MS\0CTRACE_MAX_BUFFERS\0CTRACE_RSS_MS\0CTRACE_CATCH_FATAL\0"
      "CTRACE_FUNCTION_MIN_NS";
  static const ctrace__env_number nums[] = {
      {offsetof(ctrace_config, buffer_size), 1024, CTRACE__MAX_CHUNK / 2, 0},
      {offsetof(ctrace_config, flush_period_ms), 1, 3600000, 0},
      {offsetof(ctrace_config, max_buffers), 1, 1u << 20, 0},
      {offsetof(ctrace_config, rss_sample_ms), 0, 3600000, 0},
      {offsetof(ctrace_config, catch_fatal_signals), 0, 1, 0}, /* an int: the same size */
      {offsetof(ctrace_config, function_min_ns), 0, 1000000000u, CTRACE_FUNCTION_MIN_NONE}};
  /* the words of enum ctrace_clock_choice and enum ctrace_write_mode, in
     order, each list ended by an empty word */
  static const char word_names[2][18] = {"CTRACE_CLOCK", "CTRACE_WRITE_MODE"};
  static const char words[2][24] = {"auto\0cpu\0monotonic", "auto\0thread\0writer"};
  static const char word_lists[2][32] = {"expected auto, cpu or monotonic", "expected auto, thread or writer"};
  const char *name = num_names;
  int *choice[2];
  size_t i;
  for (i = 0; i < sizeof nums / sizeof nums[0]; i++, name += strlen(name) + 1) {
    const char *s = getenv(name), *end;
    uint32_t v;
    uint64_t n;
    memcpy(&v, (char *)c + nums[i].field, sizeof v);
    if (!s || v) continue;
    end = ctrace__get_dec(s, &n);
    if (end == s || *end || n < nums[i].lo || n > nums[i].hi) {
      char range[64], *p = range;
      memcpy(p, "expected a whole number from ", 29);
      p = ctrace__put_dec(p + 29, nums[i].lo);
      memcpy(p, " to ", 4);
      *ctrace__put_dec(p + 4, nums[i].hi) = 0;
      ctrace__not_started(name, s, range);
      return -1;
    }
    v = n ? (uint32_t)n : nums[i].if_zero;
    memcpy((char *)c + nums[i].field, &v, sizeof v);
  }
  choice[0] = &c->clock;
  choice[1] = &c->write_mode;
  for (i = 0; i < 2; i++) {
    const char *s = getenv(word_names[i]), *w = words[i];
    int k;
    if (!s || *choice[i]) continue; /* AUTO is 0 in both */
    for (k = 0; *w && strcmp(s, w) != 0; k++) w += strlen(w) + 1;
    if (!*w) {
      ctrace__not_started(word_names[i], s, word_lists[i]);
      return -1;
    }
    *choice[i] = k;
  }
  return 0;
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(CTRACE_NO_ENV_START) && \
    !defined(CTRACE_PRELOAD_IMPLEMENTATION)
/* CTRACE_FILE=path starts a session before main in any program that has the
   recorder (ctrace_stop, or the exit of the program, ends it); a program
   defines CTRACE_NO_ENV_START where it compiles the implementation to keep
   its sessions to its own calls. The preload library has its own start
   (>>preload). */
__attribute__((constructor)) static CTRACE__NOINSTR CTRACE__RARE void ctrace__env_start(void) {
  const char *p = getenv("CTRACE_FILE");
  int rc;
  if (!p || !*p) return;
  rc = ctrace_start(p);
  if (rc < 0 && rc != CTRACE_E_INVALID) /* INVALID: the variable at fault said so */
    ctrace__not_started("CTRACE_FILE", p, ctrace_strerror(rc));
}
#endif

CTRACE_API CTRACE__NOINSTR int ctrace_start(const char *path) { return ctrace_start_with(path, NULL); }

CTRACE_API CTRACE__NOINSTR CTRACE__RARE int ctrace_start_with(const char *path, const ctrace_config *cfg) {
  ctrace_config c;
  int fd = -1, flight;
  ctrace__once();
  if (cfg) c = *cfg; else memset(&c, 0, sizeof c);
  if (ctrace__env_config(&c) != 0) return CTRACE_E_INVALID;
  ctrace__session_defaults(&c);
  flight = c.flight_bytes > 0 || c.flight_ms > 0;
  if (!flight && (!path || !*path)) return CTRACE_E_INVALID;
  if (c.write_mode < CTRACE_WRITE_AUTO || c.write_mode > CTRACE_WRITE_WRITER) return CTRACE_E_INVALID;
  ctrace__lock(&ctrace__g.session_lock);
  if (ctrace__g.running) {
    ctrace__unlock(&ctrace__g.session_lock);
    return CTRACE_E_ALREADY_STARTED;
  }
  if (!flight) {
    fd = ctrace__file_create(path);
    if (fd < 0) {
      ctrace__unlock(&ctrace__g.session_lock);
      return CTRACE_E_OPEN;
    }
  }
  ctrace__g.cfg = c;
  ctrace__g.flight = flight;
  ctrace__g.fd = fd;
  ctrace__g.error = 0;
  ctrace__g.events_lost = ctrace__g.chunks_lost = ctrace__g.bytes_written = ctrace__g.chunks_written = 0;
  ctrace__g.chunks_by_threads = 0;
  ctrace__store_relaxed(&ctrace__g.full_buffers, 0);
  ctrace__store_relaxed(&ctrace__g.full_buffer_ns, 0);
  ctrace__g.write_mode = c.write_mode;
  ctrace__g.ncpu = ctrace__cpu_count();
  memset(ctrace__g.recent, 0, sizeof ctrace__g.recent);
  ctrace__g.recent_next = 0;
  ctrace__g.next_tid = 0;
  ctrace__g.stopping = 0;
  ctrace__g.use_cpu_clock = c.clock == CTRACE_CLOCK_CPU ||
                            (c.clock == CTRACE_CLOCK_AUTO && CTRACE__X86 && ctrace__cpu_counter_reliable());
  if (ctrace__g.use_cpu_clock && !ctrace__hz) ctrace__hz = ctrace__calibrate();
  ctrace__clock_pair(&ctrace__g.tsc0, &ctrace__g.mono0);
  ctrace__g.wall0 = ctrace__wall_ns();
  ctrace__g.session++;
  ctrace__redefine_all_sites();
#ifdef CTRACE_PRELOAD_IMPLEMENTATION
  ctrace__pl_redefine_stacks();
#endif
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
  ctrace__fn_session(&c);
#endif
  if (!flight) ctrace__write_header(fd, 0, ctrace__hz);
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
  if (!flight) ctrace__fn_map_write(fd, 1);
#endif
  if (ctrace__g.error) {
    ctrace__file_close(fd);
    ctrace__g.fd = -1;
    ctrace__unlock(&ctrace__g.session_lock);
    return CTRACE_E_WRITE;
  }
  ctrace__g.running = 1;
  ctrace__g.writer_running = 1;
  if (ctrace__thread_create(&ctrace__g.writer, ctrace__writer_main, NULL) != 0) {
    ctrace__g.running = 0;
    ctrace__g.writer_running = 0;
    if (fd >= 0) ctrace__file_close(fd);
    ctrace__g.fd = -1;
    ctrace__unlock(&ctrace__g.session_lock);
    return CTRACE_E_THREAD;
  }
#if !defined(_WIN32)
  if (!ctrace__fork_hook_registered) {
    ctrace__fork_hook_registered = 1;
    pthread_atfork(NULL, NULL, ctrace__after_fork_child);
  }
#endif
  if (!ctrace__atexit_registered) {
    ctrace__atexit_registered = 1;
    atexit(ctrace__atexit);
  }
  if (c.catch_fatal_signals) ctrace__crash_hooks(1);
  ctrace__store_release(&ctrace__active, 1);
  ctrace__unlock(&ctrace__g.session_lock);
  return CTRACE_OK;
}

/* The end marker: how the trace ended and what was lost. */
CTRACE__COLD void ctrace__write_end(int fd, int status, int sig) {
  uint8_t p[64];
  uint64_t ts;
  uint8_t *e = ctrace__end_fields(p, status, sig, &ts);
  ctrace__write_small(fd, CTRACE__CH_END, p, (size_t)(e - p), ts);
}

static CTRACE__NOINSTR void ctrace__free_list_release(void) {
  ctrace__buf *b, *n;
  for (b = ctrace__g.free_list; b; b = n) {
    n = b->next;
    CTRACE_MEM_FREE(b);
  }
  ctrace__g.free_list = NULL;
  for (b = ctrace__g.ret_head; b; b = n) {
    n = b->next;
    CTRACE_MEM_FREE(b);
  }
  ctrace__g.ret_head = ctrace__g.ret_tail = NULL;
  ctrace__g.ret_bytes = 0;
}

CTRACE__COLD int ctrace__stop_with(int status) {
  ctrace__tstate *t, *self;
  int rc;
  ctrace__once();
  ctrace__lock(&ctrace__g.session_lock);
  if (!ctrace__g.running) {
    ctrace__unlock(&ctrace__g.session_lock);
    return CTRACE_E_NOT_STARTED;
  }
  /* Every thread's CPU time to the end, from a thread already recording (one
     that recorded nothing is not made a thread of the trace for this). */
  if (ctrace__tls && ctrace__tls->session == ctrace__g.session) ctrace__sample_cpu();
  ctrace__store_relaxed(&ctrace__active, 0);
  ctrace__lock(&ctrace__g.q_lock);
  ctrace__g.stopping = 1;
  ctrace__cond_signal_all(&ctrace__g.q_cond);
  ctrace__unlock(&ctrace__g.q_lock);
  ctrace__thread_join(ctrace__g.writer);
  ctrace__g.writer_running = 0;
  ctrace__crash_hooks(0);
  /* From here no thread queues a chunk of its own; what threads still
     running recorded until now is taken by the steal. */
  ctrace__lock(&ctrace__g.reg_lock);
  ctrace__lock(&ctrace__g.q_lock);
  ctrace__g.running = 0;
  ctrace__unlock(&ctrace__g.q_lock);
  ctrace__unlock(&ctrace__g.reg_lock);
  ctrace__steal_all();
  ctrace__drain();
  if (!ctrace__g.flight) {
    ctrace__write_sync(ctrace__g.fd);
    ctrace__write_end(ctrace__g.fd, status, 0);
    if (ctrace__file_sync(ctrace__g.fd) != 0 || ctrace__file_close(ctrace__g.fd) != 0) ctrace__note_write_error();
  }
  ctrace__g.fd = -1;
  /* Detach every thread from the session; the next event of each takes the
     slow path and finds no session. The calling thread's buffer can go now. */
  self = ctrace__tls;
  ctrace__lock(&ctrace__g.reg_lock);
  for (t = ctrace__g.states; t; t = t->next) {
    ctrace__lock(&t->lock);
    ctrace__store_relaxed(&t->limit, (uintptr_t)0);
    if (t == self && t->buf) {
      CTRACE_MEM_FREE(t->buf);
      t->buf = NULL;
      t->pos = t->copied = NULL;
    }
    ctrace__unlock(&t->lock);
  }
  ctrace__unlock(&ctrace__g.reg_lock);
  ctrace__lock(&ctrace__g.q_lock);
  ctrace__free_list_release();
  ctrace__unlock(&ctrace__g.q_lock);
  rc = ctrace__g.error ? ctrace__g.error : (ctrace__g.events_lost || ctrace__g.chunks_lost) ? CTRACE_E_LOST : CTRACE_OK;
  ctrace__unlock(&ctrace__g.session_lock);
  return rc;
}

CTRACE_API CTRACE__NOINSTR int ctrace_stop(void) { return ctrace__stop_with(0); }

/* A program that returns from main without ctrace_stop still gets a complete
   trace; its end marker says so (status 2). */
static CTRACE__NOINSTR void ctrace__atexit(void) {
  if (ctrace__g.running) ctrace__stop_with(2);
}

CTRACE_API CTRACE__NOINSTR CTRACE__RARE int ctrace_flush(void) {
  int rc;
  ctrace__once();
  ctrace__lock(&ctrace__g.session_lock);
  if (!ctrace__g.running) {
    ctrace__unlock(&ctrace__g.session_lock);
    return CTRACE_E_NOT_STARTED;
  }
  ctrace__steal_all();
  ctrace__drain();
  rc = ctrace__g.error;
  ctrace__unlock(&ctrace__g.session_lock);
  return rc;
}

CTRACE_API CTRACE__NOINSTR int ctrace_enabled(void) { return CTRACE__ON(); }

CTRACE_API CTRACE__NOINSTR CTRACE__RARE int ctrace_flight_dump(const char *path) {
  int fd;
  ctrace__buf *b;
  uint8_t *defs = NULL;
  size_t defs_len;
  int saved_error, rc;
  uint64_t saved_bytes;
  if (!path || !*path) return CTRACE_E_INVALID;
  ctrace__once();
  ctrace__lock(&ctrace__g.session_lock);
  if (!ctrace__g.running || !ctrace__g.flight) {
    ctrace__unlock(&ctrace__g.session_lock);
    return CTRACE_E_NOT_FLIGHT;
  }
  ctrace__steal_all();
  ctrace__drain();
  fd = ctrace__file_create(path);
  if (fd < 0) {
    ctrace__unlock(&ctrace__g.session_lock);
    return CTRACE_E_OPEN;
  }
  ctrace__lock(&ctrace__g.file_lock);
  saved_error = ctrace__g.error;
  saved_bytes = ctrace__g.bytes_written;
  ctrace__g.error = 0;
  ctrace__write_header(fd, CTRACE__HF_FLIGHT, ctrace__hz);
#ifdef CTRACE_INSTRUMENT_FUNCTIONS
  ctrace__fn_map_write(fd, 1);
#endif
  ctrace__lock(&ctrace__g.intern_lock);
  defs_len = ctrace__g.defs_len;
  defs = (uint8_t *)CTRACE_MEM_ALLOC(defs_len + 1);
  if (defs) memcpy(defs, ctrace__g.defs, defs_len);
  ctrace__unlock(&ctrace__g.intern_lock);
  if (!defs) ctrace__note_write_error();
  else ctrace__write_small(fd, CTRACE__CH_DEFS, defs, defs_len, 0);
  CTRACE_MEM_FREE(defs);
  for (b = ctrace__g.ret_head; b; b = b->next) ctrace__write_chunk(fd, b);
  ctrace__write_sync(fd);
  ctrace__write_end(fd, 0, 0);
  if (ctrace__file_close(fd) != 0) ctrace__note_write_error();
  rc = ctrace__g.error;
  ctrace__g.error = saved_error;
  ctrace__g.bytes_written = saved_bytes;
  ctrace__unlock(&ctrace__g.file_lock);
  ctrace__unlock(&ctrace__g.session_lock);
  return rc;
}

CTRACE_API CTRACE__NOINSTR CTRACE__RARE void ctrace_session_stats_get(ctrace_session_stats *out) {
  if (!out) return;
  ctrace__once();
  memset(out, 0, sizeof *out);
  ctrace__lock(&ctrace__g.file_lock);
  out->events_lost = ctrace__g.events_lost;
  out->bytes_written = ctrace__g.bytes_written;
  out->chunks_written = ctrace__g.chunks_written;
  out->chunks_by_threads = ctrace__g.chunks_by_threads;
  out->full_buffers = ctrace__load_relaxed(&ctrace__g.full_buffers);
  out->full_buffer_ns = ctrace__load_relaxed(&ctrace__g.full_buffer_ns);
  out->error = ctrace__g.error;
  ctrace__unlock(&ctrace__g.file_lock);
  ctrace__lock(&ctrace__g.reg_lock);
  out->threads = ctrace__g.next_tid; /* every thread that joined, exited or not */
  ctrace__unlock(&ctrace__g.reg_lock);
}

/* >>preload ===================================================================
   CTRACE_PRELOAD_IMPLEMENTATION: the library `ctrace run` preloads into a
   program nobody changed (README.md, "ctrace run"). It defines the C
   library's allocation functions; each forwards to the next definition
   (the C library's, found with dlsym(RTLD_NEXT)) and, while a session runs,
   records the block with the call stack that asked for it.
   - Stacks come from .eh_frame, so they work in programs built without
     frame pointers, which most are: on x86-64 by an unwinder of ctrace's
     own that caches each return address's rule (below), elsewhere by the C
     runtime's _Unwind_Backtrace (CTRACE_UNWIND picks). Each distinct stack is written
     once (a DEF_STACK definition); an allocation carries its id. A thread
     keeps the stacks it saw in a cache of its own, so a repeated stack takes
     no lock.
   - dlsym allocates (calloc) before it can say where calloc is: those
     requests are served from a small static buffer, whose blocks free()
     recognises and never passes on.
   - A block the session did not see allocated (before the library started,
     or while nothing was recorded) is freed by the C library and not
     counted: frees are written as kind 69, whose block may predate the
     recording, and the reader, which knows the live blocks, tells them
     apart. The library keeps no table of blocks.
   - Everything ctrace allocates for itself happens with ctrace__pl_busy set
     (recording, the writer thread, the function hooks): those calls go
     straight to the C library.
   The session starts in a constructor from CTRACE_FILE, with the options
   ctrace run passes in the environment (CTRACE_STACK_DEPTH, CTRACE_FUNCTIONS,
   CTRACE_FUNCTION_MIN_NS, CTRACE_FLIGHT_MS, CTRACE_FLIGHT_BYTES), and ends
   at exit, _exit or exec (every function of the exec family). A program the
   first one starts (exec, posix_spawn, system) writes NAME.PID.ctrace
   beside NAME.ctrace; a child that forks and does not exec writes nothing
   (the fork handler of >>session stops its copy). */
#ifdef CTRACE_PRELOAD_IMPLEMENTATION
#if defined(_WIN32) || defined(__APPLE__) || !defined(CTRACE_INSTRUMENT_FUNCTIONS) || defined(__cplusplus)
#error "CTRACE_PRELOAD_IMPLEMENTATION: C, ELF systems, with CTRACE_INSTRUMENT_FUNCTIONS (see tools/ctrace_preload.c)"
#endif
#include <dlfcn.h>
#include <execinfo.h>
#include <malloc.h>
#include <unwind.h>

#define CTRACE__PL_DEPTH_DEFAULT 64
#define CTRACE__PL_DEPTH_MAX 256
#define CTRACE__STK_CACHE 512

typedef struct ctrace__stack {
  uint64_t hash;
  uint32_t id, depth, cut;
  uintptr_t frames[1];       /* depth of them (allocated longer) */
} ctrace__stack;

static struct {
  void *(*malloc)(size_t);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void (*free)(void *);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  void *(*memalign)(size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
  size_t (*usable_size)(void *);
  void (*exit_now)(int);
  int (*execve)(const char *, char *const[], char *const[]);
  int resolving;
  /* session */
  uint32_t depth;            /* frames kept per stack */
  int flight;
  char path[4096];
  int pid;                   /* the process that started the session */
  uint64_t checked, differed;/* CTRACE_UNWIND=check: stacks taken both ways, and how many differed */
  /* stacks, under intern_lock: never freed, never moved once made */
  ctrace__stack **by_id;     /* index id - 1 */
  uint32_t n, cap;
  ctrace__stack **slots;     /* open addressing by hash */
  uint32_t cap_slots;
  uint8_t *arena;
  size_t arena_left;
} ctrace__pl;

/* The requests dlsym makes before the C library's functions are known. */
static union { long double ld; void *p; uint64_t u; unsigned char b[64 << 10]; } ctrace__pl_boot;
static size_t ctrace__pl_boot_used;

static CTRACE__NOINSTR int ctrace__pl_is_boot(const void *p) {
  return (const unsigned char *)p >= ctrace__pl_boot.b && (const unsigned char *)p < ctrace__pl_boot.b + sizeof ctrace__pl_boot.b;
}

/* Each boot block has its size in the 16 bytes before it. */
static CTRACE__NOINSTR void *ctrace__pl_boot_alloc(size_t n) {
  size_t need = 16 + ((n + 15) & ~(size_t)15);
  unsigned char *p;
  if (n > sizeof ctrace__pl_boot.b || need > sizeof ctrace__pl_boot.b - ctrace__pl_boot_used) return NULL;
  p = ctrace__pl_boot.b + ctrace__pl_boot_used;
  ctrace__pl_boot_used += need;
  memcpy(p, &n, sizeof n);
  return p + 16; /* zeroed: static storage, never reused */
}

static CTRACE__NOINSTR size_t ctrace__pl_boot_size(const void *p) {
  size_t n;
  memcpy(&n, (const unsigned char *)p - 16, sizeof n);
  return n;
}

/* dlsym gives an object pointer; C has no cast from it to a function
   pointer, so the bits are copied. */
#define CTRACE__PL_SYM(field, name)                  \
  do {                                               \
    void *s_ = dlsym(RTLD_NEXT, name);               \
    memcpy(&ctrace__pl.field, &s_, sizeof s_);       \
  } while (0)

static CTRACE__NOINSTR void ctrace__pl_resolve(void) {
  if (ctrace__pl.resolving) return;
  ctrace__pl.resolving = 1;
  CTRACE__PL_SYM(calloc, "calloc");
  CTRACE__PL_SYM(free, "free");
  CTRACE__PL_SYM(realloc, "realloc");
  CTRACE__PL_SYM(posix_memalign, "posix_memalign");
  CTRACE__PL_SYM(aligned_alloc, "aligned_alloc");
  CTRACE__PL_SYM(memalign, "memalign");
  CTRACE__PL_SYM(valloc, "valloc");
  CTRACE__PL_SYM(pvalloc, "pvalloc");
  CTRACE__PL_SYM(usable_size, "malloc_usable_size");
  CTRACE__PL_SYM(exit_now, "_exit");
  CTRACE__PL_SYM(execve, "execve");
  CTRACE__PL_SYM(malloc, "malloc"); /* last: the others test it */
  ctrace__pl.resolving = 0;
}

#define CTRACE__PL_READY() (ctrace__pl.malloc || (ctrace__pl_resolve(), ctrace__pl.malloc))

/* ---- the unwinder ----
   _Unwind_Backtrace interprets the call-frame information (.eh_frame) of
   every frame of every stack, every time: 2-4 us an allocation in Lua, most
   of the run (README.md, "ctrace run"). On x86-64 the rule that steps a
   frame (where its caller's stack pointer, frame pointer and return address
   are) depends only on the address, and in compiled code it is almost always
   "CFA = rsp or rbp + N; return address at CFA - 8; rbp unchanged or saved
   at CFA + M". Each thread keeps those rules by address in a cache; a miss
   finds the address's FDE (_Unwind_Find_FDE, the C runtime's own search)
   and runs its CFA program to the address. A frame whose rule is anything
   else (a signal frame, a CFA expression) ends the stack there; a stack
   pointer that leaves the thread's stack ends it too, so a stale rule
   (code unloaded) cannot read outside it. Elsewhere, and when
   CTRACE_UNWIND=libgcc, _Unwind_Backtrace does it all. */
#if defined(__x86_64__)
#define CTRACE__PL_OWN_UNWIND 1
#include <pthread.h>
struct ctrace__eh_bases { void *tbase, *dbase, *func; };
extern const void *_Unwind_Find_FDE(void *pc, struct ctrace__eh_bases *bases);

#define CTRACE__PL_RULES 4096
/* kind: 0 empty, 1 a rule, 2 no usable rule (the stack ends here) */
typedef struct ctrace__pl_rule {
  uintptr_t pc;
  int32_t cfa_off;           /* CFA = (cfa_rbp ? rbp : rsp) + cfa_off */
  int16_t rbp_off;           /* rbp saved at CFA + rbp_off; 0: unchanged */
  uint8_t cfa_rbp, kind;
} ctrace__pl_rule;

typedef struct ctrace__pl_cfi {
  int cfa_rbp, ok;
  int64_t cfa_off, rbp_off, ra_off;
} ctrace__pl_cfi;

/* CTRACE_UNWIND: 1 own (default), 0 libgcc (_Unwind_Backtrace), 2 check
   (both, compared), and for measurements only (make bench): 3 fp (a
   frame-pointer walk: wrong, and may stop early, in code built without
   frame pointers, which is most code), 4 backtrace (glibc's backtrace(),
   _Unwind_Backtrace behind a call). -1: not decided yet. */
static int ctrace__pl_unwind_mode = -1;

static CTRACE__NOINSTR uint64_t ctrace__pl_uleb(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  unsigned s = 0;
  while (*p < end) {
    uint8_t b = *(*p)++;
    if (s < 64) v |= (uint64_t)(b & 0x7f) << s;
    s += 7;
    if (!(b & 0x80)) break;
  }
  return v;
}

static CTRACE__NOINSTR int64_t ctrace__pl_sleb(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  unsigned s = 0;
  uint8_t b = 0;
  while (*p < end) {
    b = *(*p)++;
    if (s < 64) v |= (uint64_t)(b & 0x7f) << s;
    s += 7;
    if (!(b & 0x80)) break;
  }
  if (s < 64 && (b & 0x40)) v |= ~(uint64_t)0 << s;
  return (int64_t)v;
}

/* A pointer in DW_EH_PE encoding enc at *p (pcrel and absolute only). */
static CTRACE__NOINSTR int ctrace__pl_encoded(const uint8_t **p, const uint8_t *end, uint8_t enc, uint64_t *out) {
  const uint8_t *at = *p;
  uint64_t v = 0;
  if (enc == 0xff) return -1; /* omitted */
  switch (enc & 0x0f) {
  case 0x00: case 0x04: case 0x0c: if (end - *p < 8) return -1; memcpy(&v, *p, 8); *p += 8; break;
  case 0x01: v = ctrace__pl_uleb(p, end); break;
  case 0x09: v = (uint64_t)ctrace__pl_sleb(p, end); break;
  case 0x02: { uint16_t x; if (end - *p < 2) return -1; memcpy(&x, *p, 2); *p += 2; v = x; break; }
  case 0x0a: { int16_t x; if (end - *p < 2) return -1; memcpy(&x, *p, 2); *p += 2; v = (uint64_t)(int64_t)x; break; }
  case 0x03: { uint32_t x; if (end - *p < 4) return -1; memcpy(&x, *p, 4); *p += 4; v = x; break; }
  case 0x0b: { int32_t x; if (end - *p < 4) return -1; memcpy(&x, *p, 4); *p += 4; v = (uint64_t)(int64_t)x; break; }
  default: return -1;
  }
  if ((enc & 0x70) == 0x10) v += (uint64_t)(uintptr_t)at;
  else if ((enc & 0x70) != 0) return -1;
  *out = v;
  return 0;
}

/* Runs CFA instructions [p, end) while the location is at or below pc. */
static CTRACE__NOINSTR int ctrace__pl_cfa_run(const uint8_t *p, const uint8_t *end, uint64_t loc, uint64_t pc,
                                             uint64_t code_align, int64_t data_align, const ctrace__pl_cfi *init,
                                             ctrace__pl_cfi *st) {
  ctrace__pl_cfi stack[8];
  int depth = 0;
  while (p < end) {
    uint8_t op = *p++, low = op & 0x3f;
    uint64_t reg, a;
    int64_t off;
    switch (op >> 6) {
    case 1: loc += low * code_align; if (loc > pc) return 0; continue;
    case 2:
      off = (int64_t)ctrace__pl_uleb(&p, end) * data_align;
      if (low == 6) st->rbp_off = off;
      else if (low == 16) st->ra_off = off;
      continue;
    case 3:
      if (low == 6) st->rbp_off = init->rbp_off;
      else if (low == 16) st->ra_off = init->ra_off;
      continue;
    default: break;
    }
    switch (op) {
    case 0x00: break;
    case 0x02: if (p >= end) return -1; loc += *p++ * code_align; if (loc > pc) return 0; break;
    case 0x03: { uint16_t d; if (end - p < 2) return -1; memcpy(&d, p, 2); p += 2; loc += d * code_align; if (loc > pc) return 0; break; }
    case 0x04: { uint32_t d; if (end - p < 4) return -1; memcpy(&d, p, 4); p += 4; loc += d * code_align; if (loc > pc) return 0; break; }
    case 0x05: case 0x11:
      reg = ctrace__pl_uleb(&p, end);
      off = (op == 0x05 ? (int64_t)ctrace__pl_uleb(&p, end) : ctrace__pl_sleb(&p, end)) * data_align;
      if (reg == 6) st->rbp_off = off;
      else if (reg == 16) st->ra_off = off;
      break;
    case 0x06: reg = ctrace__pl_uleb(&p, end); if (reg == 6) st->rbp_off = init->rbp_off; else if (reg == 16) st->ra_off = init->ra_off; break;
    case 0x07: reg = ctrace__pl_uleb(&p, end); if (reg == 16) return -1; if (reg == 6) st->rbp_off = 0; break; /* undefined */
    case 0x08: reg = ctrace__pl_uleb(&p, end); if (reg == 6) st->rbp_off = 0; break; /* same value */
    case 0x09: reg = ctrace__pl_uleb(&p, end); a = ctrace__pl_uleb(&p, end); if (reg == 6 || reg == 16) return -1; (void)a; break;
    case 0x0a: if (depth == 8) return -1; stack[depth++] = *st; break;
    case 0x0b: if (!depth) return -1; *st = stack[--depth]; break;
    case 0x0c: case 0x12:
      reg = ctrace__pl_uleb(&p, end);
      st->cfa_off = op == 0x0c ? (int64_t)ctrace__pl_uleb(&p, end) : ctrace__pl_sleb(&p, end) * data_align;
      if (reg != 6 && reg != 7) return -1;
      st->cfa_rbp = reg == 6;
      break;
    case 0x0d: reg = ctrace__pl_uleb(&p, end); if (reg != 6 && reg != 7) return -1; st->cfa_rbp = reg == 6; break;
    case 0x0e: st->cfa_off = (int64_t)ctrace__pl_uleb(&p, end); break;
    case 0x13: st->cfa_off = ctrace__pl_sleb(&p, end) * data_align; break;
    case 0x0f: return -1; /* CFA by expression (PLT entries, realigned stacks) */
    case 0x10: case 0x16:
      reg = ctrace__pl_uleb(&p, end);
      a = ctrace__pl_uleb(&p, end);
      if (reg == 6 || reg == 16 || a > (uint64_t)(end - p)) return -1;
      p += a;
      break;
    case 0x14: case 0x15:
      reg = ctrace__pl_uleb(&p, end);
      if (op == 0x14) (void)ctrace__pl_uleb(&p, end); else (void)ctrace__pl_sleb(&p, end);
      if (reg == 6 || reg == 16) return -1;
      break;
    case 0x2e: (void)ctrace__pl_uleb(&p, end); break; /* GNU_args_size */
    default: return -1;
    }
  }
  return 0;
}

/* The rule for the code at pc, from its FDE; kind 2 when there is none. */
static CTRACE__NOINSTR void ctrace__pl_rule_make(uintptr_t pc, ctrace__pl_rule *r) {
  struct ctrace__eh_bases bases;
  const uint8_t *fde = (const uint8_t *)_Unwind_Find_FDE((void *)pc, &bases), *cie, *p, *end, *cend, *aug;
  uint32_t len, cie_off;
  uint64_t code_align, start = 0, range = 0;
  int64_t data_align;
  uint8_t version, fde_enc = 0;
  int z = 0;
  ctrace__pl_cfi init, st;
  r->pc = pc;
  r->kind = 2;
  if (!fde) return;
  memcpy(&len, fde, 4);
  memcpy(&cie_off, fde + 4, 4);
  if (len == 0xffffffffu || len < 8 || !cie_off) return;
  end = fde + 4 + len;
  cie = fde + 4 - cie_off;
  memcpy(&len, cie, 4);
  if (len == 0xffffffffu || len < 8) return;
  cend = cie + 4 + len;
  p = cie + 8;
  version = *p++;
  aug = p;
  while (p < cend && *p) p++;
  if (p >= cend) return;
  p++;
  if (strchr((const char *)aug, 'S') || (aug[0] && aug[0] != 'z')) return; /* signal frames; unknown augmentations */
  code_align = ctrace__pl_uleb(&p, cend);
  data_align = ctrace__pl_sleb(&p, cend);
  if (version == 1) p++;
  else (void)ctrace__pl_uleb(&p, cend);
  if (aug[0] == 'z') {
    uint64_t alen = ctrace__pl_uleb(&p, cend);
    const uint8_t *a = p, *q;
    if (alen > (uint64_t)(cend - p)) return;
    for (q = aug + 1; *q; q++) {
      if (*q == 'R') fde_enc = *a++;
      else if (*q == 'L') a++;
      else if (*q == 'P') { uint64_t ignored; uint8_t e = *a++; if (ctrace__pl_encoded(&a, p + alen, e & 0x7f, &ignored)) return; }
      else return;
    }
    p += alen;
    z = 1;
  }
  memset(&init, 0, sizeof init);
  init.cfa_off = 8;
  init.ra_off = -8;
  if (ctrace__pl_cfa_run(p, cend, 0, 0, code_align, data_align, &init, &init)) return; /* at loc 0 nothing stops */
  p = fde + 8;
  if (ctrace__pl_encoded(&p, end, fde_enc, &start) || ctrace__pl_encoded(&p, end, fde_enc & 0x0f, &range)) return;
  if (pc < start || pc >= start + range) return;
  if (z) {
    uint64_t alen = ctrace__pl_uleb(&p, end);
    if (alen > (uint64_t)(end - p)) return;
    p += alen;
  }
  st = init;
  if (ctrace__pl_cfa_run(p, end, start, pc, code_align, data_align, &init, &st)) return;
  if (st.ra_off != -8 || st.cfa_off < 8 || st.cfa_off > 0x7fffffff || st.rbp_off < -32768 || st.rbp_off > 32767) return;
  r->cfa_off = (int32_t)st.cfa_off;
  r->rbp_off = (int16_t)st.rbp_off;
  r->cfa_rbp = (uint8_t)st.cfa_rbp;
  r->kind = 1;
}

/* Own frames first: steps from here until the allocation's return address,
   then keeps up to max return addresses. */
static CTRACE__NOINSTR __attribute__((noinline)) uint32_t ctrace__pl_walk_own(ctrace__tstate *t, uintptr_t from,
                                                                            uintptr_t *frames, uint32_t max,
                                                                            uint32_t *cut) {
  uintptr_t pc, sp, bp, lo, hi;
  uint32_t n = 0, skipped = 0, steps = 0;
  int keep = 0;
  ctrace__pl_rule *rules = t->pl_rules;
  if (!rules) return UINT32_MAX;
  lo = t->pl_stack_lo;
  hi = t->pl_stack_hi;
  __asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2" : "=r"(pc), "=r"(sp), "=r"(bp));
  for (;;) {
    /* pc is a return address except for the first frame: its call is the byte before */
    uintptr_t look = steps ? pc - 1 : pc, cfa, ra;
    ctrace__pl_rule *r = &rules[(look ^ (look >> 12)) & (CTRACE__PL_RULES - 1)];
    if (r->pc != look || !r->kind) ctrace__pl_rule_make(look, r);
    if (r->kind != 1) break;
    cfa = (r->cfa_rbp ? bp : sp) + (uintptr_t)(intptr_t)r->cfa_off;
    if (cfa <= sp || cfa < lo + 8 || cfa > hi || (r->rbp_off && (cfa + r->rbp_off < lo || cfa + r->rbp_off + 8 > hi)))
      break;
    memcpy(&ra, (const void *)(cfa - 8), sizeof ra);
    if (r->rbp_off) memcpy(&bp, (const void *)(cfa + r->rbp_off), sizeof bp);
    sp = cfa;
    pc = ra;
    steps++;
    if (!pc) break;
    if (!keep) {
      if (pc != from && ++skipped < 8) continue;
      keep = 1;
    }
    if (n == max) {
      *cut = 1;
      break;
    }
    frames[n++] = pc;
  }
  return keep ? n : UINT32_MAX;
}

/* CTRACE_UNWIND=fp: each frame's saved rbp and return address above it.
   The first frame kept is the one whose return address is `from`. */
static CTRACE__NOINSTR __attribute__((noinline)) uint32_t ctrace__pl_walk_fp(ctrace__tstate *t, uintptr_t from,
                                                                           uintptr_t *frames, uint32_t max,
                                                                           uint32_t *cut) {
  uintptr_t bp = (uintptr_t)__builtin_frame_address(0), lo = t->pl_stack_lo, hi = t->pl_stack_hi, ra, next;
  uint32_t n = 0, skipped = 0;
  int keep = 0;
  while (bp >= lo && bp + 16 <= hi && !(bp & 7)) {
    memcpy(&next, (const void *)bp, sizeof next);
    memcpy(&ra, (const void *)(bp + 8), sizeof ra);
    if (!ra) break;
    if (!keep && (ra == from || ++skipped >= 8)) keep = 1;
    if (keep) {
      if (n == max) {
        *cut = 1;
        break;
      }
      frames[n++] = ra;
    }
    if (next <= bp) break;
    bp = next;
  }
  return keep ? n : UINT32_MAX;
}

/* The thread's rule cache and stack bounds, made on its first stack. */
static CTRACE__NOINSTR int ctrace__pl_unwind_ready(ctrace__tstate *t) {
  pthread_attr_t attr;
  void *addr;
  size_t size;
  if (t->pl_rules) return 1;
  if (ctrace__pl_unwind_mode < 0) {
    const char *m = getenv("CTRACE_UNWIND");
    ctrace__pl_unwind_mode = !m                          ? 1
                             : strcmp(m, "libgcc") == 0    ? 0
                             : strcmp(m, "check") == 0     ? 2
                             : strcmp(m, "fp") == 0        ? 3
                             : strcmp(m, "backtrace") == 0 ? 4
                                                           : 1;
  }
  if (!ctrace__pl_unwind_mode || ctrace__pl_unwind_mode == 4 || t->pl_stack_hi == 1) return 0;
  t->pl_stack_hi = 1; /* tried */
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  if (pthread_attr_getstack(&attr, &addr, &size) != 0) {
    pthread_attr_destroy(&attr);
    return 0;
  }
  pthread_attr_destroy(&attr);
  if (!(t->pl_rules = (ctrace__pl_rule *)CTRACE_MEM_ALLOC(sizeof(ctrace__pl_rule) * CTRACE__PL_RULES))) return 0;
  memset(t->pl_rules, 0, sizeof(ctrace__pl_rule) * CTRACE__PL_RULES);
  t->pl_stack_lo = (uintptr_t)addr;
  t->pl_stack_hi = (uintptr_t)addr + size;
  return 1;
}
#else
#define CTRACE__PL_OWN_UNWIND 0
#endif

/* ---- stacks ---- */
typedef struct ctrace__pl_walk {
  uintptr_t *frames;
  uint32_t n, max, skipping, cut;
  uintptr_t from;            /* the first frame kept: the allocation call's return address */
} ctrace__pl_walk;

static CTRACE__NOINSTR _Unwind_Reason_Code ctrace__pl_frame(struct _Unwind_Context *ctx, void *arg) {
  ctrace__pl_walk *w = (ctrace__pl_walk *)arg;
  uintptr_t ip = (uintptr_t)_Unwind_GetIP(ctx);
  if (!ip) return _URC_END_OF_STACK;
  if (w->skipping) { /* ctrace's own frames, up to the caller of malloc */
    if (ip != w->from) {
      if (++w->skipping > 8) { /* not found (a tail call?): keep from here */
        w->skipping = 0;
        w->n = 0;
      } else {
        return _URC_NO_REASON;
      }
    }
    w->skipping = 0;
  }
  if (w->n == w->max) {
    w->cut = 1;
    return _URC_END_OF_STACK;
  }
  w->frames[w->n++] = ip;
  return _URC_NO_REASON;
}

static CTRACE__NOINSTR CTRACE__WRAPS uint64_t ctrace__pl_hash(const uintptr_t *f, uint32_t n) {
  uint64_t h = UINT64_C(0x9E3779B97F4A7C15) ^ n;
  uint32_t i;
  for (i = 0; i < n; i++) {
    h ^= (uint64_t)f[i];
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 32;
  }
  return h;
}

/* Called with intern_lock held. */
static CTRACE__NOINSTR void ctrace__pl_def_stack(const ctrace__stack *s) {
  uint8_t *p, *len_at;
  uint32_t i;
  if (ctrace__defs_reserve(1 + 10 * 3 + 10 * (size_t)s->depth)) return;
  p = ctrace__g.defs + ctrace__g.defs_len;
  *p++ = CTRACE__DEF_STACK;
  p = ctrace__put_varint(p, s->id);
  p = ctrace__put_varint(p, (uint64_t)s->depth * 2 + s->cut);
  len_at = p;
  p += 10; /* the byte count goes here once known; moved down after */
  for (i = 0; i < s->depth; i++)
    p = ctrace__put_varint(p, i ? ctrace__zigzag((int64_t)(s->frames[i] - s->frames[i - 1])) : (uint64_t)s->frames[0]);
  {
    uint8_t tmp[10];
    size_t bytes = (size_t)(p - (len_at + 10)), nl = (size_t)(ctrace__put_varint(tmp, bytes) - tmp);
    memmove(len_at + nl, len_at + 10, bytes);
    memcpy(len_at, tmp, nl);
    p = len_at + nl + bytes;
  }
  ctrace__g.defs_len = (size_t)(p - ctrace__g.defs);
}

static void ctrace__pl_redefine_stacks(void) {
  uint32_t i;
  ctrace__lock(&ctrace__g.intern_lock);
  for (i = 0; i < ctrace__pl.n; i++) ctrace__pl_def_stack(ctrace__pl.by_id[i]);
  ctrace__unlock(&ctrace__g.intern_lock);
}

static CTRACE__NOINSTR int ctrace__pl_same(const ctrace__stack *s, uint64_t h, const uintptr_t *f, uint32_t n, uint32_t cut) {
  return s->hash == h && s->depth == n && s->cut == cut && memcmp(s->frames, f, sizeof *f * n) == 0;
}

static CTRACE__NOINSTR int ctrace__pl_grow(void) {
  uint32_t cap = ctrace__pl.cap_slots ? ctrace__pl.cap_slots * 2 : 4096, i;
  ctrace__stack **slots = (ctrace__stack **)CTRACE_MEM_ALLOC(sizeof *slots * cap);
  if (!slots) return -1;
  memset(slots, 0, sizeof *slots * cap);
  for (i = 0; i < ctrace__pl.n; i++) {
    uint32_t j = (uint32_t)ctrace__pl.by_id[i]->hash & (cap - 1);
    while (slots[j]) j = (j + 1) & (cap - 1);
    slots[j] = ctrace__pl.by_id[i];
  }
  CTRACE_MEM_FREE(ctrace__pl.slots);
  ctrace__pl.slots = slots;
  ctrace__pl.cap_slots = cap;
  return 0;
}

/* The stack's record, made and defined if new; NULL when out of memory. */
static CTRACE__NOINSTR const ctrace__stack *ctrace__pl_intern(uint64_t h, const uintptr_t *f, uint32_t n, uint32_t cut) {
  ctrace__stack *s = NULL;
  uint32_t j;
  size_t bytes = sizeof *s + sizeof *f * (n ? n - 1 : 0);
  bytes = (bytes + 15) & ~(size_t)15;
  ctrace__lock(&ctrace__g.intern_lock);
  if ((ctrace__pl.n + 1) * 2 > ctrace__pl.cap_slots && ctrace__pl_grow()) goto out;
  for (j = (uint32_t)h & (ctrace__pl.cap_slots - 1); ctrace__pl.slots[j]; j = (j + 1) & (ctrace__pl.cap_slots - 1))
    if (ctrace__pl_same(ctrace__pl.slots[j], h, f, n, cut)) {
      s = ctrace__pl.slots[j];
      goto out;
    }
  if (ctrace__pl.n == ctrace__pl.cap) {
    uint32_t cap = ctrace__pl.cap ? ctrace__pl.cap * 2 : 1024;
    ctrace__stack **by = (ctrace__stack **)CTRACE_MEM_REALLOC(ctrace__pl.by_id, sizeof *by * cap);
    if (!by) goto out;
    ctrace__pl.by_id = by;
    ctrace__pl.cap = cap;
  }
  if (ctrace__pl.arena_left < bytes) {
    size_t size = bytes > (256u << 10) ? bytes : (256u << 10);
    if (!(ctrace__pl.arena = (uint8_t *)CTRACE_MEM_ALLOC(size))) {
      ctrace__pl.arena_left = 0;
      goto out;
    }
    ctrace__pl.arena_left = size;
  }
  s = (ctrace__stack *)(void *)ctrace__pl.arena;
  ctrace__pl.arena += bytes;
  ctrace__pl.arena_left -= bytes;
  s->hash = h;
  s->depth = n;
  s->cut = cut;
  memcpy(s->frames, f, sizeof *f * n);
  s->id = ++ctrace__pl.n;
  ctrace__pl.by_id[s->id - 1] = s;
  ctrace__pl.slots[j] = s;
  ctrace__pl_def_stack(s);
out:
  ctrace__unlock(&ctrace__g.intern_lock);
  return s;
}

/* The return addresses above the allocation call into w, the way
   CTRACE_UNWIND says. */
static CTRACE__NOINSTR void ctrace__pl_unwind(ctrace__tstate *t, ctrace__pl_walk *w) {
#if CTRACE__PL_OWN_UNWIND
  uint32_t n = UINT32_MAX;
  if (ctrace__pl_unwind_ready(t)) {
    n = ctrace__pl_unwind_mode == 3 ? ctrace__pl_walk_fp(t, w->from, w->frames, w->max, &w->cut)
                                    : ctrace__pl_walk_own(t, w->from, w->frames, w->max, &w->cut);
  } else if (ctrace__pl_unwind_mode == 4) { /* measurements: glibc's backtrace() */
    void *bt[CTRACE__PL_DEPTH_MAX + 8];
    int k, got = backtrace(bt, (int)w->max + 8);
    for (k = 0; k < got && k < 8 && (uintptr_t)bt[k] != w->from; k++) {
    }
    if (k == got || k == 8) k = 0;
    for (w->n = 0; k < got && w->n < w->max; k++) w->frames[w->n++] = (uintptr_t)bt[k];
    w->cut = k < got;
    return;
  }
  if (n != UINT32_MAX) {
    w->n = n;
    if (ctrace__pl_unwind_mode == 2) { /* CTRACE_UNWIND=check: both, compared */
      uintptr_t other[CTRACE__PL_DEPTH_MAX];
      ctrace__pl_walk v = *w;
      v.frames = other;
      v.n = v.cut = 0;
      v.skipping = 1;
      _Unwind_Backtrace(ctrace__pl_frame, &v);
      ctrace__pl.checked++;
      if (v.n != w->n || memcmp(other, w->frames, sizeof *other * w->n)) ctrace__pl.differed++;
    }
    return;
  }
#else
  (void)t;
#endif
  w->n = w->cut = 0;
  _Unwind_Backtrace(ctrace__pl_frame, w);
}

/* The id of the stack above the allocation call that returns to `from`. */
static CTRACE__NOINSTR uint32_t ctrace__pl_stack_id(ctrace__tstate *t, uintptr_t from) {
  uintptr_t frames[CTRACE__PL_DEPTH_MAX];
  ctrace__pl_walk w;
  const ctrace__stack *s;
  uint64_t h;
  uint32_t slot;
  w.frames = frames;
  w.n = w.cut = 0;
  w.max = ctrace__pl.depth;
  w.skipping = 1;
  w.from = from;
  ctrace__pl_unwind(t, &w);
  h = ctrace__pl_hash(frames, w.n);
  slot = (uint32_t)(h >> 40) & (CTRACE__STK_CACHE - 1);
  s = t->stk_cache[slot];
  if (s && ctrace__pl_same(s, h, frames, w.n, w.cut)) return s->id;
  s = ctrace__pl_intern(h, frames, w.n, w.cut);
  if (!s) return 0;
  if (!t->stk_cache[slot] || t->stk_cache[slot]->id < s->id) { /* likely new: code dlopen'd since the map? */
    uint32_t i;
    for (i = 0; i < w.n; i++) ctrace__fn_remap(frames[i]);
  }
  t->stk_cache[slot] = s;
  return s->id;
}

/* ---- recording ---- */
static const char ctrace__pl_names[][16] = {"malloc", "calloc", "realloc", "reallocarray", "posix_memalign",
                                            "aligned_alloc", "memalign", "valloc", "pvalloc", "free"};
enum { CTRACE__PL_MALLOC, CTRACE__PL_CALLOC, CTRACE__PL_REALLOC, CTRACE__PL_REALLOCARRAY, CTRACE__PL_POSIX_MEMALIGN,
       CTRACE__PL_ALIGNED_ALLOC, CTRACE__PL_MEMALIGN, CTRACE__PL_VALLOC, CTRACE__PL_PVALLOC, CTRACE__PL_FREE };

/* A sized event of this library's own: its fields, given as varints. */
static CTRACE__NOINSTR void ctrace__pl_event(ctrace__tstate *t, uint8_t kind, const uint64_t *v, int n) {
  uint8_t tmp[40], *e = tmp, *q;
  int i;
  for (i = 0; i < n; i++) e = ctrace__put_varint(e, v[i]);
  q = ctrace__event_head(t, kind);
  *q++ = (uint8_t)(e - tmp); /* < 128: a one-byte varint */
  memcpy(q, tmp, (size_t)(e - tmp));
  ctrace__event_commit(t, q + (e - tmp));
}

/* A new block p of size bytes from the call `fn` returning to `from`. */
static CTRACE__NOINSTR void ctrace__pl_alloc(void *p, uint64_t size, int fn, uintptr_t from) {
  ctrace__tstate *t;
  uint64_t v[4];
  uint32_t site, stack;
  if (!(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT)) || !(site = ctrace__call_site_id(t, ctrace__pl_names[fn], 0)) ||
      !(stack = ctrace__pl_stack_id(t, from)) || !(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT)))
    return;
  v[0] = site;
  v[1] = (uint64_t)(uintptr_t)p;
  v[2] = size;
  v[3] = stack;
  ctrace__pl_event(t, CTRACE__EV_ALLOC_STACK, v, 4);
}

/* p is being freed (or moved by realloc). Whether the session saw it
   allocated is the reader's to tell: a block from before the session is
   one it never saw, and a FREE_ANY of it is no problem. Keeping a table of
   live blocks here cost more than unwinding the stacks. */
static CTRACE__NOINSTR void ctrace__pl_free_event(void *p) {
  ctrace__tstate *t;
  uint64_t v[2];
  uint32_t site;
  if (!(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT)) ||
      !(site = ctrace__call_site_id(t, ctrace__pl_names[CTRACE__PL_FREE], 0)) || !(t = ctrace__ready(CTRACE__MAX_FIXED_EVENT)))
    return;
  v[0] = site;
  v[1] = (uint64_t)(uintptr_t)p;
  ctrace__pl_event(t, CTRACE__EV_FREE_ANY, v, 2);
}

#define CTRACE__PL_RECORDING() (CTRACE__ON() && !ctrace__pl_busy)
#define CTRACE__PL_CALLER() ((uintptr_t)__builtin_return_address(0))

static CTRACE__NOINSTR void *ctrace__pl_record(void *p, uint64_t size, int fn, uintptr_t from) {
  if (p) {
    int e = errno;
    ctrace__pl_busy = 1;
    ctrace__pl_alloc(p, size, fn, from);
    ctrace__pl_busy = 0;
    errno = e;
  }
  return p;
}

static CTRACE__NOINSTR void ctrace__pl_record_free(void *p) {
  int e = errno;
  ctrace__pl_busy = 1;
  ctrace__pl_free_event(p);
  ctrace__pl_busy = 0;
  errno = e;
}

CTRACE__NOINSTR void *malloc(size_t n) {
  if (!CTRACE__PL_READY()) return ctrace__pl_boot_alloc(n);
  if (!CTRACE__PL_RECORDING()) return ctrace__pl.malloc(n);
  return ctrace__pl_record(ctrace__pl.malloc(n), n, CTRACE__PL_MALLOC, CTRACE__PL_CALLER());
}

CTRACE__NOINSTR void *calloc(size_t n, size_t size) {
  if (!ctrace__pl.calloc) { /* dlsym asking, before it can answer */
    ctrace__pl_resolve();
    if (!ctrace__pl.calloc) return n && size > ((size_t)-1) / n ? NULL : ctrace__pl_boot_alloc(n * size);
  }
  if (!CTRACE__PL_RECORDING()) return ctrace__pl.calloc(n, size);
  return ctrace__pl_record(ctrace__pl.calloc(n, size), (uint64_t)n * size, CTRACE__PL_CALLOC, CTRACE__PL_CALLER());
}

CTRACE__NOINSTR void free(void *p) {
  if (!p || ctrace__pl_is_boot(p)) return;
  if (!CTRACE__PL_READY()) return; /* cannot happen: p came from somewhere */
  /* the event first: once freed, the address may be another thread's */
  if (CTRACE__PL_RECORDING()) ctrace__pl_record_free(p);
  ctrace__pl.free(p);
}

static CTRACE__NOINSTR void *ctrace__pl_realloc(void *p, size_t n, int fn, uintptr_t from) {
  void *q;
  if (p && ctrace__pl_is_boot(p)) { /* a boot block moves to the C library */
    size_t old = ctrace__pl_boot_size(p);
    if (!(q = malloc(n))) return NULL;
    memcpy(q, p, old < n ? old : n);
    return q;
  }
  if (!CTRACE__PL_READY()) return NULL;
  if (!CTRACE__PL_RECORDING()) return ctrace__pl.realloc(p, n);
  q = ctrace__pl.realloc(p, n);
  /* a failure leaves p as it was; realloc(p, 0) may free p and give NULL */
  if (p && (q || n == 0)) ctrace__pl_record_free(p);
  return ctrace__pl_record(q, n, fn, from);
}

CTRACE__NOINSTR void *realloc(void *p, size_t n) { return ctrace__pl_realloc(p, n, CTRACE__PL_REALLOC, CTRACE__PL_CALLER()); }

CTRACE__NOINSTR void *reallocarray(void *p, size_t n, size_t size) {
  if (n && size > ((size_t)-1) / n) {
    errno = ENOMEM;
    return NULL;
  }
  return ctrace__pl_realloc(p, n * size, CTRACE__PL_REALLOCARRAY, CTRACE__PL_CALLER());
}

CTRACE__NOINSTR int posix_memalign(void **out, size_t align, size_t n) {
  int rc;
  if (!CTRACE__PL_READY()) return ENOMEM;
  rc = ctrace__pl.posix_memalign(out, align, n);
  if (rc == 0 && CTRACE__PL_RECORDING()) ctrace__pl_record(*out, n, CTRACE__PL_POSIX_MEMALIGN, CTRACE__PL_CALLER());
  return rc;
}

#define CTRACE__PL_ALIGNED(fn, ENUM, params, args, size)                                     \
  CTRACE__NOINSTR void *fn params {                                                          \
    if (!CTRACE__PL_READY()) return NULL;                                                    \
    if (!CTRACE__PL_RECORDING()) return ctrace__pl.fn args;                                  \
    return ctrace__pl_record(ctrace__pl.fn args, size, ENUM, CTRACE__PL_CALLER());           \
  }
CTRACE__PL_ALIGNED(aligned_alloc, CTRACE__PL_ALIGNED_ALLOC, (size_t align, size_t n), (align, n), n)
CTRACE__PL_ALIGNED(memalign, CTRACE__PL_MEMALIGN, (size_t align, size_t n), (align, n), n)
CTRACE__PL_ALIGNED(valloc, CTRACE__PL_VALLOC, (size_t n), (n), n)
CTRACE__PL_ALIGNED(pvalloc, CTRACE__PL_PVALLOC, (size_t n), (n), n)

CTRACE__NOINSTR size_t malloc_usable_size(void *p) {
  if (!p) return 0;
  if (ctrace__pl_is_boot(p)) return ctrace__pl_boot_size(p);
  return CTRACE__PL_READY() ? ctrace__pl.usable_size(p) : 0;
}

/* ---- the session ---- */
static CTRACE__NOINSTR uint64_t ctrace__pl_env(const char *name, uint64_t dflt) {
  const char *v = getenv(name);
  return v && *v ? strtoull(v, NULL, 10) : dflt;
}

/* The session's file: CTRACE_FILE for the first program; NAME.PID.ctrace
   (NAME.PID.N.ctrace if taken) for any it starts. */
static CTRACE__NOINSTR int ctrace__pl_path(const char *file) {
  size_t n = strlen(file), base = n;
  int i;
  if (!getenv("CTRACE_RUN_CLAIMED")) {
    if (n >= sizeof ctrace__pl.path) return -1;
    memcpy(ctrace__pl.path, file, n + 1);
    setenv("CTRACE_RUN_CLAIMED", "1", 1);
    return 0;
  }
  if (n > 7 && strcmp(file + n - 7, ".ctrace") == 0) base = n - 7;
  for (i = 1; i < 100; i++) {
    int w = i == 1 ? snprintf(ctrace__pl.path, sizeof ctrace__pl.path, "%.*s.%d.ctrace", (int)base, file, (int)getpid())
                   : snprintf(ctrace__pl.path, sizeof ctrace__pl.path, "%.*s.%d.%d.ctrace", (int)base, file,
                              (int)getpid(), i);
    if (w < 0 || (size_t)w >= sizeof ctrace__pl.path) return -1;
    if (access(ctrace__pl.path, F_OK) != 0) return 0;
  }
  return -1;
}

/* Ends the session the way ctrace_stop does (a flight recorder writes its
   window first). Only in the process that started it: a vfork child shares
   its memory. */
static CTRACE__NOINSTR void ctrace__pl_finish(void) {
  if (!ctrace__g.running || getpid() != ctrace__pl.pid) return;
  ctrace__pl_busy = 1;
  if (ctrace__pl.flight) (void)ctrace_flight_dump(ctrace__pl.path);
  (void)ctrace_stop();
  if (ctrace__pl.checked)
    fprintf(stderr, "ctrace: unwind check: %llu stacks, %llu differ from _Unwind_Backtrace's\n",
            (unsigned long long)ctrace__pl.checked, (unsigned long long)ctrace__pl.differed);
  ctrace__pl_busy = 0;
}

__attribute__((constructor)) static CTRACE__NOINSTR void ctrace__pl_start(void) {
  const char *file = getenv("CTRACE_FILE");
  ctrace_config c;
  uint64_t depth;
  if (!CTRACE__PL_READY() || !file || !*file) return;
  ctrace__pl_busy = 1;
  if (ctrace__pl_path(file) == 0) {
    memset(&c, 0, sizeof c);
    depth = ctrace__pl_env("CTRACE_STACK_DEPTH", CTRACE__PL_DEPTH_DEFAULT);
    ctrace__pl.depth = depth < 1 ? 1 : depth > CTRACE__PL_DEPTH_MAX ? CTRACE__PL_DEPTH_MAX : (uint32_t)depth;
    ctrace__pl_functions = ctrace__pl_env("CTRACE_FUNCTIONS", 0) != 0;
    c.function_min_ns = (uint32_t)ctrace__pl_env("CTRACE_FUNCTION_MIN_NS", 0);
    c.flight_ms = (uint32_t)ctrace__pl_env("CTRACE_FLIGHT_MS", 0);
    c.flight_bytes = ctrace__pl_env("CTRACE_FLIGHT_BYTES", 0);
    c.catch_fatal_signals = 1;
    ctrace__pl.flight = c.flight_ms || c.flight_bytes;
    ctrace__pl.pid = (int)getpid();
    if (ctrace_start_with(ctrace__pl.flight ? NULL : ctrace__pl.path, &c) == CTRACE_OK) {
      (void)atexit(ctrace__pl_finish); /* before ctrace's own exit handler: status 0, flight window */
      CTRACE_THREAD_NAME("main");
    }
  }
  ctrace__pl_busy = 0;
}

/* _exit skips exit handlers: the trace is ended here first. */
CTRACE__NOINSTR void _exit(int status) {
  ctrace__pl_finish();
  if (CTRACE__PL_READY() && ctrace__pl.exit_now) ctrace__pl.exit_now(status);
  for (;;) abort();
}

CTRACE__NOINSTR void _Exit(int status) { _exit(status); }

/* ---- exec ----
   exec replaces the program without exit handlers, so the trace ends just
   before it; the new program, preloaded too (LD_PRELOAD and CTRACE_FILE
   stay in its environment), writes NAME.PID.ctrace. The C library's exec
   functions call its execve internally, not this one, so each of them is
   interposed. An exec bound to fail (no such program, or not executable,
   looked for as the C library will) leaves the session running; after one
   that failed anyway the program goes on into its next trace,
   NAME.PID.ctrace. */

/* Whether file names a program exec could run; search: along PATH, as
   execvp does for a name without '/'. */
static CTRACE__NOINSTR int ctrace__pl_runnable(const char *file, int search) {
  const char *dir, *end;
  char buf[4096];
  size_t n, len;
  if (!file || !*file) return 0;
  if (!search || strchr(file, '/')) return access(file, X_OK) == 0;
  dir = getenv("PATH");
  if (!dir) dir = "/bin:/usr/bin"; /* the C library's default */
  n = strlen(file);
  for (;; dir = end + 1) {
    end = strchr(dir, ':');
    len = end ? (size_t)(end - dir) : strlen(dir);
    if (len + n + 2 <= sizeof buf) {
      memcpy(buf, dir, len);
      buf[len] = '/';
      memcpy(buf + (len ? len + 1 : 0), file, n + 1); /* an empty entry: the current directory */
      if (access(buf, X_OK) == 0) return 1;
    }
    if (!end) return 0;
  }
}

/* Ends this process's session before an exec that may run; returns whether
   it did. */
static CTRACE__NOINSTR int ctrace__pl_before_exec(int runnable) {
  int mine = runnable && ctrace__g.running && getpid() == ctrace__pl.pid;
  if (mine) ctrace__pl_finish();
  return mine;
}

/* The exec returned (it failed): the session it ended is followed by the
   next one (ctrace__pl_start names it NAME.PID.ctrace). */
static CTRACE__NOINSTR int ctrace__pl_after_exec(int ended, int rc) {
  int e = errno;
  if (ended) ctrace__pl_start();
  errno = e;
  return rc;
}

CTRACE__NOINSTR int execve(const char *path, char *const argv[], char *const envp[]) {
  int ended;
  if (!CTRACE__PL_READY() || !ctrace__pl.execve) {
    errno = ENOSYS;
    return -1;
  }
  ended = ctrace__pl_before_exec(ctrace__pl_runnable(path, 0));
  return ctrace__pl_after_exec(ended, ctrace__pl.execve(path, argv, envp));
}

#define CTRACE__PL_EXEC(fn, params, args, runnable)    \
  CTRACE__NOINSTR int fn params {                      \
    int (*real)params;                                 \
    void *s = dlsym(RTLD_NEXT, #fn);                   \
    int ended;                                         \
    memcpy(&real, &s, sizeof s);                       \
    if (!real) {                                       \
      errno = ENOSYS;                                  \
      return -1;                                       \
    }                                                  \
    ended = ctrace__pl_before_exec(runnable);          \
    return ctrace__pl_after_exec(ended, real args);    \
  }
CTRACE__PL_EXEC(execv, (const char *path, char *const argv[]), (path, argv), ctrace__pl_runnable(path, 0))
CTRACE__PL_EXEC(execvp, (const char *file, char *const argv[]), (file, argv), ctrace__pl_runnable(file, 1))
CTRACE__PL_EXEC(execvpe, (const char *file, char *const argv[], char *const envp[]), (file, argv, envp),
                ctrace__pl_runnable(file, 1))
CTRACE__PL_EXEC(fexecve, (int fd, char *const argv[], char *const envp[]), (fd, argv, envp), fd >= 0)
CTRACE__PL_EXEC(execveat, (int dirfd, const char *path, char *const argv[], char *const envp[], int flags),
                (dirfd, path, argv, envp, flags), !*path || faccessat(dirfd, path, X_OK, 0) == 0)

/* The execl family takes its arguments as a list: gathered into an array
   and passed to the execv function of the same kind (p: execvp, e:
   execve with the environment after the list, else execv). */
static CTRACE__NOINSTR int ctrace__pl_execl(int kind, const char *file, const char *arg, va_list ap) {
  char *local[64], **argv = local, *const *envp = NULL;
  size_t n = 1, i;
  int rc;
  va_list count;
  va_copy(count, ap);
  while (va_arg(count, char *) != NULL) n++;
  va_end(count);
  if (n >= 64 && (!CTRACE__PL_READY() || !(argv = (char **)ctrace__pl.malloc((n + 1) * sizeof *argv)))) {
    errno = ENOMEM;
    return -1;
  }
  argv[0] = (char *)(uintptr_t)arg;
  for (i = 1; i <= n; i++) argv[i] = va_arg(ap, char *); /* argv[n]: the list's NULL */
  if (kind == 'e') envp = va_arg(ap, char *const *);
  rc = kind == 'p' ? execvp(file, argv) : kind == 'e' ? execve(file, argv, envp) : execv(file, argv);
  if (argv != local) ctrace__pl.free(argv);
  return rc;
}

#define CTRACE__PL_EXECL(fn, kind)                                      \
  CTRACE__NOINSTR int fn(const char *file, const char *arg, ...) {      \
    int rc;                                                             \
    va_list ap;                                                         \
    va_start(ap, arg);                                                  \
    rc = ctrace__pl_execl(kind, file, arg, ap);                         \
    va_end(ap);                                                         \
    return rc;                                                          \
  }
CTRACE__PL_EXECL(execl, 'v')
CTRACE__PL_EXECL(execlp, 'p')
CTRACE__PL_EXECL(execle, 'e')
#endif /* CTRACE_PRELOAD_IMPLEMENTATION */

/* <<impl:core */
#endif /* CTRACE_IMPLEMENTATION: the recorder */

#if defined(CTRACE_TOOLS_IMPLEMENTATION) && !defined(CTRACE__TOOLS_IMPLEMENTED)
#define CTRACE__TOOLS_IMPLEMENTED
/* >>impl:reader */
/* The tools' own start-up: the checksum tables and the PNG encoder's
   settings, once per process whichever call comes first. */
#ifdef CTRACE_WITH_PNG
static void ctrace__png_init(void);
#endif
static void ctrace__tools_init(void) {
  ctrace__crc_init();
#ifdef CTRACE_WITH_PNG
  ctrace__png_init();
#endif
}
static ctrace__once_flag_t ctrace__tools_once_flag = CTRACE__ONCE_INIT;
static void ctrace__tools_once(void) { CTRACE__CALL_ONCE(ctrace__tools_once_flag, ctrace__tools_init); }

/* >>reader ====================================================================
   Opening walks the chunk headers once: it learns the threads, reads the
   definitions, sync and end chunks, and notes damage. Events are then read
   through one cursor per thread, each holding one chunk, merged by time. */

typedef struct ctrace__rsite {
  const char *name, *file;
  uint32_t line;
} ctrace__rsite;

typedef struct ctrace__rthread {
  uint32_t tid;
  int has_events;
  uint64_t os_tid;
  const char *name;
  uint32_t first_chunk, last_chunk; /* the thread's events chunks, linked (ctrace__echunk) */
  int exited;                /* an intact chunk said the thread exited */
} ctrace__rthread;

/* Every events chunk the scan found, each linked to its thread's next one,
   so a cursor goes straight to its thread's chunks: walking the whole file
   once per thread was quadratic in the number of threads. */
typedef struct ctrace__echunk {
  uint64_t off;
  uint32_t next;             /* CTRACE__NO_CHUNK at the thread's last */
} ctrace__echunk;
#define CTRACE__NO_CHUNK 0xffffffffu

typedef struct ctrace__chunkhdr {
  uint8_t type, flags;
  uint32_t len, tid, seq, crc;
  uint64_t base_ts;
  uint8_t raw[CTRACE__CHUNK_HEADER];
} ctrace__chunkhdr;

typedef struct ctrace__cursor {
  uint32_t tid;
  int done, started;
  uint32_t next_chunk;     /* this thread's next chunk (r->echunks), or CTRACE__NO_CHUNK */
  uint32_t expect_seq;
  uint8_t *buf;            /* the current chunk's payload (file source) */
  uint32_t cap;
  const uint8_t *p, *end;  /* events left in the current chunk */
  const uint8_t *fields;   /* fields of the event at p (after its delta) */
  uint8_t kind;
  uint64_t ts;             /* timestamp of the event at p */
  uint64_t chunk_off;
  /* The chunk's base time, converted once: a time in the chunk is then
     ns_hi + ((ns_lo + (ts - base) * ns_mult) >> 32), exactly what
     ctrace__ticks_to_ns gives, while ts - base < span. */
  uint64_t base, ns_hi, span;
  uint32_t ns_lo;
} ctrace__cursor;

typedef struct ctrace__arena_block {
  struct ctrace__arena_block *next;
  size_t used, cap;
} ctrace__arena_block;

/* A call stack: first = index of its frames in the pool + 1 (0: not defined). */
struct ctrace__rstack {
  uint32_t first, depth;
};

typedef struct ctrace__skip {
  uint64_t from, to;         /* damage at `from`; the next intact chunk at `to` */
} ctrace__skip;

struct ctrace_reader {
  const uint8_t *mem;
  FILE *f;
  uint64_t size, data_start;
  ctrace_trace_info info;
  uint64_t tsc0;
  double ns_per_tick;
  int64_t ns_mult;           /* ns_per_tick * 2^32, for integer conversion */
  uint64_t max_hi;           /* larger high halves of a tick count overflow the clamp */
  ctrace__rsite *sites;
  const ctrace__rsite *site1[128]; /* sites with one-byte ids, unknown ones included */
  uint32_t n_sites, n_defs;
  ctrace__rthread *threads;  /* sorted by tid once the scan is over; in order of appearance during it */
  uint32_t n_threads, cap_threads;
  uint32_t *thash;           /* during the scan: tid -> index + 1, open addressing */
  uint32_t thash_cap;
  int scanned;
  ctrace__echunk *echunks;
  uint32_t n_echunks, cap_echunks;
  uint32_t *thread_ids;
  uint32_t n_thread_ids;
  ctrace__cursor *cursors;
  uint32_t *heap;            /* cursor indexes, min-heap by (ts, tid) */
  uint32_t n_heap;
  ctrace__cursor *top;       /* the cursor at heap[0], NULL when none */
  uint64_t limit;            /* the top stays on top while its time is below this */
  ctrace__arena_block *arena;
  char *msg;                 /* the current log message, NUL-terminated */
  size_t msg_cap;
  uint8_t *scratch;          /* file source: headers, definitions */
  size_t scratch_cap;
  uint8_t *scan_buf;         /* file source: blocks scanned for a chunk start */
  size_t scan_cap;
  uint32_t *pcrc;            /* CRC-32 of the file's first k * CTRACE__PCRC_STEP bytes, k = 0.. */
  uint32_t n_pcrc, cap_pcrc;
  uint32_t x2n[32];          /* x^(2^k) mod the CRC polynomial */
  uint8_t *pcrc_buf;
  size_t pcrc_buf_cap;
  /* File source: two windows of the file for the short CRCs, since a
     candidate's two ends are often far apart. */
  uint8_t *win_buf[2];
  size_t win_cap[2];
  uint64_t win_off[2], win_len[2];
  int win_last;
  struct ctrace__rmod *mods; /* objects of the memory map ('M') */
  uint32_t n_mods, cap_mods;
  struct ctrace__symbols *symbols; /* the files that name its functions, parsed once each */
  ctrace__skip *skips;       /* damaged stretches already scanned */
  uint32_t n_skips, cap_skips;
  uint64_t last_ts;          /* latest event time seen, for traces with no end marker */
  uint64_t end_ts;           /* timestamp of the end marker */
  int end_not_last;          /* chunks follow the end marker: the duration is the events' */
  /* Event times must lie in [ts_lo, ts_hi): below 2^63 ticks and within
     2^62 - 1 ns of the start either way, the range ctrace__ticks_to_ns gives
     exactly (past it every time would read as the same clamped value). */
  uint64_t ts_lo, ts_hi;
  uint64_t end_off;          /* file offset of the end marker */
  /* call stacks (DEF_STACK): by id - 1, each a run of frames in the pool */
  struct ctrace__rstack *stacks;
  uint32_t cap_stacks;
  ctrace_frame *frames;
  uint32_t n_frames, cap_frames;
};

/* Ticks since the start to ns. Hostile headers can make the result huge;
   converting an out-of-range double to an integer is undefined, so clamp. */
CTRACE__HOT int64_t ctrace__ticks_to_ns(const ctrace_reader *r, uint64_t ts) {
  /* floor((ts - t0) * ns_mult / 2^32) in 64-bit pieces: exact, and the same
     on every platform (a 32-bit reader must give the times a 64-bit one
     gives), with no double rounding and no 128-bit type. */
  const int64_t lim = INT64_MAX / 2;
  uint64_t m = (uint64_t)r->ns_mult;
  int neg = ts < r->tsc0; /* a time 2^63 ticks or more past t0 is late, not early */
  uint64_t mag = neg ? r->tsc0 - ts : ts - r->tsc0, hi = mag >> 32, lo = mag & 0xffffffffu;
  uint64_t low_part = (lo * (m & 0xffffffffu)), q;
  if (hi > r->max_hi) return neg ? -lim : lim;
  q = hi * m + lo * (m >> 32) + (low_part >> 32);
  if (q > (uint64_t)lim) return neg ? -lim : lim;
  if (neg) return -(int64_t)q - ((low_part & 0xffffffffu) != 0);
  return (int64_t)q;
}

/* Set r->ts_lo and r->ts_hi (see ctrace_reader) for the trace's clock: the
   conversion is monotonic, so each end is found by bisection. */
static void ctrace__time_range(ctrace_reader *r) {
  const int64_t lim = INT64_MAX / 2;
  const uint64_t top = UINT64_C(1) << 63;
  uint64_t lo, hi, m;
  r->ts_hi = top;
  if (r->tsc0 < top && ctrace__ticks_to_ns(r, top - 1) >= lim) {
    for (lo = r->tsc0, hi = top - 1; hi - lo > 1;) { /* ns(lo) < lim <= ns(hi) */
      m = lo + (hi - lo) / 2;
      if (ctrace__ticks_to_ns(r, m) >= lim) hi = m;
      else lo = m;
    }
    r->ts_hi = hi;
  }
  r->ts_lo = 0;
  if (ctrace__ticks_to_ns(r, 0) <= -lim) {
    hi = r->tsc0 < r->ts_hi ? r->tsc0 : r->ts_hi;
    if (ctrace__ticks_to_ns(r, hi) <= -lim) { /* nothing converts: an empty range */
      r->ts_lo = r->ts_hi;
      return;
    }
    for (lo = 0; hi - lo > 1;) { /* ns(lo) <= -lim < ns(hi) */
      m = lo + (hi - lo) / 2;
      if (ctrace__ticks_to_ns(r, m) <= -lim) lo = m;
      else hi = m;
    }
    r->ts_lo = hi;
  }
}

/* The cursor's time base at its chunk's base timestamp (see ctrace__cursor).
   No span (every time the long way) when the base is before the start or
   near the clamp. */
static void ctrace__cursor_timebase(const ctrace_reader *r, ctrace__cursor *c, uint64_t base) {
  uint64_t d, m = (uint64_t)r->ns_mult, hi, lo, low_part;
  c->base = base;
  c->span = 0;
  if (base < r->tsc0) return; /* as ctrace__ticks_to_ns decides early and late */
  d = base - r->tsc0;
  hi = d >> 32;
  lo = d & 0xffffffffu;
  low_part = lo * (m & 0xffffffffu);
  if (hi > r->max_hi) return;
  c->ns_hi = hi * m + lo * (m >> 32) + (low_part >> 32);
  c->ns_lo = (uint32_t)low_part;
  if (c->ns_hi > (uint64_t)(INT64_MAX / 4)) return;
  c->span = m ? (UINT64_MAX - 0xffffffffu) / m : UINT64_MAX;
  /* A time past 2^64 wraps to before the start, which the long way calls
     early: the quick way stops short of the wrap. */
  if (c->span > UINT64_MAX - base) c->span = UINT64_MAX - base;
}

/* ctrace__ticks_to_ns for a time in the cursor's chunk, mostly without the
   long way. */
/* A time before the base wraps e past any span: one compare tests both ends. */
CTRACE__HOT CTRACE__WRAPS int64_t ctrace__cursor_ns(const ctrace_reader *r, const ctrace__cursor *c, uint64_t ts) {
  uint64_t e = ts - c->base;
  if (e < c->span) return (int64_t)(c->ns_hi + ((c->ns_lo + e * (uint64_t)r->ns_mult) >> 32));
  return ctrace__ticks_to_ns(r, ts);
}

static void ctrace__damage(ctrace_reader *r, uint64_t off, const char *what) {
  if (r->info.first_damage_offset < 0) {
    r->info.first_damage_offset = (int64_t)off;
    snprintf(r->info.first_damage, sizeof r->info.first_damage, "%s at byte %llu", what,
             (unsigned long long)off);
  }
}

/* A self-contradiction: damage, counted apart so outputs can say so. */
static void ctrace__contradiction(ctrace_reader *r, uint64_t off, const char *what) {
  r->info.contradictions++;
  ctrace__damage(r, off, what);
}

/* Room for n bytes and a NUL in the reader's arena. */
static char *ctrace__arena_room(ctrace_reader *r, size_t n) {
  ctrace__arena_block *b = r->arena;
  char *out;
  if (!b || b->cap - b->used < n + 1) {
    size_t cap = n + 1 > 65536 ? n + 1 : 65536;
    b = (ctrace__arena_block *)CTRACE_MEM_ALLOC(sizeof *b + cap);
    if (!b) return NULL;
    b->cap = cap;
    b->used = 0;
    b->next = r->arena;
    r->arena = b;
  }
  out = (char *)(b + 1) + b->used;
  b->used += n + 1;
  return out;
}

static char *ctrace__arena_str(ctrace_reader *r, const uint8_t *s, size_t n) {
  char *out = ctrace__arena_room(r, n);
  if (!out) return NULL;
  if (n) memcpy(out, s, n);
  out[n] = 0;
  return out;
}

/* n bytes at off: straight from memory, or read into *buf (grown). NULL if
   the source ends first or memory runs out. */
static const uint8_t *ctrace__src(ctrace_reader *r, uint64_t off, size_t n, uint8_t **buf, size_t *cap) {
  if (off > r->size || n > r->size - off) return NULL;
  if (r->mem) return r->mem + off;
  if (*cap < n) {
    size_t c = n < 4096 ? 4096 : n;
    uint8_t *nb = (uint8_t *)CTRACE_MEM_REALLOC(*buf, c);
    if (!nb) return NULL;
    *buf = nb;
    *cap = c;
  }
  if (n == 0) return *buf;
#if defined(_WIN32)
  if (_fseeki64(r->f, (__int64)off, SEEK_SET) != 0) return NULL;
#else
  if (fseeko(r->f, (off_t)off, SEEK_SET) != 0) return NULL;
#endif
  if (fread(*buf, 1, n, r->f) != n) return NULL;
  return *buf;
}

static const uint8_t *ctrace__scratch(ctrace_reader *r, uint64_t off, size_t n) {
  return ctrace__src(r, off, n, &r->scratch, &r->scratch_cap);
}

/* Parse the header at off: 1 plausible, 0 the file ends inside it or its
   payload, -1 not a chunk header. */
/* ---- symbols (traces of CTRACE_INSTRUMENT_FUNCTIONS) ----
   A function's site is named by its address; the 'M' chunk lists the
   objects that were loaded. After the scan each such site is named from
   the ELF symbol tables (.symtab, else .dynsym) of its object, read here
   with no library, and given the file and line of its first instruction
   from the DWARF line table (.debug_line) when the object or its separate
   debug file has one. The file must be the one that ran: when the trace has
   its build id, a file with another (or none) is not used and the site
   is named object+0xOFFSET instead, never by a wrong name.
   CTRACE_SYMBOL_PATH (directories, ':'-separated) is searched first, by
   the object's file name, for binaries that moved.
   Work is done once per file, never per object or per site: a file is
   opened, read and parsed once per path (and once per dev/inode whatever
   the path), its tables are shared by every object that maps it, objects
   are found by binary search over disjoint address segments, and each
   name a site shows is built once per (file, symbol) and interned. */

/* One function symbol of a parsed ELF file, one per address. */
typedef struct ctrace__rsym {
  uint64_t value;
  uint64_t size;             /* bytes of code it spans (0: not known) */
  uint32_t name;             /* offset in the file's strtab */
  uint8_t rank;              /* which of several symbols at one address names it (lower wins) */
  uint8_t same_name;         /* another function of this file has this name at another address */
  const char *shown;         /* the name sites show, interned; NULL until a site needs it */
} ctrace__rsym;

#define CTRACE__LINE_END 0xffffffffu /* a line row that ends a sequence: no line past it */
/* One row of a line table: from addr on, code is at file:line. */
typedef struct ctrace__lrow {
  uint64_t addr;
  uint32_t file;             /* index in the file list, or CTRACE__LINE_END */
  uint32_t line;             /* 0: no line known */
} ctrace__lrow;

typedef struct ctrace__lfile {
  /* in the kept section buffers: the compilation directory, the file's
     directory and its name; a part is NULL when the next is absolute */
  const char *comp, *dir, *name;
  const char *shown;         /* the parts joined, interned when a site first needs it */
} ctrace__lfile;

enum { CTRACE__LINES_NONE = 0, CTRACE__LINES_READ = 1, CTRACE__LINES_COMPRESSED = 2, CTRACE__LINES_BAD = 3 };

/* One parsed ELF file, shared by every object that maps it. */
typedef struct ctrace__elf {
  int state;                 /* 1 read, -1 unusable (missing, not ELF, malformed) */
  int full_symtab;           /* its functions come from a .symtab (not .dynsym's exported few) */
  uint8_t bid[64];           /* its own GNU build id */
  uint32_t bid_len;
  char *strtab;
  uint64_t strsize;
  ctrace__rsym *syms;        /* sorted by value */
  uint32_t n_syms;
  int lines;                 /* CTRACE__LINES_* */
  ctrace__lrow *rows;        /* sorted by address */
  uint64_t n_rows;
  ctrace__lfile *files;
  uint32_t n_files, cap_files;
  uint8_t *keep[5];          /* .debug_line, _line_str, _str, _info, _abbrev: file names point into them */
  char *debuglink;           /* .gnu_debuglink's file name (NULL if none) */
  uint32_t debuglink_crc;
} ctrace__elf;

typedef struct ctrace__rmod {
  uint64_t bias, lo, hi;
  const char *path;          /* in the reader's arena */
  uint8_t bid[64];
  uint32_t bid_len;
  uint32_t path_id;          /* equal paths, equal ids */
  int32_t elf;               /* index of its file in the cache; -1 none usable */
  int state;                 /* 0 not looked up yet, 1 looked up */
  int bad_path;              /* the path held a NUL: never opened */
} ctrace__rmod;

/* A stretch of addresses held by one object (mod >= 0), or by several in
   turn (-1: unloaded, then another loaded there). */
typedef struct ctrace__rseg {
  uint64_t lo, hi;
  int32_t mod;
} ctrace__rseg;

/* A hash map from bytes (a path, a name, a dev/inode pair) to a value. */
typedef struct ctrace__sment {
  const char *s;
  size_t n;
  uint64_t h;
  uint32_t v;
} ctrace__sment;
typedef struct ctrace__smap {
  ctrace__sment *e;
  uint32_t cap, used;
  int owns;                  /* keys are copied in (freed by ctrace__smap_free) */
} ctrace__smap;

typedef struct ctrace__fileread {
  uint64_t id[2]; /* device, inode */
  char *path;
} ctrace__fileread;

typedef struct ctrace__symbols {
  ctrace__elf *elfs;
  uint32_t n_elfs, cap_elfs;
  ctrace__smap by_path;      /* opened path -> elf index */
  ctrace__smap by_inode;     /* dev/inode -> elf index */
  ctrace__smap mod_paths;    /* object path -> path id */
  ctrace__smap strings;      /* names and files sites show, interned */
  ctrace__rseg *segs;
  uint32_t n_segs;
  ctrace__fileread *read;    /* every file opened, for a tool's -o */
  uint32_t n_read, cap_read;
} ctrace__symbols;

/* Remembers a file the reader opened (an object or its debug file), so a
   tool can refuse to write over it (ctrace_reader_reads_file). */
static void ctrace__symbols_read(ctrace__symbols *y, const uint64_t id[2], const char *path) {
  size_t n = strlen(path);
  char *copy;
  if (y->n_read == y->cap_read) {
    uint32_t cap = y->cap_read ? 2 * y->cap_read : 8;
    ctrace__fileread *nr = (ctrace__fileread *)CTRACE_MEM_REALLOC(y->read, cap * sizeof *nr);
    if (!nr) return;
    y->read = nr;
    y->cap_read = cap;
  }
  if (!(copy = (char *)CTRACE_MEM_ALLOC(n + 1))) return;
  memcpy(copy, path, n + 1);
  y->read[y->n_read].id[0] = id[0];
  y->read[y->n_read].id[1] = id[1];
  y->read[y->n_read++].path = copy;
}

static CTRACE__WRAPS uint64_t ctrace__sym_hash(const char *s, size_t n) {
  uint64_t v = UINT64_C(0xcbf29ce484222325); /* FNV-1a */
  while (n--) v = (v ^ (uint8_t)*s++) * UINT64_C(0x100000001b3);
  return v | 1;                      /* 0 marks an empty slot */
}

/* The entry for (s, n); absent, one is added with value v and s as given
   (the caller may point it at a lasting copy). NULL when memory runs out. */
static ctrace__sment *ctrace__smap_get(ctrace__smap *m, const char *s, size_t n, uint32_t v, int *found) {
  uint64_t h = ctrace__sym_hash(s, n);
  uint32_t i;
  if ((m->used + 1) * 4 > m->cap * 3) {
    uint32_t cap = m->cap ? m->cap * 2 : 64, j;
    ctrace__sment *ne = (ctrace__sment *)CTRACE_MEM_ALLOC(sizeof *ne * cap);
    if (!ne || cap < m->cap) return NULL;
    memset(ne, 0, sizeof *ne * cap);
    for (j = 0; j < m->cap; j++) {
      if (!m->e[j].h) continue;
      for (i = (uint32_t)m->e[j].h & (cap - 1); ne[i].h; i = (i + 1) & (cap - 1)) {}
      ne[i] = m->e[j];
    }
    CTRACE_MEM_FREE(m->e);
    m->e = ne;
    m->cap = cap;
  }
  for (i = (uint32_t)h & (m->cap - 1); m->e[i].h; i = (i + 1) & (m->cap - 1))
    if (m->e[i].h == h && m->e[i].n == n && memcmp(m->e[i].s, s, n) == 0) {
      *found = 1;
      return &m->e[i];
    }
  *found = 0;
  if (m->owns) {
    char *c = (char *)CTRACE_MEM_ALLOC(n ? n : 1);
    if (!c) return NULL;
    memcpy(c, s, n);
    s = c;
  }
  m->e[i].s = s;
  m->e[i].n = n;
  m->e[i].h = h;
  m->e[i].v = v;
  m->used++;
  return &m->e[i];
}

static void ctrace__smap_free(ctrace__smap *m) {
  uint32_t i;
  if (m->owns)
    for (i = 0; i < m->cap; i++)
      if (m->e[i].h) CTRACE_MEM_FREE((void *)(uintptr_t)m->e[i].s);
  CTRACE_MEM_FREE(m->e);
  memset(m, 0, sizeof *m);
}

/* s interned in the reader's arena: one copy per distinct text. */
static const char *ctrace__sym_intern(ctrace_reader *r, ctrace__symbols *y, const char *s, size_t n) {
  int found;
  ctrace__sment *e = ctrace__smap_get(&y->strings, s, n, 0, &found);
  char *c;
  if (!e) return NULL;
  if (found) return e->s;
  c = ctrace__arena_str(r, (const uint8_t *)s, n);
  if (!c) {
    e->s = ""; /* keeps the table consistent: "" never matches a non-empty key again */
    e->n = 0;
    return NULL;
  }
  return e->s = c;
}

static char *ctrace__arena_name(ctrace_reader *r, const uint8_t *s, size_t n, uint64_t off);

static void ctrace__parse_map(ctrace_reader *r, const uint8_t *p, const uint8_t *end, uint64_t off) {
  const uint8_t *start = p;
  while (p < end) {
    uint64_t len, v[4], plen;
    const uint8_t *rec, *q;
    ctrace__rmod *m;
    if (ctrace__get_varint(&p, end, &len) || len > (uint64_t)(end - p)) return;
    rec = p;
    p += len;
    q = rec + 1;
    if (len < 1 || rec[0] != 1) continue; /* a kind of object this reader does not know */
    if (ctrace__get_varint(&q, p, &v[0]) || ctrace__get_varint(&q, p, &v[1]) || ctrace__get_varint(&q, p, &v[2]) ||
        ctrace__get_varint(&q, p, &v[3]) || v[3] > 64 || v[3] > (uint64_t)(p - q))
      continue;
    if (r->n_mods == r->cap_mods) {
      uint32_t cap = r->cap_mods ? r->cap_mods * 2 : 16;
      ctrace__rmod *n = (ctrace__rmod *)CTRACE_MEM_REALLOC(r->mods, sizeof *n * cap);
      if (!n) return;
      r->mods = n;
      r->cap_mods = cap;
    }
    m = &r->mods[r->n_mods];
    memset(m, 0, sizeof *m);
    m->bias = v[0];
    m->lo = v[1];
    m->hi = v[2];
    m->elf = -1;
    m->bid_len = (uint32_t)v[3];
    memcpy(m->bid, q, m->bid_len);
    q += m->bid_len;
    if (ctrace__get_varint(&q, p, &plen) || plen > (uint64_t)(p - q)) continue;
    /* a NUL would cut the path: two objects would merge and the tool would
       open the cut path. Damage, as in names, and the object is not opened. */
    m->bad_path = memchr(q, 0, (size_t)plen) != NULL;
    m->path = ctrace__arena_name(r, q, (size_t)plen, off + (uint64_t)(q - start));
    if (m->path) r->n_mods++;
  }
}

static uint64_t ctrace__elf_get(const uint8_t *p, int n) {
  uint64_t v = 0;
  while (n--) v = (v << 8) | p[n];
  return v;
}

/* An ELF file open for reading. Everything read from it is charged to a
   budget set by the blocks it really occupies, so a sparse file whose
   tables are holes costs what it holds, not what it claims. */
typedef struct ctrace__efile {
  FILE *f;
  uint64_t size;             /* apparent size */
  uint64_t budget;           /* bytes left to read */
  int is64;
  uint8_t *sh;               /* section headers */
  uint32_t shentsize, shnum;
  char *shstr;               /* section names */
  uint64_t shstr_size;
} ctrace__efile;

/* Reads [off, off+n) into a new NUL-terminated buffer, or NULL. */
static uint8_t *ctrace__elf_read(ctrace__efile *ef, uint64_t off, uint64_t n) {
  uint8_t *b;
  if (off > ef->size || n > ef->size - off || n > ef->budget || n > ((uint64_t)1 << 30)) return NULL;
  b = (uint8_t *)CTRACE_MEM_ALLOC((size_t)n + 1);
  if (!b) return NULL;
#if defined(_WIN32)
  if (_fseeki64(ef->f, (__int64)off, SEEK_SET) != 0 || fread(b, 1, (size_t)n, ef->f) != (size_t)n) {
#else
  if (fseeko(ef->f, (off_t)off, SEEK_SET) != 0 || fread(b, 1, (size_t)n, ef->f) != (size_t)n) {
#endif
    CTRACE_MEM_FREE(b);
    return NULL;
  }
  ef->budget -= n;
  b[n] = 0;
  return b;
}

static void ctrace__elf_close(ctrace__efile *ef) {
  if (ef->f) fclose(ef->f);
  CTRACE_MEM_FREE(ef->sh);
  CTRACE_MEM_FREE(ef->shstr);
  memset(ef, 0, sizeof *ef);
}

/* Opens path and reads its ELF and section headers. 0 on success; the
   file's dev/inode go to id[0..1]. */
static int ctrace__elf_open(ctrace__efile *ef, const char *path, uint64_t id[2]) {
  uint8_t eh[64];
  uint64_t shoff, stroff, strsize;
  uint32_t shstrndx;
#if !defined(_WIN32)
  struct stat st;
  memset(ef, 0, sizeof *ef);
  /* a path from the trace may name a FIFO or a device: reading it could
     block for ever */
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  ef->size = (uint64_t)st.st_size;
  /* Four times the allocated blocks: room for file systems that compress,
     none for a sparse file's holes. */
  ef->budget = (uint64_t)st.st_blocks * 512 * 4 + 65536;
  id[0] = (uint64_t)st.st_dev;
  id[1] = (uint64_t)st.st_ino;
#else
  memset(ef, 0, sizeof *ef);
  id[0] = id[1] = 0;
#endif
  ef->f = fopen(path, "rb");
  if (!ef->f) return -1;
#if defined(_WIN32)
  if (_fseeki64(ef->f, 0, SEEK_END) != 0) return -1;
  ef->size = (uint64_t)_ftelli64(ef->f);
  ef->budget = ef->size;
  if (_fseeki64(ef->f, 0, SEEK_SET) != 0) return -1;
#endif
  if (fread(eh, 1, sizeof eh, ef->f) < 52 || memcmp(eh, "\x7f" "ELF", 4) != 0 || eh[5] != 1 /* little-endian */)
    return -1;
  ef->is64 = eh[4] == 2;
  shoff = ef->is64 ? ctrace__elf_get(eh + 40, 8) : ctrace__elf_get(eh + 32, 4);
  ef->shentsize = (uint32_t)ctrace__elf_get(eh + (ef->is64 ? 58 : 46), 2);
  ef->shnum = (uint32_t)ctrace__elf_get(eh + (ef->is64 ? 60 : 48), 2);
  shstrndx = (uint32_t)ctrace__elf_get(eh + (ef->is64 ? 62 : 50), 2);
  if (ef->shentsize < (ef->is64 ? 64u : 40u) || ef->shnum == 0 ||
      !(ef->sh = ctrace__elf_read(ef, shoff, (uint64_t)ef->shentsize * ef->shnum)))
    return -1;
  if (shstrndx < ef->shnum) {
    const uint8_t *s = ef->sh + (uint64_t)shstrndx * ef->shentsize;
    stroff = ctrace__elf_get(s + (ef->is64 ? 24 : 16), ef->is64 ? 8 : 4);
    strsize = ctrace__elf_get(s + (ef->is64 ? 32 : 20), ef->is64 ? 8 : 4);
    ef->shstr = (char *)ctrace__elf_read(ef, stroff, strsize);
    if (ef->shstr) ef->shstr_size = strsize;
  }
  return 0;
}

/* Section i's header fields. */
typedef struct ctrace__shdr {
  uint32_t type, link;
  uint64_t flags, off, size;
  const char *name;          /* "" if unknown */
} ctrace__shdr;

static ctrace__shdr ctrace__elf_section(const ctrace__efile *ef, uint32_t i) {
  const uint8_t *s = ef->sh + (uint64_t)i * ef->shentsize;
  int w = ef->is64 ? 8 : 4;
  uint64_t nm = ctrace__elf_get(s, 4);
  ctrace__shdr h;
  h.type = (uint32_t)ctrace__elf_get(s + 4, 4);
  h.flags = ctrace__elf_get(s + 8, w);
  h.off = ctrace__elf_get(s + (ef->is64 ? 24 : 16), w);
  h.size = ctrace__elf_get(s + (ef->is64 ? 32 : 20), w);
  h.link = (uint32_t)ctrace__elf_get(s + (ef->is64 ? 40 : 24), 4);
  h.name = ef->shstr && nm < ef->shstr_size ? ef->shstr + nm : "";
  return h;
}

/* Index of the section named name, or shnum. */
static uint32_t ctrace__elf_find(const ctrace__efile *ef, const char *name) {
  uint32_t i;
  for (i = 0; i < ef->shnum; i++)
    if (!strcmp(ctrace__elf_section(ef, i).name, name)) return i;
  return ef->shnum;
}

/* The file's GNU build id, from its note sections. Notes are walked header
   by header and only a build id's bytes are read; a file of thousands of
   notes spanning it costs a bounded number of small reads, not the notes'
   size again and again. */
#define CTRACE__MAX_NOTES 4096
static void ctrace__elf_build_id(ctrace__efile *ef, ctrace__elf *e) {
  uint32_t i, seen = 0;
  for (i = 0; i < ef->shnum && seen < CTRACE__MAX_NOTES && !e->bid_len; i++) {
    ctrace__shdr h = ctrace__elf_section(ef, i);
    uint64_t at = 0;
    if (h.type != 7 || h.off > ef->size || h.size > ef->size - h.off) continue; /* SHT_NOTE */
    while (at + 12 <= h.size && seen++ < CTRACE__MAX_NOTES) {
      uint8_t nh[16 + 64];
      uint64_t namesz, descsz, step;
#if defined(_WIN32)
      if (_fseeki64(ef->f, (__int64)(h.off + at), SEEK_SET) != 0 || fread(nh, 1, 16, ef->f) < 12) break;
#else
      if (fseeko(ef->f, (off_t)(h.off + at), SEEK_SET) != 0 || fread(nh, 1, 16, ef->f) < 12) break;
#endif
      namesz = ctrace__elf_get(nh, 4);
      descsz = ctrace__elf_get(nh + 4, 4);
      step = 12 + ((namesz + 3) & ~(uint64_t)3) + ((descsz + 3) & ~(uint64_t)3);
      if (step > h.size - at) break;
      if (ctrace__elf_get(nh + 8, 4) == 3 && namesz == 4 && memcmp(nh + 12, "GNU", 4) == 0 && descsz <= 64) {
        if (descsz && fread(nh + 16, 1, (size_t)descsz, ef->f) == (size_t)descsz) {
          memcpy(e->bid, nh + 16, (size_t)descsz);
          e->bid_len = (uint32_t)descsz;
        }
        break;
      }
      at += step;
    }
  }
}

static int ctrace__rsym_cmp(const void *a, const void *b) {
  const ctrace__rsym *x = (const ctrace__rsym *)a, *y = (const ctrace__rsym *)b;
  if (x->value != y->value) return x->value < y->value ? -1 : 1;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  return x->name < y->name ? -1 : x->name > y->name;
}

/* Names compared for "one name, several addresses" are cut here: a longer
   name equal so far only gains an address it did not need. */
#define CTRACE__NAME_KEY 512

/* Marks the functions whose name another function of the file has at
   another address (two static functions in two sources): their sites must
   not merge into one zone. */
static int ctrace__elf_mark_same_names(ctrace__elf *e) {
  ctrace__smap names;
  uint32_t i;
  memset(&names, 0, sizeof names);
  for (i = 0; i < e->n_syms; i++) {
    const char *s = e->strtab + e->syms[i].name;
    size_t n = 0;
    int found;
    ctrace__sment *x;
    while (n < CTRACE__NAME_KEY && s[n]) n++;
    x = ctrace__smap_get(&names, s, n, i, &found);
    if (!x) {
      ctrace__smap_free(&names);
      return -1;
    }
    if (found) e->syms[i].same_name = e->syms[x->v].same_name = 1;
  }
  ctrace__smap_free(&names);
  return 0;
}

/* The function symbols (.symtab, else .dynsym), one per address, sorted. */
static int ctrace__elf_symbols(ctrace__efile *ef, ctrace__elf *e) {
  uint32_t i, best = 0, link;
  int have_best = 0, is64 = ef->is64;
  uint32_t symsz = is64 ? 24 : 16;
  uint8_t *sym = NULL;
  uint64_t n, k;
  ctrace__shdr h, l;
  for (i = 0; i < ef->shnum; i++) {
    uint32_t type = ctrace__elf_section(ef, i).type;
    if (type == 2 || (type == 11 && !have_best)) { /* SHT_SYMTAB, else SHT_DYNSYM */
      best = i;
      have_best = type == 2 ? 2 : 1;
    }
  }
  if (!have_best) return -1;
  h = ctrace__elf_section(ef, best);
  e->full_symtab = have_best == 2;
  link = h.link;
  if (link >= ef->shnum) return -1;
  l = ctrace__elf_section(ef, link);
  if (!(sym = ctrace__elf_read(ef, h.off, h.size)) || !(e->strtab = (char *)ctrace__elf_read(ef, l.off, l.size))) {
    CTRACE_MEM_FREE(sym);
    return -1;
  }
  e->strsize = l.size;
  n = h.size / symsz;
  e->syms = (ctrace__rsym *)CTRACE_MEM_ALLOC(sizeof *e->syms * (size_t)(n ? n : 1));
  if (!e->syms) {
    CTRACE_MEM_FREE(sym);
    return -1;
  }
  for (k = 0; k < n; k++) {
    const uint8_t *s = sym + k * symsz;
    uint64_t name = ctrace__elf_get(s, 4);
    uint32_t info = is64 ? s[4] : s[12], shndx = (uint32_t)ctrace__elf_get(s + (is64 ? 6 : 14), 2);
    ctrace__rsym *o = &e->syms[e->n_syms];
    if ((info & 0xf) != 2 || shndx == 0 || name >= l.size || !e->strtab[name]) continue; /* STT_FUNC, defined */
    memset(o, 0, sizeof *o);
    o->value = is64 ? ctrace__elf_get(s + 8, 8) : ctrace__elf_get(s + 4, 4);
    o->size = is64 ? ctrace__elf_get(s + 16, 8) : ctrace__elf_get(s + 8, 4);
    o->name = (uint32_t)name;
    /* of several names at one address, a global one, then a weak one */
    o->rank = (uint8_t)((info >> 4) == 1 ? 0 : (info >> 4) == 2 ? 1 : 2);
    e->n_syms++;
  }
  CTRACE_MEM_FREE(sym);
  qsort(e->syms, e->n_syms, sizeof *e->syms, ctrace__rsym_cmp);
  for (i = 0, k = 0; i < e->n_syms; i++) /* one per address: the first after sorting */
    if (!k || e->syms[k - 1].value != e->syms[i].value) e->syms[k++] = e->syms[i];
  e->n_syms = (uint32_t)k;
  return ctrace__elf_mark_same_names(e);
}

/* ---- DWARF line tables (.debug_line, versions 2 to 5) ----
   Read with no library, bounded against hostile input: every length,
   offset, count and operand is checked against the bytes that hold it, a
   row costs at least one byte of the section (so rows never outnumber its
   bytes), and a unit that does not parse is skipped, never guessed at. */

typedef struct ctrace__dw {
  const uint8_t *p, *end;
  int bad;                   /* read past the end or met something unknown */
} ctrace__dw;

static uint64_t ctrace__dw_fixed(ctrace__dw *d, int n) {
  uint64_t v;
  if (d->bad || (uint64_t)(d->end - d->p) < (uint64_t)n) {
    d->bad = 1;
    return 0;
  }
  v = ctrace__elf_get(d->p, n);
  d->p += n;
  return v;
}

static CTRACE__WRAPS uint64_t ctrace__dw_uleb(ctrace__dw *d) {
  uint64_t v = 0;
  unsigned shift = 0;
  for (;;) {
    uint8_t b;
    if (d->bad || d->p >= d->end) {
      d->bad = 1;
      return 0;
    }
    b = *d->p++;
    if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) return v;
  }
}

static CTRACE__WRAPS int64_t ctrace__dw_sleb(ctrace__dw *d) {
  uint64_t v = 0;
  unsigned shift = 0;
  uint8_t b = 0;
  do {
    if (d->bad || d->p >= d->end) {
      d->bad = 1;
      return 0;
    }
    b = *d->p++;
    if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
  return (int64_t)v;
}

/* An inline string: where it starts; d moves past its NUL. */
static const char *ctrace__dw_cstr(ctrace__dw *d) {
  const uint8_t *s = d->p, *z;
  if (d->bad || !(z = (const uint8_t *)memchr(d->p, 0, (size_t)(d->end - d->p)))) {
    d->bad = 1;
    return NULL;
  }
  d->p = z + 1;
  return (const char *)s;
}

static void ctrace__dw_skip(ctrace__dw *d, uint64_t n) {
  if (d->bad || n > (uint64_t)(d->end - d->p)) d->bad = 1;
  else d->p += n;
}

/* The string sections a line table's forms point into. */
typedef struct ctrace__dwcomp {
  uint64_t line_off;         /* the unit's line program (DW_AT_stmt_list) */
  const char *dir;           /* its DW_AT_comp_dir */
} ctrace__dwcomp;

typedef struct ctrace__dwstr {
  const char *line_str, *str;
  uint64_t line_str_size, str_size;
  ctrace__dwcomp *comp;      /* by line_off: before DWARF 5 only .debug_info names the directory 0 */
  uint64_t n_comp;
} ctrace__dwstr;

/* One attribute value of a DWARF 5 directory or file entry: a string
   (*str) or a number (*num). 0 ok, -1 a form this reader cannot size. */
static int ctrace__dw_form(ctrace__dw *d, uint64_t form, int off64, const ctrace__dwstr *ss, const char **str,
                           uint64_t *num) {
  uint64_t o;
  *str = NULL;
  *num = 0;
  switch (form) {
  case 0x08: *str = ctrace__dw_cstr(d); break;                    /* DW_FORM_string */
  case 0x1f:                                                      /* DW_FORM_line_strp */
  case 0x0e:                                                      /* DW_FORM_strp */
    o = ctrace__dw_fixed(d, off64 ? 8 : 4);
    if (form == 0x1f && ss->line_str && o < ss->line_str_size) *str = ss->line_str + o;
    if (form == 0x0e && ss->str && o < ss->str_size) *str = ss->str + o;
    break;
  case 0x0b: *num = ctrace__dw_fixed(d, 1); break;                /* DW_FORM_data1 */
  case 0x05: *num = ctrace__dw_fixed(d, 2); break;                /* DW_FORM_data2 */
  case 0x06: *num = ctrace__dw_fixed(d, 4); break;                /* DW_FORM_data4 */
  case 0x07: *num = ctrace__dw_fixed(d, 8); break;                /* DW_FORM_data8 */
  case 0x0f: *num = ctrace__dw_uleb(d); break;                    /* DW_FORM_udata */
  case 0x0d: *num = (uint64_t)ctrace__dw_sleb(d); break;          /* DW_FORM_sdata */
  case 0x1e: ctrace__dw_skip(d, 16); break;                       /* DW_FORM_data16 (an MD5) */
  case 0x09: ctrace__dw_skip(d, ctrace__dw_uleb(d)); break;       /* DW_FORM_block */
  case 0x0a: ctrace__dw_skip(d, ctrace__dw_fixed(d, 1)); break;   /* DW_FORM_block1 */
  default: d->bad = 1; return -1;
  }
  return d->bad ? -1 : 0;
}

/* What a line table is being read into. */
typedef struct ctrace__lread {
  ctrace__elf *e;
  ctrace__lrow *rows;
  uint64_t n_rows, cap_rows;
  int oom;
  int bad_units;             /* units whose header did not parse (skipped) */
  const char *comp;          /* the unit's compilation directory, or NULL */
} ctrace__lread;

static void ctrace__lread_row(ctrace__lread *lr, uint64_t addr, uint32_t file, uint64_t line) {
  ctrace__lrow *w;
  if (lr->n_rows == lr->cap_rows) {
    uint64_t cap = lr->cap_rows ? lr->cap_rows * 2 : 1024;
    ctrace__lrow *n = cap > ((size_t)-1) / sizeof *n ? NULL
                                                     : (ctrace__lrow *)CTRACE_MEM_REALLOC(lr->rows, sizeof *n * (size_t)cap);
    if (!n) {
      lr->oom = 1;
      return;
    }
    lr->rows = n;
    lr->cap_rows = cap;
  }
  w = &lr->rows[lr->n_rows++];
  w->addr = addr;
  w->file = file;
  w->line = line <= 0xffffffffu ? (uint32_t)line : 0;
}

static int ctrace__lread_file(ctrace__lread *lr, const char *dir, const char *name) {
  ctrace__elf *e = lr->e;
  if (e->n_files == 0xfffffff0u) return -1;
  if (e->n_files == e->cap_files) {
    uint32_t cap = e->cap_files ? (e->cap_files > 0x7fffffffu ? 0xfffffff0u : e->cap_files * 2) : 64;
    ctrace__lfile *n = (ctrace__lfile *)CTRACE_MEM_REALLOC(e->files, sizeof *n * (size_t)cap);
    if (!n) return -1;
    e->files = n;
    e->cap_files = cap;
  }
  if (!name) name = "";
  if (!dir || !*dir) dir = NULL;
  e->files[e->n_files].name = name;
  e->files[e->n_files].dir = name[0] != '/' ? dir : NULL;
  e->files[e->n_files].comp = name[0] != '/' && (!dir || dir[0] != '/') && dir != lr->comp ? lr->comp : NULL;
  e->files[e->n_files].shown = NULL;
  e->n_files++;
  return 0;
}

/* DWARF 5 directory or file table: entry formats, then entries. Files get
   the directory of their index; dirs (count *n_dirs) are filled when the
   table is the directories'. */
static int ctrace__dw_v5_table(ctrace__lread *lr, ctrace__dw *d, int off64, const ctrace__dwstr *ss,
                               const char ***dirs, uint64_t *n_dirs, int is_dirs) {
  uint64_t fmt[2 * 32], nf, count, i, j;
  nf = ctrace__dw_fixed(d, 1);
  if (d->bad || nf > 32) return -1;
  for (i = 0; i < nf; i++) {
    fmt[2 * i] = ctrace__dw_uleb(d);
    fmt[2 * i + 1] = ctrace__dw_uleb(d);
  }
  count = ctrace__dw_uleb(d);
  /* every entry takes at least a byte: a count past the bytes left is a lie */
  if (d->bad || (count && !nf) || count > (uint64_t)(d->end - d->p)) return -1;
  if (is_dirs) {
    *dirs = (const char **)CTRACE_MEM_ALLOC(sizeof **dirs * (size_t)(count ? count : 1));
    if (!*dirs) return -1;
    *n_dirs = count;
  }
  for (i = 0; i < count; i++) {
    const char *path = NULL;
    uint64_t dir = 0;
    for (j = 0; j < nf; j++) {
      const char *s;
      uint64_t v;
      if (ctrace__dw_form(d, fmt[2 * j + 1], off64, ss, &s, &v)) return -1;
      if (fmt[2 * j] == 1) path = s;      /* DW_LNCT_path */
      else if (fmt[2 * j] == 2) dir = v;  /* DW_LNCT_directory_index */
    }
    if (is_dirs) (*dirs)[i] = path;
    else if (ctrace__lread_file(lr, dir < *n_dirs ? (*dirs)[dir] : NULL, path)) return -1;
  }
  return 0;
}

/* DWARF 2-4 include_directories and file_names. */
static int ctrace__dw_v4_tables(ctrace__lread *lr, ctrace__dw *d, const char ***dirs, uint64_t *n_dirs) {
  const uint8_t *at = d->p;
  uint64_t n = 0, i;
  /* counted first so the array is sized once */
  while (!d->bad && d->p < d->end && *d->p) {
    ctrace__dw_cstr(d);
    n++;
  }
  ctrace__dw_skip(d, 1);
  if (d->bad) return -1;
  *dirs = (const char **)CTRACE_MEM_ALLOC(sizeof **dirs * (size_t)(n + 1));
  if (!*dirs) return -1;
  (*dirs)[0] = NULL; /* 0: the compilation directory, which only .debug_info names */
  d->p = at;
  for (i = 1; i <= n; i++) (*dirs)[i] = ctrace__dw_cstr(d);
  ctrace__dw_skip(d, 1);
  *n_dirs = n + 1;
  while (!d->bad && d->p < d->end && *d->p) {
    const char *name = ctrace__dw_cstr(d);
    uint64_t dir = ctrace__dw_uleb(d);
    ctrace__dw_uleb(d); /* mtime */
    ctrace__dw_uleb(d); /* length */
    if (d->bad || ctrace__lread_file(lr, dir < *n_dirs ? (*dirs)[dir] : NULL, name)) return -1;
  }
  ctrace__dw_skip(d, 1);
  return d->bad ? -1 : 0;
}

/* The line program's registers. */
typedef struct ctrace__lstate {
  uint64_t addr, line, file, op_index;
} ctrace__lstate;

/* One unit's header and program, from d->p to d->end (the unit's end).
   Rows name files by their index in the file's whole list. */
/* The compilation directory .debug_info gives the line program at off. */
static const char *ctrace__dw_comp_dir(const ctrace__dwstr *ss, uint64_t off) {
  uint64_t lo = 0, hi = ss->n_comp;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (ss->comp[mid].line_off < off) lo = mid + 1;
    else hi = mid;
  }
  return lo < ss->n_comp && ss->comp[lo].line_off == off ? ss->comp[lo].dir : NULL;
}

static CTRACE__WRAPS void ctrace__dw_unit(ctrace__lread *lr, ctrace__dw *d, int off64, const ctrace__dwstr *ss, uint64_t at) {
  uint64_t version, hlen, min_inst, max_ops = 1, line_range, opcode_base, n_dirs = 0, i;
  int64_t line_base;
  uint8_t std_len[256];
  const uint8_t *prog;
  const char **dirs = NULL;
  uint32_t first_file = lr->e->n_files, n_unit_files;
  int file_base;
  ctrace__lstate st;
  version = ctrace__dw_fixed(d, 2);
  if (d->bad || version < 2 || version > 5) {
    lr->bad_units++;
    return;
  }
  if (version >= 5) ctrace__dw_skip(d, 2); /* address_size, segment_selector_size */
  hlen = ctrace__dw_fixed(d, off64 ? 8 : 4);
  if (d->bad || hlen > (uint64_t)(d->end - d->p)) {
    lr->bad_units++;
    return;
  }
  prog = d->p + hlen;
  min_inst = ctrace__dw_fixed(d, 1);
  if (version >= 4) max_ops = ctrace__dw_fixed(d, 1);
  ctrace__dw_fixed(d, 1); /* default_is_stmt */
  line_base = (int8_t)ctrace__dw_fixed(d, 1);
  line_range = ctrace__dw_fixed(d, 1);
  opcode_base = ctrace__dw_fixed(d, 1);
  if (d->bad || line_range == 0 || opcode_base == 0) {
    lr->bad_units++;
    return;
  }
  if (max_ops == 0) max_ops = 1;
  memset(std_len, 0, sizeof std_len);
  for (i = 1; i < opcode_base; i++) std_len[i] = (uint8_t)ctrace__dw_fixed(d, 1);
  {
    ctrace__dw h = *d;
    int bad;
    h.end = prog;
    lr->comp = ctrace__dw_comp_dir(ss, at);
    if (version >= 5) {
      bad = ctrace__dw_v5_table(lr, &h, off64, ss, &dirs, &n_dirs, 1);
      if (!bad && n_dirs) lr->comp = dirs[0]; /* DWARF 5 names it as directory 0 */
      bad = bad || ctrace__dw_v5_table(lr, &h, off64, ss, &dirs, &n_dirs, 0);
    } else {
      bad = ctrace__dw_v4_tables(lr, &h, &dirs, &n_dirs);
    }
    if (bad || d->bad) {
      CTRACE_MEM_FREE(dirs);
      lr->e->n_files = first_file;
      lr->bad_units++;
      return;
    }
  }
  n_unit_files = lr->e->n_files - first_file;
  file_base = version >= 5 ? 0 : 1; /* DWARF 5 counts files from 0, earlier versions from 1 */
  d->p = prog;
  memset(&st, 0, sizeof st);
  st.line = st.file = 1;
#define CTRACE__DW_ROW()                                                                                        \
  ctrace__lread_row(lr, st.addr,                                                                                \
                    st.file >= (uint64_t)file_base && st.file - (uint64_t)file_base < n_unit_files              \
                        ? first_file + (uint32_t)(st.file - (uint64_t)file_base)                               \
                        : CTRACE__LINE_END - 1,                                                                 \
                    st.line)
  while (!d->bad && d->p < d->end && !lr->oom) {
    uint64_t op = *d->p++, adv;
    if (op >= opcode_base) { /* special opcode: advance address and line, add a row */
      adv = (op - opcode_base) / line_range;
      st.addr += min_inst * ((st.op_index + adv) / max_ops);
      st.op_index = (st.op_index + adv) % max_ops;
      st.line += (uint64_t)(line_base + (int64_t)((op - opcode_base) % line_range));
      CTRACE__DW_ROW();
    } else if (op == 0) { /* extended: length, sub-opcode, operands */
      uint64_t len = ctrace__dw_uleb(d), sub;
      const uint8_t *next;
      if (d->bad || len == 0 || len > (uint64_t)(d->end - d->p)) break;
      next = d->p + len;
      sub = *d->p++;
      if (sub == 1) { /* DW_LNE_end_sequence */
        ctrace__lread_row(lr, st.addr, CTRACE__LINE_END, 0);
        memset(&st, 0, sizeof st);
        st.line = st.file = 1;
      } else if (sub == 2) { /* DW_LNE_set_address */
        st.addr = len - 1 <= 8 ? ctrace__elf_get(d->p, (int)(len - 1)) : 0;
        st.op_index = 0;
      } else if (sub == 3 && version < 5) { /* DW_LNE_define_file */
        ctrace__dw f = *d;
        const char *name;
        uint64_t dir;
        f.end = next;
        name = ctrace__dw_cstr(&f);
        dir = ctrace__dw_uleb(&f);
        /* only while the unit's files are the last ones: indexes stay dense */
        if (!f.bad && lr->e->n_files == first_file + n_unit_files &&
            ctrace__lread_file(lr, dir < n_dirs ? dirs[dir] : NULL, name) == 0)
          n_unit_files++;
      }
      d->p = next;
    } else if (op == 1) { /* DW_LNS_copy */
      CTRACE__DW_ROW();
    } else if (op == 2) { /* DW_LNS_advance_pc */
      adv = ctrace__dw_uleb(d);
      st.addr += min_inst * ((st.op_index + adv) / max_ops);
      st.op_index = (st.op_index + adv) % max_ops;
    } else if (op == 3) { /* DW_LNS_advance_line */
      st.line += (uint64_t)ctrace__dw_sleb(d);
    } else if (op == 4) { /* DW_LNS_set_file */
      st.file = ctrace__dw_uleb(d);
    } else if (op == 8) { /* DW_LNS_const_add_pc: special opcode 255's address advance */
      adv = (255 - opcode_base) / line_range;
      st.addr += min_inst * ((st.op_index + adv) / max_ops);
      st.op_index = (st.op_index + adv) % max_ops;
    } else if (op == 9) { /* DW_LNS_fixed_advance_pc */
      st.addr += ctrace__dw_fixed(d, 2);
      st.op_index = 0;
    } else { /* column, stmt, block, prologue, epilogue, isa, or unknown: skip the operands */
      for (i = 0; i < std_len[op]; i++) ctrace__dw_uleb(d);
    }
  }
#undef CTRACE__DW_ROW
  CTRACE_MEM_FREE(dirs);
}

/* Rows by address, stable: at one address, ends of sequences first, then
   rows in the order the program made them, so the last one made wins a
   lookup (as addr2line does). */
static int ctrace__lrow_before(const ctrace__lrow *a, const ctrace__lrow *b) {
  if (a->addr != b->addr) return a->addr < b->addr;
  return a->file == CTRACE__LINE_END && b->file != CTRACE__LINE_END;
}

static int ctrace__lrows_sort(ctrace__lrow *v, uint64_t n) {
  ctrace__lrow *t, *src = v, *dst;
  uint64_t w, i;
  for (i = 1; i < n && !ctrace__lrow_before(&v[i], &v[i - 1]); i++) {}
  if (i >= n) return 0; /* already in order: the usual case */
  t = (ctrace__lrow *)CTRACE_MEM_ALLOC(sizeof *t * (size_t)n);
  if (!t) return -1;
  dst = t;
  for (w = 1; w < n; w *= 2) {
    for (i = 0; i < n; i += 2 * w) {
      uint64_t a = i, am = i + w < n ? i + w : n, b = am, bm = i + 2 * w < n ? i + 2 * w : n, k = i;
      while (a < am && b < bm) dst[k++] = ctrace__lrow_before(&src[b], &src[a]) ? src[b++] : src[a++];
      while (a < am) dst[k++] = src[a++];
      while (b < bm) dst[k++] = src[b++];
    }
    {
      ctrace__lrow *x = src;
      src = dst;
      dst = x;
    }
  }
  if (src != v) memcpy(v, src, sizeof *v * (size_t)n);
  CTRACE_MEM_FREE(t);
  return 0;
}

/* Skips one attribute value of a DIE. -1 for a form of unknown size. */
static int ctrace__dw_skip_form(ctrace__dw *d, uint64_t form, int off64, int addr_size, int version) {
  static const signed char fixed[0x2d] = {
      /* size of each form below 0x2d: >0 bytes, 0 none, -1 address, -2 offset, -3 uleb, -4 sleb, -5 string,
         -6 block uleb, -7 block1, -8 block2, -9 block4, -11 ref_addr, -99 unknown (and indirect, resolved first) */
      -99, -1, -99, -8, -9, 2, 4, 8, -5, -6, -7, 1, 1, -4, -2, -3, -11, 1, 2, 4, 8, -3, -99, -2, -6, 0, -3, -3,
      4, -2, 16, -2, 8, 0, -3, -3, 8, 1, 2, 3, 4, 1, 2, 3, 4};
  int k;
  while (form == 0x16 && !d->bad) form = ctrace__dw_uleb(d); /* DW_FORM_indirect: the form comes first */
  if (form == 0x1f01 || form == 0x1f02) k = -3;      /* DW_FORM_GNU_addr_index, _str_index */
  else if (form == 0x1f20 || form == 0x1f21) k = -2; /* DW_FORM_GNU_ref_alt, _strp_alt */
  else k = form < sizeof fixed ? fixed[form] : -99;
  if (k == -11) k = version <= 2 ? -1 : -2;
  switch (k) {
  case -99: d->bad = 1; return -1;
  case -1: ctrace__dw_skip(d, (uint64_t)addr_size); break;
  case -2: ctrace__dw_skip(d, off64 ? 8 : 4); break;
  case -3: ctrace__dw_uleb(d); break;
  case -4: ctrace__dw_sleb(d); break;
  case -5: ctrace__dw_cstr(d); break;
  case -6: ctrace__dw_skip(d, ctrace__dw_uleb(d)); break;
  case -7: ctrace__dw_skip(d, ctrace__dw_fixed(d, 1)); break;
  case -8: ctrace__dw_skip(d, ctrace__dw_fixed(d, 2)); break;
  case -9: ctrace__dw_skip(d, ctrace__dw_fixed(d, 4)); break;
  default: ctrace__dw_skip(d, (uint64_t)k); break;
  }
  return d->bad ? -1 : 0;
}

/* Abbreviations looked at for a unit's first DIE: compilers give it the
   first code, so a hostile table costs each unit a bounded scan. */
#define CTRACE__MAX_ABBREVS 64

static int ctrace__dwcomp_cmp(const void *a, const void *b) {
  const ctrace__dwcomp *x = (const ctrace__dwcomp *)a, *y = (const ctrace__dwcomp *)b;
  return x->line_off < y->line_off ? -1 : x->line_off > y->line_off;
}

/* The compilation directory of each unit in .debug_info, by the offset of
   its line program: only its first DIE is read. */
static void ctrace__dw_comp_dirs(ctrace__dwstr *ss, const uint8_t *info, uint64_t info_size, const uint8_t *abbrev,
                                 uint64_t abbrev_size) {
  ctrace__dw d;
  uint64_t cap = 0;
  d.p = info;
  d.end = info + info_size;
  d.bad = 0;
  while (!d.bad && d.p < d.end) {
    uint64_t len = ctrace__dw_fixed(&d, 4), version, aoff, code, k;
    int off64 = 0, addr_size;
    const char *dir = NULL;
    uint64_t line_off = (uint64_t)-1;
    ctrace__dw u, a;
    if (len == 0xffffffffu) {
      len = ctrace__dw_fixed(&d, 8);
      off64 = 1;
    } else if (len >= 0xfffffff0u) {
      break;
    }
    if (d.bad || len > (uint64_t)(d.end - d.p)) break;
    u.p = d.p;
    u.end = d.p + len;
    u.bad = 0;
    d.p += len;
    version = ctrace__dw_fixed(&u, 2);
    if (version >= 5) {
      uint64_t type = ctrace__dw_fixed(&u, 1);
      if (type != 1 && type != 3) continue; /* compile and partial units only */
      addr_size = (int)ctrace__dw_fixed(&u, 1);
      aoff = ctrace__dw_fixed(&u, off64 ? 8 : 4);
    } else {
      aoff = ctrace__dw_fixed(&u, off64 ? 8 : 4);
      addr_size = (int)ctrace__dw_fixed(&u, 1);
    }
    code = ctrace__dw_uleb(&u);
    if (u.bad || version < 2 || version > 5 || aoff >= abbrev_size || code == 0) continue;
    a.p = abbrev + aoff;
    a.end = abbrev + abbrev_size;
    a.bad = 0;
    for (k = 0; k < CTRACE__MAX_ABBREVS && !a.bad; k++) { /* find the DIE's abbreviation */
      uint64_t c = ctrace__dw_uleb(&a);
      if (c == 0 || a.bad) {
        a.bad = 1;
        break;
      }
      ctrace__dw_uleb(&a); /* tag */
      ctrace__dw_skip(&a, 1); /* has children */
      if (c == code) break;
      for (;;) {
        uint64_t at = ctrace__dw_uleb(&a), form = ctrace__dw_uleb(&a);
        if (a.bad || (at == 0 && form == 0)) break;
        if (form == 0x21) ctrace__dw_sleb(&a); /* DW_FORM_implicit_const keeps its value here */
      }
    }
    if (a.bad || k == CTRACE__MAX_ABBREVS) continue;
    for (;;) {
      uint64_t at = ctrace__dw_uleb(&a), form = ctrace__dw_uleb(&a);
      const char *s;
      uint64_t v;
      if (a.bad || (at == 0 && form == 0)) break;
      if (form == 0x21) {
        ctrace__dw_sleb(&a);
        continue;
      }
      if (at == 0x1b && (form == 0x08 || form == 0x0e || form == 0x1f)) { /* DW_AT_comp_dir */
        if (ctrace__dw_form(&u, form, off64, ss, &s, &v)) break;
        dir = s;
      } else if (at == 0x10 && (form == 0x17 || form == 0x06 || form == 0x07)) { /* DW_AT_stmt_list */
        line_off = ctrace__dw_fixed(&u, form == 0x07 || (form == 0x17 && off64) ? 8 : 4);
      } else if (ctrace__dw_skip_form(&u, form, off64, addr_size, (int)version)) {
        break;
      }
    }
    if (!dir || line_off == (uint64_t)-1) continue;
    if (ss->n_comp == cap) {
      uint64_t nc = cap ? cap * 2 : 64;
      ctrace__dwcomp *n = nc > ((size_t)-1) / sizeof *n ? NULL : (ctrace__dwcomp *)CTRACE_MEM_REALLOC(ss->comp, sizeof *n * (size_t)nc);
      if (!n) break;
      ss->comp = n;
      cap = nc;
    }
    ss->comp[ss->n_comp].line_off = line_off;
    ss->comp[ss->n_comp++].dir = dir;
  }
  if (ss->n_comp) qsort(ss->comp, (size_t)ss->n_comp, sizeof *ss->comp, ctrace__dwcomp_cmp);
}

/* Parses a whole .debug_line (buffers kept by e: file names point into them). */
static void ctrace__dw_lines(ctrace__elf *e, const uint8_t *sec, uint64_t size, const ctrace__dwstr *ss) {
  ctrace__lread lr;
  ctrace__dw d;
  memset(&lr, 0, sizeof lr);
  lr.e = e;
  d.p = sec;
  d.end = sec + size;
  d.bad = 0;
  while (!d.bad && d.p < d.end && !lr.oom) {
    uint64_t at = (uint64_t)(d.p - sec), len = ctrace__dw_fixed(&d, 4);
    int off64 = 0;
    ctrace__dw u;
    if (len == 0xffffffffu) {
      len = ctrace__dw_fixed(&d, 8);
      off64 = 1;
    } else if (len >= 0xfffffff0u) {
      break; /* reserved lengths */
    }
    if (d.bad || len > (uint64_t)(d.end - d.p)) break;
    u.p = d.p;
    u.end = d.p + len;
    u.bad = 0;
    ctrace__dw_unit(&lr, &u, off64, ss, at);
    d.p += len;
  }
  if (lr.oom || ctrace__lrows_sort(lr.rows, lr.n_rows)) {
    CTRACE_MEM_FREE(lr.rows);
    e->lines = CTRACE__LINES_BAD;
    return;
  }
  e->rows = lr.rows;
  e->n_rows = lr.n_rows;
  /* no row at all: a table that says nothing (none), or one that could not
     be read (the user is told) */
  e->lines = lr.n_rows ? CTRACE__LINES_READ : lr.bad_units ? CTRACE__LINES_BAD : CTRACE__LINES_NONE;
}

/* The line of vaddr (an address as the file numbers it): the row at or
   before it. 0 when none: before any sequence, after one's end, or a row
   with no file. */
static const ctrace__lrow *ctrace__elf_line(const ctrace__elf *e, uint64_t vaddr) {
  uint64_t lo = 0, hi = e->n_rows;
  const ctrace__lrow *w;
  while (lo < hi) { /* the first row past vaddr */
    uint64_t mid = lo + (hi - lo) / 2;
    if (e->rows[mid].addr <= vaddr) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return NULL;
  w = &e->rows[lo - 1];
  return w->file < e->n_files && w->line ? w : NULL;
}

/* Reads the line table of an open file into e, if the file has one.
   1 when the file has a .debug_line (read, compressed or malformed), 0 when
   it has none. */
static int ctrace__elf_debug_lines(ctrace__efile *ef, ctrace__elf *e) {
  static const char *const names[5] = {".debug_line", ".debug_line_str", ".debug_str", ".debug_info",
                                       ".debug_abbrev"};
  uint32_t idx[5], i;
  uint64_t size[5];
  ctrace__dwstr ss;
  memset(&ss, 0, sizeof ss);
  for (i = 0; i < 5; i++) idx[i] = ctrace__elf_find(ef, names[i]);
  if (idx[0] == ef->shnum) {
    /* compressed the old way (.zdebug_line): not read here */
    if (ctrace__elf_find(ef, ".zdebug_line") == ef->shnum) return 0;
    e->lines = CTRACE__LINES_COMPRESSED;
    return 1;
  }
  for (i = 0; i < 5; i++) {
    ctrace__shdr h;
    size[i] = 0;
    if (idx[i] == ef->shnum) continue;
    h = ctrace__elf_section(ef, idx[i]);
    if (h.flags & 0x800) { /* SHF_COMPRESSED: zlib or zstd, and no library here to inflate it */
      e->lines = CTRACE__LINES_COMPRESSED;
      return 1;
    }
    if (h.type == 8) continue; /* SHT_NOBITS: a stripped file keeps the header, not the bytes */
    e->keep[i] = ctrace__elf_read(ef, h.off, h.size);
    if (i == 0 && !e->keep[0]) {
      e->lines = CTRACE__LINES_BAD;
      return 1;
    }
    size[i] = e->keep[i] ? h.size : 0;
  }
  if (!e->keep[0]) return 0;
  ss.line_str = (const char *)e->keep[1];
  ss.line_str_size = size[1];
  ss.str = (const char *)e->keep[2];
  ss.str_size = size[2];
  if (e->keep[3] && e->keep[4]) ctrace__dw_comp_dirs(&ss, e->keep[3], size[3], e->keep[4], size[4]);
  ctrace__dw_lines(e, e->keep[0], size[0], &ss);
  CTRACE_MEM_FREE(ss.comp);
  return 1;
}

/* .gnu_debuglink: the separate debug file's name and CRC. */
static void ctrace__elf_debuglink(ctrace__efile *ef, ctrace__elf *e) {
  uint32_t i = ctrace__elf_find(ef, ".gnu_debuglink");
  ctrace__shdr h;
  uint8_t *b;
  size_t n;
  if (i == ef->shnum) return;
  h = ctrace__elf_section(ef, i);
  if (h.size > 4096 || !(b = ctrace__elf_read(ef, h.off, h.size))) return;
  n = strlen((const char *)b);
  if (n && n + 1 + 3 + 4 <= h.size + 3 && ((n + 4) & ~(size_t)3) + 4 <= h.size && !strchr((const char *)b, '/')) {
    e->debuglink_crc = (uint32_t)ctrace__elf_get(b + ((n + 4) & ~(size_t)3), 4);
    e->debuglink = (char *)b;
    return;
  }
  CTRACE_MEM_FREE(b);
}

static void ctrace__elf_free(ctrace__elf *e) {
  int i;
  CTRACE_MEM_FREE(e->strtab);
  CTRACE_MEM_FREE(e->syms);
  CTRACE_MEM_FREE(e->rows);
  CTRACE_MEM_FREE(e->files);
  for (i = 0; i < 5; i++) CTRACE_MEM_FREE(e->keep[i]);
  CTRACE_MEM_FREE(e->debuglink);
  memset(e, 0, sizeof *e);
}

/* The CRC-32 of a whole file (gnu_debuglink's check), or 1 on failure
   (an impossible value is not needed: a mismatch just rejects the file). */
static int ctrace__file_crc(const char *path, uint32_t *crc) {
  uint8_t buf[65536];
  size_t n;
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  *crc = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) *crc = ctrace__crc_update(*crc, buf, n);
  fclose(f);
  return 0;
}

/* Line tables from a separate debug file: by build id under
   /usr/lib/debug/.build-id/, else by .gnu_debuglink beside the file, in its
   .debug/ directory, or under /usr/lib/debug/ + its directory. The debug
   file must be this file's: same build id, or (with none) the CRC the link
   gives. */
static void ctrace__elf_separate_debug(ctrace__symbols *y, ctrace__elf *e, const char *path) {
  char cand[4][4200];
  int n = 0, i, by_id = 0;
  if (e->bid_len >= 2) {
    char hex[129];
    uint32_t k;
    for (k = 0; k < e->bid_len; k++) snprintf(hex + 2 * k, 3, "%02x", e->bid[k]);
    snprintf(cand[n++], sizeof cand[0], "/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
    by_id = 1;
  }
  if (e->debuglink) {
    const char *slash = strrchr(path, '/');
    int dl = slash ? (int)(slash - path) : 0;
    const char *dir = slash ? path : ".";
    if (!slash) dl = 1;
    if ((size_t)dl + strlen(e->debuglink) + 32 < sizeof cand[0]) {
      snprintf(cand[n++], sizeof cand[0], "%.*s/%s", dl, dir, e->debuglink);
      snprintf(cand[n++], sizeof cand[0], "%.*s/.debug/%s", dl, dir, e->debuglink);
      snprintf(cand[n++], sizeof cand[0], "/usr/lib/debug%s%.*s/%s", dir[0] == '/' ? "" : "/", dl, dir, e->debuglink);
    }
  }
  for (i = 0; i < n; i++) {
    ctrace__efile ef;
    ctrace__elf d;
    uint64_t id[2];
    int ok;
    if (!strcmp(cand[i], path)) continue;
    memset(&d, 0, sizeof d);
    if (ctrace__elf_open(&ef, cand[i], id) != 0) {
      ctrace__elf_close(&ef);
      continue;
    }
    ctrace__symbols_read(y, id, cand[i]);
    ctrace__elf_build_id(&ef, &d);
    if (e->bid_len) {
      ok = d.bid_len == e->bid_len && memcmp(d.bid, e->bid, e->bid_len) == 0;
    } else {
      uint32_t crc;
      ok = i >= by_id && ctrace__file_crc(cand[i], &crc) == 0 && crc == e->debuglink_crc;
    }
    if (ok && !e->full_symtab && ctrace__elf_symbols(&ef, &d) == 0 && d.full_symtab) {
      CTRACE_MEM_FREE(e->syms);
      CTRACE_MEM_FREE(e->strtab);
      e->syms = d.syms;
      e->n_syms = d.n_syms;
      e->strtab = d.strtab;
      e->strsize = d.strsize;
      e->full_symtab = 1;
      e->state = 1;
      d.syms = NULL;
      d.strtab = NULL;
    }
    if (ok && (e->lines != CTRACE__LINES_NONE || ctrace__elf_debug_lines(&ef, &d))) {
      ctrace__elf_close(&ef);
      if (e->lines != CTRACE__LINES_NONE) {
        ctrace__elf_free(&d);
        return;
      }
      e->lines = d.lines;
      e->rows = d.rows;
      e->n_rows = d.n_rows;
      e->files = d.files;
      e->n_files = d.n_files;
      e->cap_files = d.cap_files;
      memcpy(e->keep, d.keep, sizeof e->keep);
      d.rows = NULL;
      d.files = NULL;
      memset(d.keep, 0, sizeof d.keep);
      ctrace__elf_free(&d);
      return;
    }
    ctrace__elf_close(&ef);
    ctrace__elf_free(&d);
  }
}

/* Whether e is the file that ran as m. */
static int ctrace__elf_matches(const ctrace__elf *e, const ctrace__rmod *m) {
  return e->state == 1 && (!m->bid_len || (e->bid_len == m->bid_len && memcmp(e->bid, m->bid, m->bid_len) == 0));
}

/* The parsed file at path: from the cache when this path, or another path
   to the same file, was read before. -1 when it cannot be used. */
static int32_t ctrace__elf_get_cached(ctrace__symbols *y, const char *path) {
  int found;
  ctrace__sment *pe = ctrace__smap_get(&y->by_path, path, strlen(path), 0, &found);
  ctrace__efile ef;
  ctrace__elf *e;
  uint64_t id[2];
  int32_t k;
  if (!pe) return -1;
  if (found) return (int32_t)pe->v;
  pe->v = (uint32_t)-1; /* the path may point into the reader's arena, which lives as long */
  if (ctrace__elf_open(&ef, path, id) != 0) {
    ctrace__elf_close(&ef);
    return -1;
  }
#if !defined(_WIN32)
  {
    ctrace__sment *ie = ctrace__smap_get(&y->by_inode, (const char *)id, sizeof id, 0, &found);
    if (ie && found) {
      ctrace__elf_close(&ef);
      return (int32_t)(pe->v = ie->v);
    }
    if (ie) ie->v = y->n_elfs;
  }
#endif
  ctrace__symbols_read(y, id, path);
  if (y->n_elfs == y->cap_elfs) {
    uint32_t cap = y->cap_elfs ? y->cap_elfs * 2 : 8;
    ctrace__elf *n = (ctrace__elf *)CTRACE_MEM_REALLOC(y->elfs, sizeof *n * cap);
    if (!n) {
      ctrace__elf_close(&ef);
      return -1;
    }
    y->elfs = n;
    y->cap_elfs = cap;
  }
  k = (int32_t)y->n_elfs++;
  e = &y->elfs[k];
  memset(e, 0, sizeof *e);
  ctrace__elf_build_id(&ef, e);
  e->state = ctrace__elf_symbols(&ef, e) == 0 ? 1 : -1;
  /* a stripped file's debug file has what it lost: the line table, and the
     .symtab that names its static functions */
  if (!ctrace__elf_debug_lines(&ef, e) || !e->full_symtab) {
    ctrace__elf_debuglink(&ef, e);
    ctrace__elf_close(&ef);
    ctrace__elf_separate_debug(y, e, path);
  }
  ctrace__elf_close(&ef);
  pe->v = (uint32_t)k;
  return k;
}

static const char *ctrace__obj_name(const char *p) {
  const char *s = strrchr(p, '/');
#if defined(_WIN32)
  const char *b = strrchr(p, '\\');
  if (b && (!s || b > s)) s = b;
#endif
  return s ? s + 1 : p;
}


/* The parsed file of object m (the first of CTRACE_SYMBOL_PATH's
   directories, then its own path, whose file has the build id the trace
   gives), or -1. */
static int32_t ctrace__mod_elf(ctrace__symbols *y, const ctrace__rmod *m) {
  const char *dirs = getenv("CTRACE_SYMBOL_PATH");
  const char *base = ctrace__obj_name(m->path);
  char buf[4200];
  int32_t k;
  if (m->bad_path) return -1;
  while (dirs && *dirs) {
    const char *e = strchr(dirs, ':');
    size_t dl = e ? (size_t)(e - dirs) : strlen(dirs);
    if (dl && dl + 2 + strlen(base) < sizeof buf) {
      snprintf(buf, sizeof buf, "%.*s/%s", (int)dl, dirs, base);
      if ((k = ctrace__elf_get_cached(y, buf)) >= 0 && ctrace__elf_matches(&y->elfs[k], m)) return k;
    }
    dirs = e ? e + 1 : NULL;
  }
  if (*m->path && (k = ctrace__elf_get_cached(y, m->path)) >= 0 && ctrace__elf_matches(&y->elfs[k], m)) return k;
  return -1;
}

/* An edge of an object's address range, for the sweep that cuts the
   address space into segments. */
typedef struct ctrace__medge {
  uint64_t at;
  uint32_t mod;
  int start;
} ctrace__medge;

static int ctrace__medge_cmp(const void *a, const void *b) {
  const ctrace__medge *x = (const ctrace__medge *)a, *y = (const ctrace__medge *)b;
  return x->at < y->at ? -1 : x->at > y->at;
}


/* Cuts the address space into segments each held by one object, or by
   several in turn (unloaded, then another loaded there: an address there
   cannot say which one ran). One sweep over the objects' sorted edges. */
static int ctrace__build_segments(ctrace_reader *r, ctrace__symbols *y) {
  uint32_t n = r->n_mods, i, n_id = 0, n_e = 0, active = 0;
  uint32_t *ident = NULL, *count = NULL, *rep = NULL;
  uint64_t sum = 0;
  ctrace__medge *edges = NULL;
  ctrace__smap ids;
  int rc = -1;
  memset(&ids, 0, sizeof ids);
  ids.owns = 1;
  ident = (uint32_t *)CTRACE_MEM_ALLOC(sizeof *ident * (n + 1));
  count = (uint32_t *)CTRACE_MEM_ALLOC(sizeof *count * (n + 1));
  rep = (uint32_t *)CTRACE_MEM_ALLOC(sizeof *rep * (n + 1));
  edges = (ctrace__medge *)CTRACE_MEM_ALLOC(sizeof *edges * (2 * (size_t)n + 1));
  y->segs = (ctrace__rseg *)CTRACE_MEM_ALLOC(sizeof *y->segs * (2 * (size_t)n + 1));
  if (!ident || !count || !rep || !edges || !y->segs) goto out;
  for (i = 0; i < n; i++) {
    /* the identity of an object: its path, load bias and build id */
    const ctrace__rmod *m = &r->mods[i];
    uint8_t key[4 + 8 + 64];
    int found;
    ctrace__sment *e;
    memcpy(key, &m->path_id, 4);
    memcpy(key + 4, &m->bias, 8);
    memcpy(key + 12, m->bid, m->bid_len);
    if (!(e = ctrace__smap_get(&ids, (const char *)key, 12 + m->bid_len, n_id, &found))) goto out;
    if (!found) {
      rep[n_id] = i;
      count[n_id++] = 0;
    }
    ident[i] = e->v;
    if (m->lo >= m->hi) continue;
    edges[n_e].at = m->lo;
    edges[n_e].mod = i;
    edges[n_e++].start = 1;
    edges[n_e].at = m->hi;
    edges[n_e].mod = i;
    edges[n_e++].start = 0;
  }
  qsort(edges, n_e, sizeof *edges, ctrace__medge_cmp);
  y->n_segs = 0;
  for (i = 0; i < n_e;) {
    uint64_t at = edges[i].at;
    for (; i < n_e && edges[i].at == at; i++) {
      uint32_t id = ident[edges[i].mod];
      if (edges[i].start) {
        if (count[id]++ == 0) active++, sum += id;
      } else if (count[id] && --count[id] == 0) {
        active--, sum -= id;
      }
    }
    if (active && i < n_e) {
      int32_t mod = active == 1 ? (int32_t)rep[sum] : -1;
      ctrace__rseg *last = y->n_segs ? &y->segs[y->n_segs - 1] : NULL;
      if (last && last->hi == at && last->mod == mod) {
        last->hi = edges[i].at;
      } else {
        y->segs[y->n_segs].lo = at;
        y->segs[y->n_segs].hi = edges[i].at;
        y->segs[y->n_segs++].mod = mod;
      }
    }
  }
  rc = 0;
out:
  ctrace__smap_free(&ids);
  CTRACE_MEM_FREE(ident);
  CTRACE_MEM_FREE(count);
  CTRACE_MEM_FREE(rep);
  CTRACE_MEM_FREE(edges);
  return rc;
}

/* The segment holding addr, or NULL. */
static const ctrace__rseg *ctrace__seg_of(const ctrace__symbols *y, uint64_t addr) {
  uint32_t lo = 0, hi = y->n_segs;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (y->segs[mid].lo <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo && addr < y->segs[lo - 1].hi ? &y->segs[lo - 1] : NULL;
}

/* The function symbol whose entry is off, or NULL. */
static ctrace__rsym *ctrace__elf_sym_at(ctrace__elf *e, uint64_t off) {
  uint32_t lo = 0, hi = e->n_syms;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (e->syms[mid].value < off) lo = mid + 1;
    else hi = mid;
  }
  return lo < e->n_syms && e->syms[lo].value == off ? &e->syms[lo] : NULL;
}

/* The name sites of symbol s show, made once: the symbol's name, with its
   address when another function of the file has the same name. */
static const char *ctrace__sym_shown(ctrace_reader *r, ctrace__symbols *y, ctrace__elf *e, ctrace__rsym *s) {
  const char *fn = e->strtab + s->name;
  if (s->shown) return s->shown;
  if (!s->same_name) {
    s->shown = ctrace__sym_intern(r, y, fn, strlen(fn));
  } else {
    size_t n = strlen(fn);
    char *b = (char *)CTRACE_MEM_ALLOC(n + 24);
    if (!b) return NULL;
    n = (size_t)snprintf(b, n + 24, "%s@0x%llx", fn, (unsigned long long)s->value);
    s->shown = ctrace__sym_intern(r, y, b, n);
    CTRACE_MEM_FREE(b);
  }
  return s->shown;
}

/* Longest source path shown: a table naming longer ones is cut here, so a
   hostile table cannot make each site cost megabytes. */
#define CTRACE__MAX_SOURCE_PATH 4096

static const char *ctrace__file_shown(ctrace_reader *r, ctrace__symbols *y, ctrace__lfile *f) {
  char b[3 * CTRACE__MAX_SOURCE_PATH + 3];
  size_t n = 0, k;
  const char *part[3];
  int i;
  if (f->shown) return f->shown;
  part[0] = f->comp;
  part[1] = f->dir;
  part[2] = f->name;
  for (i = 0; i < 3; i++) {
    if (!part[i] || !part[i][0]) continue;
    if (n && b[n - 1] != '/') b[n++] = '/';
    for (k = 0; k < CTRACE__MAX_SOURCE_PATH && part[i][k]; k++) b[n++] = part[i][k];
  }
  return f->shown = n ? ctrace__sym_intern(r, y, b, n) : NULL;
}

/* File and line of addr, an address in a loaded object as the program saw
   it. 0 and *file, *line set when the object's line table covers it; -1
   otherwise. For a return address (every frame of a call stack but the
   innermost) ask for addr - 1: the return address is the instruction after
   the call, which may start the next line or even the next function. The
   object's file is read and parsed on first use, once. */
static CTRACE__WRAPS int ctrace__addr_line(ctrace_reader *r, uint64_t addr, const char **file, uint32_t *line) {
  ctrace__symbols *y = r->symbols;
  const ctrace__rseg *g = y ? ctrace__seg_of(y, addr) : NULL;
  ctrace__rmod *m;
  ctrace__elf *e;
  const ctrace__lrow *w;
  if (!g || g->mod < 0) return -1;
  m = &r->mods[g->mod];
  if (!m->state) {
    m->elf = ctrace__mod_elf(y, m);
    m->state = 1;
  }
  if (m->elf < 0) return -1;
  e = &y->elfs[m->elf];
  if (!(w = ctrace__elf_line(e, addr - m->bias)) || !(*file = ctrace__file_shown(r, y, &e->files[w->file])))
    return -1;
  *line = w->line;
  return 0;
}

/* "object+0xOFF" for a function with no symbol. A very long object name is
   cut (the site's file still holds the whole path, so sites of two such
   objects stay apart): each such site costs a bounded name. */
static const char *ctrace__offset_name(ctrace_reader *r, const char *path, uint64_t off) {
  const char *base = ctrace__obj_name(path);
  size_t n = strlen(base);
  char b[300];
  int k;
  if (n > 200) {
    n = 200;
    while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80) n--; /* not inside a UTF-8 sequence */
  }
  k = snprintf(b, sizeof b, "%.*s%s+0x%llx", (int)n, base, n < strlen(base) ? "..." : "", (unsigned long long)off);
  return ctrace__arena_str(r, (const uint8_t *)b, k > 0 && (size_t)k < sizeof b ? (size_t)k : 0);
}

/* The first symbols note: before, what (cut to max bytes), after. Literal
   pieces rather than a format, so every format stays checked. */
static void ctrace__symbols_note(ctrace_reader *r, const char *before, const char *what, int max, const char *after) {
  r->info.functions_unresolved++;
  if (!r->info.symbols_note[0])
    snprintf(r->info.symbols_note, sizeof r->info.symbols_note, "%s%.*s%s", before, max, what, after);
}

/* Why a named function has no file and line, for the first such object
   whose reason the user can act on. */
static void ctrace__lines_note(ctrace_reader *r, const ctrace__elf *e, const char *path) {
  r->info.functions_without_line++;
  if (r->info.lines_note[0]) return;
  if (e->lines == CTRACE__LINES_COMPRESSED)
    snprintf(r->info.lines_note, sizeof r->info.lines_note,
             "the debug info of %.100s is compressed, which this reader cannot inflate: build with -gz=none, or run "
             "objcopy --decompress-debug-sections on it",
             path);
  else if (e->lines == CTRACE__LINES_BAD)
    snprintf(r->info.lines_note, sizeof r->info.lines_note, "the line table of %.120s could not be read", path);
}

/* The address a site's name holds ("0x..."), or -1 when it holds none. */
static int ctrace__site_address(const ctrace__rsite *s, uint64_t *a) {
  const char *nm = s->name;
  *a = 0;
  if (!nm || !s->file || s->file[0] || s->line || nm[0] != '0' || nm[1] != 'x' || !nm[2]) return -1;
  for (nm += 2; *nm; nm++) {
    int d = *nm >= '0' && *nm <= '9' ? *nm - '0' : *nm >= 'a' && *nm <= 'f' ? *nm - 'a' + 10 : -1;
    if (d < 0 || *a >> 60) return -1; /* not an address: a zone named like one */
    *a = *a << 4 | (uint64_t)d;
  }
  return 0;
}

static CTRACE__WRAPS void ctrace__symbolize_site(ctrace_reader *r, ctrace__symbols *y, ctrace__rsite *s, uint64_t a) {
  const ctrace__rseg *g = ctrace__seg_of(y, a);
  ctrace__rmod *m;
  ctrace__elf *e = NULL;
  ctrace__rsym *hit = NULL;
  const char *file;
  uint32_t line;
  r->info.functions++;
  if (!g) {
    ctrace__symbols_note(r, "address ", s->name, 90, " is in no object the trace lists: shown as is");
    return;
  }
  if (g->mod < 0) {
    ctrace__symbols_note(r, "address ", s->name, 40, " held two objects in turn (unloaded and loaded): shown as is");
    return;
  }
  m = &r->mods[g->mod];
  if (!m->state) {
    m->elf = ctrace__mod_elf(y, m);
    m->state = 1;
  }
  if (m->elf >= 0) {
    e = &y->elfs[m->elf];
    hit = ctrace__elf_sym_at(e, a - m->bias); /* the hooks pass a function's entry address */
  }
  s->file = m->path;
  s->line = 0;
  if (!hit) {
    s->name = ctrace__offset_name(r, m->path, a - m->bias);
    if (!s->name) s->name = "";
    ctrace__symbols_note(r, "no symbols for ", m->path, 90, " (moved, rebuilt or stripped?): shown as object+offset");
    return;
  }
  s->name = ctrace__sym_shown(r, y, e, hit);
  if (!s->name) s->name = "";
  if (s->name[0] == '_' && s->name[1] == 'Z') r->info.functions_mangled++;
  if (ctrace__addr_line(r, a, &file, &line) == 0) {
    s->file = file;
    s->line = line;
  } else {
    ctrace__lines_note(r, e, m->path);
  }
}

/* The function symbol whose extent holds off, or NULL: an address past
   every sized symbol (a stripped static function) stays unnamed rather than
   take its neighbour's name. */
static ctrace__rsym *ctrace__elf_sym_holding(ctrace__elf *e, uint64_t off) {
  uint32_t lo = 0, hi = e->n_syms;
  while (lo < hi) { /* the last symbol at or below off */
    uint32_t mid = lo + (hi - lo) / 2;
    if (e->syms[mid].value <= off) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && off - e->syms[lo - 1].value < e->syms[lo - 1].size ? &e->syms[lo - 1] : NULL;
}

/* Every stack frame named from the parsed file of the object holding it:
   the function whose extent holds the call, and the call's file and line.
   A frame's address is a return address, so both are asked for at
   address - 1 (the call instruction; see ctrace__addr_line). */
static CTRACE__WRAPS void ctrace__name_frames(ctrace_reader *r) {
  ctrace__symbols *y = r->symbols;
  uint32_t i;
  for (i = 0; i < r->n_frames; i++) {
    ctrace_frame *f = &r->frames[i];
    const ctrace__rseg *g = y ? ctrace__seg_of(y, f->address) : NULL;
    ctrace__rmod *m;
    ctrace__rsym *hit = NULL;
    const char *file;
    uint32_t line;
    uint64_t pc;
    if (!g || g->mod < 0) {
      r->info.frames_unnamed++;
      continue;
    }
    m = &r->mods[g->mod];
    f->object = m->path;
    f->offset = f->address - m->bias;
    pc = f->offset ? f->offset - 1 : 0;
    if (!m->state) {
      m->elf = ctrace__mod_elf(y, m);
      m->state = 1;
    }
    if (m->elf >= 0) hit = ctrace__elf_sym_holding(&y->elfs[m->elf], pc);
    if (hit) f->function = ctrace__sym_shown(r, y, &y->elfs[m->elf], hit);
    if (!f->function) f->function = "";
    if (!hit) r->info.frames_unnamed++;
    if (f->address && ctrace__addr_line(r, f->address - 1, &file, &line) == 0) {
      f->file = file;
      f->line = line;
    }
  }
}

static void ctrace__symbolize(ctrace_reader *r) {
  ctrace__symbols *y;
  uint32_t i;
  if (!r->n_mods) return;
  y = (ctrace__symbols *)CTRACE_MEM_ALLOC(sizeof *y);
  if (!y) return;
  memset(y, 0, sizeof *y);
  y->by_path.owns = y->by_inode.owns = 1;
  r->symbols = y;
  for (i = 0; i < r->n_mods; i++) { /* equal paths, equal ids: hashed once per object */
    int found;
    ctrace__sment *e = ctrace__smap_get(&y->mod_paths, r->mods[i].path, strlen(r->mods[i].path), i, &found);
    r->mods[i].path_id = e ? e->v : i;
  }
  if (ctrace__build_segments(r, y) != 0) {
    y->n_segs = 0;
  }
  for (i = 0; i < r->n_sites; i++) {
    uint64_t a;
    if (ctrace__site_address(&r->sites[i], &a) == 0) ctrace__symbolize_site(r, y, &r->sites[i], a);
  }
  ctrace__name_frames(r);
}

/* Everything symbolizing kept (files' tables, for ctrace__addr_line). */
static void ctrace__symbols_free(ctrace_reader *r) {
  ctrace__symbols *y = r->symbols;
  uint32_t i;
  if (y) {
    for (i = 0; i < y->n_elfs; i++) ctrace__elf_free(&y->elfs[i]);
    CTRACE_MEM_FREE(y->elfs);
    ctrace__smap_free(&y->by_path);
    ctrace__smap_free(&y->by_inode);
    ctrace__smap_free(&y->mod_paths);
    ctrace__smap_free(&y->strings);
    CTRACE_MEM_FREE(y->segs);
    for (i = 0; i < y->n_read; i++) CTRACE_MEM_FREE(y->read[i].path);
    CTRACE_MEM_FREE(y->read);
    CTRACE_MEM_FREE(y);
  }
  CTRACE_MEM_FREE(r->mods);
  r->symbols = NULL;
  r->mods = NULL;
  r->n_mods = r->cap_mods = 0;
}

static int ctrace__parse_chunkhdr(ctrace_reader *r, uint64_t off, ctrace__chunkhdr *h) {
  const uint8_t *p;
  if (r->size - off < CTRACE__CHUNK_HEADER) return 0;
  p = ctrace__scratch(r, off, CTRACE__CHUNK_HEADER);
  if (!p) return 0;
  memcpy(h->raw, p, CTRACE__CHUNK_HEADER);
  p = h->raw;
  if (p[0] != 'C' || p[1] != 'K') return -1;
  h->type = p[2];
  h->flags = p[3];
  h->len = ctrace__get_u32(p + 4);
  h->tid = ctrace__get_u32(p + 8);
  h->seq = ctrace__get_u32(p + 12);
  h->base_ts = ctrace__get_u64(p + 16);
  h->crc = ctrace__get_u32(p + 28);
  if (h->len > CTRACE__MAX_CHUNK) return -1;
  if (h->type < 'A' || h->type > 'Z') return -1;
  if (r->size - off - CTRACE__CHUNK_HEADER < h->len) return 0;
  return 1;
}

static int ctrace__chunk_crc_ok(const ctrace__chunkhdr *h, const uint8_t *payload) {
  uint32_t crc = ctrace__crc_update(0, h->raw, 28);
  return ctrace__crc_update(crc, payload, h->len) == h->crc;
}

/* After damage the reader looks for the next intact chunk: a "CK" whose
   header is plausible and whose checksum matches. Checking each candidate's
   CRC over its whole stated length would be quadratic in a file crafted with
   many overlapping false starts, each claiming the rest of the file. CRC-32
   is linear, so the CRC of any stretch follows from the CRCs of two prefixes
   of the file (as zlib's crc32_combine): the prefixes are computed once, one
   every CTRACE__PCRC_STEP bytes (a 64th of the file's size in memory), and
   a candidate then costs at most two short CRCs and a few products. */
#define CTRACE__PCRC_STEP 64

/* a * b modulo the CRC polynomial (reflected bit order); a must not be 0. */
static uint32_t ctrace__gf2_mul(uint32_t a, uint32_t b) {
  uint32_t m = 1u << 31, p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = b & 1 ? (b >> 1) ^ 0xEDB88320u : b >> 1;
  }
  return p;
}

/* x^(8n) modulo the polynomial: what appending n bytes does to a CRC. */
static uint32_t ctrace__crc_shift(const ctrace_reader *r, uint64_t n) {
  uint32_t p = 1u << 31, k = 3;
  while (n) {
    if (n & 1) p = ctrace__gf2_mul(r->x2n[k & 31], p);
    n >>= 1;
    k++;
  }
  return p;
}

/* CRC-32 of the file's bytes [0, off) into *out; -1 when it cannot be read. */
static int ctrace__prefix_crc(ctrace_reader *r, uint64_t off, uint32_t *out) {
  uint64_t k = off / CTRACE__PCRC_STEP;
  uint32_t rem = (uint32_t)(off % CTRACE__PCRC_STEP);
  const uint8_t *b;
  if (!r->n_pcrc) {
    uint32_t p = 1u << 30, i;
    uint64_t cap = r->size / CTRACE__PCRC_STEP + 1;
    if (cap > 0xffffffffu) return -1;
    r->pcrc = (uint32_t *)CTRACE_MEM_ALLOC(sizeof *r->pcrc * (size_t)cap);
    if (!r->pcrc) return -1;
    r->cap_pcrc = (uint32_t)cap;
    r->pcrc[0] = 0;
    r->n_pcrc = 1;
    r->x2n[0] = p;
    for (i = 1; i < 32; i++) r->x2n[i] = p = ctrace__gf2_mul(p, p);
  }
  if (off > r->size) return -1;
  while (r->n_pcrc <= k) { /* extend in blocks of up to 64 KiB */
    uint64_t from = (uint64_t)(r->n_pcrc - 1) * CTRACE__PCRC_STEP;
    size_t n = (size_t)((k + 1 - r->n_pcrc) * CTRACE__PCRC_STEP), i;
    if (n > 65536) n = 65536;
    b = ctrace__src(r, from, n, &r->pcrc_buf, &r->pcrc_buf_cap);
    if (!b) return -1;
    for (i = 0; i < n; i += CTRACE__PCRC_STEP, r->n_pcrc++)
      r->pcrc[r->n_pcrc] = ctrace__crc_update(r->pcrc[r->n_pcrc - 1], b + i, CTRACE__PCRC_STEP);
  }
  *out = r->pcrc[k];
  if (rem) {
    uint64_t at = k * CTRACE__PCRC_STEP;
    if (r->mem) {
      b = r->mem + at;
    } else { /* candidates come in file order: one read serves many */
      int w = 0;
      while (w < 2 && !(at >= r->win_off[w] && at + rem <= r->win_off[w] + r->win_len[w])) w++;
      if (w == 2) {
        size_t n = r->size - at > 65536 ? 65536 : (size_t)(r->size - at);
        w = !r->win_last;
        r->win_len[w] = 0;
        if (!ctrace__src(r, at, n, &r->win_buf[w], &r->win_cap[w])) return -1;
        r->win_off[w] = at;
        r->win_len[w] = n;
      }
      r->win_last = w;
      b = r->win_buf[w] + (at - r->win_off[w]);
    }
    *out = ctrace__crc_update(*out, b, rem);
  }
  return 0;
}

/* Is there an intact chunk at off? */
static int ctrace__intact_at(ctrace_reader *r, uint64_t off) {
  ctrace__chunkhdr h;
  const uint8_t *p;
  uint32_t a, b;
  if (ctrace__parse_chunkhdr(r, off, &h) != 1) return 0;
  if (h.len > CTRACE__PCRC_STEP && ctrace__prefix_crc(r, off + CTRACE__CHUNK_HEADER, &a) == 0 &&
      ctrace__prefix_crc(r, off + CTRACE__CHUNK_HEADER + h.len, &b) == 0) {
    uint32_t shift = ctrace__crc_shift(r, h.len);
    uint32_t payload = b ^ ctrace__gf2_mul(shift, a); /* the payload's own CRC */
    return (ctrace__gf2_mul(shift, ctrace__crc_update(0, h.raw, 28)) ^ payload) == h.crc;
  }
  p = ctrace__scratch(r, off + CTRACE__CHUNK_HEADER, h.len);
  return p && ctrace__chunk_crc_ok(&h, p);
}

/* Scan a damaged stretch in blocks (a file is read 64 KiB at a time, not a
   byte at a time) and remember where each scan ended, so the cursors that
   walk the same damage later do not scan it again. */
static uint64_t ctrace__resync_scan(ctrace_reader *r, uint64_t off) {
  uint64_t pos = off + 1;
  while (pos + CTRACE__CHUNK_HEADER <= r->size) {
    size_t n = r->size - pos > 65536 ? 65536 : (size_t)(r->size - pos), i;
    const uint8_t *b = ctrace__src(r, pos, n, &r->scan_buf, &r->scan_cap);
    if (!b || n < 2) break;
    for (i = 0; i + 1 < n; i++)
      if (b[i] == 'C' && b[i + 1] == 'K' && pos + i + CTRACE__CHUNK_HEADER <= r->size &&
          ctrace__intact_at(r, pos + i))
        return pos + i;
    pos += n - 1; /* keep the last byte: a "CK" may straddle two blocks */
  }
  return r->size;
}

static uint64_t ctrace__resync(ctrace_reader *r, uint64_t off) {
  uint32_t lo = 0, hi = r->n_skips;
  uint64_t to;
  while (lo < hi) { /* skips are found in file order, so sorted */
    uint32_t mid = (lo + hi) / 2;
    if (r->skips[mid].from < off) lo = mid + 1; else hi = mid;
  }
  if (lo < r->n_skips && r->skips[lo].from == off) return r->skips[lo].to;
  to = ctrace__resync_scan(r, off);
  if (lo == r->n_skips && r->n_skips < 4096) { /* bounded: a few KiB at most */
    if (r->n_skips == r->cap_skips) {
      uint32_t cap = r->cap_skips ? r->cap_skips * 2 : 16;
      ctrace__skip *n = (ctrace__skip *)CTRACE_MEM_REALLOC(r->skips, sizeof *n * cap);
      if (!n) return to;
      r->skips = n;
      r->cap_skips = cap;
    }
    r->skips[r->n_skips].from = off;
    r->skips[r->n_skips].to = to;
    r->n_skips++;
  }
  return to;
}

/* The chunk at or after off, skipping damage the same way every time.
   Returns 1 with *h and *at, or 0 at the end (cut or end of file). */
static int ctrace__chunk_at(ctrace_reader *r, uint64_t off, ctrace__chunkhdr *h, uint64_t *at, int note) {
  while (off < r->size) {
    int rc = ctrace__parse_chunkhdr(r, off, h);
    if (rc == 1) {
      *at = off;
      return 1;
    }
    if (rc == 0) {
      if (note) {
        r->info.truncated = 1;
        r->info.bytes_lost += r->size - off;
        ctrace__damage(r, off, "the trace is cut short inside a chunk");
      }
      return 0;
    }
    {
      uint64_t next = ctrace__resync(r, off);
      if (note) {
        r->info.chunks_bad++;
        r->info.bytes_lost += next - off;
        ctrace__damage(r, off, "damaged chunk header");
      }
      off = next;
    }
  }
  return 0;
}

static uint32_t *ctrace__thash_slot(uint32_t *tab, uint32_t cap, const ctrace__rthread *threads, uint32_t tid) {
  uint32_t i = (uint32_t)((uint64_t)tid * 0x9E3779B1u) & (cap - 1);
  while (tab[i] && threads[tab[i] - 1].tid != tid) i = (i + 1) & (cap - 1);
  return &tab[i];
}

static int ctrace__tid_cmp(const void *x, const void *y) {
  uint32_t p = ((const ctrace__rthread *)x)->tid, q = ((const ctrace__rthread *)y)->tid;
  return p < q ? -1 : p > q;
}

/* During the scan threads are found through a hash table and appended (a
   sorted insert would move the table once per new thread: quadratic); the
   scan ends by sorting them, and lookups afterwards bisect. */
static ctrace__rthread *ctrace__thread_find(ctrace_reader *r, uint32_t tid, int add) {
  uint32_t *slot;
  if (r->scanned) {
    uint32_t lo = 0, hi = r->n_threads;
    while (lo < hi) {
      uint32_t mid = (lo + hi) / 2;
      if (r->threads[mid].tid < tid) lo = mid + 1; else hi = mid;
    }
    return lo < r->n_threads && r->threads[lo].tid == tid ? &r->threads[lo] : NULL;
  }
  if (r->thash_cap) {
    slot = ctrace__thash_slot(r->thash, r->thash_cap, r->threads, tid);
    if (*slot) return &r->threads[*slot - 1];
  }
  if (!add) return NULL;
  if (r->n_threads == r->cap_threads) {
    uint32_t cap = r->cap_threads ? r->cap_threads * 2 : 16, i;
    ctrace__rthread *n = (ctrace__rthread *)CTRACE_MEM_REALLOC(r->threads, sizeof *n * cap);
    uint32_t *tab;
    if (!n) return NULL;
    r->threads = n;
    r->cap_threads = cap;
    tab = (uint32_t *)CTRACE_MEM_ALLOC(sizeof *tab * cap * 2); /* at most half full */
    if (!tab) return NULL;
    memset(tab, 0, sizeof *tab * cap * 2);
    for (i = 0; i < r->n_threads; i++) *ctrace__thash_slot(tab, cap * 2, r->threads, r->threads[i].tid) = i + 1;
    CTRACE_MEM_FREE(r->thash);
    r->thash = tab;
    r->thash_cap = cap * 2;
  }
  memset(&r->threads[r->n_threads], 0, sizeof(ctrace__rthread));
  r->threads[r->n_threads].tid = tid;
  r->threads[r->n_threads].name = "";
  r->threads[r->n_threads].first_chunk = r->threads[r->n_threads].last_chunk = CTRACE__NO_CHUNK;
  *ctrace__thash_slot(r->thash, r->thash_cap, r->threads, tid) = ++r->n_threads;
  return &r->threads[r->n_threads - 1];
}

/* A name from a definition (at file offset off). Names are C strings, so a
   NUL inside the stated length would cut it and let two names merge: that is
   damage, and each NUL is kept as U+FFFD, so the name stays whole and
   distinct from the names cut where it was. */
static char *ctrace__arena_name(ctrace_reader *r, const uint8_t *s, size_t n, uint64_t off) {
  size_t i, nuls = 0, j;
  char *out;
  if (!n || !memchr(s, 0, n)) return ctrace__arena_str(r, s, n);
  for (i = 0; i < n; i++) nuls += s[i] == 0;
  ctrace__contradiction(r, off, "a name holds a NUL byte (shown as U+FFFD)");
  out = ctrace__arena_room(r, n + 2 * nuls); /* each NUL grows to 3 bytes */
  if (!out) return NULL;
  for (i = 0, j = 0; i < n; i++) {
    if (s[i]) {
      out[j++] = (char)s[i];
    } else {
      out[j++] = (char)0xEF; out[j++] = (char)0xBF; out[j++] = (char)0xBD;
    }
  }
  out[j] = 0;
  return out;
}

static int ctrace__define_site(ctrace_reader *r, uint64_t id, uint64_t line, const uint8_t *name, size_t nlen,
                               const uint8_t *file, size_t flen, uint64_t off) {
  /* ids are dense from 1; a far larger id is damage, not a reason to
     allocate gigabytes */
  if (id == 0 || id > (uint64_t)r->n_defs * 4 + 65536 || line > 0xffffffffu) return -1;
  if (id <= r->n_sites && r->sites[id - 1].name) {
    /* Defined again: the same text is harmless (a writer may repeat it);
       different text would rename events already written, so the first
       definition stands and the contradiction is damage. */
    const ctrace__rsite *old = &r->sites[id - 1];
    if (old->line != line || strlen(old->name) != nlen || strlen(old->file) != flen ||
        memcmp(old->name, name, nlen) != 0 || memcmp(old->file, file, flen) != 0)
      ctrace__contradiction(r, off, "a definition gives a site a different name (the first is kept)");
    return 0;
  }
  if (id > r->n_sites) {
    uint32_t cap = r->n_sites ? r->n_sites : 256;
    ctrace__rsite *n;
    while (cap < id) cap *= 2;
    n = (ctrace__rsite *)CTRACE_MEM_REALLOC(r->sites, sizeof *n * cap);
    if (!n) return -1;
    memset(n + r->n_sites, 0, sizeof *n * (cap - r->n_sites));
    r->sites = n;
    r->n_sites = cap;
  }
  r->sites[id - 1].name = ctrace__arena_name(r, name, nlen, off);
  r->sites[id - 1].file = ctrace__arena_name(r, file, flen, off);
  r->sites[id - 1].line = (uint32_t)line;
  r->n_defs++;
  return r->sites[id - 1].name && r->sites[id - 1].file ? 0 : -1;
}

/* A call stack: its frames into the pool, addresses only (names come with
   the symbols, after the scan). The same id again must say the same. Each
   address is the one before plus a signed difference, modulo 2^64 (a frame
   below the one before wraps), on purpose. */
static CTRACE__WRAPS int ctrace__define_stack(ctrace_reader *r, uint64_t id, uint64_t b, const uint8_t *p, size_t n,
                                               uint64_t off) {
  const uint8_t *end = p + n;
  uint64_t depth = b >> 1, i, addr = 0, v;
  uint32_t first;
  if (id == 0 || id > (uint64_t)r->info.stacks * 4 + 65536 || depth > 4096 || depth > n) return -1;
  if (id <= r->cap_stacks && r->stacks[id - 1].first) {
    const ctrace_frame *f = r->frames + r->stacks[id - 1].first - 1;
    int same = r->stacks[id - 1].depth == depth;
    for (i = 0; same && i < depth; i++) {
      if (ctrace__get_varint(&p, end, &v)) return -1;
      addr = i ? addr + (uint64_t)ctrace__unzigzag(v) : v;
      same = f[i].address == addr;
    }
    if (!same) ctrace__contradiction(r, off, "a definition gives a call stack other frames (the first is kept)");
    return 0;
  }
  if (id > r->cap_stacks) {
    uint32_t cap = r->cap_stacks ? r->cap_stacks : 256;
    void *m;
    while (cap < id) cap *= 2;
    if (!(m = CTRACE_MEM_REALLOC(r->stacks, sizeof *r->stacks * cap))) return -1;
    r->stacks = (struct ctrace__rstack *)m;
    memset(r->stacks + r->cap_stacks, 0, sizeof *r->stacks * (cap - r->cap_stacks));
    r->cap_stacks = cap;
  }
  if (r->cap_frames - r->n_frames < depth) {
    uint32_t cap = r->cap_frames ? r->cap_frames : 1024;
    ctrace_frame *m;
    while (cap - r->n_frames < depth) {
      if (cap > 0x7fffffffu) return -1;
      cap *= 2;
    }
    if (!(m = (ctrace_frame *)CTRACE_MEM_REALLOC(r->frames, sizeof *m * cap))) return -1;
    r->frames = m;
    r->cap_frames = cap;
  }
  first = r->n_frames;
  for (i = 0; i < depth; i++) {
    ctrace_frame *f = &r->frames[first + i];
    if (ctrace__get_varint(&p, end, &v)) return -1;
    addr = i ? addr + (uint64_t)ctrace__unzigzag(v) : v;
    f->address = f->offset = addr;
    f->function = f->object = f->file = "";
    f->line = 0;
  }
  if (p != end) return -1;
  r->n_frames += (uint32_t)depth;
  r->stacks[id - 1].first = first + 1;
  r->stacks[id - 1].depth = (uint32_t)depth;
  r->info.stacks++;
  if (b & 1) r->info.stacks_cut++;
  return 0;
}

static int ctrace__parse_defs(ctrace_reader *r, const uint8_t *p, const uint8_t *end, uint64_t off) {
  const uint8_t *start = p;
  while (p < end) {
    uint64_t rec_off = off + (uint64_t)(p - start);
    uint8_t k = *p++;
    uint64_t a, b, n, fl;
    const uint8_t *s;
    if (ctrace__get_varint(&p, end, &a) || ctrace__get_varint(&p, end, &b) || ctrace__get_varint(&p, end, &n) ||
        n > (uint64_t)(end - p))
      return -1;
    s = p;
    p += n;
    if (k == CTRACE__DEF_SITE) {
      if (ctrace__get_varint(&p, end, &fl) || fl > (uint64_t)(end - p)) return -1;
      if (ctrace__define_site(r, a, b, s, (size_t)n, p, (size_t)fl, rec_off)) return -1;
      p += fl;
    } else if (k == CTRACE__DEF_THREAD) {
      ctrace__rthread *t = a <= 0xffffffffu ? ctrace__thread_find(r, (uint32_t)a, 1) : NULL;
      if (!t) return -1;
      t->os_tid = b;
      t->name = ctrace__arena_name(r, s, (size_t)n, rec_off);
      if (!t->name) return -1;
    } else if (k == CTRACE__DEF_STACK) {
      if (ctrace__define_stack(r, a, b, s, (size_t)n, rec_off)) return -1;
    } else if (k < CTRACE__DEF_STACK) {
      return -1; /* kind 0 */
    } /* a later kind, of the shape every kind from 3 on has: skipped */
  }
  return 0;
}

static void ctrace__read_end(ctrace_reader *r, const ctrace__chunkhdr *h, const uint8_t *p, uint64_t at) {
  const uint8_t *end = p + h->len;
  uint64_t status = 0, sig = 0, mono = 0, lost = 0, chunks_lost = 0;
  ctrace__get_varint(&p, end, &status);
  ctrace__get_varint(&p, end, &sig);
  ctrace__get_varint(&p, end, &mono);
  ctrace__get_varint(&p, end, &lost);
  ctrace__get_varint(&p, end, &chunks_lost);
  r->info.ended = 1;
  r->info.crashed = status == 1;
  /* Signal numbers are small: a larger one is a trace contradicting
     itself. It is set aside as damage, and shown as the largest int rather
     than wrapping negative. */
  r->info.crash_signal = sig > 0x7fffffffu ? 0x7fffffff : (int)sig;
  if (sig > 0x7fffffffu) ctrace__contradiction(r, at, "an end marker names a signal number larger than any signal");
  r->info.exit_without_stop = status == 2;
  if (r->info.events_lost > UINT64_MAX - lost) {
    r->info.events_lost = UINT64_MAX;
    r->info.events_lost_overflowed = 1;
  } else {
    r->info.events_lost += lost;
  }
  r->end_ts = h->base_ts;
  r->end_off = at;
  (void)chunks_lost;
}

/* The program's name into info.program under the rule for names (see
   ctrace__arena_name): a NUL is damage and shows as U+FFFD, so the name is
   not silently cut there. */
static void ctrace__header_program(ctrace_reader *r, const uint8_t *s, size_t n) {
  size_t i, j = 0, cap = sizeof r->info.program - 1;
  for (i = 0; i < n && j + (s[i] ? 1 : 3) <= cap; i++) {
    if (s[i]) {
      r->info.program[j++] = (char)s[i];
    } else {
      memcpy(r->info.program + j, "\xEF\xBF\xBD", 3);
      j += 3;
    }
  }
  r->info.program[j] = 0;
  if (n && memchr(s, 0, n)) ctrace__contradiction(r, 58, "the program's name holds a NUL byte (shown as U+FFFD)");
}

static int ctrace__read_header(ctrace_reader *r, char *err, size_t err_size) {
  const uint8_t *h;
  uint32_t hlen, plen;
  uint64_t hz;
  if (r->size == 0) {
    if (err) snprintf(err, err_size, "the file is empty");
    return CTRACE_E_EMPTY;
  }
  h = ctrace__scratch(r, 0, r->size < CTRACE__HEADER_FIXED + 4 ? (size_t)r->size : CTRACE__HEADER_FIXED + 4);
  if (!h || r->size < 8 || memcmp(h, CTRACE__MAGIC, 8) != 0) {
    if (err) snprintf(err, err_size, "not a ctrace file: bad magic at byte 0");
    return CTRACE_E_FORMAT;
  }
  if (r->size < CTRACE__HEADER_FIXED + 4) {
    if (err) snprintf(err, err_size, "the file ends inside its header (%llu bytes)", (unsigned long long)r->size);
    return CTRACE_E_TRUNCATED;
  }
  if (ctrace__get_u16(h + 8) != CTRACE_FORMAT_VERSION) {
    if (err) snprintf(err, err_size, "format version %u is not supported (this reader knows %d)",
                      ctrace__get_u16(h + 8), CTRACE_FORMAT_VERSION);
    return CTRACE_E_VERSION;
  }
  hlen = ctrace__get_u16(h + 10);
  plen = ctrace__get_u16(h + 56);
  if (hlen != CTRACE__HEADER_FIXED + plen + 4 || hlen > r->size) {
    if (err) snprintf(err, err_size, "damaged file header at byte 10 (length %u)", hlen);
    return hlen > r->size ? CTRACE_E_TRUNCATED : CTRACE_E_CORRUPT;
  }
  h = ctrace__scratch(r, 0, hlen);
  if (!h || ctrace__crc_update(0, h, hlen - 4) != ctrace__get_u32(h + hlen - 4)) {
    if (err) snprintf(err, err_size, "damaged file header: checksum mismatch at byte %u", hlen - 4);
    return CTRACE_E_CORRUPT;
  }
  r->info.format_version = CTRACE_FORMAT_VERSION;
  r->info.clock = h[12];
  r->info.flight_window = (h[13] & CTRACE__HF_FLIGHT) != 0;
  hz = ctrace__get_u64(h + 16);
  r->tsc0 = ctrace__get_u64(h + 24);
  r->info.mono_start_ns = ctrace__get_u64(h + 32);
  r->info.wall_start_ns = ctrace__get_u64(h + 40);
  r->info.pid = ctrace__get_u32(h + 52);
  ctrace__header_program(r, h + 58, plen);
  /* A clock between 1 kHz and 1 THz; anything else is not a real clock. */
  r->info.ticks_per_second = hz >= 1000 && hz <= UINT64_C(1000000000000) ? (double)hz : 1e9;
  r->data_start = hlen;
  return 0;
}

/* Walk every chunk header once. */
static int ctrace__scan(ctrace_reader *r) {
  uint64_t off = r->data_start, at, sync_ts = 0, sync_mono = 0, max_ts = r->tsc0;
  ctrace__chunkhdr h;
  const uint8_t *p;
  while (ctrace__chunk_at(r, off, &h, &at, 1)) {
    off = at + CTRACE__CHUNK_HEADER + h.len;
    if (r->info.ended && !r->end_not_last) {
      /* The end marker must be the last chunk. What follows it is still
         read (it may be all the events), and the duration covers it. */
      r->end_not_last = 1;
      ctrace__contradiction(r, at, "a chunk after the end marker");
    }
    if (h.type == CTRACE__CH_EVENTS) {
      ctrace__rthread *t = ctrace__thread_find(r, h.tid, 1);
      uint32_t k = r->n_echunks;
      if (!t) return CTRACE_E_NOMEM;
      if (k == r->cap_echunks) {
        uint32_t cap = k ? k * 2 : 64;
        ctrace__echunk *n = (ctrace__echunk *)CTRACE_MEM_REALLOC(r->echunks, sizeof *n * cap);
        if (!n) return CTRACE_E_NOMEM;
        r->echunks = n;
        r->cap_echunks = cap;
      }
      r->echunks[k].off = at;
      r->echunks[k].next = CTRACE__NO_CHUNK;
      r->n_echunks++;
      if (!t->has_events) {
        t->has_events = 1;
        t->first_chunk = k;
        r->info.threads++;
      } else {
        r->echunks[t->last_chunk].next = k;
      }
      t->last_chunk = k;
      if (h.base_ts > max_ts && h.base_ts - r->tsc0 < (UINT64_C(1) << 62)) max_ts = h.base_ts;
      /* A thread's cursor stops at its exit chunk, so a chunk that claims the
         thread later (say, a damaged thread id) would never be looked at:
         check those here. Only exit chunks and such strays are read twice. */
      if ((h.flags & CTRACE__CF_THREAD_EXIT) || t->exited) {
        p = ctrace__scratch(r, at + CTRACE__CHUNK_HEADER, h.len);
        if (!p) return CTRACE_E_NOMEM;
        if (!ctrace__chunk_crc_ok(&h, p)) {
          if (t->exited) { /* the cursor will not see it: count it here */
            r->info.chunks_bad++;
            r->info.bytes_lost += CTRACE__CHUNK_HEADER + h.len;
            ctrace__damage(r, at, "damaged events chunk (checksum mismatch)");
          }
        } else if (t->exited) {
          r->info.chunks_bad++;
          r->info.bytes_lost += CTRACE__CHUNK_HEADER + h.len;
          ctrace__damage(r, at, "events of a thread after its exit");
        } else {
          t->exited = 1;
        }
      }
      continue;
    }
    p = ctrace__scratch(r, at + CTRACE__CHUNK_HEADER, h.len);
    if (!p) return CTRACE_E_NOMEM;
    /* Every chunk type shares the checksum, so a type byte damaged into
       another letter is caught here rather than skipped as unknown. */
    if (!ctrace__chunk_crc_ok(&h, p)) {
      r->info.chunks_bad++;
      r->info.bytes_lost += CTRACE__CHUNK_HEADER + h.len;
      ctrace__damage(r, at, h.type == CTRACE__CH_DEFS ? "damaged definitions chunk (names lost)" : "damaged chunk");
      continue;
    }
    r->info.chunks_ok++;
    if (h.type == CTRACE__CH_MAP) {
      ctrace__parse_map(r, p, p + h.len, at + CTRACE__CHUNK_HEADER);
    } else if (h.type != CTRACE__CH_DEFS && h.type != CTRACE__CH_SYNC && h.type != CTRACE__CH_END) {
      continue; /* a chunk type from a newer writer, intact: skipped */
    } else if (h.type == CTRACE__CH_DEFS) {
      if (ctrace__parse_defs(r, p, p + h.len, at + CTRACE__CHUNK_HEADER)) ctrace__damage(r, at, "malformed definitions");
    } else if (h.type == CTRACE__CH_SYNC) {
      const uint8_t *q = p;
      uint64_t mono;
      if (!ctrace__get_varint(&q, p + h.len, &mono)) {
        sync_ts = h.base_ts;
        sync_mono = mono;
      }
      if (h.base_ts > max_ts) max_ts = h.base_ts;
    } else {
      sync_ts = h.base_ts; /* the end marker is the last sync point */
      {
        const uint8_t *q = p, *e = p + h.len;
        uint64_t v;
        ctrace__get_varint(&q, e, &v);
        ctrace__get_varint(&q, e, &v);
        if (!ctrace__get_varint(&q, e, &v)) sync_mono = v;
      }
      ctrace__read_end(r, &h, p, at);
    }
  }
  if (r->n_threads > 1) qsort(r->threads, r->n_threads, sizeof *r->threads, ctrace__tid_cmp);
  CTRACE_MEM_FREE(r->thash);
  r->thash = NULL;
  r->thash_cap = 0;
  ctrace__symbolize(r);
  r->scanned = 1;
  /* A long run between the start and the last sync point measures the
     counter's rate better than the writer's few-ms calibration. */
  if (r->info.clock == CTRACE_CLOCK_CPU && sync_ts > r->tsc0 && sync_mono > r->info.mono_start_ns &&
      sync_mono - r->info.mono_start_ns > 20000000u) {
    double hz = (double)(sync_ts - r->tsc0) * 1e9 / (double)(sync_mono - r->info.mono_start_ns);
    if (hz >= 1e3 && hz <= 1e12) r->info.ticks_per_second = hz;
  }
  r->ns_per_tick = 1e9 / r->info.ticks_per_second;
  r->ns_mult = (int64_t)(r->ns_per_tick * 4294967296.0 + 0.5); /* at most 1e6 * 2^32 */
  r->max_hi = r->ns_mult ? (uint64_t)(INT64_MAX / 2) / (uint64_t)r->ns_mult : UINT64_MAX;
  ctrace__time_range(r);
  if (r->info.ended && r->end_ts >= r->ts_hi) {
    ctrace__contradiction(r, r->end_off, "the end marker's time is past the time limit (the duration is the events')");
    r->end_not_last = 1;
    r->end_ts = 0;
  }
  if (max_ts >= r->ts_hi) max_ts = 0; /* set aside when read: the duration is then the events' */
  r->info.duration_ns = ctrace__ticks_to_ns(r, r->info.ended && !(r->end_not_last && max_ts > r->end_ts)
                                                   ? r->end_ts : max_ts);
  if (r->info.duration_ns < 0) r->info.duration_ns = 0;
  return 0;
}

static int ctrace__cursor_load(ctrace_reader *r, ctrace__cursor *c);

/* The thread has no more events: its buffer goes back at once. */
static void ctrace__cursor_finish(ctrace__cursor *c) {
  c->done = 1;
  CTRACE_MEM_FREE(c->buf);
  c->buf = NULL;
  c->cap = 0;
}

/* Read the delta of the event at c->p; on a malformed event the rest of the
   chunk is counted lost. 1 if an event is ready. */
static int ctrace__cursor_peek(ctrace_reader *r, ctrace__cursor *c) {
  for (;;) {
    uint64_t dt;
    const uint8_t *q;
    if (c->p < c->end) {
      q = c->p;
      c->kind = *q++;
      if (c->kind != 0 && !ctrace__get_varint(&q, c->end, &dt)) {
        /* Times stay in [ts_lo, ts_hi), so no time wraps or clamps. */
        if (c->ts < r->ts_hi && dt < r->ts_hi - c->ts && c->ts + dt >= r->ts_lo) {
          c->fields = q;
          c->ts += dt;
          return 1;
        }
        r->info.bytes_lost += (uint64_t)(c->end - c->p);
        ctrace__contradiction(r, c->chunk_off, "an event's time is out of range: 2^63 ticks, or 2^62 ns from the "
                                               "start (the rest of its chunk set aside)");
      } else {
        r->info.bytes_lost += (uint64_t)(c->end - c->p);
        ctrace__damage(r, c->chunk_off, "malformed event in a chunk");
      }
      c->p = c->end;
    }
    if (!ctrace__cursor_load(r, c)) return 0;
  }
}

/* Load the thread's next intact chunk. 0 when the thread has no more. */
static int ctrace__cursor_load(ctrace_reader *r, ctrace__cursor *c) {
  ctrace__chunkhdr h;
  uint64_t at;
  if (c->started && c->ts > r->last_ts && c->ts >= r->tsc0 && c->ts - r->tsc0 < (UINT64_C(1) << 62)) r->last_ts = c->ts;
  for (;;) {
    const uint8_t *payload;
    if (c->done || c->next_chunk == CTRACE__NO_CHUNK) {
      ctrace__cursor_finish(c);
      return 0;
    }
    at = r->echunks[c->next_chunk].off;
    c->next_chunk = r->echunks[c->next_chunk].next;
    if (ctrace__parse_chunkhdr(r, at, &h) != 1) continue; /* the scan found it plausible */
    if (r->mem) {
      payload = r->mem + at + CTRACE__CHUNK_HEADER;
    } else {
      /* Exactly the chunk's size: every cursor holds its current chunk, so
         with many threads a fixed minimum would be memory out of proportion
         to the file (200,000 threads x 4 KiB); exact sizes add up to at
         most the file's. */
      if (c->cap < h.len) {
        uint8_t *nb = (uint8_t *)CTRACE_MEM_REALLOC(c->buf, h.len);
        if (!nb) {
          ctrace__cursor_finish(c);
          return 0;
        }
        c->buf = nb;
        c->cap = h.len;
      }
      {
        size_t cap = c->cap; /* enough: ctrace__src does not grow it */
        payload = h.len ? ctrace__src(r, at + CTRACE__CHUNK_HEADER, h.len, &c->buf, &cap) : (const uint8_t *)"";
      }
      if (!payload) {
        ctrace__cursor_finish(c);
        return 0;
      }
    }
    if (!ctrace__chunk_crc_ok(&h, payload)) {
      r->info.chunks_bad++;
      r->info.bytes_lost += CTRACE__CHUNK_HEADER + h.len;
      ctrace__damage(r, at, "damaged events chunk (checksum mismatch)");
      continue;
    }
    if (c->started && (h.seq < c->expect_seq || h.base_ts < c->ts)) {
      /* A chunk must come after the one before it, in sequence and in time.
         The first copy in the file is used; a repeated, earlier-numbered or
         earlier-timed chunk is set aside (using it would count its events
         twice or put time out of order). */
      r->info.chunks_bad++;
      r->info.bytes_lost += CTRACE__CHUNK_HEADER + h.len;
      ctrace__contradiction(r, at, h.seq < c->expect_seq
                                       ? "a chunk repeats or goes back in its thread's sequence (set aside)"
                                       : "a chunk's base time goes back on its thread (set aside)");
      continue;
    }
    if (h.base_ts >= r->ts_hi) {
      r->info.chunks_bad++;
      r->info.bytes_lost += CTRACE__CHUNK_HEADER + h.len;
      ctrace__contradiction(r, at, "a chunk's base time is out of range: 2^63 ticks, or 2^62 ns from the start "
                                   "(set aside)");
      continue;
    }
    r->info.chunks_ok++;
    if (c->started && h.seq > c->expect_seq) {
      r->info.chunks_bad += h.seq - c->expect_seq;
      ctrace__damage(r, at, "chunks of a thread are missing before this one");
    }
    c->started = 1;
    c->expect_seq = h.seq + 1;
    c->chunk_off = at;
    c->p = payload;
    c->end = payload + h.len;
    c->ts = h.base_ts;
    ctrace__cursor_timebase(r, c, h.base_ts);
    if (h.flags & CTRACE__CF_THREAD_EXIT) c->next_chunk = CTRACE__NO_CHUNK; /* the thread ended here */
    if (c->p < c->end) return 1;
  }
}

static int ctrace__cursor_less(const ctrace_reader *r, uint32_t a, uint32_t b) {
  const ctrace__cursor *x = &r->cursors[a], *y = &r->cursors[b];
  return x->ts < y->ts || (x->ts == y->ts && x->tid < y->tid);
}

static const ctrace__rsite ctrace__unknown_site = {"(undefined name)", "", 0};

/* Characters that change how the text after them is shown without showing
   themselves: bidirectional controls (U+202E reverses what follows), zero-width
   and other invisible format characters. The report, the terminal, CSV and
   folded output show them as "<U+XXXX>" instead (README: "Names"). */
static int ctrace__invisible_cp(uint32_t cp) {
  return cp == 0xADu || cp == 0x61Cu || cp == 0x180Eu || (cp >= 0x200Bu && cp <= 0x200Fu) ||
         (cp >= 0x202Au && cp <= 0x202Eu) || (cp >= 0x2060u && cp <= 0x2064u) ||
         (cp >= 0x2066u && cp <= 0x2069u) || cp == 0xFEFFu || (cp >= 0xFFF9u && cp <= 0xFFFBu);
}

/* "<U+XXXX>" into buf (at least 16 bytes); its length. */
static size_t ctrace__invisible_text(char *buf, uint32_t cp) {
  static const char hex[] = "0123456789ABCDEF";
  memcpy(buf, "<U+", 3);
  buf[3] = hex[(cp >> 12) & 15u]; buf[4] = hex[(cp >> 8) & 15u];
  buf[5] = hex[(cp >> 4) & 15u]; buf[6] = hex[cp & 15u];
  buf[7] = '>';
  buf[8] = 0;
  return 8;
}

/* Outputs that repeat a name once per event (dump, the Chrome export) write
   at most this many bytes of it, and mark the cut: a 1 MiB name on every
   3-byte event would make the output 300,000 times the trace's size; with
   the cap a zone begin is about 330 bytes of Chrome JSON (more when the
   name needs escapes, up to 6 bytes a byte). */
#define CTRACE__OUT_NAME_CAP 256
/* How many bytes of s such an output writes: all of it, or (with *cut set)
   the first CTRACE__OUT_NAME_CAP bytes or fewer, ending on a whole UTF-8
   character. Looks at no more than the cap and one byte. */
static size_t ctrace__name_out_len(const char *s, int *cut) {
  size_t n = 0;
  *cut = 0;
  if (!s) return 0;
  while (n <= CTRACE__OUT_NAME_CAP && s[n]) n++;
  if (n <= CTRACE__OUT_NAME_CAP) return n;
  *cut = 1;
  n = CTRACE__OUT_NAME_CAP;
  while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--; /* s[n] starts the part cut off */
  return n;
}
CTRACE__HOT const ctrace__rsite *ctrace__site_of(const ctrace_reader *r, uint64_t id) {
  if (id == 0 || id > r->n_sites || !r->sites[id - 1].name) return &ctrace__unknown_site;
  return &r->sites[id - 1];
}
static const ctrace__rsite ctrace__no_site = {"", "", 0};

static void ctrace__heap_down(ctrace_reader *r, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, m = i, tmp;
    if (l < r->n_heap && ctrace__cursor_less(r, r->heap[l], r->heap[m])) m = l;
    if (l + 1 < r->n_heap && ctrace__cursor_less(r, r->heap[l + 1], r->heap[m])) m = l + 1;
    if (m == i) return;
    tmp = r->heap[i];
    r->heap[i] = r->heap[m];
    r->heap[m] = tmp;
    i = m;
  }
}

/* heap[0] was replaced or its time moved on: restore the order, note the top. */
static void ctrace__heap_top_changed(ctrace_reader *r) {
  uint64_t limit = r->ts_hi; /* the fast path never takes a time out of range */
  if (r->n_heap > 1) {
    ctrace__heap_down(r, 0);
    limit = r->cursors[r->heap[1]].ts;
    if (r->n_heap > 2 && r->cursors[r->heap[2]].ts < limit) limit = r->cursors[r->heap[2]].ts;
  }
  r->top = r->n_heap ? &r->cursors[r->heap[0]] : NULL;
  r->limit = limit;
}

static int ctrace__reader_setup(ctrace_reader *r, char *err, size_t err_size) {
  int rc;
  uint32_t i;
  r->info.first_damage_offset = -1;
  r->info.file_size = r->size;
  if ((rc = ctrace__read_header(r, err, err_size)) != 0) return rc;
  if ((rc = ctrace__scan(r)) != 0) {
    if (err) snprintf(err, err_size, "%s", ctrace_strerror(rc));
    return rc;
  }
  r->cursors = (ctrace__cursor *)CTRACE_MEM_ALLOC(sizeof(ctrace__cursor) * (r->n_threads + 1));
  r->heap = (uint32_t *)CTRACE_MEM_ALLOC(sizeof(uint32_t) * (r->n_threads + 1));
  r->thread_ids = (uint32_t *)CTRACE_MEM_ALLOC(sizeof(uint32_t) * (r->n_threads + 1));
  if (!r->cursors || !r->heap || !r->thread_ids) {
    if (err) snprintf(err, err_size, "out of memory");
    return CTRACE_E_NOMEM;
  }
  memset(r->cursors, 0, sizeof(ctrace__cursor) * (r->n_threads + 1));
  for (i = 0; i < r->n_threads; i++) {
    ctrace__cursor *c;
    if (!r->threads[i].has_events) continue;
    r->thread_ids[r->n_thread_ids++] = r->threads[i].tid;
    c = &r->cursors[i];
    c->tid = r->threads[i].tid;
    c->next_chunk = r->threads[i].first_chunk;
    if (ctrace__cursor_peek(r, c)) r->heap[r->n_heap++] = i;
  }
  for (i = r->n_heap; i > 0;) ctrace__heap_down(r, --i);
  ctrace__heap_top_changed(r);
  for (i = 0; i < 128; i++) r->site1[i] = ctrace__site_of(r, i);
  return 0;
}

static int ctrace__reader_new(ctrace_reader **out) {
  ctrace_reader *r;
  ctrace__tools_once();
  r = (ctrace_reader *)CTRACE_MEM_ALLOC(sizeof *r);
  *out = r;
  if (!r) return CTRACE_E_NOMEM;
  memset(r, 0, sizeof *r);
  return 0;
}

CTRACE_API int ctrace_reader_open_memory(ctrace_reader **out, const void *data, size_t size, char *err,
                                         size_t err_size) {
  ctrace_reader *r;
  int rc;
  if (err && err_size) err[0] = 0;
  if (!out) return CTRACE_E_INVALID;
  *out = NULL;
  if (!data && size) return CTRACE_E_INVALID;
  if ((rc = ctrace__reader_new(&r)) != 0) return rc;
  r->mem = size ? (const uint8_t *)data : (const uint8_t *)"";
  r->size = size;
  if ((rc = ctrace__reader_setup(r, err, err_size)) != 0) {
    ctrace_reader_close(r);
    return rc;
  }
  *out = r;
  return 0;
}

CTRACE_API int ctrace_reader_open(ctrace_reader **out, const char *path, char *err, size_t err_size) {
  ctrace_reader *r;
  int rc;
  int64_t size;
  if (err && err_size) err[0] = 0;
  if (!out) return CTRACE_E_INVALID;
  *out = NULL;
  if (!path) return CTRACE_E_INVALID;
  {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      if (err) snprintf(err, err_size, "cannot read: it is a directory");
      return CTRACE_E_OPEN;
    }
  }
  if ((rc = ctrace__reader_new(&r)) != 0) return rc;
  r->f = fopen(path, "rb");
  if (!r->f) {
    if (err) snprintf(err, err_size, "cannot open: %s", strerror(errno));
    ctrace_reader_close(r);
    return CTRACE_E_OPEN;
  }
#if defined(_WIN32)
  if (_fseeki64(r->f, 0, SEEK_END) != 0 || (size = _ftelli64(r->f)) < 0) size = -1;
#else
  if (fseeko(r->f, 0, SEEK_END) != 0 || (size = (int64_t)ftello(r->f)) < 0) size = -1;
#endif
  if (size < 0) {
    if (err) snprintf(err, err_size, "cannot read: %s", strerror(errno));
    ctrace_reader_close(r);
    return CTRACE_E_READ;
  }
  r->size = (uint64_t)size;
  if ((rc = ctrace__reader_setup(r, err, err_size)) != 0) {
    ctrace_reader_close(r);
    return rc;
  }
  *out = r;
  return 0;
}


/* Decode the fields of the cursor's current event into ev. 0 on success. */
static int ctrace__decode(ctrace_reader *r, ctrace__cursor *c, ctrace_event *ev) {
  const uint8_t *q = c->fields, *end = c->end;
  uint64_t a = 0, b = 0, d = 0;
  const ctrace__rsite *s;
  ev->kind = c->kind;
  ev->raw_kind = c->kind;
  ev->thread = c->tid;
  ev->time_ns = ctrace__ticks_to_ns(r, c->ts);
  ev->name = ev->message = ev->file = "";
  ev->message_len = 0;
  ev->line = 0;
  ev->value = 0;
  ev->fvalue = 0;
  ev->id = ev->ptr = ev->size = 0;
  ev->stack = ev->stack_depth = 0;
  ev->stack_frames = NULL;
  switch (c->kind) {
  case CTRACE_EV_ZONE_END:
  case CTRACE_EV_GC_END:
    break;
  case CTRACE_EV_ZONE_BEGIN: case CTRACE_EV_INSTANT: case CTRACE_EV_GC_BEGIN: case CTRACE_EV_COUNTER:
  case CTRACE_EV_COUNTER_F: case CTRACE_EV_LOG: case CTRACE_EV_TASK_BEGIN: case CTRACE_EV_ALLOC:
  case CTRACE_EV_FREE: case CTRACE_EV_MEM_PROBLEM:
    if (ctrace__get_varint(&q, end, &a)) return -1;
    s = ctrace__site_of(r, a);
    ev->name = s->name;
    ev->file = s->file;
    ev->line = s->line;
    switch (c->kind) {
    case CTRACE_EV_COUNTER:
      if (ctrace__get_varint(&q, end, &b)) return -1;
      ev->value = ctrace__unzigzag(b);
      break;
    case CTRACE_EV_COUNTER_F:
      if (end - q < 8) return -1;
      b = ctrace__get_u64(q);
      memcpy(&ev->fvalue, &b, 8);
      q += 8;
      break;
    case CTRACE_EV_LOG:
      if (ctrace__get_varint(&q, end, &b) || b > (uint64_t)(end - q)) return -1;
      if (r->msg_cap < b + 1) {
        char *m = (char *)CTRACE_MEM_REALLOC(r->msg, (size_t)b + 1);
        if (!m) return -1;
        r->msg = m;
        r->msg_cap = (size_t)b + 1;
      }
      memcpy(r->msg, q, (size_t)b);
      r->msg[b] = 0;
      ev->message = r->msg;
      ev->message_len = (uint32_t)b;
      q += b;
      break;
    case CTRACE_EV_TASK_BEGIN:
      if (ctrace__get_varint(&q, end, &ev->id)) return -1;
      break;
    case CTRACE_EV_ALLOC:
    case CTRACE_EV_FREE:
      if (ctrace__get_varint(&q, end, &ev->ptr) || ctrace__get_varint(&q, end, &ev->size)) return -1;
      break;
    case CTRACE_EV_MEM_PROBLEM:
      if (ctrace__get_varint(&q, end, &ev->ptr)) return -1;
      break;
    default:
      break;
    }
    break;
  case CTRACE_EV_TASK_END:
    if (ctrace__get_varint(&q, end, &ev->id)) return -1;
    break;
  case CTRACE_EV_LOSS:
    if (ctrace__get_varint(&q, end, &d)) return -1;
    ev->value = (int64_t)d;
    break;
  case CTRACE_EV_WAIT_BEGIN:
  case CTRACE_EV_WAIT_END:
  case CTRACE_EV_MEMSTATS:
    /* Sized: a length, then the fields this version knows (a later one may
       append more: they are skipped with the length). */
    if (ctrace__get_varint(&q, end, &d) || d > (uint64_t)(end - q)) return -1;
    if (c->kind == CTRACE_EV_MEMSTATS) {
      const uint8_t *f = q;
      if (ctrace__get_varint(&f, q + d, &ev->size) || ctrace__get_varint(&f, q + d, &ev->id) ||
          ctrace__get_varint(&f, q + d, &a))
        return -1;
      ev->value = a > 0x7fffffffu ? 0x7fffffff : (int64_t)a;
    }
    if (c->kind == CTRACE_EV_WAIT_BEGIN) {
      const uint8_t *f = q;
      if (ctrace__get_varint(&f, q + d, &a)) return -1;
      s = ctrace__site_of(r, a);
      ev->name = s->name;
      ev->file = s->file;
      ev->line = s->line;
    }
    q += d;
    break;
  case CTRACE_EV_THREAD_CPU: {
    const uint8_t *f = q;
    if (ctrace__get_varint(&q, end, &d) || d > (uint64_t)(end - q)) return -1;
    f = q;
    q += d;
    /* A sample about a thread the trace never defined is skipped, not
       credited to a thread that does not exist. */
    if (ctrace__get_varint(&f, q, &a) || ctrace__get_varint(&f, q, &b) || a > 0xffffffffu ||
        b > (uint64_t)INT64_MAX || !ctrace__thread_find(r, (uint32_t)a, 0)) {
      ev->kind = CTRACE_EV_UNKNOWN;
      break;
    }
    ev->thread = (uint32_t)a;
    ev->value = (int64_t)b;
    if (f < q && ctrace__get_varint(&f, q, &ev->size) == 0) ev->ptr = 1; /* run delay known */
    break;
  }
  case CTRACE__EV_FREE_ANY: {
    const uint8_t *f;
    if (ctrace__get_varint(&q, end, &d) || d > (uint64_t)(end - q)) return -1;
    f = q;
    if (ctrace__get_varint(&f, q + d, &a) || ctrace__get_varint(&f, q + d, &ev->ptr)) return -1;
    s = ctrace__site_of(r, a);
    ev->kind = CTRACE_EV_FREE;
    ev->name = s->name;
    ev->file = s->file;
    ev->line = s->line;
    q += d;
    break;
  }
  case CTRACE__EV_ALLOC_STACK: {
    const uint8_t *f;
    uint64_t stack;
    if (ctrace__get_varint(&q, end, &d) || d > (uint64_t)(end - q)) return -1;
    f = q;
    if (ctrace__get_varint(&f, q + d, &a) || ctrace__get_varint(&f, q + d, &ev->ptr) ||
        ctrace__get_varint(&f, q + d, &ev->size) || ctrace__get_varint(&f, q + d, &stack))
      return -1;
    s = ctrace__site_of(r, a);
    ev->kind = CTRACE_EV_ALLOC;
    ev->name = s->name;
    ev->file = s->file;
    ev->line = s->line;
    if (stack <= r->cap_stacks && stack && r->stacks[stack - 1].first) {
      ev->stack = (uint32_t)stack;
      ev->stack_depth = r->stacks[stack - 1].depth;
      ev->stack_frames = r->frames + r->stacks[stack - 1].first - 1;
    }
    q += d;
    break;
  }
  default:
    if (c->kind < CTRACE__KIND_SIZED || c->kind == 0xff) return -1;
    if (ctrace__get_varint(&q, end, &d) || d > (uint64_t)(end - q)) return -1;
    ev->kind = CTRACE_EV_UNKNOWN;
    q += d;
    break;
  }
  c->p = q;
  return 0;
}

/* A zone begin or end into ev: its site, and nothing in the other fields. */
CTRACE__HOT void ctrace__zone_event(ctrace_event *ev, int kind, uint32_t tid, int64_t ns, const ctrace__rsite *s) {
  ev->kind = kind;
  ev->raw_kind = (uint32_t)kind;
  ev->thread = tid;
  ev->time_ns = ns;
  ev->name = s->name;
  ev->file = s->file;
  ev->line = s->line;
  ev->message = "";
  ev->message_len = 0;
  ev->value = 0;
  ev->fvalue = 0;
  ev->id = ev->ptr = ev->size = 0;
  ev->stack = ev->stack_depth = 0;
  ev->stack_frames = NULL;
}

/* The event under the top cursor into ev, and the cursor moved past it.
   Zone ends and zone begins with a one-byte site are most of a trace; they
   are decoded here with the fewest loads and branches, the rest by
   ctrace__decode. 0 if the event was malformed (the rest of its chunk is
   then counted lost). */
CTRACE__HOT int ctrace__take(ctrace_reader *r, ctrace__cursor *c, ctrace_event *ev) {
  const uint8_t *f = c->fields, *end = c->end;
  const ctrace__rsite *s;
  int kind = c->kind;
  if (kind == CTRACE_EV_ZONE_END) {
    s = &ctrace__no_site;
  } else if (kind == CTRACE_EV_ZONE_BEGIN && f < end && f[0] < 0x80) {
    s = r->site1[*f++];
  } else {
    if (ctrace__decode(r, c, ev) == 0) return 1;
    r->info.bytes_lost += (uint64_t)(c->end - c->p);
    ctrace__damage(r, c->chunk_off, "malformed event in a chunk");
    c->p = c->end;
    return 0;
  }
  c->p = f;
  ctrace__zone_event(ev, kind, c->tid, ctrace__cursor_ns(r, c, c->ts), s);
  return 1;
}

/* Step the cursor to its next event: kind and delta in one byte each
   (nearly always) here, anything else (and any time out of range, one
   compare: below ts_lo wraps past the span) the long way. 1 if an event is ready. */
CTRACE__HOT CTRACE__WRAPS int ctrace__cursor_advance(ctrace_reader *r, ctrace__cursor *c) {
  const uint8_t *q = c->p;
  if (c->end - q >= 2 && q[0] != 0 && q[1] < 0x80 && c->ts + q[1] - r->ts_lo < r->ts_hi - r->ts_lo) {
    c->kind = q[0];
    c->ts += q[1];
    c->fields = q + 2;
    return 1;
  }
  return ctrace__cursor_peek(r, c);
}

/* Every event the fast path below leaves: the long way, with the merge. */
CTRACE__COLD int ctrace__next_slow(ctrace_reader *r, ctrace_event *ev) {
  if (!r || !ev) return CTRACE_E_INVALID;
  for (;;) {
    ctrace__cursor *c = r->top;
    int ok;
    if (!c) {
      if ((!r->info.ended || r->end_not_last) && r->last_ts) {
        int64_t last = ctrace__ticks_to_ns(r, r->last_ts);
        if (last > r->info.duration_ns) r->info.duration_ns = last;
      }
      return 0;
    }
    ok = ctrace__take(r, c, ev);
    if (ctrace__cursor_advance(r, c)) {
      if (r->n_heap > 1) ctrace__heap_top_changed(r);
    } else {
      r->heap[0] = r->heap[--r->n_heap];
      ctrace__heap_top_changed(r);
    }
    if (ok) return 1;
  }
}

/* A zone event whose successor is also one-byte kind and delta, and still
   earlier than every other thread's next event, is taken here with nothing
   but loads and stores: that is most events of most traces. */
CTRACE_API int ctrace_reader_next(ctrace_reader *r, ctrace_event *ev) {
  ctrace__cursor *c;
  if (r && ev && (c = r->top) != NULL) {
    const uint8_t *f = c->fields, *end = c->end;
    const ctrace__rsite *s = NULL;
    if (c->kind == CTRACE_EV_ZONE_END) s = &ctrace__no_site;
    else if (c->kind == CTRACE_EV_ZONE_BEGIN && f < end && f[0] < 0x80) s = r->site1[*f++];
    if (s && end - f >= 2 && f[0] != 0 && f[1] < 0x80 && c->ts + f[1] < r->limit) {
      /* Everything read from the cursor before ev is written: the compiler
         must assume the two may overlap and would load it all again. */
      uint8_t kind = c->kind, next_kind = f[0];
      uint64_t ts = c->ts, next_ts = ts + f[1];
      c->p = f;
      c->kind = next_kind;
      c->ts = next_ts;
      c->fields = f + 2;
      ctrace__zone_event(ev, kind, c->tid, ctrace__cursor_ns(r, c, ts), s);
      return 1;
    }
  }
  return ctrace__next_slow(r, ev);
}

CTRACE_API const ctrace_trace_info *ctrace_reader_info(const ctrace_reader *r) { return r ? &r->info : NULL; }

CTRACE_API const char *ctrace_reader_thread_name(const ctrace_reader *r, uint32_t thread) {
  const ctrace__rthread *t = r ? ctrace__thread_find((ctrace_reader *)(uintptr_t)r, thread, 0) : NULL;
  return t && t->name ? t->name : "";
}

CTRACE_API uint64_t ctrace_reader_thread_os_id(const ctrace_reader *r, uint32_t thread) {
  const ctrace__rthread *t = r ? ctrace__thread_find((ctrace_reader *)(uintptr_t)r, thread, 0) : NULL;
  return t ? t->os_tid : 0;
}

CTRACE_API const char *ctrace_reader_reads_file(const ctrace_reader *r, const char *path) {
  const ctrace__symbols *y = r ? r->symbols : NULL;
  uint32_t i;
#if !defined(_WIN32)
  struct stat st;
  if (!y || !path || stat(path, &st) != 0) return NULL;
  for (i = 0; i < y->n_read; i++)
    if (y->read[i].id[0] == (uint64_t)st.st_dev && y->read[i].id[1] == (uint64_t)st.st_ino) return y->read[i].path;
#else
  if (!y || !path) return NULL;
  for (i = 0; i < y->n_read; i++)
    if (!strcmp(y->read[i].path, path)) return y->read[i].path;
#endif
  return NULL;
}

CTRACE_API uint32_t ctrace_reader_threads(const ctrace_reader *r, const uint32_t **ids) {
  if (ids) *ids = r ? r->thread_ids : NULL;
  return r ? r->n_thread_ids : 0;
}

CTRACE_API uint32_t ctrace_reader_stack(const ctrace_reader *r, uint32_t stack, const ctrace_frame **frames) {
  if (frames) *frames = NULL;
  if (!r || !stack || stack > r->cap_stacks || !r->stacks[stack - 1].first) return 0;
  if (frames) *frames = r->frames + r->stacks[stack - 1].first - 1;
  return r->stacks[stack - 1].depth;
}

CTRACE_API void ctrace_reader_close(ctrace_reader *r) {
  uint32_t i;
  ctrace__arena_block *b, *n;
  if (!r) return;
  if (r->f) fclose(r->f);
  if (r->cursors)
    for (i = 0; i < r->n_threads; i++) CTRACE_MEM_FREE(r->cursors[i].buf);
  for (b = r->arena; b; b = n) {
    n = b->next;
    CTRACE_MEM_FREE(b);
  }
  CTRACE_MEM_FREE(r->cursors);
  CTRACE_MEM_FREE(r->heap);
  CTRACE_MEM_FREE(r->thread_ids);
  CTRACE_MEM_FREE(r->threads);
  CTRACE_MEM_FREE(r->sites);
  CTRACE_MEM_FREE(r->msg);
  CTRACE_MEM_FREE(r->scratch);
  CTRACE_MEM_FREE(r->scan_buf);
  CTRACE_MEM_FREE(r->skips);
  CTRACE_MEM_FREE(r->thash);
  ctrace__symbols_free(r);
  CTRACE_MEM_FREE(r->stacks);
  CTRACE_MEM_FREE(r->frames);
  CTRACE_MEM_FREE(r->echunks);
  CTRACE_MEM_FREE(r->pcrc);
  CTRACE_MEM_FREE(r->pcrc_buf);
  CTRACE_MEM_FREE(r->win_buf[0]);
  CTRACE_MEM_FREE(r->win_buf[1]);
  CTRACE_MEM_FREE(r);
}

CTRACE_API const char *ctrace_event_kind_name(int kind) {
  switch (kind) {
  case CTRACE_EV_ZONE_BEGIN: return "zone_begin";
  case CTRACE_EV_ZONE_END: return "zone_end";
  case CTRACE_EV_INSTANT: return "instant";
  case CTRACE_EV_COUNTER: return "counter";
  case CTRACE_EV_COUNTER_F: return "counter_f";
  case CTRACE_EV_LOG: return "log";
  case CTRACE_EV_TASK_BEGIN: return "task_begin";
  case CTRACE_EV_TASK_END: return "task_end";
  case CTRACE_EV_ALLOC: return "alloc";
  case CTRACE_EV_FREE: return "free";
  case CTRACE_EV_GC_BEGIN: return "gc_begin";
  case CTRACE_EV_GC_END: return "gc_end";
  case CTRACE_EV_LOSS: return "loss";
  case CTRACE_EV_MEM_PROBLEM: return "mem_problem";
  case CTRACE_EV_WAIT_BEGIN: return "wait_begin";
  case CTRACE_EV_MEMSTATS: return "memstats";
  case CTRACE_EV_WAIT_END: return "wait_end";
  case CTRACE_EV_THREAD_CPU: return "thread_cpu";
  default: return "unknown";
  }
}
/* <<impl:reader */

/* >>impl:analysis */
/* >>analysis -----------------------------------------------------------------
   One streaming pass over the events. Every table is either capped (with an
   "(other)" entry and a count of what was folded) or grows only with what is
   open or live at one moment (zone stacks, open tasks, live blocks), so the
   memory used does not depend on how long the trace is. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTRACE__HIST_SUB_BITS 5
#define CTRACE__HIST_SUB 32 /* sub-buckets per power of two: error <= 1/64 */
#define CTRACE__HIST_BUCKETS 1920
#define CTRACE__FREED_CACHE 4096 /* recently freed pointers, to name double frees */
#define CTRACE__PTR_CACHE 1024   /* reader string pointer -> table index */
#define CTRACE__MAX_REPORTED 32  /* distinct MEM_PROBLEM names kept apart */
#define CTRACE__N_PROBLEM_KINDS 17

/* ---- small helpers ---------------------------------------------------------- */

static const char *ctrace__str(const char *s) { return s ? s : ""; }

/* |v| as unsigned, INT64_MIN included, with no step that overflows. */
static uint64_t ctrace__magnitude(int64_t v) { return v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v; }

static CTRACE__WRAPS uint64_t ctrace__mix64(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

static CTRACE__WRAPS uint64_t ctrace__an_hash(uint64_t h, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  h ^= UINT64_C(0xcbf29ce484222325);
  while (*p) {
    h ^= *p++;
    h *= UINT64_C(0x100000001b3);
  }
  return ctrace__mix64(h);
}

static uint32_t ctrace__floor_log2(uint64_t v) {
#if defined(__GNUC__) || defined(__clang__)
  return 63u - (uint32_t)__builtin_clzll(v);
#else
  uint32_t r = 0;
  while (v >>= 1) r++;
  return r;
#endif
}

static int64_t ctrace__max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Grows the array whose pointer is at parr (elem-byte items, capacity *cap) to
   hold at least need. The pointer is copied with memcpy so that any element
   type can go through one function without type punning. */
static int ctrace__an_grow(void *parr, uint32_t *cap, uint32_t need, size_t elem) {
  uint32_t c = *cap ? *cap : 8;
  void *old, *q;
  if (need <= *cap) return 0;
  while (c < need) c = c > 0x7fffffffu ? need : c * 2;
  memcpy(&old, parr, sizeof old);
  q = CTRACE_MEM_REALLOC(old, (size_t)c * elem);
  if (!q) return CTRACE_E_NOMEM;
  memcpy(parr, &q, sizeof q);
  *cap = c;
  return 0;
}
#define CTRACE__GROW(arr, cap, need) ctrace__an_grow(&(arr), &(cap), (need), sizeof *(arr))

/* ---- string arena: interned names and kept messages, freed all at once ------ */

typedef struct ctrace__arena {
  char **blocks;
  uint32_t n_blocks, cap_blocks;
  char *cur;
  size_t left;
} ctrace__arena;

static char *ctrace__arena_alloc(ctrace__arena *ar, size_t n) {
  char *p;
  if (n > ar->left) {
    size_t size = n > 65536 ? n : 65536;
    char *b;
    if (CTRACE__GROW(ar->blocks, ar->cap_blocks, ar->n_blocks + 1)) return NULL;
    b = (char *)CTRACE_MEM_ALLOC(size);
    if (!b) return NULL;
    ar->blocks[ar->n_blocks++] = b;
    ar->cur = b;
    ar->left = size;
  }
  p = ar->cur;
  ar->cur += n;
  ar->left -= n;
  return p;
}

static void ctrace__arena_free(ctrace__arena *ar) {
  uint32_t i;
  for (i = 0; i < ar->n_blocks; i++) CTRACE_MEM_FREE(ar->blocks[i]);
  CTRACE_MEM_FREE(ar->blocks);
  memset(ar, 0, sizeof *ar);
}

/* ---- index map: hash -> uint32 index, equality decided by the caller ------- */

typedef struct ctrace__slot {
  uint64_t h;
  uint32_t v; /* CTRACE_NONE = empty */
} ctrace__slot;

typedef struct ctrace__map {
  ctrace__slot *s;
  uint32_t cap, n; /* cap is a power of two */
} ctrace__map;

typedef int (*ctrace__eq_fn)(const void *table, uint32_t v, const void *key);

static uint32_t ctrace__map_get(const ctrace__map *m, uint64_t h, ctrace__eq_fn eq,
                                const void *table, const void *key) {
  uint32_t i;
  if (!m->cap) return CTRACE_NONE;
  for (i = (uint32_t)h & (m->cap - 1); m->s[i].v != CTRACE_NONE; i = (i + 1) & (m->cap - 1))
    if (m->s[i].h == h && eq(table, m->s[i].v, key)) return m->s[i].v;
  return CTRACE_NONE;
}

static void ctrace__map_place(ctrace__slot *s, uint32_t cap, uint64_t h, uint32_t v) {
  uint32_t i = (uint32_t)h & (cap - 1);
  while (s[i].v != CTRACE_NONE) i = (i + 1) & (cap - 1);
  s[i].h = h;
  s[i].v = v;
}

static int ctrace__map_put(ctrace__map *m, uint64_t h, uint32_t v) {
  if ((m->n + 1) * 2 > m->cap) {
    uint32_t nc = m->cap ? m->cap * 2 : 64, i;
    ctrace__slot *ns = (ctrace__slot *)CTRACE_MEM_ALLOC((size_t)nc * sizeof *ns);
    if (!ns) return CTRACE_E_NOMEM;
    for (i = 0; i < nc; i++) ns[i].v = CTRACE_NONE;
    for (i = 0; i < m->cap; i++)
      if (m->s[i].v != CTRACE_NONE) ctrace__map_place(ns, nc, m->s[i].h, m->s[i].v);
    CTRACE_MEM_FREE(m->s);
    m->s = ns;
    m->cap = nc;
  }
  ctrace__map_place(m->s, m->cap, h, v);
  m->n++;
  return 0;
}

static void ctrace__map_free(ctrace__map *m) {
  CTRACE_MEM_FREE(m->s);
  memset(m, 0, sizeof *m);
}

/* ---- live table: open blocks (by pointer) and open tasks (by id) -------------
   Linear probing with backward-shift deletion, so it never fills with
   tombstones: its size follows what is live now, not what ever was. */

typedef struct ctrace__live {
  uint64_t key;
  uint64_t size;   /* block size */
  int64_t time;    /* allocation / task start */
  uint64_t seq;    /* allocating thread's allocation number */
  uint32_t ref;    /* site (blocks) or task index (tasks); CTRACE_NONE = empty */
  uint32_t thread; /* thread index */
  uint32_t gc_born;/* collections begun before the block was made */
  uint32_t stack;  /* the block's call stack id, 0 if none */
} ctrace__live;

typedef struct ctrace__livetab {
  ctrace__live *e;
  uint32_t cap, n;
} ctrace__livetab;

static ctrace__live *ctrace__live_find(const ctrace__livetab *t, uint64_t key) {
  uint32_t i;
  if (!t->cap) return NULL;
  for (i = (uint32_t)ctrace__mix64(key) & (t->cap - 1); t->e[i].ref != CTRACE_NONE;
       i = (i + 1) & (t->cap - 1))
    if (t->e[i].key == key) return &t->e[i];
  return NULL;
}

static ctrace__live *ctrace__live_slot(ctrace__live *e, uint32_t cap, uint64_t key) {
  uint32_t i = (uint32_t)ctrace__mix64(key) & (cap - 1);
  while (e[i].ref != CTRACE_NONE) i = (i + 1) & (cap - 1);
  return &e[i];
}

/* Returns a slot for a key known to be absent, or NULL when out of memory. */
static ctrace__live *ctrace__live_insert(ctrace__livetab *t, uint64_t key) {
  ctrace__live *slot;
  if ((t->n + 1) * 10 > t->cap * 7) {
    uint32_t nc = t->cap ? t->cap * 2 : 256, i;
    ctrace__live *ne = (ctrace__live *)CTRACE_MEM_ALLOC((size_t)nc * sizeof *ne);
    if (!ne) return NULL;
    for (i = 0; i < nc; i++) ne[i].ref = CTRACE_NONE;
    for (i = 0; i < t->cap; i++)
      if (t->e[i].ref != CTRACE_NONE) *ctrace__live_slot(ne, nc, t->e[i].key) = t->e[i];
    CTRACE_MEM_FREE(t->e);
    t->e = ne;
    t->cap = nc;
  }
  slot = ctrace__live_slot(t->e, t->cap, key);
  slot->key = key;
  t->n++;
  return slot;
}

/* Distances around the ring are taken modulo its size (they wrap). */
static CTRACE__WRAPS void ctrace__live_remove(ctrace__livetab *t, ctrace__live *slot) {
  uint32_t mask = t->cap - 1, hole = (uint32_t)(slot - t->e), i = (hole + 1) & mask;
  while (t->e[i].ref != CTRACE_NONE) {
    uint32_t home = (uint32_t)ctrace__mix64(t->e[i].key) & mask;
    /* Move the entry back into the hole if its home is not between them. */
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      t->e[hole] = t->e[i];
      hole = i;
    }
    i = (i + 1) & mask;
  }
  t->e[hole].ref = CTRACE_NONE;
  t->n--;
}

static void ctrace__live_free(ctrace__livetab *t) {
  CTRACE_MEM_FREE(t->e);
  memset(t, 0, sizeof *t);
}

/* ---- log-linear histogram ------------------------------------------------------
   Values below 32 get a bucket each; above, each power of two is cut into 32
   equal buckets, so a bucket is at most 1/32 of its lower bound wide and its
   middle is within 1/64 of any value in it. A histogram starts sparse (the
   buckets used, as pairs) and becomes dense (the range of buckets used) at
   CTRACE__HIST_SPARSE of them: dense from the first value, a zone seen twice,
   1 ns and an hour, took 15 KiB, and a small crafted trace of many such
   zones took hundreds of MB. */
#define CTRACE__HIST_SPARSE 128

struct ctrace_histogram {
  uint64_t *counts; /* dense: counts[i] is bucket lo + i; sparse: (bucket, count) pairs by bucket */
  uint32_t lo, n;   /* dense */
  uint32_t ns, cs;  /* sparse: pairs used, pairs allocated */
  int dense;
  uint64_t count;
  int64_t min, max;
};

/* Buckets held, and the i-th one's number and count, in bucket order. */
static uint32_t ctrace__hist_slots(const ctrace_histogram *h) { return h->dense ? h->n : h->ns; }
static uint64_t ctrace__hist_slot(const ctrace_histogram *h, uint32_t i, uint32_t *b) {
  if (h->dense) {
    *b = h->lo + i;
    return h->counts[i];
  }
  *b = (uint32_t)h->counts[2 * i];
  return h->counts[2 * i + 1];
}

static uint32_t ctrace__hist_bucket(int64_t v) {
  uint64_t u = v < 0 ? 0 : (uint64_t)v;
  uint32_t e;
  if (u < CTRACE__HIST_SUB) return (uint32_t)u;
  e = ctrace__floor_log2(u);
  return (e - CTRACE__HIST_SUB_BITS + 1) * CTRACE__HIST_SUB +
         (uint32_t)((u >> (e - CTRACE__HIST_SUB_BITS)) & (CTRACE__HIST_SUB - 1));
}

static int64_t ctrace__hist_bucket_lo(uint32_t b) {
  uint32_t e;
  if (b < CTRACE__HIST_SUB) return (int64_t)b;
  e = b / CTRACE__HIST_SUB + CTRACE__HIST_SUB_BITS - 1;
  return (int64_t)((uint64_t)(CTRACE__HIST_SUB + b % CTRACE__HIST_SUB) << (e - CTRACE__HIST_SUB_BITS));
}

static int64_t ctrace__hist_bucket_width(uint32_t b) {
  if (b < CTRACE__HIST_SUB) return 1;
  return (int64_t)1 << (b / CTRACE__HIST_SUB - 1);
}

/* A sparse histogram: add one to bucket b, or 1 when it must become dense. */
static int ctrace__hist_add_sparse(ctrace_histogram *h, uint32_t b) {
  uint32_t lo = 0, hi = h->ns;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (h->counts[2 * mid] < b) lo = mid + 1; else hi = mid;
  }
  if (lo < h->ns && h->counts[2 * lo] == b) {
    h->counts[2 * lo + 1]++;
    return 0;
  }
  if (h->ns == CTRACE__HIST_SPARSE) return 1;
  if (h->ns == h->cs) {
    uint32_t cs = h->cs ? h->cs * 2 : 2;
    uint64_t *nc = (uint64_t *)CTRACE_MEM_REALLOC(h->counts, (size_t)cs * 2 * sizeof *nc);
    if (!nc) return CTRACE_E_NOMEM;
    h->counts = nc;
    h->cs = cs;
  }
  memmove(h->counts + 2 * lo + 2, h->counts + 2 * lo, (size_t)(h->ns - lo) * 2 * sizeof *h->counts);
  h->counts[2 * lo] = b;
  h->counts[2 * lo + 1] = 1;
  h->ns++;
  return 0;
}

/* The sparse pairs spread out over the dense range they span. */
static int ctrace__hist_densify(ctrace_histogram *h) {
  uint32_t lo = (uint32_t)h->counts[0], hi = (uint32_t)h->counts[2 * (h->ns - 1)] + 1, i;
  uint64_t *nc;
  lo -= lo % CTRACE__HIST_SUB;
  hi += (CTRACE__HIST_SUB - hi % CTRACE__HIST_SUB) % CTRACE__HIST_SUB;
  if (hi > CTRACE__HIST_BUCKETS) hi = CTRACE__HIST_BUCKETS;
  nc = (uint64_t *)CTRACE_MEM_ALLOC((size_t)(hi - lo) * sizeof *nc);
  if (!nc) return CTRACE_E_NOMEM;
  memset(nc, 0, (size_t)(hi - lo) * sizeof *nc);
  for (i = 0; i < h->ns; i++) nc[h->counts[2 * i] - lo] = h->counts[2 * i + 1];
  CTRACE_MEM_FREE(h->counts);
  h->counts = nc;
  h->lo = lo;
  h->n = hi - lo;
  h->dense = 1;
  return 0;
}

static int ctrace__hist_add(ctrace_histogram *h, int64_t v) {
  uint32_t b = ctrace__hist_bucket(v);
  if (!h->dense) {
    int rc = ctrace__hist_add_sparse(h, b);
    if (rc < 0 || (rc == 1 && ctrace__hist_densify(h))) return CTRACE_E_NOMEM;
    if (rc == 0) goto counted;
  }
  if (!h->n || b < h->lo || b >= h->lo + h->n) {
    /* Widen to whole octaves around the new bucket so growth happens rarely. */
    uint32_t lo = h->n ? (b < h->lo ? b : h->lo) : b;
    uint32_t hi = h->n ? (b >= h->lo + h->n ? b + 1 : h->lo + h->n) : b + 1;
    uint64_t *nc;
    lo -= lo % CTRACE__HIST_SUB;
    hi += (CTRACE__HIST_SUB - hi % CTRACE__HIST_SUB) % CTRACE__HIST_SUB;
    if (hi > CTRACE__HIST_BUCKETS) hi = CTRACE__HIST_BUCKETS;
    nc = (uint64_t *)CTRACE_MEM_ALLOC((size_t)(hi - lo) * sizeof *nc);
    if (!nc) return CTRACE_E_NOMEM;
    memset(nc, 0, (size_t)(hi - lo) * sizeof *nc);
    if (h->n) memcpy(nc + (h->lo - lo), h->counts, (size_t)h->n * sizeof *nc);
    CTRACE_MEM_FREE(h->counts);
    h->counts = nc;
    h->lo = lo;
    h->n = hi - lo;
  }
  h->counts[b - h->lo]++;
counted:
  if (!h->count || v < h->min) h->min = v;
  if (!h->count || v > h->max) h->max = v;
  h->count++;
  return 0;
}

CTRACE_API int64_t ctrace_histogram_percentile(const ctrace_histogram *h, double q) {
  uint64_t rank, cum = 0;
  uint32_t i;
  if (!h || !h->count) return 0;
  if (!(q > 0.0)) return h->min;
  if (q >= 1.0) return h->max;
  rank = (uint64_t)(q * (double)h->count);
  if ((double)rank < q * (double)h->count) rank++;
  if (rank < 1) rank = 1;
  if (rank >= h->count) return h->max;
  for (i = 0; i < ctrace__hist_slots(h); i++) {
    uint32_t b;
    cum += ctrace__hist_slot(h, i, &b);
    if (cum >= rank) {
      int64_t mid = ctrace__hist_bucket_lo(b) + (ctrace__hist_bucket_width(b) - 1) / 2;
      return mid < h->min ? h->min : mid > h->max ? h->max : mid;
    }
  }
  return h->max;
}

/* r such that r^n ~= ratio (ratio >= 1), without libm: bisection. */
static double ctrace__nth_root(double ratio, uint32_t n) {
  double lo = 1.0, hi = ratio > 2.0 ? ratio : 2.0;
  int it;
  for (it = 0; it < 80; it++) {
    double mid = (lo + hi) / 2, p = 1.0;
    uint32_t k;
    for (k = 0; k < n && p <= ratio; k++) p *= mid;
    if (p > ratio) hi = mid;
    else lo = mid;
  }
  return lo;
}

CTRACE_API uint32_t ctrace_histogram_bins(const ctrace_histogram *h, ctrace_hist_bin *bins,
                                          uint32_t max_bins) {
  uint32_t nb, i, j;
  int64_t lo, hi;
  int geometric;
  double r = 1.0, edge;
  if (!h || !h->count || !bins || !max_bins) return 0;
  lo = h->min;
  hi = h->max + 1;
  nb = max_bins;
  if ((uint64_t)(hi - lo) < nb) nb = (uint32_t)(hi - lo);
  geometric = lo > 0 && h->max / 4 >= lo;
  if (geometric) r = ctrace__nth_root((double)hi / (double)lo, nb);
  edge = (double)lo;
  for (i = 0; i < nb; i++) {
    int64_t b_lo = i ? bins[i - 1].hi_ns : lo, b_hi;
    if (i + 1 == nb) {
      b_hi = hi;
    } else if (geometric) {
      edge *= r;
      b_hi = (int64_t)edge;
    } else {
      b_hi = lo + (int64_t)((double)(hi - lo) * (i + 1) / nb);
    }
    if (b_hi <= b_lo) b_hi = b_lo + 1;
    if (b_hi > hi) b_hi = hi;
    bins[i].lo_ns = b_lo;
    bins[i].hi_ns = b_hi;
    bins[i].count = 0;
    if (b_hi == hi) { /* rounding may reach the top early: stop there */
      nb = i + 1;
      break;
    }
  }
  /* Each fine bucket goes to the display bin holding its middle, clamped to
     [min, max], so the counts add up to the total exactly. */
  for (i = 0, j = 0; i < ctrace__hist_slots(h); i++) {
    uint32_t b;
    uint64_t n = ctrace__hist_slot(h, i, &b);
    int64_t mid;
    if (!n) continue;
    mid = ctrace__hist_bucket_lo(b) + (ctrace__hist_bucket_width(b) - 1) / 2;
    if (mid < h->min) mid = h->min;
    if (mid > h->max) mid = h->max;
    while (j + 1 < nb && mid >= bins[j].hi_ns) j++;
    bins[j].count += n;
  }
  return nb;
}

/* ---- downsampled series ---------------------------------------------------------
   Buckets of equal width (a power of two ns); when time runs past the last
   bucket, neighbours merge pairwise and the width doubles. */

typedef struct ctrace__series {
  ctrace_series_point *b;
  uint32_t cap, used, max_points;
  int64_t width;
  ctrace_series_point *out; /* compacted at the end */
  uint32_t n_out;
} ctrace__series;

static void ctrace__point_merge(ctrace_series_point *into, const ctrace_series_point *later) {
  if (!later->n) return;
  if (!into->n) {
    int64_t t = into->t_ns;
    *into = *later;
    into->t_ns = t;
    return;
  }
  if (later->min < into->min) into->min = later->min;
  if (later->max > into->max) {
    into->max = later->max;
    into->max_t_ns = later->max_t_ns;
  }
  into->last = later->last;
  into->n = into->n + later->n < into->n ? 0xffffffffu : into->n + later->n;
}

static void ctrace__series_halve(ctrace__series *s) {
  uint32_t i, half = (s->used + 1) / 2;
  s->width *= 2;
  for (i = 0; i < half; i++) {
    ctrace_series_point a = s->b[2 * i];
    a.t_ns = (int64_t)i * s->width;
    if (2 * i + 1 < s->used) ctrace__point_merge(&a, &s->b[2 * i + 1]);
    a.t_ns = (int64_t)i * s->width;
    s->b[i] = a;
  }
  for (i = half; i < s->used; i++) s->b[i].n = 0;
  s->used = half;
}

static int ctrace__series_add(ctrace__series *s, int64_t t, double v) {
  uint64_t idx;
  ctrace_series_point *p;
  if (t < 0) t = 0;
  if (!s->width) s->width = 1;
  while ((idx = (uint64_t)t / (uint64_t)s->width) >= s->max_points) {
    if (s->width >= ((int64_t)1 << 61)) { /* absurd times: keep the last bucket */
      idx = s->max_points - 1;
      break;
    }
    ctrace__series_halve(s);
  }
  if (idx >= s->cap) {
    uint32_t old = s->cap, want = (uint32_t)idx + 1;
    if (want < old * 2) want = old * 2;
    if (want > s->max_points) want = s->max_points;
    if (CTRACE__GROW(s->b, s->cap, want)) return CTRACE_E_NOMEM;
    if (s->cap > s->max_points) s->cap = s->max_points;
    memset(s->b + old, 0, (size_t)(s->cap - old) * sizeof *s->b);
  }
  if (idx >= s->used) {
    uint32_t i;
    for (i = s->used; i <= idx; i++) s->b[i].n = 0;
    s->used = (uint32_t)idx + 1;
  }
  p = &s->b[idx];
  if (!p->n) {
    p->t_ns = (int64_t)idx * s->width;
    p->first = p->min = p->max = p->last = v;
    p->max_t_ns = t;
    p->n = 1;
    return 0;
  }
  if (v < p->min) p->min = v;
  if (v > p->max) {
    p->max = v;
    p->max_t_ns = t;
  }
  p->last = v;
  if (p->n != 0xffffffffu) p->n++;
  return 0;
}

static int ctrace__series_finish(ctrace__series *s) {
  uint32_t i, k = 0;
  if (!s->used) return 0;
  s->out = (ctrace_series_point *)CTRACE_MEM_ALLOC((size_t)s->used * sizeof *s->out);
  if (!s->out) return CTRACE_E_NOMEM;
  for (i = 0; i < s->used; i++) {
    if (!s->b[i].n) continue;
    s->out[k] = s->b[i];
    s->out[k].t_ns = (int64_t)i * s->width;
    s->out[k].t_end_ns = (int64_t)(i + 1) * s->width;
    k++;
  }
  s->n_out = k;
  CTRACE_MEM_FREE(s->b);
  s->b = NULL;
  s->cap = s->used = 0;
  return 0;
}

static void ctrace__series_free(ctrace__series *s) {
  CTRACE_MEM_FREE(s->b);
  CTRACE_MEM_FREE(s->out);
  memset(s, 0, sizeof *s);
}

/* ---- the analysis ---------------------------------------------------------------- */

typedef struct ctrace__open_zone {
  uint32_t zone, node;
  uint8_t outermost, counted; /* no other instance open on the thread; in zopen[zone].n */
  int64_t start, child_ns;
  uint64_t alloc_bytes;
} ctrace__open_zone;

/* Per zone: the thread that has instances of it open and how many, and
   how many are open on other threads. */
typedef struct ctrace__zopen {
  uint32_t thread, n, others;
} ctrace__zopen;

typedef struct ctrace__thread {
  ctrace__open_zone *stack;
  uint32_t depth, cap;
  uint64_t excess;    /* open zones beyond max_depth */
  uint64_t alloc_seq; /* allocations made, for the "temporary" rule */
  uint32_t wait_depth;
  int64_t wait_start;
  int held, ran_gc;   /* held up by a collection now; began one at some point */
  int64_t held_start;
  uint64_t outside_gc; /* events outside the collections it ran itself */
  int64_t early_held_ns; /* held while it had done nothing but collect (not kept) */
  uint64_t early_held;
  uint32_t wait_slot;  /* its place in ctrace_analysis.waiting while it waits */
  /* CPU samples: the last one, and what was innermost since (ctrace__cpu_seg) */
  int cpu_seen, delay_seen;
  int64_t cpu_t, cpu_v, delay_v, seg_start;
  struct ctrace__cpu_pend *pend;
  uint32_t n_pend, cap_pend;
  ctrace_cpu_span *spans;
  uint32_t n_spans, cap_spans;
  ctrace_wait_reason wr[CTRACE_WAIT_REASONS]; /* the last is "(other)" when full */
  uint32_t n_wr, wr_now;  /* reasons, and the outermost wait's (index in wr) */
  double waiting_at_sample; /* ctrace_analysis.waiting_integral at its last sample */
  uint64_t lazy_mark;  /* ctrace_analysis.lazy_gc_begins when its wait began */
} ctrace__thread;

/* An unsigned 128-bit number in two halves (C99 has no wider type): the
   held-thread integral passes 2^64 (8 threads held for 2^61 ns already). */
typedef struct ctrace__u128 {
  uint64_t hi, lo;
} ctrace__u128;

/* Time a zone was innermost since its thread's last CPU sample: running, or
   in a wait. */
typedef struct ctrace__cpu_pend {
  uint32_t zone;
  int64_t run, wait;
} ctrace__cpu_pend;

/* The high point of one rise of the heap (see ctrace__heap_moved). */
typedef struct ctrace__tooth {
  int64_t t;
  uint64_t hi;
} ctrace__tooth;

/* A stretch of time a thread was held up by a collection. */
typedef struct ctrace__held {
  int64_t start, end;
  uint32_t thread;    /* index in threads[] */
} ctrace__held;


typedef struct ctrace__counter {
  ctrace__series series;
  double mean;               /* running, so a mean of huge values stays finite */
  int is_goal;               /* its name holds "goal" (decided once, not per sample) */
} ctrace__counter;

typedef struct ctrace__ptr_cache {
  const char *a, *b;
  uint32_t line, idx;
} ctrace__ptr_cache;

/* A table of ctrace_zone_stats keyed by (name, file, line): zones and tasks. */
typedef struct ctrace__ztab {
  ctrace_zone_stats *st;
  ctrace_histogram *hist;
  uint32_t n, cap, max, other;
  ctrace__map map;
} ctrace__ztab;

typedef struct ctrace__zkey {
  const char *name, *file;
  uint32_t line;
} ctrace__zkey;

struct ctrace_analysis {
  ctrace_analysis_config cfg;
  int finished, error;
  int stable_strings; /* strings come from a reader: same pointer, same text */
  ctrace__arena arena;
  ctrace__map strings;
  const char **str;
  uint32_t n_str, cap_str;

  ctrace_summary sum;
  uint64_t loss_sum;
  int64_t loss_first_ns;
  uint32_t loss_thread;
  int loss_seen;
  ctrace_thread_stats *threads;
  ctrace__thread *tstate;
  uint32_t n_threads, cap_threads, last_thread_id, last_thread;
  ctrace__map thread_map;
  ctrace_thread_stats *threads_sorted;

  ctrace__ztab zones, tasks;
  ctrace__zopen *zopen; /* per zone (see ctrace__zone_outermost) */
  uint32_t cap_zopen;
  ctrace__ptr_cache zcache[CTRACE__PTR_CACHE];
  uint32_t *zone_order; /* by total, for the outputs */

  ctrace_flame_node *flame;
  uint32_t n_flame, cap_flame, flame_other;
  ctrace__map flame_map;
  ctrace__ptr_cache fcache[CTRACE__PTR_CACHE]; /* (parent, name) -> node */

  int gc_open;
  uint32_t gc_begun;         /* collections begun so far (see ctrace__live.gc_born) */
  int64_t gc_start;
  const char *gc_reason;
  uint32_t gc_thread;
  ctrace_gc_stats gc;
  ctrace_histogram gc_hist;
  ctrace_gc_span *gc_spans;
  uint32_t n_gc_spans, cap_gc_spans;
  ctrace__held *held;
  uint32_t n_held, cap_held;
  int64_t *step_t;          /* held thread count steps: times, */
  ctrace__u128 *step_p;     /* integral before each */
  uint32_t *step_c, n_steps;
  ctrace_mmu_point *mmu;
  uint32_t n_mmu;

  ctrace__livetab open_tasks;
  uint64_t task_seq;

  ctrace_counter_stats *counters;
  ctrace__counter *cstate;
  uint32_t n_counters, cap_counters, rss_counter;
  ctrace__map counter_map;
  ctrace__ptr_cache ccache[CTRACE__PTR_CACHE];

  ctrace_mem_summary mem;
  int64_t peak_times[64];
  ctrace_memstats_read ms_reads[CTRACE_MEMSTATS_READS_KEPT];
  uint32_t n_ms_reads;
  int heap_falling;
  uint64_t heap_hi, rise_n;
  int64_t heap_hi_t;         /* when heap_hi was first reached */
  ctrace__tooth *teeth;      /* the high point of each rise, for the peak count */
  uint32_t n_teeth, cap_teeth;
  double goal_value;         /* see ctrace_gc_span.goal */
  int goal_seen;
  uint64_t gc_heap_before;
  double gc_goal;
  ctrace__series heap;
  ctrace__livetab live;
  uint64_t freed[CTRACE__FREED_CACHE];
  ctrace_alloc_site *sites;
  uint32_t n_sites, cap_sites, site_other;
  ctrace__map site_map;
  ctrace__ptr_cache scache[CTRACE__PTR_CACHE];
  ctrace_alloc_site *sites_by[3];
  uint32_t n_leaks, leaks_dropped;

  ctrace_problem kinds[CTRACE__N_PROBLEM_KINDS];
  ctrace_problem reported[CTRACE__MAX_REPORTED + 1];
  uint32_t n_reported;
  ctrace_problem *problems;
  uint32_t n_problems;

  ctrace_log_entry *logs;
  uint32_t n_logs, cap_logs;

  int64_t progress_total;
  double progress_last;
  /* Work that depends on a string is done once per distinct string: these
     map a reader's (stable) pointers to what was made of them. */
  ctrace__ptr_cache icache[CTRACE__PTR_CACHE]; /* string -> its interned copy */
  ctrace__ptr_cache tcache[CTRACE__PTR_CACHE]; /* (name, file, line) -> task */
  /* Threads that wait now, so a collection's edges touch only the threads it
     can hold up (they and the collection's own thread), not every thread. */
  uint32_t *waiting;
  uint32_t n_waiting, cap_waiting, gc_ti;

  uint32_t *zmark, *zslot; /* per zone: thread (index + 1) and its pending entry */
  uint32_t cap_zmark;
  int64_t waiting_t;         /* when n_waiting last changed */
  double waiting_integral;   /* of n_waiting over time, up to waiting_t (thread-ns) */

  /* allocations by call stack (ctrace run), by stack id - 1; a stack's
     peak_bytes is brought up to date lazily: stack_epoch[i] < peak_epoch
     means the heap rose to a new peak since the stack last changed, so its
     live bytes then were its live bytes now */
  ctrace_alloc_stack *stacks;
  uint32_t *stack_epoch;
  uint32_t cap_stacks, cap_epoch, n_stacks, peak_epoch;
  ctrace_alloc_stack *stacks_by[4];
  uint32_t n_stacks_by[4];
  ctrace_flame_node *aflame; /* the stacks merged into a tree, outermost frame first; bytes_total weighs */
  uint32_t n_aflame, cap_aflame;
  uint64_t lazy_gc_begins;   /* collections begun once held stretches were past their cap */
};

static void ctrace__fail(ctrace_analysis *a, int code) {
  if (!a->error) a->error = code;
}

/* ---- interned strings ------------------------------------------------------- */

static int ctrace__str_eq(const void *table, uint32_t v, const void *key) {
  return strcmp(((const ctrace_analysis *)table)->str[v], (const char *)key) == 0;
}

/* The analysis's own copy of s (one per distinct text), or NULL if out of memory. */
static const char *ctrace__intern(ctrace_analysis *a, const char *s) {
  uint64_t h;
  uint32_t v;
  size_t len;
  char *copy;
  s = ctrace__str(s);
  h = ctrace__an_hash(0, s);
  v = ctrace__map_get(&a->strings, h, ctrace__str_eq, a, s);
  if (v != CTRACE_NONE) return a->str[v];
  len = strlen(s);
  copy = ctrace__arena_alloc(&a->arena, len + 1);
  if (!copy || CTRACE__GROW(a->str, a->cap_str, a->n_str + 1) ||
      ctrace__map_put(&a->strings, h, a->n_str)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return NULL;
  }
  memcpy(copy, s, len + 1);
  a->str[a->n_str] = copy;
  return a->str[a->n_str++];
}

static CTRACE__WRAPS uint32_t ctrace__ptr_slot(const char *p, const char *q, uint32_t line) {
  uint64_t h = ctrace__mix64((uint64_t)(size_t)p * 31u + (uint64_t)(size_t)q + line);
  return (uint32_t)h & (CTRACE__PTR_CACHE - 1);
}

/* ctrace__intern for a string an event carries: a reader's strings keep
   their pointers, so the text is hashed once per distinct pointer, not per
   event (a 1 MiB name used by every event would cost its length each time). */
static const char *ctrace__intern_ev(ctrace_analysis *a, const char *s) {
  ctrace__ptr_cache *c;
  const char *v;
  if (!a->stable_strings || !s) return ctrace__intern(a, s);
  c = &a->icache[ctrace__ptr_slot(s, NULL, 0)];
  if (c->a == s && c->b) return c->b;
  v = ctrace__intern(a, s);
  if (v) {
    c->a = s;
    c->b = v;
  }
  return v;
}

/* ---- problems -------------------------------------------------------------------- */

static const char *ctrace__problem_text(int kind) {
  switch (kind) {
  case CTRACE_PROB_END_WITHOUT_BEGIN: return "zone end with no zone open on its thread";
  case CTRACE_PROB_UNFINISHED_ZONE: return "zone still open at the end of the trace";
  case CTRACE_PROB_DOUBLE_FREE: return "block freed twice";
  case CTRACE_PROB_UNTRACKED_FREE: return "free of a pointer never seen allocated";
  case CTRACE_PROB_ALLOC_LIVE: return "allocation at an address already live";
  case CTRACE_PROB_LOST_EVENTS: return "events lost while recording";
  case CTRACE_PROB_GC_END_WITHOUT_BEGIN: return "collection end with no collection running";
  case CTRACE_PROB_GC_NESTED: return "collection begin while one was running";
  case CTRACE_PROB_GC_UNFINISHED: return "collection still running at the end of the trace";
  case CTRACE_PROB_TASK_END_UNKNOWN: return "task end of a task not open";
  case CTRACE_PROB_TASK_UNFINISHED: return "task still open at the end of the trace";
  case CTRACE_PROB_TOO_DEEP: return "zones nested deeper than the analysis tracks";
  case CTRACE_PROB_REPORTED: return "memory problem reported by the program";
  case CTRACE_PROB_DAMAGED: return "damaged or missing parts of the file";
  case CTRACE_PROB_UNKNOWN_EVENT: return "events of an unknown kind skipped";
  case CTRACE_PROB_BAD_VALUE: return "counter samples that are not finite numbers";
  default: return "unknown problem";
  }
}

CTRACE_API const char *ctrace_problem_kind_name(int kind) {
  switch (kind) {
  case CTRACE_PROB_END_WITHOUT_BEGIN: return "end_without_begin";
  case CTRACE_PROB_UNFINISHED_ZONE: return "unfinished_zone";
  case CTRACE_PROB_DOUBLE_FREE: return "double_free";
  case CTRACE_PROB_UNTRACKED_FREE: return "untracked_free";
  case CTRACE_PROB_ALLOC_LIVE: return "alloc_live";
  case CTRACE_PROB_LOST_EVENTS: return "lost_events";
  case CTRACE_PROB_GC_END_WITHOUT_BEGIN: return "gc_end_without_begin";
  case CTRACE_PROB_GC_NESTED: return "gc_nested";
  case CTRACE_PROB_GC_UNFINISHED: return "gc_unfinished";
  case CTRACE_PROB_TASK_END_UNKNOWN: return "task_end_unknown";
  case CTRACE_PROB_TASK_UNFINISHED: return "task_unfinished";
  case CTRACE_PROB_TOO_DEEP: return "too_deep";
  case CTRACE_PROB_REPORTED: return "reported";
  case CTRACE_PROB_DAMAGED: return "damaged";
  case CTRACE_PROB_UNKNOWN_EVENT: return "unknown_event";
  case CTRACE_PROB_BAD_VALUE: return "bad_value";
  default: return "unknown";
  }
}

static void ctrace__problem_count(ctrace_problem *p, uint64_t n, int64_t t, uint32_t thread) {
  if (!p->count) {
    p->first_ns = t;
    p->thread = thread;
  }
  p->count += n;
}

static void ctrace__problem(ctrace_analysis *a, int kind, uint64_t n, int64_t t, uint32_t thread) {
  ctrace_problem *p = &a->kinds[kind];
  p->kind = kind;
  p->what = ctrace__problem_text(kind);
  if (!p->file) p->file = "";
  ctrace__problem_count(p, n, t, thread);
}

/* One entry per name and site: an untracked free names the line to fix. */
static void ctrace__problem_reported(ctrace_analysis *a, const ctrace_event *ev) {
  uint32_t i, named = a->n_reported < CTRACE__MAX_REPORTED ? a->n_reported : CTRACE__MAX_REPORTED;
  /* interned: one text, one pointer, so a name or file is compared once per
     distinct string, never by its bytes per event */
  const char *own = ctrace__intern_ev(a, ctrace__str(ev->name)), *file = ctrace__intern_ev(a, ctrace__str(ev->file));
  if (!own || !file) return;
  for (i = 0; i < named; i++)
    if (a->reported[i].what == own && a->reported[i].file == file && a->reported[i].line == ev->line) break;
  if (i == named) {
    /* Past the cap every new name counts in one fold entry at the end,
       which a name spelled "(other problems)" never matches above. */
    const char *what = i < CTRACE__MAX_REPORTED ? own : "(other problems)";
    if (i == a->n_reported) {
      a->reported[i].kind = CTRACE_PROB_REPORTED;
      a->reported[i].what = what;
      a->reported[i].file = i < CTRACE__MAX_REPORTED ? file : "";
      a->reported[i].line = i < CTRACE__MAX_REPORTED ? ev->line : 0;
      if (!a->reported[i].file) a->reported[i].file = "";
      a->n_reported++;
    }
  }
  ctrace__problem_count(&a->reported[i], 1, ev->time_ns, ev->thread);
}

/* ---- threads ----------------------------------------------------------------------- */

static int ctrace__u32_eq(const void *table, uint32_t v, const void *key) {
  return ((const ctrace_thread_stats *)table)[v].id == *(const uint32_t *)key;
}

/* Index of thread id (created on first sight), or CTRACE_NONE when out of memory. */
static uint32_t ctrace__thread_index(ctrace_analysis *a, uint32_t id) {
  uint64_t h = ctrace__mix64(id);
  uint32_t v;
  if (a->n_threads && a->last_thread_id == id) return a->last_thread;
  v = ctrace__map_get(&a->thread_map, h, ctrace__u32_eq, a->threads, &id);
  if (v == CTRACE_NONE) {
    if (CTRACE__GROW(a->threads, a->cap_threads, a->n_threads + 1)) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return CTRACE_NONE;
    }
    {
      /* tstate is a parallel array with the same capacity as threads. */
      void *q = CTRACE_MEM_REALLOC(a->tstate, (size_t)a->cap_threads * sizeof *a->tstate);
      if (!q) {
        ctrace__fail(a, CTRACE_E_NOMEM);
        return CTRACE_NONE;
      }
      a->tstate = (ctrace__thread *)q;
    }
    v = a->n_threads;
    if (ctrace__map_put(&a->thread_map, h, v)) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return CTRACE_NONE;
    }
    memset(&a->threads[v], 0, sizeof a->threads[v]);
    memset(&a->tstate[v], 0, sizeof a->tstate[v]);
    a->threads[v].id = id;
    a->threads[v].name = "";
    a->n_threads++;
  }
  a->last_thread_id = id;
  a->last_thread = v;
  return v;
}

/* ---- zone and task tables ------------------------------------------------------------ */

static int ctrace__zkey_eq(const void *table, uint32_t v, const void *key) {
  const ctrace_zone_stats *z = &((const ctrace__ztab *)table)->st[v];
  const ctrace__zkey *k = (const ctrace__zkey *)key;
  return z->line == k->line && strcmp(z->name, k->name) == 0 && strcmp(z->file, k->file) == 0;
}

static uint32_t ctrace__ztab_new(ctrace_analysis *a, ctrace__ztab *t, const char *name,
                                 const char *file, uint32_t line) {
  ctrace_zone_stats *z;
  const char *n = ctrace__intern(a, name), *f = ctrace__intern(a, file);
  if (!n || !f || CTRACE__GROW(t->st, t->cap, t->n + 1)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return CTRACE_NONE;
  }
  {
    void *q = CTRACE_MEM_REALLOC(t->hist, (size_t)t->cap * sizeof *t->hist);
    if (!q) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return CTRACE_NONE;
    }
    t->hist = (ctrace_histogram *)q;
  }
  z = &t->st[t->n];
  memset(z, 0, sizeof *z);
  memset(&t->hist[t->n], 0, sizeof t->hist[t->n]);
  z->name = n;
  z->file = f;
  z->line = line;
  return t->n++;
}

/* Index of (name, file, line) in t, created if new; beyond the cap, the
   "(other)" entry, with *folded set. */
static uint32_t ctrace__ztab_index(ctrace_analysis *a, ctrace__ztab *t, const char *name,
                                   const char *file, uint32_t line, int *folded) {
  ctrace__zkey k;
  uint64_t h;
  uint32_t v;
  k.name = ctrace__str(name);
  k.file = ctrace__str(file);
  k.line = line;
  h = ctrace__an_hash(ctrace__an_hash(line, k.name), k.file);
  v = ctrace__map_get(&t->map, h, ctrace__zkey_eq, t, &k);
  *folded = 0;
  if (v != CTRACE_NONE) return v;
  if (t->n >= t->max) {
    *folded = 1;
    if (t->other == CTRACE_NONE) t->other = ctrace__ztab_new(a, t, "(other)", "", 0);
    return t->other;
  }
  v = ctrace__ztab_new(a, t, k.name, k.file, line);
  if (v != CTRACE_NONE && ctrace__map_put(&t->map, h, v)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return CTRACE_NONE;
  }
  return v;
}

/* ctrace__ztab_index for an event's site, through a cache of the reader's
   pointers, so a site's text is hashed once, not per event. */
static uint32_t ctrace__ztab_cached(ctrace_analysis *a, ctrace__ztab *t, ctrace__ptr_cache *cache,
                                    const ctrace_event *ev, int *folded) {
  uint32_t v;
  ctrace__ptr_cache *c = NULL;
  *folded = 0;
  if (a->stable_strings) {
    c = &cache[ctrace__ptr_slot(ev->name, ev->file, ev->line)];
    if (c->a == ev->name && c->b == ev->file && c->line == ev->line && c->a) return c->idx;
  }
  v = ctrace__ztab_index(a, t, ev->name, ev->file, ev->line, folded);
  if (c && !*folded && v != CTRACE_NONE) {
    c->a = ev->name;
    c->b = ev->file;
    c->line = ev->line;
    c->idx = v;
  }
  return v;
}

static uint32_t ctrace__zone_index(ctrace_analysis *a, const ctrace_event *ev) {
  int folded;
  uint32_t v = ctrace__ztab_cached(a, &a->zones, a->zcache, ev, &folded);
  if (folded) a->sum.zones_folded++;
  return v;
}

/* Durations from a hostile trace can be near INT64_MAX; their sums saturate
   instead of overflowing (undefined behaviour). */
/* Byte and event counts add up exactly or stop at UINT64_MAX, which then
   stays (a later subtraction would make a wrong number look right), with
   the summary's overflowed flag set for the outputs to show. */
static uint64_t ctrace__uadd(ctrace_analysis *a, uint64_t x, uint64_t y) {
  if (x > UINT64_MAX - y) {
    a->sum.overflowed = 1;
    return UINT64_MAX;
  }
  return x + y;
}
static uint64_t ctrace__usub(uint64_t x, uint64_t y) { return x == UINT64_MAX ? x : x > y ? x - y : 0; }

static int64_t ctrace__an_sadd(int64_t x, int64_t y) {
  if (y > 0 && x > INT64_MAX - y) return INT64_MAX;
  if (y < 0 && x < INT64_MIN - y) return INT64_MIN;
  return x + y;
}

/* total is what the span adds to the zone's total: its duration when no
   other instance of the zone was open on its thread, else 0. */
static void ctrace__zstats_add(ctrace__ztab *t, uint32_t v, int64_t dur, int64_t self, int64_t total,
                               int unfinished, ctrace_analysis *a) {
  ctrace_zone_stats *z = &t->st[v];
  if (!z->count || dur < z->min_ns) z->min_ns = dur;
  if (!z->count || dur > z->max_ns) z->max_ns = dur;
  z->count++;
  z->total_ns = ctrace__an_sadd(z->total_ns, total);
  z->spans_ns = ctrace__an_sadd(z->spans_ns, dur);
  z->self_ns = ctrace__an_sadd(z->self_ns, self);
  if (unfinished) z->unfinished++;
  if (ctrace__hist_add(&t->hist[v], dur)) ctrace__fail(a, CTRACE_E_NOMEM);
}

/* ---- flame tree ------------------------------------------------------------------------- */

typedef struct ctrace__fkey {
  uint32_t parent;
  const char *name;
} ctrace__fkey;

static int ctrace__fkey_eq(const void *table, uint32_t v, const void *key) {
  const ctrace_flame_node *n = &((const ctrace_flame_node *)table)[v];
  const ctrace__fkey *k = (const ctrace__fkey *)key;
  return n->parent == k->parent && n->name == k->name;
}

static uint32_t ctrace__flame_new(ctrace_analysis *a, uint32_t parent, const char *name) {
  ctrace_flame_node *n;
  if (CTRACE__GROW(a->flame, a->cap_flame, a->n_flame + 1)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return 0;
  }
  n = &a->flame[a->n_flame];
  memset(n, 0, sizeof *n);
  n->name = name;
  n->parent = parent;
  n->first_child = n->next_sibling = CTRACE_NONE;
  if (parent != CTRACE_NONE) {
    /* Prepended: O(1) however wide the tree grows. */
    n->next_sibling = a->flame[parent].first_child;
    a->flame[parent].first_child = a->n_flame;
    n->depth = a->flame[parent].depth + 1;
  }
  return a->n_flame++;
}

/* Node for a zone named name (interned) under parent; beyond the cap, the one
   "(other)" node under the root, which also takes everything under it. */
static uint32_t ctrace__an_flame_child(ctrace_analysis *a, uint32_t parent, const char *name) {
  ctrace__fkey k;
  uint64_t h;
  uint32_t v;
  if (parent == a->flame_other && parent != CTRACE_NONE) {
    a->sum.flame_folded++;
    return parent;
  }
  k.parent = parent;
  k.name = name;
  h = ctrace__mix64(((uint64_t)parent << 32) ^ (uint64_t)(size_t)name);
  {
    /* Names are interned, so (parent, name pointer) identifies a node. */
    ctrace__ptr_cache *c = &a->fcache[(uint32_t)h & (CTRACE__PTR_CACHE - 1)];
    if (c->a == name && c->line == parent) return c->idx;
    v = ctrace__map_get(&a->flame_map, h, ctrace__fkey_eq, a->flame, &k);
    if (v != CTRACE_NONE) {
      c->a = name;
      c->line = parent;
      c->idx = v;
      return v;
    }
  }
  if (a->n_flame + 1 >= a->cfg.max_flame_nodes) {
    a->sum.flame_folded++;
    if (a->flame_other == CTRACE_NONE) {
      const char *o = ctrace__intern(a, "(other)");
      if (!o) return 0;
      a->flame_other = ctrace__flame_new(a, 0, o);
    }
    return a->flame_other;
  }
  v = ctrace__flame_new(a, parent, name);
  if (ctrace__map_put(&a->flame_map, h, v)) ctrace__fail(a, CTRACE_E_NOMEM);
  return v;
}

/* ---- CPU samples: running against waiting ----------------------------------------------- */

#define CTRACE__CPU_PEND_MAX 4096u
#define CTRACE__CPU_SPANS_MAX 2048u

/* The pending entry of zone z on thread ti, made if need be; beyond the cap
   the last entry takes the time (bounded memory, a little misplaced). */
static ctrace__cpu_pend *ctrace__cpu_pend_of(ctrace_analysis *a, uint32_t ti, uint32_t z) {
  ctrace__thread *t = &a->tstate[ti];
  ctrace__cpu_pend *e;
  if (t->n_pend && t->pend[t->n_pend - 1].zone == z) return &t->pend[t->n_pend - 1];
  if (z != CTRACE_NONE && z < a->cap_zmark && a->zmark[z] == ti + 1 && a->zslot[z] < t->n_pend &&
      t->pend[a->zslot[z]].zone == z)
    return &t->pend[a->zslot[z]];
  if (t->n_pend >= CTRACE__CPU_PEND_MAX) return &t->pend[t->n_pend - 1];
  if (CTRACE__GROW(t->pend, t->cap_pend, t->n_pend + 1)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return NULL;
  }
  if (z != CTRACE_NONE && z >= a->cap_zmark) {
    uint32_t old = a->cap_zmark, want = z + 1 > old * 2 ? z + 1 : old * 2;
    uint32_t *m = (uint32_t *)CTRACE_MEM_REALLOC(a->zmark, (size_t)want * sizeof *m), *q;
    if (m) a->zmark = m;
    q = m ? (uint32_t *)CTRACE_MEM_REALLOC(a->zslot, (size_t)want * sizeof *q) : NULL;
    if (!q) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return NULL;
    }
    a->zslot = q;
    memset(a->zmark + old, 0, (size_t)(want - old) * sizeof *m);
    a->cap_zmark = want;
  }
  if (z != CTRACE_NONE) {
    a->zmark[z] = ti + 1;
    a->zslot[z] = t->n_pend;
  }
  e = &t->pend[t->n_pend++];
  e->zone = z;
  e->run = e->wait = 0;
  return e;
}

/* What was innermost on the thread until now (its zone, and whether it was
   in a wait) gets the time since the last change. Called before every
   change of either, and at each CPU sample. Nothing before the first sample:
   no CPU time is known for it. */
static void ctrace__cpu_seg(ctrace_analysis *a, uint32_t ti, int64_t now) {
  ctrace__thread *t = &a->tstate[ti];
  int64_t d = now - t->seg_start;
  ctrace__cpu_pend *e;
  if (!t->cpu_seen || d <= 0) return;
  t->seg_start = now;
  e = ctrace__cpu_pend_of(a, ti, t->depth ? t->stack[t->depth - 1].zone : CTRACE_NONE);
  if (!e) return;
  if (t->wait_depth) e->wait += d;
  else e->run += d;
}

static void ctrace__cpu_span_add(ctrace_analysis *a, ctrace__thread *t, int64_t start, int64_t end, int64_t cpu,
                                 int64_t ready) {
  if (t->n_spans >= CTRACE__CPU_SPANS_MAX) { /* merge neighbours: half as many, twice as long */
    uint32_t i;
    for (i = 0; i < t->n_spans / 2; i++) {
      t->spans[i].start_ns = t->spans[2 * i].start_ns;
      t->spans[i].end_ns = t->spans[2 * i + 1].end_ns;
      t->spans[i].cpu_ns = t->spans[2 * i].cpu_ns + t->spans[2 * i + 1].cpu_ns;
      t->spans[i].ready_ns = t->spans[2 * i].ready_ns + t->spans[2 * i + 1].ready_ns;
    }
    t->n_spans /= 2;
  }
  if (CTRACE__GROW(t->spans, t->cap_spans, t->n_spans + 1)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return;
  }
  t->spans[t->n_spans].start_ns = start;
  t->spans[t->n_spans].end_ns = end;
  t->spans[t->n_spans].ready_ns = ready;
  t->spans[t->n_spans++].cpu_ns = cpu;
}

/* The count of threads in a wait, integrated over time, so a CPU sample can
   tell how many others waited while its thread ran (waited_on_ns). */
static void ctrace__waiting_to(ctrace_analysis *a, int64_t now) {
  if (now > a->waiting_t) {
    a->waiting_integral += (double)a->n_waiting * (double)(now - a->waiting_t);
    a->waiting_t = now;
  }
}

/* A sample: the CPU time used since the last one is shared among what was
   innermost meanwhile in proportion to time, running stretches first; only
   CPU time beyond their length goes to stretches in waits (a wait can spin
   before it blocks). */
static void ctrace__cpu_sample(ctrace_analysis *a, uint32_t ti, const ctrace_event *ev) {
  ctrace__thread *t = &a->tstate[ti];
  ctrace_thread_stats *th = &a->threads[ti];
  int64_t cpu, ready = 0, run = 0, wait = 0, cpu_run, cpu_wait, ready_run, ready_wait;
  int has_delay = ev->ptr == 1 && ev->size <= (uint64_t)INT64_MAX;
  uint32_t i;
  a->sum.cpu_samples++;
  ctrace__cpu_seg(a, ti, ev->time_ns);
  ctrace__waiting_to(a, ev->time_ns);
  if (t->cpu_seen && ev->time_ns > t->cpu_t) {
    cpu = ctrace__max64(0, ev->value - t->cpu_v);
    if (has_delay && t->delay_seen) ready = ctrace__max64(0, (int64_t)ev->size - t->delay_v);
    for (i = 0; i < t->n_pend; i++) {
      run += t->pend[i].run;
      wait += t->pend[i].wait;
    }
    /* CPU time to the running stretches first, then the waits; time ready
       for a core fills what is left of the running stretches, then the
       waits (a woken thread waits for a core before its wait ends). */
    cpu_run = cpu < run ? cpu : run;
    cpu_wait = cpu - cpu_run < wait ? cpu - cpu_run : wait;
    ready_run = ready < run - cpu_run ? ready : run - cpu_run;
    ready_wait = ready - ready_run < wait - cpu_wait ? ready - ready_run : wait - cpu_wait;
    for (i = 0; i < t->n_pend; i++) {
      const ctrace__cpu_pend *e = &t->pend[i];
      ctrace_zone_stats *z;
      double fr = run ? (double)e->run / (double)run : 0, fw = wait ? (double)e->wait / (double)wait : 0;
      if (e->zone == CTRACE_NONE) continue;
      z = &a->zones.st[e->zone];
      z->sampled_self_ns = ctrace__an_sadd(z->sampled_self_ns, e->run + e->wait);
      z->cpu_self_ns = ctrace__an_sadd(z->cpu_self_ns, (int64_t)((double)cpu_run * fr + (double)cpu_wait * fw));
      z->ready_self_ns = ctrace__an_sadd(z->ready_self_ns, (int64_t)((double)ready_run * fr + (double)ready_wait * fw));
    }
    th->has_cpu = 1;
    th->cpu_ns = ctrace__an_sadd(th->cpu_ns, cpu);
    th->ready_ns = ctrace__an_sadd(th->ready_ns, ready);
    th->cpu_wall_ns = ctrace__an_sadd(th->cpu_wall_ns, ev->time_ns - t->cpu_t);
    ctrace__cpu_span_add(a, t, t->cpu_t, ev->time_ns, cpu, ready);
    { /* others in a wait meanwhile: all waiting thread-time less its own */
      double others = a->waiting_integral - t->waiting_at_sample - (double)wait;
      if (others > 0)
        th->waited_on_ns = ctrace__an_sadd(th->waited_on_ns,
                                           (int64_t)((double)cpu * others / (double)(ev->time_ns - t->cpu_t)));
    }
  }
  t->waiting_at_sample = a->waiting_integral;
  if (!t->cpu_seen || ev->time_ns >= t->cpu_t) {
    t->cpu_seen = 1;
    t->cpu_t = t->seg_start = ev->time_ns;
    t->cpu_v = ev->value;
    t->delay_seen = has_delay;
    t->delay_v = has_delay ? (int64_t)ev->size : 0;
  }
  t->n_pend = 0;
}

CTRACE_API const ctrace_cpu_span *ctrace_analysis_thread_cpu(const ctrace_analysis *a, uint32_t thread,
                                                        uint32_t *n) {
  uint32_t ti;
  if (n) *n = 0;
  if (!a || !a->finished) return NULL;
  for (ti = 0; ti < a->n_threads; ti++)
    if (a->threads[ti].id == thread) {
      if (n) *n = a->tstate[ti].n_spans;
      return a->tstate[ti].spans;
    }
  return NULL;
}

CTRACE_API int ctrace_zone_mostly_waited(const ctrace_zone_stats *z) {
  return z && z->sampled_self_ns > 0 && z->sampled_self_ns >= z->self_ns / 2 &&
         z->cpu_self_ns + z->ready_self_ns < z->sampled_self_ns / 4;
}

/* The outermost wait's reason among the thread's (a few kept; the rest in
   "(other)"). */
static void ctrace__wait_reason(ctrace_analysis *a, ctrace__thread *t, const char *what) {
  uint32_t i;
  const char *w = ctrace__intern(a, what && *what ? what : "(unnamed)");
  if (!w) return;
  for (i = 0; i < t->n_wr; i++)
    if (t->wr[i].what == w) break;
  if (i == t->n_wr) {
    if (t->n_wr == CTRACE_WAIT_REASONS) {
      i = CTRACE_WAIT_REASONS - 1;
      if (!(t->wr[i].what = ctrace__intern(a, "(other)"))) return;
    } else {
      t->wr[i].what = w;
      t->wr[i].count = 0;
      t->wr[i].ns = 0;
      t->n_wr++;
    }
  }
  t->wr[i].count++;
  t->wr_now = i;
}

static int ctrace__wait_reason_cmp(const void *x, const void *y) {
  const ctrace_wait_reason *p = (const ctrace_wait_reason *)x, *q = (const ctrace_wait_reason *)y;
  if (p->ns != q->ns) return p->ns > q->ns ? -1 : 1;
  return strcmp(p->what, q->what);
}

/* Reasons into the thread's stats, longest first ("(other)" stays last). */
static void ctrace__finish_wait_reasons(ctrace_analysis *a) {
  uint32_t i, n;
  for (i = 0; i < a->n_threads; i++) {
    ctrace__thread *t = &a->tstate[i];
    ctrace_thread_stats *th = &a->threads[i];
    n = t->n_wr;
    memcpy(th->wait_by, t->wr, (size_t)n * sizeof *t->wr);
    th->n_wait_by = n;
    if (n == CTRACE_WAIT_REASONS && strcmp(th->wait_by[n - 1].what, "(other)") == 0) n--;
    qsort(th->wait_by, n, sizeof *th->wait_by, ctrace__wait_reason_cmp);
  }
}

/* ---- zones --------------------------------------------------------------------------------- */

/* Whether zone z, beginning on thread ti, has no instance open there
   already. Usually one thread at a time has a zone open: its instances are
   counted in zopen and the answer is at hand. Instances open on several
   threads at once are found on the thread's own stack (at most max_depth). */
static int ctrace__zone_outermost(ctrace_analysis *a, uint32_t ti, uint32_t z, ctrace__open_zone *o) {
  ctrace__zopen *zo = &a->zopen[z];
  const ctrace__thread *t = &a->tstate[ti];
  uint32_t k;
  o->counted = 1;
  if (zo->n && zo->thread == ti) {
    zo->n++;
    return 0;
  }
  if (!zo->n && !zo->others) {
    zo->thread = ti;
    zo->n = 1;
    return 1;
  }
  o->counted = 0;
  zo->others++;
  for (k = 0; k + 1 < t->depth; k++)
    if (t->stack[k].zone == z) return 0;
  return 1;
}

static void ctrace__zone_begin(ctrace_analysis *a, uint32_t ti, const ctrace_event *ev) {
  ctrace__thread *t = &a->tstate[ti];
  ctrace__open_zone *o;
  uint32_t z, parent_node;
  if (t->depth >= a->cfg.max_depth || t->excess) {
    t->excess++;
    a->sum.too_deep++;
    ctrace__problem(a, CTRACE_PROB_TOO_DEEP, 1, ev->time_ns, ev->thread);
    return;
  }
  z = ctrace__zone_index(a, ev);
  if (z == CTRACE_NONE) return;
  if (z >= a->cap_zopen) {
    uint32_t old = a->cap_zopen;
    if (CTRACE__GROW(a->zopen, a->cap_zopen, z + 1)) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return;
    }
    memset(a->zopen + old, 0, (size_t)(a->cap_zopen - old) * sizeof *a->zopen);
  }
  ctrace__cpu_seg(a, ti, ev->time_ns);
  if (CTRACE__GROW(t->stack, t->cap, t->depth + 1)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return;
  }
  parent_node = t->depth ? t->stack[t->depth - 1].node : 0;
  o = &t->stack[t->depth++];
  o->zone = z;
  o->node = ctrace__an_flame_child(a, parent_node, a->zones.st[z].name);
  o->start = ev->time_ns;
  o->child_ns = 0;
  o->alloc_bytes = 0;
  o->outermost = (uint8_t)ctrace__zone_outermost(a, ti, z, o);
  if (t->depth > a->threads[ti].max_depth) a->threads[ti].max_depth = t->depth;
}

static void ctrace__zone_close(ctrace_analysis *a, uint32_t ti, int64_t end, int unfinished) {
  ctrace__thread *t = &a->tstate[ti];
  ctrace__open_zone o;
  ctrace__cpu_seg(a, ti, end);
  o = t->stack[--t->depth];
  int64_t dur = ctrace__max64(0, end - o.start);
  int64_t self = ctrace__max64(0, dur - o.child_ns);
  ctrace_flame_node *node = &a->flame[o.node];
  if (t->depth) t->stack[t->depth - 1].child_ns = ctrace__an_sadd(t->stack[t->depth - 1].child_ns, dur);
  else a->threads[ti].busy_ns = ctrace__an_sadd(a->threads[ti].busy_ns, dur);
  a->threads[ti].zones++;
  if (o.counted) a->zopen[o.zone].n--;
  else a->zopen[o.zone].others--;
  ctrace__zstats_add(&a->zones, o.zone, dur, self, o.outermost ? dur : 0, unfinished, a);
  node->count++;
  node->self_ns = ctrace__an_sadd(node->self_ns, self);
  if (a->cfg.on_span) {
    ctrace_span s;
    const ctrace_zone_stats *z = &a->zones.st[o.zone];
    s.name = z->name;
    s.file = z->file;
    s.line = z->line;
    s.thread = a->threads[ti].id;
    s.depth = t->depth;
    s.zone = o.zone;
    s.start_ns = o.start;
    s.end_ns = o.start + dur;
    s.self_ns = self;
    s.alloc_bytes = o.alloc_bytes;
    s.id = 0;
    s.unfinished = unfinished;
    a->cfg.on_span(a->cfg.user, &s);
  }
}

static void ctrace__zone_end(ctrace_analysis *a, uint32_t ti, const ctrace_event *ev) {
  ctrace__thread *t = &a->tstate[ti];
  if (t->excess) {
    t->excess--;
    return;
  }
  if (!t->depth) {
    ctrace__problem(a, CTRACE_PROB_END_WITHOUT_BEGIN, 1, ev->time_ns, ev->thread);
    return;
  }
  ctrace__zone_close(a, ti, ev->time_ns, 0);
}

/* ---- collections and tasks ------------------------------------------------------------------ */

/* ---- waits and the time collections held threads up ------------------------- */

/* A thread is held up by a collection while one runs and the thread either
   waits or runs that collection itself. Called whenever one of those changes. */
static void ctrace__held_update(ctrace_analysis *a, uint32_t ti, int64_t now) {
  ctrace__thread *t = &a->tstate[ti];
  int held = a->gc_open && (t->wait_depth > 0 || a->gc_thread == a->threads[ti].id);
  if (held == t->held) return;
  t->held = held;
  if (held) {
    t->held_start = now;
    return;
  }
  if (now <= t->held_start) return;
  /* A thread that so far only ran collections is most likely the collector,
     which nobody's utilization counts: its stretches are summed, not kept,
     so a long run of collections costs no memory. */
  if (!t->outside_gc) {
    t->early_held_ns = ctrace__an_sadd(t->early_held_ns, now - t->held_start);
    t->early_held++;
    return;
  }
  if (a->n_held >= 4u * a->cfg.max_gc_spans) {
    a->gc.held_dropped++;
    return;
  }
  if (CTRACE__GROW(a->held, a->cap_held, a->n_held + 1)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return;
  }
  a->held[a->n_held].start = t->held_start;
  a->held[a->n_held].end = now;
  a->held[a->n_held].thread = ti;
  a->n_held++;
}

static void ctrace__held_update_all(ctrace_analysis *a, int64_t now) {
  uint32_t ti;
  for (ti = 0; ti < a->n_threads; ti++) ctrace__held_update(a, ti, now);
}

/* A collection began or ended: only the threads waiting now and the one
   running it can change. Once the held stretches are past their cap, a
   stretch is only counted (held_dropped), and a collection begins one for
   every waiting thread: those are counted when each wait ends, from
   lazy_gc_begins, so 10,000 threads waiting through 100,000 collections do
   not cost 10^9 steps. */
static void ctrace__held_update_gc(ctrace_analysis *a, int64_t now, int begin) {
  uint32_t i;
  if (a->gc_ti < a->n_threads) ctrace__held_update(a, a->gc_ti, now);
  if (a->n_held >= 4u * a->cfg.max_gc_spans) {
    if (begin) {
      a->lazy_gc_begins++;
      if (a->gc_ti < a->n_threads && a->tstate[a->gc_ti].wait_depth)
        a->tstate[a->gc_ti].lazy_mark++; /* its stretch is its own, counted above */
    }
    return;
  }
  for (i = 0; i < a->n_waiting; i++) ctrace__held_update(a, a->waiting[i], now);
}

static void ctrace__wait_begin(ctrace_analysis *a, uint32_t ti, const ctrace_event *ev) {
  ctrace__thread *t = &a->tstate[ti];
  ctrace__cpu_seg(a, ti, ev->time_ns);
  if (t->wait_depth++ == 0) {
    ctrace__waiting_to(a, ev->time_ns);
    ctrace__wait_reason(a, t, ev->name);
    if (CTRACE__GROW(a->waiting, a->cap_waiting, a->n_waiting + 1)) {
      ctrace__fail(a, CTRACE_E_NOMEM);
    } else {
      t->wait_slot = a->n_waiting;
      a->waiting[a->n_waiting++] = ti;
    }
    t->wait_start = ev->time_ns;
    t->lazy_mark = a->lazy_gc_begins;
    a->threads[ti].waits++;
    ctrace__held_update(a, ti, ev->time_ns);
  }
}

static void ctrace__wait_close(ctrace_analysis *a, uint32_t ti, int64_t end) {
  ctrace__thread *t = &a->tstate[ti];
  if (!t->wait_depth) return;
  ctrace__cpu_seg(a, ti, end);
  if (--t->wait_depth) return;
  ctrace__waiting_to(a, end);
  if (t->wait_slot < a->n_waiting && a->waiting[t->wait_slot] == ti) {
    uint32_t last = a->waiting[--a->n_waiting];
    a->waiting[t->wait_slot] = last;
    a->tstate[last].wait_slot = t->wait_slot;
  }
  a->gc.held_dropped += a->lazy_gc_begins - t->lazy_mark;
  a->threads[ti].wait_ns = ctrace__an_sadd(a->threads[ti].wait_ns, ctrace__max64(0, end - t->wait_start));
  if (t->n_wr) t->wr[t->wr_now].ns = ctrace__an_sadd(t->wr[t->wr_now].ns, ctrace__max64(0, end - t->wait_start));
  ctrace__held_update(a, ti, end);
}

static void ctrace__heap_tooth(ctrace_analysis *a);
static void ctrace__heap_fall_over(ctrace_analysis *a, int64_t t);
static void ctrace__gc_close(ctrace_analysis *a, int64_t end, int unfinished) {
  int64_t dur = ctrace__max64(0, end - a->gc_start);
  ctrace_gc_stats *g = &a->gc;
  a->gc_open = 0;
  if (!g->count || dur < g->pause_min_ns) g->pause_min_ns = dur;
  if (dur > g->pause_max_ns) g->pause_max_ns = dur;
  g->count++;
  if (unfinished) g->unfinished++;
  else g->completed++;
  g->pause_total_ns = ctrace__an_sadd(g->pause_total_ns, dur);
  if (ctrace__hist_add(&a->gc_hist, dur)) ctrace__fail(a, CTRACE_E_NOMEM);
  if (a->n_gc_spans < a->cfg.max_gc_spans) {
    if (CTRACE__GROW(a->gc_spans, a->cap_gc_spans, a->n_gc_spans + 1)) {
      ctrace__fail(a, CTRACE_E_NOMEM);
    } else {
      ctrace_gc_span *s = &a->gc_spans[a->n_gc_spans++];
      s->start_ns = a->gc_start;
      s->end_ns = a->gc_start + dur;
      s->reason = a->gc_reason ? a->gc_reason : "";
      s->thread = a->gc_thread;
      s->unfinished = unfinished;
      s->heap_before = a->gc_heap_before;
      s->heap_after = a->mem.alloc;
      s->goal = a->gc_goal;
    }
  } else {
    g->spans_dropped++;
  }
  if (a->heap_falling) ctrace__heap_fall_over(a, a->gc_start + dur);
  ctrace__held_update_gc(a, a->gc_start + dur, 0);
  if (a->cfg.on_gc) {
    ctrace_span s;
    memset(&s, 0, sizeof s);
    s.name = a->gc_reason ? a->gc_reason : "";
    s.file = "";
    s.thread = a->gc_thread;
    s.zone = CTRACE_NONE;
    s.start_ns = a->gc_start;
    s.end_ns = a->gc_start + dur;
    s.self_ns = dur;
    s.unfinished = unfinished;
    a->cfg.on_gc(a->cfg.user, &s);
  }
}

static void ctrace__gc_begin(ctrace_analysis *a, uint32_t ti, const ctrace_event *ev) {
  if (a->gc_open) {
    ctrace__problem(a, CTRACE_PROB_GC_NESTED, 1, ev->time_ns, ev->thread);
    return;
  }
  a->gc_open = 1;
  a->gc_begun++;
  a->gc_start = ev->time_ns;
  a->gc_heap_before = a->mem.alloc;
  a->gc_goal = a->goal_seen ? a->goal_value : -1.0;
  a->gc_thread = ev->thread;
  a->gc_ti = ti;
  /* Reasons are kept only while spans are kept, so their number stays bounded. */
  a->gc_reason = a->n_gc_spans < a->cfg.max_gc_spans || a->cfg.on_gc ? ctrace__intern_ev(a, ev->name)
                                                                     : "";
  ctrace__held_update_gc(a, ev->time_ns, 1);
}

static void ctrace__task_close(ctrace_analysis *a, ctrace__live *e, int64_t end, int unfinished) {
  int64_t dur = ctrace__max64(0, end - e->time);
  ctrace__zstats_add(&a->tasks, e->ref, dur, dur, dur, unfinished, a);
  if (unfinished) ctrace__problem(a, CTRACE_PROB_TASK_UNFINISHED, 1, e->time, a->threads[e->thread].id);
  if (a->cfg.on_task) {
    ctrace_span s;
    const ctrace_zone_stats *z = &a->tasks.st[e->ref];
    memset(&s, 0, sizeof s);
    s.name = z->name;
    s.file = z->file;
    s.line = z->line;
    s.thread = a->threads[e->thread].id;
    s.zone = e->ref;
    s.start_ns = e->time;
    s.end_ns = e->time + dur;
    s.self_ns = dur;
    s.id = e->key;
    s.unfinished = unfinished;
    a->cfg.on_task(a->cfg.user, &s);
  }
}

static void ctrace__task_begin(ctrace_analysis *a, uint32_t ti, const ctrace_event *ev) {
  int folded;
  uint32_t v = ctrace__ztab_cached(a, &a->tasks, a->tcache, ev, &folded);
  ctrace__live *e;
  if (v == CTRACE_NONE) return;
  if (folded) a->sum.tasks_folded++;
  e = ctrace__live_find(&a->open_tasks, ev->id);
  if (e) {
    /* The id was reused before its task ended: that task is unfinished. */
    ctrace__task_close(a, e, ev->time_ns, 1);
  } else {
    e = ctrace__live_insert(&a->open_tasks, ev->id);
    if (!e) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return;
    }
  }
  e->ref = v;
  e->thread = ti;
  e->time = ev->time_ns;
  e->seq = ++a->task_seq;
  e->size = 0;
}

static void ctrace__task_end(ctrace_analysis *a, const ctrace_event *ev) {
  ctrace__live *e = ctrace__live_find(&a->open_tasks, ev->id);
  if (!e) {
    ctrace__problem(a, CTRACE_PROB_TASK_END_UNKNOWN, 1, ev->time_ns, ev->thread);
    return;
  }
  ctrace__task_close(a, e, ev->time_ns, 0);
  ctrace__live_remove(&a->open_tasks, e);
}

/* ---- counters ----------------------------------------------------------------------------- */

static int ctrace__counter_eq(const void *table, uint32_t v, const void *key) {
  return strcmp(((const ctrace_counter_stats *)table)[v].name, (const char *)key) == 0;
}

static uint32_t ctrace__counter_new(ctrace_analysis *a, const char *name, uint64_t h) {
  const char *n = ctrace__intern(a, name);
  uint32_t v = a->n_counters;
  if (!n || CTRACE__GROW(a->counters, a->cap_counters, v + 1) ||
      ctrace__map_put(&a->counter_map, h, v)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return CTRACE_NONE;
  }
  {
    void *q = CTRACE_MEM_REALLOC(a->cstate, (size_t)a->cap_counters * sizeof *a->cstate);
    if (!q) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return CTRACE_NONE;
    }
    a->cstate = (ctrace__counter *)q;
  }
  memset(&a->counters[v], 0, sizeof a->counters[v]);
  memset(&a->cstate[v], 0, sizeof a->cstate[v]);
  a->counters[v].name = n;
  a->cstate[v].series.max_points = a->cfg.max_series_points;
  if (strcmp(n, "ctrace.rss") == 0) a->rss_counter = v;
  a->cstate[v].is_goal = strstr(n, "goal") != NULL;
  a->n_counters++;
  return v;
}

static uint32_t ctrace__counter_index(ctrace_analysis *a, const char *name) {
  ctrace__ptr_cache *c = NULL;
  uint64_t h;
  uint32_t v;
  name = ctrace__str(name);
  if (a->stable_strings) {
    c = &a->ccache[ctrace__ptr_slot(name, NULL, 0)];
    if (c->a == name) return c->idx;
  }
  h = ctrace__an_hash(7, name);
  v = ctrace__map_get(&a->counter_map, h, ctrace__counter_eq, a->counters, name);
  if (v == CTRACE_NONE) {
    if (a->n_counters >= a->cfg.max_counters) return CTRACE_NONE;
    v = ctrace__counter_new(a, name, h);
  }
  if (c && v != CTRACE_NONE) {
    c->a = name;
    c->idx = v;
  }
  return v;
}

static void ctrace__counter_sample(ctrace_analysis *a, const ctrace_event *ev) {
  double v = ev->kind == CTRACE_EV_COUNTER ? (double)ev->value : ev->fvalue;
  uint32_t i;
  ctrace_counter_stats *c;
  if (v != v || v - v != 0.0) { /* NaN or infinite: no place in a figure */
    ctrace__problem(a, CTRACE_PROB_BAD_VALUE, 1, ev->time_ns, ev->thread);
    return;
  }
  i = ctrace__counter_index(a, ev->name);
  if (i == CTRACE_NONE) {
    a->sum.counters_folded++;
    return;
  }
  c = &a->counters[i];
  if (ev->kind == CTRACE_EV_COUNTER) {
    if (!c->count || ev->value < c->imin) c->imin = ev->value;
    if (!c->count || ev->value > c->imax) c->imax = ev->value;
    c->ilast = ev->value;
  }
  if (!c->count || v < c->min) c->min = v;
  if (!c->count || v > c->max) {
    c->max = v;
    c->max_t_ns = ev->time_ns;
  }
  c->count++;
  c->last = v;
  c->last_t_ns = ev->time_ns;
  if (ev->kind == CTRACE_EV_COUNTER_F) c->is_float = 1;
  a->cstate[i].mean += v / (double)c->count - a->cstate[i].mean / (double)c->count;
  if (ctrace__series_add(&a->cstate[i].series, ev->time_ns, v)) ctrace__fail(a, CTRACE_E_NOMEM);
  if (a->cstate[i].is_goal) {
    a->goal_value = v;
    a->goal_seen = 1;
  }
  if (i == a->rss_counter) {
    uint64_t r = v > 0 ? (uint64_t)v : 0;
    if (!a->mem.has_rss || r > a->mem.rss_peak) {
      a->mem.rss_peak = r;
      a->mem.rss_peak_time_ns = ev->time_ns;
    }
    a->mem.has_rss = 1;
    a->mem.rss_last = r;
  }
}

/* ---- memory ---------------------------------------------------------------------------------- */

typedef struct ctrace__skey {
  const char *file;
  uint32_t line;
} ctrace__skey;

static int ctrace__site_eq(const void *table, uint32_t v, const void *key) {
  const ctrace_alloc_site *s = &((const ctrace_alloc_site *)table)[v];
  const ctrace__skey *k = (const ctrace__skey *)key;
  return s->line == k->line && strcmp(s->file, k->file) == 0;
}

static uint32_t ctrace__site_new(ctrace_analysis *a, const char *file, uint32_t line,
                                 const char *zone) {
  const char *f = ctrace__intern(a, file);
  ctrace_alloc_site *s;
  if (!f || CTRACE__GROW(a->sites, a->cap_sites, a->n_sites + 1)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return CTRACE_NONE;
  }
  s = &a->sites[a->n_sites];
  memset(s, 0, sizeof *s);
  s->file = f;
  s->line = line;
  s->zone = zone;
  return a->n_sites++;
}

static uint32_t ctrace__site_index(ctrace_analysis *a, const ctrace_event *ev, const char *zone) {
  ctrace__ptr_cache *c = NULL;
  ctrace__skey k;
  uint64_t h;
  uint32_t v;
  k.file = ctrace__str(ev->file);
  k.line = ev->line;
  if (a->stable_strings) {
    c = &a->scache[ctrace__ptr_slot(k.file, NULL, k.line)];
    if (c->a == k.file && c->line == k.line) return c->idx;
  }
  h = ctrace__an_hash((uint64_t)k.line * 2654435761u, k.file);
  v = ctrace__map_get(&a->site_map, h, ctrace__site_eq, a->sites, &k);
  if (v == CTRACE_NONE) {
    if (a->n_sites >= a->cfg.max_alloc_sites) {
      a->sum.sites_folded++;
      if (a->site_other == CTRACE_NONE) a->site_other = ctrace__site_new(a, "(other)", 0, "");
      return a->site_other;
    }
    v = ctrace__site_new(a, k.file, k.line, zone);
    if (v == CTRACE_NONE || ctrace__map_put(&a->site_map, h, v)) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return CTRACE_NONE;
    }
  }
  if (c) {
    c->a = k.file;
    c->line = k.line;
    c->idx = v;
  }
  return v;
}

static void ctrace__heap_sample(ctrace_analysis *a, int64_t t) {
  if (ctrace__series_add(&a->heap, t, (double)a->mem.alloc)) ctrace__fail(a, CTRACE_E_NOMEM);
}

/* After an allocation (up) or a free: the heap's peaks and falls. */
static void ctrace__heap_moved(ctrace_analysis *a, int64_t t, int up) {
  ctrace_mem_summary *m = &a->mem;
  if (up) {
    if (m->alloc > m->peak_alloc) {
      m->peak_alloc = m->alloc;
      m->peak_time_ns = t;
    }
    /* a collection's frees are one fall, whatever the program allocates
       while it sweeps: the chart draws one drop */
    if (a->heap_falling && !a->gc_open) ctrace__heap_fall_over(a, t);
    if (m->alloc > a->heap_hi) {
      a->heap_hi = m->alloc;
      a->heap_hi_t = t;
    }
    a->rise_n++;
  } else if (!a->heap_falling && a->heap_hi && m->alloc <= a->heap_hi - a->heap_hi / 4) {
    a->heap_falling = 1;
    m->heap_falls++;
    if (a->gc_open) m->heap_falls_in_gc++;
    m->rise_allocs += a->rise_n;
    a->rise_n = 0;
    ctrace__heap_tooth(a);
  }
}

/* A rise reached heap_hi (kept for the peak count at the end). */
static void ctrace__heap_tooth(ctrace_analysis *a) {
  if (!a->heap_hi) return;
  if (CTRACE__GROW(a->teeth, a->cap_teeth, a->n_teeth + 1)) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return;
  }
  a->teeth[a->n_teeth].t = a->heap_hi_t;
  a->teeth[a->n_teeth++].hi = a->heap_hi;
}

/* A fall is over: at the next allocation, or when the collection it happened
   in ends (so two collections' drops are two falls, as the chart draws them). */
static void ctrace__heap_fall_over(ctrace_analysis *a, int64_t t) {
  a->heap_falling = 0;
  a->heap_hi = a->mem.alloc;
  a->heap_hi_t = t;
  a->rise_n = 0;
}

/* The heap "reached its peak" once per rise whose high point is within
   CTRACE_PEAK_TOLERANCE of it: peaks a chart cannot tell apart count alike. */
static void ctrace__peak_count(ctrace_analysis *a) {
  ctrace_mem_summary *m = &a->mem;
  uint64_t near_peak = m->peak_alloc - (uint64_t)((double)m->peak_alloc * CTRACE_PEAK_TOLERANCE);
  uint32_t i;
  if (!a->heap_falling) ctrace__heap_tooth(a); /* the last rise, unfinished */
  m->peak_count = 0;
  for (i = 0; i < a->n_teeth; ++i) {
    if (a->teeth[i].hi < near_peak || !m->peak_alloc) continue;
    if (m->peak_count < 64) a->peak_times[m->peak_count] = a->teeth[i].t;
    m->peak_count++;
  }
}

static uint32_t ctrace__freed_slot(uint64_t ptr) {
  return (uint32_t)ctrace__mix64(ptr) & (CTRACE__FREED_CACHE - 1);
}

/* A frame as the outputs name it: the function, else object+0xOFFSET,
   else the bare address; then " file:line" when known. */
static const char *ctrace__frame_name(const ctrace_frame *f, char *buf, size_t n) {
  if (f->function[0] && f->file[0]) snprintf(buf, n, "%s %s:%u", f->function, f->file, (unsigned)f->line);
  else if (f->function[0]) snprintf(buf, n, "%s", f->function);
  else if (f->object[0]) snprintf(buf, n, "%s+0x%llx", ctrace__obj_name(f->object), (unsigned long long)f->offset);
  else snprintf(buf, n, "0x%llx", (unsigned long long)f->address);
  return buf;
}

/* The stack's figures, ready to change: its held-at-peak brought up to date. */
static ctrace_alloc_stack *ctrace__stack_touch(ctrace_analysis *a, uint32_t id) {
  ctrace_alloc_stack *st = &a->stacks[id - 1];
  if (a->stack_epoch[id - 1] != a->peak_epoch) {
    st->peak_bytes = st->live_bytes;
    a->stack_epoch[id - 1] = a->peak_epoch;
  }
  return st;
}

/* The figures of the allocation's call stack, made at its first block (its
   frames copied, their names interned); NULL for none or out of memory. */
static ctrace_alloc_stack *ctrace__stack_of(ctrace_analysis *a, const ctrace_event *ev) {
  uint32_t id = ev->stack, old = a->cap_stacks, i;
  ctrace_alloc_stack *st;
  ctrace_frame *f;
  if (!id || !ev->stack_frames) return NULL;
  if (id > a->cap_stacks) {
    if (CTRACE__GROW(a->stacks, a->cap_stacks, id) || CTRACE__GROW(a->stack_epoch, a->cap_epoch, a->cap_stacks)) {
      ctrace__fail(a, CTRACE_E_NOMEM);
      return NULL;
    }
    memset(a->stacks + old, 0, sizeof *a->stacks * (a->cap_stacks - old)); /* epochs: set when made */
  }
  st = &a->stacks[id - 1];
  if (st->stack) return ctrace__stack_touch(a, id);
  f = (ctrace_frame *)(void *)ctrace__arena_alloc(&a->arena, sizeof *f * ev->stack_depth + 8);
  if (!f) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return NULL;
  }
  f = (ctrace_frame *)(void *)(((uintptr_t)f + 7) & ~(uintptr_t)7);
  for (i = 0; i < ev->stack_depth; i++) {
    f[i] = ev->stack_frames[i];
    f[i].function = ctrace__intern(a, f[i].function);
    f[i].object = ctrace__intern(a, f[i].object);
    f[i].file = ctrace__intern(a, f[i].file);
    if (!f[i].function || !f[i].object || !f[i].file) return NULL;
  }
  st->stack = id;
  st->depth = ev->stack_depth;
  st->frames = f;
  a->n_stacks++;
  a->stack_epoch[id - 1] = a->peak_epoch;
  return st;
}

/* A block leaves the live table: by a FREE, or by an ALLOC over it. */
static void ctrace__block_gone(ctrace_analysis *a, ctrace__live *e) {
  ctrace_alloc_site *s = &a->sites[e->ref];
  if (e->stack && e->stack <= a->cap_stacks) {
    ctrace_alloc_stack *st = ctrace__stack_touch(a, e->stack);
    st->live_blocks--;
    st->live_bytes = ctrace__usub(st->live_bytes, e->size);
  }
  a->mem.alloc = ctrace__usub(a->mem.alloc, e->size);
  s->live_blocks--;
  s->live_bytes = ctrace__usub(s->live_bytes, e->size);
  ctrace__live_remove(&a->live, e);
}

static void ctrace__alloc(ctrace_analysis *a, uint32_t ti, const ctrace_event *ev) {
  ctrace__thread *t = &a->tstate[ti];
  ctrace__open_zone *top = t->depth ? &t->stack[t->depth - 1] : NULL;
  uint32_t si, k;
  ctrace__live *e;
  ctrace_alloc_site *s;
  uint64_t size = ev->size;
  if (!ev->ptr) return; /* a failed allocation: nothing was allocated */
  si = ctrace__site_index(a, ev, top ? a->zones.st[top->zone].name : "");
  if (si == CTRACE_NONE) return;
  e = ctrace__live_find(&a->live, ev->ptr);
  if (e) {
    ctrace__problem(a, CTRACE_PROB_ALLOC_LIVE, 1, ev->time_ns, ev->thread);
    ctrace__block_gone(a, e);
  }
  e = ctrace__live_insert(&a->live, ev->ptr);
  if (!e) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return;
  }
  e->size = size;
  e->time = ev->time_ns;
  e->seq = ++t->alloc_seq;
  e->gc_born = a->gc_begun;
  e->ref = si;
  e->thread = ti;
  e->stack = 0;
  if (ev->stack) {
    ctrace_alloc_stack *st = ctrace__stack_of(a, ev);
    if (st) {
      e->stack = ev->stack;
      st->allocs++;
      st->bytes = ctrace__uadd(a, st->bytes, size);
      st->live_blocks++;
      st->live_bytes = ctrace__uadd(a, st->live_bytes, size);
    }
  }
  if (a->freed[ctrace__freed_slot(ev->ptr)] == ev->ptr) a->freed[ctrace__freed_slot(ev->ptr)] = 0;

  s = &a->sites[si];
  s->allocs++;
  s->bytes = ctrace__uadd(a, s->bytes, size);
  s->live_blocks++;
  s->live_bytes = ctrace__uadd(a, s->live_bytes, size);
  if (size > s->max_size) s->max_size = size;
  a->mem.alloc = ctrace__uadd(a, a->mem.alloc, size);
  a->mem.total_alloc = ctrace__uadd(a, a->mem.total_alloc, size);
  a->mem.mallocs++;
  if (size > a->mem.max_alloc_size) a->mem.max_alloc_size = size;
  if (size) {
    uint64_t peak = a->mem.peak_alloc;
    ctrace__heap_moved(a, ev->time_ns, 1);
    if (a->mem.peak_alloc != peak) a->peak_epoch++; /* every stack's live bytes are its bytes at the peak */
  }
  k = size ? ctrace__floor_log2(size) + 1 : 0;
  a->mem.size_count[k]++;
  a->mem.size_bytes[k] = ctrace__uadd(a, a->mem.size_bytes[k], size);
  a->threads[ti].allocs++;
  a->threads[ti].alloc_bytes = ctrace__uadd(a, a->threads[ti].alloc_bytes, size);
  if (top) {
    top->alloc_bytes = ctrace__uadd(a, top->alloc_bytes, size);
    a->zones.st[top->zone].allocs++;
    a->zones.st[top->zone].alloc_bytes = ctrace__uadd(a, a->zones.st[top->zone].alloc_bytes, size);
    a->flame[top->node].bytes_self = ctrace__uadd(a, a->flame[top->node].bytes_self, size);
    a->flame[top->node].allocs_self++;
  } else {
    a->flame[0].bytes_self = ctrace__uadd(a, a->flame[0].bytes_self, size);
    a->flame[0].allocs_self++;
  }
  ctrace__heap_sample(a, ev->time_ns);
}

/* heaptrack's rule: freed before the thread that made it allocated again.
   It counts allocations, not time, so every run of a program gets the same
   answer (a time limit varied from run to run with the machine's load). */
static int ctrace__is_temporary(const ctrace_analysis *a, const ctrace__live *e) {
  return a->cfg.temporary_ns >= 0 && a->tstate[e->thread].alloc_seq == e->seq;
}

/* Under a collector a block is freed when a collection finds it, so "freed
   soon" says more about the collector than the program: a block "died young"
   when the first collection after it was made freed it. */
static int ctrace__died_young(const ctrace_analysis *a, const ctrace__live *e) {
  return a->gc_open && a->gc_begun == e->gc_born + 1;
}

static void ctrace__free(ctrace_analysis *a, const ctrace_event *ev) {
  ctrace__live *e;
  ctrace_alloc_site *s;
  uint32_t slot = ctrace__freed_slot(ev->ptr);
  if (!ev->ptr) return; /* free(NULL) is allowed and does nothing */
  e = ctrace__live_find(&a->live, ev->ptr);
  if (!e && ev->raw_kind == CTRACE__EV_FREE_ANY && a->freed[slot] != ev->ptr) {
    a->mem.frees_before++; /* allocated before the recording (ctrace run) */
    return;
  }
  if (!e) {
    int twice = a->freed[slot] == ev->ptr;
    ctrace_problem *p = &a->kinds[twice ? CTRACE_PROB_DOUBLE_FREE : CTRACE_PROB_UNTRACKED_FREE];
    ctrace__problem(a, twice ? CTRACE_PROB_DOUBLE_FREE : CTRACE_PROB_UNTRACKED_FREE, 1,
                    ev->time_ns, ev->thread);
    if (p->count == 1 && ev->file && ev->file[0]) { /* the first one's site */
      const char *f = ctrace__intern(a, ev->file);
      p->file = f ? f : "";
      p->line = ev->line;
    }
    return;
  }
  s = &a->sites[e->ref];
  s->frees++;
  s->freed_bytes = ctrace__uadd(a, s->freed_bytes, e->size);
  a->mem.frees++;
  if (e->stack && e->stack <= a->cap_stacks) {
    ctrace_alloc_stack *st = &a->stacks[e->stack - 1];
    st->frees++;
    st->freed_bytes = ctrace__uadd(a, st->freed_bytes, e->size);
    if (ctrace__is_temporary(a, e)) {
      st->temporary_allocs++;
      st->temporary_bytes = ctrace__uadd(a, st->temporary_bytes, e->size);
    }
  }
  if (ctrace__is_temporary(a, e)) {
    s->temporary_allocs++;
    s->temporary_bytes = ctrace__uadd(a, s->temporary_bytes, e->size);
    a->mem.temporary_allocs++;
    a->mem.temporary_bytes = ctrace__uadd(a, a->mem.temporary_bytes, e->size);
  }
  if (ctrace__died_young(a, e)) {
    s->died_young_allocs++;
    a->mem.died_young_allocs++;
    a->mem.died_young_bytes = ctrace__uadd(a, a->mem.died_young_bytes, e->size);
  }
  ctrace__block_gone(a, e);
  a->freed[slot] = ev->ptr;
  ctrace__heap_moved(a, ev->time_ns, 0);
  ctrace__heap_sample(a, ev->time_ns);
}

/* ---- logs ------------------------------------------------------------------------------------ */

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t ctrace__utf8_cut(const char *s, size_t len, size_t max) {
  if (len <= max) return len;
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
  return max;
}

static void ctrace__log(ctrace_analysis *a, const ctrace_event *ev) {
  ctrace_log_entry *l;
  const char *msg = ctrace__str(ev->message);
  size_t len = ev->message ? ev->message_len : 0, keep;
  char *copy;
  a->sum.logs++;
  if (a->n_logs >= a->cfg.max_logs) {
    a->sum.logs_dropped++;
    return;
  }
  keep = ctrace__utf8_cut(msg, len, a->cfg.max_log_bytes);
  if (CTRACE__GROW(a->logs, a->cap_logs, a->n_logs + 1) ||
      !(copy = ctrace__arena_alloc(&a->arena, keep + 1))) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return;
  }
  memcpy(copy, msg, keep);
  copy[keep] = '\0';
  l = &a->logs[a->n_logs];
  l->time_ns = ev->time_ns;
  l->thread = ev->thread;
  l->category = ctrace__intern_ev(a, ev->name);
  l->file = ctrace__intern_ev(a, ev->file);
  if (!l->category || !l->file) return;
  l->line = ev->line;
  l->message = copy;
  l->message_len = (uint32_t)keep;
  l->truncated = keep < len;
  a->n_logs++;
}

/* ---- building ----------------------------------------------------------------------------------- */

static void ctrace__config_defaults(ctrace_analysis_config *c) {
  if (!c->max_gc_spans) c->max_gc_spans = 10000;
  if (!c->max_logs) c->max_logs = 10000;
  if (!c->max_log_bytes) c->max_log_bytes = 2048;
  if (!c->max_series_points) c->max_series_points = 4096;
  if (!c->max_flame_nodes) c->max_flame_nodes = 100000;
  if (c->max_flame_nodes < 2) c->max_flame_nodes = 2;
  if (!c->max_zones) c->max_zones = 16384;
  if (!c->max_tasks) c->max_tasks = 4096;
  if (!c->max_counters) c->max_counters = 256;
  if (!c->max_alloc_sites) c->max_alloc_sites = 16384;
  if (!c->max_leak_sites) c->max_leak_sites = 1000;
  if (!c->max_depth) c->max_depth = 1024;
  if (!c->temporary_ns) c->temporary_ns = 1000000;
}

CTRACE_API int ctrace_analysis_begin(const ctrace_analysis_config *cfg, ctrace_analysis **out) {
  ctrace_analysis *a;
  const char *root;
  if (!out) return CTRACE_E_INVALID;
  *out = NULL;
  a = (ctrace_analysis *)CTRACE_MEM_ALLOC(sizeof *a);
  if (!a) return CTRACE_E_NOMEM;
  memset(a, 0, sizeof *a);
  if (cfg) a->cfg = *cfg;
  ctrace__config_defaults(&a->cfg);
  a->zones.max = a->cfg.max_zones;
  a->tasks.max = a->cfg.max_tasks;
  a->zones.other = a->tasks.other = CTRACE_NONE;
  a->flame_other = a->site_other = a->rss_counter = CTRACE_NONE;
  a->heap.max_points = a->cfg.max_series_points;
  a->progress_last = -1.0;
  root = ctrace__intern(a, "all");
  if (root) ctrace__flame_new(a, CTRACE_NONE, root);
  if (a->error) {
    ctrace_analysis_free(a);
    return CTRACE_E_NOMEM;
  }
  *out = a;
  return 0;
}

CTRACE_API int ctrace_analysis_set_thread(ctrace_analysis *a, uint32_t thread, const char *name,
                                          uint64_t os_id) {
  uint32_t ti;
  const char *n;
  if (!a || a->finished) return CTRACE_E_INVALID;
  ti = ctrace__thread_index(a, thread);
  if (ti == CTRACE_NONE) return CTRACE_E_NOMEM;
  if (name && *name) {
    n = ctrace__intern(a, name);
    if (!n) return CTRACE_E_NOMEM;
    a->threads[ti].name = n;
  }
  if (os_id) a->threads[ti].os_id = os_id;
  return 0;
}

static void ctrace__progress(ctrace_analysis *a, int64_t t) {
  double f;
  if (!a->cfg.on_progress || a->progress_total <= 0) return;
  f = (double)t / (double)a->progress_total;
  if (f > 1.0) f = 1.0;
  if (f < a->progress_last + 0.005) return;
  a->progress_last = f;
  a->cfg.on_progress(a->cfg.user, f);
}

CTRACE_API int ctrace_analysis_add(ctrace_analysis *a, const ctrace_event *ev) {
  uint32_t ti;
  int kind;
  if (!a || !ev || a->finished) return CTRACE_E_INVALID;
  if (a->cfg.on_event) a->cfg.on_event(a->cfg.user, ev);
  kind = ev->kind;
  a->sum.events++;
  if (kind != CTRACE_EV_THREAD_CPU && kind != CTRACE_EV_MEMSTATS) /* no slot of its own: the CPU samples and ctrace_analysis_memstats_reads have them */
    a->sum.events_by_kind[kind >= 1 && kind <= 14 ? kind
                           : kind == CTRACE_EV_WAIT_BEGIN ? 16 : kind == CTRACE_EV_WAIT_END ? 17 : 15]++;
  if (a->sum.events == 1) a->sum.first_ns = ev->time_ns;
  if (ev->time_ns > a->sum.last_ns) a->sum.last_ns = ev->time_ns;
  ti = a->n_threads && a->last_thread_id == ev->thread ? a->last_thread
                                                      : ctrace__thread_index(a, ev->thread);
  if (ti == CTRACE_NONE) return a->error;
  if (!a->threads[ti].events) a->threads[ti].first_ns = ev->time_ns;
  a->threads[ti].events++;
  a->threads[ti].last_ns = ev->time_ns;
  if (kind == CTRACE_EV_GC_BEGIN) a->tstate[ti].ran_gc = 1;
  else if (kind != CTRACE_EV_GC_END && kind != CTRACE_EV_THREAD_CPU && /* a sample is ctrace's, not the thread's */
           !(a->gc_open && a->gc_thread == ev->thread))
    a->tstate[ti].outside_gc++;
  switch (kind) {
  case CTRACE_EV_ZONE_BEGIN: ctrace__zone_begin(a, ti, ev); break;
  case CTRACE_EV_ZONE_END: ctrace__zone_end(a, ti, ev); break;
  case CTRACE_EV_COUNTER:
  case CTRACE_EV_COUNTER_F: ctrace__counter_sample(a, ev); break;
  case CTRACE_EV_LOG: ctrace__log(a, ev); break;
  case CTRACE_EV_TASK_BEGIN: ctrace__task_begin(a, ti, ev); break;
  case CTRACE_EV_TASK_END: ctrace__task_end(a, ev); break;
  case CTRACE_EV_ALLOC: ctrace__alloc(a, ti, ev); break;
  case CTRACE_EV_FREE: ctrace__free(a, ev); break;
  case CTRACE_EV_GC_BEGIN: ctrace__gc_begin(a, ti, ev); break;
  case CTRACE_EV_GC_END:
    if (a->gc_open) ctrace__gc_close(a, ev->time_ns, 0);
    else ctrace__problem(a, CTRACE_PROB_GC_END_WITHOUT_BEGIN, 1, ev->time_ns, ev->thread);
    break;
  case CTRACE_EV_LOSS:
    a->loss_sum = ctrace__uadd(a, a->loss_sum, (uint64_t)ev->value); /* a count: unsigned */
    if (!a->loss_seen) {
      a->loss_seen = 1;
      a->loss_first_ns = ev->time_ns;
      a->loss_thread = ev->thread;
    }
    break;
  case CTRACE_EV_MEM_PROBLEM: ctrace__problem_reported(a, ev); break;
  case CTRACE_EV_INSTANT: break;
  case CTRACE_EV_WAIT_BEGIN: ctrace__wait_begin(a, ti, ev); break;
  case CTRACE_EV_WAIT_END: ctrace__wait_close(a, ti, ev->time_ns); break;
  case CTRACE_EV_THREAD_CPU: ctrace__cpu_sample(a, ti, ev); break;
  case CTRACE_EV_MEMSTATS:
    if (a->n_ms_reads < CTRACE_MEMSTATS_READS_KEPT) {
      ctrace_memstats_read *r = &a->ms_reads[a->n_ms_reads++];
      r->time_ns = ev->time_ns;
      r->thread = ev->thread;
      r->num_gc = (uint32_t)ev->value;
      r->alloc = ev->size;
      r->total_alloc = ev->id;
    }
    break;
  default: ctrace__problem(a, CTRACE_PROB_UNKNOWN_EVENT, 1, ev->time_ns, ev->thread); break;
  }
  if ((a->sum.events & 4095) == 0) ctrace__progress(a, ev->time_ns);
  return a->error;
}

/* ---- finishing ------------------------------------------------------------------------------------ */

static void ctrace__close_open_zones(ctrace_analysis *a, int64_t end) {
  uint32_t ti;
  for (ti = 0; ti < a->n_threads; ti++) {
    ctrace__thread *t = &a->tstate[ti];
    t->excess = 0;
    while (t->depth) {
      ctrace__problem(a, CTRACE_PROB_UNFINISHED_ZONE, 1, t->stack[t->depth - 1].start,
                      a->threads[ti].id);
      ctrace__zone_close(a, ti, end, 1);
    }
  }
}

static int ctrace__live_by_start(const void *x, const void *y) {
  const ctrace__live *p = (const ctrace__live *)x, *q = (const ctrace__live *)y;
  if (p->time != q->time) return p->time < q->time ? -1 : 1;
  return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static void ctrace__close_open_tasks(ctrace_analysis *a, int64_t end) {
  uint32_t i, k = 0;
  ctrace__live *open;
  if (!a->open_tasks.n) return;
  open = (ctrace__live *)CTRACE_MEM_ALLOC((size_t)a->open_tasks.n * sizeof *open);
  if (!open) {
    ctrace__fail(a, CTRACE_E_NOMEM);
    return;
  }
  for (i = 0; i < a->open_tasks.cap; i++)
    if (a->open_tasks.e[i].ref != CTRACE_NONE) open[k++] = a->open_tasks.e[i];
  qsort(open, k, sizeof *open, ctrace__live_by_start);
  for (i = 0; i < k; i++) ctrace__task_close(a, &open[i], end, 1);
  CTRACE_MEM_FREE(open);
  ctrace__live_free(&a->open_tasks);
}

static void ctrace__ztab_finish(ctrace__ztab *t) {
  uint32_t i;
  for (i = 0; i < t->n; i++) {
    ctrace_zone_stats *z = &t->st[i];
    z->hist = &t->hist[i];
    if (z->count) z->mean_ns = ctrace__an_sadd(z->spans_ns, (int64_t)(z->count / 2)) / (int64_t)z->count;
    z->p50_ns = ctrace_histogram_percentile(z->hist, 0.50);
    z->p95_ns = ctrace_histogram_percentile(z->hist, 0.95);
    z->p99_ns = ctrace_histogram_percentile(z->hist, 0.99);
  }
}

static void ctrace__flame_totals(ctrace_analysis *a) {
  uint32_t i;
  for (i = 0; i < a->n_flame; i++) {
    a->flame[i].total_ns = a->flame[i].self_ns;
    a->flame[i].bytes_total = a->flame[i].bytes_self;
  }
  /* Children always come after their parent, so one backward sweep sums. */
  for (i = a->n_flame; i-- > 1;) {
    ctrace_flame_node *n = &a->flame[i];
    a->flame[n->parent].total_ns = ctrace__an_sadd(a->flame[n->parent].total_ns, n->total_ns);
    a->flame[n->parent].bytes_total = ctrace__uadd(a, a->flame[n->parent].bytes_total, n->bytes_total);
  }
}

/* In-place heap sort of indexes with a caller's strict order ("a before b"). */
typedef int (*ctrace__before_fn)(const void *ctx, uint32_t a, uint32_t b);

static void ctrace__sift(uint32_t *idx, uint32_t root, uint32_t n, ctrace__before_fn before,
                         const void *ctx) {
  for (;;) {
    uint32_t child = 2 * root + 1, last = root;
    if (child < n && before(ctx, idx[last], idx[child])) last = child;
    if (child + 1 < n && before(ctx, idx[last], idx[child + 1])) last = child + 1;
    if (last == root) return;
    {
      uint32_t tmp = idx[root];
      idx[root] = idx[last];
      idx[last] = tmp;
    }
    root = last;
  }
}

static void ctrace__sort_idx(uint32_t *idx, uint32_t n, ctrace__before_fn before, const void *ctx) {
  uint32_t i;
  for (i = n / 2; i > 0;) ctrace__sift(idx, --i, n, before, ctx);
  for (i = n; i-- > 1;) {
    uint32_t tmp = idx[0];
    idx[0] = idx[i];
    idx[i] = tmp;
    ctrace__sift(idx, 0, i, before, ctx);
  }
}

typedef struct ctrace__zone_sort {
  const ctrace_zone_stats *z;
  int key;
} ctrace__zone_sort;

static int64_t ctrace__zone_key(const ctrace_zone_stats *z, int key) {
  switch (key) {
  case CTRACE_ZONE_BY_SELF: return z->self_ns;
  case CTRACE_ZONE_BY_COUNT: return (int64_t)z->count;
  case CTRACE_ZONE_BY_MAX: return z->max_ns;
  case CTRACE_ZONE_BY_MEAN: return z->mean_ns;
  default: return z->total_ns;
  }
}

/* 1 if x comes after y in the output (the heap sort's "less"). */
static int ctrace__zone_later(const void *ctx, uint32_t x, uint32_t y) {
  const ctrace__zone_sort *s = (const ctrace__zone_sort *)ctx;
  const ctrace_zone_stats *p = &s->z[x], *q = &s->z[y];
  int64_t kp = ctrace__zone_key(p, s->key), kq = ctrace__zone_key(q, s->key);
  int c;
  if (kp != kq) return kp < kq;
  if ((c = strcmp(p->name, q->name)) != 0) return c > 0;
  if ((c = strcmp(p->file, q->file)) != 0) return c > 0;
  if (p->line != q->line) return p->line > q->line;
  return x > y;
}

static void ctrace__zone_sort_into(const ctrace_zone_stats *z, uint32_t n, int key, uint32_t *idx) {
  ctrace__zone_sort s;
  uint32_t i;
  s.z = z;
  s.key = key;
  for (i = 0; i < n; i++) idx[i] = i;
  /* The heap sort puts what comes first in the output last; reverse. */
  ctrace__sort_idx(idx, n, ctrace__zone_later, &s);
  for (i = 0; i < n / 2; i++) {
    uint32_t tmp = idx[i];
    idx[i] = idx[n - 1 - i];
    idx[n - 1 - i] = tmp;
  }
}

typedef struct ctrace__site_sort {
  const ctrace_alloc_site *s;
  int order;
} ctrace__site_sort;

static uint64_t ctrace__site_key(const ctrace_alloc_site *s, int order) {
  return order == CTRACE_BY_COUNT ? s->allocs : order == CTRACE_BY_LIVE_BYTES ? s->live_bytes
                                                                              : s->bytes;
}

static int ctrace__site_later(const void *ctx, uint32_t x, uint32_t y) {
  const ctrace__site_sort *ss = (const ctrace__site_sort *)ctx;
  const ctrace_alloc_site *p = &ss->s[x], *q = &ss->s[y];
  uint64_t kp = ctrace__site_key(p, ss->order), kq = ctrace__site_key(q, ss->order);
  int c;
  if (kp != kq) return kp < kq;
  if ((c = strcmp(p->file, q->file)) != 0) return c > 0;
  if (p->line != q->line) return p->line > q->line;
  return x > y;
}

static int ctrace__sort_sites(ctrace_analysis *a) {
  uint32_t *idx, i, o;
  ctrace__site_sort ss;
  if (!a->n_sites) return 0;
  idx = (uint32_t *)CTRACE_MEM_ALLOC((size_t)a->n_sites * sizeof *idx);
  if (!idx) return CTRACE_E_NOMEM;
  ss.s = a->sites;
  for (o = 0; o < 3; o++) {
    uint32_t k = 0;
    ss.order = (int)o;
    for (i = 0; i < a->n_sites; i++) idx[i] = i;
    ctrace__sort_idx(idx, a->n_sites, ctrace__site_later, &ss);
    a->sites_by[o] = (ctrace_alloc_site *)CTRACE_MEM_ALLOC((size_t)a->n_sites * sizeof *a->sites);
    if (!a->sites_by[o]) {
      CTRACE_MEM_FREE(idx);
      return CTRACE_E_NOMEM;
    }
    for (i = a->n_sites; i > 0; i--) {
      const ctrace_alloc_site *s = &a->sites[idx[i - 1]];
      if (o == CTRACE_BY_LIVE_BYTES && !s->live_blocks) continue;
      a->sites_by[o][k++] = *s;
    }
    if (o == CTRACE_BY_LIVE_BYTES) {
      a->n_leaks = k < a->cfg.max_leak_sites ? k : a->cfg.max_leak_sites;
      a->leaks_dropped = k - a->n_leaks;
    }
  }
  CTRACE_MEM_FREE(idx);
  return 0;
}

static uint64_t ctrace__stack_key(const ctrace_alloc_stack *s, int order) {
  return order == CTRACE_BY_COUNT ? s->allocs : order == CTRACE_BY_LIVE_BYTES ? s->live_bytes
                                               : order == CTRACE_BY_PEAK_BYTES ? s->peak_bytes : s->bytes;
}

typedef struct ctrace__stack_sort {
  const ctrace_alloc_stack *s;
  int order;
} ctrace__stack_sort;

static int ctrace__stack_later(const void *ctx, uint32_t x, uint32_t y) {
  const ctrace__stack_sort *ss = (const ctrace__stack_sort *)ctx;
  const ctrace_alloc_stack *p = &ss->s[x], *q = &ss->s[y];
  uint64_t kp = ctrace__stack_key(p, ss->order), kq = ctrace__stack_key(q, ss->order);
  if (kp != kq) return kp < kq;
  if (p->allocs != q->allocs) return p->allocs < q->allocs;
  return p->stack > q->stack;
}

/* The stacks in the four orders; leaks and at-peak keep only stacks that
   hold something then. Each stack's held-at-peak is brought up to date. */
static int ctrace__sort_stacks(ctrace_analysis *a) {
  uint32_t *idx, i, o, n = 0;
  ctrace__stack_sort ss;
  if (!a->n_stacks) return 0;
  idx = (uint32_t *)CTRACE_MEM_ALLOC((size_t)a->n_stacks * sizeof *idx);
  if (!idx) return CTRACE_E_NOMEM;
  for (i = 0; i < a->cap_stacks; i++)
    if (a->stacks[i].stack) {
      ctrace__stack_touch(a, i + 1);
      if (n < a->n_stacks) idx[n++] = i;
    }
  ss.s = a->stacks;
  for (o = 0; o < 4; o++) {
    uint32_t k = 0;
    ss.order = (int)o;
    ctrace__sort_idx(idx, n, ctrace__stack_later, &ss);
    a->stacks_by[o] = (ctrace_alloc_stack *)CTRACE_MEM_ALLOC((size_t)n * sizeof *a->stacks);
    if (!a->stacks_by[o]) {
      CTRACE_MEM_FREE(idx);
      return CTRACE_E_NOMEM;
    }
    for (i = n; i > 0; i--) {
      const ctrace_alloc_stack *s = &a->stacks[idx[i - 1]];
      if ((o == CTRACE_BY_LIVE_BYTES && !s->live_blocks) || (o == CTRACE_BY_PEAK_BYTES && !s->peak_bytes)) continue;
      a->stacks_by[o][k++] = *s;
    }
    a->n_stacks_by[o] = k;
  }
  CTRACE_MEM_FREE(idx);
  return 0;
}

#define CTRACE__AFLAME_MAX 20000u /* nodes; deeper frames of a stack past it count in the last node made */

/* The child of p named name in the allocation tree, made if new (CTRACE_NONE
   when the tree is full or memory runs out). */
static uint32_t ctrace__aflame_child(ctrace_analysis *a, uint32_t p, const char *name) {
  uint32_t k;
  ctrace_flame_node *n;
  for (k = a->aflame[p].first_child; k != CTRACE_NONE; k = a->aflame[k].next_sibling)
    if (a->aflame[k].name == name) return k; /* interned: one pointer per text */
  if (a->n_aflame >= CTRACE__AFLAME_MAX || CTRACE__GROW(a->aflame, a->cap_aflame, a->n_aflame + 1)) return CTRACE_NONE;
  k = a->n_aflame++;
  n = &a->aflame[k];
  memset(n, 0, sizeof *n);
  n->name = name;
  n->parent = p;
  n->first_child = CTRACE_NONE;
  n->next_sibling = a->aflame[p].first_child;
  n->depth = a->aflame[p].depth + 1;
  a->aflame[p].first_child = k;
  return k;
}

/* "Where the memory comes from": every allocation stack merged from its
   outermost frame down; a node's bytes_total is what was allocated on
   stacks through it, bytes_self what its frame allocated itself. */
static int ctrace__alloc_flame(ctrace_analysis *a) {
  uint32_t i, j;
  char name[512];
  if (!a->n_stacks_by[CTRACE_BY_BYTES]) return 0;
  if (CTRACE__GROW(a->aflame, a->cap_aflame, 1)) return CTRACE_E_NOMEM;
  memset(a->aflame, 0, sizeof *a->aflame);
  a->aflame[0].name = ctrace__intern(a, "all");
  a->aflame[0].parent = a->aflame[0].first_child = a->aflame[0].next_sibling = CTRACE_NONE;
  a->n_aflame = 1;
  for (i = 0; i < a->n_stacks_by[CTRACE_BY_BYTES]; i++) {
    const ctrace_alloc_stack *st = &a->stacks_by[CTRACE_BY_BYTES][i];
    uint32_t at = 0;
    a->aflame[0].bytes_total += st->bytes;
    a->aflame[0].count += st->allocs;
    for (j = st->depth; j > 0; j--) {
      const char *nm = ctrace__intern(a, ctrace__frame_name(&st->frames[j - 1], name, sizeof name));
      uint32_t k = nm ? ctrace__aflame_child(a, at, nm) : CTRACE_NONE;
      if (k == CTRACE_NONE) break;
      at = k;
      a->aflame[at].bytes_total += st->bytes;
      a->aflame[at].count += st->allocs;
    }
    a->aflame[at].bytes_self += st->bytes;
    a->aflame[at].allocs_self += st->allocs;
  }
  return 0;
}

static int ctrace__thread_by_id(const void *x, const void *y) {
  uint32_t p = ((const ctrace_thread_stats *)x)->id, q = ((const ctrace_thread_stats *)y)->id;
  return p < q ? -1 : p > q;
}

static int ctrace__collect_problems(ctrace_analysis *a) {
  uint32_t k, n = 0, i;
  a->problems = (ctrace_problem *)CTRACE_MEM_ALLOC(
      (CTRACE__N_PROBLEM_KINDS + CTRACE__MAX_REPORTED + 1) * sizeof *a->problems);
  if (!a->problems) return CTRACE_E_NOMEM;
  for (k = 1; k < CTRACE__N_PROBLEM_KINDS; k++) {
    if (k == CTRACE_PROB_REPORTED) {
      for (i = 0; i < a->n_reported; i++) a->problems[n++] = a->reported[i];
    } else if (a->kinds[k].count) {
      a->problems[n++] = a->kinds[k];
    }
  }
  a->n_problems = n;
  return 0;
}

/* ---- held time and the MMU curve ------------------------------------------- */

typedef struct ctrace__hedge {
  int64_t t;
  int d; /* +1 a thread becomes held, -1 it stops */
} ctrace__hedge;

static int ctrace__held_edge_cmp(const void *x, const void *y) {
  const ctrace__hedge *p = (const ctrace__hedge *)x, *q = (const ctrace__hedge *)y;
  if (p->t != q->t) return p->t < q->t ? -1 : 1;
  return p->d - q->d;
}

/* x + c * d, exact (carries by hand: the wraps are meant). */
static CTRACE__WRAPS ctrace__u128 ctrace__u128_madd(ctrace__u128 x, uint32_t c, uint64_t d) {
  uint64_t lo = (d & 0xffffffffu) * c, mid = (d >> 32) * c; /* c * d = mid * 2^32 + lo */
  uint64_t add_lo = lo + (mid << 32), add_hi = (mid >> 32) + (add_lo < lo);
  x.lo += add_lo;
  x.hi += add_hi + (x.lo < add_lo);
  return x;
}

/* x - y for x >= y. */
static CTRACE__WRAPS ctrace__u128 ctrace__u128_sub(ctrace__u128 x, ctrace__u128 y) {
  ctrace__u128 r;
  r.lo = x.lo - y.lo;
  r.hi = x.hi - y.hi - (x.lo < y.lo);
  return r;
}

static int ctrace__u128_gt(ctrace__u128 x, ctrace__u128 y) { return x.hi != y.hi ? x.hi > y.hi : x.lo > y.lo; }

static double ctrace__u128_double(ctrace__u128 x) { return (double)x.hi * 18446744073709551616.0 + (double)x.lo; }

/* Integral of the held-thread count over [0, x], in thread-ns. *k is a cursor
   into the steps that only moves forward when x does. */
static ctrace__u128 ctrace__held_integral(const ctrace_analysis *a, int64_t x, uint32_t *k) {
  uint32_t i = *k;
  ctrace__u128 zero = {0, 0};
  if (!a->n_steps || x <= a->step_t[0]) return zero;
  while (i + 1 < a->n_steps && a->step_t[i + 1] <= x) i++;
  while (i > 0 && a->step_t[i] > x) i--;
  *k = i;
  return ctrace__u128_madd(a->step_p[i], a->step_c[i], (uint64_t)(x - a->step_t[i]));
}

CTRACE_API double ctrace_analysis_mmu_at(const ctrace_analysis *a, int64_t w, int64_t *worst_start_ns) {
  int64_t d, best_s = 0;
  ctrace__u128 best = {0, 0};
  uint32_t pass, i, k0 = 0, k1 = 0;
  if (worst_start_ns) *worst_start_ns = 0;
  if (!a || !a->finished) return 1.0;
  d = a->sum.duration_ns;
  if (w > d) w = d;
  if (w <= 0 || !a->sum.program_threads) return 1.0;
  /* The held time in [s, s+w] is piecewise linear in s, so its maximum is at
     s = a step time or s + w = a step time (or at an end of the range). */
  for (pass = 0; pass < 2; pass++) {
    k0 = k1 = 0;
    for (i = 0; i <= a->n_steps; i++) {
      int64_t s0 = i == a->n_steps ? (pass ? d - w : 0) : a->step_t[i] - (pass ? w : 0);
      ctrace__u128 v;
      if (s0 < 0) s0 = 0;
      if (s0 > d - w) s0 = d - w;
      if (i == a->n_steps) k0 = k1 = 0; /* the ends: a fresh walk */
      v = ctrace__u128_sub(ctrace__held_integral(a, s0 + w, &k1), ctrace__held_integral(a, s0, &k0));
      if (ctrace__u128_gt(v, best)) {
        best = v;
        best_s = s0;
      }
    }
  }
  if (worst_start_ns) *worst_start_ns = best_s;
  return 1.0 - ctrace__u128_double(best) / ((double)a->sum.program_threads * (double)w);
}

static int ctrace__finish_held(ctrace_analysis *a, int64_t end) {
  uint32_t i, n = 0, depth = 0;
  ctrace__hedge *e;
  int64_t w;
  /* Waits still open at the end are closed there (as zones are). */
  for (i = 0; i < a->n_threads; i++)
    if (a->tstate[i].wait_depth) {
      a->tstate[i].wait_depth = 1;
      ctrace__wait_close(a, i, end);
    }
  ctrace__held_update_all(a, end);
  for (i = 0; i < a->n_threads; i++) {
    ctrace_thread_stats *th = &a->threads[i];
    if (strcmp(th->name, "ctrace writer") == 0) th->role = CTRACE_ROLE_TRACER;
    else if (a->tstate[i].ran_gc && !a->tstate[i].outside_gc) th->role = CTRACE_ROLE_COLLECTOR;
    else th->role = CTRACE_ROLE_PROGRAM;
    if (th->role != CTRACE_ROLE_PROGRAM) continue;
    a->sum.program_threads++;
    th->gc_held_ns = a->tstate[i].early_held_ns; /* exact, though not in the MMU: */
    a->gc.held_ns = ctrace__an_sadd(a->gc.held_ns, a->tstate[i].early_held_ns);
    a->gc.held_dropped += a->tstate[i].early_held; /* say so */
    a->gc.waits += th->waits;
    a->gc.wait_ns = ctrace__an_sadd(a->gc.wait_ns, th->wait_ns);
  }
  e = (ctrace__hedge *)CTRACE_MEM_ALLOC(((size_t)a->n_held * 2 + 1) * sizeof *e);
  if (!e) return CTRACE_E_NOMEM;
  for (i = 0; i < a->n_held; i++) {
    const ctrace__held *h = &a->held[i];
    ctrace_thread_stats *th = &a->threads[h->thread];
    if (th->role != CTRACE_ROLE_PROGRAM) continue;
    th->gc_held_ns = ctrace__an_sadd(th->gc_held_ns, h->end - h->start);
    a->gc.held_ns = ctrace__an_sadd(a->gc.held_ns, h->end - h->start);
    e[n].t = h->start;
    e[n++].d = 1;
    e[n].t = h->end;
    e[n++].d = -1;
  }
  qsort(e, n, sizeof *e, ctrace__held_edge_cmp);
  a->step_t = (int64_t *)CTRACE_MEM_ALLOC(((size_t)n + 1) * sizeof *a->step_t);
  a->step_p = (ctrace__u128 *)CTRACE_MEM_ALLOC(((size_t)n + 1) * sizeof *a->step_p);
  a->step_c = (uint32_t *)CTRACE_MEM_ALLOC(((size_t)n + 1) * sizeof *a->step_c);
  if (!a->step_t || !a->step_p || !a->step_c) {
    CTRACE_MEM_FREE(e);
    return CTRACE_E_NOMEM;
  }
  /* Steps: from step_t[k] the count of held threads is step_c[k]; step_p[k]
     is the integral of that count before step_t[k]. */
  for (i = 0; i < n; i++) {
    ctrace__u128 before = {0, 0};
    uint32_t k = a->n_steps;
    depth = (uint32_t)((int)depth + e[i].d);
    if (k && a->step_t[k - 1] == e[i].t) {
      a->step_c[k - 1] = depth; /* same instant: the last count stands */
      continue;
    }
    if (k) {
      before = ctrace__u128_madd(a->step_p[k - 1], a->step_c[k - 1], (uint64_t)(e[i].t - a->step_t[k - 1]));
      if (a->step_c[k - 1]) a->gc.held_wall_ns += e[i].t - a->step_t[k - 1];
    }
    a->step_t[k] = e[i].t;
    a->step_p[k] = before;
    a->step_c[k] = depth;
    a->n_steps++;
  }
  CTRACE_MEM_FREE(e);
  CTRACE_MEM_FREE(a->held); /* the steps hold all that is still needed */
  a->held = NULL;
  a->n_held = a->cap_held = 0;
  a->finished = 1; /* ctrace_analysis_mmu_at reads finished analyses only */
  if (a->sum.program_threads && end > 0) {
    uint32_t cap = 2;
    for (w = 1000000; w < end; w = (int64_t)((double)w * 1.41421356237 + 0.5)) cap++;
    a->mmu = (ctrace_mmu_point *)CTRACE_MEM_ALLOC(cap * sizeof *a->mmu);
    if (!a->mmu) {
      a->finished = 0;
      return CTRACE_E_NOMEM;
    }
    for (w = 1000000; w < end; w = (int64_t)((double)w * 1.41421356237 + 0.5)) {
      a->mmu[a->n_mmu].window_ns = w;
      a->mmu[a->n_mmu].utilization = ctrace_analysis_mmu_at(a, w, &a->mmu[a->n_mmu].worst_start_ns);
      a->n_mmu++;
    }
    a->mmu[a->n_mmu].window_ns = end;
    a->mmu[a->n_mmu].utilization = ctrace_analysis_mmu_at(a, end, &a->mmu[a->n_mmu].worst_start_ns);
    a->n_mmu++;
  }
  a->finished = 0;
  return 0;
}

static int ctrace__finish_tables(ctrace_analysis *a) {
  uint32_t i;
  for (i = 0; i < a->n_counters; i++) {
    ctrace_counter_stats *c = &a->counters[i];
    if (ctrace__series_finish(&a->cstate[i].series)) return CTRACE_E_NOMEM;
    c->series = a->cstate[i].series.out;
    c->n_series = a->cstate[i].series.n_out;
    if (c->count) c->mean = a->cstate[i].mean;
  }
  if (ctrace__series_finish(&a->heap)) return CTRACE_E_NOMEM;
  if (a->n_threads) {
    a->threads_sorted =
        (ctrace_thread_stats *)CTRACE_MEM_ALLOC((size_t)a->n_threads * sizeof *a->threads);
    if (!a->threads_sorted) return CTRACE_E_NOMEM;
    memcpy(a->threads_sorted, a->threads, (size_t)a->n_threads * sizeof *a->threads);
    qsort(a->threads_sorted, a->n_threads, sizeof *a->threads, ctrace__thread_by_id);
  }
  if (a->zones.n) {
    a->zone_order = (uint32_t *)CTRACE_MEM_ALLOC((size_t)a->zones.n * sizeof *a->zone_order);
    if (!a->zone_order) return CTRACE_E_NOMEM;
    ctrace__zone_sort_into(a->zones.st, a->zones.n, CTRACE_ZONE_BY_TOTAL, a->zone_order);
  }
  if (ctrace__sort_sites(a) || ctrace__sort_stacks(a) || ctrace__alloc_flame(a)) return CTRACE_E_NOMEM;
  return ctrace__collect_problems(a);
}

CTRACE_API int ctrace_analysis_end(ctrace_analysis *a, const ctrace_trace_info *info) {
  int64_t end;
  uint64_t lost;
  if (!a || a->finished) return CTRACE_E_INVALID;
  if (info) a->sum.info = *info;
  end = ctrace__max64(a->sum.info.duration_ns, a->sum.last_ns);
  a->sum.duration_ns = end;
  ctrace__close_open_zones(a, end);
  if (a->gc_open) {
    ctrace__problem(a, CTRACE_PROB_GC_UNFINISHED, 1, a->gc_start, a->gc_thread);
    ctrace__gc_close(a, end, 1);
  }
  ctrace__close_open_tasks(a, end);
  if (ctrace__finish_held(a, end)) ctrace__fail(a, CTRACE_E_NOMEM);
  ctrace__finish_wait_reasons(a);
  lost = a->sum.info.events_lost > a->loss_sum ? a->sum.info.events_lost : a->loss_sum;
  if (a->sum.info.events_lost_overflowed) a->sum.overflowed = 1;
  a->sum.events_lost = lost;
  if (lost) ctrace__problem(a, CTRACE_PROB_LOST_EVENTS, lost, a->loss_first_ns, a->loss_thread);
  if (a->sum.info.chunks_bad || a->sum.info.truncated || a->sum.info.bytes_lost || a->sum.read_error ||
      a->sum.info.first_damage_offset >= 0) {
    uint64_t n = a->sum.info.chunks_bad + (a->sum.info.truncated || a->sum.read_error ? 1 : 0);
    a->sum.damaged = 1;
    ctrace__problem(a, CTRACE_PROB_DAMAGED, n ? n : 1, 0, 0); /* a contradiction may set no chunk aside */
  }
  a->sum.threads = a->n_threads;
  { /* time sums saturate at INT64_MAX (ctrace__an_sadd): that value means overflowed */
    uint32_t i;
    for (i = 0; i < a->zones.n; i++)
      if (a->zones.st[i].total_ns == INT64_MAX || a->zones.st[i].self_ns == INT64_MAX ||
          a->zones.st[i].spans_ns == INT64_MAX) a->sum.overflowed = 1;
    for (i = 0; i < a->tasks.n; i++)
      if (a->tasks.st[i].total_ns == INT64_MAX) a->sum.overflowed = 1;
    for (i = 0; i < a->n_threads; i++)
      if (a->threads[i].busy_ns == INT64_MAX || a->threads[i].wait_ns == INT64_MAX ||
          a->threads[i].gc_held_ns == INT64_MAX)
        a->sum.overflowed = 1;
    if (a->gc.pause_total_ns == INT64_MAX || a->gc.held_ns == INT64_MAX || a->gc.wait_ns == INT64_MAX)
      a->sum.overflowed = 1;
  }
  ctrace__ztab_finish(&a->zones);
  ctrace__ztab_finish(&a->tasks);
  a->gc.hist = &a->gc_hist;
  if (a->gc.count)
    a->gc.pause_mean_ns = ctrace__an_sadd(a->gc.pause_total_ns, (int64_t)(a->gc.count / 2)) / (int64_t)a->gc.count;
  a->gc.p50_ns = ctrace_histogram_percentile(&a->gc_hist, 0.50);
  a->gc.p95_ns = ctrace_histogram_percentile(&a->gc_hist, 0.95);
  a->gc.share = end > 0 ? (double)a->gc.pause_total_ns / (double)end : 0.0;
  ctrace__peak_count(a);
  a->mem.heap_alloc = a->mem.alloc;
  a->mem.live_blocks = a->live.n;
  a->mem.num_gc = (uint32_t)a->gc.completed;
  a->mem.pause_total_ns = (uint64_t)a->gc.pause_total_ns;
  ctrace__live_free(&a->live); /* leaks are counted per site; the blocks are no longer needed */
  ctrace__flame_totals(a);
  if (ctrace__finish_tables(a)) ctrace__fail(a, CTRACE_E_NOMEM);
  if (a->cfg.on_progress) a->cfg.on_progress(a->cfg.user, 1.0);
  a->finished = 1;
  return a->error;
}

CTRACE_API void ctrace_analysis_free(ctrace_analysis *a) {
  uint32_t i;
  if (!a) return;
  ctrace__arena_free(&a->arena);
  ctrace__map_free(&a->strings);
  CTRACE_MEM_FREE(a->str);
  for (i = 0; i < a->n_threads; i++) {
    CTRACE_MEM_FREE(a->tstate[i].stack);
    CTRACE_MEM_FREE(a->tstate[i].pend);
    CTRACE_MEM_FREE(a->tstate[i].spans);
  }
  CTRACE_MEM_FREE(a->zmark);
  CTRACE_MEM_FREE(a->zslot);
  CTRACE_MEM_FREE(a->threads);
  CTRACE_MEM_FREE(a->tstate);
  CTRACE_MEM_FREE(a->zopen);
  CTRACE_MEM_FREE(a->threads_sorted);
  ctrace__map_free(&a->thread_map);
  for (i = 0; i < a->zones.n; i++) CTRACE_MEM_FREE(a->zones.hist[i].counts);
  for (i = 0; i < a->tasks.n; i++) CTRACE_MEM_FREE(a->tasks.hist[i].counts);
  CTRACE_MEM_FREE(a->zones.st);
  CTRACE_MEM_FREE(a->zones.hist);
  ctrace__map_free(&a->zones.map);
  CTRACE_MEM_FREE(a->tasks.st);
  CTRACE_MEM_FREE(a->tasks.hist);
  ctrace__map_free(&a->tasks.map);
  CTRACE_MEM_FREE(a->zone_order);
  CTRACE_MEM_FREE(a->flame);
  ctrace__map_free(&a->flame_map);
  CTRACE_MEM_FREE(a->gc_hist.counts);
  CTRACE_MEM_FREE(a->gc_spans);
  CTRACE_MEM_FREE(a->teeth);
  CTRACE_MEM_FREE(a->held);
  CTRACE_MEM_FREE(a->waiting);
  CTRACE_MEM_FREE(a->step_t);
  CTRACE_MEM_FREE(a->step_p);
  CTRACE_MEM_FREE(a->step_c);
  CTRACE_MEM_FREE(a->mmu);
  ctrace__live_free(&a->open_tasks);
  for (i = 0; i < a->n_counters; i++) ctrace__series_free(&a->cstate[i].series);
  CTRACE_MEM_FREE(a->counters);
  CTRACE_MEM_FREE(a->cstate);
  ctrace__map_free(&a->counter_map);
  ctrace__series_free(&a->heap);
  ctrace__live_free(&a->live);
  CTRACE_MEM_FREE(a->sites);
  for (i = 0; i < 3; i++) CTRACE_MEM_FREE(a->sites_by[i]);
  for (i = 0; i < 4; i++) CTRACE_MEM_FREE(a->stacks_by[i]);
  CTRACE_MEM_FREE(a->stacks);
  CTRACE_MEM_FREE(a->stack_epoch);
  CTRACE_MEM_FREE(a->aflame);
  ctrace__map_free(&a->site_map);
  CTRACE_MEM_FREE(a->problems);
  CTRACE_MEM_FREE(a->logs);
  CTRACE_MEM_FREE(a);
}

/* ---- from a reader ----------------------------------------------------------------------------------- */

static void ctrace__set_err(char *err, size_t err_size, const char *what, const char *why) {
  if (err && err_size) snprintf(err, err_size, "%s: %s", what, why);
}

CTRACE_API int ctrace_analyze_reader(ctrace_reader *r, const ctrace_analysis_config *cfg,
                                     ctrace_analysis **out, char *err, size_t err_size) {
  ctrace_analysis *a;
  ctrace_event ev;
  const ctrace_trace_info *info;
  const uint32_t *ids;
  uint32_t n, i;
  int rc;
  if (err && err_size) err[0] = '\0';
  if (!out) return CTRACE_E_INVALID;
  *out = NULL;
  if (!r) return CTRACE_E_INVALID;
  rc = ctrace_analysis_begin(cfg, &a);
  if (rc) {
    ctrace__set_err(err, err_size, "trace", ctrace_strerror(rc));
    return rc;
  }
  a->stable_strings = 1;
  info = ctrace_reader_info(r);
  a->progress_total = info ? info->duration_ns : 0;
  while ((rc = ctrace_reader_next(r, &ev)) > 0) {
    if (ctrace_analysis_add(a, &ev) == CTRACE_E_NOMEM) break;
  }
  if (rc < 0) {
    a->sum.read_error = rc;
    snprintf(a->sum.read_error_text, sizeof a->sum.read_error_text, "%s", ctrace_strerror(rc));
  }
  n = ctrace_reader_threads(r, &ids);
  for (i = 0; i < n; i++)
    ctrace_analysis_set_thread(a, ids[i], ctrace_reader_thread_name(r, ids[i]),
                               ctrace_reader_thread_os_id(r, ids[i]));
  info = ctrace_reader_info(r);
  ctrace_analysis_end(a, info);
  if (a->error) {
    rc = a->error;
    ctrace__set_err(err, err_size, "trace", ctrace_strerror(rc));
    ctrace_analysis_free(a);
    return rc;
  }
  *out = a;
  if (!a->sum.damaged) return 0;
  if (err && err_size) {
    const ctrace_summary *s = &a->sum;
    snprintf(err, err_size,
             "the trace is damaged (%s): %llu chunk(s) skipped, %llu byte(s) lost%s; the "
             "analysis covers what was recovered",
             s->read_error ? s->read_error_text
                           : s->info.first_damage[0] ? s->info.first_damage : "cut short",
             (unsigned long long)s->info.chunks_bad, (unsigned long long)s->info.bytes_lost,
             s->info.truncated ? ", cut short" : "");
  }
  if (a->sum.read_error) return a->sum.read_error;
  return a->sum.info.truncated && !a->sum.info.chunks_bad ? CTRACE_E_TRUNCATED : CTRACE_E_CORRUPT;
}

CTRACE_API int ctrace_analyze(const char *trace_path, const ctrace_analysis_config *cfg,
                              ctrace_analysis **out, char *err, size_t err_size) {
  ctrace_reader *r = NULL;
  char why[256];
  int rc;
  if (err && err_size) err[0] = '\0';
  if (!out) return CTRACE_E_INVALID;
  *out = NULL;
  if (!trace_path) return CTRACE_E_INVALID;
  why[0] = '\0';
  rc = ctrace_reader_open(&r, trace_path, why, sizeof why);
  if (rc < 0) {
    ctrace__set_err(err, err_size, trace_path, why[0] ? why : ctrace_strerror(rc));
    return rc;
  }
  rc = ctrace_analyze_reader(r, cfg, out, why, sizeof why);
  ctrace_reader_close(r);
  if (rc < 0) ctrace__set_err(err, err_size, trace_path, why);
  return rc;
}

/* ---- accessors ----------------------------------------------------------------------------------------- */

#define CTRACE__ARRAY(a, arr, count, n)                                      \
  do {                                                                       \
    if (n) *(n) = (a) && (a)->finished ? (count) : 0;                        \
    return (a) && (a)->finished && (count) ? (arr) : NULL;                   \
  } while (0)

CTRACE_API const ctrace_summary *ctrace_analysis_summary(const ctrace_analysis *a) {
  return a ? &a->sum : NULL;
}
CTRACE_API const ctrace_thread_stats *ctrace_analysis_threads(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->threads_sorted, a->n_threads, n);
}
CTRACE_API const ctrace_zone_stats *ctrace_analysis_zones(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->zones.st, a->zones.n, n);
}
CTRACE_API const ctrace_zone_stats *ctrace_analysis_tasks(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->tasks.st, a->tasks.n, n);
}
CTRACE_API const int64_t *ctrace_analysis_peaks(const ctrace_analysis *a, uint32_t *n) {
  uint32_t kept = a && a->mem.peak_count < 64 ? a->mem.peak_count : 64u;
  CTRACE__ARRAY(a, a->peak_times, kept, n);
}
CTRACE_API const ctrace_memstats_read *ctrace_analysis_memstats_reads(const ctrace_analysis *a,
                                                                        uint32_t *n) {
  CTRACE__ARRAY(a, a->ms_reads, a->n_ms_reads, n);
}
CTRACE_API const ctrace_mmu_point *ctrace_analysis_mmu(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->mmu, a->n_mmu, n);
}
CTRACE_API const ctrace_gc_span *ctrace_analysis_gc_spans(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->gc_spans, a->n_gc_spans, n);
}
CTRACE_API const ctrace_counter_stats *ctrace_analysis_counters(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->counters, a->n_counters, n);
}
CTRACE_API const ctrace_series_point *ctrace_analysis_heap_series(const ctrace_analysis *a,
                                                                  uint32_t *n) {
  CTRACE__ARRAY(a, a->heap.out, a->heap.n_out, n);
}
CTRACE_API const ctrace_problem *ctrace_analysis_problems(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->problems, a->n_problems, n);
}
CTRACE_API const ctrace_log_entry *ctrace_analysis_logs(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->logs, a->n_logs, n);
}
CTRACE_API const ctrace_flame_node *ctrace_analysis_flame(const ctrace_analysis *a, uint32_t *n) {
  CTRACE__ARRAY(a, a->flame, a->n_flame, n);
}
CTRACE_API const ctrace_alloc_site *ctrace_analysis_alloc_sites(const ctrace_analysis *a, int order,
                                                                uint32_t *n) {
  int o = order >= 0 && order <= 2 ? order : 0;
  CTRACE__ARRAY(a, a->sites_by[o], o == CTRACE_BY_LIVE_BYTES ? a->n_leaks + a->leaks_dropped
                                                              : a->n_sites, n);
}
CTRACE_API const ctrace_alloc_stack *ctrace_analysis_alloc_stacks(const ctrace_analysis *a, int order,
                                                                  uint32_t *n) {
  int o = order >= 0 && order <= 3 ? order : 0;
  CTRACE__ARRAY(a, a->stacks_by[o], a->n_stacks_by[o], n);
}
CTRACE_API const ctrace_alloc_site *ctrace_analysis_leaks(const ctrace_analysis *a, uint32_t *n,
                                                          uint32_t *dropped) {
  if (dropped) *dropped = a && a->finished ? a->leaks_dropped : 0;
  CTRACE__ARRAY(a, a->sites_by[CTRACE_BY_LIVE_BYTES], a->n_leaks, n);
}
CTRACE_API const ctrace_gc_stats *ctrace_analysis_gc(const ctrace_analysis *a) {
  return a ? &a->gc : NULL;
}
CTRACE_API const ctrace_mem_summary *ctrace_analysis_memory(const ctrace_analysis *a) {
  return a ? &a->mem : NULL;
}

CTRACE_API uint32_t ctrace_analysis_zone_order(const ctrace_analysis *a, int key, uint32_t *idx,
                                               uint32_t max) {
  uint32_t *all, n;
  if (!a || !a->finished || !idx || !a->zones.n) return 0;
  all = (uint32_t *)CTRACE_MEM_ALLOC((size_t)a->zones.n * sizeof *all);
  if (!all) return 0;
  ctrace__zone_sort_into(a->zones.st, a->zones.n, key, all);
  n = a->zones.n < max ? a->zones.n : max;
  memcpy(idx, all, (size_t)n * sizeof *idx);
  CTRACE_MEM_FREE(all);
  return n;
}

CTRACE_API const ctrace_zone_stats *ctrace_analysis_find_zone(const ctrace_analysis *a,
                                                              const char *name,
                                                              const char *file, uint32_t line) {
  const ctrace_zone_stats *best = NULL;
  uint32_t i;
  if (!a || !a->finished || !name) return NULL;
  if (file) {
    ctrace__zkey k;
    k.name = name;
    k.file = file;
    k.line = line;
    i = ctrace__map_get(&a->zones.map, ctrace__an_hash(ctrace__an_hash(line, name), file),
                        ctrace__zkey_eq, &a->zones, &k);
    return i == CTRACE_NONE ? NULL : &a->zones.st[i];
  }
  for (i = 0; i < a->zones.n; i++) {
    const ctrace_zone_stats *z = &a->zones.st[i];
    if (strcmp(z->name, name) == 0 && (!best || z->total_ns > best->total_ns)) best = z;
  }
  return best;
}

CTRACE_API const ctrace_counter_stats *ctrace_analysis_find_counter(const ctrace_analysis *a,
                                                                    const char *name) {
  uint32_t i;
  if (!a || !a->finished || !name) return NULL;
  i = ctrace__map_get(&a->counter_map, ctrace__an_hash(7, name), ctrace__counter_eq, a->counters,
                      name);
  return i == CTRACE_NONE ? NULL : &a->counters[i];
}

/* ---- outputs ------------------------------------------------------------------------------------------
   Everything goes through a small buffer to the caller's write function;
   the first error sticks and stops further writes. */

/* >>out -----------------------------------------------------------------------
   The one output buffer every text output writes through (stats, JSON, CSV,
   folded, the report's HTML and data, SVG): buffered writes to a FILE or a
   ctrace_write_fn, or a growing buffer in memory when neither is set. The
   first failure sticks in err and later writes are dropped, so callers check
   once at the end. (The Chrome export keeps its own fixed buffer: its
   per-event fast path writes straight into it.) */

/* Some helpers serve only the report or only the PNG renderer; a build
   that uses one must not warn about the other's. */
#if defined(__GNUC__) || defined(__clang__)
#define CTRACE__MAYBE_UNUSED __attribute__((unused))
#else
#define CTRACE__MAYBE_UNUSED
#endif

typedef struct ctrace__sink {
  FILE *f;
  ctrace_write_fn write;     /* streams to write(write_user, ...) when set */
  void *write_user;
  char *buf;
  size_t len, cap;
  uint64_t total;   /* bytes accepted so far */
  uint64_t titles_until; /* SVG: once total passes this, tooltips are left out
                            (they dominate the size); 0 = no limit */
  int err;          /* 0, CTRACE_E_WRITE, CTRACE_E_NOMEM or write's own code */
  char last;        /* the last byte accepted, for JSON separators; 0 = none yet */
  int sys_errno;    /* errno of the fwrite that failed, for the message */
  struct ctrace__longs *longs; /* stats --json: strings past the name cap, written whole once */
} ctrace__sink;

#define CTRACE__SINK_FLUSH_AT ((size_t)1 << 16)

#define CTRACE__SINK_STREAMS(o) ((o)->f || (o)->write)

static CTRACE__MAYBE_UNUSED void ctrace__sink_flush(ctrace__sink *o) {
  if (!CTRACE__SINK_STREAMS(o) || o->len == 0 || o->err) return;
  if (o->write) {
    int rc = o->write(o->write_user, o->buf, o->len);
    if (rc < 0) o->err = rc;
  } else if (fwrite(o->buf, 1, o->len, o->f) != o->len) {
    o->err = CTRACE_E_WRITE;
    o->sys_errno = errno;
  }
  o->len = 0;
}

static CTRACE__MAYBE_UNUSED int ctrace__sink_reserve(ctrace__sink *o, size_t n) {
  size_t ncap;
  char *nb;
  if (o->len + n <= o->cap) return 0;
  if (CTRACE__SINK_STREAMS(o) && o->len) {
    ctrace__sink_flush(o);
    if (o->err) return -1;
    if (n <= o->cap) return 0;
  }
  ncap = o->cap ? o->cap : (CTRACE__SINK_STREAMS(o) ? CTRACE__SINK_FLUSH_AT * 2 : 4096);
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

static CTRACE__MAYBE_UNUSED void ctrace__sink_bytes(ctrace__sink *o, const void *p, size_t n) {
  if (o->err || n == 0) return;
  if (ctrace__sink_reserve(o, n)) return;
  memcpy(o->buf + o->len, p, n);
  o->len += n;
  o->total += n;
  o->last = ((const char *)p)[n - 1];
  if (CTRACE__SINK_STREAMS(o) && o->len >= CTRACE__SINK_FLUSH_AT) ctrace__sink_flush(o);
}

static CTRACE__MAYBE_UNUSED void ctrace__sink_str(ctrace__sink *o, const char *s) {
  ctrace__sink_bytes(o, s, strlen(s));
}

static CTRACE__MAYBE_UNUSED void ctrace__sink_fmt(ctrace__sink *o, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void ctrace__sink_fmt(ctrace__sink *o, const char *fmt, ...) {
  char small[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) { o->err = CTRACE_E_WRITE; return; }
  if ((size_t)n < sizeof small) { ctrace__sink_bytes(o, small, (size_t)n); return; }
  if (ctrace__sink_reserve(o, (size_t)n + 1)) return;
  va_start(ap, fmt);
  vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  o->len += (size_t)n;
  o->total += (size_t)n;
  if (n) o->last = o->buf[o->len - 1];
  if (CTRACE__SINK_STREAMS(o) && o->len >= CTRACE__SINK_FLUSH_AT) ctrace__sink_flush(o);
}

/* The analysis outputs' name for the sink. */
typedef ctrace__sink ctrace__out;

enum ctrace__text_mode { CTRACE__TX_CSV, CTRACE__TX_FOLDED, CTRACE__TX_TERM };

CTRACE_API int ctrace_write_stdio(void *file, const void *data, size_t size) {
  FILE *f = (FILE *)file;
  if (!f) return CTRACE_E_INVALID;
  if (!size) return fflush(f) == 0 && !ferror(f) ? 0 : CTRACE_E_WRITE;
  return fwrite(data, 1, size, f) == size ? 0 : CTRACE_E_WRITE;
}

#define ctrace__out_bytes(o, p, n) ctrace__sink_bytes((o), (p), (n))
#define ctrace__out_s(o, str) ctrace__sink_str((o), (str))
#define ctrace__out_f ctrace__sink_fmt

static int ctrace__out_begin(ctrace__out *o, const ctrace_analysis *a, ctrace_write_fn write,
                             void *user) {
  memset(o, 0, sizeof *o);
  o->write = write;
  o->write_user = user;
  return a && a->finished && write ? 0 : CTRACE_E_INVALID;
}

static int ctrace__out_end(ctrace__out *o) {
  ctrace__sink_flush(o);
  if (!o->err) {
    int rc = o->write(o->write_user, NULL, 0);
    if (rc < 0) o->err = rc;
  }
  CTRACE_MEM_FREE(o->buf);
  o->buf = NULL;
  return o->err;
}

/* The one UTF-8 rule every output follows (stats, JSON, CSV, folded, the
   report's HTML and data, SVG, the Chrome export): the length (1..4) of the
   well-formed character at p (n > 0 bytes left) with its code point in *cp;
   or 0 when the bytes there are not one (overlong, surrogate, past
   U+10FFFF, cut short), and *bad receives how many bytes (1..3) form the
   maximal ill-formed prefix, which the outputs replace with ONE U+FFFD.
   That is Unicode's recommended practice, which Python and browsers follow,
   so a name reads the same in every output and in the tools reading them. */
static size_t ctrace__utf8(const unsigned char *p, size_t n, uint32_t *cp, size_t *bad) {
  uint32_t c = p[0];
  unsigned lo = 0x80, hi = 0xBF;
  size_t len, i;
  if (c < 0x80u) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2u && c <= 0xDFu) { len = 2; c &= 0x1Fu; }
  else if (c >= 0xE0u && c <= 0xEFu) {
    len = 3;
    c &= 0x0Fu;
    if (p[0] == 0xE0u) lo = 0xA0;  /* no overlong forms */
    if (p[0] == 0xEDu) hi = 0x9F;  /* no UTF-16 surrogates */
  } else if (c >= 0xF0u && c <= 0xF4u) {
    len = 4;
    c &= 0x07u;
    if (p[0] == 0xF0u) lo = 0x90;
    if (p[0] == 0xF4u) hi = 0x8F;  /* nothing above U+10FFFF */
  } else {
    *bad = 1;
    return 0;
  }
  for (i = 1; i < len; i++) {
    unsigned b;
    if (i >= n) break;
    b = p[i];
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
    c = (c << 6) | (b & 0x3Fu);
  }
  if (i < len) {
    *bad = i;
    return 0;
  }
  *cp = c;
  return len;
}

/* The one plain-JSON string escaper, for stats --json and the Chrome export:
   the text of s (len bytes) without the quotes. ", \ and control characters
   are escaped (\n, \t, \r short, the rest \u00XX), invalid UTF-8 becomes one
   U+FFFD per ctrace__utf8's rule, valid UTF-8 goes through. With escape_invisible,
   invisible and direction-changing characters (ctrace__invisible_cp) become
   \uXXXX so the file cannot be shown reordered; the export leaves them as
   they are (its bytes predate this). The report's JSON inside <script>
   (ctrace__sink_json_n) is another syntax, with < > & also escaped, and
   stays separate. The ASCII run test comes first: names are mostly ASCII
   and the export writes millions of them. */
static void ctrace__sink_json_body(ctrace__sink *o, const char *str, size_t len, int escape_invisible) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, run = 0;
  char esc[6];
  while (i < len) {
    unsigned c = s[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      i++;
      continue;
    }
    if (i > run) ctrace__sink_bytes(o, str + run, i - run);
    if (c < 0x80) {
      esc[0] = '\\';
      if (c == '"' || c == '\\') { esc[1] = (char)c; ctrace__sink_bytes(o, esc, 2); }
      else if (c == '\n') ctrace__sink_bytes(o, "\\n", 2);
      else if (c == '\t') ctrace__sink_bytes(o, "\\t", 2);
      else if (c == '\r') ctrace__sink_bytes(o, "\\r", 2);
      else {
        esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
        esc[4] = hex[c >> 4]; esc[5] = hex[c & 15u];
        ctrace__sink_bytes(o, esc, 6);
      }
      i++;
    } else {
      uint32_t cp = 0;
      size_t bad = 1, ok = ctrace__utf8(s + i, len - i, &cp, &bad);
      if (ok && escape_invisible && ctrace__invisible_cp(cp)) {
        esc[0] = '\\'; esc[1] = 'u';
        esc[2] = hex[(cp >> 12) & 15u]; esc[3] = hex[(cp >> 8) & 15u];
        esc[4] = hex[(cp >> 4) & 15u]; esc[5] = hex[cp & 15u];
        ctrace__sink_bytes(o, esc, 6);
      } else if (ok) {
        ctrace__sink_bytes(o, str + i, ok);
      } else {
        ctrace__sink_bytes(o, "\xEF\xBF\xBD", 3);
      }
      i += ok ? ok : bad;
    }
    run = i;
  }
  if (i > run) ctrace__sink_bytes(o, str + run, i - run);
}

static void ctrace__sink_json_str(ctrace__sink *o, const char *s, size_t len, int escape_invisible) {
  ctrace__sink_bytes(o, "\"", 1);
  ctrace__sink_json_body(o, s, len, escape_invisible);
  ctrace__sink_bytes(o, "\"", 1);
}

/* One ASCII byte as the mode wants it. */
static void ctrace__out_ascii(ctrace__out *o, unsigned char c, int mode) {
  char tmp[1];
  if (mode == CTRACE__TX_CSV && c == '"') {
    ctrace__out_bytes(o, "\"\"", 2);
    return;
  }
  if (mode == CTRACE__TX_FOLDED && c == ';') c = ':';
  if ((mode == CTRACE__TX_FOLDED || mode == CTRACE__TX_TERM) && (c < 0x20 || c == 0x7F))
    c = mode == CTRACE__TX_FOLDED ? ' ' : '?';
  /* A quoted field keeps TAB, CR and LF; other controls (ESC, BEL) would act
     on a terminal that shows the file: marked as the invisible ones are. */
  if (mode == CTRACE__TX_CSV && ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F)) {
    char mark[16];
    ctrace__out_bytes(o, mark, ctrace__invisible_text(mark, c));
    return;
  }
  tmp[0] = (char)c;
  ctrace__out_bytes(o, tmp, 1);
}

/* Text from a trace for CSV, folded and the terminal (JSON has
   ctrace__sink_json_str): valid UTF-8 goes through, invalid bytes become
   U+FFFD (ctrace__utf8's rule), ASCII is escaped or replaced as the mode
   needs. */
static void ctrace__out_text(ctrace__out *o, const char *s, size_t len, int mode) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    uint32_t cp = 0;
    size_t bad = 1, k = ctrace__utf8(p + i, len - i, &cp, &bad);
    if (k == 1) ctrace__out_ascii(o, p[i], mode);
    else if ((k == 2 || k == 3) && ctrace__invisible_cp(cp)) {
      char tmp[16];
      ctrace__out_bytes(o, tmp, ctrace__invisible_text(tmp, cp));
    } else if (k) ctrace__out_bytes(o, s + i, k);
    else ctrace__out_bytes(o, "\xEF\xBF\xBD", 3);
    i += k ? k : bad;
  }
}

/* ---- JSON ---------------------------------------------------------------------------------------------- */

static void ctrace__jsep(ctrace__out *o) {
  if (o->last != '{' && o->last != '[' && o->last != ':' && o->last != 0) ctrace__out_bytes(o, ",", 1);
}
static void ctrace__jk(ctrace__out *o, const char *key) {
  ctrace__jsep(o);
  ctrace__out_f(o, "\"%s\":", key);
}
static void ctrace__jstr(ctrace__out *o, const char *s) {
  ctrace__sink_json_str(o, ctrace__str(s), strlen(ctrace__str(s)), 1); /* \uXXXX: lossless for programs */
}
/* stats --json's table of long strings. Rows repeat names and files (an
   object's path is the file of each of its functions): a string past
   CTRACE__OUT_NAME_CAP bytes is written whole once, in "long_strings", and
   each row holds it cut with KEY_full = its index there. Keyed by pointer:
   the reader hands every row of one object, file or symbol the same
   string, and strings at different addresses each came from the input. */
typedef struct ctrace__longs {
  const char **s;
  uint32_t n, cap;
  uint32_t *slot; /* open addressing: index + 1, 0 = empty */
  uint32_t slots;
} ctrace__longs;

static CTRACE__WRAPS uint32_t ctrace__longs_slot(const ctrace__longs *t, const char *s) {
  uint32_t i = (uint32_t)(((uintptr_t)s >> 3) * 2654435761u) & (t->slots - 1);
  while (t->slot[i] && t->s[t->slot[i] - 1] != s) i = (i + 1) & (t->slots - 1);
  return i;
}

/* The index of s in the table (added when new), or -1 out of memory. */
static int64_t ctrace__longs_index(ctrace__longs *t, const char *s) {
  uint32_t i;
  if (2 * (t->n + 1) > t->slots) {
    uint32_t ns = t->slots ? 2 * t->slots : 64, k;
    uint32_t *nslot = (uint32_t *)CTRACE_MEM_ALLOC(ns * sizeof *nslot);
    const char **nstr = (const char **)CTRACE_MEM_ALLOC(ns / 2 * sizeof *nstr);
    if (!nslot || !nstr) {
      CTRACE_MEM_FREE(nslot);
      CTRACE_MEM_FREE((void *)nstr);
      return -1;
    }
    memset(nslot, 0, ns * sizeof *nslot);
    if (t->n) memcpy((void *)nstr, (const void *)t->s, t->n * sizeof *nstr);
    CTRACE_MEM_FREE(t->slot);
    CTRACE_MEM_FREE((void *)t->s);
    t->slot = nslot;
    t->s = nstr;
    t->slots = ns;
    for (k = 0; k < t->n; k++) t->slot[ctrace__longs_slot(t, t->s[k])] = k + 1;
  }
  i = ctrace__longs_slot(t, s);
  if (!t->slot[i]) {
    t->s[t->n++] = s;
    t->slot[i] = t->n;
  }
  return (int64_t)t->slot[i] - 1;
}

static void ctrace__js(ctrace__out *o, const char *key, const char *s) {
  int cut = 0;
  size_t len = o->longs ? ctrace__name_out_len(ctrace__str(s), &cut) : 0;
  int64_t at = cut ? ctrace__longs_index(o->longs, s) : -1;
  char full[48];
  ctrace__jk(o, key);
  if (at < 0) {
    ctrace__jstr(o, s);
    return;
  }
  ctrace__sink_bytes(o, "\"", 1);
  ctrace__sink_json_body(o, s, len, 1);
  ctrace__sink_bytes(o, "...[cut]\"", 9);
  snprintf(full, sizeof full, "%.40s_full", key);
  ctrace__jk(o, full);
  ctrace__out_f(o, "%llu", (unsigned long long)at);
}
static void ctrace__ju(ctrace__out *o, const char *key, uint64_t v) {
  ctrace__jk(o, key);
  ctrace__out_f(o, "%llu", (unsigned long long)v);
}
static void ctrace__ji(ctrace__out *o, const char *key, int64_t v) {
  ctrace__jk(o, key);
  ctrace__out_f(o, "%lld", (long long)v);
}
static void ctrace__jb(ctrace__out *o, const char *key, int v) {
  ctrace__jk(o, key);
  ctrace__out_s(o, v ? "true" : "false");
}
static void ctrace__jd(ctrace__out *o, const char *key, double v) {
  ctrace__jk(o, key);
  if (v != v || v - v != 0.0) v = 0.0; /* JSON has no NaN or infinity */
  ctrace__out_f(o, "%.17g", v);
}
static void ctrace__jopen(ctrace__out *o, const char *key, const char *bracket) {
  if (key) ctrace__jk(o, key);
  else ctrace__jsep(o);
  ctrace__out_s(o, bracket);
}

/* A figure that may not be known: null then, never an invented 0. */
static void ctrace__ji_or_null(ctrace__out *o, const char *key, int64_t v, int known) {
  if (known) {
    ctrace__ji(o, key, v);
    return;
  }
  ctrace__jk(o, key);
  ctrace__out_s(o, "null");
}

static void ctrace__json_zone(ctrace__out *o, const ctrace_zone_stats *z) {
  ctrace__jopen(o, NULL, "{");
  ctrace__js(o, "name", z->name);
  ctrace__js(o, "file", z->file);
  ctrace__ju(o, "line", z->line);
  ctrace__ju(o, "count", z->count);
  ctrace__ju(o, "unfinished", z->unfinished);
  ctrace__ji(o, "total_ns", z->total_ns);
  ctrace__ji(o, "self_ns", z->self_ns);
  ctrace__ji(o, "mean_ns", z->mean_ns);
  ctrace__ji(o, "min_ns", z->min_ns);
  ctrace__ji(o, "p50_ns", z->p50_ns);
  ctrace__ji(o, "p95_ns", z->p95_ns);
  ctrace__ji(o, "p99_ns", z->p99_ns);
  ctrace__ji(o, "max_ns", z->max_ns);
  ctrace__ju(o, "allocs", z->allocs);
  ctrace__ju(o, "alloc_bytes", z->alloc_bytes);
  ctrace__ji_or_null(o, "cpu_self_ns", z->cpu_self_ns, z->sampled_self_ns > 0);
  ctrace__ji(o, "sampled_self_ns", z->sampled_self_ns);
  ctrace__ji_or_null(o, "ready_self_ns", z->ready_self_ns, z->sampled_self_ns > 0);
  ctrace__jb(o, "mostly_waited", ctrace_zone_mostly_waited(z));
  ctrace__out_s(o, "}");
}

static void ctrace__json_site(ctrace__out *o, const ctrace_alloc_site *s) {
  ctrace__jopen(o, NULL, "{");
  ctrace__js(o, "file", s->file);
  ctrace__ju(o, "line", s->line);
  ctrace__js(o, "zone", s->zone);
  ctrace__ju(o, "allocs", s->allocs);
  ctrace__ju(o, "bytes", s->bytes);
  ctrace__ju(o, "frees", s->frees);
  ctrace__ju(o, "freed_bytes", s->freed_bytes);
  ctrace__ju(o, "live_blocks", s->live_blocks);
  ctrace__ju(o, "live_bytes", s->live_bytes);
  ctrace__ju(o, "temporary_allocs", s->temporary_allocs);
  ctrace__ju(o, "temporary_bytes", s->temporary_bytes);
  ctrace__ju(o, "max_size", s->max_size);
  ctrace__out_s(o, "}");
}

static void ctrace__json_trace(ctrace__out *o, const ctrace_analysis *a) {
  const ctrace_summary *s = &a->sum;
  int k;
  ctrace__ju(o, "version", 1);
  ctrace__js(o, "program", s->info.program);
  ctrace__ju(o, "pid", s->info.pid);
  ctrace__ju(o, "format_version", s->info.format_version);
  ctrace__ju(o, "wall_start_ns", s->info.wall_start_ns);
  ctrace__ju(o, "file_size", s->info.file_size);
  ctrace__ji(o, "duration_ns", s->duration_ns);
  ctrace__ju(o, "events", s->events);
  ctrace__ju(o, "threads", s->threads);
  ctrace__ju(o, "program_threads", s->program_threads);
  ctrace__ju(o, "cpu_samples", s->cpu_samples);
  ctrace__jopen(o, "events_by_kind", "{");
  for (k = 1; k < 18; k++)
    if (s->events_by_kind[k])
      ctrace__ju(o, k == 15 ? "unknown" : k == 16 ? "wait_begin" : k == 17 ? "wait_end" : ctrace_event_kind_name(k),
                 s->events_by_kind[k]);
  ctrace__out_s(o, "}");
  ctrace__jopen(o, "damage", "{");
  ctrace__jb(o, "damaged", s->damaged);
  ctrace__ju(o, "contradictions", s->info.contradictions);
  ctrace__jb(o, "overflowed", s->overflowed);
  ctrace__ju(o, "chunks_bad", s->info.chunks_bad);
  ctrace__ju(o, "bytes_lost", s->info.bytes_lost);
  ctrace__jb(o, "truncated", s->info.truncated);
  ctrace__jb(o, "crashed", s->info.crashed);
  ctrace__ji(o, "crash_signal", s->info.crash_signal);
  ctrace__ju(o, "events_lost", s->events_lost);
  ctrace__js(o, "read_error", s->read_error_text);
  ctrace__out_s(o, "}");
}

static const char *ctrace__role_name(int role) {
  return role == CTRACE_ROLE_TRACER ? "tracer" : role == CTRACE_ROLE_COLLECTOR ? "collector" : "program";
}

static void ctrace__json_threads(ctrace__out *o, const ctrace_analysis *a) {
  uint32_t i, k;
  ctrace__jopen(o, "thread_list", "[");
  for (i = 0; i < a->n_threads; i++) {
    const ctrace_thread_stats *t = &a->threads_sorted[i];
    ctrace__jopen(o, NULL, "{");
    ctrace__ju(o, "id", t->id);
    ctrace__js(o, "name", t->name);
    ctrace__ju(o, "os_id", t->os_id);
    ctrace__ju(o, "events", t->events);
    ctrace__ji(o, "first_ns", t->first_ns);
    ctrace__ji(o, "last_ns", t->last_ns);
    ctrace__ju(o, "zones", t->zones);
    ctrace__ju(o, "max_depth", t->max_depth);
    ctrace__ji(o, "busy_ns", t->busy_ns);
    ctrace__ju(o, "allocs", t->allocs);
    ctrace__ju(o, "alloc_bytes", t->alloc_bytes);
    ctrace__js(o, "role", ctrace__role_name(t->role));
    ctrace__ju(o, "waits", t->waits);
    ctrace__ji(o, "wait_ns", t->wait_ns);
    ctrace__ji(o, "gc_held_ns", t->gc_held_ns);
    ctrace__ji_or_null(o, "cpu_ns", t->cpu_ns, t->has_cpu);
    ctrace__ji_or_null(o, "cpu_wall_ns", t->cpu_wall_ns, t->has_cpu);
    ctrace__ji_or_null(o, "ready_ns", t->ready_ns, t->has_cpu);
    ctrace__ji_or_null(o, "waited_on_ns", t->waited_on_ns, t->has_cpu);
    ctrace__jopen(o, "wait_by", "[");
    for (k = 0; k < t->n_wait_by; k++) {
      ctrace__jopen(o, NULL, "{");
      ctrace__js(o, "what", t->wait_by[k].what);
      ctrace__ju(o, "count", t->wait_by[k].count);
      ctrace__ji(o, "ns", t->wait_by[k].ns);
      ctrace__out_s(o, "}");
    }
    ctrace__out_s(o, "]");
    ctrace__out_s(o, "}");
  }
  ctrace__out_s(o, "]");
}

static void ctrace__json_zones(ctrace__out *o, const ctrace_analysis *a) {
  uint32_t i;
  ctrace__jopen(o, "zones", "[");
  for (i = 0; i < a->zones.n; i++) ctrace__json_zone(o, &a->zones.st[a->zone_order[i]]);
  ctrace__out_s(o, "]");
  ctrace__jopen(o, "tasks", "[");
  for (i = 0; i < a->tasks.n; i++) ctrace__json_zone(o, &a->tasks.st[i]);
  ctrace__out_s(o, "]");
  ctrace__jopen(o, "gc", "{");
  ctrace__ju(o, "count", a->gc.count);
  ctrace__ju(o, "completed", a->gc.completed);
  ctrace__ju(o, "unfinished", a->gc.unfinished);
  ctrace__ji(o, "pause_total_ns", a->gc.pause_total_ns);
  ctrace__ji(o, "pause_max_ns", a->gc.pause_max_ns);
  ctrace__ji(o, "pause_min_ns", a->gc.pause_min_ns);
  ctrace__ji(o, "pause_mean_ns", a->gc.pause_mean_ns);
  ctrace__ji(o, "p50_ns", a->gc.p50_ns);
  ctrace__ji(o, "p95_ns", a->gc.p95_ns);
  ctrace__jd(o, "share", a->gc.share);
  ctrace__ju(o, "spans_dropped", a->gc.spans_dropped);
  ctrace__ji(o, "held_ns", a->gc.held_ns);
  ctrace__ji(o, "held_wall_ns", a->gc.held_wall_ns);
  ctrace__ju(o, "waits", a->gc.waits);
  ctrace__ji(o, "wait_ns", a->gc.wait_ns);
  ctrace__ju(o, "held_dropped", a->gc.held_dropped);
  ctrace__jopen(o, "mmu", "[");
  for (i = 0; i < a->n_mmu; i++) {
    ctrace__jopen(o, NULL, "{");
    ctrace__ji(o, "window_ns", a->mmu[i].window_ns);
    ctrace__jd(o, "utilization", a->mmu[i].utilization);
    ctrace__ji(o, "worst_start_ns", a->mmu[i].worst_start_ns);
    ctrace__out_s(o, "}");
  }
  ctrace__out_s(o, "]");
  ctrace__out_s(o, "}");
}

static void ctrace__json_memory(ctrace__out *o, const ctrace_analysis *a) {
  const ctrace_mem_summary *m = &a->mem;
  uint32_t k;
  ctrace__jopen(o, "memory", "{");
  ctrace__ju(o, "alloc", m->alloc);
  ctrace__ju(o, "heap_alloc", m->heap_alloc);
  ctrace__ju(o, "total_alloc", m->total_alloc);
  ctrace__ju(o, "mallocs", m->mallocs);
  ctrace__ju(o, "frees", m->frees);
  ctrace__ju(o, "live_blocks", m->live_blocks);
  ctrace__ju(o, "peak_alloc", m->peak_alloc);
  ctrace__ji(o, "peak_time_ns", m->peak_time_ns);
  ctrace__ju(o, "peak_count", m->peak_count);
  ctrace__ju(o, "heap_falls", m->heap_falls);
  ctrace__ju(o, "num_gc", m->num_gc);
  ctrace__ju(o, "pause_total_ns", m->pause_total_ns);
  ctrace__ju(o, "temporary_allocs", m->temporary_allocs);
  ctrace__ju(o, "temporary_bytes", m->temporary_bytes);
  if (m->has_rss) {
    ctrace__ju(o, "rss_last", m->rss_last);
    ctrace__ju(o, "rss_peak", m->rss_peak);
    ctrace__ji(o, "rss_peak_time_ns", m->rss_peak_time_ns);
  } else {
    ctrace__jk(o, "rss_last");
    ctrace__out_s(o, "null");
    ctrace__jk(o, "rss_peak");
    ctrace__out_s(o, "null");
    ctrace__jk(o, "rss_peak_time_ns");
    ctrace__out_s(o, "null");
  }
  ctrace__jopen(o, "size_histogram", "[");
  for (k = 0; k < 65; k++) {
    if (!m->size_count[k]) continue;
    ctrace__jopen(o, NULL, "{");
    ctrace__ju(o, "min", k ? (uint64_t)1 << (k - 1) : 0);
    ctrace__jk(o, "max");
    if (k == 64) ctrace__out_s(o, "18446744073709551615");
    else ctrace__out_f(o, "%llu", (unsigned long long)(k ? (uint64_t)1 << k : 1));
    ctrace__ju(o, "count", m->size_count[k]);
    ctrace__ju(o, "bytes", m->size_bytes[k]);
    ctrace__out_s(o, "}");
  }
  ctrace__out_s(o, "]}");
}

static void ctrace__json_stack_list(ctrace__out *o, const char *key, const ctrace_alloc_stack *st, uint32_t n) {
  uint32_t i, j;
  ctrace__jopen(o, key, "[");
  for (i = 0; i < n; i++) {
    ctrace__jopen(o, NULL, "{");
    ctrace__ju(o, "stack", st[i].stack);
    ctrace__ju(o, "allocs", st[i].allocs);
    ctrace__ju(o, "bytes", st[i].bytes);
    ctrace__ju(o, "frees", st[i].frees);
    ctrace__ju(o, "freed_bytes", st[i].freed_bytes);
    ctrace__ju(o, "live_blocks", st[i].live_blocks);
    ctrace__ju(o, "live_bytes", st[i].live_bytes);
    ctrace__ju(o, "peak_bytes", st[i].peak_bytes);
    ctrace__ju(o, "temporary_allocs", st[i].temporary_allocs);
    ctrace__jopen(o, "frames", "[");
    for (j = 0; j < st[i].depth; j++) {
      const ctrace_frame *f = &st[i].frames[j];
      ctrace__jopen(o, NULL, "{");
      ctrace__js(o, "function", f->function);
      ctrace__js(o, "object", f->object);
      ctrace__ju(o, "offset", f->offset);
      ctrace__js(o, "file", f->file);
      ctrace__ju(o, "line", f->line);
      ctrace__out_s(o, "}");
    }
    ctrace__out_s(o, "]}");
  }
  ctrace__out_s(o, "]");
}

/* "alloc_stacks" (traces of ctrace run): the top 20 stacks by bytes, by
   count and by bytes held at the peak, and every leaking stack (at most
   max_leak_sites). */
static void ctrace__json_stacks(ctrace__out *o, const ctrace_analysis *a) {
  uint32_t top = 20;
  ctrace__jopen(o, "alloc_stacks", "{");
  ctrace__ju(o, "stacks", a->n_stacks);
  ctrace__ju(o, "stacks_cut", a->sum.info.stacks_cut);
  ctrace__ju(o, "frees_before", a->mem.frees_before);
  ctrace__json_stack_list(o, "by_bytes", a->stacks_by[CTRACE_BY_BYTES],
                          a->n_stacks_by[CTRACE_BY_BYTES] < top ? a->n_stacks_by[CTRACE_BY_BYTES] : top);
  ctrace__json_stack_list(o, "by_count", a->stacks_by[CTRACE_BY_COUNT],
                          a->n_stacks_by[CTRACE_BY_COUNT] < top ? a->n_stacks_by[CTRACE_BY_COUNT] : top);
  ctrace__json_stack_list(o, "at_peak", a->stacks_by[CTRACE_BY_PEAK_BYTES],
                          a->n_stacks_by[CTRACE_BY_PEAK_BYTES] < top ? a->n_stacks_by[CTRACE_BY_PEAK_BYTES] : top);
  ctrace__json_stack_list(o, "leaks", a->stacks_by[CTRACE_BY_LIVE_BYTES],
                          a->n_stacks_by[CTRACE_BY_LIVE_BYTES] < a->cfg.max_leak_sites
                              ? a->n_stacks_by[CTRACE_BY_LIVE_BYTES] : a->cfg.max_leak_sites);
  ctrace__out_s(o, "}");
}

static void ctrace__json_sites(ctrace__out *o, const ctrace_analysis *a) {
  uint32_t i;
  ctrace__jopen(o, "alloc_sites", "[");
  for (i = 0; i < a->n_sites; i++) ctrace__json_site(o, &a->sites_by[CTRACE_BY_BYTES][i]);
  ctrace__out_s(o, "]");
  ctrace__jopen(o, "leaks", "{");
  ctrace__ju(o, "blocks", a->mem.live_blocks);
  ctrace__ju(o, "bytes", a->mem.alloc);
  ctrace__ju(o, "sites_dropped", a->leaks_dropped);
  ctrace__jopen(o, "sites", "[");
  for (i = 0; i < a->n_leaks; i++) ctrace__json_site(o, &a->sites_by[CTRACE_BY_LIVE_BYTES][i]);
  ctrace__out_s(o, "]}");
}

static void ctrace__json_rest(ctrace__out *o, const ctrace_analysis *a) {
  uint32_t i;
  ctrace__jopen(o, "counters", "[");
  for (i = 0; i < a->n_counters; i++) {
    const ctrace_counter_stats *c = &a->counters[i];
    ctrace__jopen(o, NULL, "{");
    ctrace__js(o, "name", c->name);
    ctrace__ju(o, "count", c->count);
    if (c->is_float) {
      ctrace__jd(o, "min", c->min);
      ctrace__jd(o, "max", c->max);
      ctrace__jd(o, "last", c->last);
    } else { /* integers stay integers, exactly */
      ctrace__ji(o, "min", c->imin);
      ctrace__ji(o, "max", c->imax);
      ctrace__ji(o, "last", c->ilast);
    }
    ctrace__jd(o, "mean", c->mean);
    ctrace__out_s(o, "}");
  }
  ctrace__out_s(o, "]");
  ctrace__jopen(o, "problems", "[");
  for (i = 0; i < a->n_problems; i++) {
    const ctrace_problem *p = &a->problems[i];
    ctrace__jopen(o, NULL, "{");
    ctrace__js(o, "kind", ctrace_problem_kind_name(p->kind));
    ctrace__js(o, "what", p->what);
    ctrace__ju(o, "count", p->count);
    ctrace__ji(o, "first_ns", p->first_ns);
    ctrace__ju(o, "thread", p->thread);
    ctrace__js(o, "file", p->file ? p->file : "");
    ctrace__ju(o, "line", p->line);
    ctrace__out_s(o, "}");
  }
  ctrace__out_s(o, "]");
  ctrace__jopen(o, "logs", "{");
  ctrace__ju(o, "count", a->sum.logs);
  ctrace__ju(o, "kept", a->n_logs);
  ctrace__ju(o, "dropped", a->sum.logs_dropped);
  ctrace__out_s(o, "}");
  ctrace__jopen(o, "folded", "{");
  ctrace__ju(o, "zones", a->sum.zones_folded);
  ctrace__ju(o, "tasks", a->sum.tasks_folded);
  ctrace__ju(o, "counters", a->sum.counters_folded);
  ctrace__ju(o, "sites", a->sum.sites_folded);
  ctrace__ju(o, "flame", a->sum.flame_folded);
  ctrace__ju(o, "too_deep", a->sum.too_deep);
  ctrace__out_s(o, "}");
}

/* "long_strings", each whole, last: the rows before named them by index. */
static void ctrace__json_longs(ctrace__out *o, ctrace__longs *t) {
  uint32_t i;
  o->longs = NULL;
  ctrace__jopen(o, "long_strings", "[");
  for (i = 0; i < t->n; i++) {
    ctrace__jsep(o);
    ctrace__jstr(o, t->s[i]);
  }
  ctrace__out_s(o, "]");
  CTRACE_MEM_FREE(t->slot);
  CTRACE_MEM_FREE((void *)t->s);
}

CTRACE_API int ctrace_stats_json(const ctrace_analysis *a, ctrace_write_fn write, void *user) {
  ctrace__out o;
  ctrace__longs longs;
  if (ctrace__out_begin(&o, a, write, user)) return CTRACE_E_INVALID;
  memset(&longs, 0, sizeof longs);
  o.longs = &longs;
  ctrace__out_s(&o, "{");
  ctrace__json_trace(&o, a);
  ctrace__json_threads(&o, a);
  ctrace__json_zones(&o, a);
  ctrace__json_memory(&o, a);
  ctrace__json_sites(&o, a);
  ctrace__json_stacks(&o, a);
  ctrace__json_rest(&o, a);
  ctrace__json_longs(&o, &longs);
  ctrace__out_s(&o, "}\n");
  return ctrace__out_end(&o);
}

/* ---- CSV ------------------------------------------------------------------------------------------------- */

/* A field a spreadsheet would run as a formula (OWASP's rule: it begins
   with = + - @ TAB or CR) gets a leading ' and quotes, so it stays text.
   Every row repeats its file, and names of functions repeat their object's
   path: both are cut as in the outputs that repeat names per event (16,000
   functions of an object with a 4 kB path made 127 MB from 324 kB). */
static void ctrace__csv_field(ctrace__out *o, const char *s) {
  int cut;
  size_t len = ctrace__name_out_len(s, &cut), i;
  int formula = len && strchr("=+-@\t\r", s[0]) != NULL, quote = formula;
  for (i = 0; i < len && !quote; i++) quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
  if (quote) ctrace__out_bytes(o, "\"", 1);
  if (formula) ctrace__out_bytes(o, "'", 1);
  ctrace__out_text(o, s, len, CTRACE__TX_CSV);
  if (cut) ctrace__out_s(o, "...[cut]");
  if (quote) ctrace__out_bytes(o, "\"", 1);
}

CTRACE_API int ctrace_export_csv(const ctrace_analysis *a, ctrace_write_fn write, void *user) {
  ctrace__out o;
  uint32_t i;
  if (ctrace__out_begin(&o, a, write, user)) return CTRACE_E_INVALID;
  ctrace__out_s(&o, "name,file,line,count,total_ns,self_ns,mean_ns,min_ns,p50_ns,p95_ns,max_ns\r\n");
  for (i = 0; i < a->zones.n; i++) {
    const ctrace_zone_stats *z = &a->zones.st[a->zone_order[i]];
    ctrace__csv_field(&o, z->name);
    ctrace__out_s(&o, ",");
    ctrace__csv_field(&o, z->file);
    ctrace__out_f(&o, ",%u,%llu,%lld,%lld,%lld,%lld,%lld,%lld,%lld\r\n", (unsigned)z->line,
                  (unsigned long long)z->count, (long long)z->total_ns, (long long)z->self_ns,
                  (long long)z->mean_ns, (long long)z->min_ns, (long long)z->p50_ns,
                  (long long)z->p95_ns, (long long)z->max_ns);
  }
  return ctrace__out_end(&o);
}

/* ---- folded stacks --------------------------------------------------------------------------------------- */

/* Every line repeats its whole stack, so the file grows with the square of
   the nesting: names are cut as in the other outputs that repeat them, and
   stacks at CTRACE__FOLDED_DEPTH frames, everything deeper counted in one
   "(deeper)" frame under its ancestor at that depth. */
#define CTRACE__FOLDED_DEPTH 64

static void ctrace__folded_name(ctrace__out *o, const char *name) {
  int cut;
  size_t n = ctrace__name_out_len(name, &cut);
  if (!*name) ctrace__out_s(o, "(unnamed)");
  else ctrace__out_text(o, name, n, CTRACE__TX_FOLDED);
  if (cut) ctrace__out_s(o, "...[cut]");
}

static void ctrace__folded_line(ctrace__out *o, const ctrace_analysis *a, uint32_t node,
                                uint64_t weight, uint32_t *path, int deeper) {
  uint32_t depth = 0, i;
  /* Walk up to the root, then print top-down. */
  while (node) {
    path[depth++] = node;
    node = a->flame[node].parent;
  }
  for (i = depth; i > 0; i--) {
    ctrace__folded_name(o, a->flame[path[i - 1]].name);
    if (i > 1) ctrace__out_bytes(o, ";", 1);
  }
  if (deeper) ctrace__out_s(o, ";(deeper)");
  ctrace__out_f(o, " %llu\n", (unsigned long long)weight);
}

/* One folded line per allocation call stack, outermost frame first. */
static int ctrace__folded_stacks(ctrace__out *o, const ctrace_analysis *a, int by_count) {
  uint32_t i, j;
  char name[512];
  for (i = 0; i < a->n_stacks_by[CTRACE_BY_BYTES] && !o->err; i++) {
    const ctrace_alloc_stack *st = &a->stacks_by[CTRACE_BY_BYTES][i];
    uint64_t w = by_count ? st->allocs : st->bytes;
    if (!w) continue;
    if (!st->depth) ctrace__out_s(o, "(no frames)");
    for (j = st->depth; j > 0; j--) {
      const char *c;
      ctrace__frame_name(&st->frames[j - 1], name, sizeof name);
      for (c = name; *c; c++)
        ctrace__out_bytes(o, *c == ';' ? ":" : (*c == '\n' || *c == '\r' || *c == '\t') ? " " : c, 1);
      if (j > 1) ctrace__out_s(o, ";");
    }
    ctrace__out_f(o, " %llu\n", (unsigned long long)w);
  }
  return ctrace__out_end(o);
}

CTRACE_API int ctrace_export_folded(const ctrace_analysis *a, int by_bytes, ctrace_write_fn write,
                                    void *user) {
  ctrace__out o;
  uint32_t i, max_depth = 0, *path;
  uint64_t *deeper = NULL; /* per node at the cut depth: the weight below it */
  if (ctrace__out_begin(&o, a, write, user)) return CTRACE_E_INVALID;
  if (by_bytes && a->n_stacks) return ctrace__folded_stacks(&o, a, by_bytes == CTRACE_FOLDED_COUNT);
  for (i = 0; i < a->n_flame; i++)
    if (a->flame[i].depth > max_depth) max_depth = a->flame[i].depth;
  path = (uint32_t *)CTRACE_MEM_ALLOC(((size_t)max_depth + 1) * sizeof *path);
  if (max_depth > CTRACE__FOLDED_DEPTH) {
    deeper = (uint64_t *)CTRACE_MEM_ALLOC((size_t)a->n_flame * sizeof *deeper);
    if (deeper) memset(deeper, 0, (size_t)a->n_flame * sizeof *deeper);
  }
  if (!path || (max_depth > CTRACE__FOLDED_DEPTH && !deeper)) {
    CTRACE_MEM_FREE(path);
    return CTRACE_E_NOMEM;
  }
  if (by_bytes && a->flame[0].bytes_self)
    ctrace__out_f(&o, "(no zone) %llu\n", (unsigned long long)a->flame[0].bytes_self);
  for (i = 1; i < a->n_flame && !o.err; i++) {
    const ctrace_flame_node *n = &a->flame[i];
    uint64_t w = by_bytes ? n->bytes_self : (uint64_t)n->self_ns;
    if (!w) continue;
    if (n->depth > CTRACE__FOLDED_DEPTH) {
      uint32_t up = i;
      while (a->flame[up].depth > CTRACE__FOLDED_DEPTH) up = a->flame[up].parent;
      deeper[up] = deeper[up] > UINT64_MAX - w ? UINT64_MAX : deeper[up] + w;
    } else {
      ctrace__folded_line(&o, a, i, w, path, 0);
    }
  }
  for (i = 1; deeper && i < a->n_flame && !o.err; i++)
    if (deeper[i]) ctrace__folded_line(&o, a, i, deeper[i], path, 1);
  CTRACE_MEM_FREE(deeper);
  CTRACE_MEM_FREE(path);
  return ctrace__out_end(&o);
}

/* ---- terminal summary ------------------------------------------------------------------------------------ */

static const char *ctrace__an_fmt_ns(char *buf, size_t size, int64_t ns) {
  double v = (double)ns;
  if (ns < 0) v = -v;
  if (v < 1e3) snprintf(buf, size, "%lld ns", (long long)ns);
  else if (v < 1e6) snprintf(buf, size, "%.2f us", (double)ns / 1e3);
  else if (v < 1e9) snprintf(buf, size, "%.2f ms", (double)ns / 1e6);
  else snprintf(buf, size, "%.3f s", (double)ns / 1e9);
  return buf;
}

static const char *ctrace__an_fmt_bytes(char *buf, size_t size, uint64_t b) {
  if (b < 1024) snprintf(buf, size, "%llu B", (unsigned long long)b);
  else if (b < 1024 * 1024) snprintf(buf, size, "%.1f KiB", (double)b / 1024);
  else if (b < (uint64_t)1 << 30) snprintf(buf, size, "%.1f MiB", (double)b / (1024.0 * 1024));
  else snprintf(buf, size, "%.2f GiB", (double)b / (1024.0 * 1024 * 1024));
  return buf;
}

static double ctrace__pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

/* A name from the trace for a terminal: no control bytes (no escape
   sequences), valid UTF-8, at most max bytes. */
static void ctrace__term_name(ctrace__out *o, const char *s, size_t max) {
  size_t len = strlen(s), keep = ctrace__utf8_cut(s, len, max);
  ctrace__out_text(o, s, keep, CTRACE__TX_TERM);
  if (keep < len) ctrace__out_s(o, "...");
}

/* ":LINE" after a file, or "" when the line is unknown (0): a function with
   no line table shows its object alone, never "path:0". */
static const char *ctrace__line_suffix(char b[16], uint32_t line) {
  b[0] = 0;
  if (line) snprintf(b, 16, ":%u", (unsigned)line);
  return b;
}

static void ctrace__term_site(ctrace__out *o, const char *file, uint32_t line) {
  if (!*file) return;
  ctrace__out_s(o, " (");
  ctrace__term_name(o, file, 60);
  if (line) ctrace__out_f(o, ":%u", (unsigned)line); /* 0: no line known (a function with no line table) */
  ctrace__out_s(o, ")");
}

/* "waits on: a 1.2 s (40), b 3 ms (2)" under a thread that waited. */
static void ctrace__text_wait_by(ctrace__out *o, const ctrace_thread_stats *t) {
  uint32_t k;
  char b[32];
  if (!t->n_wait_by) return;
  ctrace__out_s(o, "             waited on:");
  for (k = 0; k < t->n_wait_by; k++) {
    ctrace__out_s(o, k ? ", " : " ");
    ctrace__term_name(o, t->wait_by[k].what, 40);
    ctrace__out_f(o, " %s (%llu)", ctrace__an_fmt_ns(b, sizeof b, t->wait_by[k].ns),
                  (unsigned long long)t->wait_by[k].count);
  }
  ctrace__out_s(o, "\n");
}

static void ctrace__text_header(ctrace__out *o, const ctrace_analysis *a) {
  const ctrace_summary *s = &a->sum;
  char b1[32], b2[32], b3[32];
  uint32_t i;
  ctrace__out_s(o, "program   ");
  ctrace__term_name(o, s->info.program[0] ? s->info.program : "(unknown)", 120);
  ctrace__out_f(o, "  pid %u\n", (unsigned)s->info.pid);
  ctrace__out_f(o, "duration  %s   events %llu   threads %u of the program (%u in all)   file %s\n",
                ctrace__an_fmt_ns(b1, sizeof b1, s->duration_ns), (unsigned long long)s->events,
                (unsigned)s->program_threads, (unsigned)s->threads, ctrace__an_fmt_bytes(b2, sizeof b2, s->info.file_size));
  if (s->damaged)
    ctrace__out_f(o, "WARNING   the trace is damaged: %llu chunk(s) skipped, %llu byte(s) lost%s%s\n",
                  (unsigned long long)s->info.chunks_bad, (unsigned long long)s->info.bytes_lost,
                  s->info.truncated ? ", cut short" : "", s->read_error ? ", read error" : "");
  if (s->events_lost)
    ctrace__out_f(o, "WARNING   %llu event(s) were lost while recording\n",
                  (unsigned long long)s->events_lost);
  if (s->info.crashed) ctrace__out_f(o, "WARNING   the program died of signal %d\n", s->info.crash_signal);
  if (s->info.contradictions)
    ctrace__out_f(o, "WARNING   the trace contradicts itself %llu time(s); what could not be used was set aside\n",
                  (unsigned long long)s->info.contradictions);
  if (s->overflowed)
    ctrace__out_f(o, "WARNING   overflowed: some totals passed 2^64 (2^63 for times) and show that limit\n");
  ctrace__out_f(o, "\nthreads (%u of the program; on CPU: %s)\n      id  events     zones    in zones      on CPU"
                   "      waited  held by GC  name\n", (unsigned)s->program_threads,
                s->cpu_samples ? "CPU time between its first and last CPU sample"
                               : "not recorded in this trace");
  for (i = 0; i < a->n_threads; i++) {
    const ctrace_thread_stats *t = &a->threads_sorted[i];
    ctrace__out_f(o, "  %6u  %6llu  %8llu  %10s  %10s  %10s  ", (unsigned)t->id, (unsigned long long)t->events,
                  (unsigned long long)t->zones, ctrace__an_fmt_ns(b1, sizeof b1, t->busy_ns),
                  t->has_cpu ? ctrace__an_fmt_ns(b3, sizeof b3, t->cpu_ns) : "-",
                  ctrace__an_fmt_ns(b2, sizeof b2, t->wait_ns));
    if (t->role == CTRACE_ROLE_PROGRAM) ctrace__out_f(o, "%10s  ", ctrace__an_fmt_ns(b2, sizeof b2, t->gc_held_ns));
    else ctrace__out_s(o, "         -  ");
    ctrace__term_name(o, t->name[0] ? t->name : "(unnamed)", 60);
    if (t->role != CTRACE_ROLE_PROGRAM)
      ctrace__out_s(o, t->role == CTRACE_ROLE_TRACER ? " (ctrace's own)" : " (collector)");
    ctrace__out_s(o, "\n");
    ctrace__text_wait_by(o, t);
  }
}

static void ctrace__text_zones(ctrace__out *o, const ctrace_analysis *a, int key, uint32_t *idx) {
  uint32_t n = ctrace_analysis_zone_order(a, key, idx, 15), i;
  double all = (double)a->flame[0].total_ns, run = 0;
  char b[5][32];
  if (!a->zones.n) return;
  ctrace__out_f(o, "\nzones by %s time (top %u of %u; 100%% = %s, every zone's self time summed)\n",
                key == CTRACE_ZONE_BY_SELF ? "self" : "total", (unsigned)n, (unsigned)a->zones.n,
                ctrace__an_fmt_ns(b[0], sizeof b[0], a->flame[0].total_ns));
  ctrace__out_s(o, "        self  self%   sum%        total total%    count         mean"
                   "          p95          max  self on CPU  zone\n");
  for (i = 0; i < n; i++) {
    const ctrace_zone_stats *z = &a->zones.st[idx[i]];
    run += (double)z->self_ns; /* sum% is the running self%, as in pprof: totals nest, so theirs would pass 100% */
    ctrace__out_f(o, "  %10s %5.1f%% %5.1f%% %12s %5.1f%% %8llu %12s %12s %12s  ",
                  ctrace__an_fmt_ns(b[0], sizeof b[0], z->self_ns), ctrace__pct((double)z->self_ns, all),
                  ctrace__pct(run, all), ctrace__an_fmt_ns(b[1], sizeof b[1], z->total_ns),
                  ctrace__pct((double)z->total_ns, all), (unsigned long long)z->count,
                  ctrace__an_fmt_ns(b[2], sizeof b[2], z->mean_ns),
                  ctrace__an_fmt_ns(b[3], sizeof b[3], z->p95_ns),
                  ctrace__an_fmt_ns(b[4], sizeof b[4], z->max_ns));
    ctrace__out_f(o, "%11s  ", z->sampled_self_ns > 0 ? ctrace__an_fmt_ns(b[0], sizeof b[0], z->cpu_self_ns) : "-");
    ctrace__term_name(o, z->name, 60);
    ctrace__term_site(o, z->file, z->line);
    if (z->unfinished) ctrace__out_f(o, " [%llu unfinished]", (unsigned long long)z->unfinished);
    if (ctrace_zone_mostly_waited(z)) ctrace__out_s(o, " [mostly waiting]");
    ctrace__out_s(o, "\n");
  }
}

static void ctrace__text_sites(ctrace__out *o, const char *title, const ctrace_alloc_site *s,
                               uint32_t n, int live) {
  uint32_t i;
  char b[32];
  if (!n) return;
  ctrace__out_f(o, "  %s\n", title);
  for (i = 0; i < n && i < 10; i++) {
    ctrace__out_f(o, "    %12s %10llu blocks  ",
                  ctrace__an_fmt_bytes(b, sizeof b, live ? s[i].live_bytes : s[i].bytes),
                  (unsigned long long)(live ? s[i].live_blocks : s[i].allocs));
    ctrace__term_name(o, s[i].file[0] ? s[i].file : "(no site)", 60);
    if (s[i].line) ctrace__out_f(o, ":%u", (unsigned)s[i].line);
    if (s[i].zone[0]) {
      ctrace__out_s(o, " in ");
      ctrace__term_name(o, s[i].zone, 40);
    }
    ctrace__out_s(o, "\n");
  }
}

static void ctrace__text_stacks(ctrace__out *o, const char *title, const ctrace_alloc_stack *st, uint32_t n,
                                int order) {
  uint32_t i, j;
  char b[32], name[512];
  if (!n) return;
  ctrace__out_f(o, "  %s\n", title);
  for (i = 0; i < n && i < 5; i++) {
    uint64_t bytes = order == CTRACE_BY_LIVE_BYTES ? st[i].live_bytes : order == CTRACE_BY_PEAK_BYTES ? st[i].peak_bytes
                                                                                                    : st[i].bytes;
    ctrace__out_f(o, "    %12s %10llu blocks%s\n", ctrace__an_fmt_bytes(b, sizeof b, bytes),
                  (unsigned long long)(order == CTRACE_BY_LIVE_BYTES ? st[i].live_blocks : st[i].allocs),
                  order == CTRACE_BY_PEAK_BYTES ? " allocated (bytes: held at the peak)" : "");
    for (j = 0; j < st[i].depth && j < 8; j++) {
      ctrace__out_s(o, "        ");
      ctrace__term_name(o, ctrace__frame_name(&st[i].frames[j], name, sizeof name), 100);
      ctrace__out_s(o, "\n");
    }
    if (st[i].depth > 8) ctrace__out_f(o, "        ... %u more frames\n", (unsigned)(st[i].depth - 8));
  }
}

/* Allocations by call stack (traces of ctrace run). */
static void ctrace__text_alloc_stacks(ctrace__out *o, const ctrace_analysis *a) {
  if (!a->n_stacks) return;
  ctrace__out_f(o, "\nallocations by call stack (%u stacks", (unsigned)a->n_stacks);
  if (a->sum.info.stacks_cut) ctrace__out_f(o, ", %u cut at the depth limit", (unsigned)a->sum.info.stacks_cut);
  ctrace__out_s(o, ")\n");
  if (a->mem.frees_before)
    ctrace__out_f(o, "  %llu frees of blocks allocated before the recording began (not counted)\n",
                  (unsigned long long)a->mem.frees_before);
  ctrace__text_stacks(o, "top stacks by bytes", a->stacks_by[CTRACE_BY_BYTES], a->n_stacks_by[CTRACE_BY_BYTES],
                      CTRACE_BY_BYTES);
  ctrace__text_stacks(o, "top stacks by count", a->stacks_by[CTRACE_BY_COUNT], a->n_stacks_by[CTRACE_BY_COUNT],
                      CTRACE_BY_COUNT);
  ctrace__text_stacks(o, "top stacks by bytes held at the peak", a->stacks_by[CTRACE_BY_PEAK_BYTES],
                      a->n_stacks_by[CTRACE_BY_PEAK_BYTES], CTRACE_BY_PEAK_BYTES);
  ctrace__text_stacks(o, "leaks by stack (live at the end)", a->stacks_by[CTRACE_BY_LIVE_BYTES],
                      a->n_stacks_by[CTRACE_BY_LIVE_BYTES], CTRACE_BY_LIVE_BYTES);
}

static void ctrace__text_memory(ctrace__out *o, const ctrace_analysis *a) {
  const ctrace_mem_summary *m = &a->mem;
  char b1[32], b2[32];
  if (!m->mallocs && !m->has_rss) return;
  ctrace__out_s(o, "\nmemory at the end (Go's runtime.MemStats names)\n");
  ctrace__out_f(o, "  Alloc       %llu (%s)\n", (unsigned long long)m->alloc,
                ctrace__an_fmt_bytes(b1, sizeof b1, m->alloc));
  ctrace__out_f(o, "  TotalAlloc  %llu (%s)\n", (unsigned long long)m->total_alloc,
                ctrace__an_fmt_bytes(b1, sizeof b1, m->total_alloc));
  ctrace__out_f(o, "  HeapAlloc   %llu (%s)\n", (unsigned long long)m->heap_alloc,
                ctrace__an_fmt_bytes(b1, sizeof b1, m->heap_alloc));
  ctrace__out_f(o, "  Mallocs     %llu   Frees %llu\n", (unsigned long long)m->mallocs,
                (unsigned long long)m->frees);
  ctrace__out_f(o, "  NumGC       %u\n", (unsigned)m->num_gc);
  ctrace__out_f(o, "  peak        %llu (%s) at %s", (unsigned long long)m->peak_alloc,
                ctrace__an_fmt_bytes(b1, sizeof b1, m->peak_alloc),
                ctrace__an_fmt_ns(b2, sizeof b2, m->peak_time_ns));
  if (m->peak_count > 1) ctrace__out_f(o, " (first of %u)", (unsigned)m->peak_count);
  ctrace__out_s(o, "\n");
  if (m->has_rss)
    ctrace__out_f(o, "  resident    %s at the end, %s at most\n",
                  ctrace__an_fmt_bytes(b1, sizeof b1, m->rss_last),
                  ctrace__an_fmt_bytes(b2, sizeof b2, m->rss_peak));
  if (a->gc.count)
    ctrace__out_f(o, "  died young  %llu allocations (%.1f%%), freed by the first collection after them\n",
                  (unsigned long long)m->died_young_allocs,
                  ctrace__pct((double)m->died_young_allocs, (double)m->mallocs));
  else
    ctrace__out_f(o, "  temporary   %llu allocations (%.1f%%), freed before their thread allocated again\n",
                  (unsigned long long)m->temporary_allocs,
                  ctrace__pct((double)m->temporary_allocs, (double)m->mallocs));
  ctrace__out_f(o, "  leaked      %llu blocks, %s still live at the end, from %u site(s)\n",
                (unsigned long long)m->live_blocks, ctrace__an_fmt_bytes(b1, sizeof b1, m->alloc),
                (unsigned)(a->n_leaks + a->leaks_dropped));
  ctrace__text_sites(o, "top allocation sites by bytes", a->sites_by[CTRACE_BY_BYTES], a->n_sites, 0);
  ctrace__text_sites(o, "top leaking sites (live at the end)", a->sites_by[CTRACE_BY_LIVE_BYTES],
                     a->n_leaks, 1);
}

static void ctrace__text_rest(ctrace__out *o, const ctrace_analysis *a) {
  const ctrace_gc_stats *g = &a->gc;
  char b[4][32];
  uint32_t i;
  if (g->count) {
    ctrace__out_f(o, "\ncollections\n  %llu collections (%llu unfinished), lasting %s in all, %.2f%% of "
                     "the time\n  longest %s, mean %s, p95 %s\n",
                  (unsigned long long)g->count, (unsigned long long)g->unfinished,
                  ctrace__an_fmt_ns(b[0], sizeof b[0], g->pause_total_ns), 100.0 * g->share,
                  ctrace__an_fmt_ns(b[1], sizeof b[1], g->pause_max_ns),
                  ctrace__an_fmt_ns(b[2], sizeof b[2], g->pause_mean_ns),
                  ctrace__an_fmt_ns(b[3], sizeof b[3], g->p95_ns));
    if (!a->sum.program_threads || !g->waits)
      ctrace__out_s(o, "  no waits recorded by the program's threads: how long collections held them up is "
                       "not known (CTRACE_WAIT)\n");
    else
      ctrace__out_f(o, "  the program's %u thread(s) were held up %s by collections (%s of waiting in all)\n",
                    (unsigned)a->sum.program_threads, ctrace__an_fmt_ns(b[0], sizeof b[0], g->held_ns),
                    ctrace__an_fmt_ns(b[1], sizeof b[1], g->wait_ns));
    if (g->held_dropped)
      ctrace__out_f(o, "  (%llu held stretch(es) left out of the curve below)\n", (unsigned long long)g->held_dropped);
    if (a->n_mmu && (g->waits || g->held_ns)) {
      ctrace__out_s(o, "  minimum mutator utilization (worst share of a window the program ran):\n");
      for (i = 0; i < a->n_mmu; i++)
        ctrace__out_f(o, "    %12s  %5.1f%%\n", ctrace__an_fmt_ns(b[0], sizeof b[0], a->mmu[i].window_ns),
                      100.0 * a->mmu[i].utilization);
    }
  }
  if (a->n_counters) ctrace__out_s(o, "\ncounters\n         count          min          max         last  name\n");
  for (i = 0; i < a->n_counters; i++) {
    const ctrace_counter_stats *c = &a->counters[i];
    if (c->is_float)
      ctrace__out_f(o, "  %12llu %12.6g %12.6g %12.6g  ", (unsigned long long)c->count, c->min, c->max,
                    c->last);
    else
      ctrace__out_f(o, "  %12llu %12lld %12lld %12lld  ", (unsigned long long)c->count, (long long)c->imin,
                    (long long)c->imax, (long long)c->ilast);
    ctrace__term_name(o, c->name, 60);
    ctrace__out_s(o, "\n");
  }
  if (a->n_problems) ctrace__out_s(o, "\ntrace problems\n");
  for (i = 0; i < a->n_problems; i++) {
    ctrace__out_f(o, "  %10llu  ", (unsigned long long)a->problems[i].count);
    ctrace__term_name(o, a->problems[i].what, 80);
    if (a->problems[i].file && a->problems[i].file[0]) {
      ctrace__out_s(o, " at ");
      ctrace__term_name(o, a->problems[i].file, 120);
      ctrace__out_f(o, ":%u", (unsigned)a->problems[i].line);
    }
    ctrace__out_s(o, "\n");
  }
  if (a->sum.logs)
    ctrace__out_f(o, "\nlog messages: %llu\n", (unsigned long long)a->sum.logs);
}

CTRACE_API int ctrace_stats_text(const ctrace_analysis *a, ctrace_write_fn write, void *user) {
  ctrace__out o;
  uint32_t idx[15];
  if (ctrace__out_begin(&o, a, write, user)) return CTRACE_E_INVALID;
  ctrace__text_header(&o, a);
  ctrace__text_zones(&o, a, CTRACE_ZONE_BY_TOTAL, idx);
  ctrace__text_zones(&o, a, CTRACE_ZONE_BY_SELF, idx);
  ctrace__text_memory(&o, a);
  ctrace__text_alloc_stacks(&o, a);
  ctrace__text_rest(&o, a);
  return ctrace__out_end(&o);
}
/* <<analysis ---------------------------------------------------------------- */
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
  float used_h;          /* how far down a chart drew (the PNG is cut there); 0 = all */
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

/* >>draw:sink ----------------------------------------------------------------
   Numbers, HTML and script-safe JSON for the sink (>>out) the report and
   SVG write through. */
static CTRACE__MAYBE_UNUSED void ctrace__sink_int(ctrace__sink *o, int64_t v) {
  char tmp[24];
  int i = 24;
  uint64_t u = ctrace__magnitude(v);
  do { tmp[--i] = (char)('0' + (int)(u % 10u)); u /= 10u; } while (u);
  if (v < 0) tmp[--i] = '-';
  ctrace__sink_bytes(o, tmp + i, (size_t)(24 - i));
}

/* A coordinate with one decimal, without printf: layouts emit hundreds of
   thousands of them. Non-finite values become 0 so the SVG stays valid. */
static CTRACE__MAYBE_UNUSED void ctrace__sink_num(ctrace__sink *o, double v) {
  int64_t tenths;
  if (!(v == v) || v > 1e15 || v < -1e15) v = 0;
  tenths = (int64_t)(v * 10.0 + (v < 0 ? -0.5 : 0.5));
  if (tenths < 0) { ctrace__sink_bytes(o, "-", 1); tenths = -tenths; }
  ctrace__sink_int(o, tenths / 10);
  if (tenths % 10) {
    char d[2];
    d[0] = '.';
    d[1] = (char)('0' + (int)(tenths % 10));
    ctrace__sink_bytes(o, d, 2);
  }
}

/* ctrace__utf8 over [p, end): the length (1..4) of the character at p with
   its code point, or minus the number of bytes one U+FFFD replaces. */
static CTRACE__MAYBE_UNUSED int ctrace__utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
  size_t bad = 1, n = ctrace__utf8(p, (size_t)(end - p), cp, &bad);
  return n ? (int)n : -(int)bad;
}

/* Text for HTML/SVG content and attribute values: markup characters become
   entities, invalid UTF-8 and control characters become U+FFFD, so nothing a
   trace holds can open a tag, end an attribute or break the parser. */
static CTRACE__MAYBE_UNUSED void ctrace__sink_html_n(ctrace__sink *o, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
  char vis[20];
  while (p < end) {
    uint32_t cp = 0;
    int len = (*p >= 0x20u && *p < 0x7fu && *p != '<' && *p != '>' && *p != '&' && *p != '"' &&
               *p != '\'') ? 1 : ctrace__utf8_decode(p, end, &cp);
    const char *rep = NULL;
    if (len == 1 && *p >= 0x20u && *p < 0x7fu && *p != '<' && *p != '>' && *p != '&' &&
        *p != '"' && *p != '\'') { ++p; continue; }
    if (len <= 0) rep = "\xef\xbf\xbd";
    else if (cp == '<') rep = "&lt;";
    else if (cp == '>') rep = "&gt;";
    else if (cp == '&') rep = "&amp;";
    else if (cp == '"') rep = "&quot;";
    else if (cp == '\'') rep = "&#39;";
    else if (cp == '\t' || cp == '\n') rep = NULL;
    else if (cp < 0x20u || (cp >= 0x7fu && cp < 0xa0u) || cp == 0xfffeu || cp == 0xffffu)
      rep = "\xef\xbf\xbd";
    else if (ctrace__invisible_cp(cp)) {
      ctrace__invisible_text(vis + 3, cp); /* &lt;U+XXXX&gt; */
      memcpy(vis, "&lt", 3);
      vis[3] = ';';
      memcpy(vis + 10, "&gt;", 5);
      rep = vis;
    }
    if (rep) {
      ctrace__sink_bytes(o, run, (size_t)(p - run));
      ctrace__sink_str(o, rep);
      p += len > 0 ? len : -len;
      run = p;
    } else {
      p += len;
    }
  }
  ctrace__sink_bytes(o, run, (size_t)(p - run));
}

static CTRACE__MAYBE_UNUSED void ctrace__sink_html(ctrace__sink *o, const char *s) {
  if (s) ctrace__sink_html_n(o, s, strlen(s));
}

/* A JSON string literal that is also safe inside an HTML <script> element:
   <, > and & are \u-escaped (no "</script>" or "<!--" can form), as are
   U+2028/U+2029 and control characters; invalid UTF-8 becomes U+FFFD. */
static CTRACE__MAYBE_UNUSED void ctrace__sink_json_n(ctrace__sink *o, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
  ctrace__sink_bytes(o, "\"", 1);
  while (p < end) {
    uint32_t cp = 0;
    int len;
    char esc[8];
    if (*p >= 0x20u && *p < 0x7fu && *p != '"' && *p != '\\' && *p != '<' && *p != '>' &&
        *p != '&') { ++p; continue; }
    len = ctrace__utf8_decode(p, end, &cp);
    if (len > 1 && cp != 0x2028u && cp != 0x2029u && !ctrace__invisible_cp(cp)) { p += len; continue; }
    ctrace__sink_bytes(o, run, (size_t)(p - run));
    if (len <= 0) { ctrace__sink_str(o, "\\ufffd"); p += -len; run = p; continue; }
    if (ctrace__invisible_cp(cp)) { /* the page shows the text as "<U+202E>", escaped for the script */
      char vis[16];
      ctrace__invisible_text(vis, cp);
      ctrace__sink_str(o, "\\u003c");
      ctrace__sink_bytes(o, vis + 1, 6);
      ctrace__sink_str(o, "\\u003e");
      p += len;
      run = p;
      continue;
    }
    if (cp == '"') ctrace__sink_str(o, "\\\"");
    else if (cp == '\\') ctrace__sink_str(o, "\\\\");
    else if (cp == '\n') ctrace__sink_str(o, "\\n");
    else if (cp == '\t') ctrace__sink_str(o, "\\t");
    else {
      esc[0] = '\\'; esc[1] = 'u';
      esc[2] = hex[(cp >> 12) & 15u]; esc[3] = hex[(cp >> 8) & 15u];
      esc[4] = hex[(cp >> 4) & 15u]; esc[5] = hex[cp & 15u];
      ctrace__sink_bytes(o, esc, 6);
    }
    p += len;
    run = p;
  }
  ctrace__sink_bytes(o, run, (size_t)(p - run));
  ctrace__sink_bytes(o, "\"", 1);
}

static CTRACE__MAYBE_UNUSED void ctrace__sink_json(ctrace__sink *o, const char *s) {
  ctrace__sink_json_n(o, s ? s : "", s ? strlen(s) : 0);
}

/* >>draw:svg ----------------------------------------------------------------
   The SVG backend. Colours are 0xRRGGBBAA; SVG gets #rrggbb plus an opacity
   attribute when the colour is not opaque. */
static void ctrace__svg_paint(ctrace__sink *o, const char *attr, uint32_t rgba) {
  static const char hex[] = "0123456789abcdef";
  char col[8];
  uint32_t a = rgba & 0xffu;
  int i;
  ctrace__sink_fmt(o, " %s=\"", attr);
  if (a == 0) { ctrace__sink_str(o, "none\""); return; }
  col[0] = '#';
  for (i = 0; i < 6; ++i) col[1 + i] = hex[(rgba >> (28 - 4 * i)) & 15u];
  col[7] = '"';
  ctrace__sink_bytes(o, col, 8);
  if (a != 0xffu) ctrace__sink_fmt(o, " %s-opacity=\"%.2f\"", attr, (double)a / 255.0);
}

static void ctrace__svg_xy(ctrace__sink *o, const char *a, double v) {
  ctrace__sink_fmt(o, " %s=\"", a);
  ctrace__sink_num(o, v);
  ctrace__sink_bytes(o, "\"", 1);
}

/* Text with "us" after a number written as "µs", escaped for HTML: the
   layouts and the raster font are ASCII, the page is not. */
static CTRACE__MAYBE_UNUSED void ctrace__sink_html_units(ctrace__sink *o, const char *s) {
  const char *run = s, *p = s;
  for (; *p; ++p)
    if (p > s && p[0] == ' ' && p[1] == 'u' && p[2] == 's' && p[-1] >= '0' && p[-1] <= '9' &&
        !((p[3] >= 'a' && p[3] <= 'z') || (p[3] >= 'A' && p[3] <= 'Z'))) {
      ctrace__sink_html_n(o, run, (size_t)(p - run));
      ctrace__sink_str(o, " \xc2\xb5s");
      p += 2;
      run = p + 1;
    }
  ctrace__sink_html_n(o, run, (size_t)(p - run));
}

static void ctrace__svg_shape(const ctrace__canvas *c, const ctrace__shape *s, ctrace__sink *o) {
  const char *tag = "rect";
  uint32_t i;
  switch (s->kind) {
  case CTRACE__SH_RECT:
    ctrace__sink_str(o, "<rect");
    ctrace__svg_xy(o, "x", s->x); ctrace__svg_xy(o, "y", s->y);
    ctrace__svg_xy(o, "width", s->w); ctrace__svg_xy(o, "height", s->h);
    ctrace__svg_paint(o, "fill", s->fill);
    break;
  case CTRACE__SH_LINE:
    tag = "line";
    ctrace__sink_str(o, "<line");
    ctrace__svg_xy(o, "x1", s->x); ctrace__svg_xy(o, "y1", s->y);
    ctrace__svg_xy(o, "x2", s->x + s->w); ctrace__svg_xy(o, "y2", s->y + s->h);
    break;
  case CTRACE__SH_POLY:
    tag = (s->fill & 0xffu) ? "polygon" : "polyline";
    ctrace__sink_fmt(o, "<%s points=\"", tag);
    for (i = 0; i < s->n_points; ++i) {
      const float *pt = c->points + 2u * (s->first_point + i);
      if (i) ctrace__sink_bytes(o, " ", 1);
      ctrace__sink_num(o, pt[0]);
      ctrace__sink_bytes(o, ",", 1);
      ctrace__sink_num(o, pt[1]);
    }
    ctrace__sink_bytes(o, "\"", 1);
    ctrace__svg_paint(o, "fill", s->fill);
    break;
  case CTRACE__SH_TEXT:
    tag = "text";
    ctrace__sink_str(o, "<text");
    ctrace__svg_xy(o, "x", s->x); ctrace__svg_xy(o, "y", s->y);
    ctrace__sink_fmt(o, " font-size=\"%u\"", (unsigned)s->font_px);
    if (s->anchor == CTRACE__AN_MIDDLE) ctrace__sink_str(o, " text-anchor=\"middle\"");
    else if (s->anchor == CTRACE__AN_END) ctrace__sink_str(o, " text-anchor=\"end\"");
    ctrace__svg_paint(o, "fill", s->fill);
    break;
  default:
    return;
  }
  if (s->kind != CTRACE__SH_TEXT && (s->stroke & 0xffu)) {
    ctrace__svg_paint(o, "stroke", s->stroke);
    ctrace__sink_str(o, " stroke-width=\"");
    ctrace__sink_num(o, s->stroke_w > 0 ? s->stroke_w : 1);
    ctrace__sink_bytes(o, "\"", 1);
  }
  if (s->group) {
    ctrace__sink_str(o, " data-g=\"");
    ctrace__sink_int(o, (int64_t)s->group);
    ctrace__sink_bytes(o, "\"", 1);
  }
  if (s->kind == CTRACE__SH_TEXT || s->title != CTRACE__NO_TEXT) {
    ctrace__sink_bytes(o, ">", 1);
    if (s->title != CTRACE__NO_TEXT && s->title < c->n_text && (!o->titles_until || o->total < o->titles_until)) {
      ctrace__sink_str(o, "<title>");
      ctrace__sink_html_units(o, c->text + s->title);
      ctrace__sink_str(o, "</title>");
    }
    if (s->kind == CTRACE__SH_TEXT && s->text < c->n_text) ctrace__sink_html_units(o, c->text + s->text);
    ctrace__sink_fmt(o, "</%s>\n", tag);
  } else {
    ctrace__sink_str(o, "/>\n");
  }
}

/* Writes the canvas as one <svg> element (for inline use in HTML or, with an
   XML declaration in front, as a file). css_class may be NULL. Returns 0 or
   the sink's error. */
static CTRACE__MAYBE_UNUSED int ctrace__canvas_to_svg(const ctrace__canvas *c, ctrace__sink *o, const char *css_class) {
  uint32_t i;
  ctrace__sink_str(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
  ctrace__sink_num(o, c->width);
  ctrace__sink_bytes(o, " ", 1);
  ctrace__sink_num(o, c->height);
  ctrace__sink_str(o, "\" width=\"");
  ctrace__sink_num(o, c->width);
  ctrace__sink_str(o, "\" height=\"");
  ctrace__sink_num(o, c->height);
  ctrace__sink_str(o, "\" font-family=\"monospace\" role=\"img\"");
  if (css_class) {
    ctrace__sink_str(o, " class=\"");
    ctrace__sink_html(o, css_class);
    ctrace__sink_bytes(o, "\"", 1);
  }
  ctrace__sink_str(o, ">\n");
  if (c->background & 0xffu) {
    ctrace__sink_str(o, "<rect width=\"100%\" height=\"100%\"");
    ctrace__svg_paint(o, "fill", c->background);
    ctrace__sink_str(o, "/>\n");
  }
  for (i = 0; i < c->n_shapes; ++i) ctrace__svg_shape(c, &c->shapes[i], o);
  ctrace__sink_str(o, "</svg>\n");
  return o->err;
}

/* snprintf that may cut: layouts size their buffers for legibility and
   cutting a long name is the intended behaviour, not an error. */
static CTRACE__MAYBE_UNUSED void ctrace__textf(char *buf, size_t n, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void ctrace__textf(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (vsnprintf(buf, n, fmt, ap) < 0 && n) buf[0] = '\0';
  va_end(ap);
}

/* >>draw:util ---------------------------------------------------------------
   Units, ticks and colours shared by every chart. Text in layouts is ASCII
   (the raster font's range), hence "us" for microseconds. */
static CTRACE__MAYBE_UNUSED void ctrace__fmt_ns(char *buf, size_t n, double ns) {
  double a = ns < 0 ? -ns : ns;
  if (a < 1e3) ctrace__textf(buf, n, "%.0f ns", ns);
  else if (a < 1e6) ctrace__textf(buf, n, "%.3g us", ns / 1e3);
  else if (a < 1e9) ctrace__textf(buf, n, "%.3g ms", ns / 1e6);
  else ctrace__textf(buf, n, "%.3g s", ns / 1e9);
}

/* Decimal units, so that the 50,000,000 bytes a program asked for read as
   "50 MB", the number in its source. */
static CTRACE__MAYBE_UNUSED void ctrace__fmt_bytes(char *buf, size_t n, double b) {
  double a = b < 0 ? -b : b;
  if (a < 1e3) ctrace__textf(buf, n, "%.0f B", b);
  else if (a < 1e6) ctrace__textf(buf, n, "%.3g kB", b / 1e3);
  else if (a < 1e9) ctrace__textf(buf, n, "%.3g MB", b / 1e6);
  else ctrace__textf(buf, n, "%.3g GB", b / 1e9);
}

/* An axis tick in the unit its axis's largest value (ref) reads in, so one
   axis never mixes "0 ns" with "ms". bytes: 0 = time in ns, 1 = bytes. */
static CTRACE__MAYBE_UNUSED void ctrace__fmt_tick(char *buf, size_t n, double v, double ref, int bytes) {
  static const char *const tu[4] = {"ns", "us", "ms", "s"}, *const bu[4] = {"B", "kB", "MB", "GB"};
  double a = ref < 0 ? -ref : ref, div = 1;
  int k = 0;
  while (k < 3 && a >= 1e3 * div) { div *= 1e3; k++; }
  ctrace__textf(buf, n, "%.3g %s", v / div, bytes ? bu[k] : tu[k]);
}

/* A time with three significant digits always ("17.0 ms" beside "17.1 ms"),
   for table columns, where trimmed zeros would read as less precise. */
static CTRACE__MAYBE_UNUSED void ctrace__fmt_ns3(char *buf, size_t n, double ns) {
  static const char *const tu[4] = {"ns", "us", "ms", "s"};
  double a = ns < 0 ? -ns : ns, div = 1, v;
  int k = 0;
  while (k < 3 && a >= 999.5 * div) { div *= 1e3; k++; }
  v = ns / div;
  if (k == 0) ctrace__textf(buf, n, "%.0f ns", ns);
  else ctrace__textf(buf, n, "%.*f %s", fabs(v) >= 99.95 ? 0 : fabs(v) >= 9.995 ? 1 : 2, v, tu[k]);
}

/* 2^k bytes in binary units, exact: the size bins are powers of two, and
   "32 MiB" reads as one where "33.6 MB" does not. */
static CTRACE__MAYBE_UNUSED void ctrace__fmt_pow2(char *buf, size_t n, unsigned k) {
  static const char *const u[7] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  ctrace__textf(buf, n, "%u %s", 1u << (k % 10u), u[k / 10u < 7u ? k / 10u : 6u]);
}

/* A tick step of 1, 2 or 5 times a power of ten giving about `ticks` ticks. */
static CTRACE__MAYBE_UNUSED double ctrace__nice_step(double range, int ticks) {
  double raw, p, f;
  if (!(range > 0)) return 1;
  raw = range / (ticks > 0 ? ticks : 1);
  p = pow(10.0, floor(log10(raw)));
  f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static CTRACE__MAYBE_UNUSED CTRACE__WRAPS uint32_t ctrace__hash_str(const char *s) {
  uint32_t h = 2166136261u;
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = 0;
  /* The first KiB is plenty for a colour, and keeps a chart of many spans
     of one very long name linear in the spans. */
  for (; *p && n < 1024; ++p, ++n) { h ^= *p; h *= 16777619u; }
  return h;
}

static CTRACE__MAYBE_UNUSED uint32_t ctrace__hsl(double hue, double sat, double light, uint32_t alpha) {
  double c = (1 - fabs(2 * light - 1)) * sat, hp = fmod(hue, 360.0) / 60.0;
  double x = c * (1 - fabs(fmod(hp, 2.0) - 1)), m = light - c / 2, r = 0, g = 0, b = 0;
  if (hp < 1) { r = c; g = x; } else if (hp < 2) { r = x; g = c; } else if (hp < 3) { g = c; b = x; }
  else if (hp < 4) { g = x; b = c; } else if (hp < 5) { r = x; b = c; } else { r = c; b = x; }
  return ((uint32_t)((r + m) * 255 + 0.5) << 24) | ((uint32_t)((g + m) * 255 + 0.5) << 16) |
         ((uint32_t)((b + m) * 255 + 0.5) << 8) | (alpha & 0xffu);
}

/* The same name always gets the same colour, in every chart and run, so a
   zone is recognisable across the timeline, the flame graph and two reports. */
static CTRACE__MAYBE_UNUSED uint32_t ctrace__name_colour(const char *name) {
  uint32_t h = ctrace__hash_str(name);
  /* hues 50-330 only: red is resident memory (and an unfinished zone's
     outline), orange a collection; a zone never looks like either */
  return ctrace__hsl((double)(50u + h % 281u), 0.45 + (double)((h >> 9) % 20u) / 100.0,
                     0.62 + (double)((h >> 17) % 12u) / 100.0, 0xffu);
}

/* A string cut to fit max_w pixels at font_px, ending in ".." when cut; ""
   when not even three characters fit. Cuts on code point boundaries. */
static CTRACE__MAYBE_UNUSED const char *ctrace__fit_text(char *buf, size_t n, const char *s, float max_w,
                                                         int font_px) {
  size_t fit = (size_t)(max_w / (0.6f * (float)font_px)), cps = 0, i = 0, cut = 0;
  const char *p = s ? s : "";
  if (fit < 3 || n < 8) { buf[0] = '\0'; return buf; }
  for (; p[i]; ++i) {
    if (((unsigned char)p[i] & 0xc0u) != 0x80u) {
      if (cps == fit - 2) cut = i;
      ++cps;
    }
  }
  if (cps <= fit && i < n) { memcpy(buf, p, i + 1); return buf; }
  if (cps <= fit) cut = n - 8;
  if (cut > n - 3) cut = n - 3;
  while (cut > 0 && ((unsigned char)p[cut] & 0xc0u) == 0x80u) --cut;
  memcpy(buf, p, cut);
  memcpy(buf + cut, "..", 3);
  return buf;
}

/* A plot area: maps time and a value range into pixels. */
typedef struct ctrace__frame {
  float x, y, w, h;          /* plot area in pixels */
  double t0, t1;             /* time range in ns */
  double v0, v1;             /* value range */
} ctrace__frame;

static CTRACE__MAYBE_UNUSED float ctrace__fx(const ctrace__frame *f, double t) {
  double span = f->t1 > f->t0 ? f->t1 - f->t0 : 1;
  return f->x + (float)((t - f->t0) / span * f->w);
}

static CTRACE__MAYBE_UNUSED float ctrace__fy(const ctrace__frame *f, double v) {
  double span = f->v1 > f->v0 ? f->v1 - f->v0 : 1;
  return f->y + f->h - (float)((v - f->v0) / span * f->h);
}

#define CTRACE__INK 0x222222ffu
#define CTRACE__GRID 0xe4e4e4ffu
#define CTRACE__MUTED 0x666666ffu
#define CTRACE__HEAP_FILL 0x4e79a7ffu
#define CTRACE__RSS_LINE 0xe15759ffu
#define CTRACE__GC_BAND 0xf28e2b40u
#define CTRACE__GC_FILL 0xf28e2bffu
#define CTRACE__BASE_LINE 0x59a14fffu
#define CTRACE__GOAL_LINE 0x303030ffu /* near black: purple is the waits' colour */
#define CTRACE__PEAK_MARK 0x222222ffu /* not red: red is resident memory */
#define CTRACE__LIVE_DOT 0x1b3a5cffu  /* what survived a collection */
#define CTRACE__READ_LINE 0x888888ffu /* the program read its statistics */
/* Every collection is a band at least this wide, with a gap between bands
   while they fit, so the bands can be counted. */
#define CTRACE__GC_MIN_PX 3.0f
/* The heap chart and the timeline share one time axis: the same left edge
   (room for thread names) and right margin, so a moment is at the same x in
   both (the page's script lines its timeline up with them too). */
#define CTRACE__TIME_LEFT 151.2f
#define CTRACE__TIME_RIGHT 12.0f

/* Time axis under a frame: grid lines, tick labels with units. */
static CTRACE__MAYBE_UNUSED void ctrace__axis_time(ctrace__canvas *c, const ctrace__frame *f, int font_px,
                                                   int grid) {
  double step = ctrace__nice_step(f->t1 - f->t0, (int)(f->w / 110.0f) + 1), t;
  char label[48];
  ctrace__canvas_line(c, f->x, f->y + f->h, f->x + f->w, f->y + f->h, CTRACE__INK, 1);
  for (t = ceil(f->t0 / step) * step; t <= f->t1 + step * 1e-9; t += step) {
    float x = ctrace__fx(f, t);
    if (grid) ctrace__canvas_line(c, x, f->y, x, f->y + f->h, CTRACE__GRID, 1);
    ctrace__canvas_line(c, x, f->y + f->h, x, f->y + f->h + 4, CTRACE__INK, 1);
    ctrace__fmt_tick(label, sizeof label, t, f->t1, 0);
    ctrace__canvas_text(c, x, f->y + f->h + 6 + (float)font_px, font_px, CTRACE__AN_MIDDLE,
                        CTRACE__INK, label);
  }
}

/* Bytes axis left of a frame. */
static CTRACE__MAYBE_UNUSED void ctrace__axis_bytes(ctrace__canvas *c, const ctrace__frame *f, int font_px) {
  double step = ctrace__nice_step(f->v1 - f->v0, (int)(f->h / 50.0f) + 1), v;
  char label[48];
  ctrace__canvas_line(c, f->x, f->y, f->x, f->y + f->h, CTRACE__INK, 1);
  for (v = ceil(f->v0 / step) * step; v <= f->v1 + step * 1e-9; v += step) {
    float y = ctrace__fy(f, v);
    ctrace__canvas_line(c, f->x, y, f->x + f->w, y, CTRACE__GRID, 1);
    ctrace__canvas_line(c, f->x - 4, y, f->x, y, CTRACE__INK, 1);
    ctrace__fmt_tick(label, sizeof label, v, f->v1, 1);
    ctrace__canvas_text(c, f->x - 6, y + (float)font_px * 0.35f, font_px, CTRACE__AN_END, CTRACE__INK,
                        label);
  }
}

/* A legend entry: a swatch and its words, returning the x after it. */
/* A label centred on x, moved in where it would run past the canvas's edge
   (the last tick of an axis, say). */
static CTRACE__MAYBE_UNUSED void ctrace__text_inside(ctrace__canvas *c, float x, float y, int font_px,
                                                    uint32_t colour, const char *s) {
  float half = ctrace__text_width(s, font_px) / 2;
  if (x + half > c->width - 2) x = c->width - 2 - half;
  if (x - half < 2) x = 2 + half;
  ctrace__canvas_text(c, x, y, font_px, CTRACE__AN_MIDDLE, colour, s);
}

static CTRACE__MAYBE_UNUSED float ctrace__legend(ctrace__canvas *c, float x, float y, int font_px,
                                                 uint32_t colour, int as_line, const char *words) {
  float s = (float)font_px;
  if (as_line) ctrace__canvas_line(c, x, y - s * 0.35f, x + s, y - s * 0.35f, colour, 2);
  else ctrace__canvas_rect(c, x, y - s * 0.8f, s, s * 0.8f, colour, 0, 0);
  ctrace__canvas_text(c, x + s * 1.4f, y, font_px, CTRACE__AN_START, CTRACE__INK, words);
  return x + s * 2.4f + ctrace__text_width(words, font_px);
}

/* A series as an outline, aggregated per pixel column so the shape stays
   exact at the chart's resolution whatever the number of points: each column
   keeps its highest value (peaks survive) and its last. xy receives the
   points (room for 4 per column + 4); returns how many. */
static CTRACE__MAYBE_UNUSED uint32_t ctrace__series_outline(const ctrace__frame *f,
                                                            const ctrace_series_point *s, uint32_t n,
                                                            float *xy, uint32_t room) {
  uint32_t k = 0, i;
  int col = -1;
  float col_max_y = 0, col_last_y = 0, col_x = 0;
  double prev_last = 0;
  int have_prev = 0;
#define CTRACE__PT(px, py) do { if (k < room) { xy[2*k] = (px); xy[2*k+1] = (py); ++k; } } while (0)
  for (i = 0; i < n; ++i) {
    float x0 = ctrace__fx(f, (double)s[i].t_ns), xm = ctrace__fx(f, (double)s[i].max_t_ns);
    float x1 = ctrace__fx(f, (double)s[i].t_end_ns);
    int c0 = (int)floorf(xm < -1e6f ? -1e6f : xm > 1e6f ? 1e6f : xm); /* damaged times stay castable */
    if (c0 != col) {
      if (col >= 0) { CTRACE__PT(col_x, col_max_y); CTRACE__PT(col_x + 0.5f, col_last_y); }
      if (have_prev) CTRACE__PT(x0, ctrace__fy(f, prev_last));
      CTRACE__PT(x0, ctrace__fy(f, s[i].first));
      col = c0;
      col_x = xm;
      col_max_y = ctrace__fy(f, s[i].max);
    } else if (ctrace__fy(f, s[i].max) < col_max_y) {
      col_max_y = ctrace__fy(f, s[i].max);
      col_x = xm;
    }
    col_last_y = ctrace__fy(f, s[i].last);
    prev_last = s[i].last;
    have_prev = 1;
    (void)x1;
  }
  if (col >= 0) {
    CTRACE__PT(col_x, col_max_y);
    CTRACE__PT(col_x + 0.5f, col_last_y);
  }
#undef CTRACE__PT
  return k;
}

/* >>draw:detail -------------------------------------------------------------
   What the timeline shows beyond the analysis's statistics, collected from
   the analysis callbacks in the same single pass, in memory bounded
   independently of the trace's length: the longest spans (candidates are
   appended until twice the budget, then a selection keeps the longest half
   and raises a floor, so most spans cost one comparison), a busy-time
   density per thread in bins that double in width as the trace grows, and
   the first instants and log messages as markers. */
#define CTRACE__DBINS 2048u
#define CTRACE__DMAX_THREADS 512u

typedef struct ctrace__dspan {
  int64_t start, end;
  uint32_t thread, depth;
  uint32_t zone;             /* zone index, or task index for tasks */
  uint32_t unfinished;
} ctrace__dspan;

typedef struct ctrace__dheap {
  ctrace__dspan *v;          /* candidates; at most 2 * max before a selection */
  uint32_t n, cap, max;
  int64_t floor;             /* spans this long or shorter cannot make the cut */
  uint64_t seen;
} ctrace__dheap;

typedef struct ctrace__dmark {
  int64_t t;
  uint32_t thread;
  uint32_t kind;             /* CTRACE_EV_INSTANT or CTRACE_EV_LOG */
  uint32_t text;             /* offset in the detail's text arena */
} ctrace__dmark;

typedef struct ctrace__detail {
  ctrace__dheap spans, tasks;
  ctrace__dheap waits;       /* outermost waits; zone = offset of their reason in text */
  struct { int64_t start; uint32_t depth, text; } open_wait[CTRACE__DMAX_THREADS];
  struct { const char *name; uint32_t text; } wait_names[32]; /* reasons copied once each */
  uint32_t n_wait_names;
  uint32_t thread_ids[CTRACE__DMAX_THREADS];
  float *busy;               /* [thread slot * CTRACE__DBINS + bin], ns */
  uint32_t n_threads;
  int64_t bin_w;             /* ns per density bin, a power of two */
  ctrace__dmark *marks;
  uint32_t n_marks, cap_marks, max_marks;
  uint64_t marks_seen;
  char *text;
  uint32_t n_text, cap_text;
  int oom;
  int finished;              /* ctrace__detail_finish() was called */
} ctrace__detail;

static CTRACE__MAYBE_UNUSED void ctrace__detail_init(ctrace__detail *d, uint32_t max_spans) {
  memset(d, 0, sizeof *d);
  d->spans.floor = d->tasks.floor = -1;
  d->spans.max = max_spans ? max_spans : 150000u;
  d->tasks.max = 20000u;
  d->waits.floor = -1;
  d->waits.max = 20000u;
  d->max_marks = 20000u;
  d->bin_w = 1024;
}

static CTRACE__MAYBE_UNUSED void ctrace__detail_free(ctrace__detail *d) {
  CTRACE_MEM_FREE(d->spans.v);
  CTRACE_MEM_FREE(d->tasks.v);
  CTRACE_MEM_FREE(d->waits.v);
  CTRACE_MEM_FREE(d->busy);
  CTRACE_MEM_FREE(d->marks);
  CTRACE_MEM_FREE(d->text);
  memset(d, 0, sizeof *d);
}

static int64_t ctrace__dspan_len(const ctrace__dspan *s) { return s->end - s->start; }

/* Rearranges v[0..n) so that v[0..k) hold the k longest spans. */
static void ctrace__dspan_select(ctrace__dspan *v, uint32_t n, uint32_t k) {
  uint32_t lo = 0, hi = n;
  while (hi - lo > 1u && k > lo && k < hi) {
    int64_t pivot = ctrace__dspan_len(&v[lo + (hi - lo) / 2u]);
    uint32_t lt = lo, gt = hi, m = lo;
    ctrace__dspan t;
    /* three-way partition: longer | as long as the pivot | shorter */
    while (m < gt) {
      int64_t len = ctrace__dspan_len(&v[m]);
      if (len > pivot) { t = v[m]; v[m] = v[lt]; v[lt] = t; ++lt; ++m; }
      else if (len < pivot) { --gt; t = v[m]; v[m] = v[gt]; v[gt] = t; }
      else ++m;
    }
    if (k < lt) hi = lt;
    else if (k > gt) lo = gt;
    else return;
  }
}

static void ctrace__dheap_cut(ctrace__dheap *h) {
  if (h->n <= h->max) return;
  ctrace__dspan_select(h->v, h->n, h->max);
  h->n = h->max;
  {
    uint32_t i;
    int64_t lo = ctrace__dspan_len(&h->v[0]);
    for (i = 1; i < h->n; ++i)
      if (ctrace__dspan_len(&h->v[i]) < lo) lo = ctrace__dspan_len(&h->v[i]);
    if (lo > h->floor) h->floor = lo;
  }
}

static void ctrace__dheap_push(ctrace__dheap *h, const ctrace__dspan *s, int *oom) {
  ++h->seen;
  if (h->max == 0 || ctrace__dspan_len(s) <= h->floor) return;
  if (h->n == h->cap) {
    uint32_t want = h->cap ? h->cap * 2u : 1024u;
    if (want > 2u * h->max) want = 2u * h->max;
    if (want <= h->n || ctrace__grow((void **)&h->v, &h->cap, want, sizeof(ctrace__dspan))) {
      if (h->n < 2u * h->max) { *oom = 1; return; }
    }
  }
  if (h->n == 2u * h->max) ctrace__dheap_cut(h);
  h->v[h->n++] = *s;
}

static uint32_t ctrace__detail_slot(ctrace__detail *d, uint32_t thread) {
  uint32_t i;
  for (i = 0; i < d->n_threads; ++i)
    if (d->thread_ids[i] == thread) return i;
  if (d->n_threads == CTRACE__DMAX_THREADS) return CTRACE_NONE;
  if (!d->busy) {
    d->busy = (float *)CTRACE_MEM_ALLOC(sizeof(float) * CTRACE__DBINS * CTRACE__DMAX_THREADS);
    if (!d->busy) { d->oom = 1; return CTRACE_NONE; }
  }
  memset(d->busy + (size_t)d->n_threads * CTRACE__DBINS, 0, sizeof(float) * CTRACE__DBINS);
  d->thread_ids[d->n_threads] = thread;
  return d->n_threads++;
}

/* Halve the resolution of every density row until t fits. */
static void ctrace__detail_fit(ctrace__detail *d, int64_t t) {
  while (t / (int64_t)CTRACE__DBINS >= d->bin_w && d->bin_w < ((int64_t)1 << 52)) {
    uint32_t s, b;
    for (s = 0; s < d->n_threads; ++s) {
      float *row = d->busy + (size_t)s * CTRACE__DBINS;
      for (b = 0; b < CTRACE__DBINS / 2u; ++b) row[b] = row[2u * b] + row[2u * b + 1u];
      memset(row + CTRACE__DBINS / 2u, 0, sizeof(float) * (CTRACE__DBINS / 2u));
    }
    d->bin_w *= 2;
  }
}

static void ctrace__detail_busy(ctrace__detail *d, uint32_t thread, int64_t a, int64_t b) {
  uint32_t slot = ctrace__detail_slot(d, thread);
  float *row;
  int64_t bin;
  if (slot == CTRACE_NONE || b <= a || a < 0) return;
  ctrace__detail_fit(d, b);
  row = d->busy + (size_t)slot * CTRACE__DBINS;
  for (bin = a / d->bin_w; bin < (int64_t)CTRACE__DBINS; ++bin) {
    int64_t lo = bin * d->bin_w, hi;
    if (lo >= b) break;
    hi = b - lo > d->bin_w ? lo + d->bin_w : b; /* no overflow near INT64_MAX */
    if (lo < a) lo = a;
    row[bin] += (float)(hi - lo);
  }
}

static CTRACE__MAYBE_UNUSED void ctrace__detail_on_span(void *user, const ctrace_span *s) {
  ctrace__detail *d = (ctrace__detail *)user;
  ctrace__dspan x;
  /* a damaged trace may carry any times; keep end - start computable */
  x.start = s->start_ns < 0 ? 0 : s->start_ns;
  x.end = s->end_ns < x.start ? x.start : s->end_ns;
  x.thread = s->thread; x.depth = s->depth;
  x.zone = s->zone; x.unfinished = (uint32_t)(s->unfinished != 0);
  ctrace__dheap_push(&d->spans, &x, &d->oom);
  if (s->depth == 0) ctrace__detail_busy(d, s->thread, x.start, x.end);
}

static CTRACE__MAYBE_UNUSED void ctrace__detail_on_task(void *user, const ctrace_span *s) {
  ctrace__detail *d = (ctrace__detail *)user;
  ctrace__dspan x;
  x.start = s->start_ns < 0 ? 0 : s->start_ns;
  x.end = s->end_ns < x.start ? x.start : s->end_ns;
  x.thread = s->thread; x.depth = 0;
  x.zone = s->zone; x.unfinished = (uint32_t)(s->unfinished != 0);
  ctrace__dheap_push(&d->tasks, &x, &d->oom);
}

static uint32_t ctrace__detail_text(ctrace__detail *d, const char *a, const char *b) {
  size_t la = strlen(a), lb = b ? strlen(b) : 0, n;
  uint32_t at;
  if (la > 120) la = 120;
  if (lb > 300) lb = 300;
  n = la + (b ? 2 + lb : 0) + 1;
  if (d->n_text + n > (1u << 22) ||
      ctrace__grow((void **)&d->text, &d->cap_text, d->n_text + (uint32_t)n, 1)) return CTRACE__NO_TEXT;
  at = d->n_text;
  memcpy(d->text + at, a, la);
  if (b) { memcpy(d->text + at + la, ": ", 2); memcpy(d->text + at + la + 2, b, lb); }
  d->text[at + n - 1] = '\0';
  d->n_text += (uint32_t)n;
  return at;
}

/* The text of a wait's reason, copied once per name (a reader's names keep
   their pointers; other callers' may only cost a copy each). */
static uint32_t ctrace__detail_wait_name(ctrace__detail *d, const char *name) {
  uint32_t i;
  for (i = 0; i < d->n_wait_names; ++i)
    if (d->wait_names[i].name == name) return d->wait_names[i].text;
  i = d->n_wait_names < 32u ? d->n_wait_names++ : 31u;
  d->wait_names[i].name = name;
  d->wait_names[i].text = ctrace__detail_text(d, name, NULL);
  return d->wait_names[i].text;
}

/* Outermost waits as spans, with what they waited for, for the timeline. */
static void ctrace__detail_wait(ctrace__detail *d, const ctrace_event *ev) {
  uint32_t slot = ctrace__detail_slot(d, ev->thread);
  ctrace__dspan x;
  if (slot == CTRACE_NONE) return;
  if (ev->kind == CTRACE_EV_WAIT_BEGIN) {
    if (d->open_wait[slot].depth++ == 0) {
      d->open_wait[slot].start = ev->time_ns < 0 ? 0 : ev->time_ns;
      d->open_wait[slot].text = ctrace__detail_wait_name(d, ev->name ? ev->name : "");
    }
    return;
  }
  if (!d->open_wait[slot].depth || --d->open_wait[slot].depth || d->open_wait[slot].text == CTRACE__NO_TEXT) return;
  x.start = d->open_wait[slot].start;
  x.end = ev->time_ns < x.start ? x.start : ev->time_ns;
  x.thread = ev->thread;
  x.depth = 0;
  x.zone = d->open_wait[slot].text;
  x.unfinished = 0;
  ctrace__dheap_push(&d->waits, &x, &d->oom);
}

static CTRACE__MAYBE_UNUSED void ctrace__detail_on_event(void *user, const ctrace_event *ev) {
  ctrace__detail *d = (ctrace__detail *)user;
  ctrace__dmark *m;
  if (ev->kind == CTRACE_EV_WAIT_BEGIN || ev->kind == CTRACE_EV_WAIT_END) {
    ctrace__detail_wait(d, ev);
    return;
  }
  if (ev->kind != CTRACE_EV_INSTANT && ev->kind != CTRACE_EV_LOG) return;
  ++d->marks_seen;
  if (d->n_marks >= d->max_marks) return;
  if (ctrace__grow((void **)&d->marks, &d->cap_marks, d->n_marks + 1u, sizeof(ctrace__dmark))) {
    d->oom = 1;
    return;
  }
  m = &d->marks[d->n_marks];
  m->t = ev->time_ns;
  m->thread = ev->thread;
  m->kind = (uint32_t)ev->kind;
  m->text = ctrace__detail_text(d, ev->name ? ev->name : "",
                                ev->kind == CTRACE_EV_LOG ? (ev->message ? ev->message : "") : NULL);
  if (m->text != CTRACE__NO_TEXT) ++d->n_marks;
}

/* Route an analysis config's callbacks to the detail (keeps other fields). */
static CTRACE__MAYBE_UNUSED void ctrace__detail_hook(ctrace__detail *d, ctrace_analysis_config *cfg) {
  cfg->user = d;
  cfg->on_span = ctrace__detail_on_span;
  cfg->on_task = ctrace__detail_on_task;
  cfg->on_event = ctrace__detail_on_event;
}

static int ctrace__dspan_cmp_start(const void *pa, const void *pb) {
  const ctrace__dspan *a = (const ctrace__dspan *)pa, *b = (const ctrace__dspan *)pb;
  return a->start < b->start ? -1 : a->start > b->start ? 1 : 0;
}

static int ctrace__dspan_cmp_lane(const void *pa, const void *pb) {
  const ctrace__dspan *a = (const ctrace__dspan *)pa, *b = (const ctrace__dspan *)pb;
  if (a->thread != b->thread) return a->thread < b->thread ? -1 : 1;
  if (a->depth != b->depth) return a->depth < b->depth ? -1 : 1;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  return 0;
}

/* After the pass: spans in (thread, depth, start) order, tasks by start,
   ready to draw. */
static CTRACE__MAYBE_UNUSED void ctrace__detail_finish(ctrace__detail *d) {
  d->finished = 1;
  ctrace__dheap_cut(&d->spans);
  ctrace__dheap_cut(&d->tasks);
  ctrace__dheap_cut(&d->waits);
  if (d->waits.n) qsort(d->waits.v, d->waits.n, sizeof(ctrace__dspan), ctrace__dspan_cmp_start);
  if (d->spans.n) qsort(d->spans.v, d->spans.n, sizeof(ctrace__dspan), ctrace__dspan_cmp_lane);
  if (d->tasks.n) qsort(d->tasks.v, d->tasks.n, sizeof(ctrace__dspan), ctrace__dspan_cmp_start);
}

/* Busy share (0..1) of a thread over [t0, t1), from the density bins. */
static CTRACE__MAYBE_UNUSED double ctrace__detail_busy_share(const ctrace__detail *d, uint32_t thread,
                                                             double t0, double t1) {
  uint32_t s;
  double sum = 0, b;
  int64_t b0, b1, i;
  for (s = 0; s < d->n_threads && d->thread_ids[s] != thread; ++s) {}
  if (s == d->n_threads || !(t1 > t0) || !d->busy) return 0;
  b0 = (int64_t)(t0 / (double)d->bin_w);
  b1 = (int64_t)ceil(t1 / (double)d->bin_w);
  if (b1 > (int64_t)CTRACE__DBINS) b1 = CTRACE__DBINS;
  for (i = b0 < 0 ? 0 : b0; i < b1; ++i) sum += d->busy[(size_t)s * CTRACE__DBINS + (size_t)i];
  b = sum / (t1 - t0);
  return b > 1 ? 1 : b;
}

/* >>draw:charts -------------------------------------------------------------
   One function per chart; the report renders them to SVG, the PNG renderer
   to pixels. Each returns 0 or CTRACE_E_NOMEM (the canvas ran out). */

static CTRACE__MAYBE_UNUSED double ctrace__heap_top(const ctrace_analysis *a) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  const ctrace_counter_stats *rss = ctrace_analysis_find_counter(a, "ctrace.rss");
  double top = m ? (double)m->peak_alloc : 0;
  if (rss && rss->max > top) top = rss->max;
  return top;
}

static void ctrace__heap_series(ctrace__canvas *c, const ctrace__frame *f, const ctrace_series_point *s,
                                uint32_t n, uint32_t fill, uint32_t stroke) {
  uint32_t room, k;
  float *xy;
  if (n == 0) return;
  room = 4u * ((uint32_t)f->w + 2u) + 2u * n + 8u;
  xy = (float *)CTRACE_MEM_ALLOC(sizeof(float) * 2u * (room + 2u));
  if (!xy) { c->oom = 1; return; }
  k = ctrace__series_outline(f, s, n, xy, room);
  if (k && (fill & 0xffu)) {
    /* close the area down to the axis */
    xy[2u * k] = xy[2u * (k - 1u)]; xy[2u * k + 1u] = f->y + f->h;
    xy[2u * k + 2u] = xy[0]; xy[2u * k + 3u] = f->y + f->h;
    ctrace__canvas_poly(c, xy, k + 2u, fill, 0, 0);
  }
  if (k && (stroke & 0xffu)) ctrace__canvas_poly(c, xy, k, 0, stroke, 1.5f);
  CTRACE_MEM_FREE(xy);
}

/* Each collection as a band at least CTRACE__GC_MIN_PX wide; a band that
   would touch the last one moves right to leave a 1 px gap, while that keeps
   it within CTRACE__GC_SHIFT_PX of its time; else it joins the last band.
   Returns how many joined (c NULL: counts only), so the legend can say. */
#define CTRACE__GC_SHIFT_PX 8.0f
static uint32_t ctrace__heap_gc_bands(ctrace__canvas *c, const ctrace__frame *f, const ctrace_gc_span *gc, uint32_t n) {
  float last_end = -1e9f;
  uint32_t i, joined = 0;
  char lab[160], d1[48];
  for (i = 0; i < n; ++i) {
    float x0 = ctrace__fx(f, (double)gc[i].start_ns), x1 = ctrace__fx(f, (double)gc[i].end_ns);
    if (x1 - x0 < CTRACE__GC_MIN_PX) x1 = x0 + CTRACE__GC_MIN_PX;
    if (x0 < last_end + 1 && last_end + 1 - x0 <= CTRACE__GC_SHIFT_PX) {
      x1 += last_end + 1 - x0;
      x0 = last_end + 1;
    }
    if (x0 < last_end + 1) { /* too crowded at this resolution */
      joined++;
      continue;
    }
    last_end = x1;
    if (!c) continue;
    ctrace__canvas_rect(c, x0, f->y, x1 - x0, f->h, CTRACE__GC_BAND, 0, 0);
    ctrace__fmt_ns(d1, sizeof d1, (double)(gc[i].end_ns - gc[i].start_ns));
    ctrace__textf(lab, sizeof lab, "collection %u: %s", (unsigned)(i + 1u), d1);
    ctrace__canvas_title(c, lab);
  }
  return joined;
}

/* At each collection: the goal in force when it began (a dash on its band),
   and what it left (a dot at its end): what a collector reports as live. */
static void ctrace__heap_gc_marks(ctrace__canvas *c, const ctrace__frame *f, const ctrace_gc_span *gc, uint32_t n) {
  uint32_t i;
  char lab[160], v1[48], v2[48];
  for (i = 0; i < n; ++i) {
    float x0 = ctrace__fx(f, (double)gc[i].start_ns), x1 = ctrace__fx(f, (double)gc[i].end_ns);
    if (gc[i].goal >= 0) {
      float gy = ctrace__fy(f, gc[i].goal);
      ctrace__canvas_rect(c, x0 - 5, gy - 1.5f, 10, 3, CTRACE__GOAL_LINE, 0, 0);
      ctrace__fmt_bytes(v1, sizeof v1, gc[i].goal);
      ctrace__fmt_bytes(v2, sizeof v2, (double)gc[i].heap_before);
      ctrace__textf(lab, sizeof lab, "collection %u began with the heap at %s, goal %s", (unsigned)(i + 1u), v2, v1);
      ctrace__canvas_title(c, lab);
    }
    if (!gc[i].unfinished) {
      float ly = ctrace__fy(f, (double)gc[i].heap_after);
      if (x1 - x0 < CTRACE__GC_MIN_PX) x1 = x0 + CTRACE__GC_MIN_PX;
      ctrace__canvas_rect(c, x1 - 3, ly - 3, 6, 6, CTRACE__LIVE_DOT, 0xffffffffu, 1.0f);
      ctrace__fmt_bytes(v1, sizeof v1, (double)gc[i].heap_after);
      ctrace__textf(lab, sizeof lab, "left after collection %u: %s", (unsigned)(i + 1u), v1);
      ctrace__canvas_title(c, lab);
    }
  }
}

/* The peak's label beside its marker, where it covers no other peak's marker
   and stays inside the chart: above, then higher, then below. */
static void ctrace__heap_peak_label(ctrace__canvas *c, const ctrace__frame *f, float px, float py, int fs,
                                    const int64_t *pk, uint32_t n_pk, const char *lab) {
  float tw = ctrace__text_width(lab, fs), ys[3], x0;
  int right = px + 8 + tw > f->x + f->w, k;
  uint32_t i;
  ys[0] = py - 8;
  ys[1] = py - 8 - (float)fs * 1.2f;
  ys[2] = py + (float)fs + 8;
  x0 = right ? px - 8 - tw : px + 8;
  for (k = 0; k < 3; ++k) {
    float top = ys[k] - (float)fs * 0.85f, bottom = ys[k] + (float)fs * 0.3f;
    int clear = top >= f->y - (float)fs * 0.5f && bottom <= f->y + f->h;
    for (i = 0; clear && pk && i < n_pk; ++i) {
      float qx = ctrace__fx(f, (double)pk[i]);
      if (qx + 4 >= x0 && qx - 4 <= x0 + tw && py + 4 >= top && py - 4 <= bottom) clear = 0;
    }
    if (clear) break;
  }
  if (k == 3) k = 0;
  ctrace__canvas_text(c, right ? px - 8 : px + 8, ys[k], fs, right ? CTRACE__AN_END : CTRACE__AN_START, CTRACE__INK,
                      lab);
}

/* The program's reads of its statistics: a thin line each, numbered as in
   the table of reads. */
static void ctrace__heap_reads(ctrace__canvas *c, const ctrace__frame *f, const ctrace_analysis *a, int fs) {
  uint32_t n = 0, i;
  const ctrace_memstats_read *rd = ctrace_analysis_memstats_reads(a, &n);
  char lab[160], v1[48], v2[48];
  for (i = 0; i < n; ++i) {
    float x = ctrace__fx(f, (double)rd[i].time_ns);
    ctrace__canvas_rect(c, x - 0.5f, f->y, 1, f->h, CTRACE__READ_LINE, 0, 0);
    ctrace__fmt_ns(v1, sizeof v1, (double)rd[i].time_ns);
    ctrace__fmt_bytes(v2, sizeof v2, (double)rd[i].alloc);
    ctrace__textf(lab, sizeof lab, "read %u of the statistics at %s: Alloc %s, NumGC %u", (unsigned)(i + 1u), v1, v2,
                  (unsigned)rd[i].num_gc);
    ctrace__canvas_title(c, lab);
    ctrace__textf(lab, sizeof lab, "read %u", (unsigned)(i + 1u));
    if (x + 3 + ctrace__text_width(lab, fs - 2) > f->x + f->w) /* near the right edge: label on the left */
      ctrace__canvas_text(c, x - 3, f->y + f->h - 4, fs - 2, CTRACE__AN_END, CTRACE__MUTED, lab);
    else
      ctrace__canvas_text(c, x + 3, f->y + f->h - 4, fs - 2, CTRACE__AN_START, CTRACE__MUTED, lab);
  }
}

/* The heap over time: live (requested) bytes as an area, resident memory as
   a line where it was recorded, collections as bands, the peak marked and
   labelled, axes with units. b (may be NULL) is a baseline run drawn as a
   second line on the same time axis. */
static CTRACE__MAYBE_UNUSED int ctrace__chart_heap_compare(ctrace__canvas *c, const ctrace_analysis *a,
                                                           const ctrace_analysis *b, float w, float h) {
  const ctrace_summary *sm = ctrace_analysis_summary(a);
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  const ctrace_counter_stats *rss = ctrace_analysis_find_counter(a, "ctrace.rss"), *goal = NULL;
  const ctrace_gc_span *gc;
  const ctrace_series_point *hs;
  ctrace__frame f;
  uint32_t n_gc = 0, n_hs = 0;
  int fs = h >= 500 ? 16 : 13;
  double top, dur;
  char lab[160], v1[48], v2[48];
  float lx;
  f.x = CTRACE__TIME_LEFT; f.y = (float)fs * 3.8f;
  f.w = w - f.x - CTRACE__TIME_RIGHT; f.h = h - f.y - (float)fs * 3.0f;
  if (f.w < 10) f.w = 10;
  if (f.h < 10) f.h = 10;
  dur = sm ? (double)sm->duration_ns : 0;
  top = ctrace__heap_top(a);
  if (b) {
    const ctrace_summary *sb = ctrace_analysis_summary(b);
    if (sb && (double)sb->duration_ns > dur) dur = (double)sb->duration_ns;
    if (ctrace__heap_top(b) > top) top = ctrace__heap_top(b);
  }
  f.t0 = 0; f.t1 = dur > 0 ? dur : 1;
  f.v0 = 0; f.v1 = top > 0 ? top * 1.08 : 1024;
  f.v1 = ceil(f.v1 / ctrace__nice_step(f.v1, 5)) * ctrace__nice_step(f.v1, 5);
  ctrace__canvas_text(c, 8, (float)fs * 1.3f, fs + 2, CTRACE__AN_START, CTRACE__INK,
                      b ? "Heap: this run and the baseline (bytes allocated and not yet freed)"
                        : ctrace_analysis_gc(a)->count
                            ? "Heap over time: allocated, not yet freed (garbage too, until collected)"
                            : "Heap over time: bytes allocated and not yet freed");
  lx = 8;
  lx = ctrace__legend(c, lx, (float)fs * 2.6f, fs, CTRACE__HEAP_FILL, 0, "heap");
  if (rss && rss->n_series) lx = ctrace__legend(c, lx, (float)fs * 2.6f, fs, CTRACE__RSS_LINE, 1, "resident (RSS)");
  {
    uint32_t n_k = 0, k;
    const ctrace_counter_stats *ks = ctrace_analysis_counters(a, &n_k);
    for (k = 0; ks && k < n_k && !goal; ++k)
      if (strstr(ks[k].name, "goal") && ks[k].n_series) goal = &ks[k];
    if (goal) { /* a heap goal the program recorded: when a collection is due */
      ctrace__textf(lab, sizeof lab, "%.40s (recorded)", goal->name);
      lx = ctrace__legend(c, lx, (float)fs * 2.6f, fs, CTRACE__GOAL_LINE, 1, lab);
      if (goal->max > top) top = goal->max;
      f.v1 = top > 0 ? top * 1.08 : 1024;
      f.v1 = ceil(f.v1 / ctrace__nice_step(f.v1, 5)) * ctrace__nice_step(f.v1, 5);
    }
  }
  if (b) lx = ctrace__legend(c, lx, (float)fs * 2.6f, fs, CTRACE__BASE_LINE, 1, "baseline heap");
  gc = ctrace_analysis_gc_spans(a, &n_gc);
  if (n_gc) {
    uint32_t joined = ctrace__heap_gc_bands(NULL, &f, gc, n_gc);
    if (joined) ctrace__textf(lab, sizeof lab, "collection (%u drawn joined)", (unsigned)joined);
    lx = ctrace__legend(c, lx, (float)fs * 2.6f, fs, CTRACE__GC_FILL, 0, joined ? lab : "collection");
    lx = ctrace__legend(c, lx, (float)fs * 2.6f, fs, CTRACE__LIVE_DOT, 0, "what it left (live)");
  }
  ctrace__axis_bytes(c, &f, fs);
  ctrace__heap_gc_bands(c, &f, gc, n_gc);
  hs = ctrace_analysis_heap_series(a, &n_hs);
  ctrace__heap_series(c, &f, hs, n_hs, (CTRACE__HEAP_FILL & 0xffffff00u) | 0xb0u, CTRACE__HEAP_FILL);
  if (rss && rss->n_series) ctrace__heap_series(c, &f, rss->series, rss->n_series, 0, CTRACE__RSS_LINE);
  if (goal) ctrace__heap_series(c, &f, goal->series, goal->n_series, 0, CTRACE__GOAL_LINE);
  ctrace__heap_gc_marks(c, &f, gc, n_gc);
  ctrace__heap_reads(c, &f, a, fs);
  if (b) {
    uint32_t n_b = 0;
    const ctrace_series_point *bs = ctrace_analysis_heap_series(b, &n_b);
    ctrace__heap_series(c, &f, bs, n_b, 0, CTRACE__BASE_LINE);
  }
  if (m && m->peak_alloc > 0) {
    /* Every time the heap rose to its peak is marked (the first 64), and
       the label says which of how many the first one is. */
    uint32_t n_pk = 0, k;
    const int64_t *pk = ctrace_analysis_peaks(a, &n_pk);
    float px = ctrace__fx(&f, (double)m->peak_time_ns), py = ctrace__fy(&f, (double)m->peak_alloc);
    ctrace__fmt_bytes(v1, sizeof v1, (double)m->peak_alloc);
    for (k = 0; pk && k < n_pk; ++k) {
      float qx = ctrace__fx(&f, (double)pk[k]);
      if (pk[k] == m->peak_time_ns) continue; /* marked and labelled below */
      ctrace__canvas_rect(c, qx - 4, py - 4, 8, 8, CTRACE__PEAK_MARK, 0xffffffffu, 1.5f);
      ctrace__fmt_ns(v2, sizeof v2, (double)pk[k]);
      ctrace__textf(lab, sizeof lab, "peak %s again at %s (%u of %u)", v1, v2, (unsigned)(k + 1u),
                    (unsigned)m->peak_count);
      ctrace__canvas_title(c, lab);
    }
    ctrace__canvas_rect(c, px - 4, py - 4, 8, 8, CTRACE__PEAK_MARK, 0xffffffffu, 1.5f);
    ctrace__fmt_ns(v2, sizeof v2, (double)m->peak_time_ns);
    if (m->peak_count > 1)
      ctrace__textf(lab, sizeof lab, "peak %s at %s (first of %u, all marked)", v1, v2, (unsigned)m->peak_count);
    else
      ctrace__textf(lab, sizeof lab, "peak %s at %s", v1, v2);
    ctrace__canvas_title(c, lab);
    ctrace__heap_peak_label(c, &f, px, py, fs, pk, n_pk, lab);
  }
  if (n_hs == 0)
    ctrace__canvas_text(c, f.x + f.w / 2, f.y + f.h / 2, fs, CTRACE__AN_MIDDLE, CTRACE__MUTED,
                        "no allocations were recorded");
  ctrace__axis_time(c, &f, fs, 0);
  return c->oom ? CTRACE_E_NOMEM : 0;
}

static CTRACE__MAYBE_UNUSED int ctrace__chart_heap(ctrace__canvas *c, const ctrace_analysis *a, float w, float h) {
  return ctrace__chart_heap_compare(c, a, NULL, w, h);
}

/* Draws a series as a small area track in a band [y, y+h). */
static void ctrace__track_series(ctrace__canvas *c, const ctrace__frame *tf, const ctrace_counter_stats *k,
                                 float y, float h) {
  ctrace__frame f = *tf;
  f.y = y; f.h = h;
  f.v0 = k->min < 0 ? k->min : 0;
  f.v1 = k->max > f.v0 ? k->max : f.v0 + 1;
  ctrace__heap_series(c, &f, k->series, k->n_series, (ctrace__name_colour(k->name) & 0xffffff00u) | 0xa0u,
                      0);
}

/* Tasks overlap freely (a pool of workers runs many at once). Each goes to
   the first lane free at its start; *used lanes are open so far. Returns
   the lane, or CTRACE__TASK_LANES when all of them are busy: the task is
   then not drawn, and the caller says how many were not. lane_end: each
   lane's last end, in the caller's units. */
#define CTRACE__TASK_LANES 12u
static uint32_t ctrace__task_lane(double *lane_end, uint32_t *used, double start, double end) {
  uint32_t l;
  for (l = 0; l < *used && lane_end[l] > start; ++l) {}
  if (l == CTRACE__TASK_LANES) return l;
  if (l == *used) (*used)++;
  lane_end[l] = end;
  return l;
}

/* ---- the running band: under a thread's activity strip, what the CPU
   samples say it did (tools/report.js draws the same row, in the same
   colours): on CPU from the bottom up, then ready to run but without a
   core, as a share of each pixel's time; the rest of the height is time it
   was blocked or idle. Its recorded waits are a strip along the top. */
#define CTRACE__RUN_FILL 0x2e8b57ffu
#define CTRACE__READY_FILL 0xe0b000ffu
#define CTRACE__WAIT_FILL 0x8a5fb0ffu
enum { CTRACE__BAND_CPU = 1, CTRACE__BAND_READY = 2, CTRACE__BAND_WAITS = 4 };

/* What a thread's band would show: CTRACE__BAND_* bits, 0 for no band. */
static uint32_t ctrace__tl_band_of(const ctrace_analysis *a, const ctrace__detail *d, uint32_t thread) {
  uint32_t n = 0, k, bits = 0;
  const ctrace_cpu_span *cs = ctrace_analysis_thread_cpu(a, thread, &n);
  if (n) bits |= CTRACE__BAND_CPU;
  for (k = 0; k < n; ++k)
    if (cs[k].ready_ns > 0) bits |= CTRACE__BAND_READY;
  for (k = 0; d && k < d->waits.n && !(bits & CTRACE__BAND_WAITS); ++k)
    if (d->waits.v[k].thread == thread) bits |= CTRACE__BAND_WAITS;
  return bits;
}

/* A point of an outline; a point level with the two before it replaces the
   last (flat stretches cost two points, not one per pixel). */
static void ctrace__tl_pt(float *xy, uint32_t *k, float x, float y) {
  if (*k >= 2 && fabsf(xy[2u * *k - 1u] - y) < 0.05f && fabsf(xy[2u * *k - 3u] - y) < 0.05f) --*k;
  xy[2u * *k] = x;
  xy[2u * *k + 1u] = y;
  ++*k;
}

/* The CPU part of a band in [y, y + h): per pixel column the time-weighted
   shares of the spans over it, drawn where samples cover the column. */
static int ctrace__tl_band_cpu(ctrace__canvas *c, const ctrace__frame *f, const ctrace_cpu_span *cs, uint32_t n,
                               float y, float h, int ready) {
  uint32_t cols = (uint32_t)f->w + 1u, col, k = 0, first = CTRACE_NONE, last = 0, np = 0, i;
  float *run = (float *)CTRACE_MEM_ALLOC(sizeof(float) * 2u * cols), *rdy, *xy;
  if (!run) return CTRACE_E_NOMEM;
  rdy = run + cols;
  for (col = 0; col < cols; ++col) {
    double t0 = f->t0 + (f->t1 - f->t0) * (double)col / (double)f->w;
    double t1 = f->t0 + (f->t1 - f->t0) * (double)(col + 1u) / (double)f->w, cov = 0, r = 0, q = 0;
    while (k < n && (double)cs[k].end_ns <= t0) ++k;
    for (i = k; i < n && (double)cs[i].start_ns < t1; ++i) {
      double len = (double)ctrace__max64(1, cs[i].end_ns - cs[i].start_ns);
      double lo = (double)cs[i].start_ns > t0 ? (double)cs[i].start_ns : t0;
      double hi = (double)cs[i].end_ns < t1 ? (double)cs[i].end_ns : t1, share = (double)cs[i].cpu_ns / len, rs;
      if (hi <= lo) continue;
      share = share > 1 ? 1 : share < 0 ? 0 : share;
      cov += hi - lo;
      r += (hi - lo) * share;
      rs = (double)cs[i].ready_ns / len;
      q += (hi - lo) * (rs > 1 - share ? 1 - share : rs < 0 ? 0 : rs);
    }
    run[col] = cov > 0 ? (float)(r / cov) : 0;
    rdy[col] = cov > 0 ? (float)(q / cov) : 0;
    if (cov > 0) {
      if (first == CTRACE_NONE) first = col;
      last = col;
    }
  }
  if (first == CTRACE_NONE) { CTRACE_MEM_FREE(run); return 0; }
  xy = (float *)CTRACE_MEM_ALLOC(sizeof(float) * 4u * (cols + 4u));
  if (!xy) { CTRACE_MEM_FREE(run); return CTRACE_E_NOMEM; }
  for (col = first; col <= last; ++col) ctrace__tl_pt(xy, &np, f->x + (float)col, y + h - run[col] * h);
  ctrace__tl_pt(xy, &np, f->x + (float)last + 1, y + h - run[last] * h);
  ctrace__tl_pt(xy, &np, f->x + (float)last + 1, y + h);
  ctrace__tl_pt(xy, &np, f->x + (float)first, y + h);
  ctrace__canvas_poly(c, xy, np, CTRACE__RUN_FILL, 0, 0);
  if (ready) { /* from the top of the running part up, then back along it */
    np = 0;
    for (col = first; col <= last; ++col) ctrace__tl_pt(xy, &np, f->x + (float)col, y + h - (run[col] + rdy[col]) * h);
    ctrace__tl_pt(xy, &np, f->x + (float)last + 1, y + h - (run[last] + rdy[last]) * h);
    ctrace__tl_pt(xy, &np, f->x + (float)last + 1, y + h - run[last] * h);
    for (col = last + 1u; col > first; --col)
      ctrace__tl_pt(xy, &np, f->x + (float)(col - 1u), y + h - run[col - 1u] * h);
    ctrace__canvas_poly(c, xy, np, CTRACE__READY_FILL, 0, 0);
  }
  CTRACE_MEM_FREE(xy);
  CTRACE_MEM_FREE(run);
  return 0;
}

/* A thread's band: its label, the CPU part, its waits along the top (waits
   that meet at this resolution drawn as one; *titled bounds the tooltips).
   Returns 0 or CTRACE_E_NOMEM. */
static int ctrace__tl_band(ctrace__canvas *c, const ctrace__frame *f, const ctrace_analysis *a,
                           const ctrace__detail *d, const ctrace_thread_stats *t, uint32_t bits, float y, float h,
                           int fs, uint32_t *titled) {
  uint32_t n = 0, k;
  const ctrace_cpu_span *cs = ctrace_analysis_thread_cpu(a, t->id, &n);
  float strip = h * 0.22f < 2 ? 2 : h * 0.22f, last_end = -1e9f;
  char buf[200], v1[48], v2[48];
  if (h >= (float)fs - 4) /* where it fits under the thread's name */
    ctrace__canvas_text(c, 16, y + h * 0.5f + (float)(fs - 2) * 0.35f, fs - 2, CTRACE__AN_START, CTRACE__MUTED,
                        (bits & CTRACE__BAND_CPU) ? "running" : "waits");
  if ((bits & CTRACE__BAND_CPU) &&
      ctrace__tl_band_cpu(c, f, cs, n, y + strip + 1, h - strip - 2, (bits & CTRACE__BAND_READY) != 0))
    return CTRACE_E_NOMEM;
  if ((bits & CTRACE__BAND_CPU) && t->has_cpu && t->cpu_wall_ns > 0) {
    double pct = 100.0 * (double)t->cpu_ns / (double)t->cpu_wall_ns;
    ctrace__fmt_ns(v1, sizeof v1, (double)t->cpu_ns);
    ctrace__fmt_ns(v2, sizeof v2, (double)t->cpu_wall_ns);
    if (pct > 0 && pct < 1) ctrace__textf(buf, sizeof buf, "on CPU %s of the %s its samples span (under 1%%)", v1, v2);
    else ctrace__textf(buf, sizeof buf, "on CPU %s of the %s its samples span (%.0f%%)", v1, v2, pct);
    ctrace__canvas_title(c, buf);
  }
  for (k = 0; d && k < d->waits.n; ++k) {
    const ctrace__dspan *w = &d->waits.v[k];
    float x0, x1;
    if (w->thread != t->id) continue;
    x0 = ctrace__fx(f, (double)w->start);
    x1 = ctrace__fx(f, (double)w->end);
    if (x1 - x0 < 1) x1 = x0 + 1;
    if (x1 <= last_end + 0.5f) continue; /* already covered at this resolution */
    last_end = x1;
    ctrace__canvas_rect(c, x0, y + 1, x1 - x0, strip, CTRACE__WAIT_FILL, 0, 0);
    if (++*titled <= 2000u) { /* bounds the SVG's size, as for zones */
      ctrace__fmt_ns(v1, sizeof v1, (double)(w->end - w->start));
      ctrace__textf(buf, sizeof buf, "wait for %.80s: %s", d->text + w->zone, v1);
      ctrace__canvas_title(c, buf);
    }
  }
  return 0;
}

/* The key to the bands drawn (bits: of all threads), at y. */
static void ctrace__tl_band_legend(ctrace__canvas *c, float w, float y, int fs, uint32_t bits) {
  float x = 8;
  const char *note = "height: share of the time, from the CPU samples; empty: blocked, idle or not sampled";
  if (bits & CTRACE__BAND_CPU) x = ctrace__legend(c, x, y, fs, CTRACE__RUN_FILL, 0, "on CPU");
  if (bits & CTRACE__BAND_READY) x = ctrace__legend(c, x, y, fs, CTRACE__READY_FILL, 0, "ready, no core free");
  if (bits & CTRACE__BAND_WAITS) x = ctrace__legend(c, x, y, fs, CTRACE__WAIT_FILL, 0, "in a recorded wait");
  if ((bits & CTRACE__BAND_CPU) && x + ctrace__text_width(note, fs - 2) < w - 8)
    ctrace__canvas_text(c, x, y, fs - 2, CTRACE__AN_START, CTRACE__MUTED, note);
}

/* Threads as rows with zones nested by depth, a collections track, a tasks
   track, markers for instants and log messages, counters as small areas.
   d (may be NULL) holds the spans collected in the analysis pass. Spans
   narrower than a pixel are not drawn one by one: each thread's grey
   activity strip shows the share of time spent in zones there. */
static int ctrace__chart_timeline_laid(ctrace__canvas *c, const ctrace_analysis *a, const ctrace__detail *d,
                                       float w, float h) {
  const ctrace_summary *sm = ctrace_analysis_summary(a);
  const ctrace_thread_stats *th;
  const ctrace_zone_stats *zones;
  const ctrace_zone_stats *tasks;
  const ctrace_counter_stats *ctr;
  const ctrace_gc_span *gc;
  uint32_t n_th = 0, n_z = 0, n_t = 0, n_c = 0, n_gc = 0, i, j, total_lanes = 0, lanes_cap = 64;
  uint32_t n_ctr_shown, drawn = 0, task_lanes = 0, tasks_hidden = 0, band_bits = 0, titled_waits = 0;
  uint8_t *band;
  int fs = h >= 500 ? 14 : 12;
  float label_w = CTRACE__TIME_LEFT, y, lane_h = 14, fixed, task_h = (float)fs + 4;
  double task_end[CTRACE__TASK_LANES];
  ctrace__frame f;
  char buf[200], dur[48];
  th = ctrace_analysis_threads(a, &n_th);
  zones = ctrace_analysis_zones(a, &n_z);
  tasks = ctrace_analysis_tasks(a, &n_t);
  ctr = ctrace_analysis_counters(a, &n_c);
  gc = ctrace_analysis_gc_spans(a, &n_gc);
  n_ctr_shown = n_c > 4u ? 4u : n_c;
  f.x = label_w; f.y = (float)fs * 2.2f; f.w = w - label_w - CTRACE__TIME_RIGHT; f.h = h - f.y - (float)fs * 2.6f;
  if (f.w < 10) f.w = 10;
  f.t0 = 0; f.t1 = sm && sm->duration_ns > 0 ? (double)sm->duration_ns : 1;
  f.v0 = 0; f.v1 = 1;
  ctrace__canvas_text(c, 8, (float)fs * 1.3f, fs + 2, CTRACE__AN_START, CTRACE__INK,
                      "Timeline: threads, collections, tasks, counters");
  band = (uint8_t *)CTRACE_MEM_ALLOC(n_th + 1u);
  if (!band) { c->oom = 1; return CTRACE_E_NOMEM; }
  for (i = 0; i < n_th; ++i) band_bits |= band[i] = (uint8_t)ctrace__tl_band_of(a, d, th[i].id);
  if (band_bits) { /* the key goes under the title, the rows lower */
    ctrace__tl_band_legend(c, w, (float)fs * 2.7f, fs, band_bits);
    f.y += (float)fs * 1.4f;
    f.h -= (float)fs * 1.4f;
  }
  if (n_t && d) { /* lanes the tasks need, so their track gets its height before the threads theirs */
    for (j = 0; j < d->tasks.n; ++j) {
      float x0 = ctrace__fx(&f, (double)d->tasks.v[j].start), x1 = ctrace__fx(&f, (double)d->tasks.v[j].end);
      if (ctrace__task_lane(task_end, &task_lanes, x0, x1 - x0 < 1 ? x0 + 1 : x1) == CTRACE__TASK_LANES)
        tasks_hidden++;
    }
    if ((float)task_lanes * task_h / 3 > task_h) task_h = (float)task_lanes * task_h / 3;
  }
  fixed = (float)(fs + 6) * (2.0f + (float)n_ctr_shown * 1.6f) + (n_t ? task_h + 2 : 0) +
          (n_c > n_ctr_shown ? (float)fs + 6 : 0); /* the "more counters" note */
  for (;;) {
    total_lanes = 0;
    for (i = 0; i < n_th; ++i)
      total_lanes += 1u + (band[i] != 0) + (th[i].max_depth < lanes_cap ? th[i].max_depth : lanes_cap);
    lane_h = total_lanes ? (f.h - fixed) / (float)total_lanes : 14;
    if (lane_h >= 4 || lanes_cap == 1) break;
    lanes_cap /= 2u;
  }
  if (lane_h > 18) lane_h = 18;
  if (lane_h < 2) lane_h = 2;
  y = f.y;
  for (i = 0; i < n_th; ++i) {
    uint32_t lanes = th[i].max_depth < lanes_cap ? th[i].max_depth : lanes_cap, col, below = band[i] != 0;
    float row_h = lane_h * (float)(lanes + 1u + below);
    /* the label's baseline: mid first lane, but never so high or low that
       it reaches into the row above or below */
    float label_y = y + lane_h * 0.5f + (float)fs * 0.35f;
    const char *nm = th[i].name && th[i].name[0] ? th[i].name : NULL;
    if (label_y < y + (float)fs * 0.8f + 2) label_y = y + (float)fs * 0.8f + 2;
    if (row_h < (float)fs + 6) row_h = (float)fs + 6;
    if (y + row_h > f.y + f.h) break;
    ctrace__canvas_rect(c, 0, y, w, row_h, (i & 1u) ? 0xf6f6f6ffu : 0xffffffffu, 0, 0);
    if (nm) ctrace__textf(buf, sizeof buf, "%u %s%s", (unsigned)th[i].id, nm,
                          th[i].role == CTRACE_ROLE_TRACER ? " (ctrace's own)" : "");
    else ctrace__textf(buf, sizeof buf, "thread %u", (unsigned)th[i].id);
    {
      char fit[120];
      ctrace__canvas_text(c, 6, label_y, fs, CTRACE__AN_START, CTRACE__INK,
                          ctrace__fit_text(fit, sizeof fit, buf, label_w - 10, fs));
    }
    /* activity strip: share of each pixel column spent inside zones */
    if (d && f.w >= 1) {
      float *xy = (float *)CTRACE_MEM_ALLOC(sizeof(float) * 2u * ((uint32_t)f.w + 4u));
      if (!xy) { CTRACE_MEM_FREE(band); c->oom = 1; return CTRACE_E_NOMEM; }
      for (col = 0; col <= (uint32_t)f.w; ++col) {
        double t0 = f.t0 + (f.t1 - f.t0) * (double)col / (double)f.w;
        double t1 = f.t0 + (f.t1 - f.t0) * (double)(col + 1u) / (double)f.w;
        xy[2u * col] = f.x + (float)col;
        xy[2u * col + 1u] = y + lane_h - (float)ctrace__detail_busy_share(d, th[i].id, t0, t1) * (lane_h - 1);
      }
      xy[2u * col] = f.x + (float)(col - 1u); xy[2u * col + 1u] = y + lane_h;
      xy[2u * col + 2u] = f.x; xy[2u * col + 3u] = y + lane_h;
      ctrace__canvas_poly(c, xy, col + 2u, 0x999999c0u, 0, 0);
      CTRACE_MEM_FREE(xy);
    }
    if (below && ctrace__tl_band(c, &f, a, d, &th[i], band[i], y + lane_h, lane_h, fs, &titled_waits)) {
      CTRACE_MEM_FREE(band);
      c->oom = 1;
      return CTRACE_E_NOMEM;
    }
    if (d) {
      for (j = 0; j < d->spans.n; ++j) {
        const ctrace__dspan *s = &d->spans.v[j];
        float x0, x1;
        if (s->thread != th[i].id || s->depth >= lanes) continue;
        x0 = ctrace__fx(&f, (double)s->start);
        x1 = ctrace__fx(&f, (double)s->end);
        if (x1 - x0 < 1.0f || ++drawn > 5000u) continue; /* bounds the SVG's size */
        {
          const char *zn = s->zone < n_z ? zones[s->zone].name : "?";
          float sy = y + lane_h * (float)(s->depth + 1u + below);
          ctrace__canvas_rect(c, x0, sy, x1 - x0, lane_h - 1, ctrace__name_colour(zn),
                              s->unfinished ? CTRACE__RSS_LINE : 0, 1);
          if (x1 - x0 >= 4) {
            char ln[16];
            ctrace__fmt_ns(dur, sizeof dur, (double)(s->end - s->start));
            if (s->zone < n_z)
              ctrace__textf(buf, sizeof buf, "%.60s  %s  %.60s%s%s", zn, dur, zones[s->zone].file,
                       ctrace__line_suffix(ln, zones[s->zone].line), s->unfinished ? "  (unfinished)" : "");
            else ctrace__textf(buf, sizeof buf, "%s", dur);
            ctrace__canvas_title(c, buf);
          }
          if (x1 - x0 >= (float)fs * 2.5f && lane_h >= (float)fs) {
            char fit[160];
            ctrace__canvas_text(c, x0 + 2, sy + lane_h * 0.5f + (float)fs * 0.35f, fs - 2, CTRACE__AN_START,
                                CTRACE__INK, ctrace__fit_text(fit, sizeof fit, zn, x1 - x0 - 4, fs - 2));
          }
        }
      }
    }
    y += row_h;
  }
  if (i < n_th) {
    ctrace__textf(buf, sizeof buf, "(%u more threads not shown)", (unsigned)(n_th - i));
    ctrace__canvas_text(c, 6, y + (float)fs, fs, CTRACE__AN_START, CTRACE__MUTED, buf);
    y += (float)fs + 6;
  }
  /* collections */
  {
    float th_h = (float)fs + 4;
    ctrace__canvas_text(c, 6, y + th_h * 0.7f, fs, CTRACE__AN_START, CTRACE__INK, "collections");
    float last_end = -1e9f;
    for (i = 0; i < n_gc; ++i) {
      float x0 = ctrace__fx(&f, (double)gc[i].start_ns), x1 = ctrace__fx(&f, (double)gc[i].end_ns);
      if (x1 - x0 < 1) x1 = x0 + 1;
      if (x1 <= last_end + 0.5f) continue; /* already covered at this resolution */
      last_end = x1;
      ctrace__canvas_rect(c, x0, y + 2, x1 - x0, th_h - 4, CTRACE__GC_FILL, 0, 0);
      ctrace__fmt_ns(dur, sizeof dur, (double)(gc[i].end_ns - gc[i].start_ns));
      ctrace__textf(buf, sizeof buf, "collection %u (%.60s): %s", (unsigned)(i + 1u), gc[i].reason, dur);
      ctrace__canvas_title(c, buf);
    }
    y += th_h + 2;
  }
  /* tasks, packed into lanes as above */
  if (n_t && d) {
    float lane_px = ((float)fs + 4) / 3;
    uint32_t used = 0, titled = 0;
    if (tasks_hidden) ctrace__textf(buf, sizeof buf, "tasks, %u hidden", (unsigned)tasks_hidden);
    ctrace__canvas_text(c, 6, y + ((float)fs + 4) * 0.7f, fs, CTRACE__AN_START, CTRACE__INK,
                        tasks_hidden ? buf : "tasks");
    if (tasks_hidden) {
      ctrace__textf(buf, sizeof buf, "%u tasks not drawn: more than %u ran at once", (unsigned)tasks_hidden,
                    (unsigned)CTRACE__TASK_LANES);
      ctrace__canvas_title(c, buf);
    }
    for (j = 0; j < d->tasks.n; ++j) {
      const ctrace__dspan *s = &d->tasks.v[j];
      const char *tn = s->zone < n_t ? tasks[s->zone].name : "task";
      float x0 = ctrace__fx(&f, (double)s->start), x1 = ctrace__fx(&f, (double)s->end);
      uint32_t l;
      if (x1 - x0 < 1) x1 = x0 + 1;
      l = ctrace__task_lane(task_end, &used, x0, x1);
      if (l == CTRACE__TASK_LANES) continue;
      ctrace__canvas_rect(c, x0, y + 1 + lane_px * (float)l, x1 - x0, lane_px - 1, ctrace__name_colour(tn), 0, 0);
      if (++titled <= 2000u) { /* bounds the SVG's size, as for zones */
        ctrace__fmt_ns(dur, sizeof dur, (double)(s->end - s->start));
        ctrace__textf(buf, sizeof buf, "task %.80s: %s", tn, dur);
        ctrace__canvas_title(c, buf);
      }
    }
    y += task_h + 2;
  }
  /* instants and log messages */
  if (d && d->n_marks) {
    float th_h = (float)fs + 4;
    int last_col = -1;
    ctrace__canvas_text(c, 6, y + th_h * 0.7f, fs, CTRACE__AN_START, CTRACE__INK, "events, logs");
    for (j = 0; j < d->n_marks; ++j) {
      float x;
      if ((double)d->marks[j].t < f.t0 || (double)d->marks[j].t > f.t1) continue; /* damaged times */
      x = ctrace__fx(&f, (double)d->marks[j].t);
      if ((int)x == last_col) continue;
      last_col = (int)x;
      ctrace__canvas_line(c, x, y + 2, x, y + th_h - 2,
                          d->marks[j].kind == (uint32_t)CTRACE_EV_LOG ? 0x4e79a7ffu : CTRACE__INK, 1);
    }
    y += th_h + 2;
  }
  for (i = 0; i < n_ctr_shown; ++i) {
    float th_h = ((float)fs + 6) * 1.5f;
    char fit[120];
    ctrace__canvas_text(c, 6, y + th_h * 0.6f, fs, CTRACE__AN_START, CTRACE__INK,
                        ctrace__fit_text(fit, sizeof fit, ctr[i].name, label_w - 10, fs));
    ctrace__track_series(c, &f, &ctr[i], y + 2, th_h - 4);
    y += th_h;
  }
  f.h = y - f.y;
  ctrace__axis_time(c, &f, fs, 0);
  c->used_h = f.y + f.h + 12 + (float)fs;
  if (n_c > n_ctr_shown) { /* every cap says so */
    ctrace__textf(buf, sizeof buf, "%u more counters not shown",
                  (unsigned)(n_c - n_ctr_shown));
    ctrace__canvas_text(c, 6, c->used_h + (float)fs, fs, CTRACE__AN_START, CTRACE__MUTED, buf);
    c->used_h += (float)fs + 6;
  }
  CTRACE_MEM_FREE(band);
  return c->oom ? CTRACE_E_NOMEM : 0;
}

/* d (may be NULL): spans from the analysis pass; if the caller did not call
   ctrace__detail_finish(), a finished copy is drawn instead. */
static CTRACE__MAYBE_UNUSED int ctrace__chart_timeline(ctrace__canvas *c, const ctrace_analysis *a,
                                                       const ctrace__detail *d, float w, float h) {
  ctrace__detail tmp;
  int rc;
  if (!d || d->finished) return ctrace__chart_timeline_laid(c, a, d, w, h);
  tmp = *d;
  tmp.spans.v = (ctrace__dspan *)CTRACE_MEM_ALLOC(sizeof(ctrace__dspan) * (d->spans.n + 1u));
  tmp.tasks.v = (ctrace__dspan *)CTRACE_MEM_ALLOC(sizeof(ctrace__dspan) * (d->tasks.n + 1u));
  tmp.waits.v = (ctrace__dspan *)CTRACE_MEM_ALLOC(sizeof(ctrace__dspan) * (d->waits.n + 1u));
  if (!tmp.spans.v || !tmp.tasks.v || !tmp.waits.v) {
    CTRACE_MEM_FREE(tmp.spans.v);
    CTRACE_MEM_FREE(tmp.tasks.v);
    CTRACE_MEM_FREE(tmp.waits.v);
    c->oom = 1;
    return CTRACE_E_NOMEM;
  }
  if (d->spans.n) memcpy(tmp.spans.v, d->spans.v, sizeof(ctrace__dspan) * d->spans.n);
  if (d->tasks.n) memcpy(tmp.tasks.v, d->tasks.v, sizeof(ctrace__dspan) * d->tasks.n);
  if (d->waits.n) memcpy(tmp.waits.v, d->waits.v, sizeof(ctrace__dspan) * d->waits.n);
  tmp.spans.cap = d->spans.n + 1u;
  tmp.tasks.cap = d->tasks.n + 1u;
  tmp.waits.cap = d->waits.n + 1u;
  ctrace__detail_finish(&tmp);
  rc = ctrace__chart_timeline_laid(c, a, &tmp, w, h);
  CTRACE_MEM_FREE(tmp.spans.v);
  CTRACE_MEM_FREE(tmp.tasks.v);
  CTRACE_MEM_FREE(tmp.waits.v);
  return rc;
}

/* Colour for a flame node compared with a baseline: red where this run
   spends more, blue where less, grey where the same; deeper = larger share. */
static uint32_t ctrace__delta_colour(double now, double before) {
  double big = now > before ? now : before, rel = big > 0 ? (now - before) / big : 0;
  double k = fabs(rel) > 1 ? 1 : fabs(rel);
  if (before <= 0 && now > 0) return 0xd62728ffu;
  return rel > 0.02 ? ctrace__hsl(0, 0.75, 0.85 - 0.4 * k, 0xffu)
       : rel < -0.02 ? ctrace__hsl(215, 0.7, 0.85 - 0.4 * k, 0xffu) : 0xd9d9d9ffu;
}

/* The child of node p in tree t named name, or CTRACE_NONE. */
static uint32_t ctrace__flame_child(const ctrace_flame_node *t, uint32_t p, const char *name) {
  uint32_t k;
  if (p == CTRACE_NONE) return CTRACE_NONE;
  for (k = t[p].first_child; k != CTRACE_NONE; k = t[k].next_sibling)
    if (strcmp(t[k].name, name) == 0) return k;
  return CTRACE_NONE;
}

/* Where the flame graph's rows go in a chart h high: the first row's top,
   each row's height, the font size. The report's script draws zoomed views
   with the same figures. */
typedef struct ctrace__flame_rows {
  float top, row_h, fs;
} ctrace__flame_rows;

static ctrace__flame_rows ctrace__flame_layout(const ctrace_flame_node *t, uint32_t n, float h) {
  ctrace__flame_rows L;
  uint32_t i, max_depth = 1;
  for (i = 0; i < n; ++i) if (t[i].depth > max_depth) max_depth = t[i].depth;
  L.top = 30;
  L.fs = h >= 500 ? 14.0f : 12.0f;
  L.row_h = (h - L.top - 4) / (float)max_depth;
  if (L.row_h > L.fs + 6) L.row_h = L.fs + 6;
  if (L.row_h < 3) L.row_h = 3;
  return L;
}

/* Aggregated zone stacks, the outermost zone on top and callees below
   (an "icicle" flame graph); width is total time. group = node index + 1 so
   that a script can zoom into a node. b (may be NULL): a baseline run; each
   node is then coloured by its change against the same stack there.
   still: a picture no script will zoom (the PNG): each label says its box's
   share of the whole, the title the whole's time, and a time axis runs
   under the deepest row drawn. */
/* The weight of node k: its total time, or (by_bytes) the bytes allocated
   on stacks through it. */
#define CTRACE__FLAME_W(t, k) (by_bytes ? (double)(t)[k].bytes_total : (double)(t)[k].total_ns)

/* The same drawing for any tree: the zone stacks by time (with a baseline
   tb), or the allocation stacks by bytes ("where the memory comes from"). */
static CTRACE__MAYBE_UNUSED int ctrace__chart_flame_tree(ctrace__canvas *c, const ctrace_flame_node *t, uint32_t n,
                                                         const ctrace_flame_node *tb, uint32_t nb, float w, float h,
                                                         int still, int by_bytes) {
  uint32_t *stack, sp = 0;
  ctrace__flame_rows L = ctrace__flame_layout(t, n, h);
  float *x, row_h = L.row_h, top = L.top, fs = L.fs;
  uint32_t *match, drawn = 0;
  float bottom = top;
  double scale;
  char buf[300], t1[48], t2[48];
  if (still && !tb && n > 0 && CTRACE__FLAME_W(t, 0) > 0) {
    if (by_bytes) ctrace__fmt_bytes(t1, sizeof t1, CTRACE__FLAME_W(t, 0));
    else ctrace__fmt_ns(t1, sizeof t1, (double)t[0].total_ns);
    ctrace__textf(buf, sizeof buf, by_bytes ? "Allocation stacks: width = bytes allocated, the full width = %s"
                                            : "Zone stacks (flame graph): width = total time, the full width = %s", t1);
  }
  ctrace__canvas_text(c, 8, 20, (int)fs + 2, CTRACE__AN_START, CTRACE__INK,
                      tb ? "Zone stacks: red = slower than the baseline, blue = faster"
                         : still && n > 0 && CTRACE__FLAME_W(t, 0) > 0 ? buf
                         : by_bytes ? "Allocation stacks (outermost frame on top): width = bytes allocated"
                         : "Zone stacks (flame graph): width = total time");
  if (n == 0 || CTRACE__FLAME_W(t, 0) <= 0) {
    c->used_h = h / 2 + fs * 2;
    ctrace__canvas_text(c, w / 2, h / 2, (int)fs, CTRACE__AN_MIDDLE, CTRACE__MUTED,
                        by_bytes ? "no allocation stacks were recorded" : "no zones were recorded");
    return c->oom ? CTRACE_E_NOMEM : 0;
  }
  x = (float *)CTRACE_MEM_ALLOC(sizeof(float) * n);
  stack = (uint32_t *)CTRACE_MEM_ALLOC(sizeof(uint32_t) * n);
  match = (uint32_t *)CTRACE_MEM_ALLOC(sizeof(uint32_t) * n);
  if (!x || !stack || !match) {
    CTRACE_MEM_FREE(x); CTRACE_MEM_FREE(stack); CTRACE_MEM_FREE(match);
    c->oom = 1;
    return CTRACE_E_NOMEM;
  }
  x[0] = still ? 28.0f : 8.0f; /* a still picture's axis labels need room at the sides */
  scale = (double)(w - 2 * x[0]) / CTRACE__FLAME_W(t, 0);
  match[0] = nb ? 0 : CTRACE_NONE;
  stack[sp++] = 0;
  while (sp) {
    uint32_t p = stack[--sp], k;
    float cx = x[p];
    for (k = t[p].first_child; k != CTRACE_NONE && k < n; k = t[k].next_sibling) {
      float cw = (float)(CTRACE__FLAME_W(t, k) * scale), y;
      x[k] = cx;
      cx += cw;
      match[k] = tb ? ctrace__flame_child(tb, match[p], t[k].name) : CTRACE_NONE;
      y = top + row_h * (float)(t[k].depth - 1u);
      if (cw < 0.5f || y + row_h > h - (still ? fs * 2 + 14 : 0) || ++drawn > 6000u)
        continue; /* bounds the SVG's size; a still picture keeps room for its axis */
      stack[sp++] = k;
      if (y + row_h > bottom) bottom = y + row_h;
      {
        uint32_t col = tb ? ctrace__delta_colour((double)t[k].total_ns,
                                                 match[k] != CTRACE_NONE ? (double)tb[match[k]].total_ns : 0)
                          : ctrace__name_colour(t[k].name);
        ctrace__canvas_rect(c, x[k], y, cw, row_h - 1, col, 0xffffffffu, 0.5f);
        ctrace__canvas_group(c, k + 1u);
        ctrace__fmt_ns(t1, sizeof t1, (double)t[k].total_ns);
        ctrace__fmt_ns(t2, sizeof t2, (double)t[k].self_ns);
        if (by_bytes) {
          ctrace__fmt_bytes(t1, sizeof t1, (double)t[k].bytes_total);
          ctrace__fmt_bytes(t2, sizeof t2, (double)t[k].bytes_self);
          ctrace__textf(buf, sizeof buf, "%.200s: %s (%.1f%%) allocated through it, %s by itself, %llu allocations",
                        t[k].name, t1, 100.0 * (double)t[k].bytes_total / CTRACE__FLAME_W(t, 0), t2,
                        (unsigned long long)t[k].count);
        } else if (tb) {
          char t3[48];
          ctrace__fmt_ns(t3, sizeof t3, match[k] != CTRACE_NONE ? (double)tb[match[k]].total_ns : 0);
          ctrace__textf(buf, sizeof buf, "%.60s: total %s (%.1f%%), baseline %s", t[k].name, t1,
                   100.0 * (double)t[k].total_ns / (double)t[0].total_ns, t3);
        } else {
          ctrace__textf(buf, sizeof buf, "%.60s: total %s (%.1f%%), self %s, %llu calls", t[k].name, t1,
                   100.0 * (double)t[k].total_ns / (double)t[0].total_ns, t2,
                   (unsigned long long)t[k].count);
        }
        ctrace__canvas_title(c, buf);
        if (cw >= fs * 2.0f && row_h >= fs) {
          char fit[160], label[120];
          const char *words = t[k].name;
          if (still) {
            /* the share when the whole label fits, else as much of the name as does */
            ctrace__textf(label, sizeof label, "%.80s %.1f%%", t[k].name,
                          100.0 * CTRACE__FLAME_W(t, k) / CTRACE__FLAME_W(t, 0));
            ctrace__fit_text(fit, sizeof fit, label, cw - 6, (int)fs - 2);
            if (strcmp(fit, label) == 0) words = label;
          }
          ctrace__canvas_text(c, x[k] + 3, y + row_h * 0.5f + fs * 0.35f, (int)fs - 2, CTRACE__AN_START,
                              CTRACE__INK, ctrace__fit_text(fit, sizeof fit, words, cw - 6, (int)fs - 2));
          ctrace__canvas_group(c, k + 1u);
        }
      }
    }
  }
  CTRACE_MEM_FREE(x); CTRACE_MEM_FREE(stack); CTRACE_MEM_FREE(match);
  if (still) {
    ctrace__frame f;
    memset(&f, 0, sizeof f);
    f.x = 28; f.w = w - 56; f.y = top; f.h = bottom - top + 2;
    f.t0 = 0; f.t1 = (double)t[0].total_ns; /* a time axis: zone stacks only (by_bytes draws none) */
    f.v0 = 0; f.v1 = 1;
    ctrace__axis_time(c, &f, (int)fs - 2, 0);
    c->used_h = f.y + f.h + 12 + fs;
  }
  return c->oom ? CTRACE_E_NOMEM : 0;
}
#undef CTRACE__FLAME_W

static CTRACE__MAYBE_UNUSED int ctrace__chart_flame_compare(ctrace__canvas *c, const ctrace_analysis *a,
                                                            const ctrace_analysis *b, float w, float h,
                                                            int still) {
  uint32_t n = 0, nb = 0;
  const ctrace_flame_node *t = ctrace_analysis_flame(a, &n), *tb = b ? ctrace_analysis_flame(b, &nb) : NULL;
  return ctrace__chart_flame_tree(c, t, n, tb, nb, w, h, still, 0);
}

static CTRACE__MAYBE_UNUSED int ctrace__chart_flame(ctrace__canvas *c, const ctrace_analysis *a, float w, float h) {
  return ctrace__chart_flame_compare(c, a, NULL, w, h, 1);
}

/* Allocation sizes: one bar per power-of-two bucket, count of allocations. */

/* The minimum mutator utilization curve: window length on a log axis, the
   worst share of such a window the program ran on a linear one. */
static CTRACE__MAYBE_UNUSED int ctrace__chart_mmu(ctrace__canvas *c, const ctrace_analysis *a, float w, float h) {
  uint32_t n = 0, i;
  const ctrace_mmu_point *m = ctrace_analysis_mmu(a, &n);
  float x0 = 56, y0 = 30, pw = w - 76, ph = h - 30 - 44, *xy;
  double l0, l1;
  char buf[96], s1[32];
  ctrace__canvas_text(c, 8, 18, 14, CTRACE__AN_START, CTRACE__INK,
                      "Minimum mutator utilization (worst share of a window the program ran)");
  if (n < 1) {
    ctrace__canvas_text(c, w / 2, h / 2, 13, CTRACE__AN_MIDDLE, CTRACE__MUTED, "no program thread");
    return c->oom ? CTRACE_E_NOMEM : 0;
  }
  l0 = log10((double)m[0].window_ns);
  l1 = log10((double)m[n - 1].window_ns);
  if (l1 <= l0) l1 = l0 + 1;
  for (i = 0; i <= 4; ++i) {
    float y = y0 + ph - ph * (float)i / 4;
    ctrace__canvas_line(c, x0, y, x0 + pw, y, CTRACE__GRID, 1);
    ctrace__textf(buf, sizeof buf, "%u%%", i * 25u);
    ctrace__canvas_text(c, x0 - 6, y + 4, 11, CTRACE__AN_END, CTRACE__INK, buf);
  }
  xy = (float *)CTRACE_MEM_ALLOC((size_t)n * 2 * sizeof *xy);
  if (!xy) return CTRACE_E_NOMEM;
  for (i = 0; i < n; ++i) {
    xy[2 * i] = x0 + pw * (float)((log10((double)m[i].window_ns) - l0) / (l1 - l0));
    xy[2 * i + 1] = y0 + ph - ph * (float)m[i].utilization;
  }
  ctrace__canvas_poly(c, xy, n, 0, CTRACE__HEAP_FILL, 2);
  for (i = 0; i < n; ++i) {
    ctrace__fmt_ns(s1, sizeof s1, (double)m[i].window_ns);
    ctrace__canvas_rect(c, xy[2 * i] - 3, xy[2 * i + 1] - 3, 6, 6, CTRACE__HEAP_FILL, 0, 0);
    ctrace__textf(buf, sizeof buf, "window %s: %.1f%%", s1, 100.0 * m[i].utilization);
    ctrace__canvas_title(c, buf);
    if (i == 0 || i == n - 1 || (i % 2 == 0 && xy[2 * (n - 1)] - xy[2 * i] > 60))
      ctrace__text_inside(c, xy[2 * i], y0 + ph + 16, 11, CTRACE__INK, s1);
  }
  CTRACE_MEM_FREE(xy);
  { /* the window "What this run shows" quotes (CTRACE__STORY_MMU_WINDOW, 10 ms, or the run if shorter),
       so its figure is on the chart too */
    int64_t qw = ctrace_analysis_summary(a)->duration_ns < 10000000 ? ctrace_analysis_summary(a)->duration_ns
                                                                    : 10000000;
    double u = ctrace_analysis_mmu_at(a, qw, NULL);
    float qx = x0 + pw * (float)((log10((double)(qw > 0 ? qw : 1)) - l0) / (l1 - l0)), qy = y0 + ph - ph * (float)u;
    if (qw > 0 && qx >= x0 && qx <= x0 + pw) {
      ctrace__canvas_rect(c, qx - 5, qy - 5, 10, 10, 0, CTRACE__INK, 1.5f);
      ctrace__fmt_ns(s1, sizeof s1, (double)qw);
      ctrace__textf(buf, sizeof buf, "%s: %.0f %%", s1, 100.0 * u);
      ctrace__canvas_title(c, buf);
      ctrace__canvas_text(c, qx + 8, qy + (u > 0.5 ? 16.0f : -8.0f), 11, CTRACE__AN_START, CTRACE__INK, buf);
    }
  }
  ctrace__canvas_text(c, x0 + pw / 2, h - 8, 12, CTRACE__AN_MIDDLE, CTRACE__MUTED,
                      "window length (log scale, up to the whole run)");
  return c->oom ? CTRACE_E_NOMEM : 0;
}

static CTRACE__MAYBE_UNUSED int ctrace__chart_sizes(ctrace__canvas *c, const ctrace_analysis *a, float w, float h) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  uint32_t lo = 65, hi = 0, k;
  uint64_t most = 0;
  float x0 = 60, y0 = 28, pw = w - 70, ph = h - 28 - 40, bw;
  char buf[128], s1[32], s2[32], s3[32], range[72];
  ctrace__canvas_text(c, 8, 18, 14, CTRACE__AN_START, CTRACE__INK, "Allocation sizes (count per size range)");
  if (!m) return 0;
  for (k = 0; k < 65u; ++k)
    if (m->size_count[k]) { if (k < lo) lo = k; hi = k; if (m->size_count[k] > most) most = m->size_count[k]; }
  if (!most) {
    ctrace__canvas_text(c, w / 2, h / 2, 13, CTRACE__AN_MIDDLE, CTRACE__MUTED, "no allocations were recorded");
    return c->oom ? CTRACE_E_NOMEM : 0;
  }
  bw = pw / (float)(hi - lo + 1u);
  ctrace__canvas_line(c, x0, y0 + ph, x0 + pw, y0 + ph, CTRACE__INK, 1);
  for (k = lo; k <= hi; ++k) {
    float bh = (float)((double)m->size_count[k] / (double)most) * ph, bx = x0 + bw * (float)(k - lo);
    /* a bin is a range of sizes, [2^(k-1), 2^k), and is labelled as one */
    ctrace__fmt_pow2(s1, sizeof s1, k ? k - 1u : 0);
    ctrace__fmt_pow2(s3, sizeof s3, k);
    if (k) ctrace__textf(range, sizeof range, "%s-%s", s1, s3);
    else ctrace__textf(range, sizeof range, "0 B");
    ctrace__canvas_rect(c, bx + 1, y0 + ph - bh, bw - 2 > 1 ? bw - 2 : 1, bh, CTRACE__HEAP_FILL, 0, 0);
    ctrace__fmt_bytes(s2, sizeof s2, (double)m->size_bytes[k]);
    ctrace__textf(buf, sizeof buf, "%s (up to, not including, %s): %llu allocations, %s", k ? s1 : "0 B",
                  k ? s3 : "1 B", (unsigned long long)m->size_count[k], s2);
    ctrace__canvas_title(c, buf);
    if (bw >= 100 || (k - lo) % (uint32_t)(100 / bw + 1) == 0)
      ctrace__canvas_text(c, bx + bw / 2, y0 + ph + 16, 11, CTRACE__AN_MIDDLE, CTRACE__INK, range);
  }
  ctrace__textf(buf, sizeof buf, "%llu", (unsigned long long)most);
  ctrace__canvas_text(c, x0 - 6, y0 + 10, 11, CTRACE__AN_END, CTRACE__INK, buf);
  ctrace__canvas_text(c, x0 - 6, y0 + ph, 11, CTRACE__AN_END, CTRACE__INK, "0");
  ctrace__canvas_text(c, x0 + pw / 2, h - 6, 12, CTRACE__AN_MIDDLE, CTRACE__MUTED,
                      "size of one allocation (each bar a range: from the first size up to the second)");
  return c->oom ? CTRACE_E_NOMEM : 0;
}
/* <<impl:draw */

/* >>impl:report */
/* >>report -------------------------------------------------------------------
   The HTML report: one self-contained file. The page's Content-Security-Policy
   forbids every request (default-src 'none'; the only image source is data:,
   for the empty favicon that stops a browser asking for one). The script is
   allowed by its SHA-256 hash rather than 'unsafe-inline': should escaping
   ever fail, a script smuggled in through a trace still would not run, because
   its hash would not match. Styles are inline ('unsafe-inline'): CSS cannot
   run code, and with every request forbidden it cannot send anything out. */

#include <time.h>
#include <errno.h>

/* SHA-256 (FIPS 180-4), only to hash the report's own script for the CSP. */
typedef struct ctrace__sha256 {
  uint32_t h[8];
  unsigned char block[64];
  uint64_t bytes;
  uint32_t fill;
} ctrace__sha256;

static const uint32_t ctrace__sha256_k[64] = {
  0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
  0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
  0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
  0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
  0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
  0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
  0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
  0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

static CTRACE__WRAPS uint32_t ctrace__ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static CTRACE__WRAPS void ctrace__sha256_block(ctrace__sha256 *s, const unsigned char *p) {
  uint32_t w[64], v[8], i;
  for (i = 0; i < 16u; ++i)
    w[i] = ((uint32_t)p[4u * i] << 24) | ((uint32_t)p[4u * i + 1u] << 16) | ((uint32_t)p[4u * i + 2u] << 8) |
           (uint32_t)p[4u * i + 3u];
  for (i = 16; i < 64u; ++i) {
    uint32_t s0 = ctrace__ror(w[i - 15u], 7) ^ ctrace__ror(w[i - 15u], 18) ^ (w[i - 15u] >> 3);
    uint32_t s1 = ctrace__ror(w[i - 2u], 17) ^ ctrace__ror(w[i - 2u], 19) ^ (w[i - 2u] >> 10);
    w[i] = w[i - 16u] + s0 + w[i - 7u] + s1;
  }
  memcpy(v, s->h, sizeof v);
  for (i = 0; i < 64u; ++i) {
    uint32_t t1 = v[7] + (ctrace__ror(v[4], 6) ^ ctrace__ror(v[4], 11) ^ ctrace__ror(v[4], 25)) +
                  ((v[4] & v[5]) ^ (~v[4] & v[6])) + ctrace__sha256_k[i] + w[i];
    uint32_t t2 = (ctrace__ror(v[0], 2) ^ ctrace__ror(v[0], 13) ^ ctrace__ror(v[0], 22)) +
                  ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    memmove(v + 1, v, sizeof(uint32_t) * 7u);
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (i = 0; i < 8u; ++i) s->h[i] += v[i];
}

static void ctrace__sha256_init(ctrace__sha256 *s) {
  static const uint32_t h0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  memcpy(s->h, h0, sizeof h0);
  s->bytes = 0;
  s->fill = 0;
}

static void ctrace__sha256_update(ctrace__sha256 *s, const void *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  s->bytes += n;
  while (n) {
    size_t take = 64u - s->fill < n ? 64u - s->fill : n;
    memcpy(s->block + s->fill, p, take);
    s->fill += (uint32_t)take;
    p += take;
    n -= take;
    if (s->fill == 64u) { ctrace__sha256_block(s, s->block); s->fill = 0; }
  }
}

static void ctrace__sha256_final(ctrace__sha256 *s, unsigned char out[32]) {
  uint64_t bits = s->bytes * 8u;
  unsigned char pad = 0x80u, len[8];
  int i;
  ctrace__sha256_update(s, &pad, 1);
  pad = 0;
  while (s->fill != 56u) ctrace__sha256_update(s, &pad, 1);
  for (i = 0; i < 8; ++i) len[i] = (unsigned char)(bits >> (56 - 8 * i));
  ctrace__sha256_update(s, len, 8);
  for (i = 0; i < 32; ++i) out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static void ctrace__base64(const unsigned char *p, size_t n, char *out) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i;
  for (i = 0; i + 2 < n; i += 3) {
    uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
    *out++ = a[v >> 18]; *out++ = a[(v >> 12) & 63u]; *out++ = a[(v >> 6) & 63u]; *out++ = a[v & 63u];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)p[i] << 16;
    *out++ = a[v >> 18]; *out++ = a[(v >> 12) & 63u]; *out++ = '='; *out++ = '=';
  } else if (n - i == 2) {
    uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8);
    *out++ = a[v >> 18]; *out++ = a[(v >> 12) & 63u]; *out++ = a[(v >> 6) & 63u]; *out++ = '=';
  }
  *out = '\0';
}

/* The page style and script live in tools/report.css and tools/report.js;
   tools/embed.py (make embed) copies them here, one string per line, long
   lines cut (C99 only promises 4095-byte literals). tests/test_embed.sh fails
   when this copy is stale. */
/* >>embed:tools/report.css */
/* Generated by tools/embed.py from tools/report.css (make embed); edit that file, not this. */
static const char *const ctrace__report_css[] = {
  "body { font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", sans-serif; color: #222; margin: 0; background: #fafafa; }\n",
  "header, section { max-width: 1500px; margin: 0 auto; padding: 8px 20px; }\n",
  "header { background: #fff; border-bottom: 1px solid #ddd; max-width: none; }\n",
  "h1 { font-size: 22px; margin: 8px 0 2px; }\n",
  "h2 { font-size: 18px; margin: 22px 0 8px; border-bottom: 2px solid #4e79a7; padding-bottom: 2px; }\n",
  "h3 { font-size: 15px; margin: 14px 0 6px; }\n",
  "nav a { margin-right: 14px; color: #2a5d8f; }\n",
  ".sub { color: #666; margin: 0 0 6px; }\n",
  ".grid { display: flex; gap: 18px; align-items: flex-start; }\n",
  ".main { flex: 1 1 auto; min-width: 0; overflow-x: auto; }\n",
  ".howto { flex: 0 0 290px; background: #fffbe6; border: 1px solid #eedc82; border-radius: 6px; padding: 8px 12px; font-size: 13px; }\n",
  ".howto h3 { margin-top: 4px; }\n",
  ".howto p { margin: 6px 0; }\n",
  ".cards { display: flex; flex-wrap: wrap; gap: 10px; }\n",
  ".card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 230px; }\n",
  ".card h3 { margin: 0 0 4px; font-size: 14px; }\n",
  "dl.kv { display: grid; grid-template-columns: auto auto; gap: 1px 12px; margin: 0; }\n",
  "dl.kv dt { color: #555; }\n",
  "dl.kv dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }\n",
  ".warn { background: #fdecea; border: 1px solid #e0938b; border-radius: 6px; padding: 8px 12px; margin: 10px 0; }\n",
  ".warn h3 { margin: 0 0 4px; color: #a12622; }\n",
  ".ok { background: #eaf6ea; border: 1px solid #9ccc9c; border-radius: 6px; padding: 6px 12px; margin: 10px 0; }\n",
  "table { border-collapse: collapse; background: #fff; font-size: 13px; margin: 4px 0 10px; }\n",
  "th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }\n",
  "td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\n",
  "th { background: #eef2f6; position: sticky; top: 0; }\n",
  "table.sortable th { cursor: pointer; }\n",
  "table.sortable th[data-dir=\"asc\"]::after { content: \" \\25B2\"; }\n",
  "table.sortable th[data-dir=\"desc\"]::after { content: \" \\25BC\"; }\n",
  "tr.picked td { background: #dbe8f6; }\n",
  "#zones-table tbody tr { cursor: pointer; }\n",
  "td.name { max-width: 380px; overflow-wrap: anywhere; }\n",
  "td.msg { max-width: 700px; overflow-wrap: anywhere; white-space: pre-wrap; }\n",
  ".scroll { max-height: 520px; overflow: auto; }\n",
  ".up { color: #b22222; }\n",
  ".down { color: #1f6f3f; }\n",
  "svg { max-width: 100%; height: auto; background: #fff; }\n",
  "svg text { font-family: monospace; }\n",
  "#flame rect { cursor: pointer; }\n",
  ".tools { margin: 6px 0; }\n",
  ".tools button { font: inherit; padding: 2px 10px; margin-right: 4px; }\n",
  "#tl-canvas { width: 100%; display: block; background: #fff; border: 1px solid #ddd; cursor: crosshair; }\n",
  "#tip { position: absolute; z-index: 10; background: #fff; border: 1px solid #888; border-radius: 4px; padding: 4px 8px; font-size: 12px; max-width: 460px; overflow-wrap: anywhere; pointer-events: none; box-shadow: 0 2px 6px rgba(0,0,0,.2); }\n",
  ".tip-name { font-weight: bold; }\n",
  ".interactive { display: none; }\n",
  ".js .interactive { display: block; }\n",
  ".js .static-only { display: none; }\n",
  ".muted { color: #666; }\n",
  "code { font-size: 12px; }\n",
  "@media (max-width: 1000px) { .grid { flex-direction: column; } .howto { flex-basis: auto; } }\n",
  "@media print {\n",
  "  body { background: #fff; font-size: 11px; }\n",
  "  nav, .tools, #tip, .interactive, #msg-filter { display: none !important; }\n",
  "  .js .static-only { display: block; }\n",
  "  .scroll { max-height: none; overflow: visible; }\n",
  "  .grid { display: block; }\n",
  "  .howto { border: 1px solid #ccc; background: #fff; margin-top: 6px; }\n",
  "  section { page-break-inside: auto; }\n",
  "  h2 { page-break-after: avoid; }\n",
  "  th { position: static; }\n",
  "}\n",
  ".legend .sw { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 6px; vertical-align: middle; }\n",
  NULL
};
/* <<embed:tools/report.css */

/* The page script: every string from the trace reaches the DOM through
   textContent or canvas fillText, never as markup. */
/* >>embed:tools/report.js */
/* Generated by tools/embed.py from tools/report.js (make embed); edit that file, not this. */
static const char *const ctrace__report_js[] = {
  "(function () {\n",
  "'use strict';\n",
  "var doc = document, D;\n",
  "try { D = JSON.parse(doc.getElementById('ct-data').textContent); } catch (e) { return; }\n",
  "doc.documentElement.classList.add('js');\n",
  "function $(id) { return doc.getElementById(id); }\n",
  "function p3(x) { return String(+x.toPrecision(3)); }\n",
  "function fmtT(ns) {\n",
  "  var a = Math.abs(ns);\n",
  "  if (a < 1e3) return Math.round(ns) + ' ns';\n",
  "  if (a < 1e6) return p3(ns / 1e3) + ' \\u00b5s';\n",
  "  if (a < 1e9) return p3(ns / 1e6) + ' ms';\n",
  "  return p3(ns / 1e9) + ' s';\n",
  "}\n",
  "/* a tick in the unit of the axis's largest value: no \"0 ns\" beside \"ms\" */\n",
  "function tickT(ns, ref) {\n",
  "  var u = ['ns', '\\u00b5s', 'ms', 's'], d = 1, k = 0;\n",
  "  while (k < 3 && Math.abs(ref) >= 1e3 * d) { d *= 1e3; k++; }\n",
  "  return p3(ns / d) + ' ' + u[k];\n",
  "}\n",
  "function fmtB(b) {\n",
  "  var a = Math.abs(b);\n",
  "  if (a < 1e3) return Math.round(b) + ' B';\n",
  "  if (a < 1e6) return p3(b / 1e3) + ' kB';\n",
  "  if (a < 1e9) return p3(b / 1e6) + ' MB';\n",
  "  return p3(b / 1e9) + ' GB';\n",
  "}\n",
  "function niceStep(range, n) {\n",
  "  var raw = range / Math.max(1, n), p = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), f = raw / p;\n",
  "  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;\n",
  "}\n",
  "function svgEl(tag, attrs) {\n",
  "  var e = doc.createElementNS('http://www.w3.org/2000/svg', tag), k;\n",
  "  for (k in attrs) e.setAttribute(k, attrs[k]);\n",
  "  return e;\n",
  "}\n",
  "\n",
  "/* ---- timeline ---- */\n",
  "var cv = $('tl-canvas'), tip = $('tip');\n",
  "if (cv && cv.getContext) (function () {\n",
  "  var ctx = cv.getContext('2d'), Q = D.q, DUR = Math.max(1, D.dur), LW = 150, RM = 10, LH = 14;\n",
  "  var hsvg = doc.querySelector('svg.heap-chart');\n",
  "  /* one time axis: the canvas takes the heap chart's left edge and right\n",
  "     margin, as drawn at the page's width */\n",
  "  function align() {\n",
  "    if (!hsvg || !D.hx || !hsvg.viewBox || !hsvg.viewBox.baseVal) return;\n",
  "    var hb = hsvg.getBoundingClientRect(), cb = cv.getBoundingClientRect(), vw = hsvg.viewBox.baseVal.width;\n",
  "    if (!vw || !hb.width || !cb.width) return;\n",
  "    var k = hb.width / vw;\n",
  "    LW = hb.left - cb.left + D.hx[0] * k;\n",
  "    RM = cb.right - hb.right + D.hx[1] * k;\n",
  "  }\n",
  "  var v0 = 0, v1 = DUR, sel = null, drag = null, rows = [], H = 0, i, j, k = 0;\n",
  "  var lanes = [], byRow = [];\n",
  "  for (i = 0; i < D.th.length; i++) byRow.push([]);\n",
  "  for (i = 0; i < D.ln.length; i++) {\n",
  "    var n = D.ln[i][2], s = new Float64Array(n), d = new Float64Array(n), z = new Int32Array(n), t = 0;\n",
  "    for (j = 0; j < n; j++) { t += D.sp[k++]; s[j] = t * Q; d[j] = D.sp[k++] * Q; z[j] = D.sp[k++]; }\n",
  "    var ln = { row: D.ln[i][0], dep: D.ln[i][1], s: s, d: d, z: z };\n",
  "    lanes.push(ln);\n",
  "    if (byRow[ln.row]) byRow[ln.row][ln.dep] = ln;\n",
  "  }\n",
  "  /* per thread: CPU use between samples (start, length, running and ready\n",
  "     in thousandths) and recorded waits (start, length, reason) */\n",
  "  var cpuOf = [], waitOf = [], WC = { run: '#2e8b57', ready: '#e0b000', wait: '#8a5fb0' };\n",
  "  for (i = 0; i < D.th.length; i++) { cpuOf.push(null); waitOf.push(null); }\n",
  "  (D.cu || []).forEach(function (c) {\n",
  "    var o = { s: [], d: [], run: [], rdy: [] }, t = 0;\n",
  "    for (var q = 1; q + 3 < c.length; q += 4) { t += c[q]; o.s.push(t * Q); o.d.push(c[q + 1] * Q); o.run.push(c[q + 2] / 1000); o.rdy.push(c[q + 3] / 1000); }\n",
  "    cpuOf[c[0]] = o;\n",
  "  });\n",
  "  for (i = 0; D.wt && i < D.wt.length; i += 4) {\n",
  "    var wr = D.wt[i];\n",
  "    if (!waitOf[wr]) waitOf[wr] = [];\n",
  "    waitOf[wr].push([D.wt[i + 1] * Q, D.wt[i + 2] * Q, D.wt[i + 3]]);\n",
  "  }\n",
  "  function layout() {\n",
  "    var y = 24, r, dd;\n",
  "    rows = [];\n",
  "    for (r = 0; r < D.th.length; r++) {\n",
  "      rows.push({ kind: 'thread', r: r, y: y, h: LH });\n",
  "      y += LH;\n",
  "      if (cpuOf[r] || waitOf[r]) { rows.push({ kind: 'run', r: r, y: y, h: LH }); y += LH; }\n",
  "      for (dd = 0; dd < D.th[r][2]; dd++) { rows.push({ kind: 'lane', r: r, dep: dd, y: y, h: LH }); y += LH; }\n",
  "      y += 4;\n",
  "    }\n",
  "    rows.push({ kind: 'gc', y: y, h: LH }); y += LH + 2;\n",
  "    if (D.ts.length) { var th = Math.max(3, D.tl || 0) * LH * 2 / 3; rows.push({ kind: 'task', y: y, h: th }); y += th + 2; }\n",
  "    if (D.mk.length) { rows.push({ kind: 'mark', y: y, h: LH }); y += LH + 2; }\n",
  "    for (r = 0; r < D.ct.length; r++) { rows.push({ kind: 'ctr', c: r, y: y, h: 36 }); y += 38; }\n",
  "    if (D.hp.length) { rows.push({ kind: 'heap', y: y, h: 90 }); y += 92; }\n",
  "    H = y + 4;\n",
  "  }\n",
  "  layout();\n",
  "  function X(t, pw) { return LW + (t - v0) * pw / (v1 - v0); }\n",
  "  function T(x) { var pw = cv.clientWidth - LW - RM; return v0 + (x - LW) * (v1 - v0) / pw; }\n",
  "  function first(ln, t) {\n",
  "    var lo = 0, hi = ln.s.length;\n",
  "    while (lo < hi) { var m = (lo + hi) >> 1; if (ln.s[m] + ln.d[m] < t) lo = m + 1; else hi = m; }\n",
  "    return lo;\n",
  "  }\n",
  "  /* the series is a step function: it holds its last value until the next\n",
  "     sample, so draw horizontal then vertical, never a slope */\n",
  "  function seriesPath(pts, y, h, top, pw, area) {\n",
  "    var prev = y + h;\n",
  "    ctx.beginPath();\n",
  "    if (area) ctx.moveTo(X(pts.length ? pts[0] * Q : 0, pw), y + h);\n",
  "    for (var q = 0; q < pts.length; q += 3) {\n",
  "      var x = X(pts[q] * Q, pw);\n",
  "      if (q || area) ctx.lineTo(x, prev); else ctx.moveTo(x, prev);\n",
  "      ctx.lineTo(x, y + h - pts[q + 1] / top * h);\n",
  "      prev = y + h - pts[q + 2] / top * h;\n",
  "      ctx.lineTo(x + 0.5, prev);\n",
  "    }\n",
  "    if (pts.length) ctx.lineTo(X(v1, pw), prev);\n",
  "  }\n",
  "  /* a row's name in the label column: smaller type before it is cut */\n",
  "  function label(text, y) {\n",
  "    var room = LW - 8, px = 11, s = text;\n",
  "    ctx.fillStyle = '#222';\n",
  "    while (px > 8 && ctx.measureText(s).width > room) ctx.font = --px + 'px monospace';\n",
  "    while (s.length > 2 && ctx.measureText(s).width > room) s = s.slice(0, s.length - 2) + '\\u2026';\n",
  "    ctx.fillText(s, 4, y);\n",
  "    ctx.font = '11px monospace';\n",
  "  }\n",
  "  function draw() {\n",
  "    align();\n",
  "    var W = cv.clientWidth, dpr = window.devicePixelRatio || 1, pw = W - LW - RM, r, q;\n",
  "    cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr); cv.style.height = H + 'px';\n",
  "    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);\n",
  "    ctx.clearRect(0, 0, W, H);\n",
  "    ctx.font = '11px monospace';\n",
  "    ctx.textBaseline = 'middle';\n",
  "    var step = niceStep(v1 - v0, pw / 110), t;\n",
  "    ctx.fillStyle = '#222';\n",
  "    for (t = Math.ceil(v0 / step) * step; t <= v1; t += step) {\n",
  "      var tx = X(t, pw);\n",
  "      ctx.fillStyle = '#e6e6e6'; ctx.fillRect(tx, 20, 1, H - 20);\n",
  "      ctx.fillStyle = '#222'; ctx.fillText(tickT(t, v1), tx + 2, 10);\n",
  "    }\n",
  "    for (r = 0; r < rows.length; r++) {\n",
  "      var R = rows[r], y = R.y;\n",
  "      ctx.save();\n",
  "      ctx.beginPath(); ctx.rect(0, y, W, R.h); ctx.clip();\n",
  "      if (R.kind === 'thread') {\n",
  "        ctx.fillStyle = '#f3f3f3'; ctx.fillRect(0, y, W, R.h);\n",
  "        label(D.th[R.r][1], y + LH / 2);\n",
  "        var den = D.dn.r[R.r], bw = D.dn.w;\n",
  "        if (den) {\n",
  "          ctx.fillStyle = '#999';\n",
  "          for (q = Math.max(0, Math.floor(v0 / bw)); q < den.length && q * bw < v1; q++) {\n",
  "            var lv = den.charCodeAt(q) - 48;\n",
  "            if (lv > 0) {\n",
  "              var bx = X(q * bw, pw);\n",
  "              ctx.fillRect(Math.max(LW, bx), y + LH - lv / 63 * (LH - 2), Math.max(1, bw * pw / (v1 - v0)), lv / 63 * (LH - 2));\n",
  "            }\n",
  "          }\n",
  "        }\n",
  "      } else if (R.kind === 'run') {\n",
  "        /* the band: running from the bottom up, then ready; above that the\n",
  "           thread was blocked or idle. Waits: a strip along the top. */\n",
  "        var co = cpuOf[R.r], wo = waitOf[R.r] || [];\n",
  "        ctx.fillStyle = '#888'; ctx.fillText(co ? 'running' : 'waits', 12, y + LH / 2);\n",
  "        if (co) for (q = 0; q < co.s.length; q++) {\n",
  "          if (co.s[q] + co.d[q] < v0 || co.s[q] > v1) continue;\n",
  "          var cx = Math.max(LW, X(co.s[q], pw)), cw = Math.max(1, X(co.s[q] + co.d[q], pw) - cx), bh = LH - 5;\n",
  "          ctx.fillStyle = WC.run; ctx.fillRect(cx, y + LH - 1 - co.run[q] * bh, cw, co.run[q] * bh);\n",
  "          ctx.fillStyle = WC.ready; ctx.fillRect(cx, y + LH - 1 - (co.run[q] + co.rdy[q]) * bh, cw, co.rdy[q] * bh);\n",
  "        }\n",
  "        ctx.fillStyle = WC.wait;\n",
  "        for (q = 0; q < wo.length; q++) {\n",
  "          if (wo[q][0] + wo[q][1] < v0 || wo[q][0] > v1) continue;\n",
  "          var wx = Math.max(LW, X(wo[q][0], pw));\n",
  "          ctx.fillRect(wx, y, Math.max(1, X(wo[q][0] + wo[q][1], pw) - wx), 3);\n",
  "        }\n",
  "      } else if (R.kind === 'lane') {\n",
  "        var ln2 = byRow[R.r][R.dep];\n",
  "        if (ln2) {\n",
  "          var lastPx = -1;\n",
  "          for (q = first(ln2, v0); q < ln2.s.length && ln2.s[q] <= v1; q++) {\n",
  "            var x0 = X(ln2.s[q], pw), w = ln2.d[q] * pw / (v1 - v0), zi = ln2.z[q], un = zi < 0;\n",
  "            if (un) zi = -zi - 1;\n",
  "            if (w < 1 && Math.floor(x0) === lastPx) continue;\n",
  "            lastPx = Math.floor(x0);\n",
  "            if (x0 < LW) { w -= LW - x0; x0 = LW; }\n",
  "            var zz = D.z[zi] || ['?', '', 0, '#999'];\n",
  "            ctx.fillStyle = zz[3];\n",
  "            ctx.fillRect(x0, y + 1, Math.max(1, w), LH - 2);\n",
  "            if (un) { ctx.strokeStyle = '#d62728'; ctx.strokeRect(x0 + 0.5, y + 1.5, Math.max(1, w) - 1, LH - 3); }\n",
  "            if (w > 30) {\n",
  "              ctx.fillStyle = '#111';\n",
  "              var nm = zz[0], fit = Math.floor((w - 4) / 6.6);\n",
  "              ctx.fillText(nm.length > fit ? nm.slice(0, Math.max(0, fit - 1)) + '\\u2026' : nm, x0 + 2, y + LH / 2);\n",
  "            }\n",
  "          }\n",
  "        }\n",
  "      } else if (R.kind === 'gc') {\n",
  "        label('collections', y + LH / 2);\n",
  "        ctx.fillStyle = '#f28e2b';\n",
  "        for (q = 0; q < D.gc.length; q++) {\n",
  "          var g = D.gc[q], gs = g[0] * Q, ge = gs + g[1] * Q;\n",
  "          if (ge < v0 || gs > v1) continue;\n",
  "          ctx.fillRect(X(gs, pw), y + 1, Math.max(1, (ge - gs) * pw / (v1 - v0)), LH - 2);\n",
  "        }\n",
  "      } else if (R.kind === 'task') {\n",
  "        label(D.tx ? 'tasks, ' + D.tx + ' hidden' : 'tasks', y + LH / 2);\n",
  "        for (q = 0; q < D.ts.length; q += 4) {\n",
  "          var ts0 = D.ts[q] * Q, ts1 = ts0 + D.ts[q + 1] * Q;\n",
  "          if (ts1 < v0 || ts0 > v1) continue;\n",
  "          ctx.fillStyle = (D.tk[D.ts[q + 2]] || ['', '#888'])[1];\n",
  "          ctx.fillRect(X(ts0, pw), y + 1 + D.ts[q + 3] * (LH * 2 / 3), Math.max(1, (ts1 - ts0) * pw / (v1 - v0)), LH * 2 / 3 - 1);\n",
  "        }\n",
  "      } else if (R.kind === 'mark') {\n",
  "        label('events, logs', y + LH / 2);\n",
  "        for (q = 0; q < D.mk.length; q++) {\n",
  "          var mt = D.mk[q][0] * Q;\n",
  "          if (mt < v0 || mt > v1) continue;\n",
  "          ctx.fillStyle = D.mk[q][2] ? '#4e79a7' : '#222';\n",
  "          ctx.fillRect(X(mt, pw), y + 1, 1, LH - 2);\n",
  "        }\n",
  "      } else if (R.kind === 'ctr' || R.kind === 'heap') {\n",
  "        var C = R.kind === 'heap' ? { n: 'heap (not yet freed)', p: D.hp, top: D.htop, c: '#4e79a7' } : D.ct[R.c];\n",
  "        label(C.n, y + 8);\n",
  "        ctx.fillStyle = C.c; ctx.globalAlpha = 0.6;\n",
  "        seriesPath(C.p, y + 2, R.h - 4, C.top || 1, pw, true);\n",
  "        ctx.lineTo(X(v1, pw), y + R.h - 2);\n",
  "        ctx.closePath(); ctx.fill(); ctx.globalAlpha = 1;\n",
  "        if (R.kind === 'heap' && D.rss.length) {\n",
  "          ctx.strokeStyle = '#e15759'; ctx.lineWidth = 1.5;\n",
  "          seriesPath(D.rss, y + 2, R.h - 4, D.htop, pw, false);\n",
  "          ctx.stroke(); ctx.lineWidth = 1;\n",
  "        }\n",
  "      }\n",
  "      ctx.restore();\n",
  "    }\n",
  "    if (sel || drag) {\n",
  "      var a = sel ? sel[0] : drag[0], b = sel ? sel[1] : drag[1];\n",
  "      ctx.fillStyle = 'rgba(30,100,200,0.15)';\n",
  "      ctx.fillRect(X(Math.min(a, b), pw), 20, Math.abs(b - a) * pw / (v1 - v0), H - 20);\n",
  "    }\n",
  "    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, LW - 2, 20);\n",
  "    $('tl-range').textContent = 'showing ' + fmtT(v0) + ' to ' + fmtT(v1) + ' (' + fmtT(v1 - v0) + ')';\n",
  "  }\n",
  "  function zoom(c, f) {\n",
  "    var span = Math.min(DUR, Math.max(100, (v1 - v0) * f));\n",
  "    v0 = Math.max(0, Math.min(DUR - span, c - (c - v0) * span / (v1 - v0)));\n",
  "    v1 = v0 + span;\n",
  "    draw();\n",
  "  }\n",
  "  function hit(x, y) {\n",
  "    var t = T(x), tol = 3 * (v1 - v0) / Math.max(1, cv.clientWidth - LW - RM), r, q;\n",
  "    if (x < LW) return null;\n",
  "    for (r = 0; r < rows.length; r++) {\n",
  "      var R = rows[r];\n",
  "      if (y < R.y || y >= R.y + R.h) continue;\n",
  "      if (R.kind === 'lane') {\n",
  "        var ln = byRow[R.r][R.dep];\n",
  "        if (!ln) return null;\n",
  "        q = first(ln, t - tol);\n",
  "        if (q < ln.s.length && ln.s[q] <= t + tol) {\n",
  "          var zi = ln.z[q], un = zi < 0;\n",
  "          if (un) zi = -zi - 1;\n",
  "          var zz = D.z[zi] || ['?', '', 0];\n",
  "          return [zz[0], fmtT(ln.d[q]) + (un ? ' (unfinished: never ended)' : ''), zz[1] + (zz[2] ? ':' + zz[2] : ''),\n",
  "            'thread ' + D.th[R.r][1] + ', starts at ' + fmtT(ln.s[q])];\n",
  "        }\n",
  "      } else if (R.kind === 'run') {\n",
  "        var wo2 = waitOf[R.r] || [], co2 = cpuOf[R.r];\n",
  "        for (q = 0; q < wo2.length; q++)\n",
  "          if (t >= wo2[q][0] - tol && t <= wo2[q][0] + wo2[q][1] + tol)\n",
  "            return ['waiting for \\u201c' + (D.wr[wo2[q][2]] || '?') + '\\u201d', fmtT(wo2[q][1]), 'from ' + fmtT(wo2[q][0]), 'thread ' + D.th[R.r][1]];\n",
  "        if (co2) for (q = 0; q < co2.s.length; q++)\n",
  "          if (t >= co2.s[q] && t <= co2.s[q] + co2.d[q])\n",
  "            return ['on CPU ' + Math.round(co2.run[q] * 100) + ' % of ' + fmtT(co2.d[q]) + ' from ' + fmtT(co2.s[q]),\n",
  "              'waiting for a core ' + Math.round(co2.rdy[q] * 100) + ' %',\n",
  "              'blocked or idle ' + Math.max(0, Math.round((1 - co2.run[q] - co2.rdy[q]) * 100)) + ' %', 'thread ' + D.th[R.r][1]];\n",
  "      } else if (R.kind === 'gc') {\n",
  "        for (q = 0; q < D.gc.length; q++) {\n",
  "          var gs = D.gc[q][0] * Q, ge = gs + D.gc[q][1] * Q;\n",
  "          if (t >= gs - tol && t <= ge + tol) return ['collection ' + (q + 1) + (D.gr[D.gc[q][2]] ? ' (' + D.gr[D.gc[q][2]] + ')' : ''), 'lasted ' + fmtT(ge - gs), 'at ' + fmtT(gs)];\n",
  "        }\n",
  "      } else if (R.kind === 'task') {\n",
  "        for (q = 0; q < D.ts.length; q += 4) {\n",
  "          var a = D.ts[q] * Q, b = a + D.ts[q + 1] * Q;\n",
  "          if (t >= a - tol && t <= b + tol && Math.floor((y - R.y) / (LH * 2 / 3)) === D.ts[q + 3]) {\n",
  "            var tk = D.tk[D.ts[q + 2]] || ['?'];\n",
  "            return ['task ' + tk[0], fmtT(b - a), 'from ' + fmtT(a)];\n",
  "          }\n",
  "        }\n",
  "      } else if (R.kind === 'mark') {\n",
  "        for (q = 0; q < D.mk.length; q++) {\n",
  "          var mt = D.mk[q][0] * Q;\n",
  "          if (Math.abs(mt - t) <= tol) return [D.mk[q][3], (D.mk[q][2] ? 'log message' : 'instant') + ' at ' + fmtT(mt), 'thread ' + ((D.th[D.mk[q][1]] || [0, '?'])[1])];\n",
  "        }\n",
  "      } else if (R.kind === 'ctr' || R.kind === 'heap') {\n",
  "        var C = R.kind === 'heap' ? { n: 'heap (not yet freed)', p: D.hp, b: 1 } : D.ct[R.c], best = -1;\n",
  "        for (q = 0; q < C.p.length; q += 3) if (C.p[q] * Q <= t) best = q;\n",
  "        if (best >= 0) return [C.n, 'max ' + (C.b ? fmtB(C.p[best + 1]) : p3(C.p[best + 1])) + ', then ' + (C.b ? fmtB(C.p[best + 2]) : p3(C.p[best + 2])), 'near ' + fmtT(C.p[best] * Q)];\n",
  "      }\n",
  "      return null;\n",
  "    }\n",
  "    return null;\n",
  "  }\n",
  "  function showTip(lines, ev) {\n",
  "    if (!lines) { tip.hidden = true; return; }\n",
  "    while (tip.firstChild) tip.removeChild(tip.firstChild);\n",
  "    for (var q = 0; q < lines.length; q++) {\n",
  "      var dv = doc.createElement('div');\n",
  "      dv.textContent = lines[q];\n",
  "      if (q === 0) dv.className = 'tip-name';\n",
  "      tip.appendChild(dv);\n",
  "    }\n",
  "    tip.hidden = false;\n",
  "    tip.style.left = Math.min(ev.pageX + 14, doc.documentElement.scrollWidth - 320) + 'px';\n",
  "    tip.style.top = (ev.pageY + 14) + 'px';\n",
  "  }\n",
  "  function pos(ev) { var b = cv.getBoundingClientRect(); return [ev.clientX - b.left, ev.clientY - b.top]; }\n",
  "  cv.addEventListener('mousemove', function (ev) {\n",
  "    var p = pos(ev);\n",
  "    if (drag) { drag[1] = Math.max(0, Math.min(DUR, T(p[0]))); draw(); showTip(null); return; }\n",
  "    showTip(hit(p[0], p[1]), ev);\n",
  "  });\n",
  "  cv.addEventListener('mouseleave', function () { showTip(null); });\n",
  "  cv.addEventListener('mousedown', function (ev) {\n",
  "    if (ev.button !== 0) return;\n",
  "    var t = Math.max(0, T(pos(ev)[0]));\n",
  "    drag = [t, t]; sel = null;\n",
  "  });\n",
  "  window.addEventListener('mouseup', function () {\n",
  "    if (!drag) return;\n",
  "    var pw = cv.clientWidth - LW - RM;\n",
  "    if (Math.abs(drag[1] - drag[0]) * pw / (v1 - v0) > 3) {\n",
  "      sel = [Math.min(drag[0], drag[1]), Math.max(drag[0], drag[1])];\n",
  "      $('tl-sel').textContent = 'selected ' + fmtT(sel[1] - sel[0]) + ' (' + fmtT(sel[0]) + ' to ' + fmtT(sel[1]) + ')';\n",
  "    }\n",
  "    drag = null; draw();\n",
  "  });\n",
  "  cv.addEventListener('wheel', function (ev) {\n",
  "    ev.preventDefault();\n",
  "    zoom(T(pos(ev)[0]), ev.deltaY > 0 ? 1.25 : 0.8);\n",
  "  }, { passive: false });\n",
  "  cv.addEventListener('dblclick', function () { v0 = 0; v1 = DUR; sel = null; $('tl-sel').textContent = ''; draw(); });\n",
  "  $('tl-in').addEventListener('click', function () { zoom((v0 + v1) / 2, 0.5); });\n",
  "  $('tl-out').addEventListener('click', function () { zoom((v0 + v1) / 2, 2); });\n",
  "  $('tl-sel-zoom').addEventListener('click', function () { if (sel) { v0 = sel[0]; v1 = Math.max(sel[1], sel[0] + 100); sel = null; draw(); } });\n",
  "  $('tl-reset').addEventListener('click', function () { v0 = 0; v1 = DUR; sel = null; $('tl-sel').textContent = ''; draw(); });\n",
  "  window.addEventListener('resize', draw);\n",
  "  draw();\n",
  "  cv.setAttribute('data-ready', '1');\n",
  "})();\n",
  "\n",
  "/* ---- zone table: sort and histogram ---- */\n",
  "function sortable(table) {\n",
  "  var ths = table.querySelectorAll('th'), c;\n",
  "  for (c = 0; c < ths.length; c++) (function (col, th) {\n",
  "    th.addEventListener('click', function () {\n",
  "      var tb = table.tBodies[0], rs = Array.prototype.slice.call(tb.rows), asc = th.getAttribute('data-dir') !== 'asc';\n",
  "      rs.sort(function (a, b) {\n",
  "        var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');\n",
  "        if (x !== null && y !== null) return asc ? x - y : y - x;\n",
  "        x = a.cells[col].textContent; y = b.cells[col].textContent;\n",
  "        return asc ? (x < y ? -1 : x > y) : (x > y ? -1 : x < y);\n",
  "      });\n",
  "      for (var q = 0; q < ths.length; q++) ths[q].removeAttribute('data-dir');\n",
  "      th.setAttribute('data-dir', asc ? 'asc' : 'desc');\n",
  "      for (q = 0; q < rs.length; q++) tb.appendChild(rs[q]);\n",
  "    });\n",
  "  })(c, ths[c]);\n",
  "}\n",
  "var tables = doc.querySelectorAll('table.sortable');\n",
  "for (var ti = 0; ti < tables.length; ti++) sortable(tables[ti]);\n",
  "\n",
  "function histogram(zi, title) {\n",
  "  var box = $('zone-hist'), bins = D.zh[zi], W = 640, Hh = 180, q, most = 1;\n",
  "  if (!box || !bins) return;\n",
  "  while (box.firstChild) box.removeChild(box.firstChild);\n",
  "  var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + Hh, width: W, height: Hh, role: 'img', 'class': 'hist' });\n",
  "  var head = svgEl('text', { x: 4, y: 14, 'font-size': 13 });\n",
  "  head.textContent = 'Durations of ' + title + ' (' + D.z[zi][1] + (D.z[zi][2] ? ':' + D.z[zi][2] : '') + ')';\n",
  "  svg.appendChild(head);\n",
  "  for (q = 0; q < bins.length; q += 3) most = Math.max(most, bins[q + 2]);\n",
  "  var bw = (W - 60) / Math.max(1, bins.length / 3);\n",
  "  for (q = 0; q < bins.length; q += 3) {\n",
  "    var h = bins[q + 2] / most * (Hh - 60), x = 50 + bw * q / 3;\n",
  "    var r = svgEl('rect', { x: x + 1, y: Hh - 36 - h, width: Math.max(1, bw - 2), height: h, fill: D.z[zi][3] });\n",
  "    var tt = svgEl('title', {});\n",
  "    tt.textContent = fmtT(bins[q]) + ' to ' + fmtT(bins[q + 1]) + ': ' + bins[q + 2] + ' spans';\n",
  "    r.appendChild(tt); svg.appendChild(r);\n",
  "    if (q % Math.max(3, 3 * Math.ceil(60 / bw)) === 0) {\n",
  "      var lb = svgEl('text', { x: x, y: Hh - 20, 'font-size': 10 });\n",
  "      lb.textContent = fmtT(bins[q]); svg.appendChild(lb);\n",
  "    }\n",
  "  }\n",
  "  var yl = svgEl('text', { x: 46, y: 30, 'font-size': 10, 'text-anchor': 'end' });\n",
  "  yl.textContent = String(most); svg.appendChild(yl);\n",
  "  var xl = svgEl('text', { x: W / 2, y: Hh - 4, 'font-size': 11, 'text-anchor': 'middle' });\n",
  "  xl.textContent = 'duration of one span (count per bin)'; svg.appendChild(xl);\n",
  "  box.appendChild(svg);\n",
  "}\n",
  "var zt = $('zones-table');\n",
  "if (zt) zt.tBodies[0].addEventListener('click', function (ev) {\n",
  "  var tr = ev.target.closest('tr');\n",
  "  if (!tr || tr.getAttribute('data-z') === null) return;\n",
  "  var old = zt.querySelector('tr.picked');\n",
  "  if (old) old.classList.remove('picked');\n",
  "  tr.classList.add('picked');\n",
  "  histogram(+tr.getAttribute('data-z'), tr.cells[0].textContent);\n",
  "});\n",
  "if (zt && zt.tBodies[0].rows.length) {\n",
  "  var r0 = zt.tBodies[0].rows[0];\n",
  "  r0.classList.add('picked');\n",
  "  histogram(+r0.getAttribute('data-z'), r0.cells[0].textContent);\n",
  "}\n",
  "\n",
  "/* ---- flame graph: click to zoom ---- */\n",
  "var fsvg = doc.querySelector('svg.flame');\n",
  "if (fsvg) (function () {\n",
  "  var els = fsvg.querySelectorAll('[data-g]'), orig = [], L = 8, Wd = +fsvg.getAttribute('width') - 16, q;\n",
  "  for (q = 0; q < els.length; q++) {\n",
  "    var e = els[q];\n",
  "    orig.push(e.tagName === 'rect' ? [+e.getAttribute('x'), +e.getAttribute('width')] : [+e.getAttribute('x'), 0, e.textContent]);\n",
  "  }\n",
  "  function rectOf(g) {\n",
  "    for (var i = 0; i < els.length; i++) if (els[i].tagName === 'rect' && els[i].getAttribute('data-g') === g) return orig[i];\n",
  "    return null;\n",
  "  }\n",
  "  function zoomTo(g) {\n",
  "    var base = g ? rectOf(g) : [L, Wd], z0 = base[0], zw = Math.max(base[1], 0.01), i, last = null;\n",
  "    for (i = 0; i < els.length; i++) {\n",
  "      var e = els[i], o = orig[i];\n",
  "      if (e.tagName === 'rect') {\n",
  "        var x = L + (o[0] - z0) / zw * Wd, w = o[1] / zw * Wd;\n",
  "        var a = Math.max(L, x), b = Math.min(L + Wd, x + w);\n",
  "        e.style.display = b - a < 0.3 ? 'none' : '';\n",
  "        e.setAttribute('x', a); e.setAttribute('width', Math.max(0, b - a));\n",
  "        last = [a, b - a, e.style.display];\n",
  "      } else if (last) {\n",
  "        var nm = D.fn[e.getAttribute('data-g')] || o[2], fit = Math.floor((last[1] - 6) / 7.2);\n",
  "        e.setAttribute('x', last[0] + 3);\n",
  "        e.style.display = last[2] || fit < 3 ? 'none' : '';\n",
  "        e.textContent = nm.length > fit ? nm.slice(0, Math.max(0, fit - 2)) + '..' : nm;\n",
  "      }\n",
  "    }\n",
  "  }\n",
  "  /* With the flame tree in the data, a zoom draws the boxes anew: callees\n",
  "     too thin to draw at full width appear once there is room for them. */\n",
  "  var FT = D.ft, F = D.fg, H = +fsvg.getAttribute('height');\n",
  "  if (FT && F && FT.length) (function () {\n",
  "    var root = { k: -1, tot: D.fr, kids: [], dep: 0 }, nodes = {}, f;\n",
  "    nodes[0] = root;\n",
  "    for (f = 0; f + 5 < FT.length; f += 6) {\n",
  "      var par = nodes[FT[f + 1]];\n",
  "      if (!par) continue;\n",
  "      var nd = { k: FT[f], p: par, tot: FT[f + 2], self: FT[f + 3], cnt: FT[f + 4], nm: D.fm[FT[f + 5]] || ['?', '#888888'], kids: [], dep: par.dep + 1 };\n",
  "      nodes[nd.k] = nd;\n",
  "      par.kids.push(nd);\n",
  "    }\n",
  "    function box(nd, x, w) {\n",
  "      var y = F[0] + F[1] * (nd.dep - 1), fs = F[2] - 2, g = nd.k + 1;\n",
  "      if (w < 0.5 || y + F[1] > H) return false;\n",
  "      var r = svgEl('rect', { x: x, y: y, width: w, height: F[1] - 1, fill: nd.nm[1], stroke: '#ffffff', 'stroke-width': 0.5, 'data-g': g });\n",
  "      var tt = svgEl('title', {});\n",
  "      tt.textContent = nd.nm[0] + ': total ' + fmtT(nd.tot) + ' (' + (100 * nd.tot / Math.max(1, D.fr)).toFixed(1) + '%), self ' + fmtT(nd.self) + ', ' + nd.cnt + (nd.cnt == 1 ? ' call' : ' calls') + ' on this stack';\n",
  "      r.appendChild(tt);\n",
  "      fsvg.appendChild(r);\n",
  "      if (w >= F[2] * 2 && F[1] >= F[2]) {\n",
  "        var fit = Math.floor((w - 6) / (fs * 0.6)), nm = nd.nm[0];\n",
  "        var t = svgEl('text', { x: x + 3, y: y + F[1] * 0.5 + F[2] * 0.35, 'font-size': fs, fill: '#222222', 'data-g': g });\n",
  "        t.textContent = nm.length > fit ? nm.slice(0, Math.max(0, fit - 2)) + '..' : nm;\n",
  "        fsvg.appendChild(t);\n",
  "      }\n",
  "      return true;\n",
  "    }\n",
  "    zoomTo = function (g) {\n",
  "      var old = fsvg.querySelectorAll('[data-g]'), i, a, drawn = 0;\n",
  "      for (i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);\n",
  "      var focus = (g && nodes[+g - 1]) || root;\n",
  "      for (a = focus; a !== root; a = a.p) box(a, L, Wd); /* the focus and its callers span the width */\n",
  "      (function lay(nd, x, scale) {\n",
  "        for (var j = 0; j < nd.kids.length && drawn < 8000; j++) {\n",
  "          var kid = nd.kids[j], w = kid.tot * scale;\n",
  "          if (box(kid, x, w)) { drawn++; lay(kid, x, scale); }\n",
  "          x += w;\n",
  "        }\n",
  "      })(focus, L, Wd / Math.max(1, focus.tot));\n",
  "    };\n",
  "  })();\n",
  "  fsvg.addEventListener('click', function (ev) {\n",
  "    var t = ev.target.closest('[data-g]');\n",
  "    if (t) zoomTo(t.getAttribute('data-g'));\n",
  "  });\n",
  "  fsvg.addEventListener('dblclick', function () { zoomTo(null); });\n",
  "  $('flame-reset').addEventListener('click', function () { zoomTo(null); });\n",
  "})();\n",
  "\n",
  "/* ---- messages filter ---- */\n",
  "var mf = $('msg-filter'), mt = $('messages-table');\n",
  "if (mf && mt) mf.addEventListener('input', function () {\n",
  "  var needle = mf.value.toLowerCase(), rs = mt.tBodies[0].rows, shown = 0;\n",
  "  for (var q = 0; q < rs.length; q++) {\n",
  "    var ok = !needle || rs[q].textContent.toLowerCase().indexOf(needle) >= 0;\n",
  "    rs[q].hidden = !ok; if (ok) shown++;\n",
  "  }\n",
  "  $('msg-count').textContent = shown + ' shown';\n",
  "});\n",
  "doc.documentElement.setAttribute('data-ctrace-ready', '1');\n",
  "})();\n",
  NULL
};
/* <<embed:tools/report.js */

/* Everything one report needs while it is written. */
/* ---- "What this run shows" ---------------------------------------------------
   Plain sentences computed from the analysis, each only when its condition
   holds, each with its figures and the section that shows them. Every
   threshold they use is here. */
/* A "fall" (ctrace_mem_summary.heap_falls, counted by the analysis) is a drop
   to 3/4 or less of the heap's high point since the last fall. */
#define CTRACE__STORY_SAWTOOTH_FALLS 3   /* a sawtooth falls at least this often */
#define CTRACE__STORY_RISE_ALLOCS 8.0    /* ...climbing through this many allocations per fall
                                            (on average); fewer: the heap moves in steps */
#define CTRACE__STORY_FLAT_EARLY 0.2     /* flat: 3/4 of the peak within this share of the run */
#define CTRACE__STORY_MMU_WINDOW 10000000 /* the window whose MMU is quoted (10 ms) */
#define CTRACE__STORY_MAX 14
#define CTRACE__STORY_WAITED_ON 0.6  /* the threads "the others wait on": those that used at
                                        least half as much CPU time while others waited as the
                                        one that used most, when there are at most 4 of them and
                                        together they used this share of it */
#define CTRACE__STORY_READY 0.1      /* a thread's wait for a core is said from this share up */
#define CTRACE__STORY_TEXT 640

enum ctrace__heap_shape_kind { CTRACE__SHAPE_NONE, CTRACE__SHAPE_FLAT, CTRACE__SHAPE_GROWTH, CTRACE__SHAPE_SAWTOOTH,
                     CTRACE__SHAPE_STAIRCASE, CTRACE__SHAPE_IRREGULAR };
enum ctrace__story_kind { CTRACE__ST_SHAPE, CTRACE__ST_PEAK, CTRACE__ST_GC, CTRACE__ST_HELD, CTRACE__ST_HOT,
                          CTRACE__ST_LEAKS, CTRACE__ST_TEMPS, CTRACE__ST_CPU, CTRACE__ST_WAITS, CTRACE__ST_READS };

typedef struct ctrace__story {
  int kind;                  /* enum ctrace__story_kind */
  const char *link, *link_text; /* the section that shows it */
  char text[CTRACE__STORY_TEXT]; /* plain text (escape it), times with ASCII "us" */
} ctrace__story;

/* When the live heap first reached 3/4 of its peak, from the heap series. */
static int64_t ctrace__heap_reached(const ctrace_analysis *a, double level) {
  uint32_t n = 0, i;
  const ctrace_series_point *p = ctrace_analysis_heap_series(a, &n);
  for (i = 0; i < n; ++i)
    if (p[i].max >= level) return p[i].max_t_ns;
  return -1;
}

static int ctrace__heap_shape(const ctrace_analysis *a) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  double per_rise;
  if (!m || !m->peak_alloc) return CTRACE__SHAPE_NONE;
  if (!m->heap_falls) {
    int64_t t = ctrace__heap_reached(a, 0.75 * (double)m->peak_alloc), d = ctrace_analysis_summary(a)->duration_ns;
    return t >= 0 && (double)t <= CTRACE__STORY_FLAT_EARLY * (double)d ? CTRACE__SHAPE_FLAT : CTRACE__SHAPE_GROWTH;
  }
  per_rise = (double)m->rise_allocs / (double)m->heap_falls;
  if (per_rise < CTRACE__STORY_RISE_ALLOCS) return CTRACE__SHAPE_STAIRCASE;
  if (m->heap_falls >= CTRACE__STORY_SAWTOOTH_FALLS) return CTRACE__SHAPE_SAWTOOTH;
  return CTRACE__SHAPE_IRREGULAR;
}

/* 650000000 as "650,000,000", as Go's figures are read. */
static const char *ctrace__commas(char *buf, size_t size, uint64_t v) {
  char digits[32];
  int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v), i;
  size_t k = 0;
  for (i = 0; i < n && k + 2 < size; ++i) {
    if (i && (n - i) % 3 == 0) buf[k++] = ',';
    buf[k++] = digits[i];
  }
  buf[k] = '\0';
  return buf;
}

static const char *ctrace__plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

static void ctrace__story_shape(const ctrace_analysis *a, ctrace__story *st) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  char b1[32], b2[32], rise[32];
  double per_rise = m->heap_falls ? (double)m->rise_allocs / (double)m->heap_falls : 0;
  int collected = ctrace_analysis_gc(a)->count > 0; /* else: malloc words only */
  char in_gc[80] = "";
  if (collected)
    ctrace__textf(in_gc, sizeof in_gc, ", %llu of them during a collection", (unsigned long long)m->heap_falls_in_gc);
  ctrace__commas(rise, sizeof rise, (uint64_t)(per_rise + 0.5));
  switch (ctrace__heap_shape(a)) {
  case CTRACE__SHAPE_SAWTOOTH:
    ctrace__textf(st->text, sizeof st->text,
                  "The heap (bytes allocated and not yet freed) is a sawtooth: it climbed through %s "
                  "allocations on average, then fell to three quarters of its high point or less, %llu times%s%s",
                  rise, (unsigned long long)m->heap_falls, in_gc,
                  /* the usual explanation, only when the collections did make the falls */
                  !collected ? ": the program freed its memory in bursts."
                  : 2 * m->heap_falls_in_gc > m->heap_falls
                      ? ": garbage piles up until a collection frees it at once."
                      : ": the program freed its memory in bursts, mostly outside collections.");
    break;
  case CTRACE__SHAPE_STAIRCASE:
    ctrace__fmt_bytes(b1, sizeof b1, m->mallocs ? (double)m->total_alloc / (double)m->mallocs : 0);
    ctrace__fmt_bytes(b2, sizeof b2, (double)m->max_alloc_size);
    ctrace__textf(st->text, sizeof st->text,
                  "The heap (bytes allocated and not yet freed) moves in large steps: its %llu allocations "
                  "average %s (the largest %s, %.0f %% of the peak), so each one is a step up; it fell %llu %s%s, "
                  "after %.1f allocations on average.",
                  (unsigned long long)m->mallocs, b1, b2,
                  100.0 * (double)m->max_alloc_size / (double)m->peak_alloc, (unsigned long long)m->heap_falls,
                  ctrace__plural(m->heap_falls, "time", "times"), in_gc, per_rise);
    break;
  case CTRACE__SHAPE_FLAT:
    ctrace__fmt_bytes(b1, sizeof b1, 0.75 * (double)m->peak_alloc);
    ctrace__textf(st->text, sizeof st->text,
                  "The heap (bytes allocated and not yet freed) is flat: it reached %s (three quarters of its peak) within the first %.0f %% "
                  "of the run and never fell to three quarters of its high point after that.",
                  b1, 100.0 * CTRACE__STORY_FLAT_EARLY);
    break;
  case CTRACE__SHAPE_GROWTH:
    ctrace__fmt_bytes(b1, sizeof b1, (double)m->alloc);
    ctrace__textf(st->text, sizeof st->text,
                  "The heap (bytes allocated and not yet freed) grows steadily: it never fell to three quarters of its high point, and ends "
                  "at %s, %.0f %% of its peak.", b1, 100.0 * (double)m->alloc / (double)m->peak_alloc);
    break;
  default:
    ctrace__textf(st->text, sizeof st->text,
                  "The heap (bytes allocated and not yet freed) fell to three quarters of its high point %llu %s (fewer than the %d of a "
                  "sawtooth), after climbing through %s allocations on average.",
                  (unsigned long long)m->heap_falls, ctrace__plural(m->heap_falls, "time", "times"),
                  CTRACE__STORY_SAWTOOTH_FALLS, rise);
    break;
  }
}

static void ctrace__story_gc(const ctrace_analysis *a, ctrace__story *st) {
  const ctrace_gc_stats *g = ctrace_analysis_gc(a);
  uint32_t n = 0, i, j, n_r = 0, at_goal = 0, at_twice = 0, with_goal = 0, freed_nothing = 0, first_nothing = 0;
  const ctrace_gc_span *sp = ctrace_analysis_gc_spans(a, &n);
  const char *reason[4];
  uint32_t count[4];
  char b1[32], part[200];
  size_t len;
  for (i = 0; i < n; ++i) {
    const char *rs = sp[i].reason[0] ? sp[i].reason : "(no reason given)";
    for (j = 0; j < n_r && strcmp(reason[j], rs) != 0; ++j) {}
    if (j == n_r && n_r < 4) { reason[n_r] = rs; count[n_r++] = 0; }
    if (j < n_r) count[j]++;
    if (sp[i].goal >= 0) {
      with_goal++;
      if ((double)sp[i].heap_before >= sp[i].goal) at_goal++;
      if ((double)sp[i].heap_before >= 2 * sp[i].goal) at_twice++;
    }
    if (!sp[i].unfinished && sp[i].heap_before && sp[i].heap_after >= sp[i].heap_before && !freed_nothing++)
      first_nothing = i;
  }
  ctrace__fmt_ns(b1, sizeof b1, (double)g->pause_total_ns);
  ctrace__textf(st->text, sizeof st->text, "%llu %s ran, %s in all; why:", (unsigned long long)g->count,
                ctrace__plural(g->count, "collection", "collections"), b1);
  for (j = 0; j < n_r; ++j) {
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "%s %u \"%.80s\"", j ? "," : "", (unsigned)count[j], reason[j]);
  }
  len = strlen(st->text);
  ctrace__textf(st->text + len, sizeof st->text - len, ".");
  if (with_goal) {
    ctrace__textf(part, sizeof part, " %u of the %u that began after a heap goal was recorded began with the "
                  "heap at or above that goal, %u of them at twice the goal or more.", (unsigned)at_goal,
                  (unsigned)with_goal, (unsigned)at_twice);
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "%s", part);
  }
  if (freed_nothing) {
    char b2[32], b3[32];
    const ctrace_gc_span *f = &sp[first_nothing];
    ctrace__fmt_bytes(b2, sizeof b2, (double)f->heap_before);
    ctrace__fmt_bytes(b3, sizeof b3, f->goal);
    ctrace__textf(part, sizeof part, " %u freed nothing; the first, collection %u, began with the heap at %s%s%s.",
                  (unsigned)freed_nothing, (unsigned)first_nothing + 1, b2, f->goal >= 0 ? " against a goal of " : "",
                  f->goal >= 0 ? b3 : "");
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "%s", part);
  }
}

static void ctrace__story_held(const ctrace_analysis *a, ctrace__story *st) {
  const ctrace_gc_stats *g = ctrace_analysis_gc(a);
  const ctrace_summary *s = ctrace_analysis_summary(a);
  char b1[32], b2[32], b3[32], b4[32];
  int64_t w = s->duration_ns < CTRACE__STORY_MMU_WINDOW ? s->duration_ns : CTRACE__STORY_MMU_WINDOW;
  ctrace__fmt_ns(b2, sizeof b2, (double)g->pause_total_ns);
  if (!g->waits && !g->held_ns) {
    ctrace__textf(st->text, sizeof st->text,
                  "The collections lasted %s in all, but the program's threads recorded no waits "
                  "(CTRACE_WAIT, ctrace_mutex_lock) and ran none of them, so how long they held the "
                  "program up is not known.", b2);
    return;
  }
  ctrace__fmt_ns(b1, sizeof b1, (double)g->held_ns);
  ctrace__fmt_ns(b3, sizeof b3, (double)w);
  ctrace__fmt_ns(b4, sizeof b4, (double)g->wait_ns);
  ctrace__textf(st->text, sizeof st->text,
                "The program's %u %s held up by collections for %s in all (the part of %s %s of waits that "
                "overlapped a collection, plus collections it ran itself), against the %s the collections "
                "lasted; in the worst %s window the program ran %.0f %% of the time (its minimum mutator "
                "utilization).", (unsigned)s->program_threads,
                s->program_threads == 1 ? "thread was" : "threads were", b1,
                s->program_threads == 1 ? "its" : "their", b4, b2, b3,
                100.0 * ctrace_analysis_mmu_at(a, w, NULL));
}

/* A thread's name for a sentence; with its id when another thread has the
   same name ("worker and worker" would not tell them apart). */
static const char *ctrace__story_thread_name_in(const ctrace_analysis *a, const ctrace_thread_stats *t, char *buf,
                                               size_t size) {
  uint32_t nt = 0, i;
  const ctrace_thread_stats *th = ctrace_analysis_threads(a, &nt);
  if (!t->name[0]) {
    ctrace__textf(buf, size, "thread %u", (unsigned)t->id);
    return buf;
  }
  for (i = 0; i < nt; ++i)
    if (th[i].id != t->id && strcmp(th[i].name, t->name) == 0) {
      ctrace__textf(buf, size, "%.40s (thread %u)", t->name, (unsigned)t->id);
      return buf;
    }
  return t->name;
}

static int64_t ctrace__thread_span_ns(const ctrace_thread_stats *t) { return ctrace__max64(1, t->last_ns - t->first_ns); }

/* Program threads that ran (by_wait 0: with CPU samples, most CPU first) or
   waited (1: most wait first); at most max. */
static uint32_t ctrace__story_threads_by(const ctrace_analysis *a, int by_wait, const ctrace_thread_stats **out,
                                         uint32_t max) {
  uint32_t nt = 0, i, j, n = 0;
  const ctrace_thread_stats *t = ctrace_analysis_threads(a, &nt);
  for (i = 0; i < nt; ++i) {
    const ctrace_thread_stats *x = &t[i];
    int64_t key = by_wait ? x->wait_ns : x->cpu_ns;
    if (x->role != CTRACE_ROLE_PROGRAM || (by_wait ? !x->waits : !x->has_cpu)) continue;
    for (j = n; j > 0 && (by_wait ? out[j - 1]->wait_ns : out[j - 1]->cpu_ns) < key; --j)
      if (j < max) out[j] = out[j - 1];
    if (j < max) out[j] = x;
    if (n < max) ++n;
  }
  return n;
}

/* "The program's threads ran ... : A 98 % of its time, B 1 %": busy means
   on a CPU, from the samples. */
static void ctrace__story_cpu(const ctrace_analysis *a, ctrace__story *st) {
  const ctrace_thread_stats *t[5];
  uint32_t n = ctrace__story_threads_by(a, 0, t, 5), i, all = 0, nt = 0;
  const ctrace_thread_stats *th = ctrace_analysis_threads(a, &nt);
  int64_t cpu = 0;
  char b1[32], b2[32], nb[32];
  size_t len;
  for (i = 0; i < nt; ++i)
    if (th[i].role == CTRACE_ROLE_PROGRAM && th[i].has_cpu) {
      cpu = ctrace__an_sadd(cpu, th[i].cpu_ns);
      all++;
    }
  ctrace__fmt_ns(b1, sizeof b1, (double)cpu);
  ctrace__fmt_ns(b2, sizeof b2, (double)ctrace_analysis_summary(a)->duration_ns);
  ctrace__textf(st->text, sizeof st->text, "On CPU: the program's %u %s ran for %s in a %s run (CPU time, so a "
                "blocked thread counts as idle):", (unsigned)all, ctrace__plural(all, "thread", "threads"), b1, b2);
  for (i = 0; i < n; ++i) {
    double wall = (double)ctrace__max64(1, t[i]->cpu_wall_ns);
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "%s %.60s %.0f %% of its time", i ? "," : "",
                  ctrace__story_thread_name_in(a, t[i], nb, sizeof nb), 100.0 * (double)t[i]->cpu_ns / wall);
    if ((double)t[i]->ready_ns >= CTRACE__STORY_READY * wall) {
      len = strlen(st->text);
      ctrace__textf(st->text + len, sizeof st->text - len, " (and %.0f %% waiting for a core)",
                    100.0 * (double)t[i]->ready_ns / wall);
    }
  }
  len = strlen(st->text);
  ctrace__textf(st->text + len, sizeof st->text - len, "%s.", all > n ? ", ..." : "");
}

/* Who waited, for what, and (with CPU samples) on whom: the threads that
   used the CPU while the others waited (ctrace_thread_stats.waited_on_ns),
   named by the rule at CTRACE__STORY_WAITED_ON; else nobody is. */
static void ctrace__story_waits(const ctrace_analysis *a, ctrace__story *st) {
  const ctrace_thread_stats *w[3], *on[16];
  uint32_t nw = ctrace__story_threads_by(a, 1, w, 3), i, nt = 0, non = 0, k;
  const ctrace_thread_stats *th = ctrace_analysis_threads(a, &nt);
  int64_t total = 0, got = 0;
  char b1[32], nb[32];
  size_t len;
  ctrace__textf(st->text, sizeof st->text, "Waits:");
  for (i = 0; i < nw; ++i) {
    ctrace__fmt_ns(b1, sizeof b1, (double)w[i]->wait_ns);
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "%s %.60s waited %s (%.0f %% of its time)", i ? ";" : "",
                  ctrace__story_thread_name_in(a, w[i], nb, sizeof nb), b1,
                  100.0 * (double)w[i]->wait_ns / (double)ctrace__thread_span_ns(w[i]));
    if (w[i]->n_wait_by) {
      len = strlen(st->text);
      ctrace__textf(st->text + len, sizeof st->text - len, ", mostly for \"%.60s\"", w[i]->wait_by[0].what);
    }
  }
  len = strlen(st->text);
  ctrace__textf(st->text + len, sizeof st->text - len, ".");
  if (!ctrace_analysis_summary(a)->cpu_samples) {
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, " Whom they waited on is not known: CPU time was not "
                  "recorded in this trace.");
    return;
  }
  for (i = 0; i < nt; ++i)
    if (th[i].role != CTRACE_ROLE_TRACER && th[i].waited_on_ns > 0) {
      total = ctrace__an_sadd(total, th[i].waited_on_ns);
      if (non < 16) on[non++] = &th[i];
    }
  for (i = 1; i < non; ++i) /* by waited_on_ns, largest first */
    for (k = i; k > 0 && on[k - 1]->waited_on_ns < on[k]->waited_on_ns; --k) {
      const ctrace_thread_stats *x = on[k];
      on[k] = on[k - 1];
      on[k - 1] = x;
    }
  if (!total) {
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, " No other thread used the CPU while %s waited.",
                  nw == 1 ? "it" : "they");
    return;
  }
  for (k = 0; k < non && 2 * on[k]->waited_on_ns >= on[0]->waited_on_ns; ++k) got += on[k]->waited_on_ns;
  len = strlen(st->text);
  if (k > 4 || (double)got < CTRACE__STORY_WAITED_ON * (double)total) {
    ctrace__textf(st->text + len, sizeof st->text - len, " The CPU time used while they waited was spread over %u "
                  "threads, none of them waiting on one in particular.", (unsigned)non);
    return;
  }
  k--; /* the last one named */
  ctrace__textf(st->text + len, sizeof st->text - len, " While %s waited, ", nw == 1 ? "it" : "they");
  for (i = 0; i <= k; ++i) {
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "%s%.60s", i == 0 ? "" : i == k ? " and " : ", ",
                  ctrace__story_thread_name_in(a, on[i], nb, sizeof nb));
  }
  len = strlen(st->text);
  ctrace__textf(st->text + len, sizeof st->text - len, " used %.0f %% of the CPU time: %s on %s.",
                100.0 * (double)got / (double)total, nw == 1 ? "it waits" : "the others wait",
                k ? "them" : ctrace__story_thread_name_in(a, on[0], nb, sizeof nb));
}

/* Where the work happens: by CPU time when the trace has samples, never
   naming a zone that mostly waited, and naming the blocked zone with the
   most self time when it has at least a quarter of the working one's (the
   one a reader of self times would otherwise take for the work); by wall
   time (and saying so) when there are no samples. */
static void ctrace__story_hot(const ctrace_analysis *a, ctrace__story *st, uint32_t zi) {
  uint32_t nz = 0, i;
  const ctrace_zone_stats *zs = ctrace_analysis_zones(a, &nz), *z = zs + zi, *hot = NULL, *blocked = NULL;
  const ctrace_flame_node *root = ctrace_analysis_flame(a, NULL);
  int64_t cpu = 0;
  char b1[32], b2[32], b3[32], ln[16];
  size_t len;
  for (i = 0; i < nz; ++i)
    if (zs[i].sampled_self_ns > 0 && !ctrace_zone_mostly_waited(&zs[i]) &&
        (!hot || zs[i].cpu_self_ns > hot->cpu_self_ns))
      hot = &zs[i];
  for (i = 0; i < nz; ++i) {
    cpu = ctrace__an_sadd(cpu, zs[i].cpu_self_ns);
    if (ctrace_zone_mostly_waited(&zs[i]) && (!blocked || zs[i].self_ns > blocked->self_ns)) blocked = &zs[i];
  }
  if (hot && hot->cpu_self_ns > 0) {
    ctrace__fmt_ns(b1, sizeof b1, (double)hot->cpu_self_ns);
    ctrace__fmt_ns(b2, sizeof b2, (double)cpu);
    ctrace__textf(st->text, sizeof st->text,
                  "The work happens in \"%.120s\" at %.160s%s: %s of the %s of CPU time used inside zones "
                  "(%.0f %%), over %llu %s.", hot->name, hot->file[0] ? hot->file : "(no site)", ctrace__line_suffix(ln, hot->line),
                  b1, b2, cpu ? 100.0 * (double)hot->cpu_self_ns / (double)cpu : 0.0,
                  (unsigned long long)hot->count, ctrace__plural(hot->count, "call", "calls"));
    if (blocked && blocked->self_ns >= hot->self_ns / 4) {
      ctrace__fmt_ns(b1, sizeof b1, (double)blocked->self_ns);
      ctrace__fmt_ns(b3, sizeof b3, (double)blocked->cpu_self_ns);
      len = strlen(st->text);
      ctrace__textf(st->text + len, sizeof st->text - len,
                    " \"%.120s\" has %s of self time%s, but it was blocked: it ran for %s of it.", blocked->name,
                    b1, blocked == z ? " (the most)" : "", b3);
    }
    return;
  }
  ctrace__fmt_ns(b1, sizeof b1, (double)z->self_ns);
  ctrace__fmt_ns(b2, sizeof b2, root ? (double)root->total_ns : 0);
  if (ctrace_zone_mostly_waited(z)) {
    ctrace__fmt_ns(b3, sizeof b3, (double)z->cpu_self_ns);
    ctrace__textf(st->text, sizeof st->text,
                  "No zone did much work on the CPU: the zone with the most self time, \"%.120s\" at %.160s%s "
                  "(%s), was blocked and ran for %s of it.", z->name, z->file[0] ? z->file : "(no site)",
                  ctrace__line_suffix(ln, z->line), b1, b3);
    return;
  }
  {
    uint32_t nt = 0, busy = 0;
    const ctrace_thread_stats *t = ctrace_analysis_threads(a, &nt);
    const ctrace_summary *s = ctrace_analysis_summary(a);
    const char *what = s->info.functions >= nz ? "function" : s->info.functions ? "zone or function" : "zone";
    const char *whats = s->info.functions >= nz ? "functions" : s->info.functions ? "zones and functions" : "zones";
    char over[160] = "";
    double total = root ? (double)root->total_ns : 0;
    for (i = 0; i < nt; ++i) busy += t[i].busy_ns > 0;
    if (busy > 1) {
      ctrace__fmt_ns(b3, sizeof b3, (double)s->duration_ns);
      ctrace__textf(over, sizeof over, ", summed over the %u threads that ran %s%s%s", (unsigned)busy, whats,
                    total > (double)s->duration_ns ? ", so more than the run's " : "",
                    total > (double)s->duration_ns ? b3 : "");
    }
    ctrace__textf(st->text, sizeof st->text,
                  "The %s with the most self time is \"%.120s\" at %.160s%s: %s of the %s that %s spent in "
                  "themselves%s (%.0f %%), over %llu %s.", what, z->name, z->file[0] ? z->file : "(no site)",
                  ctrace__line_suffix(ln, z->line), b1, b2, whats, over, total > 0 ? 100.0 * (double)z->self_ns / total : 0.0,
                  (unsigned long long)z->count, ctrace__plural(z->count, "call", "calls"));
  }
  if (!ctrace_analysis_summary(a)->cpu_samples) {
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, " CPU time was not recorded in this trace, so self time "
                  "here counts time blocked as well as time running.");
  }
}

/* The sentences about threads: where the work happens, who runs, who waits. */
static uint32_t ctrace__story_threads(const ctrace_analysis *a, ctrace__story *out, uint32_t n) {
  uint32_t zi, nt = 0, i, waits = 0;
  const ctrace_thread_stats *th = ctrace_analysis_threads(a, &nt);
  if (ctrace_analysis_zone_order(a, CTRACE_ZONE_BY_SELF, &zi, 1) == 1) {
    out[n].kind = CTRACE__ST_HOT; out[n].link = "#zones"; out[n].link_text = "zones";
    ctrace__story_hot(a, &out[n++], zi);
  }
  if (ctrace_analysis_summary(a)->cpu_samples) {
    out[n].kind = CTRACE__ST_CPU; out[n].link = "#threads"; out[n].link_text = "threads";
    ctrace__story_cpu(a, &out[n++]);
  }
  for (i = 0; i < nt; ++i)
    if (th[i].role == CTRACE_ROLE_PROGRAM) waits += th[i].waits ? 1u : 0u;
  if (waits) {
    out[n].kind = CTRACE__ST_WAITS; out[n].link = "#threads"; out[n].link_text = "threads";
    ctrace__story_waits(a, &out[n++]);
  }
  return n;
}

/* Short-lived blocks: under a collector, those the first collection after
   them freed; otherwise heaptrack's temporaries. */
static void ctrace__story_temps(const ctrace_analysis *a, ctrace__story *st) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  char b1[32];
  if (ctrace_analysis_gc(a)->count) {
    ctrace__fmt_bytes(b1, sizeof b1, (double)m->died_young_bytes);
    ctrace__textf(st->text, sizeof st->text,
                  "%llu of the %llu allocations (%s) died young: the first collection after each was made "
                  "freed it.", (unsigned long long)m->died_young_allocs, (unsigned long long)m->mallocs, b1);
  } else if (m->temporary_allocs) {
    ctrace__fmt_bytes(b1, sizeof b1, (double)m->temporary_bytes);
    ctrace__textf(st->text, sizeof st->text,
                  "%llu of the %llu allocations (%s) %s temporary: freed before %s thread allocated again.",
                  (unsigned long long)m->temporary_allocs, (unsigned long long)m->mallocs, b1,
                  m->temporary_allocs == 1 ? "was" : "were", m->temporary_allocs == 1 ? "its" : "their");
  } else {
    ctrace__textf(st->text, sizeof st->text,
                  "None of the %llu allocations was temporary (freed before its thread allocated again).",
                  (unsigned long long)m->mallocs);
  }
}

/* What the program printed: its reads of the statistics, in Go's names. */
static void ctrace__story_reads(const ctrace_analysis *a, ctrace__story *st) {
  uint32_t n = 0, i;
  const ctrace_memstats_read *rd = ctrace_analysis_memstats_reads(a, &n);
  size_t len;
  char b1[32];
  ctrace__textf(st->text, sizeof st->text, "The program read its statistics %u %s (ctrace_read_memstats)",
                (unsigned)n, ctrace__plural(n, "time", "times"));
  if (ctrace_analysis_gc(a)->count) { /* no collector: NumGC would only say 0 */
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "; NumGC:");
    for (i = 0; i < n && i < 8; ++i) {
      len = strlen(st->text);
      ctrace__textf(st->text + len, sizeof st->text - len, "%s %u", i ? "," : "", (unsigned)rd[i].num_gc);
    }
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "%s", n > 8 ? ", ..." : "");
  }
  len = strlen(st->text);
  ctrace__textf(st->text + len, sizeof st->text - len, "; Alloc:");
  for (i = 0; i < n && i < 8; ++i) {
    len = strlen(st->text);
    ctrace__textf(st->text + len, sizeof st->text - len, "%s %s", i ? "," : "",
                  ctrace__commas(b1, sizeof b1, rd[i].alloc));
  }
  len = strlen(st->text);
  ctrace__textf(st->text + len, sizeof st->text - len, "%s bytes; TotalAlloc at the last: %s bytes.",
                n > 8 ? ", ..." : "", ctrace__commas(b1, sizeof b1, rd[n - 1].total_alloc));
}

/* Fills up to CTRACE__STORY_MAX sentences; returns how many. */
/* The first memory problem with a site (untracked or double frees, the
   allocator's own reports), NULL if none; *total: how many there were. */
static const ctrace_problem *ctrace__first_memory_problem(const ctrace_analysis *a, uint64_t *total) {
  const ctrace_problem *first = NULL;
  uint32_t i, n = 0;
  const ctrace_problem *pr = ctrace_analysis_problems(a, &n);
  *total = 0;
  for (i = 0; pr && i < n; i++) {
    if (pr[i].kind != CTRACE_PROB_REPORTED && pr[i].kind != CTRACE_PROB_DOUBLE_FREE &&
        pr[i].kind != CTRACE_PROB_UNTRACKED_FREE)
      continue;
    *total += pr[i].count;
    if (!first || (pr[i].first_ns < first->first_ns)) first = &pr[i];
  }
  return first;
}

/* The leak sentence for a trace whose every live block has a call stack
   (ctrace run): the stacks, and the function that allocated the most. 0 if
   some live block has none. */
static int ctrace__story_leak_stacks(const ctrace_analysis *a, char *text, size_t cap) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  uint32_t n = 0, i;
  uint64_t blocks = 0;
  char b1[32], b2[32], where[300];
  const ctrace_alloc_stack *st = ctrace_analysis_alloc_stacks(a, CTRACE_BY_LIVE_BYTES, &n);
  for (i = 0; st && i < n; i++) blocks += st[i].live_blocks;
  if (!n || blocks != m->live_blocks) return 0;
  ctrace__fmt_bytes(b1, sizeof b1, (double)m->alloc);
  ctrace__fmt_bytes(b2, sizeof b2, (double)st[0].live_bytes);
  if (st[0].depth) ctrace__frame_name(&st[0].frames[0], where, sizeof where);
  else snprintf(where, sizeof where, "(no frame)");
  ctrace__textf(text, cap, "%llu %s (%s) %s never freed, from %u call %s; the most, %s, allocated in %.200s.",
                (unsigned long long)m->live_blocks, ctrace__plural(m->live_blocks, "block", "blocks"), b1,
                m->live_blocks == 1 ? "was" : "were", (unsigned)n, ctrace__plural(n, "stack", "stacks"), b2, where);
  return 1;
}

static uint32_t ctrace__story_make(const ctrace_analysis *a, ctrace__story *out) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  const ctrace_gc_stats *g = ctrace_analysis_gc(a);
  uint32_t n = 0, zi = 0, nl = 0, dropped = 0;
  uint64_t n_mp = 0;
  char b1[32], b2[32], b3[32];
  if (!m || !g) return 0;
  if (ctrace_analysis_memstats_reads(a, &zi) && zi) {
    out[n].kind = CTRACE__ST_READS; out[n].link = "#memstats-reads"; out[n].link_text = "reads";
    ctrace__story_reads(a, &out[n++]);
  }
  if (!g->count) n = ctrace__story_threads(a, out, n); /* no collector: who runs and who waits comes first */
  if (m->peak_alloc) {
    out[n].kind = CTRACE__ST_SHAPE; out[n].link = "#timeline"; out[n].link_text = "heap chart";
    ctrace__story_shape(a, &out[n++]);
    out[n].kind = CTRACE__ST_PEAK; out[n].link = "#timeline"; out[n].link_text = "heap chart";
    ctrace__fmt_bytes(b1, sizeof b1, (double)m->peak_alloc);
    ctrace__fmt_ns(b2, sizeof b2, (double)m->peak_time_ns);
    if (m->peak_count > 1)
      ctrace__textf(out[n].text, sizeof out[n].text,
                    "The heap peaked at %s (%s bytes), first at %s; it rose to that peak (within %.1f %%) "
                    "%u times in all, and the chart marks each.", b1, ctrace__commas(b3, sizeof b3, m->peak_alloc),
                    b2, 100.0 * CTRACE_PEAK_TOLERANCE, (unsigned)m->peak_count);
    else
      ctrace__textf(out[n].text, sizeof out[n].text,
                    "The heap peaked at %s (%s bytes) at %s, once (no other rise came within %.1f %% of it).", b1,
                    ctrace__commas(b3, sizeof b3, m->peak_alloc), b2, 100.0 * CTRACE_PEAK_TOLERANCE);
    n++;
  }
  if (g->count) {
    out[n].kind = CTRACE__ST_GC; out[n].link = "#gc"; out[n].link_text = "collections";
    ctrace__story_gc(a, &out[n++]);
    out[n].kind = CTRACE__ST_HELD; out[n].link = "#mmu"; out[n].link_text = "utilization";
    ctrace__story_held(a, &out[n++]);
  }
  if (g->count) n = ctrace__story_threads(a, out, n);
  if (m->mallocs) {
    const ctrace_alloc_site *lk = ctrace_analysis_leaks(a, &nl, &dropped);
    const ctrace_problem *mp = ctrace__first_memory_problem(a, &n_mp);
    out[n].kind = CTRACE__ST_LEAKS; out[n].link = "#memory"; out[n].link_text = "memory";
    if (m->live_blocks && ctrace__story_leak_stacks(a, out[n].text, sizeof out[n].text)) {
      /* ctrace run: the allocating call site is always the allocator itself, so name the stack */
    } else if (m->live_blocks && lk && nl) {
      ctrace__fmt_bytes(b1, sizeof b1, (double)m->alloc);
      ctrace__fmt_bytes(b3, sizeof b3, (double)lk[0].live_bytes);
      ctrace__textf(out[n].text, sizeof out[n].text,
                    "%llu %s (%s) %s never freed, from %u %s; the most, %s, at %.160s:%u.",
                    (unsigned long long)m->live_blocks, ctrace__plural(m->live_blocks, "block", "blocks"), b1,
                    m->live_blocks == 1 ? "was" : "were", (unsigned)(nl + dropped),
                    ctrace__plural(nl + dropped, "site", "sites"), b3,
                    lk[0].file[0] ? lk[0].file : "(no site)", (unsigned)lk[0].line);
    } else if (mp) { /* a free ctrace did not allocate, or a double free: not "no leaks" */
      ctrace__textf(out[n].text, sizeof out[n].text,
                    "Every one of the %llu tracked allocations was freed, but %llu %s ctrace did not "
                    "allocate or had freed already (see the trace problems), the first at %.160s:%u.",
                    (unsigned long long)m->mallocs, (unsigned long long)n_mp,
                    n_mp == 1 ? "free or realloc was of a pointer" : "frees or reallocs were of pointers",
                    mp->file[0] ? mp->file : "(no site)", (unsigned)mp->line);
    } else {
      ctrace__textf(out[n].text, sizeof out[n].text, "Every one of the %llu allocations was freed: no leaks.",
                    (unsigned long long)m->mallocs);
    }
    n++;
    out[n].kind = CTRACE__ST_TEMPS; out[n].link = "#memory"; out[n].link_text = "memory";
    ctrace__story_temps(a, &out[n++]);
  }
  return n;
}


typedef struct ctrace__report {
  ctrace__sink *o;
  const ctrace_analysis *a;   /* the run */
  const ctrace_analysis *b;   /* the baseline, or NULL */
  ctrace__detail *d;          /* spans and markers of the run */
  const char *trace_path, *base_path, *title;
  const char *damage_a, *damage_b; /* sentences about damage, "" if none */
  uint32_t max_rows, max_msgs;
  int64_t q;                  /* time quantum of the data island, ns */
} ctrace__report;

/* Bytes of s to show when at most max bytes are wanted, cut on a code point
   boundary; *cut is set when something was left out. */
static size_t ctrace__clip(const char *s, size_t max, int *cut) {
  size_t n = strlen(s);
  *cut = n > max;
  if (n <= max) return n;
  n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xc0u) == 0x80u) --n;
  return n;
}

static void ctrace__rep_html(ctrace__report *r, const char *s, size_t max) {
  int cut;
  size_t n;
  s = s ? s : "";
  n = ctrace__clip(s, max, &cut);
  ctrace__sink_html_n(r->o, s, n);
  if (cut) ctrace__sink_str(r->o, "\xe2\x80\xa6");
}

static void ctrace__rep_json(ctrace__report *r, const char *s, size_t max) {
  int cut;
  size_t n;
  char *tmp;
  s = s ? s : "";
  n = ctrace__clip(s, max, &cut);
  if (!cut) { ctrace__sink_json_n(r->o, s, n); return; }
  tmp = (char *)CTRACE_MEM_ALLOC(n + 4);
  if (!tmp) { r->o->err = CTRACE_E_NOMEM; return; }
  memcpy(tmp, s, n);
  memcpy(tmp + n, "\xe2\x80\xa6", 4);
  ctrace__sink_json_n(r->o, tmp, n + 3);
  CTRACE_MEM_FREE(tmp);
}

/* A count with thousands separators (Go's MemStats numbers are read that way). */
static void ctrace__rep_count(ctrace__report *r, uint64_t v) {
  char digits[32], out[48];
  int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v), i, k = 0;
  for (i = 0; i < n; ++i) {
    if (i && (n - i) % 3 == 0) out[k++] = ',';
    out[k++] = digits[i];
  }
  out[k] = '\0';
  ctrace__sink_str(r->o, out);
}

/* Layouts use ASCII "us" (the raster font's range); HTML can say µs. */
static void ctrace__rep_ns(ctrace__report *r, double ns) {
  char b[48];
  size_t n;
  ctrace__fmt_ns(b, sizeof b, ns);
  n = strlen(b);
  if (n > 2 && strcmp(b + n - 2, "us") == 0) {
    ctrace__sink_bytes(r->o, b, n - 2);
    ctrace__sink_str(r->o, "\xc2\xb5s");
  } else {
    ctrace__sink_str(r->o, b);
  }
}

static void ctrace__rep_bytes(ctrace__report *r, double v) {
  char b[48];
  ctrace__fmt_bytes(b, sizeof b, v);
  ctrace__sink_str(r->o, b);
}

/* Table cells carry their exact value in data-v for sorting and for tools. */
static void ctrace__rep_td_ns(ctrace__report *r, int64_t ns) {
  char b[48];
  ctrace__sink_str(r->o, "<td class=\"n\" data-v=\"");
  ctrace__sink_int(r->o, ns);
  ctrace__sink_str(r->o, "\">");
  ctrace__fmt_ns3(b, sizeof b, (double)ns);
  ctrace__sink_html_units(r->o, b);
  ctrace__sink_str(r->o, "</td>");
}

static void ctrace__rep_td_count(ctrace__report *r, uint64_t v) {
  ctrace__sink_str(r->o, "<td class=\"n\" data-v=\"");
  ctrace__sink_int(r->o, (int64_t)v);
  ctrace__sink_str(r->o, "\">");
  ctrace__rep_count(r, v);
  ctrace__sink_str(r->o, "</td>");
}

static void ctrace__rep_td_bytes(ctrace__report *r, uint64_t v) {
  ctrace__sink_str(r->o, "<td class=\"n\" data-v=\"");
  ctrace__sink_int(r->o, (int64_t)v);
  ctrace__sink_str(r->o, "\">");
  ctrace__rep_bytes(r, (double)v);
  ctrace__sink_str(r->o, "</td>");
}

static void ctrace__rep_td_site(ctrace__report *r, const char *file, uint32_t line) {
  ctrace__sink_str(r->o, "<td class=\"name\">");
  if (file && file[0]) {
    ctrace__rep_html(r, file, 200);
    if (line) ctrace__sink_fmt(r->o, ":%u", (unsigned)line); /* 0: no line known */
  } else {
    ctrace__sink_str(r->o, "<span class=\"muted\">(no site)</span>");
  }
  ctrace__sink_str(r->o, "</td>");
}

static void ctrace__rep_kv_begin(ctrace__report *r, const char *key) {
  ctrace__sink_str(r->o, "<dt>");
  ctrace__sink_str(r->o, key);
  ctrace__sink_str(r->o, "</dt><dd>");
}

static void ctrace__rep_howto(ctrace__report *r, const char *title, const char *const *paras) {
  ctrace__sink_str(r->o, "<aside class=\"howto\"><h3>");
  ctrace__sink_str(r->o, title);
  ctrace__sink_str(r->o, "</h3>");
  for (; *paras; ++paras) {
    ctrace__sink_str(r->o, "<p>");
    ctrace__sink_str(r->o, *paras);
    ctrace__sink_str(r->o, "</p>");
  }
  ctrace__sink_str(r->o, "</aside>");
}

/* Layouts fill a fixed box; on a page the empty space below is trimmed. */
static void ctrace__rep_trim(ctrace__canvas *c) {
  float bottom = 0;
  uint32_t i;
  for (i = 0; i < c->n_shapes; ++i) {
    const ctrace__shape *s = &c->shapes[i];
    float y = s->kind == CTRACE__SH_TEXT ? s->y + (float)s->font_px * 0.3f
            : s->kind == CTRACE__SH_POLY ? 0 : s->y + (s->h > 0 ? s->h : 0);
    if (y > bottom) bottom = y;
  }
  for (i = 0; i < c->n_points; i += 2u)
    if (c->points[i + 1u] > bottom) bottom = c->points[i + 1u];
  if (bottom + 8 < c->height) c->height = bottom + 8;
}

/* Size budget: the page stays under 10 MB whatever the trace holds. Every
   list is capped in count already; these byte marks catch the case where
   each entry is as long (and as full of characters to escape) as it can be.
   What is left out is said on the page. */
#define CTRACE__BUDGET_SVG_TITLES 400000u  /* tooltip bytes per chart */
#define CTRACE__BUDGET_TABLES 3500000u      /* table rows stop here */
#define CTRACE__BUDGET_DATA 9300000u        /* optional data stops here */

static int ctrace__rep_full(const ctrace__report *r, uint64_t mark) { return r->o->total > mark; }

static void ctrace__rep_svg(ctrace__report *r, ctrace__canvas *c, const char *css_class) {
  if (c->oom) { r->o->err = CTRACE_E_NOMEM; return; }
  r->o->titles_until = r->o->total + CTRACE__BUDGET_SVG_TITLES;
  ctrace__canvas_to_svg(c, r->o, css_class);
  r->o->titles_until = 0;
}

static void ctrace__rep_cut_note(ctrace__report *r, uint32_t left) {
  if (left) ctrace__sink_fmt(r->o, "<p class=\"muted\">%u more rows left out to keep the report small.</p>",
                              (unsigned)left);
}

/* ---- page head ------------------------------------------------------------ */
static void ctrace__rep_head(ctrace__report *r) {
  ctrace__sha256 sh;
  unsigned char digest[32];
  char b64[48];
  const char *const *line;
  ctrace__sha256_init(&sh);
  for (line = ctrace__report_js; *line; ++line) ctrace__sha256_update(&sh, *line, strlen(*line));
  ctrace__sha256_final(&sh, digest);
  ctrace__base64(digest, 32, b64);
  ctrace__sink_str(r->o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                          "img-src data:; style-src 'unsafe-inline'; script-src 'sha256-");
  ctrace__sink_str(r->o, b64);
  ctrace__sink_str(r->o, "'; base-uri 'none'; form-action 'none'\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                          "<meta name=\"generator\" content=\"ctrace " CTRACE_VERSION_STRING "\">\n"
                          "<link rel=\"icon\" href=\"data:,\">\n<title>ctrace report: ");
  ctrace__rep_html(r, r->title, 200);
  ctrace__sink_str(r->o, "</title>\n<style>\n");
  for (line = ctrace__report_css; *line; ++line) ctrace__sink_str(r->o, *line);
  ctrace__sink_str(r->o, "</style>\n</head>\n<body>\n");
}

/* ---- summary -------------------------------------------------------------- */
static void ctrace__rep_date(ctrace__report *r, uint64_t wall_ns) {
  time_t secs = (time_t)(wall_ns / 1000000000u);
  struct tm *tmv;
  char b[64];
  if (!wall_ns) { ctrace__sink_str(r->o, "unknown"); return; }
  tmv = gmtime(&secs);
  if (!tmv || !strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", tmv)) { ctrace__sink_str(r->o, "unknown"); return; }
  ctrace__sink_str(r->o, b);
}

/* What was lost, in words: the reader's damage counts and the analysis's
   problems (unfinished zones first, the ones a reader most needs to know). */
static void ctrace__rep_problems(ctrace__report *r, const ctrace_analysis *a, const char *damage, const char *which) {
  const ctrace_summary *s = ctrace_analysis_summary(a);
  const ctrace_trace_info *in = &s->info;
  const ctrace_problem *pr;
  const ctrace_zone_stats *z;
  uint32_t n_pr = 0, n_z = 0, i, shown = 0;
  int lost = s->damaged || s->read_error || in->truncated || in->crashed || s->events_lost || s->overflowed || (damage && damage[0]);
  pr = ctrace_analysis_problems(a, &n_pr);
  z = ctrace_analysis_zones(a, &n_z);
  if (lost) {
    ctrace__sink_str(r->o, "<div class=\"warn\" id=\"damage\"><h3>");
    ctrace__sink_str(r->o, which);
    ctrace__sink_str(r->o, ": data was lost or damaged; this report shows what could be recovered</h3><ul>");
    if (damage && damage[0]) { ctrace__sink_str(r->o, "<li>"); ctrace__rep_html(r, damage, 400); ctrace__sink_str(r->o, "</li>"); }
    if (s->read_error && s->read_error_text[0]) {
      ctrace__sink_str(r->o, "<li>reading stopped early: ");
      ctrace__rep_html(r, s->read_error_text, 200);
      ctrace__sink_str(r->o, "</li>");
    }
    if (in->chunks_bad || in->bytes_lost) {
      ctrace__sink_str(r->o, "<li>");
      ctrace__rep_count(r, in->chunks_bad);
      ctrace__sink_str(r->o, " damaged chunks skipped, ");
      ctrace__rep_count(r, in->bytes_lost);
      ctrace__sink_str(r->o, " bytes of the file unusable");
      if (in->first_damage[0]) {
        ctrace__sink_fmt(r->o, "; first at byte %lld: ", (long long)in->first_damage_offset);
        ctrace__rep_html(r, in->first_damage, 160);
      }
      ctrace__sink_str(r->o, "</li>");
    }
    if (in->truncated) ctrace__sink_str(r->o, "<li>the file is cut short: events after its last complete chunk are missing</li>");
    if (in->contradictions) {
      ctrace__sink_str(r->o, "<li>the trace contradicts itself ");
      ctrace__rep_count(r, in->contradictions);
      ctrace__sink_str(r->o, " time(s); what could not be used was set aside");
      if (in->first_damage[0] && !in->chunks_bad && !in->bytes_lost) {
        ctrace__sink_fmt(r->o, "; first at byte %lld: ", (long long)in->first_damage_offset);
        ctrace__rep_html(r, in->first_damage, 160);
      }
      ctrace__sink_str(r->o, "</li>");
    }
    if (s->overflowed)
      ctrace__sink_str(r->o, "<li><b>overflowed</b>: some totals passed 2<sup>64</sup> (2<sup>63</sup> for times) and show that limit</li>");
    if (!in->ended && in->format_version)
      ctrace__sink_str(r->o, "<li>no end marker: the program did not stop the trace (it may have crashed or been killed)</li>");
    if (in->crashed) ctrace__sink_fmt(r->o, "<li>the program died of signal %d while tracing</li>", in->crash_signal);
    if (s->events_lost) {
      ctrace__sink_str(r->o, "<li>");
      ctrace__rep_count(r, s->events_lost);
      ctrace__sink_str(r->o, " events were lost while recording (buffers full)</li>");
    }
    ctrace__sink_str(r->o, "</ul></div>\n");
  }
  if (!n_pr && !s->zones_folded && !s->too_deep) return;
  ctrace__sink_str(r->o, "<div class=\"warn\" id=\"problems\"><h3>");
  ctrace__sink_str(r->o, which);
  ctrace__sink_str(r->o, ": trace problems</h3><ul>");
  for (i = 0; i < n_z && shown < 20u; ++i) {
    if (!z[i].unfinished) continue;
    ++shown;
    ctrace__sink_str(r->o, "<li>unfinished zone <b>");
    ctrace__rep_html(r, z[i].name, 200);
    ctrace__sink_str(r->o, "</b> (");
    ctrace__rep_html(r, z[i].file, 200);
    if (z[i].line) ctrace__sink_fmt(r->o, ":%u", (unsigned)z[i].line);
    ctrace__sink_str(r->o, "): ");
    ctrace__rep_count(r, z[i].unfinished);
    ctrace__sink_str(r->o, " never ended; drawn up to the end of the trace</li>");
  }
  for (i = 0; i < n_pr; ++i) {
    if (pr[i].kind == CTRACE_PROB_UNFINISHED_ZONE && shown) continue;
    ctrace__sink_str(r->o, "<li>");
    ctrace__rep_html(r, ctrace_problem_kind_name(pr[i].kind), 60);
    ctrace__sink_str(r->o, ": ");
    ctrace__rep_html(r, pr[i].what, 300);
    if (pr[i].file && pr[i].file[0]) {
      ctrace__sink_str(r->o, " at <b>");
      ctrace__rep_html(r, pr[i].file, 200);
      ctrace__sink_fmt(r->o, ":%u</b>", (unsigned)pr[i].line);
    }
    ctrace__sink_str(r->o, " (");
    ctrace__rep_count(r, pr[i].count);
    ctrace__sink_str(r->o, " times, first at ");
    ctrace__rep_ns(r, (double)pr[i].first_ns);
    ctrace__sink_str(r->o, ")</li>");
  }
  if (s->zones_folded) {
    ctrace__sink_str(r->o, "<li>more distinct zones than the analysis keeps: ");
    ctrace__rep_count(r, s->zones_folded);
    ctrace__sink_str(r->o, " spans are counted in the zone \"(other)\"</li>");
  }
  ctrace__sink_str(r->o, "</ul></div>\n");
}

static void ctrace__rep_card_trace(ctrace__report *r, const ctrace_analysis *a, const char *heading, const char *path) {
  const ctrace_summary *s = ctrace_analysis_summary(a);
  ctrace__sink_str(r->o, "<div class=\"card\"><h3>");
  ctrace__sink_str(r->o, heading);
  ctrace__sink_str(r->o, "</h3><dl class=\"kv\">");
  ctrace__rep_kv_begin(r, "program"); ctrace__rep_html(r, s->info.program[0] ? s->info.program : "(unknown)", 120);
  ctrace__rep_kv_begin(r, "file"); ctrace__rep_html(r, path, 120);
  ctrace__rep_kv_begin(r, "recorded"); ctrace__rep_date(r, s->info.wall_start_ns);
  ctrace__rep_kv_begin(r, "duration"); ctrace__rep_ns(r, (double)s->duration_ns);
  ctrace__rep_kv_begin(r, "threads"); ctrace__rep_count(r, s->program_threads);
  ctrace__sink_str(r->o, " of the program");
  {
    uint32_t n = 0, i;
    const ctrace_thread_stats *t = ctrace_analysis_threads(a, &n);
    for (i = 0; i < n; ++i)
      if (t[i].role != CTRACE_ROLE_PROGRAM) {
        ctrace__sink_str(r->o, ", + ");
        ctrace__rep_html(r, t[i].name[0] ? t[i].name : "(unnamed)", 60);
        ctrace__sink_str(r->o, t[i].role == CTRACE_ROLE_TRACER ? " (ctrace's own)" : " (collector)");
      }
  }
  ctrace__rep_kv_begin(r, "events"); ctrace__rep_count(r, s->events);
  ctrace__rep_kv_begin(r, "trace size"); ctrace__rep_bytes(r, (double)s->info.file_size);
  ctrace__rep_kv_begin(r, "events lost"); ctrace__rep_count(r, s->events_lost);
  ctrace__sink_str(r->o, "</dd></dl></div>\n");
}

/* "650,000,000 B (650 MB)"; below a kilobyte the two would say the same. */
static void ctrace__rep_go_bytes(ctrace__report *r, uint64_t v) {
  ctrace__rep_count(r, v);
  ctrace__sink_str(r->o, " B");
  if (v < 1000) return;
  ctrace__sink_str(r->o, " (");
  ctrace__rep_bytes(r, (double)v);
  ctrace__sink_str(r->o, ")");
}

static void ctrace__rep_card_memory(ctrace__report *r, const ctrace_analysis *a, const char *heading) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(a);
  ctrace__sink_str(r->o, "<div class=\"card\" id=\"memstats\"><h3>");
  ctrace__sink_str(r->o, heading);
  ctrace__sink_str(r->o, "</h3><dl class=\"kv\">");
  /* Go's names with Go's raw byte counts, and the same in units beside them */
  ctrace__rep_kv_begin(r, "Alloc"); ctrace__rep_go_bytes(r, m->alloc);
  ctrace__rep_kv_begin(r, "TotalAlloc"); ctrace__rep_go_bytes(r, m->total_alloc);
  ctrace__rep_kv_begin(r, "HeapAlloc"); ctrace__rep_go_bytes(r, m->heap_alloc);
  ctrace__rep_kv_begin(r, "NumGC"); ctrace__rep_count(r, m->num_gc);
  ctrace__rep_kv_begin(r, "peak heap");
  ctrace__rep_bytes(r, (double)m->peak_alloc);
  ctrace__sink_str(r->o, " at ");
  ctrace__rep_ns(r, (double)m->peak_time_ns);
  if (m->peak_count > 1) ctrace__sink_fmt(r->o, " (first of %u)", (unsigned)m->peak_count);
  ctrace__rep_kv_begin(r, "allocations"); ctrace__rep_count(r, m->mallocs);
  ctrace__rep_kv_begin(r, "frees"); ctrace__rep_count(r, m->frees);
  ctrace__rep_kv_begin(r, "live at the end");
  ctrace__rep_bytes(r, (double)m->alloc);
  ctrace__sink_str(r->o, " in ");
  ctrace__rep_count(r, m->live_blocks);
  ctrace__sink_str(r->o, " blocks");
  if (m->has_rss) {
    ctrace__rep_kv_begin(r, "resident peak"); ctrace__rep_bytes(r, (double)m->rss_peak);
  }
  ctrace__sink_str(r->o, "</dd></dl></div>\n");
}

/* A collection's length is one figure everywhere: GC_BEGIN to GC_END. What
   the program felt of it is the held-up time, from its waits. */
static void ctrace__rep_card_gc(ctrace__report *r, const ctrace_analysis *a, const char *heading) {
  const ctrace_gc_stats *g = ctrace_analysis_gc(a);
  const ctrace_summary *s = ctrace_analysis_summary(a);
  ctrace__sink_str(r->o, a != r->a ? "<div class=\"card\"><h3>" : "<div class=\"card\" id=\"gc\"><h3>");
  ctrace__sink_str(r->o, heading);
  ctrace__sink_str(r->o, "</h3><dl class=\"kv\">");
  ctrace__rep_kv_begin(r, "collections"); ctrace__rep_count(r, g->count);
  ctrace__rep_kv_begin(r, "time in collections"); ctrace__rep_ns(r, (double)g->pause_total_ns);
  ctrace__sink_fmt(r->o, " (%.2f %% of the run)", g->share * 100.0);
  ctrace__rep_kv_begin(r, "longest collection"); ctrace__rep_ns(r, (double)g->pause_max_ns);
  ctrace__rep_kv_begin(r, "mean collection"); ctrace__rep_ns(r, (double)g->pause_mean_ns);
  ctrace__rep_kv_begin(r, "program held up");
  if (g->waits || g->held_ns) {
    ctrace__rep_ns(r, (double)g->held_ns);
    ctrace__sink_fmt(r->o, " (%u program thread%s)", (unsigned)s->program_threads, s->program_threads == 1 ? "" : "s");
  } else {
    ctrace__sink_str(r->o, "not known (no waits recorded)");
  }
  ctrace__sink_str(r->o, "</dd></dl><p class=\"muted\">A collection lasts from CTRACE_GC_BEGIN to CTRACE_GC_END; a "
                          "zone recorded inside one (a sweep, say) is a little shorter. Held up: the part of the program's "
                          "waits that overlapped a collection, plus collections its threads ran themselves."
                          "</p></div>\n");
}

static void ctrace__rep_mmu(ctrace__report *r) {
  const ctrace_gc_stats *g = ctrace_analysis_gc(r->a);
  uint32_t n = 0;
  ctrace__canvas c;
  ctrace_analysis_mmu(r->a, &n);
  ctrace__sink_str(r->o, "<div id=\"mmu\">");
  if (!g->count) {
    ctrace__sink_str(r->o, "</div>");
    return;
  }
  if (!n || (!g->waits && !g->held_ns)) {
    ctrace__sink_str(r->o, "<p class=\"muted\">No utilization curve: the program's threads recorded no waits "
                            "(CTRACE_WAIT, ctrace_mutex_lock) and ran no collection, so how long the "
                            "collections held them up is not known.</p></div>");
    return;
  }
  ctrace__canvas_init(&c, 900, 260, 0xffffffffu);
  if (ctrace__chart_mmu(&c, r->a, 900, 260) == 0) ctrace__rep_svg(r, &c, "mmu-chart");
  ctrace__canvas_free(&c);
  ctrace__sink_str(r->o, "<p class=\"muted\">For each window length, the smallest share of any window that "
                          "long in which the program's threads were not held up by a collection. Held up counts "
                          "only the time a program thread waited (CTRACE_WAIT, ctrace_mutex_lock) while a "
                          "collection ran, or ran a collection itself; unlike Go's trace tool, it does not count "
                          "the processor time a collector running beside the program takes from it. Left: the worst "
                          "stall felt; right: the overall cost. A longer window can score a little lower than a "
                          "shorter one: each window length is the worst of its own windows.</p></div>");
}

/* Go's chapter prints its MemStats three times; the page shows each read
   with its time (the heap chart marks the same times). */
static void ctrace__rep_memstats_reads(ctrace__report *r) {
  uint32_t n = 0, i;
  const ctrace_memstats_read *rd = ctrace_analysis_memstats_reads(r->a, &n);
  if (!n) return;
  ctrace__sink_str(r->o, "<div class=\"card\" id=\"memstats-reads\"><h3>What the program read "
                          "(ctrace_read_memstats)</h3><div class=\"scroll\"><table><thead><tr><th>#</th><th>Time</th>"
                          "<th>Alloc</th><th>TotalAlloc</th><th>HeapAlloc</th><th>NumGC</th></tr></thead><tbody>");
  for (i = 0; i < n; ++i) {
    ctrace__sink_fmt(r->o, "<tr><td class=\"n\">%u</td>", (unsigned)i + 1);
    ctrace__rep_td_ns(r, rd[i].time_ns);
    ctrace__rep_td_count(r, rd[i].alloc);
    ctrace__rep_td_count(r, rd[i].total_alloc);
    ctrace__rep_td_count(r, rd[i].alloc);
    ctrace__rep_td_count(r, rd[i].num_gc);
    ctrace__sink_str(r->o, "</tr>");
  }
  ctrace__sink_str(r->o, "</tbody></table></div><p class=\"muted\">");
  ctrace__sink_str(r->o, "The figures the program got each time it read its statistics, in bytes, as Go's "
                            "<code>runtime.ReadMemStats</code> gives them; the heap chart marks each read. ");
  if (n == CTRACE_MEMSTATS_READS_KEPT) ctrace__sink_fmt(r->o, "Only the first %u reads are kept. ", (unsigned)n);
  ctrace__sink_str(r->o, "</p></div>\n");
}

static const char *const ctrace__howto_summary[] = {
  "A <b>trace</b> is a diary the program wrote while it ran: every time something interesting began or "
  "ended it noted the time. This report reads that diary back.",
  "<b>Alloc</b> and <b>HeapAlloc</b> are the bytes in use at the end (allocated and not yet freed), "
  "<b>TotalAlloc</b> counts every byte ever allocated, even if freed long ago, and <b>NumGC</b> is the "
  "number of collections: the same four numbers Go's <code>runtime.MemStats</code> gives.",
  "When part of the trace was lost, a box at the top of this section says \"data was lost or damaged\"; "
  "the figures then cover only what could be read.", NULL};

/* What the page has to say: a program with no allocation, no resident memory
   and no collection gets no memory section, no heap chart and no
   collections box (their zeros would only suggest it has those). */
static int ctrace__rep_has_memory(const ctrace__report *r) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(r->a);
  const ctrace_mem_summary *mb = r->b ? ctrace_analysis_memory(r->b) : NULL;
  return m->mallocs || m->has_rss || (mb && (mb->mallocs || mb->has_rss));
}
static int ctrace__rep_has_gc(const ctrace__report *r) {
  return ctrace_analysis_gc(r->a)->count || (r->b && ctrace_analysis_gc(r->b)->count);
}

static void ctrace__rep_summary(ctrace__report *r) {
  ctrace__sink_str(r->o, "<section id=\"summary\"><h2>Summary</h2><div class=\"grid\"><div class=\"main\">");
  ctrace__rep_problems(r, r->a, r->damage_a, "This trace");
  if (r->b) ctrace__rep_problems(r, r->b, r->damage_b, "Baseline");
  ctrace__sink_str(r->o, "<div class=\"cards\">");
  ctrace__rep_card_trace(r, r->a, "Trace", r->trace_path);
  if (ctrace__rep_has_memory(r) || ctrace__rep_has_gc(r)) ctrace__rep_card_memory(r, r->a, "Memory at the end");
  if (ctrace__rep_has_gc(r)) ctrace__rep_card_gc(r, r->a, "Collections");
  ctrace__rep_memstats_reads(r);
  if (r->b) {
    ctrace__rep_card_trace(r, r->b, "Baseline trace", r->base_path);
    if (ctrace__rep_has_memory(r) || ctrace__rep_has_gc(r)) ctrace__rep_card_memory(r, r->b, "Baseline memory");
    if (ctrace__rep_has_gc(r)) ctrace__rep_card_gc(r, r->b, "Baseline collections");
  }
  ctrace__sink_str(r->o, "</div>");
  ctrace__rep_mmu(r);
  ctrace__sink_str(r->o, "</div>");
  ctrace__rep_howto(r, "How to read this", ctrace__howto_summary);
  ctrace__sink_str(r->o, "</div></section>\n");
}

/* ---- timeline ------------------------------------------------------------- */
/* The timeline's notes describe patterns; each says whether this run shows
   it (a note the page contradicts misleads more than no note). */
static void ctrace__fmt_ns_html(char *buf, size_t n, double ns) {
  size_t len;
  ctrace__fmt_ns(buf, n, ns);
  len = strlen(buf);
  if (len > 3 && strcmp(buf + len - 3, " us") == 0 && len + 2 < n) memcpy(buf + len - 2, "\xc2\xb5s", 4);
}

static void ctrace__rep_howto_timeline(ctrace__report *r) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(r->a);
  const ctrace_gc_stats *g = ctrace_analysis_gc(r->a);
  const char *paras[6];
  char heap[700], gc[700], t1[32], t2[32];
  uint32_t n = 0;
  const char *shape_words[] = {"", "it is flat", "it grows steadily", "", "it moves in large steps",
                               "it falls too seldom for one"};
  int shape = ctrace__heap_shape(r->a);
  paras[n++] = "Time runs left to right. Each <b>thread</b> has a row. A <b>zone</b> is a named stretch of work "
               "the program marked (a function, a phase); a zone inside another zone is drawn one line lower, "
               "so the stack reads top to bottom. The grey strip on each thread row shows how busy it was where "
               "zones are too small to draw one by one.";
  if (!m->mallocs || shape == CTRACE__SHAPE_NONE) {
    paras[n++] = "The <b>heap</b> chart shows the bytes in use; this run recorded no allocation of any size.";
  } else {
    ctrace__textf(heap, sizeof heap,
                  "The <b>heap</b> chart (blue area) shows the bytes allocated and not yet freed. It climbs "
                  "while the program allocates and drops when memory is freed. %s %s",
                  g->count ? "Under a collector it counts garbage too, until a collection frees it, so it often "
                             "makes a <b>sawtooth</b>; a dark dot marks what each collection left (what it found "
                             "live), a black dash the heap goal when it began."
                           : "A program that frees in bursts makes a <b>sawtooth</b>.",
                  shape == CTRACE__SHAPE_SAWTOOTH ? "This run's heap is one (see <a href=\"#story\">What this "
                                                    "run shows</a>)."
                                                  : "");
    if (shape != CTRACE__SHAPE_SAWTOOTH) {
      size_t len = strlen(heap);
      ctrace__textf(heap + len, sizeof heap - len, "This run's heap is not: %s (see <a href=\"#story\">What "
                    "this run shows</a>).", shape_words[shape]);
    }
    paras[n++] = heap;
  }
  if (g->count) {
    ctrace__fmt_ns_html(t2, sizeof t2, (double)g->pause_total_ns);
    if (g->waits || g->held_ns) {
      ctrace__fmt_ns_html(t1, sizeof t1, (double)g->held_ns);
      ctrace__textf(gc, sizeof gc,
                    "Orange bands are <b>collections</b>. A collection holds the program up only while the "
                    "program waits for it (or runs it itself): in this run its threads were held up %s in all, "
                    "while the collections lasted %s (<a href=\"#mmu\">utilization</a>).", t1, t2);
    } else {
      ctrace__textf(gc, sizeof gc,
                    "Orange bands are <b>collections</b> (%s in all). A collection holds the program up only "
                    "while the program waits for it; this run recorded no waits, so the page cannot say "
                    "whether it was held up.", t2);
    }
    paras[n++] = gc;
  }
  if (m->has_rss)
    paras[n++] = "<b>Requested</b> bytes (the blue area, the heap) are what the program asked for; "
                 "<b>resident</b> memory (the red line, not the heap) is what the operating system actually "
                 "holds in RAM. They differ: untouched pages of a big allocation are not resident yet, and "
                 "freed memory is not always given back.";
  paras[n++] = "Hover for details, drag to select a range, use the wheel or the buttons to zoom, double-click "
               "to reset.";
  paras[n] = NULL;
  ctrace__rep_howto(r, "How to read the timeline", paras);
}

/* What the colours of a thread's "running" row mean (tools/report.js draws
   it: the same three colours, used for nothing else). */
static void ctrace__rep_run_legend(ctrace__report *r) {
  const ctrace_summary *s = ctrace_analysis_summary(r->a);
  if (!s->cpu_samples && !s->events_by_kind[16]) return;
  ctrace__sink_str(r->o, "<p class=\"legend\">Under each thread, its <b>running</b> row: "
                          "<span class=\"sw\" style=\"background:#2e8b57\"></span> on CPU and "
                          "<span class=\"sw\" style=\"background:#e0b000\"></span> waiting for a core, as a "
                          "share of each stretch between two CPU samples (the rest of the height: blocked or "
                          "idle); <span class=\"sw\" style=\"background:#8a5fb0\"></span> along the top: a "
                          "recorded wait (hover for what it waited for).");
  if (!s->cpu_samples) ctrace__sink_str(r->o, " CPU time was not recorded in this trace.");
  ctrace__sink_str(r->o, "</p>");
}

static void ctrace__rep_timeline(ctrace__report *r) {
  ctrace__canvas c;
  int rc;
  ctrace__sink_str(r->o, "<section id=\"timeline\"><h2>Timeline</h2><div class=\"grid\"><div class=\"main\">");
  {
    /* a chart that only says "no allocations" need not be tall */
    const ctrace_mem_summary *m = ctrace_analysis_memory(r->a);
    float hh = m->mallocs || m->has_rss || (r->b && ctrace_analysis_memory(r->b)->mallocs) ? 380.0f : 150.0f;
    if (ctrace__rep_has_memory(r) || ctrace__rep_has_gc(r)) {
      ctrace__canvas_init(&c, 1200, hh, 0xffffffffu);
      rc = ctrace__chart_heap_compare(&c, r->a, r->b, 1200, hh);
      if (rc == 0) ctrace__rep_svg(r, &c, "heap-chart");
      ctrace__canvas_free(&c);
    }
  }
  ctrace__sink_str(r->o, "<div class=\"interactive\"><div class=\"tools\">"
                          "<button id=\"tl-in\" type=\"button\">Zoom in</button>"
                          "<button id=\"tl-out\" type=\"button\">Zoom out</button>"
                          "<button id=\"tl-sel-zoom\" type=\"button\">Zoom to selection</button>"
                          "<button id=\"tl-reset\" type=\"button\">Reset</button> "
                          "<span id=\"tl-range\" class=\"muted\"></span> <b id=\"tl-sel\"></b></div>"
                          "<canvas id=\"tl-canvas\" height=\"200\"></canvas>");
  ctrace__rep_run_legend(r);
  ctrace__sink_str(r->o, "</div>\n<div class=\"static-only\">");
  ctrace__canvas_init(&c, 1200, 520, 0xffffffffu);
  rc = ctrace__chart_timeline(&c, r->a, r->d, 1200, 520);
  ctrace__rep_trim(&c);
  if (rc == 0) ctrace__rep_svg(r, &c, "timeline-chart");
  ctrace__canvas_free(&c);
  ctrace__sink_str(r->o, "</div>");
  if (r->d->spans.seen > r->d->spans.n) {
    ctrace__sink_str(r->o, "<p class=\"muted\">Level of detail: the ");
    ctrace__rep_count(r, r->d->spans.n);
    ctrace__sink_str(r->o, " longest of ");
    ctrace__rep_count(r, r->d->spans.seen);
    ctrace__sink_str(r->o, " zone spans are kept for zooming; the rest show in each thread's activity strip. "
                            "Every figure in the tables counts all of them.</p>");
  }
  ctrace__sink_str(r->o, "</div>");
  ctrace__rep_howto_timeline(r);
  ctrace__sink_str(r->o, "</div></section>\n");
}

/* ---- zones ---------------------------------------------------------------- */
static const char *const ctrace__howto_zones[] = {
  "One row per zone, that is per name and source line. <b>Total</b> is the time spent inside it, "
  "children included; <b>self</b> leaves out the time spent in zones nested inside it, so the zone with "
  "the largest self time is where the work itself happens.",
  "<b>p50</b> is the median duration: half the calls were faster. <b>p95</b>: 95 of 100 calls were faster. "
  "A p95 far above p50 means a few slow calls; the histogram below shows their spread. Count, total, "
  "self, min and max are exact; p50 and p95 are read from a fine histogram and are within 1.6 % of the "
  "exact value.",
  "A zone's count here adds up every call at its source line, whatever called it; the flame graph "
  "counts per stack, so a zone called from two places shows there as two boxes with smaller counts.",
  "Click a column to sort; click a row to see its durations.", NULL};

static void ctrace__rep_zone_row(ctrace__report *r, uint32_t zi, const ctrace_zone_stats *z, int is_task) {
  ctrace__sink_str(r->o, "<tr");
  if (!is_task) { ctrace__sink_str(r->o, " data-z=\""); ctrace__sink_int(r->o, zi); ctrace__sink_str(r->o, "\""); }
  ctrace__sink_str(r->o, "><td class=\"name\">");
  ctrace__rep_html(r, z->name, 300);
  if (z->unfinished) ctrace__sink_str(r->o, " <span class=\"up\">(unfinished)</span>");
  ctrace__sink_str(r->o, "</td>");
  ctrace__rep_td_site(r, z->file, z->line);
  ctrace__rep_td_count(r, z->count);
  ctrace__rep_td_ns(r, z->total_ns);
  ctrace__rep_td_ns(r, z->self_ns);
  ctrace__rep_td_ns(r, z->mean_ns);
  ctrace__rep_td_ns(r, z->min_ns);
  ctrace__rep_td_ns(r, z->p50_ns);
  ctrace__rep_td_ns(r, z->p95_ns);
  ctrace__rep_td_ns(r, z->max_ns);
  ctrace__sink_str(r->o, "</tr>\n");
}

static const char ctrace__zone_head[] =
    "<thead><tr><th>Zone</th><th>Site</th><th class=\"n\">Count</th><th class=\"n\">Total</th>"
    "<th class=\"n\">Self</th><th class=\"n\">Mean</th><th class=\"n\">Min</th><th class=\"n\">p50</th>"
    "<th class=\"n\">p95</th><th class=\"n\">Max</th></tr></thead><tbody>\n";

static void ctrace__rep_td_delta(ctrace__report *r, int64_t now, int64_t before) {
  int64_t dv = now - before;
  ctrace__sink_fmt(r->o, "<td class=\"n %s\" data-v=\"", dv > 0 ? "up" : dv < 0 ? "down" : "");
  ctrace__sink_int(r->o, dv);
  ctrace__sink_str(r->o, "\">");
  if (dv > 0) ctrace__sink_str(r->o, "+");
  ctrace__rep_ns(r, (double)dv);
  ctrace__sink_str(r->o, "</td>");
}

static void ctrace__rep_compare_row(ctrace__report *r, uint32_t zi, const ctrace_zone_stats *now,
                                    const ctrace_zone_stats *before) {
  static const ctrace_zone_stats none = {"", "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0};
  const ctrace_zone_stats *z = now ? now : before;
  if (!now) now = &none;
  if (!before) before = &none;
  ctrace__sink_str(r->o, "<tr");
  if (now != &none) { ctrace__sink_str(r->o, " data-z=\""); ctrace__sink_int(r->o, zi); ctrace__sink_str(r->o, "\""); }
  ctrace__sink_str(r->o, "><td class=\"name\">");
  ctrace__rep_html(r, z->name, 300);
  if (now == &none) ctrace__sink_str(r->o, " <span class=\"muted\">(baseline only)</span>");
  else if (before == &none) ctrace__sink_str(r->o, " <span class=\"muted\">(new)</span>");
  ctrace__sink_str(r->o, "</td>");
  ctrace__rep_td_site(r, z->file, z->line);
  ctrace__rep_td_count(r, before->count);
  ctrace__rep_td_count(r, now->count);
  ctrace__rep_td_ns(r, before->total_ns);
  ctrace__rep_td_ns(r, now->total_ns);
  ctrace__rep_td_delta(r, now->total_ns, before->total_ns);
  ctrace__sink_str(r->o, "<td class=\"n\" data-v=\"");
  if (before->total_ns > 0) {
    double pct = 100.0 * (double)(now->total_ns - before->total_ns) / (double)before->total_ns;
    ctrace__sink_fmt(r->o, "%.2f\">%+.1f %%</td>", pct, pct);
  } else {
    ctrace__sink_str(r->o, "0\">-</td>");
  }
  ctrace__rep_td_ns(r, before->self_ns);
  ctrace__rep_td_ns(r, now->self_ns);
  ctrace__rep_td_delta(r, now->self_ns, before->self_ns);
  ctrace__rep_td_ns(r, before->mean_ns);
  ctrace__rep_td_ns(r, now->mean_ns);
  ctrace__rep_td_delta(r, now->mean_ns, before->mean_ns);
  ctrace__sink_str(r->o, "</tr>\n");
}

/* The baseline's zone matching one of this run: same name and site, else the
   same name anywhere (a path or line may move between two builds). */
static const ctrace_zone_stats *ctrace__rep_match(const ctrace_analysis *other, const ctrace_zone_stats *z) {
  const ctrace_zone_stats *m = ctrace_analysis_find_zone(other, z->name, z->file, z->line);
  return m ? m : ctrace_analysis_find_zone(other, z->name, NULL, 0);
}

/* Zones or tasks to show (or a baseline's to compare). Without any, the zone
   table and the flame graph would be empty frames: one sentence says why. */
static int ctrace__rep_has_zones(const ctrace__report *r) {
  uint32_t n_z = 0, n_t = 0;
  ctrace_analysis_zones(r->a, &n_z);
  ctrace_analysis_tasks(r->a, &n_t);
  return n_z || n_t || r->b;
}

static void ctrace__rep_zones(ctrace__report *r) {
  uint32_t n_z = 0, n_t = 0, n_idx, i;
  const ctrace_zone_stats *z = ctrace_analysis_zones(r->a, &n_z);
  const ctrace_zone_stats *t = ctrace_analysis_tasks(r->a, &n_t);
  uint32_t *idx = (uint32_t *)CTRACE_MEM_ALLOC(sizeof(uint32_t) * (r->max_rows + 1u));
  if (!idx) { r->o->err = CTRACE_E_NOMEM; return; }
  if (!ctrace__rep_has_zones(r)) {
    ctrace__sink_str(r->o, "<section id=\"zones\"><h2>Zones</h2><p class=\"muted\">No zones were recorded, so "
                            "there is no zone table and no flame graph. A zone is a stretch of work the program "
                            "marks (CTRACE_ZONE and the other zone macros), or a function call of code built with "
                            "-finstrument-functions (ctrace run --functions).</p></section>\n");
    CTRACE_MEM_FREE(idx);
    return;
  }
  n_idx = ctrace_analysis_zone_order(r->a, CTRACE_ZONE_BY_TOTAL, idx, r->max_rows);
  ctrace__sink_str(r->o, "<section id=\"zones\"><h2>Zones</h2><div class=\"grid\"><div class=\"main\">");
  if (!n_z) ctrace__sink_str(r->o, "<p class=\"muted\">No zones were recorded.</p>");
  if (r->b) {
    uint32_t n_bz = 0;
    const ctrace_zone_stats *bz = ctrace_analysis_zones(r->b, &n_bz);
    ctrace__sink_str(r->o, "<p>Before = the baseline, after = this run; a positive delta (red) means this run "
                            "took longer.</p><div class=\"scroll\"><table class=\"sortable\" id=\"zones-table\">"
                            "<thead><tr><th>Zone</th><th>Site</th><th class=\"n\">Count before</th>"
                            "<th class=\"n\">Count after</th><th class=\"n\">Total before</th>"
                            "<th class=\"n\">Total after</th><th class=\"n\">Delta total</th>"
                            "<th class=\"n\">Delta %</th><th class=\"n\">Self before</th>"
                            "<th class=\"n\">Self after</th><th class=\"n\">Delta self</th>"
                            "<th class=\"n\">Mean before</th><th class=\"n\">Mean after</th>"
                            "<th class=\"n\">Delta mean</th></tr></thead><tbody>\n");
    for (i = 0; i < n_idx && !ctrace__rep_full(r, CTRACE__BUDGET_TABLES); ++i)
      ctrace__rep_compare_row(r, idx[i], &z[idx[i]], ctrace__rep_match(r->b, &z[idx[i]]));
    for (i = 0; i < n_bz && i < r->max_rows && !ctrace__rep_full(r, CTRACE__BUDGET_TABLES); ++i)
      if (!ctrace__rep_match(r->a, &bz[i])) ctrace__rep_compare_row(r, 0, NULL, &bz[i]);
  } else {
    ctrace__sink_str(r->o, "<div class=\"scroll\"><table class=\"sortable\" id=\"zones-table\">");
    ctrace__sink_str(r->o, ctrace__zone_head);
    for (i = 0; i < n_idx && !ctrace__rep_full(r, CTRACE__BUDGET_TABLES); ++i) ctrace__rep_zone_row(r, idx[i], &z[idx[i]], 0);
  }
  ctrace__sink_str(r->o, "</tbody></table></div>");
  ctrace__rep_cut_note(r, n_idx - (i < n_idx ? i : n_idx));
  if (n_z > n_idx) ctrace__sink_fmt(r->o, "<p class=\"muted\">%u more zones with less total time are not listed.</p>",
                                    (unsigned)(n_z - n_idx));
  ctrace__sink_str(r->o, "<div id=\"zone-hist\" class=\"interactive\"></div>");
  if (n_t) {
    ctrace__sink_str(r->o, "<h3>Tasks</h3><div class=\"scroll\"><table class=\"sortable\" id=\"tasks-table\">");
    ctrace__sink_str(r->o, ctrace__zone_head);
    for (i = 0; i < n_t && i < r->max_rows && !ctrace__rep_full(r, CTRACE__BUDGET_TABLES); ++i)
      ctrace__rep_zone_row(r, i, &t[i], 1);
    ctrace__sink_str(r->o, "</tbody></table></div>");
  }
  ctrace__sink_str(r->o, "</div>");
  ctrace__rep_howto(r, "How to read the zone table", ctrace__howto_zones);
  ctrace__sink_str(r->o, "</div></section>\n");
  CTRACE_MEM_FREE(idx);
}

/* ---- flame graph ---------------------------------------------------------- */
static const char *const ctrace__howto_flame[] = {
  "The zone stacks of every thread, merged: the outermost zones on top, the zones they call below them. "
  "A box's width is its share of all the time spent in zones, so wide boxes are where time goes; the order "
  "from left to right means nothing.",
  "A box counts the calls made on its stack only. A zone reached along two paths (called from two "
  "places) has a box on each, with its own count; the Zones table adds them up per name and source "
  "line, so its count can be larger than any one box's.",
  "Click a box to zoom into it, double-click (or Reset) to zoom out.", NULL};

static void ctrace__rep_flame(ctrace__report *r, ctrace__canvas *c) {
  ctrace__sink_str(r->o, "<section id=\"flamegraph\"><h2>Flame graph</h2><div class=\"grid\"><div class=\"main\">"
                          "<div class=\"tools interactive\"><button id=\"flame-reset\" type=\"button\">Reset zoom"
                          "</button></div>");
  ctrace__rep_svg(r, c, "flame");
  ctrace__sink_str(r->o, "</div>");
  ctrace__rep_howto(r, "How to read the flame graph", ctrace__howto_flame);
  ctrace__sink_str(r->o, "</div></section>\n");
}

/* ---- memory --------------------------------------------------------------- */
static const char *const ctrace__howto_memory[] = {
  "An <b>allocation site</b> is the line of code that called the allocator. Sites by bytes show who uses "
  "the memory; sites by count show who calls the allocator most often (each call costs time).",
  "<b>Live at the end</b> are blocks never freed: leaks, unless the program meant to keep them until exit.",
  "<b>Temporary</b> allocations are blocks freed before the thread that made them allocated again "
  "(heaptrack's rule: it counts allocations, not time, so every run gives the same answer). They are "
  "cheap one by one but add up; reusing a buffer often removes them.", NULL};
/* Under a collector "freed" means "collected", so the short-lived word is another. */
static const char *const ctrace__howto_memory_gc[] = {
  "An <b>allocation site</b> is the line of code that called the allocator. Sites by bytes show who uses "
  "the memory; sites by count show who calls the allocator most often (each call costs time).",
  "<b>Live at the end</b> are blocks never freed: leaks, unless the program meant to keep them until exit.",
  "A block <b>died young</b> when the first collection that began after it was made freed it: it was "
  "garbage by then. Under a collector a block is freed only when a collection finds it, however soon the "
  "program dropped it, so \"freed within so long\" would measure the collector, not the program.", NULL};

static void ctrace__rep_site_table(ctrace__report *r, const ctrace_alloc_site *s, uint32_t n, uint32_t max,
                                   const char *id) {
  uint32_t i;
  int collected = ctrace_analysis_gc(r->a)->count > 0;
  ctrace__sink_fmt(r->o, "<div class=\"scroll\"><table class=\"sortable\" id=\"%s\"><thead><tr><th>Site</th>"
                         "<th>First zone</th><th class=\"n\">Allocations</th><th class=\"n\">Bytes</th>"
                         "<th class=\"n\">Live blocks</th><th class=\"n\">Live bytes</th>"
                         "<th class=\"n\">%s</th><th class=\"n\">Largest</th></tr></thead><tbody>\n", id,
                         collected ? "Died young" : "Temporary");
  for (i = 0; i < n && i < max && !ctrace__rep_full(r, CTRACE__BUDGET_TABLES); ++i) {
    ctrace__sink_str(r->o, "<tr>");
    ctrace__rep_td_site(r, s[i].file, s[i].line);
    ctrace__sink_str(r->o, "<td class=\"name\">");
    ctrace__rep_html(r, s[i].zone, 200);
    ctrace__sink_str(r->o, "</td>");
    ctrace__rep_td_count(r, s[i].allocs);
    ctrace__rep_td_bytes(r, s[i].bytes);
    ctrace__rep_td_count(r, s[i].live_blocks);
    ctrace__rep_td_bytes(r, s[i].live_bytes);
    ctrace__rep_td_count(r, collected ? s[i].died_young_allocs : s[i].temporary_allocs);
    ctrace__rep_td_bytes(r, s[i].max_size);
    ctrace__sink_str(r->o, "</tr>\n");
  }
  ctrace__sink_str(r->o, "</tbody></table></div>");
  if (n > max) ctrace__sink_fmt(r->o, "<p class=\"muted\">%u more sites not listed.</p>", (unsigned)(n - max));
}

/* Allocations by call stack (ctrace run): one row per stack, its frames
   (innermost first, as many as fit) in the last cell. */
static void ctrace__rep_stack_table(ctrace__report *r, const ctrace_alloc_stack *st, uint32_t n, uint32_t max,
                                    const char *id) {
  uint32_t i, j;
  char name[512];
  ctrace__sink_fmt(r->o, "<div class=\"scroll\"><table class=\"sortable\" id=\"%s\"><thead><tr>"
                         "<th class=\"n\">Bytes</th><th class=\"n\">Allocations</th>"
                         "<th class=\"n\">Live blocks</th><th class=\"n\">Live bytes</th>"
                         "<th class=\"n\">Held at the peak</th><th class=\"n\">Temporary</th>"
                         "<th>Call stack (the allocating call first)</th></tr></thead><tbody>\n", id);
  for (i = 0; i < n && i < max && !ctrace__rep_full(r, CTRACE__BUDGET_TABLES); ++i) {
    ctrace__sink_str(r->o, "<tr>");
    ctrace__rep_td_bytes(r, st[i].bytes);
    ctrace__rep_td_count(r, st[i].allocs);
    ctrace__rep_td_count(r, st[i].live_blocks);
    ctrace__rep_td_bytes(r, st[i].live_bytes);
    ctrace__rep_td_bytes(r, st[i].peak_bytes);
    ctrace__rep_td_count(r, st[i].temporary_allocs);
    ctrace__sink_str(r->o, "<td class=\"name\">");
    for (j = 0; j < st[i].depth && j < 12; j++) {
      if (j) ctrace__sink_str(r->o, "<br>");
      ctrace__rep_html(r, ctrace__frame_name(&st[i].frames[j], name, sizeof name), 200);
    }
    if (st[i].depth > 12) ctrace__sink_fmt(r->o, "<br>... %u more frames", (unsigned)(st[i].depth - 12));
    ctrace__sink_str(r->o, "</td></tr>\n");
  }
  ctrace__sink_str(r->o, "</tbody></table></div>");
  if (n > max) ctrace__sink_fmt(r->o, "<p class=\"muted\">%u more stacks not listed.</p>", (unsigned)(n - max));
}

/* "Where the memory comes from" (traces of ctrace run): the allocation
   stacks as a flame graph by bytes, and the top stacks. */
static void ctrace__rep_alloc_stacks(ctrace__report *r, uint32_t lim) {
  const ctrace_analysis *a = r->a;
  const ctrace_alloc_stack *st;
  uint32_t n = 0, i, depth = 1;
  ctrace__canvas c;
  float fh;
  if (!a->n_stacks) return;
  ctrace__sink_fmt(r->o, "<h3>Where the memory comes from</h3><p>%u distinct call stacks allocated; ",
                   (unsigned)a->n_stacks);
  ctrace__rep_bytes(r, (double)a->aflame[0].bytes_total);
  ctrace__sink_str(r->o, " in all. A box is a function, its callees below it; its width is the bytes allocated "
                         "on stacks through it.");
  if (a->sum.info.stacks_cut)
    ctrace__sink_fmt(r->o, " %u stacks were cut at the recording's depth limit: their outermost frames are missing.",
                     (unsigned)a->sum.info.stacks_cut);
  if (a->mem.frees_before)
    ctrace__sink_fmt(r->o, " %llu frees were of blocks allocated before the recording began (not counted).",
                     (unsigned long long)a->mem.frees_before);
  ctrace__sink_str(r->o, "</p>");
  for (i = 0; i < a->n_aflame; ++i) if (a->aflame[i].depth > depth) depth = a->aflame[i].depth;
  fh = 40.0f + 20.0f * (float)depth;
  fh = fh < 120.0f ? 120.0f : fh > 900.0f ? 900.0f : fh;
  ctrace__canvas_init(&c, 1200, fh, 0xffffffffu);
  if (ctrace__chart_flame_tree(&c, a->aflame, a->n_aflame, NULL, 0, 1200, fh, 0, 1) == 0)
    ctrace__rep_svg(r, &c, "alloc-flame");
  ctrace__canvas_free(&c);
  st = ctrace_analysis_alloc_stacks(a, CTRACE_BY_BYTES, &n);
  ctrace__sink_str(r->o, "<h3>Top call stacks by bytes</h3>");
  ctrace__rep_stack_table(r, st, n, lim < 20 ? lim : 20, "stacks-bytes");
  st = ctrace_analysis_alloc_stacks(a, CTRACE_BY_COUNT, &n);
  ctrace__sink_str(r->o, "<h3>Top call stacks by count</h3>");
  ctrace__rep_stack_table(r, st, n, lim < 20 ? lim : 20, "stacks-count");
  st = ctrace_analysis_alloc_stacks(a, CTRACE_BY_PEAK_BYTES, &n);
  if (n) {
    ctrace__sink_str(r->o, "<h3>Top call stacks by bytes held at the peak</h3>");
    ctrace__rep_stack_table(r, st, n, lim < 20 ? lim : 20, "stacks-peak");
  }
  st = ctrace_analysis_alloc_stacks(a, CTRACE_BY_LIVE_BYTES, &n);
  ctrace__sink_str(r->o, "<h3>Leaks by call stack (live at the end)</h3>");
  if (n) ctrace__rep_stack_table(r, st, n, lim, "stacks-leaks");
  else ctrace__sink_str(r->o, "<p>Every block allocated with a call stack was freed.</p>");
}

static void ctrace__rep_memory(ctrace__report *r) {
  const ctrace_mem_summary *m = ctrace_analysis_memory(r->a);
  const ctrace_alloc_site *s;
  uint32_t n = 0, dropped = 0, lim = r->max_rows < 50u ? r->max_rows : 50u;
  ctrace__canvas c;
  if (!ctrace__rep_has_memory(r)) return;
  ctrace__sink_str(r->o, "<section id=\"memory\"><h2>Memory</h2><div class=\"grid\"><div class=\"main\">");
  if (!m->mallocs) ctrace__sink_str(r->o, "<p class=\"muted\">No allocations were recorded (use ctrace_malloc and "
                                         "ctrace_free, or CTRACE_ALLOC and CTRACE_FREE, or ctrace run).</p>");
  ctrace__rep_alloc_stacks(r, lim);
  s = ctrace_analysis_alloc_sites(r->a, CTRACE_BY_BYTES, &n);
  if (n) {
    uint32_t n2 = 0, i, same = 1;
    const ctrace_alloc_site *by_count = ctrace_analysis_alloc_sites(r->a, CTRACE_BY_COUNT, &n2);
    for (i = 0; i < n && i < lim; ++i)
      if (by_count[i].line != s[i].line || strcmp(by_count[i].file, s[i].file) != 0) same = 0;
    if (same) { /* two identical tables would only look like a bug */
      ctrace__sink_str(r->o, "<h3>Top allocation sites (by bytes and by count: the same order)</h3>");
      ctrace__rep_site_table(r, s, n, lim, "sites-bytes");
    } else {
      ctrace__sink_str(r->o, "<h3>Top allocation sites by bytes</h3>");
      ctrace__rep_site_table(r, s, n, lim, "sites-bytes");
      ctrace__sink_str(r->o, "<h3>Top allocation sites by count</h3>");
      ctrace__rep_site_table(r, by_count, n2, lim, "sites-count");
    }
  }
  if (m->mallocs) {
    ctrace__canvas_init(&c, 900, 240, 0xffffffffu);
    if (ctrace__chart_sizes(&c, r->a, 900, 240) == 0) ctrace__rep_svg(r, &c, "sizes-chart");
    ctrace__canvas_free(&c);
  }
  ctrace__sink_str(r->o, "<h3>Live at the end (leaks)</h3><p>");
  ctrace__rep_bytes(r, (double)m->alloc);
  ctrace__sink_str(r->o, " in ");
  ctrace__rep_count(r, m->live_blocks);
  ctrace__sink_str(r->o, m->live_blocks == 1 ? " block was never freed.</p>" : " blocks were never freed.</p>");
  s = ctrace_analysis_leaks(r->a, &n, &dropped);
  if (n) ctrace__rep_site_table(r, s, n, lim, "leaks");
  if (dropped) ctrace__sink_fmt(r->o, "<p class=\"muted\">%u more leaking sites not listed.</p>", (unsigned)dropped);
  {
    int collected = ctrace_analysis_gc(r->a)->count > 0;
    uint64_t k = collected ? m->died_young_allocs : m->temporary_allocs;
    ctrace__sink_str(r->o, collected ? "<h3>Died young</h3><p>" : "<h3>Temporary allocations</h3><p>");
    ctrace__rep_count(r, k);
    ctrace__sink_str(r->o, " of ");
    ctrace__rep_count(r, m->mallocs);
    ctrace__sink_fmt(r->o, " allocations (%.1f %%) ", m->mallocs ? 100.0 * (double)k / (double)m->mallocs : 0.0);
    ctrace__sink_str(r->o, collected ? "died young (freed by the first collection after they were made), "
                                     : "were temporary (freed before their thread allocated again), ");
    ctrace__rep_bytes(r, (double)(collected ? m->died_young_bytes : m->temporary_bytes));
    ctrace__sink_str(r->o, collected ? " in all. The sites table above has a Died young column per site.</p>"
                                     : " in all. The sites table above has a Temporary column per site.</p>");
    ctrace__sink_str(r->o, "</div>");
    ctrace__rep_howto(r, "How to read the memory section", collected ? ctrace__howto_memory_gc : ctrace__howto_memory);
  }
  ctrace__sink_str(r->o, "</div></section>\n");
}

/* ---- messages ------------------------------------------------------------- */
static const char *const ctrace__howto_messages[] = {
  "Messages the program logged while tracing (CTRACE_LOG), with the time, the thread and a category. "
  "Type in the box to keep only the rows that contain a word.", NULL};

static const char *ctrace__rep_thread_name(const ctrace_analysis *a, uint32_t id) {
  uint32_t n = 0, i;
  const ctrace_thread_stats *t = ctrace_analysis_threads(a, &n);
  for (i = 0; i < n; ++i)
    if (t[i].id == id) return t[i].name ? t[i].name : "";
  return "";
}

static void ctrace__rep_messages(ctrace__report *r) {
  uint32_t n = 0, i;
  const ctrace_log_entry *l = ctrace_analysis_logs(r->a, &n);
  const ctrace_summary *s = ctrace_analysis_summary(r->a);
  ctrace__sink_str(r->o, "<section id=\"messages\"><h2>Messages</h2><div class=\"grid\"><div class=\"main\">");
  if (!n) {
    ctrace__sink_str(r->o, "<p class=\"muted\">No messages were logged.</p>");
  } else {
    ctrace__sink_str(r->o, "<p class=\"tools interactive\"><input id=\"msg-filter\" type=\"search\" "
                            "placeholder=\"filter messages\"> <span id=\"msg-count\" class=\"muted\"></span></p>"
                            "<div class=\"scroll\"><table class=\"sortable\" id=\"messages-table\"><thead><tr>"
                            "<th class=\"n\">Time</th><th>Thread</th><th>Category</th><th>Message</th>"
                            "<th>Site</th></tr></thead><tbody>\n");
    for (i = 0; i < n && i < r->max_msgs && !ctrace__rep_full(r, CTRACE__BUDGET_TABLES); ++i) {
      uint32_t tid = l[i].thread;
      const char *tn = ctrace__rep_thread_name(r->a, tid);
      ctrace__sink_str(r->o, "<tr>");
      ctrace__rep_td_ns(r, l[i].time_ns);
      ctrace__sink_fmt(r->o, "<td>%u ", (unsigned)tid);
      ctrace__rep_html(r, tn, 60);
      ctrace__sink_str(r->o, "</td><td>");
      ctrace__rep_html(r, l[i].category, 80);
      ctrace__sink_str(r->o, "</td><td class=\"msg\">");
      ctrace__rep_html(r, l[i].message, 300);
      if (l[i].truncated) ctrace__sink_str(r->o, "\xe2\x80\xa6");
      ctrace__sink_str(r->o, "</td>");
      ctrace__rep_td_site(r, l[i].file, l[i].line);
      ctrace__sink_str(r->o, "</tr>\n");
    }
    ctrace__sink_str(r->o, "</tbody></table></div>");
    if (s->logs > (uint64_t)i) {
      ctrace__sink_str(r->o, "<p class=\"muted\">Showing the first ");
      ctrace__rep_count(r, i);
      ctrace__sink_str(r->o, " of ");
      ctrace__rep_count(r, s->logs);
      ctrace__sink_str(r->o, " messages.</p>");
    }
  }
  ctrace__sink_str(r->o, "</div>");
  ctrace__rep_howto(r, "How to read the messages", ctrace__howto_messages);
  ctrace__sink_str(r->o, "</div></section>\n");
}

/* ---- the data island the script reads --------------------------------------
   JSON in <script type="application/json">: never executed, and every string
   in it is escaped so that no "</script>" or "<!--" can form. */
static void ctrace__rep_colour(ctrace__report *r, uint32_t rgba) {
  ctrace__sink_fmt(r->o, "\"#%06x\"", (unsigned)(rgba >> 8));
}

static void ctrace__rep_sep(ctrace__report *r, uint32_t i) {
  if (i) ctrace__sink_bytes(r->o, ",", 1);
}

/* A JSON number; a damaged trace can hold NaN or infinite counter values,
   which JSON cannot spell. */
static void ctrace__rep_jnum(ctrace__report *r, double v) {
  if (!(v == v) || v > 1e300 || v < -1e300) v = 0;
  ctrace__sink_fmt(r->o, "%.6g", v);
}

static void ctrace__rep_series(ctrace__report *r, const ctrace_series_point *p, uint32_t n) {
  uint32_t i;
  ctrace__sink_str(r->o, "[");
  for (i = 0; i < n; ++i) {
    ctrace__rep_sep(r, i);
    ctrace__sink_int(r->o, p[i].max_t_ns / r->q);
    ctrace__sink_bytes(r->o, ",", 1);
    ctrace__rep_jnum(r, p[i].max);
    ctrace__sink_bytes(r->o, ",", 1);
    ctrace__rep_jnum(r, p[i].last);
  }
  ctrace__sink_str(r->o, "]");
}

static uint32_t ctrace__rep_row_of(const ctrace_thread_stats *t, uint32_t n, uint32_t id) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t m = (lo + hi) / 2u;
    if (t[m].id < id) lo = m + 1u; else hi = m;
  }
  return lo < n && t[lo].id == id ? lo : CTRACE_NONE;
}

#define CTRACE__MAX_LANES 64u

static void ctrace__rep_spans(ctrace__report *r, const ctrace_thread_stats *th, uint32_t n_th) {
  const ctrace__dheap *h = &r->d->spans;
  uint32_t i, j, lanes = 0;
  /* lanes: runs of (thread, depth) in the sorted spans */
  ctrace__sink_str(r->o, ",\"ln\":[");
  for (i = 0; i < h->n; i = j) {
    uint32_t row = ctrace__rep_row_of(th, n_th, h->v[i].thread);
    for (j = i; j < h->n && h->v[j].thread == h->v[i].thread && h->v[j].depth == h->v[i].depth; ++j) {}
    if (row == CTRACE_NONE || h->v[i].depth >= CTRACE__MAX_LANES) continue;
    ctrace__rep_sep(r, lanes++);
    ctrace__sink_fmt(r->o, "[%u,%u,%u]", (unsigned)row, (unsigned)h->v[i].depth, (unsigned)(j - i));
  }
  ctrace__sink_str(r->o, "],\"sp\":[");
  lanes = 0;
  for (i = 0; i < h->n; i = j) {
    uint32_t row = ctrace__rep_row_of(th, n_th, h->v[i].thread), k;
    int64_t prev = 0;
    for (j = i; j < h->n && h->v[j].thread == h->v[i].thread && h->v[j].depth == h->v[i].depth; ++j) {}
    if (row == CTRACE_NONE || h->v[i].depth >= CTRACE__MAX_LANES) continue;
    for (k = i; k < j; ++k) {
      int64_t s = h->v[k].start / r->q, e = h->v[k].end / r->q;
      int64_t z = h->v[k].unfinished ? -(int64_t)h->v[k].zone - 1 : (int64_t)h->v[k].zone;
      ctrace__rep_sep(r, lanes++);
      ctrace__sink_int(r->o, s - prev);
      ctrace__sink_bytes(r->o, ",", 1);
      ctrace__sink_int(r->o, e - s);
      ctrace__sink_bytes(r->o, ",", 1);
      ctrace__sink_int(r->o, z);
      prev = s;
    }
  }
  ctrace__sink_str(r->o, "]");
}

/* Busy share per density bin as one character each ('0' + 0..63). */
static void ctrace__rep_density(ctrace__report *r, const ctrace_thread_stats *th, uint32_t n_th, int64_t dur) {
  const ctrace__detail *d = r->d;
  uint32_t i, b, used = (uint32_t)(dur / d->bin_w + 1 < (int64_t)CTRACE__DBINS ? dur / d->bin_w + 1 : CTRACE__DBINS);
  char line[CTRACE__DBINS + 1];
  ctrace__sink_fmt(r->o, ",\"dn\":{\"w\":%lld,\"r\":[", (long long)d->bin_w);
  for (i = 0; i < n_th; ++i) {
    uint32_t slot;
    ctrace__rep_sep(r, i);
    for (slot = 0; slot < d->n_threads && d->thread_ids[slot] != th[i].id; ++slot) {}
    if (slot == d->n_threads || !d->busy) { ctrace__sink_str(r->o, "\"\""); continue; }
    for (b = 0; b < used; ++b) {
      double share = d->busy[(size_t)slot * CTRACE__DBINS + b] / (double)d->bin_w;
      int lv = (int)(share * 63.0 + 0.999);
      line[b] = (char)('0' + (lv > 63 ? 63 : lv < 0 ? 0 : lv));
    }
    ctrace__sink_json_n(r->o, line, used);
  }
  ctrace__sink_str(r->o, "]}");
}

/* The flame tree for the script's zoom, so that zooming into a box shows
   callees too thin to draw at full width. The CTRACE__FLAME_DATA_NODES
   largest nodes (of those above a millionth of the root), and at least
   every node the chart drew; if even those are too many, nothing, and the
   script zooms by stretching the drawn boxes. Parents come before their
   children, siblings in the chart's order: "ft" holds per node its index,
   its parent's, total and self ns, calls and its name's place in "fm"
   (names with their colours, each once), "fg" the chart's rows. */
#define CTRACE__FLAME_DATA_NODES 20000u

/* The cut: a node is kept when it ranks among the first by total, larger
   first, ties going to the lower index. A parent's total is never below
   its child's and its index is always lower (nodes are made parent first),
   so every node kept has its parent kept, even among many equal leaves. */
typedef struct ctrace__flame_cut {
  int64_t total;
  uint32_t index;
} ctrace__flame_cut;

static int ctrace__flame_cut_order(const void *pa, const void *pb) {
  const ctrace__flame_cut *a = (const ctrace__flame_cut *)pa, *b = (const ctrace__flame_cut *)pb;
  if (a->total != b->total) return a->total > b->total ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

static int ctrace__flame_kept(const ctrace_flame_node *t, uint32_t k, ctrace__flame_cut cut) {
  return t[k].total_ns > cut.total || (t[k].total_ns == cut.total && k <= cut.index);
}

/* The last node kept, or total -1 if even the drawn nodes are too many or
   memory runs out; *keep is how many are kept. */
static ctrace__flame_cut ctrace__flame_data_cut(const ctrace_flame_node *t, uint32_t n, uint32_t *keep) {
  int64_t floor_ns = t[0].total_ns / 1000000 + 1, drawn_ns = t[0].total_ns / 2400 + 1; /* half a pixel of 1184 */
  ctrace__flame_cut cut, *all;
  uint32_t i, m = 0, drawn = 0;
  cut.total = floor_ns - 1; /* everything above the floor */
  cut.index = 0;
  for (i = 1; i < n; ++i) {
    m += t[i].total_ns >= floor_ns;
    drawn += t[i].total_ns >= drawn_ns;
  }
  *keep = m;
  if (drawn > CTRACE__FLAME_DATA_NODES) cut.total = -1;
  if (m <= CTRACE__FLAME_DATA_NODES || cut.total < 0) return cut;
  all = (ctrace__flame_cut *)CTRACE_MEM_ALLOC(sizeof *all * m);
  if (!all) {
    cut.total = -1;
    return cut;
  }
  for (i = 1, m = 0; i < n; ++i) {
    if (t[i].total_ns < floor_ns) continue;
    all[m].total = t[i].total_ns;
    all[m++].index = i;
  }
  qsort(all, m, sizeof *all, ctrace__flame_cut_order);
  cut = all[CTRACE__FLAME_DATA_NODES - 1];
  *keep = CTRACE__FLAME_DATA_NODES;
  CTRACE_MEM_FREE(all);
  return cut;
}

/* Names of the flame data: the same name is the same pointer (interned). */
static int ctrace__name_ptr_eq(const void *table, uint32_t v, const void *key) {
  return ((const char *const *)table)[v] == (const char *)key;
}

static void ctrace__rep_flame_tree(ctrace__report *r, float height) {
  uint32_t n = 0, i, k, keep = 0, sp = 0, n_names = 0, shown = 0, *stack;
  const ctrace_flame_node *t = ctrace_analysis_flame(r->a, &n);
  const char **names;
  ctrace__map name_map; /* name pointer -> its place in "fm" */
  ctrace__flame_cut cut;
  ctrace__flame_rows L;
  if (n < 2 || t[0].total_ns <= 0) return;
  cut = ctrace__flame_data_cut(t, n, &keep);
  if (cut.total < 0) return;
  stack = (uint32_t *)CTRACE_MEM_ALLOC(sizeof(uint32_t) * n);
  names = (const char **)CTRACE_MEM_ALLOC(sizeof(const char *) * (keep + 1));
  if (!stack || !names) {
    CTRACE_MEM_FREE(stack);
    CTRACE_MEM_FREE(names);
    return;
  }
  memset(&name_map, 0, sizeof name_map);
  L = ctrace__flame_layout(t, n, height);
  ctrace__sink_fmt(r->o, ",\"fg\":[%g,%g,%g],\"fr\":%lld,\"ft\":[", (double)L.top, (double)L.row_h, (double)L.fs,
                   (long long)t[0].total_ns);
  stack[sp++] = 0;
  while (sp && !ctrace__rep_full(r, CTRACE__BUDGET_DATA)) {
    uint32_t p = stack[--sp];
    for (k = t[p].first_child; k != CTRACE_NONE && k < n; k = t[k].next_sibling) {
      uint64_t h = ctrace__mix64((uint64_t)(uintptr_t)t[k].name);
      uint32_t ni;
      if (!ctrace__flame_kept(t, k, cut)) continue;
      if (ctrace__rep_full(r, CTRACE__BUDGET_DATA)) break; /* what was written is whole subtrees' tops */
      ni = ctrace__map_get(&name_map, h, ctrace__name_ptr_eq, names, t[k].name);
      if (ni == CTRACE_NONE) {
        if (ctrace__map_put(&name_map, h, n_names)) break; /* out of memory: the data stops here */
        ni = n_names;
        names[n_names++] = t[k].name;
      }
      ctrace__rep_sep(r, shown++);
      ctrace__sink_fmt(r->o, "%u,%u,%lld,%lld,%llu,%u", (unsigned)k, (unsigned)p, (long long)t[k].total_ns,
                       (long long)t[k].self_ns, (unsigned long long)t[k].count, (unsigned)ni);
      stack[sp++] = k;
    }
  }
  ctrace__sink_str(r->o, "],\"fm\":[");
  for (i = 0; i < n_names && !ctrace__rep_full(r, CTRACE__BUDGET_DATA); ++i) { /* the script shows "?" for the rest */
    ctrace__rep_sep(r, i);
    ctrace__sink_str(r->o, "[");
    ctrace__rep_json(r, names[i], 80);
    ctrace__sink_str(r->o, ",");
    ctrace__rep_colour(r, ctrace__name_colour(names[i]));
    ctrace__sink_str(r->o, "]");
  }
  ctrace__sink_str(r->o, "]");
  ctrace__map_free(&name_map);
  CTRACE_MEM_FREE(stack);
  CTRACE_MEM_FREE(names);
}

/* The page's data: one JSON object in <script id="ct-data">, which the
   script reads as D. Its schema, written here and nowhere else. Times are
   ns divided by D.q (a power of ten keeping them under 2e8); "row" is a
   thread's place in D.th; colours are "#rrggbb"; names are cut short (with
   "..") so the data stays within its budget; a flat array holds records
   of fixed length one after another.
     v     1, the schema's version
     dur   the trace's duration in ns (not divided by q)
     q     the divisor of every other time
     th    threads, [id, name, lanes] (lanes: zone depths drawn, <= 64)
     z     zones by index (the analysis's), [name, file, line, colour], or 0
           for a zone nothing on the page refers to
     tk    tasks by index, [name, colour]
     ln    span lanes, [row, depth, count] in the order of "sp"
     sp    spans, flat [start - previous start in its lane, duration, zone]
           per span (zone -1 - z for an unfinished one), lane after lane
     dn    density {w: bin width in ns, r: per row a string, one character
           '0' + 0..63 per bin: the share of it spent in zones; "" = none}
     gc    collections, [start, duration, index in "gr" or -1]
     gr    the collections' reasons, each once
     ts    tasks drawn, flat [start, duration, task index, lane]
     tl    task lanes used; tx tasks not drawn (more ran at once than lanes)
     mk    instants and log lines, [time, row, 1 = log 0 = instant, text]
     ct    counters (not ctrace.rss), {n: name, top: max, c: colour,
           p: series}; a series is flat [time, max, last] per bucket
     hx    the heap chart's time axis: its left edge and right margin (SVG units)
     htop  the heap chart's top in bytes; hp the live heap's series, rss
           ctrace.rss's
     zh    per zone in the table, "zone index": flat [lo_ns, hi_ns, count]
           per duration bin
     fn    per flame box drawn, "node + 1": its full name
     fg    the flame chart's [first row's top, row height, font px]; fr the
           root's total ns
     ft    flame nodes, flat [node, parent, total ns, self ns, calls, name's
           place in "fm"], parents first (left out with a baseline)
     fm    the flame names, [name, colour], each once */
/* Each thread's waits ("wt": row, start, length, reason index into "wr")
   and CPU use ("cu": per thread [row, then start delta, length, running
   and ready in thousandths, ...]), in the data island's time quantum. */
static void ctrace__rep_waits_cpu(ctrace__report *r, const ctrace_thread_stats *th, uint32_t n_th) {
  uint32_t i, k, n_r = 0, shown = 0, n_cu = 0;
  uint32_t texts[64];
  ctrace__sink_str(r->o, ",\"wt\":[");
  for (i = 0; i < r->d->waits.n; ++i) {
    const ctrace__dspan *w = &r->d->waits.v[i];
    uint32_t row = ctrace__rep_row_of(th, n_th, w->thread);
    for (k = 0; k < n_r && texts[k] != w->zone; ++k) {}
    if (k == n_r && n_r < 64u) texts[n_r++] = w->zone;
    if (row == CTRACE_NONE || k == n_r) continue;
    ctrace__rep_sep(r, shown++);
    ctrace__sink_fmt(r->o, "%u,%lld,%lld,%u", (unsigned)row, (long long)(w->start / r->q),
                     (long long)((w->end - w->start) / r->q), (unsigned)k);
  }
  ctrace__sink_str(r->o, "],\"wr\":[");
  for (k = 0; k < n_r; ++k) {
    ctrace__rep_sep(r, k);
    ctrace__rep_json(r, r->d->text + texts[k], 60);
  }
  ctrace__sink_str(r->o, "],\"cu\":[");
  for (i = 0; i < n_th; ++i) {
    uint32_t n = 0;
    const ctrace_cpu_span *c = ctrace_analysis_thread_cpu(r->a, th[i].id, &n);
    int64_t prev = 0;
    if (!n) continue;
    ctrace__rep_sep(r, n_cu++);
    ctrace__sink_fmt(r->o, "[%u", (unsigned)i);
    for (k = 0; k < n; ++k) {
      double len = (double)ctrace__max64(1, c[k].end_ns - c[k].start_ns);
      double run = (double)c[k].cpu_ns / len, ready = (double)c[k].ready_ns / len;
      run = run > 1 ? 1 : run;
      ready = ready > 1 - run ? 1 - run : ready;
      ctrace__sink_fmt(r->o, ",%lld,%lld,%d,%d", (long long)(c[k].start_ns / r->q - prev),
                       (long long)((c[k].end_ns - c[k].start_ns) / r->q), (int)(run * 1000 + 0.5),
                       (int)(ready * 1000 + 0.5));
      prev = c[k].start_ns / r->q;
    }
    ctrace__sink_str(r->o, "]");
  }
  ctrace__sink_str(r->o, "]");
}

static void ctrace__rep_data(ctrace__report *r, const ctrace__canvas *flame) {
  const ctrace_summary *s = ctrace_analysis_summary(r->a);
  const ctrace_mem_summary *m = ctrace_analysis_memory(r->a);
  const ctrace_counter_stats *ctr, *rss = ctrace_analysis_find_counter(r->a, "ctrace.rss");
  const ctrace_thread_stats *th;
  const ctrace_zone_stats *z, *tk;
  const ctrace_gc_span *gc;
  const ctrace_series_point *hp;
  const ctrace_flame_node *fl;
  uint32_t n_th = 0, n_z = 0, n_tk = 0, n_gc = 0, n_hp = 0, n_c = 0, n_fl = 0, i, k, shown;
  uint32_t *idx, n_idx, clip, n_reasons = 0;
  const char *reasons[64];
  unsigned char *used;
  int64_t dur = s->duration_ns > 0 ? s->duration_ns : 1;
  double lane_end[CTRACE__TASK_LANES], htop;
  uint32_t task_lanes = 0, tasks_hidden = 0;
  th = ctrace_analysis_threads(r->a, &n_th);
  z = ctrace_analysis_zones(r->a, &n_z);
  tk = ctrace_analysis_tasks(r->a, &n_tk);
  gc = ctrace_analysis_gc_spans(r->a, &n_gc);
  hp = ctrace_analysis_heap_series(r->a, &n_hp);
  ctr = ctrace_analysis_counters(r->a, &n_c);
  fl = ctrace_analysis_flame(r->a, &n_fl);
  for (r->q = 1; dur / r->q > 200000000; r->q *= 10) {}
  ctrace__sink_str(r->o, "<script type=\"application/json\" id=\"ct-data\">{\"v\":1,\"dur\":");
  ctrace__sink_int(r->o, dur);
  ctrace__sink_str(r->o, ",\"q\":");
  ctrace__sink_int(r->o, r->q);
  ctrace__sink_str(r->o, ",\"th\":[");
  for (i = 0; i < n_th; ++i) {
    char nm[64];
    ctrace__rep_sep(r, i);
    ctrace__sink_fmt(r->o, "[%u,", (unsigned)th[i].id);
    if (th[i].role == CTRACE_ROLE_TRACER) { /* the tracer's own thread, not the program's */
      ctrace__textf(nm, sizeof nm, "%.40s (ctrace's own)", th[i].name);
      ctrace__sink_json(r->o, nm);
    } else if (th[i].name && th[i].name[0]) ctrace__rep_json(r, th[i].name, 100);
    else { ctrace__textf(nm, sizeof nm, "thread %u", (unsigned)th[i].id); ctrace__sink_json(r->o, nm); }
    ctrace__sink_fmt(r->o, ",%u]", (unsigned)(th[i].max_depth < CTRACE__MAX_LANES ? th[i].max_depth : CTRACE__MAX_LANES));
  }
  ctrace__sink_str(r->o, "],\"z\":[");
  used = (unsigned char *)CTRACE_MEM_ALLOC(n_z + 1u);
  if (!used) { r->o->err = CTRACE_E_NOMEM; return; }
  memset(used, 0, n_z + 1u);
  for (i = 0; i < r->d->spans.n; ++i)
    if (r->d->spans.v[i].zone < n_z) used[r->d->spans.v[i].zone] = 1;
  idx = (uint32_t *)CTRACE_MEM_ALLOC(sizeof(uint32_t) * (r->max_rows + 1u));
  if (!idx) { CTRACE_MEM_FREE(used); r->o->err = CTRACE_E_NOMEM; return; }
  n_idx = ctrace_analysis_zone_order(r->a, CTRACE_ZONE_BY_TOTAL, idx, r->max_rows);
  for (i = 0; i < n_idx; ++i) used[idx[i]] = 1;
  for (i = 0, k = 0; i < n_z; ++i) k += used[i];
  /* names are cut shorter when there are very many (each may escape 6 to 1) */
  clip = k ? 1500000u / (k * 12u) : 48u;
  clip = clip < 8u ? 8u : clip > 48u ? 48u : clip;
  for (i = 0; i < n_z; ++i) {
    ctrace__rep_sep(r, i);
    if (!used[i]) { ctrace__sink_bytes(r->o, "0", 1); continue; } /* a zone nothing on the page refers to */
    ctrace__sink_str(r->o, "[");
    ctrace__rep_json(r, z[i].name, clip);
    ctrace__sink_str(r->o, ",");
    ctrace__rep_json(r, z[i].file, clip);
    ctrace__sink_fmt(r->o, ",%u,", (unsigned)z[i].line);
    ctrace__rep_colour(r, ctrace__name_colour(z[i].name));
    ctrace__sink_str(r->o, "]");
  }
  CTRACE_MEM_FREE(used);
  ctrace__sink_str(r->o, "],\"tk\":[");
  for (i = 0; i < n_tk; ++i) {
    ctrace__rep_sep(r, i);
    ctrace__sink_str(r->o, "[");
    ctrace__rep_json(r, tk[i].name, n_tk > 512u ? 12u : 48u);
    ctrace__sink_str(r->o, ",");
    ctrace__rep_colour(r, ctrace__name_colour(tk[i].name));
    ctrace__sink_str(r->o, "]");
  }
  ctrace__sink_str(r->o, "]");
  ctrace__rep_spans(r, th, n_th);
  ctrace__rep_density(r, th, n_th, dur);
  /* collections: [start, duration, reason index]; reasons listed once */
  ctrace__sink_str(r->o, ",\"gc\":[");
  for (i = 0; i < n_gc; ++i) {
    uint32_t ri;
    for (ri = 0; ri < n_reasons && strcmp(reasons[ri], gc[i].reason) != 0; ++ri) {}
    if (ri == n_reasons && n_reasons < 64u) reasons[n_reasons++] = gc[i].reason;
    ctrace__rep_sep(r, i);
    ctrace__sink_fmt(r->o, "[%lld,%lld,%d]", (long long)(gc[i].start_ns / r->q),
                     (long long)((gc[i].end_ns - gc[i].start_ns) / r->q), ri < n_reasons ? (int)ri : -1);
  }
  ctrace__sink_str(r->o, "],\"gr\":[");
  for (i = 0; i < n_reasons; ++i) {
    ctrace__rep_sep(r, i);
    ctrace__rep_json(r, reasons[i], 60);
  }
  ctrace__sink_str(r->o, "],\"ts\":[");
  for (i = 0, shown = 0; i < r->d->tasks.n; ++i) {
    const ctrace__dspan *t = &r->d->tasks.v[i];
    uint32_t lane = ctrace__task_lane(lane_end, &task_lanes, (double)t->start, (double)t->end);
    if (lane == CTRACE__TASK_LANES) {
      tasks_hidden++;
      continue;
    }
    ctrace__rep_sep(r, shown++);
    ctrace__sink_fmt(r->o, "%lld,%lld,%u,%u", (long long)(t->start / r->q), (long long)((t->end - t->start) / r->q),
                     (unsigned)t->zone, (unsigned)lane);
  }
  ctrace__sink_fmt(r->o, "],\"tl\":%u,\"tx\":%u", (unsigned)task_lanes, (unsigned)tasks_hidden);
  ctrace__rep_waits_cpu(r, th, n_th);
  ctrace__sink_str(r->o, ",\"mk\":[");
  for (i = 0; i < r->d->n_marks && i < 5000u && !ctrace__rep_full(r, CTRACE__BUDGET_DATA); ++i) {
    const ctrace__dmark *mk = &r->d->marks[i];
    uint32_t row = ctrace__rep_row_of(th, n_th, mk->thread);
    ctrace__rep_sep(r, i);
    ctrace__sink_fmt(r->o, "[%lld,%u,%d,", (long long)(mk->t / r->q), (unsigned)(row == CTRACE_NONE ? 0 : row),
                     mk->kind == (uint32_t)CTRACE_EV_LOG ? 1 : 0);
    ctrace__rep_json(r, r->d->text + mk->text, 60);
    ctrace__sink_str(r->o, "]");
  }
  ctrace__sink_str(r->o, "],\"ct\":[");
  for (i = 0, shown = 0; i < n_c && shown < 8u; ++i) {
    if (&ctr[i] == rss) continue;
    ctrace__rep_sep(r, shown++);
    ctrace__sink_str(r->o, "{\"n\":");
    ctrace__rep_json(r, ctr[i].name, 80);
    ctrace__sink_str(r->o, ",\"top\":");
    ctrace__rep_jnum(r, ctr[i].max > 0 ? ctr[i].max : 1.0);
    ctrace__sink_str(r->o, ",\"c\":");
    ctrace__rep_colour(r, ctrace__name_colour(ctr[i].name));
    ctrace__sink_str(r->o, ",\"p\":");
    ctrace__rep_series(r, ctr[i].series, ctr[i].n_series);
    ctrace__sink_str(r->o, "}");
  }
  htop = (double)m->peak_alloc;
  if (rss && rss->max > htop) htop = rss->max;
  ctrace__sink_str(r->o, "],\"htop\":");
  ctrace__rep_jnum(r, htop > 0 ? htop : 1.0);
  ctrace__sink_str(r->o, ",\"hx\":[");
  ctrace__rep_jnum(r, CTRACE__TIME_LEFT);
  ctrace__sink_str(r->o, ",");
  ctrace__rep_jnum(r, CTRACE__TIME_RIGHT);
  ctrace__sink_str(r->o, "]");
  ctrace__sink_str(r->o, ",\"hp\":");
  ctrace__rep_series(r, hp, n_hp);
  ctrace__sink_str(r->o, ",\"rss\":");
  ctrace__rep_series(r, rss ? rss->series : NULL, rss ? rss->n_series : 0);
  /* duration histograms of the zones listed in the table */
  ctrace__sink_str(r->o, ",\"zh\":{");
  {
    ctrace_hist_bin bins[32];
    for (i = 0; i < n_idx; ++i) {
      uint32_t nb = z[idx[i]].hist ? ctrace_histogram_bins(z[idx[i]].hist, bins, 32) : 0;
      ctrace__rep_sep(r, i);
      ctrace__sink_fmt(r->o, "\"%u\":[", (unsigned)idx[i]);
      for (k = 0; k < nb; ++k)
        ctrace__sink_fmt(r->o, "%s%lld,%lld,%llu", k ? "," : "", (long long)bins[k].lo_ns, (long long)bins[k].hi_ns,
                         (unsigned long long)bins[k].count);
      ctrace__sink_str(r->o, "]");
    }
    CTRACE_MEM_FREE(idx);
  }
  /* full names of the flame graph boxes drawn (the SVG shows them cut) */
  ctrace__sink_str(r->o, "},\"fn\":{");
  for (i = 0, shown = 0; i < flame->n_shapes; ++i) {
    uint32_t g = flame->shapes[i].group;
    if (!g || flame->shapes[i].kind != CTRACE__SH_RECT || g > n_fl) continue;
    ctrace__rep_sep(r, shown++);
    if (ctrace__rep_full(r, CTRACE__BUDGET_DATA)) break; /* the SVG's cut names stay */
    ctrace__sink_fmt(r->o, "\"%u\":", (unsigned)g);
    ctrace__rep_json(r, fl[g - 1u].name, 48);
  }
  ctrace__sink_str(r->o, "}");
  if (!r->b) ctrace__rep_flame_tree(r, flame->height); /* compared with a baseline, boxes carry colours of their own */
  ctrace__sink_str(r->o, "}</script>\n");
}

static void ctrace__rep_script(ctrace__report *r) {
  const char *const *line;
  ctrace__sink_str(r->o, "<div id=\"tip\" hidden></div>\n<script>");
  for (line = ctrace__report_js; *line; ++line) ctrace__sink_str(r->o, *line);
  ctrace__sink_str(r->o, "</script>\n");
}


static void ctrace__rep_story(ctrace__report *r) {
  ctrace__story st[CTRACE__STORY_MAX];
  uint32_t n = ctrace__story_make(r->a, st), i;
  ctrace__sink_str(r->o, "<section id=\"story\"><h2>What this run shows</h2>");
  if (!n) {
    ctrace__sink_str(r->o, "<p class=\"muted\">Nothing to tell: the trace holds no allocation, collection or "
                            "zone.</p></section>\n");
    return;
  }
  ctrace__sink_str(r->o, "<ul class=\"story\">\n");
  for (i = 0; i < n; ++i) {
    ctrace__sink_fmt(r->o, "<li data-kind=\"%d\">", st[i].kind);
    ctrace__sink_html_units(r->o, st[i].text);
    ctrace__sink_fmt(r->o, " <a href=\"%s\">(%s)</a></li>\n", st[i].link, st[i].link_text);
  }
  ctrace__sink_str(r->o, "</ul></section>\n");
}

/* A time and its share of a whole, in one cell ("1.2 s, 40 %"). */
static void ctrace__rep_td_share(ctrace__report *r, int64_t ns, int64_t of) {
  ctrace__sink_str(r->o, "<td class=\"n\" data-v=\"");
  ctrace__sink_int(r->o, ns);
  ctrace__sink_str(r->o, "\">");
  ctrace__rep_ns(r, (double)ns);
  ctrace__sink_fmt(r->o, ", %.0f %%</td>", of > 0 ? 100.0 * (double)ns / (double)of : 0.0);
}

/* Per thread: running (CPU time), ready for a core, in recorded waits and on
   what, held up by collections. Shares are of the thread's own time: between
   its CPU samples for the first two, its first and last event for waits. */
static void ctrace__rep_threads(ctrace__report *r) {
  uint32_t n = 0, i, k;
  const ctrace_thread_stats *th = ctrace_analysis_threads(r->a, &n);
  const ctrace_summary *s = ctrace_analysis_summary(r->a);
  int gc = ctrace_analysis_gc(r->a)->count > 0;
  if (!n) return;
  ctrace__sink_str(r->o, "<section id=\"threads\"><h2>Threads: running and waiting</h2>");
  if (!s->cpu_samples)
    ctrace__sink_str(r->o, "<p class=\"muted\">CPU time not recorded in this trace (it predates CPU samples, or "
                            "they were turned off): running cannot be told from blocked, so only recorded waits "
                            "are shown.</p>");
  ctrace__sink_str(r->o, "<table class=\"threads\"><thead><tr><th>thread</th><th>on CPU</th>"
                          "<th>waiting for a core</th><th>in recorded waits</th><th>waited for</th>");
  if (gc) ctrace__sink_str(r->o, "<th>held up by collections</th>");
  ctrace__sink_str(r->o, "<th>in zones</th></tr></thead><tbody>\n");
  for (i = 0; i < n; ++i) {
    const ctrace_thread_stats *t = &th[i];
    int64_t life = ctrace__max64(1, t->last_ns - t->first_ns);
    ctrace__sink_str(r->o, "<tr><td class=\"name\">");
    if (t->name[0]) ctrace__rep_html(r, t->name, 100);
    else ctrace__sink_fmt(r->o, "thread %u", (unsigned)t->id);
    if (t->role == CTRACE_ROLE_TRACER) ctrace__sink_str(r->o, " (ctrace's own)");
    else if (t->role == CTRACE_ROLE_COLLECTOR) ctrace__sink_str(r->o, " (collector)");
    ctrace__sink_str(r->o, "</td>");
    if (t->has_cpu) {
      ctrace__rep_td_share(r, t->cpu_ns, t->cpu_wall_ns);
      ctrace__rep_td_share(r, t->ready_ns, t->cpu_wall_ns);
    } else {
      ctrace__sink_str(r->o, "<td class=\"muted\">not recorded</td><td class=\"muted\">not recorded</td>");
    }
    ctrace__rep_td_share(r, t->wait_ns, life);
    ctrace__sink_str(r->o, "<td>");
    for (k = 0; k < t->n_wait_by; ++k) {
      if (k) ctrace__sink_str(r->o, "; ");
      ctrace__sink_str(r->o, "\xe2\x80\x9c");
      ctrace__rep_html(r, t->wait_by[k].what, 80);
      ctrace__sink_str(r->o, "\xe2\x80\x9d ");
      ctrace__rep_ns(r, (double)t->wait_by[k].ns);
      ctrace__sink_fmt(r->o, " (%llu)", (unsigned long long)t->wait_by[k].count);
    }
    ctrace__sink_str(r->o, "</td>");
    if (gc) {
      if (t->role == CTRACE_ROLE_PROGRAM) ctrace__rep_td_ns(r, t->gc_held_ns);
      else ctrace__sink_str(r->o, "<td class=\"muted\">-</td>");
    }
    ctrace__rep_td_ns(r, t->busy_ns);
    ctrace__sink_str(r->o, "</tr>\n");
  }
  ctrace__sink_str(r->o, "</tbody></table><p class=\"muted\">On CPU: CPU time, read by ctrace's writer thread "
                          "from each thread's CPU clock every few milliseconds; waiting for a core: runnable but "
                          "not running (a busy machine); the rest of a thread's time it was blocked or idle. "
                          "Recorded waits are the program's CTRACE_WAIT and ctrace_mutex_lock; in zones is wall "
                          "time inside its outermost zones, blocked time included.</p></section>\n");
}

static void ctrace__rep_page(ctrace__report *r) {
  ctrace__canvas flame;
  ctrace__rep_head(r);
  ctrace__sink_str(r->o, "<header><h1>ctrace report: ");
  ctrace__rep_html(r, r->title, 200);
  ctrace__sink_str(r->o, "</h1><p class=\"sub\">");
  if (r->b) {
    ctrace__sink_str(r->o, "compared with the baseline ");
    ctrace__rep_html(r, r->base_path, 200);
    ctrace__sink_str(r->o, " &middot; ");
  }
  ctrace__sink_str(r->o, "written by ctrace " CTRACE_VERSION_STRING " as one file: nothing is loaded from "
                          "anywhere, it works offline.</p><nav><a href=\"#story\">What this run shows</a>"
                          "<a href=\"#threads\">Threads</a><a href=\"#summary\">Summary</a>"
                          "<a href=\"#timeline\">Timeline</a><a href=\"#zones\">Zones</a>");
  if (ctrace__rep_has_zones(r)) ctrace__sink_str(r->o, "<a href=\"#flamegraph\">Flame graph</a>");
  if (ctrace__rep_has_memory(r)) ctrace__sink_str(r->o, "<a href=\"#memory\">Memory</a>");
  ctrace__sink_str(r->o, "<a href=\"#messages\">Messages</a></nav></header>\n");
  ctrace__rep_story(r);
  ctrace__rep_threads(r);
  ctrace__rep_summary(r);
  ctrace__rep_timeline(r);
  ctrace__rep_zones(r);
  {
    /* as tall as the deepest stack needs, within reason */
    uint32_t n_fl = 0, i, depth = 1;
    const ctrace_flame_node *fl = ctrace_analysis_flame(r->a, &n_fl);
    float fh;
    for (i = 0; i < n_fl; ++i) if (fl[i].depth > depth) depth = fl[i].depth;
    fh = 40.0f + 20.0f * (float)depth;
    fh = fh < 120.0f ? 120.0f : fh > 700.0f ? 700.0f : fh;
    ctrace__canvas_init(&flame, 1200, fh, 0xffffffffu);
    ctrace__chart_flame_compare(&flame, r->a, r->b, 1200, fh, 0);
  }
  if (ctrace__rep_has_zones(r)) ctrace__rep_flame(r, &flame);
  ctrace__rep_memory(r);
  ctrace__rep_messages(r);
  ctrace__rep_data(r, &flame);
  ctrace__canvas_free(&flame);
  ctrace__rep_script(r);
  ctrace__sink_str(r->o, "</body>\n</html>\n");
}

/* ---- entry point ---------------------------------------------------------- */
typedef struct ctrace__rep_progress {
  const ctrace_report_config *cfg;
  double from, to;
} ctrace__rep_progress;

static void ctrace__rep_on_progress(void *user, double f) {
  const ctrace__rep_progress *p = (const ctrace__rep_progress *)user;
  if (p->cfg && p->cfg->progress) p->cfg->progress(p->cfg->progress_user, p->from + (p->to - p->from) * f, "reading");
}

/* The detail collector is the analysis's user pointer; progress needs its
   own, so a small trampoline carries both. */
typedef struct ctrace__rep_hooks {
  ctrace__detail *d;
  ctrace__rep_progress prog;
} ctrace__rep_hooks;

static void ctrace__rep_hook_span(void *u, const ctrace_span *s) { ctrace__detail_on_span(((ctrace__rep_hooks *)u)->d, s); }
static void ctrace__rep_hook_task(void *u, const ctrace_span *s) { ctrace__detail_on_task(((ctrace__rep_hooks *)u)->d, s); }
static void ctrace__rep_hook_event(void *u, const ctrace_event *e) { ctrace__detail_on_event(((ctrace__rep_hooks *)u)->d, e); }
static void ctrace__rep_hook_progress(void *u, double f) { ctrace__rep_on_progress(&((ctrace__rep_hooks *)u)->prog, f); }

static void ctrace__rep_error(const ctrace_report_config *cfg, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void ctrace__rep_error(const ctrace_report_config *cfg, const char *fmt, ...) {
  va_list ap;
  if (!cfg || !cfg->error || !cfg->error_size) return;
  va_start(ap, fmt);
  vsnprintf(cfg->error, cfg->error_size, fmt, ap);
  va_end(ap);
}

static const char *ctrace__base_name(const char *path) {
  const char *s = strrchr(path, '/');
#ifdef _WIN32
  const char *s2 = strrchr(path, '\\');
  if (s2 && (!s || s2 > s)) s = s2;
#endif
  return s ? s + 1 : path;
}

/* Fills cfg->result (when given) from an analysis made; rc is ctrace_analyze's. */
static void ctrace__input_result(ctrace_input_result *res, int baseline, const ctrace_analysis *a, int rc) {
  const ctrace_summary *s;
  if (!res || !a) return;
  s = ctrace_analysis_summary(a);
  if (baseline) {
    res->baseline_read = 1;
    res->baseline_damaged = rc < 0 || s->damaged;
    res->baseline_info = s->info;
  } else {
    res->read = 1;
    res->damaged = rc < 0 || s->damaged;
    res->info = s->info;
  }
}

/* Both entry points: to the file html_path ("-" = stdout), or (html_path
   NULL) to write. */
static int ctrace__report_html(const char *trace_path, const char *html_path, ctrace_write_fn write,
                               void *write_user, const ctrace_report_config *cfg) {
  static const ctrace_report_config defaults = {NULL, NULL, 0, 0, 0, NULL, NULL, NULL, 0, NULL};
  ctrace_analysis_config acfg;
  ctrace_analysis *a = NULL, *b = NULL;
  ctrace__detail detail;
  ctrace__rep_hooks hooks;
  ctrace__report r;
  ctrace__sink out;
  char err_a[300], err_b[300];
  int rc, to_stdout, existed = 0;
  const char *out_name = html_path ? html_path : "(output function)";
  if (!cfg) cfg = &defaults;
  if (cfg->result) memset(cfg->result, 0, sizeof *cfg->result);
  if (!trace_path || (!html_path && !write)) {
    ctrace__rep_error(cfg, "report: %s%s", "a trace path and an output path are needed", "");
    return CTRACE_E_INVALID;
  }
  err_a[0] = err_b[0] = '\0';
  memset(&acfg, 0, sizeof acfg);
  hooks.prog.cfg = cfg;
  if (cfg->baseline_path) {
    hooks.prog.from = 0; hooks.prog.to = 0.3;
    acfg.user = &hooks;
    acfg.on_progress = ctrace__rep_hook_progress;
    rc = ctrace_analyze(cfg->baseline_path, &acfg, &b, err_b, sizeof err_b);
    if (!b) {
      /* ctrace_analyze's sentence already starts with the file's name */
      if (err_b[0]) ctrace__rep_error(cfg, "baseline: %s%s", err_b, "");
      else ctrace__rep_error(cfg, "baseline %s: %s", cfg->baseline_path, ctrace_strerror(rc));
      return rc < 0 ? rc : CTRACE_E_READ;
    }
    ctrace__input_result(cfg->result, 1, b, rc);
    if (rc == 0) err_b[0] = '\0';
  }
  ctrace__detail_init(&detail, cfg->max_spans ? cfg->max_spans : 50000u);
  hooks.d = &detail;
  hooks.prog.from = cfg->baseline_path ? 0.3 : 0;
  hooks.prog.to = 0.9;
  memset(&acfg, 0, sizeof acfg);
  acfg.user = &hooks;
  acfg.on_span = ctrace__rep_hook_span;
  acfg.on_task = ctrace__rep_hook_task;
  acfg.on_event = ctrace__rep_hook_event;
  acfg.on_progress = ctrace__rep_hook_progress;
  rc = ctrace_analyze(trace_path, &acfg, &a, err_a, sizeof err_a);
  if (!a) {
    if (err_a[0]) ctrace__rep_error(cfg, "%s%s", err_a, "");
    else ctrace__rep_error(cfg, "%s: %s", trace_path, ctrace_strerror(rc));
    ctrace__detail_free(&detail);
    ctrace_analysis_free(b);
    return rc < 0 ? rc : CTRACE_E_READ;
  }
  ctrace__input_result(cfg->result, 0, a, rc);
  if (rc == 0) err_a[0] = '\0';
  if (detail.oom) {
    ctrace__rep_error(cfg, "%s: %s", trace_path, "out of memory while collecting the timeline");
    ctrace__detail_free(&detail);
    ctrace_analysis_free(a);
    ctrace_analysis_free(b);
    return CTRACE_E_NOMEM;
  }
  ctrace__detail_finish(&detail);
  memset(&out, 0, sizeof out);
  to_stdout = html_path && strcmp(html_path, "-") == 0;
  if (!html_path) {
    out.write = write;
    out.write_user = write_user;
  } else if (!to_stdout) {
    /* only a file this call creates may be removed after a failed write:
       the path may name a device or someone's file */
    FILE *probe = fopen(html_path, "rb");
    existed = probe != NULL;
    if (probe) fclose(probe);
  }
  if (html_path) out.f = to_stdout ? stdout : fopen(html_path, "wb");
  if (html_path && !out.f) {
    ctrace__rep_error(cfg, "%s: cannot open for writing: %s", html_path, strerror(errno));
    ctrace__detail_free(&detail);
    ctrace_analysis_free(a);
    ctrace_analysis_free(b);
    return CTRACE_E_OPEN;
  }
  memset(&r, 0, sizeof r);
  r.o = &out;
  r.a = a;
  r.b = b;
  r.d = &detail;
  r.trace_path = trace_path;
  r.base_path = cfg->baseline_path;
  r.title = cfg->title ? cfg->title
          : ctrace_analysis_summary(a)->info.program[0] ? ctrace__base_name(ctrace_analysis_summary(a)->info.program)
          : ctrace__base_name(trace_path);
  r.damage_a = err_a;
  r.damage_b = err_b;
  r.max_rows = cfg->max_table_rows ? cfg->max_table_rows : 500u;
  r.max_msgs = cfg->max_messages ? cfg->max_messages : 2000u;
  r.q = 1;
  if (cfg->progress) cfg->progress(cfg->progress_user, 0.9, "writing");
  ctrace__rep_page(&r);
  ctrace__sink_flush(&out);
  if (!html_path) {
    /* the last call, with size 0, marks the end (see ctrace_write_fn) */
    int wrc = out.err ? 0 : write(write_user, out.buf, 0);
    if (wrc < 0) out.err = wrc;
  } else if (to_stdout) {
    if (fflush(stdout) != 0 && !out.err) out.err = CTRACE_E_WRITE;
  } else if (fclose(out.f) != 0 && !out.err) {
    out.err = CTRACE_E_WRITE;
  }
  CTRACE_MEM_FREE(out.buf);
  ctrace__detail_free(&detail);
  ctrace_analysis_free(a);
  ctrace_analysis_free(b);
  if (out.err) {
    ctrace__rep_error(cfg, "%s: %s", out_name, ctrace_strerror(out.err));
    if (html_path && !to_stdout && !existed) remove(html_path); /* a half-written report would look whole */
    return out.err;
  }
  if (cfg->progress) cfg->progress(cfg->progress_user, 1.0, "done");
  return 0;
}
CTRACE_API int ctrace_report_html(const char *trace_path, const char *html_path, const ctrace_report_config *cfg) {
  if (!html_path) {
    if (cfg && cfg->result) memset(cfg->result, 0, sizeof *cfg->result);
    ctrace__rep_error(cfg, "report: %s%s", "a trace path and an output path are needed", "");
    return CTRACE_E_INVALID;
  }
  return ctrace__report_html(trace_path, html_path, NULL, NULL, cfg);
}

CTRACE_API int ctrace_report_html_to_func(const char *trace_path, ctrace_write_fn write, void *user,
                                          const ctrace_report_config *cfg) {
  return ctrace__report_html(trace_path, NULL, write, user, cfg);
}
/* <<impl:report */

/* >>impl:raster */
/* >>raster -------------------------------------------------------------------
   The raster backend: draws a canvas (>>draw) into RGBA8 pixels, then PNG.
   - Every shape is clipped to the image. NaN or infinite coordinates drop the
     shape (or, in a polygon, just that point); huge ones are harmless because
     edges are walked in double precision and clamped before any pixel index
     is formed.
   - Anti-aliasing: rectangles get exact area coverage; paths (polygons,
     slanted lines, strokes) get exact coverage across each pixel row and
     CTRACE__SUBROWS samples down it.
   - Strokes are outlines filled with the non-zero rule, every piece wound the
     same way, so overlapping pieces (joints of a polyline, rectangle corners)
     are painted once and translucent strokes show no darker joints. Line ends
     are butt, joints bevelled; SVG's default mitre differs by less than the
     stroke width at sharp joints only.
   - Text uses a 5x7 bitmap font of our own (descenders go 2 rows below the
     baseline; 10 font rows make the em) laid on the layout's 0.6 em advance,
     so text ends where the layout measured it. Glyphs are scaled to font_px
     with area coverage. */

#define CTRACE__SUBROWS 4
#define CTRACE__GLYPH_ROWS 9 /* 7 above the baseline, 2 below */
#define CTRACE__GLYPH_COLS 5

/* Printable ASCII 32..126, one row per byte from the top, bit 4 = leftmost
   column. Drawn by hand for this library. */
static const unsigned char ctrace__font[95][CTRACE__GLYPH_ROWS] = {
  {0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00}, /*   */
  {0x04,0x04,0x04,0x04,0x04,0x00,0x04,0x00,0x00}, /* ! */
  {0x0a,0x0a,0x0a,0x00,0x00,0x00,0x00,0x00,0x00}, /* " */
  {0x0a,0x0a,0x1f,0x0a,0x1f,0x0a,0x0a,0x00,0x00}, /* # */
  {0x04,0x0f,0x14,0x0e,0x05,0x1e,0x04,0x00,0x00}, /* $ */
  {0x18,0x19,0x02,0x04,0x08,0x13,0x03,0x00,0x00}, /* % */
  {0x0c,0x12,0x14,0x08,0x15,0x12,0x0d,0x00,0x00}, /* & */
  {0x04,0x04,0x04,0x00,0x00,0x00,0x00,0x00,0x00}, /* ' */
  {0x02,0x04,0x08,0x08,0x08,0x04,0x02,0x00,0x00}, /* ( */
  {0x08,0x04,0x02,0x02,0x02,0x04,0x08,0x00,0x00}, /* ) */
  {0x00,0x04,0x15,0x0e,0x15,0x04,0x00,0x00,0x00}, /* star */
  {0x00,0x04,0x04,0x1f,0x04,0x04,0x00,0x00,0x00}, /* + */
  {0x00,0x00,0x00,0x00,0x00,0x0c,0x0c,0x04,0x08}, /* , */
  {0x00,0x00,0x00,0x1f,0x00,0x00,0x00,0x00,0x00}, /* - */
  {0x00,0x00,0x00,0x00,0x00,0x0c,0x0c,0x00,0x00}, /* . */
  {0x01,0x01,0x02,0x04,0x08,0x10,0x10,0x00,0x00}, /* slash */
  {0x0e,0x11,0x13,0x15,0x19,0x11,0x0e,0x00,0x00}, /* 0 */
  {0x04,0x0c,0x04,0x04,0x04,0x04,0x0e,0x00,0x00}, /* 1 */
  {0x0e,0x11,0x01,0x02,0x04,0x08,0x1f,0x00,0x00}, /* 2 */
  {0x1f,0x02,0x04,0x02,0x01,0x11,0x0e,0x00,0x00}, /* 3 */
  {0x02,0x06,0x0a,0x12,0x1f,0x02,0x02,0x00,0x00}, /* 4 */
  {0x1f,0x10,0x1e,0x01,0x01,0x11,0x0e,0x00,0x00}, /* 5 */
  {0x06,0x08,0x10,0x1e,0x11,0x11,0x0e,0x00,0x00}, /* 6 */
  {0x1f,0x01,0x02,0x04,0x08,0x08,0x08,0x00,0x00}, /* 7 */
  {0x0e,0x11,0x11,0x0e,0x11,0x11,0x0e,0x00,0x00}, /* 8 */
  {0x0e,0x11,0x11,0x0f,0x01,0x02,0x0c,0x00,0x00}, /* 9 */
  {0x00,0x0c,0x0c,0x00,0x0c,0x0c,0x00,0x00,0x00}, /* : */
  {0x00,0x0c,0x0c,0x00,0x0c,0x0c,0x04,0x08,0x00}, /* ; */
  {0x02,0x04,0x08,0x10,0x08,0x04,0x02,0x00,0x00}, /* < */
  {0x00,0x00,0x1f,0x00,0x1f,0x00,0x00,0x00,0x00}, /* = */
  {0x08,0x04,0x02,0x01,0x02,0x04,0x08,0x00,0x00}, /* > */
  {0x0e,0x11,0x01,0x02,0x04,0x00,0x04,0x00,0x00}, /* ? */
  {0x0e,0x11,0x17,0x15,0x17,0x10,0x0f,0x00,0x00}, /* @ */
  {0x0e,0x11,0x11,0x1f,0x11,0x11,0x11,0x00,0x00}, /* A */
  {0x1e,0x11,0x11,0x1e,0x11,0x11,0x1e,0x00,0x00}, /* B */
  {0x0e,0x11,0x10,0x10,0x10,0x11,0x0e,0x00,0x00}, /* C */
  {0x1e,0x11,0x11,0x11,0x11,0x11,0x1e,0x00,0x00}, /* D */
  {0x1f,0x10,0x10,0x1e,0x10,0x10,0x1f,0x00,0x00}, /* E */
  {0x1f,0x10,0x10,0x1e,0x10,0x10,0x10,0x00,0x00}, /* F */
  {0x0e,0x11,0x10,0x17,0x11,0x11,0x0f,0x00,0x00}, /* G */
  {0x11,0x11,0x11,0x1f,0x11,0x11,0x11,0x00,0x00}, /* H */
  {0x0e,0x04,0x04,0x04,0x04,0x04,0x0e,0x00,0x00}, /* I */
  {0x07,0x02,0x02,0x02,0x02,0x12,0x0c,0x00,0x00}, /* J */
  {0x11,0x12,0x14,0x18,0x14,0x12,0x11,0x00,0x00}, /* K */
  {0x10,0x10,0x10,0x10,0x10,0x10,0x1f,0x00,0x00}, /* L */
  {0x11,0x1b,0x15,0x15,0x11,0x11,0x11,0x00,0x00}, /* M */
  {0x11,0x11,0x19,0x15,0x13,0x11,0x11,0x00,0x00}, /* N */
  {0x0e,0x11,0x11,0x11,0x11,0x11,0x0e,0x00,0x00}, /* O */
  {0x1e,0x11,0x11,0x1e,0x10,0x10,0x10,0x00,0x00}, /* P */
  {0x0e,0x11,0x11,0x11,0x15,0x12,0x0d,0x00,0x00}, /* Q */
  {0x1e,0x11,0x11,0x1e,0x14,0x12,0x11,0x00,0x00}, /* R */
  {0x0e,0x11,0x10,0x0e,0x01,0x11,0x0e,0x00,0x00}, /* S */
  {0x1f,0x04,0x04,0x04,0x04,0x04,0x04,0x00,0x00}, /* T */
  {0x11,0x11,0x11,0x11,0x11,0x11,0x0e,0x00,0x00}, /* U */
  {0x11,0x11,0x11,0x11,0x11,0x0a,0x04,0x00,0x00}, /* V */
  {0x11,0x11,0x11,0x15,0x15,0x15,0x0a,0x00,0x00}, /* W */
  {0x11,0x11,0x0a,0x04,0x0a,0x11,0x11,0x00,0x00}, /* X */
  {0x11,0x11,0x0a,0x04,0x04,0x04,0x04,0x00,0x00}, /* Y */
  {0x1f,0x01,0x02,0x04,0x08,0x10,0x1f,0x00,0x00}, /* Z */
  {0x0e,0x08,0x08,0x08,0x08,0x08,0x0e,0x00,0x00}, /* [ */
  {0x10,0x10,0x08,0x04,0x02,0x01,0x01,0x00,0x00}, /* backslash */
  {0x0e,0x02,0x02,0x02,0x02,0x02,0x0e,0x00,0x00}, /* ] */
  {0x04,0x0a,0x11,0x00,0x00,0x00,0x00,0x00,0x00}, /* ^ */
  {0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x1f,0x00}, /* _ */
  {0x08,0x04,0x02,0x00,0x00,0x00,0x00,0x00,0x00}, /* ` */
  {0x00,0x00,0x0e,0x01,0x0f,0x11,0x0f,0x00,0x00}, /* a */
  {0x10,0x10,0x16,0x19,0x11,0x11,0x1e,0x00,0x00}, /* b */
  {0x00,0x00,0x0e,0x10,0x10,0x11,0x0e,0x00,0x00}, /* c */
  {0x01,0x01,0x0d,0x13,0x11,0x11,0x0f,0x00,0x00}, /* d */
  {0x00,0x00,0x0e,0x11,0x1f,0x10,0x0e,0x00,0x00}, /* e */
  {0x06,0x09,0x08,0x1c,0x08,0x08,0x08,0x00,0x00}, /* f */
  {0x00,0x00,0x0f,0x11,0x11,0x11,0x0f,0x01,0x0e}, /* g */
  {0x10,0x10,0x16,0x19,0x11,0x11,0x11,0x00,0x00}, /* h */
  {0x04,0x00,0x0c,0x04,0x04,0x04,0x0e,0x00,0x00}, /* i */
  {0x02,0x00,0x06,0x02,0x02,0x02,0x02,0x12,0x0c}, /* j */
  {0x10,0x10,0x12,0x14,0x18,0x14,0x12,0x00,0x00}, /* k */
  {0x0c,0x04,0x04,0x04,0x04,0x04,0x0e,0x00,0x00}, /* l */
  {0x00,0x00,0x1a,0x15,0x15,0x11,0x11,0x00,0x00}, /* m */
  {0x00,0x00,0x16,0x19,0x11,0x11,0x11,0x00,0x00}, /* n */
  {0x00,0x00,0x0e,0x11,0x11,0x11,0x0e,0x00,0x00}, /* o */
  {0x00,0x00,0x1e,0x11,0x11,0x11,0x1e,0x10,0x10}, /* p */
  {0x00,0x00,0x0f,0x11,0x11,0x11,0x0f,0x01,0x01}, /* q */
  {0x00,0x00,0x16,0x19,0x10,0x10,0x10,0x00,0x00}, /* r */
  {0x00,0x00,0x0e,0x10,0x0e,0x01,0x1e,0x00,0x00}, /* s */
  {0x08,0x08,0x1c,0x08,0x08,0x09,0x06,0x00,0x00}, /* t */
  {0x00,0x00,0x11,0x11,0x11,0x13,0x0d,0x00,0x00}, /* u */
  {0x00,0x00,0x11,0x11,0x11,0x0a,0x04,0x00,0x00}, /* v */
  {0x00,0x00,0x11,0x11,0x15,0x15,0x0a,0x00,0x00}, /* w */
  {0x00,0x00,0x11,0x0a,0x04,0x0a,0x11,0x00,0x00}, /* x */
  {0x00,0x00,0x11,0x11,0x11,0x11,0x0f,0x01,0x0e}, /* y */
  {0x00,0x00,0x1f,0x02,0x04,0x08,0x1f,0x00,0x00}, /* z */
  {0x02,0x04,0x04,0x08,0x04,0x04,0x02,0x00,0x00}, /* { */
  {0x04,0x04,0x04,0x04,0x04,0x04,0x04,0x04,0x00}, /* | */
  {0x08,0x04,0x04,0x02,0x04,0x04,0x08,0x00,0x00}, /* } */
  {0x00,0x00,0x08,0x15,0x02,0x00,0x00,0x00,0x00}, /* ~ */
};

/* Drawn for code points outside the font, control bytes and broken UTF-8. */
static const unsigned char ctrace__font_box[CTRACE__GLYPH_ROWS] = {0x1f, 0x11, 0x11, 0x11, 0x11,
                                                                   0x11, 0x1f, 0x00, 0x00};

typedef struct ctrace__image {
  uint8_t *px;               /* RGBA8, rows top to bottom */
  int w, h;
} ctrace__image;

/* A path edge, stored top to bottom. */
typedef struct ctrace__redge {
  double ytop, ybot, xtop, slope;
  int wind;                  /* +1 if the outline runs down here, -1 if up */
} ctrace__redge;

/* An edge crossing the current sample row; kept sorted by x. */
typedef struct ctrace__xing {
  double x;
  uint32_t edge;
} ctrace__xing;

typedef struct ctrace__raster {
  ctrace__image img;
  double sx, sy, sw;         /* canvas units to pixels: x, y, stroke widths */
  ctrace__redge *edges;
  uint32_t n_edges, cap_edges;
  ctrace__xing *active;
  uint32_t cap_active;
  double *pts;               /* a polygon's finite points, in pixels */
  uint32_t cap_pts;          /* in doubles */
  float *acc;                /* coverage deltas of one pixel row, img.w + 2 */
  double minx, miny, maxx, maxy; /* bounds of the edges */
  int oom;
} ctrace__raster;

static int ctrace__finite(double v) { return v - v == 0.0; }

/* Source-over blending of colour rgba (0xRRGGBBAA) at coverage a in 0..255
   (already multiplied by the colour's alpha). */
static void ctrace__blend(uint8_t *d, uint32_t rgba, uint32_t a) {
  uint32_t ia = 255u - a, r = rgba >> 24, g = (rgba >> 16) & 255u, b = (rgba >> 8) & 255u;
  if (a == 255u) {
    d[0] = (uint8_t)r; d[1] = (uint8_t)g; d[2] = (uint8_t)b; d[3] = 255;
  } else if (d[3] == 255u) {
    d[0] = (uint8_t)((r * a + d[0] * ia + 127u) / 255u);
    d[1] = (uint8_t)((g * a + d[1] * ia + 127u) / 255u);
    d[2] = (uint8_t)((b * a + d[2] * ia + 127u) / 255u);
  } else {
    /* Translucent destination (a canvas without background): straight alpha. */
    double sa = a / 255.0, da = d[3] / 255.0 * (1.0 - sa), oa = sa + da;
    if (oa <= 0) return;
    d[0] = (uint8_t)((r * sa + d[0] * da) / oa + 0.5);
    d[1] = (uint8_t)((g * sa + d[1] * da) / oa + 0.5);
    d[2] = (uint8_t)((b * sa + d[2] * da) / oa + 0.5);
    d[3] = (uint8_t)(oa * 255.0 + 0.5);
  }
}

static void ctrace__blend_cov(ctrace__image *im, int x, int y, uint32_t rgba, double cov) {
  uint32_t a;
  if (cov > 1.0) cov = 1.0;
  a = (uint32_t)(cov * (double)(rgba & 255u) + 0.5);
  if (a) ctrace__blend(im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 4u, rgba, a);
}

/* An axis-aligned rectangle [x0,x1) x [y0,y1) in pixels, exact coverage at
   its edges. NaN or an empty box draws nothing. */
static void ctrace__fill_rect(ctrace__image *im, double x0, double y0, double x1, double y1,
                              uint32_t rgba) {
  int c0, c1, r0, r1, x, y;
  if (!(rgba & 255u)) return;
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  if (x1 > im->w) x1 = im->w;
  if (y1 > im->h) y1 = im->h;
  if (!(x0 < x1) || !(y0 < y1)) return;
  c0 = (int)x0; c1 = (int)ceil(x1);
  r0 = (int)y0; r1 = (int)ceil(y1);
  for (y = r0; y < r1; ++y) {
    double vc = (y1 < y + 1 ? y1 : y + 1) - (y0 > y ? y0 : y);
    for (x = c0; x < c1; ++x) {
      double hc = (x1 < x + 1 ? x1 : x + 1) - (x0 > x ? x0 : x);
      ctrace__blend_cov(im, x, y, rgba, vc * hc);
    }
  }
}

/* ---- paths: outlines filled by sample rows ------------------------------- */

static void ctrace__path_reset(ctrace__raster *r) {
  r->n_edges = 0;
  r->minx = r->miny = 1e300;
  r->maxx = r->maxy = -1e300;
}

/* An edge from a to b; sign flips its winding (see ctrace__path_contour). */
static void ctrace__path_edge(ctrace__raster *r, double xa, double ya, double xb, double yb, int sign) {
  ctrace__redge *e;
  double ytop = ya < yb ? ya : yb, ybot = ya < yb ? yb : ya;
  if (!ctrace__finite(xa) || !ctrace__finite(ya) || !ctrace__finite(xb) || !ctrace__finite(yb))
    return;
  /* Horizontal edges and edges above or below the image cross no sample row. */
  if (ya == yb || ybot <= 0 || ytop >= r->img.h) return;
  if (ctrace__grow((void **)&r->edges, &r->cap_edges, r->n_edges + 1u, sizeof *r->edges)) {
    r->oom = 1;
    return;
  }
  e = &r->edges[r->n_edges++];
  e->ytop = ytop;
  e->ybot = ybot;
  e->xtop = ya < yb ? xa : xb;
  e->slope = (xb - xa) / (yb - ya);
  e->wind = (ya < yb ? 1 : -1) * sign;
  if (xa < r->minx) r->minx = xa;
  if (xb < r->minx) r->minx = xb;
  if (xa > r->maxx) r->maxx = xa;
  if (xb > r->maxx) r->maxx = xb;
  if (ytop < r->miny) r->miny = ytop;
  if (ybot > r->maxy) r->maxy = ybot;
}

/* A closed contour of n points (x,y pairs). With orient set the contour is
   wound the same way whatever its point order, so pieces added this way
   overlap as a union under the non-zero rule. */
static void ctrace__path_contour(ctrace__raster *r, const double *xy, uint32_t n, int orient) {
  uint32_t i;
  int sign = 1;
  if (orient) {
    double area = 0;
    for (i = 0; i < n; ++i) {
      uint32_t j = i + 1 == n ? 0 : i + 1;
      area += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
    }
    sign = area < 0 ? -1 : 1;
  }
  for (i = 0; i < n; ++i) {
    uint32_t j = i + 1 == n ? 0 : i + 1;
    ctrace__path_edge(r, xy[2 * i], xy[2 * i + 1], xy[2 * j], xy[2 * j + 1], sign);
  }
}

static int ctrace__edge_cmp(const void *pa, const void *pb) {
  const ctrace__redge *a = (const ctrace__redge *)pa, *b = (const ctrace__redge *)pb;
  return a->ytop < b->ytop ? -1 : a->ytop > b->ytop ? 1 : 0;
}

/* Adds the span [xa, xb) of one sample row to the row's coverage deltas:
   partial pixels at both ends get their covered fraction, so after a running
   sum every pixel holds exactly how much of its width the span covers. */
static void ctrace__span(float *acc, double xa, double xb, double lo, double hi) {
  const double k = 1.0 / CTRACE__SUBROWS;
  int ia, ib;
  double fa, fb;
  if (xa < lo) xa = lo;
  if (xb > hi) xb = hi;
  if (!(xa < xb)) return;
  ia = (int)xa; fa = xa - ia;
  ib = (int)xb; fb = xb - ib;
  acc[ia] += (float)((1.0 - fa) * k);
  acc[ia + 1] += (float)(fa * k);
  acc[ib] -= (float)((1.0 - fb) * k);
  acc[ib + 1] -= (float)(fb * k);
}

/* Keeps the active edges of sample row sy, sorted by where they cross it. */
static int ctrace__xing_cmp(const void *pa, const void *pb) {
  const ctrace__xing *a = (const ctrace__xing *)pa, *b = (const ctrace__xing *)pb;
  return a->x < b->x ? -1 : a->x > b->x ? 1 : 0;
}

static uint32_t ctrace__active_update(ctrace__raster *r, uint32_t n_active, uint32_t *next, double sy) {
  uint32_t i, k = 0;
  uint64_t moves = 0, budget;
  for (i = 0; i < n_active; ++i)
    if (r->edges[r->active[i].edge].ybot > sy) r->active[k++] = r->active[i];
  while (*next < r->n_edges && r->edges[*next].ytop <= sy) {
    if (r->edges[*next].ybot > sy) r->active[k++].edge = *next;
    ++*next;
  }
  for (i = 0; i < k; ++i) {
    const ctrace__redge *e = &r->edges[r->active[i].edge];
    r->active[i].x = e->xtop + (sy - e->ytop) * e->slope;
  }
  budget = 16u * (uint64_t)k + 64u;
  /* Insertion sort: in a chart the order barely changes from one row to the
     next. Edges that cross everywhere (a scribble) would make that
     quadratic, so past a budget of moves the rest goes to qsort. */
  for (i = 1; i < k; ++i) {
    ctrace__xing t = r->active[i];
    uint32_t j = i;
    while (j > 0 && r->active[j - 1].x > t.x) {
      r->active[j] = r->active[j - 1];
      --j;
      ++moves;
    }
    r->active[j] = t;
    if (moves > budget) {
      qsort(r->active, k, sizeof *r->active, ctrace__xing_cmp);
      break;
    }
  }
  return k;
}

/* Fills the path collected since ctrace__path_reset with the non-zero rule,
   or even-odd. */
static void ctrace__path_fill(ctrace__raster *r, uint32_t rgba, int even_odd) {
  ctrace__image *im = &r->img;
  uint32_t next = 0, n_active = 0;
  int y, x, r0, r1, c0, c1, s;
  double lo, hi;
  if (r->n_edges == 0 || !(rgba & 255u) || r->oom) return;
  if (r->maxx <= 0 || r->minx >= im->w) return;
  if (ctrace__grow((void **)&r->active, &r->cap_active, r->n_edges, sizeof *r->active)) {
    r->oom = 1;
    return;
  }
  lo = r->minx < 0 ? 0 : floor(r->minx);
  hi = r->maxx > im->w ? im->w : ceil(r->maxx);
  c0 = (int)lo; c1 = (int)hi;
  r0 = r->miny < 0 ? 0 : (int)r->miny;
  r1 = r->maxy > im->h ? im->h : (int)ceil(r->maxy);
  qsort(r->edges, r->n_edges, sizeof *r->edges, ctrace__edge_cmp);
  for (y = r0; y < r1; ++y) {
    float cov = 0;
    memset(r->acc + c0, 0, sizeof(float) * (size_t)(c1 - c0 + 2));
    for (s = 0; s < CTRACE__SUBROWS; ++s) {
      double sy = y + (s + 0.5) / CTRACE__SUBROWS, start = 0;
      int wind = 0;
      uint32_t i;
      n_active = ctrace__active_update(r, n_active, &next, sy);
      for (i = 0; i < n_active; ++i) {
        int was_in = even_odd ? (wind & 1) : wind != 0, is_in;
        wind += r->edges[r->active[i].edge].wind;
        is_in = even_odd ? (wind & 1) : wind != 0;
        if (!was_in && is_in) start = r->active[i].x;
        else if (was_in && !is_in) ctrace__span(r->acc, start, r->active[i].x, lo, hi);
      }
    }
    for (x = c0; x < c1; ++x) {
      cov += r->acc[x];
      if (cov > 1.0f / 512.0f) ctrace__blend_cov(im, x, y, rgba, cov);
    }
  }
}

/* The outline of a straight stroke from a to b, half-width hw, butt ends. */
static void ctrace__path_segment(ctrace__raster *r, double xa, double ya, double xb, double yb,
                                 double hw) {
  double dx = xb - xa, dy = yb - ya, len = sqrt(dx * dx + dy * dy), q[8], nx, ny;
  if (!(len > 0) || !ctrace__finite(len)) return;
  nx = -dy / len * hw;
  ny = dx / len * hw;
  q[0] = xa + nx; q[1] = ya + ny; q[2] = xb + nx; q[3] = yb + ny;
  q[4] = xb - nx; q[5] = yb - ny; q[6] = xa - nx; q[7] = ya - ny;
  ctrace__path_contour(r, q, 4, 1);
}

/* Fills the wedges between two strokes meeting at b (a bevel join). */
static void ctrace__path_join(ctrace__raster *r, const double *a, const double *b, const double *c,
                              double hw) {
  double d1x = b[0] - a[0], d1y = b[1] - a[1], d2x = c[0] - b[0], d2y = c[1] - b[1];
  double l1 = sqrt(d1x * d1x + d1y * d1y), l2 = sqrt(d2x * d2x + d2y * d2y), t[6];
  double n1x, n1y, n2x, n2y;
  if (!(l1 > 0) || !(l2 > 0)) return;
  n1x = -d1y / l1 * hw; n1y = d1x / l1 * hw;
  n2x = -d2y / l2 * hw; n2y = d2x / l2 * hw;
  t[0] = b[0]; t[1] = b[1];
  t[2] = b[0] + n1x; t[3] = b[1] + n1y; t[4] = b[0] + n2x; t[5] = b[1] + n2y;
  ctrace__path_contour(r, t, 3, 1);
  t[2] = b[0] - n1x; t[3] = b[1] - n1y; t[4] = b[0] - n2x; t[5] = b[1] - n2y;
  ctrace__path_contour(r, t, 3, 1);
}

/* The stroke of n points (pixels), closed or open, as one union. */
static void ctrace__path_stroke(ctrace__raster *r, const double *p, uint32_t n, int closed, double hw) {
  uint32_t i, segs = closed ? n : n - 1;
  if (n < 2) return;
  for (i = 0; i < segs; ++i) {
    uint32_t j = i + 1 == n ? 0 : i + 1;
    ctrace__path_segment(r, p[2 * i], p[2 * i + 1], p[2 * j], p[2 * j + 1], hw);
  }
  for (i = closed ? 0 : 1; i < (closed ? n : n - 1); ++i) {
    uint32_t prev = i == 0 ? n - 1 : i - 1, nxt = i + 1 == n ? 0 : i + 1;
    ctrace__path_join(r, p + 2 * prev, p + 2 * i, p + 2 * nxt, hw);
  }
}

/* ---- shapes --------------------------------------------------------------- */

static double ctrace__stroke_half(const ctrace__raster *r, const ctrace__shape *s) {
  /* As the SVG backend: a width that is not positive means 1. */
  double w = s->stroke_w > 0 && ctrace__finite(s->stroke_w) ? s->stroke_w : 1.0;
  w *= r->sw;
  return (w > 1e6 ? 1e6 : w) / 2.0;
}

static void ctrace__draw_rect(ctrace__raster *r, const ctrace__shape *s) {
  double x0 = s->x * r->sx, y0 = s->y * r->sy, x1 = (s->x + s->w) * r->sx, y1 = (s->y + s->h) * r->sy;
  if (!ctrace__finite(x0) || !ctrace__finite(y0) || !ctrace__finite(x1) || !ctrace__finite(y1)) return;
  /* As in SVG, a rectangle without width or height is not drawn, stroke included. */
  if (!(x0 < x1) || !(y0 < y1)) return;
  if (s->fill & 255u) ctrace__fill_rect(&r->img, x0, y0, x1, y1, s->fill);
  if (s->stroke & 255u) {
    double hw = ctrace__stroke_half(r, s), q[8];
    if (x1 - x0 <= 2 * hw || y1 - y0 <= 2 * hw) {
      ctrace__fill_rect(&r->img, x0 - hw, y0 - hw, x1 + hw, y1 + hw, s->stroke);
      return;
    }
    ctrace__path_reset(r);
    q[0] = x0 - hw; q[1] = y0 - hw; q[2] = x1 + hw; q[3] = y0 - hw;
    q[4] = x1 + hw; q[5] = y1 + hw; q[6] = x0 - hw; q[7] = y1 + hw;
    ctrace__path_contour(r, q, 4, 0);
    q[0] = x0 + hw; q[1] = y0 + hw; q[2] = x1 - hw; q[3] = y0 + hw;
    q[4] = x1 - hw; q[5] = y1 - hw; q[6] = x0 + hw; q[7] = y1 - hw;
    ctrace__path_contour(r, q, 4, 0);
    ctrace__path_fill(r, s->stroke, 1);
  }
}

static void ctrace__draw_line(ctrace__raster *r, const ctrace__shape *s) {
  double xa = s->x * r->sx, ya = s->y * r->sy;
  double xb = (s->x + s->w) * r->sx, yb = (s->y + s->h) * r->sy, hw;
  if (!(s->stroke & 255u)) return;
  if (!ctrace__finite(xa) || !ctrace__finite(ya) || !ctrace__finite(xb) || !ctrace__finite(yb)) return;
  hw = ctrace__stroke_half(r, s);
  /* Axis lines and grid lines: exact coverage, no sampling. */
  if (ya == yb) {
    ctrace__fill_rect(&r->img, xa < xb ? xa : xb, ya - hw, xa < xb ? xb : xa, ya + hw, s->stroke);
  } else if (xa == xb) {
    ctrace__fill_rect(&r->img, xa - hw, ya < yb ? ya : yb, xa + hw, ya < yb ? yb : ya, s->stroke);
  } else {
    ctrace__path_reset(r);
    ctrace__path_segment(r, xa, ya, xb, yb, hw);
    ctrace__path_fill(r, s->stroke, 0);
  }
}

/* The shape's finite points in pixels, repeated points dropped; returns the
   count (0 when the points lie outside the canvas's point array). */
static uint32_t ctrace__poly_points(ctrace__raster *r, const ctrace__canvas *c, const ctrace__shape *s) {
  uint64_t end = ((uint64_t)s->first_point + s->n_points) * 2u;
  uint32_t i, k = 0;
  const float *p;
  if (s->n_points == 0 || end > c->n_points || !c->points) return 0;
  if (ctrace__grow((void **)&r->pts, &r->cap_pts, s->n_points * 2u, sizeof *r->pts)) {
    r->oom = 1;
    return 0;
  }
  p = c->points + (size_t)s->first_point * 2u;
  for (i = 0; i < s->n_points; ++i) {
    double x = p[2 * i] * r->sx, y = p[2 * i + 1] * r->sy;
    if (!ctrace__finite(x) || !ctrace__finite(y)) continue;
    if (k && r->pts[2 * k - 2] == x && r->pts[2 * k - 1] == y) continue;
    r->pts[2 * k] = x;
    r->pts[2 * k + 1] = y;
    ++k;
  }
  return k;
}

static void ctrace__draw_poly(ctrace__raster *r, const ctrace__canvas *c, const ctrace__shape *s) {
  int filled = (s->fill & 255u) != 0;
  uint32_t n;
  if (!filled && !(s->stroke & 255u)) return;
  n = ctrace__poly_points(r, c, s);
  if (n < 2) return;
  if (filled && n >= 3) {
    ctrace__path_reset(r);
    ctrace__path_contour(r, r->pts, n, 0);
    ctrace__path_fill(r, s->fill, 0);
  }
  if (s->stroke & 255u) {
    ctrace__path_reset(r);
    ctrace__path_stroke(r, r->pts, n, filled && n >= 3, ctrace__stroke_half(r, s));
    ctrace__path_fill(r, s->stroke, 0);
  }
}

/* ---- text ----------------------------------------------------------------- */

static const unsigned char *ctrace__glyph(uint32_t cp) {
  return cp >= 32u && cp <= 126u ? ctrace__font[cp - 32u] : ctrace__font_box;
}

/* The next glyph's code point. Like ctrace__text_width (which the layout
   measures with), one glyph per byte that does not continue a sequence: a
   broken sequence is one placeholder, its stray continuation bytes nothing. */
static uint32_t ctrace__next_cp(const unsigned char **pp, const unsigned char *end) {
  const unsigned char *p = *pp;
  uint32_t cp = 0xfffdu;
  int n;
  while (p < end && (*p & 0xc0u) == 0x80u) ++p;
  if (p >= end) { *pp = p; return 0; }
  n = ctrace__utf8_decode(p, end, &cp);
  if (n <= 0) {
    cp = 0xfffdu;
    n = 1;
  }
  *pp = p + n;
  return cp;
}

/* Coverage of device pixel (px, py) by a glyph whose font pixels are k
   device pixels wide, top-left at (left, top): the area of the set bits the
   pixel overlaps. Only the few font rows and columns under the pixel are
   visited, so a huge glyph costs what its visible pixels cost. */
static double ctrace__glyph_cover(const unsigned char *g, double left, double top, double k, int px, int py) {
  int r0 = (int)floor((py - top) / k), r1 = (int)floor((py + 1 - top) / k);
  int c0 = (int)floor((px - left) / k), c1 = (int)floor((px + 1 - left) / k), row, col;
  double cov = 0;
  if (r0 < 0) r0 = 0;
  if (c0 < 0) c0 = 0;
  if (r1 > CTRACE__GLYPH_ROWS - 1) r1 = CTRACE__GLYPH_ROWS - 1;
  if (c1 > CTRACE__GLYPH_COLS - 1) c1 = CTRACE__GLYPH_COLS - 1;
  for (row = r0; row <= r1; ++row) {
    double b0 = top + row * k, b1 = b0 + k;
    double vy = (b1 < py + 1 ? b1 : py + 1) - (b0 > py ? b0 : py);
    if (vy <= 0 || !g[row]) continue;
    for (col = c0; col <= c1; ++col) {
      double a0 = left + col * k, a1 = a0 + k;
      double vx = (a1 < px + 1 ? a1 : px + 1) - (a0 > px ? a0 : px);
      if (vx > 0 && (g[row] >> (4 - col) & 1u)) cov += vx * vy;
    }
  }
  return cov;
}

/* A glyph scaled by k (device pixels per font pixel), its left edge at left
   and its baseline at baseline, both whole pixels so that every copy of a
   letter looks the same. Area coverage keeps any size legible and inside its
   box: at whole-number scales the glyph comes out crisp, between them its
   edges are shaded rather than unevenly doubled. */
static void ctrace__glyph_draw(ctrace__image *im, const unsigned char *g, int left, int baseline, double k,
                               uint32_t rgba) {
  double top = baseline - 7 * k;
  double x1 = left + CTRACE__GLYPH_COLS * k, y1 = top + CTRACE__GLYPH_ROWS * k;
  int px0 = left < 0 ? 0 : left, py0 = top < 0 ? 0 : (int)floor(top), px, py;
  int px1 = x1 > im->w ? im->w : (int)ceil(x1), py1 = y1 > im->h ? im->h : (int)ceil(y1);
  for (py = py0; py < py1; ++py)
    for (px = px0; px < px1; ++px) {
      double cov = ctrace__glyph_cover(g, left, top, k, px, py);
      if (cov > 0) ctrace__blend_cov(im, px, py, rgba, cov);
    }
}

static void ctrace__draw_text(ctrace__raster *r, const ctrace__canvas *c, const ctrace__shape *s) {
  const unsigned char *p, *end, *q;
  const char *nul;
  double px = s->font_px * r->sy, adv = 0.6 * px, k = px / 10, x = s->x * r->sx, y = s->y * r->sy, start;
  uint32_t n = 0, i;
  if (s->text == CTRACE__NO_TEXT || s->text >= c->n_text || !c->text || !(s->fill & 255u)) return;
  if (!ctrace__finite(x) || !ctrace__finite(y) || !(px > 0) || px > 1e5) return;
  if (y + px < 0 || y - px > r->img.h) return;
  p = (const unsigned char *)c->text + s->text;
  nul = (const char *)memchr(p, 0, c->n_text - s->text);
  end = nul ? (const unsigned char *)nul : (const unsigned char *)c->text + c->n_text;
  for (q = p; q < end; ++q)
    if ((*q & 0xc0u) != 0x80u) ++n;
  start = x - (s->anchor == CTRACE__AN_MIDDLE ? n * adv / 2 : s->anchor == CTRACE__AN_END ? n * adv : 0);
  /* The ink (5 of the glyph's 6 columns) is centred in each 0.6 em cell. */
  for (i = 0; i < n; ++i) {
    double cell = start + i * adv;
    uint32_t cp = ctrace__next_cp(&p, end);
    if (cell > r->img.w) break;
    if (cell + adv < 0 || cp == ' ') continue;
    ctrace__glyph_draw(&r->img, ctrace__glyph(cp), (int)floor(cell + (adv - CTRACE__GLYPH_COLS * k) / 2 + 0.5),
                       (int)floor(y + 0.5), k, s->fill);
  }
}

/* ---- the canvas ----------------------------------------------------------- */

static void ctrace__raster_free(ctrace__raster *r) {
  CTRACE_MEM_FREE(r->edges);
  CTRACE_MEM_FREE(r->active);
  CTRACE_MEM_FREE(r->pts);
  CTRACE_MEM_FREE(r->acc);
}

/* Draws the canvas into rgba (w x h pixels, 4 bytes each), scaled from the
   canvas's size to the image's. Returns 0 or CTRACE_E_NOMEM (the picture may
   then lack shapes). */
static int ctrace__raster_canvas(const ctrace__canvas *c, uint8_t *rgba, int w, int h) {
  ctrace__raster r;
  size_t i, npx;
  uint32_t k;
  if (!c || !rgba || w <= 0 || h <= 0) return CTRACE_E_INVALID;
  memset(&r, 0, sizeof r);
  r.img.px = rgba;
  r.img.w = w;
  r.img.h = h;
  r.sx = c->width > 0 && ctrace__finite(c->width) ? w / (double)c->width : 1.0;
  r.sy = c->height > 0 && ctrace__finite(c->height) ? h / (double)c->height : 1.0;
  r.sw = sqrt(r.sx * r.sy);
  npx = (size_t)w * (size_t)h;
  for (i = 0; i < npx; ++i) {
    rgba[4 * i] = (uint8_t)(c->background >> 24);
    rgba[4 * i + 1] = (uint8_t)(c->background >> 16);
    rgba[4 * i + 2] = (uint8_t)(c->background >> 8);
    rgba[4 * i + 3] = (uint8_t)c->background;
  }
  r.acc = (float *)CTRACE_MEM_ALLOC(sizeof(float) * ((size_t)w + 2u));
  if (!r.acc) return CTRACE_E_NOMEM;
  for (k = 0; k < c->n_shapes; ++k) {
    const ctrace__shape *s = &c->shapes[k];
    switch (s->kind) {
    case CTRACE__SH_RECT: ctrace__draw_rect(&r, s); break;
    case CTRACE__SH_LINE: ctrace__draw_line(&r, s); break;
    case CTRACE__SH_POLY: ctrace__draw_poly(&r, c, s); break;
    case CTRACE__SH_TEXT: ctrace__draw_text(&r, c, s); break;
    default: break;
    }
  }
  ctrace__raster_free(&r);
  return r.oom ? CTRACE_E_NOMEM : 0;
}

/* ---- PNG output ------------------------------------------------------------
   stb_image_write is compiled here, privately: every stb function static, its
   allocations through CTRACE_MEM_*, bytes handed back through a callback (so
   write errors are ours to see, not lost inside stb's own fopen/fwrite), and
   the macros it needs undefined again so nothing leaks into the including
   file. It compiles warning-free under -Wall -Wextra -Wpedantic -Wshadow as
   C99 and C++ with gcc and clang, so no diagnostic is silenced. (Its
   STBI_WRITE_NO_STDIO option is not used: it leaves a static declaration
   without a definition, which gcc reports.)
   stb's own deflate takes about 150 ms for a 1600x900 chart, most of the
   time budget; stb lets a program supply its own (STBIW_ZLIB_COMPRESS), and
   ctrace__zlib below does the same job about ten times faster on charts,
   whose filtered rows are long runs and repeats. */
#ifdef CTRACE_WITH_PNG
#if !defined(STBIW_MALLOC) && !defined(STBIW_FREE) && !defined(STBIW_REALLOC)
#define STBIW_MALLOC(n) CTRACE_MEM_ALLOC(n)
#define STBIW_REALLOC(p, n) CTRACE_MEM_REALLOC((p), (n))
#define STBIW_FREE(p) CTRACE_MEM_FREE(p)
#define CTRACE__STBIW_OWN_ALLOC
#endif
#if defined(_WIN32) && !defined(_CRT_SECURE_NO_WARNINGS)
#define CTRACE__STBIW_CRT_SECURE
#endif
#if defined(_WIN32) && !defined(_CRT_NONSTDC_NO_DEPRECATE)
#define CTRACE__STBIW_CRT_NONSTDC
#endif
static unsigned char *ctrace__zlib(unsigned char *data, int len, int *out_len, int quality);
#define STBIW_ZLIB_COMPRESS ctrace__zlib
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>
#undef STB_IMAGE_WRITE_IMPLEMENTATION
#undef STB_IMAGE_WRITE_STATIC
#undef STBIW_ZLIB_COMPRESS

/* stb tries all five PNG row filters on every row and keeps the best one;
   on charts (flat colours, long runs) the "up" filter alone gives files
   within 2% of that size (smaller for the heap chart) and halves the time
   to encode. The variable is ctrace's private copy of stb's, set once by
   ctrace__once, before any encoding reads it. */
static void ctrace__png_init(void) { stbi_write_force_png_filter = 2; }

/* A zlib stream (RFC 1950/1951) in one block of fixed Huffman codes, with
   matches found through a one-entry hash table plus a check for runs: fast,
   and on chart images nearly as small as stb's own. */
typedef struct ctrace__bits {
  unsigned char *out;
  size_t n;
  uint64_t acc;
  int nacc;
} ctrace__bits;

static void ctrace__bits_put(ctrace__bits *b, uint32_t value, int count) {
  b->acc |= (uint64_t)value << b->nacc;
  b->nacc += count;
  while (b->nacc >= 8) {
    b->out[b->n++] = (unsigned char)b->acc;
    b->acc >>= 8;
    b->nacc -= 8;
  }
}

/* Huffman codes go most significant bit first into an LSB-first stream. */
static uint32_t ctrace__bits_rev(uint32_t code, int count) {
  uint32_t r = 0;
  int i;
  for (i = 0; i < count; ++i) r |= ((code >> i) & 1u) << (count - 1 - i);
  return r;
}

static void ctrace__deflate_sym(ctrace__bits *b, const uint16_t *codes, const unsigned char *lens, int sym) {
  ctrace__bits_put(b, codes[sym], lens[sym]);
}

static void ctrace__deflate_match(ctrace__bits *b, const uint16_t *codes, const unsigned char *lens, int len,
                                  int dist) {
  static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                        31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  static const unsigned char len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                              2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  static const uint16_t dist_base[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,
                                         33,  49,  65,  97,  129, 193,  257,  385,  513,  769,
                                         1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  static const unsigned char dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3,  3,  4,  4,  5,  5,  6,
                                               6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
  int lc = 28, dc = 29;
  while (len_base[lc] > len) --lc;
  while (dist_base[dc] > dist) --dc;
  ctrace__deflate_sym(b, codes, lens, 257 + lc);
  if (len_extra[lc]) ctrace__bits_put(b, (uint32_t)(len - len_base[lc]), len_extra[lc]);
  ctrace__bits_put(b, ctrace__bits_rev((uint32_t)dc, 5), 5);
  if (dist_extra[dc]) ctrace__bits_put(b, (uint32_t)(dist - dist_base[dc]), dist_extra[dc]);
}

static uint32_t ctrace__adler32(const unsigned char *p, size_t n) {
  uint32_t a = 1, b = 0;
  while (n) {
    size_t k = n < 5552 ? n : 5552;
    n -= k;
    for (; k > 0; k--) {
      a += *p++;
      b += a;
    }
    a %= 65521u;
    b %= 65521u;
  }
  return (b << 16) | a;
}

#define CTRACE__ZHASH_BITS 15

static unsigned char *ctrace__zlib(unsigned char *data, int len, int *out_len, int quality) {
  uint16_t codes[288];
  unsigned char lens[288];
  int32_t *table;
  ctrace__bits b;
  int i = 0, s;
  uint32_t adler;
  (void)quality;
  if (len < 0) return NULL;
  /* The fixed code (RFC 1951, 3.2.6). */
  for (s = 0; s < 288; ++s) {
    uint32_t code;
    int n;
    if (s < 144) { code = 0x30u + (uint32_t)s; n = 8; }
    else if (s < 256) { code = 0x190u + (uint32_t)(s - 144); n = 9; }
    else if (s < 280) { code = (uint32_t)(s - 256); n = 7; }
    else { code = 0xc0u + (uint32_t)(s - 280); n = 8; }
    codes[s] = (uint16_t)ctrace__bits_rev(code, n);
    lens[s] = (unsigned char)n;
  }
  table = (int32_t *)STBIW_MALLOC(sizeof(int32_t) << CTRACE__ZHASH_BITS);
  /* Worst case: every byte a 9-bit literal. */
  b.out = (unsigned char *)STBIW_MALLOC((size_t)len + (size_t)len / 8u + 64u);
  if (!table || !b.out) {
    STBIW_FREE(table);
    STBIW_FREE(b.out);
    return NULL;
  }
  memset(table, 0xff, sizeof(int32_t) << CTRACE__ZHASH_BITS);
  b.n = 0;
  b.acc = 0;
  b.nacc = 0;
  b.out[b.n++] = 0x78; /* deflate, 32 KiB window */
  b.out[b.n++] = 0x01; /* no dictionary, fastest; (0x78 * 256 + 0x01) % 31 == 0 */
  ctrace__bits_put(&b, 1, 1); /* last block */
  ctrace__bits_put(&b, 1, 2); /* fixed Huffman codes */
  while (i < len) {
    int best = 0, dist = 0, max = len - i < 258 ? len - i : 258;
    if (max >= 4) {
      uint32_t v = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 |
                   (uint32_t)data[i + 3] << 24;
      uint32_t h = (uint32_t)((uint64_t)v * 2654435761u) >> (32 - CTRACE__ZHASH_BITS);
      int32_t cand = table[h];
      table[h] = i;
      if (i > 0 && data[i - 1] == data[i]) {
        int n = 0;
        while (n < max && data[i + n] == data[i - 1]) ++n;
        best = n;
        dist = 1;
      }
      if (cand >= 0 && i - cand <= 32768 && best < max) {
        int n = 0;
        while (n < max && data[cand + n] == data[i + n]) ++n;
        if (n > best) {
          best = n;
          dist = i - cand;
        }
      }
    }
    if (best >= 4) {
      ctrace__deflate_match(&b, codes, lens, best, dist);
      i += best;
    } else {
      ctrace__deflate_sym(&b, codes, lens, data[i]);
      ++i;
    }
  }
  ctrace__deflate_sym(&b, codes, lens, 256);
  if (b.nacc) ctrace__bits_put(&b, 0, 8 - b.nacc);
  adler = ctrace__adler32(data, (size_t)len);
  b.out[b.n++] = (unsigned char)(adler >> 24);
  b.out[b.n++] = (unsigned char)(adler >> 16);
  b.out[b.n++] = (unsigned char)(adler >> 8);
  b.out[b.n++] = (unsigned char)adler;
  STBIW_FREE(table);
  *out_len = (int)b.n;
  return b.out;
}

/* What ctrace__zlib returned goes back this way, after the macros are gone. */
static void ctrace__zlib_free(unsigned char *p) { STBIW_FREE(p); }

#ifdef CTRACE__STBIW_OWN_ALLOC
#undef STBIW_MALLOC
#undef STBIW_REALLOC
#undef STBIW_FREE
#undef CTRACE__STBIW_OWN_ALLOC
#endif
#ifdef CTRACE__STBIW_CRT_SECURE
#undef _CRT_SECURE_NO_WARNINGS
#undef CTRACE__STBIW_CRT_SECURE
#endif
#ifdef CTRACE__STBIW_CRT_NONSTDC
#undef _CRT_NONSTDC_NO_DEPRECATE
#undef CTRACE__STBIW_CRT_NONSTDC
#endif

typedef struct ctrace__png_sink {
  ctrace_write_fn write;
  void *user;
  int err;
} ctrace__png_sink;

static void ctrace__png_put(void *ctx, void *data, int size) {
  ctrace__png_sink *k = (ctrace__png_sink *)ctx;
  int rc;
  if (k->err || size <= 0) return;
  rc = k->write(k->user, data, (size_t)size);
  if (rc < 0) k->err = rc;
}

/* One PNG chunk (length, type, data, CRC of type and data) to the sink. */
static void ctrace__png_chunk(ctrace__png_sink *k, const char *type, const uint8_t *data, size_t n) {
  uint8_t head[8], tail[4];
  uint32_t crc;
  head[0] = (uint8_t)(n >> 24); head[1] = (uint8_t)(n >> 16); head[2] = (uint8_t)(n >> 8); head[3] = (uint8_t)n;
  memcpy(head + 4, type, 4);
  crc = ctrace__crc_update(ctrace__crc_update(0, head + 4, 4), data, n);
  tail[0] = (uint8_t)(crc >> 24); tail[1] = (uint8_t)(crc >> 16); tail[2] = (uint8_t)(crc >> 8); tail[3] = (uint8_t)crc;
  ctrace__png_put(k, head, 8);
  if (n) ctrace__png_put(k, (void *)(size_t)data, (int)n);
  ctrace__png_put(k, tail, 4);
}

/* Encodes w x h RGBA pixels as PNG to write(user, ...), ending with the
   size-0 call. An image without transparency is stored as RGB: a quarter
   smaller and faster to compress. RGB rows are filtered in place, in the
   pixels' own buffer (which this overwrites): an 8192 x 8192 chart then
   needs its pixels and the compressed stream, not two more copies of the
   image (stb's encoder made an RGB copy and a filtered one: 2.5 times the
   pixels). RGBA rows, one byte longer each than the pixels, are filtered
   into a buffer of their own. Every row gets the "up" filter (see
   ctrace__png_init). Returns 0, CTRACE_E_NOMEM or write's first negative code. */
static int ctrace__png_encode(ctrace_write_fn write, void *user, uint8_t *rgba, int w, int h) {
  static const uint8_t sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  ctrace__png_sink sink;
  size_t i, npx = (size_t)w * (size_t)h, n, row, y;
  uint8_t *prev, *cur, *filt, ihdr[13];
  unsigned char *z;
  int opaque = 1, zlen = 0;
  ctrace__tools_once(); /* the CRC tables */
  for (i = 0; i < npx && opaque; ++i) opaque = rgba[4 * i + 3] == 255u;
  n = opaque ? 3 : 4;
  row = (size_t)w * n;
  if ((row + 1) * (size_t)h > (size_t)INT_MAX) return CTRACE_E_NOMEM; /* the deflate takes an int */
  filt = opaque ? rgba : (uint8_t *)CTRACE_MEM_ALLOC((row + 1) * (size_t)h);
  prev = (uint8_t *)CTRACE_MEM_ALLOC(2 * row);
  if (!prev || !filt) {
    CTRACE_MEM_FREE(prev);
    if (filt != rgba) CTRACE_MEM_FREE(filt);
    return CTRACE_E_NOMEM;
  }
  cur = prev + row;
  /* In place, row y's filtered bytes go to y * (row + 1), never past where
     row y + 1 begins (row + 1 = 3 w + 1 <= 4 w), so every source row is read
     before it is overwritten; the row above is kept unfiltered in prev. */
  for (y = 0; y < (size_t)h; ++y) {
    const uint8_t *src = rgba + y * (size_t)w * 4u;
    uint8_t *dst = filt + y * (row + 1);
    uint8_t *t;
    if (opaque) {
      for (i = 0; i < (size_t)w; ++i) memcpy(cur + 3 * i, src + 4 * i, 3);
    } else {
      memcpy(cur, src, row);
    }
    dst[0] = 2; /* up */
    for (i = 0; i < row; ++i) dst[1 + i] = (uint8_t)(cur[i] - (y ? prev[i] : 0));
    t = prev;
    prev = cur;
    cur = t;
  }
  CTRACE_MEM_FREE(prev < cur ? prev : cur);
  z = ctrace__zlib(filt, (int)((row + 1) * (size_t)h), &zlen, 0);
  if (filt != rgba) CTRACE_MEM_FREE(filt);
  if (!z) return CTRACE_E_NOMEM;
  sink.write = write;
  sink.user = user;
  sink.err = 0;
  for (i = 0; i < 4; ++i) {
    ihdr[i] = (uint8_t)((uint32_t)w >> (24 - 8 * i));
    ihdr[4 + i] = (uint8_t)((uint32_t)h >> (24 - 8 * i));
  }
  ihdr[8] = 8;                  /* bits per channel */
  ihdr[9] = opaque ? 2 : 6;     /* RGB or RGBA */
  ihdr[10] = ihdr[11] = ihdr[12] = 0;
  ctrace__png_put(&sink, (void *)(size_t)sig, 8);
  ctrace__png_chunk(&sink, "IHDR", ihdr, 13);
  ctrace__png_chunk(&sink, "IDAT", z, (size_t)zlen);
  ctrace__png_chunk(&sink, "IEND", ihdr, 0);
  ctrace__zlib_free(z);
  if (!sink.err) {
    int rc = write(user, rgba, 0);
    if (rc < 0) sink.err = rc;
  }
  return sink.err;
}

/* Writes pixels as a PNG file at path ("-" = standard output). */
static int ctrace__png_write(const char *path, uint8_t *rgba, int w, int h) {
  int to_stdout = strcmp(path, "-") == 0, rc;
  FILE *f = to_stdout ? stdout : fopen(path, "wb");
  if (!f) return CTRACE_E_OPEN;
  rc = ctrace__png_encode(ctrace_write_stdio, f, rgba, w, h);
  if (!to_stdout && fclose(f) != 0 && rc == 0) rc = CTRACE_E_WRITE;
  return rc;
}
#endif /* CTRACE_WITH_PNG */

/* ---- the public functions --------------------------------------------------- */

static void ctrace__png_say(const ctrace_png_config *cfg, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void ctrace__png_say(const ctrace_png_config *cfg, const char *fmt, ...) {
  va_list ap;
  if (!cfg || !cfg->error || cfg->error_size == 0) return;
  va_start(ap, fmt);
  vsnprintf(cfg->error, cfg->error_size, fmt, ap);
  va_end(ap);
}

/* The config's chart and size after defaults, or CTRACE_E_INVALID. */
static int ctrace__png_settings(const ctrace_png_config *cfg, int *chart, int *w, int *h) {
  *chart = cfg ? cfg->chart : CTRACE_CHART_HEAP;
  *w = cfg && cfg->width ? cfg->width : 1600;
  *h = cfg && cfg->height ? cfg->height : 900;
  if (*chart != CTRACE_CHART_HEAP && *chart != CTRACE_CHART_TIMELINE && *chart != CTRACE_CHART_FLAME) {
    ctrace__png_say(cfg, "unknown chart %d (heap, timeline or flame)", *chart);
    return CTRACE_E_INVALID;
  }
  if (*w < CTRACE_PNG_MIN_SIDE || *w > CTRACE_PNG_MAX_SIDE || *h < CTRACE_PNG_MIN_SIDE ||
      *h > CTRACE_PNG_MAX_SIDE) {
    ctrace__png_say(cfg, "image size %d x %d is out of range: each side must be %d to %d pixels", *w, *h,
                    CTRACE_PNG_MIN_SIDE, CTRACE_PNG_MAX_SIDE);
    return CTRACE_E_INVALID;
  }
  return 0;
}

/* Lays out the chart and draws it into rgba (w x h). d may be NULL. used_h
   (may be NULL) receives how many rows from the top hold the chart: h is a
   maximum, and a chart with little to show leaves no blank canvas below. */
static int ctrace__png_draw(const ctrace_analysis *a, const ctrace__detail *d, int chart, int w, int h,
                            uint8_t *rgba, int *used_h) {
  ctrace__canvas c;
  int rc;
  ctrace__canvas_init(&c, (float)w, (float)h, 0xffffffffu);
  if (chart == CTRACE_CHART_TIMELINE) rc = ctrace__chart_timeline(&c, a, d, (float)w, (float)h);
  else if (chart == CTRACE_CHART_FLAME) rc = ctrace__chart_flame(&c, a, (float)w, (float)h);
  else rc = ctrace__chart_heap(&c, a, (float)w, (float)h);
  if (rc == 0 && c.oom) rc = CTRACE_E_NOMEM;
  if (rc == 0) rc = ctrace__raster_canvas(&c, rgba, w, h);
  if (used_h) {
    *used_h = h;
    if (c.used_h > 0 && c.used_h < (float)h) *used_h = (int)ceilf(c.used_h);
    if (*used_h < CTRACE_PNG_MIN_SIDE) *used_h = CTRACE_PNG_MIN_SIDE;
  }
  ctrace__canvas_free(&c);
  return rc;
}

CTRACE_API int ctrace_chart_rgba(const ctrace_analysis *a, const ctrace_png_config *cfg, unsigned char *rgba) {
  int chart, w, h, rc;
  if (!a || !rgba) return CTRACE_E_INVALID;
  rc = ctrace__png_settings(cfg, &chart, &w, &h);
  return rc ? rc : ctrace__png_draw(a, NULL, chart, w, h, rgba, NULL);
}

#ifdef CTRACE_WITH_PNG
static void ctrace__png_progress(const ctrace_png_config *cfg, double done, const char *stage) {
  if (cfg && cfg->progress) cfg->progress(cfg->progress_user, done, stage);
}

static uint8_t *ctrace__png_pixels(int w, int h) {
  return (uint8_t *)CTRACE_MEM_ALLOC((size_t)w * (size_t)h * 4u);
}

/* Draws, encodes and writes; the shared tail of both PNG entry points. */
static int ctrace__png_render_write(const ctrace_analysis *a, const ctrace__detail *d, const char *png_path,
                                    ctrace_write_fn write, void *user, const ctrace_png_config *cfg,
                                    int chart, int w, int h) {
  uint8_t *px = ctrace__png_pixels(w, h);
  int rc;
  if (!png_path) png_path = "(output function)";
  if (!px) {
    ctrace__png_say(cfg, "%s: out of memory for a %d x %d image", png_path, w, h);
    return CTRACE_E_NOMEM;
  }
  ctrace__png_progress(cfg, 0.9, "drawing");
  rc = ctrace__png_draw(a, d, chart, w, h, px, &h); /* rows below the chart are not written */
  if (rc == 0) {
    ctrace__png_progress(cfg, 0.95, "writing");
    rc = write ? ctrace__png_encode(write, user, px, w, h) : ctrace__png_write(png_path, px, w, h);
  }
  CTRACE_MEM_FREE(px);
  if (rc == 0) ctrace__png_progress(cfg, 1.0, "done");
  else ctrace__png_say(cfg, "%s: %s", png_path, ctrace_strerror(rc));
  return rc;
}

#else
static int ctrace__png_unsupported(const char *png_path, const ctrace_png_config *cfg) {
  ctrace__png_say(cfg, "%s: PNG output is not in this build (compile with CTRACE_WITH_PNG and "
                       "stb_image_write.h, Debian package libstb-dev)", png_path);
  return CTRACE_E_UNSUPPORTED;
}

#endif

CTRACE_API int ctrace_png_from_analysis(const ctrace_analysis *a, const char *png_path,
                                        const ctrace_png_config *cfg) {
  int chart, w, h, rc;
  if (!a || !png_path) return CTRACE_E_INVALID;
  rc = ctrace__png_settings(cfg, &chart, &w, &h);
  if (rc) return rc;
#ifndef CTRACE_WITH_PNG
  return ctrace__png_unsupported(png_path, cfg);
#else
  return ctrace__png_render_write(a, NULL, png_path, NULL, NULL, cfg, chart, w, h);
#endif
}

#ifdef CTRACE_WITH_PNG
/* The timeline's spans are gathered in the analysis pass; the detail comes
   first so its own callbacks find it at the user pointer. */
typedef struct ctrace__png_job {
  ctrace__detail detail;
  const ctrace_png_config *cfg;
} ctrace__png_job;

static void ctrace__png_on_progress(void *user, double done) {
  ctrace__png_job *job = (ctrace__png_job *)user;
  ctrace__png_progress(job->cfg, done * 0.9, "analysing");
}

static int ctrace__png_from_trace(const char *trace_path, const char *png_path, ctrace_write_fn write,
                                  void *user, const ctrace_png_config *cfg, int chart, int w, int h) {
  ctrace_analysis_config acfg;
  ctrace_analysis *a = NULL;
  ctrace__png_job job;
  char err[256];
  int rc;
  memset(&acfg, 0, sizeof acfg);
  ctrace__detail_init(&job.detail, 20000u);
  job.cfg = cfg;
  if (chart == CTRACE_CHART_TIMELINE) ctrace__detail_hook(&job.detail, &acfg);
  acfg.user = &job;
  acfg.on_progress = ctrace__png_on_progress;
  err[0] = '\0';
  rc = ctrace_analyze(trace_path, &acfg, &a, err, sizeof err);
  if (!a) {
    ctrace__detail_free(&job.detail);
    ctrace__png_say(cfg, "%s", err[0] ? err : ctrace_strerror(rc));
    return rc < 0 ? rc : CTRACE_E_READ;
  }
  if (cfg && cfg->result) {
    cfg->result->read = 1;
    cfg->result->damaged = rc < 0 || ctrace_analysis_summary(a)->damaged;
    cfg->result->info = ctrace_analysis_summary(a)->info;
  }
  rc = ctrace__png_render_write(a, chart == CTRACE_CHART_TIMELINE ? &job.detail : NULL, png_path, write,
                                user, cfg, chart, w, h);
  /* A damaged trace still gives a chart; its warning is left for the caller. */
  if (rc == 0 && err[0]) ctrace__png_say(cfg, "%s", err);
  ctrace_analysis_free(a);
  ctrace__detail_free(&job.detail);
  return rc;
}
#endif

/* Both entry points: to the file png_path, or (png_path NULL) to write. */
static int ctrace__png_entry(const char *trace_path, const char *png_path, ctrace_write_fn write, void *user,
                             const ctrace_png_config *cfg) {
  int chart, w, h, rc;
  if (cfg && cfg->result) memset(cfg->result, 0, sizeof *cfg->result);
  if (!trace_path || (!png_path && !write)) return CTRACE_E_INVALID;
  rc = ctrace__png_settings(cfg, &chart, &w, &h);
  if (rc) return rc;
#ifdef CTRACE_WITH_PNG
  return ctrace__png_from_trace(trace_path, png_path, write, user, cfg, chart, w, h);
#else
  (void)user;
  return ctrace__png_unsupported(png_path ? png_path : "(output function)", cfg);
#endif
}

CTRACE_API int ctrace_png(const char *trace_path, const char *png_path, const ctrace_png_config *cfg) {
  if (!png_path) return ctrace__png_entry(NULL, NULL, NULL, NULL, cfg);
  return ctrace__png_entry(trace_path, png_path, NULL, NULL, cfg);
}

CTRACE_API int ctrace_png_to_func(const char *trace_path, ctrace_write_fn write, void *user,
                                  const ctrace_png_config *cfg) {
  return ctrace__png_entry(trace_path, NULL, write, user, cfg);
}
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

/* Room for `need` (<= 4096) bytes at o->buf + o->len, for the hot path
   that formats in place and then calls ctrace__ex_commit. The export opens
   its sink with a buffer of 2 * CTRACE__SINK_FLUSH_AT, so a stream only
   flushes here; after a failed write the bytes are dropped (o->err keeps
   the error), so callers never check. */
static char *ctrace__ex_out_room(ctrace__sink *o, size_t need) {
  if (o->len + need > o->cap && (o->err || ctrace__sink_reserve(o, need))) o->len = 0;
  return o->buf + o->len;
}

/* The bytes up to end were written in place: account for them. o->last is
   left alone: it serves the stats JSON's separators and the export never
   reads it, and this runs several times per event. */
static void ctrace__ex_commit(ctrace__sink *o, char *end) {
  size_t n = (size_t)(end - o->buf);
  o->total += n - o->len;
  o->len = n;
}

/* A string literal: one room check and a copy of known size. */
#define CTRACE__EX_OUT_LIT(o, lit)                                             \
  do {                                                                         \
    char *lit_at_ = ctrace__ex_out_room((o), sizeof(lit) - 1);                 \
    memcpy(lit_at_, (lit), sizeof(lit) - 1);                                   \
    ctrace__ex_commit((o), lit_at_ + sizeof(lit) - 1);                         \
  } while (0)

/* Pointer writers for the hot path: the caller reserved the room. */
static const char ctrace__ex_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Exactly four digits of x < 10000. */
static char *ctrace__ex_put4(char *p, uint32_t x) {
  memcpy(p, ctrace__ex_pairs + 2 * (x / 100u), 2);
  memcpy(p + 2, ctrace__ex_pairs + 2 * (x % 100u), 2);
  return p + 4;
}

/* x < 10000 without leading zeros. */
static char *ctrace__ex_put_small(char *p, uint32_t x) {
  if (x < 10u) {
    *p = (char)('0' + (int)x);
    return p + 1;
  }
  if (x < 100u) {
    memcpy(p, ctrace__ex_pairs + 2 * x, 2);
    return p + 2;
  }
  if (x < 1000u) {
    *p = (char)('0' + (int)(x / 100u));
    memcpy(p + 1, ctrace__ex_pairs + 2 * (x % 100u), 2);
    return p + 3;
  }
  return ctrace__ex_put4(p, x);
}

/* x < 10^8 without leading zeros. */
static char *ctrace__ex_put_u32(char *p, uint32_t x) {
  if (x < 10000u) return ctrace__ex_put_small(p, x);
  p = ctrace__ex_put_small(p, x / 10000u);
  return ctrace__ex_put4(p, x % 10000u);
}

/* Decimal digits in place. Cut into groups of eight and four so the
   divisions are short and independent: number formatting is most of an
   exporter's work. */
static char *ctrace__ex_put_u64(char *p, uint64_t v) {
  uint32_t lo;
  if (v < 100000000u) return ctrace__ex_put_u32(p, (uint32_t)v);
  lo = (uint32_t)(v % 100000000u);
  v /= 100000000u;
  if (v < 100000000u) {
    p = ctrace__ex_put_u32(p, (uint32_t)v);
  } else {
    p = ctrace__ex_put_u32(p, (uint32_t)(v / 100000000u));
    p = ctrace__ex_put4(p, (uint32_t)(v % 100000000u / 10000u));
    p = ctrace__ex_put4(p, (uint32_t)(v % 10000u));
  }
  p = ctrace__ex_put4(p, lo / 10000u);
  return ctrace__ex_put4(p, lo % 10000u);
}

/* ns as microseconds with exactly three decimals: 1234567 -> 1234.567.
   One conversion of the whole ns count, then the last three digits move
   right by one to make room for the point. */
static char *ctrace__ex_put_us(char *p, int64_t ns) {
  uint64_t mag = ctrace__magnitude(ns);
  char *end;
  if (ns < 0) *p++ = '-';
  if (mag < 1000u) {
    p[0] = '0';
    p[1] = '.';
    p[2] = (char)('0' + (int)(mag / 100u));
    memcpy(p + 3, ctrace__ex_pairs + 2 * (unsigned)(mag % 100u), 2);
    return p + 5;
  }
  end = ctrace__ex_put_u64(p, mag);
  end[0] = end[-1];
  end[-1] = end[-2];
  end[-2] = end[-3];
  end[-3] = '.';
  return end + 1;
}

static void ctrace__ex_out_u64(ctrace__sink *o, uint64_t v) {
  ctrace__ex_commit(o, ctrace__ex_put_u64(ctrace__ex_out_room(o, 20), v));
}

static void ctrace__ex_out_i64(ctrace__sink *o, int64_t v) {
  if (v < 0) {
    CTRACE__EX_OUT_LIT(o, "-");
    ctrace__ex_out_u64(o, ctrace__magnitude(v));
  } else {
    ctrace__ex_out_u64(o, (uint64_t)v);
  }
}

static void ctrace__ex_out_hex(ctrace__sink *o, uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[16];
  int i = 16;
  do {
    tmp[--i] = digits[v & 15u];
    v >>= 4;
  } while (v);
  CTRACE__EX_OUT_LIT(o, "0x");
  ctrace__sink_bytes(o, tmp + i, (size_t)(16 - i));
}

/* A name, as every output that repeats names per event writes it: cut at
   CTRACE__OUT_NAME_CAP bytes, the cut marked with "...[cut]". */
static void ctrace__ex_json_cstr(ctrace__sink *o, const char *s) {
  int cut;
  size_t n = ctrace__name_out_len(s, &cut);
  ctrace__sink_bytes(o, "\"", 1);
  ctrace__sink_json_body(o, s ? s : "", n, 0);
  if (cut) CTRACE__EX_OUT_LIT(o, "...[cut]\"");
  else CTRACE__EX_OUT_LIT(o, "\"");
}

/* u64 -> u64 map, linear probing with backward-shift deletion. Key 0 is
   stored out of line, so every key is allowed. */
typedef struct ctrace__ex_map {
  uint64_t *keys;
  uint64_t *vals;
  size_t cap, count;         /* cap is a power of two or 0 */
  int has_zero;
  uint64_t zero_val;
} ctrace__ex_map;

static CTRACE__WRAPS size_t ctrace__ex_map_slot(const ctrace__ex_map *m, uint64_t key) {
  uint64_t h = key * UINT64_C(0x9E3779B97F4A7C15);
  return (size_t)(h >> 20) & (m->cap - 1);
}

static int ctrace__ex_map_grow(ctrace__ex_map *m) {
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
      size_t s = ctrace__ex_map_slot(m, ok[i]);
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
static uint64_t *ctrace__ex_map_get(ctrace__ex_map *m, uint64_t key, int insert) {
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
    s = ctrace__ex_map_slot(m, key);
    while (m->keys[s]) {
      if (m->keys[s] == key) return &m->vals[s];
      s = (s + 1) & (m->cap - 1);
    }
  }
  if (!insert) return NULL;
  if ((m->count + 1) * 4 > m->cap * 3 && ctrace__ex_map_grow(m) != 0) return NULL;
  s = ctrace__ex_map_slot(m, key);
  while (m->keys[s]) s = (s + 1) & (m->cap - 1);
  m->keys[s] = key;
  m->vals[s] = 0;
  m->count++;
  return &m->vals[s];
}

static void ctrace__ex_map_remove(ctrace__ex_map *m, uint64_t key) {
  size_t s, next;
  if (key == 0) {
    m->has_zero = 0;
    return;
  }
  if (!m->cap) return;
  s = ctrace__ex_map_slot(m, key);
  while (m->keys[s] != key) {
    if (!m->keys[s]) return;
    s = (s + 1) & (m->cap - 1);
  }
  /* Pull later entries of the probe chain back so lookups never stop early. */
  next = (s + 1) & (m->cap - 1);
  while (m->keys[next]) {
    size_t home = ctrace__ex_map_slot(m, m->keys[next]);
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

static void ctrace__ex_map_free(ctrace__ex_map *m) {
  CTRACE_MEM_FREE(m->keys);
  CTRACE_MEM_FREE(m->vals);
  memset(m, 0, sizeof *m);
}

typedef struct ctrace__ex_gc_open {
  uint64_t id;
  const char *name;
  uint32_t thread;
} ctrace__ex_gc_open;

#define CTRACE__EX_NAME_SLOTS 1024

typedef struct ctrace__ex_name_slot {
  const char *key;           /* the reader's string, NULL if empty */
  uint32_t len;
  char text[116];            /* ,"name":"escaped" */
} ctrace__ex_name_slot;

/* One thread's open zones, innermost last. An "E" carries the name of the
   zone it closes: speedscope pairs ends with begins by name, and a named end
   reads on its own in any viewer. */
typedef struct ctrace__chrome_stack {
  const char **names;        /* the reader's strings: stable until it closes */
  size_t n, cap;
  uint32_t thread;
} ctrace__chrome_stack;

typedef struct ctrace__chrome {
  ctrace__sink *out;
  ctrace__ex_name_slot *names; /* CTRACE__EX_NAME_SLOTS of them */
  char pid_text[48];         /* ,"pid":P,"tid":T */
  size_t pid_len;            /* up to T */
  size_t tid_len;            /* with T for thread tid_now; 0 = not made yet */
  uint32_t tid_now;
  ctrace_reader *reader;
  uint64_t pid;
  uint64_t written;          /* events written, to place the commas */
  int64_t last_ns;
  ctrace__ex_map stack_of;      /* thread -> 1 + its index in stacks */
  ctrace__chrome_stack *stacks; /* per thread, the names of its open zones */
  size_t n_stacks, cap_stacks;
  size_t stack_now;          /* 1 + index of the last thread's stack, 0 = none */
  uint32_t stack_thread;
  ctrace__ex_map tasks;         /* task id -> name pointer of an open task */
  ctrace__ex_map task_thread;   /* task id -> thread that began it */
  ctrace__ex_map waits;         /* thread -> waits open on it */
  ctrace__ex_gc_open *gcs;      /* collections open, innermost last */
  size_t n_gcs, cap_gcs;
  uint64_t next_gc_id;
  uint64_t heap_live;
  int oom;
  ctrace_export_counts counts;
} ctrace__chrome;

/* Opens an event object: {"ph":"X","ts":T,"pid":P,"tid":N -- with one room
   check; most events are this plus a name. */
static void ctrace__chrome_head(ctrace__chrome *c, char ph, int64_t ns, uint32_t tid) {
  ctrace__sink *o = c->out;
  char *p = ctrace__ex_out_room(o, 128);
  if (c->written++) {
    p[0] = ',';
    p[1] = '\n';
    p += 2;
  }
  memcpy(p, "{\"ph\":\"", 7);
  p[7] = ph;
  memcpy(p + 8, "\",\"ts\":", 7);
  p = ctrace__ex_put_us(p + 15, ns);
  if (tid != c->tid_now || !c->tid_len) {
    /* ,"pid":P,"tid":T for this thread, remade when the thread changes */
    c->tid_len = (size_t)(ctrace__ex_put_u64(c->pid_text + c->pid_len, tid) - c->pid_text);
    c->tid_now = tid;
  }
  memcpy(p, c->pid_text, sizeof c->pid_text);
  ctrace__ex_commit(o, p + c->tid_len);
}

/* Escaped names are cached by pointer: the reader keeps each string at one
   address until it is closed, and a trace repeats few names many times. */
static void ctrace__chrome_name(ctrace__chrome *c, const char *name) {
  ctrace__sink *o = c->out;
  ctrace__ex_name_slot *slot;
  size_t mark, len;
  uint64_t flushed;
  if (!name) name = "";
  slot = &c->names[(size_t)ctrace__mix64((uint64_t)(uintptr_t)name >> 3) & (CTRACE__EX_NAME_SLOTS - 1)];
  if (slot->key == name) {
    /* Copying the whole slot (a constant size) beats a variable memcpy. */
    char *p = ctrace__ex_out_room(o, sizeof slot->text);
    memcpy(p, slot->text, sizeof slot->text);
    ctrace__ex_commit(o, p + slot->len);
    return;
  }
  ctrace__ex_out_room(o, sizeof slot->text);
  mark = o->len;
  flushed = o->total - o->len; /* changes when the buffer is written out */
  CTRACE__EX_OUT_LIT(o, ",\"name\":");
  ctrace__ex_json_cstr(o, name);
  if (o->total - o->len != flushed) return; /* written out mid-name: too long to cache */
  len = o->len - mark;
  if (len > sizeof slot->text) return;
  memcpy(slot->text, o->buf + mark, len);
  slot->len = (uint32_t)len;
  slot->key = name;
}

static void ctrace__chrome_site_args(ctrace__chrome *c, const ctrace_event *ev) {
  CTRACE__EX_OUT_LIT(c->out, ",\"args\":{\"file\":");
  ctrace__ex_json_cstr(c->out, ev->file);
  CTRACE__EX_OUT_LIT(c->out, ",\"line\":");
  ctrace__ex_out_u64(c->out, ev->line);
  CTRACE__EX_OUT_LIT(c->out, "}");
}

/* The thread's stack of open zones; the last thread's is kept at hand
   because zones come in runs on one thread. NULL when it has none and insert
   is 0, or when memory ran out. */
static ctrace__chrome_stack *ctrace__chrome_stack_for(ctrace__chrome *c, uint32_t thread, int insert) {
  uint64_t *slot;
  if (c->stack_now && c->stack_thread == thread) return &c->stacks[c->stack_now - 1];
  slot = ctrace__ex_map_get(&c->stack_of, thread, insert);
  if (!slot) return NULL;
  if (!*slot) {
    ctrace__chrome_stack *st;
    if (c->n_stacks == c->cap_stacks) {
      size_t ncap = c->cap_stacks ? c->cap_stacks * 2 : 16;
      ctrace__chrome_stack *n = (ctrace__chrome_stack *)CTRACE_MEM_REALLOC(c->stacks, ncap * sizeof *n);
      if (!n) return NULL;
      c->stacks = n;
      c->cap_stacks = ncap;
    }
    st = &c->stacks[c->n_stacks++];
    memset(st, 0, sizeof *st);
    st->thread = thread;
    *slot = c->n_stacks;
  }
  c->stack_now = (size_t)*slot;
  c->stack_thread = thread;
  return &c->stacks[c->stack_now - 1];
}

static void ctrace__chrome_end(ctrace__chrome *c, int64_t ns, uint32_t thread, const char *name) {
  ctrace__chrome_head(c, 'E', ns, thread);
  ctrace__chrome_name(c, name);
  CTRACE__EX_OUT_LIT(c->out, "}");
}

static void ctrace__chrome_zone_begin(ctrace__chrome *c, const ctrace_event *ev) {
  ctrace__chrome_stack *st = ctrace__chrome_stack_for(c, ev->thread, 1);
  if (st && st->n == st->cap) {
    size_t ncap = st->cap ? st->cap * 2 : 16;
    const char **n = (const char **)CTRACE_MEM_REALLOC((void *)st->names, ncap * sizeof *n);
    if (n) {
      st->names = n;
      st->cap = ncap;
    } else {
      st = NULL;
    }
  }
  if (!st) {
    c->oom = 1;
    return;
  }
  st->names[st->n++] = ev->name ? ev->name : "";
  ctrace__chrome_head(c, 'B', ev->time_ns, ev->thread);
  ctrace__chrome_name(c, ev->name);
  CTRACE__EX_OUT_LIT(c->out, "}");
  c->counts.spans++;
}

static void ctrace__chrome_zone_end(ctrace__chrome *c, const ctrace_event *ev) {
  ctrace__chrome_stack *st = ctrace__chrome_stack_for(c, ev->thread, 0);
  if (!st || st->n == 0) {
    c->counts.ends_dropped++;
    return;
  }
  ctrace__chrome_end(c, ev->time_ns, ev->thread, st->names[--st->n]);
}

static void ctrace__chrome_counter(ctrace__chrome *c, const ctrace_event *ev,
                                   const char *name, const char *key) {
  ctrace__chrome_head(c, 'C', ev->time_ns, ev->thread);
  ctrace__chrome_name(c, name);
  CTRACE__EX_OUT_LIT(c->out, ",\"args\":{\"");
  ctrace__sink_bytes(c->out, key, strlen(key));
  CTRACE__EX_OUT_LIT(c->out, "\":");
  if (ev->kind == CTRACE_EV_COUNTER_F) {
    char num[40];
    int len = snprintf(num, sizeof num, "%.17g", ev->fvalue);
    ctrace__sink_bytes(c->out, num, (size_t)len);
  } else if (ev->kind == CTRACE_EV_COUNTER) {
    ctrace__ex_out_i64(c->out, ev->value);
  } else {
    ctrace__ex_out_u64(c->out, c->heap_live);
  }
  CTRACE__EX_OUT_LIT(c->out, "}}");
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

/* Live bytes add up exactly or stop at UINT64_MAX for good, as in the
   analysis: a later free must not turn an overflowed total into a figure
   that looks right. The moment it overflows is marked with an instant. */
static void ctrace__chrome_heap(ctrace__chrome *c, const ctrace_event *ev) {
  if (c->heap_live == UINT64_MAX) {
    /* saturated: stays */
  } else if (ev->kind != CTRACE_EV_ALLOC) {
    c->heap_live = ev->size > c->heap_live ? 0 : c->heap_live - ev->size;
  } else if (ev->size >= UINT64_MAX - c->heap_live) {
    c->heap_live = UINT64_MAX;
    c->counts.heap_overflowed = 1;
    ctrace__chrome_head(c, 'i', ev->time_ns, ev->thread);
    CTRACE__EX_OUT_LIT(c->out, ",\"s\":\"g\",\"name\":\"ctrace.heap_overflowed\",\"args\":{\"live_bytes\":"
                               "\"more than 18446744073709551614: shown as 18446744073709551615 from here\"}}");
    c->counts.instants++;
  } else {
    c->heap_live += ev->size;
  }
  ctrace__chrome_counter(c, ev, "heap", "live_bytes");
}

static void ctrace__chrome_async(ctrace__chrome *c, char ph, int64_t ns, uint32_t tid,
                                 const char *cat, uint64_t id, const char *name) {
  ctrace__chrome_head(c, ph, ns, tid);
  CTRACE__EX_OUT_LIT(c->out, ",\"cat\":\"");
  ctrace__sink_bytes(c->out, cat, strlen(cat));
  CTRACE__EX_OUT_LIT(c->out, "\",\"id\":\"");
  ctrace__sink_bytes(c->out, cat, strlen(cat));
  CTRACE__EX_OUT_LIT(c->out, "-");
  ctrace__ex_out_u64(c->out, id);
  CTRACE__EX_OUT_LIT(c->out, "\"");
  ctrace__chrome_name(c, name);
  CTRACE__EX_OUT_LIT(c->out, "}");
}

static const char *ctrace__ex_or(const char *s, const char *fallback) {
  return (s && *s) ? s : fallback;
}

static void ctrace__chrome_task_begin(ctrace__chrome *c, const ctrace_event *ev) {
  uint64_t *slot = ctrace__ex_map_get(&c->tasks, ev->id, 1);
  uint64_t *th = ctrace__ex_map_get(&c->task_thread, ev->id, 1);
  const char *name = ctrace__ex_or(ev->name, "task");
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
  uint64_t *slot = ctrace__ex_map_get(&c->tasks, ev->id, 0);
  if (!slot || !*slot) {
    c->counts.skipped++;
    return;
  }
  ctrace__chrome_async(c, 'e', ev->time_ns, ev->thread, "task", ev->id,
                       (const char *)(uintptr_t)*slot);
  ctrace__ex_map_remove(&c->tasks, ev->id);
  ctrace__ex_map_remove(&c->task_thread, ev->id);
}

static void ctrace__chrome_gc_begin(ctrace__chrome *c, const ctrace_event *ev) {
  ctrace__ex_gc_open *g;
  if (c->n_gcs == c->cap_gcs) {
    size_t ncap = c->cap_gcs ? c->cap_gcs * 2 : 8;
    ctrace__ex_gc_open *n = (ctrace__ex_gc_open *)CTRACE_MEM_REALLOC(c->gcs, ncap * sizeof *n);
    if (!n) {
      c->oom = 1;
      return;
    }
    c->gcs = n;
    c->cap_gcs = ncap;
  }
  g = &c->gcs[c->n_gcs++];
  g->id = ++c->next_gc_id;
  g->name = ctrace__ex_or(ev->name, "gc");
  g->thread = ev->thread;
  ctrace__chrome_async(c, 'b', ev->time_ns, ev->thread, "gc", g->id, g->name);
  c->counts.async_spans++;
}

static void ctrace__chrome_gc_end(ctrace__chrome *c, const ctrace_event *ev) {
  ctrace__ex_gc_open *g;
  if (!c->n_gcs) {
    c->counts.skipped++;
    return;
  }
  g = &c->gcs[--c->n_gcs];
  ctrace__chrome_async(c, 'e', ev->time_ns, ev->thread, "gc", g->id, g->name);
}

static void ctrace__chrome_instant(ctrace__chrome *c, const ctrace_event *ev) {
  ctrace__sink *o = c->out;
  ctrace__chrome_head(c, 'i', ev->time_ns, ev->thread);
  CTRACE__EX_OUT_LIT(o, ",\"s\":\"t\"");
  switch (ev->kind) {
    case CTRACE_EV_INSTANT:
      ctrace__chrome_name(c, ev->name);
      ctrace__chrome_site_args(c, ev);
      break;
    case CTRACE_EV_LOG:
      CTRACE__EX_OUT_LIT(o, ",\"cat\":\"log\"");
      ctrace__chrome_name(c, ctrace__ex_or(ev->name, "log"));
      CTRACE__EX_OUT_LIT(o, ",\"args\":{\"message\":");
      ctrace__sink_json_str(o, ev->message ? ev->message : "", ev->message ? ev->message_len : 0, 0);
      CTRACE__EX_OUT_LIT(o, "}");
      break;
    case CTRACE_EV_LOSS:
      CTRACE__EX_OUT_LIT(o, ",\"name\":\"ctrace.events_lost\",\"args\":{\"count\":");
      ctrace__ex_out_u64(o, (uint64_t)ev->value); /* a count: unsigned */
      CTRACE__EX_OUT_LIT(o, "}");
      break;
    default: /* CTRACE_EV_MEM_PROBLEM */
      CTRACE__EX_OUT_LIT(o, ",\"name\":\"ctrace.memory_problem\",\"args\":{\"what\":");
      ctrace__ex_json_cstr(o, ev->name);
      CTRACE__EX_OUT_LIT(o, ",\"ptr\":\"");
      ctrace__ex_out_hex(o, ev->ptr);
      CTRACE__EX_OUT_LIT(o, "\"}");
      break;
  }
  CTRACE__EX_OUT_LIT(o, "}");
  c->counts.instants++;
}

/* Waits as async spans on a track per thread ("wait", id = the thread):
   they need not nest with the thread's zones. All are named "wait" so an end
   matches its begin; what was waited for is in args. */
static void ctrace__chrome_wait(ctrace__chrome *c, const ctrace_event *ev) {
  uint64_t *depth = ctrace__ex_map_get(&c->waits, ev->thread, ev->kind == CTRACE_EV_WAIT_BEGIN);
  if (ev->kind == CTRACE_EV_WAIT_BEGIN) {
    if (!depth) {
      c->oom = 1;
      return;
    }
    ++*depth;
    ctrace__chrome_head(c, 'b', ev->time_ns, ev->thread);
    CTRACE__EX_OUT_LIT(c->out, ",\"cat\":\"wait\",\"id\":\"wait-");
    ctrace__ex_out_u64(c->out, ev->thread);
    CTRACE__EX_OUT_LIT(c->out, "\",\"name\":\"wait\",\"args\":{\"what\":");
    ctrace__ex_json_cstr(c->out, ev->name);
    CTRACE__EX_OUT_LIT(c->out, "}}");
    c->counts.async_spans++;
    return;
  }
  if (!depth || !*depth) {
    c->counts.skipped++; /* an end with no wait open */
    return;
  }
  --*depth;
  ctrace__chrome_async(c, 'e', ev->time_ns, ev->thread, "wait", ev->thread, "wait");
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
    case CTRACE_EV_WAIT_BEGIN:
    case CTRACE_EV_WAIT_END: ctrace__chrome_wait(c, ev); break;
    case CTRACE_EV_THREAD_CPU: c->counts.cpu_samples++; break;
    default: c->counts.skipped++; break;
  }
}

/* Every span still open when the trace ends is closed at its last moment, so
   importers never see a dangling B or b. */
static void ctrace__chrome_close_open(ctrace__chrome *c, int64_t end_ns) {
  size_t i;
  for (i = 0; i < c->waits.cap; i++)
    while (c->waits.keys[i] && c->waits.vals[i]) {
      c->waits.vals[i]--;
      ctrace__chrome_async(c, 'e', end_ns, (uint32_t)c->waits.keys[i], "wait", c->waits.keys[i], "wait");
    }
  while (c->n_gcs) {
    ctrace__ex_gc_open *g = &c->gcs[--c->n_gcs];
    ctrace__chrome_async(c, 'e', end_ns, g->thread, "gc", g->id, g->name);
  }
  for (i = 0; i < c->tasks.cap; i++) {
    uint64_t id = c->tasks.keys[i];
    if (id) {
      uint64_t *th = ctrace__ex_map_get(&c->task_thread, id, 0);
      ctrace__chrome_async(c, 'e', end_ns, th ? (uint32_t)*th : 0u, "task", id,
                           (const char *)(uintptr_t)c->tasks.vals[i]);
    }
  }
  if (c->tasks.has_zero) {
    uint64_t *th = ctrace__ex_map_get(&c->task_thread, 0, 0);
    ctrace__chrome_async(c, 'e', end_ns, th ? (uint32_t)*th : 0u, "task", 0,
                         (const char *)(uintptr_t)c->tasks.zero_val);
  }
  for (i = 0; i < c->n_stacks; i++) {
    ctrace__chrome_stack *st = &c->stacks[i];
    while (st->n) {
      ctrace__chrome_end(c, end_ns, st->thread, st->names[--st->n]);
      c->counts.spans_closed_at_end++;
    }
  }
}

static void ctrace__chrome_meta(ctrace__chrome *c, uint32_t tid, const char *what,
                                const char *key, const char *text, uint64_t number) {
  ctrace__sink *o = c->out;
  if (c->written++) CTRACE__EX_OUT_LIT(o, ",\n");
  CTRACE__EX_OUT_LIT(o, "{\"ph\":\"M\",\"pid\":");
  ctrace__ex_out_u64(o, c->pid);
  CTRACE__EX_OUT_LIT(o, ",\"tid\":");
  ctrace__ex_out_u64(o, tid);
  CTRACE__EX_OUT_LIT(o, ",\"name\":\"");
  ctrace__sink_bytes(o, what, strlen(what));
  CTRACE__EX_OUT_LIT(o, "\",\"args\":{\"");
  ctrace__sink_bytes(o, key, strlen(key));
  CTRACE__EX_OUT_LIT(o, "\":");
  if (text) ctrace__ex_json_cstr(o, text);
  else ctrace__ex_out_u64(o, number);
  CTRACE__EX_OUT_LIT(o, "}}");
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

static void ctrace__ex_set_err(char *err, size_t err_size, const char *path, const char *why) {
  if (err && err_size) snprintf(err, err_size, "%s: %s", path, why);
}

static int ctrace__chrome_stream(ctrace__chrome *c, ctrace_progress_fn progress, void *user) {
  ctrace_event ev;
  int rc;
  double span = (double)ctrace_reader_info(c->reader)->duration_ns;
  while ((rc = ctrace_reader_next(c->reader, &ev)) > 0) {
    ctrace__chrome_event(c, &ev);
    if ((++c->counts.events_read & 0xFFFFu) == 0) {
      if (c->oom || c->out->err) break;
      if (progress && span > 0) progress(user, (double)ev.time_ns / span);
    }
  }
  if (c->oom) return CTRACE_E_NOMEM;
  return rc < 0 ? rc : 0;
}

/* Both entry points: to the file out_path, or (out_path NULL) to write. */
static int ctrace__export_chrome(const char *trace_path, const char *out_path, ctrace_write_fn write,
                                 void *write_user, ctrace_progress_fn progress, void *progress_user,
                                 ctrace_export_counts *counts, char *err, size_t err_size) {
  ctrace__chrome c;
  ctrace__sink sink, *out = &sink;
  const ctrace_trace_info *info;
  int rc, wrc, open_errno = 0;
  char why[256];
  if (err && err_size) err[0] = 0;
  const char *out_name = out_path ? out_path : "(output function)";
  if (!trace_path || (!out_path && !write)) {
    ctrace__ex_set_err(err, err_size, "(null)", ctrace_strerror(CTRACE_E_INVALID));
    return CTRACE_E_INVALID;
  }
  memset(&c, 0, sizeof c);
  why[0] = 0;
  rc = ctrace_reader_open(&c.reader, trace_path, why, sizeof why);
  if (rc < 0) {
    ctrace__ex_set_err(err, err_size, trace_path, why[0] ? why : ctrace_strerror(rc));
    return rc;
  }
  memset(out, 0, sizeof *out);
  if (!out_path) {
    out->write = write;
    out->write_user = write_user;
  } else if (strcmp(out_path, "-") == 0) {
    out->f = stdout;
  } else if (!(out->f = fopen(out_path, "wb"))) {
    open_errno = errno;
  }
  c.names = (ctrace__ex_name_slot *)CTRACE_MEM_ALLOC(CTRACE__EX_NAME_SLOTS * sizeof *c.names);
  /* the whole buffer now: ctrace__ex_out_room relies on it */
  rc = !CTRACE__SINK_STREAMS(out) ? CTRACE_E_OPEN
       : !c.names || ctrace__sink_reserve(out, 1) ? CTRACE_E_NOMEM : 0;
  if (rc < 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "cannot create: %s", strerror(open_errno));
    ctrace__ex_set_err(err, err_size, out_name, rc == CTRACE_E_OPEN ? msg : ctrace_strerror(rc));
    if (out->f && out->f != stdout) fclose(out->f);
    CTRACE_MEM_FREE(out->buf);
    CTRACE_MEM_FREE(c.names);
    ctrace_reader_close(c.reader);
    return rc;
  }
  c.out = out;
  memset(c.names, 0, CTRACE__EX_NAME_SLOTS * sizeof *c.names);
  info = ctrace_reader_info(c.reader);
  c.pid = info->pid ? info->pid : 1u;
  c.pid_len = (size_t)snprintf(c.pid_text, sizeof c.pid_text, ",\"pid\":%llu,\"tid\":",
                               (unsigned long long)c.pid);
  CTRACE__EX_OUT_LIT(out, "{\"traceEvents\":[\n");
  ctrace__chrome_meta(&c, 0, "process_name", "name", ctrace__ex_or(info->program, "ctrace"), 0);
  rc = ctrace__chrome_stream(&c, progress, progress_user);
  info = ctrace_reader_info(c.reader);
  if (rc == 0) {
    ctrace__chrome_close_open(&c, info->duration_ns > c.last_ns ? info->duration_ns : c.last_ns);
    ctrace__chrome_threads(&c);
  }
  CTRACE__EX_OUT_LIT(out, "\n],\"displayTimeUnit\":\"ns\"}\n");
  c.counts.info = *info;
  ctrace__sink_flush(out);
  if (out->write) {
    /* the last call, with size 0, marks the end (see ctrace_write_fn) */
    if (!out->err && (wrc = out->write(out->write_user, out->buf, 0)) < 0) out->err = wrc;
  } else {
    if (!out->err && (fflush(out->f) != 0 || ferror(out->f))) {
      out->err = CTRACE_E_WRITE;
      out->sys_errno = errno;
    }
    if (out->f != stdout && fclose(out->f) != 0 && !out->err) {
      out->err = CTRACE_E_WRITE;
      out->sys_errno = errno;
    }
  }
  wrc = out->err;
  if (rc < 0) {
    const char *at = rc == CTRACE_E_NOMEM ? out_name : trace_path;
    ctrace__ex_set_err(err, err_size, at, ctrace_strerror(rc));
  } else if (wrc < 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "cannot write: %s",
             out->write ? ctrace_strerror(wrc) : out->sys_errno ? strerror(out->sys_errno) : "I/O error");
    ctrace__ex_set_err(err, err_size, out_name, msg);
    rc = wrc;
  }
  if (counts) *counts = c.counts;
  ctrace__ex_map_free(&c.stack_of);
  {
    size_t i;
    for (i = 0; i < c.n_stacks; i++) CTRACE_MEM_FREE((void *)c.stacks[i].names);
    CTRACE_MEM_FREE(c.stacks);
  }
  ctrace__ex_map_free(&c.tasks);
  ctrace__ex_map_free(&c.task_thread);
  ctrace__ex_map_free(&c.waits);
  CTRACE_MEM_FREE(c.gcs);
  CTRACE_MEM_FREE(c.names);
  CTRACE_MEM_FREE(out->buf);
  ctrace_reader_close(c.reader);
  return rc;
}

CTRACE_API int ctrace_export_chrome(const char *trace_path, const char *out_path,
                                    ctrace_progress_fn progress, void *progress_user,
                                    ctrace_export_counts *counts, char *err, size_t err_size) {
  if (!out_path) {
    if (err && err_size) snprintf(err, err_size, "(null): %s", ctrace_strerror(CTRACE_E_INVALID));
    return CTRACE_E_INVALID;
  }
  return ctrace__export_chrome(trace_path, out_path, NULL, NULL, progress, progress_user, counts, err,
                               err_size);
}

CTRACE_API int ctrace_export_chrome_to_func(const char *trace_path, ctrace_write_fn write, void *user,
                                            ctrace_progress_fn progress, void *progress_user,
                                            ctrace_export_counts *counts, char *err, size_t err_size) {
  return ctrace__export_chrome(trace_path, NULL, write, user, progress, progress_user, counts, err,
                               err_size);
}
/* <<impl:export */

#endif /* CTRACE_TOOLS_IMPLEMENTATION */

/* <<warnings: the program's own warning settings again (see >>warnings) */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

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
