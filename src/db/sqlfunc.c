/*
 * sqlfunc: application-defined SQL functions; see sqlfunc.h.
 */
#include "db/sqlfunc.h"

#include <math.h>
#include <stdlib.h>

#include "core/date.h"
#include "core/fold.h"
#include "core/iaea.h"

static void fn_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    if (!s) {
        sqlite3_result_null(ctx);
        return;
    }
    buf b = BUF_INIT;
    fold_append(&b, s);
    sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
    buf_free(&b);
}

static void fn_decay(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    for (int i = 0; i < 4; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
            sqlite3_result_null(ctx);
            return;
        }
    double a = sqlite3_value_double(argv[0]);
    int32_t ref;
    if (date_parse((const char *)sqlite3_value_text(argv[1]), &ref) < 0) {
        sqlite3_result_null(ctx);
        return;
    }
    double t = sqlite3_value_double(argv[2]);
    int32_t today = (int32_t)sqlite3_value_int64(argv[3]);
    if (t <= 0) {
        sqlite3_result_null(ctx);
        return;
    }
    double now = iaea_decay_bq(a, (double)(today - ref) * DATE_SECONDS_PER_DAY, t);
    if (!isfinite(now)) /* far before a short-lived source's reference date: no meaningful value */
        sqlite3_result_null(ctx);
    else
        sqlite3_result_double(ctx, now);
}

static void fn_aod(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    double r = iaea_a_over_d(sqlite3_value_double(argv[0]), sqlite3_value_double(argv[1]));
    if (r < 0)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_double(ctx, r);
}

static void fn_category(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    int c = iaea_category(sqlite3_value_double(argv[0]));
    if (c == 0)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int(ctx, c);
}

void sqlfunc_register(sqlite3 *db)
{
    int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    sqlite3_create_function(db, "rm_fold", 1, f, NULL, fn_fold, NULL, NULL);
    sqlite3_create_function(db, "rm_decay", 4, f, NULL, fn_decay, NULL, NULL);
    sqlite3_create_function(db, "rm_aod", 2, f, NULL, fn_aod, NULL, NULL);
    sqlite3_create_function(db, "rm_category", 1, f, NULL, fn_category, NULL, NULL);
}
