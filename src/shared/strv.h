/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
char **strv_copy(char *const *l);
/* Appends a copy of s. */
int strv_extend(char ***l, const char *s);
/* Takes ownership of s, also on failure. */
int strv_consume(char ***l, char *s);
/* Sets NAME=VALUE in an environment block, replacing an earlier NAME. Copies. */
int strv_env_replace(char ***l, const char *assignment);
const char *strv_env_get(char *const *l, const char *name);
/* Splits s at sep (one character), keeping empty fields. */
int strv_split(const char *s, char sep, char ***ret);
