/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "fd-util.h"
#include "log.h"

int cgroup_unified_mount(const char **ret) {
        static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                struct statfs sfs;
                if (statfs(candidates[i], &sfs) >= 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
                        *ret = candidates[i];
                        return 0;
                }
        }
        return -ENOMEDIUM;
}

static int cgroup_path_of(pid_t pid, char **ret) {
        _cleanup_free_ char *buf = NULL;
        char path[64];
        if (pid > 0)
                snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        else
                snprintf(path, sizeof(path), "/proc/self/cgroup");
        int r = read_full_file_at(AT_FDCWD, path, &buf, NULL);
        if (r < 0)
                return r;
        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                const char *p = startswith(line, "0::");
                if (p) {
                        char *c = strdup(streq(p, "/") ? "" : p);
                        if (!c)
                                return -ENOMEM;
                        *ret = c;
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return -ENOMEDIUM;
}

static int cgroup_own_path(char **ret) {
        return cgroup_path_of(0, ret);
}

int cgroup_chown_of(pid_t pid, uid_t uid) {
        _cleanup_free_ char *rel = NULL, *path = NULL;
        const char *mnt;
        int r;

        r = cgroup_unified_mount(&mnt);
        if (r < 0)
                return r;
        r = cgroup_path_of(pid, &rel);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s%s", mnt, rel) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchown(fd, uid, uid) < 0)
                return -errno;
        static const char *const files[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                if (fchownat(fd, files[i], uid, uid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                        return -errno;
        return 0;
}

static int cgroup_make(const char *path) {
        if (mkdir(path, 0755) >= 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        /* Left by a run that was killed: empty it and take it over. */
        (void) cgroup_remove(path);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int cgroup_create_machine(const char *machine, bool in_unit, char **ret_path) {
        _cleanup_free_ char *own = NULL, *path = NULL;
        const char *mnt;
        int r;

        r = cgroup_unified_mount(&mnt);
        if (r < 0)
                return r;
        r = cgroup_own_path(&own);
        if (r < 0)
                return r;

        /* Only a unit's own cgroup is split; anywhere else berth stays where it was started. */
        const char *base = strrchr(own, '/');
        if (!base || !(endswith(base, ".service") || endswith(base, ".scope")))
                in_unit = false;

        if (in_unit) {
                _cleanup_free_ char *supervisor = NULL;
                if (asprintf(&supervisor, "%s%s/supervisor", mnt, own) < 0)
                        return -ENOMEM;
                if (mkdir(supervisor, 0755) < 0 && errno != EEXIST)
                        return -errno;
                r = cgroup_attach(supervisor, 0);
                if (r < 0)
                        return r;
        }

        if (asprintf(&path, "%s%s/%s%s", mnt, own, in_unit ? "payload" : "berth-", in_unit ? "" : machine) < 0)
                return -ENOMEM;
        r = cgroup_make(path);
        if (r < 0)
                return r;
        *ret_path = TAKE_PTR(path);
        return 0;
}

int cgroup_delegate_controllers(const char *machine_path) {
        _cleanup_free_ char *parent = NULL, *controllers = NULL, *file = NULL;
        int r = 0;

        const char *slash = strrchr(machine_path, '/');
        if (!slash || !(parent = strndup(machine_path, (size_t) (slash - machine_path))))
                return -ENOMEM;
        if (asprintf(&file, "%s/cgroup.controllers", parent) < 0)
                return -ENOMEM;
        r = read_full_file_at(AT_FDCWD, file, &controllers, NULL);
        if (r < 0)
                return r;
        free(file);
        if (asprintf(&file, "%s/cgroup.subtree_control", parent) < 0)
                return -ENOMEM;

        /* One at a time: a controller the kernel refuses (a threaded one, say) does not keep
         * the others from the machine. */
        for (char *c = strtok(controllers, " \n"); c; c = strtok(NULL, " \n")) {
                char buf[64];
                snprintf(buf, sizeof(buf), "+%s", c);
                int k = write_string_file_at(AT_FDCWD, file, buf, 0);
                if (k < 0 && r >= 0)
                        r = k;
        }
        return r;
}

int cgroup_attach(const char *path, pid_t pid) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *procs = NULL;
        char buf[32];

        if (asprintf(&procs, "%s/cgroup.procs", path) < 0)
                return -ENOMEM;
        fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        return loop_write(fd, buf, strlen(buf));
}

int cgroup_remove(const char *path) {
        _cleanup_free_ char *kill_file = NULL;

        if (asprintf(&kill_file, "%s/cgroup.kill", path) < 0)
                return -ENOMEM;

        for (unsigned i = 0; i < 200; i++) {
                if (rmdir(path) >= 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                /* Processes of the machine are still on their way out (or a child cgroup remains). */
                if (i == 0)
                        (void) write_string_file_at(AT_FDCWD, kill_file, "1", 0);
                if (i == 1) {
                        /* Nested cgroups made by the machine's own init. Depth-first is enough here:
                         * the kill above emptied them. */
                        _cleanup_closedir_ DIR *d = opendir(path);
                        struct dirent *de;
                        while (d && (de = readdir(d)))
                                if (de->d_type == DT_DIR && !STR_IN_SET(de->d_name, ".", "..")) {
                                        _cleanup_free_ char *sub = NULL;
                                        if (asprintf(&sub, "%s/%s", path, de->d_name) >= 0)
                                                (void) cgroup_remove(sub);
                                }
                }
                struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        return -EBUSY;
}
