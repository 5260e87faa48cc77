/*
 * auth: caller resolution, route authorisation and the /auth routes; see auth.h.
 *
 * Logins: the password check (argon2id, deliberately slow) runs on the job pool (http/jobs.h), never
 * on a connection thread. Repeated failures for one name are slowed down: after 3 failures, each
 * further attempt must wait 2^(n-3) seconds (at most 5 minutes), answered 429 with Retry-After, and
 * an unknown name costs the same hash as a known one so that timing does not reveal which names exist.
 */
#include "api/auth.h"

#include <jansson.h>
#include <sodium.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "api/state.h"
#include "core/json.h"
#include "http/jobs.h"

vis_class auth_class_of_role(int role)
{
    switch (role) {
    case ROLE_NONE: return VIS_PUBLIC;
    case ROLE_VIEWER:
    case ROLE_COUNTER: return VIS_VIEWER;
    default: return VIS_FULL;
    }
}

vis_class api_caller_class(http_request *req)
{
    auth_resolve(req, NULL);
    return auth_class_of_role(req->user_id ? req->role : ROLE_NONE);
}

/* The session cookie's value in a Cookie header, copied into out. */
static const char *cookie_token(const char *cookie, char *out, size_t cap)
{
    if (!cookie)
        return NULL;
    size_t nl = strlen(AUTH_COOKIE);
    for (const char *p = cookie; (p = strstr(p, AUTH_COOKIE)) != NULL; p += nl) {
        if ((p != cookie && p[-1] != ' ' && p[-1] != ';') || p[nl] != '=')
            continue;
        const char *v = p + nl + 1;
        size_t n = strcspn(v, ";");
        if (n == 0 || n >= cap)
            return NULL;
        memcpy(out, v, n);
        out[n] = 0;
        return out;
    }
    return NULL;
}

/*
 * Tokens resolved on this thread, so that a request that reads nothing else from the database (a
 * cached tile) does not need a transaction to check its token. An entry holds while its
 * connection's generation (db_generation: any commit, here or in another process) is the one it
 * was read under and the token has not expired: a revocation, a disabled user or a changed role is
 * a write, so the next request looks the token up again. Keyed by a hash of the token, compared in
 * constant time; only valid tokens are kept.
 */
#define TOKEN_CACHE 8
typedef struct token_entry {
    unsigned char key[16];
    const db_conn *db;
    uint64_t generation;
    user_info who;
} token_entry;
static _Thread_local token_entry token_cache[TOKEN_CACHE];
static _Thread_local unsigned token_next;

static void token_key(const char *token, unsigned char key[16])
{
    crypto_generichash(key, 16, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* 1 with *who from the cache, 0 when it must be looked up. *gen is the generation taken before
 * any lookup, under which its answer is remembered: a commit after it makes the entry miss. */
static int token_cached(db_conn *db, const char *token, user_info *who, uint64_t *gen_out)
{
    unsigned char key[16];
    token_key(token, key);
    uint64_t gen = db_generation(db);
    *gen_out = gen;
    int64_t now = (int64_t)time(NULL);
    for (int i = 0; i < TOKEN_CACHE; i++) {
        token_entry *e = &token_cache[i];
        if (e->db == db && sodium_memcmp(e->key, key, sizeof key) == 0) {
            if (e->generation != gen || now >= e->who.token_expires) {
                e->db = NULL;
                return 0;
            }
            *who = e->who;
            return 1;
        }
    }
    return 0;
}

static void token_remember(db_conn *db, const char *token, const user_info *who, uint64_t gen)
{
    token_entry *e = &token_cache[token_next++ % TOKEN_CACHE];
    token_key(token, e->key);
    e->db = db;
    e->generation = gen;
    e->who = *who;
}

int auth_resolve(http_request *req, rm_error *err)
{
    if (req->auth_resolved)
        return req->auth_resolved < 0 ? rm_error_set(err, 401, "Unauthorized", "the token presented is invalid, "
                                                     "expired or revoked; sign in again") : 0;
    req->auth_resolved = 1;
    static _Thread_local char tok[96];
    const char *token = NULL;
    const char *h = http_header(req, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        buf_strcpy(tok, sizeof tok, h + 7);
        token = tok;
    } else if (!h) {
        token = cookie_token(http_header(req, "Cookie"), tok, sizeof tok);
    } else {
        req->auth_resolved = -1;
        return rm_error_set(err, 401, "Unauthorized", "only Bearer tokens are accepted in Authorization");
    }
    if (!token)
        return 0;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    user_info who;
    uint64_t gen;
    int r = token_cached(db, token, &who, &gen);
    if (r == 0) {
        r = users_lookup_token(db, token, &who, err);
        if (r < 0)
            return -1;
        if (r == 1)
            token_remember(db, token, &who, gen);
    }
    if (r == 0) {
        req->auth_resolved = -1;
        return rm_error_set(err, 401, "Unauthorized", "the token presented is invalid, expired or revoked; "
                            "sign in again");
    }
    req->user_id = who.id;
    buf_strcpy(req->user_name, sizeof req->user_name, who.name);
    req->role = who.role;
    req->write_scope = who.write_scope;
    req->token = token;
    return 0;
}

bool auth_may(http_request *req, unsigned roles)
{
    if (roles & R_OPEN)
        return true;
    if (auth_resolve(req, NULL) < 0)
        return false;
    if (!req->user_id)
        return (roles & R_PUBLIC) && req->config->public_access;
    return (roles & (1u << req->role)) != 0;
}

int auth_authorize(http_request *req, const http_route *route, rm_error *err)
{
    if (route->roles & R_OPEN) {
        auth_resolve(req, NULL); /* an invalid token on an open route is simply ignored */
        return 0;
    }
    if (auth_resolve(req, err) < 0)
        return -1;
    bool write = req->method != HTTP_GET && req->method != HTTP_HEAD && req->method != HTTP_OPTIONS &&
                 !(route->roles & R_QUERY);
    if (!req->user_id) {
        if ((route->roles & R_PUBLIC) && req->config->public_access && !write)
            return 0;
        http_set_header(req, "WWW-Authenticate", "Bearer realm=\"radmap\"");
        return rm_error_set(err, 401, "Unauthorized", "sign in first (POST /auth/login) or send a bearer token");
    }
    if (!(route->roles & (1u << req->role)))
        return rm_error_set(err, 403, "Forbidden", "the %s role may not %s %s", users_role_name(req->role),
                            req->method_name, req->path);
    if (write && !req->write_scope)
        return rm_error_set(err, 403, "Forbidden", "this token is read-only");
    return 0;
}

/* ---- failed-login throttle ---- */

#define THROTTLE_BUCKETS 1024
#define THROTTLE_WAYS 8

typedef struct throttle_slot {
    char name[USERS_NAME_MAX + 1];
    int failures;
    time_t until;
    time_t last;
} throttle_slot;

/* Process-wide by nature (failed sign-ins of a name from any connection), behind its own lock. */
static throttle_slot throttle[THROTTLE_BUCKETS][THROTTLE_WAYS];
static pthread_mutex_t throttle_mu = PTHREAD_MUTEX_INITIALIZER;

/* The slot of name: its own, else the free or least recently used one of its bucket. A name is
 * forgotten only when THROTTLE_WAYS other names of its bucket failed after it, which an attacker
 * cannot aim for without knowing the key. */
static throttle_slot *throttle_find(const char *name)
{
    static uint64_t key;
    if (!key) {
        uint64_t k;
        randombytes_buf(&k, sizeof k);
        key = k | 1;
    }
    uint64_t h = key;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    throttle_slot *b = throttle[h % THROTTLE_BUCKETS], *victim = &b[0];
    for (int i = 0; i < THROTTLE_WAYS; i++) {
        if (strcmp(b[i].name, name) == 0)
            return &b[i];
        if (b[i].last < victim->last)
            victim = &b[i];
    }
    memset(victim, 0, sizeof *victim);
    snprintf(victim->name, sizeof victim->name, "%s", name);
    victim->last = time(NULL);
    return victim;
}

/* Seconds to wait before name may try again (0: now). */
static long throttle_wait(const char *name)
{
    pthread_mutex_lock(&throttle_mu);
    throttle_slot *s = throttle_find(name);
    long w = s->until > time(NULL) ? (long)(s->until - time(NULL)) : 0;
    pthread_mutex_unlock(&throttle_mu);
    return w;
}

static void throttle_record(const char *name, bool ok)
{
    pthread_mutex_lock(&throttle_mu);
    throttle_slot *s = throttle_find(name);
    s->last = time(NULL);
    if (ok) {
        s->failures = 0;
        s->until = 0;
    } else if (++s->failures >= 3) {
        int e = s->failures - 3;
        long wait = e >= 9 ? 300 : 1L << e;
        s->until = time(NULL) + (wait > 300 ? 300 : wait);
    }
    pthread_mutex_unlock(&throttle_mu);
}

typedef struct login_job {
    char name[USERS_NAME_MAX + 1];
    char *password;
    int ok;                    /* 1 signed in, 0 wrong, -1 error */
    rm_error err;
    user_info who;
    char token[USERS_TOKEN_CHARS];
} login_job;

static void login_job_free(void *p)
{
    login_job *j = p;
    if (j->password) {
        memset(j->password, 0, strlen(j->password));
        free(j->password);
    }
    free(j);
}

/* Dummy hash so an unknown name costs as much as a wrong password. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9Jb8QbL6mXlHn4a1mZl6vCq5fB5Jk0s8d4mH1n8W2Ao";

static void login_work(http_request *req)
{
    login_job *j = req->job_data;
    char hash[128];
    j->ok = -1;
    db_conn *db = http_thread_db(req, &j->err);
    if (!db)
        return;
    int found = users_for_login(db, j->name, &j->who, hash, &j->err);
    if (found < 0)
        return;
    bool good = users_verify_password(j->password, found ? hash : dummy_hash) && found;
    throttle_record(j->name, good);
    if (!good) {
        j->ok = 0;
        return;
    }
    app_state *app = app_state_of(req);
    db_conn *w = app_writer_lock(app, &j->err);
    if (!w)
        return;
    int r = users_issue_token(w, j->who.id, "session", true, AUTH_SESSION_TTL_S, "web session", j->token, &j->err);
    app_writer_unlock(app);
    j->ok = r == 0 ? 1 : -1;
}

static int login_finish(http_request *req, rm_error *err)
{
    login_job *j = req->job_data;
    if (j->ok < 0) {
        *err = j->err;
        return -1;
    }
    if (j->ok == 0)
        return rm_error_set(err, 401, "Sign-in failed", "wrong user name or password");
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", AUTH_COOKIE,
             j->token, AUTH_SESSION_TTL_S, req->config->tls ? "; Secure" : "");
    http_set_header(req, "Set-Cookie", cookie);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "token", j->token);
    json_kv_str(&w, "token_type", "Bearer");
    json_kv_int(&w, "expires_in", AUTH_SESSION_TTL_S);
    json_key(&w, "user");
    json_obj_begin(&w);
    json_kv_str(&w, "name", j->who.name);
    json_kv_str(&w, "role", users_role_name(j->who.role));
    json_obj_end(&w);
    json_obj_end(&w);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}

int api_login(http_request *req, rm_error *err)
{
    const char *ct = http_header(req, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return rm_error_set(err, 415, "Unsupported Media Type", "send the sign-in as application/json "
                            "{\"name\": ..., \"password\": ...}");
    json_error_t je;
    json_t *body = json_loadb(req->body.data ? req->body.data : "", req->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!body)
        return rm_error_set(err, 400, "Malformed JSON", "line %d column %d: %s", je.line, je.column, je.text);
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *password = json_string_value(json_object_get(body, "password"));
    if (!json_is_object(body) || !name || !password || !*name || strlen(name) > USERS_NAME_MAX ||
        strlen(password) > 1024) {
        json_decref(body);
        return rm_error_set(err, 400, "Invalid sign-in", "the body must be {\"name\": string (1-%d characters), "
                            "\"password\": string (at most 1024 characters)}", USERS_NAME_MAX);
    }
    long wait = throttle_wait(name);
    if (wait > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%ld", wait);
        http_set_header(req, "Retry-After", ra);
        rm_error_set(err, 429, "Too Many Requests", "too many failed sign-ins for %s; try again in %ld s", name,
                     wait);
        json_decref(body);
        return -1;
    }
    login_job *j = calloc(1, sizeof *j);
    if (!j) {
        json_decref(body);
        return rm_error_set(err, 500, "Out of memory", "signing in");
    }
    snprintf(j->name, sizeof j->name, "%s", name);
    j->password = strdup(password);
    json_decref(body);
    req->job_data = j;
    req->job_data_free = login_job_free;
    if (http_defer(req, login_work, login_finish, err) < 0)
        return -1;
    return HTTP_DEFERRED;
}

int api_logout(http_request *req, rm_error *err)
{
    if (!req->user_id || !req->token)
        return rm_error_set(err, 401, "Unauthorized", "not signed in");
    app_state *app = app_state_of(req);
    db_conn *w = app_writer_lock(app, err);
    if (!w)
        return -1;
    int r = users_revoke_token(w, req->token, err);
    app_writer_unlock(app);
    if (r < 0)
        return -1;
    char cookie[128];
    snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", AUTH_COOKIE);
    http_set_header(req, "Set-Cookie", cookie);
    req->no_etag = true;
    http_reply(req, 204, NULL);
    return 0;
}

int api_me(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_bool(&w, "signed_in", req->user_id != 0);
    if (req->user_id) {
        json_kv_str(&w, "name", req->user_name);
        json_kv_str(&w, "role", users_role_name(req->role));
        json_kv_bool(&w, "write_scope", req->write_scope);
    } else {
        json_kv_bool(&w, "public_access", req->config->public_access);
    }
    static const char *const class_names[] = {"public", "viewer", "full"};
    json_kv_str(&w, "visibility", class_names[api_caller_class(req)]);
    json_obj_end(&w);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}
