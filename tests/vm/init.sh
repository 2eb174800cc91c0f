#!/bin/busybox sh
# /init of the test initramfs (static busybox + virtio/9p/overlay modules).
#
# Mounts the host's root file system (virtio-9p, read-only) under a tmpfs
# overlay, mounts the writable results export at the host path given by
# srptvm.results=, and switch_roots into the guest script srptvm.guest=.
# Any failure powers the guest off at once so the host never waits for
# its watchdog because of a broken boot.
/bin/busybox --install -s /bin

die() {
	echo "srptvm-init: $*" >/dev/console
	echo o >/proc/sysrq-trigger
	poweroff -f
}

mkdir -p /proc /sys /dev /ro /rw /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# Modules in dependency order, as listed by the host at build time.
while read -r m; do
	insmod "/modules/$m" || die "insmod $m failed"
done </modules.list

results='' guest='' top=''
for arg in $(cat /proc/cmdline); do
	case $arg in
	srptvm.results=*) results=${arg#*=} ;;
	srptvm.guest=*) guest=${arg#*=} ;;
	srptvm.top=*) top=${arg#*=} ;;
	esac
done
[ -n "$results" ] && [ -n "$guest" ] || die "srptvm.results= or srptvm.guest= missing"

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /ro ||
	die "cannot mount host root"
mount -t tmpfs -o mode=0755 tmpfs /rw || die "cannot mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/ro,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	die "cannot mount overlay"
# A root other than the host's does not hold the work tree: it is a third
# export (read-only), under an overlay of its own at its own path.
if [ -n "$top" ]; then
	mkdir -p /rotop /rw/top-upper /rw/top-work "/newroot$top"
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 srpttop /rotop ||
		die "cannot mount the work tree export"
	mount -t overlay overlay -o lowerdir=/rotop,upperdir=/rw/top-upper,workdir=/rw/top-work \
		"/newroot$top" || die "cannot mount the work tree overlay"
fi
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "/newroot$results" ||
	die "cannot mount results export at $results"

for d in proc sys dev; do
	mount --move "/$d" "/newroot/$d" || die "cannot move /$d"
done
# shellcheck disable=SC2093 # die only runs if the exec fails
exec switch_root /newroot /bin/bash "$guest"
die "switch_root failed"
