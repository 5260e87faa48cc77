/*
 * crosswalk: old district and ward to 2025 ward; see crosswalk.h.
 */
#include "io/crosswalk.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/embed.h"
#include "core/fold.h"

/* Words that name the level, not the place (folded). Multi-word ones first. */
static const char *const level_words[] = {"thanh pho", "thi xa", "thi tran", "quan", "huyen", "phuong", "xa", "tp",
                                          "tx", "tt", "q", "p", "h", "x", NULL};

void crosswalk_key(const char *name, buf *out)
{
    char *f = fold_dup(name ? name : "");
    char *p = f;
    /* Drop leading level words (possibly several: "TP. Thủ Đức" -> "thu duc"). */
    for (int again = 1; again;) {
        again = 0;
        for (const char *const *w = level_words; *w; w++) {
            size_t n = strlen(*w);
            if (strncmp(p, *w, n) == 0 && (p[n] == ' ' || (p[n] >= '0' && p[n] <= '9' && n <= 2))) {
                /* "q1", "p12": an abbreviation glued to the number. */
                if (p[n] == ' ' && !p[n + 1])
                    break;
                p += n + (p[n] == ' ');
                again = 1;
                break;
            }
        }
    }
    size_t start = out->len;
    for (char *t = p; *t;) {
        char *e = strchr(t, ' ');
        size_t n = e ? (size_t)(e - t) : strlen(t);
        int digits = n > 0;
        for (size_t i = 0; i < n; i++)
            digits &= isdigit((unsigned char)t[i]) != 0;
        if (digits) {
            while (n > 1 && *t == '0')
                t++, n--;
        }
        if (out->len > start)
            buf_putc(out, ' ');
        buf_append(out, t, n);
        if (!e)
            break;
        t = e + 1;
    }
    if (out->len == start)
        buf_append(out, "", 0);
    free(f);
}

static int table_exists(db_conn *c)
{
    sqlite3_stmt *st = db_stmt(c, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'admin_crosswalk'",
                               NULL);
    int has = st && sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    return has;
}

int crosswalk_ensure(db_conn *c, rm_error *err)
{
    if (!table_exists(c))
        return 0;
    sqlite3_stmt *st = db_stmt(c, "SELECT 1 FROM meta WHERE key = 'admin_crosswalk_loaded'", err);
    if (!st)
        return -1;
    int loaded = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    if (loaded)
        return 0;
    const embed_file *f = embed_find("geodata/admin_crosswalk.csv");
    if (!f)
        return 0;
    csv_reader r;
    csv_init(&r, f->data, f->len);
    int rc = -1;
    if (!csv_next(&r)) {
        rc = 0;
        goto done;
    }
    int cp = csv_column(&r, "old_province"), cd = csv_column(&r, "old_district"), cw = csv_column(&r, "old_ward"),
        cn = csv_column(&r, "new_ward"), cs = csv_column(&r, "status");
    if (cp < 0 || cd < 0 || cw < 0 || cn < 0) {
        rm_error_set(err, 500, "Bad reference data", "geodata/admin_crosswalk.csv lacks a column");
        goto done;
    }
    st = db_stmt(c, "INSERT INTO admin_crosswalk(old_province, old_district, old_ward, new_ward, status, source, "
                    "old_key, district_key) VALUES (?, ?, ?, ?, ?, 'geodata/admin_crosswalk.csv', ?, ?)", err);
    if (!st)
        goto done;
    buf key = BUF_INIT, dkey = BUF_INIT;
    while (csv_next(&r)) {
        if (r.nfields <= cn)
            continue;
        buf_reset(&key);
        buf_reset(&dkey);
        crosswalk_key(r.field[cd], &dkey);
        buf_puts(&key, dkey.data ? dkey.data : "");
        buf_putc(&key, '|');
        crosswalk_key(r.field[cw], &key);
        sqlite3_bind_text(st, 1, r.field[cp], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, r.field[cd], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, r.field[cw], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, r.field[cn], -1, SQLITE_TRANSIENT);
        if (cs >= 0 && cs < r.nfields)
            sqlite3_bind_text(st, 5, r.field[cs], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, key.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 7, dkey.data ? dkey.data : "", -1, SQLITE_TRANSIENT);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            buf_free(&key);
            buf_free(&dkey);
            db_error(c, err, 500, "loading geodata/admin_crosswalk.csv");
            goto done;
        }
    }
    buf_free(&key);
    buf_free(&dkey);
    rc = db_exec(c, "INSERT OR REPLACE INTO meta(key, value) VALUES ('admin_crosswalk_loaded', "
                    "strftime('%Y-%m-%dT%H:%M:%SZ','now'))", err);
done:
    csv_cleanup(&r);
    return rc;
}

int crosswalk_lookup(db_conn *c, const char *province, const char *district, const char *ward, char *out,
                     size_t out_len, rm_error *err)
{
    if (!district || !*district || !ward || !*ward)
        return 0;
    buf key = BUF_INIT;
    crosswalk_key(district, &key);
    buf_putc(&key, '|');
    crosswalk_key(ward, &key);
    sqlite3_stmt *st = db_stmt(c, "SELECT DISTINCT new_ward, old_province FROM admin_crosswalk WHERE old_key = ?",
                               err);
    if (!st) {
        buf_free(&key);
        return -1;
    }
    sqlite3_bind_text(st, 1, key.data, -1, SQLITE_TRANSIENT);
    int n = 0, nprov = 0;
    char first[200] = "", by_prov[200] = "";
    buf pk = BUF_INIT;
    if (province && *province)
        crosswalk_key(province, &pk);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *w = (const char *)sqlite3_column_text(st, 0);
        if (!n)
            snprintf(first, sizeof first, "%s", w);
        else if (strcmp(first, w) != 0)
            n++;
        if (!n)
            n = 1;
        if (pk.len) {
            buf k2 = BUF_INIT;
            crosswalk_key((const char *)sqlite3_column_text(st, 1), &k2);
            if (k2.data && strcmp(k2.data, pk.data) == 0) {
                snprintf(by_prov, sizeof by_prov, "%s", w);
                nprov++;
            }
            buf_free(&k2);
        }
    }
    db_stmt_done(st);
    buf_free(&key);
    buf_free(&pk);
    if (nprov == 1) {
        snprintf(out, out_len, "%s", by_prov);
        return 1;
    }
    if (n == 1) {
        snprintf(out, out_len, "%s", first);
        return 1;
    }
    return 0;
}
