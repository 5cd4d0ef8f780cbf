/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "settings.h"
#include "strv.h"
#include "journal-link.h"
#include "settings-file.h"
#include "unit-property.h"

enum {
        ARG_CHDIR = 0x100,
        ARG_HOSTNAME,
        ARG_UUID,
        ARG_KILL_SIGNAL,
        ARG_BIND,
        ARG_BIND_RO,
        ARG_TMPFS,
        ARG_INACCESSIBLE,
        ARG_READ_ONLY,
        ARG_VOLATILE,
        ARG_OVERLAY,
        ARG_OVERLAY_RO,
        ARG_CAPABILITY,
        ARG_DROP_CAPABILITY,
        ARG_NO_NEW_PRIVILEGES,
        ARG_PRIVATE_NETWORK,
        ARG_CONSOLE,
        ARG_REGISTER,
        ARG_KEEP_UNIT,
        ARG_SLICE,
        ARG_PROPERTY,
        ARG_LINK_JOURNAL,
        ARG_SETTINGS,
        ARG_SET_CREDENTIAL,
        ARG_LOAD_CREDENTIAL,
        ARG_PRIVATE_USERS,
        ARG_PRIVATE_USERS_OWNERSHIP,
};

static const struct option run_options[] = {
        { "help",              no_argument,       NULL, 'h'                   },
        { "directory",         required_argument, NULL, 'D'                   },
        { "machine",           required_argument, NULL, 'M'                   },
        { "boot",              no_argument,       NULL, 'b'                   },
        { "as-pid2",           no_argument,       NULL, 'a'                   },
        { "chdir",             required_argument, NULL, ARG_CHDIR             },
        { "setenv",            required_argument, NULL, 'E'                   },
        { "user",              required_argument, NULL, 'u'                   },
        { "hostname",          required_argument, NULL, ARG_HOSTNAME          },
        { "uuid",              required_argument, NULL, ARG_UUID              },
        { "kill-signal",       required_argument, NULL, ARG_KILL_SIGNAL       },
        { "bind",              required_argument, NULL, ARG_BIND              },
        { "bind-ro",           required_argument, NULL, ARG_BIND_RO           },
        { "tmpfs",             required_argument, NULL, ARG_TMPFS             },
        { "inaccessible",      required_argument, NULL, ARG_INACCESSIBLE      },
        { "read-only",         no_argument,       NULL, ARG_READ_ONLY         },
        { "volatile",          optional_argument, NULL, ARG_VOLATILE          },
        { "ephemeral",         no_argument,       NULL, 'x'                   },
        { "overlay",           required_argument, NULL, ARG_OVERLAY           },
        { "overlay-ro",        required_argument, NULL, ARG_OVERLAY_RO        },
        { "capability",        required_argument, NULL, ARG_CAPABILITY        },
        { "drop-capability",   required_argument, NULL, ARG_DROP_CAPABILITY   },
        { "no-new-privileges", optional_argument, NULL, ARG_NO_NEW_PRIVILEGES },
        { "private-network",   no_argument,       NULL, ARG_PRIVATE_NETWORK   },
        { "console",           required_argument, NULL, ARG_CONSOLE           },
        { "pipe",              no_argument,       NULL, 'P'                   },
        { "quiet",             no_argument,       NULL, 'q'                   },
        { "register",          required_argument, NULL, ARG_REGISTER          },
        { "keep-unit",         no_argument,       NULL, ARG_KEEP_UNIT         },
        { "slice",             required_argument, NULL, ARG_SLICE             },
        { "property",          required_argument, NULL, ARG_PROPERTY          },
        { "link-journal",      required_argument, NULL, ARG_LINK_JOURNAL      },
        { "settings",          required_argument, NULL, ARG_SETTINGS          },
        { "set-credential",    required_argument, NULL, ARG_SET_CREDENTIAL    },
        { "load-credential",   required_argument, NULL, ARG_LOAD_CREDENTIAL   },
        { "private-users",     optional_argument, NULL, ARG_PRIVATE_USERS     },
        { "private-users-ownership", required_argument, NULL, ARG_PRIVATE_USERS_OWNERSHIP },
        {}
};

static int fail(char **ret_error, int r, const char *format, ...) _printf_(3, 4);
static int fail(char **ret_error, int r, const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        if (vasprintf(ret_error, format, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        /* The message quotes user input: keep it one printable line. */
        for (char *p = *ret_error; p && *p; p++)
                if ((unsigned char) *p < ' ' || *p == 0x7f)
                        *p = '?';
        return r;
}

static int replace_string(char **p, const char *v) {
        char *c = strdup(v);
        if (!c)
                return -ENOMEM;
        free(*p);
        *p = c;
        return 0;
}

static bool user_name_is_valid(const char *s) {
        if (isempty(s) || strlen(s) > 256)
                return false;
        if (s[0] == '-')
                return false;
        for (const char *p = s; *p; p++)
                if (!(isalnum((unsigned char) *p) || strchr("._-$", *p)))
                        return false;
        return true;
}

static const char *option_name(int c, char buf[static 3]) {
        for (const struct option *o = run_options; o->name; o++)
                if (o->val == c)
                        return o->name;
        buf[0] = (char) c;
        buf[1] = 0;
        return buf;
}

static int parse_run_argv(Settings *s, int argc, char **argv, char **ret_error) {
        CustomMount m;
        int c, r;

        *ret_error = NULL;
        optind = 0; /* full reinitialisation, so the parser can run more than once */
        opterr = 0;

        for (;;) {
                /* The argument getopt reads now: within a cluster of short options ("-bZ") optind
                 * stays on it, so argv[optind - 1] may be the argument before. */
                int current = optind == 0 ? 1 : optind;
                char buf[3];

                /* '+': options end at the first non-option argument, as in nspawn. */
                c = getopt_long(argc, argv, "+hD:M:baE:u:xPqU", run_options, NULL);
                if (c < 0)
                        break;

                switch (c) {
                case 'h':
                        return 1;

                case 'D':
                        if (isempty(optarg))
                                return fail(ret_error, -EINVAL, "--directory= needs a path.");
                        r = replace_string(&s->directory, optarg);
                        if (r < 0)
                                return r;
                        s->mask |= SETTING_DIRECTORY;
                        break;

                case 'M':
                        if (!machine_name_is_valid(optarg))
                                return fail(ret_error, -EINVAL,
                                            "Invalid machine name '%s': use letters, digits, '-' and '.', at most 64 characters.",
                                            optarg);
                        r = replace_string(&s->machine, optarg);
                        if (r < 0)
                                return r;
                        break;

                case 'b':
                        if (s->start_mode == START_PID2)
                                return fail(ret_error, -EINVAL, "--boot and --as-pid2 may not be combined.");
                        s->start_mode = START_BOOT;
                        s->mask |= SETTING_START_MODE;
                        break;

                case 'a':
                        if (s->start_mode == START_BOOT)
                                return fail(ret_error, -EINVAL, "--boot and --as-pid2 may not be combined.");
                        s->start_mode = START_PID2;
                        s->mask |= SETTING_START_MODE;
                        break;

                case ARG_CHDIR:
                        if (!path_is_absolute(optarg))
                                return fail(ret_error, -EINVAL, "--chdir= needs an absolute path, not '%s'.", optarg);
                        r = replace_string(&s->working_directory, optarg);
                        if (r < 0)
                                return r;
                        s->mask |= SETTING_WORKING_DIRECTORY;
                        break;

                case 'E': {
                        _cleanup_free_ char *a = NULL;
                        if (!strchr(optarg, '=')) {
                                /* -E NAME passes the variable on from berth's own environment. */
                                const char *v = getenv(optarg);
                                if (!v)
                                        return fail(ret_error, -EINVAL, "--setenv=%s: no such variable in the environment.", optarg);
                                if (asprintf(&a, "%s=%s", optarg, v) < 0)
                                        return -ENOMEM;
                        } else {
                                a = strdup(optarg);
                                if (!a)
                                        return -ENOMEM;
                        }
                        if (!env_assignment_is_valid(a))
                                return fail(ret_error, -EINVAL, "Invalid environment assignment '%s': use NAME=VALUE.", optarg);
                        r = strv_env_replace(&s->environment, a);
                        if (r < 0)
                                return r;
                        s->mask |= SETTING_ENVIRONMENT;
                        break;
                }

                case 'u':
                        if (!user_name_is_valid(optarg))
                                return fail(ret_error, -EINVAL, "Invalid user name '%s'.", optarg);
                        r = replace_string(&s->user, optarg);
                        if (r < 0)
                                return r;
                        s->mask |= SETTING_USER;
                        break;

                case ARG_HOSTNAME:
                        if (!hostname_is_valid(optarg))
                                return fail(ret_error, -EINVAL, "Invalid hostname '%s'.", optarg);
                        r = replace_string(&s->hostname, optarg);
                        if (r < 0)
                                return r;
                        s->mask |= SETTING_HOSTNAME;
                        break;

                case ARG_UUID:
                        if (id128_from_string(optarg, &s->uuid) < 0)
                                return fail(ret_error, -EINVAL,
                                            "Invalid UUID '%s': use 32 hexadecimal digits or the 8-4-4-4-12 form.", optarg);
                        s->mask |= SETTING_MACHINE_ID;
                        break;

                case ARG_KILL_SIGNAL:
                        r = signal_from_string(optarg);
                        if (r < 0)
                                return fail(ret_error, -EINVAL, "Invalid signal '%s'.", optarg);
                        s->kill_signal = r;
                        s->mask |= SETTING_KILL_SIGNAL;
                        break;

                case ARG_BIND:
                case ARG_BIND_RO:
                        r = custom_mount_parse_bind(optarg, c == ARG_BIND_RO, &m);
                        if (r == -EOPNOTSUPP)
                                return fail(ret_error, -EINVAL,
                                            "--%s=%s: unknown bind option; use rbind, norbind, idmap or noidmap.",
                                            option_name(c, buf), optarg);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return fail(ret_error, -EINVAL,
                                            "--%s=%s: expected SOURCE[:DESTINATION[:OPTIONS]] with absolute paths (or +PATH in the image).",
                                            option_name(c, buf), optarg);
                        goto add_mount;

                case ARG_TMPFS:
                        r = custom_mount_parse_tmpfs(optarg, &m);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return fail(ret_error, -EINVAL, "--tmpfs=%s: expected an absolute PATH[:OPTIONS].", optarg);
                        goto add_mount;

                case ARG_INACCESSIBLE:
                        r = custom_mount_parse_inaccessible(optarg, &m);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return fail(ret_error, -EINVAL, "--inaccessible=%s: expected an absolute path.", optarg);
                        goto add_mount;

                case ARG_OVERLAY:
                case ARG_OVERLAY_RO:
                        r = custom_mount_parse_overlay(optarg, c == ARG_OVERLAY_RO, &m);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return fail(ret_error, -EINVAL,
                                            "--%s=%s: expected at least two colon-separated absolute paths, the last one the destination.",
                                            option_name(c, buf), optarg);
                add_mount:
                        r = settings_add_custom_mount(s, &m);
                        if (r < 0)
                                return r;
                        s->mask |= SETTING_CUSTOM_MOUNTS;
                        break;

                case ARG_READ_ONLY:
                        s->read_only = true;
                        s->mask |= SETTING_READ_ONLY;
                        break;

                case ARG_VOLATILE:
                        if (!optarg)
                                s->volatile_mode = VOLATILE_YES;
                        else {
                                VolatileMode v = volatile_mode_from_string(optarg);
                                if (v < 0)
                                        return fail(ret_error, -EINVAL,
                                                    "Invalid --volatile= mode '%s': use no, yes, state or overlay.", optarg);
                                s->volatile_mode = v;
                        }
                        s->mask |= SETTING_VOLATILE_MODE;
                        break;

                case 'x':
                        s->ephemeral = true;
                        s->mask |= SETTING_EPHEMERAL;
                        break;

                case ARG_CAPABILITY:
                case ARG_DROP_CAPABILITY: {
                        uint64_t set;
                        if (capability_set_from_string(optarg, &set) < 0)
                                return fail(ret_error, -EINVAL,
                                            "--%s=%s: expected a comma-separated list of capability names (CAP_...) or 'all'.",
                                            option_name(c, buf), optarg);
                        if (c == ARG_CAPABILITY) {
                                s->capability_add |= set;
                                s->capability_drop &= ~set;
                        } else {
                                s->capability_drop |= set;
                                s->capability_add &= ~set;
                        }
                        s->mask |= SETTING_CAPABILITY;
                        break;
                }

                case ARG_NO_NEW_PRIVILEGES:
                        if (optarg) {
                                r = parse_boolean(optarg);
                                if (r < 0)
                                        return fail(ret_error, -EINVAL, "--no-new-privileges=%s: expected yes or no.", optarg);
                                s->no_new_privileges = r;
                        } else
                                s->no_new_privileges = true;
                        s->mask |= SETTING_NO_NEW_PRIVILEGES;
                        break;

                case 'U':
                        s->userns_mode = USERNS_PICK;
                        s->mask |= SETTING_USERNS;
                        break;

                case ARG_PRIVATE_USERS:
                        r = private_users_parse(optarg ?: "yes", &s->userns_mode, &s->uid_shift, &s->uid_range);
                        if (r == -ENOMEM)
                                return r;
                        if (r == -ERANGE)
                                return fail(ret_error, -EINVAL,
                                            "--private-users=%s: the range must hold at least one UID and end below 4294967295.",
                                            optarg);
                        if (r < 0)
                                return fail(ret_error, -EINVAL,
                                            "--private-users=%s: use no, yes, pick, identity, UID or UID:COUNT.", optarg);
                        s->mask |= SETTING_USERNS;
                        break;

                case ARG_PRIVATE_USERS_OWNERSHIP: {
                        UserNamespaceOwnership o = userns_ownership_from_string(optarg);
                        if (o < 0)
                                return fail(ret_error, -EINVAL,
                                            "--private-users-ownership=%s: use off, chown, map or auto.", optarg);
                        s->userns_ownership = o;
                        s->mask |= SETTING_USERNS_OWNERSHIP;
                        break;
                }

                case ARG_PRIVATE_NETWORK:
                        s->private_network = true;
                        s->mask |= SETTING_NETWORK;
                        break;

                case ARG_CONSOLE: {
                        ConsoleMode cm = console_mode_from_string(optarg);
                        if (cm < 0)
                                return fail(ret_error, -EINVAL,
                                            "Invalid --console= mode '%s': use interactive, read-only, passive, pipe or autopipe.",
                                            optarg);
                        s->console_mode = cm;
                        s->mask |= SETTING_CONSOLE_MODE;
                        break;
                }

                case 'P':
                        s->console_mode = CONSOLE_PIPE;
                        s->mask |= SETTING_CONSOLE_MODE;
                        break;

                case 'q':
                        s->quiet = true;
                        break;

                case ARG_REGISTER: {
                        RegisterMode rm = register_mode_from_string(optarg);
                        if (rm < 0)
                                return fail(ret_error, -EINVAL, "Invalid --register= value '%s': use yes, no or auto.", optarg);
                        s->register_mode = rm;
                        break;
                }

                case ARG_KEEP_UNIT:
                        s->keep_unit = true;
                        break;

                case ARG_LINK_JOURNAL: {
                        LinkJournal lj = link_journal_from_string(optarg);
                        if (lj < 0)
                                return fail(ret_error, -EINVAL,
                                            "Invalid --link-journal= value '%s': use no, auto, host, try-host, guest or try-guest.",
                                            optarg);
                        s->link_journal = lj;
                        s->mask |= SETTING_LINK_JOURNAL;
                        break;
                }

                case ARG_SETTINGS: {
                        SettingsMode sm = settings_mode_from_string(optarg);
                        if (sm < 0)
                                return fail(ret_error, -EINVAL, "Invalid --settings= value '%s': use yes, no, override or trusted.",
                                            optarg);
                        s->settings_mode = sm;
                        break;
                }

                case ARG_SET_CREDENTIAL:
                case ARG_LOAD_CREDENTIAL: {
                        /* The value is never quoted back: it may be a secret. The ID may be. */
                        _cleanup_(credential_done) Credential cred = {};
                        const char *what = c == ARG_SET_CREDENTIAL ? "ID:VALUE" : "ID:PATH";
                        const char *colon = strchr(optarg, ':');
                        int idlen = !colon ? 0 : colon - optarg > 300 ? 300 : (int) (colon - optarg);

                        r = c == ARG_SET_CREDENTIAL ? credential_parse_set(optarg, &cred) : credential_parse_load(optarg, &cred);
                        if (r == -ENOMEM)
                                return r;
                        if (r == -EINVAL)
                                return fail(ret_error, -EINVAL, "--%s= expects %s.", option_name(c, buf), what);
                        if (r == -EBADR)
                                return fail(ret_error, -EINVAL,
                                            "--%s=: invalid credential name '%.*s': use up to 255 printable ASCII characters, no '/' or ':', not '.' or '..'.",
                                            option_name(c, buf), idlen, optarg);
                        if (r == -EBADMSG && c == ARG_SET_CREDENTIAL)
                                return fail(ret_error, -EINVAL,
                                            "--set-credential=%.*s:...: invalid escape in the value; use \\\\, \\n, \\t, \\xHH, \\NNN, \\uHHHH and the like.",
                                            idlen, optarg);
                        if (r == -EBADMSG)
                                return fail(ret_error, -EINVAL,
                                            "--load-credential=%.*s:...: expected an absolute path (without '..'), or the name of one of berth's own credentials.",
                                            idlen, optarg);
                        if (r == -EFBIG)
                                return fail(ret_error, -EINVAL, "--set-credential=%.*s:...: the value is larger than 1 MiB.", idlen, optarg);
                        if (r < 0)
                                return fail(ret_error, -EINVAL, "--%s= expects %s.", option_name(c, buf), what);

                        r = settings_add_credential(s, &cred);
                        if (r == -EEXIST)
                                return fail(ret_error, -EINVAL, "Credential '%s' is given twice.", cred.id);
                        if (r < 0)
                                return r;
                        if (credentials_size(s->credentials, s->n_credentials) > CREDENTIALS_TOTAL_SIZE_MAX)
                                return fail(ret_error, -EINVAL, "The values of --set-credential= are larger than 1 MiB together.");
                        s->mask |= SETTING_CREDENTIALS;
                        break;
                }

                case ARG_SLICE: {
                        _cleanup_free_ char *a = NULL;
                        UnitProperty p;
                        if (asprintf(&a, "Slice=%s", optarg) < 0)
                                return -ENOMEM;
                        r = unit_property_parse(a, &p);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return fail(ret_error, -EINVAL, "Invalid slice name '%s': use NAME.slice.", optarg);
                        unit_property_done(&p);
                        r = replace_string(&s->slice, optarg);
                        if (r < 0)
                                return r;
                        break;
                }

                case ARG_PROPERTY: {
                        UnitProperty p;
                        r = unit_property_parse(optarg, &p);
                        if (r == -ENOMEM)
                                return r;
                        if (r == -EOPNOTSUPP)
                                return fail(ret_error, -EINVAL,
                                            "--property=%s: unknown property; berth knows CPUQuota, CPUWeight, StartupCPUWeight, Memory{Max,High,Low,Min,SwapMax}, TasksMax, IOWeight, DeviceAllow, DevicePolicy, KillMode, KillSignal, Slice, Description, Delegate and the *Accounting switches.",
                                            optarg);
                        if (r < 0)
                                return fail(ret_error, -EINVAL, "--property=%s: invalid value; use NAME=VALUE as in a unit file.", optarg);
                        unit_property_done(&p);
                        r = strv_extend(&s->properties, optarg);
                        if (r < 0)
                                return r;
                        break;
                }

                case '?': {
                        const char *arg = current < argc ? argv[current] : "";

                        /* getopt sets optopt to a known long option's value too: name long options as
                         * given, but only up to the '=': the value of a mistyped --set-credential= is
                         * a secret. */
                        if (startswith(arg, "--")) {
                                int n = (int) strcspn(arg, "=");
                                if (optopt == 0)
                                        return fail(ret_error, -EINVAL,
                                                    "Option '%.*s' is not known or ambiguous; see 'berth run --help'.", n, arg);
                                return fail(ret_error, -EINVAL, "Option '%.*s' %s.", n, arg,
                                            arg[n] ? "takes no argument" : "needs an argument");
                        }
                        if (optopt != 0)
                                return fail(ret_error, -EINVAL, "Option -%c %s.", optopt,
                                            strchr("DMEu", optopt) ? "needs an argument" : "is not known; see 'berth run --help'");
                        return fail(ret_error, -EINVAL, "Option '%s' is not known or lacks its argument; see 'berth run --help'.",
                                    arg);
                }

                default:
                        return fail(ret_error, -EINVAL, "Unhandled option.");
                }
        }

        if (optind < argc) {
                strv_free(s->parameters);
                s->parameters = strv_copy(argv + optind);
                if (!s->parameters)
                        return -ENOMEM;
                s->mask |= SETTING_PARAMETERS;
        }

        return settings_verify(s, ret_error);
}

int settings_parse_run_argv(Settings *s, int argc, char **argv, char **ret_error) {
        int r = parse_run_argv(s, argc, argv, ret_error);
        /* The paths that fail to allocate set no message of their own. */
        if (r < 0 && !*ret_error)
                *ret_error = strdup(r == -ENOMEM ? "Out of memory." : "Failed to parse the options.");
        return r;
}

int settings_run_argv_strip_credentials(int argc, char **argv, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ bool *drop = calloc((size_t) argc + 1, sizeof(bool));
        int c;

        if (!drop)
                return -ENOMEM;
        optind = 0;
        opterr = 0;
        for (;;) {
                int before = optind == 0 ? 1 : optind;
                c = getopt_long(argc, argv, "+hD:M:baE:u:xPqU", run_options, NULL);
                if (c < 0)
                        break;
                /* Long options take whole arguments: the one just read, and its value if separate. */
                if (IN_SET(c, ARG_SET_CREDENTIAL, ARG_LOAD_CREDENTIAL))
                        for (int i = before; i < optind && i < argc; i++)
                                drop[i] = true;
        }
        for (int i = 1; i < argc; i++)
                if (!drop[i] && strv_extend(&l, argv[i]) < 0)
                        return -ENOMEM;
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}
