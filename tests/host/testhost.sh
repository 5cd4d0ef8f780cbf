# SPDX-License-Identifier: LGPL-2.1-or-later
# The test host: a real booted systemd with D-Bus and machined, in a container made by
# systemd-nspawn from this machine's own /usr, as ../shared/DESIGN.md describes.
#
#   testhost_prepare DIR     a root: a copy of /etc with a new machine-id, empty /var ...
#   testhost_boot DIR NAME   boots it in the background; sets TESTHOST_NSPAWN and TESTHOST_PID
#   testhost_run CMD...      runs a command inside (all namespaces of its PID 1)
#   testhost_reboot          reboots it (systemctl reboot inside, then boots DIR again)
#   testhost_stop            powers it off (SIGTERM to nspawn) and waits

testhost_prepare() {
        local dir=$1 l
        rm -rf "$dir"
        mkdir -p "$dir"
        cp -a /etc "$dir/etc"
        rm -f "$dir/etc/machine-id"
        systemd-machine-id-setup --root="$dir" >/dev/null
        for l in bin sbin lib lib64; do
                ln -s "usr/$l" "$dir/$l"
        done
        mkdir -p "$dir/usr/lib" "$dir/var" "$dir/root" "$dir/home" "$dir/srv" "$dir/opt"
        cp /usr/lib/os-release "$dir/usr/lib/os-release"
        # Boot only what the tests need.
        rm -rf "$dir/etc/systemd/system/multi-user.target.wants" "$dir/etc/systemd/system/timers.target.wants"
        mkdir -p "$dir/etc/systemd/system/multi-user.target.wants"
}

# A bootable image made like the test host, its /usr bound in from the host by testhost_boot:
# testhost_prepare_image TESTHOST_DIR NAME, then testhost_boot ... --bind-ro=/usr:/var/lib/machines/NAME/usr
testhost_prepare_image() {
        local image=$1/var/lib/machines/$2
        testhost_prepare "$image"
        rm -f "$image/usr/lib/os-release"
}

# Installs berth's units into the test host, running the binary of the build tree.
testhost_install_units() {
        local dir=$1 build=$2
        local u
        for u in berth@.service berth-register@.service; do
                sed "s|^ExecStart=[^ ]*/berth |ExecStart=$build/berth |" "$build/$u" > "$dir/etc/systemd/system/$u"
        done
}

testhost_boot() {
        local dir=$1 name=$2 i
        TESTHOST_ARGS=("$@")
        shift 2
        # bpf(): without it systemd in the test host cannot enforce a unit's device policy
        # (DevicePolicy=, DeviceAllow=: an eBPF program on a unified host), and says nothing;
        # systemd-nspawn's own syscall filter refuses it unless asked.
        SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -D "$dir" --bind-ro=/usr --register=no --keep-unit \
                --system-call-filter=bpf -b -M "$name" --console=pipe -q "$@" systemd.firstboot=off \
                >"$dir.console.log" 2>&1 </dev/null &
        TESTHOST_NSPAWN=$!
        TESTHOST_PID=""
        for i in $(seq 200); do
                TESTHOST_PID=$(cat "/proc/$TESTHOST_NSPAWN/task/$TESTHOST_NSPAWN/children" 2>/dev/null | awk '{print $1}')
                if [ -n "$TESTHOST_PID" ] && readlink "/proc/$TESTHOST_PID/exe" | grep -q systemd &&
                   nsenter -t "$TESTHOST_PID" -a test -S /run/systemd/private 2>/dev/null; then
                        break
                fi
                TESTHOST_PID=""
                sleep 0.1
        done
        if [ -z "$TESTHOST_PID" ]; then
                echo "The test host did not boot; its console:" >&2
                tail -n 20 "$dir.console.log" >&2
                return 1
        fi
        local state
        state=$(timeout 120 nsenter -t "$TESTHOST_PID" -a systemctl is-system-running --wait)
        case "$state" in
        running | degraded) return 0 ;;
        esac
        echo "The test host is $state:" >&2
        nsenter -t "$TESTHOST_PID" -a systemctl --failed --no-pager >&2
        return 1
}

testhost_run() {
        nsenter -t "$TESTHOST_PID" -a "$@"
}

testhost_reboot() {
        testhost_run systemctl reboot
        timeout 60 tail --pid="$TESTHOST_NSPAWN" -f /dev/null
        wait "$TESTHOST_NSPAWN" 2>/dev/null
        local rc=$?
        TESTHOST_NSPAWN=""
        if [ $rc -ne 133 ]; then
                echo "The test host did not reboot (systemd-nspawn exited with $rc)." >&2
                return 1
        fi
        testhost_boot "${TESTHOST_ARGS[@]}"
}

testhost_stop() {
        [ -n "${TESTHOST_NSPAWN:-}" ] || return 0
        kill -TERM "$TESTHOST_NSPAWN" 2>/dev/null
        timeout 60 tail --pid="$TESTHOST_NSPAWN" -f /dev/null
        wait "$TESTHOST_NSPAWN" 2>/dev/null
        TESTHOST_NSPAWN=""
}
