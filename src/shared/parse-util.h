/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* All of these are pure: no I/O, no logging; they return 0 or a negative errno. */

int parse_boolean(const char *s);                 /* 1, 0, or -EINVAL */
int safe_atou(const char *s, unsigned *ret);      /* decimal, no sign, no junk */
int safe_atou64(const char *s, uint64_t *ret);
int parse_uid(const char *s, uid_t *ret);         /* refuses -1 and 65535 */

/* "TERM", "SIGTERM", "15", "RTMIN+3", "SIGRTMIN+3" */
int signal_from_string(const char *s);            /* signal number, or -EINVAL */
/* "SIGTERM", "SIGRTMIN+3"; buf must hold 16 bytes */
const char *signal_to_string(int sig, char buf[static 16]);

/* "cap_sys_admin", "CAP_SYS_ADMIN" */
int capability_from_name(const char *s);          /* number, or -EINVAL */
const char *capability_to_name(int cap);          /* NULL if unknown */
int capability_last(void);                        /* highest capability this build knows */
/* Comma-separated capability names, or "all", into a bitmask. */
int capability_set_from_string(const char *s, uint64_t *ret);

typedef struct Id128 {
        uint8_t bytes[16];
} Id128;

/* 32 hex digits, or the 8-4-4-4-12 form. The all-zero id is refused. */
int id128_from_string(const char *s, Id128 *ret);
/* 8-4-4-4-12, buf must hold 37 bytes */
const char *id128_to_uuid_string(const Id128 *id, char buf[static 37]);
/* 32 hex digits, buf must hold 33 bytes */
const char *id128_to_string(const Id128 *id, char buf[static 33]);
bool id128_is_null(const Id128 *id);
/* Makes a v4 uuid from 16 random bytes. */
Id128 id128_make_v4(const uint8_t random[static 16]);

bool hostname_is_valid(const char *s);            /* a DNS name, at most 64 chars */
bool machine_name_is_valid(const char *s);
bool path_is_absolute(const char *p);
/* Absolute, no "." or ".." components, no "//", no trailing slash (except "/"). */
bool path_is_normalized_absolute(const char *p);
/* Collapses "//" and "/./" and trailing "/"; refuses ".." with -EINVAL. Returns a new string. */
int path_normalize_absolute(const char *p, char **ret);
bool filename_is_valid(const char *s);
/* Environment assignment NAME=VALUE with a valid name. */
bool env_assignment_is_valid(const char *s);

/* The value of one hexadecimal digit, or -EINVAL. */
int unhex(char c);
