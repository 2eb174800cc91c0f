#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 33: the Debian packages (debian/, "make deb"), installed and removed
# with dpkg inside the guest (whose root is an overlay: nothing persists).
# The host builds them before the boot: run.sh runs tests/deb.sh when this
# case is selected (it rebuilds only when a tracked file changed) and keeps
# its TAP lines in results/deb.txt; the case fails if they failed or the
# .debs are missing.
#   - dpkg -i ib-srpt-dkms ib-srpt-tools: the postinst runs dkms add, build
#     (the compiler runs in the guest) and install for the running kernel,
#     and for the newest kernel in /boot if that is another one;
#   - dkms status says installed, modinfo -n finds updates/dkms/ib_srpt.ko,
#     the sources belong to the package;
#   - "modprobe ib_srpt rdma_cm_port=5555" by name loads a module of the
#     built module's version and srcversion (the same sources), a login
#     (target made in configfs by hand) writes and reads through it;
#   - the packaged tools work: /usr/sbin/srpt-stat --json sees the live
#     channels and --watch 1 --count 1 --json their rates, /usr/sbin/srpi
#     logs in and gets an INQUIRY answered, /usr/sbin/srpt-persist-port
#     writes and removes its option line, "man -w" finds the three pages;
#     scripts/install.sh dkms-install and dkms-uninstall refuse to touch
#     the package's files;
#   - dpkg -r, then dpkg -P: nothing left in dkms status, /usr/src,
#     updates/dkms of any kernel, /usr/sbin; modprobe loads Debian's
#     in-tree ib_srpt again.
# dpkg -i builds the module once or twice (about 100 s each under TCG on an
# idle host, several times that on a busy one, as case 32 has seen), so the
# case raises its bound:
# case-timeout: 2400
# Leaves: nothing installed, our module loaded by path with
# rdma_cm_port=5555 (as guest.sh loads it), no srpt configfs tree.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"
# shellcheck source=../install-lib.sh
. "$VMDIR/install-lib.sh"

DEB_DIR=$TOP/build/deb
PKGS=(ib-srpt-dkms ib-srpt-tools)
TOOLS=(srpi srpt-stat srpt-persist-port)
export DEBIAN_FRONTEND=noninteractive
t0=0

if [ "$MODE" = intree ]; then
	ok "deb: not applicable to the in-tree module # SKIP"
	finish
fi

# --- the packages, built on the host ----------------------------------------------
if [ ! -s "$R/deb.txt" ]; then
	not_ok "deb: tests/deb.sh did not run on the host (run.sh runs it for this case)"
elif grep -q '^not ok' "$R/deb.txt"; then
	not_ok "deb: tests/deb.sh on the host: $(grep -c '^not ok' "$R/deb.txt") failures"
	grep '^not ok' "$R/deb.txt" | sed 's/^/#   /'
else
	ok "deb: tests/deb.sh on the host: $(grep -c '^ok' "$R/deb.txt") ok"
fi
ARCH=$(dpkg --print-architecture)
DKMS_DEB=$(compgen -G "$DEB_DIR/ib-srpt-dkms_*_all.deb")
TOOLS_DEB=$(compgen -G "$DEB_DIR/ib-srpt-tools_*_$ARCH.deb")
if [ ! -r "$DKMS_DEB" ] || [ ! -r "$TOOLS_DEB" ]; then
	not_ok "deb: $DEB_DIR/ib-srpt-dkms_*_all.deb and ib-srpt-tools_*_$ARCH.deb (one each) are missing: make deb"
	finish
fi
ok "deb: packages ${DKMS_DEB##*/} ${TOOLS_DEB##*/}"
for p in "${PKGS[@]}"; do
	if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ]; then
		not_ok "deb: $p is installed on the host already: this case cannot show what installing it does"
		finish
	fi
done
need_dkms deb || finish

mark deb
WANT_V=$(modinfo -F version "$MODULE_SRC")
WANT_S=$(modinfo -F srcversion "$MODULE_SRC")
SRC_DIR=/usr/src/ib_srpt-$WANT_V
DKMS_KO=/lib/modules/$KVER/updates/dkms/ib_srpt.ko

srpt_unload
tap $? "unloaded the harness' ib_srpt (configfs tree removed, rmmod)"
modules_on_tmpfs || log "copying /lib/modules/$KVER to tmpfs failed"

# --- install ------------------------------------------------------------------------
stamp t0
dpkg -i "$DKMS_DEB" "$TOOLS_DEB" >"$W/dpkg-i.log" 2>&1
st=$?
since "$t0"
cat "$W/dpkg-i.log" >&2
tap "$st" "dpkg -i ${PKGS[*]} (status $st, ${SECS}s)"
built_for=$(sed -n 's/^Building for //p' "$W/dpkg-i.log" | head -n 1)
diag "dpkg -i took ${SECS}s; the postinst built for: ${built_for:-?}"
inst=''
for p in "${PKGS[@]}"; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	[ "$s" = "ii " ] || inst+=" $p:'$s'"
done
[ -z "$inst" ]
tap $? "dpkg: ${PKGS[*]} installed${inst:+ (not:$inst)}"
dkms_installed
[ "$(dpkg-query -S "$SRC_DIR/dkms.conf" 2>/dev/null)" = "ib-srpt-dkms: $SRC_DIR/dkms.conf" ] &&
	[ -r "$SRC_DIR/ib_srpt.c" ]
tap $? "the sources in $SRC_DIR belong to ib-srpt-dkms"
# make dkms-install / dkms-uninstall must not take the package's files away.
KVER=$KVER "$INSTALL" dkms-uninstall >"$W/inst33.log" 2>&1
st1=$?
KVER=$KVER "$INSTALL" dkms-install >>"$W/inst33.log" 2>&1
st2=$?
cat "$W/inst33.log" >&2
[ "$st1" != 0 ] && [ "$st2" != 0 ] && [ "$(grep -c 'Debian package ib-srpt-dkms' "$W/inst33.log")" = 2 ] &&
	[ "$(dkms status -m ib_srpt 2>/dev/null)" = "$DKMS_STATUS" ] && [ -r "$SRC_DIR/ib_srpt.c" ] && exists "$DKMS_KO"
tap $? "scripts/install.sh dkms-uninstall and dkms-install refuse to touch the package's ib_srpt (status $st1, $st2)"

modprobe_by_name
loaded_is_ours
ours=$?
tap "$ours" "modprobe loaded the packaged DKMS build: version '$HAVE_V' srcversion '$HAVE_S' (built module: '$WANT_V' '$WANT_S')"

# --- a login, and the packaged tools on the live module ------------------------------
DBG=/sys/kernel/debug
[ -r "$DBG/ib_srpt/ports" ] || mount -t debugfs debugfs "$DBG"
target_ids
if [ "$ours" != 0 ]; then
	not_ok "a login with the packaged module and the packaged tools on it: not run, the loaded ib_srpt is not the package's"
elif rd_target 33 && srp_login && srp_disks 1; then
	ok "a login works with the packaged module (${SECS}s)"
	write_read_back 33
	/usr/sbin/srpt-stat --json >"$W/stat33.json" 2>&1
	st=$?
	cat "$W/stat33.json" >&2
	[ "$st" = 0 ] && python3 - "$W/stat33.json" "0x$GID_HEX" >&2 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ch = [c for c in d["channels"] if c["initiator"] == sys.argv[2]]
assert len(ch) >= 1 and all(c["state"] == "live" for c in ch), "no live channel"
assert sum(c["bytes_written"] for c in ch) >= 1 << 20, "bytes_written"
assert sum(c["bytes_read"] for c in ch) >= 1 << 20, "bytes_read"
assert d["objects"]["channels"] == len(ch), "objects"
PY
	tap $? "/usr/sbin/srpt-stat --json: the live channel of 0x$GID_HEX with the 1 MiB written and read"
	/usr/sbin/srpt-stat --watch 1 --count 1 --json >"$W/watch33.json" 2>&1
	st=$?
	cat "$W/watch33.json" >&2
	[ "$st" = 0 ] && python3 - "$W/watch33.json" "0x$GID_HEX" >&2 <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, "one report, one line"
d = json.loads(lines[0])
assert d["interval"] > 0, "interval"
ch = [c for c in d["channels"] if c["initiator"] == sys.argv[2]]
assert ch and all(c["commands_rate"] is not None for c in ch), "rates of the live channels"
PY
	tap $? "/usr/sbin/srpt-stat --watch 1 --count 1 --json: one line, the rates of the live channels"
	srp_logout "$SRP_HOST"
	tap $? "logout"
	# srpi's default initiator port ID is the GID: the ACL above admits it.
	out=$(timeout -k 5 90 /usr/sbin/srpi 'cmd cdb=inquiry' 'await t=10000' 2>&1)
	st=$?
	log "srpi: $out"
	[ "$st" = 0 ] && [[ $out == "login rsp "* ]] && grep -q '^rsp tag=1 status=0x00 ' <<<"$out"
	tap $? "/usr/sbin/srpi: login and INQUIRY answered GOOD (status $st: ${out//$'\n'/ | })"
else
	not_ok "a login works with the packaged module"
fi
conf=$W/persist33.conf
SRPT_MODPROBE_CONF=$conf /usr/sbin/srpt-persist-port 5557 >&2 2>&1 &&
	[ "$(grep -v '^#' "$conf")" = "options ib_srpt rdma_cm_port=5557" ] &&
	SRPT_MODPROBE_CONF=$conf /usr/sbin/srpt-persist-port --remove >&2 2>&1 && gone "$conf"
tap $? "/usr/sbin/srpt-persist-port writes and removes options ib_srpt rdma_cm_port=5557"
pages=''
for t in "${TOOLS[@]}"; do
	pages+=" $(man -w "$t" 2>/dev/null || echo "($t: none)")"
done
[[ $pages != *"none)"* ]]
tap $? "man -w finds the pages:$pages"

srpt_unload
tap $? "unloaded (configfs tree removed, rmmod)"
rd_target_remove

# --- remove, purge ------------------------------------------------------------------
stamp t0
dpkg -r "${PKGS[@]}" >&2 2>&1
st=$?
since "$t0"
tap "$st" "dpkg -r ${PKGS[*]} (status $st, ${SECS}s)"
dpkg -P "${PKGS[@]}" >&2 2>&1
st=$?
left=''
for p in "${PKGS[@]}"; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	[ -z "$s" ] || [ "$s" = "un " ] || left+=" $p:'$s'"
done
[ "$st" = 0 ] && [ -z "$left" ]
tap $? "dpkg -P ${PKGS[*]}: not installed, no configuration left (status $st${left:+;$left})"
status=$(dkms status -m ib_srpt 2>/dev/null)
kos=$(compgen -G "/lib/modules/*/updates/dkms/ib_srpt.ko*")
[ -z "$status" ] && [ -z "$kos" ] && gone "$SRC_DIR" && gone /var/lib/dkms/ib_srpt
tap $? "nothing left: dkms status '${status//$'\n'/; }', modules '${kos//$'\n'/ }', $SRC_DIR, /var/lib/dkms/ib_srpt"
left=''
for t in "${TOOLS[@]}"; do
	exists "/usr/sbin/$t" && left+=" /usr/sbin/$t"
	man -w "$t" >/dev/null 2>&1 && left+=" $t(8)"
done
[ -z "$left" ]
tap $? "the tools and their pages are gone${left:+ (left:$left)}"
intree_is_back

restore_harness || not_ok "restore: our module loaded by path"
dmesg_clean "deb" deb
finish
}
