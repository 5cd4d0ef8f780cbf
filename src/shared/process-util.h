/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Remembers main()'s argument vector and initial environment: the memory that
 * /proc/PID/cmdline and /proc/PID/environ show of berth and of every process forked from it. */
void process_save_argv(int argc, char **argv);
/* main()'s argument vector as saved, NULL before process_save_argv(). */
char **process_saved_argv(void);

/* For a process forked from berth that does not exec (a machine's stub init): overwrites the
 * command line, which may hold credential values, with name, and makes /proc/PID/environ show
 * env (NUL-separated assignments, kept by the caller for the process's lifetime) instead of
 * berth's own environment. Where the kernel does not allow that (no CAP_SYS_RESOURCE) it shows
 * as many of env's first assignments as fit where berth's own were. */
void process_rewrite_identity(const char *name, const char *env, size_t env_size);
