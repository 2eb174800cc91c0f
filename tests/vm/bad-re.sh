# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Kernel log lines that fail a test wherever they appear: the guest's
# dmesg checks (lib.sh) and the host's checks of a guest console (ha.sh)
# source this one definition.
# shellcheck disable=SC2034 # used by the files that source this one
BAD_RE='WARNING:|BUG:|Oops|hung task|blocked for more than|KASAN|UBSAN|general protection|Call Trace:'
