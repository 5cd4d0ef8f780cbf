/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stdio.h>

#include "macro.h"

/* Closes fd if valid, keeps errno, returns -EBADF for "fd = safe_close(fd);". */
int safe_close(int fd);
void safe_close_pair(int p[2]);

static inline void closep(int *fd) {
        *fd = safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void close_pairp(int (*p)[2]) {
        safe_close_pair(*p);
}
#define _cleanup_close_pair_ _cleanup_(close_pairp)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Marks every descriptor above 2 close-on-exec. */
int fd_cloexec_all_above_stdio(void);

/* Full write/read, retrying on EINTR and short transfers. */
int loop_write(int fd, const void *buf, size_t n);
ssize_t loop_read(int fd, void *buf, size_t n);

/* Reads a whole (small) file below dirfd into a NUL-terminated buffer. */
int read_full_file_at(int dirfd, const char *path, char **ret, size_t *ret_size);
/* The same from an open descriptor, read from where it is to the end (at most 16 MiB). */
int read_full_fd(int fd, char **ret, size_t *ret_size);
/* Creates or truncates path below dirfd with the given contents. */
int write_string_file_at(int dirfd, const char *path, const char *s, mode_t mode);

/* One datagram on a SEQPACKET/DGRAM socket, with a descriptor passed along (SCM_RIGHTS) when
 * fd >= 0. 0 or a negative errno. */
int send_with_fd(int sock, const void *buf, size_t len, int fd);

/* Receives one datagram into buf and the descriptor that came with it (O_CLOEXEC), or -EBADF
 * in *ret_fd; retries on EINTR. The length received (0 at EOF), or a negative errno. */
ssize_t recv_with_fd(int sock, void *buf, size_t len, int *ret_fd);
