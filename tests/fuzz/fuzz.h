/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What every libFuzzer target shares. A target defines LLVMFuzzerTestOneInput(); libFuzzer drives it
 * in the fuzzing build, and fuzz-replay.c runs it over the target's corpus in the unit suite. A
 * target stops with abort() on a broken promise of the parser, so that both see it as a crash. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_assert(expr)                                                                               \
        do {                                                                                            \
                if (!(expr)) {                                                                          \
                        fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #expr);      \
                        abort();                                                                        \
                }                                                                                       \
        } while (0)

/* The input as a C string, or NULL when it holds a NUL byte, is longer than max, or there is no
 * memory: the parsers take C strings, so such inputs say nothing new. */
static inline char *fuzz_string(const uint8_t *data, size_t size, size_t max) {
        if (size > max || memchr(data, 0, size))
                return NULL;
        char *s = malloc(size + 1);
        if (!s)
                return NULL;
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* True if s is one printable line: no control character, no DEL. */
static inline bool fuzz_is_one_line(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 0x7f)
                        return false;
        return true;
}
