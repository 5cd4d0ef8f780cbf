/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "macro.h"
#include "seccomp.h"

bool seccomp_program_wanted(const SeccompProgram *p, uint64_t kept_capabilities) {
        if (p->capability < 0)
                return true;
        if (p->capability >= 64)
                return true;    /* cannot be expressed in the mask, so it is never kept */
        return !(kept_capabilities & (UINT64_C(1) << p->capability));
}

/* Appends p to buf at *n. If jump is set, each "ret verdict" in p becomes a jump to the first
 * instruction after p, that is to the program appended next. */
static int program_append(const SeccompProgram *p, bool jump, uint32_t verdict, struct sock_filter *buf,
                          size_t n_buf, size_t *n) {
        if (p->n_filter > n_buf - *n)
                return -ENOBUFS;

        for (size_t j = 0; j < p->n_filter; j++) {
                struct sock_filter insn = p->filter[j];

                if (jump && insn.code == (BPF_RET | BPF_K) && insn.k == verdict)
                        insn = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, (uint32_t) (p->n_filter - j - 1), 0, 0);
                buf[*n + j] = insn;
        }

        *n += p->n_filter;
        return 0;
}

/* Stacking the programs as separate filters would do the same, but the kernel then allocates,
 * JIT-compiles and, on every call its cache cannot answer (any ioctl(), since the base program
 * looks at its argument), runs each of them: one filter is cheaper to install and to run.
 *
 * Joining is right because every program ends each path in a constant return (the generator
 * checks this): a program's "allow" becomes a jump to the next program, so a call passes only if
 * every program passes it, and any other verdict ends the filter as it would have ended that
 * program. In front, the prefilter lets the calls no program refuses pass at once, and sends
 * the others (its SECCOMP_PREFILTER_MORE) on to the programs. */
int seccomp_programs_join(uint64_t kept_capabilities, struct sock_filter *buf, size_t n_buf) {
        const SeccompProgram *last = NULL;
        size_t n = 0;
        int r;

        for (size_t i = 0; i < seccomp_programs_n; i++)
                if (seccomp_program_wanted(seccomp_programs + i, kept_capabilities))
                        last = seccomp_programs + i;
        if (!last)
                return -EINVAL;  /* cannot happen: the base program is always wanted */

        r = program_append(&seccomp_prefilter, true, SECCOMP_PREFILTER_MORE, buf, n_buf, &n);
        if (r < 0)
                return r;

        for (const SeccompProgram *p = seccomp_programs; p <= last; p++) {
                if (!seccomp_program_wanted(p, kept_capabilities))
                        continue;

                r = program_append(p, p != last, SECCOMP_RET_ALLOW, buf, n_buf, &n);
                if (r < 0)
                        return r;
        }

        return (int) n;
}

int seccomp_install_filters(uint64_t kept_capabilities) {
        struct sock_filter buf[SECCOMP_PROGRAMS_INSNS_MAX];
        int n;

        n = seccomp_programs_join(kept_capabilities, buf, ELEMENTSOF(buf));
        if (n < 0)
                return n;

        struct sock_fprog prog = {
                .len = (unsigned short) n,
                .filter = buf,
        };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                return negative_errno();

        return 0;
}

int seccomp_install_host_terminal_filter(void) {
        struct sock_fprog prog = {
                .len = seccomp_host_terminal.n_filter,
                .filter = (struct sock_filter *) seccomp_host_terminal.filter,
        };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                return negative_errno();
        return 0;
}

bool stdio_is_terminal(void) {
        return isatty(STDIN_FILENO) || isatty(STDOUT_FILENO) || isatty(STDERR_FILENO);
}
