#!/bin/bash
# Install the Debian packages the build, the unit tests and the VM tests need.
# Idempotent: does nothing when everything is present.
set -e
pkgs="build-essential make gcc sparse linux-headers-amd64 linux-image-amd64
qemu-system-x86 busybox-static kmod cpio zstd xz-utils rdma-core ibverbs-providers
ibverbs-utils rdmacm-utils srptools fio sg3-utils targetcli-fb python3-rtslib-fb dbus
libcmocka-dev libibverbs-dev librdmacm-dev iproute2 clang libclang-rt-dev dkms
mmdebstrap debootstrap tmux python3-docutils nvme-cli gnuplot-nox"
# upstream blktests' srp group (make blktests, VM case 13-blktests)
pkgs="$pkgs $(sed 's/#.*//' "$(dirname "$0")/blktests/packages")"
# the Debian packages (make deb: tests/deb.sh; VM case 33-deb)
pkgs="$pkgs dpkg-dev debhelper dh-dkms lintian man-db"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
