/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "macro.h"
#include "parse-util.h"
#include "tap.h"

static const char *strnull(const char *s) {
        return s ?: "(null)";
}

/* One test point for a name that is picked, and one that it is a valid machine name. */
static void name_ok_at(int line, const char *directory, const char *hostname, const char *expected) {
        char *n = NULL;
        int r = machine_name_from_directory(directory, hostname, &n);

        if (tap_int_eq(r, 0, __FILE__, line, "machine_name_from_directory(\"%s\", \"%s\") succeeds", strnull(directory),
                       strnull(hostname)))
                tap_streq(n, expected, __FILE__, line, "machine_name_from_directory(\"%s\", \"%s\")",
                          strnull(directory), strnull(hostname));
        else
                tap_result(false, __FILE__, line, "machine_name_from_directory(\"%s\", \"%s\") gives a name",
                           strnull(directory), strnull(hostname));
        tap_result(r == 0 && machine_name_is_valid(n), __FILE__, line, "the name for \"%s\" is a valid machine name",
                   strnull(directory));
        free(n);
}
#define name_ok(directory, hostname, expected) name_ok_at(__LINE__, directory, hostname, expected)

static void name_fails_at(int line, const char *directory, const char *hostname, int expected) {
        char *n = NULL;
        int r = machine_name_from_directory(directory, hostname, &n);

        tap_int_eq(r, expected, __FILE__, line, "machine_name_from_directory(\"%s\", \"%s\") fails with %d",
                   strnull(directory), strnull(hostname), expected);
        tap_result(!n, __FILE__, line, "no name is returned for \"%s\"", strnull(directory));
        free(n);
}
#define name_fails(directory, hostname, expected) name_fails_at(__LINE__, directory, hostname, expected)

static void test_machine_name_from_directory(void) {
        /* The root directory: the host's name, cleaned. */
        name_ok("/", "myhost", "myhost");
        name_ok("//", "myhost", "myhost");
        name_ok("/", "my_host.example.com", "myhost.example.com");
        name_ok("/", "-host-", "host");
        name_fails("/", NULL, -EINVAL);
        name_fails("/", "", -EINVAL);
        name_fails("/", "___", -EINVAL);

        /* The last component. */
        name_ok("/var/lib/machines/foo", "host", "foo");
        name_ok("/var/lib/machines/foo/", "host", "foo");
        name_ok("/var/lib/machines/foo///", "host", "foo");
        name_ok("foo", "host", "foo");
        name_ok("rel/dir/bar", "host", "bar");
        name_ok("/foo", "host", "foo");
        name_ok("/srv/Fedora-40", "host", "Fedora-40");
        name_ok("/srv/fedora.40", "host", "fedora.40");

        /* Characters a hostname may not hold are dropped. */
        name_ok("my_dir", "host", "mydir");
        name_ok("/srv/my dir", "host", "mydir");
        name_ok("/srv/a+b=c@d", "host", "abcd");
        name_ok("/srv/\xc3\xa9t\xc3\xa9", "host", "t");
        name_ok("/srv/a..b", "host", "a.b");
        name_ok("/srv/a._.b", "host", "a.b");

        /* Leading and trailing '-' and '.' are trimmed. */
        name_ok("/srv/-foo-", "host", "foo");
        name_ok("/srv/.foo.", "host", "foo");
        name_ok("/srv/--..foo..--", "host", "foo");
        name_ok("/srv/.-.foo", "host", "foo");
        name_ok("/srv/_-_foo", "host", "foo");

        /* A label may neither start nor end with '-'. */
        name_ok("/srv/a-.b", "host", "a.b");
        name_ok("/srv/a.-b", "host", "a.b");
        name_ok("/srv/a--.--b", "host", "a.b");
        name_ok("/srv/a-b.c-d", "host", "a-b.c-d");

        /* Nothing valid left. */
        name_fails("...", "host", -EINVAL);
        name_fails("___", "host", -EINVAL);
        name_fails("/srv/...", "host", -EINVAL);
        name_fails("/srv/___/", "host", -EINVAL);
        name_fails("/srv/-.-", "host", -EINVAL);
        name_fails("/srv/..", "host", -EINVAL);
        name_fails("", "host", -EINVAL);
        name_fails(NULL, "host", -EINVAL);

        /* Long names are cut to a valid name of at most 64 characters. */
        static const char labels[] = "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij";
        char dir[256], expected[128];
        snprintf(dir, sizeof dir, "/srv/%s.abcdefghij", labels);
        name_ok(dir, "host", "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghi");

        /* A cut that ends on a '.' or '-' loses it. */
        snprintf(dir, sizeof dir, "/srv/%.63s.xyz", labels);
        snprintf(expected, sizeof expected, "%.63s", labels);
        name_ok(dir, "host", expected);
        memset(expected, 'x', 63);
        expected[63] = 0;
        snprintf(dir, sizeof dir, "/srv/%s-yyy", expected);
        name_ok(dir, "host", expected);

        /* Invalid characters do not count towards the length. */
        memset(dir, 0, sizeof dir);
        strcpy(dir, "/srv/");
        for (size_t i = 0; i < 60; i++)
                strcat(dir, "_a");
        memset(expected, 'a', 60);
        expected[60] = 0;
        name_ok(dir, "host", expected);

        /* A single label may not exceed 63 characters: it is cut there, later labels may follow. */
        memset(expected, 'a', 63);
        expected[63] = 0;
        memset(dir, 0, sizeof dir);
        strcpy(dir, "/srv/");
        memset(dir + 5, 'a', 100);
        name_ok(dir, "host", expected);
        name_ok("/", dir + 5, expected);

        memset(dir, 0, sizeof dir);
        strcpy(dir, "/srv/");
        memset(dir + 5, 'a', 70);
        strcat(dir, ".b");
        name_ok(dir, "host", expected);
        memset(expected, 'a', 62);
        strcpy(expected + 62, ".b");
        memset(dir, 0, sizeof dir);
        strcpy(dir, "/srv/");
        memset(dir + 5, 'a', 62);
        strcat(dir, ".bcd");
        name_ok(dir, "host", expected);

        /* Leading junk does not eat into the 64 characters. */
        memset(dir, 0, sizeof dir);
        strcpy(dir, "/srv/");
        memset(dir + 5, '-', 20);
        memset(dir + 25, 'c', 70);
        memset(expected, 'c', 63);
        expected[63] = 0;
        name_ok(dir, "host", expected);
}

static int write_file(int dfd, const char *path) {
        int fd = openat(dfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        close(fd);
        return 0;
}

static void test_directory_has_os_release(void) {
        char tmpl[] = "/tmp/test-image.XXXXXX";
        char *base = mkdtemp(tmpl);

        if (!check(base, "mkdtemp"))
                return;

        int dfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        check(dfd >= 0, "open the temporary directory");

        static const char *const dirs[] = {
                "none",         "etconly",  "etconly/etc",  "usronly",          "usronly/usr",
                "usronly/usr/lib", "both",  "both/etc",     "both/usr",         "both/usr/lib",
                "link",         "link/etc", "link/usr",     "link/usr/lib",     "dangling",
                "dangling/etc", "wrongdir", "wrongdir/usr", "wrongdir/usr/lib",
        };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdirat(dfd, dirs[i], 0755) < 0)
                        check(false, "mkdir %s", dirs[i]);

        check_int_eq(write_file(dfd, "etconly/etc/os-release"), 0, "create etconly/etc/os-release");
        check_int_eq(write_file(dfd, "usronly/usr/lib/os-release"), 0, "create usronly/usr/lib/os-release");
        check_int_eq(write_file(dfd, "both/etc/os-release"), 0, "create both/etc/os-release");
        check_int_eq(write_file(dfd, "both/usr/lib/os-release"), 0, "create both/usr/lib/os-release");
        check_int_eq(write_file(dfd, "link/usr/lib/os-release"), 0, "create link/usr/lib/os-release");
        check_int_eq(symlinkat("../usr/lib/os-release", dfd, "link/etc/os-release"), 0,
                     "link/etc/os-release -> ../usr/lib/os-release");
        check_int_eq(symlinkat("../usr/lib/os-release", dfd, "dangling/etc/os-release"), 0,
                     "dangling/etc/os-release -> ../usr/lib/os-release (missing)");
        check_int_eq(write_file(dfd, "wrongdir/usr/os-release"), 0, "create wrongdir/usr/os-release");
        check_int_eq(write_file(dfd, "regular"), 0, "create a regular file");

        static const struct {
                const char *dir;
                int expected;
        } cases[] = {
                { "none", 0 },     { "etconly", 1 },  { "usronly", 1 },       { "both", 1 },
                { "link", 1 },     { "dangling", 0 }, { "wrongdir", 0 },      { "missing", -ENOENT },
                { "regular", -ENOTDIR },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char path[256];
                snprintf(path, sizeof path, "%s/%s", base, cases[i].dir);
                check_int_eq(directory_has_os_release(path), cases[i].expected, "directory_has_os_release(%s)",
                             cases[i].dir);
        }
        /* A trailing slash on the path changes nothing. */
        char path[256];
        snprintf(path, sizeof path, "%s/usronly/", base);
        check_int_eq(directory_has_os_release(path), 1, "directory_has_os_release(usronly/)");

        /* Clean up, deepest first. */
        static const char *const files[] = {
                "etconly/etc/os-release", "usronly/usr/lib/os-release", "both/etc/os-release",
                "both/usr/lib/os-release", "link/usr/lib/os-release",   "link/etc/os-release",
                "dangling/etc/os-release", "wrongdir/usr/os-release",   "regular",
        };
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                (void) unlinkat(dfd, files[i], 0);
        for (size_t i = ELEMENTSOF(dirs); i > 0; i--)
                (void) unlinkat(dfd, dirs[i - 1], AT_REMOVEDIR);
        if (dfd >= 0)
                close(dfd);
        check_int_eq(rmdir(base) < 0 ? -errno : 0, 0, "the temporary directory is removed again");
}

int main(void) {
        test_machine_name_from_directory();
        test_directory_has_os_release();
        return tap_finish();
}
