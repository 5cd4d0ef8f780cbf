/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fd-util.h"

int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}

void safe_close_pair(int p[2]) {
        p[0] = safe_close(p[0]);
        p[1] = safe_close(p[1]);
}

int fd_cloexec_all_above_stdio(void) {
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) >= 0)
                return 0;

        /* Kernels before 5.11: walk /proc/self/fd. */
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        if (!d)
                return -errno;
        struct dirent *de;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (fd < 3 || fd == dirfd(d))
                        continue;
                int flags = fcntl(fd, F_GETFD);
                if (flags >= 0)
                        (void) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        }
        return 0;
}

int loop_write(int fd, const void *buf, size_t n) {
        const char *p = buf;
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

ssize_t loop_read(int fd, void *buf, size_t n) {
        char *p = buf;
        size_t done = 0;
        while (done < n) {
                ssize_t k = read(fd, p + done, n - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                done += (size_t) k;
        }
        return (ssize_t) done;
}

int read_full_file_at(int dirfd, const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, ret, ret_size);
}

int read_full_fd(int fd, char **ret, size_t *ret_size) {
        size_t size = 0, allocated = 4096;
        _cleanup_free_ char *buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (allocated - size < 2) {
                        if (allocated >= 16 * 1024 * 1024)
                                return -EFBIG;
                        char *n = realloc(buf, allocated * 2);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        allocated *= 2;
                }
                ssize_t k = read(fd, buf + size, allocated - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        buf[size] = 0;
        if (ret_size)
                *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

int write_string_file_at(int dirfd, const char *path, const char *s, mode_t mode) {
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        return loop_write(fd, s, strlen(s));
}

int send_with_fd(int sock, const void *buf, size_t len, int fd) {
        struct iovec iov = { .iov_base = (void *) buf, .iov_len = len };
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (fd >= 0) {
                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

ssize_t recv_with_fd(int sock, void *buf, size_t len, int *ret_fd) {
        struct iovec iov = { .iov_base = buf, .iov_len = len };
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        ssize_t n;

        *ret_fd = -EBADF;
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return n;
}
