/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "parse-util.h"

int parse_boolean(const char *s) {
        if (!s)
                return -EINVAL;
        if (STR_IN_SET(s, "1", "yes", "y", "true", "t", "on"))
                return 1;
        if (STR_IN_SET(s, "0", "no", "n", "false", "f", "off"))
                return 0;
        return -EINVAL;
}

int safe_atou64(const char *s, uint64_t *ret) {
        if (isempty(s) || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(s, &end, 10);
        /* Junk first: a long number followed by junk is not a number out of range. */
        if (!end || *end)
                return -EINVAL;
        if (errno == ERANGE)
                return -ERANGE;
        *ret = v;
        return 0;
}

int safe_atou(const char *s, unsigned *ret) {
        uint64_t v;
        int r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT_MAX)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int parse_uid(const char *s, uid_t *ret) {
        unsigned u;
        int r = safe_atou(s, &u);
        if (r < 0)
                return r;
        if (u == (unsigned) -1 || u == 65535)
                return -ENXIO;
        *ret = (uid_t) u;
        return 0;
}

static const char *const signal_names[] = {
        [SIGHUP] = "HUP",   [SIGINT] = "INT",     [SIGQUIT] = "QUIT",     [SIGILL] = "ILL",
        [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",   [SIGBUS] = "BUS",       [SIGFPE] = "FPE",
        [SIGKILL] = "KILL", [SIGUSR1] = "USR1",   [SIGSEGV] = "SEGV",     [SIGUSR2] = "USR2",
        [SIGPIPE] = "PIPE", [SIGALRM] = "ALRM",   [SIGTERM] = "TERM",     [SIGSTKFLT] = "STKFLT",
        [SIGCHLD] = "CHLD", [SIGCONT] = "CONT",   [SIGSTOP] = "STOP",     [SIGTSTP] = "TSTP",
        [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",   [SIGURG] = "URG",       [SIGXCPU] = "XCPU",
        [SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",   [SIGWINCH] = "WINCH",
        [SIGIO] = "IO",     [SIGPWR] = "PWR",     [SIGSYS] = "SYS",
};

int signal_from_string(const char *s) {
        if (isempty(s))
                return -EINVAL;
        const char *p = startswith(s, "SIG") ?: s;
        unsigned n;

        for (size_t i = 1; i < ELEMENTSOF(signal_names); i++)
                if (signal_names[i] && streq(p, signal_names[i]))
                        return (int) i;

        const char *rt = startswith(p, "RTMIN");
        if (rt) {
                if (*rt == 0)
                        return SIGRTMIN;
                if (*rt != '+' || safe_atou(rt + 1, &n) < 0 || n > (unsigned) (SIGRTMAX - SIGRTMIN))
                        return -EINVAL;
                return SIGRTMIN + (int) n;
        }
        rt = startswith(p, "RTMAX");
        if (rt) {
                if (*rt == 0)
                        return SIGRTMAX;
                if (*rt != '-' || safe_atou(rt + 1, &n) < 0 || n > (unsigned) (SIGRTMAX - SIGRTMIN))
                        return -EINVAL;
                return SIGRTMAX - (int) n;
        }

        if (p == s && safe_atou(s, &n) >= 0 && n >= 1 && n <= (unsigned) SIGRTMAX)
                return (int) n;
        return -EINVAL;
}

const char *signal_to_string(int sig, char buf[static 16]) {
        if (sig > 0 && (size_t) sig < ELEMENTSOF(signal_names) && signal_names[sig])
                snprintf(buf, 16, "SIG%s", signal_names[sig]);
        else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
                snprintf(buf, 16, "SIGRTMIN+%d", sig - SIGRTMIN);
        else
                snprintf(buf, 16, "%d", sig);
        return buf;
}

static const char *const capability_names[] = {
        "cap_chown",            "cap_dac_override",    "cap_dac_read_search", "cap_fowner",
        "cap_fsetid",           "cap_kill",            "cap_setgid",          "cap_setuid",
        "cap_setpcap",          "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
        "cap_net_admin",        "cap_net_raw",         "cap_ipc_lock",        "cap_ipc_owner",
        "cap_sys_module",       "cap_sys_rawio",       "cap_sys_chroot",      "cap_sys_ptrace",
        "cap_sys_pacct",        "cap_sys_admin",       "cap_sys_boot",        "cap_sys_nice",
        "cap_sys_resource",     "cap_sys_time",        "cap_sys_tty_config",  "cap_mknod",
        "cap_lease",            "cap_audit_write",     "cap_audit_control",   "cap_setfcap",
        "cap_mac_override",     "cap_mac_admin",       "cap_syslog",          "cap_wake_alarm",
        "cap_block_suspend",    "cap_audit_read",      "cap_perfmon",         "cap_bpf",
        "cap_checkpoint_restore",
};

int capability_last(void) {
        return (int) ELEMENTSOF(capability_names) - 1;
}

const char *capability_to_name(int cap) {
        if (cap < 0 || cap > capability_last())
                return NULL;
        return capability_names[cap];
}

int capability_from_name(const char *s) {
        if (isempty(s))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(capability_names); i++)
                if (strcasecmp(s, capability_names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

int capability_set_from_string(const char *s, uint64_t *ret) {
        uint64_t mask = 0;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "all")) {
                *ret = (UINT64_C(1) << (capability_last() + 1)) - 1;
                return 0;
        }

        const char *p = s;
        for (;;) {
                const char *e = strchrnul(p, ',');
                size_t l = (size_t) (e - p);
                char name[64];
                if (l == 0 || l >= sizeof(name))
                        return -EINVAL;
                memcpy(name, p, l);
                name[l] = 0;
                int c = capability_from_name(name);
                if (c < 0)
                        return c;
                mask |= UINT64_C(1) << c;
                if (!*e)
                        break;
                p = e + 1;
        }
        *ret = mask;
        return 0;
}

int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

bool id128_is_null(const Id128 *id) {
        for (size_t i = 0; i < 16; i++)
                if (id->bytes[i])
                        return false;
        return true;
}

int id128_from_string(const char *s, Id128 *ret) {
        Id128 id = {};
        size_t l, j = 0;
        bool dashes;

        if (!s)
                return -EINVAL;
        l = strlen(s);
        if (l == 32)
                dashes = false;
        else if (l == 36)
                dashes = true;
        else
                return -EINVAL;

        for (size_t i = 0; i < 16; i++) {
                if (dashes && (i == 4 || i == 6 || i == 8 || i == 10)) {
                        if (s[j] != '-')
                                return -EINVAL;
                        j++;
                }
                int a = unhex(s[j]), b = unhex(s[j + 1]);
                if (a < 0 || b < 0)
                        return -EINVAL;
                id.bytes[i] = (uint8_t) (a << 4 | b);
                j += 2;
        }
        if (id128_is_null(&id))
                return -EINVAL;
        *ret = id;
        return 0;
}

const char *id128_to_string(const Id128 *id, char buf[static 33]) {
        for (size_t i = 0; i < 16; i++)
                snprintf(buf + 2 * i, 3, "%02x", id->bytes[i]);
        return buf;
}

const char *id128_to_uuid_string(const Id128 *id, char buf[static 37]) {
        size_t j = 0;
        for (size_t i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        buf[j++] = '-';
                snprintf(buf + j, 3, "%02x", id->bytes[i]);
                j += 2;
        }
        buf[j] = 0;
        return buf;
}

Id128 id128_make_v4(const uint8_t random[static 16]) {
        Id128 id;
        memcpy(id.bytes, random, 16);
        id.bytes[6] = (id.bytes[6] & 0x0F) | 0x40;
        id.bytes[8] = (id.bytes[8] & 0x3F) | 0x80;
        return id;
}

bool hostname_is_valid(const char *s) {
        bool dot = true, hyphen = false;
        size_t n = 0;

        if (isempty(s) || strlen(s) > 64)
                return false;
        if (streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++) {
                if (*p == '.') {
                        if (dot)
                                return false; /* empty label */
                        if (hyphen)
                                return false; /* label ends with '-' */
                        dot = true;
                        n = 0;
                } else {
                        if (!(isalnum((unsigned char) *p) || *p == '-'))
                                return false;
                        if (dot && *p == '-')
                                return false; /* label starts with '-' */
                        dot = false;
                        hyphen = *p == '-';
                        if (++n > 63)
                                return false;
                }
        }
        return !dot && !hyphen;
}

bool machine_name_is_valid(const char *s) {
        return hostname_is_valid(s);
}

bool path_is_absolute(const char *p) {
        return p && p[0] == '/';
}

bool path_is_normalized_absolute(const char *p) {
        if (!path_is_absolute(p))
                return false;
        if (streq(p, "/"))
                return true;
        if (p[strlen(p) - 1] == '/')
                return false;
        if (strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
                return false;
        const char *e = strrchr(p, '/');
        if (streq(e, "/.") || streq(e, "/.."))
                return false;
        return true;
}

int path_normalize_absolute(const char *p, char **ret) {
        if (!path_is_absolute(p))
                return -EINVAL;
        char *out = malloc(strlen(p) + 2);
        if (!out)
                return -ENOMEM;
        size_t o = 0;
        const char *s = p;
        while (*s) {
                while (*s == '/')
                        s++;
                if (!*s)
                        break;
                const char *e = strchrnul(s, '/');
                size_t l = (size_t) (e - s);
                if (l == 1 && s[0] == '.') {
                        s = e;
                        continue;
                }
                if (l == 2 && s[0] == '.' && s[1] == '.') {
                        free(out);
                        return -EINVAL;
                }
                out[o++] = '/';
                memcpy(out + o, s, l);
                o += l;
                s = e;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = 0;
        *ret = out;
        return 0;
}

bool filename_is_valid(const char *s) {
        if (isempty(s) || streq(s, ".") || streq(s, ".."))
                return false;
        if (strchr(s, '/'))
                return false;
        return strlen(s) <= 255;
}

bool env_assignment_is_valid(const char *s) {
        const char *eq = s ? strchr(s, '=') : NULL;
        if (!eq || eq == s)
                return false;
        if (isdigit((unsigned char) s[0]))
                return false;
        for (const char *p = s; p < eq; p++)
                if (!(isalnum((unsigned char) *p) || *p == '_'))
                        return false;
        for (const char *p = eq + 1; *p; p++)
                if ((unsigned char) *p < ' ' && *p != '\t' && *p != '\n')
                        return false;
        return true;
}
