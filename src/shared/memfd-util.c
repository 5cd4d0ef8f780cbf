/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "fd-util.h"
#include "log.h"
#include "memfd-util.h"

/* Linux 6.3: an executable memfd must say so where vm.memfd_noexec asks for it. */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int memfd_is_sealed(int fd) {
        int seals = fcntl(fd, F_GET_SEALS);

        if (seals < 0)
                /* Files that are no memfd (nor shmem) know no seals. */
                return errno == EINVAL ? 0 : -errno;
        return (seals & MEMFD_SEALS_FINAL) == MEMFD_SEALS_FINAL;
}

static int memfd_create_executable(const char *name) {
        int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

        /* Kernels before 6.3 know no MFD_EXEC: there every memfd may be executed. */
        if (fd < 0 && errno == EINVAL)
                fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        return fd < 0 ? -errno : fd;
}

/* Everything from source's offset to its end, with sendfile() where the source allows it. */
static int copy_to_end(int source, int target) {
        bool use_sendfile = true;
        char buf[64 * 1024];

        for (;;) {
                ssize_t n;

                if (use_sendfile) {
                        n = sendfile(target, source, NULL, 1U << 30);
                        if (n < 0 && IN_SET(errno, EINVAL, ENOSYS)) {
                                use_sendfile = false;
                                continue;
                        }
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return -errno;
                } else {
                        n = loop_read(source, buf, sizeof(buf));
                        if (n < 0)
                                return (int) n;
                        if (n > 0) {
                                int r = loop_write(target, buf, (size_t) n);
                                if (r < 0)
                                        return r;
                        }
                }
                if (n == 0)
                        return 0;
        }
}

int memfd_new_sealed_copy(int source_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = memfd_create_executable(name);
        if (fd < 0)
                return log_debug_errno(fd, "Failed to create a memfd: %m");

        r = copy_to_end(source_fd, fd);
        if (r < 0)
                return log_debug_errno(r, "Failed to copy into the memfd: %m");

        if (fcntl(fd, F_ADD_SEALS, MEMFD_SEALS_FINAL | F_SEAL_FUTURE_WRITE) < 0) {
                /* Kernels before 5.1 know no F_SEAL_FUTURE_WRITE. */
                if (errno != EINVAL || fcntl(fd, F_ADD_SEALS, MEMFD_SEALS_FINAL) < 0)
                        return log_debug_errno(errno, "Failed to seal the memfd: %m");
        }
        return TAKE_FD(fd);
}

/* Whether /proc/self/exe is a memfd called name: a copy made before that did not get its seals. */
static bool exe_is_memfd_named(const char *name) {
        char target[PATH_MAX], expected[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", target, sizeof(target) - 1);

        if (n < 0)
                return false;
        target[n] = 0;
        snprintf(expected, sizeof(expected), "/memfd:%s (deleted)", name);
        return streq(target, expected);
}

int exe_run_sealed(const char *name, char **argv) {
        _cleanup_close_ int exe = -EBADF, copy = -EBADF;
        struct stat st_exe, st_copy;
        int r;

        if (!argv || !argv[0])
                return -EINVAL;

        exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (exe < 0)
                return log_debug_errno(errno, "Failed to open /proc/self/exe: %m");
        r = memfd_is_sealed(exe);
        if (r < 0)
                return log_debug_errno(r, "Failed to read the seals of /proc/self/exe: %m");
        if (r > 0) {
                const char *base = strrchr(argv[0], '/');
                (void) prctl(PR_SET_NAME, (unsigned long) (base ? base + 1 : argv[0]), 0, 0, 0);
                return 1;
        }
        if (exe_is_memfd_named(name))
                return log_debug_errno(ELOOP, "Running from a memfd '%s' that is not sealed; not copying it again.", name);

        copy = memfd_new_sealed_copy(exe, name);
        if (copy < 0)
                return copy;

        /* What the copy will find when it looks at /proc/self/exe. */
        if (fstat(exe, &st_exe) < 0 || fstat(copy, &st_copy) < 0)
                return -errno;
        if (st_copy.st_size != st_exe.st_size)
                return log_debug_errno(EIO, "The memfd holds %jd bytes of %jd.", (intmax_t) st_copy.st_size,
                                       (intmax_t) st_exe.st_size);
        r = memfd_is_sealed(copy);
        if (r < 0)
                return r;
        if (r == 0)
                return log_debug_errno(EPERM, "The memfd did not keep its seals.");
        exe = safe_close(exe);

        log_debug("Executing a sealed copy of %s.", argv[0]);
        fflush(stdout);
        fflush(stderr);
        execveat(copy, "", argv, environ, AT_EMPTY_PATH);
        return log_debug_errno(errno, "Failed to execute the memfd: %m");
}
