/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "launcher.h"
#include "log.h"
#include "settings.h"
#include "verbs.h"

static void run_help(void) {
        printf("berth run [OPTIONS...] [--] [COMMAND [ARGS...]]\n\n"
               "Run a machine in the foreground: a command, or with --boot the image's own init.\n\n"
               "Image:\n"
               "  -D --directory=PATH       Root directory of the machine\n"
               "  -M --machine=NAME         Machine name; without -D, the image NAME in\n"
               "                            /var/lib/machines, /usr/local/lib/machines, /usr/lib/machines\n"
               "  -x --ephemeral            Run on a throw-away overlay layer over the image\n"
               "     --volatile[=MODE]      no, yes (tmpfs root, image /usr), state (tmpfs /var),\n"
               "                            overlay (tmpfs layer over the image)\n"
               "     --read-only            Mount the root read-only\n\n"
               "Execution:\n"
               "  -b --boot                 Boot the image's init (systemd); arguments go to it\n"
               "  -a --as-pid2              Run COMMAND as PID 2 under a small init\n"
               "     --chdir=PATH           Working directory inside the machine\n"
               "  -E --setenv=NAME[=VALUE]  Set an environment variable for the payload\n"
               "  -u --user=USER            Run as USER (from the image's /etc/passwd)\n"
               "     --hostname=NAME        Hostname (default: the machine name)\n"
               "     --uuid=UUID            Machine ID (default: the image's, or random)\n"
               "     --kill-signal=SIGNAL   Signal that stops the machine (default: SIGRTMIN+3\n"
               "                            with --boot, SIGKILL otherwise)\n\n"
               "Mounts:\n"
               "     --bind=SRC[:DST[:OPTS]]     Bind a host path (+PATH: a path in the image);\n"
               "     --bind-ro=SRC[:DST[:OPTS]]  OPTS: rbind (default) or norbind; idmap: with -U,\n"
               "                                 writes as host root (default noidmap: as the range)\n"
               "     --tmpfs=PATH[:OPTS]         Mount a tmpfs (default mode=0755)\n"
               "     --inaccessible=PATH         Make a path in the machine inaccessible\n"
               "     --overlay=LOWER[:...]:UPPER:DST, --overlay-ro=LOWER[:...]:DST\n"
               "                                 Mount an overlay of host directories\n\n"
               "Security:\n"
               "  -U                        Same as --private-users=pick: root inside is an\n"
               "                            unprivileged UID range of the host\n"
               "     --private-users=MODE   no (default for run), yes (the image's owner),\n"
               "                            pick, identity, UID[:COUNT]\n"
               "     --private-users-ownership=MODE\n"
               "                            auto (default: map unless chowned already), map\n"
               "                            (idmapped mount), chown (shift the image's files), off\n"
               "     --capability=CAPS      Keep these capabilities too (comma list, or all)\n"
               "     --drop-capability=CAPS Drop these capabilities\n"
               "     --no-new-privileges    Set the no_new_privs flag\n"
               "     --private-network      Own network namespace (loopback only)\n\n"
               "Credentials (in /run/host/credentials, $CREDENTIALS_DIRECTORY):\n"
               "     --set-credential=ID:VALUE  A credential's value, with C escapes (\\n, \\xHH, ...)\n"
               "     --load-credential=ID:PATH  A credential from a host file, or from berth's own\n"
               "                                credential PATH when it is not absolute\n\n"
               "Console and registration:\n"
               "     --console=MODE         interactive, read-only, passive, pipe, autopipe\n"
               "  -P --pipe                 Same as --console=pipe\n"
               "  -q --quiet                No messages from berth itself\n"
               "     --register=yes|no|auto Register with systemd-machined (auto: if it answers)\n"
               "     --keep-unit            Register the calling unit instead of a new scope\n"
               "     --link-journal=MODE    no, auto, host, try-host, guest, try-guest (with --boot)\n"
               "     --settings=MODE        yes, no, override, trusted: how NAME.berth/NAME.nspawn is used\n"
               "     --slice=SLICE          The machine scope's slice (default machine.slice)\n"
               "     --property=NAME=VALUE  A setting for the scope, e.g. MemoryMax=1G\n\n"
               "The exit status is the payload's. A booted machine that reboots exits 133.\n"
               "SIGTERM stops the machine with its kill signal; a second SIGTERM kills it.\n");
}

int verb_run(int argc, char **argv) {
        _cleanup_(settings_done) Settings s;
        _cleanup_free_ char *error = NULL;
        int r;

        settings_init(&s);
        r = settings_parse_run_argv(&s, argc, argv, &error);
        if (r == -ENOMEM)
                return log_oom(), 1;
        if (r < 0)
                return log_error("%s", error ?: "Invalid arguments."), 1;
        if (r > 0) {
                run_help();
                return 0;
        }

        if (s.quiet)
                log_set_max_level(LOG_WARNING);
        return launcher_run(&s);
}
