/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth shell: a shell or a command inside a running machine, entered from outside, with no
 * systemd or D-Bus needed in the machine, and the command's exit status kept. */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "cgroup.h"
#include "enter.h"
#include "fd-util.h"
#include "cli-util.h"
#include "log.h"
#include "machined.h"
#include "memfd-util.h"
#include "parse-util.h"
#include "process-util.h"
#include "pty-forward.h"
#include "strv.h"
#include "user.h"
#include "verbs.h"

/* How long a command whose terminal was hung up (^]^]^]) gets before it is killed. */
#define SHELL_HANGUP_TIMEOUT_MSEC 2000

static const char shell_usage[] =
        "berth shell [OPTIONS...] [USER@]NAME [COMMAND [ARGS...]]\n\n"
        "Run a shell or a command inside the running machine NAME, as root or USER (from the\n"
        "machine's /etc/passwd), in the machine's namespaces, root, cgroup and confinement.\n"
        "Without COMMAND, the user's login shell. Nothing needs to run inside the machine.\n"
        "With a terminal on stdin the command gets a new pty of the machine's; otherwise it\n"
        "gets berth's stdin, stdout and stderr. berth exits with the command's status.\n\n"
        "  -h --help                 Show this help\n"
        "  -q --quiet                No messages from berth itself\n"
        "     --uid=USER             The user, as USER@NAME does (default root)\n"
        "  -E --setenv=NAME[=VALUE]  Set an environment variable for the command; without\n"
        "                            =VALUE, berth's own value is passed on\n\n"
        "Options end at NAME; '--' ends them too.\n";

typedef struct Shell {
        bool quiet;
        sd_event *event;
        EnterProcess process;
        PtyForward *forward;
        siginfo_t exit_info;
        bool exited;
} Shell;

static void shell_done(Shell *s) {
        s->forward = pty_forward_free(s->forward);
        s->process.pidfd = safe_close(s->process.pidfd);
        s->process.master = safe_close(s->process.master);
}

static int shell_signal(Shell *s, int sig) {
        if (s->exited)
                return 0;
        return RET_NERRNO((int) syscall(SYS_pidfd_send_signal, s->process.pidfd, sig, NULL, 0));
}

/* SIGTERM, SIGINT, SIGHUP and SIGQUIT to berth go on to the command. */
static int on_signal(sd_event_source *source, const struct signalfd_siginfo *si, void *userdata) {
        Shell *s = userdata;
        log_debug("Received signal %u, passing it on to the command.", si->ssi_signo);
        (void) shell_signal(s, (int) si->ssi_signo);
        return 0;
}

static int on_child(sd_event_source *source, const siginfo_t *si, void *userdata) {
        Shell *s = userdata;

        s->exit_info = *si;
        s->exited = true;
        /* What the command wrote last; not forever, should stdout be stuck. */
        if (s->forward)
                (void) pty_forward_drain(s->forward, 5 * 1000 * 1000);
        return sd_event_exit(sd_event_source_get_event(source), 0);
}

static int on_forward(PtyForward *f, int rcode, void *userdata) {
        Shell *s = userdata;

        /* 0: the command's side of the pty is closed and all of its output written; its exit
         * is what ends berth. Otherwise the user left (^]^]^]) or the terminal is gone: the
         * command is hung up once the loop is over. */
        if (rcode == 0)
                return 0;
        if (rcode != -ECANCELED)
                log_debug_errno(rcode, "Forwarding the terminal failed, hanging up the command: %m");
        return sd_event_exit(s->event, 0);
}

/* Like a terminal that goes away: the pty's hangup and SIGHUP, then SIGKILL if the command
 * is still there a moment later. Waits for it. */
static int shell_hang_up(Shell *s) {
        s->forward = pty_forward_free(s->forward);
        s->process.master = safe_close(s->process.master);
        (void) shell_signal(s, SIGHUP);

        struct pollfd p = { .fd = s->process.pidfd, .events = POLLIN };
        int n;
        do
                n = poll(&p, 1, SHELL_HANGUP_TIMEOUT_MSEC);
        while (n < 0 && errno == EINTR);
        if (n == 0) {
                log_debug("The command is still there after its hangup, killing it.");
                (void) shell_signal(s, SIGKILL);
        }
        while (waitid(P_PIDFD, (id_t) s->process.pidfd, &s->exit_info, WEXITED) < 0)
                if (errno != EINTR)
                        return -errno;
        s->exited = true;
        return 0;
}

static int shell_exit_status(const Shell *s) {
        const siginfo_t *si = &s->exit_info;

        if (si->si_code == CLD_EXITED)
                return si->si_status;
        return 128 + si->si_status;
}

/* The command's whole environment: what a login sets, from the user's passwd entry, then -E. */
static int shell_environment(const UserRecord *u, const char *term, char **extra, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        const struct {
                const char *name, *value;
        } base[] = {
                { "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
                { "HOME", u->home },
                { "USER", u->name },
                { "LOGNAME", u->name },
                { "SHELL", u->shell },
                { "TERM", term },
        };
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(base) && r >= 0; i++) {
                _cleanup_free_ char *a = NULL;
                if (!base[i].value)
                        continue;
                if (asprintf(&a, "%s=%s", base[i].name, base[i].value) < 0)
                        return -ENOMEM;
                r = strv_env_replace(&env, a);
        }
        for (char **e = extra; e && *e && r >= 0; e++)
                r = strv_env_replace(&env, *e);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(env);
        return 0;
}

/* -E NAME=VALUE, or -E NAME for berth's own value, as berth run takes it. */
static int setenv_add(char ***l, const char *arg) {
        _cleanup_free_ char *a = NULL;

        if (!strchr(arg, '=')) {
                const char *v = getenv(arg);
                if (!v)
                        return log_error_errno(EINVAL, "--setenv=%s: no such variable in the environment.", arg);
                if (asprintf(&a, "%s=%s", arg, v) < 0)
                        return log_oom();
        } else if (!(a = strdup(arg)))
                return log_oom();
        if (!env_assignment_is_valid(a))
                return log_error_errno(EINVAL, "Invalid environment assignment '%s': use NAME=VALUE.", arg);
        if (strv_env_replace(l, a) < 0)
                return log_oom();
        return 0;
}

/* How long berth waits for a machine of its own that is still being set up. */
#define SHELL_STARTING_TIMEOUT_MSEC 10000
#define SHELL_STARTING_POLL_MSEC 20

/* The leader of the machine from machined, checked to be in the machine's unit once it is
 * open: a PID that went to another process in between is not taken for the machine. A machine
 * that berth's launcher is still setting up is waited for. */
static int shell_open_machine(const char *name, MachineTarget *ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *unit = NULL, *service = NULL;
        const char *mnt;
        pid_t leader = 0;
        int r;

        r = open_system_bus(&bus);
        if (r < 0)
                return r;
        r = machine_get_leader(bus, name, &leader, &unit, &service, &error);
        if (r < 0)
                return log_error_errno(r, "Failed to ask systemd-machined about %s: %s", name, error.message ?: strerror(-r));
        if (r == 0)
                return log_error_errno(ESRCH, "Machine %s is not running.", name);

        for (unsigned waited = 0;; waited += SHELL_STARTING_POLL_MSEC) {
                r = machine_target_open(leader, ret);
                if (r == -ESRCH)
                        return log_error_errno(r, "Machine %s is not running.", name);
                if (r < 0)
                        return log_error_errno(r, "Failed to open the leader (PID %d) of machine %s: %m", (int) leader, name);
                if (!machine_target_is_starting(ret, service))
                        break;
                machine_target_done(ret);
                if (waited >= SHELL_STARTING_TIMEOUT_MSEC)
                        return log_error_errno(EBUSY, "Machine %s is still being set up; try again.", name);
                if (waited == 0)
                        log_debug("Machine %s is still being set up, waiting.", name);
                struct timespec ts = { .tv_nsec = SHELL_STARTING_POLL_MSEC * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }

        if (unit && ret->cgroup && cgroup_unified_mount(&mnt) >= 0 && !cgroup_path_in_unit(ret->cgroup, unit)) {
                log_debug("PID %d is in %s, not in %s.", (int) leader, ret->cgroup, unit);
                machine_target_done(ret);
                return log_error_errno(ESRCH, "Machine %s is not running.", name);
        }
        return 0;
}

int verb_shell(int argc, char **argv) {
        enum { ARG_UID = 0x100 };
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h'     },
                { "quiet",  no_argument,       NULL, 'q'     },
                { "setenv", required_argument, NULL, 'E'     },
                { "uid",    required_argument, NULL, ARG_UID },
                {}
        };
        _cleanup_(machine_target_done) MachineTarget target = MACHINE_TARGET_NULL;
        _cleanup_(user_record_done) UserRecord user = {};
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(shell_done) Shell s = { .process = { .pidfd = -EBADF, .master = -EBADF } };
        _cleanup_strv_free_ char **extra_env = NULL, **env = NULL;
        _cleanup_free_ char *user_name = NULL, *message = NULL;
        const char *uid = NULL;
        struct winsize window;
        bool have_window = false;
        int c, r;

        optind = 0;
        opterr = 0;
        char buf[3];
        while ((c = getopt_long(argc, argv, "+:hqE:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s", shell_usage);
                        return 0;
                case 'q':
                        s.quiet = true;
                        break;
                case 'E':
                        if (setenv_add(&extra_env, optarg) < 0)
                                return 1;
                        break;
                case ARG_UID:
                        uid = optarg;
                        break;
                case ':':
                        return log_error("Option '%s' needs a value; see 'berth shell --help'.",
                                         getopt_refused_option(argv, "+:hqE:", buf)), 1;
                default:
                        return log_error("Option '%s' is not known; see 'berth shell --help'.",
                                         getopt_refused_option(argv, "+:hqE:", buf)), 1;
                }

        if (optind >= argc)
                return log_error("berth shell needs a machine name; see 'berth shell --help'."), 1;

        /* [USER@]NAME: a machine name has no '@'. */
        const char *spec = argv[optind], *at = strrchr(spec, '@');
        const char *name = at ? at + 1 : spec;
        if (at && uid)
                return log_error("Give the user once: as USER@%s or with --uid=.", name), 1;
        if (at)
                user_name = strndup(spec, (size_t) (at - spec));
        else
                user_name = strdup(uid ?: "root");
        if (!user_name)
                return log_oom(), 1;
        if (isempty(user_name))
                return log_error("Empty user name in '%s'.", at ? spec : "--uid="), 1;
        if (!machine_name_is_valid(name))
                return log_error("Invalid machine name '%s'.", name), 1;

        if (geteuid() != 0)
                return log_error("berth shell needs to be run as root."), 1;
        if (s.quiet)
                log_set_max_level(LOG_WARNING);

        /* Before anything of the machine is touched: from here on berth runs from a sealed copy of
         * itself in memory, so that /proc/PID/exe of its processes, seen from the machine, and
         * /proc/self/exe named as the command lead to that copy, never to berth's file on the
         * host, which the machine's root could otherwise overwrite. */
        r = exe_run_sealed("berth", process_saved_argv());
        if (r < 0)
                return log_error_errno(r, "berth shell runs only from a sealed copy of itself in memory, and could not make one: %m"), 1;

        /* Nothing in the machine may read berth's memory or trace it before the command runs. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        if (shell_open_machine(name, &target) < 0)
                return 1;

        r = user_resolve_in_root(target.root_fd, user_name, &user);
        if (r == -ESRCH)
                return log_error("User '%s' does not exist in machine %s.", user_name, name), 1;
        if (r < 0)
                return log_error_errno(r, "Failed to look up user '%s' in machine %s: %m", user_name, name), 1;

        /* A terminal on stdin: a pty, as for a login. */
        bool pty = isatty(STDIN_FILENO);
        if (pty)
                have_window = ioctl(STDOUT_FILENO, TIOCGWINSZ, &window) >= 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &window) >= 0;
        r = shell_environment(&user, pty ? (getenv("TERM") ?: "vt220") : NULL, extra_env, &env);
        if (r < 0)
                return log_oom(), 1;

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGQUIT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m"), 1;

        EnterOptions o = {
                .machine = name,
                .user = &user,
                .argv = argv + optind + 1,
                .environment = env,
                .pty = pty,
                .window = have_window ? &window : NULL,
        };
        r = machine_enter_spawn(&target, &o, &s.process, &message);
        if (r == -ECHILD)
                return log_error("%s", message ?: "Failed to enter the machine."), 1;
        if (r < 0)
                return log_error_errno(r, "Failed to enter machine %s: %m", name), 1;
        /* The command could not be executed: its exit status says so too. */
        if (message)
                log_error("%s", message);
        machine_target_done(&target);

        r = sd_event_new(&event);
        s.event = event;
        if (r >= 0)
                r = sd_event_add_child_pidfd(event, NULL, s.process.pidfd, WEXITED, on_child, &s);
        for (size_t i = 0; r >= 0 && i < 4; i++)
                r = sd_event_add_signal(event, NULL, (int[]) { SIGTERM, SIGINT, SIGHUP, SIGQUIT }[i], on_signal, &s);
        if (r < 0) {
                (void) shell_signal(&s, SIGKILL);
                return log_error_errno(r, "Failed to watch the command: %m"), 1;
        }

        if (s.process.master >= 0) {
                (void) signal(SIGPIPE, SIG_IGN);
                if (!s.quiet)
                        log_info("Connected to machine %s. Press ^] three times within 1s to leave.", name);
                r = pty_forward_new(event, s.process.master, 0, &s.forward);
                if (r < 0) {
                        (void) shell_signal(&s, SIGKILL);
                        return log_error_errno(r, "Failed to forward the terminal: %m"), 1;
                }
                pty_forward_set_handler(s.forward, on_forward, &s);
        }

        r = sd_event_loop(event);
        if (r < 0) {
                (void) shell_signal(&s, SIGKILL);
                return log_error_errno(r, "Event loop failed: %m"), 1;
        }

        if (!s.exited) {
                r = shell_hang_up(&s);
                if (r < 0)
                        return log_error_errno(r, "Failed to wait for the command: %m"), 1;
                if (!s.quiet)
                        log_info("Left machine %s; the command was hung up.", name);
        }
        s.forward = pty_forward_free(s.forward);
        return shell_exit_status(&s);
}
