#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 12: data integrity on every backstore kind LIO offers that the guest
# can host, because rd_mcp and buffered fileio copy the data synchronously
# inside the command's submission while the backstores SANs export complete
# asynchronously and hand the scatterlist to a block driver:
#   LUN 0  rd_mcp                     (setup_target)
#   LUN 1  fileio, buffered, tmpfs    (setup_target)
#   LUN 2  iblock on null_blk         (setup_target: memory_backed, 512-byte
#                                      blocks, completes in softirq)
#   LUN 3  fileio, O_DIRECT aio       (fd_async_io=1, file on ext4 on brd)
#   LUN 4  iblock on a loop device    (tmpfs file; loop completes in a worker)
#   LUN 5  iblock on brd
#   LUN 6  pscsi on scsi_debug        (delay=1: completes from a timer)
# Each LUN runs fio/matrix.fio (verify=md5: 512 B, 4 KiB, 8 KiB, 64 KiB,
# 1 MiB and 4 MiB, random write/read/mixed, QD 1 to 32) once per login:
#   (a) immediate data (ib_srp default up to 8 KiB), 2 channels, queue 128,
#       max_sect 8192 (4 MiB commands);
#   (b) no immediate data (max_it_iu_size=512), 1 channel, queue 32;
#   (c) tools/srpi: descriptors that split the data off page boundaries and
#       immediate data at an offset of its own, on null_blk and brd.
# The extra LUNs and backstores are removed at the end.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"

DBG=/sys/kernel/debug/ib_srpt
[ -r "$DBG/events" ] || mount -t debugfs debugfs /sys/kernel/debug
event() { awk -v k="$1" '$1 == k { print $2 }' "$DBG/events"; }

MB=96				# size of every extra backstore
MNT=$W/bs-ext4
LOOP_FILE=$W/lun/loop.img
NAMES=(rd_mcp fileio-buffered iblock-null_blk fileio-odirect iblock-loop iblock-brd pscsi-scsi_debug)
NLUN=${#NAMES[@]}
LOOP_DEV=''

# add_bs KIND NAME CONTROL LUN: a backstore made by hand in configfs (cheap;
# targetcli would take 10-60 s here), exported as LUN and mapped to our ACL.
add_bs() {
	local d=$CFS/core/${1}_12/$2 p
	mkdir -p "$d" || return 1
	for p in ${3//,/ }; do
		echo "$p" >"$d/control" || { log "$d/control: $p refused"; return 1; }
	done
	if [ "$1" = pscsi ]; then
		echo "$PSCSI_UDEV" >"$d/udev_path" || { log "$d/udev_path refused"; return 1; }
	fi
	echo 1 >"$d/enable" || { log "$d: enable failed"; return 1; }
	mkdir "$TPG/lun/lun_$4" && ln -s "$d" "$TPG/lun/lun_$4/bs" || return 1
	mkdir "$ACL_DIR/lun_$4" && ln -s "$TPG/lun/lun_$4" "$ACL_DIR/lun_$4/lun"
}

# pscsi_hctl: H:C:T:L of the scsi_debug disk.
pscsi_hctl() {
	local d
	for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*:*:*:*; do
		[ -e "$d" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

setup_backstores() {
	local hctl h c t l blk
	modprobe -a target_core_iblock target_core_file target_core_pscsi loop 2>&1 >&2
	# No default devices: brd's default disks are 4 MiB, scsi_debug's 8 MiB.
	[ -d /sys/module/brd ] || modprobe brd rd_nr=2 rd_size=$((MB * 1024 + 16384))
	[ -d /sys/module/scsi_debug ] ||
		modprobe scsi_debug dev_size_mb="$MB" delay=1 max_luns=1 num_tgts=1 2>&1 >&2
	mkfs.ext4 -q -F /dev/ram0 && mkdir -p "$MNT" && mount /dev/ram0 "$MNT" || return 1
	mkdir -p "${LOOP_FILE%/*}" && truncate -s "${MB}M" "$LOOP_FILE" &&
		LOOP_DEV=$(losetup -f --show "$LOOP_FILE") || return 1
	# LIO does not size the file: reads past its end would fail.
	truncate -s "${MB}M" "$MNT/odirect.img" || return 1
	add_bs fileio odirect "fd_dev_name=$MNT/odirect.img,fd_dev_size=$((MB << 20)),fd_async_io=1" 3 &&
		add_bs iblock loop "udev_path=$LOOP_DEV" 4 &&
		add_bs iblock brd "udev_path=/dev/ram1" 5 || return 1
	# pscsi over scsi_debug: a SCSI disk whose commands complete from a
	# timer (delay=1 jiffy), passed through as it is.
	hctl=$(pscsi_hctl) || { log "no scsi_debug disk"; return 1; }
	IFS=: read -r h c t l <<<"$hctl"
	blk=(/sys/bus/scsi/devices/"$hctl"/block/*)
	[ -e "${blk[0]}" ] || { log "scsi_debug $hctl has no block device"; return 1; }
	# pscsi wants the device's udev_path attribute set before enable
	# (rtslib does that too).
	PSCSI_UDEV=/dev/${blk[0]##*/}
	add_bs pscsi sdebug "scsi_host_id=$h,scsi_channel_id=$c,scsi_target_id=$t,scsi_lun_id=$l" 6
}

teardown_backstores() {
	local n d
	for n in 3 4 5 6; do
		[ -d "$ACL_DIR/lun_$n" ] && cfs_unlink_rmdir "$ACL_DIR/lun_$n"
		[ -d "$TPG/lun/lun_$n" ] && cfs_unlink_rmdir "$TPG/lun/lun_$n"
	done
	for d in "$CFS"/core/*_12/*/; do
		[ -d "$d" ] && rmdir "$d"
	done
	rmdir "$CFS"/core/*_12 2>/dev/null
	[ -n "$LOOP_DEV" ] && losetup -d "$LOOP_DEV"
	mountpoint -q "$MNT" && umount "$MNT"
	rm -f "$LOOP_FILE"
	# Later cases load brd with parameters of their own.
	rmmod brd scsi_debug 2>/dev/null
	return 0
}

# run_matrix LABEL: fio/matrix.fio on every LUN at once (one fio process
# per LUN, side by side), one TAP line per LUN.
run_matrix() {
	local label=$1 l out=$W/matrix-$1 verrs bad jobs mib
	# One fio per LUN (fio expands ${DEV} from the environment).
	for ((l = 0; l < NLUN; l++)); do
		[ -n "${DISK[l]:-}" ] || continue
		DEV=${DISK[l]} LABEL=${NAMES[l]} timeout -k 10 600 fio --eta=never \
			--output-format=terse --terse-version=3 "$VMDIR/fio/matrix.fio" \
			>"$out.$l.terse" 2>"$out.$l.err" &
	done
	wait
	for ((l = 0; l < NLUN; l++)); do
		[ -n "${DISK[l]:-}" ] || { not_ok "($label) ${NAMES[l]}: no disk for LUN $l"; continue; }
		cat "$out.$l.terse" "$out.$l.err" >&2
		read -r jobs mib bad < <(awk -F';' '
			NF > 50 { n++; kb += $6 + $47; if ($5 != 0) bad = bad " " $3 "(error " $5 ")" }
			END { printf "%d %d %s\n", n, kb / 1024, bad }' "$out.$l.terse")
		verrs=$(grep -c -i 'verify failed\|bad magic\|bad header\|verify: bad' "$out.$l.err")
		[ "$jobs" = "$MATRIX_JOBS" ] && [ -z "$bad" ] && [ "$verrs" = 0 ]
		tap $? "($label) LUN $l ${NAMES[l]}: $jobs/$MATRIX_JOBS jobs, $mib MiB verified, verify errors $verrs${bad:+, failed:$bad}"
		[ "$verrs" = 0 ] || grep -i -m 3 'verify\|md5' "$out.$l.err" | sed 's/^/#   /'
	done
}

MATRIX_JOBS=$(grep -c '^\[' "$VMDIR/fio/matrix.fio")
MATRIX_JOBS=$((MATRIX_JOBS - 1))	# [global]

srp_logout_all
ensure_target || { not_ok "backstores: target setup"; finish; }
mark backstores
teardown_backstores
setup_backstores
tap $? "backstores: fileio O_DIRECT, iblock on loop and brd, pscsi on scsi_debug exported as LUNs 3-6"

# (a) immediate data, two channels.
imm0=$(event immediate_data_cmds)
srp_login ch_count=2 max_sect=8192 && srp_disks "$NLUN"
tap $? "(a) login with immediate data, 2 channels, max_sect=8192: ${DISK[*]}"
[ -n "${DISK[0]:-}" ] && run_matrix imm
imm=$(($(event immediate_data_cmds) - imm0))
[ "$imm" -gt 0 ]
tap $? "(a) commands carried immediate data ($imm)"
srp_logout_all

# (b) no immediate data, one channel, 32 credits.
imm0=$(event immediate_data_cmds)
srp_login ch_count=1 queue_size=32 max_cmd_per_lun=32 max_it_iu_size=512 max_sect=8192 &&
	srp_disks "$NLUN"
tap $? "(b) login without immediate data (max_it_iu_size=512), 1 channel, queue 32: ${DISK[*]}"
[ -n "${DISK[0]:-}" ] && run_matrix noimm
imm=$(($(event immediate_data_cmds) - imm0))
[ "$imm" = 0 ]
tap $? "(b) no command carried immediate data ($imm)"
srp_logout_all

# (c) Descriptors that do not split the data at page boundaries (any
# initiator may send them; ib_srp with never_register=1 does for buffers
# that start inside a page), and immediate data at another offset than
# ib_srp's: written through one split, read back through another, on the
# block backstores (brd warns about a misaligned segment, null_blk copies it
# to the wrong sectors).  srpi logs in as ib_srp's initiator port: ib_srp is
# logged out above.
SRPI=$TOP/tools/srpi
for l in 2 5; do
	[ -x "$SRPI" ] || { not_ok "(c) $SRPI is not built"; break; }
	out=$(timeout -k 5 120 "$SRPI" --imm=72 --data-size 1m \
		'fill seed='$l' len=65536' \
		"cmd cdb=write10:100:16 lun=$l dlen=100,3996,4096 tag=1" await \
		"cmd cdb=write10:200:16 lun=$l dlen=3584,4096,512 off=8192 tag=2" await \
		"cmd cdb=write10:300:16 lun=$l dlen=512,512,7168 off=16384 tag=3" await \
		"cmd cdb=write10:400:8 lun=$l fmt=imm imm=4096 off=24576 tag=4" await \
		"cmd cdb=read10:100:16 lun=$l dlen=4096,4000,96 off=65536 tag=5" await \
		"cmd cdb=read10:200:16 lun=$l dlen=1,8191 off=73728 tag=6" await \
		"cmd cdb=read10:300:16 lun=$l off=81920 tag=7" await \
		"cmd cdb=read10:400:8 lun=$l dlen=2048,2048 off=90112 tag=8" await \
		'cmp a=0 b=65536 len=28672' 2>&1)
	st=$?
	log "srpi LUN $l: $out"
	good=$(grep -c '^rsp .*status=0x00' <<<"$out")
	cmps=$(grep -c '^cmp ok' <<<"$out")
	[ "$st" = 0 ] && [ "$good" = 8 ] && [ "$cmps" = 1 ]
	tap $? "(c) LUN $l ${NAMES[l]}: 8 KiB through descriptor splits 100+3996+4096, 3584+4096+512, 512+512+7168, 4 KiB of immediate data at offset 72, read back through other splits: $good/8 GOOD, data $( ((cmps)) && echo equal || echo DIFFERENT)"
done

teardown_backstores
dmesg_clean "backstores" backstores
finish
}
