/*
 * demo_compliance: the demo city's compliance records and people; see demo_compliance.h.
 *
 * One pass over the operating facilities. For each: its in-use devices of this Department's
 * register; a room per room name its fixed devices give (shielding, a yearly area survey history);
 * the QC test history of the devices whose type needs one; a device-level declaration confirmation
 * where the licensing history covered none; a safety officer (the person named on the facility's
 * worker certificate when the licensing history issued one, linked to it) and radiation workers
 * roughly in proportion to the devices, with training, yearly health checks and quarterly dose
 * records from their start (at most five years back) to the last quarter a dosimetry service has
 * reported; the annual safety assessment report, the emergency plan and often the safety rules; and
 * findings of the last inspection when it found something.
 *
 * Choices come from a xoshiro stream seeded from the demo seed; dates count back from
 * date_today(). The cases a demo must show are placed on purpose: the first facility with two rooms
 * has one without an area survey, and the first worker of the first facility with a fluoroscopy or
 * CT unit gets the one dose above the investigation level (every other quarter stays below it).
 */
#include "db/demo_compliance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compliance_rules.h"
#include "core/date.h"
#include "core/fold.h"
#include "db/demo_int.h"

#define MAX_DEVICES 96
#define MAX_ROOMS 48
#define MAX_WORKERS 40
#define DOSE_YEARS 5

static const char *const test_orgs[] = {
    "Trung tâm Hạt nhân Thành phố Hồ Chí Minh",
    "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3 (QUATEST 3)",
    "Viện Khoa học và Kỹ thuật Hạt nhân - Chi nhánh phía Nam",
    "Công ty TNHH Kiểm định An toàn Bức xạ Sài Gòn",
};
static const char *const dose_providers[] = {
    "Trung tâm Hạt nhân Thành phố Hồ Chí Minh",
    "Viện Khoa học và Kỹ thuật Hạt nhân",
    "Trung tâm Kỹ thuật An toàn Bức xạ và Môi trường",
};
static const char *const shieldings[] = {
    "Tường gạch đặc 220 mm trát vữa barit 20 mm; cửa chì 2 mmPb; kính quan sát chì 2 mmPb",
    "Tường bê tông 200 mm; cửa gỗ bọc chì 2 mmPb; kính chì 1,5 mmPb",
    "Tường gạch 200 mm ốp tấm chì 2 mm; cửa lùa bọc chì 2,5 mmPb; kính chì 2 mmPb",
    "Tường bê tông cốt thép 300 mm; cửa chì 3 mmPb; cabin điều khiển có kính chì 2,5 mmPb",
    "Vách thạch cao ốp chì 1,5 mmPb; cửa chì 1,5 mmPb (phòng X-quang răng)",
};
static const char *const courses[] = {
    "Đào tạo an toàn bức xạ trong X-quang chẩn đoán y tế",
    "Bồi dưỡng kiến thức an toàn bức xạ cho nhân viên bức xạ",
    "Đào tạo người phụ trách an toàn cơ sở X-quang chẩn đoán y tế",
};
static const char *const trainers[] = {
    "Trung tâm Hạt nhân Thành phố Hồ Chí Minh",
    "Trường Đại học Khoa học Tự nhiên, ĐHQG-HCM",
    "Trung tâm Đào tạo hạt nhân - Viện Năng lượng Nguyên tử Việt Nam",
};
static const char *const clinics[] = {
    "Bệnh viện Bệnh Nghề nghiệp Thành phố Hồ Chí Minh",
    "Trung tâm Kiểm soát Bệnh tật Thành phố Hồ Chí Minh",
    "Phòng khám đa khoa khu vực (khám sức khỏe định kỳ)",
};
static const char *const titles[] = {"Kỹ thuật viên X-quang", "Bác sĩ chẩn đoán hình ảnh", "Kỹ thuật viên CT",
                                     "Điều dưỡng", "Bác sĩ nha khoa", "Kỹ sư thiết bị y tế"};

typedef struct dev {
    int64_t id;
    char type[24], room[128];
    int qc, room_required;
} dev;

typedef struct croom {
    int64_t id;
    char name[128];
} croom;

typedef struct cgen {
    sqlite3 *db;
    demo_ctx *c;   /* for demo_person and its random stream */
    int32_t today;
    int64_t person_seq;
    uint64_t ident_key;
    long decl_no, cert_no;
    bool missing_survey_done, high_dose_done;
    sqlite3_stmt *st_room, *st_survey, *st_qc, *st_auth, *st_person, *st_role, *st_link, *st_train, *st_health,
        *st_dose, *st_doc, *st_finding, *st_devs, *st_decl, *st_cert, *st_plan, *st_insp;
} cgen;

#define R (&g->c->rng)

static void dfmt(int32_t d, char out[11]) { date_format(d, out); }

static void bind_s(sqlite3_stmt *st, int i, const char *s)
{
    s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static void bind_d(sqlite3_stmt *st, int i, int32_t day)
{
    char s[11];
    if (day == INT32_MIN) {
        sqlite3_bind_null(st, i);
        return;
    }
    dfmt(day, s);
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static int run(sqlite3_stmt *st)
{
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : -1;
}

static int64_t run_id(cgen *g, sqlite3_stmt *st)
{
    return run(st) < 0 ? -1 : sqlite3_last_insert_rowid(g->db);
}

static const char *pick(cgen *g, const char *const *list, size_t n) { return list[rng_below(R, (unsigned)n)]; }
#define PICK(list) pick(g, list, sizeof list / sizeof list[0])

/* ---- rooms, surveys, QC tests, declarations ------------------------------------------------------- */

/* Yearly area surveys of a room: the last `age` days ago, up to three before it. */
static int surveys(cgen *g, int64_t room, int age)
{
    int32_t last = g->today - age;
    int older = rng_range(R, 0, 3);
    for (int k = older; k >= 0; k--) {
        int32_t day = cr_add_months(last, -12 * k) + (k ? rng_range(R, -20, 20) : 0);
        char no[48];
        int y, m, d;
        date_to_civil(day, &y, &m, &d);
        demo_fmt(no, sizeof no, "%d/BB-KX-%d", rng_range(R, 100, 2999), y);
        bool fail = k == 0 && rng_chance(R, 0.003);
        sqlite3_stmt *st = g->st_survey;
        sqlite3_bind_int64(st, 1, room);
        bind_d(st, 2, day);
        bind_s(st, 3, PICK(test_orgs));
        bind_s(st, 4, no);
        sqlite3_bind_double(st, 5, fail ? 14.0 + rng_range(R, 0, 60) / 10.0 : rng_range(R, 2, 25) / 10.0);
        sqlite3_bind_double(st, 6, fail ? 2.2 + rng_range(R, 0, 20) / 10.0 : rng_range(R, 3, 45) / 100.0);
        bind_s(st, 7, fail ? "fail" : "pass");
        bind_d(st, 8, cr_add_months(day, 12));
        if (run(st) < 0)
            return -1;
    }
    return 0;
}

/* QC tests of a device: the last `age` days ago, a yearly history of up to three before it. */
static int qc_tests(cgen *g, int64_t device, int age)
{
    int32_t last = g->today - age;
    int older = rng_range(R, 0, 3);
    for (int k = older; k >= 0; k--) {
        int32_t day = cr_add_months(last, -12 * k) + (k ? rng_range(R, -15, 15) : 0);
        int y, m, d;
        date_to_civil(day, &y, &m, &d);
        char no[48];
        demo_fmt(no, sizeof no, "KĐ-%d/%05u", y, rng_below(R, 100000));
        sqlite3_stmt *st = g->st_qc;
        sqlite3_bind_int64(st, 1, device);
        bind_d(st, 2, day);
        bind_s(st, 3, PICK(test_orgs));
        bind_s(st, 4, no);
        bind_s(st, 5, "pass");
        bind_d(st, 6, cr_expiry_default(day, 12));
        if (run(st) < 0)
            return -1;
    }
    return 0;
}

/* Is the device covered by a declaration confirmation already? */
static int declared(cgen *g, int64_t device)
{
    sqlite3_stmt *st = g->st_decl;
    sqlite3_bind_int64(st, 1, device);
    int s = sqlite3_step(st);
    int covered = s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    sqlite3_reset(st);
    return covered;
}

static int64_t authorization(cgen *g, int64_t fac, const char *kind, const char *subject, int64_t device,
                             const char *number, const char *person, const char *ref, int32_t issued)
{
    sqlite3_stmt *st = g->st_auth;
    bind_s(st, 1, number);
    bind_s(st, 2, kind);
    bind_s(st, 3, subject);
    sqlite3_bind_int64(st, 4, fac);
    device ? sqlite3_bind_int64(st, 5, device) : sqlite3_bind_null(st, 5);
    bind_s(st, 6, person);
    bind_s(st, 7, ref);
    bind_d(st, 8, issued);
    return run_id(g, st);
}

/* ---- people ------------------------------------------------------------------------------------- */

/* A CCCD: province 079 (Hồ Chí Minh City), sex and century digit, year of birth, six digits that
 * never repeat within a run. */
static void identity(cgen *g, int32_t born, bool female, char out[16])
{
    int y, m, d;
    date_to_civil(born, &y, &m, &d);
    int digit = (y >= 2000 ? 2 : 0) + (female ? 1 : 0);
    unsigned long six = demo_scramble((unsigned long)g->person_seq, 1000000ul, g->ident_key);
    snprintf(out, 16, "079%d%02d%06lu", digit, y % 100, six);
}

static int quarter_of(int32_t day, int32_t *start, int32_t *end)
{
    int y, m, d;
    date_to_civil(day, &y, &m, &d);
    int q = (m - 1) / 3;
    *start = date_from_civil(y, 3 * q + 1, 1);
    *end = (q == 3 ? date_from_civil(y + 1, 1, 1) : date_from_civil(y, 3 * q + 4, 1)) - 1;
    return 0;
}

/* Quarterly Hp(10) from `from` to the last quarter reported `lag` days after its end. */
static int doses(cgen *g, int64_t person, int64_t fac, int32_t from, double median, bool high, int stop_early)
{
    int32_t qs, qe;
    quarter_of(g->today - 35, &qs, &qe);
    if (qe > g->today - 35)
        quarter_of(qs - 1, &qs, &qe); /* the last quarter whose report is in */
    int32_t last_end = qe;
    for (int k = 0; k < stop_early; k++)
        quarter_of(qs - 1, &qs, &qe), last_end = qe;
    int32_t floor_day = cr_add_months(g->today, -12 * DOSE_YEARS);
    if (from < floor_day)
        from = floor_day;
    quarter_of(from, &qs, &qe);
    const char *provider = dose_providers[person % 3];
    char badge[24];
    demo_fmt(badge, sizeof badge, "LK-%06lld", (long long)(100000 + person));
    for (; qe <= last_end; quarter_of(qe + 1, &qs, &qe)) {
        double x = median * exp(0.55 * rng_gauss(R));
        bool top = high && qe == last_end;
        if (top)
            x = 2.1; /* the one dose above the 1.5 mSv quarterly investigation level */
        else if (x > 1.2)
            x = 1.2;
        bool below = x < 0.05;
        x = below ? 0 : round(x * 100) / 100;
        sqlite3_stmt *st = g->st_dose;
        sqlite3_bind_int64(st, 1, person);
        sqlite3_bind_int64(st, 2, fac);
        bind_d(st, 3, qs);
        bind_d(st, 4, qe);
        sqlite3_bind_double(st, 5, x);
        if (below)
            sqlite3_bind_double(st, 6, 0);
        else
            sqlite3_bind_double(st, 6, round(x * (1.1 + rng_unit(R) * 0.4) * 100) / 100);
        sqlite3_bind_int(st, 7, below);
        bind_s(st, 8, badge);
        bind_s(st, 9, provider);
        if (run(st) < 0)
            return -1;
    }
    return 0;
}

/* One person at facility fac: role, certificate (the safety officer), training, health checks and
 * dose records. name NULL: draw one. cert_id: a worker certificate already issued to this name. */
static int64_t person(cgen *g, int64_t fac, bool officer, const char *name, int64_t cert_id, double median, bool high)
{
    char full[96], phone[32], ident[16], email_local[64];
    bool female = rng_chance(R, 0.5);
    if (name)
        demo_fmt(full, sizeof full, "%s", name);
    else
        demo_person(g->c, full, sizeof full, email_local, sizeof email_local);
    demo_mobile(g->c, phone, sizeof phone);
    int32_t born = g->today - rng_range(R, 23 * 365, 58 * 365);
    g->person_seq++;
    identity(g, born, female, ident);
    char *key = fold_dup(full);
    sqlite3_stmt *st = g->st_person;
    bind_s(st, 1, full);
    bind_s(st, 2, key);
    bind_d(st, 3, born);
    bind_s(st, 4, ident);
    bind_s(st, 5, phone);
    free(key);
    int64_t id = run_id(g, st);
    if (id < 0)
        return -1;
    /* In post since: a few months to twelve years. */
    int32_t start = g->today - rng_range(R, high ? 400 : 90, 4300);
    st = g->st_role;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, fac);
    bind_s(st, 3, officer ? "safety_officer" : "radiation_worker");
    bind_d(st, 4, start);
    bind_s(st, 5, officer ? "Người phụ trách an toàn bức xạ" : PICK(titles));
    if (run(st) < 0)
        return -1;
    if (officer) {
        if (cert_id) {
            sqlite3_bind_int64(g->st_link, 1, cert_id);
            sqlite3_bind_int64(g->st_link, 2, id);
            if (run(g->st_link) < 0)
                return -1;
        } else if (rng_chance(R, 0.95)) {
            char no[48];
            int32_t issued = start - rng_range(R, 30, 400);
            int y, m, d;
            date_to_civil(issued, &y, &m, &d);
            demo_fmt(no, sizeof no, "%ld/%d/CCNV-SKHCN", ++g->cert_no, y);
            if (authorization(g, fac, "worker_certificate", "person", 0, no, full, ident, issued) < 0)
                return -1;
        }
    }
    /* Training: every five years; a few never recorded, a few lapsed. */
    double u = rng_unit(R);
    if (u > 0.004) {
        int32_t done = u < 0.015 ? g->today - rng_range(R, 1830, 1950) : g->today - rng_range(R, 30, 1790);
        st = g->st_train;
        sqlite3_bind_int64(st, 1, id);
        bind_s(st, 2, officer ? courses[2] : courses[rng_below(R, 2)]);
        bind_s(st, 3, PICK(trainers));
        bind_d(st, 4, done);
        sqlite3_bind_double(st, 5, officer ? 40 : 24);
        bind_d(st, 6, cr_expiry_default(done, 60));
        if (run(st) < 0)
            return -1;
    }
    /* Health checks: yearly; a few never recorded, a few late. */
    u = rng_unit(R);
    if (u > 0.003) {
        int32_t last = u < 0.02 ? g->today - rng_range(R, 375, 520) : g->today - rng_range(R, 15, 345);
        for (int k = rng_range(R, 0, 2); k >= 0; k--) {
            int32_t day = cr_add_months(last, -12 * k);
            st = g->st_health;
            sqlite3_bind_int64(st, 1, id);
            bind_d(st, 2, day);
            bind_s(st, 3, PICK(clinics));
            bind_s(st, 4, rng_chance(R, 0.02) ? "fit_with_restrictions" : "fit");
            bind_d(st, 5, cr_add_months(day, 12));
            if (run(st) < 0)
                return -1;
        }
    }
    /* Dose records: most up to date, a few late, very few none. */
    u = rng_unit(R);
    if (high || u > 0.003) {
        int early = !high && u < 0.02 ? rng_range(R, 2, 3) : 0;
        if (doses(g, id, fac, start, median, high, early) < 0)
            return -1;
    }
    return id;
}

/* ---- documents and findings ------------------------------------------------------------------ */

static int documents(cgen *g, int64_t fac)
{
    int y, m, d;
    date_to_civil(g->today, &y, &m, &d);
    /* The annual safety assessment report, sent in January or February for the year before. */
    double u = rng_unit(R);
    if (u > 0.015) {
        int year = u < 0.05 || date_from_civil(y, 3, 1) > g->today ? y - 1 : y;
        for (int k = 1; k >= 0; k--) {
            int ry = year - k;
            int32_t received = date_from_civil(ry, 1, 5) + rng_range(R, 0, 50);
            char title[96];
            demo_fmt(title, sizeof title, "Báo cáo đánh giá an toàn bức xạ năm %d", ry - 1);
            sqlite3_stmt *st = g->st_doc;
            sqlite3_bind_int64(st, 1, fac);
            bind_s(st, 2, "annual_safety_report");
            bind_s(st, 3, title);
            bind_d(st, 4, received);
            bind_d(st, 5, date_from_civil(ry - 1, 1, 1));
            bind_d(st, 6, date_from_civil(ry - 1, 12, 31));
            bind_s(st, 7, NULL);
            bind_s(st, 8, NULL);
            sqlite3_bind_null(st, 9);
            bind_d(st, 10, cr_add_months(received, 12));
            if (run(st) < 0)
                return -1;
        }
    }
    /* The emergency plan: the approval the licensing history issued, else the facility's own. */
    if (rng_chance(R, 0.98)) {
        sqlite3_stmt *p = g->st_plan;
        sqlite3_bind_int64(p, 1, fac);
        int64_t aid = 0;
        char ref[64] = "";
        int32_t issued = g->today - rng_range(R, 200, 2500);
        if (sqlite3_step(p) == SQLITE_ROW) {
            aid = sqlite3_column_int64(p, 0);
            demo_fmt(ref, sizeof ref, "%s", (const char *)sqlite3_column_text(p, 1));
            date_parse((const char *)sqlite3_column_text(p, 2), &issued);
        }
        sqlite3_reset(p);
        if (!aid)
            demo_fmt(ref, sizeof ref, "%d/QĐ-%s", rng_range(R, 10, 480), rng_chance(R, 0.5) ? "BV" : "GĐ");
        char ver[16];
        demo_fmt(ver, sizeof ver, "%d.%d", rng_range(R, 1, 3), rng_range(R, 0, 4));
        sqlite3_stmt *st = g->st_doc;
        sqlite3_bind_int64(st, 1, fac);
        bind_s(st, 2, "emergency_plan");
        bind_s(st, 3, "Kế hoạch ứng phó sự cố bức xạ cấp cơ sở");
        bind_d(st, 4, issued);
        bind_s(st, 5, NULL);
        bind_s(st, 6, NULL);
        bind_s(st, 7, ver);
        bind_s(st, 8, ref);
        aid ? sqlite3_bind_int64(st, 9, aid) : sqlite3_bind_null(st, 9);
        sqlite3_bind_null(st, 10);
        if (run(st) < 0)
            return -1;
    }
    if (rng_chance(R, 0.6)) {
        sqlite3_stmt *st = g->st_doc;
        sqlite3_bind_int64(st, 1, fac);
        bind_s(st, 2, "safety_rules");
        bind_s(st, 3, "Nội quy an toàn bức xạ và quy trình vận hành thiết bị X-quang");
        bind_d(st, 4, g->today - rng_range(R, 100, 3000));
        for (int i = 5; i <= 10; i++)
            sqlite3_bind_null(st, i);
        if (run(st) < 0)
            return -1;
    }
    return 0;
}

static int finding(cgen *g, int64_t inspection, const char *kind, int64_t subject, const char *doc_kind,
                   const char *text, const char *action, int32_t date)
{
    sqlite3_stmt *st = g->st_finding;
    sqlite3_bind_int64(st, 1, inspection);
    bind_s(st, 2, kind);
    subject ? sqlite3_bind_int64(st, 3, subject) : sqlite3_bind_null(st, 3);
    bind_s(st, 4, doc_kind);
    bind_s(st, 5, text);
    bind_s(st, 6, action);
    bind_d(st, 7, date + 30);
    int32_t closed = date + rng_range(R, 10, 45);
    bind_d(st, 8, closed < g->today && rng_chance(R, 0.75) ? closed : INT32_MIN);
    return run(st);
}

/* Findings of the facility's last inspection, when it found something. */
static int findings(cgen *g, int64_t fac, const dev *devs, int ndev, const croom *rooms, int nrooms,
                    const int64_t *workers, int nworkers)
{
    sqlite3_stmt *st = g->st_insp;
    sqlite3_bind_int64(st, 1, fac);
    int64_t insp = 0;
    int32_t date = 0;
    const char *result = NULL;
    char res[24] = "";
    if (sqlite3_step(st) == SQLITE_ROW) {
        insp = sqlite3_column_int64(st, 0);
        date_parse((const char *)sqlite3_column_text(st, 1), &date);
        if (sqlite3_column_text(st, 2))
            demo_fmt(res, sizeof res, "%s", (const char *)sqlite3_column_text(st, 2));
        result = res;
    }
    sqlite3_reset(st);
    if (!insp || !result || (strcmp(result, "passed_with_findings") != 0 && strcmp(result, "failed") != 0))
        return 0;
    int n = rng_range(R, 1, strcmp(result, "failed") == 0 ? 3 : 2);
    for (int i = 0; i < n; i++) {
        int what = rng_range(R, 0, 3);
        int rc = 0;
        if (what == 0 && ndev) {
            const dev *d = &devs[rng_below(R, (unsigned)ndev)];
            rc = finding(g, insp, "qc_test", d->id, NULL, "Thiết bị đang sử dụng khi giấy chứng nhận kiểm định đã hết hạn",
                         "Dừng sử dụng, kiểm định lại thiết bị và nộp bản sao giấy chứng nhận", date);
        } else if (what == 1 && nrooms) {
            rc = finding(g, insp, "area_survey", rooms[rng_below(R, (unsigned)nrooms)].id, NULL,
                         "Chưa thực hiện kiểm xạ định kỳ phòng đặt thiết bị",
                         "Thực hiện kiểm xạ và gửi kết quả về Sở", date);
        } else if (what == 2 && nworkers) {
            rc = finding(g, insp, "health_check", workers[rng_below(R, (unsigned)nworkers)], NULL,
                         "Nhân viên bức xạ chưa được khám sức khỏe định kỳ theo quy định",
                         "Tổ chức khám sức khỏe cho nhân viên bức xạ", date);
        } else {
            rc = finding(g, insp, "document", fac, "annual_safety_report",
                         "Chưa nộp báo cáo đánh giá an toàn bức xạ định kỳ hằng năm",
                         "Lập và nộp báo cáo về Sở Khoa học và Công nghệ", date);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- one facility --------------------------------------------------------------------------------- */

static int facility(cgen *g, int64_t fac)
{
    dev devs[MAX_DEVICES];
    int ndev = 0;
    sqlite3_stmt *st = g->st_devs;
    sqlite3_bind_int64(st, 1, fac);
    while (ndev < MAX_DEVICES && sqlite3_step(st) == SQLITE_ROW) {
        dev *d = &devs[ndev++];
        d->id = sqlite3_column_int64(st, 0);
        demo_fmt(d->type, sizeof d->type, "%s", (const char *)sqlite3_column_text(st, 1));
        demo_fmt(d->room, sizeof d->room, "%s", sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
        d->qc = sqlite3_column_int(st, 3);
        d->room_required = sqlite3_column_int(st, 4);
    }
    sqlite3_reset(st);
    /* Rooms of the fixed devices, each once. */
    croom rooms[MAX_ROOMS];
    int nrooms = 0;
    bool busy = false; /* fluoroscopy or CT: the staff's doses are higher */
    for (int i = 0; i < ndev; i++) {
        busy |= strcmp(devs[i].type, "fluoroscopy") == 0 || strcmp(devs[i].type, "ct") == 0;
        if (!devs[i].room_required || !devs[i].room[0])
            continue;
        bool seen = false;
        for (int k = 0; k < nrooms && !seen; k++)
            seen = strcmp(rooms[k].name, devs[i].room) == 0;
        if (seen || nrooms == MAX_ROOMS)
            continue;
        croom *r = &rooms[nrooms];
        demo_fmt(r->name, sizeof r->name, "%s", devs[i].room);
        st = g->st_room;
        sqlite3_bind_int64(st, 1, fac);
        bind_s(st, 2, r->name);
        char loc[64];
        demo_fmt(loc, sizeof loc, "Tầng %d, khu %c", rng_range(R, 1, 4), 'A' + rng_range(R, 0, 3));
        bind_s(st, 3, loc);
        bind_s(st, 4, strcmp(devs[i].type, "dental") == 0 ? shieldings[4] : shieldings[rng_below(R, 4)]);
        sqlite3_bind_double(st, 5, rng_range(R, 16, 48));
        if ((r->id = run_id(g, st)) < 0)
            return -1;
        nrooms++;
        /* The demo's room without an area survey: the second room of the first facility with two. */
        if (nrooms == 2 && !g->missing_survey_done) {
            g->missing_survey_done = true;
            continue;
        }
        if (rng_chance(R, 0.004))
            continue;
        double u = rng_unit(R);
        int age = u < 0.02 ? rng_range(R, 370, 520) : rng_range(R, 20, 330);
        if (surveys(g, r->id, age) < 0)
            return -1;
    }
    for (int i = 0; i < ndev; i++) {
        if (devs[i].qc) {
            double u = rng_unit(R);
            if (u > 0.005) {
                int age = u < 0.017 ? rng_range(R, 370, 560) : rng_range(R, 15, 330);
                if (qc_tests(g, devs[i].id, age) < 0)
                    return -1;
            }
        }
        if (!declared(g, devs[i].id) && rng_chance(R, 0.985)) {
            char no[48];
            int32_t issued = g->today - rng_range(R, 60, 2200);
            int y, m, d;
            date_to_civil(issued, &y, &m, &d);
            demo_fmt(no, sizeof no, "%ld/%d/XNKB-SKHCN", ++g->decl_no, y);
            if (authorization(g, fac, "declaration_confirmation", "device", devs[i].id, no, NULL, NULL, issued) < 0)
                return -1;
        }
    }
    /* People: a safety officer and workers in proportion to the devices. */
    sqlite3_stmt *cs = g->st_cert;
    sqlite3_bind_int64(cs, 1, fac);
    int64_t cert = 0;
    char cert_name[128] = "";
    if (sqlite3_step(cs) == SQLITE_ROW) {
        cert = sqlite3_column_int64(cs, 0);
        demo_fmt(cert_name, sizeof cert_name, "%s", (const char *)sqlite3_column_text(cs, 1));
    }
    sqlite3_reset(cs);
    int nworkers = ndev ? (int)lround(ndev * 1.4 + rng_range(R, 0, 2)) : rng_range(R, 1, 3);
    if (nworkers > MAX_WORKERS)
        nworkers = MAX_WORKERS;
    int64_t workers[MAX_WORKERS];
    double base = busy ? 0.18 : 0.05;
    if (!rng_chance(R, 0.01) && person(g, fac, true, cert ? cert_name : NULL, cert, base, false) < 0)
        return -1;
    for (int i = 0; i < nworkers; i++) {
        bool high = busy && !g->high_dose_done && i == 0;
        if (high)
            g->high_dose_done = true;
        double median = base * exp(0.5 * rng_gauss(R));
        if ((workers[i] = person(g, fac, false, NULL, 0, median, high)) < 0)
            return -1;
    }
    if (documents(g, fac) < 0)
        return -1;
    return findings(g, fac, devs, ndev, rooms, nrooms, workers, nworkers);
}

int demo_compliance_generate(sqlite3 *db, const demo_options *opt, rm_error *err)
{
    if (opt->facilities != 0)
        return 0;
    static const char *const sql[] = {
        "INSERT INTO room(facility_id, name, location, shielding, area_m2, is_demo, created_by) VALUES (?1, ?2, ?3, ?4, "
        "?5, 1, 'demo')",
        "INSERT INTO area_survey(room_id, survey_date, organization, report_no, max_worker_usv_h, max_public_usv_h, "
        "result, next_due, is_demo, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 'demo')",
        "INSERT INTO qc_test(device_id, test_date, organization, certificate_no, result, expires, is_demo, created_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, 'demo')",
        "INSERT INTO authorization(number, kind, subject_type, facility_id, device_id, person_name, person_ref, issued, "
        "status, record_owner, is_demo, lon, lat, geom) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'issued', 'department', "
        "1, lon, lat, MakePoint(lon, lat, 4326) FROM facility WHERE id = ?4",
        "INSERT INTO person(full_name, name_key, birth_date, identity_no, phone, is_demo, created_by) VALUES (?1, ?2, "
        "?3, ?4, ?5, 1, 'demo')",
        "INSERT INTO person_role(person_id, facility_id, role, start_date, job_title, is_demo, created_by) VALUES (?1, "
        "?2, ?3, ?4, ?5, 1, 'demo')",
        "INSERT INTO person_certificate(authorization_id, person_id, linked_by) VALUES (?1, ?2, 'demo')",
        "INSERT INTO training_record(person_id, course, provider, completed, hours, valid_until, is_demo, created_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, 'demo')",
        "INSERT INTO health_check(person_id, check_date, provider, result, next_due, is_demo, created_by) VALUES (?1, "
        "?2, ?3, ?4, ?5, 1, 'demo')",
        "INSERT INTO dose_record(person_id, facility_id, period_start, period_end, hp10_msv, hp007_msv, "
        "below_detection, dosimeter_id, provider, origin, is_demo, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
        "?9, 'import', 1, 'demo')",
        "INSERT INTO facility_document(facility_id, kind, title, received, period_start, period_end, version_label, "
        "approval_ref, authorization_id, next_due, is_demo, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10, 1, 'demo')",
        "INSERT INTO inspection_finding(inspection_id, item_kind, subject_id, document_kind, description, "
        "corrective_action, due, closed_on, is_demo, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 'demo')",
        "SELECT d.id, d.type, d.room, coalesce(dt.qc_required, 0), coalesce(dt.room_required, 0) FROM device d LEFT "
        "JOIN device_type_compliance dt ON dt.type = d.type WHERE d.facility_id = ?1 AND d.status = 'in_use' AND "
        "d.record_owner = 'department' ORDER BY d.id",
        "SELECT record_id FROM compliance_device_item WHERE device_id = ?1 AND kind = 'declaration'",
        "SELECT id, person_name FROM authorization WHERE facility_id = ?1 AND kind = 'worker_certificate' AND status = "
        "'issued' AND person_name IS NOT NULL ORDER BY issued DESC, id DESC LIMIT 1",
        "SELECT id, number, issued FROM authorization WHERE facility_id = ?1 AND kind = 'emergency_plan_approval' "
        "AND status = 'issued' ORDER BY issued DESC LIMIT 1",
        "SELECT id, date, result FROM inspection WHERE facility_id = ?1 AND date <= date(2440587.5 + ?2) ORDER BY "
        "date DESC, id DESC LIMIT 1",
    };
    cgen *g = calloc(1, sizeof *g);
    demo_ctx *c = calloc(1, sizeof *c);
    if (!g || !c) {
        free(g);
        free(c);
        return rm_error_set(err, 500, "Demo generation failed", "out of memory");
    }
    int rc = -1, triggers = 1;
    /* The authorizations written here need their triggers (spatial index, layer counts). */
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &triggers);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, (int *)NULL);
    g->db = db;
    g->c = c;
    g->today = date_today();
    rng_seed(&c->rng, (uint64_t)opt->seed ^ 0x636f6d706c79ull);
    g->ident_key = rng_next(&c->rng);
    sqlite3_stmt **out[] = {&g->st_room, &g->st_survey, &g->st_qc, &g->st_auth, &g->st_person, &g->st_role,
                            &g->st_link, &g->st_train, &g->st_health, &g->st_dose, &g->st_doc, &g->st_finding,
                            &g->st_devs, &g->st_decl, &g->st_cert, &g->st_plan, &g->st_insp};
    sqlite3_stmt *fs = NULL;
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (sqlite3_prepare_v2(db, sql[i], -1, out[i], NULL) != SQLITE_OK)
            goto fail;
    sqlite3_bind_int64(g->st_insp, 2, g->today);
    if (sqlite3_prepare_v2(db, "SELECT id FROM facility WHERE status = 'operating' ORDER BY id", -1, &fs, NULL) !=
        SQLITE_OK)
        goto fail;
    while (sqlite3_step(fs) == SQLITE_ROW)
        if (facility(g, sqlite3_column_int64(fs, 0)) < 0)
            goto fail;
    rc = 0;
    goto cleanup;
fail:
    rm_error_set(err, 500, "Demo generation failed", "compliance records: %s", sqlite3_errmsg(db));
cleanup:
    sqlite3_finalize(fs);
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        sqlite3_finalize(*out[i]);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers, (int *)NULL);
    /* demo_person's e-mail slugs use the context's buffers. */
    buf_free(&c->raw);
    buf_free(&c->key);
    buf_free(&c->slug);
    free(c);
    free(g);
    return rc;
}
