#!/bin/bash
# A plain berth run (not registered, no terminal to forward) never loads libsystemd: berth loads
# it when it first calls it. Its wait loop forwards the console as the sd-event one does.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"

# The libraries ld.so loaded into berth itself while it ran COMMAND... (LD_DEBUG=files goes to
# berth's stderr; the machine's payload gets an environment of its own).
loaded() {
        LD_DEBUG=files "$@" 2>&1 >/dev/null </dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u
}

test_expect_success 'berth --version and --help load no libsystemd' '
        expect_eq "$(loaded "$BERTH" --version | grep -c libsystemd)" 0 &&
        expect_eq "$(loaded "$BERTH" run --help | grep -c libsystemd)" 0
'
test_expect_success 'berth run --register=no loads none in any console mode but an interactive one' '
        for mode in read-only passive pipe autopipe; do
                n=$(loaded "$BERTH" run --register=no -q --console=$mode -D "$R" /bin/true | grep -c libsystemd)
                expect_eq "$mode: $n" "$mode: 0" || return 1
        done
'
test_expect_success 'a notification for berth'"'"'s own $NOTIFY_SOCKET loads it, and READY=1 arrives' '
        sock=$TEST_TMP/notify.sock
        python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(20)
print(s.recv(4096).decode().strip())" "$sock" > "$TEST_TMP/notified" & lpid=$!
        wait_for "test -S $sock" 5 &&
        n=$(NOTIFY_SOCKET=$sock loaded "$BERTH" run --register=no -q -D "$R" /bin/true | grep -c libsystemd) &&
        wait $lpid && test "$n" -gt 0 && expect_eq "$(cat "$TEST_TMP/notified")" READY=1
'
test_expect_success 'read-only console onto a pipe: all output, also to a slow reader, and the exit status' '
        out=$($BERTH run --register=no -q --console=read-only -D "$R" /bin/sh -c "seq 1 200000; exit 3" </dev/null | (sleep 1; wc -l)) &&
        expect_eq "$out" 200000 &&
        { $BERTH run --register=no -q --console=read-only -D "$R" /bin/sh -c "exit 3" </dev/null >/dev/null; expect_eq $? 3; }
'
test_expect_success 'read-only console onto a pipe nobody reads: SIGTERM still ends berth, within the 5 s drain' '
        mkfifo "$TEST_TMP/full" &&
        { sleep 30 < "$TEST_TMP/full" & } && reader=$! && test_when_finished "kill $reader" || return 1
        $BERTH run --register=no -q --console=read-only -D "$R" /bin/sh -c "while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done" \
                </dev/null >"$TEST_TMP/full" 2>/dev/null & b=$!
        sleep 1 && kill -0 $b && kill -TERM $b && start=$(date +%s) &&
        wait $b; rc=$?
        expect_eq $rc 137 && test $(( $(date +%s) - start )) -le 7
'
test_done
