#!/bin/bash
# Binds, tmpfs, inaccessible paths, overlays. Symlinks that would make a mount land outside the
# root, also swapped in while berth mounts: t1000-escapes.sh.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
S=$TEST_TMP/src
mkdir -p "$S/sub" && echo host-file > "$S/file" && echo in-sub > "$S/sub/f"

test_expect_success '--bind makes a host directory writable inside' '
        brun --bind="$S:/data" -D "$R" /bin/sh -c "cat /data/file; echo new > /data/new" &&
        expect_eq "$(cat "$S/new")" new
'
test_expect_success '--bind with SOURCE only binds to the same path' '
        out=$(brun --bind="$S" -D "$R" cat "$S/file") && expect_eq "$out" host-file
'
test_expect_success '--bind-ro is read-only' '
        out=$(brun --bind-ro="$S:/data" -D "$R" /bin/sh -c "cat /data/file; touch /data/x 2>/dev/null || echo refused") &&
        expect_eq "$out" "host-file
refused"
'
test_expect_success '--bind of a single file' '
        out=$(brun --bind-ro="$S/file:/etc/motd" -D "$R" cat /etc/motd) && expect_eq "$out" host-file
'
test_expect_success 'rbind (default) carries submounts, norbind does not' '
        mount -t tmpfs t "$S/sub" && test_when_finished "umount $S/sub" && echo on-tmpfs > "$S/sub/t" &&
        expect_eq "$(brun --bind="$S:/d" -D "$R" cat /d/sub/t)" on-tmpfs &&
        expect_eq "$(brun --bind="$S:/d:norbind" -D "$R" ls /d/sub)" f
'
test_expect_success '+PATH binds a path of the image' '
        mkdir -p "$R/srv/a" && echo img > "$R/srv/a/x" &&
        expect_eq "$(brun --bind=+/srv/a:/b -D "$R" cat /b/x)" img
'
test_expect_success '--tmpfs mounts an empty tmpfs with the options given' '
        out=$(brun --tmpfs=/etc/t:mode=0700 -D "$R" /bin/sh -c "stat -c %a /etc/t; grep -c \" /etc/t tmpfs\" /proc/mounts") &&
        expect_eq "$out" "700
1"
'
test_expect_success '--inaccessible hides a file and a directory' '
        mkdir -p "$R/secret" && echo s > "$R/secret/s" && echo s > "$R/etc/secret" &&
        out=$(brun --inaccessible=/secret --inaccessible=/etc/secret -D "$R" /bin/sh -c "ls /secret | wc -l; cat /etc/secret | wc -c") &&
        expect_eq "$out" "0
0"
'
# The nodes masked paths are covered with are shared by all machines (/run/berth/inaccessible).
# A machine without a user namespace is root on the host and could change them: each start puts
# them back (mode 0, empty, root's).
test_expect_success 'the shared inaccessible nodes are put back before a start' '
        I=/run/berth/inaccessible && brun -D "$R" /bin/true && test -d $I/dir && test -f $I/reg &&
        expect_eq "$(stat -c %a:%u:%s $I/dir $I/reg | tr "\n" " ")" "0:0:$(stat -c %s $I/dir) 0:0:0 " &&
        chmod 755 $I/dir && echo leak > $I/dir/file && chmod 644 $I/reg && echo leak > $I/reg && chown 1000 $I/reg &&
        mkdir -p "$R/secret" && echo s > "$R/etc/secret" &&
        out=$(brun --inaccessible=/secret --inaccessible=/etc/secret -D "$R" /bin/sh -c "ls -A /secret; cat /etc/secret 2>&1 | wc -c") &&
        expect_eq "$out" "0" &&
        expect_eq "$(stat -c %a:%u:%s $I/reg)" "0:0:0" && expect_eq "$(stat -c %a:%u $I/dir)" "0:0" && test -z "$(ls -A $I/dir)"
'
test_expect_success '--read-only makes the root read-only, but binds stay as asked' '
        out=$(brun --read-only --bind="$S:/data" -D "$R" /bin/sh -c "touch /x 2>/dev/null || echo ro; touch /data/y && echo rw") &&
        expect_eq "$out" "ro
rw"
'
test_expect_success '--overlay with an upper layer writes there' '
        L=$TEST_TMP/lower U=$TEST_TMP/upper && mkdir -p "$L" "$U" && echo low > "$L/l" &&
        brun --overlay="$L:$U:/ov" -D "$R" /bin/sh -c "cat /ov/l; echo up > /ov/u" &&
        expect_eq "$(cat "$U/u")" up && test ! -e "$L/u" && test ! -e "$U.berth-work"
'
test_expect_success '--overlay with an empty upper is temporary' '
        L=$TEST_TMP/lower && out=$(brun --overlay="$L::/ov" -D "$R" /bin/sh -c "echo t > /ov/t && cat /ov/t /ov/l") &&
        expect_eq "$out" "t
low" && test ! -e "$L/t"
'
test_expect_success '--overlay-ro combines layers read-only' '
        L2=$TEST_TMP/lower2 && mkdir -p "$L2" && echo two > "$L2/l" &&
        out=$(brun --overlay-ro="$TEST_TMP/lower:$L2:/ov" -D "$R" /bin/sh -c "cat /ov/l; touch /ov/x 2>/dev/null || echo ro") &&
        expect_eq "$out" "two
ro"
'
test_done
