#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Case 3: what the initiator sees through SRP matches what LIO reports for
# each backstore: sg_inq (vendor, product, revision, serial), sg_readcap
# (capacity, block size), sg_vpd page 0x80 (unit serial) and page 0x83
# (NAA and T10 vendor designators derived from the serial; target port and
# target device names = the srpt port name + ",t,0x0001").  Then data
# written through one login must read back after a logout and a new login.
{
# shellcheck source=../lib.sh
. "$VMDIR/lib.sh"
shopt -s extglob

# colon_pairs TEXT: INFO[key]=value for every "key: value" line of TEXT.
colon_pairs() {
	local line k v
	INFO=()
	while IFS= read -r line; do
		[[ $line == *:* ]] || continue
		k=${line%%:*} v=${line#*:}
		k=${k##+([[:space:]])} v=${v##+([[:space:]])}
		INFO[${k%%+([[:space:]])}]=${v%%+([[:space:]])}
	done <<<"$1"
}
# vpd83 TEXT: NAA, T10_VENDOR, T10_SPECIFIC and NAMES (SCSI name strings,
# space separated) from sg_vpd's decoding of page 0x83.
vpd83() {
	local line next=''
	NAA='' T10_VENDOR='' T10_SPECIFIC='' NAMES=''
	while IFS= read -r line; do
		line=${line##+([[:space:]])}
		case $next in
		naa) NAA=$line next='' && continue ;;
		name) NAMES+="$line " next='' && continue ;;
		esac
		case $line in
		"designator type: NAA,"*) next=naa ;;
		"SCSI name string:") next=name ;;
		"vendor id: "*) T10_VENDOR=${line#vendor id: } ;;
		"vendor specific: "*) T10_SPECIFIC=${line#vendor specific: } ;;
		esac
	done <<<"$1"
	T10_VENDOR=${T10_VENDOR%%+([[:space:]])}
}
declare -A INFO

need_login 3 || { not_ok "identity: login"; finish; }
name=(rd fd nb)
for l in 0 1 2; do
	d=${DISK[l]} bs=${name[l]} dev=
	for x in "$CFS"/core/*/"$bs"; do dev=$x; done
	# What LIO says about the backstore.
	vendor=$(<"$dev/wwn/vendor_id") product=$(<"$dev/wwn/product_id")
	revision=$(<"$dev/wwn/revision") company=$(<"$dev/wwn/company_id")
	serial=$(<"$dev/wwn/vpd_unit_serial")
	serial=${serial#T10 VPD Unit Serial Number: }
	blksz=$(<"$dev/attrib/block_size")
	info=$(<"$dev/info")
	log "LUN $l info: $info"
	bytes=0
	if [[ $info =~ PAGES/PAGE_SIZE:\ ([0-9]+)\*([0-9]+) ]]; then
		bytes=$((BASH_REMATCH[1] * BASH_REMATCH[2]))
	elif [[ $info =~ [[:space:]]Size:\ ([0-9]+) ]]; then
		bytes=${BASH_REMATCH[1]}
	elif [[ $info =~ iBlock\ device:\ ([^[:space:]]+) ]] ||
		[[ $info =~ UDEV\ PATH:\ /dev/([^[:space:]]+) ]]; then
		# iblock reports no size: that of its block device.
		read -r bytes <"/sys/class/block/${BASH_REMATCH[1]}/size"
		bytes=$((bytes * 512))
	fi
	hex=${serial//[^0-9a-fA-F]/}
	company=${company#0x}
	naa=0x6${company: -6}${hex:0:25}
	naa=${naa,,}
	log "LUN $l $dev: '$vendor' '$product' '$revision' '$serial' $bytes bytes, block $blksz, naa $naa"

	out=$(sg_inq "$d" 2>&1)
	log "$out"
	colon_pairs "$out"
	# sg3-utils 1.46 (Debian 12) shows the unit serial in sg_inq's standard
	# INQUIRY output, 1.48 (Debian 13) does not: compared where shown (and
	# always through sg_vpd 0x80 below).
	inq_serial=${INFO[Unit serial number]-none shown}
	[ "${INFO[Vendor identification]}" = "$vendor" ] &&
		[ "${INFO[Product identification]}" = "$product" ] &&
		[ "${INFO[Product revision level]}" = "$revision" ] &&
		{ [ "$inq_serial" = "none shown" ] || [ "$inq_serial" = "$serial" ]; }
	tap $? "LUN $l ($bs) sg_inq: '${INFO[Vendor identification]}' '${INFO[Product identification]}' '${INFO[Product revision level]}' serial $inq_serial"

	out=$(sg_readcap "$d" 2>&1)
	log "$out"
	blocks=0 len=0
	[[ $out =~ Number\ of\ logical\ blocks=([0-9]+) ]] && blocks=${BASH_REMATCH[1]}
	[[ $out =~ Logical\ block\ length=([0-9]+) ]] && len=${BASH_REMATCH[1]}
	[ "$len" = "$blksz" ] && [ $((blocks * len)) = "$bytes" ] && [ "$bytes" != 0 ]
	tap $? "LUN $l ($bs) sg_readcap: $blocks blocks of $len bytes (LIO: $bytes bytes, block $blksz)"

	out=$(sg_vpd -p 0x80 "$d" 2>&1)
	log "$out"
	colon_pairs "$out"
	# "Unit serial number:" (sg3-utils 1.46), "Product serial number:" (1.48)
	vpd_serial=${INFO[Unit serial number]-${INFO[Product serial number]-}}
	[ -n "$vpd_serial" ] && [ "$vpd_serial" = "$serial" ]
	tap $? "LUN $l ($bs) sg_vpd 0x80: unit serial $vpd_serial"

	out=$(sg_vpd -p 0x83 "$d" 2>&1)
	log "$out"
	vpd83 "$out"
	want_names="0x$GID_HEX,t,0x0001 0x$GID_HEX "
	[ "$NAA" = "$naa" ] && [ "$T10_VENDOR" = "$vendor" ] &&
		[ "$T10_SPECIFIC" = "$product:$serial" ] && [ "$NAMES" = "$want_names" ]
	tap $? "LUN $l ($bs) sg_vpd 0x83: NAA $NAA, T10 '$T10_VENDOR' '$T10_SPECIFIC', names ${NAMES% }"
done

# Data survives a logout and a new login (pattern at 8 MiB into each LUN).
head -c 4M /dev/urandom >"$W/pattern"
dd if="$W/pattern" of="${DISK[0]}" bs=64k seek=128 oflag=direct status=none &&
	dd if="$W/pattern" of="${DISK[1]}" bs=64k seek=128 oflag=direct status=none &&
	dd if="$W/pattern" of="${DISK[2]}" bs=64k seek=128 oflag=direct status=none
tap $? "wrote a 4 MiB pattern to the three LUNs"
srp_logout
st=$?
tap $st "logout"
diag "logout took ${SECS}s"
if login_ok 3; then
	ok "login again"
	for l in 0 1 2; do
		dd if="${DISK[l]}" bs=64k skip=128 count=64 iflag=direct status=none | cmp -s - "$W/pattern"
		tap $? "LUN $l reads back the pattern after logout and login"
	done
else
	not_ok "login again"
fi
finish
}
