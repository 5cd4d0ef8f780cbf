/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "credential.h"
#include "macro.h"
#include "parse-util.h"

typedef enum StartMode {
        START_PID1,     /* COMMAND is PID 1 */
        START_PID2,     /* a stub init is PID 1, COMMAND is PID 2 */
        START_BOOT,     /* the image's own init is PID 1 */
        _START_MODE_MAX,
        _START_MODE_INVALID = -EINVAL,
} StartMode;

typedef enum VolatileMode {
        VOLATILE_NO,
        VOLATILE_YES,      /* tmpfs root, the image's /usr read-only */
        VOLATILE_STATE,    /* the image read-only, tmpfs /var */
        VOLATILE_OVERLAY,  /* overlayfs over the image, tmpfs upper */
        _VOLATILE_MODE_MAX,
        _VOLATILE_MODE_INVALID = -EINVAL,
} VolatileMode;

typedef enum ConsoleMode {
        CONSOLE_INTERACTIVE,
        CONSOLE_READ_ONLY,
        CONSOLE_PASSIVE,
        CONSOLE_PIPE,
        CONSOLE_AUTOPIPE,
        _CONSOLE_MODE_MAX,
        _CONSOLE_MODE_INVALID = -EINVAL,
} ConsoleMode;

typedef enum RegisterMode {
        REGISTER_NO,
        REGISTER_YES,
        REGISTER_AUTO,
        _REGISTER_MODE_MAX,
        _REGISTER_MODE_INVALID = -EINVAL,
} RegisterMode;

typedef enum UserNamespaceMode {
        USERNS_NO,
        USERNS_FIXED,      /* UID[:COUNT], or yes: the range from the owner of the image's root */
        USERNS_PICK,       /* a free range chosen from the machine name */
        USERNS_IDENTITY,   /* 0..65535 mapped to themselves: root inside is still not root outside */
        _USERNS_MODE_MAX,
        _USERNS_MODE_INVALID = -EINVAL,
} UserNamespaceMode;

typedef enum UserNamespaceOwnership {
        USERNS_OWNERSHIP_OFF,    /* the image as it is: files of host root show as nobody inside */
        USERNS_OWNERSHIP_CHOWN,  /* the image's files are shifted into the range, once */
        USERNS_OWNERSHIP_MAP,    /* the image is mounted through an idmapped mount */
        USERNS_OWNERSHIP_AUTO,   /* map, unless the image is owned by the range already */
        _USERNS_OWNERSHIP_MAX,
        _USERNS_OWNERSHIP_INVALID = -EINVAL,
} UserNamespaceOwnership;

#define UID_RANGE_DEFAULT UINT32_C(0x10000)
#define UID_SHIFT_FROM_IMAGE UINT32_MAX

typedef enum CustomMountType {
        CUSTOM_MOUNT_BIND,
        CUSTOM_MOUNT_TMPFS,
        CUSTOM_MOUNT_OVERLAY,
        CUSTOM_MOUNT_INACCESSIBLE,
        _CUSTOM_MOUNT_TYPE_MAX,
        _CUSTOM_MOUNT_TYPE_INVALID = -EINVAL,
} CustomMountType;

typedef struct CustomMount {
        CustomMountType type;
        bool read_only;
        bool recursive;          /* bind: rbind (default) or norbind */
        bool idmap;              /* bind: through an idmapped mount (root inside writes as host root) */
        char *source;            /* bind: host path, or NULL with source_in_root */
        bool source_in_root;     /* bind: "+PATH", relative to the machine's root */
        char *destination;       /* absolute, normalized path inside the machine */
        char *options;           /* tmpfs: mount options */
        char **lower;            /* overlay: lower layers, lowest first (host paths) */
        char *upper;             /* overlay: upper layer (host path); "" = temporary; NULL for -ro */
} CustomMount;

/* One bit for each setting the command line (or later a settings file) set. */
typedef enum SettingsMask {
        SETTING_START_MODE        = UINT64_C(1) << 0,
        SETTING_ENVIRONMENT       = UINT64_C(1) << 1,
        SETTING_USER              = UINT64_C(1) << 2,
        SETTING_CAPABILITY        = UINT64_C(1) << 3,
        SETTING_KILL_SIGNAL       = UINT64_C(1) << 4,
        SETTING_CUSTOM_MOUNTS     = UINT64_C(1) << 5,
        SETTING_WORKING_DIRECTORY = UINT64_C(1) << 6,
        SETTING_MACHINE_ID        = UINT64_C(1) << 7,
        SETTING_NETWORK           = UINT64_C(1) << 8,
        SETTING_VOLATILE_MODE     = UINT64_C(1) << 9,
        SETTING_READ_ONLY         = UINT64_C(1) << 10,
        SETTING_EPHEMERAL         = UINT64_C(1) << 11,
        SETTING_DIRECTORY         = UINT64_C(1) << 12,
        SETTING_HOSTNAME          = UINT64_C(1) << 13,
        SETTING_NO_NEW_PRIVILEGES = UINT64_C(1) << 14,
        SETTING_CONSOLE_MODE      = UINT64_C(1) << 15,
        SETTING_PARAMETERS        = UINT64_C(1) << 16,
        SETTING_LINK_JOURNAL      = UINT64_C(1) << 17,
        SETTING_CREDENTIALS       = UINT64_C(1) << 18,
        SETTING_USERNS            = UINT64_C(1) << 19,
        SETTING_USERNS_OWNERSHIP  = UINT64_C(1) << 20,
} SettingsMask;

typedef struct Settings {
        uint64_t mask;

        char *directory;
        char *machine;
        char *hostname;
        StartMode start_mode;
        char **parameters;       /* COMMAND and its arguments, or the init's arguments */
        char *working_directory;
        char **environment;      /* NAME=VALUE, as given by -E */
        char *user;
        Id128 uuid;              /* all zero when not given */
        int kill_signal;         /* 0: SIGRTMIN+3 with --boot, SIGKILL otherwise */

        CustomMount *custom_mounts;
        size_t n_custom_mounts;
        bool read_only;
        VolatileMode volatile_mode;
        bool ephemeral;

        uint64_t capability_add;
        uint64_t capability_drop;
        bool no_new_privileges;
        bool private_network;

        UserNamespaceMode userns_mode;
        uint32_t uid_shift;      /* USERNS_FIXED: the first host UID, or UID_SHIFT_FROM_IMAGE */
        uint32_t uid_range;      /* how many UIDs (and GIDs) are mapped */
        UserNamespaceOwnership userns_ownership;

        Credential *credentials;   /* --set-credential= and --load-credential=, in the order given */
        size_t n_credentials;

        ConsoleMode console_mode;  /* _CONSOLE_MODE_INVALID: decide from the terminal */
        bool quiet;
        RegisterMode register_mode;
        bool keep_unit;
        int link_journal;          /* LinkJournal (journal-link.h) */
        int settings_mode;         /* SettingsMode (settings-file.h): how a settings file is used */
        char *slice;               /* the scope's slice, with CreateMachine */
        char **properties;         /* NAME=VALUE for the scope, with CreateMachine */
} Settings;

void settings_init(Settings *s);
void settings_done(Settings *s);

const char *start_mode_to_string(StartMode m);
VolatileMode volatile_mode_from_string(const char *s);
const char *volatile_mode_to_string(VolatileMode m);
ConsoleMode console_mode_from_string(const char *s);
const char *console_mode_to_string(ConsoleMode m);
RegisterMode register_mode_from_string(const char *s);
const char *register_mode_to_string(RegisterMode m);
UserNamespaceOwnership userns_ownership_from_string(const char *s);
const char *userns_ownership_to_string(UserNamespaceOwnership o);
const char *userns_mode_to_string(UserNamespaceMode m);

/* --private-users= and PrivateUsers=: no, yes, pick, identity, UID or UID:COUNT. */
int private_users_parse(const char *s, UserNamespaceMode *ret_mode, uint32_t *ret_shift, uint32_t *ret_range);

/* Parsers of single option values. Pure: no I/O, no logging. */
int custom_mount_parse_bind(const char *spec, bool read_only, CustomMount *ret);
int custom_mount_parse_tmpfs(const char *spec, CustomMount *ret);
int custom_mount_parse_overlay(const char *spec, bool read_only, CustomMount *ret);
int custom_mount_parse_inaccessible(const char *spec, CustomMount *ret);
void custom_mount_done(CustomMount *m);
int settings_add_custom_mount(Settings *s, CustomMount *m); /* takes the contents of *m */
/* Takes the contents of *c; -EEXIST (leaving *c alone) when the ID is there already. */
int settings_add_credential(Settings *s, Credential *c);
/* Drops the credentials that are loaded (loaded true) or given (false); clears the mask bit when none is left. */
void settings_drop_credentials(Settings *s, bool loaded);

/* The capabilities the machine keeps: nspawn's default set, plus CAP_NET_ADMIN
 * with a private network, plus --capability=, minus --drop-capability=. */
uint64_t settings_effective_capabilities(const Settings *s);
uint64_t capability_default_set(void);

/* Parses "berth run" options (argv[0] is the verb). On error returns a negative
 * errno and sets *ret_error to one line naming the problem. Pure. */
int settings_parse_run_argv(Settings *s, int argc, char **argv, char **ret_error);

/* The options of a "berth run" argv (argv[0] is the verb) without --set-credential= and
 * --load-credential=, for a unit that passes the credentials its own way. Pure. */
int settings_run_argv_strip_credentials(int argc, char **argv, char ***ret);

/* Checks the combination of settings. Pure. */
int settings_verify(const Settings *s, char **ret_error);
