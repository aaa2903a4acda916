#!/bin/sh
# tests/test_embed.sh - the report's page sources (tools/report.css,
# tools/report.js) and their copy in ctrace.h agree: tools/embed.py run on a
# copy of the header changes nothing, and the strings the compiler reads back
# are the files' bytes. The generator's escaping survives awkward text
# (backslashes, quotes, "??" trigraphs, bytes past ASCII, lines longer than
# C99's 4095-character literal). The script passes `node --check`.
# Run from the repo root: BUILD=build tests/test_embed.sh
BUILD=${BUILD:-build}
CC=${CC:-cc}
TMP="$BUILD/tmp/embed_$$"
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT

command -v python3 >/dev/null 2>&1 || { echo "FAIL: embed: python3 is missing"; exit 1; }

# 1. The header is current.
for f in tools/report.css tools/report.js; do
  if grep -qx "/\* >>embed:$f \*/" ctrace.h && grep -qx "/\* <<embed:$f \*/" ctrace.h; then
    echo "PASS: embed: ctrace.h has the markers for $f"
  else
    echo "FAIL: embed: ctrace.h lacks /* >>embed:$f */ ... /* <<embed:$f */"
  fi
done
# In a folder of its own: dump.c below must include the real header.
mkdir -p "$TMP/gen" && cp ctrace.h "$TMP/gen/ctrace.h" || exit 1
if ! python3 tools/embed.py "$TMP/gen/ctrace.h"; then
  echo "FAIL: embed: tools/embed.py failed on a copy of ctrace.h"
elif cmp -s ctrace.h "$TMP/gen/ctrace.h"; then
  echo "PASS: embed: ctrace.h matches tools/report.css and tools/report.js"
else
  diff -u ctrace.h "$TMP/gen/ctrace.h" | head -20
  echo "FAIL: embed: ctrace.h is stale: run make embed (it rewrites the copy from tools/report.css" \
    "and tools/report.js: move any edit made to the copy in ctrace.h into those files first)"
fi

# 2. What the compiler reads from the header is the files' bytes.
cat > "$TMP/dump.c" <<'EOF'
#define CTRACE_IMPLEMENTATION
#define CTRACE_TOOLS_IMPLEMENTATION
#include "ctrace.h"
#include <stdio.h>
int main(int argc, char **argv) {
  const char *const *l = argc > 1 && argv[1][0] == 'c' ? ctrace__report_css : ctrace__report_js;
  for (; *l; ++l) fputs(*l, stdout);
  return 0;
}
EOF
if $CC -std=c99 -O0 -D_DEFAULT_SOURCE -I. -o "$TMP/dump" "$TMP/dump.c" -lm -pthread; then
  "$TMP/dump" css > "$TMP/out.css" && "$TMP/dump" js > "$TMP/out.js" || echo "FAIL: embed: the dump program failed"
  for ext in css js; do
    if cmp -s "$TMP/out.$ext" "tools/report.$ext"; then
      echo "PASS: embed: the page gets tools/report.$ext byte for byte"
    else
      echo "FAIL: embed: the strings in ctrace.h differ from tools/report.$ext (run make embed)"
    fi
  done
else
  echo "FAIL: embed: cannot compile a program that reads the embedded strings"
fi

# 3. The generator's escaping, on a scratch repository of its own.
mkdir -p "$TMP/r/tools" && cp tools/embed.py "$TMP/r/tools/" || exit 1
python3 - "$TMP/r/tools/t.js" <<'EOF'
import sys
long_line = b"x" * 5000 + b"\\" * 1500 + b"\"" * 900 + b"\n"
data = b"a??=b ???/ ??( \"q\" \\n tab\there \xc2\xb5 \x01" b"1\r\n" + long_line + b"last, no newline"
open(sys.argv[1], "wb").write(data)
EOF
cat > "$TMP/r/h.c" <<'EOF'
#include <stdio.h>
#include <string.h>
/* >>embed:tools/t.js */
stale text the generator replaces
/* <<embed:tools/t.js */
int main(void) {
  const char *const *l;
  for (l = ctrace__t_js; *l; ++l) {
    if (strlen(*l) > 4095) return 2;
    fputs(*l, stdout);
  }
  return 0;
}
EOF
if ! python3 "$TMP/r/tools/embed.py" "$TMP/r/h.c"; then
  echo "FAIL: embed: the generator failed on awkward text"
elif ! $CC -std=c99 -Wall -Wextra -Wpedantic -Wtrigraphs -Werror -o "$TMP/r/h" "$TMP/r/h.c"; then
  echo "FAIL: embed: the generated literals do not compile cleanly as C99"
elif ! "$TMP/r/h" > "$TMP/r/out"; then
  echo "FAIL: embed: a generated literal is longer than 4095 characters"
elif cmp -s "$TMP/r/out" "$TMP/r/tools/t.js"; then
  echo "PASS: embed: awkward text (trigraphs, escapes, non-ASCII, a 7400-byte line) comes back byte for byte"
else
  echo "FAIL: embed: awkward text does not come back byte for byte"
fi
printf 'var a = 1;\n// </SCRIPT> ends the element\n' > "$TMP/r/tools/t.js"
if python3 "$TMP/r/tools/embed.py" "$TMP/r/h.c" 2> "$TMP/r/err"; then
  echo "FAIL: embed: the generator embedded a script holding </script>"
elif grep -q 't.js:2:' "$TMP/r/err"; then
  echo "PASS: embed: a script holding </script> is refused, with its line"
else
  echo "FAIL: embed: the refusal does not say where: $(cat "$TMP/r/err")"
fi

# 4. The script is valid JavaScript.
if command -v node >/dev/null 2>&1; then
  if node --check tools/report.js; then
    echo "PASS: embed: node --check tools/report.js"
  else
    echo "FAIL: embed: tools/report.js has a syntax error (node --check)"
  fi
elif [ "${CTRACE_REQUIRE_BROWSER:-0}" = 1 ]; then
  echo "FAIL: embed: no node to check tools/report.js (Debian package nodejs)"
else
  echo "SKIP: embed: no node to check tools/report.js (Debian package nodejs)"
fi
