/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "caps.h"
#include "macro.h"
#include "parse-util.h"

static int cap_last_kernel(void) {
        /* The kernel may know fewer capabilities than this build, or more. */
        int last = capability_last();
        while (last > 0 && prctl(PR_CAPBSET_READ, (unsigned long) last, 0, 0, 0) < 0)
                last--;
        while (prctl(PR_CAPBSET_READ, (unsigned long) (last + 1), 0, 0, 0) >= 0 && last < 63)
                last++;
        return last;
}

int capability_bounding_set_limit(uint64_t keep) {
        int last = cap_last_kernel();

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        for (int c = 0; c <= last; c++) {
                if (keep & (UINT64_C(1) << c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) < 0)
                        return -errno;
        }
        return 0;
}

int capability_sets_limit(uint64_t keep) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        for (int i = 0; i < 2; i++) {
                uint32_t k = (uint32_t) (keep >> (32 * i));
                d[i].effective &= k;
                d[i].permitted &= k;
                d[i].inheritable &= k;
        }
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        return 0;
}

int capability_raise_permitted(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        for (int i = 0; i < 2; i++)
                d[i].effective = d[i].permitted;
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        return 0;
}
