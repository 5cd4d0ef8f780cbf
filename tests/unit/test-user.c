/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "fd-util.h"
#include "tap.h"
#include "user.h"

static const char passwd[] =
        "# a comment line\n"
        "#hidden:x:7:7:Commented out:/home/hidden:/bin/bash\n"
        "root:x:0:0:root:/root:/bin/bash\n"
        "\n"
        "short:x:5:5\n"
        "sixfields:x:6:6::/home/six\n"
        "baduid:x:abc:100::/home/bad:/bin/sh\n"
        "badgid:x:101:xyz::/home/bad:/bin/sh\n"
        "nouid:x::100::/home/bad:/bin/sh\n"
        "minus:x:-1:100::/home/bad:/bin/sh\n"
        "alice:x:1000:1000:Alice:/home/alice:/bin/zsh\n"
        "nohome:x:1001:1001:::/bin/bash\n"
        "noshell:x:1002:1002::/home/noshell:\n"
        "bare:x:1003:1003:::\n"
        "baduid:x:1004:1004::/home/good:/bin/sh\n"
        "extra:x:1005:1005::/home/extra:/bin/sh:more\n"
        "1006:x:2000:2000::/home/digits:/bin/sh\n"
        "nobody:x:65534:65534:Nobody:/:/usr/sbin/nologin\n"
        "last:x:1007:1008::/home/last:/bin/sh";

static bool streq_or_null(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

/* NULL equals only NULL. */
static bool str_same(const char *a, const char *b) {
        return a && b ? strcmp(a, b) == 0 : a == b;
}

/* One test point for a user passwd_find() finds, with every field compared. */
static void found_at(int line, const char *text, const char *name, const char *exp_name, uid_t uid, gid_t gid,
                     const char *home, const char *shell) {
        UserRecord u = {};
        int r = passwd_find(text, name, &u);

        if (!tap_int_eq(r, 0, __FILE__, line, "passwd_find(\"%s\") finds it", name))
                return;
        bool ok = u.name && str_same(u.name, exp_name) && u.uid == uid && u.gid == gid && str_same(u.home, home) &&
                  str_same(u.shell, shell) && !u.supplementary && u.n_supplementary == 0;
        if (!tap_result(ok, __FILE__, line, "passwd_find(\"%s\") is %s:%u:%u:%s:%s", name, exp_name, (unsigned) uid,
                        (unsigned) gid, home, shell))
                tap_diag("got %s:%u:%u:%s:%s", u.name ?: "(null)", (unsigned) u.uid, (unsigned) u.gid,
                         u.home ?: "(null)", u.shell ?: "(null)");
        user_record_done(&u);
}
#define found(...) found_at(__LINE__, __VA_ARGS__)

static void not_found_at(int line, const char *text, const char *name) {
        UserRecord u = { .uid = 4711 };
        int r = passwd_find(text, name, &u);

        tap_int_eq(r, -ESRCH, __FILE__, line, "passwd_find(\"%s\") is -ESRCH", name);
        tap_result(!u.name && u.uid == 4711, __FILE__, line, "passwd_find(\"%s\") leaves the record alone", name);
}
#define not_found(...) not_found_at(__LINE__, __VA_ARGS__)

static void test_passwd_find(void) {
        found(passwd, "root", "root", 0, 0, "/root", "/bin/bash");
        found(passwd, "0", "root", 0, 0, "/root", "/bin/bash");
        found(passwd, "alice", "alice", 1000, 1000, "/home/alice", "/bin/zsh");
        found(passwd, "1000", "alice", 1000, 1000, "/home/alice", "/bin/zsh");
        found(passwd, "nohome", "nohome", 1001, 1001, "/", "/bin/bash");
        found(passwd, "noshell", "noshell", 1002, 1002, "/home/noshell", "/bin/sh");
        found(passwd, "bare", "bare", 1003, 1003, "/", "/bin/sh");
        found(passwd, "extra", "extra", 1005, 1005, "/home/extra", "/bin/sh");
        found(passwd, "nobody", "nobody", 65534, 65534, "/", "/usr/sbin/nologin");
        found(passwd, "65534", "nobody", 65534, 65534, "/", "/usr/sbin/nologin");
        found(passwd, "last", "last", 1007, 1008, "/home/last", "/bin/sh");
        found(passwd, "1007", "last", 1007, 1008, "/home/last", "/bin/sh");

        /* A malformed line for a name does not hide a later good one. */
        found(passwd, "baduid", "baduid", 1004, 1004, "/home/good", "/bin/sh");
        found(passwd, "1004", "baduid", 1004, 1004, "/home/good", "/bin/sh");

        /* A numeric argument is a UID, not a name. */
        found(passwd, "2000", "1006", 2000, 2000, "/home/digits", "/bin/sh");
        not_found(passwd, "1006");

        /* Comments, short and malformed lines are skipped. */
        not_found(passwd, "#hidden");
        not_found(passwd, "hidden");
        not_found(passwd, "7");
        not_found(passwd, "short");
        not_found(passwd, "5");
        not_found(passwd, "sixfields");
        not_found(passwd, "6");
        not_found(passwd, "badgid");
        not_found(passwd, "101");
        not_found(passwd, "nouid");
        not_found(passwd, "minus");
        not_found(passwd, "");

        /* Absent users, and no passwd text at all. */
        not_found(passwd, "bob");
        not_found(passwd, "alic");
        not_found(passwd, "alicex");
        not_found(passwd, "4242");
        not_found(passwd, "Root");
        not_found("", "root");
        not_found("\n\n\n", "root");
        not_found(NULL, "root");
        not_found(NULL, "0");

        /* Line endings: a last line without a newline, and an empty file but for root. */
        found("root:x:0:0::/root:/bin/sh", "root", "root", 0, 0, "/root", "/bin/sh");
        found("root:x:0:0::/root:/bin/sh\n", "0", "root", 0, 0, "/root", "/bin/sh");
        found("\nroot:x:0:0::/root:/bin/sh\n\n", "root", "root", 0, 0, "/root", "/bin/sh");

        /* The first matching line wins. */
        found("a:x:1:1::/one:/bin/sh\na:x:2:2::/two:/bin/sh\n", "a", "a", 1, 1, "/one", "/bin/sh");
        found("a:x:1:1::/one:/bin/sh\nb:x:1:2::/two:/bin/sh\n", "1", "a", 1, 1, "/one", "/bin/sh");

        user_record_done(&(UserRecord) {});
        check(true, "user_record_done on an empty record");
}

static const char group[] =
        "root:x:0:\n"
        "# wheel:x:10:alice\n"
        "#audio:x:63:alice\n"
        "wheel:x:10:root,alice\n"
        "\n"
        "users:x:100:alice\n"
        "alice:x:1000:alice\n"
        "empty:x:20:\n"
        "short:x:21\n"
        "tiny:x\n"
        "badgid:x:abc:alice\n"
        "nogid:x::alice\n"
        "minus:x:-1:alice\n"
        "prefix:x:30:alicex,xalice,ALICE,alic\n"
        "trailing:x:31:bob,alice,\n"
        "leading:x:32:,alice\n"
        "twice:x:33:alice,alice\n"
        "extra:x:34:alice:more\n"
        "bobonly:x:35:bob\n"
        "last:x:36:carol,alice";

/* The list as "a,b,c", for comparing whole results in one check. */
static const char *gids_show(const gid_t *l, size_t n) {
        static char buf[512];
        size_t k = 0;

        buf[0] = 0;
        for (size_t i = 0; i < n && k < sizeof buf; i++)
                k += (size_t) snprintf(buf + k, sizeof buf - k, "%s%u", i == 0 ? "" : ",", (unsigned) l[i]);
        return buf;
}

static void supplementary_at(int line, const char *text, const char *user, gid_t primary, const char *expected) {
        gid_t *l = (gid_t *) 1;
        size_t n = 4711;
        int r = group_find_supplementary(text, user, primary, &l, &n);

        if (tap_int_eq(r, 0, __FILE__, line, "group_find_supplementary(\"%s\", %u) succeeds", user,
                       (unsigned) primary)) {
                tap_streq(gids_show(l, n), expected, __FILE__, line, "group_find_supplementary(\"%s\", %u)", user,
                          (unsigned) primary);
                tap_result(n > 0 || !l, __FILE__, line, "group_find_supplementary(\"%s\", %u): no list when empty",
                           user, (unsigned) primary);
                free(l);
        }
}
#define supplementary(...) supplementary_at(__LINE__, __VA_ARGS__)

static void test_group_find_supplementary(void) {
        /* The primary group is skipped, wherever the user is a member. */
        supplementary(group, "alice", 1000, "10,100,31,32,33,34,36");
        supplementary(group, "alice", 100, "10,1000,31,32,33,34,36");
        supplementary(group, "alice", 4242, "10,100,1000,31,32,33,34,36");
        supplementary(group, "root", 0, "10");
        supplementary(group, "root", 10, "");
        supplementary(group, "bob", 1000, "31,35");
        supplementary(group, "carol", 1000, "36");
        supplementary(group, "nobody", 65534, "");
        supplementary(group, "alic", 1000, "30");
        supplementary(group, "ALICE", 1000, "30");

        /* Empty and missing group text. */
        supplementary("", "alice", 1000, "");
        supplementary("\n\n", "alice", 1000, "");
        supplementary(NULL, "alice", 1000, "");

        /* Members lists that are empty, or only separators. */
        supplementary("g:x:5:\nh:x:6:,\n", "alice", 1000, "");
        supplementary("g:x:5:alice\n", "alice", 1000, "5");
        supplementary("g:x:5:alice", "alice", 1000, "5");
}

static void test_user_record_from_files(void) {
        UserRecord u = {};

        check_int_eq(user_record_from_files(passwd, group, "alice", &u), 0, "user_record_from_files(alice)");
        check(u.uid == 1000 && u.gid == 1000 && streq_or_null(u.home, "/home/alice"), "alice from the passwd text");
        check_streq(gids_show(u.supplementary, u.n_supplementary), "10,100,31,32,33,34,36", "alice's groups from the group text");
        user_record_done(&u);

        /* No group file: no supplementary groups, not an error. */
        check_int_eq(user_record_from_files(passwd, NULL, "alice", &u), 0, "alice without a group file");
        check(u.n_supplementary == 0 && !u.supplementary, "no supplementary groups without a group file");
        user_record_done(&u);

        /* root exists without a passwd file; nobody else does. */
        check_int_eq(user_record_from_files(NULL, group, "root", &u), 0, "root without a passwd file");
        check(u.uid == 0 && u.gid == 0 && streq_or_null(u.home, "/root") && streq_or_null(u.shell, "/bin/sh"),
              "root without a passwd file is 0:0:/root:/bin/sh");
        check_streq(gids_show(u.supplementary, u.n_supplementary), "10", "root's groups from the group text");
        user_record_done(&u);
        check_int_eq(user_record_from_files(NULL, NULL, "0", &u), 0, "UID 0 without any file");
        user_record_done(&u);
        check_int_eq(user_record_from_files(NULL, group, "alice", &u), -ESRCH, "alice without a passwd file");
        check_int_eq(user_record_from_files(passwd, group, "bob", &u), -ESRCH, "bob is not in the passwd text");
}

static void write_file(int dir, const char *path, const char *text) {
        if (write_string_file_at(dir, path, text, 0644) < 0)
                tap_diag("failed to write %s", path);
}

/* The files are read inside the given root: a symbolic link that climbs out or is absolute
 * stays in it, and what is not a regular file is refused. */
static void test_user_resolve_in_root(void) {
        char tmp[] = "/tmp/berth-test-user.XXXXXX";
        UserRecord u = {};

        if (!mkdtemp(tmp)) {
                check(false, "mkdtemp");
                return;
        }
        _cleanup_close_ int top = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        (void) mkdirat(top, "root", 0755);
        (void) mkdirat(top, "root/etc", 0755);
        (void) mkdirat(top, "etc", 0755);
        /* Outside the root, where a link would lead if it were followed on the host. */
        write_file(top, "etc/passwd", "root:x:0:0::/outside:/bin/sh\nuser:x:4242:4242::/outside:/bin/sh\n");
        _cleanup_close_ int root = openat(top, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);

        check_int_eq(user_resolve_in_root(root, "user", &u), -ESRCH, "no passwd file in the root: no user");
        check_int_eq(user_resolve_in_root(root, "root", &u), 0, "no passwd file in the root: root all the same");
        check(streq_or_null(u.home, "/root"), "root's home is not the one outside");
        user_record_done(&u);

        write_file(top, "root/etc/real-passwd", "user:x:1000:1000::/home/user:/bin/ash\n");
        write_file(top, "root/etc/group", "wheel:x:10:user\n");
        (void) symlinkat("../../../../../../../etc/real-passwd", top, "root/etc/passwd");
        check_int_eq(user_resolve_in_root(root, "user", &u), 0, "a passwd link climbing out stays in the root");
        check(u.uid == 1000 && streq_or_null(u.home, "/home/user") && streq_or_null(u.shell, "/bin/ash"),
              "the user is the root's, not the one outside");
        check_streq(gids_show(u.supplementary, u.n_supplementary), "10", "the groups are the root's");
        user_record_done(&u);

        (void) unlinkat(top, "root/etc/passwd", 0);
        (void) symlinkat("/etc/real-passwd", top, "root/etc/passwd");
        check_int_eq(user_resolve_in_root(root, "user", &u), 0, "an absolute passwd link is resolved in the root");
        check(u.uid == 1000, "an absolute link gives the root's user");
        user_record_done(&u);

        (void) unlinkat(top, "root/etc/passwd", 0);
        if (mkfifoat(top, "root/etc/passwd", 0644) >= 0)
                check_int_eq(user_resolve_in_root(root, "user", &u), -EBADFD, "a FIFO as passwd is refused, without waiting");
        else
                check(false, "mkfifoat");

        (void) unlinkat(top, "root/etc/passwd", 0);
        (void) unlinkat(top, "root/etc/real-passwd", 0);
        (void) unlinkat(top, "root/etc/group", 0);
        (void) unlinkat(top, "root/etc", AT_REMOVEDIR);
        (void) unlinkat(top, "root", AT_REMOVEDIR);
        (void) unlinkat(top, "etc/passwd", 0);
        (void) unlinkat(top, "etc", AT_REMOVEDIR);
        (void) rmdir(tmp);
}

int main(void) {
        test_passwd_find();
        test_group_find_supplementary();
        test_user_record_from_files();
        test_user_resolve_in_root();
        return tap_finish();
}
