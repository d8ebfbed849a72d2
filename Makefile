# SPDX-License-Identifier: MIT
# dsb: kernel module (kmod/), library (lib/), tests (tests/).
#
#   make                 build dsb.ko for every Debian test kernel (W=1, no
#                        warnings allowed), lib/ and tests/
#   make check           the test command: deps, build, unit tests (plain and
#                        ASan/UBSan), harness self-test, VM tests on 6.1,
#                        6.12, 6.1-rt and 6.12-rt, the packages
#                        (check-packages), and the debug-kernel lane
#                        when a debug kernel is available
#                        (DSB_REQUIRE_DEBUG=1: mandatory)
#   make demo            deps, build, boot the VM ($(DEMO_KVER)), load dsb and
#                        run $(DEMO_PROGS)
#   make vm CMD='...'    run a command in the VM: KVER=6.1|6.12|6.1-rt|6.12-rt|debug,
#                        ADD='file...' to copy static programs to /bin
#   make check-unit | check-vm | check-harness | check-debug
#   make install         install all of user space under PREFIX (/usr/local)
#                        and DESTDIR: libdsb (shared, soname links, static),
#                        headers, libdsb.pc, man pages, dsbctl
#   make deb             Debian packages in build/deb/ (dsb-dkms, libdsb1,
#                        libdsb-dev, dsb-tools), checked with lintian
#   make check-packages  install the packages in a fresh Debian 12 root, DKMS
#                        builds dsb.ko for 6.1 and 6.12, a VM boots each with
#                        it and runs the installed programs; then purge
#   make bench           deps, build, run the benchmark in the VM (KVER=6.1
#                        default): tests/bench/results/{results.txt,bench.png};
#                        on 6.1 a second guest, on 6.12, for the VM_BIND rows
#                        (results-vm-bind.txt; DSB_BENCH_VMBIND=0 skips it);
#                        after / before rows against DSB_BENCH_BASELINE
#                        (default 36de587; DSB_BENCH_BASELINE= for none);
#                        KVER=6.1-rt|6.12-rt: RT latency, RT vs generic
#                        (tests/bench/results/<KVER>/rt-latency.txt)
#   make KDIR=/path kmod build dsb.ko against one kernel tree only
#                        (output in build/custom/kmod/dsb.ko, without the
#                        test hooks, as a user installs it)
#
# Every target works with make -jN and uses it: the kernels' module builds
# are targets of their own (kmod-6.1, kmod-6.12, ...) and run in parallel,
# and the scripts that run make get its jobserver.

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Debian kernels the module is built for and tested on: the generic and the
# PREEMPT_RT flavours of 6.1 and 6.12 (scripts/common.sh, dsb_resolve_kver).
DSB_KVERS ?= 6.1 6.12 6.1-rt 6.12-rt
# Static programs `make demo` runs in the VM, in order; append to it.
DEMO_PROGS := tests/build/demo/demo $(addprefix lib/examples/,hello mesa_style \
	throughput uring_fences implicit_vgem sparse_binding) tests/build/demo/dsbctl_view
# 6.12: sparse_binding needs VM_BIND (drm_gpuvm), which 6.1 lacks.
DEMO_KVER ?= 6.12
# VM tests that are also run under fault injection in the debug lane.
FI_TESTS := bo_test fi_submit_test
# Test run on the DSB_NEGATIVE_CONTROL=y build of dsb.ko as the debug lane's
# negative control: it must submit jobs, and the lane must catch the
# allocation that build makes in the signalling section.
NEGCTL_TEST := submit_smoke_test

export FI_TESTS NEGCTL_TEST

# A recipe line that runs make, through a script, starts with $(SUB): '+'
# hands it make's jobserver (make -jN; without it the inner make warns
# "jobserver unavailable" and runs one job at a time). Not under make -n,
# which only prints the line.
SUB := $(if $(findstring n,$(firstword -$(MAKEFLAGS))),,+)

# The targets that install the dependencies (scripts/deps.sh) first: under
# make -jN what they build waits for it.
DEPS_GOALS := deps check-unit check-vm check-harness check-debug demo vm bench \
	bench-reclaim deb check-packages
BUILD_DEPS := $(if $(filter $(DEPS_GOALS),$(MAKECMDGOALS)),deps)

KMOD_TARGETS := $(addprefix kmod-,$(DSB_KVERS))

all: kmod lib tools tests

ifdef KDIR
kmod: $(BUILD_DEPS)
	$(SUB)KDIR="$(KDIR)" scripts/build-kmod.sh custom
else
kmod: $(KMOD_TARGETS)
endif

# dsb.ko for one test kernel (with the test hooks): make kmod-6.12
$(KMOD_TARGETS): kmod-%: $(BUILD_DEPS)
	$(SUB)scripts/build-kmod.sh $*

lib: $(BUILD_DEPS)
	$(MAKE) -C lib

tools: lib
	$(MAKE) -C lib/tools

tests: lib
	$(MAKE) -C tests

deps:
	bash scripts/deps.sh

check:
	$(SUB)scripts/check.sh

check-unit: deps tests
	$(MAKE) -C tests run-unit

check-vm: deps all
	@set -e; for k in $(DSB_KVERS); do \
		KVER=$$k DSB_VM_NO_BUILD=1 scripts/vm.sh -- dsb-run-tests; done

check-harness: deps all
	$(SUB)scripts/check-harness.sh

check-debug: deps lib tools tests
	$(SUB)scripts/check-debug.sh

demo: deps all
	$(MAKE) -C lib/examples
	$(SUB)KVER=$(DEMO_KVER) DSB_VM_NO_BUILD=$(if $(filter debug,$(DEMO_KVER)),0,1) \
		scripts/vm.sh --no-tests $(foreach p,$(DEMO_PROGS),--add $(p)) -- \
		sh -c 'set -e; $(foreach p,$(DEMO_PROGS),echo "== $(notdir $(p))"; /bin/$(notdir $(p));)'

# make vm CMD='dsb-run-tests bo_test' [KVER=6.12] [ADD='./prog ./data']
vm: deps all
	@test -n "$(CMD)" || { echo "usage: make vm CMD='command' [KVER=6.1|6.12|6.1-rt|6.12-rt|debug] [ADD='files']"; exit 2; }
	$(SUB)KVER=$(or $(KVER),6.1) scripts/vm.sh $(foreach f,$(ADD),--add $(f)) -- sh -c '$(CMD)'

# The after / before rows of make bench (issue 30) compare this tree's
# module with the one of this revision (scripts/bench.sh builds it once, in
# build/bench-baseline/); DSB_BENCH_BASELINE= turns them off.
DSB_BENCH_BASELINE ?= 36de587

bench: deps lib
	$(MAKE) -C tests/bench
	$(SUB)KVER=$(or $(KVER),6.1) DSB_BENCH_BASELINE="$(DSB_BENCH_BASELINE)" \
		scripts/bench.sh $(BENCH_ARGS)

# Reclaim under memory pressure (issue 15): its own VM with little RAM and swap.
bench-reclaim: deps lib
	$(MAKE) -C tests/bench
	$(SUB)KVER=$(or $(KVER),6.1) scripts/bench-reclaim.sh $(BENCH_ARGS)

install: lib tools
	$(MAKE) -C lib install
	$(MAKE) -C lib/tools install

deb: deps
	$(SUB)scripts/build-deb.sh

check-packages: deps deb
	scripts/check-packages.sh

clean:
	rm -rf build
	$(MAKE) -C tests clean
	$(MAKE) -C lib/examples clean
	$(MAKE) -C lib/tools clean
	$(MAKE) -C lib clean

.PHONY: all kmod $(KMOD_TARGETS) lib tools tests deps check check-unit check-vm check-harness \
	check-debug demo vm bench bench-reclaim install deb check-packages clean
