/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the value parsers the options and settings keys share (parse-util.h):
 * booleans, numbers, UIDs, signals, capabilities, 128-bit IDs, paths, the mode names of
 * --volatile=, --console=, --register=, --link-journal= and --settings=, and the unit properties
 * of --property=. The input goes to every parser. Besides crashes, hangs and leaks it stops on a
 * broken promise: a value accepted with junk, a sign or out of range; an accepted value that,
 * written back by berth's own formatter, parses into anything else; a path called normalized that
 * normalization changes, or a normalized path with a ".." left in it. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "journal-link.h"
#include "parse-util.h"
#include "settings-file.h"
#include "settings.h"
#include "unit-property.h"

#define VALUE_MAX 1024

static bool all_digits(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

/* Decimal digits, without sign, blanks or junk; the value the digits say, or -ERANGE. */
static void check_numbers(const char *s) {
        uint64_t v = 7;
        unsigned u = 7;
        uid_t uid = 7;
        char buf[32];

        int r = safe_atou64(s, &v);
        fuzz_assert(IN_SET(r, 0, -EINVAL, -ERANGE));
        fuzz_assert((r != -EINVAL) == all_digits(s));
        if (r == 0) {
                const char *digits = s + strspn(s, "0");
                snprintf(buf, sizeof buf, "%" PRIu64, v);
                fuzz_assert(streq(buf, *digits ? digits : "0"));
        } else
                fuzz_assert(v == 7);

        int r32 = safe_atou(s, &u);
        fuzz_assert(r32 == (r == 0 && v > UINT_MAX ? -ERANGE : r));
        fuzz_assert(r32 != 0 || u == v);

        int ru = parse_uid(s, &uid);
        fuzz_assert(ru != 0 || (r32 == 0 && uid == u && u != 65535 && u != UINT_MAX));
        fuzz_assert(ru == 0 || r32 != 0 || u == 65535 || u == UINT_MAX);
}

static void check_boolean(const char *s) {
        int b = parse_boolean(s);
        fuzz_assert(IN_SET(b, 0, 1, -EINVAL));
}

/* A signal number in range, whose name berth writes reads back as the same signal. */
static void check_signal(const char *s) {
        char buf[16];
        int sig = signal_from_string(s);

        fuzz_assert(sig == -EINVAL || (sig >= 1 && sig <= SIGRTMAX));
        if (sig < 0)
                return;
        fuzz_assert(signal_from_string(signal_to_string(sig, buf)) == sig);
}

/* A capability set of known capabilities; its names written out read back as the same set. */
static void check_capabilities(const char *s) {
        uint64_t mask = 0, again = 0;
        int c = capability_from_name(s);

        fuzz_assert(c == -EINVAL || (c >= 0 && c <= capability_last() && strcasecmp(capability_to_name(c), s) == 0));

        if (capability_set_from_string(s, &mask) < 0)
                return;
        uint64_t known = (UINT64_C(1) << (capability_last() + 1)) - 1;
        fuzz_assert(mask != 0 && (mask & ~known) == 0);

        char names[2048] = "";
        for (int i = 0; i <= capability_last(); i++)
                if (mask & (UINT64_C(1) << i)) {
                        if (names[0])
                                strcat(names, ",");
                        strcat(names, capability_to_name(i));
                }
        fuzz_assert(capability_set_from_string(names, &again) == 0 && again == mask);
}

/* 32 hex digits or the 8-4-4-4-12 form of a non-null ID, read back the same in both forms. */
static void check_id128(const char *s) {
        Id128 id, again;
        char hex[33], uuid[37];

        if (id128_from_string(s, &id) < 0)
                return;
        fuzz_assert(!id128_is_null(&id));
        id128_to_string(&id, hex);
        id128_to_uuid_string(&id, uuid);
        fuzz_assert(strcasecmp(s, strlen(s) == 32 ? hex : uuid) == 0);
        fuzz_assert(id128_from_string(hex, &again) == 0 && memcmp(&id, &again, sizeof id) == 0);
        fuzz_assert(id128_from_string(uuid, &again) == 0 && memcmp(&id, &again, sizeof id) == 0);
}

static bool has_dotdot_component(const char *p) {
        for (const char *c = p; (c = strstr(c, "..")); c++)
                if ((c == p || c[-1] == '/') && (c[2] == 0 || c[2] == '/'))
                        return true;
        return false;
}

/* Normalized paths are absolute, hold no "." or ".." component, no "//", no trailing '/'; a
 * normalized path normalizes to itself; ".." is refused, never resolved. */
static void check_paths(const char *s) {
        _cleanup_free_ char *n = NULL, *again = NULL;
        bool normalized = path_is_normalized_absolute(s);
        int r = path_normalize_absolute(s, &n);

        fuzz_assert(IN_SET(r, 0, -EINVAL, -ENOMEM));
        fuzz_assert(!normalized || r != -EINVAL);
        if (r == -EINVAL)
                fuzz_assert(!path_is_absolute(s) || has_dotdot_component(s));
        if (r != 0)
                return;
        fuzz_assert(path_is_absolute(s) && !has_dotdot_component(s));
        fuzz_assert(path_is_normalized_absolute(n) && !has_dotdot_component(n) && strlen(n) <= strlen(s));
        fuzz_assert(!normalized || streq(n, s));
        fuzz_assert(path_normalize_absolute(n, &again) != 0 || streq(again, n));
}

/* The names of each mode read back as the same mode. */
static void check_modes(const char *s) {
        int m;

        if ((m = volatile_mode_from_string(s)) >= 0)
                fuzz_assert(volatile_mode_from_string(volatile_mode_to_string(m)) == m);
        else
                fuzz_assert(m == -EINVAL);
        if ((m = console_mode_from_string(s)) >= 0)
                fuzz_assert(streq(console_mode_to_string(m), s));
        else
                fuzz_assert(m == -EINVAL);
        if ((m = register_mode_from_string(s)) >= 0)
                fuzz_assert(register_mode_from_string(register_mode_to_string(m)) == m);
        else
                fuzz_assert(m == -EINVAL);
        if ((m = link_journal_from_string(s)) >= 0)
                fuzz_assert(streq(link_journal_to_string(m), s));
        else
                fuzz_assert(m == -EINVAL);
        if ((m = settings_mode_from_string(s)) >= 0)
                fuzz_assert(settings_mode_from_string(settings_mode_to_string(m)) == m);
        else
                fuzz_assert(m == -EINVAL);
}

/* NAME=VALUE of a known property, in the D-Bus type it is sent as. */
static void check_unit_property(const char *s) {
        UnitProperty p;
        int r = unit_property_parse(s, &p);

        fuzz_assert(IN_SET(r, 0, -EINVAL, -EOPNOTSUPP, -ENOMEM));
        if (r != 0)
                return;
        size_t l = (size_t) (strchr(s, '=') - s);
        fuzz_assert(p.name && ((strlen(p.name) == l && strncmp(s, p.name, l) == 0) ||
                               (streq(p.name, "CPUQuotaPerSecUSec") && startswith(s, "CPUQuota="))));
        switch (p.type) {
        case UNIT_PROPERTY_BOOLEAN:
                fuzz_assert(p.boolean == 0 || p.boolean == 1);
                break;
        case UNIT_PROPERTY_UINT64:
                break;
        case UNIT_PROPERTY_STRING:
                fuzz_assert(!isempty(p.string) && streq(p.string, strchr(s, '=') + 1));
                break;
        case UNIT_PROPERTY_SIGNAL:
                fuzz_assert(p.signal >= 1 && p.signal <= SIGRTMAX);
                break;
        case UNIT_PROPERTY_DEVICE_ALLOW:
                fuzz_assert(p.string && (p.string[0] == '/' || startswith(p.string, "char-") ||
                                         startswith(p.string, "block-")));
                fuzz_assert(!strchr(p.string, ' '));
                fuzz_assert(!isempty(p.string2) && strspn(p.string2, "rwm") == strlen(p.string2));
                break;
        default:
                fuzz_assert(!"a known property type");
        }
        unit_property_done(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = fuzz_string(data, size, VALUE_MAX);
        if (!s)
                return 0;

        check_boolean(s);
        check_numbers(s);
        check_signal(s);
        check_capabilities(s);
        check_id128(s);
        check_paths(s);
        check_modes(s);
        check_unit_property(s);
        return 0;
}
