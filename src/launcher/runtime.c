/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "fd-util.h"
#include "log.h"
#include "parse-util.h"
#include "runtime.h"

#define MACHINES_RUNTIME_DIR RUNTIME_DIR "/machines"

static int rm_rf_children(int fd, dev_t dev) {
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        int ret = 0;

        if (!d) {
                safe_close(fd);
                return -errno;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        if (st.st_dev != dev) {
                                ret = -EBUSY; /* a mount point: never descend */
                                continue;
                        }
                        int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0) {
                                ret = -errno;
                                continue;
                        }
                        int r = rm_rf_children(sub, dev);
                        if (r < 0)
                                ret = r;
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && ret == 0)
                                ret = -errno;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && ret == 0)
                        ret = -errno;
        }
        return ret;
}

int rm_rf_at(int dirfd, const char *name) {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return RET_NERRNO(unlinkat(dirfd, name, 0));

        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = rm_rf_children(fd, st.st_dev);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && r == 0)
                r = -errno;
        return r;
}

/* Undoes what a launcher recorded in its runtime directory. */
static void runtime_clean_dir(int dir_fd) {
        _cleanup_free_ char *cg = NULL, *work = NULL, *lock = NULL;

        /* Overlay work directories beside the user's upper layers. */
        if (read_full_file_at(dir_fd, "work-dirs", &work, NULL) >= 0)
                for (char *line = work, *nl; line && *line; line = nl ? nl + 1 : NULL) {
                        nl = strchr(line, '\n');
                        if (nl)
                                *nl = 0;
                        if (line[0] == '/')
                                (void) rm_rf_at(AT_FDCWD, line);
                }

        /* The lock file holds the launcher's PID and, once made, the machine's cgroup (berth
         * kept the latter in a file "cgroup" of its own before). */
        if (read_full_file_at(dir_fd, "lock", &lock, NULL) >= 0) {
                char *line = strchr(lock, '\n');
                if (line && line[1] == '/') {
                        line[1 + strcspn(line + 1, "\n")] = 0;
                        (void) cgroup_remove(line + 1);
                }
        }
        if (read_full_file_at(dir_fd, "cgroup", &cg, NULL) >= 0) {
                cg[strcspn(cg, "\n")] = 0;
                (void) cgroup_remove(cg);
        }
}

int runtime_clean_stale(void) {
        _cleanup_closedir_ DIR *d = opendir(MACHINES_RUNTIME_DIR);
        int n = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!machine_name_is_valid(de->d_name))
                        continue;
                _cleanup_close_ int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;
                _cleanup_close_ int lock = openat(fd, "lock", O_RDWR | O_CLOEXEC | O_NOFOLLOW);
                if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0)
                        continue; /* running */
                runtime_clean_dir(fd);
                if (rm_rf_at(dirfd(d), de->d_name) >= 0) {
                        log_debug("Removed stale runtime directory of machine '%s'.", de->d_name);
                        n++;
                }
        }
        return n;
}

/* Makes the shared nodes, or puts them back as they must be: mode 0, owned by root (a machine
 * without a user namespace is root on the host, and could have changed them). */
static int runtime_make_inaccessible_nodes(void) {
        if (mkdir(RUNTIME_INACCESSIBLE_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        _cleanup_close_ int dfd = open(RUNTIME_INACCESSIBLE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (mkdirat(dfd, "dir", 0) < 0 && errno != EEXIST)
                return -errno;
        int f = openat(dfd, "reg", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0);
        if (f < 0)
                return -errno;
        safe_close(f);
        /* Anything put into the directory goes, with whatever was there in its place. */
        _cleanup_close_ int sub = openat(dfd, "dir", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = sub >= 0 ? fdopendir(TAKE_FD(sub)) : NULL;
        bool empty = d != NULL;
        for (struct dirent *de; d && (de = readdir(d));)
                if (!STR_IN_SET(de->d_name, ".", ".."))
                        empty = false;
        if (!empty) {
                (void) rm_rf_at(dfd, "dir");
                if (mkdirat(dfd, "dir", 0) < 0)
                        return -errno;
        }
        static const struct { const char *name; mode_t type; } nodes[] = { { "dir", S_IFDIR }, { "reg", S_IFREG } };
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                struct stat st;
                if (fstatat(dfd, nodes[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                if ((st.st_mode & S_IFMT) != nodes[i].type)
                        return -EBADFD;
                if (st.st_size != 0 && nodes[i].type == S_IFREG && truncate(RUNTIME_INACCESSIBLE_DIR "/reg", 0) < 0)
                        return -errno;
                if ((st.st_mode & 07777) != 0 && fchmodat(dfd, nodes[i].name, 0, 0) < 0)
                        return -errno;
                if ((st.st_uid != 0 || st.st_gid != 0) && fchownat(dfd, nodes[i].name, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        }
        return 0;
}

int runtime_acquire(const char *machine, Runtime **ret, pid_t *ret_holder) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (mkdir(RUNTIME_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        /* Traversable, not listable: the setup of a machine with a user namespace reaches its
         * directory as the machine's root. */
        if (mkdir(MACHINES_RUNTIME_DIR, 0711) < 0 && errno != EEXIST)
                return -errno;
        (void) chmod(MACHINES_RUNTIME_DIR, 0711);
        if (mkdir(RUNTIME_STAGING_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        r = runtime_make_inaccessible_nodes();
        if (r < 0)
                return r;
        if (asprintf(&path, MACHINES_RUNTIME_DIR "/%s", machine) < 0)
                return -ENOMEM;

        for (unsigned attempt = 0;; attempt++) {
                if (mkdir(path, 0711) < 0 && errno != EEXIST)
                        return -errno;
                /* A stale cleanup of another berth may remove the directory before it has its
                 * lock file (ENOENT) or before it is locked (st_nlink below): start again. */
                _cleanup_close_ int dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir_fd < 0 && errno == ENOENT && attempt < 10)
                        continue;
                if (dir_fd < 0)
                        return -errno;
                (void) fchmod(dir_fd, 0711);
                _cleanup_close_ int lock_fd = openat(dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (lock_fd < 0 && errno == ENOENT && attempt < 10)
                        continue;
                if (lock_fd < 0)
                        return -errno;
                if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno != EWOULDBLOCK)
                                return -errno;
                        _cleanup_free_ char *pid = NULL;
                        unsigned p = 0;
                        if (ret_holder && read_full_file_at(dir_fd, "lock", &pid, NULL) >= 0) {
                                pid[strcspn(pid, "\n")] = 0;
                                (void) safe_atou(pid, &p);
                        }
                        if (ret_holder)
                                *ret_holder = (pid_t) p;
                        return -EBUSY;
                }

                /* A stale cleanup may have removed the directory between our open and our lock. */
                struct stat st;
                if (fstat(lock_fd, &st) < 0)
                        return -errno;
                if (st.st_nlink == 0) {
                        if (attempt >= 10)
                                return -EBUSY;
                        continue;
                }

                /* Whatever a dead launcher left here goes now. */
                runtime_clean_dir(dir_fd);
                _cleanup_closedir_ DIR *d = fdopendir(fcntl(dir_fd, F_DUPFD_CLOEXEC, 3));
                if (!d)
                        return -errno;
                struct dirent *de;
                while ((de = readdir(d)))
                        if (!STR_IN_SET(de->d_name, ".", "..", "lock"))
                                (void) rm_rf_at(dir_fd, de->d_name);

                Runtime *rt = calloc(1, sizeof(Runtime));
                if (!rt)
                        return -ENOMEM;
                rt->path = TAKE_PTR(path);
                rt->dir_fd = TAKE_FD(dir_fd);
                rt->lock_fd = TAKE_FD(lock_fd);
                r = runtime_record_cgroup(rt, NULL);
                if (r < 0) {
                        runtime_release(rt);
                        return r;
                }
                *ret = rt;
                return 0;
        }
}

int runtime_record_cgroup(Runtime *rt, const char *cgroup) {
        /* Written into the lock file itself: no file to make and remove at every start. */
        char buf[32 + PATH_MAX];
        int n = snprintf(buf, sizeof(buf), "%d\n%s%s", (int) getpid(), cgroup ?: "", cgroup ? "\n" : "");
        if (n < 0 || (size_t) n >= sizeof(buf))
                return -ENAMETOOLONG;
        if (pwrite(rt->lock_fd, buf, (size_t) n, 0) != n || ftruncate(rt->lock_fd, n) < 0)
                return -errno ?: -EIO;
        return 0;
}

int runtime_record(Runtime *rt, const char *name, const char *value) {
        return write_string_file_at(rt->dir_fd, name, value, 0600);
}

Runtime *runtime_release(Runtime *rt) {
        if (!rt)
                return NULL;

        _cleanup_free_ char *parent = strdup(rt->path);
        if (parent) {
                char *slash = strrchr(parent, '/');
                *slash = 0;
                int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (pfd >= 0) {
                        (void) rm_rf_at(pfd, slash + 1);
                        close(pfd);
                }
        }
        safe_close(rt->dir_fd);
        safe_close(rt->lock_fd);
        free(rt->path);
        free(rt);
        return NULL;
}
