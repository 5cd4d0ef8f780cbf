/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "macro.h"
#include "user.h"

/* Entering a running machine from outside, as berth shell does: no process of the machine's
 * helps, nothing needs to run inside it. Everything is taken from the machine's leader (its
 * PID 1, as systemd-machined names it): the namespaces that differ from the caller's, its root
 * directory, its cgroup, and what confines it (capability bounding set, no_new_privs, whether
 * it runs under a seccomp filter). */

typedef enum EnterNamespace {
        ENTER_NAMESPACE_MNT,
        ENTER_NAMESPACE_PID,
        ENTER_NAMESPACE_NET,
        ENTER_NAMESPACE_IPC,
        ENTER_NAMESPACE_UTS,
        ENTER_NAMESPACE_CGROUP,
        ENTER_NAMESPACE_USER,   /* last: it is entered after the others */
        _ENTER_NAMESPACE_MAX,
        _ENTER_NAMESPACE_INVALID = -EINVAL,
} EnterNamespace;

const char *enter_namespace_to_string(EnterNamespace n);

/* What /proc/PID/status says about a process's confinement. */
typedef struct ProcStatus {
        pid_t ppid;                     /* PPid */
        uint64_t capability_bounding;   /* CapBnd */
        bool no_new_privs;              /* NoNewPrivs */
        int seccomp;                    /* Seccomp: 0 none, 1 strict, 2 filter */
        int seccomp_filters;            /* Seccomp_filters: how many; -1 if the kernel does not say */
} ProcStatus;

/* Parses the text of /proc/PID/status. Pure. -EBADMSG without a valid CapBnd line; PPid,
 * NoNewPrivs and Seccomp count as 0 when absent (kernels before 4.10 have no NoNewPrivs), and
 * Seccomp_filters as -1 (before 5.9). */
int proc_status_parse(const char *text, ProcStatus *ret);

/* The path of the cgroup2 ("0::") line in the text of /proc/PID/cgroup. Pure. -ENODATA if there
 * is none (no cgroup2 hierarchy). */
int proc_cgroup_unified_path(const char *text, char **ret);

/* Whether a process's cgroup path lies in the unit's cgroup (the unit's own cgroup or below). Pure. */
bool cgroup_path_in_unit(const char *path, const char *unit);

typedef struct MachineTarget {
        pid_t leader;
        int pidfd;                              /* tells whether the leader is still the one that was opened */
        int root_fd;                            /* the leader's root directory, O_PATH */
        int ns_fds[_ENTER_NAMESPACE_MAX];       /* -EBADF where the namespace is the caller's own */
        ProcStatus status;
        char *cgroup;                           /* the leader's cgroup2 path, NULL if there is no cgroup2 */
        char *comm;                             /* the leader's process name */
        bool launcher_child;                    /* it is a child of berth's launcher, not yet confined */
} MachineTarget;

#define MACHINE_TARGET_NULL                                                                                  \
        {                                                                                                    \
                .pidfd = -EBADF, .root_fd = -EBADF,                                                          \
                .ns_fds = { -EBADF, -EBADF, -EBADF, -EBADF, -EBADF, -EBADF, -EBADF },                        \
        }

/* Opens everything of the leader that entering needs, while it runs, and checks at the end that
 * it still runs: what was opened is the leader's and not that of a process that got its PID
 * later. -ESRCH if it is gone. Never logs. */
int machine_target_open(pid_t leader, MachineTarget *ret);
void machine_target_done(MachineTarget *t);

/* Whether the leader is still berth's launcher setting the machine up (service: who registered
 * the machine, as machined says). berth registers a machine before its PID 1 has moved into the
 * machine's root and confined itself: until then, entering it would find the host's root and no
 * confinement. The last step of that is a seccomp filter of its own, which the launcher's
 * supervisor, the leader's parent, does not have: until then the two have as many filters. */
bool machine_target_is_starting(const MachineTarget *t, const char *service);

/* Whether the machine has its own user namespace but shares the caller's PID namespace (a unit
 * with PrivateUsers= and no PrivatePIDs=): then the command gets a PID namespace of its own, so
 * that its root, the host's UID 0 in the machine's user namespace, can neither see nor signal
 * the host's processes by their PID. */
bool machine_target_needs_own_pid_namespace(const MachineTarget *t);

typedef struct EnterOptions {
        const char *machine;            /* for messages */
        const UserRecord *user;         /* resolved in the machine */
        char **argv;                    /* the command, looked up in the environment's $PATH; empty or NULL: the user's login shell */
        char **environment;             /* the whole environment of the command */
        bool pty;                       /* a new pty of the machine's devpts as the command's terminal */
        const struct winsize *window;   /* the pty's size to start with, or NULL */
} EnterOptions;

typedef struct EnterProcess {
        int pidfd;      /* the command: a child of the caller's, in the machine */
        int master;     /* with pty, the master side of the command's terminal, else -EBADF */
} EnterProcess;

/* Starts the command in the machine: joins the leader's cgroup, enters its namespaces and root,
 * confines itself as the leader is confined, switches to the user and executes the command, with
 * only 0, 1 and 2 open (the caller's, or the pty). The command's process is the caller's child:
 * wait for it with the returned pidfd; it exits with its own status, 127 if the command was not
 * found, 126 if it could not be executed, and 1 if entering failed.
 *
 * Returns once the command runs (or has failed to start). What went wrong on the machine's side
 * is in *ret_message (one line, NULL if nothing), also when this returns 0: a command that
 * could not be executed is reported there and by its exit status. Returns -ECHILD if no process
 * was left in the machine, with the reason in *ret_message. The caller must block SIGCHLD
 * (to wait with the pidfd in an event loop); the child unblocks every signal before exec. Never
 * logs above debug. */
int machine_enter_spawn(const MachineTarget *t, const EnterOptions *o, EnterProcess *ret, char **ret_message);
