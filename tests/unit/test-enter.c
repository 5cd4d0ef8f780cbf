/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enter.h"
#include "tap.h"

static const char status_text[] =
        "Name:\tsleep\n"
        "Umask:\t0022\n"
        "State:\tS (sleeping)\n"
        "PPid:\t1\n"
        "TracerPid:\t0\n"
        "Uid:\t1000\t1000\t1000\t1000\n"
        "CapInh:\t0000000000000000\n"
        "CapPrm:\t0000000000000000\n"
        "CapEff:\t0000000000000000\n"
        "CapBnd:\t00000000f5c4afff\n"
        "CapAmb:\t0000000000000000\n"
        "NoNewPrivs:\t1\n"
        "Seccomp:\t2\n"
        "Seccomp_filters:\t22\n"
        "Speculation_Store_Bypass:\tthread vulnerable\n";

static void test_proc_status_parse(void) {
        ProcStatus s = { .seccomp = 42 };

        check_int_eq(proc_status_parse(status_text, &s), 0, "a unit's status parses");
        check(s.capability_bounding == UINT64_C(0xf5c4afff), "CapBnd is read as hexadecimal");
        check(s.no_new_privs, "NoNewPrivs: 1");
        check_int_eq(s.seccomp, 2, "Seccomp: 2, not Seccomp_filters");
        check_int_eq(s.seccomp_filters, 22, "Seccomp_filters: 22");
        check_int_eq(s.ppid, 1, "PPid: 1, not TracerPid");

        check_int_eq(proc_status_parse("CapBnd:\t000001ffffffffff\n", &s), 0, "CapBnd alone (an old kernel)");
        check(s.capability_bounding == UINT64_C(0x1ffffffffff) && !s.no_new_privs && s.seccomp == 0 && s.ppid == 0,
              "PPid, NoNewPrivs and Seccomp are 0 when absent");
        check_int_eq(s.seccomp_filters, -1, "Seccomp_filters is -1 when absent");
        check_int_eq(proc_status_parse("CapBnd:\tffffffffffffffff", &s), 0, "all 64 bits, no final newline");
        check(s.capability_bounding == UINT64_MAX, "all 64 bits");
        check_int_eq(proc_status_parse("NoNewPrivs:\t0\nCapBnd: 0 \nSeccomp:\t0\n", &s), 0, "zero, spaces around");
        check(s.capability_bounding == 0, "an empty bounding set");

        /* Refused: no bounding set, or one that does not parse. What confines a machine is not guessed. */
        check_int_eq(proc_status_parse("", &s), -EBADMSG, "empty text");
        check_int_eq(proc_status_parse(NULL, &s), -EBADMSG, "no text");
        check_int_eq(proc_status_parse("Name:\tx\nNoNewPrivs:\t1\n", &s), -EBADMSG, "no CapBnd");
        check_int_eq(proc_status_parse("CapBnd:\t\n", &s), -EBADMSG, "an empty CapBnd");
        check_int_eq(proc_status_parse("CapBnd:\t00000000f5c4afxf\n", &s), -EBADMSG, "CapBnd with junk");
        check_int_eq(proc_status_parse("CapBnd:\t-1\n", &s), -EBADMSG, "a negative CapBnd");
        check_int_eq(proc_status_parse("CapBnd:\t1ffffffffffffffff\n", &s), -EBADMSG, "CapBnd over 64 bits");
        check_int_eq(proc_status_parse("CapBnd:\t0 1\n", &s), -EBADMSG, "two numbers");
        check_int_eq(proc_status_parse("CapBnd:\t0\nNoNewPrivs:\t2\n", &s), -EBADMSG, "NoNewPrivs 2");
        check_int_eq(proc_status_parse("CapBnd:\t0\nSeccomp:\t3\n", &s), -EBADMSG, "Seccomp 3");
        check_int_eq(proc_status_parse("CapBnd:\t0\nSeccomp:\tx\n", &s), -EBADMSG, "Seccomp x");
        check_int_eq(proc_status_parse("CapBnd:\t0\nSeccomp_filters:\t-1\n", &s), -EBADMSG, "Seccomp_filters -1");
        check_int_eq(proc_status_parse("CapBnd:\t0\nPPid:\tx\n", &s), -EBADMSG, "PPid x");
}

static void cgroup_path_at(int line, const char *text, int expected_r, const char *expected) {
        char *p = NULL;
        int r = proc_cgroup_unified_path(text, &p);

        tap_int_eq(r, expected_r, __FILE__, line, "proc_cgroup_unified_path() returns %d", expected_r);
        if (expected)
                tap_streq(p, expected, __FILE__, line, "the cgroup2 path is %s", expected);
        free(p);
}
#define cgroup_path(...) cgroup_path_at(__LINE__, __VA_ARGS__)

static void test_proc_cgroup_unified_path(void) {
        cgroup_path("0::/machine.slice/berth-sp.service\n", 0, "/machine.slice/berth-sp.service");
        cgroup_path("9:name=systemd:/\n4:memory:/x\n0::/machine.slice/machine-m.scope\n", 0, "/machine.slice/machine-m.scope");
        cgroup_path("0::/\n", 0, "/");
        cgroup_path("0::/a/b", 0, "/a/b");
        cgroup_path("1:name=systemd:/0::/x\n", -ENODATA, NULL);
        cgroup_path("10::/x\n", -ENODATA, NULL);
        cgroup_path("0::\n", -ENODATA, NULL);
        cgroup_path("", -ENODATA, NULL);
        cgroup_path(NULL, -ENODATA, NULL);
}

static void test_cgroup_path_in_unit(void) {
        check(cgroup_path_in_unit("/machine.slice/berth-sp.service", "berth-sp.service"), "the unit's own cgroup");
        check(cgroup_path_in_unit("/machine.slice/berth@hostos.service/payload/init.scope", "berth@hostos.service"),
              "below the unit's cgroup");
        check(cgroup_path_in_unit("/machine.slice/machine-m.scope", "machine-m.scope"), "a scope");
        check(!cgroup_path_in_unit("/machine.slice/berth-sp2.service", "berth-sp.service"), "not a longer name");
        check(!cgroup_path_in_unit("/machine.slice/xberth-sp.service", "berth-sp.service"), "not a name ending in it");
        check(!cgroup_path_in_unit("/machine.slice/berth-sp.service.d", "berth-sp.service"), "not a prefix of a component");
        check(!cgroup_path_in_unit("/user.slice/session-1.scope", "berth-sp.service"), "another unit");
        check(!cgroup_path_in_unit("/", "berth-sp.service"), "the root");
        check(!cgroup_path_in_unit("/a/b", ""), "an empty unit name");
        check(!cgroup_path_in_unit("/a/b", "a/b"), "a unit name with a slash");
}

static void test_machine_target_is_starting(void) {
        MachineTarget t = MACHINE_TARGET_NULL;

        t.launcher_child = true;
        check(machine_target_is_starting(&t, "berth"), "a launcher's child in a machine of berth's: being set up");
        check(!machine_target_is_starting(&t, "nspawn"), "registered by another manager: not berth's to judge");
        check(!machine_target_is_starting(&t, NULL), "no service");
        t.launcher_child = false;
        check(!machine_target_is_starting(&t, "berth"), "a leader that confined itself: set up");
}

static void test_namespace_names(void) {
        check_streq(enter_namespace_to_string(ENTER_NAMESPACE_MNT), "mnt", "mnt");
        check_streq(enter_namespace_to_string(ENTER_NAMESPACE_USER), "user", "user");
        check(!enter_namespace_to_string(_ENTER_NAMESPACE_MAX), "no name past the end");
        check(!enter_namespace_to_string(_ENTER_NAMESPACE_INVALID), "no name for invalid");
}

int main(void) {
        test_proc_status_parse();
        test_proc_cgroup_unified_path();
        test_cgroup_path_in_unit();
        test_machine_target_is_starting();
        test_namespace_names();
        return tap_finish();
}
