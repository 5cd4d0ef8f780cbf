/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "host-limits.h"
#include "log.h"
#include "parse-util.h"

/* Whether the process at PID_FD (a /proc/PID directory) counts against the host's root. */
static bool counts_against_root(int pid_fd, const char *own_userns) {
        _cleanup_free_ char *status = NULL;
        char ns[64];

        ssize_t n = readlinkat(pid_fd, "ns/user", ns, sizeof(ns) - 1);
        if (n > 0) {
                ns[n] = 0;
                if (own_userns && !streq(ns, own_userns))
                        return true;
        }
        if (read_full_file_at(pid_fd, "status", &status, NULL) < 0)
                return false;
        /* "Uid:\treal\teffective\tsaved\tfs" */
        for (const char *line = status; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                unsigned real, effective;
                if (sscanf(line, "Uid: %u %u", &real, &effective) == 2)
                        return effective == 0;
        }
        return false;
}

/* Adds the watches of one inotify instance, from its fdinfo ("inotify wd:..." per watch). */
static unsigned watches_of(int pid_fd, const char *fd_name) {
        _cleanup_free_ char *info = NULL;
        char path[sizeof("fdinfo/") + 256];
        unsigned n = 0;

        snprintf(path, sizeof(path), "fdinfo/%s", fd_name);
        if (read_full_file_at(pid_fd, path, &info, NULL) < 0)
                return 0;
        for (const char *p = info; (p = strstr(p, "inotify wd:")); p++)
                n++;
        return n;
}

int inotify_use_of_root(const char *proc, InotifyUse *ret) {
        _cleanup_close_ int proc_fd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        InotifyUse use = {};
        char own[64];

        if (proc_fd < 0)
                return -errno;
        ssize_t k = readlinkat(proc_fd, "self/ns/user", own, sizeof(own) - 1);
        if (k > 0)
                own[k] = 0;

        _cleanup_closedir_ DIR *d = fdopendir(fcntl(proc_fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                unsigned pid;
                if (safe_atou(de->d_name, &pid) < 0)
                        continue;
                /* A process may be gone by now: whatever cannot be read is not counted. */
                _cleanup_close_ int pid_fd = openat(proc_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (pid_fd < 0 || !counts_against_root(pid_fd, k > 0 ? own : NULL))
                        continue;
                _cleanup_close_ int fd_dir = openat(pid_fd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd_dir < 0)
                        continue;
                _cleanup_closedir_ DIR *fds = fdopendir(TAKE_FD(fd_dir));
                if (!fds)
                        continue;
                for (struct dirent *fe; (fe = readdir(fds));) {
                        char target[64];
                        ssize_t m = readlinkat(dirfd(fds), fe->d_name, target, sizeof(target) - 1);
                        if (m <= 0)
                                continue;
                        target[m] = 0;
                        if (!streq(target, "anon_inode:inotify"))
                                continue;
                        use.instances++;
                        use.watches += watches_of(pid_fd, fe->d_name);
                }
        }
        *ret = use;
        return 0;
}

int read_limit(const char *proc, const char *name, unsigned *ret) {
        _cleanup_free_ char *path = NULL, *value = NULL;
        if (asprintf(&path, "%s/%s", proc, name) < 0)
                return -ENOMEM;
        int r = read_full_file_at(AT_FDCWD, path, &value, NULL);
        if (r < 0)
                return r;
        value[strcspn(value, "\n")] = 0;
        return safe_atou(value, ret);
}

char *inotify_warning(const InotifyUse *use, unsigned max_instances, unsigned max_watches) {
        char *w = NULL;
        int r = 0;

        if (use->instances + BOOT_INOTIFY_INSTANCES > max_instances)
                r = asprintf(&w, "The host's root holds %u inotify instances of fs.inotify.max_user_instances=%u, "
                                 "and every machine counts against it: a booted machine needs about %u, or its "
                                 "services fail to start. Raise it, e.g. sysctl fs.inotify.max_user_instances=%u.",
                             use->instances, max_instances, BOOT_INOTIFY_INSTANCES,
                             (use->instances + 64 * BOOT_INOTIFY_INSTANCES + 127) / 128 * 128);
        else if (use->watches + BOOT_INOTIFY_WATCHES > max_watches)
                r = asprintf(&w, "The host's root holds %u inotify watches of fs.inotify.max_user_watches=%u, "
                                 "and every machine counts against it: a booted machine needs about %u, or its "
                                 "services fail to start. Raise it, e.g. sysctl fs.inotify.max_user_watches=%u.",
                             use->watches, max_watches, BOOT_INOTIFY_WATCHES,
                             (use->watches + 64 * BOOT_INOTIFY_WATCHES + 1023) / 1024 * 1024);
        return r < 0 ? NULL : w;
}

void warn_about_boot_limits(void) {
        unsigned max_instances, max_watches;
        InotifyUse use;

        if (read_limit("/proc", "sys/fs/inotify/max_user_instances", &max_instances) < 0 ||
            read_limit("/proc", "sys/fs/inotify/max_user_watches", &max_watches) < 0 ||
            inotify_use_of_root("/proc", &use) < 0)
                return;
        _cleanup_free_ char *w = inotify_warning(&use, max_instances, max_watches);
        if (w)
                log_warning("%s", w);
}
