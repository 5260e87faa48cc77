/*
 * migrate: schema creation and upgrade, reference data; see migrate.h.
 */
#include "db/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/embed.h"
#include "db/licensing.h"

/* Number of a migration file name "sql/NNN_name.sql", or 0 when it is not one. */
static int migration_number(const char *name)
{
    if (strncmp(name, "sql/", 4) != 0)
        return 0;
    const char *p = name + 4;
    if (p[0] < '0' || p[0] > '9')
        return 0;
    int n = atoi(p);
    const char *dot = strrchr(name, '.');
    if (!dot || strcmp(dot, ".sql") != 0 || !strchr(p, '_'))
        return 0;
    return n;
}

int migrate_latest(void)
{
    int latest = 0;
    for (const embed_file *f = embed_files; f->name; f++) {
        int n = migration_number(f->name);
        if (n > latest)
            latest = n;
    }
    return latest;
}

int migrate_version(db_conn *c)
{
    sqlite3_stmt *st = db_stmt(c, "PRAGMA user_version", NULL);
    int v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    db_stmt_done(st);
    return v;
}

static double col_double(const csv_reader *r, int i, int *is_null)
{
    *is_null = i < 0 || i >= r->nfields || !r->field[i][0];
    return *is_null ? 0 : strtod(r->field[i], NULL);
}

/* Insert the nuclides of geodata/nuclides.csv that the table does not hold yet: an admin's edit of
 * a shipped row is kept across upgrades. */
static int load_nuclides(db_conn *c, rm_error *err)
{
    const embed_file *f = embed_find("geodata/nuclides.csv");
    if (!f)
        return rm_error_set(err, 500, "Missing reference data", "geodata/nuclides.csv is not embedded");
    csv_reader r;
    csv_init(&r, f->data, f->len);
    int rc = -1;
    if (!csv_next(&r)) {
        rm_error_set(err, 500, "Bad reference data", "geodata/nuclides.csv is empty");
        goto cleanup;
    }
    int c_name = csv_column(&r, "nuclide"), c_hl = csv_column(&r, "half_life_seconds"),
        c_hlt = csv_column(&r, "half_life_text"), c_d = csv_column(&r, "d_value_tbq"),
        c_ex = csv_column(&r, "exempt_activity_bq"),
        c_g = csv_column(&r, "gamma_constant_usv_m2_per_h_per_mbq"), c_use = csv_column(&r, "typical_uses"),
        c_ref = csv_column(&r, "source_ref");
    if (c_name < 0 || c_hl < 0) {
        rm_error_set(err, 500, "Bad reference data", "geodata/nuclides.csv lacks nuclide or half_life_seconds");
        goto cleanup;
    }
    sqlite3_stmt *st = db_stmt(c,
        "INSERT OR IGNORE INTO nuclide(nuclide, half_life_s, half_life_text, d_value_tbq, "
        "exempt_activity_bq, gamma_constant, typical_uses, source_ref) VALUES (?,?,?,?,?,?,?,?)", err);
    if (!st)
        goto cleanup;
    while (csv_next(&r)) {
        int isnull;
        sqlite3_bind_text(st, 1, r.field[c_name], -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 2, col_double(&r, c_hl, &isnull));
        int cols[] = {c_hlt, c_use, c_ref}, pos[] = {3, 7, 8};
        for (int k = 0; k < 3; k++) {
            if (cols[k] >= 0 && cols[k] < r.nfields && r.field[cols[k]][0])
                sqlite3_bind_text(st, pos[k], r.field[cols[k]], -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, pos[k]);
        }
        int ncols[] = {c_d, c_ex, c_g}, npos[] = {4, 5, 6};
        for (int k = 0; k < 3; k++) {
            double v = col_double(&r, ncols[k], &isnull);
            if (isnull)
                sqlite3_bind_null(st, npos[k]);
            else
                sqlite3_bind_double(st, npos[k], v);
        }
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(c, err, 500, "loading geodata/nuclides.csv");
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    csv_cleanup(&r);
    return rc;
}

/* After a migration that edited sqlite_schema directly (PRAGMA writable_schema: SQLite's way of
 * changing a CHECK without rebuilding the table), the schema cookie goes up by one, as SQLite's
 * ALTER TABLE documentation requires, so that every connection reloads the definitions. */
static int bump_schema_version(db_conn *c, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(c, "PRAGMA schema_version", err);
    if (!st)
        return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    db_stmt_done(st);
    if (v < 0)
        return db_error(c, err, 500, "reading the schema version");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA schema_version = %lld", (long long)(v + 1));
    return db_exec(c, sql, err);
}

int migrate_apply(db_conn *c, int to, int *applied, rm_error *err)
{
    int latest = migrate_latest();
    if (to <= 0 || to > latest)
        to = latest;
    if (applied)
        *applied = 0;
    int v = migrate_version(c);
    if (v < 0)
        return db_error(c, err, 500, "reading the schema version");
    if (v > latest)
        return rm_error_set(err, 409, "Database too new",
                            "the database is at schema version %d but this radmap knows only up to %d: "
                            "use a newer radmap", v, latest);
    if (v == 0) {
        /* A new file: SpatiaLite metadata with every EPSG definition (VN-2000 included). */
        /* InitSpatialMetadata(1) runs in a transaction of its own. */
        if (db_exec(c, "SELECT InitSpatialMetadata(1);"
                       "BEGIN; CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, "
                       "name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT "
                       "(strftime('%Y-%m-%dT%H:%M:%SZ','now'))); COMMIT;", err) < 0) {
            db_exec(c, "ROLLBACK", NULL);
            return -1;
        }
    }
    for (int n = v + 1; n <= to; n++) {
        const embed_file *f = NULL;
        for (const embed_file *e = embed_files; e->name; e++)
            if (migration_number(e->name) == n)
                f = e;
        if (!f)
            return rm_error_set(err, 500, "Missing migration", "migration %03d is not in this binary", n);
        char tail[160];
        snprintf(tail, sizeof tail, "; INSERT INTO schema_migration(version, name) VALUES (%d, '%s'); "
                 "PRAGMA user_version = %d;", n, f->name + 4, n);
        if (db_exec(c, "BEGIN", err) < 0)
            return -1;
        if (db_exec(c, f->data, err) < 0 || db_exec(c, tail, err) < 0 ||
            (strstr(f->data, "writable_schema") && bump_schema_version(c, err) < 0)) {
            char detail[sizeof err->detail];
            snprintf(detail, sizeof detail, "%s", err ? err->detail : "");
            db_exec(c, "ROLLBACK", NULL);
            return rm_error_set(err, 500, "Migration failed", "%s: %s", f->name, detail);
        }
        if (db_exec(c, "COMMIT", err) < 0)
            return -1;
        if (applied)
            (*applied)++;
    }
    if (db_exec(c, "BEGIN", err) < 0)
        return -1;
    if (load_nuclides(c, err) < 0 || licensing_load_reference(c, err) < 0) {
        db_exec(c, "ROLLBACK", NULL);
        return -1;
    }
    return db_exec(c, "COMMIT", err);
}
