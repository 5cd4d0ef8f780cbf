/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One precompiled classic-BPF syscall filter: default allow, listed calls fail with EPERM. The
 * table of them, seccomp_programs[], is written at build time by gen-seccomp
 * (src/launcher/gen-seccomp.c) into seccomp-filters.c, so installing a filter needs neither
 * libseccomp nor a filter compilation at run time. */
typedef struct SeccompProgram {
        const char *name;
        int capability;                 /* CAP_*: wanted unless kept; -1: always wanted */
        const struct sock_filter *filter;
        unsigned short n_filter;        /* instructions */
} SeccompProgram;

extern const SeccompProgram seccomp_programs[];
extern const size_t seccomp_programs_n;

/* Put in front of the programs: allows at once every call that none of them refuses, and
 * returns SECCOMP_PREFILTER_MORE (SECCOMP_RET_ERRNO | 4094, an errno no rule uses) for the others. */
extern const SeccompProgram seccomp_prefilter;
#define SECCOMP_PREFILTER_MORE 0x00050ffeu

/* Refuses ioctl(TIOCSCTTY) and ioctl(TIOCVHANGUP); installed on its own, see
 * seccomp_install_host_terminal_filter(). */
extern const SeccompProgram seccomp_host_terminal;

/* The most instructions the prefilter and all programs together may have (the generated file
 * checks it); the kernel's limit is BPF_MAXINSNS. */
#define SECCOMP_PROGRAMS_INSNS_MAX 512

/* Whether seccomp_install_filters(kept_capabilities) applies the program. */
bool seccomp_program_wanted(const SeccompProgram *p, uint64_t kept_capabilities);

/* Writes into buf the filter seccomp_install_filters() installs: the prefilter and the wanted
 * programs, joined so that it refuses what any of the programs refuses. Returns the number of
 * instructions, or -ENOBUFS if n_buf is too small. */
int seccomp_programs_join(uint64_t kept_capabilities, struct sock_filter *buf, size_t n_buf);

/* Installs, into the calling thread, a filter that refuses with EPERM what the base program and
 * the program of every capability group whose capability (bit 1 << CAP_x) is not in
 * kept_capabilities refuse. The caller either holds CAP_SYS_ADMIN or has set
 * PR_SET_NO_NEW_PRIVS, else this fails with -EACCES. Returns 0 or a negative errno, and never
 * logs. */
int seccomp_install_filters(uint64_t kept_capabilities);

/* Installs, as a filter of its own, seccomp_host_terminal: for a payload that holds a terminal
 * of the host's on its standard input, output or error (which stdio_is_terminal() tells), so
 * that it can neither make that terminal its controlling terminal (with CAP_SYS_ADMIN the kernel
 * would take it away from the user's session) nor hang it up. The same conditions as
 * seccomp_install_filters(). Returns 0 or a negative errno, and never logs. */
int seccomp_install_host_terminal_filter(void);

/* Whether standard input, output or error is a terminal. */
bool stdio_is_terminal(void);
