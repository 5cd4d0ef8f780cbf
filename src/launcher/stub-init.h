/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "macro.h"

/* PID 1 of a machine started with --as-pid2: reaps every zombie, forwards the
 * signals it gets to the payload, and exits with the payload's status. */
_noreturn_ void stub_init_run(pid_t payload);
