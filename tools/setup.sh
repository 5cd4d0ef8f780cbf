#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what berth needs to build and test (Debian 12, as root) and builds it in ./build.
set -eu
cd "$(dirname "$0")/.."

packages="meson ninja-build pkg-config gcc libc6-dev libsystemd-dev libmount-dev libblkid-dev
          libseccomp-dev scdoc busybox-static systemd systemd-container dbus tmux python3
          util-linux iproute2 procps libcap2-bin strace clang libclang-rt-14-dev
          bubblewrap crun runc"
missing=""
for p in $packages; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
        echo "Installing:$missing"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -f build/build.ninja ]; then
        meson setup build
fi
ninja -C build
