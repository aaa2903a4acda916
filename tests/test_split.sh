#!/bin/bash
# The recorder/tools split, tried the way a user meets it:
# - every function compiled by CTRACE_TOOLS_IMPLEMENTATION carries the
#   macro's name in its link name (so a missing macro names itself);
# - a recording program built as README.md says (cc main.c -pthread, no
#   -lm) links, runs, writes a trace, and holds no reader, analysis,
#   report, PNG or export code (nm);
# - calling a report function without the tools macro fails to link with a
#   message naming CTRACE_TOOLS_IMPLEMENTATION;
# - both macros in one file, and in two files of one program, build and
#   work, as C99 and C++11, gcc and clang, -Werror; including the header
#   twice (recorder first, then tools) works, the other order says why not;
# - `make install` writes a pkg-config file whose flags build a recorder.
set -u
BUILD=${BUILD:-build}
T="$PWD/$BUILD/tmp/split_$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
WARN="-Wall -Wextra -Wpedantic -Wshadow -Werror"
PNG=""
[ -f /usr/include/stb/stb_image_write.h ] && PNG="-DCTRACE_WITH_PNG"
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; [ -n "${3:-}" ] && [ -s "$3" ] && head -n 12 "$3" | sed 's/^/    /'; }
have() { command -v "$1" >/dev/null 2>&1; }

# ---- every tools-side function is renamed -------------------------------------
missing=$(python3 - ctrace.h <<'PY'
import re, sys
text = open(sys.argv[1]).read()
tools = text[text.index("#define CTRACE__TOOLS_IMPLEMENTED"):]
defined = set(re.findall(r"^CTRACE_API[^(;]*?\b(ctrace_\w+)\(", tools, re.M))
renamed = set(re.findall(r"^#define (ctrace_\w+) CTRACE__TOOL\(\1\)", text, re.M))
recorder = text[:text.index("#define CTRACE__TOOLS_IMPLEMENTED")]
recdefs = set(re.findall(r"^CTRACE_API[^(;]*?\b(ctrace_\w+)\(", recorder[recorder.index("/* >>impl"):], re.M))
if not defined: print("(no tools functions found)")
for n in sorted(defined - renamed): print("not renamed: " + n)
for n in sorted(renamed & recdefs): print("renamed but in the recorder: " + n)
PY
)
if [ -z "$missing" ]; then pass "split: every tools function's link name says CTRACE_TOOLS_IMPLEMENTATION"
else fail "split: every tools function's link name says CTRACE_TOOLS_IMPLEMENTATION" "$(echo $missing)"; fi

# ---- a recording program, built as README.md says ---------------------------
cat > "$T/rec.c" <<'C'
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
#include <stdio.h>
int main(int argc, char **argv) {
  int i, rc;
  if (argc < 2) return 2;
  rc = ctrace_start(argv[1]);
  if (rc) { fprintf(stderr, "%s\n", ctrace_strerror(rc)); return 1; }
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < 100; i++) { CTRACE_ZONE("work"); }
  return ctrace_stop() != 0;
}
C
for cc in gcc clang; do
  have $cc || { echo "SKIP: split: $cc is not installed"; continue; }
  name="split: a recording program builds with $cc -O2 -pthread and no -lm"
  if $cc -std=c99 -O2 $WARN -I. "$T/rec.c" -o "$T/rec_$cc" -pthread >"$T/log" 2>&1; then pass "$name"
  else fail "$name" "does not build" "$T/log"; continue; fi
  if "$T/rec_$cc" "$T/rec_$cc.ctrace" && [ -s "$T/rec_$cc.ctrace" ] &&
     "$BUILD/ctrace" check "$T/rec_$cc.ctrace" >"$T/log" 2>&1; then
    pass "split: the $cc recording program writes an intact trace"
  else fail "split: the $cc recording program writes an intact trace" "it does not" "$T/log"; fi
  # No tools code in it: no tools symbol, static or not, and no PNG encoder.
  bad=$(nm "$T/rec_$cc" | awk '{print $NF}' |
        grep -E 'needs_CTRACE_TOOLS|^ctrace_(report|analy|png|export|stats_|reader|chart|histogram|write_stdio)|^ctrace__(reader|cursor|an_|analysis|svg|canvas|report|html|png|raster|ex_|export|chart|flame|hist|draw)|stbi' | head -5)
  if [ -z "$bad" ]; then pass "split: nm finds no reader/analysis/report/PNG/export symbol in the $cc recording program"
  else fail "split: nm finds no reader/analysis/report/PNG/export symbol in the $cc recording program" "found $(echo $bad)"; fi
done
if have g++; then
  cp "$T/rec.c" "$T/rec.cpp"
  name="split: the recording program builds as C++11 (g++ -pthread, no -lm)"
  if g++ -std=c++11 -O1 $WARN -I. "$T/rec.cpp" -o "$T/rec_cxx" -pthread >"$T/log" 2>&1 &&
     "$T/rec_cxx" "$T/rec_cxx.ctrace"; then pass "$name"; else fail "$name" "does not build or run" "$T/log"; fi
fi

# ---- CTRACE_STATIC, recorder only: the tools' declarations must not warn ------
printf '#define CTRACE_STATIC\n' > "$T/static_rec.c"
cat "$T/rec.c" >> "$T/static_rec.c"
cp "$T/static_rec.c" "$T/static_rec.cpp"
for pair in gcc:c99:static_rec.c clang:c99:static_rec.c g++:c++11:static_rec.cpp; do
  IFS=: read -r cc std src <<<"$pair"
  have $cc || continue
  name="split: CTRACE_STATIC with the recorder alone builds warning-free ($cc -std=$std -Werror) and runs"
  if $cc -std=$std -O1 $WARN -I. "$T/$src" -o "$T/static_$cc" -pthread >"$T/log" 2>&1 &&
     "$T/static_$cc" "$T/static_$cc.ctrace"; then pass "$name"; else fail "$name" "failed" "$T/log"; fi
done

# ---- a tools call without the tools macro: a link error naming it -----------
cat > "$T/forgot.c" <<'C'
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
int main(void) { return ctrace_report_html("a.ctrace", "a.html", NULL); }
C
name="split: calling ctrace_report_html without the tools macro fails to link, naming CTRACE_TOOLS_IMPLEMENTATION"
if gcc -std=c99 $WARN -I. "$T/forgot.c" -o "$T/forgot" -pthread -lm >"$T/log" 2>&1; then
  fail "$name" "it linked"
elif grep -q 'ctrace_report_html_needs_CTRACE_TOOLS_IMPLEMENTATION' "$T/log"; then pass "$name"
else fail "$name" "the message does not name it" "$T/log"; fi

# ---- both macros in one file: a program that writes its own report ----------
cat > "$T/both.c" <<'C'
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "ctrace.h"
#include <stdio.h>
int main(int argc, char **argv) {
  char html[4096];
  int i;
  if (argc < 2 || ctrace_start(argv[1]) != 0) return 2;
  for (i = 0; i < 10; i++) { CTRACE_ZONE("step"); }
  if (ctrace_stop() != 0) return 3;
  snprintf(html, sizeof html, "%s.html", argv[1]);
  return ctrace_report_html(argv[1], html, NULL) != 0;
}
C
cp "$T/both.c" "$T/both.cpp"
for pair in gcc:c99:both.c clang:c99:both.c g++:c++11:both.cpp clang++:c++11:both.cpp; do
  IFS=: read -r cc std src <<<"$pair"
  have $cc || { echo "SKIP: split: $cc is not installed"; continue; }
  name="split: both macros in one file ($cc -std=$std -Werror) build, record and report"
  if $cc -std=$std -O0 $WARN $PNG -I. "$T/$src" -o "$T/both_$cc" -pthread -lm >"$T/log" 2>&1 &&
     "$T/both_$cc" "$T/both_$cc.ctrace" && grep -q '<html' "$T/both_$cc.ctrace.html"; then pass "$name"
  else fail "$name" "failed" "$T/log"; fi
done

# ---- the two macros in two files of one program -----------------------------
printf '#define CTRACE_IMPLEMENTATION\n#include "ctrace.h"\n' > "$T/part_rec.c"
printf '#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\n' > "$T/part_tools.c"
sed -e '/#define CTRACE_IMPLEMENTATION/d' -e '/#define CTRACE_TOOLS_IMPLEMENTATION/d' "$T/both.c" > "$T/main.c"
for cc in gcc clang; do
  have $cc || continue
  name="split: recorder and tools in two files of one program ($cc), plus a third that calls both"
  if $cc -std=c99 -O0 $WARN $PNG -I. "$T/part_rec.c" "$T/part_tools.c" "$T/main.c" -o "$T/two_$cc" -pthread -lm \
       >"$T/log" 2>&1 && "$T/two_$cc" "$T/two_$cc.ctrace" && [ -s "$T/two_$cc.ctrace.html" ]; then pass "$name"
  else fail "$name" "failed" "$T/log"; fi
done

# ---- one file, two includes ---------------------------------------------------
printf '#define CTRACE_IMPLEMENTATION\n#include "ctrace.h"\n#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\nint main(void) { return ctrace_report_html("x", "y", 0) == 0; }\n' > "$T/twice.c"
name="split: recorder include, then tools include, in one file"
if gcc -std=c99 $WARN $PNG -I. "$T/twice.c" -o "$T/twice" -pthread -lm >"$T/log" 2>&1; then pass "$name"
else fail "$name" "does not build" "$T/log"; fi
printf '#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\n#define CTRACE_IMPLEMENTATION\n#include "ctrace.h"\nint main(void) { return 0; }\n' > "$T/backwards.c"
name="split: tools include before the recorder's gives an error that says what to do"
if gcc -std=c99 $WARN -I. "$T/backwards.c" -o "$T/backwards" -pthread -lm >"$T/log" 2>&1; then fail "$name" "it built"
elif grep -q 'define CTRACE_IMPLEMENTATION before' "$T/log"; then pass "$name"
else fail "$name" "another error" "$T/log"; fi

# ---- pkg-config -----------------------------------------------------------------
if have pkg-config; then
  name="split: make install writes ctrace.pc; its flags build a recording program"
  if make --no-print-directory install PREFIX="$T/prefix" BUILD="$BUILD" >"$T/log" 2>&1 &&
     flags=$(PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig" pkg-config --cflags --libs ctrace) &&
     sed 's|"ctrace.h"|<ctrace.h>|' "$T/rec.c" > "$T/pc.c" &&
     gcc -std=c99 $WARN "$T/pc.c" -o "$T/pc" $flags >>"$T/log" 2>&1 && "$T/pc" "$T/pc.ctrace"; then
    pass "$name ($flags)"
  else fail "$name" "failed" "$T/log"; fi
  name="split: ctrace-tools.pc adds -lm for a reporting program"
  if flags=$(PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig" pkg-config --cflags --libs ctrace-tools) &&
     sed 's|"ctrace.h"|<ctrace.h>|' "$T/both.c" > "$T/pc2.c" &&
     gcc -std=c99 $WARN "$T/pc2.c" -o "$T/pc2" $flags >"$T/log" 2>&1 && "$T/pc2" "$T/pc2.ctrace"; then
    pass "$name"
  else fail "$name" "failed" "$T/log"; fi
else
  echo "FAIL: split: pkg-config is not installed (apt-get install pkgconf)"
fi
