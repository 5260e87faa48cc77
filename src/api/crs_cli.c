/*
 * crs_cli: `radmap crs ...` and `radmap service-area ...`; see crs_cli.h.
 */
#include "api/crs_cli.h"

#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/crs_store.h"
#include "core/buf.h"
#include "db/migrate.h"
#include "db/validate.h"

static const char crs_usage[] =
    "usage: radmap crs list DB\n"
    "       radmap crs add-zone DB --lon0 DEG [--name NAME]    DEG: 106.75 or 106-45 (106°45')\n"
    "       radmap crs remove-zone DB ID\n"
    "       radmap crs set-transformation DB EPSG:NNNN | --towgs84 DX,DY,DZ[,RX,RY,RZ,DS]\n"
    "           [--convention position_vector|coordinate_frame] | --pipeline '+proj=pipeline ...' | --default\n";

static const char area_usage[] = "usage: radmap service-area DB [--bbox W,S,E,N | --reset]\n";

static int usage(const char *text, const char *fmt, const char *arg)
{
    fprintf(stderr, "radmap: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", text);
    return 2;
}

static const char *cli_user(void)
{
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name && *pw->pw_name)
        return pw->pw_name;
    const char *u = getenv("USER");
    return u && *u ? u : "command line";
}

/* Open an existing DB for writing, migrated (the zone table comes with migration 9). */
static int open_db(const char *path, int flags, db_conn **db, rm_error *err)
{
    if (access(path, F_OK) != 0)
        return rm_error_set(err, 404, "No database", "%s does not exist; create it with: radmap init %s", path, path);
    if (db_open(path, flags, db, err) < 0)
        return -1;
    if (flags == DB_READWRITE && migrate_apply(*db, 0, NULL, err) < 0)
        return -1;
    return 0;
}

static int crs_list(db_conn *db, rm_error *err)
{
    if (crs_store_load(db, err) < 0)
        return -1;
    char spec[1024], desc[200], stored[1024];
    crs_transformation_current(spec, sizeof spec, desc, sizeof desc);
    crs_store_transformation(db, stored, sizeof stored);
    printf("VN-2000 to WGS 84 transformation (one for every point): %s%s\n", desc, stored[0] ? "" : " (default)");
    if (strncmp(spec, "EPSG:", 5) != 0)
        printf("  %s\n", spec);
    const crs_info *all[512];
    size_t n = crs_all(all, sizeof all / sizeof all[0]);
    if (n > sizeof all / sizeof all[0])
        n = sizeof all / sizeof all[0];
    printf("%-4s %-26s %-9s %s\n", "zone", "system", "meridian", "title");
    for (size_t i = 0; i < n; i++) {
        const crs_info *c = all[i];
        char dm[16] = "";
        if (c->tm3_minutes)
            crs_format_meridian(c->tm3_minutes, dm, sizeof dm);
        char id[24] = "";
        if (c->zone_id)
            snprintf(id, sizeof id, "%lld", (long long)c->zone_id);
        printf("%-4s %-26s %-9s %s%s%s\n", id, c->label, dm, c->title, c->zone_id ? "  " : "",
               c->zone_id ? c->uri : "");
    }
    printf("admin zones are named by URI: urn:ogc:def:crs:RADMAP::VN2000-TM3-DDD-MM (or RADMAP:VN2000-TM3-DDD-MM)\n");
    return 0;
}

/* "DX,DY,DZ[,RX,RY,RZ,DS]" and a convention into a PROJ Helmert step (rotations in arc-seconds,
 * scale in parts per million: the units of +towgs84 and of WKT's TOWGS84). -1 with err. */
static int towgs84_spec(const char *list, const char *convention, buf *out, rm_error *err)
{
    double v[7];
    int n = 0;
    const char *p = list;
    for (;;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || !isfinite(x))
            return rm_error_set(err, 400, "Invalid parameter", "--towgs84: value %d of '%.80s' is not a number", n + 1,
                                list);
        if (n < 7)
            v[n] = x;
        n++;
        if (!*end)
            break;
        if (*end != ',')
            return rm_error_set(err, 400, "Invalid parameter", "--towgs84 takes numbers separated by commas");
        p = end + 1;
    }
    if (n != 3 && n != 7)
        return rm_error_set(err, 400, "Invalid parameter", "--towgs84 takes 3 (DX,DY,DZ in metres) or 7 values "
                            "(and RX,RY,RZ in arc-seconds, DS in ppm); got %d", n);
    if (strcmp(convention, "position_vector") != 0 && strcmp(convention, "coordinate_frame") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "--convention must be position_vector (as +towgs84 and "
                            "WKT TOWGS84) or coordinate_frame (as EPSG:6960 states its rotations)");
    buf_appendf(out, "+proj=helmert +x=%.15g +y=%.15g +z=%.15g", v[0], v[1], v[2]);
    if (n == 7)
        buf_appendf(out, " +rx=%.15g +ry=%.15g +rz=%.15g +s=%.15g +convention=%s", v[3], v[4], v[5], v[6],
                    convention);
    return 0;
}

int crs_cli_main(int argc, char **argv)
{
    if (argc < 2)
        return usage(crs_usage, "crs needs a subcommand and a database%s", "");
    const char *sub = argv[0], *path = argv[1];
    const char *lon0 = NULL, *name = NULL, *towgs84 = NULL, *convention = "position_vector", *pipeline = NULL;
    const char *spec = NULL, *id_s = NULL;
    bool reset = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--lon0") == 0 && v)
            lon0 = v, i++;
        else if (strcmp(a, "--name") == 0 && v)
            name = v, i++;
        else if (strcmp(a, "--towgs84") == 0 && v)
            towgs84 = v, i++;
        else if (strcmp(a, "--convention") == 0 && v)
            convention = v, i++;
        else if (strcmp(a, "--pipeline") == 0 && v)
            pipeline = v, i++;
        else if (strcmp(a, "--default") == 0)
            reset = true;
        else if (a[0] == '-' && a[1] == '-')
            return usage(crs_usage, "unknown or incomplete option %s for crs", a);
        else if (strcmp(sub, "set-transformation") == 0 && !spec)
            spec = a;
        else if (strcmp(sub, "remove-zone") == 0 && !id_s)
            id_s = a;
        else
            return usage(crs_usage, "unexpected argument %s", a);
    }
    rm_error err = {0};
    db_conn *db = NULL;
    int rc = 1;
    buf b = BUF_INIT;
    if (strcmp(sub, "list") == 0) {
        if (argc != 2)
            return usage(crs_usage, "crs list takes only DB%s", "");
        if (open_db(path, DB_READONLY, &db, &err) < 0 || crs_list(db, &err) < 0)
            goto fail;
        rc = 0;
    } else if (strcmp(sub, "add-zone") == 0) {
        if (!lon0)
            return usage(crs_usage, "crs add-zone needs --lon0 DEG%s", "");
        int minutes = crs_parse_meridian(lon0, "--lon0", &err);
        if (minutes < 0) {
            fprintf(stderr, "radmap: %s; nothing written\n", err.detail);
            return 2;
        }
        char dm[16], def_name[40];
        crs_format_meridian(minutes, dm, sizeof dm);
        snprintf(def_name, sizeof def_name, "TM-3 %s", dm);
        int64_t id = 0;
        if (open_db(path, DB_READWRITE, &db, &err) < 0 ||
            crs_store_add_zone(db, minutes, name ? name : def_name, cli_user(), &id, &err) < 0)
            goto fail;
        printf("radmap: zone %lld '%s' defined: VN-2000 TM-3, central meridian %s (%.10g°), scale 0.9999, false "
               "easting 500000 m\n", (long long)id, name ? name : def_name, dm, minutes / 60.0);
        printf("radmap: its URI is urn:ogc:def:crs:RADMAP::VN2000-TM3-%s (or RADMAP:VN2000-TM3-%s); servers running "
               "on %s accept it from their next request\n", dm, dm, path);
        rc = 0;
    } else if (strcmp(sub, "remove-zone") == 0) {
        char *end = NULL;
        long long id = id_s ? strtoll(id_s, &end, 10) : 0;
        if (!id_s || *end || id <= 0)
            return usage(crs_usage, "crs remove-zone needs the zone's id (radmap crs list shows it)%s", "");
        if (open_db(path, DB_READWRITE, &db, &err) < 0 || crs_store_remove_zone(db, id, cli_user(), &err) < 0)
            goto fail;
        printf("radmap: zone %lld removed; servers running on %s stop accepting it from their next request\n", id,
               path);
        rc = 0;
    } else if (strcmp(sub, "set-transformation") == 0) {
        int given = (spec != NULL) + (towgs84 != NULL) + (pipeline != NULL) + reset;
        if (given != 1)
            return usage(crs_usage, "crs set-transformation needs exactly one of EPSG:NNNN, --towgs84, --pipeline, "
                         "--default%s", "");
        if (towgs84 && towgs84_spec(towgs84, convention, &b, &err) < 0) {
            fprintf(stderr, "radmap: %s; nothing written\n", err.detail);
            buf_free(&b);
            return 2;
        }
        const char *s = reset ? NULL : towgs84 ? b.data : pipeline ? pipeline : spec;
        char canon[1024], desc[200];
        if (open_db(path, DB_READWRITE, &db, &err) < 0 ||
            crs_store_set_transformation(db, s, cli_user(), canon, sizeof canon, &err) < 0)
            goto fail;
        crs_transformation_check(canon, canon, sizeof canon, desc, sizeof desc, NULL);
        printf("radmap: VN-2000 to WGS 84 transformation set to %s%s\n", desc, reset ? " (the default)" : "");
        if (strncmp(canon, "EPSG:", 5) != 0)
            printf("radmap: stored as: %s\n", canon);
        printf("radmap: every VN-2000 position in and out now goes through it; servers running on %s drop their "
               "cached transforms at their next request (no restart). Positions already stored are not moved.\n",
               path);
        rc = 0;
    } else {
        return usage(crs_usage, "unknown crs subcommand %s (list, add-zone, remove-zone, set-transformation)", sub);
    }
    goto done;
fail:
    fprintf(stderr, "radmap: crs %s failed, nothing written: %s\n", sub, err.detail);
done:
    buf_free(&b);
    db_close(db);
    return rc;
}

int service_area_cli_main(int argc, char **argv)
{
    const char *path = NULL, *bbox = NULL;
    bool reset = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--bbox") == 0 && v)
            bbox = v, i++;
        else if (strcmp(a, "--reset") == 0)
            reset = true;
        else if (a[0] == '-' && a[1] == '-')
            return usage(area_usage, "unknown or incomplete option %s for service-area", a);
        else if (!path)
            path = a;
        else
            return usage(area_usage, "unexpected argument %s", a);
    }
    if (!path)
        return usage(area_usage, "service-area needs a database%s", "");
    if (bbox && reset)
        return usage(area_usage, "give --bbox or --reset, not both%s", "");
    rm_error err = {0};
    double area[4];
    if (bbox && validate_service_area_parse(bbox, "--bbox", area, &err) < 0) {
        fprintf(stderr, "radmap: %s; nothing written\n", err.detail);
        return 2;
    }
    db_conn *db = NULL;
    int rc = 1;
    bool writing = bbox || reset;
    if (open_db(path, writing ? DB_READWRITE : DB_READONLY, &db, &err) < 0)
        goto fail;
    if (writing && validate_service_area_set(db, reset ? NULL : area, cli_user(), &err) < 0)
        goto fail;
    bool set = validate_service_area(db, area);
    printf("radmap: service area %.10g,%.10g,%.10g,%.10g (W,S,E,N, WGS 84)%s\n", area[0], area[1], area[2], area[3],
           set ? "" : " (the default: Viet Nam with its islands)");
    if (writing) {
        /* Not refused (they are the register), but worth knowing: the next edit of one will be. */
        sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM facility WHERE lon < ?1 OR lon > ?3 OR lat < ?2 OR "
                                       "lat > ?4", NULL);
        if (st) {
            for (int i = 0; i < 4; i++)
                sqlite3_bind_double(st, i + 1, area[i]);
            long long out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            db_stmt_done(st);
            if (out)
                printf("radmap: note: %lld facilities lie outside it; they stay, but a write that gives them a "
                       "position must put them inside\n", out);
        }
        printf("radmap: new and moved points must lie inside it from the next write on, also on a running server\n");
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "radmap: service-area failed, nothing written: %s\n", err.detail);
done:
    db_close(db);
    return rc;
}
