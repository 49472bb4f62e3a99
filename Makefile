# grader - build, test, install. Every dependency is found with pkg-config.
# `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
PKGS     = libgit2 libseccomp libcjson yaml-0.1 sqlite3 libpq libcurl libmicrohttpd libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -fstack-protector-strong $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -I. $(PKG_CFLAGS)
LDLIBS_ALL = -Wl,--as-needed $(PKG_LIBS) -lpthread -lm $(EXTRA_LDFLAGS)
LDLIBS_CORE = -Wl,--as-needed $(filter-out -lcurl -lpq,$(PKG_LIBS)) -ldl -lpthread -lm $(EXTRA_LDFLAGS)

MAINS    := grader/cli/main.c grader/cli/core_main.c grader/cli/serve_main.c
# grader-core's own: libcurl and libpq loaded on first use (lazy_libs.c)
CORE_ONLY := grader/cli/lazy_libs.c
LIB_SRC  := $(sort $(wildcard sandbox/*.c grader/*/*.c grader/report/writers/*.c runners/*.c))
LIB_SRC  := $(filter-out $(MAINS) $(CORE_ONLY),$(LIB_SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/web_assets.o
# The web pages' files (web/; docs/web.md), embedded into the library as
# a generated C file so the daemon never reads them from disk.
WEB_FILES := $(sort $(filter-out web/embed.sh,$(wildcard web/*)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HOSTILE_SRC := $(sort $(wildcard tests/hostile/*.c))
HOSTILE_BIN := $(HOSTILE_SRC:tests/hostile/%.c=$(BUILD)/hostile/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SECONDS ?= 30

.PHONY: all test unit e2e hostile fuzz fuzz-smoke asan lint format install deb bench demo clean deps help sandbox-lib

all: $(BUILD)/grader $(BUILD)/grader-core $(BUILD)/grader-serve $(BUILD)/grader-sqlite

help:
	@echo "make [all]        build $(BUILD)/grader"
	@echo "make deps         install the Debian packages the build and tests need"
	@echo "make test         unit, end-to-end, hostile-program and fuzz-regression tests"
	@echo "make sandbox-lib  $(BUILD)/libsandbox.a alone, and a program linked with only it"
	@echo "make asan         the same tests under AddressSanitizer + UBSan (build-asan/)"
	@echo "make fuzz         each libFuzzer target for FUZZ_SECONDS (default 30)"
	@echo "make bench        benchmarks (figures, never pass/fail)"
	@echo "make demo         the daemon grades a sample learner's push against the bundled course"
	@echo "make lint|format  cppcheck + clang-tidy | clang-format in place"
	@echo "make install      PREFIX=$(PREFIX) DESTDIR=..."
	@echo "make deb          a Debian package in $(BUILD)/ (ci/make-deb.sh)"

deps:
	@sh ci/install-deps.sh

# demo, test, bench, fuzz and asan install the packages first and then build
# in a second make ($(MAKE) ...): this one ran pkg-config when it read the
# Makefile, before `deps` could install pkg-config and the libraries.

# need_pkgs MODULES: a recipe that stops the build, naming the missing
# libraries and how to get them, rather than a compiler error on a header.
need_pkgs = command -v pkg-config >/dev/null || { echo "pkg-config is not installed: run 'make deps' (ci/install-deps.sh)" >&2; exit 1; }; \
	pkg-config --exists $(1) && exit 0; m=""; for p in $(1); do pkg-config --exists $$p || m="$$m $$p"; done; \
	echo "pkg-config finds no$$m: run 'make deps' (ci/install-deps.sh)" >&2; exit 1
.PHONY: have-libs have-check
have-libs:
	@$(call need_pkgs,$(PKGS))
have-check:
	@$(call need_pkgs,check)

$(BUILD)/obj/%.o: %.c | have-libs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/web_assets.c: $(WEB_FILES) web/embed.sh
	@mkdir -p $(dir $@)
	sh web/embed.sh $(WEB_FILES) >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/web_assets.o: $(BUILD)/gen/web_assets.c | have-libs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The pytest kind embeds its plugin's source (.incbin): rebuild on a change.
$(BUILD)/obj/runners/pytest_run.o: runners/pytest_plugin.py
# The pytest-tests kind embeds its mutant generator the same way.
$(BUILD)/obj/runners/pytest_tests.o: runners/pytest_mutate.py

$(BUILD)/libgrader.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# sandbox/ alone (DESIGN.md: below everything and buildable alone): its
# objects in their own archive and a program linked with only that and
# libseccomp, which tests/run-all.sh runs. The grep refuses an include of
# anything outside sandbox/.
SBX_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard sandbox/*.c)))
SBX_LIBS = $(shell pkg-config --libs libseccomp 2>/dev/null) -lpthread -lm $(EXTRA_LDFLAGS)

sandbox-lib: $(BUILD)/sandbox-alone

$(BUILD)/libsandbox.a: $(SBX_OBJ)
	@! grep -n '#include "' sandbox/*.[ch] | grep -v '#include "sandbox/' || \
	  { echo "sandbox/ may include only its own headers, libc and libseccomp" >&2; exit 1; }
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/sandbox-alone: tests/sandbox-alone/main.c $(BUILD)/libsandbox.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libsandbox.a $(SBX_LIBS)

$(BUILD)/grader: $(BUILD)/obj/grader/cli/main.o $(BUILD)/libgrader.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# The grading core (`grader grade|lint|check|report` exec it): libgit2,
# libyaml and libcrypto load here, not in `grader sandbox`; libcurl (the
# http kind) and libpq (PostgreSQL) only when an exercise first calls them
# (grader/cli/lazy_libs.c), so a grading that needs neither does not pay
# for loading them and the 30-odd libraries they pull in.
$(BUILD)/grader-core: $(BUILD)/obj/grader/cli/core_main.o $(BUILD)/obj/grader/cli/lazy_libs.o $(BUILD)/libgrader.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_CORE)

# The daemon (`grader serve` execs it): the only binary that needs libpq,
# SQLite and libmicrohttpd (and libcurl for callbacks, as the core does).
$(BUILD)/grader-serve: $(BUILD)/obj/grader/cli/serve_main.o $(BUILD)/libgrader.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# The sql kind's SQLite engine runs inside the sandbox, so it is built
# plainly, without the sanitizers of an asan or fuzz build (their
# runtimes need ptrace and /proc the sandbox refuses), and linked with
# only libsqlite3 and cJSON.
SQLITE_HELPER_CFLAGS = -std=gnu11 -D_GNU_SOURCE -O2 -g -fstack-protector-strong $(WARN) \
	$(shell pkg-config --cflags sqlite3 libcjson 2>/dev/null)
$(BUILD)/grader-sqlite: runners/helpers/grader_sqlite.c | have-libs
	@mkdir -p $(dir $@)
	$(CC) $(SQLITE_HELPER_CFLAGS) -o $@ $< $(shell pkg-config --libs sqlite3 libcjson 2>/dev/null)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libgrader.a | have-check
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(BUILD)/libgrader.a $(LDLIBS_ALL) $(CHECK_LIBS)

# Hostile programs are built plainly, without our hardening flags: they
# are what learners would write.
$(BUILD)/hostile/%: tests/hostile/%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -w -o $@ $< -lpthread

test: deps
	@$(MAKE) --no-print-directory all sandbox-lib $(UNIT_BIN) $(HOSTILE_BIN) fuzz-build
	@GRADER=$(abspath $(BUILD)/grader) BUILD=$(abspath $(BUILD)) sh tests/run-all.sh

unit: $(UNIT_BIN)
	@BUILD=$(abspath $(BUILD)) sh tests/run-unit.sh

e2e: all
	@GRADER=$(abspath $(BUILD)/grader) BUILD=$(abspath $(BUILD)) sh tests/e2e/run.sh

hostile: all $(HOSTILE_BIN)
	@GRADER=$(abspath $(BUILD)/grader) BUILD=$(abspath $(BUILD)) sh tests/hostile/run.sh
	@GRADER=$(abspath $(BUILD)/grader) BUILD=$(abspath $(BUILD)) sh tests/hostile/rootless.sh

# libFuzzer targets: clang, ASan + UBSan, linked with the library sources
# built the same way (build-fuzz/).
FUZZ_BUILD = build-fuzz
fuzz-build:
	@if command -v clang >/dev/null; then \
	  $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	    CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
	    $(FUZZ_BUILD)/libgrader.a fuzz-bins; fi

fuzz-bins: $(FUZZ_BIN)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libgrader.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/libgrader.a $(LDLIBS_ALL)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(abspath $(FUZZ_BUILD)) sh tests/fuzz/run.sh

asan: deps
	@$(MAKE) --no-print-directory $(HOSTILE_BIN)
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" \
	  build-asan/grader build-asan/grader-core build-asan/grader-serve build-asan/grader-sqlite build-asan/sandbox-alone $(UNIT_SRC:tests/unit/%.c=build-asan/tests/%)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  GRADER=$(abspath build-asan/grader) BUILD=$(abspath build-asan) HOSTILE_BUILD=$(abspath $(BUILD)) \
	  GRADER_SKIP_FUZZ=1 sh tests/run-all.sh

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -I. $(LIB_SRC) $(MAINS)
	clang-tidy --quiet $(LIB_SRC) $(MAINS) -- $(ALL_CFLAGS) -Wno-error

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/grader $(DESTDIR)$(PREFIX)/share/doc/grader
	install -m 0755 $(BUILD)/grader $(BUILD)/grader-core $(BUILD)/grader-serve $(BUILD)/grader-sqlite $(DESTDIR)$(PREFIX)/bin/
	cp -R exercises $(DESTDIR)$(PREFIX)/share/grader/
	cp -R docs/. $(DESTDIR)$(PREFIX)/share/doc/grader/

deb: deps
	@$(MAKE) --no-print-directory all
	@sh ci/make-deb.sh $(BUILD) $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@GRADER=$(abspath $(BUILD)/grader) BUILD=$(abspath $(BUILD)) sh bench/run.sh

$(BUILD)/bench/%: bench/%.c $(BUILD)/libgrader.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libgrader.a $(LDLIBS_ALL)

demo: deps
	@$(MAKE) --no-print-directory all
	@GRADER=$(abspath $(BUILD)/grader) sh ci/demo.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) build-asan -name '*.d' 2>/dev/null)
