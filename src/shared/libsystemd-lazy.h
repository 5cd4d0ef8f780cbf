/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Whether libsystemd has been loaded (see libsystemd-lazy.c): once berth called any of it. */
bool libsystemd_loaded(void);
