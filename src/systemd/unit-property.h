/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* A unit property given as NAME=VALUE (--property=), parsed into its D-Bus form. */
typedef enum UnitPropertyType {
        UNIT_PROPERTY_BOOLEAN,          /* b */
        UNIT_PROPERTY_UINT64,           /* t */
        UNIT_PROPERTY_STRING,           /* s */
        UNIT_PROPERTY_SIGNAL,           /* i */
        UNIT_PROPERTY_DEVICE_ALLOW,     /* a(ss) with one entry */
        _UNIT_PROPERTY_TYPE_MAX,
        _UNIT_PROPERTY_TYPE_INVALID = -EINVAL,
} UnitPropertyType;

typedef struct UnitProperty {
        const char *name;       /* the D-Bus property name (static) */
        UnitPropertyType type;
        int boolean;
        uint64_t u64;
        int signal;
        char *string;           /* STRING; DEVICE_ALLOW: the path */
        char *string2;          /* DEVICE_ALLOW: the access ("rwm") */
} UnitProperty;

void unit_property_done(UnitProperty *p);

/* Pure. -EINVAL for a bad value, -EOPNOTSUPP for a property berth does not know. */
int unit_property_parse(const char *assignment, UnitProperty *ret);
