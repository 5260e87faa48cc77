/*
 * demo: the deterministic generator of the demo register; see demo.h for the contract and
 * demo_names.h for the places, names and equipment it draws from.
 *
 * One pass writes everything. For each facility: its licensee (unless the facility is another
 * branch of a chain that already has one), the facility, its practices, then its devices and
 * sources. Five prepared statements are rebound and reset for every row inside one transaction,
 * and all text is formatted into buffers that live as long as the generator, so a million
 * facilities cost no allocation per row.
 *
 * Determinism: every choice comes from one xoshiro256** stream seeded through splitmix64 from
 * opt->seed, and reference dates count back from date_today() (RADMAP_TODAY pins it), so the same
 * seed on the same day writes the same rows. created_at and updated_at hold the load time, read
 * once from SQLite as the schema default would give it.
 *
 * Speed: a million facilities are 5.7 million rows. When the triggers on the written tables are
 * the known ones, they are off during the load and their work (spatial indexes, layer_stat) is
 * done once at the end; see "bulk load" below. Other demo parts (receptors, licensing ...) run
 * inside the same transaction with triggers on for their own statements.
 *
 * Shape: the demo city starts with the anchors (real hospitals, the irradiator, the firm that
 * lost a camera), then generated facilities whose kinds follow fixed shares, drawn with a golden
 * ratio sequence so that the counts per kind are exact to one or two whatever the seed. A place
 * is drawn by the kind's group (medical, industrial, oil and gas) and its weights; the point is
 * drawn around the place's centre and redrawn until it falls inside the place's land box.
 */
#include "db/demo.h"
#include "db/demo_receptors.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/fold.h"
#include "db/demo_int.h"
#include "db/demo_compliance.h"
#include "db/demo_lifecycle.h"
#include "db/demo_licensing.h"

#define DEMO_CITY_FACILITIES 1500
#define DEMO_MAX_FACILITIES 1000000L
#define DEMO_BULK_CACHE_KIB 262144 /* page cache while loading; the caller's is put back after */
#define DEMO_LABEL "Dữ liệu minh họa - demo data, not a real register"

/* ---- kinds ---------------------------------------------------------------------------------- */

/* practice.key and the two letters of the facility code */
static const struct {
    const char *key;
    const char *code;
} demo_practices[P_COUNT] = {
    [P_MEDICAL_XRAY] = {"medical_xray", "XQ"},       [P_NUCLEAR_MEDICINE] = {"nuclear_medicine", "YH"},
    [P_RADIOTHERAPY] = {"radiotherapy", "XT"},       [P_RADIOGRAPHY] = {"industrial_radiography", "CA"},
    [P_GAUGE] = {"industrial_gauge", "DO"},          [P_WELL_LOGGING] = {"well_logging", "GK"},
    [P_RESEARCH] = {"research", "NC"},               [P_IRRADIATOR] = {"irradiator", "CX"},
    [P_STORAGE] = {"storage", "LG"},                 [P_OTHER] = {"other", "KH"},
};

/* Shares of generated facilities. With the device and source counts in demo_equip() they give
 * about 2.3 devices and 0.4 sources per facility, the ratio of the real city register. The
 * irradiator share only applies when scaling up: the demo city has exactly its anchor. */
static const struct {
    int practice;
    int group;
    double share;
    double chain;        /* chance that a new licensee is a chain with several sites */
    const char *branch;  /* before the number of a chain's second and later sites */
} demo_kinds[DK_COUNT] = {
    [DK_HOSPITAL] = {P_MEDICAL_XRAY, G_MED, 0.070, 0.08, " - cơ sở "},
    [DK_CLINIC] = {P_MEDICAL_XRAY, G_MED, 0.365, 0.12, " - cơ sở "},
    [DK_DENTAL] = {P_MEDICAL_XRAY, G_MED, 0.288, 0.15, " - cơ sở "},
    [DK_IMAGING] = {P_MEDICAL_XRAY, G_MED, 0.040, 0.25, " - cơ sở "},
    [DK_NM] = {P_NUCLEAR_MEDICINE, G_MED, 0.007, 0, NULL},
    [DK_RT] = {P_RADIOTHERAPY, G_MED, 0.004, 0, NULL},
    [DK_GAUGE] = {P_GAUGE, G_IND, 0.090, 0.10, " - Nhà máy "},
    [DK_RADIOGRAPHY] = {P_RADIOGRAPHY, G_IND, 0.022, 0, NULL},
    [DK_LOGGING] = {P_WELL_LOGGING, G_OIL, 0.007, 0.20, " - căn cứ "},
    [DK_RESEARCH] = {P_RESEARCH, G_MED, 0.018, 0.25, NULL},
    [DK_IRRADIATOR] = {P_IRRADIATOR, G_IND, 0.0005, 0, NULL},
    [DK_STORAGE] = {P_STORAGE, G_IND, 0.004, 0, NULL},
    [DK_SECURITY] = {P_OTHER, G_IND, 0.045, 0.30, " - chi nhánh "},
    [DK_INDXRAY] = {P_OTHER, G_IND, 0.0395, 0.15, " - Nhà máy "},
};

static const char *const demo_facility_status[] = {"operating", "suspended", "closed"};

/* ---- SQL ------------------------------------------------------------------------------------ */

static const char *const demo_sql_org =
    "INSERT INTO organization(name, tax_code, address, phone, email, legal_representative, record_owner, "
    "external_ref, is_demo, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9)";
static const char *const demo_sql_fac =
    "INSERT INTO facility(code, name, organization_id, practice, address, ward, legacy_district, legacy_ward, "
    "legacy_province, status, contact_name, contact_phone, contact_email, lon, lat, search_key, record_owner, "
    "external_ref, is_demo, geom, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
    "?12, ?13, ?14, ?15, ?16, ?17, ?18, 1, MakePoint(?14, ?15, 4326), ?19, ?19)";
static const char *const demo_sql_prac = "INSERT INTO facility_practice(facility_id, practice) VALUES (?1, ?2)";
static const char *const demo_sql_src =
    "INSERT INTO source(facility_id, nuclide, form, serial_no, manufacturer, model, activity_bq, reference_date, "
    "status, own_location, lon, lat, record_owner, external_ref, is_demo, geom, created_at, updated_at) VALUES (?1, "
    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, MakePoint(?11, ?12, 4326), ?15, ?15)";
static const char *const demo_sql_dev =
    "INSERT INTO device(facility_id, type, manufacturer, model, serial_no, max_kv, max_ma, room, status, "
    "own_location, lon, lat, record_owner, external_ref, is_demo, geom, created_at, updated_at) VALUES (?1, ?2, ?3, "
    "?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12, ?13, 1, MakePoint(?10, ?11, 4326), ?14, ?14)";

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Step an insert and reset it. 0, or -1 with the error left on the connection. */
static int demo_step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static const char *demo_owner(int varans) { return varans ? "varans" : "department"; }

/* Remember a point written to layer t (DEMO_L_*) for the bulk finish: its R*Tree entry and the
 * layer's extent. */
static int demo_collect(demo_ctx *c, int t, sqlite3_int64 id, double lon, double lat)
{
    demo_layer *l = &c->layer[t];
    if (!c->bulk)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        rtree_point *grown = realloc(l->pts, cap * sizeof *grown);
        if (!grown) {
            c->why = "out of memory";
            return -1;
        }
        l->pts = grown;
        l->cap = cap;
    }
    l->pts[l->n] = (rtree_point){id, lon, lat};
    if (l->n == 0 || lon < l->extent[0])
        l->extent[0] = lon;
    if (l->n == 0 || lat < l->extent[1])
        l->extent[1] = lat;
    if (l->n == 0 || lon > l->extent[2])
        l->extent[2] = lon;
    if (l->n == 0 || lat > l->extent[3])
        l->extent[3] = lat;
    l->n++;
    return 0;
}

/* ---- rows ----------------------------------------------------------------------------------- */

/* Insert the licensee described by org_name/domain/address; its id becomes chain->org_id. */
static int demo_insert_org(demo_ctx *c, demo_chain *chain, int varans)
{
    demo_rng *r = &c->rng;
    const demo_province *pv = c->f.province;
    char local[48];
    demo_fmt(c->tax, sizeof c->tax, "%s%08lu", pv->tax_prefix, demo_scramble(c->org_seq++, 100000000ul, c->org_key));
    demo_fmt(c->org_address, sizeof c->org_address, "%s, %s, %s", c->address, c->f.place->ward, pv->city);
    demo_landline(c, c->org_phone, sizeof c->org_phone);
    demo_person(c, c->legal_rep, sizeof c->legal_rep, local, sizeof local);
    double u = rng_unit(r);
    if (!c->f.anchor && (c->f.kind == DK_CLINIC || c->f.kind == DK_DENTAL) && u < 0.25) {
        /* small clinics often run on a free mailbox */
        char s[64];
        demo_slug(c, c->brand, s, sizeof s);
        demo_fmt(c->org_email, sizeof c->org_email, "%s%s%d@gmail.com", c->f.kind == DK_DENTAL ? "nhakhoa" : "pk", s,
                 rng_range(r, 1, 99));
    } else {
        demo_fmt(c->org_email, sizeof c->org_email, "%s@%s", u < 0.6 ? "info" : "lienhe", c->domain);
    }
    sqlite3_stmt *st = c->st_org;
    c->doing = "organization";
    c->doing_what = c->org_name;
    bind_text(st, 1, c->org_name);
    bind_text(st, 2, c->tax);
    bind_text(st, 3, c->org_address);
    bind_text(st, 4, c->org_phone);
    bind_text(st, 5, c->org_email);
    bind_text(st, 6, c->legal_rep);
    bind_text(st, 7, demo_owner(varans));
    bind_text(st, 8, varans ? c->licence : NULL);
    if (demo_step(st) < 0)
        return -1;
    chain->org_id = sqlite3_last_insert_rowid(c->db);
    demo_fmt(chain->org, sizeof chain->org, "%s", c->org_name);
    demo_fmt(chain->domain, sizeof chain->domain, "%s", c->domain);
    return 0;
}

static int demo_insert_device(demo_ctx *c, int type, int index, int count)
{
    demo_rng *r = &c->rng;
    const demo_device_type *t = &demo_device_types[type];
    unsigned m;
    if (type == DT_XRAY_SECURITY) /* container scanners (the last two) are rare */
        m = rng_chance(r, c->f.size > 1 ? 0.25 : 0.06) ? t->n_models - 1 - rng_below(r, 2)
                                                       : rng_below(r, t->n_models - 2);
    else if (type == DT_INDUSTRIAL_XRAY && c->f.kind != DK_INDXRAY) /* portable NDT tubes only */
        m = rng_below(r, DEMO_NDT_TUBES);
    else
        m = rng_below(r, t->n_models);
    const demo_device_model *dm = &t->models[m];
    demo_fmt(c->serial, sizeof c->serial, "%07lu", demo_scramble(c->dev_seq++, 10000000ul, c->dev_key));
    if (type == DT_MOBILE) /* a mobile unit is kept on a ward */
        demo_fmt(c->room, sizeof c->room, "%s", demo_mobile_ward.v[(unsigned)index % demo_mobile_ward.n]);
    else if (count > 1)
        demo_fmt(c->room, sizeof c->room, "%s %d", t->room, index + 1);
    else
        demo_fmt(c->room, sizeof c->room, "%s", t->room);

    const char *status = "in_use";
    if (c->f.status == ST_SUSPENDED)
        status = "stored";
    else if (c->f.status == ST_CLOSED)
        status = rng_chance(r, 0.6) ? "disused" : "transferred";
    else {
        double u = rng_unit(r);
        status = u < 0.03 ? "stored" : u < 0.06 ? "disused" : u < 0.07 ? "transferred" : "in_use";
    }
    /* Accelerators and industrial sets of a VARANS licensee are VARANS's; diagnostic X-ray is
     * always licensed here. */
    int varans = c->f.varans && (type == DT_LINAC || type == DT_CYCLOTRON || type == DT_INDUSTRIAL_XRAY);

    sqlite3_stmt *st = c->st_dev;
    c->doing = "device";
    c->doing_what = t->key;
    sqlite3_bind_int64(st, 1, c->f.id);
    bind_text(st, 2, t->key);
    bind_text(st, 3, dm->manufacturer);
    bind_text(st, 4, dm->model);
    bind_text(st, 5, c->serial);
    if (dm->max_kv > 0)
        sqlite3_bind_double(st, 6, dm->max_kv);
    else
        sqlite3_bind_null(st, 6);
    if (dm->max_ma > 0)
        sqlite3_bind_double(st, 7, dm->max_ma);
    else
        sqlite3_bind_null(st, 7);
    bind_text(st, 8, c->room);
    bind_text(st, 9, status);
    sqlite3_bind_double(st, 10, c->f.lon);
    sqlite3_bind_double(st, 11, c->f.lat);
    bind_text(st, 12, demo_owner(varans));
    bind_text(st, 13, varans ? c->licence : NULL);
    if (demo_step(st) < 0)
        return -1;
    return demo_collect(c, DEMO_L_DEVICE, sqlite3_last_insert_rowid(c->db), c->f.lon, c->f.lat);
}

static int demo_devices(demo_ctx *c, int type, int count)
{
    for (int i = 0; i < count; i++)
        if (demo_insert_device(c, type, i, count) < 0)
            return -1;
    return 0;
}

/* Round to three significant digits, as activities are written on certificates. */
static double demo_round3(double x)
{
    double p = pow(10.0, floor(log10(x)) - 2.0);
    return floor(x / p + 0.5) * p;
}

static int demo_varans_profile(int sp)
{
    switch (sp) {
    case SP_RADIOG_IR192: case SP_RADIOG_SE75: case SP_RADIOG_CO60: case SP_TELE_CO60: case SP_HDR_IR192:
    case SP_HDR_CO60: case SP_SEED_I125: case SP_CHECK_SR90: case SP_IRRAD_CO60:
        return 1;
    default:
        return 0;
    }
}

/* Insert one source of profile sp. age_d < 0: draw the age from the profile. */
static int demo_insert_source(demo_ctx *c, int sp, int age_d)
{
    demo_rng *r = &c->rng;
    const demo_source_profile *p = &demo_source_profiles[sp];
    const demo_maker *mk = &p->makers[rng_below(r, p->n_makers)];
    double activity = demo_round3(p->activity_min_bq *
                                  exp(rng_unit(r) * log(p->activity_max_bq / p->activity_min_bq)));
    if (age_d < 0)
        age_d = rng_range(r, p->age_min_d, p->age_max_d);
    date_format(c->today - age_d, c->date);
    demo_fmt(c->serial, sizeof c->serial, "%s%06lu", p->serial_prefix,
             demo_scramble(c->src_seq++, 1000000ul, c->src_key));

    const char *status = "in_use";
    int own = 0;
    double lon = c->f.lon, lat = c->f.lat;
    if (c->f.lost_pending && sp == SP_RADIOG_IR192) {
        /* The register's one lost source: last seen on the road, away from its facility. */
        c->f.lost_pending = 0;
        status = "lost";
        own = 1;
        lon = c->f.anchor->lost_lon;
        lat = c->f.anchor->lost_lat;
    } else if (c->f.status == ST_SUSPENDED) {
        status = "stored";
    } else if (c->f.status == ST_CLOSED) {
        status = rng_chance(r, 0.6) ? "transferred" : "disposed";
    } else if (c->f.kind == DK_STORAGE || sp == SP_LEGACY_RA226) {
        status = rng_chance(r, 0.5) ? "stored" : "disused";
    } else if (!p->unsealed && c->f.kind != DK_IRRADIATOR && !c->f.anchor) {
        double u = rng_unit(r);
        status = u < 0.02 ? "stored" : u < 0.045 ? "disused" : u < 0.06 ? "disposed" : u < 0.065 ? "transferred"
                                                                                        : "in_use";
    }

    sqlite3_stmt *st = c->st_src;
    c->doing = "source";
    c->doing_what = p->nuclide;
    sqlite3_bind_int64(st, 1, c->f.id);
    bind_text(st, 2, p->nuclide);
    bind_text(st, 3, p->unsealed ? "unsealed" : "sealed");
    bind_text(st, 4, c->serial);
    bind_text(st, 5, mk->manufacturer);
    bind_text(st, 6, mk->model);
    sqlite3_bind_double(st, 7, activity);
    bind_text(st, 8, c->date);
    bind_text(st, 9, status);
    sqlite3_bind_int(st, 10, own);
    sqlite3_bind_double(st, 11, lon);
    sqlite3_bind_double(st, 12, lat);
    /* A VARANS licensee's radiotherapy, radiography and irradiation sources are VARANS's rows;
     * its nuclear medicine stock stays with the department, like its diagnostic X-ray. */
    int varans = c->f.varans && demo_varans_profile(sp);
    bind_text(st, 13, demo_owner(varans));
    bind_text(st, 14, varans ? c->licence : NULL);
    if (demo_step(st) < 0)
        return -1;
    return demo_collect(c, DEMO_L_SOURCE, sqlite3_last_insert_rowid(c->db), lon, lat);
}

static int demo_sources(demo_ctx *c, int sp, int count)
{
    for (int i = 0; i < count; i++)
        if (demo_insert_source(c, sp, -1) < 0)
            return -1;
    return 0;
}

/* ---- equipment per kind --------------------------------------------------------------------- */

#define TRY(x)            \
    do {                  \
        if ((x) < 0)      \
            return -1;    \
    } while (0)

/* n when the chance hits, else 0 */
static int demo_maybe(demo_ctx *c, double p, int n) { return rng_chance(&c->rng, p) ? n : 0; }

/* A nuclear medicine department: cameras and its reference sources and unsealed stock. */
static int demo_equip_nm(demo_ctx *c, int s, int pet, int cyclotron)
{
    demo_rng *r = &c->rng;
    TRY(demo_devices(c, DT_SPECT_CT, rng_range(r, 1, s)));
    TRY(demo_devices(c, DT_PET_CT, pet ? rng_range(r, 1, s > 1 ? 2 : 1) : 0));
    TRY(demo_devices(c, DT_CYCLOTRON, cyclotron ? 1 : 0));
    TRY(demo_sources(c, SP_NM_CS137, 1));
    TRY(demo_sources(c, SP_NM_BA133, demo_maybe(c, 0.5, 1)));
    TRY(demo_sources(c, SP_NM_CO57, demo_maybe(c, 0.6, 1)));
    TRY(demo_sources(c, SP_NM_I131, 1));
    TRY(demo_sources(c, SP_NM_TC99M, 1));
    if (pet) {
        TRY(demo_sources(c, SP_NM_GE68, rng_range(r, 1, 2)));
        TRY(demo_sources(c, SP_NM_NA22, 1));
    }
    if (cyclotron)
        TRY(demo_sources(c, SP_NM_F18, 1));
    return 0;
}

/* The diagnostic side of a hospital, scaled by size. */
static int demo_equip_hospital_xray(demo_ctx *c, int s)
{
    demo_rng *r = &c->rng;
    TRY(demo_devices(c, DT_GENERAL, rng_range(r, 2, 4) * s));
    TRY(demo_devices(c, DT_MOBILE, rng_range(r, 1, 3) * s));
    TRY(demo_devices(c, DT_CT, s > 1 ? rng_range(r, 2, 2 * s) : demo_maybe(c, 0.85, rng_range(r, 1, 2))));
    TRY(demo_devices(c, DT_MAMMOGRAPHY, s > 1 ? rng_range(r, 1, s) : demo_maybe(c, 0.55, 1)));
    TRY(demo_devices(c, DT_FLUOROSCOPY, demo_maybe(c, s > 1 ? 1.0 : 0.7, rng_range(r, 1, 3) * s)));
    TRY(demo_devices(c, DT_BONE_DENSITOMETRY, demo_maybe(c, s > 1 ? 0.8 : 0.35, 1)));
    TRY(demo_devices(c, DT_DENTAL, demo_maybe(c, 0.4, rng_range(r, 1, 2))));
    return 0;
}

static int demo_equip(demo_ctx *c)
{
    demo_rng *r = &c->rng;
    demo_facility *f = &c->f;
    int s = f->size;
    switch (f->kind) {
    case DK_HOSPITAL:
        TRY(demo_equip_hospital_xray(c, s));
        if (f->extra & XP_NM)
            TRY(demo_equip_nm(c, 1, 0, 0));
        break;
    case DK_CLINIC: {
        /* a general unit, then extras by how common they are, three units at most */
        static const struct {
            int type;
            double p;
        } extra[] = {{DT_GENERAL, 0.3},  {DT_DENTAL, 0.15}, {DT_MAMMOGRAPHY, 0.12}, {DT_BONE_DENSITOMETRY, 0.10},
                     {DT_CT, 0.08},      {DT_MOBILE, 0.05}, {DT_FLUOROSCOPY, 0.03}};
        int n = 1;
        TRY(demo_devices(c, DT_GENERAL, 1));
        for (size_t i = 0; i < sizeof extra / sizeof extra[0] && n < 3; i++)
            if (rng_chance(r, extra[i].p)) {
                TRY(demo_insert_device(c, extra[i].type, 0, 1));
                n++;
            }
        break;
    }
    case DK_DENTAL: /* an intraoral unit, often a panoramic or cone-beam one beside it */
        TRY(demo_devices(c, DT_DENTAL, rng_chance(r, 0.55) ? 1 : 2));
        break;
    case DK_IMAGING:
        TRY(demo_devices(c, DT_GENERAL, rng_range(r, 1, 2)));
        TRY(demo_devices(c, DT_CT, demo_maybe(c, 0.9, 1)));
        TRY(demo_devices(c, DT_MAMMOGRAPHY, demo_maybe(c, 0.6, 1)));
        TRY(demo_devices(c, DT_BONE_DENSITOMETRY, demo_maybe(c, 0.5, 1)));
        TRY(demo_devices(c, DT_FLUOROSCOPY, demo_maybe(c, 0.2, 1)));
        break;
    case DK_NM: {
        int pet = (f->flags & DA_PET) || (!f->anchor && rng_chance(r, 0.4));
        int cyclotron = (f->flags & DA_CYCLOTRON) || (!f->anchor && pet && rng_chance(r, 0.15));
        TRY(demo_equip_hospital_xray(c, s));
        TRY(demo_equip_nm(c, s, pet, cyclotron));
        break;
    }
    case DK_RT: {
        TRY(demo_devices(c, DT_LINAC, rng_range(r, 1, 3) + 2 * (s - 1)));
        TRY(demo_devices(c, DT_CT, rng_range(r, 1, 2) * s));
        TRY(demo_devices(c, DT_GENERAL, rng_range(r, 2, 4) * s));
        TRY(demo_devices(c, DT_MOBILE, rng_range(r, 1, 2) * s));
        TRY(demo_devices(c, DT_FLUOROSCOPY, demo_maybe(c, 0.5, s)));
        TRY(demo_sources(c, SP_HDR_IR192, f->anchor ? 1 : demo_maybe(c, 0.85, 1)));
        TRY(demo_sources(c, SP_TELE_CO60, (f->flags & DA_TELETHERAPY) || (!f->anchor && rng_chance(r, 0.3))));
        TRY(demo_sources(c, SP_HDR_CO60, demo_maybe(c, 0.1, 1)));
        TRY(demo_sources(c, SP_SEED_I125, demo_maybe(c, 0.15, 1)));
        TRY(demo_sources(c, SP_CHECK_SR90, 1));
        TRY(demo_sources(c, SP_CHECK_CS137, demo_maybe(c, 0.5, 1)));
        if (f->extra & XP_NM) {
            int pet = (f->flags & DA_PET) || (!f->anchor && rng_chance(r, 0.3));
            TRY(demo_equip_nm(c, s, pet, (f->flags & DA_CYCLOTRON) != 0));
        }
        break;
    }
    case DK_GAUGE: {
        switch (demo_sectors[f->sector].gauges) {
        case DEMO_GAUGE_PROCESS:
            for (int i = rng_chance(r, 0.5) ? 1 : rng_range(r, 2, 3); i > 0; i--)
                TRY(demo_sources(c, rng_chance(r, 0.8) ? SP_GAUGE_CS137 : SP_GAUGE_CO60, 1));
            break;
        case DEMO_GAUGE_WEB:
            for (int i = rng_range(r, 1, 2); i > 0; i--) {
                double u = rng_unit(r);
                TRY(demo_sources(c, u < 0.45 ? SP_GAUGE_KR85 : u < 0.75 ? SP_GAUGE_SR90 : SP_GAUGE_AM241, 1));
            }
            break;
        case DEMO_GAUGE_FILL:
            for (int i = rng_range(r, 1, 2); i > 0; i--)
                TRY(demo_sources(c, rng_chance(r, 0.7) ? SP_GAUGE_AM241 : SP_GAUGE_CS137, 1));
            break;
        default: /* each portable gauge holds a density and a neutron source */
            for (int i = rng_chance(r, 0.8) ? 1 : 2; i > 0; i--) {
                TRY(demo_sources(c, SP_SOIL_CS137, 1));
                TRY(demo_sources(c, SP_SOIL_AMBE, 1));
            }
        }
        TRY(demo_devices(c, DT_INDUSTRIAL_XRAY, (f->extra & XP_OTHER) ? 1 : 0));
        TRY(demo_devices(c, DT_XRF_ANALYSER, demo_maybe(c, 0.10, 1)));
        TRY(demo_devices(c, DT_XRAY_SECURITY, demo_maybe(c, 0.04, 1)));
        break;
    }
    case DK_RADIOGRAPHY:
        TRY(demo_sources(c, SP_RADIOG_IR192, rng_range(r, 1, 3)));
        TRY(demo_sources(c, SP_RADIOG_SE75, demo_maybe(c, 0.45, 1)));
        TRY(demo_sources(c, SP_RADIOG_CO60, demo_maybe(c, 0.08, 1)));
        TRY(demo_devices(c, DT_INDUSTRIAL_XRAY, demo_maybe(c, 0.85, rng_range(r, 1, 3))));
        break;
    case DK_LOGGING:
        TRY(demo_sources(c, SP_LOG_CS137, rng_range(r, 1, 3)));
        TRY(demo_sources(c, SP_LOG_AMBE, rng_range(r, 1, 3)));
        TRY(demo_sources(c, SP_CHECK_CS137, demo_maybe(c, 0.5, 1)));
        break;
    case DK_RESEARCH: {
        static const int cal[] = {SP_CAL_CS137, SP_CAL_CO60, SP_CAL_AM241, SP_CAL_NA22, SP_CAL_BA133, SP_CAL_SR90};
        for (int i = rng_range(r, 1, 3) * s; i > 0; i--)
            TRY(demo_sources(c, cal[rng_below(r, 6)], 1));
        TRY(demo_sources(c, SP_RES_AMBE, s > 1 ? 1 : demo_maybe(c, 0.1, 1)));
        TRY(demo_sources(c, SP_LEGACY_RA226, s > 1 ? 1 : demo_maybe(c, 0.08, 1)));
        TRY(demo_devices(c, DT_XRF_ANALYSER, demo_maybe(c, 0.4, 1)));
        TRY(demo_devices(c, DT_INDUSTRIAL_XRAY, demo_maybe(c, 0.2, 1)));
        break;
    }
    case DK_IRRADIATOR:
        /* Pencils come in batches every few years; each batch is one row. */
        for (int i = 0; i < 4; i++)
            TRY(demo_insert_source(c, SP_IRRAD_CO60, (1 + 3 * i) * 365 + rng_range(r, -60, 60)));
        break;
    case DK_STORAGE:
        for (int i = rng_range(r, 2, 7); i > 0; i--) {
            double u = rng_unit(r);
            TRY(demo_sources(c, u < 0.4 ? SP_OLD_CS137 : u < 0.6 ? SP_LEGACY_RA226 : u < 0.8 ? SP_OLD_AM241
                              : u < 0.9 ? SP_OLD_CO60 : SP_CAL_CS137, 1));
        }
        break;
    case DK_SECURITY:
        TRY(demo_devices(c, DT_XRAY_SECURITY, rng_range(r, 1, 5) * s));
        break;
    case DK_INDXRAY:
        TRY(demo_devices(c, DT_INDUSTRIAL_XRAY, rng_range(r, 1, 3)));
        TRY(demo_devices(c, DT_XRF_ANALYSER, demo_maybe(c, 0.5, rng_range(r, 1, 2))));
        break;
    default:
        assert(0);
    }
    return 0;
}

/* ---- facilities ----------------------------------------------------------------------------- */

static int demo_industrial_address(int kind)
{
    return kind == DK_GAUGE || kind == DK_INDXRAY || kind == DK_IRRADIATOR || kind == DK_STORAGE ||
           kind == DK_LOGGING || kind == DK_RADIOGRAPHY;
}

static const demo_place *demo_pick_place(demo_ctx *c, int group)
{
    const double *cum = c->place_cum[group];
    double x = rng_unit(&c->rng) * cum[demo_place_count - 1];
    unsigned lo = 0, hi = demo_place_count - 1;
    while (lo < hi) { /* first entry whose cumulative weight exceeds x */
        unsigned mid = (lo + hi) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return &demo_places[lo];
}

/* A point around the place's centre, redrawn until it lies in the land box. */
static void demo_point(demo_ctx *c, const demo_place *p, double *lon, double *lat)
{
    double box[4];
    if (p->box[0] == 0) {
        box[0] = p->lon - 3 * p->sigma_deg;
        box[1] = p->lat - 3 * p->sigma_deg;
        box[2] = p->lon + 3 * p->sigma_deg;
        box[3] = p->lat + 3 * p->sigma_deg;
    } else {
        memcpy(box, p->box, sizeof box);
    }
    for (int tries = 0; tries < 32; tries++) {
        double x = p->lon + p->sigma_deg * rng_gauss(&c->rng);
        double y = p->lat + p->sigma_deg * rng_gauss(&c->rng);
        if (x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3]) {
            *lon = floor(x * 1e6 + 0.5) / 1e6; /* 0.1 m: no false precision in exports */
            *lat = floor(y * 1e6 + 0.5) / 1e6;
            return;
        }
    }
    *lon = p->lon;
    *lat = p->lat;
}

static const demo_place *demo_place_of_ward(const char *ward)
{
    for (unsigned i = 0; i < demo_place_count; i++)
        if (strcmp(demo_places[i].ward, ward) == 0)
            return &demo_places[i];
    return NULL;
}

/* Write the facility in c->f (kind, place and point already chosen): licensee, row, practices,
 * equipment. */
static int demo_facility_write(demo_ctx *c)
{
    demo_rng *r = &c->rng;
    demo_facility *f = &c->f;
    const demo_anchor *a = f->anchor;
    int practice = demo_kinds[f->kind].practice;
    f->province = &demo_provinces[f->place->province];

    /* Extra practices decide the equipment, so they are drawn first. */
    f->extra = 0;
    if (f->kind == DK_HOSPITAL && !a && rng_chance(r, 0.05))
        f->extra |= XP_NM;
    if (f->kind == DK_NM || f->kind == DK_RT)
        f->extra |= XP_XRAY;
    if (f->kind == DK_RT && (a || rng_chance(r, 0.7)))
        f->extra |= XP_NM;
    if (f->kind == DK_RADIOGRAPHY && rng_chance(r, 0.2))
        f->extra |= XP_GAUGE;
    if (f->kind == DK_LOGGING && rng_chance(r, 0.4))
        f->extra |= XP_STORAGE;
    if (f->kind == DK_GAUGE && rng_chance(r, 0.08))
        f->extra |= XP_OTHER;
    f->sector = (int)rng_below(r, demo_sector_count);

    f->status = ST_OPERATING;
    if (!a) {
        double u = rng_unit(r);
        f->status = u < 0.935 ? ST_OPERATING : u < 0.97 ? ST_SUSPENDED : ST_CLOSED;
    }
    f->varans = a ? (a->flags & DA_VARANS) != 0
                  : f->kind == DK_RT || f->kind == DK_IRRADIATOR || (f->kind == DK_RADIOGRAPHY && rng_chance(r, 0.3));
    if (f->varans) {
        c->licence_no += rng_range(r, 1, 37);
        demo_fmt(c->licence, sizeof c->licence, "%ld/GP-ATBXHN", c->licence_no);
    }

    if (demo_industrial_address(f->kind) && f->place->parks && rng_chance(r, 0.75))
        demo_park_address(c);
    else
        demo_street_address(c);

    /* Licensee: an open chain of this kind takes the site, else a new one (maybe a chain). */
    demo_chain *chain = &c->chain[f->kind];
    if (a) {
        demo_fmt(c->name, sizeof c->name, "%s", a->name);
        demo_fmt(c->address, sizeof c->address, "%s", a->address);
        demo_fmt(c->org_name, sizeof c->org_name, "%s", a->org_name);
        demo_fmt(c->domain, sizeof c->domain, "%s", a->domain);
        if (!(a->flags & DA_SAME_ORG)) /* else the previous anchor's licensee, still in chain */
            TRY(demo_insert_org(c, chain, f->varans && f->kind == DK_IRRADIATOR));
        chain->left = 0;
    } else if (chain->left > 0 && rng_chance(r, 0.35)) {
        chain->left--;
        int n = chain->next_branch++;
        demo_fmt(c->org_name, sizeof c->org_name, "%s", chain->org);
        demo_fmt(c->domain, sizeof c->domain, "%s", chain->domain);
        if (f->kind == DK_RESEARCH)
            demo_fmt(c->name, sizeof c->name, "Phòng thí nghiệm %s - %s", rng_pick(r, &demo_research_topic),
                     chain->org);
        else if (demo_kinds[f->kind].branch)
            demo_fmt(c->name, sizeof c->name, "%s%s%d", chain->base, demo_kinds[f->kind].branch, n);
        else
            demo_fmt(c->name, sizeof c->name, "%s", chain->base);
    } else {
        demo_name_new(c);
        TRY(demo_insert_org(c, chain, f->varans && f->kind == DK_IRRADIATOR));
        chain->left = rng_chance(r, demo_kinds[f->kind].chain) ? rng_range(r, 1, 7) : 0;
        chain->next_branch = 2;
        demo_fmt(chain->base, sizeof chain->base, "%s", c->name);
    }

    demo_fmt(c->code, sizeof c->code, "%s-%s-%06ld", f->province->code,
             demo_practices[practice].code, ++c->practice_seq[practice]);
    char local[48];
    demo_person(c, c->contact, sizeof c->contact, local, sizeof local);
    demo_mobile(c, c->contact_phone, sizeof c->contact_phone);
    demo_fmt(c->contact_email, sizeof c->contact_email, "%s@%s", local, c->domain);

    /* search_key: fold(name code address ward legacy_district organization) */
    buf_reset(&c->raw);
    buf_puts(&c->raw, c->name);
    buf_putc(&c->raw, ' ');
    buf_puts(&c->raw, c->code);
    buf_putc(&c->raw, ' ');
    buf_puts(&c->raw, c->address);
    buf_putc(&c->raw, ' ');
    buf_puts(&c->raw, f->place->ward);
    buf_putc(&c->raw, ' ');
    buf_puts(&c->raw, f->place->legacy_district);
    buf_putc(&c->raw, ' ');
    buf_puts(&c->raw, c->org_name);
    buf_reset(&c->key);
    fold_append(&c->key, c->raw.data);

    sqlite3_stmt *st = c->st_fac;
    c->doing = "facility";
    c->doing_what = demo_practices[practice].key;
    bind_text(st, 1, c->code);
    bind_text(st, 2, c->name);
    sqlite3_bind_int64(st, 3, chain->org_id);
    bind_text(st, 4, demo_practices[practice].key);
    bind_text(st, 5, c->address);
    bind_text(st, 6, f->place->ward);
    bind_text(st, 7, f->place->legacy_district);
    bind_text(st, 8, a ? a->legacy_ward : f->place->legacy_ward);
    bind_text(st, 9, f->province->legacy_name);
    bind_text(st, 10, demo_facility_status[f->status]);
    bind_text(st, 11, c->contact);
    bind_text(st, 12, c->contact_phone);
    bind_text(st, 13, c->contact_email);
    sqlite3_bind_double(st, 14, f->lon);
    sqlite3_bind_double(st, 15, f->lat);
    bind_text(st, 16, c->key.data);
    bind_text(st, 17, demo_owner(f->varans));
    bind_text(st, 18, f->varans ? c->licence : NULL);
    TRY(demo_step(st));
    f->id = sqlite3_last_insert_rowid(c->db);
    TRY(demo_collect(c, DEMO_L_FACILITY, f->id, f->lon, f->lat));

    static const struct {
        unsigned flag;
        int practice;
    } extras[] = {{XP_NM, P_NUCLEAR_MEDICINE}, {XP_XRAY, P_MEDICAL_XRAY}, {XP_GAUGE, P_GAUGE},
                  {XP_STORAGE, P_STORAGE},     {XP_OTHER, P_OTHER}};
    c->doing = "facility_practice";
    sqlite3_bind_int64(c->st_prac, 1, f->id);
    bind_text(c->st_prac, 2, demo_practices[practice].key);
    TRY(demo_step(c->st_prac));
    for (size_t i = 0; i < sizeof extras / sizeof extras[0]; i++) {
        if (!(f->extra & extras[i].flag) || extras[i].practice == practice)
            continue;
        sqlite3_bind_int64(c->st_prac, 1, f->id);
        bind_text(c->st_prac, 2, demo_practices[extras[i].practice].key);
        TRY(demo_step(c->st_prac));
    }
    return demo_equip(c);
}

static int demo_anchor_write(demo_ctx *c, const demo_anchor *a)
{
    memset(&c->f, 0, sizeof c->f);
    c->f.anchor = a;
    c->f.kind = a->kind;
    c->f.size = a->size;
    c->f.flags = a->flags;
    c->f.place = demo_place_of_ward(a->ward);
    assert(c->f.place && "anchor ward missing from demo_places");
    c->f.lon = a->lon;
    c->f.lat = a->lat;
    c->f.lost_pending = (a->flags & DA_LOST) != 0;
    return demo_facility_write(c);
}

static int demo_generated_write(demo_ctx *c, double x)
{
    int kind = 0;
    while (kind < DK_COUNT - 1 && x >= c->kind_cum[kind])
        kind++;
    memset(&c->f, 0, sizeof c->f);
    c->f.kind = kind;
    c->f.size = 1;
    c->f.place = demo_pick_place(c, demo_kinds[kind].group);
    demo_point(c, c->f.place, &c->f.lon, &c->f.lat);
    return demo_facility_write(c);
}

/* ---- bulk load ------------------------------------------------------------------------------ */

/*
 * The insert triggers of the three point tables (SpatiaLite's geometry check, its last-insert
 * stamp and its R*Tree insert, and the schema's layer_stat counters) cost most of a large load:
 * SpatiaLite's RTreeAlign() and SQLite's R*Tree insert take about 10 us a row, 40 s for the
 * 3.7 million points of a million facilities. So when the triggers on the tables the generator
 * writes are exactly the ones it knows, it turns triggers off for its own statements and does
 * their work once at the end: every geometry it writes is a valid 4326 point, the counters are
 * counted, and each R*Tree is packed Sort-Tile-Recursive straight into its shadow tables (the
 * on-disk format documented at the top of SQLite's ext/rtree/rtree.c; GDAL's GeoPackage driver
 * bulk-loads the same way). Any other trigger, or defensive mode (which makes shadow tables
 * read-only), keeps the plain path: slower, never wrong.
 */

static const char *const demo_point_tables[] = {"facility", "source", "device"}; /* DEMO_L_* order */
static const char *const demo_point_layers[] = {"facilities", "sources", "devices"};

/* 1 when every trigger on the tables the generator writes is one it replays. */
static int demo_triggers_known(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                           "('organization', 'facility', 'facility_practice', 'source', 'device', 'meta') "
                           "AND instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'INSERT') > 0",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    int known = 1, seen = 0;
    while (known && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *table = (const char *)sqlite3_column_text(st, 1);
        char expect[4][64];
        known = 0;
        for (size_t t = 0; t < 3 && !known; t++) {
            if (strcmp(table, demo_point_tables[t]) != 0)
                continue;
            snprintf(expect[0], sizeof expect[0], "ggi_%s_geom", table);
            snprintf(expect[1], sizeof expect[1], "tmi_%s_geom", table);
            snprintf(expect[2], sizeof expect[2], "gii_%s_geom", table);
            snprintf(expect[3], sizeof expect[3], "%s_stat_insert", table);
            for (int k = 0; k < 4; k++)
                known |= strcmp(name, expect[k]) == 0;
        }
        seen += known;
    }
    sqlite3_finalize(st);
    /* All twelve, or the schema changed under us (a missing one would leave work undone). */
    return known && seen == 12;
}

/* Fill the empty R*Tree idx_<table>_geom with the points collected while loading (layer->pts,
 * reordered here), packed by db/rtreepack as a large import's are. 0, or -1 with c->why. */
static int demo_rtree_load(demo_ctx *c, const char *table, demo_layer *layer)
{
    char idx[64];
    snprintf(idx, sizeof idx, "idx_%s_geom", table);
    if (layer->n == 0)
        return 0;
    rm_error e = {0};
    if (rtreepack_points(c->conn, idx, layer->pts, layer->n, &e) < 0) {
        snprintf(c->why_buf, sizeof c->why_buf, "%s", e.detail);
        c->why = c->why_buf;
        return -1;
    }
    return 0;
}

/* After a load with triggers off: what they would have done. */
static int demo_bulk_finish(demo_ctx *c)
{
    sqlite3_stmt *st = NULL;
    c->doing = "layer_stat";
    c->doing_what = NULL;
    c->f.anchor = NULL;
    c->code[0] = 0;
    /* The register was empty, so the counters are exactly what was loaded. */
    if (sqlite3_prepare_v2(c->db,
                           "UPDATE layer_stat SET feature_count = feature_count + ?1, min_lon = ?2, min_lat = ?3, "
                           "max_lon = ?4, max_lat = ?5 WHERE layer = ?6",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    for (size_t t = 0; t < 3; t++) {
        const demo_layer *l = &c->layer[t];
        if (l->n == 0)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)l->n);
        for (int k = 0; k < 4; k++)
            sqlite3_bind_double(st, 2 + k, l->extent[k]);
        bind_text(st, 6, demo_point_layers[t]);
        if (demo_step(st) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    }
    sqlite3_finalize(st);
    for (size_t t = 0; t < 3; t++) {
        const char *table = demo_point_tables[t];
        if (sqlite3_prepare_v2(c->db,
                               "UPDATE geometry_columns_time SET last_insert = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                               "WHERE Lower(f_table_name) = Lower(?1) AND Lower(f_geometry_column) = 'geom'",
                               -1, &st, NULL) != SQLITE_OK)
            return -1;
        bind_text(st, 1, table);
        int rc = demo_step(st);
        sqlite3_finalize(st);
        c->doing = "the spatial index of";
        c->doing_what = table;
        if (rc < 0 || demo_rtree_load(c, table, &c->layer[t]) < 0)
            return -1;
    }
    return 0;
}

/* ---- setup and the public entry ------------------------------------------------------------- */

static void demo_weights(demo_ctx *c, double *region_total)
{
    /* Kind shares, normalised; the demo city gets its one irradiator from the anchors. */
    double total = 0, acc = 0;
    for (int k = 0; k < DK_COUNT; k++)
        total += (c->city && k == DK_IRRADIATOR) ? 0 : demo_kinds[k].share;
    for (int k = 0; k < DK_COUNT; k++) {
        acc += (c->city && k == DK_IRRADIATOR) ? 0 : demo_kinds[k].share;
        c->kind_cum[k] = acc / total;
    }
    /* Places: in the city by their own weights; over the country by the region's weight shared
     * among its places by theirs, so that a region with few listed wards is not starved. */
    for (int g = 0; g < G_COUNT; g++) {
        for (unsigned rg = 0; rg < demo_region_count; rg++)
            region_total[rg] = 0;
        for (unsigned i = 0; i < demo_place_count; i++) {
            const demo_place *p = &demo_places[i];
            region_total[p->region] += g == G_MED ? p->w_med : g == G_IND ? p->w_ind : p->w_oil;
        }
        double cum = 0;
        for (unsigned i = 0; i < demo_place_count; i++) {
            const demo_place *p = &demo_places[i];
            double w = g == G_MED ? p->w_med : g == G_IND ? p->w_ind : p->w_oil;
            if (c->city)
                w = p->region == 0 ? w : 0;
            else if (region_total[p->region] > 0)
                w = demo_regions[p->region].weight * w / region_total[p->region];
            cum += w;
            c->place_cum[g][i] = cum;
        }
    }
}

/* Prepare the inserts; the load time (created_at, updated_at) is bound once for every row, as
 * the schema default would have it but without formatting it a few million times. */
static int demo_prepare(demo_ctx *c)
{
    const char *sql[] = {demo_sql_org, demo_sql_fac, demo_sql_prac, demo_sql_src, demo_sql_dev};
    sqlite3_stmt **out[] = {&c->st_org, &c->st_fac, &c->st_prac, &c->st_src, &c->st_dev};
    const int now_param[] = {9, 19, 0, 15, 14};
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        demo_fmt(c->now, sizeof c->now, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        if (sqlite3_prepare_v2(c->db, sql[i], -1, out[i], NULL) != SQLITE_OK)
            return -1;
        if (now_param[i])
            bind_text(*out[i], now_param[i], c->now);
    }
    return 0;
}

static int demo_meta(demo_ctx *c, unsigned long seed)
{
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%lu", seed);
    const char *rows[][2] = {{"demo", "1"}, {"demo_seed", seed_text}, {"demo_label", DEMO_LABEL}};
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && rc == 0; i++) {
        bind_text(st, 1, rows[i][0]);
        bind_text(st, 2, rows[i][1]);
        rc = demo_step(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* 1 when the register already holds rows that demo data must not mix with, 0 when empty, -1 on
 * an SQLite error. */
static int demo_register_used(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT EXISTS(SELECT 1 FROM organization) OR EXISTS(SELECT 1 FROM facility) "
                           "OR EXISTS(SELECT 1 FROM source) OR EXISTS(SELECT 1 FROM device)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return rc;
}

static long demo_pragma_cache(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    long v = -2000;
    if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int demo_generate(db_conn *conn, const demo_options *opt, rm_error *err)
{
    assert(conn && opt);
    sqlite3 *db = db_sqlite(conn);
    if (opt->facilities < 0 || opt->facilities > DEMO_MAX_FACILITIES)
        return rm_error_set(err, 400, "Invalid parameter",
                            "facilities must be between 0 (the demo city) and %ld, got %ld", DEMO_MAX_FACILITIES,
                            opt->facilities);

    int used = demo_register_used(db);
    if (used < 0)
        return rm_error_set(err, 500, "Demo generation failed", "cannot read the register: %s", sqlite3_errmsg(db));
    if (used)
        return rm_error_set(err, 409, "Register not empty",
                            "demo data only goes into an empty register; this one already holds organizations, "
                            "facilities, sources or devices");

    demo_ctx *c = calloc(1, sizeof *c);
    double *cum = calloc((size_t)G_COUNT * demo_place_count, sizeof *cum);
    double *region_total = calloc(demo_region_count, sizeof *region_total);
    if (!c || !cum || !region_total) {
        free(c);
        free(cum);
        free(region_total);
        return rm_error_set(err, 500, "Demo generation failed", "out of memory");
    }
    int rc = -1, began = 0, bulk = 0, triggers_before = 1;
    long cache_before = demo_pragma_cache(db);
    long total = opt->facilities ? opt->facilities : DEMO_CITY_FACILITIES;
    long progress_step = total >= 10 ? total / 10 : 1;
    char sql[64];

    c->db = db;
    c->conn = conn;
    c->city = opt->facilities == 0;
    c->today = date_today();
    c->licence_no = 100;
    rng_seed(&c->rng, (uint64_t)opt->seed);
    c->org_key = rng_next(&c->rng);
    c->src_key = rng_next(&c->rng);
    c->dev_key = rng_next(&c->rng);
    for (int g = 0; g < G_COUNT; g++)
        c->place_cum[g] = cum + (size_t)g * demo_place_count;
    buf_init(&c->raw);
    buf_init(&c->key);
    buf_init(&c->slug);
    demo_weights(c, region_total);

    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", DEMO_BULK_CACHE_KIB);
    if (total > 10000 && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    began = 1;
    /* Triggers off before preparing: SQLite compiles them into each statement at prepare time. */
    int defensive = 0;
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &triggers_before);
    bulk = !defensive && demo_triggers_known(db);
    c->bulk = bulk;
    if (bulk)
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    if (demo_prepare(c) < 0)
        goto fail;

    /* Kinds of the generated facilities follow x = frac(x0 + i/phi): evenly spread over [0, 1),
     * so each kind gets its share of them to within a facility or two. */
    double x = rng_unit(&c->rng);
    const double inv_phi = 0.6180339887498949;
    for (long i = 0; i < total; i++) {
        if ((unsigned long)i < demo_anchor_count) {
            if (demo_anchor_write(c, &demo_anchors[i]) < 0)
                goto fail;
        } else {
            x += inv_phi;
            if (x >= 1.0)
                x -= 1.0;
            if (demo_generated_write(c, x) < 0)
                goto fail;
        }
        if (opt->progress && ((i + 1) % progress_step == 0 || i + 1 == total))
            fprintf(stderr, "demo: %ld/%ld facilities\n", i + 1, total);
    }
    if (demo_receptors_generate(db, opt, err) < 0)
        goto cleanup; /* err already says why; cleanup rolls back */
    if (demo_licensing_generate(db, opt, err) < 0)
        goto cleanup; /* err already says why; cleanup rolls back */
    if (demo_compliance_generate(db, opt, err) < 0)
        goto cleanup; /* err already says why; cleanup rolls back */
    c->doing = "meta";
    c->doing_what = NULL;
    c->code[0] = 0;
    if (demo_meta(c, opt->seed) < 0)
        goto fail;
    if (bulk && demo_bulk_finish(c) < 0)
        goto fail;
    if (demo_lifecycle_generate(db, opt, err) < 0)
        goto cleanup; /* err already says why; cleanup rolls back */
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    began = 0;
    rc = 0;
    goto cleanup;

fail:
    /* Take the message before ROLLBACK replaces it, and say what was being written. */
    rm_error_set(err, 500, "Demo generation failed", "%s%s%s%s%s%s%s%s", c->why ? c->why : sqlite3_errmsg(db),
                 c->doing ? " (writing " : "", c->doing ? c->doing : "", c->doing_what ? " " : "",
                 c->doing_what ? c->doing_what : "", c->doing && c->code[0] ? " of facility " : "",
                 c->doing && c->code[0] ? c->code : "", c->doing ? ")" : "");
cleanup:
    sqlite3_finalize(c->st_org);
    sqlite3_finalize(c->st_fac);
    sqlite3_finalize(c->st_prac);
    sqlite3_finalize(c->st_src);
    sqlite3_finalize(c->st_dev);
    if (bulk)
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers_before, (int *)NULL);
    if (began)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %ld", cache_before);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    buf_free(&c->raw);
    buf_free(&c->key);
    buf_free(&c->slug);
    for (int t = 0; t < 3; t++)
        free(c->layer[t].pts);
    free(cum);
    free(region_total);
    free(c);
    return rc;
}
