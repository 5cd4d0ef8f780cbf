/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <termios.h>
#include <time.h>

#include "caps.h"
#include "cgroup.h"
#include "fd-util.h"
#include "image.h"
#include "host-limits.h"
#include "journal-link.h"
#include "launcher.h"
#include "log.h"
#include "machined.h"
#include "mount-plan.h"
#include "process-util.h"
#include "pty-forward.h"
#include "runtime.h"
#include "settings-load.h"
#include "seccomp.h"
#include "strv.h"
#include "stub-init.h"
#include "user.h"
#include "userns.h"

typedef enum ChildMessageType {
        CHILD_MESSAGE_LOG,
        CHILD_MESSAGE_NOTIFY_FD,
        CHILD_MESSAGE_CONSOLE_FD,
        CHILD_MESSAGE_CONSOLE_SLAVE_FD,
        CHILD_MESSAGE_PIVOTED,          /* in the machine's root: it may be registered now */
} ChildMessageType;

typedef struct ChildMessage {
        int type;
        int level;
        char text[1024];
} ChildMessage;

typedef struct Launcher {
        Settings *settings;
        char *directory;
        char *machine;
        Id128 uuid;
        ConsoleMode console_mode;
        int kill_signal;

        Runtime *runtime;
        char *cgroup_path;      /* berth's own cgroup for the machine, when not in a machined scope */
        int cgroup_fd;          /* that cgroup, made before the child so that it is cloned into it */
        bool cgroup_ns;         /* the host has cgroup2: the machine gets a cgroup namespace */
        sd_bus *bus;
        char *systemd_name;     /* the unique bus name of systemd, the only one that may ask to stop the scope */
        const char *controller; /* berth's own unique name, when it is the scope's controller (owned by bus) */
        bool check_limits;      /* the inotify limits are still to be checked (a booted machine) */
        bool registered;
        bool register_cancelled; /* the machine was stopped while machined registered it */
        sd_bus_message *register_reply;
        char *staging;
        char *inaccessible;
        char *ephemeral;
        char **work_dirs;
        MountPlan plan;

        /* The user namespace: the machine's root is uid_shift on the host. */
        bool userns;
        uint32_t uid_shift;
        uint32_t uid_range;
        bool idmap;             /* the image is mounted through an idmapped mount */
        int userns_fd;          /* a namespace with the same mapping, for the idmapped mounts */
        int range_lock_fd;
        char *lower;            /* where an idmapped image waits below an overlay */
        bool host_mounts;       /* berth has a mount namespace of its own holding the machine's tree */

        pid_t pid;
        int pidfd;
        int sync_fd;            /* the parent's end; the child's end is child_fd */
        int child_fd;
        int notify_fd;
        int master_fd;
        int slave_fd;
        bool child_failed;
        bool pivoted;

        sd_event *event;
        PtyForward *forward;
        sd_event_source *console_source;
        unsigned n_terminate;
        bool ready;
        siginfo_t exit_info;
        bool exited;
} Launcher;

static int on_unregister_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        *(bool *) userdata = true;
        return 0;
}

static void launcher_done(Launcher *l) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *unregister = NULL;
        bool unregistered = false;

        /* machined is told first and answers while berth lets go of the machine: closing the
         * notify socket, bound in the machine's /run, frees that file system (a booted machine's
         * journal: milliseconds). berth is done once machined has answered, so that the name is
         * free when berth has exited. */
        if (l->registered && machine_unregister_async(l->bus, l->machine, &unregister, on_unregister_reply, &unregistered) < 0)
                unregister = sd_bus_slot_unref(unregister);

        l->forward = pty_forward_free(l->forward);
        l->console_source = sd_event_source_unref(l->console_source);
        l->event = sd_event_unref(l->event);
        l->pidfd = safe_close(l->pidfd);
        l->cgroup_fd = safe_close(l->cgroup_fd);
        l->sync_fd = safe_close(l->sync_fd);
        l->child_fd = safe_close(l->child_fd);
        l->notify_fd = safe_close(l->notify_fd);
        l->master_fd = safe_close(l->master_fd);
        l->slave_fd = safe_close(l->slave_fd);
        l->userns_fd = safe_close(l->userns_fd);
        l->range_lock_fd = uid_range_release(l->range_lock_fd);

        /* The call has its own timeout, after which the callback gets its error. */
        while (unregister && !unregistered) {
                int r = sd_bus_process(l->bus, NULL);
                if (r < 0)
                        break;
                if (r > 0)
                        continue;
                r = sd_bus_wait(l->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        break;
        }
        unregister = sd_bus_slot_unref(unregister);
        l->bus = sd_bus_flush_close_unref(l->bus);
        free(l->systemd_name);

        if (l->cgroup_path) {
                (void) cgroup_remove(l->cgroup_path);
                free(l->cgroup_path);
        }
        for (char **w = l->work_dirs; w && *w; w++)
                (void) rm_rf_at(AT_FDCWD, *w);
        /* The machine's tree in berth's own mount namespace: gone with it, but the runtime
         * directory can only be removed once nothing is mounted there. */
        if (l->host_mounts) {
                const char *mounted[] = { l->staging, l->lower, l->ephemeral };
                for (size_t i = 0; i < ELEMENTSOF(mounted); i++)
                        if (mounted[i])
                                while (umount2(mounted[i], MNT_DETACH) >= 0)
                                        ;
        }
        strv_free(l->work_dirs);
        l->runtime = runtime_release(l->runtime);

        mount_plan_done(&l->plan);
        free(l->directory);
        free(l->machine);
        free(l->staging);
        free(l->inaccessible);
        free(l->ephemeral);
        free(l->lower);
}

/* ---- the child ---------------------------------------------------------------------------- */

/* Signals ignored where berth was started (SIGINT and SIGQUIT for a job of a non-interactive
 * shell, berth's own SIGPIPE) would stay ignored across exec, and a shell as the payload could
 * not even trap them: the machine starts with every signal at its default and none blocked. */
static void child_reset_signals(void) {
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t none;

        for (int sig = 1; sig < _NSIG; sig++)
                if (!IN_SET(sig, SIGKILL, SIGSTOP))
                        (void) sigaction(sig, &sa, NULL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child_log_sink(int level, const char *message, void *userdata) {
        int fd = *(int *) userdata;
        ChildMessage m = { .type = CHILD_MESSAGE_LOG, .level = level };
        snprintf(m.text, sizeof(m.text), "%s", message);
        (void) send(fd, &m, sizeof(m), MSG_NOSIGNAL);
}

static int child_send_fd(int sock, ChildMessageType type, int fd) {
        ChildMessage m = { .type = type };
        return send_with_fd(sock, &m, sizeof(m), fd);
}

/* A copy of the image's mount tree, through an idmapped mount if the machine's range is mapped. */
static int image_tree(Launcher *l, const char *path) {
        int tree = (int) syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tree < 0)
                return log_error_errno(errno, "Failed to bind %s: %m", path);
        if (l->idmap) {
                struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) l->userns_fd };
                if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
                        int e = errno;
                        safe_close(tree);
                        return log_error_errno(e, "Cannot map the ownership of %s into the machine's UID range: %m "
                                               "(the file system has no idmapped mounts); use --private-users-ownership=chown.",
                                               path);
                }
        }
        return tree;
}

/* The machine's root at the staging directory: in the child's mount namespace, or with a user
 * namespace in berth's own, before the child is made. */
static int setup_root(Launcher *l) {
        const Settings *s = l->settings;
        const char *staging = l->staging;
        int r;

        switch (s->volatile_mode) {
        case VOLATILE_YES:
                if (mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=0755") < 0)
                        return log_error_errno(errno, "Failed to mount the volatile root on %s: %m", staging);
                return 0;

        case VOLATILE_OVERLAY:
        case VOLATILE_NO:
        case VOLATILE_STATE:
        default:
                break;
        }

        if (s->ephemeral || s->volatile_mode == VOLATILE_OVERLAY) {
                _cleanup_free_ char *upper = NULL, *work = NULL, *opts = NULL;
                char *lower[] = { l->directory, NULL };

                if (l->idmap) {
                        /* overlayfs cannot be idmapped itself, but takes an idmapped layer. */
                        _cleanup_close_ int tree = image_tree(l, l->directory);
                        if (tree < 0)
                                return tree;
                        if (syscall(SYS_move_mount, tree, "", AT_FDCWD, l->lower, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                                return log_error_errno(errno, "Failed to bind %s on %s: %m", l->directory, l->lower);
                        lower[0] = l->lower;
                }

                if (asprintf(&upper, "%s/upper", l->ephemeral) < 0 || asprintf(&work, "%s/work", l->ephemeral) < 0)
                        return log_oom();
                r = overlay_options(lower, upper, work, &opts);
                if (r < 0)
                        return log_oom();
                /* The layer is thrown away with the machine: overlayfs need not sync it to its
                 * file system, at every sync in the machine nor when it is unmounted. */
                _cleanup_free_ char *volatile_opts = NULL;
                if (asprintf(&volatile_opts, "%s,volatile", opts) < 0)
                        return log_oom();

                /* --volatile=overlay keeps its layer in memory. -x keeps it in the runtime directory,
                 * unless that lies inside the image itself (overlayfs refuses overlapping layers):
                 * then in memory too. */
                for (unsigned attempt = 0; attempt < 2; attempt++) {
                        bool tmpfs = s->volatile_mode == VOLATILE_OVERLAY || attempt > 0;
                        if (tmpfs && mount("tmpfs", l->ephemeral, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
                                return log_error_errno(errno, "Failed to mount a tmpfs on %s: %m", l->ephemeral);
                        if ((mkdir(upper, 0755) < 0 && errno != EEXIST) || (mkdir(work, 0700) < 0 && errno != EEXIST))
                                return log_error_errno(errno, "Failed to create the overlay layer in %s: %m", l->ephemeral);
                        if (mount("overlay", staging, "overlay", 0, volatile_opts) >= 0)
                                return 0;
                        if (tmpfs || (errno != ELOOP && errno != EINVAL))
                                return log_error_errno(errno, "Failed to mount an overlay over %s: %m", l->directory);
                }
                return -ELOOP;
        }

        _cleanup_close_ int tree = image_tree(l, l->directory);
        if (tree < 0)
                return tree;
        if (syscall(SYS_move_mount, tree, "", AT_FDCWD, staging, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return log_error_errno(errno, "Failed to bind %s on %s: %m", l->directory, staging);
        return 0;
}

/* Binds one path of the machine onto another, both resolved inside its root. */
static int bind_in_root(int root_fd, const char *source, const char *target, MountOpFlags flags) {
        MountPlan p = {};
        int r = mount_plan_add(&p, MOUNT_OP_BIND, MOUNT_OP_SOURCE_IN_ROOT | flags, source, target, NULL, NULL, 0, 0);
        if (r >= 0)
                r = mount_plan_apply(&p, root_fd, MOUNT_PLAN_ALL, NULL);
        mount_plan_done(&p);
        return r;
}

static int log_mount_failure(int r, const MountOp *failed) {
        if (r == -ENOENT && failed->type == MOUNT_OP_BIND)
                return log_error_errno(r, "Bind source %s does not exist.", failed->source);
        if (r == -ENOENT && failed->type == MOUNT_OP_INACCESSIBLE)
                return log_error_errno(r, "Cannot make %s inaccessible: it does not exist in the machine.", failed->target);
        if (r == -ELOOP || r == -EXDEV)
                return log_error_errno(r, "Refusing to mount on %s: its path leaves the machine's root.", failed->target);
        if ((failed->flags & MOUNT_OP_IDMAP) && IN_SET(r, -EINVAL, -EOPNOTSUPP, -EPERM))
                return log_error_errno(r, "Cannot bind %s on %s through an idmapped mount: %m.", failed->source, failed->target);
        return log_error_errno(r, "Failed to mount %s%s%s: %m", failed->target, failed->source ? " from " : "",
                               failed->source ?: "");
}

static int child_setup_machine_id(Launcher *l, int root_fd) {
        _cleanup_close_ int fd = openat_in_root(root_fd, "/etc/machine-id", O_RDONLY | O_NOCTTY);
        char buf[64] = {}, id[34];

        if (fd < 0)
                return 0; /* none: systemd inside makes one from $container_uuid */
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return 0;
        buf[strcspn(buf, "\n")] = 0;
        if (!isempty(buf) && !streq(buf, "uninitialized"))
                return 0;

        /* Empty: fill it from the uuid, as a read-only file in the machine's /run. */
        _cleanup_close_ int run = openat_in_root(root_fd, "/run", O_PATH | O_DIRECTORY);
        if (run < 0)
                return log_error_errno(run, "Failed to open /run in the machine: %m");
        id128_to_string(&l->uuid, id);
        strcat(id, "\n");
        int r = write_string_file_at(run, "machine-id", id, 0444);
        if (r < 0)
                return log_error_errno(r, "Failed to write the machine ID: %m");

        r = bind_in_root(root_fd, "/run/machine-id", "/etc/machine-id", MOUNT_OP_READ_ONLY);
        if (r < 0)
                return log_error_errno(r, "Failed to mount the machine ID on /etc/machine-id: %m");
        return 0;
}

/* Writes the credentials into the file system the plan mounted for them, then makes it read-only
 * for good (the superblock too). The child's copies of the values are erased once written. They
 * belong to the payload's user, as systemd gives a unit's credentials to its User=: with --user,
 * that user's and no one else's. Returns the directory's fd, or -EBADF when there are no
 * credentials. */
static int child_setup_credentials(Launcher *l, int root_fd) {
        _cleanup_(user_record_done) UserRecord owner = {};
        Settings *s = l->settings;
        char path[64];
        int r;

        if (s->n_credentials == 0)
                return -EBADF;
        _cleanup_close_ int dir = openat_in_root(root_fd, CREDENTIALS_MACHINE_DIR, O_RDONLY | O_DIRECTORY);
        if (dir < 0)
                return log_error_errno(dir, "Failed to open %s in the machine: %m", CREDENTIALS_MACHINE_DIR);
        if (s->user) {
                r = user_resolve_in_root(root_fd, s->user, &owner);
                if (r == -ESRCH)
                        return log_error("User '%s' does not exist in the machine's /etc/passwd.", s->user), r;
                if (r < 0)
                        return log_error_errno(r, "Failed to look up user '%s': %m", s->user);
                if (fchown(dir, owner.uid, owner.gid) < 0)
                        return log_error_errno(errno, "Failed to give %s to user '%s': %m", CREDENTIALS_MACHINE_DIR, s->user);
        }
        for (size_t i = 0; i < s->n_credentials; i++) {
                Credential *c = &s->credentials[i];
                _cleanup_close_ int fd = openat(dir, c->id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0400);
                if (fd < 0)
                        return log_error_errno(errno, "Failed to create credential '%s' in the machine: %m", c->id);
                if (s->user && fchown(fd, owner.uid, owner.gid) < 0)
                        return log_error_errno(errno, "Failed to give credential '%s' to user '%s': %m", c->id, s->user);
                r = loop_write(fd, c->data, c->size);
                if (r < 0)
                        return log_error_errno(r, "Failed to write credential '%s' in the machine: %m", c->id);
                credential_erase(c);
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", dir);
        if (mount(NULL, path, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return log_error_errno(errno, "Failed to make %s read-only: %m", CREDENTIALS_MACHINE_DIR);
        return TAKE_FD(dir);
}

static int child_setup_run_host(Launcher *l, int root_fd) {
        _cleanup_close_ int host = openat_in_root(root_fd, "/run/host", O_RDONLY | O_DIRECTORY);
        _cleanup_free_ char *os_release = NULL;
        char uuid[37 + 1]; /* and a newline */
        int r;

        if (host < 0)
                return log_error_errno(host, "Failed to open /run/host in the machine: %m");

        r = read_full_file_at(AT_FDCWD, "/etc/os-release", &os_release, NULL);
        if (r < 0)
                r = read_full_file_at(AT_FDCWD, "/usr/lib/os-release", &os_release, NULL);
        if (r >= 0)
                r = write_string_file_at(host, "os-release", os_release, 0444);
        if (r < 0)
                log_debug_errno(r, "Failed to provide /run/host/os-release: %m");

        id128_to_uuid_string(&l->uuid, uuid);
        strcat(uuid, "\n");
        if ((r = write_string_file_at(host, "container-manager", "berth\n", 0444)) < 0 ||
            (r = write_string_file_at(host, "container-uuid", uuid, 0444)) < 0)
                return log_error_errno(r, "Failed to write /run/host: %m");

        /* The notify socket: the machine's init reports READY=1 here. Bound relative to
         * /run/host so that no path length limit applies. */
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create the notify socket: %m");
        _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "notify" };
        if (fchdir(host) < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return log_error_errno(errno, "Failed to bind the notify socket /run/host/notify: %m");
        if (cwd >= 0)
                (void) fchdir(cwd);
        int one = 1;
        (void) setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
        r = child_send_fd(l->child_fd, CHILD_MESSAGE_NOTIFY_FD, fd);
        if (r < 0)
                return log_error_errno(r, "Failed to pass the notify socket: %m");

        _cleanup_close_ int credentials = child_setup_credentials(l, root_fd);
        if (credentials < 0 && credentials != -EBADF)
                return credentials;

        /* Nothing in the machine may change what the host told it, its credentials included. */
        r = bind_in_root(root_fd, "/run/host", "/run/host", MOUNT_OP_READ_ONLY | MOUNT_OP_RECURSIVE);
        if (r < 0)
                return log_error_errno(r, "Failed to make /run/host read-only: %m");
        if (credentials >= 0) {
                /* The bind took a copy of the credentials' mount: the one below it goes. */
                char path[64];
                snprintf(path, sizeof(path), "/proc/self/fd/%d", credentials);
                if (umount2(path, MNT_DETACH) < 0)
                        log_debug_errno(errno, "Failed to detach the covered mount of %s: %m", CREDENTIALS_MACHINE_DIR);
        }
        return 0;
}

static int child_setup_console(Launcher *l, int root_fd) {
        _cleanup_close_ int master = openat_in_root(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
        int unlock = 0;
        unsigned n;
        char slave[64];

        if (master < 0)
                return log_error_errno(master, "Failed to allocate the console pty: %m");
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
                return log_error_errno(errno, "Failed to unlock the console pty: %m");
        snprintf(slave, sizeof(slave), "/dev/pts/%u", n);

        int r = bind_in_root(root_fd, slave, "/dev/console", 0);
        if (r < 0)
                return log_error_errno(r, "Failed to bind the console pty to /dev/console: %m");

        /* The supervisor holds a slave open too, so that the console does not hang up while
         * nothing in the machine has it open. */
        _cleanup_close_ int s = openat_in_root(root_fd, slave, O_RDWR | O_NOCTTY);
        if (s < 0)
                return log_error_errno(s, "Failed to open the console pty: %m");
        r = child_send_fd(l->child_fd, CHILD_MESSAGE_CONSOLE_FD, master);
        if (r >= 0)
                r = child_send_fd(l->child_fd, CHILD_MESSAGE_CONSOLE_SLAVE_FD, s);
        if (r < 0)
                return log_error_errno(r, "Failed to pass the console pty: %m");
        return 0;
}

static int child_loopback_up(void) {
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { .ifr_name = "lo" };

        if (fd < 0)
                return -errno;
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return -errno;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return -errno;
        return 0;
}

static int child_build_environment(Launcher *l, const UserRecord *u, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        char uuid[37];
        int r = 0;

        id128_to_uuid_string(&l->uuid, uuid);

        struct {
                const char *name, *value;
        } base[] = {
                { "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
                { "container", "berth" },
                { "container_uuid", uuid },
                { "HOME", u->home },
                { "USER", u->name },
                { "LOGNAME", u->name },
                { "SHELL", u->shell },
                { "NOTIFY_SOCKET", "/run/host/notify" },
                { "CREDENTIALS_DIRECTORY", l->settings->n_credentials > 0 ? CREDENTIALS_MACHINE_DIR : NULL },
                { "TERM", l->console_mode == CONSOLE_PIPE ? getenv("TERM") : (getenv("TERM") ?: "vt220") },
        };
        for (size_t i = 0; i < ELEMENTSOF(base) && r >= 0; i++) {
                _cleanup_free_ char *a = NULL;
                if (!base[i].value)
                        continue;
                if (asprintf(&a, "%s=%s", base[i].name, base[i].value) < 0)
                        return -ENOMEM;
                r = strv_env_replace(&env, a);
        }
        for (char **e = l->settings->environment; e && *e && r >= 0; e++)
                r = strv_env_replace(&env, *e);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(env);
        return 0;
}

static _noreturn_ void child_exec(Launcher *l, char **env) {
        const Settings *s = l->settings;
        static const char *const inits[] = { "/usr/lib/systemd/systemd", "/lib/systemd/systemd", "/sbin/init" };

        environ = env;
        if (s->start_mode == START_BOOT) {
                _cleanup_strv_free_ char **argv = NULL;
                bool firstboot_given = false;

                if (strv_extend(&argv, "") < 0)
                        _exit(EXIT_FAILURE);
                for (char **p = s->parameters; p && *p; p++) {
                        if (startswith(*p, "systemd.firstboot="))
                                firstboot_given = true;
                        if (strv_extend(&argv, *p) < 0)
                                _exit(EXIT_FAILURE);
                }
                /* Nobody can answer the first-boot questions on a console that is not interactive. */
                if (!firstboot_given && l->console_mode != CONSOLE_INTERACTIVE && strv_extend(&argv, "systemd.firstboot=off") < 0)
                        _exit(EXIT_FAILURE);

                for (size_t i = 0; i < ELEMENTSOF(inits); i++) {
                        free(argv[0]);
                        argv[0] = strdup(inits[i]);
                        if (!argv[0])
                                _exit(EXIT_FAILURE);
                        execve(inits[i], argv, env);
                }
                log_error("Failed to find an init in the image (tried /usr/lib/systemd/systemd, /lib/systemd/systemd, /sbin/init).");
                _exit(127);
        }

        char *default_argv[] = { (char *) "/bin/sh", NULL };
        char **argv = strv_length(s->parameters) > 0 ? s->parameters : default_argv;
        execvp(argv[0], argv);
        int e = errno;
        log_error_errno(e, "Failed to execute %s: %m", argv[0]);
        _exit(e == ENOENT ? 127 : 126);
}

static int child_switch_user(const UserRecord *u) {
        if (u->uid == 0 && u->gid == 0 && u->n_supplementary == 0)
                return 0;
        /* The primary group belongs to the list too, as initgroups() has it. */
        _cleanup_free_ gid_t *groups = calloc(u->n_supplementary + 1, sizeof(gid_t));
        if (!groups)
                return -ENOMEM;
        groups[0] = u->gid;
        if (u->n_supplementary > 0)
                memcpy(groups + 1, u->supplementary, u->n_supplementary * sizeof(gid_t));
        if (setgroups(u->n_supplementary + 1, groups) < 0)
                return -errno;
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return -errno;
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return -errno;
        return 0;
}

/* A change of credentials clears the parent-death signal: armed again, and if the supervisor
 * died in between (its end of the setup socket hung up), the machine goes now. */
static void child_rearm_death_signal(Launcher *l) {
        struct pollfd p = { .fd = l->child_fd, .events = POLLIN };

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
                _exit(EXIT_FAILURE);
}

static int child_run(Launcher *l) {
        const Settings *s = l->settings;
        _cleanup_(user_record_done) UserRecord user = {};
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        const MountOp *failed = NULL;
        char go;
        int r;

        /* Wait until the parent has put us into our cgroup (and written our user namespace's
         * maps). EOF: the parent died. */
        if (read(l->child_fd, &go, 1) != 1)
                return EXIT_FAILURE;

        /* From here on root of the machine's user namespace: what the setup makes belongs to
         * the machine's root, and nothing of the host's is its to change. */
        if (l->userns) {
                if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
                        return log_error_errno(errno, "Failed to become root of the machine's user namespace: %m"), EXIT_FAILURE;
                child_rearm_death_signal(l);
        }

        umask(0);
        if (!l->userns) {
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        return log_error_errno(errno, "Failed to make the mount tree private: %m"), EXIT_FAILURE;
                if (setup_root(l) < 0)
                        return EXIT_FAILURE;
        } else {
                /* The tree came locked from berth's namespace, and a locked mount cannot become
                 * the root: a copy of it can (its mounts below stay locked). */
                _cleanup_close_ int tree = (int) syscall(SYS_open_tree, AT_FDCWD, l->staging,
                                                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (tree < 0 || syscall(SYS_move_mount, tree, "", AT_FDCWD, l->staging, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return log_error_errno(errno, "Failed to bind the machine's root: %m"), EXIT_FAILURE;
        }
        root_fd = open(l->staging, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", l->staging), EXIT_FAILURE;

        r = mount_plan_apply(&l->plan, root_fd, l->userns ? MOUNT_PLAN_USERNS : MOUNT_PLAN_ALL, &failed);
        if (r < 0)
                return log_mount_failure(r, failed), EXIT_FAILURE;

        if (child_setup_machine_id(l, root_fd) < 0 || child_setup_run_host(l, root_fd) < 0)
                return EXIT_FAILURE;
        /* Even in pipe mode the machine has a console: a booted init and its services expect one. */
        if (child_setup_console(l, root_fd) < 0)
                return EXIT_FAILURE;

        if ((s->read_only || s->volatile_mode == VOLATILE_STATE)) {
                struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
                if (syscall(SYS_mount_setattr, root_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                        return log_error_errno(errno, "Failed to make the root read-only: %m"), EXIT_FAILURE;
        }

        if (sethostname(s->hostname ?: l->machine, strlen(s->hostname ?: l->machine)) < 0)
                return log_error_errno(errno, "Failed to set the hostname: %m"), EXIT_FAILURE;

        if (fchdir(root_fd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                return log_error_errno(errno, "Failed to switch to the machine's root: %m"), EXIT_FAILURE;
        root_fd = safe_close(root_fd);

        /* Shared propagation inside the machine, as nspawn gives it (systemd in a container leaves
         * it to the manager): a service's mount namespace then sees mounts made after it was made,
         * such as the credentials directory systemd sets up for LoadCredential=. Everything was made
         * private from the host above, so nothing propagates out of the machine. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
                return log_error_errno(errno, "Failed to make the machine's mounts shared: %m"), EXIT_FAILURE;

        /* Only now is the machine registered: machined (machinectl login, shell) enters the leader's
         * root, which until the pivot was the host's. The registration moves it into its scope, and
         * then it gets a cgroup namespace rooted there. */
        ChildMessage pivoted = { .type = CHILD_MESSAGE_PIVOTED };
        if (send(l->child_fd, &pivoted, sizeof(pivoted), MSG_NOSIGNAL) < 0 || read(l->child_fd, &go, 1) != 1)
                return EXIT_FAILURE;
        if (l->cgroup_ns) {
                if (unshare(CLONE_NEWCGROUP) < 0)
                        return log_error_errno(errno, "Failed to create a cgroup namespace: %m"), EXIT_FAILURE;
                _cleanup_close_ int new_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                r = new_root < 0 ? -errno : mount_plan_apply(&l->plan, new_root, MOUNT_PLAN_AFTER_PIVOT, &failed);
                if (r < 0)
                        return log_mount_failure(r, failed), EXIT_FAILURE;
        }

        if (s->private_network && (r = child_loopback_up()) < 0)
                return log_error_errno(r, "Failed to bring up the loopback device: %m"), EXIT_FAILURE;

        r = user_resolve(s->user ?: "root", &user);
        if (r == -ESRCH)
                return log_error("User '%s' does not exist in the machine's /etc/passwd.", s->user), EXIT_FAILURE;
        if (r < 0)
                return log_error_errno(r, "Failed to look up user '%s': %m", s->user ?: "root"), EXIT_FAILURE;

        r = child_build_environment(l, &user, &env);
        if (r < 0)
                return log_oom(), EXIT_FAILURE;

        const char *wd = s->working_directory ?: (s->user ? user.home : "/");
        if (chdir(wd) < 0) {
                if (s->working_directory)
                        return log_error_errno(errno, "Failed to change to directory %s in the machine: %m", wd), EXIT_FAILURE;
                (void) chdir("/");
        }

        /* The payload never holds the host's terminal: its own session, and the console pty
         * (not the host's tty) as its controlling terminal. */
        if (setsid() < 0)
                return log_error_errno(errno, "Failed to start a new session: %m"), EXIT_FAILURE;
        if (l->console_mode != CONSOLE_PIPE) {
                int c = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (c < 0)
                        return log_error_errno(errno, "Failed to open /dev/console: %m"), EXIT_FAILURE;
                if (s->start_mode != START_PID2)
                        (void) ioctl(c, TIOCSCTTY, 0);
                if (dup2(c, 0) < 0 || dup2(c, 1) < 0 || dup2(c, 2) < 0)
                        return log_error_errno(errno, "Failed to connect to the console: %m"), EXIT_FAILURE;
                safe_close(c);
        }

        uint64_t keep = settings_effective_capabilities(s);
        if (s->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to set no_new_privs: %m"), EXIT_FAILURE;
        r = seccomp_install_filters(keep);
        if (r < 0)
                return log_error_errno(r, "Failed to install the seccomp filter: %m"), EXIT_FAILURE;
        /* In pipe mode the payload has berth's own standard input, output and error: when one is
         * the host's terminal, it may neither take it over nor hang it up. */
        if (l->console_mode == CONSOLE_PIPE && stdio_is_terminal() && (r = seccomp_install_host_terminal_filter()) < 0)
                return log_error_errno(r, "Failed to install the seccomp filter for the terminal: %m"), EXIT_FAILURE;
        r = capability_bounding_set_limit(keep);
        if (r < 0)
                return log_error_errno(r, "Failed to drop capabilities: %m"), EXIT_FAILURE;
        r = child_switch_user(&user);
        if (r < 0)
                return log_error_errno(r, "Failed to change to user '%s': %m", user.name), EXIT_FAILURE;
        child_rearm_death_signal(l);
        r = capability_sets_limit(user.uid == 0 ? keep : 0);
        if (r < 0)
                return log_error_errno(r, "Failed to drop capabilities: %m"), EXIT_FAILURE;

        umask(0022);
        (void) fd_cloexec_all_above_stdio();

        if (s->start_mode == START_PID2) {
                /* The payload waits on this pipe until the stub has closed the launcher's descriptors,
                 * so that it never sees them in /proc/1/fd. */
                int gate[2];
                /* What the stub's /proc/1/environ shows: the machine's environment, $container
                 * and $container_uuid first (what clients look for there, as in nspawn's stub). */
                size_t env_size = 0;
                for (char **e = env; *e; e++)
                        env_size += strlen(*e) + 1;
                char *env_block = malloc(env_size + 1), *o = env_block;
                if (!env_block)
                        return log_oom(), EXIT_FAILURE;
                for (int pass = 0; pass < 2; pass++)
                        for (char **e = env; *e; e++) {
                                bool first = startswith(*e, "container=") || startswith(*e, "container_uuid=");
                                if (first == (pass == 0))
                                        o = stpcpy(o, *e) + 1;
                        }
                if (pipe2(gate, O_CLOEXEC) < 0)
                        return log_error_errno(errno, "Failed to create a pipe: %m"), EXIT_FAILURE;
                pid_t p = fork();
                if (p < 0)
                        return log_error_errno(errno, "Failed to fork the payload: %m"), EXIT_FAILURE;
                if (p > 0) {
                        /* The stub stays in the machine: it keeps nothing of the launcher's, and
                         * shows nothing of berth's command line, which may hold credentials. */
                        process_rewrite_identity("berth-init", env_block, env_size);
                        int w = gate[1];
                        if (w != 3)
                                (void) dup3(w, 3, O_CLOEXEC);
                        if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
                                for (int fd = 4; fd < 1024; fd++)
                                        (void) close(fd);
                        (void) write(3, "x", 1);
                        (void) close(3);
                        stub_init_run(p);
                }
                char c;
                safe_close(gate[1]);
                (void) read(gate[0], &c, 1); /* EOF or a byte: either way the stub is done */
                safe_close(gate[0]);
                sigset_t none;
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                if (l->console_mode != CONSOLE_PIPE) {
                        (void) setsid();
                        (void) ioctl(0, TIOCSCTTY, 0);
                }
        }

        child_exec(l, env);
}

/* ---- the parent --------------------------------------------------------------------------- */

/* Until the payload's exec closes the child's end, the child only talks; with until_pivot, until
 * it says it is in the machine's root. */
static int launcher_receive(Launcher *l, bool until_pivot) {
        for (;;) {
                ChildMessage m;
                int fd;
                ssize_t n = recv_with_fd(l->sync_fd, &m, sizeof(m), &fd);
                if (n < 0)
                        return log_error_errno((int) n, "Failed to talk to the machine's setup: %m");
                if (n == 0)
                        return 0;
                if ((size_t) n != sizeof(m)) {
                        safe_close(fd);
                        continue;
                }

                switch (m.type) {
                case CHILD_MESSAGE_LOG:
                        m.text[sizeof(m.text) - 1] = 0;
                        if (m.level <= LOG_ERR)
                                l->child_failed = true;
                        log_full_errno(m.level, 0, "%s", m.text);
                        break;
                case CHILD_MESSAGE_NOTIFY_FD:
                        safe_close(l->notify_fd);
                        l->notify_fd = fd;
                        break;
                case CHILD_MESSAGE_CONSOLE_FD:
                        safe_close(l->master_fd);
                        l->master_fd = fd;
                        break;
                case CHILD_MESSAGE_CONSOLE_SLAVE_FD:
                        safe_close(l->slave_fd);
                        l->slave_fd = fd;
                        break;
                case CHILD_MESSAGE_PIVOTED:
                        l->pivoted = true;
                        if (until_pivot)
                                return 0;
                        break;
                default:
                        safe_close(fd);
                }
        }
}

static void launcher_terminate(Launcher *l, bool force) {
        if (l->exited)
                return;
        int sig = force ? SIGKILL : l->kill_signal;
        (void) syscall(SYS_pidfd_send_signal, l->pidfd, sig, NULL, 0);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Launcher *l = userdata;
        l->n_terminate++;
        log_debug("Received signal %u, %s the machine.", si->ssi_signo, l->n_terminate > 1 ? "killing" : "stopping");
        launcher_terminate(l, l->n_terminate > 1);
        return 0;
}

/* systemd stops the machine's scope: power the machine off as on the first SIGTERM. */
static int on_request_stop(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Launcher *l = userdata;
        const char *sender = sd_bus_message_get_sender(m);

        /* Anyone on the system bus may send a signal to us; only systemd's counts. */
        if (!l->systemd_name || !streq_ptr(sender, l->systemd_name)) {
                log_debug("Ignoring RequestStop from %s.", sender ?: "?");
                return 0;
        }
        log_debug("systemd stops the scope of machine %s, stopping the machine.", l->machine);
        if (l->n_terminate == 0)
                l->n_terminate = 1;
        launcher_terminate(l, false);
        return 0;
}

static int notify_process(Launcher *l);

/* The machine's PID 1 has exited: what it said last is taken in. */
static void launcher_child_exited(Launcher *l, const siginfo_t *si) {
        l->exit_info = *si;
        l->exited = true;
        /* What the machine said just before it exited is not lost to the order of events. */
        if (l->notify_fd >= 0)
                for (unsigned i = 0; i < 64 && notify_process(l) >= 0; i++)
                        ;
}

/* What the machine wrote last on a console nobody interacts with (passive: dropped; pipe: to
 * stdout); the master is non-blocking. */
static void console_drain(Launcher *l) {
        for (unsigned i = 0; i < 1024; i++) {
                char buf[4096];
                ssize_t n = read(l->master_fd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                if (l->console_mode == CONSOLE_PIPE)
                        (void) loop_write(STDOUT_FILENO, buf, (size_t) n);
        }
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Launcher *l = userdata;
        launcher_child_exited(l, si);
        if (l->forward)
                (void) pty_forward_drain(l->forward, 5 * 1000 * 1000);
        else if (l->console_source)
                console_drain(l);
        /* Attached, the bus would be closed as the loop exits, before the machine is unregistered. */
        if (l->bus)
                (void) sd_bus_detach_event(l->bus);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_forward(PtyForward *f, int rcode, void *userdata) {
        Launcher *l = userdata;
        if (rcode == -ECANCELED) {
                if (!l->settings->quiet)
                        log_info("\r\nKilling machine %s.\r", l->machine);
                launcher_terminate(l, true);
        }
        return 0;
}

/* A console nobody interacts with: in passive mode its output is dropped, in pipe mode it is
 * copied to stdout, which the payload shares and so must stay blocking. Either way it never
 * fills up and stalls the machine. */
static void console_output(Launcher *l, int fd) {
        char buf[4096];

        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EIO) {
                /* No slave open right now (a booted init re-opens its console); poll again later. */
                struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
                nanosleep(&ts, NULL);
                return;
        }
        if (n > 0 && l->console_mode == CONSOLE_PIPE)
                (void) loop_write(STDOUT_FILENO, buf, (size_t) n);
}

static int on_console_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        console_output(userdata, fd);
        return 0;
}

/* A machine that needs nothing of libsystemd's while it runs: not registered (no bus), and no
 * terminal to forward (a passive or pipe console, or a read-only one onto a stdout that is no
 * terminal). Its berth waits with poll() instead of sd-event, and so loads libsystemd only to
 * pass a notification on to a $NOTIFY_SOCKET of its own (see libsystemd-lazy.c): a millisecond
 * less for every such berth run. */
static bool launcher_plain(const Launcher *l) {
        if (l->bus)
                return false;
        if (l->master_fd < 0 || IN_SET(l->console_mode, CONSOLE_PASSIVE, CONSOLE_PIPE))
                return true;
        return l->console_mode == CONSOLE_READ_ONLY && !isatty(STDOUT_FILENO);
}

/* The console's output on its way to a stdout that is no terminal (read-only mode), in the
 * plain loop: as the pty forwarder does it, through a buffer, stdout non-blocking, so that a
 * slow reader stalls the machine's console but not berth. */
typedef struct PlainOutput {
        char data[16384];
        size_t start, end;
        bool done;             /* stdout failed, or the machine's side hung up */
        int saved_flags;       /* stdout's flags to put back, or -1 */
} PlainOutput;

static void plain_output_flush(PlainOutput *o) {
        while (o->start < o->end) {
                ssize_t k = write(STDOUT_FILENO, o->data + o->start, o->end - o->start);
                if (k < 0) {
                        if (errno != EAGAIN && errno != EINTR) {
                                /* stdout is gone: what the machine writes is dropped from now on */
                                o->done = true;
                                o->start = o->end;
                        }
                        break;
                }
                o->start += (size_t) k;
        }
        if (o->start == o->end)
                o->start = o->end = 0;
}

static void plain_output_read(PlainOutput *o, int master, bool ignore_hangup) {
        ssize_t k = read(master, o->data + o->end, sizeof(o->data) - o->end);
        if (k > 0)
                o->end += (size_t) k;
        else if (k < 0 && errno == EIO && ignore_hangup) {
                /* No slave open right now: a booted init and its gettys re-open their console. */
                struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        } else if (k == 0 || (errno != EAGAIN && errno != EINTR))
                o->done = true; /* EIO: no slave open any more */
}

static int launcher_wait_plain(Launcher *l) {
        bool read_only = l->master_fd >= 0 && l->console_mode == CONSOLE_READ_ONLY;
        PlainOutput out = { .saved_flags = -1 };
        int r = 0;

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return log_error_errno(errno, "Failed to watch signals: %m");
        if (l->master_fd >= 0)
                (void) fcntl(l->master_fd, F_SETFL, O_NONBLOCK);
        if (read_only) {
                out.saved_flags = fcntl(STDOUT_FILENO, F_GETFL);
                if (out.saved_flags >= 0 && !(out.saved_flags & O_NONBLOCK))
                        (void) fcntl(STDOUT_FILENO, F_SETFL, out.saved_flags | O_NONBLOCK);
                else
                        out.saved_flags = -1;
        }

        /* A descriptor that is not there (-1) is skipped by poll(). */
        struct pollfd p[] = {
                { .fd = l->pidfd, .events = POLLIN },
                { .fd = sfd, .events = POLLIN },
                { .fd = l->notify_fd >= 0 ? l->notify_fd : -1, .events = POLLIN },
                { .fd = l->master_fd >= 0 ? l->master_fd : -1, .events = POLLIN },
                { .fd = -1, .events = POLLOUT },
        };
        for (;;) {
                if (read_only) {
                        /* Read the console while there is room; write stdout while there is output. */
                        p[3].fd = !out.done && out.end < sizeof(out.data) ? l->master_fd : -1;
                        p[4].fd = out.start < out.end ? STDOUT_FILENO : -1;
                }
                if (poll(p, ELEMENTSOF(p), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = log_error_errno(errno, "Failed to wait for the machine: %m");
                        break;
                }
                struct signalfd_siginfo ssi;
                while (p[1].revents && read(sfd, &ssi, sizeof(ssi)) == sizeof(ssi))
                        (void) on_signal(NULL, &ssi, l);
                if (p[2].revents)
                        (void) notify_process(l);
                if (p[3].revents) {
                        if (read_only)
                                plain_output_read(&out, l->master_fd, l->settings->start_mode == START_BOOT);
                        else
                                console_output(l, l->master_fd);
                }
                if (p[4].revents)
                        plain_output_flush(&out);
                if (p[0].revents) {
                        siginfo_t si = {};
                        if (waitid(P_PIDFD, (id_t) l->pidfd, &si, WEXITED | WNOHANG) < 0) {
                                r = log_error_errno(errno, "Failed to wait for the machine: %m");
                                break;
                        }
                        if (si.si_pid != 0) {
                                launcher_child_exited(l, &si);
                                break;
                        }
                }
        }

        /* What the machine wrote last. In read-only mode for at most 5 s, as the pty forwarder
         * does, so that a stdout nobody reads cannot keep berth. */
        if (!read_only && l->exited && l->master_fd >= 0)
                console_drain(l);
        if (read_only && l->exited) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                int64_t deadline = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 5000;
                for (;;) {
                        plain_output_flush(&out);
                        if (out.done)
                                break;
                        if (out.start < out.end) {
                                clock_gettime(CLOCK_MONOTONIC, &ts);
                                int64_t left = deadline - ((int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
                                struct pollfd w = { .fd = STDOUT_FILENO, .events = POLLOUT };
                                if (left <= 0 || poll(&w, 1, (int) left) <= 0)
                                        break;
                                continue;
                        }
                        ssize_t k = read(l->master_fd, out.data, sizeof(out.data));
                        if (k <= 0)
                                break;
                        out.start = 0;
                        out.end = (size_t) k;
                }
        }
        if (out.saved_flags >= 0)
                (void) fcntl(STDOUT_FILENO, F_SETFL, out.saved_flags);
        return r;
}

/* Reads one datagram from the notify socket and acts on it; -EAGAIN when there is none. */
static int notify_process(Launcher *l) {
        char buf[4096];

        ssize_t n = recv(l->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        if (n < 0)
                return -errno;
        buf[n] = 0;

        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                if (streq(line, "READY=1") && !l->ready) {
                        l->ready = true;
                        log_debug("Machine %s is ready.", l->machine);
                        (void) sd_notify(false, "READY=1");
                        /* An init ignores signals until it has installed its handlers: a stop
                         * asked for before it was ready is asked again now. */
                        if (l->n_terminate == 1)
                                launcher_terminate(l, false);
                } else if (startswith(line, "STATUS="))
                        (void) sd_notifyf(false, "%s", line);
                line = nl ? nl + 1 : NULL;
        }
        return 0;
}

static int on_notify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void) notify_process(userdata);
        return 0;
}

static int launcher_exit_status(Launcher *l) {
        const siginfo_t *si = &l->exit_info;
        char sigbuf[16];

        if (si->si_code == CLD_EXITED) {
                if (!l->child_failed && !l->settings->quiet) {
                        if (si->si_status == 0)
                                log_info("Machine %s exited successfully.", l->machine);
                        else
                                log_info("Machine %s failed with error code %i.", l->machine, si->si_status);
                }
                return si->si_status;
        }

        /* A booted init that calls reboot() in its PID namespace is killed by the kernel:
         * SIGINT for halt and poweroff, SIGHUP for reboot. */
        if (si->si_status == SIGINT) {
                if (!l->settings->quiet)
                        log_info("Machine %s has been shut down.", l->machine);
                return 0;
        }
        if (si->si_status == SIGHUP) {
                if (!l->settings->quiet)
                        log_info("Machine %s is being rebooted.", l->machine);
                return 133;
        }
        if (!l->settings->quiet)
                log_info("Machine %s terminated by signal %s.", l->machine, signal_to_string(si->si_status, sigbuf));
        return 128 + si->si_status;
}

static int launcher_prepare(Launcher *l) {
        Settings *s = l->settings;
        int r;

        /* The image. */
        if (s->directory) {
                l->directory = realpath(s->directory, NULL);
                if (!l->directory)
                        return log_error_errno(errno, "Directory %s: %m", s->directory);
        } else if (s->machine) {
                r = image_find(s->machine, &l->directory);
                if (r == -ENOENT)
                        return log_error_errno(r, "No image '%s' in /var/lib/machines, /usr/local/lib/machines or /usr/lib/machines.",
                                               s->machine);
                if (r < 0)
                        return log_error_errno(r, "Failed to look up image '%s': %m", s->machine);
        } else {
                l->directory = realpath(".", NULL);
                if (!l->directory)
                        return log_error_errno(errno, "Failed to find the current directory: %m");
        }

        struct stat st;
        if (stat(l->directory, &st) < 0)
                return log_error_errno(errno, "Directory %s: %m", l->directory);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(ENOTDIR, "%s is not a directory.", l->directory);

        /* The name, from the image unless given. */
        if (s->machine)
                l->machine = strdup(s->machine);
        else {
                char host[HOST_NAME_MAX + 1] = {};
                (void) gethostname(host, sizeof(host) - 1);
                r = machine_name_from_directory(l->directory, host, &l->machine);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_error_errno(r, "Failed to derive a machine name from %s; use -M NAME.", l->directory);
        }
        if (!l->machine)
                return log_oom();

        /* The settings file, under that name, before anything looks at the settings. */
        {
                _cleanup_free_ char *file = NULL, *error = NULL;
                r = settings_load(s, l->machine, l->directory, &file);
                if (r < 0)
                        return r;
                if (file && settings_verify(s, &error) < 0)
                        return log_error_errno(EINVAL, "%s (with %s)", error ?: "Conflicting settings.", file);
        }

        /* Credentials from files are read now, so that a missing one fails before anything is set up. */
        r = settings_load_credentials(s);
        if (r < 0)
                return r;

        if (!s->machine && s->ephemeral) {
                /* Several throw-away machines of one image may run at once. */
                uint8_t rnd[4];
                _cleanup_free_ char *n = NULL;
                if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
                        return log_error_errno(errno, "Failed to get random bytes: %m");
                if (asprintf(&n, "%.55s-%02x%02x%02x%02x", l->machine, rnd[0], rnd[1], rnd[2], rnd[3]) < 0)
                        return log_oom();
                free(l->machine);
                l->machine = TAKE_PTR(n);
        }

        if (s->start_mode == START_BOOT) {
                r = directory_has_os_release(l->directory);
                if (r < 0)
                        return log_error_errno(r, "Failed to check %s for an OS tree: %m", l->directory);
                if (r == 0)
                        return log_error_errno(ENOMEDIUM,
                                               "Directory %s does not look like an OS root directory (os-release file is missing).",
                                               l->directory);
        } else {
                _cleanup_free_ char *usr = NULL;
                if (asprintf(&usr, "%s/usr", l->directory) < 0)
                        return log_oom();
                if (access(usr, F_OK) < 0)
                        return log_error_errno(ENOMEDIUM, "Directory %s does not look like it has an OS tree (/usr is missing).",
                                               l->directory);
        }
        if (s->volatile_mode == VOLATILE_YES) {
                _cleanup_free_ char *usr = NULL;
                if (asprintf(&usr, "%s/usr", l->directory) < 0)
                        return log_oom();
                if (access(usr, F_OK) < 0)
                        return log_error_errno(ENOMEDIUM, "--volatile=yes needs a /usr in %s.", l->directory);
        }

        /* The id: given, the image's own, or new. */
        l->uuid = s->uuid;
        if (id128_is_null(&l->uuid) && s->volatile_mode != VOLATILE_YES) {
                _cleanup_free_ char *id = NULL, *p = NULL;
                if (asprintf(&p, "%s/etc/machine-id", l->directory) < 0)
                        return log_oom();
                if (read_full_file_at(AT_FDCWD, p, &id, NULL) >= 0) {
                        id[strcspn(id, "\n")] = 0;
                        (void) id128_from_string(id, &l->uuid);
                }
        }
        if (id128_is_null(&l->uuid)) {
                uint8_t rnd[16];
                if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
                        return log_error_errno(errno, "Failed to get random bytes: %m");
                l->uuid = id128_make_v4(rnd);
        }

        l->kill_signal = s->kill_signal ?: (s->start_mode == START_BOOT ? SIGRTMIN + 3 : SIGKILL);

        l->userns = s->userns_mode != USERNS_NO;
        l->uid_shift = s->uid_shift;
        l->uid_range = s->uid_range;
        if (s->userns_mode == USERNS_FIXED && l->uid_shift == UID_SHIFT_FROM_IMAGE) {
                /* yes: the range the image's files are owned by, as nspawn takes it. */
                l->uid_shift = (uint32_t) st.st_uid & UINT32_C(0xffff0000);
                l->uid_range = UID_RANGE_DEFAULT;
        }

        if (s->console_mode >= 0 && s->console_mode != CONSOLE_AUTOPIPE)
                l->console_mode = s->console_mode;
        else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
                l->console_mode = CONSOLE_INTERACTIVE;
        else
                l->console_mode = s->console_mode == CONSOLE_AUTOPIPE ? CONSOLE_PIPE : CONSOLE_READ_ONLY;

        /* What the user asked to mount from the host must exist before anything is set up. */
        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                const CustomMount *m = &s->custom_mounts[i];
                if (m->type == CUSTOM_MOUNT_BIND && !m->source_in_root && access(m->source, F_OK) < 0)
                        return log_error_errno(errno, "Bind source %s: %m", m->source);
                for (char **lw = m->lower; lw && *lw; lw++)
                        if (access(*lw, F_OK) < 0)
                                return log_error_errno(errno, "Overlay layer %s: %m", *lw);
                if (m->type == CUSTOM_MOUNT_OVERLAY && !isempty(m->upper) && access(m->upper, F_OK) < 0)
                        return log_error_errno(errno, "Overlay layer %s: %m", m->upper);
        }
        return 0;
}

static int make_dir_at(int dir_fd, const char *name, mode_t mode) {
        if (mkdirat(dir_fd, name, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* The machine's UID range, held while it runs, and how the image's files get into it. */
static int launcher_setup_uid_range(Launcher *l) {
        const Settings *s = l->settings;
        int r;

        if (!l->userns)
                return 0;
        if (s->userns_mode == USERNS_PICK) {
                r = uid_range_pick(l->machine, l->uid_range, &l->uid_shift);
                if (r == -EBUSY)
                        return log_error_errno(r, "Found no free UID range for machine %s.", l->machine);
                if (r < 0)
                        return log_error_errno(r, "Failed to pick a UID range for machine %s: %m", l->machine);
                l->range_lock_fd = r;
        } else if (s->userns_mode == USERNS_FIXED) {
                _cleanup_free_ char *holder = NULL;
                r = uid_range_lock(l->machine, l->uid_shift, l->uid_range, &holder);
                if (r == -EBUSY)
                        return log_error_errno(r, "UID range %" PRIu32 "-%" PRIu32 " is in use by machine %s.", l->uid_shift,
                                               l->uid_shift + (l->uid_range - 1), holder ?: "?");
                if (r < 0)
                        return log_error_errno(r, "Failed to lock UID range %" PRIu32 ": %m", l->uid_shift);
                l->range_lock_fd = r;
        }
        log_debug("Machine %s: UID range %" PRIu32 "-%" PRIu32 ".", l->machine, l->uid_shift, l->uid_shift + (l->uid_range - 1));

        struct stat st;
        if (stat(l->directory, &st) < 0)
                return log_error_errno(errno, "Directory %s: %m", l->directory);
        bool in_range = ((uint32_t) st.st_uid & UINT32_C(0xffff0000)) == l->uid_shift;

        switch (s->userns_ownership) {
        case USERNS_OWNERSHIP_OFF:
                break;
        case USERNS_OWNERSHIP_CHOWN:
                if (in_range)
                        break;
                if (!s->quiet)
                        log_info("Shifting the ownership of %s into UID range %" PRIu32 "-%" PRIu32 ", once.", l->directory,
                                 l->uid_shift, l->uid_shift + (l->uid_range - 1));
                r = image_shift_ownership(l->directory, l->uid_shift, l->uid_range);
                if (r < 0)
                        return log_error_errno(r, "Failed to shift the ownership of %s: %m", l->directory);
                break;
        case USERNS_OWNERSHIP_MAP:
                l->idmap = true;
                break;
        case USERNS_OWNERSHIP_AUTO:
        default:
                /* An image owned by the range already (chowned once) needs no mapping. */
                l->idmap = !in_range;
        }
        return 0;
}

/* With a user namespace, what only the host may mount is mounted by berth itself in a mount
 * namespace of its own, before the machine's are made: the machine's copy of it then holds
 * these mounts locked (read-only stays read-only, nothing below a mount is revealed), as
 * nspawn's inner child gets them. Files berth makes there are made as the machine's root. */
static int launcher_setup_host_mounts(Launcher *l) {
        const MountOp *failed = NULL;
        int r;

        if (!l->userns)
                return 0;

        bool need_idmap = l->idmap;
        for (size_t i = 0; i < l->plan.n_ops; i++)
                need_idmap = need_idmap || (l->plan.ops[i].flags & MOUNT_OP_IDMAP);
        if (need_idmap) {
                l->userns_fd = userns_acquire(l->uid_shift, l->uid_range);
                if (l->userns_fd < 0)
                        return log_error_errno(l->userns_fd, "Failed to create a user namespace: %m");
                l->plan.idmap_fd = l->userns_fd;
        }

        if (unshare(CLONE_NEWNS) < 0)
                return log_error_errno(errno, "Failed to create a mount namespace: %m");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return log_error_errno(errno, "Failed to make the mount tree private: %m");
        l->host_mounts = true;

        (void) setfsgid(l->uid_shift);
        (void) setfsuid(l->uid_shift);
        if ((uint32_t) setfsuid((uid_t) -1) != l->uid_shift)
                return log_error_errno(EPERM, "Failed to act as the machine's root: %m");
        r = capability_raise_permitted();
        if (r < 0)
                return log_error_errno(r, "Failed to act as the machine's root: %m");
        r = setup_root(l);
        if (r >= 0) {
                _cleanup_close_ int root_fd = open(l->staging, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (root_fd < 0)
                        r = log_error_errno(errno, "Failed to open %s: %m", l->staging);
                else {
                        r = mount_plan_apply(&l->plan, root_fd, MOUNT_PLAN_HOST, &failed);
                        if (r < 0)
                                log_mount_failure(r, failed);
                        /* Read-only here, so that it is locked so in the machine. */
                        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
                        if (r >= 0 && (l->settings->read_only || l->settings->volatile_mode == VOLATILE_STATE) &&
                            syscall(SYS_mount_setattr, root_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                                r = log_error_errno(errno, "Failed to make the root read-only: %m");
                }
        }
        /* Back to root: the kernel makes the file capabilities effective again. */
        (void) setfsuid(0);
        (void) setfsgid(0);
        return r;
}

static int launcher_setup_runtime(Launcher *l) {
        const Settings *s = l->settings;
        pid_t holder = 0;
        int r;

        (void) runtime_clean_stale();
        (void) uid_ranges_clean_stale();
        r = runtime_acquire(l->machine, &l->runtime, &holder);
        if (r == -EBUSY) {
                if (holder > 0)
                        return log_error_errno(r, "Machine %s is already running (berth PID %d).", l->machine, (int) holder);
                return log_error_errno(r, "Machine %s is already running.", l->machine);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to set up %s/machines/%s: %m", RUNTIME_DIR, l->machine);

        /* The root is set up on one directory that all machines share: each mounts it there in
         * a mount namespace of its own, so that a start makes and removes no directory for it.
         * The nodes masked paths are covered with are shared too, as systemd shares its own. */
        int dfd;
        l->staging = strdup(RUNTIME_STAGING_DIR);
        l->inaccessible = strdup(RUNTIME_INACCESSIBLE_DIR);
        if (!l->staging || !l->inaccessible)
                return log_oom();
        if (s->ephemeral || s->volatile_mode == VOLATILE_OVERLAY) {
                if (asprintf(&l->ephemeral, "%s/ephemeral", l->runtime->path) < 0)
                        return log_oom();
                if ((dfd = r = runtime_dir(l->runtime)) < 0 || (r = make_dir_at(dfd, "ephemeral", 0700)) < 0)
                        return log_error_errno(r, "Failed to populate %s: %m", l->runtime->path);
        }

        /* Work directories of the user's overlays. */
        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                const CustomMount *m = &s->custom_mounts[i];
                _cleanup_free_ char *w = NULL;
                char name[32];

                if (m->type != CUSTOM_MOUNT_OVERLAY || !m->upper)
                        continue;
                if (isempty(m->upper)) {
                        snprintf(name, sizeof(name), "overlay-%zu", i);
                        _cleanup_close_ int ofd = -EBADF;
                        if ((dfd = runtime_dir(l->runtime)) < 0)
                                return log_error_errno(dfd, "Failed to create a temporary overlay layer: %m");
                        if (make_dir_at(dfd, name, 0700) < 0 || (ofd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
                            make_dir_at(ofd, "upper", 0755) < 0 || make_dir_at(ofd, "work", 0700) < 0)
                                return log_error_errno(errno, "Failed to create a temporary overlay layer: %m");
                        continue;
                }
                if (asprintf(&w, "%s.berth-work", m->upper) < 0)
                        return log_oom();
                if (mkdir(w, 0700) < 0 && errno != EEXIST)
                        return log_error_errno(errno, "Failed to create the overlay work directory %s: %m", w);
                if (strv_consume(&l->work_dirs, TAKE_PTR(w)) < 0)
                        return log_oom();
        }
        if (l->work_dirs) {
                _cleanup_free_ char *list = NULL;
                size_t len = 1;
                for (char **w = l->work_dirs; *w; w++)
                        len += strlen(*w) + 1;
                list = calloc(1, len);
                if (!list)
                        return log_oom();
                for (char **w = l->work_dirs; *w; w++) {
                        strcat(list, *w);
                        strcat(list, "\n");
                }
                (void) runtime_record(l->runtime, "work-dirs", list);
        }

        r = launcher_setup_uid_range(l);
        if (r < 0)
                return r;
        if (l->idmap && (s->ephemeral || s->volatile_mode == VOLATILE_OVERLAY)) {
                if (asprintf(&l->lower, "%s/lower", l->runtime->path) < 0)
                        return log_oom();
                if ((dfd = r = runtime_dir(l->runtime)) < 0 || (r = make_dir_at(dfd, "lower", 0755)) < 0)
                        return log_error_errno(r, "Failed to populate %s: %m", l->runtime->path);
        }

        const char *unified;
        l->cgroup_ns = cgroup_unified_mount(&unified) >= 0;
        if (!l->cgroup_ns)
                log_warning("No cgroup2 hierarchy found; the machine shares berth's cgroups.");

        /* The journal, for a booted machine. */
        _cleanup_free_ char *journal = NULL;
        if (s->start_mode == START_BOOT) {
                r = link_journal_prepare_host(s->link_journal, l->directory, &l->uuid);
                if (r < 0)
                        return r;
                if (r > 0) {
                        char id[33];
                        if (asprintf(&journal, "/var/log/journal/%s", id128_to_string(&l->uuid, id)) < 0)
                                return log_oom();
                        /* The machine's journald writes there as the machine's root. */
                        if (l->userns && chown(journal, l->uid_shift, l->uid_shift) < 0)
                                return log_error_errno(errno, "Failed to give %s to the machine's root: %m", journal);
                }
        }

        MountPlanContext c = {
                .settings = s,
                .directory = l->directory,
                .runtime_dir = l->runtime->path,
                .inaccessible_dir = l->inaccessible,
                .cgroup_unified = l->cgroup_ns,
                .journal_directory = journal,
                .userns = l->userns,
                .idmap_image = l->idmap,
        };
        r = mount_plan_build(&l->plan, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to plan the machine's mounts: %m");
        return 0;
}

/* Whether a registered leader has died (or is dying: killed with its launcher moments ago, which
 * on a loaded host may take a while to show). */
static bool leader_is_gone(pid_t pid) {
        /* Up to 10 s: on a loaded host a killed machine's PID 1 took more than 3 s to be gone. */
        for (unsigned i = 0; i < 500; i++) {
                char path[64], state = 0;
                _cleanup_free_ char *stat = NULL;

                if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
                        return true;
                snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
                if (read_full_file_at(AT_FDCWD, path, &stat, NULL) >= 0) {
                        const char *p = strrchr(stat, ')');
                        if (p && p[1] == ' ')
                                state = p[2];
                }
                if (state == 'Z' || state == 'X')
                        return true;
                struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        return false;
}

/* Whether the host's inotify limits leave room for a booted machine (host-limits.c). That reads
 * the descriptors of every process, milliseconds on a busy host, so berth does it where it waits
 * anyway: for machined's answer, or while the machine's init starts. */
static void launcher_check_limits(Launcher *l) {
        if (!l->check_limits)
                return;
        l->check_limits = false;
        warn_about_boot_limits();
}

static int on_register_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Launcher *l = userdata;
        l->register_reply = sd_bus_message_ref(reply);
        return 0;
}

/* machined answers CreateMachine once the scope has started, and never if the machine is
 * terminated before that: then systemd asks berth to stop the scope, which has to be heard while
 * waiting. -ECANCELED if so. */
static int launcher_call_register(Launcher *l, const MachineRegistration *m, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        int r;

        r = machine_register_message(l->bus, m, &msg);
        if (r < 0)
                return r;
        r = sd_bus_call_async(l->bus, &slot, msg, on_register_reply, l, 0);
        if (r < 0)
                return r;
        while (!l->register_reply && l->n_terminate == 0) {
                r = sd_bus_process(l->bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                launcher_check_limits(l);
                r = sd_bus_wait(l->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        if (!l->register_reply)
                return -ECANCELED;
        reply = TAKE_PTR(l->register_reply);
        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);
                return sd_bus_error_copy(error, e);
        }
        return 0;
}

/* The system bus, and whether berth may be the controller of the machine's scope: done while the
 * child sets the machine up, so that registering it afterwards is one call. */
static int launcher_connect(Launcher *l) {
        const Settings *s = l->settings;
        int r;

        if ((s->slice || s->properties) && (s->keep_unit || s->register_mode == REGISTER_NO))
                log_warning("--slice= and --property= configure the machine's own scope; with %s there is none, they are ignored.",
                            s->keep_unit ? "--keep-unit" : "--register=no");
        if (s->register_mode == REGISTER_NO)
                return 0;

        r = sd_bus_open_system(&l->bus);
        if (r < 0) {
                if (s->register_mode == REGISTER_YES)
                        return log_error_errno(r, "Failed to connect to the system bus, needed by --register=yes: %m");
                log_debug_errno(r, "No system bus, running %s unregistered: %m", l->machine);
                return 0;
        }

        if (!s->keep_unit) {
                _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
                const char *unique = NULL, *systemd = NULL;

                r = sd_bus_get_unique_name(l->bus, &unique);
                if (r >= 0)
                        r = sd_bus_get_name_creds(l->bus, "org.freedesktop.systemd1", SD_BUS_CREDS_UNIQUE_NAME, &creds);
                if (r >= 0)
                        r = sd_bus_creds_get_unique_name(creds, &systemd);
                if (r >= 0 && !(l->systemd_name = strdup(systemd)))
                        return log_oom();
                if (r >= 0)
                        r = sd_bus_match_signal(l->bus, NULL, NULL, NULL, "org.freedesktop.systemd1.Scope", "RequestStop",
                                                on_request_stop, l);
                if (r < 0)
                        log_debug_errno(r, "Not the controller of the machine's scope, stopping it will kill it: %m");
                else
                        l->controller = unique;
        }
        return 0;
}

static int launcher_register(Launcher *l) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const Settings *s = l->settings;
        int r;

        if (!l->bus)
                return 0;

        MachineRegistration m = {
                .name = l->machine,
                .id = l->uuid,
                .root_directory = l->directory,
                .leader = l->pid,
                .keep_unit = s->keep_unit,
                .slice = s->slice,
                .kill_signal = l->kill_signal,
                .properties = s->properties,
                .controller = l->controller,
        };
        r = launcher_call_register(l, &m, &error);
        /* A registration of berth's whose leader is gone is what a killed launcher left behind
         * (its payload died with it): take it down and retry, for a few seconds while machined
         * lets go of it. A running machine (a single-process one has no launcher and no lock)
         * is refused. */
        _cleanup_free_ char *holder = NULL;
        pid_t stale_leader = 0;
        for (unsigned attempt = 0; r < 0 && attempt < 50 && sd_bus_error_has_name(&error, "org.freedesktop.machine1.MachineExists");
             attempt++) {
                _cleanup_free_ char *service = NULL;
                pid_t leader = 0;
                if (machine_get_service(l->bus, l->machine, &service, &leader) > 0 &&
                    (!streq(service, "berth") || !leader_is_gone(leader))) {
                        stale_leader = leader;
                        holder = TAKE_PTR(service);
                        break;
                }
                log_debug("Removing the stale registration of machine %s.", l->machine);
                (void) machine_terminate_and_wait(l->bus, l->machine, 1000 * 1000);
                struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
                nanosleep(&ts, NULL);
                sd_bus_error_free(&error);
                r = launcher_call_register(l, &m, &error);
        }
        if (r == -ECANCELED) {
                l->register_cancelled = true;
                return log_error_errno(r, "Machine %s was stopped while it was being registered.", l->machine);
        }
        if (r < 0) {
                if (s->register_mode == REGISTER_AUTO && machined_error_is_absent(&error, r)) {
                        log_debug("systemd-machined is not available, running %s unregistered.", l->machine);
                        return 0;
                }
                if (holder)
                        return log_error_errno(r, "Failed to register machine %s with systemd-machined: %s "
                                                  "(registered by %s, its leader PID %d still running).",
                                               l->machine, error.message, holder, (int) stale_leader);
                if (sd_bus_error_is_set(&error))
                        return log_error_errno(r, "Failed to register machine %s with systemd-machined: %s", l->machine,
                                               error.message);
                return log_error_errno(r, "Failed to register machine %s with systemd-machined: %m", l->machine);
        }
        l->registered = true;
        return 0;
}

/* Without a machined scope, the machine gets its own cgroup below berth's. */
static int launcher_setup_cgroup(Launcher *l) {
        int r;

        if (!l->cgroup_ns || (l->registered && !l->settings->keep_unit) || l->cgroup_fd >= 0)
                return 0;

        r = cgroup_create_machine(l->machine, l->settings->keep_unit, &l->cgroup_path);
        if (r < 0)
                return log_error_errno(r, "Failed to create the machine's cgroup: %m");
        (void) runtime_record_cgroup(l->runtime, l->cgroup_path);

        r = cgroup_attach(l->cgroup_path, l->pid);
        if (r < 0)
                return log_error_errno(r, "Failed to move the machine into %s: %m", l->cgroup_path);
        if (l->settings->keep_unit) {
                r = cgroup_delegate_controllers(l->cgroup_path);
                if (r < 0)
                        log_warning_errno(r, "Failed to pass every controller of the unit on to the machine: %m");
        }
        return 0;
}

/* systemd in the machine manages its cgroup as the machine's root. */
static int launcher_chown_cgroup(Launcher *l) {
        if (!l->userns || !l->cgroup_ns)
                return 0;
        int r = cgroup_chown_of(l->pid, l->uid_shift);
        if (r < 0)
                return log_error_errno(r, "Failed to give the machine its cgroup: %m");
        return 0;
}

/* A machine that will not be registered gets its cgroup before it exists, and is cloned right into
 * it: moving a process into a cgroup later waits for an RCU grace period in the kernel (the
 * cgroup threadgroup rwsem), which was half of the start of a short-lived machine. */
static int launcher_precreate_cgroup(Launcher *l) {
        const Settings *s = l->settings;
        int r;

        if (!l->cgroup_ns || s->register_mode != REGISTER_NO || s->keep_unit)
                return 0;
        r = cgroup_create_machine(l->machine, false, &l->cgroup_path);
        if (r < 0)
                return log_error_errno(r, "Failed to create the machine's cgroup: %m");
        (void) runtime_record_cgroup(l->runtime, l->cgroup_path);
        l->cgroup_fd = open(l->cgroup_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (l->cgroup_fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", l->cgroup_path);
        return 0;
}

static int launcher_spawn(Launcher *l) {
        const Settings *s = l->settings;
        int pair[2];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return log_error_errno(errno, "Failed to create the setup socket: %m");
        l->sync_fd = pair[0];
        l->child_fd = pair[1];

        uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD;
        if (s->private_network)
                flags |= CLONE_NEWNET;
        if (l->userns)
                flags |= CLONE_NEWUSER;
        int pidfd = -EBADF;
        struct clone_args args = {
                .flags = flags,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        if (l->cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) l->cgroup_fd;
        }

        fflush(stdout);
        fflush(stderr);
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0 && l->cgroup_fd >= 0 && IN_SET(errno, EINVAL, E2BIG, EOPNOTSUPP)) {
                /* A kernel without CLONE_INTO_CGROUP (before 5.7): moved into it once made. */
                log_debug_errno(errno, "Cannot clone into the machine's cgroup, moving it there: %m");
                args.flags &= ~(uint64_t) CLONE_INTO_CGROUP;
                args.cgroup = 0;
                pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
                if (pid > 0) {
                        int r = cgroup_attach(l->cgroup_path, pid);
                        if (r < 0) {
                                (void) kill(pid, SIGKILL);
                                return log_error_errno(r, "Failed to move the machine into %s: %m", l->cgroup_path);
                        }
                }
        }
        if (pid < 0)
                return log_error_errno(errno, "Failed to create the machine's namespaces: %m");

        if (pid == 0) {
                /* The child: dies with the launcher, reports through the setup socket. */
                l->sync_fd = safe_close(l->sync_fd);
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
                log_set_sink(child_log_sink, &l->child_fd);
                child_reset_signals();
                _exit(child_run(l));
        }

        l->pid = pid;
        l->pidfd = pidfd;
        l->child_fd = safe_close(l->child_fd);
        if (l->userns) {
                int r = userns_write_maps(pid, l->uid_shift, l->uid_range);
                if (r < 0)
                        return log_error_errno(r, "Failed to write the machine's UID map: %m");
        }
        /* The child has its own copy of the credentials; the supervisor needs none. */
        for (size_t i = 0; i < s->n_credentials; i++)
                credential_erase(&s->credentials[i]);
        return 0;
}

int launcher_run(Settings *s) {
        _cleanup_(launcher_done) Launcher l = {
                .settings = s,
                .pidfd = -EBADF,
                .sync_fd = -EBADF,
                .child_fd = -EBADF,
                .notify_fd = -EBADF,
                .master_fd = -EBADF,
                .slave_fd = -EBADF,
                .userns_fd = -EBADF,
                .range_lock_fd = -EBADF,
                .cgroup_fd = -EBADF,
                .plan.idmap_fd = -EBADF,
        };
        int r;

        if (geteuid() != 0)
                return log_error_errno(EPERM, "berth run needs to be run as root."), EXIT_FAILURE;

        /* Nothing in the machine may read the supervisor's memory. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        if (launcher_prepare(&l) < 0 || launcher_setup_runtime(&l) < 0 || launcher_setup_host_mounts(&l) < 0)
                return EXIT_FAILURE;

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGWINCH);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m"), EXIT_FAILURE;

        (void) signal(SIGPIPE, SIG_IGN);

        if (!s->quiet) {
                log_info("Spawning machine %s on %s.", l.machine, l.directory);
                if (l.console_mode == CONSOLE_INTERACTIVE)
                        log_info("Press ^] three times within 1s to kill the machine.");
                if (l.userns)
                        log_debug("Root in machine %s is UID %" PRIu32 " on the host.", l.machine, l.uid_shift);
                else if (s->start_mode == START_BOOT && isatty(STDERR_FILENO))
                        log_notice("Machine %s has no user namespace: its root is root on the host. Use -U for an unprivileged UID range.",
                                   l.machine);
        }

        l.check_limits = s->start_mode == START_BOOT;

        if (launcher_precreate_cgroup(&l) < 0 || launcher_spawn(&l) < 0)
                return EXIT_FAILURE;

        /* The child sets the machine up and pivots into its root while berth connects to the bus;
         * registration and the cgroup come then, before it enters its cgroup namespace:
         * CreateMachine moves it into its scope. */
        if (write(l.sync_fd, "G", 1) != 1)
                log_debug_errno(errno, "Failed to release the machine's setup: %m");
        int connected = launcher_connect(&l);
        r = launcher_receive(&l, true);
        if (r >= 0 && l.pivoted &&
            (connected < 0 || launcher_register(&l) < 0 || launcher_setup_cgroup(&l) < 0 || launcher_chown_cgroup(&l) < 0)) {
                (void) kill(l.pid, SIGKILL);
                (void) waitid(P_PIDFD, (id_t) l.pidfd, &l.exit_info, WEXITED);
                /* Its scope empties now; berth is done when machined has let go of it too. */
                for (unsigned i = 0; l.register_cancelled && i < 250; i++) {
                        _cleanup_free_ char *service = NULL;
                        if (machine_get_service(l.bus, l.machine, &service, NULL) <= 0)
                                break;
                        struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };
                        nanosleep(&ts, NULL);
                }
                return EXIT_FAILURE;
        }
        if (l.pivoted && write(l.sync_fd, "G", 1) != 1)
                log_debug_errno(errno, "Failed to release the machine's setup: %m");
        launcher_check_limits(&l);

        if (r >= 0 && l.pivoted)
                r = launcher_receive(&l, false);
        /* A booted machine is ready when its init says so; any other payload once it runs
         * (what a unit of Type=notify around berth waits for). */
        if (r >= 0 && !l.child_failed && s->start_mode != START_BOOT)
                (void) sd_notify(false, "READY=1");

        if (launcher_plain(&l))
                return launcher_wait_plain(&l) < 0 ? EXIT_FAILURE : launcher_exit_status(&l);

        r = sd_event_new(&l.event);
        if (r < 0)
                return log_error_errno(r, "Failed to create the event loop: %m"), EXIT_FAILURE;
        if ((r = sd_event_add_signal(l.event, NULL, SIGTERM, on_signal, &l)) < 0 ||
            (r = sd_event_add_signal(l.event, NULL, SIGINT, on_signal, &l)) < 0 ||
            (r = sd_event_add_signal(l.event, NULL, SIGHUP, on_signal, &l)) < 0 ||
            (r = sd_event_add_child_pidfd(l.event, NULL, l.pidfd, WEXITED, on_child, &l)) < 0)
                return log_error_errno(r, "Failed to watch the machine: %m"), EXIT_FAILURE;

        if (l.registered && l.systemd_name && (r = sd_bus_attach_event(l.bus, l.event, SD_EVENT_PRIORITY_NORMAL)) < 0)
                return log_error_errno(r, "Failed to watch the system bus: %m"), EXIT_FAILURE;

        if (l.notify_fd >= 0 && (r = sd_event_add_io(l.event, NULL, l.notify_fd, EPOLLIN, on_notify, &l)) < 0)
                return log_error_errno(r, "Failed to watch the notify socket: %m"), EXIT_FAILURE;

        if (l.master_fd >= 0) {
                if (IN_SET(l.console_mode, CONSOLE_PASSIVE, CONSOLE_PIPE)) {
                        (void) fcntl(l.master_fd, F_SETFL, O_NONBLOCK);
                        r = sd_event_add_io(l.event, &l.console_source, l.master_fd, EPOLLIN, on_console_output, &l);
                } else {
                        r = pty_forward_new(l.event, l.master_fd,
                                            (l.console_mode == CONSOLE_READ_ONLY ? PTY_FORWARD_READ_ONLY : 0) |
                                                    (s->start_mode == START_BOOT ? PTY_FORWARD_IGNORE_VHANGUP : 0),
                                            &l.forward);
                        if (r >= 0)
                                pty_forward_set_handler(l.forward, on_forward, &l);
                }
                if (r < 0)
                        return log_error_errno(r, "Failed to forward the console: %m"), EXIT_FAILURE;
        }

        r = sd_event_loop(l.event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), EXIT_FAILURE;

        l.forward = pty_forward_free(l.forward);
        return launcher_exit_status(&l);
}
