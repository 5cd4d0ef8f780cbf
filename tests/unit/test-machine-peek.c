/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine-peek.h"
#include "strv.h"
#include "tap.h"

static void value_is(const char *text, const char *key, const char *expected, const char *desc) {
        char *v = NULL;
        int r = os_release_value(text, key, &v);
        check(r == 0 && (expected ? v && strcmp(v, expected) == 0 : !v), "%s", desc);
        if (r != 0 || (expected ? !v || strcmp(v, expected) != 0 : !!v)) {
                printf("#   got: ");
                tap_print_string(v);
                printf("\n");
        }
        free(v);
}

static void test_os_release(void) {
        const char *debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                             "VERSION_ID=\"12\"\nID_LIKE=debian-ish\nID=debian\n";
        value_is(debian, "PRETTY_NAME", "Debian GNU/Linux 12 (bookworm)", "a double-quoted value");
        value_is(debian, "ID", "debian", "an unquoted value; ID_LIKE is another key");
        value_is(debian, "VERSION", NULL, "a key that is not there: NULL");
        value_is("ID='my os'\n", "ID", "my os", "single quotes");
        value_is("NAME=\"a \\\"b\\\" \\\\ \\$c\"\n", "NAME", "a \"b\" \\ $c", "escapes inside double quotes");
        value_is("NAME='a\\b'\n", "NAME", "a\\b", "no escapes inside single quotes");
        value_is("NAME=a\\ b\n", "NAME", "a b", "a backslash outside quotes");
        value_is("ID=x # comment\n", "ID", "x", "a comment after a value");
        value_is("# ID=commented\nID=real\n", "ID", "real", "a commented line is not a value");
        value_is("  ID=indented\n", "ID", "indented", "leading blanks");
        value_is("ID=first\nID=second", "ID", "second", "the last assignment counts, without a final newline");
        value_is("ID=\n", "ID", "", "an empty value");
        value_is("", "ID", NULL, "an empty file");
}

static void test_peek_self(void) {
        /* This process is a leader too: its own root and network namespace. */
        char *os = NULL, **addresses = NULL;
        int r = machine_peek_os(getpid(), &os);
        check(r == 0 || r == -EACCES || r == -EPERM, "the OS of a leader is read, or refused without privilege");
        free(os);
        r = machine_peek_addresses(getpid(), &addresses);
        if (geteuid() == 0)
                check_int_eq(r, 0, "root reads the addresses of a namespace");
        else
                check(r == 0 || r == -EPERM, "the addresses of a namespace, or EPERM without privilege");
        for (char **a = addresses; a && *a; a++)
                check(strcmp(*a, "127.0.0.1") != 0 && strcmp(*a, "::1") != 0, "no loopback address: %s", *a);
        strv_free(addresses);
        check_int_eq(machine_peek_os(-1, &os), -ENOENT, "no such process: ENOENT");
}

int main(void) {
        test_os_release();
        test_peek_self();
        return tap_finish();
}
