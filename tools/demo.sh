#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what is missing, builds, and boots the embedded default machine: this host's
# own OS as a volatile machine (empty /etc and /var, the host's /usr read-only). Shows it
# running, then powers it off. Needs root.
set -eu
cd "$(dirname "$0")/.."
bash tools/setup.sh

name=berth-demo
echo "==> berth run -D / --volatile=yes -b -M $name"
./build/berth run -D / --volatile=yes -b -M "$name" --console=passive &
berth_pid=$!

leader=""
for _ in $(seq 100); do
        leader=$(cat "/proc/$berth_pid/task/$berth_pid/children" 2>/dev/null | awk '{print $1}')
        [ -n "$leader" ] && break
        sleep 0.1
done
[ -n "$leader" ] || { echo "The machine did not start."; exit 1; }
# Until the machine's init has been executed, the child is still berth setting it up.
for _ in $(seq 100); do
        case "$(readlink "/proc/$leader/exe" 2>/dev/null)" in
        */systemd) break ;;
        esac
        sleep 0.1
done
# ... and until its manager listens.
for _ in $(seq 600); do
        nsenter -t "$leader" -a test -S /run/systemd/private && break
        sleep 0.1
done

inside() { nsenter -t "$leader" -a "$@"; }
echo "==> waiting for the machine's systemd to finish booting"
state=$(timeout 120 nsenter -t "$leader" -a systemctl is-system-running --wait || true)
echo "==> systemctl is-system-running (inside): $state"
echo "==> hostname (inside): $(inside hostname)"
echo "==> running services (inside):"
inside systemctl list-units --type=service --state=running --no-legend --no-pager | sed 's/^/    /'
echo "==> sending SIGTERM to berth (PID $berth_pid): the machine powers off"
kill -TERM "$berth_pid"
rc=0
wait "$berth_pid" || rc=$?
echo "==> berth exited with status $rc"
case "$state" in
running | degraded) [ "$rc" -eq 0 ] ;;
*) exit 1 ;;
esac
