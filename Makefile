# vgtriage — see README.md.  `make`, `make check`, `make install`.
# Variables: CC, BUILD (output dir), SAN=1 (ASan+UBSan), PREFIX, DESTDIR,
# BINDIR, LIBDIR, MANDIR, ... (make install; see there).  make dist: a tarball.

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
PYTHON  ?= /usr/bin/python3
PKG_CONFIG ?= pkg-config
# The version, in one place: the file VERSION.  --version and the reports
# get it from here; the man page, debian/changelog and the Python package
# (client/python) must say the same (tests/golden_install.sh checks).
VERSION := $(shell cat VERSION)

WARN    = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
          -Wmissing-prototypes -Werror
CSTD    = -std=c11 -D_POSIX_C_SOURCE=200809L
OPT     ?= -O2 -g
ifeq ($(SAN),1)
OPT     = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
          -fno-sanitize-recover=all
endif
# The libFuzzer build (make fuzz): clang, coverage-instrumented library.
ifeq ($(FUZZ),1)
OPT     = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
          -fno-sanitize-recover=all
endif

# liblzma (which libdw-dev depends on): elfsym.c bounds an object's
# .gnu_debugdata before libdwfl inflates it.
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libxml-2.0 jansson libdw liblzma)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs libxml-2.0 jansson libdw liblzma)
# libiberty (the C++ demangler valgrind itself uses) ships no .pc file:
# Debian's libiberty-dev puts a static library and <libiberty/demangle.h>.
LIBIBERTY_LIBS ?= -liberty
ifeq ($(shell printf '\043include <libiberty/demangle.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo yes),)
$(error libiberty's <libiberty/demangle.h> not found: install libiberty-dev (sh install-deps.sh))
endif
ifeq ($(shell $(PKG_CONFIG) --exists libdw && echo yes),)
$(error libdw not found by pkg-config: install libdw-dev (sh install-deps.sh))
endif
# libclang, for vgtriage-cparse (the C/C++ reader behind the hints, issue
# 13).  Debian's libclang-dev ships no .pc file: llvm-config-14 (package
# llvm-14) says where, else Debian's /usr/lib/llvm-14.
LLVM_CONFIG ?= $(shell command -v llvm-config-14 2>/dev/null || command -v llvm-config 2>/dev/null)
LLVM_PREFIX ?= /usr/lib/llvm-14
CLANG_INCLUDEDIR := $(if $(LLVM_CONFIG),$(shell $(LLVM_CONFIG) --includedir),$(LLVM_PREFIX)/include)
CLANG_LIBDIR     := $(if $(LLVM_CONFIG),$(shell $(LLVM_CONFIG) --libdir),$(LLVM_PREFIX)/lib)
HAVE_LIBCLANG    := $(if $(wildcard $(CLANG_INCLUDEDIR)/clang-c/Index.h),$(if $(wildcard $(CLANG_LIBDIR)/libclang.so),1))
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CFLAGS  ?=
ALL_CFLAGS = $(CSTD) $(OPT) $(WARN) -pthread -Iinclude -Isrc $(DEPS_CFLAGS) $(CFLAGS) -MMD -MP \
             -DVGT_LIBEXECDIR='"$(PREFIX)/libexec/vgtriage"'
LDLIBS  = $(DEPS_LIBS) $(LIBIBERTY_LIBS) -lm -pthread
ALL_CFLAGS += -DVGT_VERSION='"$(VERSION)"'

# Sources are found by folder: one folder per pipeline stage (src/README.md).
STAGES   := base model read symbols analyze explain render cmd
LIB_SRC  := $(filter-out src/cmd/main.c,$(foreach d,$(STAGES),$(wildcard src/$(d)/*.c)))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/src/%.o)
TEST_SRC := $(wildcard tests/check_*.c)
TEST_OBJ := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.o)
SUITES   := $(sort $(patsubst tests/check_%.c,%,$(filter-out tests/check_main.c,$(TEST_SRC))))

# Fuzz harnesses (tests/fuzz/fuzz_<name>.c).  The command-line parser's
# harness ("cli") parses the command line as src/cmd/cli.c does.
FUZZ_HARNESSES ?= xml_reader text_reader lsan_reader cymap suppress baseline perfmap diff_json cli elfsym demangle \
                  cparse split ccdb json_reader xml_fast
FUZZ_SECONDS   ?= 60
FUZZ_COMMON    := tests/fuzz/fuzz_common.c
REPLAYS  := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/replay_%)
FUZZERS  := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/fuzz_%)

LIB      = $(BUILD)/libvgtriage.a
BIN      = $(BUILD)/vgtriage
RUNNER   = $(BUILD)/check_vgtriage
CPARSE   = $(BUILD)/vgtriage-cparse
# run --per-test's client library (valgrind's memcheck.h behind plain
# functions, loaded by the pytest plugin), beside the binary; built
# without sanitizers: it is loaded into the programs vgtriage runs.
PERTEST_SO = $(BUILD)/libvgtriage-pertest.so
PERTEST_CFLAGS = $(CSTD) -O2 -g $(WARN) -fPIC
LIBDIR  ?= $(PREFIX)/lib
DATADIR ?= $(PREFIX)/share
# The tool, its client library and its helper (when libclang is there).
TOOLS    = $(BIN) $(PERTEST_SO) $(if $(HAVE_LIBCLANG),$(CPARSE),cparse-missing)

.PHONY: all check layering unit golden asan leakcheck testdata bench demo install clean ci cparse-missing \
	fuzz fuzz-build fuzz-replay uninstall dist
all: $(TOOLS)

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(PERTEST_SO): client/vgtriage_pertest.c client/vgtriage_pertest.h
	@mkdir -p $(dir $@)
	$(CC) $(PERTEST_CFLAGS) -shared -o $@ client/vgtriage_pertest.c

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/cmd/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# A program of its own, so that vgtriage never loads LLVM (see its header).
# Built without SAN: libclang is not instrumented.
$(CPARSE): helper/vgtriage-cparse.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O2 -g $(WARN) -I$(CLANG_INCLUDEDIR) $(CFLAGS) -o $@ $< \
		-L$(CLANG_LIBDIR) -lclang -Wl,-rpath,$(CLANG_LIBDIR)

cparse-missing:
	@echo "note: libclang not found (Debian's libclang-dev; looked in $(CLANG_INCLUDEDIR) and $(CLANG_LIBDIR)): vgtriage-cparse is not built, so C and C++ leaks get no hints" >&2

# The runner's suite list is made from the test file names, so a new
# tests/check_<module>.c (exporting <module>_suite) joins by existing.
$(BUILD)/tests/suites.def: $(TEST_SRC) Makefile
	@mkdir -p $(dir $@)
	@printf '$(foreach s,$(SUITES),VGT_SUITE($(s))\n)' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/tests/suites.def
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -DVGT_SRCDIR='"$(CURDIR)"' \
		-DVGT_BUILDDIR='"$(CURDIR)/$(BUILD)"' -c -o $@ $<

# The runner wraps Check's tcase_fn_start to mark each test for
# `vgtriage run --per-test` (tests/check_main.c).
$(BUILD)/client/vgtriage_pertest.o: client/vgtriage_pertest.c client/vgtriage_pertest.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(RUNNER): $(TEST_OBJ) $(BUILD)/client/vgtriage_pertest.o $(LIB)
	$(CC) $(ALL_CFLAGS) -Wl,--wrap=tcase_fn_start -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

check: layering unit golden fuzz-replay

# The stages' include rules (src/README.md), and a proof that each can fail.
layering:
	$(PYTHON) tests/layering.py --self-test
	$(PYTHON) tests/layering.py

# Each harness linked with a plain main() (tests/fuzz/replay_main.c), fed
# the regression inputs kept under testdata/fuzz/<harness>/.
$(BUILD)/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/replay_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/fuzz_common.o \
		$(BUILD)/fuzz/replay_main.o $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

fuzz-replay: $(REPLAYS)
	@for h in $(FUZZ_HARNESSES); do \
		d=testdata/fuzz/$$h; [ -d $$d ] || continue; \
		$(BUILD)/fuzz/replay_$$h $$d || { echo "FAIL fuzz-replay $$h"; exit 1; }; \
	done

# libFuzzer binaries (clang -fsanitize=fuzzer,address,undefined); `make
# fuzz` builds them in build-fuzz and runs each for FUZZ_SECONDS
# (FUZZ_HARNESSES picks some), one line per harness with execs and
# coverage; crashes are left in build-fuzz/artifacts/<harness>/.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/fuzz_common.o $(LIB)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

.SECONDARY: $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/fuzz_%.o) $(BUILD)/fuzz/fuzz_common.o \
	$(BUILD)/fuzz/replay_main.o

fuzz-build: $(FUZZERS)

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang FUZZ=1 FUZZ_HARNESSES="$(FUZZ_HARNESSES)" fuzz-build
	FUZZ_BUILD=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) \
		sh tests/fuzz/run.sh $(FUZZ_HARNESSES)

unit: $(RUNNER) $(TOOLS)
	$(RUNNER)

golden: $(TOOLS) $(RUNNER)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) sh tests/golden.sh

# ASan+UBSan build of the unit and golden tests, in its own build dir.
asan:
	$(MAKE) BUILD=build-asan SAN=1 check

# The tool itself under valgrind over the golden inputs: 0 errors, 0 leaks.
leakcheck: $(TOOLS) $(RUNNER)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) VGT_UNDER_VALGRIND=1 sh tests/golden.sh

# Regenerates testdata/ from real valgrind runs of tests/fixtures/.
testdata: $(TOOLS)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) sh tests/fixtures/make-testdata.sh

bench: $(BIN)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) sh tests/bench.sh

demo: $(TOOLS)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) sh demo/run-demo.sh

# make install [PREFIX=/usr/local] [DESTDIR=stage] [BINDIR= LIBDIR= MANDIR=
# INCLUDEDIR= DATADIR= PKGCONFIGDIR=]: the tool, its cparse helper (in
# PREFIX/libexec/vgtriage, where the build looks: VGT_LIBEXECDIR), the man
# page, run --per-test's client library (LIBDIR/vgtriage) with its header
# and vgtriage-pertest.pc, the pytest plugin (DATADIR/vgtriage), and the
# bash, zsh and fish completions, which the tool prints from its own option
# table.  run --per-test finds the plugin and the library from BINDIR/..:
# keep BINDIR, LIBDIR and DATADIR under one PREFIX.  make uninstall
# removes what install put.  tests/golden_install.sh tests both.
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(DATADIR)/man
INCLUDEDIR ?= $(PREFIX)/include
LIBEXECDIR_VGT = $(PREFIX)/libexec/vgtriage
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
COMPLETIONS = $(BUILD)/completions/vgtriage.bash $(BUILD)/completions/_vgtriage \
              $(BUILD)/completions/vgtriage.fish

$(LIB_OBJ) $(BUILD)/src/cmd/main.o: VERSION

$(BUILD)/completions/vgtriage.bash: $(BIN)
	@mkdir -p $(dir $@)
	$(BIN) --completions bash > $@
$(BUILD)/completions/_vgtriage: $(BIN)
	@mkdir -p $(dir $@)
	$(BIN) --completions zsh > $@
$(BUILD)/completions/vgtriage.fish: $(BIN)
	@mkdir -p $(dir $@)
	$(BIN) --completions fish > $@

install: $(TOOLS) $(COMPLETIONS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(DATADIR)/vgtriage $(DESTDIR)$(LIBDIR)/vgtriage \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/vgtriage
	if [ -x $(CPARSE) ]; then install -d $(DESTDIR)$(LIBEXECDIR_VGT) && \
		install -m 755 $(CPARSE) $(DESTDIR)$(LIBEXECDIR_VGT)/vgtriage-cparse; fi
	install -m 644 man/vgtriage.1 $(DESTDIR)$(MANDIR)/man1/vgtriage.1
	install -m 644 client/vgtriage_pytest.py $(DESTDIR)$(DATADIR)/vgtriage/vgtriage_pytest.py
	install -m 644 $(PERTEST_SO) $(DESTDIR)$(LIBDIR)/vgtriage/libvgtriage-pertest.so
	install -m 644 client/vgtriage_pertest.h $(DESTDIR)$(INCLUDEDIR)/vgtriage_pertest.h
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)/vgtriage' 'includedir=$(INCLUDEDIR)' '' \
		'Name: vgtriage-pertest' \
		'Description: per-test leak markers for vgtriage run --per-test (test harnesses)' \
		'Version: $(VERSION)' \
		'Libs: -L$${libdir} -Wl,-rpath,$${libdir} -lvgtriage-pertest' \
		'Cflags: -I$${includedir}' > $(DESTDIR)$(PKGCONFIGDIR)/vgtriage-pertest.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/vgtriage-pertest.pc
	install -m 644 $(BUILD)/completions/vgtriage.bash $(DESTDIR)$(BASHCOMPDIR)/vgtriage
	install -m 644 $(BUILD)/completions/_vgtriage $(DESTDIR)$(ZSHCOMPDIR)/_vgtriage
	install -m 644 $(BUILD)/completions/vgtriage.fish $(DESTDIR)$(FISHCOMPDIR)/vgtriage.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vgtriage $(DESTDIR)$(LIBEXECDIR_VGT)/vgtriage-cparse \
		$(DESTDIR)$(MANDIR)/man1/vgtriage.1 $(DESTDIR)$(DATADIR)/vgtriage/vgtriage_pytest.py \
		$(DESTDIR)$(LIBDIR)/vgtriage/libvgtriage-pertest.so \
		$(DESTDIR)$(INCLUDEDIR)/vgtriage_pertest.h \
		$(DESTDIR)$(PKGCONFIGDIR)/vgtriage-pertest.pc \
		$(DESTDIR)$(BASHCOMPDIR)/vgtriage $(DESTDIR)$(ZSHCOMPDIR)/_vgtriage \
		$(DESTDIR)$(FISHCOMPDIR)/vgtriage.fish
	-rmdir $(DESTDIR)$(LIBEXECDIR_VGT) $(DESTDIR)$(DATADIR)/vgtriage \
		$(DESTDIR)$(LIBDIR)/vgtriage 2>/dev/null

# make dist: $(BUILD)/vgtriage-VERSION.tar.gz, the committed tree (git
# archive of HEAD) under vgtriage-VERSION/; it builds and passes make check
# where it is unpacked (tests/golden_install.sh builds one).
DIST = $(BUILD)/vgtriage-$(VERSION).tar.gz
dist:
	@mkdir -p $(BUILD)
	git archive --format=tar.gz --prefix=vgtriage-$(VERSION)/ -o $(DIST) HEAD
	@echo "dist: $(DIST)"

clean:
	rm -rf build build-* 

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/src/cmd/main.d $(wildcard $(BUILD)/fuzz/*.d) \
	$(BUILD)/client/vgtriage_pertest.d
