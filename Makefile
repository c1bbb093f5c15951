# vgtriage — see README.md.  `make`, `make check`, `make install`.
# Variables: CC, BUILD (output dir), SAN=1 (ASan+UBSan), PREFIX, DESTDIR.

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
PYTHON  ?= /usr/bin/python3
PKG_CONFIG ?= pkg-config

WARN    = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
          -Wmissing-prototypes -Werror
CSTD    = -std=c11 -D_POSIX_C_SOURCE=200809L
OPT     ?= -O2 -g
ifeq ($(SAN),1)
OPT     = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
          -fno-sanitize-recover=all
endif

DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libxml-2.0 jansson)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs libxml-2.0 jansson)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CFLAGS  ?=
ALL_CFLAGS = $(CSTD) $(OPT) $(WARN) -Iinclude $(DEPS_CFLAGS) $(CFLAGS) -MMD -MP
LDLIBS  = $(DEPS_LIBS) -lm

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/src/%.o)
TEST_SRC := $(wildcard tests/check_*.c)
TEST_OBJ := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.o)
SUITES   := $(sort $(patsubst tests/check_%.c,%,$(filter-out tests/check_main.c,$(TEST_SRC))))

LIB      = $(BUILD)/libvgtriage.a
BIN      = $(BUILD)/vgtriage
RUNNER   = $(BUILD)/check_vgtriage
# run --per-test's client library (valgrind's memcheck.h behind plain
# functions, loaded by the pytest plugin), beside the binary; built
# without sanitizers: it is loaded into the programs vgtriage runs.
PERTEST_SO = $(BUILD)/libvgtriage-pertest.so
PERTEST_CFLAGS = $(CSTD) -O2 -g $(WARN) -fPIC
LIBDIR  ?= $(PREFIX)/lib
DATADIR ?= $(PREFIX)/share

.PHONY: all check unit golden asan leakcheck testdata bench demo install clean ci
all: $(BIN) $(PERTEST_SO)

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(PERTEST_SO): client/vgtriage_pertest.c client/vgtriage_pertest.h
	@mkdir -p $(dir $@)
	$(CC) $(PERTEST_CFLAGS) -shared -o $@ client/vgtriage_pertest.c

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# The runner's suite list is made from the test file names, so a new
# tests/check_<module>.c (exporting <module>_suite) joins by existing.
$(BUILD)/tests/suites.def: $(TEST_SRC) Makefile
	@mkdir -p $(dir $@)
	@printf '$(foreach s,$(SUITES),VGT_SUITE($(s))\n)' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/tests/suites.def
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -DVGT_SRCDIR='"$(CURDIR)"' -c -o $@ $<

# The runner wraps Check's tcase_fn_start to mark each test for
# `vgtriage run --per-test` (tests/check_main.c).
$(BUILD)/client/vgtriage_pertest.o: client/vgtriage_pertest.c client/vgtriage_pertest.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(RUNNER): $(TEST_OBJ) $(BUILD)/client/vgtriage_pertest.o $(LIB)
	$(CC) $(ALL_CFLAGS) -Wl,--wrap=tcase_fn_start -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

check: unit golden

unit: $(RUNNER) $(PERTEST_SO)
	$(RUNNER)

golden: $(BIN) $(RUNNER) $(PERTEST_SO)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) sh tests/golden.sh

# ASan+UBSan build of the unit and golden tests, in its own build dir.
asan:
	$(MAKE) BUILD=build-asan SAN=1 check

# The tool itself under valgrind over the golden inputs: 0 errors, 0 leaks.
leakcheck: $(BIN)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) VGT_UNDER_VALGRIND=1 sh tests/golden.sh

# Regenerates testdata/ from real valgrind runs of tests/fixtures/.
testdata: $(BIN)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) sh tests/fixtures/make-testdata.sh

bench: $(BIN)
	VGTRIAGE=$(BIN) sh tests/bench.sh

demo: $(BIN)
	VGTRIAGE=$(BIN) PYTHON=$(PYTHON) sh demo/run-demo.sh

install: $(BIN) $(PERTEST_SO)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(DATADIR)/vgtriage $(DESTDIR)$(LIBDIR)/vgtriage \
		$(DESTDIR)$(PREFIX)/include
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vgtriage
	install -m 644 man/vgtriage.1 $(DESTDIR)$(PREFIX)/share/man/man1/vgtriage.1
	install -m 644 client/vgtriage_pytest.py $(DESTDIR)$(DATADIR)/vgtriage/vgtriage_pytest.py
	install -m 755 $(PERTEST_SO) $(DESTDIR)$(LIBDIR)/vgtriage/libvgtriage-pertest.so
	install -m 644 client/vgtriage_pertest.h $(DESTDIR)$(PREFIX)/include/vgtriage_pertest.h

clean:
	rm -rf build build-* 

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/src/main.d $(BUILD)/client/vgtriage_pertest.d
