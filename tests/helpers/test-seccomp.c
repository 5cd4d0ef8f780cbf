/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Checks the precompiled syscall filters from inside: every case forks a child that installs
 * them (or, for the controls, does not) and makes the calls a machine must not make, through
 * the native ABI and, on x86-64, through the i386 and x32 ones. TAP on stdout. Runs as root
 * (then the install goes without no_new_privs, as in the launcher) or not (then it sets
 * no_new_privs first and skips what needs a capability). */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/reboot.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "seccomp.h"

#define PASS 0
#define FAIL 1
#define SKIP 77

#define GROUP_CAPS                                                                      \
        ((UINT64_C(1) << CAP_SYS_MODULE) | (UINT64_C(1) << CAP_SYS_TIME) |              \
         (UINT64_C(1) << CAP_SYS_RAWIO) | (UINT64_C(1) << CAP_SYS_PACCT) |              \
         (UINT64_C(1) << CAP_SYSLOG) | (UINT64_C(1) << CAP_SYS_BOOT))

#if defined(__x86_64__)
#define X32_SYSCALL_BIT 0x40000000L
#define X32_NR_KEYCTL 250
#define X32_NR_IOCTL 514
#define I386_NR_IOCTL 54
#define I386_NR_GETPID 20
#define I386_NR_CLOCK_SETTIME 264
#define I386_NR_KEYCTL 288
#define I386_NR_CLOCK_SETTIME64 404
#endif

typedef struct Test {
        const char *description;
        bool filtered;          /* false: a control, run without filters */
        uint64_t kept;          /* capabilities the machine keeps */
        int (*run)(void);
} Test;

static int msg_fd = -EBADF;     /* in a child: the pipe its diagnostics go back through */
static bool have_ia32 = false;

_printf_(1, 2)
static void note(const char *format, ...) {
        char buf[512];
        va_list ap;

        va_start(ap, format);
        int n = vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        if (n > 0 && msg_fd >= 0)
                (void) loop_write(msg_fd, buf, (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

static bool have_capability(int cap) {
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

        if (syscall(SYS_capget, &header, data) < 0)
                return false;
        return data[cap / 32].effective & (UINT32_C(1) << (cap % 32));
}

/* r and errno as a libc wrapper left them; what says which call it was. */
static int expect_errno(const char *what, long r, int expected) {
        int e = errno;

        if (r >= 0) {
                note("%s succeeded (%ld), expected %s", what, r, strerror(expected));
                return FAIL;
        }
        if (e != expected) {
                note("%s failed with \"%s\", expected \"%s\"", what, strerror(e), strerror(expected));
                return FAIL;
        }
        return PASS;
}

static int expect_not_errno(const char *what, long r, int unexpected) {
        int e = errno;

        if (r < 0 && e == unexpected) {
                note("%s failed with \"%s\"", what, strerror(e));
                return FAIL;
        }
        return PASS;
}

static int expect_success(const char *what, long r) {
        if (r < 0) {
                note("%s failed: %s", what, strerror(errno));
                return FAIL;
        }
        return PASS;
}

/* A new session whose controlling terminal is a fresh pty; returns its follower side. As the
 * session's own terminal, TIOCSTI passes the kernel's own checks without CAP_SYS_ADMIN, so
 * EPERM can only come from the filter. */
static int open_ctty(void) {
        char name[64];
        int master;

        if (setsid() < 0)
                return -errno;
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        /* The master stays open for the rest of the (short-lived) child: closing it would hang
         * up the terminal. */
        if (grantpt(master) < 0 || unlockpt(master) < 0)
                return -errno;
        if (ptsname_r(master, name, sizeof(name)) != 0)
                return -errno;

        int fd = open(name, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fd;
}

#define WITH_TTY(fd)                                                    \
        _cleanup_close_ int fd = open_ctty();                           \
        if (fd < 0) {                                                   \
                note("cannot open a pty: %s", strerror(-fd));           \
                return FAIL;                                            \
        }

static int run_getpid(void) {
        return expect_success("getpid()", syscall(SYS_getpid));
}

static int run_tiocgwinsz(void) {
        struct winsize ws;
        WITH_TTY(fd);

        return expect_success("ioctl(TIOCGWINSZ)", ioctl(fd, TIOCGWINSZ, &ws));
}

static int run_no_nnp(void) {
        if (!have_capability(CAP_SYS_ADMIN)) {
                note("needs CAP_SYS_ADMIN");
                return SKIP;
        }
        int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        if (r != 0) {
                note("PR_GET_NO_NEW_PRIVS is %d", r);
                return FAIL;
        }
        return PASS;
}

static int run_keyctl(void) {
        return expect_errno("keyctl(KEYCTL_GET_KEYRING_ID)",
                            syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0),
                            EPERM);
}

static int run_install_twice(void) {
        /* As when the payload adds its own filter on top of the launcher's. */
        int r = seccomp_install_filters(0);
        if (r < 0) {
                note("the second seccomp_install_filters(0) failed: %s", strerror(-r));
                return FAIL;
        }
        r = run_keyctl();
        if (r != PASS)
                return r;
        return run_getpid();
}

/* Every program returns only constants, so that joining them by rewriting "allow" is right. */
static int run_programs_constant_returns(void) {
        for (size_t i = 0; i <= seccomp_programs_n; i++) {
                const SeccompProgram *p = i < seccomp_programs_n ? seccomp_programs + i : &seccomp_prefilter;

                if (p->n_filter == 0) {
                        note("program %s is empty", p->name);
                        return FAIL;
                }
                for (size_t j = 0; j < p->n_filter; j++)
                        if (BPF_CLASS(p->filter[j].code) == BPF_RET && BPF_RVAL(p->filter[j].code) != BPF_K) {
                                note("program %s returns a register at instruction %zu", p->name, j);
                                return FAIL;
                        }
                if (BPF_CLASS(p->filter[p->n_filter - 1].code) != BPF_RET) {
                        note("program %s does not end in a return", p->name);
                        return FAIL;
                }
        }
        return PASS;
}

/* A classic-BPF interpreter for what libseccomp emits, to run the joined filter and the
 * programs one by one, without the kernel. */
static int bpf_run(const struct sock_filter *f, size_t n, const struct seccomp_data *d, uint32_t *ret) {
        uint32_t a = 0;

        for (size_t pc = 0; pc < n; pc++) {
                const struct sock_filter *insn = f + pc;

                switch (insn->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        if (insn->k % 4 != 0 || insn->k > sizeof(*d) - 4)
                                return -EINVAL;
                        memcpy(&a, (const uint8_t *) d + insn->k, sizeof(a));
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        a &= insn->k;
                        break;
                case BPF_JMP | BPF_JA:
                        pc += insn->k;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                        pc += a == insn->k ? insn->jt : insn->jf;
                        break;
                case BPF_JMP | BPF_JGT | BPF_K:
                        pc += a > insn->k ? insn->jt : insn->jf;
                        break;
                case BPF_JMP | BPF_JGE | BPF_K:
                        pc += a >= insn->k ? insn->jt : insn->jf;
                        break;
                case BPF_JMP | BPF_JSET | BPF_K:
                        pc += a & insn->k ? insn->jt : insn->jf;
                        break;
                case BPF_RET | BPF_K:
                        *ret = insn->k;
                        return 0;
                default:
                        note("instruction %zu: opcode 0x%04x is not in the test's interpreter", pc, insn->code);
                        return -EOPNOTSUPP;
                }
        }
        return -ERANGE;
}

/* The verdict of separately stacked filters: the kernel keeps the strictest action. */
static uint32_t verdict_strictest(uint32_t a, uint32_t b) {
        return (int32_t) (b & SECCOMP_RET_ACTION_FULL) < (int32_t) (a & SECCOMP_RET_ACTION_FULL) ? b : a;
}

/* For every syscall number of the likely ABIs and a few ioctl() requests, the joined filter
 * must give what the wanted programs give when stacked. */
static int check_join(uint64_t kept) {
        static const uint32_t arches[] = {
                AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM,
                AUDIT_ARCH_PPC64LE, AUDIT_ARCH_S390X, AUDIT_ARCH_RISCV64,
        };
        static const uint64_t requests[] = {
                0, TIOCSTI, TIOCLINUX, TIOCGWINSZ, (UINT64_C(1) << 32) | TIOCSTI,
                (UINT64_C(1) << 32) | TIOCLINUX, UINT64_C(0xffffffff00000000) | TIOCSTI,
        };
        struct sock_filter buf[SECCOMP_PROGRAMS_INSNS_MAX];
        size_t expected = seccomp_prefilter.n_filter;
        unsigned n_refused = 0;
        int r;

        for (size_t i = 0; i < seccomp_programs_n; i++)
                if (seccomp_program_wanted(seccomp_programs + i, kept))
                        expected += seccomp_programs[i].n_filter;

        int n = seccomp_programs_join(kept, buf, ELEMENTSOF(buf));
        if (n < 0 || (size_t) n != expected) {
                note("mask 0x%" PRIx64 ": joined %d instructions, expected %zu", kept, n, expected);
                return FAIL;
        }
        if (seccomp_programs_join(kept, buf, expected - 1) != -ENOBUFS) {
                note("mask 0x%" PRIx64 ": a short buffer is not refused", kept);
                return FAIL;
        }

        for (size_t a = 0; a < ELEMENTSOF(arches); a++)
                for (uint32_t nr = 0; nr < 2048; nr++)
                        for (size_t q = 0; q < ELEMENTSOF(requests); q++) {
                                struct seccomp_data d = {
                                        .nr = (int) (nr < 1024 ? nr : 0x40000000 | (nr - 1024)),
                                        .arch = arches[a],
                                        .args = { 3, requests[q] },
                                };
                                uint32_t joined, stacked = SECCOMP_RET_ALLOW, v;

                                r = bpf_run(buf, (size_t) n, &d, &joined);
                                if (r < 0) {
                                        note("mask 0x%" PRIx64 ": the joined filter failed: %s", kept, strerror(-r));
                                        return FAIL;
                                }
                                for (size_t i = 0; i < seccomp_programs_n; i++) {
                                        const SeccompProgram *p = seccomp_programs + i;

                                        if (!seccomp_program_wanted(p, kept))
                                                continue;
                                        r = bpf_run(p->filter, p->n_filter, &d, &v);
                                        if (r < 0) {
                                                note("program %s failed: %s", p->name, strerror(-r));
                                                return FAIL;
                                        }
                                        stacked = verdict_strictest(stacked, v);
                                }
                                if (joined != stacked) {
                                        note("mask 0x%" PRIx64 ", arch 0x%08" PRIx32 ", nr 0x%x, request 0x%" PRIx64
                                             ": joined 0x%08" PRIx32 ", stacked 0x%08" PRIx32,
                                             kept, d.arch, (unsigned) d.nr, requests[q], joined, stacked);
                                        return FAIL;
                                }
                                if (joined != SECCOMP_RET_ALLOW)
                                        n_refused++;
                        }

        if (n_refused == 0) {
                note("mask 0x%" PRIx64 ": nothing refused at all", kept);
                return FAIL;
        }
        return PASS;
}

static int run_join(void) {
        const uint64_t masks[] = {
                0,
                GROUP_CAPS,
                UINT64_MAX,
                UINT64_C(1) << CAP_SYS_BOOT,
                UINT64_C(1) << CAP_SYS_MODULE,
                GROUP_CAPS & ~(UINT64_C(1) << CAP_SYS_TIME),
                (UINT64_C(1) << CAP_SYS_TIME) | (UINT64_C(1) << CAP_SYSLOG),
        };

        for (size_t i = 0; i < ELEMENTSOF(masks); i++) {
                int r = check_join(masks[i]);
                if (r != PASS)
                        return r;
        }
        return PASS;
}

static int run_keyctl_control(void) {
        return expect_not_errno("keyctl(KEYCTL_GET_KEYRING_ID)",
                                syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0),
                                EPERM);
}

static int run_add_key(void) {
        return expect_errno("add_key()",
                            syscall(SYS_add_key, "user", "berth-test", "x", 1, KEY_SPEC_PROCESS_KEYRING),
                            EPERM);
}

static int run_bpf(void) {
        return expect_errno("bpf()", syscall(SYS_bpf, -1, NULL, 0), EPERM);
}

static int run_perf_event_open(void) {
        return expect_errno("perf_event_open()", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM);
}

static int run_open_by_handle_at(void) {
        return expect_errno("open_by_handle_at()", syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0), EPERM);
}

static int run_kexec_load(void) {
        /* Unknown flags: even unfiltered and as root, the kernel refuses this with EINVAL
         * instead of unloading a loaded kexec image. */
        return expect_errno("kexec_load()", syscall(SYS_kexec_load, 0, 0, NULL, 0x8000UL), EPERM);
}

static int run_userfaultfd(void) {
        return expect_errno("userfaultfd()", syscall(SYS_userfaultfd, O_CLOEXEC), EPERM);
}

static int run_tiocsti(void) {
        char c = ' ';
        WITH_TTY(fd);

        return expect_errno("ioctl(TIOCSTI)", ioctl(fd, TIOCSTI, &c), EPERM);
}

static int run_tiocsti_high(void) {
        char c = ' ';
        WITH_TTY(fd);

        return expect_errno("ioctl(1 << 32 | TIOCSTI)",
                            syscall(SYS_ioctl, fd, (UINT64_C(1) << 32) | TIOCSTI, &c), EPERM);
}

static int run_tiocsti_high_control(void) {
        char c = ' ';
        WITH_TTY(fd);

        /* Without the filter the kernel takes this for TIOCSTI: 0, or EIO where
         * dev.tty.legacy_tiocsti=0 forbids it; ENOTTY would mean it saw another request. */
        long r = syscall(SYS_ioctl, fd, (UINT64_C(1) << 32) | TIOCSTI, &c);
        if (r < 0 && errno != EIO) {
                note("ioctl(1 << 32 | TIOCSTI) failed with \"%s\"", strerror(errno));
                return FAIL;
        }
        return PASS;
}

static int run_tioclinux(void) {
        char subcode = 0;       /* no valid subcode: harmless even on a real VT */
        WITH_TTY(fd);

        return expect_errno("ioctl(TIOCLINUX)", ioctl(fd, TIOCLINUX, &subcode), EPERM);
}

static int run_tioclinux_high(void) {
        char subcode = 0;
        WITH_TTY(fd);

        return expect_errno("ioctl(1 << 32 | TIOCLINUX)",
                            syscall(SYS_ioctl, fd, (UINT64_C(1) << 32) | TIOCLINUX, &subcode), EPERM);
}

/* A new session and a fresh pty that is not yet its controlling terminal; returns the follower
 * side. Unfiltered, TIOCSCTTY on it succeeds without any capability. */
static int open_pty_no_ctty(void) {
        char name[64];

        if (setsid() < 0)
                return -errno;
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
                return -errno;
        int fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* The filter of a payload that holds the host's terminal, on its own, as the launcher installs it. */
static int install_host_terminal(void) {
        if (!have_capability(CAP_SYS_ADMIN) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return seccomp_install_host_terminal_filter();
}

#define WITH_PTY_NO_CTTY(fd, filtered)                                                  \
        _cleanup_close_ int fd = open_pty_no_ctty();                                    \
        if (fd < 0) {                                                                   \
                note("cannot open a pty: %s", strerror(-fd));                           \
                return FAIL;                                                            \
        }                                                                               \
        if (filtered) {                                                                 \
                int _r = install_host_terminal();                                       \
                if (_r < 0) {                                                           \
                        note("seccomp_install_host_terminal_filter() failed: %s", strerror(-_r)); \
                        return FAIL;                                                    \
                }                                                                       \
        }

static int run_host_terminal_tiocsctty(void) {
        WITH_PTY_NO_CTTY(fd, true);
        return expect_errno("ioctl(TIOCSCTTY, 0)", ioctl(fd, TIOCSCTTY, 0), EPERM);
}

static int run_host_terminal_tiocsctty_steal(void) {
        WITH_PTY_NO_CTTY(fd, true);
        return expect_errno("ioctl(TIOCSCTTY, 1)", ioctl(fd, TIOCSCTTY, 1), EPERM);
}

static int run_host_terminal_tiocsctty_high(void) {
        WITH_PTY_NO_CTTY(fd, true);
        return expect_errno("ioctl(1 << 32 | TIOCSCTTY, 0)",
                            syscall(SYS_ioctl, fd, (UINT64_C(1) << 32) | TIOCSCTTY, 0), EPERM);
}

static int run_host_terminal_tiocvhangup(void) {
        /* Unfiltered as root this hangs up the test's own pty, nothing else. */
        WITH_PTY_NO_CTTY(fd, true);
        return expect_errno("ioctl(TIOCVHANGUP)", ioctl(fd, TIOCVHANGUP), EPERM);
}

static int run_host_terminal_tiocgwinsz(void) {
        struct winsize ws;
        WITH_PTY_NO_CTTY(fd, true);
        return expect_success("ioctl(TIOCGWINSZ)", ioctl(fd, TIOCGWINSZ, &ws));
}

static int run_host_terminal_control(void) {
        WITH_PTY_NO_CTTY(fd, false);
        return expect_success("ioctl(TIOCSCTTY, 0)", ioctl(fd, TIOCSCTTY, 0));
}

/* CLOCK_MONOTONIC cannot be set: unfiltered the kernel says EINVAL and changes nothing. */
static int run_clock_settime(void) {
        struct timespec ts = {};

        return expect_errno("clock_settime(CLOCK_MONOTONIC)",
                            syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts), EPERM);
}

static int run_clock_settime_kept(void) {
        struct timespec ts = {};

        return expect_errno("clock_settime(CLOCK_MONOTONIC)",
                            syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts), EINVAL);
}

static int run_init_module(void) {
        return expect_errno("init_module(NULL, 0)", syscall(SYS_init_module, NULL, 0, ""), EPERM);
}

static int run_init_module_kept(void) {
        if (!have_capability(CAP_SYS_MODULE)) {
                note("needs CAP_SYS_MODULE");
                return SKIP;
        }
        /* An empty image: ENOEXEC, or ENOSYS without module support; EPERM if modules are
         * disabled by sysctl, which the filter cannot be told apart from. */
        return expect_not_errno("init_module(NULL, 0)", syscall(SYS_init_module, NULL, 0, ""), EPERM);
}

/* A wrong magic number: unfiltered, with CAP_SYS_BOOT, EINVAL and nothing happens. */
static int run_reboot(void) {
        return expect_errno("reboot(bad magic)", syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL), EPERM);
}

static int run_reboot_kept(void) {
        if (!have_capability(CAP_SYS_BOOT)) {
                note("needs CAP_SYS_BOOT");
                return SKIP;
        }
        return expect_errno("reboot(bad magic)", syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL), EINVAL);
}

static int run_syslog(void) {
        return expect_errno("syslog(SYSLOG_ACTION_SIZE_BUFFER)", syscall(SYS_syslog, 10, NULL, 0), EPERM);
}

static int run_acct(void) {
        /* An empty path: unfiltered it is ENOENT and does not touch accounting. */
        return expect_errno("acct(\"\")", syscall(SYS_acct, ""), EPERM);
}

#if defined(__x86_64__)
/* A syscall through the i386 entry point; returns -errno like the kernel. Pointers must fit
 * in 32 bits. */
static long syscall_i386(long nr, long a, long b, long c) {
        long ret;

        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(nr), "b"(a), "c"(b), "d"(c)
                         : "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
        return ret;
}

static long errno_of(long kernel_ret) {
        if (kernel_ret < 0 && kernel_ret > -4096) {
                errno = (int) -kernel_ret;
                return -1;
        }
        return kernel_ret;
}

#define NEED_IA32                                                       \
        if (!have_ia32) {                                               \
                note("the kernel does not run i386 code (CONFIG_IA32_EMULATION)"); \
                return SKIP;                                            \
        }

static int run_i386_getpid(void) {
        NEED_IA32;
        return expect_success("i386 getpid()", errno_of(syscall_i386(I386_NR_GETPID, 0, 0, 0)));
}

static int run_i386_keyctl(void) {
        NEED_IA32;
        return expect_errno("i386 keyctl(KEYCTL_GET_KEYRING_ID)",
                            errno_of(syscall_i386(I386_NR_KEYCTL, KEYCTL_GET_KEYRING_ID,
                                                  KEY_SPEC_SESSION_KEYRING, 0)),
                            EPERM);
}

static int run_i386_tiocsti(void) {
        NEED_IA32;
        WITH_TTY(fd);

        /* The pointer does not fit: unfiltered that is EFAULT, never EPERM. */
        return expect_errno("i386 ioctl(TIOCSTI)",
                            errno_of(syscall_i386(I386_NR_IOCTL, fd, TIOCSTI, 0)), EPERM);
}

static int run_i386_clock_settime(void) {
        NEED_IA32;
        /* NULL: unfiltered EFAULT. */
        int r = expect_errno("i386 clock_settime()",
                             errno_of(syscall_i386(I386_NR_CLOCK_SETTIME, CLOCK_MONOTONIC, 0, 0)), EPERM);
        if (r != PASS)
                return r;
        return expect_errno("i386 clock_settime64()",
                            errno_of(syscall_i386(I386_NR_CLOCK_SETTIME64, CLOCK_MONOTONIC, 0, 0)), EPERM);
}

/* The x32 ABI is the x86-64 entry point with bit 30 set in the number. The filter answers
 * before the kernel looks, so this is EPERM even where x32 is compiled out (else ENOSYS). */
static int run_x32_keyctl(void) {
        return expect_errno("x32 keyctl(KEYCTL_GET_KEYRING_ID)",
                            syscall(X32_SYSCALL_BIT | X32_NR_KEYCTL, KEYCTL_GET_KEYRING_ID,
                                    KEY_SPEC_SESSION_KEYRING, 0),
                            EPERM);
}

static int run_x32_tiocsti(void) {
        char c = ' ';
        WITH_TTY(fd);

        return expect_errno("x32 ioctl(TIOCSTI)", syscall(X32_SYSCALL_BIT | X32_NR_IOCTL, fd, TIOCSTI, &c),
                            EPERM);
}

/* Whether int $0x80 works here: without IA32 emulation it is a fault, not an error. */
static bool probe_ia32(void) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0)
                _exit(syscall_i386(I386_NR_GETPID, 0, 0, 0) > 0 ? 0 : 1);

        int status;
        if (waitpid(pid, &status, 0) < 0)
                return false;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

static const Test tests[] = {
        { "every program returns only constants", false, 0, run_programs_constant_returns },
        { "the joined filter decides every call as the programs stacked would", false, 0, run_join },
        { "install without no_new_privs, with CAP_SYS_ADMIN", true, 0, run_no_nnp },
        { "install on top of an installed filter", true, 0, run_install_twice },
        { "getpid() still works with every group capability kept", true, GROUP_CAPS, run_getpid },
        { "getpid() still works", true, 0, run_getpid },
        { "ioctl(TIOCGWINSZ) on a pty still works", true, 0, run_tiocgwinsz },
        { "keyctl() refused", true, 0, run_keyctl },
        { "keyctl() refused with every group capability kept", true, GROUP_CAPS, run_keyctl },
        { "add_key() refused", true, 0, run_add_key },
        { "bpf() refused", true, 0, run_bpf },
        { "perf_event_open() refused", true, 0, run_perf_event_open },
        { "open_by_handle_at() refused", true, 0, run_open_by_handle_at },
        { "kexec_load() refused", true, 0, run_kexec_load },
        { "userfaultfd() refused", true, 0, run_userfaultfd },
        { "ioctl(TIOCSTI) refused", true, 0, run_tiocsti },
        { "ioctl(TIOCSTI) with bits above 32 refused", true, 0, run_tiocsti_high },
        { "ioctl(TIOCLINUX) refused", true, 0, run_tioclinux },
        { "ioctl(TIOCLINUX) with bits above 32 refused", true, 0, run_tioclinux_high },
        { "clock_settime() refused without CAP_SYS_TIME", true, 0, run_clock_settime },
        { "clock_settime() passed to the kernel with CAP_SYS_TIME kept", true,
          UINT64_C(1) << CAP_SYS_TIME, run_clock_settime_kept },
        { "init_module() refused without CAP_SYS_MODULE", true, 0, run_init_module },
        { "init_module() passed to the kernel with CAP_SYS_MODULE kept", true,
          UINT64_C(1) << CAP_SYS_MODULE, run_init_module_kept },
        { "reboot() refused without CAP_SYS_BOOT", true, 0, run_reboot },
        { "reboot() passed to the kernel with CAP_SYS_BOOT kept", true,
          UINT64_C(1) << CAP_SYS_BOOT, run_reboot_kept },
        { "syslog() refused without CAP_SYSLOG", true, 0, run_syslog },
        { "acct() refused without CAP_SYS_PACCT", true, 0, run_acct },
#if defined(__x86_64__)
        { "i386 getpid() still works (i386 is a known ABI)", true, 0, run_i386_getpid },
        { "i386 keyctl() refused", true, 0, run_i386_keyctl },
        { "i386 ioctl(TIOCSTI) refused", true, 0, run_i386_tiocsti },
        { "i386 clock_settime() and clock_settime64() refused", true, 0, run_i386_clock_settime },
        { "x32 keyctl() refused", true, 0, run_x32_keyctl },
        { "x32 ioctl(TIOCSTI) refused", true, 0, run_x32_tiocsti },
#endif
        { "host terminal: ioctl(TIOCSCTTY) refused", false, 0, run_host_terminal_tiocsctty },
        { "host terminal: ioctl(TIOCSCTTY) refused when it would steal", false, 0, run_host_terminal_tiocsctty_steal },
        { "host terminal: ioctl(TIOCSCTTY) with bits above 32 refused", false, 0, run_host_terminal_tiocsctty_high },
        { "host terminal: ioctl(TIOCVHANGUP) refused", false, 0, run_host_terminal_tiocvhangup },
        { "host terminal: ioctl(TIOCGWINSZ) still works", false, 0, run_host_terminal_tiocgwinsz },
        { "control: without the host terminal filter TIOCSCTTY takes a fresh pty", false, 0, run_host_terminal_control },
        { "control: without filters keyctl() is not EPERM", false, 0, run_keyctl_control },
        { "control: without filters the kernel takes 1 << 32 | TIOCSTI for TIOCSTI", false, 0,
          run_tiocsti_high_control },
};

static int install(uint64_t kept) {
        /* As the launcher: with CAP_SYS_ADMIN no no_new_privs; without, it is required. */
        if (!have_capability(CAP_SYS_ADMIN) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return seccomp_install_filters(kept);
}

_noreturn_
static void child(const Test *t) {
        if (t->filtered) {
                int r = install(t->kept);
                if (r < 0) {
                        note("seccomp_install_filters(0x%" PRIx64 ") failed: %s", t->kept, strerror(-r));
                        _exit(FAIL);
                }
        }
        _exit(t->run());
}

/* Runs fn in a child; returns its exit status or a negative errno, with what it wrote to the
 * pipe in buf. */
static int fork_and_wait(void (*fn)(const void *userdata), const void *userdata, char *buf, size_t size,
                         int *ret_status) {
        _cleanup_close_pair_ int pipefd[2] = { -EBADF, -EBADF };

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;

        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                pipefd[0] = safe_close(pipefd[0]);
                msg_fd = pipefd[1];
                fn(userdata);
                _exit(FAIL);
        }
        pipefd[1] = safe_close(pipefd[1]);

        ssize_t n = loop_read(pipefd[0], buf, size - 1);
        buf[n > 0 ? n : 0] = '\0';

        while (waitpid(pid, ret_status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

static void child_test(const void *userdata) {
        child(userdata);
}

static void child_time_install(const void *userdata) {
        const uint64_t *kept = userdata;
        struct timespec a, b;

        if (!have_capability(CAP_SYS_ADMIN))
                (void) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

        clock_gettime(CLOCK_MONOTONIC, &a);
        int r = seccomp_install_filters(*kept);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (r < 0)
                _exit(FAIL);

        uint64_t ns = (uint64_t) (b.tv_sec - a.tv_sec) * UINT64_C(1000000000) + (uint64_t) b.tv_nsec -
                      (uint64_t) a.tv_nsec;
        (void) loop_write(msg_fd, &ns, sizeof(ns));
        _exit(PASS);
}

static int compare_uint64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* The install time over fresh processes: a process gets its filters once. */
static void report_install_time(uint64_t kept, const char *what) {
        uint64_t ns[51];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                char buf[sizeof(uint64_t) + 1];
                int status;

                if (fork_and_wait(child_time_install, &kept, buf, sizeof(buf), &status) < 0 ||
                    !WIFEXITED(status) || WEXITSTATUS(status) != PASS)
                        continue;
                memcpy(&ns[n++], buf, sizeof(uint64_t));
        }
        if (n == 0) {
                printf("# install time (%s): could not be measured\n", what);
                return;
        }
        qsort(ns, n, sizeof(ns[0]), compare_uint64);
        printf("# install time (%s): min %.1f us, median %.1f us over %zu processes\n",
               what, ns[0] / 1000.0, ns[n / 2] / 1000.0, n);
}

static void child_time_syscalls(const void *userdata) {
        const bool *filtered = userdata;
        struct timespec a, b;
        struct winsize ws;
        enum { N = 200000 };
        double result[2];

        int fd = open_ctty();
        if (fd < 0)
                _exit(FAIL);
        if (*filtered && install(0) < 0)
                _exit(FAIL);

        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < N; i++)
                (void) syscall(SYS_getppid);
        clock_gettime(CLOCK_MONOTONIC, &b);
        result[0] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N;

        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < N; i++)
                (void) ioctl(fd, TIOCGWINSZ, &ws);
        clock_gettime(CLOCK_MONOTONIC, &b);
        result[1] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N;

        (void) loop_write(msg_fd, result, sizeof(result));
        _exit(PASS);
}

static void report_syscall_cost(void) {
        double r[2][2];

        for (int filtered = 0; filtered < 2; filtered++) {
                char buf[sizeof(r[0]) + 1];
                bool f = filtered;
                int status;

                if (fork_and_wait(child_time_syscalls, &f, buf, sizeof(buf), &status) < 0 ||
                    !WIFEXITED(status) || WEXITSTATUS(status) != PASS) {
                        printf("# syscall cost: could not be measured\n");
                        return;
                }
                memcpy(r[filtered], buf, sizeof(r[0]));
        }
        printf("# syscall cost without / with all filters: getppid %.0f / %.0f ns, "
               "ioctl(TIOCGWINSZ) %.0f / %.0f ns\n", r[0][0], r[1][0], r[0][1], r[1][1]);
}

int main(void) {
        unsigned passed = 0, failed = 0;

#if defined(__x86_64__)
        have_ia32 = probe_ia32();
#endif

        printf("1..%zu\n", ELEMENTSOF(tests));

        for (size_t i = 0; i <= seccomp_programs_n; i++) {
                const SeccompProgram *p = i < seccomp_programs_n ? seccomp_programs + i : &seccomp_prefilter;
                printf("# program %-10s %3u instructions, %4zu bytes, %s\n", p->name, p->n_filter,
                       p->n_filter * sizeof(struct sock_filter),
                       p->capability < 0 ? "always" : "unless its capability is kept");
        }
        struct sock_filter buf[SECCOMP_PROGRAMS_INSNS_MAX];
        printf("# joined filter: %d instructions with nothing kept, %d with every group capability kept\n",
               seccomp_programs_join(0, buf, ELEMENTSOF(buf)), seccomp_programs_join(GROUP_CAPS, buf, ELEMENTSOF(buf)));

        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                const Test *t = tests + i;
                char msg[512];
                int status, r;

                r = fork_and_wait(child_test, t, msg, sizeof(msg), &status);
                if (r < 0) {
                        printf("not ok %zu - %s\n# cannot fork: %s\n", i + 1, t->description, strerror(-r));
                        failed++;
                } else if (WIFEXITED(status) && WEXITSTATUS(status) == PASS) {
                        printf("ok %zu - %s\n", i + 1, t->description);
                        passed++;
                } else if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP) {
                        printf("ok %zu - %s # SKIP %s\n", i + 1, t->description, msg);
                        passed++;
                } else {
                        printf("not ok %zu - %s\n", i + 1, t->description);
                        if (WIFSIGNALED(status))
                                printf("# killed by signal %s\n", strsignal(WTERMSIG(status)));
                        if (msg[0])
                                printf("# %s\n", msg);
                        failed++;
                }
        }

        report_install_time(0, "all programs");
        report_install_time(GROUP_CAPS, "base only");
        report_syscall_cost();

        printf("# %u passed, %u failed\n", passed, failed);
        return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
