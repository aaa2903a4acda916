#!/bin/bash
# Compile tests: ctrace.h builds warning-free (-Wall -Wextra -Wpedantic
# -Wshadow -Werror) as C99, C11, C++11 and C++17 with gcc and clang, in a
# program that takes the address of every public function (so each one
# must be defined) and calls functions of the session, instrumentation,
# memory and reader sections; the implementation exports only ctrace_*
# symbols; the compiled-out build links without the implementation;
# CTRACE_STATIC and -m32 builds work where the toolchain allows. Then
# (issue 27) the strict warning sets real projects use, on the implementation
# and on a program file using every macro, and the include orders.
set -u
BUILD=${BUILD:-build}
T="$BUILD/tmp/compile_$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"
HDR="$PWD/ctrace.h"
PNG=""
[ -f /usr/include/stb/stb_image_write.h ] && PNG="-DCTRACE_WITH_PNG"

pass() { echo "PASS: $1"; }
fail() { # name, why, [log file]
  echo "FAIL: $1: $2"
  [ -n "${3:-}" ] && [ -s "$3" ] && head -n 15 "$3" | sed 's/^/    /'
}
have() { command -v "$1" >/dev/null 2>&1; }

# Every "CTRACE_API ... ctrace_name(" in the public part, as "section name".
list_functions() {
  python3 - "$HDR" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
public = text[:text.index("/* >>macros")]
section = "core"
for m in re.finditer(r"/\* >>api:(\w+) \*/|/\* <<api:\w+ \*/|CTRACE_API\s+[^;{]*?\b(ctrace_\w+)\s*\(", public):
    if m.group(0).startswith("/* >>api:"):
        section = m.group(1)
    elif m.group(0).startswith("/* <<api:"):
        section = "core"
    else:
        print(section, m.group(2))
PY
}

FUNCS=$(list_functions)
if [ -z "$FUNCS" ]; then
  fail "compile: public functions found in ctrace.h" "none (is the header there?)"
  exit 1
fi
pass "compile: $(echo "$FUNCS" | wc -l) public functions in sections: $(echo "$FUNCS" | cut -d' ' -f1 | sort -u | tr '\n' ' ')"

# use.c: the program under test. Compiles as C and as C++.
{
  echo '#include "ctrace.h"'
  echo '#include <stdio.h>'
  echo 'typedef void (*ct_any_fn)(void);'
  echo '/* External and writable so no compiler can drop it: every address'
  echo '   must resolve at link time. */'
  echo 'ct_any_fn ct_every_function[] = {'
  echo "$FUNCS" | while read -r _ fn; do echo "  (ct_any_fn)$fn,"; done
  echo '  0};'
  cat <<'C'
static int ct_use_core(const char *path) {
  ctrace_config cfg;
  ctrace_session_stats st;
  ctrace_memstats ms;
  ctrace_reader *r = 0;
  ctrace_event ev;
  char err[128];
  void *p;
  uint64_t task;
  int rc, n = 0;
  memset(&cfg, 0, sizeof cfg);
  if (ctrace_start_with(path, &cfg) != 0) return 1;
  CTRACE_THREAD_NAME("main");
  {
    CTRACE_ZONE("scoped");
    CTRACE_ZONE_BEGIN("zone");
    CTRACE_INSTANT("instant");
    CTRACE_COUNTER("counter", 1);
    CTRACE_COUNTER_F("counter_f", 1.5);
    CTRACE_LOG("log", "%d %s", 1, "x");
    task = CTRACE_TASK_BEGIN("task");
    CTRACE_TASK_END(task);
    CTRACE_GC_BEGIN("gc");
    CTRACE_GC_END();
    p = ctrace_malloc(8);
    CTRACE_ALLOC(&task, 8);
    CTRACE_FREE(&task);
    ctrace_free(p);
    CTRACE_ZONE_END();
  }
  ctrace_session_stats_get(&st);
  ctrace_read_memstats(&ms);
  if (ctrace_stop() != 0) return 2;
  if (ctrace_reader_open(&r, path, err, sizeof err) != 0) return 3;
  while ((rc = ctrace_reader_next(r, &ev)) == 1)
    if (ev.raw_kind != CTRACE_EV_THREAD_CPU) n++; /* ctrace's CPU samples are not the program's */
  /* 16, and the read of the statistics (a memstats event) */
  if (rc != 0 || n != 17 || !ctrace_reader_info(r)->ended) {
    printf("read %d events (expected 17), rc %d\n", n, rc);
    return 4;
  }
  ctrace_reader_close(r);
  return ctrace_strerror(CTRACE_E_CORRUPT)[0] ? 0 : 5;
}

int main(int argc, char **argv) {
  size_t i, n = 0;
  for (i = 0; ct_every_function[i]; i++) n++;
  if (argc < 2) return 9;
  (void)n;
  return ct_use_core(argv[1]);
}
C
} > "$T/use.c"
# memset needs string.h; keep the include list of the program honest.
sed -i 's/#include <stdio.h>/#include <stdio.h>\n#include <string.h>/' "$T/use.c"
cp "$T/use.c" "$T/use.cpp"
printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\n' > "$T/impl.c"
cp "$T/impl.c" "$T/impl.cpp"
printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_TOOLS_IMPLEMENTATION\n#include "use.c"\n' > "$T/one.c"
printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_TOOLS_IMPLEMENTATION\n#include "use.cpp"\n' > "$T/one.cpp"

# build_and_run NAME LOG COMMAND...: compile/link with COMMAND, run the result.
build_and_run() {
  local name=$1 log=$2 exe
  shift 2
  exe="$T/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')"
  if ! "$@" -o "$exe" >"$log" 2>&1; then fail "$name" "does not compile" "$log"; return; fi
  if ! "$exe" "$T/run.ctrace" >"$log" 2>&1; then fail "$name" "program fails (status $?)" "$log"; return; fi
  pass "$name"
}

# syntax_check NAME COMMAND...: the front end's warnings only (-fsyntax-only),
# the cheap way to cover every language standard; the optimizer's warnings
# come from the full builds below and from every test build.
syntax_check() {
  local name=$1 log="$T/syntax_$$_$RANDOM.log"
  shift
  if "$@" -fsyntax-only >"$log" 2>&1; then pass "$name"; else fail "$name" "warnings or errors" "$log"; fi
}

COMPILERS=""
have gcc && COMPILERS="$COMPILERS gcc:g++"
have clang && COMPILERS="$COMPILERS clang:clang++"
for pair in $COMPILERS; do
  cc=${pair%%:*} cxx=${pair##*:}
  for std in c99 c11; do
    syntax_check "compile: $cc -std=$std, implementation and every macro" \
      $cc -std=$std $WARN $PNG -pthread -I. "$T/one.c"
  done
  for std in c++11 c++17; do
    syntax_check "compile: $cxx -std=$std, implementation and every macro" \
      $cxx -std=$std $WARN $PNG -pthread -I. "$T/one.cpp"
  done
done

# Full builds: the implementation compiled once as C99 (-O1, so the
# optimizer's warnings count too), linked into a C caller and a C++17 caller
# (extern "C" linkage), each taking the address of every public function.
IMPL_O="$T/impl.o"
if gcc -std=c99 -O1 $WARN $PNG -pthread -I. -c "$T/impl.c" -o "$IMPL_O" >"$T/log" 2>&1; then
  pass "compile: implementation alone, gcc -std=c99 -O1"
  build_and_run "compile: C99 caller, every public function defined and linked, runs" "$T/log" \
    gcc -std=c99 -O1 $WARN -pthread -I. "$T/use.c" "$IMPL_O" -lm
  if have clang++; then
    build_and_run "compile: C++17 caller (clang++) of the C implementation, runs" "$T/log" \
      clang++ -std=c++17 -O1 $WARN -pthread -I. "$T/use.cpp" "$IMPL_O" -lm
  fi
else
  fail "compile: implementation alone, gcc -std=c99 -O1" "does not compile" "$T/log"
  IMPL_O=""
fi

# Symbols: everything the implementation defines outside itself is ctrace_*
# (in C++, the standard library's own inline functions, instantiated weak by
# <cmath> and friends, are not ours).
check_symbols() { # name, object
  local bad
  bad=$(nm -g -C --defined-only "$2" | awk '{ $1 = ""; $2 = ""; sub(/^  /, ""); print }' |
        grep -v -e '^ctrace_' -e '^std::' -e '^__gnu_cxx::' | head -n 5 | tr '\n' ' ')
  if [ -n "$bad" ]; then fail "$1" "symbols not starting with ctrace_: $bad"; else pass "$1"; fi
}
[ -n "$IMPL_O" ] && check_symbols "exported symbols all start with ctrace_ (C${PNG:+, $PNG})" "$IMPL_O"
if g++ -std=c++11 -O0 $WARN $PNG -pthread -I. -c "$T/impl.cpp" -o "$T/symxx.o" >"$T/log" 2>&1; then
  check_symbols "exported symbols all start with ctrace_ (implementation built as C++11)" "$T/symxx.o"
else
  fail "exported symbols all start with ctrace_ (implementation built as C++11)" "does not compile" "$T/log"
fi

# Compiled out: every macro, no implementation anywhere, still links.
cat > "$T/off.c" <<'C'
#include "ctrace.h"
int main(void) {
  uint64_t id;
  { CTRACE_ZONE("z"); }
  CTRACE_ZONE_BEGIN("z");
  CTRACE_ZONE_END();
  CTRACE_INSTANT("i");
  CTRACE_COUNTER("c", 1);
  CTRACE_COUNTER_F("f", 1.0);
  CTRACE_LOG("l", "%d", 1);
  CTRACE_THREAD_NAME("t");
  id = CTRACE_TASK_BEGIN("t");
  CTRACE_TASK_END(id);
  CTRACE_GC_BEGIN("g");
  CTRACE_GC_END();
  CTRACE_ALLOC(&id, 8);
  CTRACE_FREE(&id);
  return (int)id;
}
C
cp "$T/off.c" "$T/off.cpp"
for def in -DCTRACE_ENABLED=0 -DCTRACE_DISABLE; do
  build_and_run "compile: $def, C99, links without the implementation" "$T/log" \
    gcc -std=c99 -O1 $WARN $def -I. "$T/off.c"
  build_and_run "compile: $def, C++11, links without the implementation" "$T/log" \
    g++ -std=c++11 -O1 $WARN $def -I. "$T/off.cpp"
done

# CTRACE_STATIC: a one-file program with every function static (unused
# ones must not warn).
syntax_check "compile: CTRACE_STATIC one-file program (gcc C99)" \
  gcc -std=c99 $WARN -DCTRACE_STATIC -pthread -I. "$T/one.c"

# 32-bit, when the multilib toolchain is installed.
if echo 'int main(void){return 0;}' | gcc -m32 -x c - -o "$T/m32probe" >/dev/null 2>&1 && "$T/m32probe"; then
  build_and_run "compile: gcc -m32 C99 (32-bit), every function linked, runs" "$T/log" \
    gcc -m32 -std=c99 -O0 $WARN -pthread -I. "$T/one.c" -lm
else
  echo "SKIP: compile: gcc -m32: no 32-bit toolchain or runtime (apt-get install gcc-multilib)"
fi

# ---- Strict warning sets (issue 27): the header's own code is silent under
# the warnings real projects turn on, and the macros expand clean in the
# program's code. MANY: lbzip2's --enable-warnings list (gnulib's
# manywarnings style); STRICT: the conversion/cast/prototype set; C++ adds
# the C++-only cast and null checks. Each compiler gets the flags it knows.
MANY="-Wall -Wextra -Wattributes -Wbad-function-cast -Wbuiltin-macro-redefined -Wcast-align
 -Wcast-qual -Wdeclaration-after-statement -Wdisabled-optimization -Wfloat-equal
 -Wformat-nonliteral -Wformat-security -Wformat-y2k -Winit-self -Winline -Winvalid-pch -Wlogical-op
 -Wlong-long -Wmissing-declarations -Wmissing-format-attribute -Wmissing-include-dirs
 -Wmissing-noreturn -Wmissing-prototypes -Wmultichar -Wnested-externs -Wold-style-definition
 -Woverlength-strings -Wpacked -Wpacked-bitfield-compat -Wpointer-arith -Wredundant-decls -Wshadow
 -Wstack-protector -Wstrict-aliasing -Wstrict-prototypes -Wswitch-default -Wswitch-enum -Wsync-nand
 -Wunknown-pragmas -Wunused -Wunused-local-typedefs -Wunused-macros -Wvla -Wvolatile-register-var
 -Wwrite-strings"
STRICT="-Wpedantic -Wconversion -Wsign-conversion -Wundef -Wdouble-promotion -Wformat=2
 -Wnull-dereference"
STRICT_CXX="-Wold-style-cast -Wuseless-cast -Wzero-as-null-pointer-constant"
# known_flags COMPILER EXT FLAGS...: the flags COMPILER accepts for EXT files.
# One probe names every flag it rejects ("option '-Wx'" in gcc and clang);
# without those the rest must then pass, else each flag is tried alone.
known_flags() {
  local cc=$1 ext=$2 f ok="" said
  shift 2
  echo 'int ct_probe;' > "$T/probe.$ext"
  said=$($cc -Wall "$@" -c "$T/probe.$ext" -o /dev/null 2>&1)
  for f in "$@"; do
    case $said in *"option '$f'"*|*"option ‘$f’"*) ;; *) ok="$ok $f" ;; esac
  done
  # shellcheck disable=SC2086
  if $cc -Werror -Wall $ok -c "$T/probe.$ext" -o /dev/null >/dev/null 2>&1; then
    echo "$ok"
    return
  fi
  ok=""
  for f in "$@"; do
    $cc -Werror -Wall $f -c "$T/probe.$ext" -o /dev/null >/dev/null 2>&1 && ok="$ok $f"
  done
  echo "$ok"
}

# strict.c: a program's file, clean by itself under every flag above, using
# every macro (so what the macros expand to is checked where it lands).
cat > "$T/strict.c" <<'C'
#include "ctrace.h" /* first: strict C99 hides POSIX from a later include */
#include <pthread.h>
#include <string.h>
#ifdef __cplusplus
#define CT_NULL nullptr
#else
#define CT_NULL NULL
#endif

int ct_strict(const char *path);
int ct_strict(const char *path) {
  static pthread_mutex_t lock;
  void *p;
  uint64_t task = 0;
  int x = 3, rc;
  double d = 1.5;
  float f = 2.5f;
  size_t n = strlen(path);
  if (ctrace_start(path) != 0) return 1;
  pthread_mutex_init(&lock, CT_NULL);
  CTRACE_THREAD_NAME("main");
  {
    CTRACE_ZONE("scoped");
    CTRACE_ZONE(path);
    CTRACE_ZONE_BEGIN("zone");
    CTRACE_INSTANT(path);
    CTRACE_COUNTER("int", x);
    CTRACE_COUNTER("size_t", n);
    CTRACE_COUNTER("uint64_t", task);
    CTRACE_COUNTER_F("double", d);
    CTRACE_COUNTER_F("float", f);
    CTRACE_COUNTER_F("int", x);
    CTRACE_LOG("log", "%d %s", x, path);
    CTRACE_LOG("log", "plain");
    task = CTRACE_TASK_BEGIN("task");
    CTRACE_TASK_END(task);
    CTRACE_GC_BEGIN("gc");
    CTRACE_GC_END();
    {
      CTRACE_WAIT("a wait");
    }
    CTRACE_WAIT_BEGIN("wait");
    CTRACE_WAIT_END();
    ctrace_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
    p = ctrace_malloc(n);
    p = ctrace_realloc(p, 2 * n);
    ctrace_free(p);
    p = ctrace_calloc(2, n);
    CTRACE_ALLOC(p, n);
    CTRACE_FREE(p);
    ctrace_free(p);
    CTRACE_ZONE_END();
  }
  rc = ctrace_stop();
  pthread_mutex_destroy(&lock);
  return rc + (task + n > 0 && x > 0 && d > 0.0 && f > 0.0f ? 0 : 1);
}
C
cp "$T/strict.c" "$T/strict.cpp"
# The implementation in the program's file, every half and function tracing.
printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_TOOLS_IMPLEMENTATION\n#define CTRACE_INSTRUMENT_FUNCTIONS\n#include "strict.c"\n' > "$T/strict_impl.c"
printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_TOOLS_IMPLEMENTATION\n#define CTRACE_INSTRUMENT_FUNCTIONS\n#include "strict.cpp"\n' > "$T/strict_impl.cpp"

for pair in $COMPILERS; do
  cc=${pair%%:*} cxx=${pair##*:}
  CFL=$(known_flags "$cc" c $MANY $STRICT)
  CXXFL=$(known_flags "$cxx" cpp $MANY $STRICT $STRICT_CXX)
  for std in c99 c11; do
    syntax_check "strict warnings: $cc -std=$std, implementation (+ function tracing) and every macro" \
      $cc -std=$std -Werror $CFL $PNG -pthread -I. -I"$T" "$T/strict_impl.c"
  done
  for std in c++11 c++17; do
    syntax_check "strict warnings: $cxx -std=$std, implementation (+ function tracing) and every macro" \
      $cxx -std=$std -Werror $CXXFL $PNG -pthread -I. -I"$T" "$T/strict_impl.cpp"
  done
  syntax_check "strict warnings: $cxx -std=c++11 -DCTRACE_DISABLE, every macro compiled out" \
    $cxx -std=c++11 -Werror $CXXFL -DCTRACE_DISABLE -pthread -I. "$T/strict.cpp"
done
# The optimizer's warnings (-Winline, -Wnull-dereference) need -O2: once in
# C with -finstrument-functions, once in C++ without.
CFL=$(known_flags gcc c $MANY $STRICT)
if gcc -std=c99 -O2 -finstrument-functions -Werror $CFL $PNG -pthread -I. -I"$T" -c "$T/strict_impl.c" \
     -o "$T/strict_o2.o" >"$T/log" 2>&1; then
  pass "strict warnings: gcc -std=c99 -O2 -finstrument-functions"
else
  fail "strict warnings: gcc -std=c99 -O2 -finstrument-functions" "warnings or errors" "$T/log"
fi
CXXFL=$(known_flags g++ cpp $MANY $STRICT $STRICT_CXX)
if g++ -std=c++17 -O2 -Werror $CXXFL $PNG -pthread -I. -I"$T" -c "$T/strict_impl.cpp" \
     -o "$T/strict_o2xx.o" >"$T/log" 2>&1; then
  pass "strict warnings: g++ -std=c++17 -O2"
else
  fail "strict warnings: g++ -std=c++17 -O2" "warnings or errors" "$T/log"
fi

# ---- Include order (issue 27): the implementation compiles after what a
# program includes first: an autoconf config.h (defining _GNU_SOURCE) and
# system headers, in the default gnu mode, in C++, and in strict C99 with
# -D_DEFAULT_SOURCE (README: the one case that needs a hand).
{
  echo '#define _GNU_SOURCE 1 /* what config.h does */'
  echo '#include <stdio.h>'
  echo '#include <stdlib.h>'
  echo '#include <string.h>'
  echo '#include <pthread.h>'
  echo '#include <signal.h>'
  echo '#include <time.h>'
  echo '#include <unistd.h>'
  printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\n'
  echo 'int ct_late(void);'
  echo 'int ct_late(void) { return ctrace_enabled(); }'
} > "$T/late_config.c"
grep -v '_GNU_SOURCE' "$T/late_config.c" > "$T/late_sys.c"
cp "$T/late_sys.c" "$T/late_sys.cpp"
syntax_check "include order: config.h (_GNU_SOURCE) and system headers first, gcc -std=c99" \
  gcc -std=c99 $WARN $PNG -pthread -I. "$T/late_config.c"
syntax_check "include order: system headers first, gcc default (gnu) mode" \
  gcc $WARN $PNG -pthread -I. "$T/late_sys.c"
syntax_check "include order: system headers first, g++ -std=c++11" \
  g++ -std=c++11 $WARN $PNG -pthread -I. "$T/late_sys.cpp"
syntax_check "include order: system headers first, gcc -std=c99 -D_DEFAULT_SOURCE" \
  gcc -std=c99 -D_DEFAULT_SOURCE $WARN $PNG -pthread -I. "$T/late_sys.c"
