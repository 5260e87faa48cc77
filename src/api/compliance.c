/*
 * compliance: the inspector's view of a facility, GET /facilities/{id}/compliance: every item an
 * inspection of X-ray compliance checks, in the order it checks them, each with its record, due
 * date, status (ok, due, overdue, missing) and the open findings of inspections that point at it;
 * ?f=html gives the same as a printable inspection checklist (one self-contained page, no external
 * assets, Vietnamese with English).
 *
 * Order: devices (each device's declaration confirmation, QC test, room), rooms (shielding, area
 * survey), people (the safety officer, then each person in post: worker certificate, training,
 * health check, personal dose monitoring), documents (annual safety assessment report, emergency
 * plan, the kinds an admin added). Items come from the views of sql/007_compliance.sql and their
 * status from core/compliance_rules.h, the same rule the facility's compliance_status property
 * applies in SQL (db/compliance_sql.h), so the summary's overall status is that property.
 *
 * People are named only for the roles that see persons; others see "person 7". A summary that
 * names people is read-logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/compliance_int.h"
#include "core/compliance_rules.h"
#include "core/date.h"
#include "db/compliance.h"

const cmp_section cmp_sections[4] = {
    {"devices", "Thiết bị bức xạ: khai báo, kiểm định, phòng đặt thiết bị", "Devices: declaration, QC test, room"},
    {"rooms", "Phòng đặt thiết bị: che chắn, kiểm xạ", "Rooms: shielding, area survey"},
    {"people", "Người phụ trách an toàn và nhân viên bức xạ", "Safety officer and radiation workers"},
    {"documents", "Hồ sơ, tài liệu", "Documents"},
};

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? strdup((const char *)s) : NULL;
}

static cmp_item *add_item(cmp_summary *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        cmp_item *x = realloc(s->items, s->cap * sizeof *x);
        if (!x)
            abort();
        s->items = x;
    }
    cmp_item *it = &s->items[s->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* Read one view's rows (columns: seq, kind, subject_id, document_kind, record_id, label, due, state,
 * detail[, person name, roles, safety officer]) into s. */
static int read_items(cmp_summary *s, db_conn *db, const char *sql, int section, const char *subject_type, int64_t fac,
                      rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fac);
    if (sqlite3_bind_parameter_count(st) >= 2) {
        char day[11];
        date_format(s->today, day);
        sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t subject = sqlite3_column_int64(st, 2);
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        /* A person in two roles: one item per kind. */
        bool dup = false;
        if (section == 2)
            for (size_t i = 0; i < s->n && !dup; i++)
                dup = s->items[i].section == 2 && s->items[i].subject_id == subject && strcmp(s->items[i].kind, kind) == 0;
        if (dup)
            continue;
        cmp_item *it = add_item(s);
        it->seq = sqlite3_column_int(st, 0);
        it->section = section;
        snprintf(it->kind, sizeof it->kind, "%s", kind);
        snprintf(it->subject_type, sizeof it->subject_type, "%s", subject_type);
        it->subject_id = subject;
        if (sqlite3_column_text(st, 3))
            snprintf(it->document_kind, sizeof it->document_kind, "%s", sqlite3_column_text(st, 3));
        it->record_id = sqlite3_column_int64(st, 4);
        it->label = dup_col(st, 5);
        const char *due = (const char *)sqlite3_column_text(st, 6);
        int32_t due_day = 0;
        bool has_due = due && date_parse(due, &due_day) == 0;
        if (has_due)
            snprintf(it->due, sizeof it->due, "%s", due);
        it->status = cr_item_status(cr_state_parse((const char *)sqlite3_column_text(st, 7)), has_due, due_day,
                                    s->today, s->window);
        it->detail = dup_col(st, 8);
        if (section == 0 && sqlite3_column_count(st) > 9)
            it->device = dup_col(st, 9);
        if (section == 2 && sqlite3_column_count(st) > 9) {
            it->person_name = s->persons ? dup_col(st, 9) : NULL;
            it->person_roles = dup_col(st, 10);
            it->safety_officer = sqlite3_column_int(st, 11) != 0;
        }
    }
    db_stmt_done(st);
    return r == SQLITE_DONE ? 0 : db_error(db, err, 500, "reading the checklist");
}

static int load_summary(cmp_summary *s, db_conn *db, int64_t fac, rm_error *err)
{
    s->window = (int)cmp_setting(db, "due_window_days", 60);
    if (read_items(s, db, "SELECT i.seq, i.kind, i.device_id, NULL, i.record_id, i.label, i.due, i.state, i.detail, "
                          "nullif(trim(coalesce(d.manufacturer, '') || ' ' || coalesce(d.model, '') || coalesce(', s/n ' "
                          "|| d.serial_no, '')), '') FROM compliance_device_item i JOIN device d ON d.id = i.device_id "
                          "WHERE i.facility_id = ?1", 0, "device", fac, err) < 0 ||
        read_items(s, db, "SELECT seq, kind, room_id, NULL, record_id, label, due, state, detail FROM "
                          "compliance_room_item WHERE facility_id = ?1", 1, "room", fac, err) < 0)
        return -1;
    /* The safety officer. */
    sqlite3_stmt *st = db_stmt(db, "SELECT r.person_id, p.full_name, r.start_date FROM person_role r JOIN person p ON "
                                    "p.id = r.person_id WHERE r.facility_id = ?1 AND r.role = 'safety_officer' AND "
                                    "r.start_date <= ?2 AND (r.end_date IS NULL OR r.end_date >= ?2) ORDER BY "
                                    "r.start_date DESC LIMIT 1", err);
    if (!st)
        return -1;
    char day[11];
    date_format(s->today, day);
    sqlite3_bind_int64(st, 1, fac);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    cmp_item *so = add_item(s);
    so->seq = 50;
    so->section = 2;
    snprintf(so->kind, sizeof so->kind, "safety_officer");
    snprintf(so->subject_type, sizeof so->subject_type, "facility");
    so->subject_id = fac;
    so->label = strdup("Safety officer");
    so->safety_officer = true;
    if (sqlite3_step(st) == SQLITE_ROW) {
        buf d = BUF_INIT;
        int64_t pid = sqlite3_column_int64(st, 0);
        so->record_id = pid;
        if (s->persons)
            buf_appendf(&d, "%s (person %lld)", sqlite3_column_text(st, 1), (long long)pid);
        else
            buf_appendf(&d, "person %lld", (long long)pid);
        buf_appendf(&d, ", since %s", sqlite3_column_text(st, 2));
        so->detail = buf_detach(&d, NULL);
        so->status = CR_OK;
        if (s->persons)
            so->person_name = dup_col(st, 1);
    } else {
        so->detail = strdup("no safety officer in post");
        so->status = CR_MISSING;
    }
    db_stmt_done(st);
    if (read_items(s, db, "SELECT k.seq, k.kind, k.person_id, NULL, k.record_id, k.label, k.due, k.state, k.detail, "
                          "p.full_name, (SELECT group_concat(DISTINCT r.role) FROM person_role r WHERE r.person_id = "
                          "k.person_id AND r.facility_id = k.facility_id AND r.start_date <= ?2 AND (r.end_date IS NULL "
                          "OR r.end_date >= ?2)), EXISTS (SELECT 1 FROM person_role r WHERE r.person_id = k.person_id "
                          "AND r.facility_id = k.facility_id AND r.role = 'safety_officer' AND r.start_date <= ?2 AND "
                          "(r.end_date IS NULL OR r.end_date >= ?2)) FROM compliance_person_item k JOIN person p ON "
                          "p.id = k.person_id WHERE k.facility_id = ?1 AND k.active_from <= ?2 AND (k.active_to IS NULL "
                          "OR k.active_to >= ?2)", 2, "person", fac, err) < 0 ||
        read_items(s, db, "SELECT seq, kind, facility_id, document_kind, record_id, label, due, state, detail FROM "
                          "compliance_document_item WHERE facility_id = ?1", 3, "facility", fac, err) < 0)
        return -1;
    /* Dose flags of the people in post. */
    compliance_dose_rules rules;
    if (compliance_dose_rules_load(db, &rules, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        cmp_item *it = &s->items[i];
        if (strcmp(it->kind, "dose_monitoring") != 0)
            continue;
        compliance_history h;
        if (compliance_history_load(db, it->subject_id, &rules, &h, err) < 0)
            return -1;
        /* Flags of the last five years. */
        int y, m, d;
        date_to_civil(s->today, &y, &m, &d);
        for (size_t k = 0; k < h.n; k++)
            if (h.doses[k].above_level && h.doses[k].end >= cr_add_months(s->today, -60))
                it->dose_flags |= CR_FLAG_INVESTIGATION;
        for (size_t k = 0; k < h.nyears; k++)
            if (h.years[k].year > y - 5)
                it->dose_flags |= h.years[k].flags;
        compliance_history_free(&h);
    }
    /* Findings: those still open, and every finding of the last inspection. */
    st = db_stmt(db, "SELECT x.id, x.inspection_id, x.item_kind, x.subject_id, x.document_kind, x.record_id, x.severity, "
                     "x.description, x.due, x.closed_on, i.date FROM inspection_finding x JOIN inspection i ON i.id = "
                     "x.inspection_id WHERE i.facility_id = ?1 AND (x.closed_on IS NULL OR i.id = (SELECT i2.id FROM "
                     "inspection i2 WHERE i2.facility_id = ?1 ORDER BY i2.date DESC, i2.id DESC LIMIT 1)) ORDER BY "
                     "i.date, x.id", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fac);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (s->nf == cap) {
            cap = cap ? 2 * cap : 16;
            cmp_finding *x = realloc(s->findings, cap * sizeof *x);
            if (!x)
                abort();
            s->findings = x;
        }
        cmp_finding *f = &s->findings[s->nf++];
        memset(f, 0, sizeof *f);
        f->id = sqlite3_column_int64(st, 0);
        f->inspection_id = sqlite3_column_int64(st, 1);
        f->kind = dup_col(st, 2);
        f->subject_id = sqlite3_column_int64(st, 3);
        f->document_kind = dup_col(st, 4);
        f->record_id = sqlite3_column_int64(st, 5);
        f->severity = dup_col(st, 6);
        f->description = dup_col(st, 7);
        f->due = dup_col(st, 8);
        f->closed_on = dup_col(st, 9);
        f->date = dup_col(st, 10);
    }
    db_stmt_done(st);
    return 0;
}

static void summary_free(cmp_summary *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].label);
        free(s->items[i].detail);
        free(s->items[i].device);
        free(s->items[i].person_name);
        free(s->items[i].person_roles);
    }
    free(s->items);
    for (size_t i = 0; i < s->nf; i++) {
        cmp_finding *f = &s->findings[i];
        free(f->kind);
        free(f->document_kind);
        free(f->severity);
        free(f->description);
        free(f->due);
        free(f->closed_on);
        free(f->date);
    }
    free(s->findings);
}

/* The inspection order: section, then within people the safety officer's item first and safety
 * officers before workers, then by name; otherwise by subject; then the item's seq. */
static int item_cmp(const void *pa, const void *pb)
{
    const cmp_item *a = pa, *b = pb;
    if (a->section != b->section)
        return a->section - b->section;
    if (a->section == 2) {
        bool as = strcmp(a->kind, "safety_officer") == 0, bs = strcmp(b->kind, "safety_officer") == 0;
        if (as != bs)
            return as ? -1 : 1;
        if (a->safety_officer != b->safety_officer)
            return a->safety_officer ? -1 : 1;
        int c = strcmp(a->person_name ? a->person_name : "", b->person_name ? b->person_name : "");
        if (c)
            return c;
    }
    if (a->subject_id != b->subject_id)
        return a->subject_id < b->subject_id ? -1 : 1;
    return a->seq - b->seq;
}

static void write_finding(json_writer *w, const cmp_finding *f)
{
    json_obj_begin(w);
    json_kv_int(w, "id", f->id);
    json_kv_int(w, "inspection_id", f->inspection_id);
    json_kv_str(w, "inspection_date", f->date);
    json_kv_str(w, "item_kind", f->kind);
    json_key(w, "subject_id");
    f->subject_id ? json_int(w, f->subject_id) : json_write_null(w);
    json_kv_str(w, "document_kind", f->document_kind);
    json_key(w, "record_id");
    f->record_id ? json_int(w, f->record_id) : json_write_null(w);
    json_kv_str(w, "severity", f->severity);
    json_kv_str(w, "description", f->description);
    json_kv_str(w, "due", f->due);
    json_kv_str(w, "closed_on", f->closed_on);
    json_obj_end(w);
}

static void write_dose_flags(json_writer *w, unsigned flags)
{
    json_arr_begin(w);
    if (flags & CR_FLAG_INVESTIGATION)
        json_str(w, "above_investigation_level");
    if (flags & CR_FLAG_YEAR_LIMIT)
        json_str(w, "above_year_limit");
    if (flags & CR_FLAG_FIVE_YEAR)
        json_str(w, "above_five_year_limit");
    json_arr_end(w);
}

static int load_header(db_conn *db, int64_t fac, cmp_header *h, rm_error *err)
{
    memset(h, 0, sizeof *h);
    sqlite3_stmt *st = db_stmt(db, "SELECT f.code, f.name, f.address, f.ward, f.status, o.name, (SELECT "
                                    "group_concat(fp.practice, ', ') FROM facility_practice fp WHERE fp.facility_id = "
                                    "f.id), (SELECT a.number || char(9) || a.issued || char(9) || coalesce(a.expires, '') "
                                    "|| char(9) || a.status FROM authorization a WHERE a.facility_id = f.id AND a.kind = "
                                    "'licence' AND a.status <> 'superseded' ORDER BY a.status = 'issued' DESC, a.issued "
                                    "DESC LIMIT 1), (SELECT i.id || char(9) || i.date || char(9) || coalesce(i.result, '') "
                                    "FROM inspection i WHERE i.facility_id = f.id ORDER BY i.date DESC, i.id DESC LIMIT 1) "
                                    "FROM facility f LEFT JOIN organization o ON o.id = f.organization_id WHERE f.id = ?",
                               err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fac);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        h->code = dup_col(st, 0);
        h->name = dup_col(st, 1);
        h->address = dup_col(st, 2);
        h->ward = dup_col(st, 3);
        h->status = dup_col(st, 4);
        h->organization = dup_col(st, 5);
        h->practices = dup_col(st, 6);
        char *lic = dup_col(st, 7), *ins = dup_col(st, 8);
        if (lic) {
            char *save, *p = strtok_r(lic, "\t", &save);
            h->licence_number = p ? strdup(p) : NULL;
            h->licence_issued = (p = strtok_r(NULL, "\t", &save)) ? strdup(p) : NULL;
            char *rest = save;
            char *tab = rest ? strchr(rest, '\t') : NULL;
            if (tab) {
                *tab = 0;
                h->licence_expires = *rest ? strdup(rest) : NULL;
                h->licence_status = strdup(tab + 1);
            }
        }
        if (ins) {
            char *save, *p = strtok_r(ins, "\t", &save);
            h->inspection_id = p ? atoll(p) : 0;
            h->inspection_date = (p = strtok_r(NULL, "\t", &save)) ? strdup(p) : NULL;
            h->inspection_result = save && *save ? strdup(save) : NULL;
        }
        free(lic);
        free(ins);
    }
    db_stmt_done(st);
    return found;
}

static void header_free(cmp_header *h)
{
    char **all[] = {&h->code, &h->name, &h->address, &h->ward, &h->status, &h->organization, &h->practices,
                    &h->licence_number, &h->licence_issued, &h->licence_expires, &h->licence_status,
                    &h->inspection_date, &h->inspection_result};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(*all[i]);
}

static void write_json(json_writer *w, const cmp_summary *s, const cmp_header *h, int64_t fac, cr_status overall)
{
    char day[11];
    date_format(s->today, day);
    int counts[4] = {0};
    for (size_t i = 0; i < s->n; i++)
        counts[s->items[i].status]++;
    json_obj_begin(w);
    json_key(w, "facility");
    json_obj_begin(w);
    json_kv_int(w, "id", fac);
    json_kv_str(w, "code", h->code);
    json_kv_str(w, "name", h->name);
    json_kv_str(w, "organization", h->organization);
    json_kv_str(w, "address", h->address);
    json_kv_str(w, "ward", h->ward);
    json_kv_str(w, "status", h->status);
    json_kv_str(w, "practices", h->practices);
    json_obj_end(w);
    json_kv_str(w, "date", day);
    json_kv_int(w, "due_window_days", s->window);
    json_key(w, "compliance_status");
    strcmp(h->status ? h->status : "", "operating") == 0 ? json_str(w, cr_status_key(overall)) : json_write_null(w);
    json_key(w, "counts");
    json_obj_begin(w);
    for (int k = 0; k < 4; k++)
        json_kv_int(w, cr_status_key((cr_status)k), counts[k]);
    json_obj_end(w);
    json_key(w, "licence");
    if (h->licence_number) {
        json_obj_begin(w);
        json_kv_str(w, "number", h->licence_number);
        json_kv_str(w, "issued", h->licence_issued);
        json_kv_str(w, "expires", h->licence_expires);
        json_kv_str(w, "status", h->licence_status);
        json_obj_end(w);
    } else {
        json_write_null(w);
    }
    json_key(w, "last_inspection");
    if (h->inspection_id) {
        json_obj_begin(w);
        json_kv_int(w, "id", h->inspection_id);
        json_kv_str(w, "date", h->inspection_date);
        json_kv_str(w, "result", h->inspection_result);
        json_obj_end(w);
    } else {
        json_write_null(w);
    }
    json_kv_bool(w, "persons_shown", s->persons);
    json_key(w, "sections");
    json_arr_begin(w);
    for (int sec = 0; sec < 4; sec++) {
        json_obj_begin(w);
        json_kv_str(w, "key", cmp_sections[sec].key);
        json_kv_str(w, "title_vi", cmp_sections[sec].vi);
        json_kv_str(w, "title_en", cmp_sections[sec].en);
        json_key(w, "items");
        json_arr_begin(w);
        for (size_t i = 0; i < s->n; i++) {
            const cmp_item *it = &s->items[i];
            if (it->section != sec)
                continue;
            json_obj_begin(w);
            json_kv_int(w, "seq", it->seq);
            json_kv_str(w, "kind", it->kind);
            json_kv_str(w, "subject_type", it->subject_type);
            json_kv_int(w, "subject_id", it->subject_id);
            if (it->document_kind[0])
                json_kv_str(w, "document_kind", it->document_kind);
            json_key(w, "record_id");
            it->record_id ? json_int(w, it->record_id) : json_write_null(w);
            json_kv_str(w, "label", it->label);
            json_kv_str(w, "status", cr_status_key(it->status));
            json_kv_str(w, "due", it->due[0] ? it->due : NULL);
            json_kv_str(w, "detail", it->detail);
            if (it->device)
                json_kv_str(w, "device", it->device);
            if (strcmp(it->subject_type, "person") == 0) {
                json_key(w, "person");
                json_obj_begin(w);
                json_kv_int(w, "id", it->subject_id);
                if (s->persons)
                    json_kv_str(w, "full_name", it->person_name);
                json_kv_str(w, "roles", it->person_roles);
                json_obj_end(w);
            }
            if (strcmp(it->kind, "dose_monitoring") == 0) {
                json_key(w, "dose_flags");
                write_dose_flags(w, it->dose_flags);
            }
            json_key(w, "findings");
            json_arr_begin(w);
            for (size_t k = 0; k < s->nf; k++)
                if (cmp_finding_matches(&s->findings[k], it))
                    write_finding(w, &s->findings[k]);
            json_arr_end(w);
            json_obj_end(w);
        }
        json_arr_end(w);
        json_obj_end(w);
    }
    json_arr_end(w);
    json_key(w, "other_findings");
    json_arr_begin(w);
    for (size_t k = 0; k < s->nf; k++)
        if (!s->findings[k].used)
            write_finding(w, &s->findings[k]);
    json_arr_end(w);
    json_obj_end(w);
}

int api_facility_compliance(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"f", NULL};
    if (http_query_check(req, allowed, err) < 0 || api_check_f_json(req, true, err) < 0)
        return -1;
    const char *f = http_query(req, "f");
    bool html = f && strcmp(f, "html") == 0;
    int64_t fac = cmp_path_id(req, 0);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    cmp_header hd;
    int found = fac ? load_header(db, fac, &hd, err) : 0;
    if (found < 0)
        return -1;
    if (!found)
        return rm_error_set(err, 404, "Not Found", "no facility %.40s", req->path_params[0]);
    cmp_summary s = {.today = date_today(), .persons = cmp_may_see_persons(req)};
    int rc = -1;
    if (s.persons && cmp_persons_read_check(req, err) < 0)
        goto cleanup;
    bool operating = hd.status && strcmp(hd.status, "operating") == 0;
    if (load_summary(&s, db, fac, err) < 0)
        goto cleanup;
    if (!operating) {
        /* A suspended or closed facility is not checked: only its findings are shown. */
        for (size_t i = 0; i < s.n; i++) {
            free(s.items[i].label);
            free(s.items[i].detail);
            free(s.items[i].device);
            free(s.items[i].person_name);
            free(s.items[i].person_roles);
        }
        s.n = 0;
    }
    qsort(s.items, s.n, sizeof *s.items, item_cmp);
    cr_status overall = CR_OK;
    for (size_t i = 0; i < s.n; i++)
        overall = cr_worst(overall, s.items[i].status);
    for (size_t k = 0; k < s.nf; k++)
        for (size_t i = 0; i < s.n && !s.findings[k].used; i++)
            s.findings[k].used = cmp_finding_matches(&s.findings[k], &s.items[i]);
    if (html) {
        cmp_checklist_html(&req->out, &s, &hd, overall);
        http_set_header(req, "Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
    } else {
        json_writer w;
        json_init(&w, &req->out);
        write_json(&w, &s, &hd, fac, overall);
    }
    if (s.persons) {
        int64_t ids[512];
        size_t n = 0;
        for (size_t i = 0; i < s.n && n < 512; i++) {
            if (strcmp(s.items[i].subject_type, "person") != 0)
                continue;
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = ids[k] == s.items[i].subject_id;
            if (!seen)
                ids[n++] = s.items[i].subject_id;
        }
        if (n)
            cmp_persons_read_record(req, ids, n);
        req->cache_control = "no-store";
    }
    http_reply(req, 200, html ? "text/html; charset=utf-8" : "application/json");
    rc = 0;
cleanup:
    summary_free(&s);
    header_free(&hd);
    return rc;
}
