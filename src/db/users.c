/*
 * users: accounts and tokens; see users.h.
 */
#include "db/users.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const role_names[] = {"none", "viewer", "inspector", "planner", "counter", "licensing",
                                         "leader", "admin"};

user_role users_role_parse(const char *name)
{
    for (int r = ROLE_VIEWER; r <= ROLE_ADMIN; r++)
        if (name && strcmp(name, role_names[r]) == 0)
            return (user_role)r;
    return ROLE_NONE;
}

const char *users_role_name(user_role r)
{
    return r >= ROLE_NONE && r <= ROLE_ADMIN ? role_names[r] : "none";
}

const char *users_role_list(void) { return "viewer, inspector, planner, counter, licensing, leader, admin"; }

int users_hash_password(const char *password, char out[128])
{
    if (sodium_init() < 0)
        return -1;
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

bool users_verify_password(const char *password, const char *hash)
{
    if (sodium_init() < 0)
        return false;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > USERS_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            return 0;
    return 1;
}

int users_add(db_conn *c, const char *name, user_role role, const char *password_hash, int64_t *id, rm_error *err)
{
    if (!valid_name(name))
        return rm_error_set(err, 422, "Invalid user name",
                            "a user name is 1 to %d letters, digits, '.', '_' or '-'", USERS_NAME_MAX);
    if (role == ROLE_NONE)
        return rm_error_set(err, 422, "Invalid role", "role must be one of: %s", users_role_list());
    sqlite3_stmt *st = db_stmt(c, "INSERT INTO app_user(name, role, password_hash) VALUES (?, ?, ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, users_role_name(role), -1, SQLITE_STATIC);
    if (password_hash)
        sqlite3_bind_text(st, 3, password_hash, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if ((s & 0xff) == SQLITE_CONSTRAINT)
        return rm_error_set(err, 409, "User exists", "a user named %s exists already", name);
    if (s != SQLITE_DONE)
        return db_error(c, err, 500, "adding a user");
    if (id)
        *id = sqlite3_last_insert_rowid(db_sqlite(c));
    return 0;
}

static int update_user(db_conn *c, const char *sql, const char *name, const char *value, int ivalue, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(c, sql, err);
    if (!st)
        return -1;
    if (value)
        sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int(st, 1, ivalue);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE)
        return db_error(c, err, 500, "updating a user");
    if (sqlite3_changes(db_sqlite(c)) == 0)
        return rm_error_set(err, 404, "No such user", "there is no user named %s", name);
    st = db_stmt(c, "UPDATE token SET revoked = 1 WHERE user_id = (SELECT id FROM app_user WHERE name = ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(c, err, 500, "revoking tokens");
}

int users_set_disabled(db_conn *c, const char *name, bool disabled, rm_error *err)
{
    if (db_exec(c, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    if (update_user(c, "UPDATE app_user SET disabled = ? WHERE name = ?", name, NULL, disabled, err) < 0) {
        db_exec(c, "ROLLBACK", NULL);
        return -1;
    }
    return db_exec(c, "COMMIT", err);
}

int users_set_role(db_conn *c, const char *name, user_role role, rm_error *err)
{
    if (role == ROLE_NONE)
        return rm_error_set(err, 422, "Invalid role", "role must be one of: %s", users_role_list());
    if (db_exec(c, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    if (update_user(c, "UPDATE app_user SET role = ? WHERE name = ?", name, users_role_name(role), 0, err) < 0) {
        db_exec(c, "ROLLBACK", NULL);
        return -1;
    }
    return db_exec(c, "COMMIT", err);
}

/* Hex BLAKE2b-256 of the token text. */
static void token_hash(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

int users_issue_token(db_conn *c, int64_t user_id, const char *kind, bool write_scope, int64_t ttl_s,
                      const char *label, char token_out[USERS_TOKEN_CHARS], rm_error *err)
{
    if (sodium_init() < 0)
        return rm_error_set(err, 500, "Crypto unavailable", "libsodium could not start");
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(token_out, "rm_", 3);
    sodium_bin2base64(token_out + 3, USERS_TOKEN_CHARS - 3, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char hash[65];
    token_hash(token_out, hash);
    sqlite3_stmt *st = db_stmt(c, "INSERT INTO token(user_id, hash, kind, scope, label, expires_at) VALUES "
                                  "(?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?))", err);
    if (!st)
        return -1;
    char ttl[32];
    snprintf(ttl, sizeof ttl, "+%lld seconds", (long long)ttl_s);
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, write_scope ? "write" : "read", -1, SQLITE_STATIC);
    if (label)
        sqlite3_bind_text(st, 5, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ttl, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    sodium_memzero(raw, sizeof raw);
    return s == SQLITE_DONE ? 0 : db_error(c, err, 500, "issuing a token");
}

int users_lookup_token(db_conn *c, const char *token, user_info *who, rm_error *err)
{
    if (!token || strncmp(token, "rm_", 3) != 0 || strlen(token) > 64)
        return 0;
    char hash[65];
    token_hash(token, hash);
    sqlite3_stmt *st = db_stmt(c,
        "SELECT u.id, u.name, u.role, t.scope, CAST(strftime('%s', t.expires_at) AS INTEGER) "
        "FROM token t JOIN app_user u ON u.id = t.user_id "
        "WHERE t.hash = ? AND t.revoked = 0 AND u.disabled = 0 "
        "AND t.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ','now')", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    int rc = 0;
    if (s == SQLITE_ROW) {
        memset(who, 0, sizeof *who);
        who->id = sqlite3_column_int64(st, 0);
        snprintf(who->name, sizeof who->name, "%s", (const char *)sqlite3_column_text(st, 1));
        who->role = users_role_parse((const char *)sqlite3_column_text(st, 2));
        who->write_scope = strcmp((const char *)sqlite3_column_text(st, 3), "write") == 0;
        who->token_expires = sqlite3_column_int64(st, 4);
        rc = 1;
    } else if (s != SQLITE_DONE) {
        rc = db_error(c, err, 503, "checking a token");
    }
    db_stmt_done(st);
    return rc;
}

int users_revoke_token(db_conn *c, const char *token, rm_error *err)
{
    char hash[65];
    token_hash(token, hash);
    sqlite3_stmt *st = db_stmt(c, "UPDATE token SET revoked = 1 WHERE hash = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(c, err, 500, "revoking a token");
}

int users_for_login(db_conn *c, const char *name, user_info *who, char hash_out[128], rm_error *err)
{
    sqlite3_stmt *st = db_stmt(c, "SELECT id, name, role, password_hash FROM app_user "
                                  "WHERE name = ? AND disabled = 0 AND password_hash IS NOT NULL", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW) {
        memset(who, 0, sizeof *who);
        who->id = sqlite3_column_int64(st, 0);
        snprintf(who->name, sizeof who->name, "%s", (const char *)sqlite3_column_text(st, 1));
        who->role = users_role_parse((const char *)sqlite3_column_text(st, 2));
        who->write_scope = true;
        snprintf(hash_out, 128, "%s", (const char *)sqlite3_column_text(st, 3));
        rc = 1;
    } else if (s != SQLITE_DONE) {
        rc = db_error(c, err, 503, "looking up a user");
    }
    db_stmt_done(st);
    return rc;
}

int users_add_demo_accounts(db_conn *c, FILE *out, rm_error *err)
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
    if (sodium_init() < 0)
        return rm_error_set(err, 500, "Crypto unavailable", "libsodium could not start");
    for (int r = ROLE_VIEWER; r <= ROLE_ADMIN; r++) {
        char name[32], password[16], hash[128];
        snprintf(name, sizeof name, "demo.%s", users_role_name((user_role)r));
        for (size_t i = 0; i < 12; i++)
            password[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
        password[12] = 0;
        if (users_hash_password(password, hash) < 0)
            return rm_error_set(err, 500, "Hash failed", "cannot hash a password");
        if (users_add(c, name, (user_role)r, hash, NULL, err) < 0)
            return -1;
        fprintf(out, "%-18s %-14s %s\n", name, password, users_role_name((user_role)r));
    }
    return 0;
}
