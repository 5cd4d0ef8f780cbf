/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

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

/* The launcher's PID a lock file records (its first line), 0 if none; FD is read from where it is. */
static pid_t runtime_lock_holder(int fd) {
        _cleanup_free_ char *content = NULL;
        unsigned p = 0;
        if (read_full_fd(fd, &content, NULL) >= 0) {
                content[strcspn(content, "\n")] = 0;
                (void) safe_atou(content, &p);
        }
        return (pid_t) p;
}

/* Removes the cgroup a lock file's content names: the launcher's PID, then the machine's cgroup. */
static void runtime_clean_cgroup_record(const char *lock) {
        const char *line = lock ? strchr(lock, '\n') : NULL;
        if (line && line[1] == '/') {
                _cleanup_free_ char *cg = strndup(line + 1, strcspn(line + 1, "\n"));
                if (cg)
                        (void) cgroup_remove(cg);
        }
}

/* Undoes what a launcher recorded in the machine's directory, and removes it. */
static void runtime_clean_dir(int parent_fd, const char *name) {
        _cleanup_free_ char *work = NULL, *lock = NULL, *cg = NULL;
        _cleanup_close_ int dir_fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (dir_fd < 0)
                return;
        /* Overlay work directories beside the user's upper layers. */
        if (read_full_file_at(dir_fd, "work-dirs", &work, NULL) >= 0)
                for (char *line = work, *nl; line && *line; line = nl ? nl + 1 : NULL) {
                        nl = strchr(line, '\n');
                        if (nl)
                                *nl = 0;
                        if (line[0] == '/')
                                (void) rm_rf_at(AT_FDCWD, line);
                }
        /* Older berths kept their lock here, and before that the cgroup in a file of its own. */
        if (read_full_file_at(dir_fd, "lock", &lock, NULL) >= 0)
                runtime_clean_cgroup_record(lock);
        if (read_full_file_at(dir_fd, "cgroup", &cg, NULL) >= 0) {
                cg[strcspn(cg, "\n")] = 0;
                (void) cgroup_remove(cg);
        }
        (void) rm_rf_at(parent_fd, name);
}

/* Whether an older berth, which kept its lock in the machine's directory, runs NAME. */
static bool runtime_held_by_older(int machines_fd, const char *name, pid_t *ret_holder) {
        _cleanup_close_ int dir_fd = openat(machines_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int lock = dir_fd >= 0 ? openat(dir_fd, "lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC) : -EBADF;
        if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) >= 0)
                return false;
        if (ret_holder)
                *ret_holder = runtime_lock_holder(lock);
        return true;
}

/* Takes the lock of machine NAME in LOCKS_FD: its descriptor, -EBUSY if it is held (and the
 * holder's PID, if recorded), or another negative errno. */
static int runtime_lock(int locks_fd, const char *name, pid_t *ret_holder) {
        /* A stale cleanup of another berth may hold the file for a moment, or remove it between
         * our open and our lock (st_nlink below): start again. */
        for (unsigned attempt = 0;; attempt++) {
                _cleanup_close_ int fd = openat(locks_fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno != EWOULDBLOCK)
                                return -errno;
                        pid_t p = runtime_lock_holder(fd);
                        /* No PID yet, a launcher that has just taken it (it records its PID at
                         * once), or the PID of one that is gone: then another berth's stale
                         * cleanup holds it for a moment. */
                        if ((p == 0 || (kill(p, 0) < 0 && errno == ESRCH)) && attempt < 100) {
                                struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
                                nanosleep(&ts, NULL);
                                continue;
                        }
                        if (ret_holder)
                                *ret_holder = p;
                        return -EBUSY;
                }
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (st.st_nlink > 0)
                        return TAKE_FD(fd);
                if (attempt >= 100)
                        return -EBUSY;
        }
}

int runtime_clean_stale(void) {
        _cleanup_close_ int locks_fd = open(RUNTIME_LOCKS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int machines_fd = open(MACHINES_RUNTIME_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int n = 0;

        /* Locks whose launcher is gone, and the directories of their machines. */
        _cleanup_closedir_ DIR *d = locks_fd >= 0 ? fdopendir(fcntl(locks_fd, F_DUPFD_CLOEXEC, 3)) : NULL;
        for (struct dirent *de; d && (de = readdir(d));) {
                if (!machine_name_is_valid(de->d_name))
                        continue;
                _cleanup_close_ int lock = openat(locks_fd, de->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
                struct stat st;
                if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0 || fstat(lock, &st) < 0 || st.st_nlink == 0)
                        continue; /* running, or just removed */
                _cleanup_free_ char *content = NULL;
                if (read_full_fd(lock, &content, NULL) >= 0)
                        runtime_clean_cgroup_record(content);
                if (machines_fd >= 0)
                        runtime_clean_dir(machines_fd, de->d_name);
                if (unlinkat(locks_fd, de->d_name, 0) >= 0) {
                        log_debug("Removed the stale runtime state of machine '%s'.", de->d_name);
                        n++;
                }
        }

        /* Directories with no lock beside them: what an older berth left behind. Each is cleaned
         * under the machine's lock, so that a berth starting the machine meanwhile keeps its own. */
        _cleanup_closedir_ DIR *m = machines_fd >= 0 && locks_fd >= 0 ? fdopendir(fcntl(machines_fd, F_DUPFD_CLOEXEC, 3)) : NULL;
        for (struct dirent *de; m && (de = readdir(m));) {
                if (!machine_name_is_valid(de->d_name) || faccessat(locks_fd, de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) >= 0 ||
                    runtime_held_by_older(machines_fd, de->d_name, NULL))
                        continue;
                _cleanup_close_ int lock = runtime_lock(locks_fd, de->d_name, NULL);
                if (lock < 0)
                        continue;
                runtime_clean_dir(machines_fd, de->d_name);
                (void) unlinkat(locks_fd, de->d_name, 0);
                log_debug("Removed the stale runtime directory of machine '%s'.", de->d_name);
                n++;
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
        int r;

        if (mkdir(RUNTIME_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(RUNTIME_LOCKS_DIR, 0700) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(RUNTIME_STAGING_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        r = runtime_make_inaccessible_nodes();
        if (r < 0)
                return r;

        _cleanup_close_ int locks_fd = open(RUNTIME_LOCKS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (locks_fd < 0)
                return -errno;
        _cleanup_close_ int machines_fd = open(MACHINES_RUNTIME_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (machines_fd >= 0 && runtime_held_by_older(machines_fd, machine, ret_holder))
                return -EBUSY;

        _cleanup_close_ int lock_fd = runtime_lock(locks_fd, machine, ret_holder);
        if (lock_fd < 0)
                return lock_fd;

        /* Whatever a dead launcher of this machine left goes now: its cgroup, its directory. */
        _cleanup_free_ char *content = NULL;
        if (read_full_fd(lock_fd, &content, NULL) >= 0)
                runtime_clean_cgroup_record(content);
        if (machines_fd >= 0)
                runtime_clean_dir(machines_fd, machine);

        Runtime *rt = calloc(1, sizeof(Runtime));
        if (!rt)
                return -ENOMEM;
        *rt = (Runtime) { .dir_fd = -EBADF, .lock_fd = TAKE_FD(lock_fd) };
        if (asprintf(&rt->path, MACHINES_RUNTIME_DIR "/%s", machine) < 0) {
                rt->path = NULL;
                runtime_release(rt);
                return -ENOMEM;
        }
        r = runtime_record_cgroup(rt, NULL);
        if (r < 0) {
                runtime_release(rt);
                return r;
        }
        *ret = rt;
        return 0;
}

int runtime_dir(Runtime *rt) {
        if (rt->dir_fd >= 0)
                return rt->dir_fd;
        /* Traversable, not listable: the setup of a machine with a user namespace reaches its
         * directory as the machine's root. */
        if (mkdir(MACHINES_RUNTIME_DIR, 0711) < 0 && errno != EEXIST)
                return -errno;
        (void) chmod(MACHINES_RUNTIME_DIR, 0711);
        if (mkdir(rt->path, 0711) < 0 && errno != EEXIST)
                return -errno;
        int fd = open(rt->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        (void) fchmod(fd, 0711);
        return rt->dir_fd = fd;
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
        int fd = runtime_dir(rt);
        if (fd < 0)
                return fd;
        return write_string_file_at(fd, name, value, 0600);
}

Runtime *runtime_release(Runtime *rt) {
        if (!rt)
                return NULL;

        /* The directory first, then the lock: a directory never outlives its lock, so that a
         * directory without one is always an older berth's. */
        if (rt->dir_fd >= 0 && rt->path) {
                _cleanup_free_ char *parent = strdup(rt->path);
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (slash) {
                        *slash = 0;
                        _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (pfd >= 0)
                                (void) rm_rf_at(pfd, slash + 1);
                }
        }
        if (rt->lock_fd >= 0 && rt->path) {
                _cleanup_close_ int locks_fd = open(RUNTIME_LOCKS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                const char *name = strrchr(rt->path, '/') + 1;
                if (locks_fd >= 0)
                        (void) unlinkat(locks_fd, name, 0);
        }
        safe_close(rt->dir_fd);
        safe_close(rt->lock_fd);
        free(rt->path);
        free(rt);
        return NULL;
}
