/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "memfd-util.h"
#include "tap.h"

#define CHILD_ARG "--as-sealed-child"

static const char content[] = "#!/bin/false\nnot much of a program\n";

static int temp_file(void) {
        char path[] = "/tmp/test-memfd-util.XXXXXX";
        int fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        (void) unlink(path);
        if (loop_write(fd, content, sizeof(content) - 1) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
                safe_close(fd);
                return -EIO;
        }
        return fd;
}

static void test_memfd_is_sealed(void) {
        _cleanup_close_ int file = temp_file(), open_memfd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING),
                            part = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING),
                            unsealable = memfd_create("t", MFD_CLOEXEC);
        int pipe_fds[2];

        check(file >= 0 && open_memfd >= 0 && part >= 0 && unsealable >= 0, "test files created");
        check_int_eq(memfd_is_sealed(file), 0, "a regular file is not a sealed memfd");
        check_int_eq(memfd_is_sealed(open_memfd), 0, "a memfd without seals is not sealed");
        check(fcntl(part, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) >= 0, "three seals added");
        check_int_eq(memfd_is_sealed(part), 0, "a memfd that can still take seals is not sealed");
        /* Without MFD_ALLOW_SEALING a memfd has F_SEAL_SEAL only. */
        check_int_eq(memfd_is_sealed(unsealable), 0, "a memfd that allows no sealing is not sealed");
        check_int_eq(memfd_is_sealed(-1), -EBADF, "a bad descriptor is an error");
        if (pipe2(pipe_fds, O_CLOEXEC) >= 0) {
                check_int_eq(memfd_is_sealed(pipe_fds[0]), 0, "a pipe is not a sealed memfd");
                safe_close_pair(pipe_fds);
        }
}

static void test_memfd_new_sealed_copy(void) {
        _cleanup_close_ int file = temp_file(), copy = -EBADF, empty = -EBADF, empty_copy = -EBADF;
        char buf[256] = {};
        ssize_t n;

        copy = memfd_new_sealed_copy(file, "test-copy");
        check(copy >= 0, "a copy is made");
        if (copy < 0)
                return;
        check_int_eq(memfd_is_sealed(copy), 1, "the copy is sealed");
        check((fcntl(copy, F_GET_SEALS) & F_SEAL_FUTURE_WRITE) != 0, "F_SEAL_FUTURE_WRITE too");
        check((fcntl(copy, F_GETFD) & FD_CLOEXEC) != 0, "the copy is close-on-exec");
        n = pread(copy, buf, sizeof(buf) - 1, 0);
        check_int_eq(n, (ssize_t) sizeof(content) - 1, "the copy has the file's size");
        check_streq(buf, content, "the copy has the file's contents");

        check(write(copy, "x", 1) < 0 && errno == EPERM, "writing to the copy is refused");
        check(pwrite(copy, "x", 1, 0) < 0 && errno == EPERM, "writing into the copy is refused");
        check(ftruncate(copy, 0) < 0 && errno == EPERM, "shrinking the copy is refused");
        check(ftruncate(copy, 4096) < 0 && errno == EPERM, "growing the copy is refused");
        check(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, copy, 0) == MAP_FAILED, "a writable shared mapping is refused");
        check(fcntl(copy, F_ADD_SEALS, F_SEAL_SEAL) < 0 && errno == EPERM, "no more seals");

        /* Reopened by its path, as through /proc/PID/exe. */
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", copy);
        int w = open(path, O_WRONLY | O_CLOEXEC);
        if (w >= 0) {
                check(write(w, "x", 1) < 0 && errno == EPERM, "writing through a reopened copy is refused");
                safe_close(w);
        } else
                check(errno == EPERM || errno == EACCES, "reopening the copy for writing is refused");
        check(open(path, O_WRONLY | O_TRUNC | O_CLOEXEC) < 0 && errno == EPERM, "truncating the copy by its path is refused");

        /* From the offset, as documented. */
        check(lseek(file, 2, SEEK_SET) == 2, "seek");
        _cleanup_close_ int tail = memfd_new_sealed_copy(file, "test-tail");
        memset(buf, 0, sizeof(buf));
        check(tail >= 0 && pread(tail, buf, sizeof(buf) - 1, 0) == (ssize_t) sizeof(content) - 3 && streq(buf, content + 2),
              "the copy starts at the source's offset");

        empty = memfd_create("empty", MFD_CLOEXEC);
        empty_copy = empty >= 0 ? memfd_new_sealed_copy(empty, "test-empty") : -EBADF;
        check(empty_copy >= 0 && lseek(empty_copy, 0, SEEK_END) == 0 && memfd_is_sealed(empty_copy) == 1,
              "an empty file gives an empty sealed copy");

        int p[2];
        if (pipe2(p, O_CLOEXEC) >= 0) {
                (void) loop_write(p[1], content, sizeof(content) - 1);
                safe_close(p[1]);
                _cleanup_close_ int from_pipe = memfd_new_sealed_copy(p[0], "test-pipe");
                memset(buf, 0, sizeof(buf));
                check(from_pipe >= 0 && pread(from_pipe, buf, sizeof(buf) - 1, 0) == (ssize_t) sizeof(content) - 1 &&
                              streq(buf, content),
                      "a source that sendfile() cannot read is copied too");
                safe_close(p[0]);
        }
}

/* The child: after exe_run_sealed() returns, what it sees of itself. */
static int sealed_child(char **argv) {
        char target[PATH_MAX] = {}, comm[17] = {};
        int r = exe_run_sealed("berth-test", argv);

        if (r < 0) {
                printf("error %d\n", r);
                return 2;
        }
        if (readlink("/proc/self/exe", target, sizeof(target) - 1) < 0)
                return 3;
        (void) prctl(PR_GET_NAME, (unsigned long) comm, 0, 0, 0);
        printf("exe %s\ncomm %s\nargs", target, comm);
        for (char **a = argv + 1; *a; a++)
                printf(" %s", *a);
        printf("\nenv %s\nfds", getenv("TEST_MEMFD_ENV") ?: "(none)");
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
                        printf(" %s", de->d_name);
        if (d)
                closedir(d);
        printf("\n");
        return 0;
}

/* Runs exe (a descriptor, or /proc/self/exe with -EBADF) as "test-memfd-util CHILD_ARG a b"
 * and returns what it printed. */
static char *run_child(int exe_fd, int *ret_status) {
        int p[2];
        char *out = NULL;
        size_t size = 0;

        if (pipe2(p, O_CLOEXEC) < 0)
                return NULL;
        pid_t pid = fork();
        if (pid == 0) {
                char *argv[] = { (char *) "test-memfd-util", (char *) CHILD_ARG, (char *) "a", (char *) "b", NULL };
                (void) dup2(p[1], STDOUT_FILENO);
                /* A copy that executed itself again and again would run until this. */
                alarm(10);
                (void) setenv("TEST_MEMFD_ENV", "kept", 1);
                if (exe_fd >= 0)
                        execveat(exe_fd, "", argv, environ, AT_EMPTY_PATH);
                else {
                        /* Only 0, 1 and 2, whatever the test was started with. */
                        (void) syscall(SYS_close_range, 3U, ~0U, 0U);
                        execv("/proc/self/exe", argv);
                }
                _exit(127);
        }
        safe_close(p[1]);
        if (pid < 0 || read_full_fd(p[0], &out, &size) < 0)
                out = NULL;
        safe_close(p[0]);
        *ret_status = -1;
        if (pid > 0)
                (void) waitpid(pid, ret_status, 0);
        return out;
}

static void test_exe_run_sealed(void) {
        char *out;
        int status;

        out = run_child(-EBADF, &status);
        check(out && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the program runs from its sealed copy");
        if (out) {
                check_streq(out,
                            "exe /memfd:berth-test (deleted)\n"
                            "comm test-memfd-util\n"
                            "args " CHILD_ARG " a b\n"
                            "env kept\n"
                            "fds 0 1 2\n",
                            "the copy: a memfd as /proc/self/exe, the name, arguments and environment kept, no descriptor left");
                free(out);
        }

        /* An image that is a memfd of that name, but not sealed: refused, never copied again. */
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int unsealed = memfd_create("berth-test", MFD_CLOEXEC);
        char buf[64 * 1024];
        ssize_t n;
        while (self >= 0 && unsealed >= 0 && (n = read(self, buf, sizeof(buf))) > 0)
                (void) loop_write(unsealed, buf, (size_t) n);
        out = run_child(unsealed, &status);
        check(out && WIFEXITED(status) && WEXITSTATUS(status) == 2, "an unsealed copy of that name fails");
        if (out) {
                char expected[32];
                snprintf(expected, sizeof(expected), "error %d\n", -ELOOP);
                check_streq(out, expected, "with -ELOOP");
                free(out);
        }
}

int main(int argc, char **argv) {
        if (argc > 1 && streq(argv[1], CHILD_ARG))
                return sealed_child(argv);

        test_memfd_is_sealed();
        test_memfd_new_sealed_copy();
        test_exe_run_sealed();
        return tap_finish();
}
