# confine: build, test, demo and bench (see README.md). Quiet by default; V=1 shows commands.
CC ?= gcc
CXX ?= g++
# SANITIZE=1: the CLI, the core library, gen_table and the unit tests with ASan+UBSan, in their
# own tree (the guard keeps a plain copy of the core: it is preloaded into programs without ASan).
ifeq ($(SANITIZE),1)
BUILD ?= build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
export ASAN_OPTIONS := halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS := halt_on_error=1:print_stacktrace=1
endif
BUILD ?= build
OPT ?= -O2 -g

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

PKGS := libelf libdw capstone jansson
DEP_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lZydis -liberty -lpthread
WARN := -Wall -Wextra -Werror
CFLAGS_ALL = -std=gnu11 $(OPT) -fPIC $(WARN) -D_GNU_SOURCE -Ianalyzer $(DEP_CFLAGS) -MMD -MP $(CFLAGS)

CORE_SRCS := $(wildcard analyzer/*.c)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/analyzer/rules_data.o \
	$(BUILD)/obj/analyzer/graph_page.o $(BUILD)/obj/analyzer/sync_data.o
CLI_SRCS := $(wildcard analyzer/cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
CORE_LIB := $(BUILD)/lib/libconfine.a
CONFINE := $(BUILD)/bin/confine

.PHONY: all deps deps-test deps-bench probe probe-test test check demo demo-run bench \
	bench-run rules rules-check clean fixtures golden fuzz deps-fuzz
.DEFAULT_GOAL := all

GEN := $(BUILD)/gen
GUARD_SRCS := $(filter-out runtime_guard/gen_table.c,$(wildcard runtime_guard/*.c))
GUARD_OBJS := $(GUARD_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/runtime_guard/trampoline.o
GUARD_LIB := $(BUILD)/lib/libconfine_guard.so

SYMBOLIZER := $(BUILD)/libexec/confine/confine-symbolizer

all: $(CONFINE) $(CORE_LIB) $(GUARD_LIB) $(SYMBOLIZER)

# --- dependencies -----------------------------------------------------------------------------
deps:
	$(Q)tools/deps.sh build
deps-test:
	$(Q)tools/deps.sh test
deps-bench:
	$(Q)tools/deps.sh bench
probe:
	$(Q)tools/probe.sh
probe-test:
	$(Q)tools/probe.sh test

# --- analyzer library and CLI -----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c | probe
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN_FLAGS) -Ianalyzer/cli -Iruntime_guard -I$(GEN) -c $< -o $@

$(BUILD)/obj/analyzer/rules_data.o: analyzer/rules_data.S rules/libc.rules
	$(call msg,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -c -DRULES_FILE='"rules/libc.rules"' $< -o $@

$(BUILD)/obj/analyzer/graph_page.o: analyzer/graph_page.S analyzer/graph_page.html
	$(call msg,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -c -DPAGE_FILE='"analyzer/graph_page.html"' $< -o $@

$(BUILD)/obj/analyzer/sync_data.o: analyzer/sync_data.S rules/sync.rules
	$(call msg,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -c -DSYNC_FILE='"rules/sync.rules"' $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# The CLI shares the guard's option table and parser (confine run --explain, --help-options).
CLI_GUARD_OBJS := $(BUILD)/obj/runtime_guard/options.o

$(CONFINE): $(CLI_OBJS) $(CLI_GUARD_OBJS) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(OPT) $(SAN_FLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(CLI_GUARD_OBJS) $(CORE_LIB) $(DEP_LIBS)

# --- runtime guard -----------------------------------------------------------------------------
# The guard's symbolizer, a program of its own: the guard finds it as ../libexec/confine/.
$(SYMBOLIZER): $(BUILD)/obj/analyzer/symbolizer/symbolizer.o $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(OPT) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# The guard links the core without sanitizers (a plain copy under SANITIZE=1).
ifeq ($(SANITIZE),1)
GUARD_CORE_LIB := $(BUILD)/lib/libconfine_plain.a

$(BUILD)/obj-plain/%.o: %.c | probe
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

# The data objects (rules, sync rules, graph page) need no sanitizer: the same ones as CORE_OBJS.
$(GUARD_CORE_LIB): $(CORE_SRCS:%.c=$(BUILD)/obj-plain/%.o) $(filter-out $(CORE_SRCS:%.c=$(BUILD)/obj/%.o),$(CORE_OBJS))
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^
else
GUARD_CORE_LIB := $(CORE_LIB)
endif

# The interposition table and export list are generated from the rules by the core's parser.
$(GEN)/gen_table: runtime_guard/gen_table.c $(CORE_LIB)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN_FLAGS) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(DEP_LIBS)

$(GEN)/guard_table.inc: $(GEN)/gen_table
	$(call msg,GEN,$@)
	$(Q)$(GEN)/gen_table $@ $(GEN)/libconfine_guard.map

$(GEN)/libconfine_guard.map: $(GEN)/guard_table.inc

$(BUILD)/obj/runtime_guard/%.o: runtime_guard/%.c $(GEN)/guard_table.inc | probe
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_ALL) -fvisibility=hidden -I$(GEN) -Iruntime_guard -c $< -o $@

# The guard loads the decoders on first use (runtime_guard/decoders.c), by their sonames.
soname = $(shell readelf -d "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | sed -n 's/.*soname: \[\(.*\)\]/\1/p')
$(BUILD)/obj/runtime_guard/decoders.o: CFLAGS += -DCAPSTONE_SONAME='"$(call soname,capstone)"' \
	-DZYDIS_SONAME='"$(call soname,Zydis)"'

$(BUILD)/obj/runtime_guard/trampoline.o: runtime_guard/trampoline.S $(GEN)/guard_table.inc
	$(call msg,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -I$(GEN) -Iruntime_guard -c $< -o $@

$(GUARD_LIB): $(GUARD_OBJS) $(GUARD_CORE_LIB) $(GEN)/libconfine_guard.map
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -shared $(OPT) $(LDFLAGS) -o $@ $(GUARD_OBJS) $(GUARD_CORE_LIB) \
		-Wl,--version-script=$(GEN)/libconfine_guard.map -Wl,-z,now $(filter-out -lcapstone -lZydis,$(DEP_LIBS)) -ldl

# The guard's race tests preload a test build whose fault points (runtime_guard/faults.h) ask the
# program under test; only the modules that have points differ from the guard's own objects.
GUARD_FAULT_SRCS := runtime_guard/report.c runtime_guard/domains.c runtime_guard/signals.c
GUARD_FAULT_OBJS := $(GUARD_FAULT_SRCS:%.c=$(BUILD)/obj-faults/%.o) \
	$(filter-out $(GUARD_FAULT_SRCS:%.c=$(BUILD)/obj/%.o),$(GUARD_OBJS))
GUARD_FAULTS_LIB := $(BUILD)/lib/libconfine_guard-faults.so

$(BUILD)/obj-faults/runtime_guard/%.o: runtime_guard/%.c $(GEN)/guard_table.inc | probe
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_ALL) -DGUARD_FAULTS -fvisibility=hidden -I$(GEN) -Iruntime_guard -c $< -o $@

$(GUARD_FAULTS_LIB): $(GUARD_FAULT_OBJS) $(GUARD_CORE_LIB) $(GEN)/libconfine_guard.map
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -shared $(OPT) $(LDFLAGS) -o $@ $(GUARD_FAULT_OBJS) $(GUARD_CORE_LIB) \
		-Wl,--version-script=$(GEN)/libconfine_guard.map -Wl,-z,now $(DEP_LIBS) -ldl

# --- rules ------------------------------------------------------------------------------------
RULES_SRC := rules/src/libc-mt-safety.tsv rules/src/posix-not-thread-safe.tsv rules/src/overrides.tsv

# Refreshes the vendored sources from ../shared/data when present, then regenerates.
rules:
	$(Q)if [ -d ../shared/data ]; then cp ../shared/data/*.tsv rules/src/; fi
	$(Q)tools/gen-rules.sh $(RULES_SRC) > rules/libc.rules
	@echo "rules/libc.rules regenerated"
	$(Q)tools/gen-sync.sh rules/src/sync-functions.tsv rules/src/sync-cxx.tsv rules/src/sync-runtimes.tsv rules/src/sync-types.tsv > rules/sync.rules
	@echo "rules/sync.rules regenerated"

# --- tests --------------------------------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%)

TEST_HELPERS := $(BUILD)/obj/tests/helpers.o
.SECONDARY: $(TEST_HELPERS)

$(BUILD)/tests/%: tests/%.c $(TEST_HELPERS) $(CORE_LIB) | probe-test
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN_FLAGS) $(LDFLAGS) -Itests -o $@ $< $(TEST_HELPERS) $(CORE_LIB) $(DEP_LIBS) \
		$$(pkg-config --libs cmocka)

# The pool's out-of-memory path: asprintf failures are injected by wrapping it.
POOL_OBJ := $(BUILD)/obj/analyzer/cli/pool.o
$(BUILD)/tests/test_pool: tests/test_pool.c $(POOL_OBJ) $(TEST_HELPERS) $(CORE_LIB) | probe-test
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN_FLAGS) $(LDFLAGS) -Itests -Ianalyzer/cli -o $@ $< $(POOL_OBJ) $(TEST_HELPERS) \
		$(CORE_LIB) $(DEP_LIBS) -Wl,--wrap=asprintf $$(pkg-config --libs cmocka)

# The committed fuzz corpus, replayed through each fuzz target without libFuzzer (tests/fuzz/).
FUZZ_TARGETS := elf parsers
UNIT_BINS += $(FUZZ_TARGETS:%=$(BUILD)/tests/test_fuzz_%)

$(BUILD)/tests/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(CORE_LIB) | probe-test
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN_FLAGS) $(LDFLAGS) -DFUZZ_CORPUS='"tests/fuzz/corpus/$*"' -o $@ $< \
		tests/fuzz/replay.c $(CORE_LIB) $(DEP_LIBS)

# The README's test command: installs what is missing, builds, runs every test.
test: deps-test
	@$(MAKE) --no-print-directory check

check: all fixtures $(UNIT_BINS)
	@tests/run-all.sh $(BUILD)

# Rewrites the golden files from the current output (review the diff before committing).
golden: all fixtures
	@UPDATE_GOLDEN=1 tests/run-e2e.sh $(BUILD)

# The guard's scenario tests with the runtime (and the CLI) built under UBSan in $(BUILD)-ubsan,
# stopping at the first undefined behaviour; the programs under test are the plain build's.
UBSAN_OPT := -O2 -g -fsanitize=undefined -fno-sanitize-recover=undefined
GUARD_UBSAN_TESTS := guard_scenarios guard_patch guard_faults guard_stress guard_races
.PHONY: test-guard-ubsan
test-guard-ubsan: deps-test
	@$(MAKE) --no-print-directory all fixtures
	@$(MAKE) --no-print-directory BUILD=$(BUILD)-ubsan OPT="$(UBSAN_OPT)" all $(BUILD)-ubsan/lib/libconfine_guard-faults.so
	@ln -sfn $(abspath $(BUILD))/fixtures $(BUILD)-ubsan/fixtures
	@for t in $(GUARD_UBSAN_TESTS); do \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/run-e2e.sh $(BUILD)-ubsan $$t || exit 1; \
	done

# --- demo -------------------------------------------------------------------------------------
# The README's first command: installs what is missing, builds, scans and guards the fixtures.
demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: all fixtures
	@tools/demo.sh $(BUILD)

# --- bench ------------------------------------------------------------------------------------
BENCH_BINS := $(BUILD)/bench/measure $(BUILD)/bench/guard_calls $(BUILD)/bench/patch_calls \
	$(BUILD)/bench/startup

$(BUILD)/bench/measure: bench/measure.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 $(WARN) -o $@ $<

$(BUILD)/bench/guard_calls: bench/calls.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 $(WARN) -DCALL=lrand48 -o $@ $<

$(BUILD)/bench/libhot.so: bench/hot.c
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -fPIC -shared -o $@ $<

$(BUILD)/bench/patch_calls: bench/calls.c $(BUILD)/bench/libhot.so
	$(call msg,CC,$<)
	$(Q)$(CC) -std=gnu11 -O2 $(WARN) -DCALL=hot_touch -DCALL_EXTERN -o $@ $< -L$(BUILD)/bench -lhot \
		-Wl,-rpath,'$$ORIGIN'

# About 10 MB of generated text, compiled in two halves (a minute on 2 cores).
$(BUILD)/bench/big%.c: bench/gen_biglib.sh Makefile
	$(Q)mkdir -p $(@D)
	$(Q)bench/gen_biglib.sh 4300 $$(( ($* - 1) * 4300 )) > $@

$(BUILD)/bench/big%.o: $(BUILD)/bench/big%.c
	$(call msg,CC,$<)
	$(Q)$(CC) -O0 -fPIC -c -o $@ $<

$(BUILD)/bench/libbig.so: $(BUILD)/bench/big1.o $(BUILD)/bench/big2.o
	$(Q)$(CC) -shared -o $@ $^

$(BUILD)/bench/startup: bench/startup.c $(BUILD)/bench/libbig.so
	$(call msg,CC,$<)
	$(Q)$(CC) -O2 -o $@ $< -L$(BUILD)/bench -lbig -Wl,-rpath,'$$ORIGIN'

bench: deps-bench
	@$(MAKE) --no-print-directory bench-run

bench-run: all $(BENCH_BINS)
	@$(MAKE) --no-print-directory -j2 $(BENCH_BINS)
	@bench/run.sh $(BUILD)

# --- man pages and install ---------------------------------------------------------------------
# The layout is fixed below PREFIX: confine finds the guard in ../lib, the guard finds its helper
# in ../libexec/confine. DESTDIR is prepended to every path (staged installs, packaging).
PREFIX ?= /usr/local
INST := $(DESTDIR)$(PREFIX)

.PHONY: man install uninstall

$(GEN)/guard-options-man: tools/guard-options-man.c runtime_guard/guard_flags.inc
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 $(WARN) -Iruntime_guard -o $@ $<

# Pages generated from the --help texts, the guard's option table and the READMEs (tools/man.sh).
man: $(CONFINE) $(GEN)/guard-options-man
	$(call msg,MAN,$(BUILD)/man)
	$(Q)tools/man.sh $(CONFINE) $(GEN)/guard-options-man $(PREFIX) $(BUILD)/man

install: all man
	$(call msg,INSTALL,$(INST))
	$(Q)install -d $(INST)/bin $(INST)/lib $(INST)/libexec/confine $(INST)/include $(INST)/share/doc/confine \
		$(INST)/share/confine \
		$(INST)/share/man/man1 $(INST)/share/man/man5 $(INST)/share/man/man7
	$(Q)install -m 755 $(CONFINE) $(INST)/bin/confine
	$(Q)install -m 755 $(GUARD_LIB) $(INST)/lib/libconfine_guard.so
	$(Q)install -m 755 $(SYMBOLIZER) $(INST)/libexec/confine/confine-symbolizer
	$(Q)install -m 644 runtime_guard/confine.h $(INST)/include/confine.h
	$(Q)install -m 755 tools/deps.sh $(INST)/share/confine/deps.sh
	$(Q)for p in $(BUILD)/man/*.[157]; do install -m 644 $$p $(INST)/share/man/man$${p##*.}/ || exit 1; done
	$(Q)install -m 644 README.md $(INST)/share/doc/confine/README.md
	$(Q)install -m 644 rules/README.md $(INST)/share/doc/confine/rules.md
	$(Q)for f in $(wildcard docs/*); do install -m 644 $$f $(INST)/share/doc/confine/ || exit 1; done

uninstall:
	$(call msg,RM,$(INST))
	$(Q)rm -f $(INST)/bin/confine $(INST)/lib/libconfine_guard.so $(INST)/include/confine.h \
		$(INST)/share/man/man[157]/confine.[157] $(INST)/share/man/man[157]/confine-*.[157]
	$(Q)rm -rf $(INST)/share/doc/confine $(INST)/share/confine $(INST)/libexec/confine

# --- fuzzing ------------------------------------------------------------------------------------
# make fuzz: libFuzzer targets (clang; ASan+UBSan; the core instrumented for coverage) in
# $(BUILD)/fuzz/; README.md (Development) says how to run a campaign.
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/fuzz/obj/%.o) \
	$(filter-out $(CORE_SRCS:%.c=$(BUILD)/obj/%.o),$(CORE_OBJS))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
.SECONDARY: $(FUZZ_CORE_OBJS)

$(BUILD)/fuzz/obj/%.o: %.c | probe
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -std=gnu11 $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -Wall -Wextra -D_GNU_SOURCE \
		-Ianalyzer $(DEP_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_CORE_OBJS)
	$(call msg,LD,$@)
	$(Q)$(FUZZ_CC) -std=gnu11 $(FUZZ_FLAGS) -fsanitize=fuzzer -Wall -Wextra -D_GNU_SOURCE -Ianalyzer \
		$(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(FUZZ_CORE_OBJS) $(DEP_LIBS)

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

deps-fuzz:
	$(Q)tools/deps.sh fuzz

# --- fixtures -----------------------------------------------------------------------------------
include fixtures/fixtures.mk
include fixtures/survivors/survivors.mk

# --- housekeeping -----------------------------------------------------------------------------
clean:
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/obj-faults $(BUILD)/fuzz/obj -name '*.d' 2>/dev/null)
