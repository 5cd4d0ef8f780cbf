/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-probe: looks at the machine from inside, for the root suite. Statically linked so
 * that it runs in any test image. Each subcommand prints simple "key=value" lines. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int probe_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        if (!d)
                return 1;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
                        printf("%s\n", de->d_name);
        closedir(d);
        return 0;
}

static void report(const char *name, long r) {
        printf("%s=%s\n", name, r < 0 ? strerrorname_np(errno) : "ok");
}

static int probe_seccomp(void) {
        char c = 'x';
        report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
        report("add_key", syscall(SYS_add_key, "user", "berth", "x", 1, KEY_SPEC_SESSION_KEYRING));
        report("bpf", syscall(SYS_bpf, 0, NULL, 0));
        report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
        report("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0));
        report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
        report("init_module", syscall(SYS_init_module, NULL, 0, ""));
        report("swapoff", syscall(SYS_swapoff, "/nonexistent"));
        report("tiocsti", ioctl(0, TIOCSTI, &c));
        report("tiocsti_high", syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, &c));
        report("tioclinux", ioctl(0, TIOCLINUX, &c));
        return 0;
}

static int probe_notify(const char *message) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!path)
                return 2;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
        if (fd < 0 || sendto(fd, message, strlen(message), 0, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("sendto");
                return 1;
        }
        return 0;
}

static int probe_session(void) {
        printf("sid=%d pid=%d\n", (int) getsid(0), (int) getpid());
        int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
        printf("ctty=%s\n", fd >= 0 ? "yes" : "no");
        printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE));
        printf("nnp=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        return 0;
}

int main(int argc, char **argv) {
        if (argc < 2)
                return 2;
        if (strcmp(argv[1], "fds") == 0)
                return probe_fds();
        if (strcmp(argv[1], "seccomp") == 0)
                return probe_seccomp();
        if (strcmp(argv[1], "notify") == 0)
                return probe_notify(argc > 2 ? argv[2] : "READY=1");
        if (strcmp(argv[1], "session") == 0)
                return probe_session();
        return 2;
}
