/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-link.h"
#include "settings-file.h"
#include "settings.h"
#include "strv.h"

void settings_init(Settings *s) {
        *s = (Settings) {
                .start_mode = START_PID1,
                .volatile_mode = VOLATILE_NO,
                .console_mode = _CONSOLE_MODE_INVALID,
                .register_mode = REGISTER_AUTO,
                .link_journal = LINK_JOURNAL_AUTO,
                .settings_mode = SETTINGS_YES,
                .userns_mode = USERNS_NO,
                .uid_shift = UID_SHIFT_FROM_IMAGE,
                .uid_range = UID_RANGE_DEFAULT,
                .userns_ownership = USERNS_OWNERSHIP_AUTO,
        };
}

void custom_mount_done(CustomMount *m) {
        free(m->source);
        free(m->destination);
        free(m->options);
        strv_free(m->lower);
        free(m->upper);
        *m = (CustomMount) {};
}

void settings_done(Settings *s) {
        free(s->directory);
        free(s->machine);
        free(s->hostname);
        strv_free(s->parameters);
        free(s->working_directory);
        strv_free(s->environment);
        free(s->user);
        for (size_t i = 0; i < s->n_custom_mounts; i++)
                custom_mount_done(&s->custom_mounts[i]);
        free(s->custom_mounts);
        credentials_free(s->credentials, s->n_credentials);
        free(s->slice);
        strv_free(s->properties);
        settings_init(s);
}

static const char *const start_mode_table[_START_MODE_MAX] = {
        [START_PID1] = "pid1",
        [START_PID2] = "pid2",
        [START_BOOT] = "boot",
};

static const char *const volatile_mode_table[_VOLATILE_MODE_MAX] = {
        [VOLATILE_NO] = "no",
        [VOLATILE_YES] = "yes",
        [VOLATILE_STATE] = "state",
        [VOLATILE_OVERLAY] = "overlay",
};

static const char *const console_mode_table[_CONSOLE_MODE_MAX] = {
        [CONSOLE_INTERACTIVE] = "interactive",
        [CONSOLE_READ_ONLY] = "read-only",
        [CONSOLE_PASSIVE] = "passive",
        [CONSOLE_PIPE] = "pipe",
        [CONSOLE_AUTOPIPE] = "autopipe",
};

static const char *const register_mode_table[_REGISTER_MODE_MAX] = {
        [REGISTER_NO] = "no",
        [REGISTER_YES] = "yes",
        [REGISTER_AUTO] = "auto",
};

static const char *const userns_ownership_table[_USERNS_OWNERSHIP_MAX] = {
        [USERNS_OWNERSHIP_OFF] = "off",
        [USERNS_OWNERSHIP_CHOWN] = "chown",
        [USERNS_OWNERSHIP_MAP] = "map",
        [USERNS_OWNERSHIP_AUTO] = "auto",
};

static const char *const userns_mode_table[_USERNS_MODE_MAX] = {
        [USERNS_NO] = "no",
        [USERNS_FIXED] = "yes",
        [USERNS_PICK] = "pick",
        [USERNS_IDENTITY] = "identity",
};

static int table_lookup(const char *const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int) i;
        return -EINVAL;
}

static const char *table_name(const char *const *table, size_t n, int i) {
        return i >= 0 && (size_t) i < n ? table[i] : NULL;
}

const char *start_mode_to_string(StartMode m) {
        return table_name(start_mode_table, _START_MODE_MAX, m);
}

VolatileMode volatile_mode_from_string(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? VOLATILE_YES : VOLATILE_NO;
        return table_lookup(volatile_mode_table, _VOLATILE_MODE_MAX, s);
}

const char *volatile_mode_to_string(VolatileMode m) {
        return table_name(volatile_mode_table, _VOLATILE_MODE_MAX, m);
}

ConsoleMode console_mode_from_string(const char *s) {
        return table_lookup(console_mode_table, _CONSOLE_MODE_MAX, s);
}

const char *console_mode_to_string(ConsoleMode m) {
        return table_name(console_mode_table, _CONSOLE_MODE_MAX, m);
}

RegisterMode register_mode_from_string(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? REGISTER_YES : REGISTER_NO;
        return table_lookup(register_mode_table, _REGISTER_MODE_MAX, s);
}

const char *register_mode_to_string(RegisterMode m) {
        return table_name(register_mode_table, _REGISTER_MODE_MAX, m);
}

UserNamespaceOwnership userns_ownership_from_string(const char *s) {
        return table_lookup(userns_ownership_table, _USERNS_OWNERSHIP_MAX, s);
}

const char *userns_ownership_to_string(UserNamespaceOwnership o) {
        return table_name(userns_ownership_table, _USERNS_OWNERSHIP_MAX, o);
}

const char *userns_mode_to_string(UserNamespaceMode m) {
        return table_name(userns_mode_table, _USERNS_MODE_MAX, m);
}

static int parse_uid32(const char *s, uint32_t *ret) {
        char *end;

        if (isempty(s) || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int private_users_parse(const char *s, UserNamespaceMode *ret_mode, uint32_t *ret_shift, uint32_t *ret_range) {
        uint32_t shift = UID_SHIFT_FROM_IMAGE, range = UID_RANGE_DEFAULT;
        UserNamespaceMode mode;
        int b;

        if (!s)
                return -EINVAL;
        b = parse_boolean(s);
        if (b == 0)
                mode = USERNS_NO;
        else if (b > 0)
                mode = USERNS_FIXED;
        else if (streq(s, "pick"))
                mode = USERNS_PICK;
        else if (streq(s, "identity")) {
                mode = USERNS_IDENTITY;
                shift = 0;
        } else {
                const char *colon = strchr(s, ':');
                _cleanup_free_ char *first = colon ? strndup(s, (size_t) (colon - s)) : strdup(s);
                if (!first)
                        return -ENOMEM;
                if (parse_uid32(first, &shift) < 0 || (colon && parse_uid32(colon + 1, &range) < 0))
                        return -EINVAL;
                /* The range may not reach (uid_t) -1, which means "no UID" to the kernel. */
                if (range == 0 || shift == UINT32_MAX || range > UINT32_MAX - shift)
                        return -ERANGE;
                mode = USERNS_FIXED;
        }
        *ret_mode = mode;
        *ret_shift = shift;
        *ret_range = range;
        return 0;
}

/* Splits at ':' that is not escaped by a backslash; "\:" and "\\" are unescaped. */
static int split_colon_escaped(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = strlen(s);
        _cleanup_free_ char *cur = malloc(n + 1);
        size_t c = 0;

        if (!cur)
                return -ENOMEM;
        for (size_t i = 0;; i++) {
                if (s[i] == '\\' && (s[i + 1] == ':' || s[i + 1] == '\\')) {
                        cur[c++] = s[++i];
                        continue;
                }
                if (s[i] == ':' || s[i] == 0) {
                        cur[c] = 0;
                        if (strv_extend(&l, cur) < 0)
                                return -ENOMEM;
                        c = 0;
                        if (s[i] == 0)
                                break;
                        continue;
                }
                cur[c++] = s[i];
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int normalize_destination(const char *p, char **ret) {
        if (!path_is_absolute(p))
                return -EINVAL;
        return path_normalize_absolute(p, ret);
}

static bool string_has_cc(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 0x7f)
                        return true;
        return false;
}

int custom_mount_parse_bind(const char *spec, bool read_only, CustomMount *ret) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_(custom_mount_done) CustomMount m = {
                .type = CUSTOM_MOUNT_BIND,
                .read_only = read_only,
                .recursive = true,
        };
        int r;

        if (isempty(spec) || string_has_cc(spec))
                return -EINVAL;
        r = split_colon_escaped(spec, &parts);
        if (r < 0)
                return r;
        size_t n = strv_length(parts);
        if (n > 3)
                return -EINVAL;

        const char *src = parts[0];
        if (src[0] == '+') {
                _cleanup_free_ char *abs = NULL;
                m.source_in_root = true;
                if (asprintf(&abs, "/%s", src + 1) < 0)
                        return -ENOMEM;
                r = path_normalize_absolute(abs, &m.source);
        } else if (path_is_absolute(src))
                r = path_normalize_absolute(src, &m.source);
        else
                r = -EINVAL;
        if (r < 0)
                return r;

        const char *dst = n >= 2 && !isempty(parts[1]) ? parts[1] : m.source;
        r = normalize_destination(dst, &m.destination);
        if (r < 0)
                return r;

        if (n == 3) {
                _cleanup_strv_free_ char **opts = NULL;
                r = strv_split(parts[2], ',', &opts);
                if (r < 0)
                        return r;
                for (char **o = opts; *o; o++) {
                        if (streq(*o, "rbind"))
                                m.recursive = true;
                        else if (streq(*o, "norbind"))
                                m.recursive = false;
                        else if (streq(*o, "idmap"))
                                m.idmap = true;
                        else if (streq(*o, "noidmap"))
                                m.idmap = false;
                        else
                                return -EOPNOTSUPP;
                }
        }

        *ret = m;
        m = (CustomMount) {};
        return 0;
}

int custom_mount_parse_tmpfs(const char *spec, CustomMount *ret) {
        _cleanup_(custom_mount_done) CustomMount m = { .type = CUSTOM_MOUNT_TMPFS };
        const char *colon;
        int r;

        if (isempty(spec) || string_has_cc(spec))
                return -EINVAL;
        colon = strchr(spec, ':');
        _cleanup_free_ char *path = colon ? strndup(spec, (size_t) (colon - spec)) : strdup(spec);
        if (!path)
                return -ENOMEM;
        r = normalize_destination(path, &m.destination);
        if (r < 0)
                return r;
        m.options = strdup(colon && colon[1] ? colon + 1 : "mode=0755");
        if (!m.options)
                return -ENOMEM;

        *ret = m;
        m = (CustomMount) {};
        return 0;
}

int custom_mount_parse_overlay(const char *spec, bool read_only, CustomMount *ret) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_(custom_mount_done) CustomMount m = {
                .type = CUSTOM_MOUNT_OVERLAY,
                .read_only = read_only,
        };
        int r;

        if (isempty(spec) || string_has_cc(spec))
                return -EINVAL;
        r = split_colon_escaped(spec, &parts);
        if (r < 0)
                return r;
        size_t n = strv_length(parts);
        if (n < 2)
                return -EINVAL;

        /* Every path but the destination (and a writable overlay's empty upper) is an absolute host path. */
        for (size_t i = 0; i < n; i++) {
                bool may_be_empty = !read_only && i == n - 2 && n > 2;
                if (isempty(parts[i]) && may_be_empty)
                        continue;
                if (!path_is_absolute(parts[i]))
                        return -EINVAL;
        }

        size_t n_lower;
        const char *dest;
        if (read_only) {
                /* As nspawn: every path is a layer, the destination too when there are only two. */
                n_lower = n == 2 ? 2 : n - 1;
                dest = parts[n - 1];
        } else if (n == 2) {
                n_lower = 1;
                dest = parts[1];
                r = path_normalize_absolute(parts[1], &m.upper);
                if (r < 0)
                        return r;
        } else {
                n_lower = n - 2;
                dest = parts[n - 1];
                /* Normalized, so that the work directory beside it lands beside it. */
                if (isempty(parts[n - 2]))
                        m.upper = strdup("");
                else {
                        r = path_normalize_absolute(parts[n - 2], &m.upper);
                        if (r < 0)
                                return r;
                }
                if (!m.upper)
                        return -ENOMEM;
        }

        for (size_t i = 0; i < n_lower; i++) {
                char *p;
                r = path_normalize_absolute(parts[i], &p);
                if (r < 0)
                        return r;
                r = strv_consume(&m.lower, p);
                if (r < 0)
                        return r;
        }
        r = normalize_destination(dest, &m.destination);
        if (r < 0)
                return r;

        *ret = m;
        m = (CustomMount) {};
        return 0;
}

int custom_mount_parse_inaccessible(const char *spec, CustomMount *ret) {
        _cleanup_(custom_mount_done) CustomMount m = { .type = CUSTOM_MOUNT_INACCESSIBLE };
        int r;

        if (isempty(spec) || string_has_cc(spec))
                return -EINVAL;
        r = normalize_destination(spec, &m.destination);
        if (r < 0)
                return r;
        *ret = m;
        m = (CustomMount) {};
        return 0;
}

int settings_add_custom_mount(Settings *s, CustomMount *m) {
        CustomMount *n = realloc(s->custom_mounts, (s->n_custom_mounts + 1) * sizeof(CustomMount));
        if (!n) {
                custom_mount_done(m);
                return -ENOMEM;
        }
        s->custom_mounts = n;
        s->custom_mounts[s->n_custom_mounts++] = *m;
        *m = (CustomMount) {};
        return 0;
}

int settings_add_credential(Settings *s, Credential *c) {
        if (credentials_find(s->credentials, s->n_credentials, c->id))
                return -EEXIST;
        Credential *n = realloc(s->credentials, (s->n_credentials + 1) * sizeof(Credential));
        if (!n)
                return -ENOMEM;
        s->credentials = n;
        s->credentials[s->n_credentials++] = *c;
        *c = (Credential) {};
        return 0;
}

void settings_drop_credentials(Settings *s, bool loaded) {
        size_t j = 0;

        for (size_t i = 0; i < s->n_credentials; i++) {
                if (!!s->credentials[i].path == loaded)
                        credential_done(&s->credentials[i]);
                else
                        s->credentials[j++] = s->credentials[i];
        }
        s->n_credentials = j;
        if (j == 0) {
                free(s->credentials);
                s->credentials = NULL;
                s->mask &= ~SETTING_CREDENTIALS;
        }
}

uint64_t capability_default_set(void) {
        /* The same list systemd-nspawn keeps. */
        static const int caps[] = {
                CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE,    CAP_CHOWN,       CAP_DAC_OVERRIDE,
                CAP_DAC_READ_SEARCH, CAP_FOWNER,       CAP_FSETID,      CAP_IPC_OWNER,
                CAP_KILL,          CAP_LEASE,          CAP_LINUX_IMMUTABLE, CAP_MKNOD,
                CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_RAW,   CAP_SETFCAP,
                CAP_SETGID,        CAP_SETPCAP,        CAP_SETUID,      CAP_SYS_ADMIN,
                CAP_SYS_BOOT,      CAP_SYS_CHROOT,     CAP_SYS_NICE,    CAP_SYS_PTRACE,
                CAP_SYS_RESOURCE,  CAP_SYS_TTY_CONFIG,
        };
        uint64_t m = 0;
        for (size_t i = 0; i < ELEMENTSOF(caps); i++)
                m |= UINT64_C(1) << caps[i];
        return m;
}

uint64_t settings_effective_capabilities(const Settings *s) {
        uint64_t m = capability_default_set();
        if (s->private_network)
                m |= UINT64_C(1) << CAP_NET_ADMIN;
        m |= s->capability_add;
        m &= ~s->capability_drop;
        return m;
}

int settings_verify(const Settings *s, char **ret_error) {
        const char *e = NULL;

        if (s->ephemeral && s->volatile_mode != VOLATILE_NO)
                e = "--ephemeral and --volatile= may not be combined.";
        else if (s->ephemeral && s->read_only)
                e = "--ephemeral and --read-only may not be combined.";
        else if (s->volatile_mode != VOLATILE_NO && s->read_only)
                e = "--volatile= and --read-only may not be combined.";
        else if (s->start_mode == START_BOOT && s->user && !streq(s->user, "root") && !streq(s->user, "0"))
                e = "--user= may not be combined with --boot: the init runs as root.";
        else if (s->userns_mode != USERNS_NO && s->userns_ownership == USERNS_OWNERSHIP_CHOWN &&
                 (s->ephemeral || s->volatile_mode != VOLATILE_NO))
                e = "--private-users-ownership=chown would change the image itself, not the throw-away layer; use map with --ephemeral and --volatile=.";
        for (size_t i = 0; !e && i < s->n_custom_mounts; i++)
                if (s->custom_mounts[i].idmap && s->userns_mode == USERNS_NO)
                        e = "The bind option idmap needs a user namespace (-U or --private-users=).";

        if (e) {
                *ret_error = strdup(e);
                return -EINVAL;
        }
        return 0;
}
