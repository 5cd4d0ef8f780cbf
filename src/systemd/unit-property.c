/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "parse-util.h"
#include "unit-property.h"

void unit_property_done(UnitProperty *p) {
        free(p->string);
        free(p->string2);
        *p = (UnitProperty) {};
}

typedef enum ValueKind {
        VALUE_BOOLEAN,
        VALUE_SIZE,          /* bytes with K, M, G, T suffixes (1024-based), or infinity */
        VALUE_NUMBER,        /* a number, or infinity */
        VALUE_WEIGHT,        /* 1..10000 */
        VALUE_PERCENT_QUOTA, /* N% -> CPUQuotaPerSecUSec */
        VALUE_STRING,
        VALUE_DEVICE_POLICY,
        VALUE_KILL_MODE,
        VALUE_SLICE,
        VALUE_SIGNAL,
        VALUE_DEVICE_ALLOW,
} ValueKind;

static const struct {
        const char *name;
        const char *bus_name;
        ValueKind kind;
} known[] = {
        { "CPUAccounting",    NULL,                 VALUE_BOOLEAN       },
        { "MemoryAccounting", NULL,                 VALUE_BOOLEAN       },
        { "TasksAccounting",  NULL,                 VALUE_BOOLEAN       },
        { "IOAccounting",     NULL,                 VALUE_BOOLEAN       },
        { "Delegate",         NULL,                 VALUE_BOOLEAN       },
        { "MemoryMax",        NULL,                 VALUE_SIZE          },
        { "MemoryHigh",       NULL,                 VALUE_SIZE          },
        { "MemoryLow",        NULL,                 VALUE_SIZE          },
        { "MemoryMin",        NULL,                 VALUE_SIZE          },
        { "MemorySwapMax",    NULL,                 VALUE_SIZE          },
        { "TasksMax",         NULL,                 VALUE_NUMBER        },
        { "CPUWeight",        NULL,                 VALUE_WEIGHT        },
        { "StartupCPUWeight", NULL,                 VALUE_WEIGHT        },
        { "IOWeight",         NULL,                 VALUE_WEIGHT        },
        { "CPUQuota",         "CPUQuotaPerSecUSec", VALUE_PERCENT_QUOTA },
        { "Description",      NULL,                 VALUE_STRING        },
        { "DevicePolicy",     NULL,                 VALUE_DEVICE_POLICY },
        { "KillMode",         NULL,                 VALUE_KILL_MODE     },
        { "Slice",            NULL,                 VALUE_SLICE         },
        { "KillSignal",       NULL,                 VALUE_SIGNAL        },
        { "DeviceAllow",      NULL,                 VALUE_DEVICE_ALLOW  },
};

static int parse_size(const char *v, uint64_t *ret) {
        static const struct {
                char suffix;
                unsigned shift;
        } suffixes[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 } };
        char *end;

        if (streq(v, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (isempty(v) || v[0] < '0' || v[0] > '9')
                return -EINVAL;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno != 0)
                return -EINVAL;
        if (*end == 0) {
                *ret = n;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (end[0] == suffixes[i].suffix && end[1] == 0) {
                        if (n > (UINT64_MAX >> suffixes[i].shift))
                                return -ERANGE;
                        *ret = (uint64_t) n << suffixes[i].shift;
                        return 0;
                }
        return -EINVAL;
}

int unit_property_parse(const char *assignment, UnitProperty *ret) {
        const char *eq = assignment ? strchr(assignment, '=') : NULL;
        UnitProperty p = {};
        unsigned u;
        int r;

        if (!eq || eq == assignment)
                return -EINVAL;
        size_t l = (size_t) (eq - assignment);
        const char *v = eq + 1;

        size_t i;
        for (i = 0; i < ELEMENTSOF(known); i++)
                if (strlen(known[i].name) == l && strncmp(known[i].name, assignment, l) == 0)
                        break;
        if (i >= ELEMENTSOF(known))
                return -EOPNOTSUPP;
        p.name = known[i].bus_name ?: known[i].name;

        switch (known[i].kind) {
        case VALUE_BOOLEAN:
                p.type = UNIT_PROPERTY_BOOLEAN;
                p.boolean = parse_boolean(v);
                if (p.boolean < 0)
                        return -EINVAL;
                break;
        case VALUE_SIZE:
                p.type = UNIT_PROPERTY_UINT64;
                r = parse_size(v, &p.u64);
                if (r < 0)
                        return -EINVAL;
                break;
        case VALUE_NUMBER:
                p.type = UNIT_PROPERTY_UINT64;
                if (streq(v, "infinity"))
                        p.u64 = UINT64_MAX;
                else if (safe_atou64(v, &p.u64) < 0)
                        return -EINVAL;
                break;
        case VALUE_WEIGHT:
                p.type = UNIT_PROPERTY_UINT64;
                if (safe_atou(v, &u) < 0 || u < 1 || u > 10000)
                        return -EINVAL;
                p.u64 = u;
                break;
        case VALUE_PERCENT_QUOTA: {
                size_t vl = strlen(v);
                char num[32];
                if (vl < 2 || vl >= sizeof(num) || v[vl - 1] != '%')
                        return -EINVAL;
                memcpy(num, v, vl - 1);
                num[vl - 1] = 0;
                if (safe_atou(num, &u) < 0 || u == 0)
                        return -EINVAL;
                p.type = UNIT_PROPERTY_UINT64;
                p.u64 = (uint64_t) u * 10000; /* percent of one CPU per second, in microseconds */
                break;
        }
        case VALUE_STRING:
        case VALUE_DEVICE_POLICY:
        case VALUE_KILL_MODE:
        case VALUE_SLICE:
                if (known[i].kind == VALUE_DEVICE_POLICY && !STR_IN_SET(v, "auto", "closed", "strict"))
                        return -EINVAL;
                if (known[i].kind == VALUE_KILL_MODE && !STR_IN_SET(v, "control-group", "mixed", "process", "none"))
                        return -EINVAL;
                if (known[i].kind == VALUE_SLICE && (!endswith(v, ".slice") || streq(v, ".slice") || strchr(v, '/')))
                        return -EINVAL;
                if (known[i].kind == VALUE_STRING && isempty(v))
                        return -EINVAL;
                p.type = UNIT_PROPERTY_STRING;
                p.string = strdup(v);
                if (!p.string)
                        return -ENOMEM;
                break;
        case VALUE_SIGNAL:
                p.type = UNIT_PROPERTY_SIGNAL;
                p.signal = signal_from_string(v);
                if (p.signal < 0)
                        return -EINVAL;
                break;
        case VALUE_DEVICE_ALLOW: {
                /* "PATH [rwm]", as in the unit file setting */
                const char *sp = strchr(v, ' ');
                const char *access = sp ? sp + strspn(sp, " ") : "rwm";
                if (isempty(v) || v[0] == ' ' || isempty(access) || strspn(access, "rwm") != strlen(access))
                        return -EINVAL;
                p.type = UNIT_PROPERTY_DEVICE_ALLOW;
                p.string = sp ? strndup(v, (size_t) (sp - v)) : strdup(v);
                p.string2 = strdup(access);
                if (!p.string || !p.string2) {
                        unit_property_done(&p);
                        return -ENOMEM;
                }
                if (!(p.string[0] == '/' || startswith(p.string, "char-") || startswith(p.string, "block-"))) {
                        unit_property_done(&p);
                        return -EINVAL;
                }
                break;
        }
        }

        *ret = p;
        return 0;
}
