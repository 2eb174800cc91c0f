# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2154 # SD_a, SD_b, HOST_a, HOST_b: set by ha_login (printf -v)
#
# make ha, inside a node (sourced by ha-node.sh after lib.sh): the shared
# LU with its ALUA groups on both nodes, and on node a the initiator, the
# multipath map and the failover scenarios.  See ha-node.sh for the layout
# and tests/ha.sh for the host's side.

HA_BS=$CFS/core/iblock_0/shared		# the shared disk's backstore
HA_FIO_SECS=${HA_FIO_SECS:-60}		# fio time per scenario
HA_FIO_MB=${HA_FIO_MB:-64}		# the region fio writes and verifies
HA_FAST_IO_FAIL=${HA_FAST_IO_FAIL:-5}	# ib_srp rport fast_io_fail_tmo, s
HA_RECONNECT=${HA_RECONNECT:-2}		# ib_srp rport reconnect_delay, s
HA_FLAP_SECS=${HA_FLAP_SECS:-15}	# how long node b's link is down
HA_FLAP_B_SECS=${HA_FLAP_B_SECS:-10}	# the same with the I/O over node b
HA_PAUSE=${HA_PAUSE:-8}			# I/O before and after each event, s

# --- the shared LU and its ALUA groups (both nodes) ---------------------------
# ha_alua_group NAME ID STATE PREF: target port group NAME of the shared
# backstore, implicit ALUA only (the state is the nodes' to set; an STPG
# from the initiator is refused).
ha_alua_group() {
	local g=$HA_BS/alua/$1
	mkdir -p "$g" && echo "$2" >"$g/tg_pt_gp_id" && echo 1 >"$g/alua_access_type" &&
		echo "$3" >"$g/alua_access_state" && echo "$4" >"$g/preferred"
}

# ha_backstore: /dev/vda (the image both guests have) as iblock "shared",
# unit serial HA_SERIAL (so both nodes report the same NAA designator),
# groups node_a (1, active/optimized, preferred) and node_b (2,
# active/non-optimized) on both nodes.
ha_backstore() {
	local s=
	[ -e /sys/block/vda ] || modprobe virtio_blk
	wait_until 20 exists /sys/block/vda/serial
	read -r s 2>/dev/null </sys/block/vda/serial
	[ "$s" = "$HA_DISK_SERIAL" ] || { log "/dev/vda has serial '$s', not $HA_DISK_SERIAL"; return 1; }
	mkdir -p "$HA_BS" && echo "udev_path=/dev/vda" >"$HA_BS/control" &&
		echo 1 >"$HA_BS/enable" && echo "$HA_SERIAL" >"$HA_BS/wwn/vpd_unit_serial" || return 1
	ha_alua_group node_a 1 0 1 && ha_alua_group node_b 2 1 0
}

# ha_port: this node's target port (GID 0 of rxe0), LUN 0 = the shared LU in
# group node_$NODE, relative target port ID 1 (node a) or 2 (node b) where
# the kernel lets the TPG set it (tpgt_1/rtpi; 6.1 numbers LUN ports per
# backstore, 1 on both nodes), an ACL for node a's initiator port.
ha_port() {
	local acl=$TPG/acls/0x$INIT_GID_HEX rtpi=1
	[ "$NODE" = b ] && rtpi=2
	mkdir -p "$TPG" || return 1
	if [ -e "$TPG/rtpi" ] && [ "${HA_SET_RTPI:-1}" = 1 ]; then
		echo "$rtpi" >"$TPG/rtpi" || log "writing $rtpi to $TPG/rtpi failed"
	fi
	mkdir "$TPG/lun/lun_0" && ln -s "$HA_BS" "$TPG/lun/lun_0/shared" &&
		echo "node_$NODE" >"$TPG/lun/lun_0/alua_tg_pt_gp" &&
		mkdir -p "$acl/lun_0" && ln -s "$TPG/lun/lun_0" "$acl/lun_0/lun_0" &&
		echo 1 >"$TPG/enable"
}

# --- requests to the host (tests/ha.sh) ---------------------------------------
HA_SEQ=0
# ha_host SECONDS REQUEST...: ask the host (kill-b, start-b, link-b off|on,
# finish-b) and wait at most SECONDS for its answer; 0 if it answered ok.
ha_host() {
	local bound=$1
	shift
	HA_SEQ=$((HA_SEQ + 1))
	log "host request $HA_SEQ: $*"
	echo "$HA_SEQ $*" >"$R/req.tmp" && mv "$R/req.tmp" "$R/req" || return 1
	wait_until "$bound" ha_acked || { log "host did not answer '$*' in ${bound}s"; return 1; }
	log "host answer $HA_SEQ: $HA_ACK after ${SECS}s"
	[ "$HA_ACK" = ok ]
}
ha_acked() {
	local s a
	read -r s a 2>/dev/null <"$R/ack" || return 1
	[ "$s" = "$HA_SEQ" ] || return 1
	HA_ACK=$a
}

# --- paths and I/O counters -----------------------------------------------------
# ioc DEV: IOC = reads + writes DEV (sdX) has completed.
ioc() {
	local r w
	read -r r _ _ _ w _ <"/sys/block/$1/stat"
	IOC=$((r + w))
}
# io_grew DEV N: DEV has completed more than N I/Os.
io_grew() { ioc "$1"; [ "$IOC" -gt "$2" ]; }

# mp_topology: the map as multipathd sees it (the format of multipath -ll).
# Asked of the daemon: multipath -ll opens every path device itself, and an
# open of a disk whose SCSI host is in error handling (node b dead, ib_srp
# resetting) blocks until the handling ends, long enough for a hung-task
# report.
mp_topology() { multipathd show topology; }
# mp_paths: "DEV PRIO GROUP_STATUS DM_STATE CHECKER_STATE" for every path of
# the map, into MP (one line each).
mp_paths() {
	MP=$(mp_topology | awk '
		/prio=/ { pr = $0; sub(/.*prio=/, "", pr); sub(/ .*/, "", pr)
			st = $0; sub(/.*status=/, "", st); sub(/ .*/, "", st); next }
		/[0-9]+:[0-9]+:[0-9]+:[0-9]+ sd/ { for (i = 1; i <= NF; i++) if ($i ~ /^sd/) print $i, pr, st, $(i + 2), $(i + 3) }')
}
# mp_paths_of_map: mp_paths, for a caller that knows the map exists: right
# after a node died, multipathd answered "show topology" with nothing (no
# error either; it was failing the dead path and reloading the map), which
# says nothing about the paths, so ask again.  How long: when a command to
# the dead node's disk times out (multipathd's checker, the ALUA handler),
# the SCSI error handler ends in ib_srp's host reset, which reconnects to
# the dead node and waits for the IB/CM to give up on its REQ (seen: REJ
# "timeout" 84 s after the reset, the disk offlined 94 s after the kill);
# multipathd answers nothing all that time.  So up to 150 s, as long as
# the CM's retries of a REQ to a peer that is gone can take.
mp_paths_of_map() {
	local t0
	stamp t0
	mp_paths
	while [ -z "$MP" ]; do
		[ $((${EPOCHREALTIME/./} - t0)) -lt $((150000000 * TIME_SCALE)) ] ||
			{ log "multipathd show topology: no answer for 150 s"; return 1; }
		log "multipathd show topology: empty answer, asking again"
		nap 1
		mp_paths
	done
}
# path_is DEV GROUP_STATUS DM_STATE: DEV's group has that status (active,
# enabled) and the path that state (active, failed); "-" matches any.
path_is() {
	local d p s dm ck
	mp_paths_of_map
	while read -r d p s dm ck; do
		[ "$d" = "$1" ] || continue
		{ [ "$2" = - ] || [ "$s" = "$2" ]; } && { [ "$3" = - ] || [ "$dm" = "$3" ]; } && return 0
	done <<<"$MP"
	log "path_is $*: no; the paths: ${MP//$'\n'/; }"
	return 1
}
# path_ready DEV: DEV is an active path whose checker says ready (polled
# once a second: each check forks multipath).
path_ready() {
	local d ck
	mp_paths
	while read -r d _ _ _ ck; do
		[ "$d" = "$1" ] && [ "$ck" = ready ] && path_is "$1" - active && return 0
	done <<<"$MP"
	nap 0.8
	return 1
}

# sampler_start / sampler_stop: while fio runs, sample both paths' counters
# every 0.2 s; sampler_stop sets GAP (the longest time, s, in which neither
# path completed an I/O), ON_A and ON_B (I/Os each path completed).
sampler_start() {
	(
		local a0 b0 a b t t_last gap=0 tot=-1 now
		ioc "$SD_a"; a0=$IOC; ioc "$SD_b"; b0=$IOC
		stamp t_last
		trap 'echo "$gap $((a - a0)) $((b - b0))" >"$W/sampler"; exit 0' TERM
		while :; do
			ioc "$SD_a"; a=$IOC; ioc "$SD_b"; b=$IOC
			stamp now
			if [ $((a + b)) != "$tot" ]; then
				tot=$((a + b))
				t=$((now - t_last))
				[ "$t" -gt "$gap" ] && gap=$t
				t_last=$now
			fi
			nap 0.2
		done
	) &
	SAMPLER=$!
}
sampler_stop() {
	local g
	kill -TERM "$SAMPLER"
	wait "$SAMPLER"
	read -r g ON_A ON_B <"$W/sampler"
	printf -v GAP '%d.%d' $((g / 1000000)) $((g % 1000000 / 100000))
}

# --- fio ----------------------------------------------------------------------------
# fio_start NAME [SECONDS]: fio verify (crc32c, direct I/O, random writes of 4-64 KiB,
# each batch of 256 read back and checked while the next is written) on the
# multipath map for SECONDS (default HA_FIO_SECS), in the background.
fio_start() {
	local secs=${2:-$HA_FIO_SECS}
	log "fio $1 on $HA_MAP for ${secs}s"
	fio --name="ha-$1" --filename="$HA_MAP" --direct=1 --ioengine=libaio --iodepth=8 \
		--rw=randwrite --bsrange=4k-64k --size="${HA_FIO_MB}M" --time_based \
		--runtime="$secs" --verify=crc32c --verify_backlog=256 --verify_fatal=1 \
		--exitall_on_error=1 --output-format=json --output="$W/fio-$1.json" \
		>"$W/fio-$1.out" 2>&1 &
	FIO_PID=$!
}
# fio_wait: wait for the fio of fio_start (FIO_ST: its exit status).
fio_wait() {
	wait "$FIO_PID"
	FIO_ST=$?
}
# fio_check NAME LABEL: TAP line LABEL with what fio NAME did (fio_wait first).
fio_check() {
	local st=$FIO_ST sum
	cat "$W/fio-$1.out" >&2
	sum=$(python3 - "$W/fio-$1.json" <<'EOF' 2>&1
import json, sys
try:
    j = json.load(open(sys.argv[1]))["jobs"][0]
except Exception as e:
    print("bad fio json: %s" % e); sys.exit(1)
w, r = j["write"], j["read"]
print("%d MiB written, %d MiB read back and verified, error %d, longest I/O %.1f s"
      % (w["io_bytes"] >> 20, r["io_bytes"] >> 20, j["error"],
         max(w["clat_ns"]["max"], r["clat_ns"]["max"]) / 1e9))
sys.exit(1 if j["error"] or not w["io_bytes"] or not r["io_bytes"] else 0)
EOF
	)
	tap "$((st != 0 || $? != 0))" "$2: fio verify (crc32c, direct): exit $st, $sum"
}

# --- node a: initiator and multipath ------------------------------------------
# ha_rport_tune HOST: the remote port's timeouts: fail I/O to multipath
# HA_FAST_IO_FAIL s after the connection is lost, retry the login every
# HA_RECONNECT s, never remove the port (dev_loss_tmo off).
ha_rport_tune() {
	local p=/sys/class/srp_remote_ports/port-$1:1
	echo "$HA_RECONNECT" >"$p/reconnect_delay" && echo "$HA_FAST_IO_FAIL" >"$p/fast_io_fail_tmo" &&
		echo off >"$p/dev_loss_tmo"
}

# ha_login WHICH DEST SGUID: log in to node WHICH through ib_srp and set
# SD_<WHICH> to its disk, HOST_<WHICH> to its SCSI host.
ha_login() {
	srp_login dest="$2:$RDMA_CM_PORT" id_ext="$3" ioc_guid="$3" || return 1
	ha_rport_tune "$SRP_HOST" || { log "tuning port-$SRP_HOST:1 failed"; return 1; }
	srp_disks 1 || return 1
	printf -v "SD_$1" '%s' "${DISK[0]#/dev/}"
	printf -v "HOST_$1" '%s' "$SRP_HOST"
}

# checker_timeout 30 (not 10): with 10, the TUR to a killed node timed out
# before ib_srp saw its QP fail and fast_io_fail_tmo ended the command; the
# timeout started the SCSI EH, whose host reset reconnected to the dead node
# for 84-122 s, and multipathd answered nothing (hung-task report) meanwhile.
ha_multipath_conf() {
	cat >/etc/multipath.conf <<'EOF'
# make ha (tests/vm/ha-lib.sh): one map per LIO LU, paths grouped by ALUA
# priority, back to the optimized group as soon as it returns.
defaults {
	user_friendly_names no
	find_multipaths off
	polling_interval 1
	max_polling_interval 4
	checker_timeout 30
}
blacklist {
	devnode "^(vd|nullb|loop|ram|zram)"
}
devices {
	device {
		vendor "LIO-ORG"
		product ".*"
		path_grouping_policy group_by_prio
		path_selector "service-time 0"
		hardware_handler "1 alua"
		# multipath's own RTPG per path, not the kernel's access_state:
		# the 7.3 initiator's scsi_dh_alua does not query a second port
		# group when it attaches, and reports it active/optimized.
		detect_prio no
		prio alua
		path_checker tur
		failback immediate
		no_path_retry 30
	}
}
EOF
}

# ha_multipath: udevd and multipathd; HA_MAP = the one map over SD_a and
# SD_b, once it has both paths.
ha_multipath() {
	local n
	modprobe -a dm_multipath scsi_dh_alua || return 1
	ha_multipath_conf
	mkdir -p /etc/multipath
	/lib/systemd/systemd-udevd --daemon || return 1
	udevadm trigger --action=add --subsystem-match=block
	udevadm settle --timeout=120 || log "udevadm settle timed out"
	multipathd || return 1
	wait_until $((60 * TIME_SCALE)) ha_two_paths || { mp_topology >&2; return 1; }
	n=$(multipathd show maps raw format "%n" 2>/dev/null | head -n 1)
	HA_MAP=/dev/mapper/$n
	wait_until 30 exists "$HA_MAP" || return 1
	mp_topology >&2
}
ha_two_paths() {
	mp_paths
	[[ $MP == *"$SD_a "* && $MP == *"$SD_b "* ]] || { nap 0.8; return 1; }
}

# --- identity checks through both paths ---------------------------------------------
# vpd_ids DEV: NAA, RTPI and TPG = the NAA designator of the LU, the relative
# target port identifier and the target port group (VPD page 0x83).
vpd_ids() {
	local out
	out=$(sg_vpd -p di "/dev/$1" 2>&1)
	echo "$out" >&2
	NAA=$(awk '/designator type: NAA/ { getline; print $1; exit }' <<<"$out")
	RTPI=$(awk -F': ' '/Relative target port:/ { print $2; exit }' <<<"$out")
	TPGID=$(awk -F': ' '/Target port group:/ { print $2; exit }' <<<"$out")
}
# rtpg_states DEV: RTPG through DEV as "ID:STATE:PREF" words, e.g. "1:0:1
# 2:1:0" (group 1 active/optimized and preferred, group 2 active/non-optimized).
rtpg_states() {
	local out l id=''
	out=$(sg_rtpg -d "/dev/$1" 2>&1)
	echo "$out" >&2
	RTPG=
	while read -r l; do
		if [[ $l =~ target\ port\ group\ id\ *:\ *(0x[0-9a-fA-F]+)\ *,\ *Pref=([01]) ]]; then
			id="$((BASH_REMATCH[1])):X:${BASH_REMATCH[2]}"
		elif [ -n "$id" ] && [[ $l =~ asymmetric\ access\ state\ *:\ *(0x[0-9a-fA-F]+) ]]; then
			RTPG+="${id/X/$((BASH_REMATCH[1]))} "
			id=
		fi
	done <<<"$out"
}

ha_identity() {
	local naa_a rtpi_a tpg_a
	vpd_ids "$SD_a"
	naa_a=$NAA rtpi_a=$RTPI tpg_a=$TPGID
	vpd_ids "$SD_b"
	tap "$([[ -n "$naa_a" && "$naa_a" = "$NAA" ]]; echo $?)" \
		"one LU through both nodes: NAA ${naa_a:-none} via $SD_a, ${NAA:-none} via $SD_b"
	tap "$([[ "$tpg_a" = 0x1 && "$TPGID" = 0x2 ]]; echo $?)" \
		"target port groups: ${tpg_a:-none} via $SD_a (node a), ${TPGID:-none} via $SD_b (node b)"
	if [ -e "$TPG/rtpi" ] && [ "${HA_SET_RTPI:-1}" = 1 ]; then
		tap "$([[ "$rtpi_a" = 0x1 && "$RTPI" = 0x2 ]]; echo $?)" \
			"relative target port IDs: $rtpi_a (node a), $RTPI (node b)"
	else
		diag "relative target port IDs: $rtpi_a (node a), $RTPI (node b): this kernel's LIO numbers them per backstore (no tpgt_1/rtpi)"
	fi
	rtpg_states "$SD_a"
	local ra=$RTPG
	rtpg_states "$SD_b"
	tap "$([[ " $ra" == *" 1:0:1 "* && " $ra" != *" 2:"* && " $RTPG" == *" 2:1:0 "* && " $RTPG" != *" 1:"* ]]; echo $?)" \
		"RTPG: node a reports its group 1 active/optimized, preferred; node b its group 2 active/non-optimized (LIO lists a node's own groups only: $ra/ $RTPG)"
}

ha_map_check() {
	local d p s a_prio='' b_prio='' a_st='' x
	for d in "$SD_a" "$SD_b"; do
		for x in access_state preferred_path; do
			log "$d $x: $(cat "/sys/block/$d/device/$x" 2>&1)"
		done
	done
	multipath -v3 -ll 2>&1 | grep -iE "prio|tpg|alua" | head -n 40 >&2
	mp_paths_of_map
	while read -r d p s _; do
		[ "$d" = "$SD_a" ] && a_prio=$p a_st=$s
		[ "$d" = "$SD_b" ] && b_prio=$p
	done <<<"$MP"
	tap "$([[ "$a_st" = active && "${a_prio:-0}" -gt "${b_prio:-0}" ]]; echo $?)" \
		"dm-multipath: one map $HA_MAP, node a's path $SD_a active (prio ${a_prio:-?}), node b's $SD_b standby (prio ${b_prio:-?}), ALUA handler"
}

# --- the scenarios (node a) -------------------------------------------------------
# scenario_kill_b: node b's guest ended outright (qemu killed) while I/O runs
# over node a: fio goes on, nothing moves to b; then node b boots again and
# its path returns.
scenario_kill_b() {
	local t0
	fio_start kill-b
	sampler_start
	nap "$HA_PAUSE"
	ha_host 60 kill-b || not_ok "kill-b: the host did not kill node b"
	fio_wait
	sampler_stop
	fio_check kill-b "node b killed during I/O over node a"
	tap "$([[ "$ON_B" -lt 10 && "$ON_A" -gt 0 ]]; echo $?)" \
		"node b killed: I/O stayed on node a ($ON_A on $SD_a, $ON_B on $SD_b; longest pause ${GAP}s)"
	tap "$(path_is "$SD_a" active active; echo $?)" "node b killed: node a's path still the active one"
	stamp t0
	ha_host $((900 * TIME_SCALE)) start-b || { not_ok "node b back: the host could not boot it again"; return; }
	since "$t0"
	diag "node b booted again and exported the LU in ${SECS}s"
	stamp t0
	if wait_until $((300 * TIME_SCALE)) path_ready "$SD_b"; then
		ok "node b back: ib_srp reconnected, its path $SD_b active again ${SECS}s after node b was ready"
	else
		not_ok "node b back: its path $SD_b not active after ${SECS}s"
		mp_topology >&2
	fi
	tap "$(path_is "$SD_a" active active; echo $?)" "node b back: node a's path still the active one"
}

# fail_over HOW: after fio has run a while, take node a's target away (HOW:
# tpg = disable its TPG, module = remove its configuration and rmmod),
# measure until node b completes I/O, bring node a back, measure until I/O
# is on node a again.
scenario_fail_a() {
	local how=$1 t0 b0 a0 label
	label="node a's target $([ "$how" = tpg ] && echo disabled || echo removed)"
	fio_start "a-$how"
	nap "$HA_PAUSE"
	ioc "$SD_b"; b0=$IOC
	stamp t0
	if [ "$how" = tpg ]; then
		echo 0 >"$TPG/enable" || not_ok "$label: disabling the TPG failed"
	else
		if srpt_tree_remove && bounded 60 rmmod ib_srpt; then
			since "$t0"
			ok "$label: configuration removed and ib_srpt unloaded under I/O in ${SECS}s"
		else
			not_ok "$label: removing the configuration or ib_srpt failed"
		fi
	fi
	if wait_until $((120 * TIME_SCALE)) io_grew "$SD_b" "$b0"; then
		since "$t0"
		FAILOVER+=("$how ${SECS}")
		ok "$label: I/O moved to node b ($SD_b) ${SECS}s after the failure (fast_io_fail_tmo ${HA_FAST_IO_FAIL}s)"
	else
		not_ok "$label: no I/O completed on node b within ${SECS}s"
		mp_topology >&2
	fi
	nap "$HA_PAUSE"
	ioc "$SD_a"; a0=$IOC
	stamp t0
	if [ "$how" = tpg ]; then
		echo 1 >"$TPG/enable" || not_ok "$label: enabling the TPG again failed"
	else
		load_target_module "node a back: " && ha_port || not_ok "$label: loading ib_srpt and its configuration again failed"
	fi
	if wait_until $((180 * TIME_SCALE)) io_grew "$SD_a" "$a0"; then
		since "$t0"
		FAILBACK+=("$how ${SECS}")
		ok "$label, back: ib_srp reconnected and I/O is on node a again ${SECS}s after it returned"
	else
		not_ok "$label, back: no I/O on node a within ${SECS}s"
		mp_topology >&2
	fi
	fio_wait
	fio_check "a-$how" "$label and back"
	tap "$(path_is "$SD_a" active active; echo $?)" "$label, back: node a's path is the active one again"
}

# scenario_link_flap: the link between the nodes goes down for HA_FLAP_SECS
# and up again (qemu's set_link on node b's NIC) while I/O runs over node a.
scenario_link_flap() {
	fio_start flap
	sampler_start
	nap "$HA_PAUSE"
	ha_host 60 link-b off || not_ok "link flap: the host could not take node b's link down"
	nap "$HA_FLAP_SECS"
	ha_host 60 link-b on || not_ok "link flap: the host could not bring node b's link up"
	fio_wait
	sampler_stop
	fio_check flap "link flap between the nodes during I/O over node a"
	tap "$([[ "$ON_A" -gt 0 ]]; echo $?)" \
		"link flap: I/O on node a went on ($ON_A on $SD_a, $ON_B on $SD_b; longest pause ${GAP}s)"
	if wait_until $((300 * TIME_SCALE)) path_ready "$SD_b"; then
		ok "link flap: node b's path $SD_b active again ${SECS}s after fio ended"
	else
		not_ok "link flap: node b's path $SD_b not active after ${SECS}s"
		mp_topology >&2
	fi
}

# scenario_flap_on_b: the same link flap (HA_FLAP_B_SECS) while the I/O
# runs over node b (node a's TPG disabled): the commands in flight over the
# link stall, and both paths are down meanwhile (dm-multipath queues for
# no_path_retry).  Node a's TPG is enabled again HA_PAUSE s after the link
# is back, whether or not node b answers by then: Soft-RoCE may leave a
# channel silent after such an outage (README, "Two nodes"), which is not
# what this is about.  Nothing may be lost or corrupted: fio verify clean,
# both paths ready again.  Both nodes' channels and QPs go to the logs
# while the link is back and the I/O still runs over node b.
scenario_flap_on_b() {
	local t0 b0 a0 label="link flap during I/O over node b"
	fio_start flap-b $((HA_FIO_SECS + 30))
	nap "$HA_PAUSE"
	ioc "$SD_b"; b0=$IOC
	echo 0 >"$TPG/enable" || not_ok "$label: disabling node a's TPG failed"
	wait_until $((120 * TIME_SCALE)) io_grew "$SD_b" "$b0" || not_ok "$label: I/O did not move to node b"
	nap 4
	sampler_start
	ha_host 60 link-b off || not_ok "$label: the host could not take node b's link down"
	nap "$HA_FLAP_B_SECS"
	ioc "$SD_b"; b0=$IOC
	ha_host 60 link-b on || not_ok "$label: the host could not bring node b's link up"
	stamp t0
	if wait_until "$HA_PAUSE" io_grew "$SD_b" "$b0"; then
		diag "$label: I/O resumed on node b ${SECS}s after the link came back (down ${HA_FLAP_B_SECS}s)"
	else
		diag "$label: no I/O on node b within ${SECS}s after the link came back (down ${HA_FLAP_B_SECS}s)"
	fi
	ha_dump_both "${HA_PAUSE} s after the link came back"
	ioc "$SD_a"; a0=$IOC
	echo 1 >"$TPG/enable" || not_ok "$label: enabling node a's TPG failed"
	wait_until $((180 * TIME_SCALE)) io_grew "$SD_a" "$a0" ||
		not_ok "$label: no I/O on node a after its TPG was enabled again"
	fio_wait
	sampler_stop
	fio_check flap-b "$label (longest pause ${GAP}s)"
	tap "$(path_is "$SD_a" active active; echo $?)" "$label: node a's path is the active one again"
	if wait_until $((300 * TIME_SCALE)) path_ready "$SD_b"; then
		ok "$label: node b's path $SD_b ready again"
	else
		not_ok "$label: node b's path $SD_b not ready after ${SECS}s"
	fi
}

# ha_teardown: map flushed, both logins ended, the daemons stopped, node a's
# target removed and ib_srpt unloaded.
ha_teardown() {
	local p
	multipath -F >&2 || log "multipath -F failed"
	for p in $(pidof multipathd); do kill "$p"; done
	wait_until 20 ha_no_multipathd
	udevadm control --exit
	srp_logout "$HOST_a" && srp_logout "$HOST_b"
	tap $? "teardown: both ib_srp logins ended"
	srpt_tree_remove && bounded 60 rmmod ib_srpt
	tap $? "teardown: node a's configuration removed, ib_srpt unloaded"
}
ha_no_multipathd() { [ -z "$(pidof multipathd)" ]; }

# --- state dumps (diagnostics for the log, no verdict) -----------------------------
# ha_dump: this node's channels (the module's debugfs) and RDMA QPs.
ha_dump() {
	[ -e /sys/kernel/debug/ib_srpt ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	echo "== $NODE: ib_srpt channels"
	cat /sys/kernel/debug/ib_srpt/channels 2>&1
	echo "== $NODE: rdma res show qp"
	rdma res show qp 2>&1
	if [ "$NODE" = a ]; then
		echo "== a: in flight on $SD_a / $SD_b: $(</sys/block/$SD_a/inflight) / $(</sys/block/$SD_b/inflight)"
	fi
}
# ha_dump_on_request (node b): the host wrote N to R/dump-req: ha_dump into
# R/dump.N, then N into R/dump-done.
ha_dump_on_request() {
	local n='' d=''
	read -r n 2>/dev/null <"$R/dump-req" || return 0
	read -r d 2>/dev/null <"$R/dump-done"
	[ "$n" != "$d" ] || return 0
	ha_dump >"$R/dump.$n" 2>&1
	echo "$n" >"$R/dump-done"
}
# ha_dump_both LABEL: both nodes' state into the logs (node b's through the
# host, which prints it as comments).
ha_dump_both() {
	log "== dump: $1"
	ha_dump >&2
	ha_host 60 dump-b || log "node b did not dump its state"
}

# --- main -------------------------------------------------------------------------------
ha_setup_target() {
	load_target_module || return 1
	if ha_backstore && ha_port; then
		ok "shared LU exported: iblock /dev/vda, unit serial $HA_SERIAL, group node_$NODE, port ib.$GID_HEX"
	else
		not_ok "shared LU export"
		return 1
	fi
}

ha_main() {
	mark ha
	FAILOVER=() FAILBACK=()
	ha_setup_target || return
	if [ "$NODE" = b ]; then
		echo "SGUID=$SGUID GID_HEX=$GID_HEX" >"$R/ready.tmp" && mv "$R/ready.tmp" "$R/ready"
		until [ -e "$R/finish" ]; do
			ha_dump_on_request
			nap 1
		done
		srpt_tree_remove && bounded 60 rmmod ib_srpt
		tap $? "teardown: node b's configuration removed, ib_srpt unloaded"
		dmesg_clean "node b"
		return
	fi
	tap "$([[ "$GID_HEX" = "$INIT_GID_HEX" ]]; echo $?)" "initiator port ID: GID $GID_HEX (node b's ACL: $INIT_GID_HEX)"
	if ! ha_login a "$NODE_IP" "$SGUID" || ! ha_login b "$PEER_IP" "$PEER_SGUID"; then
		not_ok "ib_srp logins to node a ($NODE_IP) and node b ($PEER_IP)"
		return
	fi
	ok "ib_srp logged in to node a ($SD_a, local) and node b ($SD_b, over the link)"
	ha_identity
	if ! ha_multipath; then
		not_ok "dm-multipath map over $SD_a and $SD_b"
		return
	fi
	ha_map_check
	local sc
	for sc in ${HA_SCENARIOS:-kill-b tpg module flap flap-b}; do
		case $sc in
		kill-b) scenario_kill_b ;;
		tpg | module) scenario_fail_a "$sc" ;;
		flap) scenario_link_flap ;;
		flap-b) scenario_flap_on_b ;;
		none) ;;
		*) not_ok "unknown scenario $sc" ;;
		esac
	done
	diag "failover (failure to first I/O completed on node b): ${FAILOVER[*]}; failback: ${FAILBACK[*]}"
	echo "failover ${FAILOVER[*]}" >"$R/times"
	echo "failback ${FAILBACK[*]}" >>"$R/times"
	ha_teardown
	ha_host $((120 * TIME_SCALE)) finish-b || not_ok "node b did not finish"
	dmesg_clean "node a"
}
