/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "userns.h"

static void test_candidates(void) {
        bool aligned = true, in_area = true, stable = true, differ = false;

        for (unsigned n = 0; n < 2000; n++) {
                uint32_t c = uid_range_candidate("machine", n);
                aligned = aligned && c % 65536 == 0;
                in_area = in_area && c >= UID_PICK_FIRST && c + UINT32_C(65536) <= UID_PICK_END;
                stable = stable && c == uid_range_candidate("machine", n);
                differ = differ || c != uid_range_candidate("machine", 0);
        }
        check(aligned, "candidates are 64K aligned");
        check(in_area, "candidates lie in 0x00080000..0x6fffffff");
        check(stable, "the same name gives the same candidates");
        check(differ, "later candidates are other ranges");
        check(uid_range_candidate("a", 0) != uid_range_candidate("b", 0), "other names start elsewhere");
        check_int_eq(uid_range_candidate("", 0) % 65536, 0, "an empty name still gives a range");
}

static void test_overlap(void) {
        check(uid_ranges_overlap(100, 10, 105, 1), "a UID inside overlaps");
        check(!uid_ranges_overlap(100, 10, 110, 5), "adjacent ranges do not overlap");
        check(!uid_ranges_overlap(100, 10, 90, 10), "adjacent below does not overlap");
        check(uid_ranges_overlap(100, 10, 90, 11), "one UID in common overlaps");
        check(!uid_ranges_overlap(100, 0, 100, 10), "an empty range overlaps nothing");
        check(uid_ranges_overlap(UINT32_C(4294901760), 65535, UINT32_C(4294967294), 1), "no overflow near the top");
}

static void test_subid(void) {
        check(subid_line_overlaps("alice:100000:65536", 131072, 65536), "a subordinate range inside overlaps");
        check(!subid_line_overlaps("alice:100000:65536", 165536, 65536), "one after does not");
        check(!subid_line_overlaps("# comment", 0, UINT32_MAX), "a comment does not");
        check(!subid_line_overlaps("alice:x:65536", 0, UINT32_MAX), "a bad first UID is ignored");
        check(!subid_line_overlaps("alice:100000:", 0, UINT32_MAX), "a missing count is ignored");
        check(!subid_line_overlaps("alice:100000:10x", 0, UINT32_MAX), "a bad count is ignored");
        check(!subid_line_overlaps("alice:99999999999:1", 0, UINT32_MAX), "an out-of-range UID is ignored");
        check(subid_line_overlaps("1000:524288:65536", 524288, 65536), "a numeric owner works too");
}

int main(void) {
        test_candidates();
        test_overlap();
        test_subid();
        return tap_finish();
}
