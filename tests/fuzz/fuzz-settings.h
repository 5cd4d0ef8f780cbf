/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The promises of a parsed Settings and CustomMount, which every parser that makes them keeps
 * (the command line, the settings file, the mount specifications), checked by the fuzz targets. */

#include <signal.h>

#include "credential.h"
#include "fuzz.h"
#include "settings.h"
#include "strv.h"

static inline bool fuzz_strv_equal(char *const *a, char *const *b) {
        for (; a && *a && b && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return (!a || !*a) && (!b || !*b);
}

static inline bool fuzz_custom_mount_equal(const CustomMount *a, const CustomMount *b) {
        return a->type == b->type && a->read_only == b->read_only && a->recursive == b->recursive && a->idmap == b->idmap &&
               a->source_in_root == b->source_in_root && streq_ptr(a->source, b->source) &&
               streq_ptr(a->destination, b->destination) && streq_ptr(a->options, b->options) &&
               fuzz_strv_equal(a->lower, b->lower) && streq_ptr(a->upper, b->upper);
}

/* A mount is data the launcher applies as it is: every path absolute and normalized (no "..", so
 * nothing climbs out of where it is resolved), nothing a line of output cannot show, and only the
 * fields of its type set. */
static inline void fuzz_check_custom_mount(const CustomMount *m) {
        fuzz_assert(m->type >= 0 && m->type < _CUSTOM_MOUNT_TYPE_MAX);
        fuzz_assert(path_is_normalized_absolute(m->destination));
        fuzz_assert(fuzz_is_one_line(m->destination));

        switch (m->type) {
        case CUSTOM_MOUNT_BIND:
                fuzz_assert(path_is_normalized_absolute(m->source) && fuzz_is_one_line(m->source));
                fuzz_assert(!m->options && !m->lower && !m->upper);
                break;
        case CUSTOM_MOUNT_TMPFS:
                fuzz_assert(!isempty(m->options) && fuzz_is_one_line(m->options));
                fuzz_assert(!m->source && !m->source_in_root && !m->lower && !m->upper && !m->read_only);
                break;
        case CUSTOM_MOUNT_OVERLAY:
                fuzz_assert(strv_length(m->lower) >= 1);
                for (char **l = m->lower; *l; l++)
                        fuzz_assert(path_is_normalized_absolute(*l) && fuzz_is_one_line(*l));
                /* A read-only overlay has no upper; a writable one a host path or "" (temporary). */
                fuzz_assert(!m->upper == m->read_only);
                fuzz_assert(!m->upper || isempty(m->upper) ||
                            (path_is_normalized_absolute(m->upper) && fuzz_is_one_line(m->upper)));
                fuzz_assert(!m->source && !m->source_in_root && !m->options);
                break;
        case CUSTOM_MOUNT_INACCESSIBLE:
                fuzz_assert(!m->source && !m->source_in_root && !m->options && !m->lower && !m->upper && !m->read_only);
                break;
        default:
                break;
        }
}

static inline void fuzz_check_credentials(const Credential *c, size_t n) {
        for (size_t i = 0; i < n; i++) {
                fuzz_assert(credential_name_is_valid(c[i].id));
                for (size_t j = 0; j < i; j++)
                        fuzz_assert(!streq(c[i].id, c[j].id));
                if (c[i].path) {
                        /* Loaded later: a host path or the name of one of berth's own credentials. */
                        fuzz_assert(path_is_normalized_absolute(c[i].path) || credential_name_is_valid(c[i].path));
                        fuzz_assert(!c[i].data && c[i].size == 0);
                } else {
                        fuzz_assert(c[i].data && c[i].data[c[i].size] == 0);
                        fuzz_assert(c[i].size <= CREDENTIAL_SIZE_MAX);
                }
        }
        fuzz_assert(credentials_size(c, n) <= CREDENTIALS_TOTAL_SIZE_MAX);
}

/* What any accepted command line or settings file gives. */
static inline void fuzz_check_settings(const Settings *s) {
        /* The mask bit of a list is set exactly when the list holds something. */
        fuzz_assert(!!(s->mask & SETTING_CUSTOM_MOUNTS) == (s->n_custom_mounts > 0));
        fuzz_assert(!!(s->mask & SETTING_PARAMETERS) == (s->parameters != NULL));
        fuzz_assert(!!(s->mask & SETTING_ENVIRONMENT) == (s->environment != NULL));
        fuzz_assert(!!(s->mask & SETTING_CREDENTIALS) == (s->n_credentials > 0));

        for (size_t i = 0; i < s->n_custom_mounts; i++)
                fuzz_check_custom_mount(&s->custom_mounts[i]);
        fuzz_check_credentials(s->credentials, s->n_credentials);

        /* Each variable once, each a valid assignment. */
        for (char **e = s->environment; e && *e; e++) {
                fuzz_assert(env_assignment_is_valid(*e));
                size_t l = (size_t) (strchr(*e, '=') - *e);
                for (char **o = s->environment; o < e; o++)
                        fuzz_assert(strncmp(*o, *e, l + 1) != 0);
        }

        fuzz_assert(!s->machine || machine_name_is_valid(s->machine));
        fuzz_assert(!s->hostname || hostname_is_valid(s->hostname));
        fuzz_assert(!(s->mask & SETTING_MACHINE_ID) || !id128_is_null(&s->uuid));
        fuzz_assert(!s->working_directory || path_is_absolute(s->working_directory));
        fuzz_assert(s->kill_signal >= 0 && s->kill_signal <= SIGRTMAX);
        fuzz_assert(!(s->mask & SETTING_KILL_SIGNAL) || s->kill_signal > 0);

        /* Capabilities this build knows, never both added and dropped. */
        uint64_t known = (UINT64_C(1) << (capability_last() + 1)) - 1;
        fuzz_assert((s->capability_add & ~known) == 0 && (s->capability_drop & ~known) == 0);
        fuzz_assert((s->capability_add & s->capability_drop) == 0);

        fuzz_assert(start_mode_to_string(s->start_mode));
        fuzz_assert(volatile_mode_to_string(s->volatile_mode));
        fuzz_assert(s->console_mode == _CONSOLE_MODE_INVALID || console_mode_to_string(s->console_mode));
        fuzz_assert(register_mode_to_string(s->register_mode));

        /* A user namespace's range never reaches (uid_t) -1; identity is 0..65535. */
        fuzz_assert(userns_mode_to_string(s->userns_mode));
        fuzz_assert(userns_ownership_to_string(s->userns_ownership));
        fuzz_assert(s->uid_range > 0);
        fuzz_assert(s->uid_shift == UID_SHIFT_FROM_IMAGE || (uint64_t) s->uid_shift + s->uid_range <= UINT32_MAX);
        fuzz_assert(s->userns_mode != USERNS_IDENTITY || (s->uid_shift == 0 && s->uid_range == UID_RANGE_DEFAULT));
}
