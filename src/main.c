/*
 * radmap: command-line dispatch. Each command parses its own options, reports a failure as one
 * line on stderr naming what to fix, and exits 0 on success, 1 on failure, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sodium.h>
#include <unistd.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/crs_cli.h"
#include "api/crs_store.h"
#include "db/audit.h"
#include "db/backup.h"
#include "db/users.h"
#include "api/state.h"
#include "db/db.h"
#include "db/demo.h"
#include "db/migrate.h"
#include "http/http.h"
#include "api/exports.h"
#include "api/jobs_api.h"
#include "core/date.h"
#include "db/merge.h"
#include "io/import.h"
#include "io/offline.h"
#include "io/sandbox.h"

static const char usage[] =
    "usage: radmap COMMAND ...\n"
    "  radmap init DB [--demo] [--facilities N] [--seed S] [--to VERSION] [--users-file FILE]\n"
    "      create or migrate the register DB; --demo fills it with the demo city (or N facilities\n"
    "      over Vietnam), deterministic for a seed, and one account per role (demo.viewer ...\n"
    "      demo.admin) whose passwords go to FILE (default: standard output)\n"
    "  radmap serve --db DB [--port 8080] [--bind 127.0.0.1] [--threads N] [--web DIR] [--tiles DIR]\n"
    "      [--public-url URL] [--max-body-mb 10] [--timeout-s 30] [--max-connections 1024]\n"
    "      [--public on|off] [--read-quota 200000] [--query-budget-ms 10000] [--tile-cache-mb 256] [--cluster-maxzoom 12] [--cluster-cell 512] [--cluster-max-points 4096] [--tile-max-age 0]\n"
    "      [--tls-cert FILE --tls-key FILE] [--access-log FILE|-|off] [--max-per-ip N]\n"
    "      serve the register over HTTP (HTTPS with a certificate) until SIGINT or SIGTERM\n"
    "  radmap import DB FILE --layer L [--crs EPSG:XXXX] [--map field=column ...] [--set field=value ...]\n"
    "      [--mapping FILE] [--save-mapping FILE] [--dry-run] [--skip-invalid] [--report FILE]\n"
    "      [--upsert-by code|legacy_id|external_ref] [--legacy-system NAME] [--record-owner department|varans]\n"
    "      [--user NAME] [--source-layer NAME] [--all-layers] [--encoding CP1258] [--source-label TEXT] [--quiet]\n"
    "      read a GIS file (CSV, XLSX, Shapefile, GeoPackage, KML, GeoJSON, TopoJSON) into layer L:\n"
    "      facilities, sources, devices, receptors, boundaries, authorizations\n"
    "  radmap export DB --layer L --format csv|xlsx|gpkg|kml|shp|geojson OUT [--crs EPSG:XXXX] [--bbox W,S,E,N]\n"
    "      [--role R]   write a layer as the role R (default inspector) sees it; shp is written zipped\n"
    "  radmap tiles DB OUT.mbtiles [--layers L,L] [--minzoom 8] [--maxzoom 16] [--bbox W,S,E,N] [--role R]\n"
    "      [--threads N] [--quiet]   offline map package (MBTiles 1.3) of the tiles the server serves to R\n"
    "      (default viewer)\n"
    "  radmap duplicates DB    candidate duplicates across the former registers (tab-separated)\n"
    "  radmap merge DB KEEP DROP [--layer facilities|sources|devices|receptors] [--user NAME]\n"
    "      merge record DROP into KEEP in one audited transaction\n"
    "  radmap user add DB NAME --role ROLE [--password-stdin] [--read-only] [--days N]\n"
    "      create a user; prints a bearer token once, alone on the last line\n"
    "  radmap user list DB | disable DB NAME | enable DB NAME | set-role DB NAME ROLE\n"
    "  radmap user token DB NAME [--read-only] [--days N]   a new bearer token for NAME\n"
    "  radmap crs list DB | add-zone DB --lon0 DEG [--name NAME] | remove-zone DB ID\n"
    "  radmap crs set-transformation DB EPSG:NNNN | --towgs84 DX,DY,DZ[,RX,RY,RZ,DS] [--convention C]\n"
    "      | --pipeline '+proj=pipeline ...' | --default\n"
    "      coordinate systems: VN-2000 TM-3 zones defined by central meridian, and the ONE VN-2000 to\n"
    "      WGS 84 transformation (default EPSG:6960); running servers follow a change at once\n"
    "  radmap service-area DB [--bbox W,S,E,N | --reset]\n"
    "      show or set the box new and moved points must lie in (default: Viet Nam with its islands)\n"
    "  radmap audit verify DB\n"
    "      check the audit trail's hash chain; exit 1 when a row was changed or removed\n"
    "  radmap backup DB OUT\n"
    "      a consistent copy of DB (also while it is served and written), checked, in one file\n"
    "  radmap restore BACKUP DB\n"
    "      check BACKUP (integrity, audit chain, schema) and put it in place of DB; the current DB is\n"
    "      kept as DB.before-restore-TIME; a server running on DB sees the change at once\n"
    "  radmap version\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "radmap: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return 2;
}

/* Parse a whole number option value in [min, max]; -1 on error (message printed). */
static int opt_long(const char *name, const char *v, long min, long max, long *out)
{
    char *end;
    if (!v) {
        fprintf(stderr, "radmap: %s needs a value\n", name);
        return -1;
    }
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < min || n > max) {
        fprintf(stderr, "radmap: %s must be a whole number from %ld to %ld\n", name, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

static int cmd_init(int argc, char **argv)
{
    const char *path = NULL;
    int demo = 0;
    long facilities = 0, seed = 20250701, to = 0;
    const char *users_file = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--demo") == 0)
            demo = 1;
        else if (strcmp(a, "--facilities") == 0) {
            if (opt_long(a, i + 1 < argc ? argv[++i] : NULL, 1, 1000000, &facilities) < 0)
                return 2;
        } else if (strcmp(a, "--seed") == 0) {
            if (opt_long(a, i + 1 < argc ? argv[++i] : NULL, 0, 2147483647L, &seed) < 0)
                return 2;
        } else if (strcmp(a, "--users-file") == 0 && i + 1 < argc) {
            users_file = argv[++i];
        } else if (strcmp(a, "--to") == 0) {
            if (opt_long(a, i + 1 < argc ? argv[++i] : NULL, 1, 9999, &to) < 0)
                return 2;
        } else if (a[0] == '-')
            return usage_error("unknown option %s for init", a);
        else if (!path)
            path = a;
        else
            return usage_error("unexpected argument %s", a);
    }
    if (!path)
        return usage_error("init needs a database file%s", "");
    if (facilities && !demo)
        return usage_error("--facilities goes with --demo%s", "");

    rm_error err = {0};
    db_conn *c = NULL;
    int rc = 1, applied = 0;
    if (db_open(path, DB_READWRITE | DB_CREATE | DB_BULK, &c, &err) < 0)
        goto fail;
    int before = migrate_version(c);
    if (migrate_apply(c, (int)to, &applied, &err) < 0)
        goto fail;
    /* Extents kept by triggers only grow; recompute them exactly here (for the layers this schema
     * version has). */
    static const struct { const char *layer, *table, *lon0, *lat0, *lon1, *lat1; } stats[] = {
        {"facilities", "facility", "lon", "lat", "lon", "lat"},
        {"sources", "source", "lon", "lat", "lon", "lat"},
        {"devices", "device", "lon", "lat", "lon", "lat"},
        {"boundaries", "boundary", "min_lon", "min_lat", "max_lon", "max_lat"},
        {"receptors", "receptor", "lon", "lat", "lon", "lat"},
    };
    for (size_t k = 0; k < sizeof stats / sizeof stats[0]; k++) {
        char sql[640];
        snprintf(sql, sizeof sql, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '%s'", stats[k].table);
        sqlite3_stmt *ex = db_stmt(c, sql, &err);
        if (!ex)
            goto fail;
        int has = sqlite3_step(ex) == SQLITE_ROW;
        db_stmt_done(ex);
        if (!has)
            continue;
        snprintf(sql, sizeof sql, "UPDATE layer_stat SET feature_count = (SELECT count(*) FROM %s), "
                 "min_lon = (SELECT min(%s) FROM %s), min_lat = (SELECT min(%s) FROM %s), "
                 "max_lon = (SELECT max(%s) FROM %s), max_lat = (SELECT max(%s) FROM %s) WHERE layer = '%s'",
                 stats[k].table, stats[k].lon0, stats[k].table, stats[k].lat0, stats[k].table, stats[k].lon1,
                 stats[k].table, stats[k].lat1, stats[k].table, stats[k].layer);
        if (db_exec(c, sql, &err) < 0)
            goto fail;
    }
    printf("radmap: %s at schema version %d (%d migration%s applied, was %d)\n", path, migrate_version(c), applied,
           applied == 1 ? "" : "s", before);
    if (demo) {
        sqlite3_stmt *st = db_stmt(c, "SELECT (SELECT count(*) FROM facility) + (SELECT count(*) FROM organization)",
                                   &err);
        if (!st)
            goto fail;
        int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
        db_stmt_done(st);
        if (n != 0) {
            rm_error_set(&err, 409, "Not empty", "%s already holds a register; --demo fills only an empty one "
                         "(remove the file to start again)", path);
            goto fail;
        }
        /* A new file being filled: if this fails the file is thrown away, so the bulk load may skip
         * the journal's fsyncs. The journal returns to WAL afterwards. */
        if (db_exec(c, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF;", &err) < 0)
            goto fail;
        demo_options opt = {facilities, (unsigned long)seed, 1};
        if (demo_generate(c, &opt, &err) < 0)
            goto fail;
        if (db_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; ANALYZE;", &err) < 0)
            goto fail;
        /* One account per role, so that a newcomer can sign in at once (make demo keeps the list). */
        FILE *uf = users_file ? fopen(users_file, "w") : NULL;
        if (users_file && !uf) {
            rm_error_set(&err, 500, "Cannot write", "cannot write %s", users_file);
            goto fail;
        }
        if (db_exec(c, "BEGIN IMMEDIATE", &err) < 0 || users_add_demo_accounts(c, uf ? uf : stdout, &err) < 0 ||
            db_exec(c, "COMMIT", &err) < 0) {
            if (uf)
                fclose(uf);
            db_exec(c, "ROLLBACK", NULL);
            goto fail;
        }
        if (uf) {
            fclose(uf);
            printf("radmap: demo accounts (name, password, role) written to %s\n", users_file);
        }
        st = db_stmt(c, "SELECT layer, feature_count FROM layer_stat ORDER BY layer", &err);
        if (!st)
            goto fail;
        printf("radmap: demo data (seed %ld):", seed);
        while (sqlite3_step(st) == SQLITE_ROW)
            printf(" %lld %s", (long long)sqlite3_column_int64(st, 1), sqlite3_column_text(st, 0));
        printf("\n");
        db_stmt_done(st);
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "radmap: init failed: %s\n", err.detail);
done:
    db_close(c);
    return rc;
}

static int cmd_serve(int argc, char **argv)
{
    http_config cfg = {
        .db_path = NULL, .bind = "127.0.0.1", .port = 8080, .threads = 0, .web_dir = NULL, .tiles_dir = NULL,
        .public_url = NULL, .max_body_bytes = 10u << 20, .connection_timeout_s = 30, .max_connections = 1024,
        .tile_cache_bytes = (size_t)256 << 20, .cluster_maxzoom = 12, .cluster_cell = 512,
        .tile_cache_control = NULL, .authorize = auth_authorize, .public_access = false, .job_threads = 2,
        .read_quota_rows = 200000, .query_budget_ms = 10000, .route_limits = api_route_limits,
    };
    char tile_cc[64], tile_cc_private[64];
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(a, "--db") == 0 && v)
            cfg.db_path = v, i++;
        else if (strcmp(a, "--bind") == 0 && v)
            cfg.bind = v, i++;
        else if (strcmp(a, "--web") == 0 && v)
            cfg.web_dir = v, i++;
        else if (strcmp(a, "--tiles") == 0 && v)
            cfg.tiles_dir = v, i++;
        else if (strcmp(a, "--public-url") == 0 && v)
            cfg.public_url = v, i++;
        else if (strcmp(a, "--tls-cert") == 0 && v)
            cfg.tls_cert_path = v, cfg.tls = true, i++;
        else if (strcmp(a, "--tls-key") == 0 && v)
            cfg.tls_key_path = v, cfg.tls = true, i++;
        else if (strcmp(a, "--access-log") == 0 && v)
            cfg.access_log = v, i++;
        else if (strcmp(a, "--max-per-ip") == 0) {
            if (opt_long(a, v, 0, 100000, &n) < 0)
                return 2;
            cfg.max_per_ip = (int)n, i++;
        } else if (strcmp(a, "--public") == 0 && v && (strcmp(v, "on") == 0 || strcmp(v, "off") == 0))
            cfg.public_access = strcmp(v, "on") == 0, i++;
        else if (strcmp(a, "--port") == 0) {
            if (opt_long(a, v, 0, 65535, &n) < 0)
                return 2;
            cfg.port = (int)n, i++;
        } else if (strcmp(a, "--threads") == 0) {
            if (opt_long(a, v, 1, 256, &n) < 0)
                return 2;
            cfg.threads = (int)n, i++;
        } else if (strcmp(a, "--max-body-mb") == 0) {
            if (opt_long(a, v, 1, 1024, &n) < 0)
                return 2;
            cfg.max_body_bytes = (size_t)n << 20, i++;
        } else if (strcmp(a, "--timeout-s") == 0) {
            if (opt_long(a, v, 1, 3600, &n) < 0)
                return 2;
            cfg.connection_timeout_s = (int)n, i++;
        } else if (strcmp(a, "--max-connections") == 0) {
            if (opt_long(a, v, 1, 100000, &n) < 0)
                return 2;
            cfg.max_connections = (int)n, i++;
        } else if (strcmp(a, "--query-budget-ms") == 0) {
            if (opt_long(a, v, 0, 3600000, &n) < 0)
                return 2;
            cfg.query_budget_ms = (int)n, i++;
        } else if (strcmp(a, "--read-quota") == 0) {
            if (opt_long(a, v, 0, 1000000000L, &n) < 0)
                return 2;
            cfg.read_quota_rows = n, i++;
        } else if (strcmp(a, "--tile-cache-mb") == 0) {
            if (opt_long(a, v, 0, 65536, &n) < 0)
                return 2;
            cfg.tile_cache_bytes = (size_t)n << 20, i++;
        } else if (strcmp(a, "--cluster-maxzoom") == 0) {
            if (opt_long(a, v, 0, 16, &n) < 0)
                return 2;
            cfg.cluster_maxzoom = (int)n, i++;
        } else if (strcmp(a, "--cluster-cell") == 0) {
            if (opt_long(a, v, 16, 4096, &n) < 0)
                return 2;
            cfg.cluster_cell = (double)n, i++;
        } else if (strcmp(a, "--cluster-max-points") == 0) {
            if (opt_long(a, v, 0, 1000000, &n) < 0)
                return 2;
            cfg.cluster_max_points = n ? n : -1, i++; /* 0: dense tiles are never clustered */
        } else if (strcmp(a, "--tile-max-age") == 0) {
            if (opt_long(a, v, 0, 31536000, &n) < 0)
                return 2;
            snprintf(tile_cc, sizeof tile_cc, "public, max-age=%ld", n);
            snprintf(tile_cc_private, sizeof tile_cc_private, "private, max-age=%ld", n);
            cfg.tile_cache_control = n ? tile_cc : NULL;
            cfg.tile_cache_control_private = n ? tile_cc_private : NULL, i++;
        } else
            return usage_error("unknown or incomplete option %s for serve", a);
    }
    if (!cfg.db_path)
        return usage_error("serve needs --db DB%s", "");
    if (cfg.tls && (!cfg.tls_cert_path || !cfg.tls_key_path))
        return usage_error("HTTPS needs both --tls-cert FILE and --tls-key FILE%s", "");
    if (cfg.threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg.threads = cores > 0 ? (int)cores : 2;
    }
    if (access(cfg.db_path, F_OK) != 0) {
        fprintf(stderr, "radmap: %s does not exist; create it with: radmap init %s --demo\n", cfg.db_path,
                cfg.db_path);
        return 1;
    }
    rm_error err = {0};
    db_conn *c = NULL;
    /* Bring the schema up to date before serving (DESIGN §6); the figures come from layer_stat,
     * kept by triggers, so start-up reads no table. */
    if (db_open(cfg.db_path, DB_READWRITE, &c, &err) < 0 || migrate_apply(c, 0, NULL, &err) < 0) {
        /* A register this process may not write (permissions, a read-only file system) is served
         * read-only when its schema is current: reads go on, writes answer 503. */
        if (!c || sqlite3_db_readonly(db_sqlite(c), "main") != 1 || migrate_version(c) != migrate_latest()) {
            fprintf(stderr, "radmap: cannot serve %s: %s\n", cfg.db_path, err.detail);
            db_close(c);
            return 1;
        }
        fprintf(stderr, "radmap: warning: %s cannot be written; serving it read-only (writes answer 503)\n",
                cfg.db_path);
    }
    sqlite3_stmt *st = db_stmt(c, "SELECT layer, feature_count FROM layer_stat ORDER BY layer", &err);
    fprintf(stderr, "radmap: serving %s:", cfg.db_path);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        fprintf(stderr, " %lld %s", (long long)sqlite3_column_int64(st, 1), sqlite3_column_text(st, 0));
    fprintf(stderr, "\n");
    db_stmt_done(st);
    app_state *app = app_state_create(&cfg, c, &err);
    db_close(c);
    if (!app) {
        fprintf(stderr, "radmap: cannot serve %s: %s\n", cfg.db_path, err.detail);
        return 1;
    }
    cfg.app = app;
    int rc = http_serve(&cfg, api_routes, &err);
    jobs_api_shutdown(); /* imports and exports still running finish first */
    app_state_destroy(app);
    if (rc < 0)
        fprintf(stderr, "radmap: %s\n", err.detail);
    return rc < 0 ? 1 : 0;
}

/* The OS user running the command (audit rows of imports and merges). */
static const char *os_user(void)
{
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name && *pw->pw_name)
        return pw->pw_name;
    const char *u = getenv("USER");
    return u && *u ? u : "import";
}

static int cmd_import(int argc, char **argv)
{
    const char *path = NULL, *file = NULL, *report = NULL;
    import_options opt = {0};
    opt.progress = progress_auto();
    opt.user = os_user();
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--layer") == 0 && v)
            opt.layer = v, i++;
        else if (strcmp(a, "--crs") == 0 && v)
            opt.crs = v, i++;
        else if (strcmp(a, "--source-label") == 0 && v)
            opt.source_label = v, i++;
        else if (strcmp(a, "--map") == 0 && v && strchr(v, '=') && opt.nmaps < IMPORT_MAX_MAPS)
            opt.maps[opt.nmaps++] = v, i++;
        else if (strcmp(a, "--set") == 0 && v && strchr(v, '=') && opt.ndefaults < IMPORT_MAX_MAPS)
            opt.defaults[opt.ndefaults++] = v, i++;
        else if (strcmp(a, "--mapping") == 0 && v)
            opt.mapping_file = v, i++;
        else if (strcmp(a, "--save-mapping") == 0 && v)
            opt.save_mapping = v, i++;
        else if (strcmp(a, "--source-layer") == 0 && v)
            opt.source_layer = v, i++;
        else if (strcmp(a, "--encoding") == 0 && v)
            opt.encoding = v, i++;
        else if (strcmp(a, "--user") == 0 && v)
            opt.user = v, i++;
        else if (strcmp(a, "--legacy-system") == 0 && v)
            opt.legacy_system = v, i++;
        else if (strcmp(a, "--record-owner") == 0 && v)
            opt.record_owner = v, i++;
        else if (strcmp(a, "--upsert-by") == 0 && v)
            opt.upsert_by = v, i++;
        else if (strcmp(a, "--report") == 0 && v)
            report = v, i++;
        else if (strcmp(a, "--all-layers") == 0)
            opt.all_layers = 1;
        else if (strcmp(a, "--dry-run") == 0)
            opt.dry_run = 1;
        else if (strcmp(a, "--skip-invalid") == 0)
            opt.skip_invalid = 1;
        else if (strcmp(a, "--quiet") == 0)
            opt.progress = PROGRESS_OFF;
        else if (a[0] == '-')
            return usage_error("unknown or incomplete option %s for import", a);
        else if (!path)
            path = a;
        else if (!file)
            file = a;
        else
            return usage_error("unexpected argument %s", a);
    }
    if (!path || !file || !opt.layer)
        return usage_error("import needs DB FILE --layer L%s", "");
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "radmap: %s does not exist; create it with: radmap init %s\n", path, path);
        return 1;
    }
    rm_error err = {0};
    db_conn *c = NULL;
    import_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = 1;
    if (db_open(path, DB_READWRITE | DB_BULK, &c, &err) < 0 || migrate_apply(c, 0, NULL, &err) < 0 ||
        crs_store_load(c, &err) < 0 || import_file(c, file, &opt, &rep, &err) < 0) {
        fprintf(stderr, "radmap: import failed, nothing written: %s\n", err.detail);
        goto done;
    }
    for (const char *p = rep.notes.data; p && *p;) {
        const char *e = strchr(p, '\n');
        int n = e ? (int)(e - p) : (int)strlen(p);
        fprintf(stderr, "radmap: note: %.*s\n", n, p);
        p = e ? e + 1 : p + n;
    }
    if (rep.nissues) {
        FILE *rf = report ? fopen(report, "w") : stdout;
        if (!rf) {
            fprintf(stderr, "radmap: cannot write the report to %s\n", report);
        } else {
            import_report_csv(&rep, rf);
            if (report) {
                fclose(rf);
                fprintf(stderr, "radmap: report of the %ld refused rows written to %s\n", rep.rows_invalid, report);
            }
        }
    }
    const char *what = rep.committed ? "imported" : opt.dry_run ? "valid (dry run: nothing written)"
                                                                : "valid, but nothing written";
    printf("radmap: %s: %ld rows read, %ld %s (%ld created, %ld updated), %ld refused; import %s\n", file,
           rep.rows_read, rep.rows_created + rep.rows_updated, what, rep.rows_created, rep.rows_updated,
           rep.rows_invalid, rep.import_id);
    if (rep.organizations_created || rep.wards_from_crosswalk)
        printf("radmap: %ld organizations created, %ld 2025 wards taken from the crosswalk\n",
               rep.organizations_created, rep.wards_from_crosswalk);
    if (rep.rows_invalid && !rep.committed && !opt.dry_run)
        fprintf(stderr, "radmap: %ld rows are invalid, so nothing was written (see the report); fix them, or import "
                "the valid rows with --skip-invalid\n", rep.rows_invalid);
    rc = rep.rows_invalid && !rep.committed ? 1 : 0;
done:
    import_report_free(&rep);
    db_close(c);
    return rc;
}

/* Record a command-line read of sensitive rows (an export or package holding sources or devices)
 * in read_log, as the server does for its readers. */
static void log_cli_read(const char *db_path, const char *user, const char *route, const char *what, long rows)
{
    db_conn *c = NULL;
    rm_error err = {0};
    if (rows <= 0 || db_open(db_path, DB_READWRITE, &c, &err) < 0) {
        db_close(c);
        return;
    }
    sqlite3_stmt *st = db_stmt(c, "INSERT INTO read_log(user_name, route, collection, ids, row_count) "
                                  "VALUES (?, ?, ?, 'all selected', ?)", NULL);
    if (st) {
        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, route, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, what, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, rows);
        sqlite3_step(st);
        db_stmt_done(st);
    }
    db_close(c);
}

/* The visibility class of --role NAME ("public" too); -1 when unknown (message printed). */
static int role_class(const char *role)
{
    if (strcmp(role, "public") == 0)
        return VIS_PUBLIC;
    user_role r = users_role_parse(role);
    if (r == ROLE_NONE) {
        fprintf(stderr, "radmap: --role must be public or one of: %s\n", users_role_list());
        return -1;
    }
    return (int)auth_class_of_role(r);
}

static int cmd_export(int argc, char **argv)
{
    const char *path = NULL, *out = NULL, *layer = NULL, *format = NULL, *crs_s = NULL, *bbox_s = NULL;
    const char *role = "inspector";
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--layer") == 0 && v)
            layer = v, i++;
        else if (strcmp(a, "--format") == 0 && v)
            format = v, i++;
        else if (strcmp(a, "--crs") == 0 && v)
            crs_s = v, i++;
        else if (strcmp(a, "--bbox") == 0 && v)
            bbox_s = v, i++;
        else if (strcmp(a, "--role") == 0 && v)
            role = v, i++;
        else if (a[0] == '-')
            return usage_error("unknown or incomplete option %s for export", a);
        else if (!path)
            path = a;
        else if (!out)
            out = a;
        else
            return usage_error("unexpected argument %s", a);
    }
    if (!path || !out || !layer || !format)
        return usage_error("export needs DB --layer L --format F OUT%s", "");
    export_format f;
    if (export_format_parse(format, &f) < 0) {
        fprintf(stderr, "radmap: --format must be one of: %s\n", export_format_list());
        return 2;
    }
    int vis = role_class(role);
    if (vis < 0)
        return 2;
    const coll_def *c = coll_find(layer);
    if (!c || c->vis > (vis_class)vis) {
        fprintf(stderr, "radmap: no layer %s that the role %s may see; layers: facilities, sources, devices, "
                "receptors\n", layer, role);
        return 2;
    }
    rm_error err = {0};
    const crs_info *crs = NULL;
    /* The database's zones and transformation, so that --crs and the positions agree with the server. */
    if (crs_s && access(path, F_OK) == 0 && crs_store_load_path(path, &err) < 0) {
        fprintf(stderr, "radmap: %s\n", err.detail);
        return 1;
    }
    if (crs_s && !(crs = crs_from_uri(crs_s, "--crs", &err))) {
        fprintf(stderr, "radmap: %s\n", err.detail);
        return 2;
    }
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "radmap: %s does not exist\n", path);
        return 1;
    }
    db_conn *db = NULL;
    query q;
    query_init(&q, c, (vis_class)vis, date_today());
    int rc = 1;
    long rows = 0;
    if (bbox_s) {
        params_bbox bb;
        if (params_parse_bbox(bbox_s, &bb, &err) < 0)
            goto fail;
        query_bbox(&q, &bb);
    }
    progress pr;
    progress_start(&pr, PROGRESS_OFF, "export", "features");
    if (db_open(path, DB_READONLY, &db, &err) < 0 ||
        exports_write(db, &q, NULL, f, crs && !crs->wgs84 ? crs : NULL, out, NULL, NULL, &rows, &err) < 0)
        goto fail;
    printf("radmap: %ld %s written to %s (%s, as the role %s sees them) in %.1f s\n", rows, layer, out, format, role,
           progress_elapsed_s(&pr));
    if (c->vis == VIS_FULL)
        log_cli_read(path, os_user(), "radmap export", c->id, rows);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "radmap: export failed: %s\n", err.detail);
done:
    query_cleanup(&q);
    db_close(db);
    return rc;
}

static int cmd_tiles(int argc, char **argv)
{
    const char *path = NULL, *out = NULL, *role = "viewer";
    offline_options o;
    offline_options_default(&o);
    o.progress = progress_auto();
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(a, "--layers") == 0 && v)
            o.layers = v, i++;
        else if (strcmp(a, "--role") == 0 && v)
            role = v, i++;
        else if (strcmp(a, "--minzoom") == 0) {
            if (opt_long(a, v, 0, 22, &n) < 0)
                return 2;
            o.minzoom = (int)n, i++;
        } else if (strcmp(a, "--maxzoom") == 0) {
            if (opt_long(a, v, 0, 22, &n) < 0)
                return 2;
            o.maxzoom = (int)n, i++;
        } else if (strcmp(a, "--threads") == 0) {
            if (opt_long(a, v, 1, 8, &n) < 0)
                return 2;
            o.threads = (int)n, i++;
        } else if (strcmp(a, "--cluster-maxzoom") == 0) {
            if (opt_long(a, v, 0, 16, &n) < 0)
                return 2;
            o.cluster_maxzoom = (int)n, i++;
        } else if (strcmp(a, "--bbox") == 0 && v) {
            if (sscanf(v, "%lf,%lf,%lf,%lf", &o.bbox[0], &o.bbox[1], &o.bbox[2], &o.bbox[3]) != 4 ||
                o.bbox[0] >= o.bbox[2] || o.bbox[1] >= o.bbox[3] || o.bbox[0] < -180 || o.bbox[2] > 180 ||
                o.bbox[1] < -90 || o.bbox[3] > 90) {
                fprintf(stderr, "radmap: --bbox must be west,south,east,north in degrees (west < east, south < north)\n");
                return 2;
            }
            o.have_bbox = true, i++;
        } else if (strcmp(a, "--quiet") == 0)
            o.progress = PROGRESS_OFF;
        else if (a[0] == '-')
            return usage_error("unknown or incomplete option %s for tiles", a);
        else if (!path)
            path = a;
        else if (!out)
            out = a;
        else
            return usage_error("unexpected argument %s", a);
    }
    if (!path || !out)
        return usage_error("tiles needs DB OUT.mbtiles%s", "");
    if (o.minzoom > o.maxzoom) {
        fprintf(stderr, "radmap: --minzoom must not be above --maxzoom\n");
        return 2;
    }
    int vis = role_class(role);
    if (vis < 0)
        return 2;
    o.vis = (vis_class)vis;
    o.role = role;
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "radmap: %s does not exist\n", path);
        return 1;
    }
    rm_error err = {0};
    offline_report rep;
    if (offline_build(path, out, &o, &rep, &err) < 0) {
        fprintf(stderr, "radmap: tiles failed: %s\n", err.detail);
        return 1;
    }
    printf("radmap: %s: %ld tiles (z%d-%d, %.1f MB) for the role %s over %.4f,%.4f,%.4f,%.4f in %.1f s; "
           "%ld tiles visited, %ld skipped below empty ones\n", out, rep.tiles_written, o.minzoom, o.maxzoom,
           (double)rep.bytes / 1e6, role, rep.bbox[0], rep.bbox[1], rep.bbox[2], rep.bbox[3], rep.seconds,
           rep.tiles_visited, rep.tiles_skipped);
    if (rep.sensitive_rows)
        log_cli_read(path, os_user(), "radmap tiles", "sources,devices", rep.sensitive_rows);
    return 0;
}

static int print_dup(void *arg, const dup_pair *p)
{
    long *n = arg;
    if (*n == 0)
        printf("collection\trule\tdistance_m\tid_a\tid_b\tkey\ta\tb\n");
    printf("%s\t%s\t%.1f\t%lld\t%lld\t%s\t%s %s [%s %s]\t%s %s [%s %s]\n", p->collection, p->rule, p->distance_m,
           (long long)p->a.id, (long long)p->b.id, p->key, p->a.code, p->a.name, p->a.legacy_system, p->a.legacy_id,
           p->b.code, p->b.name, p->b.legacy_system, p->b.legacy_id);
    (*n)++;
    return 0;
}

static int cmd_duplicates(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("usage: radmap duplicates DB%s", "");
    if (access(argv[0], F_OK) != 0) {
        fprintf(stderr, "radmap: %s does not exist\n", argv[0]);
        return 1;
    }
    rm_error err = {0};
    db_conn *c = NULL;
    long n = 0;
    int rc = 1;
    if (db_open(argv[0], DB_READONLY, &c, &err) < 0 || merge_find_duplicates(c, print_dup, &n, &err) < 0)
        fprintf(stderr, "radmap: duplicates failed: %s\n", err.detail);
    else {
        fprintf(stderr, "radmap: %ld candidate pairs; merge one with: radmap merge DB KEEP DROP [--layer L]\n", n);
        rc = 0;
    }
    db_close(c);
    return rc;
}

static int cmd_merge(int argc, char **argv)
{
    const char *path = NULL, *layer = "facilities", *user = os_user();
    long ids[2] = {0, 0};
    int nids = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--layer") == 0 && v)
            layer = v, i++;
        else if (strcmp(a, "--user") == 0 && v)
            user = v, i++;
        else if (a[0] == '-')
            return usage_error("unknown or incomplete option %s for merge", a);
        else if (!path)
            path = a;
        else if (nids < 2) {
            if (opt_long(nids ? "DROP" : "KEEP", a, 1, 2147483647L, &ids[nids]) < 0)
                return 2;
            nids++;
        } else
            return usage_error("unexpected argument %s", a);
    }
    if (!path || nids != 2)
        return usage_error("merge needs DB KEEP DROP%s", "");
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "radmap: %s does not exist\n", path);
        return 1;
    }
    rm_error err = {0};
    db_conn *c = NULL;
    merge_report rep;
    int rc = 1;
    if (db_open(path, DB_READWRITE, &c, &err) < 0 || migrate_apply(c, 0, NULL, &err) < 0 ||
        merge_records(c, layer, ids[0], ids[1], user, &rep, &err) < 0)
        fprintf(stderr, "radmap: merge failed, nothing changed: %s\n", err.detail);
    else {
        printf("radmap: %s %ld merged into %ld: %ld linked rows moved (%ld the kept record already had were dropped), "
               "%ld empty fields filled\n", layer, ids[1], ids[0], rep.moved, rep.dropped_conflicts, rep.fields_filled);
        rc = 0;
    }
    db_close(c);
    return rc;
}

/* Read a password from standard input (one line, without its newline). */
static int read_password(char *out, size_t cap)
{
    if (!fgets(out, (int)cap, stdin))
        return -1;
    out[strcspn(out, "\r\n")] = 0;
    return out[0] ? 0 : -1;
}

static int cmd_user(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("user needs a subcommand and a database%s", "");
    const char *sub = argv[0], *path = argv[1];
    const char *name = argc > 2 && argv[2][0] != '-' ? argv[2] : NULL;
    const char *role_s = NULL;
    int pw_stdin = 0, read_only = 0;
    long days = 365;
    for (int i = name ? 3 : 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--role") == 0 && i + 1 < argc)
            role_s = argv[++i];
        else if (strcmp(a, "--password-stdin") == 0)
            pw_stdin = 1;
        else if (strcmp(a, "--read-only") == 0)
            read_only = 1;
        else if (strcmp(a, "--days") == 0) {
            if (opt_long(a, i + 1 < argc ? argv[++i] : NULL, 1, 3650, &days) < 0)
                return 2;
        } else if (strcmp(sub, "set-role") == 0 && !role_s && a[0] != '-')
            role_s = a;
        else
            return usage_error("unknown or incomplete option %s for user", a);
    }
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "radmap: %s does not exist; create it with: radmap init %s\n", path, path);
        return 1;
    }
    rm_error err = {0};
    db_conn *c = NULL;
    int rc = 1;
    if (db_open(path, DB_READWRITE, &c, &err) < 0 || migrate_apply(c, 0, NULL, &err) < 0)
        goto fail;
    if (strcmp(sub, "list") == 0) {
        sqlite3_stmt *st = db_stmt(c, "SELECT name, role, disabled, password_hash IS NOT NULL, created_at, "
                                      "(SELECT count(*) FROM token t WHERE t.user_id = u.id AND t.revoked = 0 AND "
                                      "t.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ','now')) FROM app_user u "
                                      "ORDER BY name", &err);
        if (!st)
            goto fail;
        printf("%-24s %-10s %-9s %-8s %-6s %s\n", "name", "role", "state", "password", "tokens", "created");
        while (sqlite3_step(st) == SQLITE_ROW)
            printf("%-24s %-10s %-9s %-8s %-6d %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                   sqlite3_column_int(st, 2) ? "disabled" : "active", sqlite3_column_int(st, 3) ? "yes" : "no",
                   sqlite3_column_int(st, 5), sqlite3_column_text(st, 4));
        db_stmt_done(st);
        rc = 0;
        goto done;
    }
    if (!name)
        return usage_error("user %s needs a user name", sub);
    if (strcmp(sub, "add") == 0 || strcmp(sub, "token") == 0) {
        int64_t id = 0;
        if (strcmp(sub, "add") == 0) {
            user_role role = users_role_parse(role_s);
            if (role == ROLE_NONE) {
                fprintf(stderr, "radmap: --role must be one of: %s\n", users_role_list());
                db_close(c);
                return 2;
            }
            char pw[1100], hash[128];
            const char *h = NULL;
            if (pw_stdin) {
                if (read_password(pw, sizeof pw) < 0 || strlen(pw) < 8) {
                    rm_error_set(&err, 400, "Bad password", "the password on standard input must have at least "
                                 "8 characters");
                    goto fail;
                }
                if (users_hash_password(pw, hash) < 0) {
                    rm_error_set(&err, 500, "Hash failed", "cannot hash the password (out of memory)");
                    goto fail;
                }
                h = hash;
            }
            if (db_exec(c, "BEGIN IMMEDIATE", &err) < 0)
                goto fail;
            if (users_add(c, name, role, h, &id, &err) < 0) {
                db_exec(c, "ROLLBACK", NULL);
                goto fail;
            }
        } else {
            user_info who;
            char hash[128];
            sqlite3_stmt *st = db_stmt(c, "SELECT id FROM app_user WHERE name = ? AND disabled = 0", &err);
            if (!st)
                goto fail;
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                id = sqlite3_column_int64(st, 0);
            db_stmt_done(st);
            (void)who;
            (void)hash;
            if (!id) {
                rm_error_set(&err, 404, "No such user", "there is no active user named %s", name);
                goto fail;
            }
            if (db_exec(c, "BEGIN IMMEDIATE", &err) < 0)
                goto fail;
        }
        char token[USERS_TOKEN_CHARS];
        if (users_issue_token(c, id, "bearer", !read_only, (int64_t)days * 86400, "command line", token, &err) < 0 ||
            db_exec(c, "COMMIT", &err) < 0) {
            db_exec(c, "ROLLBACK", NULL);
            goto fail;
        }
        if (strcmp(sub, "add") == 0)
            printf("radmap: user %s added with role %s%s\n", name, role_s, pw_stdin ? " and a password" : "");
        printf("radmap: %s bearer token for %s, valid %ld days (shown once, keep it safe):\n",
               read_only ? "read-only" : "read-write", name, days);
        printf("%s\n", token);
        rc = 0;
    } else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
        if (users_set_disabled(c, name, strcmp(sub, "disable") == 0, &err) < 0)
            goto fail;
        printf("radmap: user %s %sd; %s\n", name, sub, strcmp(sub, "disable") == 0 ?
               "every session and token of that user is revoked" : "issue a new token with: radmap user token");
        rc = 0;
    } else if (strcmp(sub, "set-role") == 0) {
        if (users_set_role(c, name, users_role_parse(role_s), &err) < 0)
            goto fail;
        printf("radmap: user %s now has role %s; their sessions and tokens are revoked\n", name, role_s);
        rc = 0;
    } else {
        db_close(c);
        return usage_error("unknown user subcommand %s (add, list, disable, enable, set-role, token)", sub);
    }
    goto done;
fail:
    fprintf(stderr, "radmap: user %s failed: %s\n", sub, err.detail);
done:
    db_close(c);
    return rc;
}

static int cmd_audit(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "verify") != 0)
        return usage_error("usage: radmap audit verify DB%s", "");
    const char *path = argv[1];
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "radmap: %s does not exist\n", path);
        return 1;
    }
    rm_error err = {0};
    db_conn *c = NULL;
    audit_report rep;
    int rc = 1;
    if (db_open(path, DB_READONLY, &c, &err) < 0 || audit_verify(c, &rep, &err) < 0) {
        fprintf(stderr, "radmap: audit verify failed: %s\n", err.detail);
    } else if (rep.first_bad_id) {
        printf("radmap: audit trail BROKEN: %s\n", rep.problem);
    } else {
        printf("radmap: audit trail intact: %lld rows, hash chain verified\n", (long long)rep.rows);
        rc = 0;
    }
    db_close(c);
    return rc;
}

static void print_backup_info(const char *path, const backup_info *bi)
{
    printf("radmap: %s: %lld bytes, schema version %d, %lld audit rows (hash chain intact)%s%s\n", path,
           (long long)bi->bytes, bi->schema_version, (long long)bi->audit_rows, bi->sha256[0] ? ", sha256 " : "",
           bi->sha256);
}

static int cmd_backup(int argc, char **argv)
{
    if (argc != 2 || argv[0][0] == '-' || argv[1][0] == '-')
        return usage_error("usage: radmap backup DB OUT%s", "");
    rm_error err = {0};
    backup_info bi;
    if (backup_create(argv[0], argv[1], &bi, &err) < 0) {
        fprintf(stderr, "radmap: backup failed, %s not written: %s\n", argv[1], err.detail);
        return 1;
    }
    print_backup_info(argv[1], &bi);
    return 0;
}

static int cmd_restore(int argc, char **argv)
{
    if (argc != 2 || argv[0][0] == '-' || argv[1][0] == '-')
        return usage_error("usage: radmap restore BACKUP DB%s", "");
    rm_error err = {0};
    backup_info bi;
    char saved[4096];
    if (backup_restore(argv[0], argv[1], saved, sizeof saved, &bi, &err) < 0) {
        fprintf(stderr, "radmap: restore failed, %s unchanged: %s\n", argv[1], err.detail);
        return 1;
    }
    if (saved[0])
        printf("radmap: the database it replaced is kept as %s\n", saved);
    printf("radmap: %s restored from %s\n", argv[1], argv[0]);
    print_backup_info(argv[1], &bi);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    db_global_init();
    /* before any thread hashes (tokens, ETags): libsodium picks its implementations here */
    if (sodium_init() < 0) {
        fputs("radmap: libsodium could not start\n", stderr);
        return 1;
    }
    int rc;
    const char *cmd = argv[1];
    if (strcmp(cmd, "init") == 0)
        rc = cmd_init(argc - 2, argv + 2);
    else if (strcmp(cmd, "audit") == 0)
        rc = cmd_audit(argc - 2, argv + 2);
    else if (strcmp(cmd, "user") == 0)
        rc = cmd_user(argc - 2, argv + 2);
    else if (strcmp(cmd, "import") == 0)
        rc = cmd_import(argc - 2, argv + 2);
    else if (strcmp(cmd, "export") == 0)
        rc = cmd_export(argc - 2, argv + 2);
    else if (strcmp(cmd, "tiles") == 0)
        rc = cmd_tiles(argc - 2, argv + 2);
    else if (strcmp(cmd, "duplicates") == 0)
        rc = cmd_duplicates(argc - 2, argv + 2);
    else if (strcmp(cmd, "merge") == 0)
        rc = cmd_merge(argc - 2, argv + 2);
    else if (strcmp(cmd, "parse-worker") == 0)
        rc = sandbox_worker_main(argc - 2, argv + 2); /* internal: the import's sandboxed file reader */
    else if (strcmp(cmd, "serve") == 0)
        rc = cmd_serve(argc - 2, argv + 2);
    else if (strcmp(cmd, "backup") == 0)
        rc = cmd_backup(argc - 2, argv + 2);
    else if (strcmp(cmd, "crs") == 0)
        rc = crs_cli_main(argc - 2, argv + 2);
    else if (strcmp(cmd, "service-area") == 0)
        rc = service_area_cli_main(argc - 2, argv + 2);
    else if (strcmp(cmd, "restore") == 0)
        rc = cmd_restore(argc - 2, argv + 2);
    else if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("radmap 0.1 (schema %d)\n", migrate_latest());
        rc = 0;
    } else if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, stdout);
        rc = 0;
    } else
        rc = usage_error("unknown command %s", cmd);
    db_global_shutdown();
    return rc;
}
