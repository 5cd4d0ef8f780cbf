/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-link.h"
#include "settings-file.h"
#include "strv.h"

/* Values quoted in warnings are cut here, so that one bad line cannot make a huge message. */
#define QUOTE_MAX 200
/* Bounds that keep any input, however large, to about linear time: far above what a real file
 * holds, and past the kernel's own limits (overlayfs stacks at most 500 layers). */
#define WARNINGS_MAX 1000
#define PARAMETERS_MAX 4096
#define ENVIRONMENT_MAX 1024
#define MOUNTS_MAX 1024
#define MOUNT_COLONS_MAX 1024
#define CREDENTIALS_MAX 1024

/* A string list that grows in amortised constant time. */
typedef struct StrvBuilder {
        char **l;
        size_t n, allocated;
} StrvBuilder;

typedef enum SectionState {
        SECTION_NONE,       /* before the first section header */
        SECTION_KNOWN,
        SECTION_IGNORED,    /* unknown, "X-" or malformed: its keys are skipped silently */
} SectionState;

typedef struct Parser {
        const char *filename;
        bool trusted;
        Settings *settings;
        StrvBuilder warnings;
        StrvBuilder parameters;  /* always the same list as settings->parameters */
        unsigned line;
        SectionState section_state;
        const char *section;  /* the name, for SECTION_KNOWN */
} Parser;

typedef struct KeyTable KeyTable;
/* Returns 0 when the value was taken or a warning was recorded; negative only for -ENOMEM. */
typedef int (*KeyParseFunc)(Parser *p, const KeyTable *k, const char *value);

typedef enum MountKind {
        MOUNT_KIND_BIND,
        MOUNT_KIND_BIND_RO,
        MOUNT_KIND_TMPFS,
        MOUNT_KIND_INACCESSIBLE,
        MOUNT_KIND_OVERLAY,
        MOUNT_KIND_OVERLAY_RO,
} MountKind;

typedef enum StringCheck {
        CHECK_USER,
        CHECK_HOSTNAME,
        CHECK_ABSOLUTE_PATH,
} StringCheck;

struct KeyTable {
        const char *section;
        const char *key;
        KeyParseFunc parse;  /* NULL: a key of systemd.nspawn(5) that berth cannot do yet */
        int arg;             /* the parser's own: a MountKind, StringCheck, StartMode, ... */
        size_t offset;       /* of the field in Settings, for the generic parsers */
        uint64_t mask;
        bool privileged;     /* ignored in untrusted files: the keys nspawn 252 ignores there */
};

static const char *const known_sections[] = { "Exec", "Files", "Network" };

static bool is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Takes s, also on failure. */
static int strv_builder_consume(StrvBuilder *b, char *s) {
        if (!s)
                return -ENOMEM;
        if (b->n + 2 > b->allocated) {
                size_t a = (b->n + 2) * 2;
                char **t = realloc(b->l, a * sizeof(char *));
                if (!t) {
                        free(s);
                        return -ENOMEM;
                }
                b->l = t;
                b->allocated = a;
        }
        b->l[b->n++] = s;
        b->l[b->n] = NULL;
        return 0;
}

/* How much of s a warning quotes: at most QUOTE_MAX bytes, not cutting a UTF-8 character. */
static int quote_len(const char *s) {
        size_t n = strlen(s);
        if (n <= QUOTE_MAX)
                return (int) n;
        n = QUOTE_MAX;
        while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
                n--;
        return (int) n;
}

static const char *ellipsis(const char *s) {
        return strlen(s) > QUOTE_MAX ? "..." : "";
}

/* Records "FILENAME:LINE: message", made one printable line. */
static int warn(Parser *p, const char *format, ...) _printf_(2, 3);
static int warn(Parser *p, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        char *w;
        va_list ap;
        int r;

        if (p->warnings.n > WARNINGS_MAX)
                return 0;
        if (p->warnings.n == WARNINGS_MAX)
                msg = strdup("Too many problems in this file, the rest are not reported.");
        else {
                va_start(ap, format);
                r = vasprintf(&msg, format, ap);
                va_end(ap);
                if (r < 0)
                        msg = NULL;
        }
        if (!msg)
                return -ENOMEM;
        if (asprintf(&w, "%s:%u: %s", p->filename, p->line, msg) < 0)
                return -ENOMEM;
        for (char *c = w; *c; c++)
                if ((unsigned char) *c < ' ' || *c == 0x7f)
                        *c = '?';
        return strv_builder_consume(&p->warnings, w);
}

static int warn_invalid(Parser *p, const KeyTable *k, const char *value, const char *hint) {
        return warn(p, "Invalid %s= value '%.*s%s'%s%s, ignoring.", k->key, quote_len(value), value, ellipsis(value),
                    hint ? ": " : "", hint ?: "");
}

static void *field(Parser *p, const KeyTable *k) {
        return (uint8_t *) p->settings + k->offset;
}

/* Splits a value into words at whitespace. Single and double quotes group words and are removed;
 * backslashes have no special meaning, as in nspawn's Parameters=. -EINVAL on an unbalanced quote. */
static int split_words(const char *s, char ***ret) {
        StrvBuilder b = {};
        _cleanup_free_ char *word = malloc(strlen(s) + 1);
        int r;

        if (!word)
                return -ENOMEM;
        for (;;) {
                size_t n = 0;
                char quote = 0;

                while (is_ws(*s))
                        s++;
                if (!*s)
                        break;
                for (; *s; s++) {
                        if (quote) {
                                if (*s == quote)
                                        quote = 0;
                                else
                                        word[n++] = *s;
                        } else if (is_ws(*s))
                                break;
                        else if (*s == '\'' || *s == '"')
                                quote = *s;
                        else
                                word[n++] = *s;
                }
                if (quote) {
                        strv_free(b.l);
                        return -EINVAL;
                }
                word[n] = 0;
                r = strv_builder_consume(&b, strndup(word, n));
                if (r < 0) {
                        strv_free(b.l);
                        return r;
                }
        }
        *ret = b.l;
        return 0;
}

static bool user_name_is_valid(const char *s) {
        /* The rule of --user= (settings-argv.c): a user name or number, no leading '-'. */
        if (isempty(s) || strlen(s) > 256 || s[0] == '-')
                return false;
        for (const char *c = s; *c; c++)
                if (!(isalnum((unsigned char) *c) || strchr("._-$", *c)))
                        return false;
        return true;
}

static int parse_start_mode(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        StartMode mode = (StartMode) k->arg;  /* START_BOOT for Boot=, START_PID2 for ProcessTwo= */
        int b;

        if (isempty(value)) {
                s->start_mode = START_PID1;
                s->mask &= ~SETTING_START_MODE;
                return 0;
        }
        b = parse_boolean(value);
        if (b < 0)
                return warn_invalid(p, k, value, "expected yes or no");
        if (b > 0) {
                if ((s->mask & SETTING_START_MODE) && s->start_mode != START_PID1 && s->start_mode != mode)
                        return warn(p, "Boot=yes and ProcessTwo=yes may not be combined, ignoring %s=.", k->key);
                s->start_mode = mode;
        } else if (!(s->mask & SETTING_START_MODE) || s->start_mode == mode)
                s->start_mode = START_PID1;
        s->mask |= SETTING_START_MODE;
        return 0;
}

static int parse_parameters(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        char **words = NULL;
        size_t n;
        int r;

        if (isempty(value)) {
                s->parameters = strv_free(s->parameters);
                p->parameters = (StrvBuilder) {};
                s->mask &= ~SETTING_PARAMETERS;
                return 0;
        }
        r = split_words(value, &words);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return warn_invalid(p, k, value, "unbalanced quotes");
        n = strv_length(words);
        if (p->parameters.n + n > PARAMETERS_MAX) {
                strv_free(words);
                return warn(p, "More than %d words in Parameters=, ignoring this line.", PARAMETERS_MAX);
        }
        for (size_t i = 0; i < n; i++) {
                r = strv_builder_consume(&p->parameters, words[i]);
                s->parameters = p->parameters.l;
                if (r < 0) {
                        for (size_t j = i + 1; j < n; j++)
                                free(words[j]);
                        free(words);
                        return r;
                }
        }
        free(words);
        s->mask |= SETTING_PARAMETERS;
        return 0;
}

static int parse_environment(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (isempty(value)) {
                s->environment = strv_free(s->environment);
                s->mask &= ~SETTING_ENVIRONMENT;
                return 0;
        }
        r = split_words(value, &words);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return warn_invalid(p, k, value, "unbalanced quotes");
        if (strv_length(s->environment) + strv_length(words) > ENVIRONMENT_MAX)
                return warn(p, "More than %d variables in Environment=, ignoring this line.", ENVIRONMENT_MAX);
        for (char **w = words; w && *w; w++) {
                if (!env_assignment_is_valid(*w)) {
                        r = warn(p, "Invalid Environment= assignment '%.*s%s': use NAME=VALUE, ignoring.", quote_len(*w),
                                 *w, ellipsis(*w));
                        if (r < 0)
                                return r;
                        continue;
                }
                r = strv_env_replace(&s->environment, *w);
                if (r < 0)
                        return r;
                s->mask |= SETTING_ENVIRONMENT;
        }
        return 0;
}

static int parse_string(Parser *p, const KeyTable *k, const char *value) {
        char **f = field(p, k);
        bool ok;

        if (isempty(value)) {
                free(*f);
                *f = NULL;
                p->settings->mask &= ~k->mask;
                return 0;
        }
        switch ((StringCheck) k->arg) {
        case CHECK_USER:
                ok = user_name_is_valid(value);
                break;
        case CHECK_HOSTNAME:
                ok = hostname_is_valid(value);
                break;
        case CHECK_ABSOLUTE_PATH:
                ok = path_is_absolute(value);
                break;
        default:
                ok = false;
        }
        if (!ok)
                return warn_invalid(p, k, value,
                                    k->arg == CHECK_ABSOLUTE_PATH ? "expected an absolute path"
                                    : k->arg == CHECK_HOSTNAME   ? "expected a valid hostname"
                                                                 : "expected a user name or UID");
        char *c = strdup(value);
        if (!c)
                return -ENOMEM;
        free(*f);
        *f = c;
        p->settings->mask |= k->mask;
        return 0;
}

static int parse_bool(Parser *p, const KeyTable *k, const char *value) {
        bool *f = field(p, k);
        int b;

        if (isempty(value)) {
                *f = false;
                p->settings->mask &= ~k->mask;
                return 0;
        }
        b = parse_boolean(value);
        if (b < 0)
                return warn_invalid(p, k, value, "expected yes or no");
        *f = b;
        p->settings->mask |= k->mask;
        return 0;
}

static int parse_capability(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        bool drop = k->arg;
        uint64_t *set = drop ? &s->capability_drop : &s->capability_add;
        uint64_t *other = drop ? &s->capability_add : &s->capability_drop;
        uint64_t add = 0;
        int r;

        if (isempty(value)) {
                *set = 0;
                if (*other == 0)
                        s->mask &= ~SETTING_CAPABILITY;
                return 0;
        }

        /* Names separated by whitespace (as nspawn) or commas (as --capability=); a bad one is skipped. */
        const char *c = value;
        for (;;) {
                while (is_ws(*c) || *c == ',')
                        c++;
                if (!*c)
                        break;
                size_t n = strcspn(c, " \t\r\n,");
                _cleanup_free_ char *name = strndup(c, n);
                uint64_t one;

                if (!name)
                        return -ENOMEM;
                c += n;
                if (capability_set_from_string(name, &one) < 0) {
                        r = warn(p, "Unknown capability '%.*s%s' in %s=, ignoring it.", quote_len(name), name, ellipsis(name),
                                 k->key);
                        if (r < 0)
                                return r;
                        continue;
                }
                add |= one;
        }
        if (add == 0)
                return 0;

        /* As --capability= and --drop-capability=: the later setting wins. */
        *set |= add;
        *other &= ~add;
        s->mask |= SETTING_CAPABILITY;
        return 0;
}

static int parse_kill_signal(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        int sig;

        if (isempty(value)) {
                s->kill_signal = 0;
                s->mask &= ~SETTING_KILL_SIGNAL;
                return 0;
        }
        sig = signal_from_string(value);
        if (sig < 0)
                return warn_invalid(p, k, value, "expected a signal name such as SIGTERM or SIGRTMIN+3");
        s->kill_signal = sig;
        s->mask |= SETTING_KILL_SIGNAL;
        return 0;
}

static int parse_machine_id(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        Id128 id;

        if (isempty(value)) {
                s->uuid = (Id128) {};
                s->mask &= ~SETTING_MACHINE_ID;
                return 0;
        }
        if (id128_from_string(value, &id) < 0)
                return warn_invalid(p, k, value, "expected 32 hexadecimal digits or the 8-4-4-4-12 form");
        s->uuid = id;
        s->mask |= SETTING_MACHINE_ID;
        return 0;
}

static int parse_volatile(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        VolatileMode v;

        if (isempty(value)) {
                s->volatile_mode = VOLATILE_NO;
                s->mask &= ~SETTING_VOLATILE_MODE;
                return 0;
        }
        v = volatile_mode_from_string(value);
        if (v < 0)
                return warn_invalid(p, k, value, "use no, yes, state or overlay");
        s->volatile_mode = v;
        s->mask |= SETTING_VOLATILE_MODE;
        return 0;
}

static int parse_private_users(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        int r;

        if (isempty(value)) {
                s->userns_mode = USERNS_NO;
                s->uid_shift = UID_SHIFT_FROM_IMAGE;
                s->uid_range = UID_RANGE_DEFAULT;
                s->mask &= ~SETTING_USERNS;
                return 0;
        }
        r = private_users_parse(value, &s->userns_mode, &s->uid_shift, &s->uid_range);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return warn_invalid(p, k, value, "use no, yes, pick, identity, UID or UID:COUNT");
        s->mask |= SETTING_USERNS;
        return 0;
}

static int parse_private_users_ownership(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        UserNamespaceOwnership o;

        if (isempty(value)) {
                s->userns_ownership = USERNS_OWNERSHIP_AUTO;
                s->mask &= ~SETTING_USERNS_OWNERSHIP;
                return 0;
        }
        if (k->arg) {
                /* PrivateUsersChown=, the older boolean form. */
                int b = parse_boolean(value);
                if (b < 0)
                        return warn_invalid(p, k, value, "expected yes or no");
                o = b ? USERNS_OWNERSHIP_CHOWN : USERNS_OWNERSHIP_OFF;
        } else {
                o = userns_ownership_from_string(value);
                if (o < 0)
                        return warn_invalid(p, k, value, "use off, chown, map or auto");
        }
        s->userns_ownership = o;
        s->mask |= SETTING_USERNS_OWNERSHIP;
        return 0;
}

static int parse_link_journal(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        LinkJournal l;

        if (isempty(value)) {
                s->link_journal = LINK_JOURNAL_AUTO;
                s->mask &= ~SETTING_LINK_JOURNAL;
                return 0;
        }
        l = link_journal_from_string(value);
        if (l < 0)
                return warn_invalid(p, k, value, "use no, auto, host, try-host, guest or try-guest");
        s->link_journal = l;
        s->mask |= SETTING_LINK_JOURNAL;
        return 0;
}

static bool mount_is_kind(const CustomMount *m, MountKind kind) {
        switch (kind) {
        case MOUNT_KIND_BIND:
        case MOUNT_KIND_BIND_RO:
                return m->type == CUSTOM_MOUNT_BIND && m->read_only == (kind == MOUNT_KIND_BIND_RO);
        case MOUNT_KIND_OVERLAY:
        case MOUNT_KIND_OVERLAY_RO:
                return m->type == CUSTOM_MOUNT_OVERLAY && m->read_only == (kind == MOUNT_KIND_OVERLAY_RO);
        case MOUNT_KIND_TMPFS:
                return m->type == CUSTOM_MOUNT_TMPFS;
        case MOUNT_KIND_INACCESSIBLE:
                return m->type == CUSTOM_MOUNT_INACCESSIBLE;
        }
        return false;
}

/* An empty assignment drops the mounts made by earlier assignments of the same key, keeping the others in order. */
static void mounts_reset_kind(Settings *s, MountKind kind) {
        size_t j = 0;

        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                if (mount_is_kind(&s->custom_mounts[i], kind))
                        custom_mount_done(&s->custom_mounts[i]);
                else
                        s->custom_mounts[j++] = s->custom_mounts[i];
        }
        s->n_custom_mounts = j;
        if (j == 0) {
                free(s->custom_mounts);
                s->custom_mounts = NULL;
                s->mask &= ~SETTING_CUSTOM_MOUNTS;
        }
}

static int parse_mount(Parser *p, const KeyTable *k, const char *value) {
        MountKind kind = (MountKind) k->arg;
        CustomMount m;
        const char *hint;
        int r;

        if (isempty(value)) {
                mounts_reset_kind(p->settings, kind);
                return 0;
        }
        if (p->settings->n_custom_mounts >= MOUNTS_MAX)
                return warn(p, "More than %d mounts, ignoring %s=.", MOUNTS_MAX, k->key);
        size_t colons = 0;
        for (const char *c = value; *c; c++)
                colons += *c == ':';
        if (colons > MOUNT_COLONS_MAX)
                return warn_invalid(p, k, value, "too many colon-separated parts");
        switch (kind) {
        case MOUNT_KIND_BIND:
        case MOUNT_KIND_BIND_RO:
                r = custom_mount_parse_bind(value, kind == MOUNT_KIND_BIND_RO, &m);
                hint = r == -EOPNOTSUPP
                               ? "unknown bind option; use rbind, norbind, idmap or noidmap"
                               : "expected SOURCE[:DESTINATION[:OPTIONS]] with absolute paths (or +PATH in the image)";
                break;
        case MOUNT_KIND_TMPFS:
                r = custom_mount_parse_tmpfs(value, &m);
                hint = "expected an absolute PATH[:OPTIONS]";
                break;
        case MOUNT_KIND_INACCESSIBLE:
                r = custom_mount_parse_inaccessible(value, &m);
                hint = "expected an absolute path";
                break;
        case MOUNT_KIND_OVERLAY:
        case MOUNT_KIND_OVERLAY_RO:
                r = custom_mount_parse_overlay(value, kind == MOUNT_KIND_OVERLAY_RO, &m);
                hint = "expected at least two colon-separated absolute paths, the last one the destination";
                break;
        default:
                return -EINVAL;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return warn_invalid(p, k, value, hint);
        r = settings_add_custom_mount(p->settings, &m);
        if (r < 0)
                return r;
        p->settings->mask |= SETTING_CUSTOM_MOUNTS;
        return 0;
}

/* SetCredential= (arg 0) and LoadCredential= (arg 1). Warnings name the ID, never the value. */
static int parse_credential(Parser *p, const KeyTable *k, const char *value) {
        Settings *s = p->settings;
        bool load = k->arg;
        Credential c = {};
        const char *colon = strchr(value, ':');
        int idlen = !colon ? 0 : colon - value > QUOTE_MAX ? QUOTE_MAX : (int) (colon - value);
        int r;

        if (isempty(value)) {
                settings_drop_credentials(s, load);
                return 0;
        }
        if (s->n_credentials >= CREDENTIALS_MAX)
                return warn(p, "More than %d credentials, ignoring %s=.", CREDENTIALS_MAX, k->key);
        r = load ? credential_parse_load(value, &c) : credential_parse_set(value, &c);
        switch (r) {
        case 0:
                break;
        case -ENOMEM:
                return r;
        case -EBADR:
                return warn(p,
                            "Invalid credential name '%.*s' in %s=: use up to 255 printable ASCII characters, no '/' or ':', not '.' or '..'; ignoring.",
                            idlen, value, k->key);
        case -EBADMSG:
                return warn(p, "%s=%.*s:...: %s, ignoring.", k->key, idlen, value,
                            load ? "expected an absolute path (without '..') or the name of one of berth's own credentials"
                                 : "invalid escape in the value");
        case -EFBIG:
                return warn(p, "%s=%.*s:...: the value is larger than 1 MiB, ignoring.", k->key, idlen, value);
        default:
                return warn(p, "%s= expects %s, ignoring.", k->key, load ? "ID:PATH" : "ID:VALUE");
        }
        if (!load && credentials_size(s->credentials, s->n_credentials) + c.size > CREDENTIALS_TOTAL_SIZE_MAX) {
                r = warn(p, "SetCredential=%s:...: the credentials would be larger than 1 MiB together, ignoring.", c.id);
                credential_done(&c);
                return r;
        }
        r = settings_add_credential(s, &c);
        if (r == -EEXIST) {
                r = warn(p, "Credential '%s' is set already, ignoring %s=.", c.id, k->key);
                credential_done(&c);
                return r;
        }
        if (r < 0) {
                credential_done(&c);
                return r;
        }
        s->mask |= SETTING_CREDENTIALS;
        return 0;
}

#define S(f) offsetof(Settings, f)

static const KeyTable key_table[] = {
        { "Exec", "Boot", parse_start_mode, START_BOOT, 0, SETTING_START_MODE, false },
        { "Exec", "ProcessTwo", parse_start_mode, START_PID2, 0, SETTING_START_MODE, false },
        { "Exec", "Ephemeral", parse_bool, 0, S(ephemeral), SETTING_EPHEMERAL, true },
        { "Exec", "Parameters", parse_parameters, 0, 0, SETTING_PARAMETERS, false },
        { "Exec", "Environment", parse_environment, 0, 0, SETTING_ENVIRONMENT, false },
        { "Exec", "User", parse_string, CHECK_USER, S(user), SETTING_USER, false },
        { "Exec", "WorkingDirectory", parse_string, CHECK_ABSOLUTE_PATH, S(working_directory),
          SETTING_WORKING_DIRECTORY, false },
        { "Exec", "Capability", parse_capability, 0, 0, SETTING_CAPABILITY, true },
        { "Exec", "DropCapability", parse_capability, 1, 0, SETTING_CAPABILITY, false },
        { "Exec", "AmbientCapability", NULL, 0, 0, 0, true },
        { "Exec", "KillSignal", parse_kill_signal, 0, 0, SETTING_KILL_SIGNAL, false },
        { "Exec", "Personality", NULL, 0, 0, 0, false },
        { "Exec", "MachineID", parse_machine_id, 0, 0, SETTING_MACHINE_ID, true },
        { "Exec", "Hostname", parse_string, CHECK_HOSTNAME, S(hostname), SETTING_HOSTNAME, false },
        { "Exec", "NoNewPrivileges", parse_bool, 0, S(no_new_privileges), SETTING_NO_NEW_PRIVILEGES, false },
        { "Exec", "PivotRoot", NULL, 0, 0, 0, false },
        { "Exec", "PrivateUsers", parse_private_users, 0, 0, SETTING_USERNS, true },
        { "Exec", "NotifyReady", NULL, 0, 0, 0, false },
        { "Exec", "SystemCallFilter", NULL, 0, 0, 0, true },
        { "Exec", "LimitCPU", NULL, 0, 0, 0, true },
        { "Exec", "LimitFSIZE", NULL, 0, 0, 0, true },
        { "Exec", "LimitDATA", NULL, 0, 0, 0, true },
        { "Exec", "LimitSTACK", NULL, 0, 0, 0, true },
        { "Exec", "LimitCORE", NULL, 0, 0, 0, true },
        { "Exec", "LimitRSS", NULL, 0, 0, 0, true },
        { "Exec", "LimitNOFILE", NULL, 0, 0, 0, true },
        { "Exec", "LimitAS", NULL, 0, 0, 0, true },
        { "Exec", "LimitNPROC", NULL, 0, 0, 0, true },
        { "Exec", "LimitMEMLOCK", NULL, 0, 0, 0, true },
        { "Exec", "LimitLOCKS", NULL, 0, 0, 0, true },
        { "Exec", "LimitSIGPENDING", NULL, 0, 0, 0, true },
        { "Exec", "LimitMSGQUEUE", NULL, 0, 0, 0, true },
        { "Exec", "LimitNICE", NULL, 0, 0, 0, true },
        { "Exec", "LimitRTPRIO", NULL, 0, 0, 0, true },
        { "Exec", "LimitRTTIME", NULL, 0, 0, 0, true },
        { "Exec", "OOMScoreAdjust", NULL, 0, 0, 0, true },
        { "Exec", "CPUAffinity", NULL, 0, 0, 0, true },
        { "Exec", "ResolvConf", NULL, 0, 0, 0, false },
        { "Exec", "LinkJournal", parse_link_journal, 0, 0, SETTING_LINK_JOURNAL, true },
        { "Exec", "Timezone", NULL, 0, 0, 0, false },
        { "Exec", "SuppressSync", NULL, 0, 0, 0, false },
        /* Not in nspawn 252's files, only its options; LoadCredential= reads host files. */
        { "Exec", "SetCredential", parse_credential, 0, 0, SETTING_CREDENTIALS, false },
        { "Exec", "LoadCredential", parse_credential, 1, 0, SETTING_CREDENTIALS, true },

        { "Files", "ReadOnly", parse_bool, 0, S(read_only), SETTING_READ_ONLY, false },
        { "Files", "Volatile", parse_volatile, 0, 0, SETTING_VOLATILE_MODE, false },
        { "Files", "Bind", parse_mount, MOUNT_KIND_BIND, 0, SETTING_CUSTOM_MOUNTS, true },
        { "Files", "BindReadOnly", parse_mount, MOUNT_KIND_BIND_RO, 0, SETTING_CUSTOM_MOUNTS, true },
        { "Files", "TemporaryFileSystem", parse_mount, MOUNT_KIND_TMPFS, 0, SETTING_CUSTOM_MOUNTS, true },
        { "Files", "Inaccessible", parse_mount, MOUNT_KIND_INACCESSIBLE, 0, SETTING_CUSTOM_MOUNTS, true },
        { "Files", "Overlay", parse_mount, MOUNT_KIND_OVERLAY, 0, SETTING_CUSTOM_MOUNTS, true },
        { "Files", "OverlayReadOnly", parse_mount, MOUNT_KIND_OVERLAY_RO, 0, SETTING_CUSTOM_MOUNTS, true },
        { "Files", "PrivateUsersChown", parse_private_users_ownership, 1, 0, SETTING_USERNS_OWNERSHIP, true },
        { "Files", "PrivateUsersOwnership", parse_private_users_ownership, 0, 0, SETTING_USERNS_OWNERSHIP, true },
        { "Files", "BindUser", NULL, 0, 0, 0, true },

        { "Network", "Private", parse_bool, 0, S(private_network), SETTING_NETWORK, true },
        { "Network", "VirtualEthernet", NULL, 0, 0, 0, true },
        { "Network", "VirtualEthernetExtra", NULL, 0, 0, 0, true },
        { "Network", "Interface", NULL, 0, 0, 0, true },
        { "Network", "MACVLAN", NULL, 0, 0, 0, true },
        { "Network", "IPVLAN", NULL, 0, 0, 0, true },
        { "Network", "Bridge", NULL, 0, 0, 0, true },
        { "Network", "Zone", NULL, 0, 0, 0, true },
        { "Network", "Port", NULL, 0, 0, 0, true },
};

#undef S

static const KeyTable *key_lookup(const char *section, const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(key_table); i++)
                if (streq(key_table[i].section, section) && streq(key_table[i].key, key))
                        return &key_table[i];
        return NULL;
}

static int parse_section_header(Parser *p, char *l, size_t n) {
        bool valid = n >= 3 && l[n - 1] == ']';

        for (size_t i = 1; valid && i < n - 1; i++)
                if ((unsigned char) l[i] <= ' ' || l[i] == '[' || l[i] == ']')
                        valid = false;
        p->section_state = SECTION_IGNORED;
        p->section = NULL;
        if (!valid)
                return warn(p, "Invalid section header '%.*s%s', ignoring the lines up to the next section.", quote_len(l),
                            l, ellipsis(l));

        l[n - 1] = 0;
        const char *name = l + 1;
        for (size_t i = 0; i < ELEMENTSOF(known_sections); i++)
                if (streq(name, known_sections[i])) {
                        p->section_state = SECTION_KNOWN;
                        p->section = known_sections[i];
                        return 0;
                }
        /* As in systemd's unit files, "X-" sections are for extensions and are ignored silently. */
        if (startswith(name, "X-"))
                return 0;
        return warn(p, "Unknown section [%.*s%s], ignoring its keys.", quote_len(name), name, ellipsis(name));
}

/* Handles one logical line: comments and continuations are already gone, l is writable. */
static int parse_line(Parser *p, char *l) {
        size_t n;

        while (is_ws(*l))
                l++;
        n = strlen(l);
        while (n > 0 && is_ws(l[n - 1]))
                l[--n] = 0;
        if (n == 0)
                return 0;

        if (l[0] == '[')
                return parse_section_header(p, l, n);

        char *eq = strchr(l, '=');
        if (!eq)
                return warn(p, "Expected KEY=VALUE or a [Section] header, ignoring the line '%.*s%s'.", quote_len(l), l,
                            ellipsis(l));

        char *key = l, *value = eq + 1;
        char *e = eq;
        while (e > key && is_ws(e[-1]))
                e--;
        *e = 0;
        while (is_ws(*value))
                value++;
        if (isempty(key))
                return warn(p, "Missing key name before '=', ignoring the line.");

        switch (p->section_state) {
        case SECTION_NONE:
                return warn(p, "Assignment '%.*s%s=' outside of any section, ignoring.", quote_len(key), key, ellipsis(key));
        case SECTION_IGNORED:
                return 0;
        case SECTION_KNOWN:
                break;
        }

        const KeyTable *k = key_lookup(p->section, key);
        if (!k)
                return warn(p, "Unknown key '%.*s%s' in section [%s], ignoring.", quote_len(key), key, ellipsis(key),
                            p->section);
        if (k->privileged && !p->trusted)
                return warn(p,
                            "%s= is a privileged setting and this file is not trusted (it lies beside the image), "
                            "ignoring; put the file in /etc/berth/ to allow it.",
                            k->key);
        if (!k->parse)
                return warn(p, "%s= is not supported by berth, ignored.", k->key);
        return k->parse(p, k, value);
}

/* A growing buffer that collects one logical line from its physical lines. */
typedef struct LineBuffer {
        char *s;
        size_t n, allocated;
} LineBuffer;

static int line_buffer_append(LineBuffer *b, const char *s, size_t n) {
        if (b->n + n + 1 > b->allocated) {
                size_t a = (b->n + n + 1) * 2;
                char *t = realloc(b->s, a);
                if (!t)
                        return -ENOMEM;
                b->s = t;
                b->allocated = a;
        }
        memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = 0;
        return 0;
}

static int parse_text(Parser *p, const char *text) {
        LineBuffer b = {};
        unsigned line = 0, first_line = 0;
        bool continued = false;
        int r = 0;

        for (const char *s = text; *s;) {
                const char *end = strchrnul(s, '\n');
                const char *start = s, *e = end;
                const char *next = *end ? end + 1 : end;
                bool last = !*next;

                s = next;
                line++;
                if (!continued)
                        first_line = line;

                while (start < e && is_ws(*start))
                        start++;
                while (e > start && is_ws(e[-1]))
                        e--;

                /* Comment lines are skipped, also in the middle of a continued line, as systemd does. */
                if (start < e && (*start == '#' || *start == ';')) {
                        if (!continued || !last)
                                continue;
                        start = e; /* the end of the text ends the continued line */
                }

                size_t backslashes = 0;
                while (e - backslashes > start && e[-1 - (ptrdiff_t) backslashes] == '\\')
                        backslashes++;
                if (backslashes % 2 == 1) {
                        /* A trailing backslash joins the next line, standing for a space, as in systemd;
                         * on the last line it joins nothing. */
                        r = line_buffer_append(&b, start, (size_t) (e - 1 - start));
                        if (r >= 0)
                                r = line_buffer_append(&b, " ", 1);
                        if (r < 0)
                                break;
                        continued = !last;
                        if (continued)
                                continue;
                } else {
                        r = line_buffer_append(&b, start, (size_t) (e - start));
                        if (r < 0)
                                break;
                        continued = false;
                }

                p->line = first_line;
                r = parse_line(p, b.s);
                if (r < 0)
                        break;
                b.n = 0;
        }
        free(b.s);
        return r;
}

int settings_file_parse(const char *text, const char *filename, bool trusted, Settings *ret, char ***ret_warnings,
                        char **ret_error) {
        Parser p = {
                .filename = filename ?: "(settings)",
                .trusted = trusted,
                .settings = ret,
        };
        int r;

        settings_init(ret);
        if (ret_warnings)
                *ret_warnings = NULL;
        if (ret_error)
                *ret_error = NULL;

        r = parse_text(&p, text ?: "");
        if (r < 0) {
                settings_done(ret);
                strv_free(p.warnings.l);
                if (ret_error)
                        *ret_error = strdup(r == -ENOMEM ? "Out of memory." : "Failed to parse the settings file.");
                return r;
        }

        if (ret_warnings)
                *ret_warnings = p.warnings.l;
        else
                strv_free(p.warnings.l);
        return 0;
}

static const char *const settings_mode_table[_SETTINGS_MODE_MAX] = {
        [SETTINGS_NO] = "no",
        [SETTINGS_YES] = "yes",
        [SETTINGS_OVERRIDE] = "override",
        [SETTINGS_TRUSTED] = "trusted",
};

SettingsMode settings_mode_from_string(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? SETTINGS_YES : SETTINGS_NO;
        for (size_t i = 0; s && i < ELEMENTSOF(settings_mode_table); i++)
                if (streq(s, settings_mode_table[i]))
                        return (SettingsMode) i;
        return _SETTINGS_MODE_INVALID;
}

const char *settings_mode_to_string(SettingsMode m) {
        return m >= 0 && m < _SETTINGS_MODE_MAX ? settings_mode_table[m] : NULL;
}

static void move_string(char **dst, char **src) {
        free(*dst);
        *dst = TAKE_PTR(*src);
}

static void move_strv(char ***dst, char ***src) {
        strv_free(*dst);
        *dst = TAKE_PTR(*src);
}

/* The command: start mode and parameters, which only make sense together. Returns the bits taken. */
static uint64_t merge_command(Settings *c, Settings *f, bool override) {
        bool f_mode = f->mask & SETTING_START_MODE, f_params = f->mask & SETTING_PARAMETERS;
        bool c_mode = c->mask & SETTING_START_MODE, c_params = c->mask & SETTING_PARAMETERS;
        uint64_t taken = 0;

        if (override) {
                if (f_mode) {
                        /* Parameters written for another start mode do not survive the change. */
                        if (!f_params && c->start_mode != f->start_mode) {
                                c->parameters = strv_free(c->parameters);
                                c->mask &= ~SETTING_PARAMETERS;
                        }
                        c->start_mode = f->start_mode;
                        taken |= SETTING_START_MODE;
                }
                if (f_params) {
                        move_strv(&c->parameters, &f->parameters);
                        taken |= SETTING_PARAMETERS;
                }
                return taken;
        }

        /* A command on the command line decides alone, as in nspawn. */
        if (c_params)
                return 0;
        if (c_mode) {
                /* Unlike nspawn (systemd issue #7428), "-a" or "-b" still takes the file's Parameters=
                 * unless the file asks for another start mode. */
                if (f_params && (!f_mode || f->start_mode == c->start_mode)) {
                        move_strv(&c->parameters, &f->parameters);
                        taken |= SETTING_PARAMETERS;
                }
                return taken;
        }
        if (f_mode) {
                c->start_mode = f->start_mode;
                taken |= SETTING_START_MODE;
        }
        if (f_params) {
                move_strv(&c->parameters, &f->parameters);
                taken |= SETTING_PARAMETERS;
        }
        return taken;
}

/* Whether the file's setting for bit is to be taken; records it in *taken. */
static bool take(const Settings *c, const Settings *f, bool override, uint64_t bit, uint64_t *taken) {
        if (!(f->mask & bit) || (!override && (c->mask & bit)))
                return false;
        *taken |= bit;
        return true;
}

int settings_merge(Settings *cmdline, Settings *file, SettingsMode mode) {
        Settings *c = cmdline, *f = file;
        uint64_t taken;
        bool override;

        if (!IN_SET(mode, SETTINGS_YES, SETTINGS_OVERRIDE, SETTINGS_TRUSTED))
                return -EINVAL;
        override = mode == SETTINGS_OVERRIDE;

        taken = merge_command(c, f, override);

#define TAKE(bit) take(c, f, override, (bit), &taken)
        if (TAKE(SETTING_WORKING_DIRECTORY))
                move_string(&c->working_directory, &f->working_directory);
        if (TAKE(SETTING_ENVIRONMENT))
                move_strv(&c->environment, &f->environment);
        if (TAKE(SETTING_USER))
                move_string(&c->user, &f->user);
        if (TAKE(SETTING_HOSTNAME))
                move_string(&c->hostname, &f->hostname);
        if (TAKE(SETTING_CAPABILITY)) {
                /* On top of the command line's: the file's own later word wins, as among its lines. */
                c->capability_add = (c->capability_add & ~f->capability_drop) | f->capability_add;
                c->capability_drop = (c->capability_drop & ~f->capability_add) | f->capability_drop;
        }
        if (TAKE(SETTING_KILL_SIGNAL))
                c->kill_signal = f->kill_signal;
        if (TAKE(SETTING_MACHINE_ID))
                c->uuid = f->uuid;
        if (TAKE(SETTING_NO_NEW_PRIVILEGES))
                c->no_new_privileges = f->no_new_privileges;
        if (TAKE(SETTING_READ_ONLY))
                c->read_only = f->read_only;
        if (TAKE(SETTING_VOLATILE_MODE))
                c->volatile_mode = f->volatile_mode;
        if (TAKE(SETTING_EPHEMERAL))
                c->ephemeral = f->ephemeral;
        if (TAKE(SETTING_NETWORK))
                c->private_network = f->private_network;
        if (TAKE(SETTING_USERNS)) {
                c->userns_mode = f->userns_mode;
                c->uid_shift = f->uid_shift;
                c->uid_range = f->uid_range;
        }
        if (TAKE(SETTING_USERNS_OWNERSHIP))
                c->userns_ownership = f->userns_ownership;
        if (TAKE(SETTING_LINK_JOURNAL))
                c->link_journal = f->link_journal;
        if (TAKE(SETTING_CUSTOM_MOUNTS)) {
                /* The whole list, as nspawn: mounts from both sources are not mixed. */
                for (size_t i = 0; i < c->n_custom_mounts; i++)
                        custom_mount_done(&c->custom_mounts[i]);
                free(c->custom_mounts);
                c->custom_mounts = TAKE_PTR(f->custom_mounts);
                c->n_custom_mounts = f->n_custom_mounts;
                f->n_custom_mounts = 0;
        }
#undef TAKE

        /* What was taken is now the command line's; the file no longer claims it. */
        c->mask |= taken;
        f->mask &= ~taken;

        /* Credentials go by ID: the file adds those the command line does not name, and with
         * SETTINGS_OVERRIDE replaces those it does. */
        if (f->mask & SETTING_CREDENTIALS) {
                size_t j = 0;
                int r = 0;

                for (size_t i = 0; i < f->n_credentials; i++) {
                        Credential *fc = &f->credentials[i], *cc = credentials_find(c->credentials, c->n_credentials, fc->id);
                        if (r < 0 || (cc && !override)) {
                                f->credentials[j++] = *fc;
                                continue;
                        }
                        if (cc) {
                                credential_done(cc);
                                *cc = *fc;
                        } else if ((r = settings_add_credential(c, fc)) < 0) {
                                f->credentials[j++] = *fc; /* stays the file's */
                                continue;
                        }
                        *fc = (Credential) {};
                        c->mask |= SETTING_CREDENTIALS;
                }
                f->n_credentials = j;
                if (j == 0)
                        f->mask &= ~SETTING_CREDENTIALS;
                if (r < 0)
                        return r;
        }
        return 0;
}
