# SPDX-License-Identifier: GPL-2.0-only
#
# Out-of-tree build of ib_srpt.  Inside a kernel tree Kbuild is used instead.
#
#   make                 build ib_srpt.ko against the distribution's kernel
#                        (scripts/kver.sh; KVER=X or KDIR=/path for another)
#   make KDIR=/path      build against another kernel tree or headers
#   make unit            userspace unit tests of the wire-format unit
#   make sparse          W=1 + sparse over the module, fails on any warning
#   make stress          the long storm: 300 teardown/reconnect cycles under
#                        fio verify (STRESS_CYCLES), not part of make check
#   make soak            data-integrity soak: the backstore matrix of case 12
#                        for SOAK_MINUTES (default 120), not part of make check
#   make fuzz            libFuzzer over the wire-format unit (FUZZ_SECONDS,
#                        default 600; make check runs it for 30 s)
#   make vmtest          module tests inside a qemu guest
#   make check           everything above, ends with "N passed, N failed"
#   make check-kernels   the module (W=1 + sparse) and the whole VM suite on
#                        every kernel of the matrix (scripts/kernels.sh:
#                        6.1, 6.12 LTS, Debian's newest in a Debian 13 root);
#                        table in build/kernels/matrix.md
#   make check-intree    the sources in place of drivers/infiniband/ulp/srpt/
#                        of Debian's newest linux-source, built by the
#                        kernel's own build (W=1, sparse) and checkpatch.pl
#                        --strict (scripts/intree.sh; README "In-tree build")
#   make check-debug     the whole VM suite on a debug kernel (Debian's
#                        linux-source-6.1 with KASAN, lockdep, DEBUG_OBJECTS,
#                        kmemleak; scripts/debug-kernel.sh, built once into
#                        build/debug-kernel/); fails on any KASAN, lockdep,
#                        ODEBUG or kmemleak report (CHECK_DEBUG_CASES="10 22"
#                        for some cases only); hours, not part of make check
#   make check-fresh     make demo and make check in a fresh minimal Debian
#                        root (bookworm; FRESH_RELEASES="bookworm trixie")
#   make demo            build, boot a VM, export a LUN, read/write it over SRP
#   make ha              two target nodes (two guests), one shared disk, ALUA
#                        and dm-multipath failover under fio verify
#                        (tests/ha.sh; README "Two nodes"; about 30 minutes)
#   make bench           ours vs Debian's in-tree ib_srpt side by side in one
#                        VM boot (tests/bench/README.md; about 20 minutes)
#   make blktests        upstream blktests' srp group against Debian's in-tree
#                        ib_srpt and ours, one VM boot each (BLKTESTS=dir,
#                        BLKTESTS_ARGS="srp/002 005"; report in
#                        build/blktests/report.md; about an hour)
#   make deb             Debian packages ib-srpt-dkms and ib-srpt-tools in
#                        build/deb/ (tests/deb.sh: dpkg-buildpackage -b,
#                        checks of their contents, lintian)
#   make install         install into /lib/modules/$(KVER)/updates (+ depmod)
#   make dkms-install    register with DKMS (rebuilt for every new kernel)
#   make uninstall / dkms-uninstall   back to the in-tree module

# The distribution's kernel (scripts/kver.sh).  Recursively expanded and not
# exported: it is evaluated when a recipe needs it, i.e. after
# tests/install-deps.sh has installed the headers on a fresh machine, and each
# sub-make evaluates it again.  KVER=... or KDIR=... on the command line wins.
#
# ROOT=DIR: another Debian root (e.g. build/roots/trixie, made by
# scripts/kernels.sh install) whose kernel and compiler build the module
# (chrooted) and whose / the VM guest mounts; KVER then defaults to that
# root's kernel.
ROOT ?= /
ifeq ($(filter-out /,$(ROOT)),)
KVER ?= $(shell $(CURDIR)/scripts/kver.sh --build)
in_root :=
else
override ROOT := $(abspath $(ROOT))
KVER ?= $(shell $(CURDIR)/scripts/kernels.sh run $(ROOT) $(CURDIR)/scripts/kver.sh --build)
# The build itself runs inside ROOT (its gcc, its headers).
in_root := $(CURDIR)/scripts/kernels.sh run $(ROOT) /usr/bin/make -C $(CURDIR) ROOT=/ KVER=$(KVER)
endif
KDIR ?= /lib/modules/$(KVER)/build

KBUILD_OPTS := CONFIG_INFINIBAND_SRPT=m

.PHONY: all modules clean unit sparse fuzz fuzz-long vmtest stress soak check check-kernels check-debug check-intree \
	check-fresh demo bench ha deps \
	install uninstall dkms-install dkms-uninstall

all: modules

modules:
ifeq ($(in_root),)
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_OPTS) modules
else
	$(in_root) modules
endif

deps:
	tests/install-deps.sh

unit:
	$(MAKE) -C tests/unit run

sparse:
ifeq ($(in_root),)
	KDIR=$(KDIR) tests/sparse.sh
else
	$(in_root) sparse
endif

fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} tests/fuzz.sh

fuzz-long:
	FUZZ_RUNS=$${FUZZ_RUNS:-100000000} tests/fuzz.sh

vmtest: modules
	$(MAKE) -C tools
	KVER=$(KVER) ROOT=$(ROOT) tests/vm/run.sh

stress: modules
	$(MAKE) -C tools
	KVER=$(KVER) ROOT=$(ROOT) tests/stress.sh

soak: modules
	$(MAKE) -C tools
	KVER=$(KVER) ROOT=$(ROOT) tests/soak.sh $(SOAK_MINUTES)

check:
	tests/check.sh

check-kernels:
	tests/kernels.sh

check-debug:
	tests/check-debug.sh $(CHECK_DEBUG_CASES)

check-fresh:
	tests/check-fresh.sh $(FRESH_RELEASES)

.PHONY: deb
deb:
	tests/deb.sh

.PHONY: check-intree
check-intree:
	scripts/intree.sh

ha:
	tests/install-deps.sh
	$(MAKE) modules
	KVER=$(KVER) ROOT=$(ROOT) tests/ha.sh $(HA_ARGS)

bench:
	tests/install-deps.sh
	$(MAKE) modules
	$(MAKE) -C tools
	KVER=$(KVER) ROOT=$(ROOT) tests/bench.sh $(BENCH_ARGS)

.PHONY: blktests
blktests:
	tests/install-deps.sh
	$(MAKE) modules
	KVER=$(KVER) tests/blktests.sh $(BLKTESTS_ARGS)

demo:
	tests/install-deps.sh
	$(MAKE) modules
	KVER=$(KVER) ROOT=$(ROOT) tests/vm/run.sh --demo

install: modules
	KVER=$(KVER) KDIR=$(KDIR) scripts/install.sh install

uninstall:
	KVER=$(KVER) KDIR=$(KDIR) scripts/install.sh uninstall

dkms-install:
	KVER=$(KVER) KDIR=$(KDIR) scripts/install.sh dkms-install

dkms-uninstall:
	KVER=$(KVER) KDIR=$(KDIR) scripts/install.sh dkms-uninstall

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tools clean
	rm -rf build
