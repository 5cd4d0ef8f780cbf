/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A machine's credentials, as nspawn's --set-credential= and --load-credential=: small named
 * blobs (passwords, keys, first-boot settings) that the machine finds as files in
 * CREDENTIALS_MACHINE_DIR, named in $CREDENTIALS_DIRECTORY, where systemd inside imports them. */

/* systemd's own limits: one credential, and a unit's (here a machine's) together. */
#define CREDENTIAL_SIZE_MAX (1024U * 1024U)
#define CREDENTIALS_TOTAL_SIZE_MAX (1024U * 1024U)
#define CREDENTIAL_NAME_MAX 255U

#define CREDENTIALS_MACHINE_DIR "/run/host/credentials"

typedef struct Credential {
        char *id;
        /* Where the value comes from when it is loaded: an absolute, normalized host path, or the
         * name of one of berth's own credentials (in its $CREDENTIALS_DIRECTORY). NULL: a value
         * given literally. */
        char *path;
        /* The value, given or read; one NUL byte follows it, but it may hold NULs itself. Erased
         * when freed. NULL for a credential not loaded yet. */
        char *data;
        size_t size;
} Credential;

/* As systemd: not empty, not "." or "..", no '/', no ':', only printable ASCII, at most 255 bytes. */
bool credential_name_is_valid(const char *s);

/* Decodes C escapes as systemd's SetCredential= does: \a \b \f \n \r \t \v \s \\ \" \', \xHH,
 * \NNN (octal), \uHHHH and \UHHHHHHHH (written as UTF-8); NUL bytes are allowed. Returns 0, or
 * -EBADMSG for an escape that is not one of these. Pure. */
int credential_unescape(const char *s, char **ret, size_t *ret_size);

/* Encodes data for a SetCredential= line of a unit file: every byte that is not printable
 * ASCII, and space, backslash, quotes and '%', as \xHH. Pure. */
int credential_escape(const char *data, size_t size, char **ret);

/* Parse "ID:VALUE" (value with C escapes) and "ID:PATH". Pure. Return 0, or
 *   -EINVAL   no ':' (or nothing before it)
 *   -EBADR    ID is not a valid credential name
 *   -EBADMSG  VALUE has an invalid escape; PATH is neither an absolute path (without "..")
 *             nor a credential name
 *   -EFBIG    VALUE is larger than CREDENTIAL_SIZE_MAX
 *   -ENOMEM */
int credential_parse_set(const char *spec, Credential *ret);
int credential_parse_load(const char *spec, Credential *ret);

/* Frees the contents, erasing the value first; leaves *c empty. */
void credential_done(Credential *c);
/* Erases and frees the value alone (once it has been handed on). */
void credential_erase(Credential *c);
void credentials_free(Credential *c, size_t n);

Credential *credentials_find(Credential *c, size_t n, const char *id);
/* The sum of the values' sizes. */
size_t credentials_size(const Credential *c, size_t n);
