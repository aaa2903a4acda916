# ctrace: build the tool and examples, run the tests, benchmarks and demo.
#
#   make                 build/ctrace (from tools/ctrace.c) and build/examples/*
#   make test            build everything, run every tests/test_*.c, tests/test_*.cpp
#                        and executable tests/test_*.sh through tests/run
#   make test-ubsan      the same suite built with clang's UBSan and integer
#                        checks (build/ubsan); fails on any finding
#   make bench           build and run every tests/bench_*.c (-O2) and tests/bench_*.sh
#                        (not part of test)
#   make demo            run the demo example, write its trace, report and chart
#   make embed           copy the report page's sources, tools/report.css and
#                        tools/report.js, into ctrace.h between its
#                        /* >>embed:FILE */ ... /* <<embed:FILE */ markers
#                        (tools/embed.py). Edit those files, never the copy:
#                        tests/test_embed.sh fails while ctrace.h is stale,
#                        and checks the script with node --check.
#   make fuzz            run each tests/fuzz/fuzz_*.c libFuzzer harness FUZZ_SECONDS
#   make install PREFIX=/usr/local    ctrace.h to include/, ctrace to bin/,
#                        libctrace-preload.so (ctrace run) to lib/,
#                        ctrace.pc to lib/pkgconfig/ (the recorder's flags)
#   make clean
#
# Optional dependencies, one policy for both:
#   - PNG output needs stb_image_write.h (Debian: libstb-dev). When it is
#     missing, make says which package to install and, running as root with
#     apt-get, installs it; if that fails the build goes on without
#     -DCTRACE_WITH_PNG (the PNG verb then reports "not supported").
#   - The browser test needs Chromium (Debian: chromium). Before `make test`
#     the same check-say-install happens. The test gets the browser's path in
#     CTRACE_CHROMIUM; it may SKIP only when that is empty, i.e. Chromium
#     truly cannot be installed here. Set CTRACE_REQUIRE_BROWSER=1 to turn
#     that SKIP into a failure.

BUILD   := build
PREFIX  ?= /usr/local
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Werror
CFLAGS  ?= -std=c99 -O2 -g $(WARN) -pthread
TEST_CFLAGS   ?= -std=c99 -O1 -g $(WARN) -pthread
TEST_CXXFLAGS ?= -std=c++11 -O1 -g $(WARN) -pthread
BENCH_CFLAGS  ?= -std=c99 -O2 -g $(WARN) -pthread
# Sanitizer flags for every compile and link (make test-ubsan sets them).
SANITIZE ?=
CFLAGS        += $(SANITIZE)
TEST_CFLAGS   += $(SANITIZE)
TEST_CXXFLAGS += $(SANITIZE)
LDLIBS  := -lm $(SANITIZE)
# What a program that only records links (the recorder needs no libm); the
# tools (reader, analysis, report, PNG, exports) add LDLIBS.
RECORD_LIBS := -pthread $(SANITIZE)
CXX     ?= c++
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
# Tests run this many at a time (2 cores); TEST_JOBS=1 streams output live.
TEST_JOBS ?= 2
# Test programs compile this many at a time.
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

STB_H := /usr/include/stb/stb_image_write.h
# Recursive (=) on purpose: evaluated when a recipe runs, after deps-png may
# have installed the header.
PNG_FLAGS = $(shell test -f $(STB_H) && echo -DCTRACE_WITH_PNG)
CHROMIUM  = $(shell for b in chromium chromium-browser google-chrome; do \
              command -v $$b && break; done)
SUDO_OK   = $(shell test "$$(id -u)" = 0 && command -v apt-get >/dev/null && echo yes)

TOOL      := $(if $(wildcard tools/ctrace.c),$(BUILD)/ctrace)
PRELOAD   := $(if $(wildcard tools/ctrace_preload.c),$(BUILD)/libctrace-preload.so)
EXAMPLES  := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c)) \
             $(patsubst tests/%.cpp,$(BUILD)/tests/%,$(wildcard tests/test_*.cpp))
BENCHES   := $(patsubst tests/%.c,$(BUILD)/bench/%,$(wildcard tests/bench_*.c))
FUZZERS   := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# Shell tests run only when executable; the list is made when `test` runs.
TEST_SH    = $(shell for f in tests/test_*.sh; do test -x "$$f" && echo "$$f"; done)
# The longest scripts start first, so the two jobs end together rather
# than one of them running a long script alone at the end.
TEST_LONG  := test_sanitizers test_fuzz test_crafted test_compile test_windows test_valgrind
TEST_SH_FIRST = $(foreach t,$(TEST_LONG),$(filter tests/$(t).sh,$(TEST_SH)))
LOOSE_SH   = $(shell for f in tests/test_*.sh; do test -f "$$f" && ! test -x "$$f" && echo "$$f"; done)

HEADERS   := ctrace.h

.PHONY: all test test-ubsan test-programs bench demo embed fuzz install clean deps-png deps-browser

all: $(TOOL) $(PRELOAD) $(EXAMPLES)

# ---- optional dependencies ---------------------------------------------------
# $(1) = what needs it, $(2) = Debian package, $(3) = shell test that is true
# when it is present.
define ensure_package
	@if ! $(3); then \
	  echo "ctrace: $(1) needs the Debian package $(2): apt-get install $(2)"; \
	  if [ "$(SUDO_OK)" = yes ]; then \
	    echo "ctrace: installing $(2) (running as root)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y $(2) >/dev/null 2>&1 || \
	      { apt-get update >/dev/null 2>&1 && \
	        DEBIAN_FRONTEND=noninteractive apt-get install -y $(2) >/dev/null 2>&1; } || \
	      echo "ctrace: could not install $(2)"; \
	  fi; \
	  $(3) || echo "ctrace: going on without $(2)"; \
	fi
endef

deps-png:
	$(call ensure_package,PNG output,libstb-dev,test -f $(STB_H))

# After deps-png so the two never hold the apt lock at once under -j.
deps-browser: deps-png
	$(call ensure_package,the browser test,chromium,test -n "$(CHROMIUM)")

# ---- programs ----------------------------------------------------------------
# Each recipe removes its old output first: a failed build must not leave a
# stale binary for the test run to pass with.
#
# The tool and the examples use the header the single-file way, as a user
# would: the tool defines both implementation macros, a recording example
# only CTRACE_IMPLEMENTATION and links without -lm (proof that it needs
# none) unless its own code includes <math.h>; an example that reads its own
# trace defines the tools macro too.
$(BUILD)/ctrace: tools/ctrace.c $(HEADERS) $(wildcard tools/*.h) | deps-png
	@mkdir -p $(@D) && rm -f $@
	$(CC) $(CFLAGS) $(PNG_FLAGS) -I. -o $@ $< $(LDLIBS)

# The library `ctrace run` preloads. Initial-exec TLS: a preloaded library
# has its thread-local variables in the static block, and reaching them
# then takes no call (the allocation functions use them on every call).
# Frame pointers: CTRACE_UNWIND=fp (measured by make bench) walks through
# the library's own frames first. No sanitizer: a sanitizer's runtime must
# come first in a process, and this library is preloaded into any program.
$(BUILD)/libctrace-preload.so: tools/ctrace_preload.c $(HEADERS)
	@mkdir -p $(@D) && rm -f $@
	$(CC) $(filter-out $(SANITIZE),$(CFLAGS)) -fPIC -shared -ftls-model=initial-exec -fno-omit-frame-pointer -I. -o $@ $< -ldl -pthread

needs_libm = $(shell grep -l -e '^\#define CTRACE_TOOLS_IMPLEMENTATION' -e '^\#include <math.h>' $(1) 2>/dev/null)

$(BUILD)/examples/%: examples/%.c $(HEADERS) | deps-png
	@mkdir -p $(@D) && rm -f $@
	$(CC) $(CFLAGS) $(PNG_FLAGS) -I. -o $@ $< $(if $(call needs_libm,$<),$(LDLIBS),$(RECORD_LIBS))

# examples/functions.c has no CTRACE_ZONE: the compiler instruments every
# function and ctrace (CTRACE_INSTRUMENT_FUNCTIONS) records each call.
$(BUILD)/examples/functions: CFLAGS += -finstrument-functions
$(BUILD)/bench/bench_functions: BENCH_CFLAGS += -finstrument-functions

# The tests compile the implementation once, into two objects (the recorder
# and the tools, each the way a user's second file would: a .c file that
# includes the header, given on stdin; clang warns of unused static inline
# functions in a main file, never in a header), archived so each
# test links only the half it lacks. Test sources define the macros
# themselves unless CTRACE_TEST_SEPARATE_IMPL is set; those that reach into
# internals (ctrace__*) always carry their own and pull nothing from it.
# Tests use POSIX (barriers, fork, signals): -D_DEFAULT_SOURCE asks for it,
# as the header's implementation part does for itself. A test that defines
# the implementation macros itself but uses only the public API links the
# archive too: tests/impl_once.sh gives it the header's "already
# implemented" guards (and -DCTRACE_TEST_SEPARATE_IMPL to the others).
TEST_LIB := $(BUILD)/obj/libctrace_test.a
test_impl_flags = $(shell . tests/impl_once.sh && impl_flags $(1))

$(BUILD)/obj/recorder_test.o: $(HEADERS)
	@mkdir -p $(@D) && rm -f $@
	printf '#define CTRACE_IMPLEMENTATION\n#include "ctrace.h"\n' | $(CC) $(TEST_CFLAGS) -I. -x c -c -o $@ -

$(BUILD)/obj/tools_test.o: $(HEADERS) | deps-png
	@mkdir -p $(@D) && rm -f $@
	printf '#define CTRACE_TOOLS_IMPLEMENTATION\n#include "ctrace.h"\n' | $(CC) $(TEST_CFLAGS) $(PNG_FLAGS) -I. -x c -c -o $@ -

$(TEST_LIB): $(BUILD)/obj/recorder_test.o $(BUILD)/obj/tools_test.o
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/%: tests/%.c $(TEST_LIB) $(wildcard tests/*.h) | deps-png
	@mkdir -p $(@D) && rm -f $@
	$(CC) $(TEST_CFLAGS) $(PNG_FLAGS) -D_DEFAULT_SOURCE $(filter-out -D_DEFAULT_SOURCE,$(call test_impl_flags,$<)) -I. -Itests -o $@ $< $(TEST_LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/%.cpp $(TEST_LIB) $(wildcard tests/*.h) | deps-png
	@mkdir -p $(@D) && rm -f $@
	$(CXX) $(TEST_CXXFLAGS) $(PNG_FLAGS) $(call test_impl_flags,$<) -I. -Itests -o $@ $< $(TEST_LIB) $(LDLIBS)

$(BUILD)/bench/%: tests/%.c $(HEADERS) | deps-png
	@mkdir -p $(@D) && rm -f $@
	$(CC) $(BENCH_CFLAGS) $(PNG_FLAGS) -I. -Itests -o $@ $< $(LDLIBS)

test-programs: $(TEST_BINS)

# ---- test --------------------------------------------------------------------
# Build with -k and go on: a program that failed to build is missing, and
# tests/run counts a missing program as a failure, so one broken test does
# not hide the others. The scripts go first: they are the long ones.
test: deps-browser
	-@$(MAKE) --no-print-directory -k -j$(BUILD_JOBS) all test-programs
	@mkdir -p $(BUILD)/tmp
	@for f in $(LOOSE_SH); do echo "ctrace: $$f is not executable; not run (chmod +x it)"; done
	@BUILD=$(BUILD) CTRACE_CHROMIUM="$(CHROMIUM)" \
	  CTRACE_REQUIRE_BROWSER="$${CTRACE_REQUIRE_BROWSER:-0}" \
	  tests/run -j $(TEST_JOBS) $(TEST_SH_FIRST) $(filter-out $(TEST_SH_FIRST),$(TEST_SH)) $(TEST_BINS)

# ---- test-ubsan -------------------------------------------------------------
# The whole suite again, every program built by clang with UndefinedBehavior-
# Sanitizer and its integer checks (unsigned wrap and implicit conversions
# too, which the standard allows but a byte total must not do silently), into
# $(BUILD)/ubsan. Findings do not stop a program: each is logged under
# $(BUILD)/ubsan/reports and, after the suite, tests/ubsan_scan.py prints one
# FAIL line per place in the code (and a PASS line when there is none); it
# fails the target as a failing test would. Where ctrace wraps on purpose (a
# hash, a CRC, a checksum), the function says so with CTRACE__WRAPS. The
# sanitizer leaves crash signals alone: the crash tests need the real ones.
# stb's functions are left alone (tests/ubsan.ignore says why).
UBSAN_FLAGS := -fsanitize=undefined,integer,float-divide-by-zero \
               -fsanitize-ignorelist=$(abspath tests/ubsan.ignore)
UBSAN_BUILD := $(BUILD)/ubsan
test-ubsan:
	@rm -rf $(UBSAN_BUILD)/reports && mkdir -p $(UBSAN_BUILD)/reports $(UBSAN_BUILD)/tmp $(BUILD)/tmp
	@for d in node_modules speedscope; do \
	  if [ -d $(BUILD)/$$d ] && [ ! -e $(UBSAN_BUILD)/$$d ]; then ln -s ../$$d $(UBSAN_BUILD)/$$d; fi; done
	-@UBSAN_OPTIONS=print_stacktrace=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:log_path=$(abspath $(UBSAN_BUILD))/reports/ub \
	  $(MAKE) --no-print-directory test BUILD=$(UBSAN_BUILD) CC=clang CXX=clang++ \
	  SANITIZE="$(UBSAN_FLAGS)" | tee $(UBSAN_BUILD)/suite.log
	@python3 tests/ubsan_scan.py $(UBSAN_BUILD)/suite.log $(UBSAN_BUILD)/reports

# ---- bench -------------------------------------------------------------------
# tests/bench_*.sh measure builds (compile time, code size) rather than code.
BENCH_SH = $(wildcard tests/bench_*.sh)
bench: $(BENCHES) $(TOOL)
	@mkdir -p $(BUILD)/tmp
	@for b in $(BENCH_SH) $(BENCHES); do echo "=== $$b"; BUILD=$(BUILD) $$b || exit 1; done

# ---- embed -------------------------------------------------------------------
# Rewrites ctrace.h in place; not a prerequisite of anything, so a build never
# changes the header behind the user's back.
embed:
	python3 tools/embed.py

# ---- demo --------------------------------------------------------------------
# The GC demo when it exists, otherwise the first example.
DEMO_NAME = $(if $(wildcard examples/gc_demo.c),gc_demo,$(basename $(notdir $(firstword $(sort $(wildcard examples/*.c))))))

demo: all
	@set -e; name="$(DEMO_NAME)"; \
	if [ -z "$$name" ]; then echo "ctrace: no example to run yet (examples/*.c)"; exit 1; fi; \
	if [ -z "$(TOOL)" ]; then echo "ctrace: tools/ctrace.c does not exist yet"; exit 1; fi; \
	trace=$(BUILD)/$$name.ctrace; \
	echo "== $(BUILD)/examples/$$name $$trace"; \
	$(BUILD)/examples/$$name $$trace; \
	written="$$trace"; \
	if $(BUILD)/ctrace report --help >/dev/null 2>&1; then \
	  $(BUILD)/ctrace report $$trace -o $(BUILD)/$$name.html; written="$$written $(BUILD)/$$name.html"; \
	fi; \
	if $(BUILD)/ctrace png --help >/dev/null 2>&1; then \
	  $(BUILD)/ctrace png $$trace -o $(BUILD)/$$name.png --chart heap; written="$$written $(BUILD)/$$name.png"; \
	fi; \
	if [ "$$written" = "$$trace" ]; then \
	  echo "== events by kind ($(BUILD)/ctrace dump)"; \
	  $(BUILD)/ctrace dump $$trace | cut -f3 | sort | uniq -c | sort -rn; \
	  $(BUILD)/ctrace check $$trace || true; \
	fi; \
	echo "ctrace demo wrote:"; for f in $$written; do echo "  $$f"; done

# ---- fuzz --------------------------------------------------------------------
# Each tests/fuzz/fuzz_NAME.c is a libFuzzer harness (LLVMFuzzerTestOneInput),
# built with clang -fsanitize=fuzzer,address,undefined (Debian:
# libclang-rt-14-dev) and run FUZZ_SECONDS (each). Seeds: the traces that
# tests/fuzz/gen_corpus.c writes into $(BUILD)/fuzz/seeds, plus
# tests/fuzz/regressions/, tests/fuzz/corpus/ and tests/fuzz/corpus_desc/
# (trace descriptions, for fuzz_desc: it mutates the description, not the
# bytes; see tests/trace_builder.h); new inputs are kept in $(BUILD)/fuzz/corpus_NAME/,
# crashes in $(BUILD)/fuzz/NAME-crash-*.
FUZZ_FLAGS := -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(HEADERS)
	@mkdir -p $(@D) && rm -f $@
	$(FUZZ_CC) $(FUZZ_FLAGS) -I. -o $@ $< $(LDLIBS)

$(BUILD)/fuzz/gen_corpus: tests/fuzz/gen_corpus.c $(wildcard tests/fuzz/*.h) $(HEADERS)
	@mkdir -p $(@D) && rm -f $@
	$(CC) $(TEST_CFLAGS) -I. -o $@ $< $(LDLIBS)

fuzz: $(FUZZERS) $(if $(wildcard tests/fuzz/gen_corpus.c),$(BUILD)/fuzz/gen_corpus)
	@if [ -z "$(FUZZERS)" ]; then \
	  echo "ctrace: no fuzz harness yet (tests/fuzz/fuzz_NAME.c)"; exit 1; fi
	@set -e; seeds=$(BUILD)/fuzz/seeds; rm -rf $$seeds; mkdir -p $$seeds; \
	if [ -x $(BUILD)/fuzz/gen_corpus ]; then $(BUILD)/fuzz/gen_corpus $$seeds; fi; \
	regress=; [ -d tests/fuzz/regressions ] && regress=tests/fuzz/regressions; \
	[ -d tests/fuzz/corpus ] && regress="$$regress tests/fuzz/corpus"; \
	[ -d tests/fuzz/corpus_desc ] && regress="$$regress tests/fuzz/corpus_desc"; \
	[ -d tests/fuzz/corpus_elf ] && regress="$$regress tests/fuzz/corpus_elf"; \
	for f in $(FUZZERS); do \
	  name=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus_$$name; \
	  echo "== $$f for $(FUZZ_SECONDS) s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(BUILD)/fuzz/$$name- $(BUILD)/fuzz/corpus_$$name $$seeds $$regress; \
	done

# ---- install / clean ---------------------------------------------------------
# ctrace.pc describes what a recording program needs: the header's folder
# and -pthread (no library: the implementation lives in the user's file).
install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 ctrace.h $(DESTDIR)$(PREFIX)/include/ctrace.h
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' '' \
	  'Name: ctrace' 'Description: trace what a C program does over time (single header; recorder flags)' \
	  'Version: $(shell sed -n 's/^#define CTRACE_VERSION_STRING "\(.*\)"/\1/p' ctrace.h)' \
	  'Cflags: -I$${includedir} -pthread' 'Libs: -pthread' \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ctrace.pc
	printf '%s\n' 'Name: ctrace-tools' 'Description: ctrace with CTRACE_TOOLS_IMPLEMENTATION (reader, report, PNG, exports)' \
	  'Version: $(shell sed -n 's/^#define CTRACE_VERSION_STRING "\(.*\)"/\1/p' ctrace.h)' \
	  'Requires: ctrace' 'Libs: -lm' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ctrace-tools.pc
	$(if $(TOOL),install -m 755 $(TOOL) $(DESTDIR)$(PREFIX)/bin/ctrace,@echo "ctrace: no tool built yet; installed the header only")
	$(if $(PRELOAD),install -d $(DESTDIR)$(PREFIX)/lib && install -m 644 $(PRELOAD) $(DESTDIR)$(PREFIX)/lib/libctrace-preload.so)

clean:
	rm -rf $(BUILD)
