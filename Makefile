# pinglab — top-level build. `make help` lists the targets.
#
# Every library folder (common/, packet/, netlab/) is compiled into build/libpinglab.a;
# each program folder links against it. New .c files are picked up by wildcard, so
# adding a source file never needs a Makefile edit.

SHELL     := /bin/bash
BUILD     ?= build
CC        ?= cc
PKGS      := libnl-3.0 libnl-route-3.0 libcurl libcjson
OPTIONAL_PKGS := libmicrohttpd libcap-ng
HAVE_PKG   = $(shell pkg-config --exists $(1) && echo yes)

WARN      := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Wshadow
# CFLAGS/LDFLAGS stay the user's (e.g. make CFLAGS=-O0); the project's own flags are
# added in PL_CFLAGS/PL_LDFLAGS so a command-line CFLAGS cannot drop them.
CFLAGS    ?= -O2 -g
PL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP -I. $(shell pkg-config --cflags $(PKGS))
PL_LDLIBS := $(shell pkg-config --libs $(PKGS)) -lm
# the version every report records: git describe of the checkout, or "unknown";
# build/version.h changes only when it does, so only its users recompile
PL_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
PL_CFLAGS += -I$(BUILD)
PL_LDFLAGS :=
ifeq ($(call HAVE_PKG,libcap-ng),yes)
PL_CFLAGS += -DHAVE_CAPNG
endif

ifeq ($(FUZZ),1)
PL_CFLAGS  += -fsanitize=fuzzer-no-link
endif

ifeq ($(SAN),1)
PL_CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
PL_LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

LIB_DIRS  := common packet record netlab scenario wire model report
LIB_SRCS  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libpinglab.a

# program name : source folder
PROGS     := pinglab:lab pinglab-gen:gen pinglab-responder:responder pinglab-mockllm:mockllm pinglab-echod:echod
prog_dir   = $(word 2,$(subst :, ,$(filter $(1):%,$(PROGS))))
prog_objs  = $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(call prog_dir,$(1))/*.c))
BINS      := $(foreach p,$(PROGS),$(if $(wildcard $(word 2,$(subst :, ,$(p)))/*.c),$(BUILD)/$(word 1,$(subst :, ,$(p)))))

TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
TEST_BIN  := $(BUILD)/pinglab-tests
# Criterion runs each test in its own process; two workers match the 2-core target machine.
TEST_ARGS ?= --jobs 2

.PHONY: all test check valgrind ci clean help lab bench fuzz fuzz-smoke
all: $(BINS) ## build the five programs into build/ (the default target)

$(BUILD)/version.h: FORCE
	@mkdir -p $(BUILD)
	@echo '#define PL_VERSION "$(PL_VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE
FORCE:

$(BUILD)/lab/run.o $(BUILD)/responder/be_http.o: $(BUILD)/version.h

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(PL_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

.SECONDEXPANSION:
$(BINS): $(BUILD)/%: $$(call prog_objs,$$*) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(PL_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(PL_LDLIBS) $(EXTRA_LIBS_$*) $(LDLIBS)

EXTRA_LIBS_pinglab-mockllm   = $(shell pkg-config --libs libmicrohttpd 2>/dev/null)
EXTRA_LIBS_pinglab-responder = $(shell pkg-config --libs libcap-ng 2>/dev/null)

# the test objects include Criterion's headers: its compile flags too (e.g. -pthread)
$(TEST_OBJS): PL_CFLAGS += $(shell pkg-config --cflags criterion)

$(TEST_BIN): $(TEST_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(PL_LDFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJS) $(LIB) $(PL_LDLIBS) $(shell pkg-config --libs criterion) $(LDLIBS)

test: all $(TEST_BIN) ## build everything and run the Criterion suite (namespace tests skip without root)
	$(Q)PINGLAB_BUILD=$(abspath $(BUILD)) $(TEST_BIN) $(TEST_ARGS)

# CI never skips the SDK conformance suite (tests/test_sdk.c): without node 20+ or the
# SDKs that setup.sh installs, its tests fail instead
ci: export PINGLAB_REQUIRE_SDK = 1
ci: ## everything CI runs: test, check (ASan+UBSan), valgrind, fuzz-smoke (two fuzzers at once); the SDK suite may not skip
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory valgrind
	$(Q)$(MAKE) --no-print-directory -j2 fuzz-smoke

valgrind: all $(TEST_BIN) ## the test suite with every pinglab program under valgrind memcheck; fails on any error or leak
	$(Q)tests/valgrind.sh $(abspath $(BUILD)) $(TEST_ARGS)

check: ## the test suite again under ASan+UBSan, failing on any report
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MAKE) --no-print-directory BUILD=build/san SAN=1 CFLAGS="-O1 -g" test

# make lab: the end-to-end regression. Offline by default (the simulated model, its
# latency shrunk by SCALE); BACKEND=anthropic MODEL=... or BACKEND=openai BASE_URL=...
# MODEL=... for a real model (the key from ANTHROPIC_API_KEY/OPENAI_API_KEY or
# KEY_FILE=path, mode 0600). Needs root (network namespaces).
BACKEND ?= mock
PROFILE ?= sim-haiku-like
SCALE   ?= 0.02
SEED    ?= 1
# the simulated model's stalls outlast any timeout on purpose; 5 s is plenty for a
# scaled-down simulated answer and keeps a stalled request from costing a minute
MOCK_TIMEOUT ?= 5000
# MODELS: the model targets, as specs (README, "Several models in one run"), beside the
# kernel and the reference. Offline the default is two simulated models side by side;
# BACKEND=anthropic|openai, MODEL= or PROFILE= on the command line mean one model target
# made from those flags instead (MODELS= still lists several).
ifeq ($(BACKEND) $(origin PROFILE) $(origin MODEL),mock file undefined)
MODELS ?= mock:sim-haiku-like,mock:sim-sloppy
endif
LAB_TARGETS = kernel,reference,$(MODELS)
comma := ,
# a real model among MODELS keeps the backends' own timeout, not the simulated one's
LAB_REAL = $(filter-out mock:%,$(subst $(comma), ,$(MODELS)))
LAB_ARGS = --backend $(BACKEND) $(if $(MODEL),--model $(MODEL)) $(if $(BASE_URL),--base-url $(BASE_URL)) \
	   $(if $(filter mock,$(BACKEND)),--profile $(PROFILE) --scale $(SCALE) $(if $(LAB_REAL),,--model-timeout $(MOCK_TIMEOUT))) \
	   $(if $(KEY_FILE),--key-file $(KEY_FILE)) $(if $(RESPONDER_USER),--responder-user $(RESPONDER_USER)) \
	   --seed $(SEED) \
	   $(if $(TARGETS),--targets $(TARGETS),$(if $(MODELS),--targets $(LAB_TARGETS))) $(if $(TAG),--tag $(TAG)) \
	   $(if $(MAX_COST),--max-cost $(MAX_COST)) $(if $(MAX_PACKETS),--max-packets $(MAX_PACKETS)) \
	   $(if $(PRICE),--price $(PRICE)) $(if $(TEMPERATURE),--temperature $(TEMPERATURE)) \
	   $(if $(MAX_TOKENS),--max-tokens $(MAX_TOKENS)) $(if $(THINKING),--thinking $(THINKING)) \
	   $(if $(REASONING_EFFORT),--reasoning-effort $(REASONING_EFFORT)) $(if $(STACK),--stack $(STACK))
lab: all ## the whole scenario library against kernel, reference and the models (root; STACK=echo|host, MODELS, BACKEND, MODEL, BASE_URL, KEY_FILE, RESPONDER_USER, PROFILE, SCALE, TAG, MAX_COST, MAX_PACKETS, PRICE, TEMPERATURE, MAX_TOKENS, THINKING, REASONING_EFFORT)
	$(Q)$(BUILD)/pinglab run $(LAB_ARGS)

clean: ## remove build outputs (not reports)
	$(Q)rm -rf build

help: ## list targets
	@echo "pinglab make targets (plain 'make' is 'make all'):"
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([^:]*):.*## (.*)/\1\t\2/' | \
		awk -F '\t' '{ printf "  %-16s %s\n", $$1, $$2 }'
	@printf '  %-16s %s\n' V=1 'show the commands'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

bench: all ## benchmarks side by side in one run, table + bench/results.json (root; QUICK=1 for a short run)
	$(Q)PINGLAB_BUILD=$(abspath $(BUILD)) bench/bench.sh $(if $(QUICK),--quick)

# Fuzzing: libFuzzer targets in fuzz/ (the LLVMFuzzerTestOneInput entry point, which
# AFL++ also drives through afl-clang-fast -fsanitize=fuzzer), built with clang, ASan
# and UBSan into build/fuzz/; seeds in fuzz/corpus/<target>/.
FUZZ_TARGETS := packet extract scenario model pcap
FUZZ_SECONDS ?= 60
fuzz: ## build the libFuzzer targets (clang, ASan+UBSan) into build/fuzz/
	$(Q)$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang FUZZ=1 SAN=1 CFLAGS="-O1 -g" \
		$(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/fuzz_%: fuzz/fuzz_%.c $(LIB)
	$(call msg,FUZZ,$@)
	$(Q)$(CC) $(PL_CFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(PL_LDLIBS)

fuzz-smoke: $(FUZZ_TARGETS:%=fuzz-smoke-%) ## run each fuzz target for FUZZ_SECONDS (default 60) from its seed corpus (-j2: two at once)

# one target's run: its new inputs go to build/fuzz/corpus/<target>, a crash to
# build/fuzz/crashes/ and fails the target
fuzz-smoke-%: fuzz
	$(Q)mkdir -p build/fuzz/corpus/$* build/fuzz/crashes
	$(Q)echo "fuzz $*: $(FUZZ_SECONDS) s"
	$(Q)set -o pipefail; build/fuzz/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=512 \
		-print_final_stats=1 -artifact_prefix=build/fuzz/crashes/$*- \
		build/fuzz/corpus/$* fuzz/corpus/$* 2>&1 | \
		grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==.*ERROR|SUMMARY)" | sed 's/^/fuzz $*: /'

# ---- lab topology (issue 4) ----------------------------------------------------------
ROUNDS ?= 20
.PHONY: bench-topology
bench-topology: all ## time pinglab up+down against the same topology built by ip/tc (root; ROUNDS=20)
	$(Q)PINGLAB=$(abspath $(BUILD))/pinglab bench/topology.sh $(ROUNDS)
# ---- end lab topology ------------------------------------------------------------------
