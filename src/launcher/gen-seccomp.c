/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Build-time generator: compiles berth's syscall filters with libseccomp into classic BPF and
 * writes them out as C arrays (seccomp-filters.c), so that the launcher installs a filter with
 * one prctl() and neither links libseccomp nor compiles anything at run time.
 *
 *   gen-seccomp --cpu-family=FAMILY --endian=little|big [--tiocsti=N] [--tioclinux=N]
 *               [--tiocsctty=N] [--tiocvhangup=N] OUTPUT
 *
 * FAMILY and the endianness are meson's host_machine values (the machine berth runs on, which
 * in a cross build is not this one); the ioctl numbers come from the host compiler too, since
 * they differ between architectures. Every program covers the primary architecture and the
 * compat ABIs its kernel can also run (i386 and x32 on x86-64), so a process cannot slip past
 * the filter by entering the kernel through another syscall table. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"

/* audit.h: set in the AUDIT_ARCH_* token of little-endian architectures. */
#define AUDIT_ARCH_LE_BIT UINT32_C(0x40000000)

/* The bytes of one struct sock_filter: u16 code, u8 jt, u8 jf, u32 k. */
#define SOCK_FILTER_SIZE 8

/* What the prefilter returns for a call that some program may refuse, and the launcher turns
 * into a jump to the programs. Should it ever stay, the call is refused: it fails closed. The
 * generated file checks that it equals SECCOMP_PREFILTER_MORE from seccomp.h. */
#define PREFILTER_MORE SCMP_ACT_ERRNO(4094)

typedef struct ArchSet {
        const char *cpu_family; /* meson's host_machine.cpu_family() */
        const char *endian;     /* meson's host_machine.endian(), or NULL for either */
        const char *arches[4];  /* libseccomp names, the primary first, NULL-terminated */
} ArchSet;

/* The syscall ABIs a kernel of each architecture accepts. A call made through an ABI that a
 * program does not list hits the "bad arch" action, which kills: listing too few fails
 * closed. */
static const ArchSet arch_sets[] = {
        { "x86_64",  NULL,     { "x86_64", "x86", "x32" } },
        { "x86",     NULL,     { "x86" } },
        { "aarch64", NULL,     { "aarch64", "arm" } },
        { "arm",     NULL,     { "arm" } },
        { "ppc64",   "little", { "ppc64le" } },
        { "ppc64",   "big",    { "ppc64", "ppc" } },
        { "ppc",     "big",    { "ppc" } },
        { "s390x",   NULL,     { "s390x", "s390" } },
        { "s390",    NULL,     { "s390" } },
        { "mips64",  "big",    { "mips64", "mips64n32", "mips" } },
        { "mips64",  "little", { "mipsel64", "mipsel64n32", "mipsel" } },
        { "mips",    "big",    { "mips" } },
        { "mips",    "little", { "mipsel" } },
        { "parisc",  NULL,     { "parisc" } },
        { "parisc64", NULL,    { "parisc64", "parisc" } },
        { "riscv64", NULL,     { "riscv64" } },
        { "loongarch64", NULL, { "loongarch64" } },
};

/* The ioctl() requests a program refuses. */
typedef enum TtyIoctls {
        TTY_IOCTLS_NONE,
        TTY_IOCTLS_INJECT,               /* TIOCSTI, TIOCLINUX: input typed into a terminal */
        TTY_IOCTLS_HOST_TERMINAL,        /* TIOCSCTTY, TIOCVHANGUP: a terminal taken or hung up */
} TtyIoctls;

typedef struct FilterGroup {
        const char *name;                /* C identifier suffix and SeccompProgram.name */
        const char *capability;          /* "CAP_*" that makes the group unneeded, or NULL */
        const char *const *syscalls;     /* refused with EPERM, NULL-terminated */
        TtyIoctls tty_ioctls;            /* also refuse these ioctl() requests */
} FilterGroup;

/* The order here is the install order. fanotify_init, quotactl and mlock stay allowed on
 * purpose: the kernel checks a capability for what is dangerous in them, and ordinary
 * payloads (systemd, databases) call them. */
static const FilterGroup filter_groups[] = {
        {
                .name = "base",
                .syscalls = (const char *const[]) {
                        "kexec_load", "kexec_file_load",          /* replace the host kernel */
                        "swapon", "swapoff",                      /* host-wide swap */
                        "add_key", "request_key", "keyctl",       /* keyrings are not namespaced */
                        "bpf",                                    /* kernel programs */
                        "perf_event_open",                        /* host-wide tracing, side channels */
                        "open_by_handle_at",                      /* any inode, outside the root ("shocker") */
                        "lookup_dcookie",                         /* oprofile, removed in 6.8 */
                        "uselib",                                 /* obsolete a.out loader */
                        "nfsservctl",                             /* removed in 3.1 */
                        "_sysctl",                                /* obsolete, removed in 5.5 */
                        "userfaultfd",                            /* stalls kernel code: races become easy to win */
                        "vm86", "vm86old",                        /* i386 real mode */
                        NULL,
                },
                .tty_ioctls = TTY_IOCTLS_INJECT,
        },
        {
                .name = "sys_module",
                .capability = "CAP_SYS_MODULE",
                .syscalls = (const char *const[]) {
                        "init_module", "finit_module", "delete_module", NULL,
                },
        },
        {
                .name = "sys_time",
                .capability = "CAP_SYS_TIME",
                .syscalls = (const char *const[]) {
                        "settimeofday", "clock_settime", "clock_settime64", "adjtimex",
                        "clock_adjtime", "clock_adjtime64", "stime", NULL,
                },
        },
        {
                .name = "sys_rawio",
                .capability = "CAP_SYS_RAWIO",
                .syscalls = (const char *const[]) {
                        "iopl", "ioperm", "pciconfig_iobase", "pciconfig_read",
                        "pciconfig_write", NULL,
                },
        },
        {
                .name = "sys_pacct",
                .capability = "CAP_SYS_PACCT",
                .syscalls = (const char *const[]) { "acct", NULL },
        },
        {
                .name = "syslog",
                .capability = "CAP_SYSLOG",
                .syscalls = (const char *const[]) { "syslog", NULL },
        },
        {
                .name = "sys_boot",
                .capability = "CAP_SYS_BOOT",
                .syscalls = (const char *const[]) { "reboot", NULL },
        },
};

/* Not joined with the programs above: installed as a filter of its own, only where the payload
 * holds a terminal of the host's (berth run's pipe mode, berth shell without a pty). With
 * CAP_SYS_ADMIN the kernel lets a process take a terminal away from the session that has it
 * (TIOCSCTTY with 1) or hang it up for everyone who has it open (TIOCVHANGUP): the user's shell
 * would lose its terminal, or be killed. TIOCSCTTY is refused with any argument, so that the
 * payload never makes the host's terminal its controlling one. */
static const FilterGroup host_terminal_group = {
        .name = "host_terminal",
        .syscalls = (const char *const[]) { NULL },
        .tty_ioctls = TTY_IOCTLS_HOST_TERMINAL,
};

static const char *arg_cpu_family = NULL;
static const char *arg_endian = NULL;
static uint32_t arg_tiocsti = TIOCSTI;
static uint32_t arg_tioclinux = TIOCLINUX;
static uint32_t arg_tiocsctty = TIOCSCTTY;
static uint32_t arg_tiocvhangup = TIOCVHANGUP;
static const char *arg_output = NULL;

static void seccomp_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

static const ArchSet *arch_set_find(const char *cpu_family, const char *endian) {
        for (size_t i = 0; i < ELEMENTSOF(arch_sets); i++)
                if (streq(arch_sets[i].cpu_family, cpu_family) &&
                    (!arch_sets[i].endian || streq(arch_sets[i].endian, endian)))
                        return arch_sets + i;
        return NULL;
}

/* Resolves every name in the set, the primary first. */
static int arch_set_tokens(const ArchSet *set, uint32_t ret[static 4], size_t *ret_n) {
        size_t n = 0;

        for (; n < ELEMENTSOF(set->arches) && set->arches[n]; n++) {
                ret[n] = seccomp_arch_resolve_name(set->arches[n]);
                if (ret[n] == 0)
                        return -EAFNOSUPPORT;
        }

        *ret_n = n;
        return 0;
}

/* A filter that allows everything, for exactly the given architectures. */
static int filter_new(const uint32_t *tokens, size_t n_tokens, scmp_filter_ctx *ret) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;

        /* The context starts with this machine's architecture, which a cross build does not
         * want; dropping it first also lets the target have a different endianness. */
        r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n_tokens; i++) {
                r = seccomp_arch_add(ctx, tokens[i]);
                if (r < 0)
                        return r;
        }

        /* A syscall from an ABI the program does not know ends the whole process rather than
         * one thread. libseccomp refuses this if the kernel running the build lacks
         * SECCOMP_RET_KILL_PROCESS; killing the thread is then still closed. */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
        /* A binary search over the syscall numbers instead of a chain of comparisons: when a
         * filter is installed the kernel runs it for every syscall number of every ABI to fill
         * its cache of always-allowed calls, so a shorter path makes installing cheaper. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return r;
#endif

        *ret = TAKE_PTR(ctx);
        return 0;
}

/* Adds the group's rules with the given action; with any_ioctl, every ioctl() rather than only
 * the refused requests. */
static int filter_add_group(scmp_filter_ctx ctx, const FilterGroup *g, uint32_t action, bool any_ioctl) {
        int r;

        for (const char *const *name = g->syscalls; *name; name++) {
                /* Numbers are those of libseccomp's own architecture; it translates them by
                 * name to each architecture of the filter and leaves out the ones a syscall
                 * does not exist on. */
                int nr = seccomp_syscall_resolve_name(*name);
                if (nr == __NR_SCMP_ERROR)
                        continue;       /* too new for this libseccomp; listed in the output */

                r = seccomp_rule_add(ctx, action, nr, 0);
                if (r < 0)
                        return r;
        }

        if (g->tty_ioctls != TTY_IOCTLS_NONE) {
                int nr = seccomp_syscall_resolve_name("ioctl");
                if (nr == __NR_SCMP_ERROR)
                        return -ENOSYS;

                if (any_ioctl)
                        return seccomp_rule_add(ctx, action, nr, 0);

                /* The tty layer truncates the request to 32 bits, so compare only those:
                 * 0x100005412 is TIOCSTI to the kernel (CVE-2019-10063). */
                const uint32_t inject[] = { arg_tiocsti, arg_tioclinux };
                const uint32_t host_terminal[] = { arg_tiocsctty, arg_tiocvhangup };
                bool h = g->tty_ioctls == TTY_IOCTLS_HOST_TERMINAL;
                const uint32_t *requests = h ? host_terminal : inject;
                for (size_t i = 0; i < (h ? ELEMENTSOF(host_terminal) : ELEMENTSOF(inject)); i++) {
                        r = seccomp_rule_add(ctx, action, nr, 1,
                                             SCMP_A1(SCMP_CMP_MASKED_EQ, UINT32_C(0xFFFFFFFF),
                                                     requests[i]));
                        if (r < 0)
                                return r;
                }
        }

        return 0;
}

/* The program as libseccomp exports it: struct sock_filter records in the target's byte
 * order. */
static int filter_export(scmp_filter_ctx ctx, uint8_t **ret, size_t *ret_size) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st;
        int r;

        f = tmpfile();
        if (!f)
                return -errno;

        r = seccomp_export_bpf(ctx, fileno(f));
        if (r < 0)
                return r;

        if (fstat(fileno(f), &st) < 0)
                return -errno;
        if (st.st_size <= 0 || st.st_size % SOCK_FILTER_SIZE != 0 ||
            st.st_size / SOCK_FILTER_SIZE > UINT16_MAX)
                return -EBADMSG;

        size_t size = (size_t) st.st_size;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;

        for (size_t done = 0; done < size;) {
                ssize_t k = pread(fileno(f), buf + done, size - done, (off_t) done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EBADMSG;
                done += (size_t) k;
        }

        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

static uint32_t get_uint(const uint8_t *p, size_t n, bool little_endian) {
        uint32_t v = 0;

        for (size_t i = 0; i < n; i++)
                v |= (uint32_t) p[i] << (8 * (little_endian ? i : n - 1 - i));
        return v;
}

/* Comment lines naming what the program refuses, and the syscalls some architecture lacks. */
static void emit_group_comment(FILE *out, const FilterGroup *g, const ArchSet *set,
                               const uint32_t *tokens, size_t n_tokens) {
        fprintf(out, "/* %s: %s.\n *   refused:", g->name,
                g->capability                                ? g->capability
                : g->tty_ioctls == TTY_IOCTLS_HOST_TERMINAL ? "installed where the payload holds the host's terminal"
                                                             : "always installed");
        for (const char *const *name = g->syscalls; *name; name++)
                fprintf(out, " %s", *name);
        if (g->tty_ioctls == TTY_IOCTLS_INJECT)
                fprintf(out, " ioctl(TIOCSTI=0x%" PRIx32 ") ioctl(TIOCLINUX=0x%" PRIx32 ")",
                        arg_tiocsti, arg_tioclinux);
        else if (g->tty_ioctls == TTY_IOCTLS_HOST_TERMINAL)
                fprintf(out, " ioctl(TIOCSCTTY=0x%" PRIx32 ") ioctl(TIOCVHANGUP=0x%" PRIx32 ")",
                        arg_tiocsctty, arg_tiocvhangup);
        fputs("\n", out);

        for (size_t a = 0; a <= n_tokens; a++) {
                bool any = false;

                for (const char *const *name = g->syscalls; *name; name++) {
                        bool missing;

                        if (a == n_tokens)
                                /* The last line: names libseccomp does not know at all. */
                                missing = seccomp_syscall_resolve_name(*name) == __NR_SCMP_ERROR;
                        else
                                missing = seccomp_syscall_resolve_name(*name) != __NR_SCMP_ERROR &&
                                          seccomp_syscall_resolve_name_arch(tokens[a], *name) < 0;
                        if (!missing)
                                continue;

                        if (!any)
                                fprintf(out, " *   %s%s:", a == n_tokens ? "unknown to libseccomp" : "absent on ",
                                        a == n_tokens ? "" : set->arches[a]);
                        fprintf(out, " %s", *name);
                        any = true;
                }
                if (any)
                        fputs("\n", out);
        }
        fputs(" */\n", out);
}

/* Exports the filter and writes it as the array program_NAME; returns its length. */
static int emit_program(FILE *out, const char *name, scmp_filter_ctx ctx, bool little_endian,
                        size_t *ret_n) {
        _cleanup_free_ uint8_t *bpf = NULL;
        size_t size = 0;
        int r;

        r = filter_export(ctx, &bpf, &size);
        if (r < 0)
                return r;

        /* The launcher joins the programs into one filter by turning some of their constant
         * returns into jumps, which is only right if no program returns a computed value. */
        for (size_t i = 0; i < size; i += SOCK_FILTER_SIZE) {
                uint32_t code = get_uint(bpf + i, 2, little_endian);
                if (BPF_CLASS(code) == BPF_RET && BPF_RVAL(code) != BPF_K) {
                        fprintf(stderr, "gen-seccomp: program %s returns a register at instruction %zu, "
                                        "it cannot be joined.\n", name, i / SOCK_FILTER_SIZE);
                        return -EBADMSG;
                }
        }

        fprintf(out, "static const struct sock_filter program_%s[] = {\n", name);
        for (size_t i = 0; i < size; i += SOCK_FILTER_SIZE)
                fprintf(out, "        { 0x%04" PRIx32 ", %3" PRIu32 ", %3" PRIu32 ", 0x%08" PRIx32 " },\n",
                        get_uint(bpf + i, 2, little_endian), get_uint(bpf + i + 2, 1, little_endian),
                        get_uint(bpf + i + 3, 1, little_endian), get_uint(bpf + i + 4, 4, little_endian));
        fputs("};\n\n", out);

        *ret_n = size / SOCK_FILTER_SIZE;
        return 0;
}

/* The prefilter: one search over the calls of all groups together, so that the many calls no
 * program refuses pass after a few comparisons instead of running through every program. The
 * kernel runs the filter once for each syscall number when it is installed (to cache the calls
 * it always allows), so this is what makes installing cheap. */
static int emit_prefilter(FILE *out, const uint32_t *tokens, size_t n_tokens, bool little_endian,
                          size_t *ret_n) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        r = filter_new(tokens, n_tokens, &ctx);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(filter_groups); i++) {
                r = filter_add_group(ctx, filter_groups + i, PREFILTER_MORE, /* any_ioctl= */ true);
                if (r < 0)
                        return r;
        }

        fprintf(out, "/* prefilter: allows every call that no program refuses; the others, and every ioctl(),\n"
                     " * get SECCOMP_PREFILTER_MORE, which the launcher turns into a jump to the programs. */\n");
        return emit_program(out, "prefilter", ctx, little_endian, ret_n);
}

static int emit_group(FILE *out, const FilterGroup *g, const ArchSet *set, const uint32_t *tokens,
                      size_t n_tokens, bool little_endian, size_t *ret_n) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        r = filter_new(tokens, n_tokens, &ctx);
        if (r < 0)
                return r;

        r = filter_add_group(ctx, g, SCMP_ACT_ERRNO(EPERM), /* any_ioctl= */ false);
        if (r < 0)
                return r;

        emit_group_comment(out, g, set, tokens, n_tokens);
        return emit_program(out, g->name, ctx, little_endian, ret_n);
}

static int emit(FILE *out, const ArchSet *set) {
        const struct scmp_version *v = seccomp_version();
        size_t n_insns[ELEMENTSOF(filter_groups)], n_prefilter;
        uint32_t tokens[ELEMENTSOF(set->arches)];
        size_t n_tokens;
        int r;

        r = arch_set_tokens(set, tokens, &n_tokens);
        if (r < 0)
                return r;

        bool le = tokens[0] & AUDIT_ARCH_LE_BIT;

        fprintf(out,
                "/* SPDX-License-Identifier: LGPL-2.1-or-later */\n"
                "/* Generated by gen-seccomp with libseccomp %u.%u.%u for",
                v->major, v->minor, v->micro);
        for (size_t a = 0; a < n_tokens; a++)
                fprintf(out, " %s", set->arches[a]);
        fputs(". Do not edit. */\n\n"
              "#include <linux/capability.h>\n"
              "#include <linux/filter.h>\n\n"
              "#include \"seccomp.h\"\n\n", out);

        r = emit_prefilter(out, tokens, n_tokens, le, &n_prefilter);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(filter_groups); i++) {
                r = emit_group(out, filter_groups + i, set, tokens, n_tokens, le, n_insns + i);
                if (r < 0)
                        return r;
        }

        size_t n_host_terminal;
        r = emit_group(out, &host_terminal_group, set, tokens, n_tokens, le, &n_host_terminal);
        if (r < 0)
                return r;

        size_t total = n_prefilter;
        fputs("const SeccompProgram seccomp_programs[] = {\n", out);
        for (size_t i = 0; i < ELEMENTSOF(filter_groups); i++) {
                fprintf(out, "        { \"%s\", %s, program_%s, %zu },\n",
                        filter_groups[i].name,
                        filter_groups[i].capability ? filter_groups[i].capability : "-1",
                        filter_groups[i].name, n_insns[i]);
                total += n_insns[i];
        }
        fprintf(out, "};\n\n"
                     "const size_t seccomp_programs_n = %zu;\n\n"
                     "const SeccompProgram seccomp_prefilter = { \"prefilter\", -1, program_prefilter, %zu };\n\n"
                     "const SeccompProgram seccomp_host_terminal = { \"host_terminal\", -1, program_host_terminal, %zu };\n\n",
                ELEMENTSOF(filter_groups), n_prefilter, n_host_terminal);
        fprintf(out, "_Static_assert(%zu <= SECCOMP_PROGRAMS_INSNS_MAX,\n"
                     "               \"the joined programs need more than SECCOMP_PROGRAMS_INSNS_MAX instructions\");\n"
                     "_Static_assert(SECCOMP_PREFILTER_MORE == 0x%08" PRIx32 "u,\n"
                     "               \"gen-seccomp.c and seccomp.h disagree on SECCOMP_PREFILTER_MORE\");\n",
                total, (uint32_t) PREFILTER_MORE);

        return 0;
}

static int parse_uint32(const char *s, uint32_t *ret) {
        char *end;

        errno = 0;
        unsigned long long v = strtoull(s, &end, 0);
        if (errno != 0 || end == s || *end != '\0' || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "cpu-family", required_argument, NULL, 'c' },
                { "endian",     required_argument, NULL, 'e' },
                { "tiocsti",    required_argument, NULL, 's' },
                { "tioclinux",  required_argument, NULL, 'l' },
                { "tiocsctty",  required_argument, NULL, 'C' },
                { "tiocvhangup", required_argument, NULL, 'H' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_cpu_family = optarg;
                        break;
                case 'e':
                        arg_endian = optarg;
                        break;
                case 's':
                        if (parse_uint32(optarg, &arg_tiocsti) < 0) {
                                fprintf(stderr, "gen-seccomp: bad --tiocsti=%s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'l':
                        if (parse_uint32(optarg, &arg_tioclinux) < 0) {
                                fprintf(stderr, "gen-seccomp: bad --tioclinux=%s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'C':
                        if (parse_uint32(optarg, &arg_tiocsctty) < 0) {
                                fprintf(stderr, "gen-seccomp: bad --tiocsctty=%s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'H':
                        if (parse_uint32(optarg, &arg_tiocvhangup) < 0) {
                                fprintf(stderr, "gen-seccomp: bad --tiocvhangup=%s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }

        if (!arg_cpu_family || !arg_endian || optind != argc - 1) {
                fprintf(stderr, "Usage: gen-seccomp --cpu-family=FAMILY --endian=little|big "
                                "[--tiocsti=N] [--tioclinux=N] [--tiocsctty=N] [--tiocvhangup=N] OUTPUT.c\n");
                return -EINVAL;
        }
        arg_output = argv[optind];
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_fclose_ FILE *out = NULL;
        int r;

        r = parse_argv(argc, argv);
        if (r < 0)
                return EXIT_FAILURE;

        const ArchSet *set = arch_set_find(arg_cpu_family, arg_endian);
        if (!set) {
                fprintf(stderr, "gen-seccomp: no syscall filter for CPU family %s (%s endian); "
                                "add it to arch_sets[] in %s.\n", arg_cpu_family, arg_endian, __FILE__);
                return EXIT_FAILURE;
        }

        out = fopen(arg_output, "we");
        if (!out) {
                fprintf(stderr, "gen-seccomp: cannot create %s: %m\n", arg_output);
                return EXIT_FAILURE;
        }

        r = emit(out, set);
        if (r >= 0 && fflush(out) != 0)
                r = -errno;
        if (r >= 0 && ferror(out))
                r = -EIO;
        if (r < 0) {
                if (r == -EAFNOSUPPORT)
                        fprintf(stderr, "gen-seccomp: libseccomp %u.%u.%u does not know all of the "
                                        "architectures of %s.\n", seccomp_version()->major,
                                seccomp_version()->minor, seccomp_version()->micro, arg_cpu_family);
                else
                        fprintf(stderr, "gen-seccomp: cannot write %s: %s\n", arg_output, strerror(-r));
                (void) unlink(arg_output);
                return EXIT_FAILURE;
        }

        return EXIT_SUCCESS;
}
