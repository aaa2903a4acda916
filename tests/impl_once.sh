# tests/impl_once.sh - sourced by the scripts that build many programs with
# one compiler and flags (sanitizers, fuzz, valgrind, Windows): the
# implementation is compiled once into an object and linked into each
# program, instead of the 20k-line header compiled again per program.
#
#   impl_source FILE      writes the one file that holds the implementation
#   impl_how SRC          how SRC is built against that object, one word:
#     separate   SRC honours -DCTRACE_TEST_SEPARATE_IMPL (most tests)
#     own        SRC keeps its own implementation: it names an internal
#                (ctrace__*, CTRACE__*: static or defined only in the
#                implementation) or sets an option the implementation is
#                compiled with (CTRACE_MEM_*, CTRACE_INSTRUMENT_FUNCTIONS...)
#     guards     SRC defines the implementation macros itself (the tool,
#                examples, harnesses): $IMPLEMENTED, the header's three
#                "already implemented" guards defined on the command line,
#                leaves it the declarations
#   impl_flags SRC        the compiler flags for that way ("" for own)

IMPLEMENTED="-DCTRACE__COMMON_IMPLEMENTED -DCTRACE__RECORDER_IMPLEMENTED -DCTRACE__TOOLS_IMPLEMENTED"

impl_source() {
  printf '#define CTRACE_IMPLEMENTATION\n#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\n' >"$1"
}

impl_how() {
  if grep -q 'CTRACE_TEST_SEPARATE_IMPL' "$1"; then
    echo separate
  elif grep -q -i -e 'ctrace__' "$1" ||
     grep '#define CTRACE_' "$1" | grep -q -v -e 'CTRACE_IMPLEMENTATION' -e 'CTRACE_TOOLS_IMPLEMENTATION'; then
    echo own
  else
    echo guards
  fi
}

impl_flags() {
  case $(impl_how "$1") in
    # POSIX, as the implementation part asks for itself (getline, strdup)
    separate) echo "-D_DEFAULT_SOURCE -DCTRACE_TEST_SEPARATE_IMPL" ;;
    guards) echo "$IMPLEMENTED" ;;
  esac
}
