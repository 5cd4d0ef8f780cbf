/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "macro.h"
#include "parse-util.h"

bool credential_name_is_valid(const char *s) {
        size_t n = 0;

        if (isempty(s) || streq(s, ".") || streq(s, ".."))
                return false;
        for (; s[n]; n++)
                if ((unsigned char) s[n] < ' ' || (unsigned char) s[n] >= 0x7f || s[n] == '/' || s[n] == ':')
                        return false;
        return n <= CREDENTIAL_NAME_MAX;
}

/* Reads n hex digits at s. */
static int parse_hex(const char *s, size_t n, uint32_t *ret) {
        uint32_t v = 0;
        for (size_t i = 0; i < n; i++) {
                int d = unhex(s[i]);
                if (d < 0)
                        return -EBADMSG;
                v = v << 4 | (uint32_t) d;
        }
        *ret = v;
        return 0;
}

static size_t utf8_encode(uint32_t c, char *out) {
        if (c < 0x80) {
                out[0] = (char) c;
                return 1;
        }
        if (c < 0x800) {
                out[0] = (char) (0xc0 | (c >> 6));
                out[1] = (char) (0x80 | (c & 0x3f));
                return 2;
        }
        if (c < 0x10000) {
                out[0] = (char) (0xe0 | (c >> 12));
                out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
                out[2] = (char) (0x80 | (c & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (c >> 18));
        out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
        out[3] = (char) (0x80 | (c & 0x3f));
        return 4;
}

int credential_unescape(const char *s, char **ret, size_t *ret_size) {
        /* No escape is longer than what it stands for, so the input's length bounds the output. */
        size_t len = strlen(s), n = 0;
        char *out = malloc(len + 1);
        int r;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                static const char simple[] = "a\ab\bf\fn\nr\rt\tv\vs \\\\\"\"''";
                const char *e;
                uint32_t c;

                if (s[i] != '\\') {
                        out[n++] = s[i];
                        continue;
                }
                i++;
                if (i >= len)
                        goto bad;
                for (e = simple; *e && *e != s[i]; e += 2)
                        ;
                if (*e) {
                        out[n++] = e[1];
                        continue;
                }
                switch (s[i]) {
                case 'x':
                        if (len - i - 1 < 2 || parse_hex(s + i + 1, 2, &c) < 0)
                                goto bad;
                        out[n++] = (char) c;
                        i += 2;
                        break;
                case 'u':
                case 'U': {
                        size_t digits = s[i] == 'u' ? 4 : 8;
                        if (len - i - 1 < digits || parse_hex(s + i + 1, digits, &c) < 0)
                                goto bad;
                        /* A Unicode scalar value: no surrogates, nothing past U+10FFFF. */
                        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                                goto bad;
                        n += utf8_encode(c, out + n);
                        i += digits;
                        break;
                }
                case '0' ... '7':
                        if (len - i < 3 || s[i + 1] < '0' || s[i + 1] > '7' || s[i + 2] < '0' || s[i + 2] > '7')
                                goto bad;
                        c = (uint32_t) ((s[i] - '0') << 6 | (s[i + 1] - '0') << 3 | (s[i + 2] - '0'));
                        if (c > 0xff)
                                goto bad;
                        out[n++] = (char) c;
                        i += 2;
                        break;
                default:
                        goto bad;
                }
        }
        out[n] = 0;
        *ret = out;
        *ret_size = n;
        return 0;

bad:
        r = -EBADMSG;
        explicit_bzero(out, len + 1);
        free(out);
        return r;
}

int credential_escape(const char *data, size_t size, char **ret) {
        char *out = malloc(size * 4 + 1), *o = out;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < size; i++) {
                unsigned char c = (unsigned char) data[i];
                if (c > ' ' && c < 0x7f && !strchr("\\\"'%", c))
                        *o++ = (char) c;
                else
                        o += sprintf(o, "\\x%02x", c);
        }
        *o = 0;
        *ret = out;
        return 0;
}

/* Splits "ID:REST" at the first ':' (an ID has none) and checks the ID. */
static int split_id(const char *spec, char **ret_id, const char **ret_rest) {
        const char *colon = spec ? strchr(spec, ':') : NULL;

        if (!colon || colon == spec)
                return -EINVAL;
        char *id = strndup(spec, (size_t) (colon - spec));
        if (!id)
                return -ENOMEM;
        if (!credential_name_is_valid(id)) {
                free(id);
                return -EBADR;
        }
        *ret_id = id;
        *ret_rest = colon + 1;
        return 0;
}

int credential_parse_set(const char *spec, Credential *ret) {
        _cleanup_(credential_done) Credential c = {};
        const char *value;
        int r;

        r = split_id(spec, &c.id, &value);
        if (r < 0)
                return r;
        r = credential_unescape(value, &c.data, &c.size);
        if (r < 0)
                return r;
        if (c.size > CREDENTIAL_SIZE_MAX)
                return -EFBIG;
        *ret = c;
        c = (Credential) {};
        return 0;
}

int credential_parse_load(const char *spec, Credential *ret) {
        _cleanup_(credential_done) Credential c = {};
        const char *path;
        int r;

        r = split_id(spec, &c.id, &path);
        if (r < 0)
                return r;
        if (path_is_absolute(path)) {
                /* Normalized, as systemd wants a unit's LoadCredential= paths. */
                r = path_normalize_absolute(path, &c.path);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return -EBADMSG;
        } else if (credential_name_is_valid(path)) {
                c.path = strdup(path);
                if (!c.path)
                        return -ENOMEM;
        } else
                return -EBADMSG;
        *ret = c;
        c = (Credential) {};
        return 0;
}

void credential_erase(Credential *c) {
        if (c->data) {
                explicit_bzero(c->data, c->size);
                free(c->data);
        }
        c->data = NULL;
        c->size = 0;
}

void credential_done(Credential *c) {
        credential_erase(c);
        free(c->id);
        free(c->path);
        *c = (Credential) {};
}

void credentials_free(Credential *c, size_t n) {
        for (size_t i = 0; i < n; i++)
                credential_done(&c[i]);
        free(c);
}

Credential *credentials_find(Credential *c, size_t n, const char *id) {
        for (size_t i = 0; i < n; i++)
                if (streq(c[i].id, id))
                        return &c[i];
        return NULL;
}

size_t credentials_size(const Credential *c, size_t n) {
        size_t total = 0;
        for (size_t i = 0; i < n; i++)
                total += c[i].size;
        return total;
}
