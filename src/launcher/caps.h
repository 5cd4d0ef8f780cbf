/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Drops every capability not in keep from the bounding set and the ambient set. */
int capability_bounding_set_limit(uint64_t keep);

/* Limits the effective, permitted and inheritable sets to keep. */
int capability_sets_limit(uint64_t keep);

/* Makes every permitted capability effective again (after setfsuid() cleared some). */
int capability_raise_permitted(void);
