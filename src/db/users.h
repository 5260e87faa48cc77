/*
 * users: accounts, roles, passwords and tokens (DESIGN §5).
 *
 * Passwords are hashed with libsodium's argon2id (crypto_pwhash_str, interactive limits); tokens
 * are 32 random bytes shown once as "rm_" + base64url and stored only as their BLAKE2b hash, with
 * an expiry, a scope (read or write) and a revoked flag. Disabling a user or changing the role
 * revokes every token of that user in the same transaction, so the change takes effect at once.
 */
#ifndef RADMAP_USERS_H
#define RADMAP_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

#define USERS_TOKEN_CHARS 48   /* "rm_" + 43 base64url characters + NUL, rounded */
#define USERS_NAME_MAX 64

/* The roles, lowest privilege first. */
typedef enum user_role {
    ROLE_NONE = 0,
    ROLE_VIEWER,
    ROLE_INSPECTOR,
    ROLE_PLANNER,
    ROLE_COUNTER,
    ROLE_LICENSING,
    ROLE_LEADER,
    ROLE_ADMIN,
} user_role;

/* "viewer" -> ROLE_VIEWER ...; ROLE_NONE for an unknown name. */
user_role users_role_parse(const char *name);
const char *users_role_name(user_role r);
/* "viewer, inspector, ..." for messages. */
const char *users_role_list(void);

typedef struct user_info {
    int64_t id;
    char name[USERS_NAME_MAX + 1];
    user_role role;
    bool disabled;
    bool write_scope;      /* the token used allows writes */
    int64_t token_expires; /* the token's expiry, Unix seconds (users_lookup_token) */
} user_info;

/* Hash a password (slow on purpose: call off the server's connection threads). out must hold
 * crypto_pwhash_STRBYTES (128) bytes. 0 or -1 (out of memory). */
int users_hash_password(const char *password, char out[128]);
/* Check a password against a stored hash (slow, as above). */
bool users_verify_password(const char *password, const char *hash);

/* Create a user (password may be NULL: token access only). Validates the name (1-64 characters:
 * letters, digits, . _ -) and the role. 0 with *id, or -1 with err (409 when the name is taken). */
int users_add(db_conn *c, const char *name, user_role role, const char *password_hash, int64_t *id, rm_error *err);
/* Set disabled or the role, revoking the user's tokens. -1 with err 404 when there is no such user. */
int users_set_disabled(db_conn *c, const char *name, bool disabled, rm_error *err);
int users_set_role(db_conn *c, const char *name, user_role role, rm_error *err);
/* Issue a token for the user: kind "session" or "bearer", write scope or read-only, valid for
 * ttl_s seconds. token_out receives the token text (show it once; it is not kept). */
int users_issue_token(db_conn *c, int64_t user_id, const char *kind, bool write_scope, int64_t ttl_s,
                      const char *label, char token_out[USERS_TOKEN_CHARS], rm_error *err);
/* Resolve a presented token: 1 and *who filled when valid (not expired, not revoked, user not
 * disabled), 0 when not, -1 on a database error (err). */
int users_lookup_token(db_conn *c, const char *token, user_info *who, rm_error *err);
/* Revoke one presented token. */
int users_revoke_token(db_conn *c, const char *token, rm_error *err);
/* Look a user up by name for a login: 1 with *who and the password hash copied (hash_out 128 bytes),
 * 0 when no such enabled user with a password. */
int users_for_login(db_conn *c, const char *name, user_info *who, char hash_out[128], rm_error *err);

/* One demo account per role (demo.viewer ... demo.admin) with random passwords, written to out as
 * "name password role" lines. Inside the caller's transaction. 0 or -1 with err. */
#include <stdio.h>
int users_add_demo_accounts(db_conn *c, FILE *out, rm_error *err);

#endif
