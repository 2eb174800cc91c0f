# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Guest helpers for running upstream blktests' srp group, shared by the
# make-blktests guest (blktests-guest.sh) and case 13-blktests.  Sourced
# after lib.sh and install-lib.sh.  Inside the guest only.
#
# blktests owns the whole SRP stack while it runs: each test reloads
# ib_srpt with "modprobe ib_srpt" and its own configfs layout, (re)creates
# the Soft-RoCE devices, starts multipathd and tears all of it down again.
# bt_enter takes the harness' guest (rxe0 on veth0, ib_srp loaded, an
# ib_srpt loaded and maybe configured by targetcli) to what the group
# requires (tests/srp/rc group_requires); bt_leave brings the harness'
# state back.
#
# Environment: BT_DIR (the blktests tree, prepared on the host by
# tests/blktests/tree.sh), BT_STAGE (the host's staged "make install",
# tests/blktests/stage.sh), TOP, KVER, W, R.

BT_NS=srptpeer			# network namespace that holds veth1 meanwhile
BT_UDEVD=/lib/systemd/systemd-udevd

# bt_unload_target: the whole LIO stack out (blktests refuses to run with
# LIO configured, and its teardown must be able to rmmod target_core_mod):
# srpt tree, backstores, every module that holds target_core_mod.
bt_unload_target() {
	local d m
	srpt_tree_remove || { log "bt: removing $SRPT failed"; return 1; }
	for d in "$CFS"/core/*/*/; do
		d=${d%/}
		case $d in "$CFS"/core/alua/*) continue ;; esac
		[ -e "$d/enable" ] || continue
		rmdir "$d" || { log "bt: rmdir $d failed"; return 1; }
	done
	for d in "$CFS"/core/*/; do
		d=${d%/}
		[ "${d##*/}" = alua ] && continue
		rmdir "$d" 2>/dev/null
	done
	# Fabric directories targetcli made (iscsi, ...) pin their modules.
	for d in "$CFS"/*/; do
		d=${d%/}
		[ "${d##*/}" = core ] || rmdir "$d" 2>/dev/null
	done
	# The null_blk disk of the harness' LUN 2: blktests reloads null_blk.
	for d in /sys/kernel/config/nullb/*/; do
		[ -d "$d" ] && rmdir "$d"
	done
	rmmod_if_loaded null_blk || return 1
	[ -d /sys/module/target_core_mod ] || return 0
	for m in /sys/module/target_core_mod/holders/*; do
		[ -e "$m" ] || continue
		bounded 60 rmmod "${m##*/}" || { log "bt: rmmod ${m##*/} failed"; return 1; }
	done
	bounded 60 rmmod target_core_mod || { log "bt: rmmod target_core_mod failed"; return 1; }
}

# rmmod_if_loaded MODULE...: unload each that is loaded, patiently (ib_srp
# drops its SCSI hosts in a work item after the logout).
rmmod_if_loaded() {
	local m
	for m; do
		[ -e "/sys/module/$m" ] || continue
		wait_until 30 rmmod "$m" 2>/dev/null || { log "bt: rmmod $m failed"; return 1; }
	done
}

# bt_udev_start: systemd-udevd, so that multipathd gets its uevents and
# /dev/disk/by-id/dm-uuid-mpath-* (blktests' get_bdev_path) exists.  Only
# block devices are triggered: none exists yet, and an "add" for the net
# devices would let udev's MACAddressPolicy=persistent change veth0's MAC
# (and with it the GID and the harness' port name).
bt_udev_start() {
	local t0
	[ -S /run/udev/control ] && return 0
	stamp t0
	"$BT_UDEVD" --daemon || { log "bt: $BT_UDEVD --daemon failed"; return 1; }
	udevadm trigger --action=add --subsystem-match=block
	udevadm settle --timeout=120 || log "bt: udevadm settle timed out"
	since "$t0"
	log "bt: systemd-udevd started in ${SECS}s"
}
bt_udev_stop() {
	[ -S /run/udev/control ] || return 0
	udevadm settle --timeout=60
	udevadm control --exit
	wait_until 20 gone /run/udev/control || rm -f /run/udev/control
}

# bt_net_single: blktests binds an rxe device to every interface with a
# carrier (start_soft_rdma); veth1 moves into a namespace of its own
# (still up, so veth0 keeps its carrier) so that there is exactly one, on
# veth0, as on a host with one RoCE port.
bt_net_single() {
	[ -e /sys/class/net/veth1 ] || return 0
	mkdir -p /run/netns
	ip netns add "$BT_NS" 2>/dev/null
	ip link set veth1 netns "$BT_NS" && ip -n "$BT_NS" link set veth1 up
}
bt_net_restore() {
	if [ ! -e /sys/class/net/veth1 ]; then
		ip -n "$BT_NS" link set veth1 netns 1 || return 1
		ip addr add 192.0.2.2/24 dev veth1 2>/dev/null
		ip link set veth1 up
	fi
	ip netns del "$BT_NS" 2>/dev/null
	wait_until 20 bt_carrier veth0
}
bt_carrier() { local c=; read -r c 2>/dev/null <"/sys/class/net/$1/carrier"; [ "$c" = 1 ]; }

# bt_enter: the harness' guest to the state blktests' srp group requires.
bt_enter() {
	srp_logout_all
	bt_unload_target || return 1
	rmmod_if_loaded ib_srp scsi_transport_srp || return 1
	bt_net_single || { log "bt: moving veth1 into $BT_NS failed"; return 1; }
	bt_modules_links || log "bt: no symlink tree over /lib/modules/$KVER/kernel"
	wait_until 20 bt_carrier veth0 || { log "bt: veth0 has no carrier"; return 1; }
	bt_udev_start
}

# bt_leave: back to the harness' state: no udevd, no multipathd, no
# multipath.conf, nothing installed, rxe0 on veth0, ib_srp, the module
# under test loaded by path (load_target_module's TAP line, prefix $1).
bt_leave() {
	local p
	for p in $(pidof multipathd); do kill -9 "$p"; done
	[ -L /etc/multipath.conf ] && rm -f /etc/multipath.conf
	bt_udev_stop
	bt_unload_target
	rmmod_if_loaded ib_srp scsi_transport_srp scsi_debug null_blk
	bt_uninstall_ours || log "bt: restoring the modules index failed"
	bt_modules_unlink || log "bt: removing the symlink tree over kernel/ failed"
	bt_net_restore || log "bt: veth1 not restored"
	rdma link show 2>/dev/null | grep -q "^link $IBDEV/" || {
		modprobe rdma_rxe && rdma link add "$IBDEV" type rxe netdev veth0
	} || log "bt: rdma link add $IBDEV failed"
	modprobe -a sd_mod sg ib_srp
	wait_until 20 ibdev_ready || log "bt: no active $IBDEV with ib_srp on it"
	load_target_module "$1"
}

# bt_modules_links: blktests looks for every module it needs with find(1)
# over /lib/modules/$KVER/kernel, which takes 5 s a module over 9p (90 s a
# ./check, minutes on a loaded host).  A tree of symlinks on tmpfs, made in
# one walk and bind-mounted over kernel/, makes that instant; the symlinks
# point to the 9p files through a second bind mount, so every module loads
# from the same file as before.  Undone by bt_modules_unlink.
BT_KLINKS=$W/bt-kernel-links
BT_KORIG=$W/bt-kernel-orig
bt_modules_links() {
	local k=/lib/modules/$KVER/kernel t0
	[ -e "$W/.modules-on-tmpfs" ] && return 0	# already on tmpfs (case 30)
	mountpoint -q "$k" && return 0
	stamp t0
	mkdir -p "$BT_KORIG" "$BT_KLINKS" &&
		mount --bind "$k" "$BT_KORIG" &&
		cp -as "$BT_KORIG/." "$BT_KLINKS/" &&
		mount --bind "$BT_KLINKS" "$k" || return 1
	since "$t0"
	log "bt: symlink tree over $k in ${SECS}s"
}
bt_modules_unlink() {
	local k=/lib/modules/$KVER/kernel
	[ -d "$BT_KLINKS" ] || return 0
	umount "$k" && umount "$BT_KORIG" && rm -rf "$BT_KLINKS" && rmdir "$BT_KORIG"
}

# bt_install_ours: our module where blktests' own "modprobe ib_srpt" finds
# it: the host ran "make install" into the staging root BT_STAGE
# (tests/blktests/stage.sh: updates/ib_srpt.ko and depmod's index over the
# kernel's modules plus ours); its updates/ib_srpt.ko and modules.* index
# files are copied into /lib/modules/$KVER (the guest's overlay), the
# originals kept for bt_uninstall_ours.  TAP line.  WANT_V/WANT_S: the
# identity the loaded module must have.
BT_IDX_ORIG=$W/bt-modules-index
bt_install_ours() {
	local d=/lib/modules/$KVER st=${BT_STAGE:-}/lib/modules/$KVER path f stk
	# kbuild compresses it where the kernel says so (6.12, 7.3: .ko.xz).
	stk=$(installed_ko "$st/updates/ib_srpt.ko")
	BT_UPD=$d/updates/${stk##*/}
	if [ -z "${BT_STAGE:-}" ] || [ ! -r "$stk" ]; then
		not_ok "blktests: our ib_srpt staged by the host (${BT_STAGE:-no BT_STAGE}: see run.sh's output)"
		return 1
	fi
	if [ ! -d "$BT_IDX_ORIG" ]; then
		mkdir -p "$BT_IDX_ORIG" && cp -p "$d"/modules.* "$BT_IDX_ORIG/" || return 1
	fi
	mkdir -p "$d/updates" && cp "$stk" "$BT_UPD" || return 1
	for f in "$st"/modules.*; do
		case ${f##*/} in modules.order | modules.builtin | modules.builtin.modinfo) continue ;; esac
		cp "$f" "$d/" || return 1
	done
	path=$(modinfo -k "$KVER" -n ib_srpt 2>&1)
	if [ "$path" = "$BT_UPD" ] && [ "$(modinfo -F srcversion "$BT_UPD")" = "$WANT_S" ]; then
		ok "blktests: our ib_srpt installed where modprobe finds it ($path, srcversion $WANT_S)"
		return 0
	fi
	not_ok "blktests: our ib_srpt installed where modprobe finds it ($path, srcversion $(modinfo -F srcversion "$BT_UPD" 2>/dev/null), want $WANT_S)"
	return 1
}
# bt_uninstall_ours: the kernel's own index back, updates/ib_srpt.ko gone.
bt_uninstall_ours() {
	local d=/lib/modules/$KVER
	[ -d "$BT_IDX_ORIG" ] || return 0
	rm -f "${BT_UPD:-$UPD}"
	rmdir "$d/updates" 2>/dev/null
	cp -p "$BT_IDX_ORIG"/modules.* "$d/" && rm -rf "$BT_IDX_ORIG"
}

# bt_watch FILE: record every ib_srpt that gets loaded while blktests runs
# ("uptime version srcversion taint", one line per load, sampled every
# 0.3 s without forks; Debian's modules have neither version nor
# srcversion).  Runs until killed.
bt_watch() {
	local f=$1 last='' cur v s t u
	while :; do
		if [ -e /sys/module/ib_srpt/initstate ]; then
			v='' s='' t=''
			read -r v 2>/dev/null </sys/module/ib_srpt/version
			read -r s 2>/dev/null </sys/module/ib_srpt/srcversion
			read -r t 2>/dev/null </sys/module/ib_srpt/taint
			cur="version=${v:-none} srcversion=${s:-none} taint=${t:-none}"
			if [ "$cur" != "$last" ]; then
				read -r u _ </proc/uptime
				echo "$u $cur" >>"$f"
				last=$cur
			fi
		else
			last=''
		fi
		nap 0.3
	done
}
# bt_watch_verdict FILE MODE: TAP line: every ib_srpt blktests loaded is the
# one meant (ours: version and srcversion of the built module; in-tree: no
# version, no O taint), and at least one was seen.
bt_watch_verdict() {
	local f=$1 mode=$2 n=0 bad=0 line last=''
	while read -r line; do
		n=$((n + 1))
		last=${line#* }
		if [ "$mode" = ours ]; then
			[[ $line == *" version=$WANT_V srcversion=$WANT_S "* ]] || bad=$((bad + 1))
		else
			[[ $line == *" version=none "* && $line != *taint=*O* ]] || bad=$((bad + 1))
		fi
	done <"$f"
	if [ "$n" -gt 0 ] && [ "$bad" = 0 ]; then
		ok "blktests: every ib_srpt blktests loaded is $mode's ($n loads seen, the last: $last)"
	else
		not_ok "blktests: every ib_srpt blktests loaded is $mode's ($n loads seen, $bad not)"
		sed 's/^/#   /' "$f"
	fi
}

# bt_check OUT LIMIT TESTS...: run blktests' ./check for TESTS with its
# results in OUT (USE_RXE=1; TIMEOUT from BT_TIMEOUT if set), killed after
# LIMIT seconds (its unfinished tests then have no result and fail).  Its
# console output goes to OUT/check.log.
bt_check() {
	local out=$1 limit=$2 cfg
	shift 2
	[ "$limit" -ge 60 ] || { diag "blktests: no time left for ./check (${limit}s)"; return 1; }
	mkdir -p "$out"
	cfg=$out/config
	{
		echo "USE_RXE=1"
		[ -n "${BT_TIMEOUT:-}" ] && echo "TIMEOUT=$BT_TIMEOUT"
	} >"$cfg"
	log "bt: ./check -c $cfg -o $out $*"
	(cd "$BT_DIR" && timeout -k 30 "$limit" ./check -c "$cfg" -o "$out" "$@") >"$out/check.log" 2>&1
	local st=$?
	[ "$st" = 124 ] || [ "$st" = 137 ] && diag "blktests: ./check killed after ${limit}s"
	return "$st"
}

# bt_results OUT LABEL TESTS...: one TAP line per test ("blktests srp/NNN
# (LABEL)"), from blktests' result files OUT/nodev/srp/NNN; a test that
# was not run is a SKIP with blktests' reason, a failure is followed by
# its reason, the first lines of NNN.full and fio's verify lines.
# Also writes OUT/summary: "test status runtime reason".
bt_results() {
	local out=$1 label=$2 t n f st rt why
	shift 2
	: >"$out/summary"
	for t; do
		n=${t#srp/}
		f=$out/nodev/srp/$n
		st='' rt='' why=''
		if [ -r "$f" ]; then
			st=$(sed -n 's/^status\t//p' "$f")
			rt=$(sed -n 's/^runtime\t//p' "$f")
			why=$(sed -n 's/^reason\t//p' "$f")
		fi
		echo "srp/$n ${st// /_} ${rt:--} ${why:--}" >>"$out/summary"
		case $st in
		pass) ok "blktests srp/$n ($label) ${rt}" ;;
		"not run")
			why=$(grep -A3 "^srp/$n " "$out/check.log" | sed -n 's/^[[:space:]]*//; /^srp\//d; p' | head -n 2 | tr '\n' ';')
			ok "blktests srp/$n ($label) # SKIP not run: ${why%;}"
			;;
		fail)
			not_ok "blktests srp/$n ($label) ${rt} (reason: $why)"
			bt_why "$out" "$n"
			;;
		*)
			not_ok "blktests srp/$n ($label): no result (status '${st}')"
			;;
		esac
	done
}
# bt_why OUT NNN: "#" lines: why srp/NNN failed.
bt_why() {
	local out=$1 n=$2 d=$1/nodev/srp
	if [ -r "$d/$n.out.bad" ]; then
		diff "$BT_DIR/tests/srp/$n.out" "$d/$n.out.bad" | head -n 6 | sed 's/^/#   out: /'
	fi
	[ -r "$d/$n.dmesg" ] && grep -E "$BAD_RE" "$d/$n.dmesg" | head -n 5 | sed 's/^/#   dmesg: /'
	if [ -r "$d/$n.full" ]; then
		# the first lines, without multipath-over-rdma's progress lines
		grep -v -E '^(Examining all |Finished examining )' "$d/$n.full" | head -n 8 | cut -c1-200 | sed 's/^/#   full: /'
		grep -E 'verify failed|bad magic|bad header|CRC:|err=|error=' "$d/$n.full" | grep -v '^fio --' |
			head -n 8 | cut -c1-240 | sed 's/^/#   fio: /'
	fi
}
