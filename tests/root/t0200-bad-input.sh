#!/bin/bash
# berth run: bad input fails with one clear line and leaves nothing behind.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
mkdir -p "$TEST_TMP/notos"

# Runs berth with the arguments, expects a non-zero exit, exactly one line on stderr
# containing $1, and no new mount, runtime directory or process.
expect_refused() {
        local want=$1 before after err rc
        shift
        before=$(mounts_of_host)
        err=$("$BERTH" run -q -P "$@" 2>&1 >/dev/null </dev/null); rc=$?
        after=$(mounts_of_host)
        if [ $rc -eq 0 ]; then echo "exit status 0 for: $*"; return 1; fi
        if [ "$(printf "%s\n" "$err" | wc -l)" != 1 ]; then echo "not one line: $err"; return 1; fi
        expect_contains "$want" "$err" || return 1
        expect_eq "$after" "$before" || return 1
        if ls /run/berth/machines/ 2>/dev/null | grep -q .; then echo "left in /run/berth: $(ls /run/berth/machines)"; return 1; fi
        if ls /run/berth/locks/ 2>/dev/null | grep -q .; then echo "left in /run/berth: $(ls /run/berth/locks)"; return 1; fi
}

test_expect_success 'an unknown option' 'expect_refused "--frobnicate" --frobnicate -D "$R" /bin/true'
test_expect_success '--boot with --as-pid2' 'expect_refused "--as-pid2" -b -a -D "$R"'
test_expect_success '--ephemeral with --volatile' 'expect_refused "--volatile" -x --volatile=yes -D "$R" /bin/true'
test_expect_success 'a missing directory' 'expect_refused "/nonexistent" -D /nonexistent /bin/true'
test_expect_success 'a directory without an OS tree' 'expect_refused "/usr is missing" -D "$TEST_TMP/notos" /bin/true'
test_expect_success '--boot in a tree without os-release' '
        mkdir -p "$TEST_TMP/noosrel/usr" && expect_refused "os-release" -b -D "$TEST_TMP/noosrel"
'
test_expect_success 'an invalid machine name' 'expect_refused "machine name" -M "bad_name!" -D "$R" /bin/true'
test_expect_success 'a machine name over 64 characters' '
        expect_refused "machine name" -M "$(printf "a%.0s" $(seq 65))" -D "$R" /bin/true
'
test_expect_success 'an image name that does not exist' 'expect_refused "No image" -M no-such-image /bin/true'
test_expect_success 'a bind source that does not exist' 'expect_refused "/nonexistent-src" --bind=/nonexistent-src:/x -D "$R" /bin/true'
test_expect_success 'a relative bind source' 'expect_refused "--bind" --bind=rel:/x -D "$R" /bin/true'
test_expect_success 'an unknown bind option' 'expect_refused "bind option" --bind=/tmp:/x:frob -D "$R" /bin/true'
test_expect_success 'an inaccessible path that does not exist in the machine' '
        expect_refused "/does/not/exist" --inaccessible=/does/not/exist -D "$R" /bin/true
'
test_expect_success 'a user that does not exist in the image' 'expect_refused "nobody-here" -u nobody-here -D "$R" /bin/true'
test_expect_success 'a --chdir that does not exist' 'expect_refused "/no/such/dir" --chdir=/no/such/dir -D "$R" /bin/true'
for opt in --directory= --machine= --hostname= --uuid= --kill-signal= --bind= --bind-ro= --tmpfs= \
           --inaccessible= --overlay= --overlay-ro= --capability= --drop-capability= --console= --register= \
           --chdir= --setenv= --user= --volatile=; do
        test_expect_success "an empty value: $opt" "expect_refused \"\" $opt -D \"\$R\" /bin/true"
done
for arg in --hostname=-bad --uuid=xyz --kill-signal=SIGFOO --capability=CAP_FOO --console=tty \
           --register=maybe --volatile=sometimes --chdir=relative -E=x --tmpfs=relative \
           --overlay=/only-one --no-new-privileges=perhaps; do
        test_expect_success "a garbage value: $arg" "expect_refused \"\" $arg -D \"\$R\" /bin/true"
done
# An unknown short option inside a cluster is named by itself, not as the argument before it
# (which may be a credential's value).
expect_unknown_option_named() {
        local err
        if err=$("$BERTH" "$@" -Zq x 2>&1 >/dev/null </dev/null); then echo "exit status 0 for: $*"; return 1; fi
        printf "%s\n" "$err" | grep -Eq "^Option .?-Z.? is not known" || { echo "not named: $err"; return 1; }
        case "$err" in *s3cret* | *--json* | *"'x'"*) echo "names another argument: $err"; return 1 ;; esac
}
for args in "run -q --set-credential=pw:s3cret" "list --json" "status x" "kill x" "shell" "register x"; do
        test_expect_success "berth $args -Zq: the unknown option is named" "expect_unknown_option_named $args"
done
test_done
