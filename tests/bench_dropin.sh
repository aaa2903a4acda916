#!/bin/bash
# What dropping ctrace.h into a program costs, against the budgets:
# - compiling the recorder's implementation file (CTRACE_IMPLEMENTATION
#   alone) takes at most 2.5x the CPU time of stb_image_write's implementation
#   (libstb-dev's stb_image_write.h), side by side in the same run, at -O2
#   and -O0, with gcc and clang: ROUNDS interleaved rounds, medians;
# - a program that records one zone adds at most 40 kB of text at -O2,
#   without -ffunction-sections / --gc-sections;
# - a recording program links without -lm.
# Also, for information, the tools' implementation file alone.
set -u
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
T="$BUILD/tmp/dropin_$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
STB=/usr/include/stb/stb_image_write.h
if [ ! -f "$STB" ]; then echo "bench_dropin: $STB missing (apt-get install libstb-dev)"; exit 1; fi

printf '#define CTRACE_IMPLEMENTATION\n#include "ctrace.h"\n' > "$T/rec_impl.c"
printf '#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\n' > "$T/tools_impl.c"
printf '#define STB_IMAGE_WRITE_IMPLEMENTATION\n#include <stb/stb_image_write.h>\n' > "$T/stb_impl.c"

# compile_cpu CC FLAGS FILE: CPU seconds (user + system) of one compile to
# an object. CPU rather than wall time: on a shared machine the wall clock
# also counts whatever else is running; a compile is single-threaded, so on
# an idle machine the two agree.
compile_cpu() {
  local TIMEFORMAT='%U %S' t
  t=$( { time $1 $2 -std=c99 -I. -c "$3" -o "$T/out.o" 2>"$T/cc.log"; } 2>&1 ) ||
    { echo "bench_dropin: $1 $2 $3 failed" >&2; cat "$T/cc.log" >&2; exit 1; }
  echo "$t" | awk '{print $1 + $2}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "compile time (CPU, user+system) of one implementation file, medians of $ROUNDS interleaved rounds"
echo "(budget: recorder <= 2.5x stb_image_write's implementation)"
printf '  %-14s %10s %10s %10s %8s %8s\n' compiler stb recorder tools rec/stb budget
for cc in gcc clang; do
  command -v $cc >/dev/null || { echo "  $cc: not installed"; continue; }
  for opt in -O2 -O0; do
    : > "$T/stb"; : > "$T/rec"; : > "$T/tools"
    compile_cpu $cc $opt "$T/stb_impl.c" >/dev/null # warm the caches once
    for _ in $(seq "$ROUNDS"); do
      compile_cpu $cc "$opt" "$T/stb_impl.c" >> "$T/stb"
      compile_cpu $cc "$opt" "$T/rec_impl.c" >> "$T/rec"
      compile_cpu $cc "$opt -DCTRACE_WITH_PNG" "$T/tools_impl.c" >> "$T/tools"
    done
    s=$(median < "$T/stb"); r=$(median < "$T/rec"); t=$(median < "$T/tools")
    ratio=$(awk -v r="$r" -v s="$s" 'BEGIN {printf "%.2f", r / s}')
    verdict=$(awk -v x="$ratio" 'BEGIN {print (x <= 2.5) ? "met" : "MISSED"}')
    printf '  %-14s %8.2f s %8.2f s %8.2f s %7sx %8s\n' "$cc $opt" \
      "$s" "$r" "$t" "$ratio" "$verdict"
  done
done

# Text added by recording one zone: the same program with and without ctrace.
cat > "$T/plain.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv) {
  volatile int x = 0;
  (void)argv;
  if (argc > 1) x++;
  printf("%d\n", x);
  return 0;
}
C
cat > "$T/zone.c" <<'C'
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
#include <stdio.h>
int main(int argc, char **argv) {
  volatile int x = 0;
  if (argc > 1 && ctrace_start(argv[1]) != 0) return 1;
  { CTRACE_ZONE("one"); if (argc > 1) x++; }
  printf("%d\n", x);
  ctrace_stop();
  return 0;
}
C
echo "text added to a program that records one zone, -O2, no gc-sections (budget: <= 40 kB)"
for cc in gcc clang; do
  command -v $cc >/dev/null || continue
  $cc -std=c99 -O2 -I. "$T/plain.c" -o "$T/plain" -pthread || exit 1
  if ! $cc -std=c99 -O2 -I. "$T/zone.c" -o "$T/zone" -pthread 2>"$T/log"; then
    echo "  $cc: the recording program does not link with -pthread alone:"; head -5 "$T/log"; continue
  fi
  p=$(size "$T/plain" | awk 'NR == 2 {print $1}')
  z=$(size "$T/zone" | awk 'NR == 2 {print $1}')
  added=$((z - p))
  verdict=$(awk -v a="$added" 'BEGIN {print (a <= 40 * 1024) ? "met" : "MISSED"}')
  printf '  %-6s %7d bytes (%.1f kB) added; links with -pthread alone, no -lm: yes  %s\n' "$cc" "$added" \
    "$(awk -v a="$added" 'BEGIN {print a / 1024}')" "$verdict"
done
