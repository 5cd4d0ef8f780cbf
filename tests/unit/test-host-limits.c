/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host-limits.h"
#include "tap.h"

static char proc[] = "/tmp/test-host-limits.XXXXXX";

static void put(const char *path, const char *content) {
        char full[256];
        snprintf(full, sizeof(full), "%s/%s", proc, path);
        /* the parents first */
        for (char *p = full + strlen(proc) + 1; (p = strchr(p, '/')); p++) {
                *p = 0;
                (void) mkdir(full, 0755);
                *p = '/';
        }
        FILE *f = fopen(full, "w");
        if (f) {
                fputs(content, f);
                fclose(f);
        }
}

static void link_to(const char *path, const char *target) {
        char full[256];
        snprintf(full, sizeof(full), "%s/%s", proc, path);
        for (char *p = full + strlen(proc) + 1; (p = strchr(p, '/')); p++) {
                *p = 0;
                (void) mkdir(full, 0755);
                *p = '/';
        }
        (void) symlink(target, full);
}

/* A procfs as berth reads it: PID directories with status, ns/user and fd links. */
static void make_proc(void) {
        link_to("self/ns/user", "user:[4026531837]");
        /* 10: root on the host, two instances (one with two watches) and a file. */
        put("10/status", "Name:\tsystemd\nUmask:\t0000\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
        link_to("10/ns/user", "user:[4026531837]");
        link_to("10/fd/3", "anon_inode:inotify");
        link_to("10/fd/4", "anon_inode:inotify");
        link_to("10/fd/5", "/dev/null");
        put("10/fdinfo/3", "pos:\t0\nflags:\t02004000\ninotify wd:1 ino:2 sdev:3 mask:4 ignored_mask:0\n"
                           "inotify wd:2 ino:5 sdev:3 mask:4 ignored_mask:0\n");
        put("10/fdinfo/4", "pos:\t0\nflags:\t02004000\n");
        /* 11: a host user: its instances are its own. */
        put("11/status", "Name:\tsomething\nUid:\t1000\t1000\t1000\t1000\n");
        link_to("11/ns/user", "user:[4026531837]");
        link_to("11/fd/3", "anon_inode:inotify");
        /* 12: a machine's process in a user namespace: charged to the host's root. */
        put("12/status", "Name:\tjournald\nUid:\t524288\t524288\t524288\t524288\n");
        link_to("12/ns/user", "user:[4026532999]");
        link_to("12/fd/7", "anon_inode:inotify");
        put("12/fdinfo/7", "inotify wd:1 ino:2 sdev:3 mask:4 ignored_mask:0\n");
        /* 13: real UID a user, effective root (setuid): root's. */
        put("13/status", "Uid:\t1000\t0\t0\t0\n");
        link_to("13/ns/user", "user:[4026531837]");
        link_to("13/fd/0", "anon_inode:inotify");
        /* Not processes. */
        put("sys/fs/inotify/max_user_instances", "128\n");
        put("sys/fs/inotify/max_user_watches", "8192\n");
        put("uptime", "1.0 2.0\n");
}

static void test_count(void) {
        InotifyUse use = { 99, 99 };
        check_int_eq(inotify_use_of_root(proc, &use), 0, "a procfs is read");
        check_int_eq(use.instances, 4, "root's instances, those in other user namespaces and a setuid one's");
        check_int_eq(use.watches, 3, "their watches, from fdinfo");
        check_int_eq(inotify_use_of_root("/nonexistent-proc", &use), -ENOENT, "no procfs: an error");
}

static void test_read_limit(void) {
        unsigned v = 0;
        check_int_eq(read_limit(proc, "sys/fs/inotify/max_user_instances", &v), 0, "a limit is read");
        check_int_eq(v, 128, "its value");
        check(read_limit(proc, "uptime", &v) < 0, "a file that is no number is refused");
        check_int_eq(read_limit(proc, "sys/none", &v), -ENOENT, "a missing file: ENOENT");
}

static void test_warning(void) {
        char *w;

        w = inotify_warning(&(InotifyUse) { 100, 5000 }, 128, 1048576);
        check(!w, "room for one more machine: no warning");
        free(w);
        w = inotify_warning(&(InotifyUse) { 120, 5000 }, 128, 1048576);
        check_int_eq(120 + BOOT_INOTIFY_INSTANCES, 128, "exactly full after the next machine");
        check(!w, "a machine that just fits: no warning");
        free(w);
        w = inotify_warning(&(InotifyUse) { 121, 5000 }, 128, 1048576);
        check(w && strstr(w, "holds 121 inotify instances of fs.inotify.max_user_instances=128"), "too few instances: named, with the count");
        check(w && strstr(w, "sysctl fs.inotify.max_user_instances=") && !strchr(w, '\n'), "one line, with the command to raise it");
        free(w);
        w = inotify_warning(&(InotifyUse) { 10, 8000 }, 128, 8192);
        check(w && strstr(w, "holds 8000 inotify watches of fs.inotify.max_user_watches=8192"), "too few watches: named");
        free(w);
}

int main(void) {
        if (!mkdtemp(proc))
                return 1;
        make_proc();
        test_count();
        test_read_limit();
        test_warning();
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", proc);
        (void) !system(cmd);
        return tap_finish();
}
