/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "userns.h"

#define NSPAWN_UID_DIR "/run/systemd/nspawn-uid"

uint32_t uid_range_candidate(const char *machine, unsigned n) {
        /* FNV-1a over the name and the attempt: stable across runs and versions. */
        uint64_t h = UINT64_C(0xcbf29ce484222325);
        for (const char *c = machine; *c; c++)
                h = (h ^ (uint8_t) *c) * UINT64_C(0x100000001b3);
        for (unsigned i = 0; i < sizeof(n); i++)
                h = (h ^ ((n >> (8 * i)) & 0xff)) * UINT64_C(0x100000001b3);
        uint32_t slots = (UID_PICK_END - UID_PICK_FIRST) / UINT32_C(0x10000);
        return UID_PICK_FIRST + (uint32_t) (h % slots) * UINT32_C(0x10000);
}

bool uid_ranges_overlap(uint32_t a, uint32_t na, uint32_t b, uint32_t nb) {
        uint64_t ae = (uint64_t) a + na, be = (uint64_t) b + nb;
        return na > 0 && nb > 0 && a < be && b < ae;
}

bool subid_line_overlaps(const char *line, uint32_t base, uint32_t range) {
        const char *c1 = strchr(line, ':');
        if (!c1)
                return false;
        char *end;
        unsigned long long first = strtoull(c1 + 1, &end, 10);
        if (end == c1 + 1 || *end != ':' || first > UINT32_MAX)
                return false;
        const char *c2 = end + 1;
        unsigned long long count = strtoull(c2, &end, 10);
        if (end == c2 || (*end && *end != '\n') || count > UINT32_MAX)
                return false;
        return uid_ranges_overlap(base, range, (uint32_t) first, (uint32_t) count);
}

static bool subid_file_overlaps(const char *path, uint32_t base, uint32_t range) {
        _cleanup_free_ char *buf = NULL;
        if (read_full_file_at(AT_FDCWD, path, &buf, NULL) < 0)
                return false;
        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                if (subid_line_overlaps(line, base, range))
                        return true;
                line = nl ? nl + 1 : NULL;
        }
        return false;
}

static bool range_has_host_ids(uint32_t base, uint32_t range) {
        bool found = false;
        struct passwd *pw;
        struct group *gr;

        setpwent();
        while (!found && (pw = getpwent()))
                found = uid_ranges_overlap(base, range, pw->pw_uid, 1);
        endpwent();
        setgrent();
        while (!found && (gr = getgrent()))
                found = uid_ranges_overlap(base, range, gr->gr_gid, 1);
        endgrent();
        return found || subid_file_overlaps("/etc/subuid", base, range) || subid_file_overlaps("/etc/subgid", base, range);
}

typedef struct HeldRange {
        uint32_t base, range;
        char name[72];
} HeldRange;

/* The ranges of running machines: berth's lock files (stale ones are removed, the caller holds
 * the directory's lock), and nspawn's. */
static int collect_held(int dir_fd, HeldRange **ret, size_t *ret_n) {
        _cleanup_free_ HeldRange *held = NULL;
        size_t n = 0;
        const char *dirs[] = { UID_RANGES_DIR, NSPAWN_UID_DIR };

        for (size_t k = 0; k < ELEMENTSOF(dirs); k++) {
                int dfd = k == 0 ? fcntl(dir_fd, F_DUPFD_CLOEXEC, 3) : open(dirs[k], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        continue;
                DIR *d = fdopendir(dfd);
                if (!d) {
                        safe_close(dfd);
                        return -ENOMEM;
                }
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        char *end;
                        unsigned long long base = strtoull(de->d_name, &end, 10);
                        if (*end || base > UINT32_MAX)
                                continue;
                        _cleanup_close_ int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (fd < 0)
                                continue;
                        if (flock(fd, LOCK_SH | LOCK_NB) >= 0) {
                                if (k == 0)
                                        (void) unlinkat(dirfd(d), de->d_name, 0);
                                continue;
                        }
                        HeldRange h = { .base = (uint32_t) base, .range = UINT32_C(0x10000) };
                        snprintf(h.name, sizeof(h.name), "%s", k == 0 ? "?" : "a systemd-nspawn machine");
                        char buf[128] = {};
                        if (k == 0 && read(fd, buf, sizeof(buf) - 1) > 0) {
                                unsigned long long count;
                                char name[72] = {};
                                if (sscanf(buf, "%*u %llu %71s", &count, name) == 2 && count <= UINT32_MAX) {
                                        h.range = (uint32_t) count;
                                        snprintf(h.name, sizeof(h.name), "%s", name);
                                }
                        }
                        HeldRange *nh = realloc(held, (n + 1) * sizeof(HeldRange));
                        if (!nh) {
                                closedir(d);
                                return -ENOMEM;
                        }
                        held = nh;
                        held[n++] = h;
                }
                closedir(d);
        }
        *ret = TAKE_PTR(held);
        *ret_n = n;
        return 0;
}

static int ranges_dir_open(int *ret_dir, int *ret_lock) {
        if (mkdir(RUNTIME_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(UID_RANGES_DIR, 0700) < 0 && errno != EEXIST)
                return -errno;
        _cleanup_close_ int dir = open(UID_RANGES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dir < 0)
                return -errno;
        _cleanup_close_ int lock = openat(dir, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock < 0)
                return -errno;
        if (flock(lock, LOCK_EX) < 0)
                return -errno;
        *ret_dir = TAKE_FD(dir);
        *ret_lock = TAKE_FD(lock);
        return 0;
}

static int range_file_create(int dir, const char *machine, uint32_t base, uint32_t range) {
        char name[16], content[128];
        snprintf(name, sizeof(name), "%" PRIu32, base);
        _cleanup_close_ int fd = openat(dir, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : -errno;
        int n = snprintf(content, sizeof(content), "%" PRIu32 " %" PRIu32 " %s\n", base, range, machine);
        if (ftruncate(fd, 0) < 0 || loop_write(fd, content, (size_t) n) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* The directory, its lock held, and the ranges of running machines. */
static int ranges_open_held(int *ret_dir, int *ret_lock, HeldRange **ret_held, size_t *ret_n) {
        int r = ranges_dir_open(ret_dir, ret_lock);
        if (r < 0)
                return r;
        return collect_held(*ret_dir, ret_held, ret_n);
}

static const HeldRange *held_overlapping(const HeldRange *held, size_t n, uint32_t base, uint32_t range) {
        for (size_t i = 0; i < n; i++)
                if (uid_ranges_overlap(base, range, held[i].base, held[i].range))
                        return &held[i];
        return NULL;
}

int uid_ranges_clean_stale(void) {
        _cleanup_close_ int dir = -EBADF, lock = -EBADF;
        _cleanup_free_ HeldRange *held = NULL;
        size_t n_held = 0;

        /* Nothing to do, cheaply, where no machine ever had a range. */
        if (access(UID_RANGES_DIR, F_OK) < 0)
                return 0;
        return ranges_open_held(&dir, &lock, &held, &n_held);
}

int uid_range_pick(const char *machine, uint32_t range, uint32_t *ret_shift) {
        _cleanup_close_ int dir = -EBADF, lock = -EBADF;
        _cleanup_free_ HeldRange *held = NULL;
        size_t n_held = 0;
        int r;

        r = ranges_open_held(&dir, &lock, &held, &n_held);
        if (r < 0)
                return r;
        for (unsigned n = 0; n < 1024; n++) {
                uint32_t cand = uid_range_candidate(machine, n);
                if (held_overlapping(held, n_held, cand, range) || range_has_host_ids(cand, range))
                        continue;
                int fd = range_file_create(dir, machine, cand, range);
                if (fd == -EBUSY)
                        continue;
                if (fd >= 0)
                        *ret_shift = cand;
                return fd;
        }
        return -EBUSY;
}

int uid_range_lock(const char *machine, uint32_t shift, uint32_t range, char **ret_holder) {
        _cleanup_close_ int dir = -EBADF, lock = -EBADF;
        _cleanup_free_ HeldRange *held = NULL;
        size_t n_held = 0;
        int r;

        r = ranges_open_held(&dir, &lock, &held, &n_held);
        if (r < 0)
                return r;
        const HeldRange *h = held_overlapping(held, n_held, shift, range);
        if (h) {
                if (ret_holder)
                        *ret_holder = strdup(h->name);
                return -EBUSY;
        }
        return range_file_create(dir, machine, shift, range);
}

int uid_range_release(int lock_fd) {
        char proc[64], path[256];

        if (lock_fd < 0)
                return -EBADF;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", lock_fd);
        ssize_t n = readlink(proc, path, sizeof(path) - 1);
        if (n > 0) {
                path[n] = 0;
                _cleanup_close_ int dir = -EBADF, lock = -EBADF;
                if (startswith(path, UID_RANGES_DIR "/") && ranges_dir_open(&dir, &lock) >= 0)
                        (void) unlink(path);
        }
        safe_close(lock_fd);
        return -EBADF;
}

static int write_map(pid_t pid, const char *which, uint32_t shift, uint32_t range) {
        char path[64], map[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, which);
        int n = snprintf(map, sizeof(map), "0 %" PRIu32 " %" PRIu32 "\n", shift, range);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, map, (size_t) n) != n)
                return -errno;
        return 0;
}

int userns_write_maps(pid_t pid, uint32_t shift, uint32_t range) {
        int r = write_map(pid, "uid_map", shift, range);
        if (r >= 0)
                r = write_map(pid, "gid_map", shift, range);
        return r;
}

int userns_acquire(uint32_t shift, uint32_t range) {
        int gate[2];
        if (pipe2(gate, O_CLOEXEC) < 0)
                return -errno;
        struct clone_args args = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0) {
                int e = -errno;
                safe_close(gate[0]);
                safe_close(gate[1]);
                return e;
        }
        if (pid == 0) {
                char c;
                safe_close(gate[1]);
                (void) read(gate[0], &c, 1);
                _exit(0);
        }
        safe_close(gate[0]);

        char path[64];
        int fd = userns_write_maps(pid, shift, range);
        if (fd >= 0) {
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        fd = -errno;
        }
        safe_close(gate[1]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return fd;
}

int userns_read_range(pid_t pid, uint32_t *ret_shift, uint32_t *ret_range) {
        _cleanup_free_ char *buf = NULL;
        char path[64];
        unsigned long long inside, outside, count;

        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        int r = read_full_file_at(AT_FDCWD, path, &buf, NULL);
        if (r < 0)
                return r;
        if (sscanf(buf, "%llu %llu %llu", &inside, &outside, &count) != 3)
                return -EBADMSG;
        if (inside == 0 && outside == 0 && count == UINT32_MAX)
                return -ENXIO;
        if (outside > UINT32_MAX || count > UINT32_MAX)
                return -EBADMSG;
        *ret_shift = (uint32_t) outside;
        *ret_range = (uint32_t) count;
        return 0;
}

typedef struct Shift {
        uint32_t old, shift, range;
        dev_t dev;
} Shift;

static int shift_entry(int dir_fd, const char *name, const struct stat *st, const Shift *s) {
        uid_t uid = st->st_uid - s->old < s->range ? s->shift + (st->st_uid - s->old) : st->st_uid;
        gid_t gid = st->st_gid - s->old < s->range ? s->shift + (st->st_gid - s->old) : st->st_gid;

        if (uid == st->st_uid && gid == st->st_gid)
                return 0;
        if (fchownat(dir_fd, name, uid, gid, AT_SYMLINK_NOFOLLOW | (isempty(name) ? AT_EMPTY_PATH : 0)) < 0)
                return -errno;
        /* chown() clears them on a regular file. */
        if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
            fchmodat(dir_fd, isempty(name) ? "." : name, st->st_mode & 07777, 0) < 0)
                return -errno;
        return 0;
}

static int shift_tree(int fd, const Shift *s, unsigned depth) {
        if (depth > 4096)
                return -ELOOP;
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return -errno;
        DIR *d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return -errno;
        }
        int r = 0;
        struct dirent *de;
        while (r >= 0 && (de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                if (S_ISDIR(st.st_mode) && st.st_dev == s->dev) {
                        _cleanup_close_ int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0) {
                                r = -errno;
                                break;
                        }
                        r = shift_tree(sub, s, depth + 1);
                        if (r < 0)
                                break;
                }
                if (st.st_dev == s->dev)
                        r = shift_entry(fd, de->d_name, &st, s);
        }
        closedir(d);
        return r;
}

int image_shift_ownership(const char *dir, uint32_t shift, uint32_t range) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        Shift s = {
                .old = st.st_uid & UINT32_C(0xffff0000),
                .shift = shift,
                .range = range,
                .dev = st.st_dev,
        };
        if (s.old == shift)
                return 0;
        int r = shift_tree(fd, &s, 0);
        if (r < 0)
                return r;
        return shift_entry(fd, "", &st, &s);
}
