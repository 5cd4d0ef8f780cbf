/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#include "caps.h"
#include "cgroup.h"
#include "enter.h"
#include "fd-util.h"
#include "log.h"
#include "parse-util.h"
#include "seccomp.h"
#include "strv.h"
#include "stub-init.h"

static const struct {
        const char *name;       /* in /proc/PID/ns */
        int flag;
} namespace_table[_ENTER_NAMESPACE_MAX] = {
        [ENTER_NAMESPACE_MNT] = { "mnt", CLONE_NEWNS },
        [ENTER_NAMESPACE_PID] = { "pid", CLONE_NEWPID },
        [ENTER_NAMESPACE_NET] = { "net", CLONE_NEWNET },
        [ENTER_NAMESPACE_IPC] = { "ipc", CLONE_NEWIPC },
        [ENTER_NAMESPACE_UTS] = { "uts", CLONE_NEWUTS },
        [ENTER_NAMESPACE_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
        [ENTER_NAMESPACE_USER] = { "user", CLONE_NEWUSER },
};

const char *enter_namespace_to_string(EnterNamespace n) {
        if (n < 0 || n >= _ENTER_NAMESPACE_MAX)
                return NULL;
        return namespace_table[n].name;
}

/* ---- parsing /proc ------------------------------------------------------------------------- */

/* A hexadecimal number with nothing else but the whitespace around it. */
static int parse_hex64(const char *s, uint64_t *ret) {
        uint64_t v = 0;
        size_t digits = 0;

        s += strspn(s, " \t");
        for (; *s && !strchr(" \t", *s); s++, digits++) {
                int d;
                if (*s >= '0' && *s <= '9')
                        d = *s - '0';
                else if (*s >= 'a' && *s <= 'f')
                        d = *s - 'a' + 10;
                else if (*s >= 'A' && *s <= 'F')
                        d = *s - 'A' + 10;
                else
                        return -EINVAL;
                if (v >> 60)
                        return -ERANGE;
                v = (v << 4) | (uint64_t) d;
        }
        if (digits == 0 || s[strspn(s, " \t")] != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_small_decimal(const char *s, int *ret) {
        unsigned v;
        char buf[16];
        size_t n;

        s += strspn(s, " \t");
        n = strcspn(s, " \t");
        if (n == 0 || n >= sizeof(buf) || s[n + strspn(s + n, " \t")] != 0)
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = 0;
        if (safe_atou(buf, &v) < 0 || v > 1000)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

int proc_status_parse(const char *text, ProcStatus *ret) {
        ProcStatus s = { .seccomp_filters = -1 };
        bool have_bounding = false;

        for (const char *p = text, *nl; p && *p; p = *nl ? nl + 1 : nl) {
                char line[256];
                const char *v;
                size_t len;
                int k;

                nl = strchrnul(p, '\n');
                len = (size_t) (nl - p);
                if (len >= sizeof(line))
                        continue;
                memcpy(line, p, len);
                line[len] = 0;

                if ((v = startswith(line, "CapBnd:"))) {
                        if (parse_hex64(v, &s.capability_bounding) < 0)
                                return -EBADMSG;
                        have_bounding = true;
                } else if ((v = startswith(line, "NoNewPrivs:"))) {
                        if (parse_small_decimal(v, &k) < 0 || k > 1)
                                return -EBADMSG;
                        s.no_new_privs = k;
                } else if ((v = startswith(line, "Seccomp:"))) {
                        if (parse_small_decimal(v, &k) < 0 || k > 2)
                                return -EBADMSG;
                        s.seccomp = k;
                } else if ((v = startswith(line, "Seccomp_filters:"))) {
                        if (parse_small_decimal(v, &k) < 0)
                                return -EBADMSG;
                        s.seccomp_filters = k;
                } else if ((v = startswith(line, "PPid:"))) {
                        unsigned u;
                        v += strspn(v, " \t");
                        if (safe_atou(v, &u) < 0 || u > INT32_MAX)
                                return -EBADMSG;
                        s.ppid = (pid_t) u;
                }
        }
        if (!have_bounding)
                return -EBADMSG;
        *ret = s;
        return 0;
}

int proc_cgroup_unified_path(const char *text, char **ret) {
        for (const char *p = text; p && *p;) {
                const char *nl = strchrnul(p, '\n');
                const char *v = startswith(p, "0::");

                if (v && v < nl && *v == '/') {
                        char *c = strndup(v, (size_t) (nl - v));
                        if (!c)
                                return -ENOMEM;
                        *ret = c;
                        return 0;
                }
                p = *nl ? nl + 1 : nl;
        }
        return -ENODATA;
}

bool cgroup_path_in_unit(const char *path, const char *unit) {
        size_t l = strlen(unit);

        if (l == 0 || strchr(unit, '/'))
                return false;
        for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
                if (strncmp(p + 1, unit, l) == 0 && IN_SET(p[1 + l], '/', '\0'))
                        return true;
        return false;
}

/* ---- the leader ---------------------------------------------------------------------------- */

/* 1 while the process of the pidfd runs, 0 once it has exited. */
static int pidfd_is_alive(int pidfd) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int n;

        do
                n = poll(&p, 1, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return n == 0;
}

void machine_target_done(MachineTarget *t) {
        t->pidfd = safe_close(t->pidfd);
        t->root_fd = safe_close(t->root_fd);
        for (size_t i = 0; i < _ENTER_NAMESPACE_MAX; i++)
                t->ns_fds[i] = safe_close(t->ns_fds[i]);
        free(t->cgroup);
        t->cgroup = NULL;
        free(t->comm);
        t->comm = NULL;
}

/* The namespace of the leader, or -EBADF when it is the caller's own (or the kernel has no such kind). */
static int open_namespace(int proc_fd, EnterNamespace n) {
        char path[32], own[32];
        struct stat st_own, st_their;

        snprintf(path, sizeof(path), "ns/%s", namespace_table[n].name);
        snprintf(own, sizeof(own), "/proc/self/ns/%s", namespace_table[n].name);

        _cleanup_close_ int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -EBADF : -errno;
        if (fstat(fd, &st_their) < 0)
                return -errno;
        if (stat(own, &st_own) < 0)
                return errno == ENOENT ? -EBADF : -errno;
        if (st_own.st_dev == st_their.st_dev && st_own.st_ino == st_their.st_ino)
                return -EBADF;
        return TAKE_FD(fd);
}

static int machine_target_read(MachineTarget *t) {
        _cleanup_free_ char *status = NULL, *cgroup = NULL;
        _cleanup_close_ int proc_fd = -EBADF;
        char path[32];
        int r;

        snprintf(path, sizeof(path), "/proc/%d", (int) t->leader);
        proc_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0)
                return -errno;

        for (EnterNamespace n = 0; n < _ENTER_NAMESPACE_MAX; n++) {
                int fd = open_namespace(proc_fd, n);
                if (fd < 0 && fd != -EBADF)
                        return fd;
                t->ns_fds[n] = fd;
        }

        t->root_fd = openat(proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (t->root_fd < 0)
                return -errno;

        r = read_full_file_at(proc_fd, "status", &status, NULL);
        if (r < 0)
                return r;
        r = proc_status_parse(status, &t->status);
        if (r < 0)
                return r;

        r = read_full_file_at(proc_fd, "comm", &t->comm, NULL);
        if (r < 0)
                return r;
        t->comm[strcspn(t->comm, "\n")] = 0;

        if (streq(t->comm, "berth") && t->status.seccomp_filters >= 0 && t->status.ppid > 0) {
                _cleanup_free_ char *parent_text = NULL;
                ProcStatus parent;
                snprintf(path, sizeof(path), "/proc/%d/status", (int) t->status.ppid);
                if (read_full_file_at(AT_FDCWD, path, &parent_text, NULL) >= 0 &&
                    proc_status_parse(parent_text, &parent) >= 0)
                        t->launcher_child = parent.seccomp_filters == t->status.seccomp_filters;
        }

        r = read_full_file_at(proc_fd, "cgroup", &cgroup, NULL);
        if (r < 0)
                return r;
        r = proc_cgroup_unified_path(cgroup, &t->cgroup);
        if (r < 0 && r != -ENODATA)
                return r;
        return 0;
}

int machine_target_open(pid_t leader, MachineTarget *ret) {
        _cleanup_(machine_target_done) MachineTarget t = MACHINE_TARGET_NULL;
        int r, k;

        if (leader <= 0)
                return -EINVAL;

        t.leader = leader;
        t.pidfd = (int) syscall(SYS_pidfd_open, leader, 0);
        if (t.pidfd < 0)
                return -errno;

        r = machine_target_read(&t);

        /* Whatever was opened belongs to the leader only if it still runs now: its PID cannot
         * have gone to another process before it exited. Errors of a dying one mean it is gone. */
        k = pidfd_is_alive(t.pidfd);
        if (k < 0)
                return k;
        if (k == 0)
                return -ESRCH;
        if (r < 0)
                return r;

        *ret = t;
        t = (MachineTarget) MACHINE_TARGET_NULL;
        return 0;
}

bool machine_target_is_starting(const MachineTarget *t, const char *service) {
        return streq_ptr(service, "berth") && t->launcher_child;
}

bool machine_target_needs_own_pid_namespace(const MachineTarget *t) {
        return t->ns_fds[ENTER_NAMESPACE_USER] >= 0 && t->ns_fds[ENTER_NAMESPACE_PID] < 0;
}

/* ---- the processes that enter -------------------------------------------------------------- */

typedef enum EnterMessageType {
        ENTER_MESSAGE_LOG,
        ENTER_MESSAGE_PIDFD,
        ENTER_MESSAGE_MASTER,
} EnterMessageType;

typedef struct EnterMessage {
        int type;
        int level;
        char text[1024];
} EnterMessage;

static void enter_log_sink(int level, const char *message, void *userdata) {
        int fd = *(int *) userdata;
        EnterMessage m = { .type = ENTER_MESSAGE_LOG, .level = level };

        snprintf(m.text, sizeof(m.text), "%s", message);
        (void) send(fd, &m, sizeof(m), MSG_NOSIGNAL);
}

static int send_fd(int sock, EnterMessageType type, int fd) {
        EnterMessage m = { .type = type };
        return send_with_fd(sock, &m, sizeof(m), fd);
}

/* Enters every namespace of the leader that differs from ours. All but the user namespace
 * first, while berth still has its capabilities in its own user namespace (systemd creates a
 * unit's user namespace after its mount namespace, so the latter is not owned by the former);
 * then the user namespace; then what could be entered only from inside it. */
static int enter_namespaces(const MachineTarget *t, const char *machine) {
        bool retry[_ENTER_NAMESPACE_MAX] = {};
        int user = t->ns_fds[ENTER_NAMESPACE_USER];

        for (EnterNamespace n = 0; n < ENTER_NAMESPACE_USER; n++) {
                if (t->ns_fds[n] < 0)
                        continue;
                if (setns(t->ns_fds[n], namespace_table[n].flag) >= 0)
                        continue;
                if (errno == EPERM && user >= 0) {
                        retry[n] = true;
                        continue;
                }
                return log_error_errno(errno, "Failed to enter the %s namespace of machine %s: %m", namespace_table[n].name,
                                       machine);
        }

        if (user >= 0 && setns(user, CLONE_NEWUSER) < 0)
                return log_error_errno(errno, "Failed to enter the user namespace of machine %s: %m", machine);

        for (EnterNamespace n = 0; n < ENTER_NAMESPACE_USER; n++)
                if (retry[n] && setns(t->ns_fds[n], namespace_table[n].flag) < 0)
                        return log_error_errno(errno, "Failed to enter the %s namespace of machine %s: %m",
                                               namespace_table[n].name, machine);
        return 0;
}

/* Groups, then the group, then the user: as initgroups() and setuid() would, with the
 * primary group in the list too. */
static int switch_user(const UserRecord *u, bool in_user_namespace) {
        _cleanup_free_ gid_t *groups = calloc(u->n_supplementary + 1, sizeof(gid_t));

        if (!groups)
                return -ENOMEM;
        groups[0] = u->gid;
        if (u->n_supplementary > 0)
                memcpy(groups + 1, u->supplementary, u->n_supplementary * sizeof(gid_t));
        /* systemd denies setgroups() for good in the user namespace of a unit with PrivateUsers=:
         * there the process keeps no groups (the helper dropped them before entering). */
        if (setgroups(u->n_supplementary + 1, groups) < 0 && !(errno == EPERM && in_user_namespace))
                return -errno;
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return -errno;
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return -errno;
        return 0;
}

/* What confines the leader, as far as it can be carried over: no_new_privs, a syscall filter
 * (berth's own: a filter cannot be read from another process), the capability bounding set;
 * then the user, and no capability that the bounding set does not hold. */
static int enter_confine(const MachineTarget *t, const EnterOptions *o) {
        const ProcStatus *s = &t->status;
        const UserRecord *u = o->user;
        int r;

        if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to set no_new_privs: %m");
        if (s->seccomp != 0) {
                r = seccomp_install_filters(s->capability_bounding);
                if (r < 0)
                        return log_error_errno(r, "Failed to install the seccomp filter: %m");
        }
        /* Without a pty the command has berth's own standard input, output and error: when one is
         * the user's terminal, it may neither take it over nor hang it up. */
        if (!o->pty && stdio_is_terminal()) {
                r = seccomp_install_host_terminal_filter();
                if (r < 0)
                        return log_error_errno(r, "Failed to install the seccomp filter for the terminal: %m");
        }
        r = capability_bounding_set_limit(s->capability_bounding);
        if (r < 0)
                return log_error_errno(r, "Failed to limit the capability bounding set to machine %s's: %m", o->machine);

        r = switch_user(u, t->ns_fds[ENTER_NAMESPACE_USER] >= 0);
        if (r == -EINVAL)
                return log_error_errno(r, "User %s (UID %u, GID %u) has no mapping in the user namespace of machine %s.",
                                       u->name, (unsigned) u->uid, (unsigned) u->gid, o->machine);
        if (r < 0)
                return log_error_errno(r, "Failed to change to user %s: %m", u->name);

        r = capability_sets_limit(u->uid == 0 ? s->capability_bounding : 0);
        if (r < 0)
                return log_error_errno(r, "Failed to drop capabilities: %m");
        return 0;
}

/* A new pty of the machine's own devpts, opened inside its root; the master goes to the caller.
 * Returns the slave. */
static int enter_open_pty(const EnterOptions *o, int sock) {
        static const char *const paths[] = { "/dev/ptmx", "/dev/pts/ptmx" };
        _cleanup_close_ int master = -EBADF;
        int unlock = 0, r = 0;
        unsigned n;

        for (size_t i = 0; i < ELEMENTSOF(paths) && master < 0; i++) {
                /* Non-blocking: the machine decides what its /dev/ptmx is. */
                master = open(paths[i], O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
                if (master < 0 && r == 0)
                        r = -errno;
        }
        if (master < 0)
                return log_error_errno(r, "Failed to open /dev/ptmx in machine %s: %m", o->machine);
        /* A pty master, or nothing. */
        if (ioctl(master, TIOCGPTN, &n) < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return log_error_errno(errno, "/dev/ptmx of machine %s is not a pty multiplexer: %m", o->machine);

        int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return log_error_errno(errno, "Failed to open the pty of machine %s: %m", o->machine);
        if (o->window)
                (void) ioctl(slave, TIOCSWINSZ, o->window);
        if (fcntl(master, F_SETFL, 0) < 0)
                r = -errno;
        else
                r = send_fd(sock, ENTER_MESSAGE_MASTER, master);
        if (r < 0) {
                safe_close(slave);
                return log_error_errno(r, "Failed to pass the pty on: %m");
        }
        return slave;
}

/* Takes the pty as the controlling terminal on 0, 1 and 2 of a new session's leader. */
static int take_terminal(void) {
        if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
                return log_error_errno(errno, "Failed to make the pty the controlling terminal: %m");
        return 0;
}

static _noreturn_ void enter_exec(const EnterOptions *o) {
        _cleanup_free_ char *arg0 = NULL;
        const char *path;
        sigset_t none;
        int e;

        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        umask(0022);
        (void) fd_cloexec_all_above_stdio();
        environ = o->environment;

        if (strv_length(o->argv) == 0) {
                /* The login shell, told so by a '-' before its name. */
                const char *base = strrchr(o->user->shell, '/');
                path = o->user->shell;
                if (asprintf(&arg0, "-%s", base ? base + 1 : path) < 0)
                        _exit(EXIT_FAILURE);
                char *argv[] = { arg0, NULL };
                execve(path, argv, o->environment);
        } else {
                path = o->argv[0];
                execvp(path, o->argv);
        }

        e = errno;
        if (e == ENOENT)
                log_error("%s: command not found in machine %s.", path, o->machine);
        else
                log_error_errno(e, "Failed to execute %s in machine %s: %m", path, o->machine);
        _exit(e == ENOENT ? 127 : 126);
}

/* The command's process, already in the machine's namespaces (and cgroup). */
static int enter_command(const MachineTarget *t, const EnterOptions *o, int sock) {
        bool own_pid_namespace = machine_target_needs_own_pid_namespace(t);
        int r;

        /* Its root is the leader's, its directory inside it from the start. */
        if (fchdir(t->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
                return log_error_errno(errno, "Failed to change to the root of machine %s: %m", o->machine);

        if (o->pty) {
                int slave = enter_open_pty(o, sock);
                if (slave < 0)
                        return slave;
                for (int fd = 0; fd < 3; fd++)
                        if (dup2(slave, fd) < 0)
                                return log_error_errno(errno, "Failed to connect to the pty: %m");
                if (slave > 2)
                        safe_close(slave);
        }

        /* Never the caller's terminal: a session of its own, with the pty if any. */
        if (setsid() < 0)
                return log_error_errno(errno, "Failed to start a new session: %m");
        if (o->pty && !own_pid_namespace && take_terminal() < 0)
                return -EIO;

        if (chdir(o->user->home) < 0)
                (void) chdir("/");

        r = enter_confine(t, o);
        if (r < 0)
                return r;

        if (own_pid_namespace) {
                /* This process is PID 1 of the new namespace: it stays as a minimal init that
                 * reaps, passes signals on and exits with the command's status. It keeps no
                 * descriptor but 0, 1 and 2. */
                pid_t pid = fork();
                if (pid < 0)
                        return log_error_errno(errno, "Failed to fork: %m");
                if (pid > 0) {
                        if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
                                for (int fd = 3; fd < 1024; fd++)
                                        (void) close(fd);
                        stub_init_run(pid);
                }
                if (setsid() < 0)
                        return log_error_errno(errno, "Failed to start a new session: %m");
                if (o->pty && take_terminal() < 0)
                        return -EIO;
        }

        enter_exec(o);
}

/* The helper: joins the cgroup and the namespaces, then creates the command's process as a
 * child of berth's (CLONE_PARENT), hands its pidfd over, and exits. */
static int enter_helper(const MachineTarget *t, const EnterOptions *o, int sock, pid_t parent) {
        int r;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != parent)
                return EXIT_FAILURE;
        log_set_sink(enter_log_sink, &sock);

        /* While still in berth's namespaces, where the path is valid and the move allowed. The
         * leader's own cgroup is a leaf: a process may join it. */
        if (t->cgroup) {
                const char *mnt;
                if (cgroup_unified_mount(&mnt) < 0)
                        log_debug("No cgroup2 hierarchy; the command stays in berth's cgroup.");
                else {
                        _cleanup_free_ char *path = NULL;
                        if (asprintf(&path, "%s%s", mnt, streq(t->cgroup, "/") ? "" : t->cgroup) < 0)
                                return log_oom(), EXIT_FAILURE;
                        r = cgroup_attach(path, 0);
                        if (r < 0)
                                return log_error_errno(r, "Failed to join the cgroup %s of machine %s: %m", t->cgroup,
                                                       o->machine),
                                       EXIT_FAILURE;
                }
        }

        /* berth's own groups must not come along into a user namespace that forbids setgroups(). */
        if (t->ns_fds[ENTER_NAMESPACE_USER] >= 0 && setgroups(0, NULL) < 0)
                return log_error_errno(errno, "Failed to drop supplementary groups: %m"), EXIT_FAILURE;

        if (enter_namespaces(t, o->machine) < 0)
                return EXIT_FAILURE;
        if (machine_target_needs_own_pid_namespace(t) && unshare(CLONE_NEWPID) < 0)
                return log_error_errno(errno, "Failed to create a PID namespace: %m"), EXIT_FAILURE;

        if (pidfd_is_alive(t->pidfd) == 0)
                return log_error("Machine %s is not running (any more).", o->machine), EXIT_FAILURE;

        int pidfd = -EBADF;
        struct clone_args args = {
                .flags = CLONE_PARENT | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
        };
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0) {
                /* The machine's PID 1 is gone: its namespace takes no new process. */
                if (errno == ENOMEM && t->ns_fds[ENTER_NAMESPACE_PID] >= 0)
                        return log_error("Machine %s is not running (any more).", o->machine), EXIT_FAILURE;
                return log_error_errno(errno, "Failed to create a process in machine %s: %m", o->machine), EXIT_FAILURE;
        }
        if (pid == 0)
                _exit(enter_command(t, o, sock) < 0 ? EXIT_FAILURE : EXIT_SUCCESS);

        r = send_fd(sock, ENTER_MESSAGE_PIDFD, pidfd);
        if (r < 0) {
                (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                return log_error_errno(r, "Failed to pass the command's process on: %m"), EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

/* Reads what the helper and the command's process send until both have closed the socket:
 * the command's exec closes its end. */
static int enter_receive(int sock, int *pidfd, int *master, char **message) {
        for (;;) {
                EnterMessage m;
                int fd;
                ssize_t n = recv_with_fd(sock, &m, sizeof(m), &fd);
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        return 0;
                if ((size_t) n != sizeof(m)) {
                        safe_close(fd);
                        continue;
                }

                switch (m.type) {
                case ENTER_MESSAGE_LOG:
                        m.text[sizeof(m.text) - 1] = 0;
                        if (m.level <= LOG_ERR) {
                                /* The first error is the cause; the process exits after it. */
                                if (!*message && !(*message = strdup(m.text)))
                                        return -ENOMEM;
                        } else
                                log_debug("%s", m.text);
                        break;
                case ENTER_MESSAGE_PIDFD:
                        safe_close(*pidfd);
                        *pidfd = TAKE_FD(fd);
                        break;
                case ENTER_MESSAGE_MASTER:
                        safe_close(*master);
                        *master = TAKE_FD(fd);
                        break;
                default:
                        break;
                }
                safe_close(fd);
        }
}

int machine_enter_spawn(const MachineTarget *t, const EnterOptions *o, EnterProcess *ret, char **ret_message) {
        _cleanup_close_pair_ int pair[2] = { -EBADF, -EBADF };
        _cleanup_close_ int pidfd = -EBADF, master = -EBADF;
        _cleanup_free_ char *message = NULL;
        pid_t parent = getpid(), helper;
        int r, status;

        *ret_message = NULL;
        if (!o->user || !o->machine)
                return -EINVAL;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return -errno;

        fflush(stdout);
        fflush(stderr);
        helper = fork();
        if (helper < 0)
                return -errno;
        if (helper == 0) {
                pair[0] = safe_close(pair[0]);
                _exit(enter_helper(t, o, pair[1], parent));
        }
        pair[1] = safe_close(pair[1]);

        r = enter_receive(pair[0], &pidfd, &master, &message);
        while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                if (pidfd >= 0)
                        (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                return r;
        }
        if (pidfd < 0) {
                *ret_message = TAKE_PTR(message);
                return -ECHILD;
        }

        *ret = (EnterProcess) { .pidfd = TAKE_FD(pidfd), .master = TAKE_FD(master) };
        *ret_message = TAKE_PTR(message);
        return 0;
}
