/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "tap.h"

/* Joins l with '|' into a static buffer, for comparing whole lists in one check. */
static const char *strv_show(char *const *l) {
        static char buf[512];
        size_t n = 0;

        buf[0] = 0;
        if (!l)
                return "(null)";
        for (char *const *p = l; *p && n < sizeof buf; p++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", p == l ? "" : "|", *p);
        return buf;
}

static void test_strv_extend(void) {
        char **l = NULL;
        const char *s = "abc";

        check_int_eq(strv_length(NULL), 0, "strv_length(NULL) is 0");
        check_int_eq(strv_extend(&l, s), 0, "strv_extend to NULL list");
        check(l && l[0] != s && strv_length(l) == 1, "strv_extend copies the string");
        check_int_eq(strv_extend(&l, ""), 0, "strv_extend with an empty string");
        check_int_eq(strv_extend(&l, "d"), 0, "strv_extend a third time");
        check_int_eq(strv_length(l), 3, "three entries");
        check_streq(strv_show(l), "abc||d", "entries in order");
        check(l[3] == NULL, "list is NULL-terminated");

        char **c = strv_copy(l);
        check(c && c != l && c[0] != l[0], "strv_copy makes a deep copy");
        check_streq(strv_show(c), "abc||d", "strv_copy keeps entries");
        strv_free(c);

        c = strv_copy(NULL);
        check(c && strv_length(c) == 0, "strv_copy(NULL) is an empty list");
        strv_free(c);

        check_int_eq(strv_consume(&l, strdup("e")), 0, "strv_consume");
        check_streq(strv_show(l), "abc||d|e", "strv_consume appends");
        check_int_eq(strv_consume(&l, NULL), -ENOMEM, "strv_consume(NULL) is -ENOMEM");
        check_int_eq(strv_length(l), 4, "a failed strv_consume leaves the list");

        check(strv_free(l) == NULL, "strv_free returns NULL");
        check(strv_free(NULL) == NULL, "strv_free(NULL) is fine");

        {
                _cleanup_strv_free_ char **m = NULL;
                check_int_eq(strv_extend(&m, "x"), 0, "_cleanup_strv_free_ list");
        }
}

static void test_strv_env(void) {
        char **env = NULL;

        check_int_eq(strv_env_replace(&env, "A=1"), 0, "env: add A=1");
        check_int_eq(strv_env_replace(&env, "AB=2"), 0, "env: add AB=2");
        check_int_eq(strv_env_replace(&env, "B="), 0, "env: add B= (empty value)");
        check_streq(strv_show(env), "A=1|AB=2|B=", "env: three entries");

        check_int_eq(strv_env_replace(&env, "A=3"), 0, "env: replace A");
        check_streq(strv_show(env), "A=3|AB=2|B=", "env: A replaced in place, AB untouched");
        check_int_eq(strv_env_replace(&env, "AB=x=y"), 0, "env: replace AB with a value holding '='");
        check_streq(strv_show(env), "A=3|AB=x=y|B=", "env: AB replaced");
        check_int_eq(strv_length(env), 3, "env: replacing does not grow the list");

        check_streq(strv_env_get(env, "A"), "3", "env: get A");
        check_streq(strv_env_get(env, "AB"), "x=y", "env: get AB");
        check_streq(strv_env_get(env, "B"), "", "env: get B (empty)");
        check_streq(strv_env_get(env, "C"), NULL, "env: get C (unset) is NULL");
        check_streq(strv_env_get(env, "ABC"), NULL, "env: get ABC (a longer name) is NULL");
        check_streq(strv_env_get(env, "A="), NULL, "env: get \"A=\" is NULL");
        check_streq(strv_env_get(NULL, "A"), NULL, "env: get from NULL list is NULL");

        check_int_eq(strv_env_replace(&env, "NOEQUALS"), -EINVAL, "env: assignment without '=' is refused");
        check_int_eq(strv_length(env), 3, "env: refused assignment leaves the list");

        strv_free(env);
}

static void test_strv_split(void) {
        static const struct {
                const char *in;
                char sep;
                size_t n;
                const char *joined;
        } cases[] = {
                { "a,b,c", ',', 3, "a|b|c" },
                { "abc", ',', 1, "abc" },
                { "", ',', 1, "" },
                { ",", ',', 2, "|" },
                { "a,,b", ',', 3, "a||b" },
                { ",a,", ',', 3, "|a|" },
                { "/a:/b:/c", ':', 3, "/a|/b|/c" },
                { "a,b", ':', 1, "a,b" },
        };

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char **l = NULL;
                check_int_eq(strv_split(cases[i].in, cases[i].sep, &l), 0, "strv_split(\"%s\", '%c') succeeds",
                             cases[i].in, cases[i].sep);
                check_int_eq(strv_length(l), cases[i].n, "strv_split(\"%s\", '%c') has %zu fields", cases[i].in,
                             cases[i].sep, cases[i].n);
                check_streq(strv_show(l), cases[i].joined, "strv_split(\"%s\", '%c') fields", cases[i].in,
                            cases[i].sep);
                strv_free(l);
        }
}

int main(void) {
        test_strv_extend();
        test_strv_env();
        test_strv_split();
        return tap_finish();
}
