/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "strv.h"

char **strv_free(char **l) {
        if (l) {
                for (char **p = l; *p; p++)
                        free(*p);
                free(l);
        }
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

char **strv_copy(char *const *l) {
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return strv_free(c);
        }
        return c;
}

int strv_consume(char ***l, char *s) {
        if (!s)
                return -ENOMEM;
        size_t n = strv_length(*l);
        char **c = realloc(*l, (n + 2) * sizeof(char *));
        if (!c) {
                free(s);
                return -ENOMEM;
        }
        c[n] = s;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *s) {
        return strv_consume(l, strdup(s));
}

static char **env_find(char **l, const char *name, size_t len) {
        for (char **p = l; p && *p; p++)
                if (strncmp(*p, name, len) == 0 && (*p)[len] == '=')
                        return p;
        return NULL;
}

int strv_env_replace(char ***l, const char *assignment) {
        const char *eq = strchr(assignment, '=');
        if (!eq)
                return -EINVAL;
        char **p = env_find(*l, assignment, (size_t) (eq - assignment));
        if (p) {
                char *c = strdup(assignment);
                if (!c)
                        return -ENOMEM;
                free(*p);
                *p = c;
                return 0;
        }
        return strv_extend(l, assignment);
}

const char *strv_env_get(char *const *l, const char *name) {
        char **p = env_find((char **) l, name, strlen(name));
        return p ? *p + strlen(name) + 1 : NULL;
}

int strv_split(const char *s, char sep, char ***ret) {
        char **l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (;;) {
                const char *e = strchr(s, sep);
                size_t len = e ? (size_t) (e - s) : strlen(s);
                int r = strv_consume(&l, strndup(s, len));
                if (r < 0) {
                        strv_free(l);
                        return r;
                }
                if (!e)
                        break;
                s = e + 1;
        }
        *ret = l;
        return 0;
}
