/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "tap.h"

static void test_parse_boolean(void) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
        static const char *const bad[] = { "", "2", "maybe", "yes ", " no", "ja" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                check_int_eq(parse_boolean(yes[i]), 1, "parse_boolean(\"%s\") is true", yes[i]);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                check_int_eq(parse_boolean(no[i]), 0, "parse_boolean(\"%s\") is false", no[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                check_int_eq(parse_boolean(bad[i]), -EINVAL, "parse_boolean(\"%s\") is refused", bad[i]);
        check_int_eq(parse_boolean(NULL), -EINVAL, "parse_boolean(NULL) is refused");
}

static void test_safe_atou(void) {
        unsigned u = 7;
        uint64_t v = 7;

        check(safe_atou("0", &u) == 0 && u == 0, "safe_atou(\"0\")");
        check(safe_atou("42", &u) == 0 && u == 42, "safe_atou(\"42\")");
        check(safe_atou("4294967295", &u) == 0 && u == UINT_MAX, "safe_atou(UINT_MAX)");
        check_int_eq(safe_atou("4294967296", &u), -ERANGE, "safe_atou(UINT_MAX + 1) is out of range");

        static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "1a", "0x10", "a" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                u = 7;
                check(safe_atou(bad[i], &u) == -EINVAL && u == 7, "safe_atou(\"%s\") is refused, result untouched",
                      bad[i]);
        }
        check_int_eq(safe_atou(NULL, &u), -EINVAL, "safe_atou(NULL) is refused");

        check(safe_atou64("18446744073709551615", &v) == 0 && v == UINT64_MAX, "safe_atou64(UINT64_MAX)");
        check_int_eq(safe_atou64("18446744073709551616", &v), -ERANGE, "safe_atou64(UINT64_MAX + 1) is out of range");
        check(safe_atou64("4294967296", &v) == 0 && v == UINT64_C(4294967296), "safe_atou64 above 32 bits");
        check_int_eq(safe_atou64("-5", &v), -EINVAL, "safe_atou64(\"-5\") is refused");
        check_int_eq(safe_atou64("", &v), -EINVAL, "safe_atou64(\"\") is refused");
        check_int_eq(safe_atou64("18446744073709551616x", &v), -EINVAL,
                     "safe_atou64: junk after a number out of range is junk, not a range error");
        check_int_eq(safe_atou("99999999999999999999999 ", &u), -EINVAL,
                     "safe_atou: junk after a number out of range is junk, not a range error");
}

static void test_parse_uid(void) {
        uid_t uid = 7;

        check(parse_uid("0", &uid) == 0 && uid == 0, "parse_uid(\"0\")");
        check(parse_uid("1000", &uid) == 0 && uid == 1000, "parse_uid(\"1000\")");
        check(parse_uid("65534", &uid) == 0 && uid == 65534, "parse_uid(\"65534\") (nobody)");
        check(parse_uid("65536", &uid) == 0 && uid == 65536, "parse_uid(\"65536\")");
        check(parse_uid("65535", &uid) < 0, "parse_uid(\"65535\") is refused");
        check(parse_uid("4294967295", &uid) < 0, "parse_uid(\"4294967295\") ((uid_t) -1) is refused");
        check(parse_uid("4294967296", &uid) < 0, "parse_uid beyond 32 bits is refused");
        check(parse_uid("-1", &uid) < 0, "parse_uid(\"-1\") is refused");
        check(parse_uid("root", &uid) < 0, "parse_uid(\"root\") is refused");
        check(parse_uid("", &uid) < 0, "parse_uid(\"\") is refused");
}

static void test_signal_from_string(void) {
        check_int_eq(signal_from_string("TERM"), SIGTERM, "signal TERM");
        check_int_eq(signal_from_string("SIGTERM"), SIGTERM, "signal SIGTERM");
        check_int_eq(signal_from_string("KILL"), SIGKILL, "signal KILL");
        check_int_eq(signal_from_string("SIGHUP"), SIGHUP, "signal SIGHUP");
        check_int_eq(signal_from_string("SIGINT"), SIGINT, "signal SIGINT");
        check_int_eq(signal_from_string("SIGSYS"), SIGSYS, "signal SIGSYS");
        check_int_eq(signal_from_string("CHLD"), SIGCHLD, "signal CHLD");
        check_int_eq(signal_from_string("15"), 15, "signal 15");
        check_int_eq(signal_from_string("1"), 1, "signal 1");
        check_int_eq(signal_from_string("64"), SIGRTMAX, "signal 64 (SIGRTMAX)");
        check_int_eq(signal_from_string("RTMIN"), SIGRTMIN, "signal RTMIN");
        check_int_eq(signal_from_string("SIGRTMIN"), SIGRTMIN, "signal SIGRTMIN");
        check_int_eq(signal_from_string("RTMIN+3"), SIGRTMIN + 3, "signal RTMIN+3");
        check_int_eq(signal_from_string("SIGRTMIN+4"), SIGRTMIN + 4, "signal SIGRTMIN+4");
        check_int_eq(signal_from_string("SIGRTMIN+0"), SIGRTMIN, "signal SIGRTMIN+0");
        check_int_eq(signal_from_string("RTMAX"), SIGRTMAX, "signal RTMAX");
        check_int_eq(signal_from_string("SIGRTMAX-2"), SIGRTMAX - 2, "signal SIGRTMAX-2");
        char top[32];
        snprintf(top, sizeof top, "SIGRTMIN+%d", SIGRTMAX - SIGRTMIN);
        check_int_eq(signal_from_string(top), SIGRTMAX, "signal %s is SIGRTMAX", top);
        snprintf(top, sizeof top, "SIGRTMAX-%d", SIGRTMAX - SIGRTMIN);
        check_int_eq(signal_from_string(top), SIGRTMIN, "signal %s is SIGRTMIN", top);

        static const char *const bad[] = {
                "",           "SIG",         "sigterm",     "term",        "SIG15",       "0",
                "65",         "-1",          "+15",         "15 ",         "TERM ",       "SIGFOO",
                "RTMIN+",     "RTMIN-1",     "RTMIN+31",    "RTMAX+1",     "RTMAX-31",    "RTMIN3",
                "SIGRTMIN+x", "RTMIN+-1",    "RTMIN+ 1",    "RTMIN+4294967295",           "RTMAX-4294967295",
                "RTMIN+2147483648",          "4294967295",  "2147483648",  "99999999999999999999",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                check_int_eq(signal_from_string(bad[i]), -EINVAL, "signal \"%s\" is refused with -EINVAL", bad[i]);
        check_int_eq(signal_from_string(NULL), -EINVAL, "signal NULL is refused");
}

static void test_signal_to_string(void) {
        char buf[16];

        check_streq(signal_to_string(SIGTERM, buf), "SIGTERM", "SIGTERM to string");
        check_streq(signal_to_string(SIGKILL, buf), "SIGKILL", "SIGKILL to string");
        check_streq(signal_to_string(SIGRTMIN, buf), "SIGRTMIN+0", "SIGRTMIN to string");
        check_streq(signal_to_string(SIGRTMIN + 3, buf), "SIGRTMIN+3", "SIGRTMIN+3 to string");
        check_streq(signal_to_string(0, buf), "0", "signal 0 to string");
        check_streq(signal_to_string(-5, buf), "-5", "signal -5 to string");
        check_streq(signal_to_string(SIGRTMAX + 1, buf), "65", "signal 65 to string");

        /* Every valid signal survives the round trip through its name. */
        bool all = true;
        for (int sig = 1; sig <= SIGRTMAX; sig++) {
                int back = signal_from_string(signal_to_string(sig, buf));
                if (back != sig) {
                        tap_diag("signal %d -> '%s' -> %d", sig, buf, back);
                        all = false;
                }
        }
        check(all, "signal_to_string and signal_from_string round-trip 1..SIGRTMAX");
        check_streq(signal_to_string(INT_MIN, buf), "-2147483648", "INT_MIN fits the 16-byte buffer");
}

static void test_capability_names(void) {
        check_int_eq(capability_from_name("cap_sys_admin"), CAP_SYS_ADMIN, "cap_sys_admin");
        check_int_eq(capability_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN, "CAP_SYS_ADMIN");
        check_int_eq(capability_from_name("Cap_Net_Admin"), CAP_NET_ADMIN, "Cap_Net_Admin (mixed case)");
        check_int_eq(capability_from_name("CAP_CHOWN"), CAP_CHOWN, "CAP_CHOWN is 0");
        check_int_eq(capability_from_name("cap_checkpoint_restore"), CAP_CHECKPOINT_RESTORE, "cap_checkpoint_restore");
        check_int_eq(capability_from_name("sys_admin"), -EINVAL, "sys_admin without cap_ is refused");
        check_int_eq(capability_from_name("CAP_FROB"), -EINVAL, "CAP_FROB is refused");
        check_int_eq(capability_from_name(""), -EINVAL, "empty capability is refused");
        check_int_eq(capability_from_name(NULL), -EINVAL, "NULL capability is refused");
        check_int_eq(capability_from_name("21"), -EINVAL, "capability numbers are refused");
        check_int_eq(capability_from_name("CAP_SYS_ADMIN "), -EINVAL, "trailing blank is refused");

        check_streq(capability_to_name(CAP_NET_ADMIN), "cap_net_admin", "capability_to_name(CAP_NET_ADMIN)");
        check_streq(capability_to_name(0), "cap_chown", "capability_to_name(0)");
        check_streq(capability_to_name(-1), NULL, "capability_to_name(-1) is NULL");
        check_streq(capability_to_name(capability_last() + 1), NULL, "capability_to_name(last + 1) is NULL");
        check_int_eq(capability_last(), CAP_LAST_CAP, "capability_last() matches the kernel headers");

        bool all = true;
        for (int c = 0; c <= capability_last(); c++)
                if (capability_from_name(capability_to_name(c)) != c) {
                        tap_diag("capability %d does not round-trip", c);
                        all = false;
                }
        check(all, "every capability name round-trips");
}

static void test_capability_set(void) {
        uint64_t m = 0;
        uint64_t all = (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1;

        check(capability_set_from_string("all", &m) == 0 && m == all, "\"all\" is every known capability");
        check(capability_set_from_string("CAP_NET_ADMIN", &m) == 0 && m == UINT64_C(1) << CAP_NET_ADMIN,
              "a single capability");
        check(capability_set_from_string("CAP_NET_ADMIN,cap_sys_time", &m) == 0 &&
                      m == ((UINT64_C(1) << CAP_NET_ADMIN) | (UINT64_C(1) << CAP_SYS_TIME)),
              "a comma list, mixed case");
        check(capability_set_from_string("cap_chown,cap_chown", &m) == 0 && m == 1, "a repeated name");
        check(capability_set_from_string("cap_checkpoint_restore", &m) == 0 &&
                      m == UINT64_C(1) << CAP_CHECKPOINT_RESTORE,
              "the highest capability");

        static const char *const bad[] = {
                "",        ",",          "CAP_NET_ADMIN,",  ",CAP_NET_ADMIN", "CAP_NET_ADMIN,,CAP_SYS_TIME",
                "CAP_FOO", "CAP_NET_ADMIN,CAP_FOO",        "all,CAP_CHOWN", "ALL", "CAP_NET_ADMIN ,CAP_CHOWN",
                "cap_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                m = 12345;
                check(capability_set_from_string(bad[i], &m) == -EINVAL && m == 12345,
                      "capability set \"%s\" is refused, result untouched", bad[i]);
        }
        check_int_eq(capability_set_from_string(NULL, &m), -EINVAL, "capability set NULL is refused");
}

static void test_id128(void) {
        Id128 id = {}, id2 = {};
        char s32[33], s36[37];
        static const uint8_t expected[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                              0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };

        check(id128_from_string("0123456789abcdeffedcba9876543210", &id) == 0 &&
                      memcmp(id.bytes, expected, 16) == 0,
              "id128 from 32 hex digits");
        check(id128_from_string("01234567-89AB-CDEF-FEDC-BA9876543210", &id2) == 0 &&
                      memcmp(id2.bytes, expected, 16) == 0,
              "id128 from the 8-4-4-4-12 form, upper case");
        check_streq(id128_to_string(&id, s32), "0123456789abcdeffedcba9876543210", "id128_to_string");
        check_streq(id128_to_uuid_string(&id, s36), "01234567-89ab-cdef-fedc-ba9876543210", "id128_to_uuid_string");
        check_int_eq(strlen(s36), 36, "uuid string is 36 characters");

        /* Round trips through both forms. */
        check(id128_from_string(s32, &id2) == 0 && memcmp(&id, &id2, sizeof id) == 0, "round trip via 32 hex digits");
        check(id128_from_string(s36, &id2) == 0 && memcmp(&id, &id2, sizeof id) == 0, "round trip via uuid form");
        check(!id128_is_null(&id), "a non-zero id is not null");

        static const char *const bad[] = {
                "",
                "0123456789abcdeffedcba987654321",                /* 31 */
                "0123456789abcdeffedcba98765432100",              /* 33 */
                "0123456789abcdeffedcba987654321g",               /* non-hex */
                "0123456789abcdef-edcba9876543210",               /* dash inside the plain form */
                "01234567-89ab-cdef-fedc-ba987654321",            /* 35 */
                "01234567-89ab-cdef-fedc-ba98765432100",          /* 37 */
                "0123456789-ab-cdef-fedc-ba9876543210",           /* dashes in the wrong places */
                "01234567-89ab-cdef-fedcba9876543210-",           /* last dash moved */
                "01234567_89ab_cdef_fedc_ba9876543210",           /* wrong separator */
                "01234567-89ab-cdef-fedc-ba98765432 0",           /* blank */
                "00000000000000000000000000000000",               /* null id */
                "00000000-0000-0000-0000-000000000000",           /* null id, uuid form */
                "0x23456789abcdeffedcba9876543210",               /* 0x prefix */
                "{01234567-89ab-cdef-fedc-ba98765432}",           /* braces */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                id2 = id;
                check(id128_from_string(bad[i], &id2) == -EINVAL && memcmp(&id, &id2, sizeof id) == 0,
                      "id128 \"%s\" is refused, result untouched", bad[i]);
        }
        check_int_eq(id128_from_string(NULL, &id2), -EINVAL, "id128 NULL is refused");

        Id128 zero = {};
        check(id128_is_null(&zero), "the all-zero id is null");
        check_streq(id128_to_string(&zero, s32), "00000000000000000000000000000000", "null id to string");
}

static void test_id128_make_v4(void) {
        uint8_t ones[16], zeros[16] = {};
        char s[37];

        memset(ones, 0xff, sizeof ones);
        Id128 a = id128_make_v4(ones), b = id128_make_v4(zeros);

        check_int_eq(a.bytes[6] >> 4, 4, "v4 from 0xff bytes: version nibble is 4");
        check_int_eq(a.bytes[8] >> 6, 2, "v4 from 0xff bytes: variant bits are 10");
        check_int_eq(a.bytes[6] & 0x0f, 0x0f, "v4 from 0xff bytes: low nibble of byte 6 kept");
        check_int_eq(a.bytes[8] & 0x3f, 0x3f, "v4 from 0xff bytes: low bits of byte 8 kept");
        check_int_eq(b.bytes[6], 0x40, "v4 from zero bytes: byte 6 is 0x40");
        check_int_eq(b.bytes[8], 0x80, "v4 from zero bytes: byte 8 is 0x80");
        check(!id128_is_null(&b), "v4 from zero bytes is not null");
        check_streq(id128_to_uuid_string(&b, s), "00000000-0000-4000-8000-000000000000", "v4 from zero bytes as uuid");
        check_streq(id128_to_uuid_string(&a, s), "ffffffff-ffff-4fff-bfff-ffffffffffff", "v4 from 0xff bytes as uuid");

        bool others = true;
        for (size_t i = 0; i < 16; i++)
                if (i != 6 && i != 8 && (a.bytes[i] != 0xff || b.bytes[i] != 0))
                        others = false;
        check(others, "v4 keeps every other byte");

        Id128 back;
        check(id128_from_string(s, &back) == 0 && memcmp(&a, &back, sizeof a) == 0, "v4 uuid round-trips");
}

static void test_hostname_is_valid(void) {
        char name[80];

        static const char *const good[] = {
                "a", "foo", "Foo-Bar", "foo.bar", "a.b.c", "web-1.example.com", "0", "1abc", "xn--bcher-kva",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                check(hostname_is_valid(good[i]), "hostname \"%s\" is valid", good[i]);

        static const char *const bad[] = {
                "",     ".",     "..",      ".foo",    "foo.",     "foo..bar", "-foo",   "foo.-bar",
                "foo-", "foo-.bar", "foo_bar", "foo bar", "foo/bar", "föö",    "foo\nbar", "a.b.",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                check(!hostname_is_valid(bad[i]), "hostname \"%s\" is invalid", bad[i]);
        check(!hostname_is_valid(NULL), "hostname NULL is invalid");

        /* 64 characters in two labels: the most Linux (HOST_NAME_MAX) allows. */
        memset(name, 'a', 64);
        name[32] = '.';
        name[64] = 0;
        check(hostname_is_valid(name), "hostname of 64 characters is valid");
        name[64] = 'a';
        name[65] = 0;
        check(!hostname_is_valid(name), "hostname of 65 characters is invalid");

        /* A label of 63 characters is the longest DNS allows. */
        memset(name, 'b', 63);
        name[63] = 0;
        check(hostname_is_valid(name), "a single label of 63 characters is valid");

        check(machine_name_is_valid("debian-12"), "machine name debian-12 is valid");
        check(!machine_name_is_valid("foo_bar"), "machine name foo_bar is invalid");
}

static void test_paths(void) {
        static const char *const normalized[] = { "/", "/a", "/a/b", "/a/b.c", "/..a", "/a/.b", "/a/...", "/a b" };
        for (size_t i = 0; i < ELEMENTSOF(normalized); i++)
                check(path_is_normalized_absolute(normalized[i]), "path \"%s\" is normalized", normalized[i]);

        static const char *const not_normalized[] = {
                "",   "a",   "a/b",  "//",     "/a/",   "//a",   "/a//b", "/./a", "/a/./b",
                "/.", "/..", "/a/.", "/a/..", "/../a", "/a/../b", "./a",
        };
        for (size_t i = 0; i < ELEMENTSOF(not_normalized); i++)
                check(!path_is_normalized_absolute(not_normalized[i]), "path \"%s\" is not normalized",
                      not_normalized[i]);
        check(!path_is_normalized_absolute(NULL), "path NULL is not normalized");

        check(path_is_absolute("/x") && !path_is_absolute("x") && !path_is_absolute("") && !path_is_absolute(NULL),
              "path_is_absolute");

        static const struct {
                const char *in, *out;
        } norm[] = {
                { "//a/./b/", "/a/b" }, { "/", "/" },     { "//", "/" },         { "/./", "/" },
                { "/.", "/" },          { "/a", "/a" },   { "/a/b/c", "/a/b/c" }, { "/a//b///c//", "/a/b/c" },
                { "/a/.b", "/a/.b" },   { "/..a/b", "/..a/b" }, { "/a/./.", "/a" }, { "/a/...", "/a/..." },
        };
        for (size_t i = 0; i < ELEMENTSOF(norm); i++) {
                char *out = NULL;
                int r = path_normalize_absolute(norm[i].in, &out);
                check_int_eq(r, 0, "path_normalize_absolute(\"%s\") succeeds", norm[i].in);
                check_streq(out, norm[i].out, "path_normalize_absolute(\"%s\")", norm[i].in);
                check(!out || path_is_normalized_absolute(out), "the result of \"%s\" is normalized", norm[i].in);
                free(out);
        }

        static const char *const refused[] = { "", "a", "a/b", "./a", "/..", "/a/..", "/a/../b", "/../a", "../a" };
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                char *out = NULL;
                check(path_normalize_absolute(refused[i], &out) == -EINVAL && !out,
                      "path_normalize_absolute(\"%s\") is refused", refused[i]);
                free(out);
        }
        char *out = NULL;
        check(path_normalize_absolute(NULL, &out) == -EINVAL && !out, "path_normalize_absolute(NULL) is refused");
}

static void test_filename_is_valid(void) {
        char name[300];

        check(filename_is_valid("foo"), "filename foo");
        check(filename_is_valid("foo.raw"), "filename foo.raw");
        check(filename_is_valid(".hidden"), "filename .hidden");
        check(filename_is_valid("..."), "filename ...");
        check(!filename_is_valid(""), "empty filename is invalid");
        check(!filename_is_valid(NULL), "NULL filename is invalid");
        check(!filename_is_valid("."), "filename . is invalid");
        check(!filename_is_valid(".."), "filename .. is invalid");
        check(!filename_is_valid("a/b"), "filename with a slash is invalid");
        check(!filename_is_valid("/"), "filename / is invalid");

        memset(name, 'x', 255);
        name[255] = 0;
        check(filename_is_valid(name), "filename of 255 characters is valid");
        name[255] = 'x';
        name[256] = 0;
        check(!filename_is_valid(name), "filename of 256 characters is invalid");
}

static void test_env_assignment_is_valid(void) {
        static const char *const good[] = {
                "A=b", "A=", "_=x", "FOO_BAR=baz qux", "a1=2", "X=a=b", "T=tab\there", "N=new\nline", "U=\xc3\xa4",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                check(env_assignment_is_valid(good[i]), "env assignment \"%s\" is valid", good[i]);

        static const char *const bad[] = {
                "", "A", "=x", "=", "1A=b", "A-B=c", "A B=c", "A.B=c", "A\x01=b", "A=b\x01", "A=\x1b[0m", "\xc3\xa4=1",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                check(!env_assignment_is_valid(bad[i]), "env assignment \"%s\" is invalid", bad[i]);
        check(!env_assignment_is_valid(NULL), "env assignment NULL is invalid");
}

int main(void) {
        test_parse_boolean();
        test_safe_atou();
        test_parse_uid();
        test_signal_from_string();
        test_signal_to_string();
        test_capability_names();
        test_capability_set();
        test_id128();
        test_id128_make_v4();
        test_hostname_is_valid();
        test_paths();
        test_filename_is_valid();
        test_env_assignment_is_valid();
        return tap_finish();
}
