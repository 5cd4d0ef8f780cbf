/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"
#include "transient.h"

/* What run's seccomp filter refuses, by name, for SystemCallFilter=~. */
const char *const refused_syscalls[] = {
        "kexec_load", "kexec_file_load", "swapon",      "swapoff",       "add_key",       "request_key",
        "keyctl",     "bpf",             "perf_event_open", "open_by_handle_at", "lookup_dcookie", "uselib",
        "userfaultfd", "init_module",    "finit_module", "delete_module", "settimeofday",  "clock_settime",
        "clock_adjtime", "adjtimex",     "iopl",        "ioperm",        "acct",          "syslog",
        "reboot",     "nfsservctl",      "_sysctl",     "vm86",          "vm86old",       "stime",
        "pciconfig_iobase", "pciconfig_read", "pciconfig_write", NULL,
};

uint64_t single_process_capabilities(const Settings *s) {
        uint64_t m = capability_default_set() & ~((UINT64_C(1) << CAP_SYS_ADMIN) | (UINT64_C(1) << CAP_SYS_PTRACE));
        if (s->private_network)
                m |= UINT64_C(1) << CAP_NET_ADMIN;
        m |= s->capability_add;
        m &= ~s->capability_drop;
        return m;
}

static int new_transient_call(sd_bus *bus, const char *unit, sd_bus_message **ret) {
        int r = sd_bus_message_new_method_call(bus, ret, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                               "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(*ret, "ss", unit, "fail");
        if (r < 0)
                return r;
        return sd_bus_message_open_container(*ret, 'a', "(sv)");
}

static int close_transient_call(sd_bus_message *m) {
        int r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_append(m, "a(sa(sv))", 0);
}

static int append_exec_start(sd_bus_message *m, const char *path, char *const *argv) {
        int r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "ExecStart");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "a(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sasb");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", path);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) argv);
        if (r >= 0)
                r = sd_bus_message_append(m, "b", 0);
        for (int i = 0; i < 4 && r >= 0; i++)
                r = sd_bus_message_close_container(m);
        return r;
}

static int append_strv_property(sd_bus_message *m, const char *name, char **l) {
        int r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, l);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static char *strjoin_plus(const char *path) {
        char *p = NULL;
        return asprintf(&p, "+%s", path) < 0 ? NULL : p;
}

static bool has_bind(const Settings *s, bool ro) {
        for (size_t i = 0; i < s->n_custom_mounts; i++)
                if (s->custom_mounts[i].type == CUSTOM_MOUNT_BIND && s->custom_mounts[i].read_only == ro)
                        return true;
        return false;
}

static bool has_mount_type(const Settings *s, CustomMountType t) {
        for (size_t i = 0; i < s->n_custom_mounts; i++)
                if (s->custom_mounts[i].type == t)
                        return true;
        return false;
}

/* Only non-empty lists are sent: systemd takes an empty one as "reset", and BindPaths= and
 * BindReadOnlyPaths= share one list, so an empty BindReadOnlyPaths= would drop the BindPaths=. */
static int append_mounts(sd_bus_message *m, const Settings *s) {
        _cleanup_strv_free_ char **inaccessible = NULL, **read_only = NULL;
        int r = 0;

        /* '+': relative to RootDirectory=; without it these name host paths. */
        if (s->read_only && strv_extend(&read_only, "+/") < 0)
                return -ENOMEM;

        for (int ro = 0; ro <= 1; ro++) {
                if (!has_bind(s, ro))
                        continue;
                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", ro ? "BindReadOnlyPaths" : "BindPaths");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a(ssbt)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(ssbt)");
                for (size_t i = 0; i < s->n_custom_mounts && r >= 0; i++) {
                        const CustomMount *c = &s->custom_mounts[i];
                        if (c->type != CUSTOM_MOUNT_BIND || c->read_only != ro)
                                continue;
                        if (c->source_in_root)
                                return -EOPNOTSUPP;
                        r = sd_bus_message_append(m, "(ssbt)", c->source, c->destination, 0,
                                                  (uint64_t) (c->recursive ? MS_REC : 0));
                }
                for (int k = 0; k < 3 && r >= 0; k++)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }

        if (has_mount_type(s, CUSTOM_MOUNT_TMPFS)) {
                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "TemporaryFileSystem");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a(ss)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(ss)");
                for (size_t i = 0; i < s->n_custom_mounts && r >= 0; i++)
                        if (s->custom_mounts[i].type == CUSTOM_MOUNT_TMPFS)
                                r = sd_bus_message_append(m, "(ss)", s->custom_mounts[i].destination,
                                                          s->custom_mounts[i].options ?: "");
                for (int k = 0; k < 3 && r >= 0; k++)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                if (s->custom_mounts[i].type == CUSTOM_MOUNT_INACCESSIBLE &&
                    strv_consume(&inaccessible, strjoin_plus(s->custom_mounts[i].destination)) < 0)
                        return -ENOMEM;
                if (s->custom_mounts[i].type == CUSTOM_MOUNT_OVERLAY)
                        return -EOPNOTSUPP;
        }
        if (inaccessible && (r = append_strv_property(m, "InaccessiblePaths", inaccessible)) < 0)
                return r;
        if (read_only && (r = append_strv_property(m, "ReadOnlyPaths", read_only)) < 0)
                return r;
        return 0;
}

int transient_single_process_call(sd_bus *bus, const char *unit, const char *machine, const char *root,
                                  const char *exec_path, const Id128 *uuid, const Settings *s, const UserRecord *user,
                                  unsigned systemd_version, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_strv_free_ char **env = NULL, **filter = NULL;
        char description[128], uuid_s[37];
        int r;

        r = new_transient_call(bus, unit, &m);
        if (r < 0)
                return r;

        snprintf(description, sizeof(description), "Machine %s (berth, single process)", machine);
        /* Collected also when failed, so that the name can be used again at once (its log stays). */
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s", description, "Type", "s", "exec",
                                  "Slice", "s", s->slice ?: "machine.slice", "RootDirectory", "s", root, "MountAPIVFS", "b",
                                  1, "CollectMode", "s", "inactive-or-failed");
        if (r < 0)
                return r;
        r = append_exec_start(m, exec_path, s->parameters);
        if (r < 0)
                return r;

        /* RootDirectory= alone does not hold a root process: without these, /proc/1/root
         * leads back to the host. */
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)", "PrivateUsers", "b", 1,
                                  "PrivateDevices", "b", 1, "PrivateTmp", "b", 1, "PrivateIPC", "b", 1, "ProtectProc", "s",
                                  "invisible", "ProtectHostname", "b", 1, "ProtectKernelTunables", "b", 1,
                                  "ProtectKernelModules", "b", 1, "ProtectKernelLogs", "b", 1, "ProtectControlGroups",
                                  "b", 1, "NoNewPrivileges", "b", 1);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sv)", "CapabilityBoundingSet", "t", single_process_capabilities(s));
        if (r < 0)
                return r;
        if (s->private_network && (r = sd_bus_message_append(m, "(sv)", "PrivateNetwork", "b", 1)) < 0)
                return r;
        if (systemd_version >= SYSTEMD_VERSION_PRIVATE_PIDS && (r = sd_bus_message_append(m, "(sv)", "PrivatePIDs", "b", 1)) < 0)
                return r;

        for (size_t i = 0; refused_syscalls[i]; i++)
                if (strv_extend(&filter, refused_syscalls[i]) < 0)
                        return -ENOMEM;
        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "SystemCallFilter");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "(bas)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "bas");
        if (r >= 0)
                r = sd_bus_message_append(m, "b", 0); /* a deny list */
        if (r >= 0)
                r = sd_bus_message_append_strv(m, filter);
        for (int k = 0; k < 3 && r >= 0; k++)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)", "SystemCallErrorNumber", "i", (int32_t) EPERM);
        if (r < 0)
                return r;

        /* The environment of the container interface, then the user's. */
        id128_to_uuid_string(uuid, uuid_s);
        if (strv_extend(&env, "container=berth") < 0)
                return -ENOMEM;
        char a[64];
        snprintf(a, sizeof(a), "container_uuid=%s", uuid_s);
        if (strv_extend(&env, a) < 0)
                return -ENOMEM;
        if (user) {
                /* systemd would look the name up on the host: give it the image's numbers. */
                const char *vars[][2] = { { "HOME", user->home }, { "USER", user->name }, { "LOGNAME", user->name },
                                          { "SHELL", user->shell } };
                for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
                        char *e = NULL;
                        if (asprintf(&e, "%s=%s", vars[i][0], vars[i][1]) < 0 || strv_consume(&env, e) < 0)
                                return -ENOMEM;
                }
        }
        for (char **e = s->environment; e && *e; e++)
                if (strv_env_replace(&env, *e) < 0)
                        return -ENOMEM;
        r = append_strv_property(m, "Environment", env);
        if (r < 0)
                return r;

        if (s->working_directory && (r = sd_bus_message_append(m, "(sv)", "WorkingDirectory", "s", s->working_directory)) < 0)
                return r;
        if (user) {
                char uid[16], gid[16];
                snprintf(uid, sizeof(uid), "%u", (unsigned) user->uid);
                snprintf(gid, sizeof(gid), "%u", (unsigned) user->gid);
                r = sd_bus_message_append(m, "(sv)(sv)", "User", "s", uid, "Group", "s", gid);
                if (r < 0)
                        return r;
        }

        r = append_mounts(m, s);
        if (r < 0)
                return r;
        /* systemd provides them in $CREDENTIALS_DIRECTORY, below the root, readable by User=. */
        r = transient_append_credentials(m, s->credentials, s->n_credentials);
        if (r < 0)
                return r;

        r = close_transient_call(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static bool credential_is_from_host_file(const Credential *c) {
        return c->path && c->path[0] == '/';
}

int transient_append_credentials(sd_bus_message *m, const Credential *c, size_t n) {
        size_t n_load = 0;
        int r = 0;

        for (size_t i = 0; i < n; i++)
                n_load += credential_is_from_host_file(&c[i]);

        if (n_load > 0) {
                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "LoadCredential");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a(ss)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(ss)");
                for (size_t i = 0; i < n && r >= 0; i++)
                        if (credential_is_from_host_file(&c[i]))
                                r = sd_bus_message_append(m, "(ss)", c[i].id, c[i].path);
                for (int k = 0; k < 3 && r >= 0; k++)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }

        if (n_load < n) {
                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "SetCredential");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a(say)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(say)");
                for (size_t i = 0; i < n && r >= 0; i++) {
                        if (credential_is_from_host_file(&c[i]))
                                continue;
                        /* A value given, or read from berth's own credentials. */
                        if (!c[i].data)
                                return -EINVAL;
                        r = sd_bus_message_open_container(m, 'r', "say");
                        if (r >= 0)
                                r = sd_bus_message_append(m, "s", c[i].id);
                        if (r >= 0)
                                r = sd_bus_message_append_array(m, 'y', c[i].data, c[i].size);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                }
                for (int k = 0; k < 3 && r >= 0; k++)
                        r = sd_bus_message_close_container(m);
        }
        return r < 0 ? r : 0;
}

int launcher_run_argv(const char *berth_path, const char *machine, bool boot, const Credential *credentials,
                      size_t n_credentials, char **options, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "--machine=%s", machine) < 0)
                return -ENOMEM;
        /* Root in a machine run as a unit is an unprivileged UID range on the host (-U), as with
         * systemd-nspawn@.service; an option given after it, or a trusted settings file, may say otherwise. */
        const char *base[] = { berth_path, "run", "--quiet", "--keep-unit", "-U", m };
        const char *booted[] = { "--boot", "--private-network", "--link-journal=try-guest", "--settings=override" };
        /* A single process is confined as systemd's sandboxing confines it where there is no
         * launcher: no new privileges (no setuid program of the image makes its user root) and
         * neither CAP_SYS_ADMIN nor CAP_SYS_PTRACE, unless the user's own options say otherwise. */
        const char *single[] = { "--settings=no", "--no-new-privileges", "--drop-capability=CAP_SYS_ADMIN,CAP_SYS_PTRACE" };
        for (size_t i = 0; i < ELEMENTSOF(base); i++)
                if (strv_extend(&argv, base[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < (boot ? ELEMENTSOF(booted) : ELEMENTSOF(single)); i++)
                if (strv_extend(&argv, boot ? booted[i] : single[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < n_credentials; i++) {
                char *a = NULL;
                if (asprintf(&a, "--load-credential=%s:%s", credentials[i].id, credentials[i].id) < 0)
                        return -ENOMEM;
                if (strv_consume(&argv, a) < 0)
                        return -ENOMEM;
        }
        for (char **o = options; o && *o; o++)
                if (strv_extend(&argv, *o) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(argv);
        return 0;
}

int transient_launcher_call(sd_bus *bus, const char *unit, const char *description, const char *slice,
                            const char *berth_path, char **run_argv, const Credential *credentials,
                            size_t n_credentials, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = new_transient_call(bus, unit, &m);
        if (r < 0)
                return r;
        /* As berth@.service, and collected when it failed so that the name can be started again. */
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s", description, "Type", "s",
                                  "notify", "KillMode", "s", "mixed", "Delegate", "b", 1, "Slice", "s",
                                  slice ?: "machine.slice", "DevicePolicy", "s", "closed", "TasksMax", "t", (uint64_t) 16384,
                                  "CollectMode", "s", "inactive-or-failed");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)", "RestartForceExitStatus", "(aiai)", 1, (int32_t) 133, 0,
                                          "SuccessExitStatus", "(aiai)", 1, (int32_t) 133, 0);
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)", "DeviceAllow", "a(ss)", 2, "/dev/net/tun", "rwm", "char-pts", "rw");
        if (r >= 0)
                r = append_exec_start(m, berth_path, run_argv);
        if (r >= 0)
                r = transient_append_credentials(m, credentials, n_credentials);
        if (r >= 0)
                r = close_transient_call(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}
