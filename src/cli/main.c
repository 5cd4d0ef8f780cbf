/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

int main(int argc, char **argv) {
        (void) argc;
        (void) argv;
        return 0;
}
