/*
 * Unit tests of db/users on a fresh register: role names, argon2id password hashes (salted, slow
 * on purpose, verified), user names and roles validated, tokens (shape, stored only as a hash,
 * scope, expiry, revocation), disabling a user or changing the role revoking every token at once
 * (and enabling not bringing them back), sign-in lookups, and the demo accounts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "tmpdb.h"
#include "db/migrate.h"
#include "db/users.h"

typedef struct fixture {
    char dir[256];
    char path[300];
    db_conn *c;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tmpdb_make("users", f->dir, sizeof f->dir, f->path, sizeof f->path), 0);
    rm_error err = {0};
    if (db_open(f->path, DB_READWRITE | DB_CREATE, &f->c, &err) < 0 || migrate_apply(f->c, 0, NULL, &err) < 0) {
        print_error("cannot create a register: %s\n", err.detail);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_close(f->c);
    tmpdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

static int64_t add(db_conn *c, const char *name, user_role role, const char *password)
{
    char hash[128];
    if (password)
        assert_int_equal(users_hash_password(password, hash), 0);
    int64_t id = 0;
    rm_error err = {0};
    if (users_add(c, name, role, password ? hash : NULL, &id, &err) != 0) {
        print_error("users_add %s: %s\n", name, err.detail);
        fail();
    }
    assert_true(id > 0);
    return id;
}

static void issue(db_conn *c, int64_t uid, bool write, int64_t ttl, char tok[USERS_TOKEN_CHARS])
{
    rm_error err = {0};
    assert_int_equal(users_issue_token(c, uid, "bearer", write, ttl, "unit test", tok, &err), 0);
}

static int lookup(db_conn *c, const char *tok, user_info *who)
{
    rm_error err = {0};
    user_info tmp;
    return users_lookup_token(c, tok, who ? who : &tmp, &err);
}

static void test_roles(void **state)
{
    (void)state;
    static const char *const names[] = {"viewer", "inspector", "planner", "counter", "licensing", "leader", "admin"};
    for (int i = 0; i < 7; i++) {
        user_role r = users_role_parse(names[i]);
        assert_int_equal(r, ROLE_VIEWER + i);
        assert_string_equal(users_role_name(r), names[i]);
        assert_non_null(strstr(users_role_list(), names[i]));
    }
    static const char *const bad[] = {"", "Admin", "public", "none", "admin ", "root"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(users_role_parse(bad[i]), ROLE_NONE);
    assert_int_equal(users_role_parse(NULL), ROLE_NONE);
    assert_string_equal(users_role_name(ROLE_NONE), "none");
    assert_string_equal(users_role_name((user_role)42), "none");
    assert_string_equal(users_role_name((user_role)-1), "none");
}

static void test_password_hashes(void **state)
{
    (void)state;
    char a[128], b[128];
    assert_int_equal(users_hash_password("đúng mật khẩu 123", a), 0);
    assert_int_equal(users_hash_password("đúng mật khẩu 123", b), 0);
    assert_int_equal(strncmp(a, "$argon2id$", 10), 0);
    assert_string_not_equal(a, b); /* salted */
    assert_null(strstr(a, "đúng"));
    assert_true(users_verify_password("đúng mật khẩu 123", a));
    assert_true(users_verify_password("đúng mật khẩu 123", b));
    assert_false(users_verify_password("đúng mật khẩu 124", a));
    assert_false(users_verify_password("", a));
    assert_false(users_verify_password("đúng mật khẩu 123", "not a hash"));
}

static void test_names_and_roles_validated(void **state)
{
    fixture *f = *state;
    char long_name[80];
    memset(long_name, 'a', 65);
    long_name[65] = 0;
    static const char *bad[] = {"", "a b", "x;drop", "tên", "a/b", "a'b", NULL};
    bad[6] = long_name;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rm_error err = {0};
        assert_int_equal(users_add(f->c, bad[i], ROLE_VIEWER, NULL, NULL, &err), -1);
        assert_int_equal(err.status, 422);
    }
    long_name[64] = 0;
    add(f->c, long_name, ROLE_VIEWER, NULL);
    add(f->c, "Ok.name_1-2", ROLE_ADMIN, NULL);
    rm_error err = {0};
    assert_int_equal(users_add(f->c, "norole", ROLE_NONE, NULL, NULL, &err), -1);
    assert_int_equal(err.status, 422);
    rm_error_clear(&err);
    assert_int_equal(users_add(f->c, "Ok.name_1-2", ROLE_VIEWER, NULL, NULL, &err), -1);
    assert_int_equal(err.status, 409);
}

static void test_tokens(void **state)
{
    fixture *f = *state;
    int64_t uid = add(f->c, "script", ROLE_LICENSING, NULL);
    char rw[USERS_TOKEN_CHARS], ro[USERS_TOKEN_CHARS];
    issue(f->c, uid, true, 3600, rw);
    issue(f->c, uid, false, 3600, ro);
    for (const char *t = rw; t; t = t == rw ? ro : NULL) {
        assert_int_equal(strlen(t), 46);
        assert_int_equal(strncmp(t, "rm_", 3), 0);
        for (const char *p = t + 3; *p; p++)
            assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                        *p == '-' || *p == '_');
    }
    assert_string_not_equal(rw, ro);
    user_info who;
    assert_int_equal(lookup(f->c, rw, &who), 1);
    assert_int_equal(who.id, uid);
    assert_string_equal(who.name, "script");
    assert_int_equal(who.role, ROLE_LICENSING);
    assert_true(who.write_scope);
    assert_int_equal(lookup(f->c, ro, &who), 1);
    assert_false(who.write_scope);
    /* Stored as a hash only. */
    sqlite3_stmt *st = db_stmt(f->c, "SELECT count(*) FROM token WHERE hash = ?1 OR label = ?1 OR instr(hash, ?2) > 0",
                               NULL);
    sqlite3_bind_text(st, 1, rw, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rw + 3, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    db_stmt_done(st);
    /* Anything else is no token. */
    char altered[USERS_TOKEN_CHARS];
    snprintf(altered, sizeof altered, "%s", rw);
    altered[10] = altered[10] == 'A' ? 'B' : 'A';
    char longer[128];
    snprintf(longer, sizeof longer, "%s%s", rw, rw);
    const char *bad[] = {NULL, "", "rm_", "abc", rw + 1, altered, longer, "RM_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(lookup(f->c, bad[i], NULL), 0);
    /* Revoking one leaves the other. */
    rm_error err = {0};
    assert_int_equal(users_revoke_token(f->c, rw, &err), 0);
    assert_int_equal(lookup(f->c, rw, NULL), 0);
    assert_int_equal(lookup(f->c, ro, NULL), 1);
}

static void test_expired_token(void **state)
{
    fixture *f = *state;
    int64_t uid = add(f->c, "old", ROLE_VIEWER, NULL);
    char t[USERS_TOKEN_CHARS], t2[USERS_TOKEN_CHARS], t3[USERS_TOKEN_CHARS];
    issue(f->c, uid, true, 0, t); /* expires the moment it is issued */
    issue(f->c, uid, true, 3600, t2);
    issue(f->c, uid, true, 3600, t3);
    assert_int_equal(lookup(f->c, t, NULL), 0);
    assert_int_equal(lookup(f->c, t2, NULL), 1);
    /* One that was valid and has run out. */
    rm_error err = {0};
    assert_int_equal(db_exec(f->c, "UPDATE token SET expires_at = '2020-01-01T00:00:00Z' WHERE id = "
                                   "(SELECT max(id) FROM token)", &err), 0);
    assert_int_equal(lookup(f->c, t3, NULL), 0);
    assert_int_equal(lookup(f->c, t2, NULL), 1);
}

static void test_disable_revokes_everything(void **state)
{
    fixture *f = *state;
    int64_t uid = add(f->c, "staff", ROLE_INSPECTOR, "mật khẩu dài 1");
    int64_t other = add(f->c, "colleague", ROLE_INSPECTOR, NULL);
    char a[USERS_TOKEN_CHARS], b[USERS_TOKEN_CHARS], c[USERS_TOKEN_CHARS];
    issue(f->c, uid, true, 3600, a);
    rm_error err = {0};
    assert_int_equal(users_issue_token(f->c, uid, "session", true, 3600, "web session", b, &err), 0);
    issue(f->c, other, true, 3600, c);
    user_info who;
    char hash[128];
    assert_int_equal(users_for_login(f->c, "staff", &who, hash, &err), 1);
    assert_true(users_verify_password("mật khẩu dài 1", hash));

    assert_int_equal(users_set_disabled(f->c, "staff", true, &err), 0);
    assert_int_equal(lookup(f->c, a, NULL), 0);
    assert_int_equal(lookup(f->c, b, NULL), 0);
    assert_int_equal(lookup(f->c, c, NULL), 1); /* only that user */
    assert_int_equal(users_for_login(f->c, "staff", &who, hash, &err), 0);
    /* A token issued while disabled does not work either. */
    char d[USERS_TOKEN_CHARS];
    issue(f->c, uid, true, 3600, d);
    assert_int_equal(lookup(f->c, d, NULL), 0);

    assert_int_equal(users_set_disabled(f->c, "staff", false, &err), 0);
    assert_int_equal(lookup(f->c, a, NULL), 0); /* revoked for good */
    assert_int_equal(lookup(f->c, b, NULL), 0);
    assert_int_equal(users_for_login(f->c, "staff", &who, hash, &err), 1);
    char e[USERS_TOKEN_CHARS];
    issue(f->c, uid, true, 3600, e);
    assert_int_equal(lookup(f->c, e, NULL), 1);

    rm_error_clear(&err);
    assert_int_equal(users_set_disabled(f->c, "nobody", true, &err), -1);
    assert_int_equal(err.status, 404);
}

static void test_set_role_revokes(void **state)
{
    fixture *f = *state;
    int64_t uid = add(f->c, "clerk", ROLE_COUNTER, NULL);
    char a[USERS_TOKEN_CHARS];
    issue(f->c, uid, true, 3600, a);
    rm_error err = {0};
    assert_int_equal(users_set_role(f->c, "clerk", ROLE_LICENSING, &err), 0);
    assert_int_equal(lookup(f->c, a, NULL), 0);
    char b[USERS_TOKEN_CHARS];
    issue(f->c, uid, true, 3600, b);
    user_info who;
    assert_int_equal(lookup(f->c, b, &who), 1);
    assert_int_equal(who.role, ROLE_LICENSING);
    assert_int_equal(users_set_role(f->c, "clerk", ROLE_NONE, &err), -1);
    assert_int_equal(err.status, 422);
    assert_int_equal(lookup(f->c, b, NULL), 1);
    rm_error_clear(&err);
    assert_int_equal(users_set_role(f->c, "ghost", ROLE_ADMIN, &err), -1);
    assert_int_equal(err.status, 404);
}

static void test_login_lookup(void **state)
{
    fixture *f = *state;
    add(f->c, "tokenonly", ROLE_VIEWER, NULL);
    add(f->c, "person", ROLE_LEADER, "another password");
    user_info who;
    char hash[128];
    rm_error err = {0};
    assert_int_equal(users_for_login(f->c, "tokenonly", &who, hash, &err), 0);
    assert_int_equal(users_for_login(f->c, "nobody", &who, hash, &err), 0);
    assert_int_equal(users_for_login(f->c, "PERSON", &who, hash, &err), 0);
    assert_int_equal(users_for_login(f->c, "person", &who, hash, &err), 1);
    assert_string_equal(who.name, "person");
    assert_int_equal(who.role, ROLE_LEADER);
    assert_true(users_verify_password("another password", hash));
}

static void test_demo_accounts(void **state)
{
    fixture *f = *state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    rm_error err = {0};
    assert_int_equal(db_exec(f->c, "BEGIN IMMEDIATE", &err), 0);
    assert_int_equal(users_add_demo_accounts(f->c, out, &err), 0);
    assert_int_equal(db_exec(f->c, "COMMIT", &err), 0);
    fclose(out);
    static const char *const roles[] = {"viewer", "inspector", "planner", "counter", "licensing", "leader", "admin"};
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[80], pw[80], role[40];
        assert_int_equal(sscanf(line, "%79s %79s %39s", name, pw, role), 3);
        assert_true(n < 7);
        assert_string_equal(role, roles[n]);
        char want[80];
        snprintf(want, sizeof want, "demo.%s", roles[n]);
        assert_string_equal(name, want);
        assert_true(strlen(pw) >= 12);
        user_info who;
        char hash[128];
        assert_int_equal(users_for_login(f->c, name, &who, hash, &err), 1);
        assert_int_equal(who.role, users_role_parse(role));
        assert_null(strstr(hash, pw));
        if (n == 0 || n == 6) /* argon2 is slow on purpose: check two of them */
            assert_true(users_verify_password(pw, hash));
        n++;
    }
    assert_int_equal(n, 7);
    free(text);
}

int main(void)
{
    db_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_password_hashes),
        cmocka_unit_test_setup_teardown(test_names_and_roles_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_revokes_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_role_revokes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_accounts, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    db_global_shutdown();
    return rc;
}
