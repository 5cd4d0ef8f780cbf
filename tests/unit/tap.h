/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny TAP producer for the unit tests: one "ok N - desc" or "not ok N - desc"
 * line per check, the plan "1..N" at the end (valid TAP), then a closing
 * "# N passed, N failed" line. Failures say where and what was seen. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_n_run;
static unsigned tap_n_failed;

/* Prints the result line; returns ok so callers can add diagnostics on failure. */
__attribute__((format(printf, 4, 0))) static inline bool tap_resultv(bool ok, const char *file, int line,
                                                                      const char *format, va_list ap) {
        char desc[512];

        vsnprintf(desc, sizeof desc, format, ap);
        /* Keep the description on one line and free of TAP directives. */
        for (char *p = desc; *p; p++)
                if ((unsigned char) *p < ' ' || *p == '#' || *p == 0x7f)
                        *p = '?';

        tap_n_run++;
        if (!ok)
                tap_n_failed++;
        printf("%sok %u - %s\n", ok ? "" : "not ", tap_n_run, desc);
        if (!ok)
                printf("#   failed at %s:%d\n", file, line);
        fflush(stdout);
        return ok;
}

__attribute__((format(printf, 4, 5))) static inline bool tap_result(bool ok, const char *file, int line,
                                                                     const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        ok = tap_resultv(ok, file, line, format, ap);
        va_end(ap);
        return ok;
}

/* Prints a value for a diagnostic line, escaping what would break the line. */
static inline void tap_print_string(const char *s) {
        if (!s) {
                fputs("(null)", stdout);
                return;
        }
        putchar('\'');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < ' ' || *p == 0x7f || *p == '\\')
                        printf("\\x%02x", *p);
                else
                        putchar(*p);
        putchar('\'');
}

__attribute__((format(printf, 5, 6))) static inline bool tap_streq(const char *got, const char *expected,
                                                                    const char *file, int line,
                                                                    const char *format, ...) {
        bool ok = got && expected ? strcmp(got, expected) == 0 : got == expected;
        va_list ap;

        va_start(ap, format);
        tap_resultv(ok, file, line, format, ap);
        va_end(ap);
        if (!ok) {
                fputs("#   got:      ", stdout);
                tap_print_string(got);
                fputs("\n#   expected: ", stdout);
                tap_print_string(expected);
                putchar('\n');
        }
        return ok;
}

__attribute__((format(printf, 5, 6))) static inline bool tap_int_eq(intmax_t got, intmax_t expected,
                                                                     const char *file, int line,
                                                                     const char *format, ...) {
        bool ok = got == expected;
        va_list ap;

        va_start(ap, format);
        tap_resultv(ok, file, line, format, ap);
        va_end(ap);
        if (!ok)
                printf("#   got:      %jd\n#   expected: %jd\n", got, expected);
        return ok;
}

/* check(cond, "format", ...): one test point; evaluates to cond. */
#define check(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* check_streq(got, expected, "format", ...): NULL equals only NULL. */
#define check_streq(got, expected, ...) tap_streq((got), (expected), __FILE__, __LINE__, __VA_ARGS__)
/* check_int_eq(got, expected, "format", ...): compared as intmax_t. */
#define check_int_eq(got, expected, ...) \
        tap_int_eq((intmax_t) (got), (intmax_t) (expected), __FILE__, __LINE__, __VA_ARGS__)

/* Prints a diagnostic line. */
#define tap_diag(...)                           \
        do {                                    \
                fputs("# ", stdout);            \
                printf(__VA_ARGS__);            \
                putchar('\n');                  \
        } while (0)

/* Prints the plan and the closing line; returns the exit status for main(). */
static inline int tap_finish(void) {
        printf("1..%u\n", tap_n_run);
        printf("# %u passed, %u failed\n", tap_n_run - tap_n_failed, tap_n_failed);
        fflush(stdout);
        return tap_n_failed > 0 ? 1 : 0;
}
