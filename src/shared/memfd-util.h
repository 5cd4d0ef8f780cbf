/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fcntl.h>

#include "macro.h"

/* The seals after which a memfd's contents can never change again: no write, no shrinking or
 * growing, no seal added or removed. F_SEAL_FUTURE_WRITE is added too where the kernel knows it,
 * but not asked for: F_SEAL_WRITE already forbids more. */
#define MEMFD_SEALS_FINAL (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* 1 if fd is a memfd that carries every seal of MEMFD_SEALS_FINAL, 0 if it is any other file or
 * a memfd that can still change, a negative errno if that cannot be told. Never logs. */
int memfd_is_sealed(int fd);

/* A new memfd called name (close-on-exec, executable) holding what source_fd holds from its
 * current offset to its end, then sealed with MEMFD_SEALS_FINAL. Returns the memfd or a negative
 * errno. Never logs above debug. */
int memfd_new_sealed_copy(int source_fd, const char *name);

/* Makes sure the running program is a sealed memfd, so that /proc/PID/exe of this process, and of
 * every process it forks until that executes something else, never leads to the program's file:
 * through that link a process that can reach this one could open the file and overwrite it (runc's
 * CVE-2019-5736). If the program already runs from such a memfd, names the process after
 * argv[0] (the kernel names it after the descriptor) and returns 1. Otherwise copies
 * /proc/self/exe into a sealed memfd called name and executes that with argv and the current
 * environment: on success it does not return. The copy is checked before it is executed exactly as
 * it will check itself afterwards, so it never executes itself again; and a program that runs from
 * an unsealed memfd called name is refused with -ELOOP instead of being copied once more.
 * Returns a negative errno when it cannot run from a sealed copy. Never logs above debug. */
int exe_run_sealed(const char *name, char **argv);
