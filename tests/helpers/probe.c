/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-probe: looks at the machine from inside, for the root and host suites, and tries the
 * attacks of the escape suite (tests/root/t1000-escapes.sh, tests/host/h0900-escapes.sh).
 * Statically linked so that it runs in any test image. Each subcommand prints simple
 * "key=value" lines; a refused call shows as its errno's name (EPERM), a call that worked as
 * "ok". Nothing here harms the host when it works: every call is chosen so that, should a
 * defence be missing, the kernel does nothing lasting (see each one). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/reboot.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
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
        /* Unknown flags: without the filter, even as root, EINVAL and nothing unloaded. */
        report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0x8000UL));
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

static bool same_inode(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Where the directory fd leads: "inside" if walking ".." up from it reaches this process's root
 * (the kernel stops there), "outside" if it ends at the top of some other tree, the host's. */
static const char *directory_where(int fd) {
        struct stat root, st, up;
        int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        if (cur < 0 || stat("/", &root) < 0)
                return strerrorname_np(errno);
        for (unsigned i = 0; i < 4096; i++) {
                if (fstat(cur, &st) < 0)
                        break;
                if (same_inode(&st, &root)) {
                        close(cur);
                        return "inside";
                }
                int next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (next < 0 || fstat(next, &up) < 0)
                        break;
                close(cur);
                cur = next;
                if (same_inode(&st, &up))
                        break;  /* the top, and not our root */
        }
        close(cur);
        return "outside";
}

/* A path given to it, or what a descriptor leads to. */
static void report_where(const char *name, const char *path, int fd) {
        if (path) {
                fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0) {
                        printf("%s=%s\n", name, strerrorname_np(errno));
                        return;
                }
        }
        printf("%s=%s\n", name, directory_where(fd));
        if (path)
                close(fd);
}

/* The descriptors it was started with, found without /proc (which may be masked or another
 * machine's), where each directory among them leads, and where its working directory, its
 * root and PID 1's lead. CVE-2024-21626: a descriptor of the host's left open, and used as the
 * working directory, leads out of the root. */
static int probe_leaks(void) {
        char name[32];
        int max = (int) sysconf(_SC_OPEN_MAX);

        if (max <= 0 || max > 65536)
                max = 65536;
        printf("fds=");
        for (int fd = 0, first = 1; fd < max; fd++)
                if (fcntl(fd, F_GETFD) >= 0) {
                        printf("%s%d", first ? "" : " ", fd);
                        first = 0;
                }
        printf("\n");
        for (int fd = 3; fd < max; fd++) {
                struct stat st;
                if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                snprintf(name, sizeof(name), "fd%d", fd);
                report_where(name, NULL, fd);
        }
        report_where("cwd", ".", -1);
        report_where("/proc/self/cwd", "/proc/self/cwd", -1);
        report_where("/proc/self/root", "/proc/self/root", -1);
        report_where("/proc/1/cwd", "/proc/1/cwd", -1);
        report_where("/proc/1/root", "/proc/1/root", -1);
        return 0;
}

/* Opens PATH for reading (and reads up to 64 bytes: "ok:N") or for writing (and writes
 * nothing: opening is what the masks and read-only mounts refuse). */
static int probe_open(const char *path, const char *mode) {
        bool w = strchr(mode, 'w');
        char buf[64];

        int fd = open(path, (w ? O_WRONLY : O_RDONLY) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                printf("%s=%s\n", path, strerrorname_np(errno));
                return 0;
        }
        if (w)
                printf("%s=ok\n", path);
        else {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0)
                        printf("%s=ok:%s\n", path, strerrorname_np(errno));
                else
                        printf("%s=ok:%zd\n", path, n);
        }
        close(fd);
        return 0;
}

/* mount SOURCE TARGET FSTYPE|- [OPTION,...]: bind, rec, ro, remount. */
static int probe_mount(const char *source, const char *target, const char *fstype, const char *options) {
        unsigned long flags = 0;
        char *o = strdup(options ?: ""), *save = NULL;

        for (char *w = strtok_r(o, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                if (strcmp(w, "bind") == 0)
                        flags |= MS_BIND;
                else if (strcmp(w, "rec") == 0)
                        flags |= MS_REC;
                else if (strcmp(w, "ro") == 0)
                        flags |= MS_RDONLY;
                else if (strcmp(w, "remount") == 0)
                        flags |= MS_REMOUNT;
                else
                        return 2;
        }
        free(o);
        report("mount", mount(source, target, strcmp(fstype, "-") == 0 ? NULL : fstype, flags, NULL));
        return 0;
}

/* Calls that need a capability the machine lacks, each with arguments that make it do nothing
 * even where it is allowed: the kernel checks the capability first. */
static int probe_privileged(void) {
        struct timespec ts = {};

        /* With CAP_SYS_MODULE, no image: EFAULT; no descriptor: EBADF. */
        report("init_module", syscall(SYS_init_module, NULL, 0, ""));
        report("finit_module", syscall(SYS_finit_module, -1, "", 0));
        /* Neither time nor zone: with CAP_SYS_TIME, 0 and nothing set. */
        report("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
        /* The monotonic clock cannot be set: with CAP_SYS_TIME and no filter, EINVAL. */
        report("clock_settime", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
        /* A wrong magic number: with CAP_SYS_BOOT, EINVAL. */
        report("reboot", syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL));
        report("swapon", syscall(SYS_swapon, "/nonexistent", 0));
        return 0;
}

/* mknod PATH MAJOR MINOR: a block device node, opened read-only and read from (never written),
 * then removed. */
static int probe_mknod(const char *path, const char *major, const char *minor) {
        char buf[512];

        (void) unlink(path);
        report("mknod", mknod(path, S_IFBLK | 0600, makedev(atoi(major), atoi(minor))));
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        report("open", fd);
        if (fd >= 0) {
                ssize_t n = read(fd, buf, sizeof(buf));
                printf("read=%s%zd\n", n < 0 ? strerrorname_np(errno) : "ok:", n < 0 ? 0 : n);
                close(fd);
        }
        (void) unlink(path);
        return 0;
}

/* reboot HOST_PIDNS: reboot(2) with LINUX_REBOOT_CMD_RESTART. In a PID namespace other than the
 * machine's host's, this kills the namespace's init and ends the caller; it never reaches the
 * kernel's restart. HOST_PIDNS is what /proc/self/ns/pid reads on the host: in the same
 * namespace, this refuses (exit status 3) instead of rebooting anything. */
static int probe_reboot(const char *host_pidns) {
        char own[64] = {};

        if (readlink("/proc/self/ns/pid", own, sizeof(own) - 1) < 0 || strcmp(own, host_pidns) == 0 ||
            strncmp(host_pidns, "pid:[", 5) != 0) {
                printf("reboot=refused: in the host's PID namespace (%s)\n", own);
                return 3;
        }
        fflush(stdout);
        report("reboot", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART, NULL));
        return 0;
}

/* tty FD: takes the terminal on FD as the controlling terminal of a session of its own, by
 * force (with CAP_SYS_ADMIN the kernel takes it away from the session that has it), and says
 * whether it has it now. */
static int probe_steal_tty(const char *fd_s) {
        int fd = atoi(fd_s);

        (void) setsid();        /* only a session leader may take a terminal */
        printf("isatty=%s\n", isatty(fd) ? "yes" : "no");
        report("tiocsctty", ioctl(fd, TIOCSCTTY, 1));
        int t = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        printf("ctty=%s\n", t >= 0 ? "yes" : "no");
        return 0;
}

/* hangup FD: hangs up the terminal on FD for everyone who has it open (CAP_SYS_ADMIN). */
static int probe_hangup(const char *fd_s) {
        report("tiocvhangup", ioctl(atoi(fd_s), TIOCVHANGUP));
        return 0;
}

static int probe_kill(const char *pid, const char *sig) {
        report("kill", kill(atoi(pid), atoi(sig)));
        return 0;
}

/* Attaches to PID (PTRACE_SEIZE stops nothing) and lets go again at once. */
static int probe_ptrace(const char *pid_s) {
        pid_t pid = atoi(pid_s);
        long r = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
        report("ptrace", r);
        if (r >= 0)
                (void) ptrace(PTRACE_DETACH, pid, NULL, NULL);
        return 0;
}

/* swap A B SECONDS: exchanges A and B (a directory and a symlink) atomically, over and over, for
 * the symlink race (CVE-2021-30465). Prints how many times. */
static int probe_swap(const char *a, const char *b, const char *seconds) {
        struct timespec start, now;
        unsigned long n = 0;

        clock_gettime(CLOCK_MONOTONIC, &start);
        do {
                for (unsigned i = 0; i < 1000; i++, n++)
                        if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) < 0) {
                                report("swap", -1);
                                return 1;
                        }
                clock_gettime(CLOCK_MONOTONIC, &now);
        } while (now.tv_sec - start.tv_sec < atoi(seconds));
        printf("swaps=%lu\n", n);
        return 0;
}

int main(int argc, char **argv) {
        const char *cmd = argc > 1 ? argv[1] : "";
        const char *a1 = argc > 2 ? argv[2] : NULL, *a2 = argc > 3 ? argv[3] : NULL, *a3 = argc > 4 ? argv[4] : NULL;

        if (strcmp(cmd, "fds") == 0)
                return probe_fds();
        if (strcmp(cmd, "seccomp") == 0)
                return probe_seccomp();
        if (strcmp(cmd, "notify") == 0)
                return probe_notify(a1 ?: "READY=1");
        if (strcmp(cmd, "session") == 0)
                return probe_session();
        if (strcmp(cmd, "leaks") == 0)
                return probe_leaks();
        if (strcmp(cmd, "privileged") == 0)
                return probe_privileged();
        if (strcmp(cmd, "open") == 0 && a2)
                return probe_open(a1, a2);
        if (strcmp(cmd, "mount") == 0 && a3)
                return probe_mount(a1, a2, a3, argc > 5 ? argv[5] : NULL);
        if (strcmp(cmd, "umount") == 0 && a1) {
                report("umount", umount2(a1, MNT_DETACH));
                return 0;
        }
        if (strcmp(cmd, "mknod") == 0 && a3)
                return probe_mknod(a1, a2, a3);
        if (strcmp(cmd, "reboot") == 0 && a1)
                return probe_reboot(a1);
        if (strcmp(cmd, "tty") == 0 && a1)
                return probe_steal_tty(a1);
        if (strcmp(cmd, "hangup") == 0 && a1)
                return probe_hangup(a1);
        if (strcmp(cmd, "kill") == 0 && a2)
                return probe_kill(a1, a2);
        if (strcmp(cmd, "ptrace") == 0 && a1)
                return probe_ptrace(a1);
        if (strcmp(cmd, "swap") == 0 && a3)
                return probe_swap(a1, a2, a3);
        return 2;
}
