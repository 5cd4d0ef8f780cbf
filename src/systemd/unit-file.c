/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "macro.h"
#include "strv.h"
#include "transient.h"
#include "unit-file.h"

int unit_file_quote(const char *word, char **ret) {
        char *q = malloc(strlen(word) * 2 + 3), *o = q;
        if (!q)
                return -ENOMEM;
        *o++ = '"';
        for (const char *p = word; *p; p++) {
                if (*p == '\\' || *p == '"')
                        *o++ = '\\';
                else if (*p == '$' || *p == '%')
                        *o++ = *p;
                *o++ = *p;
        }
        *o++ = '"';
        *o = 0;
        *ret = q;
        return 0;
}

static int print_exec(FILE *f, const char *key, const char *prefix, char *const *argv) {
        fprintf(f, "%s=%s", key, prefix);
        for (size_t i = 0; argv[i]; i++) {
                _cleanup_free_ char *q = NULL;
                if (unit_file_quote(argv[i], &q) < 0)
                        return -ENOMEM;
                fprintf(f, "%s%s", i > 0 ? " " : "", q);
        }
        fputc('\n', f);
        return 0;
}

/* Writes s with each '%' doubled, as a unit file's specifiers want. */
static void print_percent_escaped(FILE *f, const char *s) {
        for (; *s; s++) {
                if (*s == '%')
                        fputc('%', f);
                fputc(*s, f);
        }
}

static int print_credentials(FILE *f, const Credential *c, size_t n) {
        for (size_t i = 0; i < n; i++) {
                size_t l = c[i].path ? strlen(c[i].path) : 0;

                /* The line's value loses its leading and trailing blanks. */
                if (c[i].id[0] == ' ' || (l > 0 && c[i].path[l - 1] == ' '))
                        return -EOPNOTSUPP;
                for (size_t k = 0; k < l; k++)
                        if ((unsigned char) c[i].path[k] < ' ' || c[i].path[k] == 0x7f)
                                return -EOPNOTSUPP;
        }
        for (size_t i = 0; i < n; i++) {
                if (c[i].path) {
                        fputs("LoadCredential=", f);
                        print_percent_escaped(f, c[i].id);
                        fputc(':', f);
                        print_percent_escaped(f, c[i].path);
                        fputc('\n', f);
                        continue;
                }
                _cleanup_free_ char *v = NULL;
                if (credential_escape(c[i].data, c[i].size, &v) < 0)
                        return -ENOMEM;
                fputs("SetCredential=", f);
                print_percent_escaped(f, c[i].id);
                fprintf(f, ":%s\n", v);
                explicit_bzero(v, strlen(v));
        }
        return 0;
}

static void print_capabilities(FILE *f, uint64_t caps) {
        fputs("CapabilityBoundingSet=", f);
        bool first = true;
        for (int c = 0; c <= capability_last(); c++)
                if (caps & (UINT64_C(1) << c)) {
                        const char *n = capability_to_name(c);
                        fputs(first ? "" : " ", f);
                        for (; *n; n++)
                                fputc(*n >= 'a' && *n <= 'z' ? *n - 'a' + 'A' : *n, f);
                        first = false;
                }
        fputc('\n', f);
}

int unit_file_single_process(FILE *f, const char *berth_path, const char *machine, const char *root,
                             const char *exec_path, const Id128 *uuid, const Settings *s, const UserRecord *user,
                             unsigned systemd_version) {
        char uuid_s[37], id_s[33];
        int r;

        id128_to_uuid_string(uuid, uuid_s);
        id128_to_string(uuid, id_s);

        fprintf(f, UNIT_FILE_HEADER "%s.\n"
                   "# A single-process machine, as 'berth start %s ... -- COMMAND' starts it.\n"
                   "[Unit]\n"
                   "Description=Machine %s (berth, single process)\n"
                   "PartOf=machines.target\n"
                   "Before=machines.target\n"
                   "RequiresMountsFor=%s\n"
                   "# berth-register@.service registers the main process of berth-%s.service with\n"
                   "# systemd-machined: this unit must have that name.\n"
                   "Wants=berth-register@%s.service\n\n"
                   "[Service]\n"
                   "Type=exec\n"
                   "Slice=%s\n"
                   "RootDirectory=%s\n"
                   "MountAPIVFS=yes\n",
                machine, machine, machine, root, machine, machine, s->slice ?: "machine.slice", root);

        _cleanup_free_ char **argv = calloc(strv_length(s->parameters) + 1, sizeof(char *));
        if (!argv)
                return -ENOMEM;
        argv[0] = (char *) exec_path;
        for (size_t i = 1; s->parameters[i]; i++)
                argv[i] = s->parameters[i];
        r = print_exec(f, "ExecStart", "", argv);
        if (r < 0)
                return r;

        fputs("PrivateUsers=yes\nPrivateDevices=yes\nPrivateTmp=yes\nPrivateIPC=yes\nProtectProc=invisible\n"
              "ProtectHostname=yes\nProtectKernelTunables=yes\nProtectKernelModules=yes\nProtectKernelLogs=yes\n"
              "ProtectControlGroups=yes\nNoNewPrivileges=yes\n",
              f);
        print_capabilities(f, single_process_capabilities(s));
        fputs("SystemCallFilter=~", f);
        for (size_t i = 0; refused_syscalls[i]; i++)
                fprintf(f, "%s%s", i > 0 ? " " : "", refused_syscalls[i]);
        fputs("\nSystemCallErrorNumber=EPERM\n", f);
        if (s->private_network)
                fputs("PrivateNetwork=yes\n", f);
        if (systemd_version >= SYSTEMD_VERSION_PRIVATE_PIDS)
                fputs("PrivatePIDs=yes\n", f);

        fprintf(f, "Environment=container=berth container_uuid=%s\n", uuid_s);
        if (user)
                fprintf(f, "Environment=\"HOME=%s\" \"USER=%s\" \"LOGNAME=%s\" \"SHELL=%s\"\nUser=%u\nGroup=%u\n", user->home,
                        user->name, user->name, user->shell, (unsigned) user->uid, (unsigned) user->gid);
        for (char **e = s->environment; e && *e; e++) {
                _cleanup_free_ char *q = NULL;
                if (unit_file_quote(*e, &q) < 0)
                        return -ENOMEM;
                fprintf(f, "Environment=%s\n", q);
        }
        if (s->working_directory)
                fprintf(f, "WorkingDirectory=%s\n", s->working_directory);

        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                const CustomMount *m = &s->custom_mounts[i];
                switch (m->type) {
                case CUSTOM_MOUNT_BIND:
                        if (m->source_in_root)
                                return -EOPNOTSUPP;
                        fprintf(f, "%s=%s:%s:%s\n", m->read_only ? "BindReadOnlyPaths" : "BindPaths", m->source,
                                m->destination, m->recursive ? "rbind" : "norbind");
                        break;
                case CUSTOM_MOUNT_TMPFS:
                        fprintf(f, "TemporaryFileSystem=%s:%s\n", m->destination, m->options ?: "");
                        break;
                case CUSTOM_MOUNT_INACCESSIBLE:
                        fprintf(f, "InaccessiblePaths=+%s\n", m->destination);
                        break;
                default:
                        return -EOPNOTSUPP;
                }
        }
        if (s->read_only)
                fputs("ReadOnlyPaths=+/\n", f);
        /* systemd provides them in $CREDENTIALS_DIRECTORY, below the root, readable by User=. */
        r = print_credentials(f, s->credentials, s->n_credentials);
        if (r < 0)
                return r;

        fputs("\n[Install]\nWantedBy=machines.target\n", f);
        return 0;
}

int unit_file_launcher(FILE *f, const char *berth_path, const char *machine, bool boot, char **run_options,
                       const Credential *credentials, size_t n_credentials) {
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        r = launcher_run_argv(berth_path, machine, boot, credentials, n_credentials, run_options, &argv);
        if (r < 0)
                return r;
        fprintf(f, UNIT_FILE_HEADER "%s.\n", machine);
        if (boot)
                fprintf(f, "# A booted machine, as berth@%s.service but with its own options.\n", machine);
        else
                fprintf(f, "# A single-process machine in berth's launcher: this systemd has no PrivatePIDs=\n"
                           "# (systemd %u and later) to keep it from the host's processes.\n",
                        SYSTEMD_VERSION_PRIVATE_PIDS);
        fprintf(f, "[Unit]\n"
                   "Description=Machine %s (berth%s)\n"
                   "PartOf=machines.target\n"
                   "Before=machines.target\n"
                   "After=network.target\n\n"
                   "[Service]\n"
                   "Type=notify\n",
                machine, boot ? "" : ", single process");
        r = print_exec(f, "ExecStart", "", argv);
        if (r < 0)
                return r;
        fputs("KillMode=mixed\nDelegate=yes\nSlice=machine.slice\nTasksMax=16384\nRestartForceExitStatus=133\n"
              "SuccessExitStatus=133\nDevicePolicy=closed\nDeviceAllow=/dev/net/tun rwm\nDeviceAllow=char-pts rw\n",
              f);
        /* The unit's credentials; berth run passes them on to the machine. */
        r = print_credentials(f, credentials, n_credentials);
        if (r < 0)
                return r;
        fputs("\n[Install]\nWantedBy=machines.target\n", f);
        return 0;
}
