# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers for the guest side of the VM tests; sourced by guest.sh, the
# cases and the demo.  Runs inside the guest only.
#
# Every fork costs 0.3-1 s under emulation, so these helpers use bash
# builtins where they can: time from $EPOCHREALTIME, sleeping with
# "read -t" on a FIFO, file contents with $(<file) or read.
#
# Environment from guest.sh: R (results dir), VMDIR, W (scratch directory,
# a tmpfs of the guest's own), MODE (ours|intree),
# MODULE (the snapshot of our ib_srpt.ko to load), MODULE_SRC (the built
# file it was copied from), KVER, TIME_SCALE (default 1: every time bound
# below and in the cases is multiplied by it; run.sh's TIME_SCALE).

W=${W:-/run/srptvm}			# scratch (set by guest.sh)
TIME_SCALE=${TIME_SCALE:-1}
IBDEV=rxe0				# Soft-RoCE device on veth0 (guest.sh)
RDMA_CM_PORT=5555			# the target's RDMA/CM listen port
TARGET_IP=192.0.2.1			# veth0's address
CFS=/sys/kernel/config/target
SRPT=$CFS/srpt
SRP_ADD=/sys/class/infiniband_srp/srp-$IBDEV-1/add_target
SRP_EEXIST=0			# add_target writes that met EEXIST (srp_login)
RD_MB=256				# ramdisk LUN 0 (rd_mcp)
FD_MB=64				# fileio LUN 1, file in the guest's tmpfs
FD_FILE=$W/lun/fd.img
NB_MB=256				# iblock LUN 2 on a memory-backed null_blk
NB_NAME=srptvm				# its null_blk configfs item
LOGIN_TIMEOUT=$((60 * TIME_SCALE))	# add_target write, seconds
BOUND=$((30 * TIME_SCALE))		# teardown bound, seconds
# srpi's per-step timeout (its default 5 s) on a slower kernel; a row's own
# -t, given later, wins.
SRPI_STEP=()
[ "$TIME_SCALE" -gt 1 ] && SRPI_STEP=(-t $((5000 * TIME_SCALE)))

# BAD_RE: kernel log lines that fail a test wherever they appear.
# shellcheck source=bad-re.sh
. "${BASH_SOURCE[0]%/*}/bad-re.sh"

# --- TAP ----------------------------------------------------------------------
FAILS=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
diag() { echo "# $*"; }			# a comment line in the TAP stream
log() { echo "$*" >&2; }		# the case's own log ($R/<case>.log)
# tap COND-STATUS NAME: ok or not ok from an exit status ("tap $? name").
tap() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
# finish: end a case; its exit status says whether everything passed.
finish() { exit $((FAILS > 0)); }

# --- time without forks -------------------------------------------------------------
# stamp VAR: store the current time in microseconds in VAR.
stamp() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }
# since START: set SECS to the seconds elapsed since the stamp START ("12.3").
since() {
	local d=$((${EPOCHREALTIME/./} - $1))
	printf -v SECS '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000))
}
# nap SECONDS: sleep without forking (read with a timeout on an idle FIFO).
if [ -z "${NAPFD:-}" ]; then
	mkfifo "$W/.nap.$$" 2>/dev/null
	exec {NAPFD}<>"$W/.nap.$$"
	rm -f "$W/.nap.$$"
fi
nap() { read -rt "$1" -u "$NAPFD" _ || :; }
# wait_until SECONDS CMD...: poll CMD every 0.2 s (POLL seconds if set:
# for a CMD that forks) until it succeeds (0) or the time is up (1).  SECS
# is the time it took.  CMD should be a builtin.
wait_until() {
	local limit=$(($1 * 1000000)) t0
	shift
	stamp t0
	until "$@"; do
		if [ $((${EPOCHREALTIME/./} - t0)) -ge "$limit" ]; then
			since "$t0"
			return 1
		fi
		nap "${POLL:-0.2}"
	done
	since "$t0"
	return 0
}
# bounded SECONDS CMD...: run CMD (may be a function) in the background and
# wait at most SECONDS for it.  Returns its status, or 124 if it took
# longer.  A CMD that ends within BOUND_GRACE more seconds was late (the
# bound fails, SECS says by how much) but is not stuck: on a loaded host a
# bound can be missed by a fraction of a second, and that must not cost
# the remaining cases.  One still running after that is stuck (in the
# kernel, most likely), is left behind and $W/wedged makes guest.sh skip
# the remaining cases.  SECS = time.
BOUND_GRACE=${BOUND_GRACE:-$((60 * TIME_SCALE))}
bounded() {
	local limit=$1 pid st t0
	shift
	stamp t0
	"$@" &
	pid=$!
	if ! wait_until "$limit" finished "$pid"; then
		log "still running after ${limit}s: $*"
		cat "/proc/$pid/stack" >&2 2>/dev/null
		if ! wait_until "$BOUND_GRACE" finished "$pid"; then
			echo "'$*' (pid $pid)" >"$W/wedged"
			log "still running after $((limit + BOUND_GRACE))s: $*: stuck"
			return 124
		fi
		wait "$pid"
		since "$t0"
		log "'$*' ended after ${SECS}s, over its bound of ${limit}s"
		return 124
	fi
	wait "$pid"
	st=$?
	since "$t0"
	return "$st"
}
# finished PID: the process has exited (gone or a zombie).
finished() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 0
	s=${s##*) }
	[ "${s%% *}" = Z ]
}
gone() { [ ! -e "$1" ]; }
exists() { [ -e "$1" ]; }

# --- kernel log ---------------------------------------------------------------------
# mark NAME: put a marker line into the kernel log.
mark() { echo "srptvm: mark $1" >/dev/kmsg; }
# kmsg_since NAME: the kernel log from marker NAME on.
kmsg_since() { dmesg | sed -n "/srptvm: mark $1\$/,\$p"; }
# dmesg_clean LABEL [MARK]: TAP line "dmesg clean (LABEL)", failing on any
# warning, oops or hung task in the kernel log (after MARK if given).
dmesg_clean() {
	local bad
	if [ -n "${2:-}" ]; then
		bad=$(kmsg_since "$2" | grep -E "$BAD_RE")
	else
		bad=$(dmesg | grep -E "$BAD_RE")
	fi
	if [ -z "$bad" ]; then
		ok "dmesg clean ($1)"
		return 0
	fi
	not_ok "dmesg clean ($1)"
	head -n 30 <<<"$bad" | sed 's/^/#   /'
	return 1
}

# --- kmemleak (kernels with CONFIG_DEBUG_KMEMLEAK: make check-debug) ---------------
KMEMLEAK=/sys/kernel/debug/kmemleak
# kmemleak_report FILE: two scans (kmemleak reports an object once it is
# older than 5 s and no scan found a reference to it), then its current
# suspects into FILE; KMEMLEAK_N = how many.  Returns 1 (FILE untouched)
# on a kernel without kmemleak.
kmemleak_report() {
	local l
	[ -e "$KMEMLEAK" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -e "$KMEMLEAK" ] || return 1
	echo scan >"$KMEMLEAK" 2>/dev/null
	nap 6
	echo scan >"$KMEMLEAK" 2>/dev/null
	cat "$KMEMLEAK" >"$1" 2>/dev/null
	KMEMLEAK_N=0
	while read -r l; do
		[[ $l == "unreferenced object "* ]] && KMEMLEAK_N=$((KMEMLEAK_N + 1))
	done <"$1"
	return 0
}

# --- the module under test ---------------------------------------------------------
# load_target_module [PREFIX]: load ib_srpt (ours from $MODULE, or the in-tree one with
# --intree) and print the TAP line "[PREFIX]module identity".  Our module must be
# exactly the file we built: /sys/module/ib_srpt/{version,srcversion} must
# match modinfo of $MODULE (the in-tree ib_srpt has no version at all).
# $MODULE is run.sh's snapshot of $MODULE_SRC (e.g. /work/main/ib_srpt.ko).
load_target_module() {
	local pfx=${1:-} want_v want_s have_v='' have_s='' deps
	if [ -e /sys/module/ib_srpt ]; then
		not_ok "${pfx}module identity: an ib_srpt is already loaded"
		return 1
	fi
	if [ "$MODE" = intree ]; then
		if ! bounded 120 modprobe ib_srpt; then
			not_ok "${pfx}module identity: modprobe ib_srpt failed or hung"
			return 1
		fi
		if [ -e /sys/module/ib_srpt/version ] || [[ $(</sys/module/ib_srpt/taint) == *O* ]]; then
			not_ok "${pfx}module identity: modprobe loaded an out-of-tree ib_srpt, not Debian's"
			return 1
		fi
		ok "${pfx}module identity: in-tree ib_srpt of $KVER"
	else
		# insmod does not resolve dependencies: load them first.
		deps=$(modinfo -F depends "$MODULE")
		modprobe -a target_core_mod ib_core ib_cm rdma_cm ${deps//,/ } ||
			log "modprobe of the dependencies failed"
		if ! bounded 120 insmod "$MODULE" rdma_cm_port="$RDMA_CM_PORT"; then
			not_ok "${pfx}module identity: insmod $MODULE failed or hung"
			dmesg | tail -n 5 | sed 's/^/#   /'
			return 1
		fi
		want_v=$(modinfo -F version "$MODULE")
		want_s=$(modinfo -F srcversion "$MODULE")
		[ -r /sys/module/ib_srpt/version ] && have_v=$(</sys/module/ib_srpt/version)
		[ -r /sys/module/ib_srpt/srcversion ] && have_s=$(</sys/module/ib_srpt/srcversion)
		if [ -z "$want_v" ] || [ "$have_v" != "$want_v" ] || [ "$have_s" != "$want_s" ]; then
			not_ok "${pfx}module identity"
			diag "loaded ib_srpt: version '$have_v' srcversion '$have_s'"
			diag "$MODULE: version '$want_v' srcversion '$want_s'"
			return 1
		fi
		ok "${pfx}module identity: $MODULE_SRC version $have_v srcversion $have_s"
	fi
	target_ids
	return 0
}

# target_ids: names derived from the rxe port and the module.
#   GID       fe80:0000:0000:0000:xxxx:xxxx:xxxx:xxxx (port 1, GID index 0)
#   GID_HEX   the same as 32 hex digits
#   PORT_GUID the GUID form xxxx:xxxx:xxxx:xxxx (last four groups)
#   WWN       ib.<GID_HEX>, the port name targetcli uses (configfs 0x<GID_HEX>)
#   INIT_EXT  the GID's first 64 bits: with it as initiator_ext the initiator
#             port ID equals the GID and so matches the ACL ib.<GID_HEX>
#   SGUID     srpt_service_guid without 0x (id_ext and ioc_guid of a login)
target_ids() {
	read -r GID <"/sys/class/infiniband/$IBDEV/ports/1/gids/0"
	GID_HEX=${GID//:/}
	# shellcheck disable=SC2034 # for cases and for reading the log
	PORT_GUID=${GID:20}
	WWN=ib.$GID_HEX
	PORT_DIR=$SRPT/0x$GID_HEX
	TPG=$PORT_DIR/tpgt_1
	ACL_DIR=$TPG/acls/0x$GID_HEX
	INIT_EXT=${GID_HEX:0:16}
	SGUID=
	[ -r /sys/module/ib_srpt/parameters/srpt_service_guid ] &&
		read -r SGUID </sys/module/ib_srpt/parameters/srpt_service_guid
	SGUID=${SGUID#0x}
}

# --- targetcli ------------------------------------------------------------------------
# dbus_start: targetcli needs a system D-Bus (else every command fails with
# g-io-error-quark).
dbus_start() {
	[ -S /run/dbus/system_bus_socket ] && return 0
	mkdir -p /run/dbus
	dbus-daemon --system --fork --nopidfile
}
# tcli CMD...: run all CMDs in ONE targetcli process (each start costs
# 10-25 s here).  Its output goes to the case log.
tcli() {
	dbus_start
	log "targetcli: $*"
	printf '%s\n' "$@" exit | timeout -k 5 $((300 * TIME_SCALE)) targetcli >&2 2>&1
}

# set_rdma_cm_port: make the target listen for RDMA/CM logins (targetcli
# cannot).  Skipped when the port is already set.
set_rdma_cm_port() {
	local f=$SRPT/discovery_auth/rdma_cm_port cur=
	[ -r "$f" ] && read -r cur <"$f"
	[ "$cur" = "$RDMA_CM_PORT" ] || echo "$RDMA_CM_PORT" >"$f"
}

# tpg_luns_create: the TPG and its LUNs 0-2 again by hand in configfs,
# over the backstores setup_target made (they outlive the fabric's tree;
# targetcli would take 10-60 s here).  The caller adds ACLs, then enables.
tpg_luns_create() {
	local l bs
	bs=("$CFS"/core/rd_mcp_*/rd "$CFS"/core/fileio_*/fd "$CFS"/core/iblock_*/nb)
	mkdir -p "$TPG" || return 1
	for l in 0 1 2; do
		mkdir "$TPG/lun/lun_$l" && ln -s "${bs[l]}" "$TPG/lun/lun_$l/bs" || return 1
	done
}

# cfs_unlink_rmdir DIR: remove the symlinks in a configfs directory (a LUN,
# or a LUN mapping of an ACL), then the directory.
cfs_unlink_rmdir() {
	local f
	for f in "$1"/*; do [ -L "$f" ] && rm "$f"; done
	rmdir "$1"
}
# acl_remove DIR: unmap every LUN of an ACL, then remove the ACL.
acl_remove() {
	local m
	for m in "$1"/lun_*; do
		[ -d "$m" ] || continue
		cfs_unlink_rmdir "$m" || return 1
	done
	rmdir "$1"
}
# port_make DEVICE INIT_GID_HEX BACKSTORE: by hand in configfs, the target
# port named after DEVICE's GID 0, its tpgt_1 with LUN 0 on BACKSTORE (a
# configfs directory), an ACL for initiator port ID 0xINIT_GID_HEX with
# LUN 0 mapped, enabled.  Sets PM_TPG and PM_ACL.
port_make() {
	local g
	read -r g <"/sys/class/infiniband/$1/ports/1/gids/0" || return 1
	PM_TPG=$SRPT/0x${g//:/}/tpgt_1
	PM_ACL=$PM_TPG/acls/0x$2
	mkdir -p "$PM_TPG" && mkdir "$PM_TPG/lun/lun_0" &&
		ln -s "$3" "$PM_TPG/lun/lun_0/bs" &&
		mkdir -p "$PM_ACL/lun_0" && ln -s "$PM_TPG/lun/lun_0" "$PM_ACL/lun_0/lun_0" &&
		echo 1 >"$PM_TPG/enable"
}
# port_remove TPG: disable TPG (of port_make), remove its ACLs, LUNs, the
# TPG and its port.
port_remove() {
	local a
	echo 0 >"$1/enable" || return 1
	for a in "$1"/acls/*/; do
		[ -d "$a" ] && { acl_remove "${a%/}" || return 1; }
	done
	cfs_unlink_rmdir "$1/lun/lun_0" && rmdir "$1" "${1%/*}"
}
# srpt_tree_remove: remove every target port, TPG, LUN and ACL under
# target/srpt and the fabric directory itself (backstores stay).
srpt_tree_remove() {
	local p t a l
	[ -d "$SRPT" ] || return 0
	for p in "$SRPT"/*/; do
		p=${p%/}
		[ "${p##*/}" = discovery_auth ] && continue
		for t in "$p"/*/; do
			t=${t%/}
			[ -e "$t/enable" ] || continue	# fabric_statistics
			echo 0 >"$t/enable" || return 1
			for a in "$t"/acls/*/; do
				a=${a%/}
				[ -d "$a" ] || continue
				acl_remove "$a" || return 1
			done
			for l in "$t"/lun/lun_*; do
				[ -d "$l" ] || continue
				cfs_unlink_rmdir "$l" || return 1
			done
			rmdir "$t" || return 1
		done
		rmdir "$p" || return 1
	done
	rmdir "$SRPT"
}

# nullb_dev: NB_DEV = the memory-backed null_blk disk for LUN 2 (made once
# per boot through null_blk's configfs: it completes in softirq, after the
# submission returned, as real block devices do).
nullb_dev() {
	local c=/sys/kernel/config/nullb/$NB_NAME
	[ -d /sys/module/null_blk ] || modprobe null_blk nr_devices=0 || return 1
	if [ ! -d "$c" ]; then
		mkdir "$c" && echo 1 >"$c/memory_backed" && echo 512 >"$c/blocksize" &&
			echo "$NB_MB" >"$c/size" && echo 1 >"$c/power" || return 1
	fi
	# Named after the configfs item (6.1) or nullb<index>.
	NB_DEV=/dev/$NB_NAME
	[ -b "$NB_DEV" ] || NB_DEV=/dev/nullb$(<"$c/index")
	[ -b "$NB_DEV" ]
}

# setup_target: fresh configuration with unmodified targetcli: ramdisk LUN 0,
# fileio LUN 1 and iblock LUN 2 (null_blk) under the GID-named port
# ib.<gid>, and an ACL for our initiator (whose port ID is the same GID, see
# INIT_EXT).  Arguments are more targetcli commands for the same targetcli
# process.
# shellcheck disable=SC2120 # the arguments are optional
setup_target() {
	mkdir -p "${FD_FILE%/*}"
	nullb_dev || { log "null_blk device for LUN 2 failed"; return 1; }
	tcli "clearconfig confirm=True" \
		"/backstores/ramdisk create name=rd size=${RD_MB}M" \
		"/backstores/fileio create name=fd file_or_dev=$FD_FILE size=${FD_MB}M" \
		"/backstores/block create name=nb dev=$NB_DEV" \
		"/srpt create $WWN" \
		"/srpt/$WWN/luns create /backstores/ramdisk/rd" \
		"/srpt/$WWN/luns create /backstores/fileio/fd" \
		"/srpt/$WWN/luns create /backstores/block/nb" \
		"/srpt/$WWN/acls create $WWN" "$@" || return 1
	[ -d "$ACL_DIR/lun_2" ] || { log "targetcli did not create $ACL_DIR/lun_2"; return 1; }
	set_rdma_cm_port
}
# ensure_target: set the target up unless a case before did.
ensure_target() {
	local en=
	[ -r "$TPG/enable" ] && read -r en <"$TPG/enable"
	if [ "$en" = 1 ] && [ -d "$ACL_DIR/lun_0" ] && [ -d "$ACL_DIR/lun_1" ] &&
		[ -d "$ACL_DIR/lun_2" ]; then
		set_rdma_cm_port
		return
	fi
	setup_target
}

# session_live: LIO has a session for our ACL (generic LIO statistics: the
# attached-initiator-port identity can only be read while a session exists).
session_live() {
	local id
	read -r id 2>/dev/null <"$ACL_DIR/lun_0/statistics/scsi_att_intr_port/port_ident" && [ -n "$id" ]
}
no_session() { ! session_live; }

# --- the initiator (ib_srp) -----------------------------------------------------------
# srp_login [key=value...]: log in through RDMA/CM by writing to add_target.
# Defaults: target port ID = service GUID twice, dest = our listener, and
# initiator_ext such that the initiator port ID equals the GID (matches the
# ACL targetcli made).  Arguments override or add options.  On success sets
# SRP_HOST (SCSI host number) and SRP_RPORT (its srp_remote_ports dir); the
# time taken is in SECS.  The write's own error message goes to the log.
srp_login() {
	local -A o=([id_ext]=$SGUID [ioc_guid]=$SGUID [dest]=$TARGET_IP:$RDMA_CM_PORT
		[initiator_ext]=$INIT_EXT [queue_size]=128 [max_cmd_per_lun]=128)
	local kv k s='' p t0 rc try
	local -A before=()
	for kv; do o[${kv%%=*}]=${kv#*=}; done
	for k in "${!o[@]}"; do s+=${s:+,}$k=${o[$k]}; done
	for p in /sys/class/srp_remote_ports/port-*; do before[$p]=1; done
	log "add_target: $s"
	stamp t0
	# ib_srp keeps a deleted target on its list until its remove work
	# has run: a login right after a logout may meet EEXIST ("Already
	# connected"), so retry that for a few seconds, counting each in
	# SRP_EEXIST (case 22 asserts it stays 0 over its logout/login cycles:
	# the retry must not hide a target that makes relogins unreliable).
	for try in 1 2 3 4 5 6 7 8 9 10; do
		timeout -k 5 "$LOGIN_TIMEOUT" bash -c 'echo "$1" >"$2"' _ "$s" "$SRP_ADD" 2>"$W/add_target.err"
		rc=$?
		cat "$W/add_target.err" >&2
		[ "$rc" != 0 ] && grep -q "File exists" "$W/add_target.err" || break
		SRP_EEXIST=$((SRP_EEXIST + 1))
		log "add_target: EEXIST, retry $try"
		nap 0.5
	done
	since "$t0"
	SRP_HOST='' SRP_RPORT=''
	[ "$rc" = 0 ] || { log "add_target failed ($rc) after ${SECS}s"; return "$rc"; }
	for p in /sys/class/srp_remote_ports/port-*; do
		[ -e "$p" ] && [ -z "${before[$p]:-}" ] && SRP_RPORT=$p
	done
	[ -n "$SRP_RPORT" ] || { log "add_target succeeded but no new remote port"; return 1; }
	SRP_HOST=${SRP_RPORT##*port-}
	SRP_HOST=${SRP_HOST%%:*}
	log "logged in: host$SRP_HOST in ${SECS}s"
}

# srp_disks N [SECONDS]: wait for LUNs 0..N-1 of SRP_HOST to become SCSI
# disks; sets DISK[L]=/dev/sdX (devtmpfs makes the nodes, no udev needed).
srp_disks() {
	local n=$1 limit=${2:-60} l t0 b
	DISK=()
	stamp t0
	for ((l = 0; l < n; l++)); do
		while :; do
			for b in /sys/class/scsi_disk/"$SRP_HOST":*:*:"$l"/device/block/*; do
				[ -b "/dev/${b##*/}" ] && DISK[l]=/dev/${b##*/}
			done
			[ -n "${DISK[l]:-}" ] && break
			[ $((${EPOCHREALTIME/./} - t0)) -ge $((limit * 1000000)) ] && return 1
			nap 0.2
		done
	done
}
# disk_bytes /dev/sdX: sets BYTES to the disk's size.
disk_bytes() {
	local s
	read -r s <"/sys/class/block/${1#/dev/}/size"
	# shellcheck disable=SC2034 # output
	BYTES=$((s * 512))
}

# srp_logout [HOST]: delete the remote port and wait (bounded) until the SCSI
# host is gone and LIO has no session left.  SECS is the time it took.
#
# "Gone" includes ib_srp's own remove work: it takes the SCSI host (and the
# disks) away first and only then disconnects, frees its channels (their
# CQs) and takes the target off its list; until then an add_target for the
# same target port meets EEXIST (srp_conn_unique() counts a target being
# removed).  The window is ib_srp's, some 250 ms of MR deregistration under
# TCG, whatever the target does; the in-tree ib_srpt keeps its LIO session
# about 2.5 s after the DREQ, so waiting for the session alone covered it
# there, while this module ends the session at once (issue 13, defect 10).
# So wait for the host's CQs to be gone too (rdma res: two per channel).
srp_logout() {
	local h=${1:-$SRP_HOST} t0 nch=1 ncq
	stamp t0
	read -r nch 2>/dev/null <"/sys/class/scsi_host/host$h/ch_count"
	ncq=$(srp_cqs)
	echo 1 >"/sys/class/srp_remote_ports/port-$h:1/delete" || return 1
	wait_until "$BOUND" gone "/sys/class/scsi_host/host$h" || return 1
	wait_until "$BOUND" no_session || return 1
	SRP_CQ_LEFT=$((ncq - 2 * nch))
	if [ "$SRP_CQ_LEFT" -ge 0 ]; then
		wait_until "$BOUND" srp_cqs_freed || return 1
	else
		log "srp_logout: ib_srp's CQs not visible (rdma res: $ncq), not waiting for them"
	fi
	since "$t0"
}
# srp_cqs: how many CQs ib_srp has (rdma res show cq, "comm [ib_srp]").
srp_cqs() { rdma res show cq 2>/dev/null | grep -c 'comm \[ib_srp\]'; }
srp_cqs_freed() { [ "$(srp_cqs)" -le "$SRP_CQ_LEFT" ]; }
# rport_disconnected: the SRP remote port SRP_RPORT is no longer "running"
# (the target closed the connection; ib_srp blocks the port and reconnects).
rport_disconnected() {
	local st=
	read -r st 2>/dev/null <"$SRP_RPORT/state"
	[ "$st" != running ]
}
# ibdev_ready: IBDEV's port 1 is ACTIVE and ib_srp has attached to it
# (SRP_ADD exists; this also proves IBDEV exists).
ibdev_ready() {
	local st=''
	read -r st 2>/dev/null <"/sys/class/infiniband/$IBDEV/ports/1/state"
	[ -e "$SRP_ADD" ] && [[ $st == *ACTIVE* ]]
}
# srp_logout_all [LIMIT]: log out every SRP remote port, waiting up to LIMIT
# (default BOUND) seconds for each SCSI host to go (cleanup, no checks).
srp_logout_all() {
	local p h limit=${1:-$BOUND}
	for p in /sys/class/srp_remote_ports/port-*; do
		[ -e "$p" ] || continue
		h=${p##*port-}
		echo 1 >"$p/delete"
		wait_until "$limit" gone "/sys/class/scsi_host/host${h%%:*}"
	done
	return 0
}

# login_ok [N]: ensure_target, log in and wait for N (default 2) disks;
# TAP-less, for cases that only need a working login.  Returns non-zero
# (after logging why) on failure.
login_ok() {
	ensure_target || { log "target setup failed"; return 1; }
	srp_login || return 1
	srp_disks "${1:-2}" || { log "disks did not appear"; return 1; }
}

# need_login [N]: reuse the login a previous case left (one remote port with
# N disks) or make a new one.  Sets SRP_HOST and DISK.
need_login() {
	local p n=0
	for p in /sys/class/srp_remote_ports/port-*; do
		[ -e "$p" ] && { n=$((n + 1)); SRP_RPORT=$p; }
	done
	if [ "$n" = 1 ] && session_live; then
		SRP_HOST=${SRP_RPORT##*port-}
		SRP_HOST=${SRP_HOST%%:*}
		srp_disks "${1:-2}" 10 && return 0
	fi
	srp_logout_all
	login_ok "${1:-2}"
}

target_ids
