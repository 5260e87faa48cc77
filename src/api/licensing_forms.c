/*
 * licensing_forms: the printable forms of the one-stop rules (Circular 03/2025/TT-VPCP) as HTML
 * pages that need nothing beyond themselves (no script, no external style or font; a strict
 * Content-Security-Policy says so): form 01, the receipt with the due date, for dossiers received
 * here (GET /dossiers/{id}/receipt); form 06, the control slip listing every step
 * (GET /dossiers/{id}/control-slip); form 04, the apology and extension letter of the last
 * extension step (GET /dossiers/{id}/extension-letter). Every value is HTML-escaped. The
 * authority's names come from meta.authority_name and meta.authority_parent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/licensing_int.h"
#include "core/date.h"

#define E(s) lic_html_escape(out, (s))

static const char *const style =
    "body{font-family:'Times New Roman',serif;font-size:13pt;max-width:190mm;margin:12mm auto;color:#000}"
    "table{border-collapse:collapse;width:100%}td,th{vertical-align:top;padding:3px 5px}"
    ".grid td,.grid th{border:1px solid #000}.head td{text-align:center;width:50%}"
    "h1{font-size:14pt;text-align:center;margin:18px 0 4px}.c{text-align:center}.r{text-align:right}"
    ".sig td{text-align:center;height:90px;width:50%}.small{font-size:11pt}@media print{body{margin:0}}";

static void meta_value(db_conn *db, const char *key, const char *def, char *out, size_t n)
{
    snprintf(out, n, "%s", def);
    sqlite3_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key = ?", NULL);
    if (!st)
        return;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(st);
}

/* "08 giờ 00 phút, ngày 02/03/2026" */
static void vn_time(buf *out, cal_minute m)
{
    if (m == LIC_NONE) {
        buf_puts(out, "—");
        return;
    }
    int32_t day = cal_day_of(m);
    int minute = (int)(m - (cal_minute)day * CAL_MINUTES_PER_DAY);
    int y, mo, d;
    date_to_civil(day, &y, &mo, &d);
    buf_appendf(out, "%02d giờ %02d phút, ngày %02d/%02d/%04d", minute / 60, minute % 60, d, mo, y);
}

static void page_begin(buf *out, db_conn *db, const char *title, const char *form_no)
{
    char authority[300], parent[300];
    meta_value(db, "authority_name", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", authority, sizeof authority);
    meta_value(db, "authority_parent", "UBND THÀNH PHỐ HỒ CHÍ MINH", parent, sizeof parent);
    buf_puts(out, "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>");
    E(title);
    buf_appendf(out, "</title><style>%s</style></head><body>", style);
    buf_puts(out, "<table class=\"head\"><tr><td>");
    E(parent);
    buf_puts(out, "<br><b>");
    E(authority);
    buf_puts(out, "</b></td><td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b>Độc lập - Tự do - Hạnh phúc</b></td>"
                  "</tr></table><p class=\"r small\">");
    E(form_no);
    buf_puts(out, "</p><h1>");
    E(title);
    buf_puts(out, "</h1>");
}

static void row(buf *out, const char *label, const char *value)
{
    buf_puts(out, "<tr><td style=\"width:38%\">");
    E(label);
    buf_puts(out, "</td><td><b>");
    E(value ? value : "—");
    buf_puts(out, "</b></td></tr>");
}

static void row_time(buf *out, const char *label, cal_minute m)
{
    buf t = BUF_INIT;
    vn_time(&t, m);
    row(out, label, t.data);
    buf_free(&t);
}

static void reply_html(http_request *req)
{
    http_set_header(req, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "text/html; charset=utf-8");
}

/* The dossier of the path with its names. 1 found, 0 not (err filled), -1 error. */
typedef struct form_data {
    lic_dossier d;
    char applicant[400], procedure[600], received_by[80], facility[300];
} form_data;

static int load(http_request *req, db_conn *db, form_data *f, rm_error *err)
{
    int64_t id = lic_path_id(req, 0);
    int r = id ? lic_dossier_load(db, id, &f->d, err) : 0;
    if (r <= 0) {
        if (!r)
            rm_error_set(err, 404, "Not Found", "no dossier %.40s", req->path_params[0]);
        return -1;
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT d.applicant, coalesce(p.name_vi, d.procedure_code), d.received_by, f.name "
                                    "FROM dossier d LEFT JOIN procedure p ON p.id = d.procedure_id LEFT JOIN facility f "
                                    "ON f.id = d.facility_id WHERE d.id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        char *outs[] = {f->applicant, f->procedure, f->received_by, f->facility};
        size_t sizes[] = {sizeof f->applicant, sizeof f->procedure, sizeof f->received_by, sizeof f->facility};
        for (int i = 0; i < 4; i++) {
            const char *s = (const char *)sqlite3_column_text(st, i);
            snprintf(outs[i], sizes[i], "%s", s ? s : "");
        }
    }
    db_stmt_done(st);
    return 1;
}

int api_dossier_receipt_form(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    form_data f;
    if (!db || load(req, db, &f, err) < 0)
        return -1;
    if (strcmp(f.d.origin, "counter") != 0)
        return rm_error_set(err, 404, "Not Found", "dossier %s was received by the one-stop system, which issued its "
                            "receipt", f.d.receipt_no);
    buf *out = &req->out;
    page_begin(out, db, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mẫu số 01");
    buf_puts(out, "<p class=\"c\">Mã hồ sơ: <b>");
    E(f.d.receipt_no);
    buf_puts(out, "</b></p><table>");
    row(out, "Tiếp nhận hồ sơ của:", f.applicant);
    if (f.facility[0])
        row(out, "Cơ sở:", f.facility);
    row(out, "Nội dung yêu cầu giải quyết (thủ tục):", f.procedure);
    row(out, "Hình thức nộp:", strcmp(f.d.channel, "postal") == 0   ? "Qua dịch vụ bưu chính"
                               : strcmp(f.d.channel, "online") == 0 ? "Trực tuyến"
                                                                    : "Trực tiếp");
    row_time(out, "Thời gian nhận hồ sơ:", f.d.received);
    if (f.d.due != LIC_NONE)
        row_time(out, "Thời gian trả kết quả giải quyết hồ sơ:", f.d.due);
    else
        row_time(out, "Hạn kiểm tra tính đầy đủ, hợp lệ của hồ sơ:", f.d.completeness_due);
    buf_puts(out, "</table><p>Thành phần hồ sơ đã nhận:</p><table class=\"grid\"><tr><th>STT</th><th>Tên giấy tờ</th>"
                  "<th>Loại</th></tr>");
    sqlite3_stmt *st = db_stmt(db, "SELECT file_name, media_type FROM dossier_attachment WHERE dossier_id = ? ORDER BY id",
                               err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, f.d.id);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        buf_appendf(out, "<tr><td class=\"c\">%d</td><td>", ++n);
        E((const char *)sqlite3_column_text(st, 0));
        buf_puts(out, "</td><td>");
        E((const char *)sqlite3_column_text(st, 1));
        buf_puts(out, "</td></tr>");
    }
    db_stmt_done(st);
    if (!n)
        buf_puts(out, "<tr><td colspan=\"3\" class=\"c\">(hồ sơ giấy)</td></tr>");
    buf_puts(out, "</table><p class=\"small\">Vào sổ theo dõi hồ sơ, Quyển số: ...... Số thứ tự: ......</p>"
                  "<table class=\"sig\"><tr><td><b>NGƯỜI NỘP HỒ SƠ</b><br><i>(Ký và ghi rõ họ tên)</i></td>"
                  "<td><b>NGƯỜI TIẾP NHẬN HỒ SƠ</b><br><i>(Ký và ghi rõ họ tên)</i><br><br><br>");
    E(f.received_by);
    buf_puts(out, "</td></tr></table></body></html>");
    reply_html(req);
    return 0;
}

int api_dossier_control_slip(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    form_data f;
    if (!db || load(req, db, &f, err) < 0)
        return -1;
    buf *out = &req->out;
    page_begin(out, db, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Mẫu số 06");
    buf_puts(out, "<p class=\"c\">Mã hồ sơ: <b>");
    E(f.d.receipt_no);
    buf_puts(out, "</b></p><table>");
    row(out, "Tổ chức, cá nhân:", f.applicant);
    row(out, "Thủ tục:", f.procedure);
    row_time(out, "Nhận hồ sơ:", f.d.received);
    row_time(out, "Hẹn trả kết quả:", f.d.due);
    if (f.d.extended_due != LIC_NONE)
        row_time(out, "Hẹn lại (mẫu 04):", f.d.extended_due);
    buf_puts(out, "</table><table class=\"grid\" style=\"margin-top:10px\"><tr><th>STT</th><th>Bước xử lý</th>"
                  "<th>Thời gian</th><th>Người thực hiện</th><th>Trạng thái</th><th>Ghi chú</th></tr>");
    sqlite3_stmt *st = db_stmt(db, "SELECT step, national_status, at, user_name, note, origin FROM dossier_step WHERE "
                                    "dossier_id = ? ORDER BY id", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, f.d.id);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const lic_step_def *def = lic_step_find((const char *)sqlite3_column_text(st, 0));
        int code = sqlite3_column_int(st, 1);
        buf_appendf(out, "<tr><td class=\"c\">%d</td><td>", ++n);
        E(def ? def->name_vi : (const char *)sqlite3_column_text(st, 0));
        buf_puts(out, "</td><td>");
        vn_time(out, lic_instant(sqlite3_column_text(st, 2)));
        buf_puts(out, "</td><td>");
        E(strcmp((const char *)sqlite3_column_text(st, 5), "import") == 0 ? "Hệ thống một cửa"
                                                                          : (const char *)sqlite3_column_text(st, 3));
        buf_appendf(out, "</td><td>%d. ", code);
        E(lic_status_name_vi(code));
        buf_puts(out, "</td><td>");
        E((const char *)sqlite3_column_text(st, 4));
        buf_puts(out, "</td></tr>");
    }
    db_stmt_done(st);
    cal_calendar *cal = cal_create();
    lic_view v = {0};
    if (cal)
        lic_view_of(cal, &f.d, cal_now(), &v);
    cal_destroy(cal);
    static const char *const words[] = {"Đang giải quyết", "Trước hạn", "Đúng hạn", "Quá hạn", "Kết thúc không giải quyết"};
    buf_puts(out, "</table><p>Kết quả: <b>");
    E(cal ? words[v.outcome] : "");
    buf_puts(out, "</b></p></body></html>");
    reply_html(req);
    return 0;
}

int api_dossier_extension_letter(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    form_data f;
    if (!db || load(req, db, &f, err) < 0)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT at, user_name, json_extract(data, '$.reason'), json_extract(data, "
                                    "'$.new_due'), due_before FROM dossier_step WHERE dossier_id = ? AND step = "
                                    "'extension_letter' ORDER BY id DESC LIMIT 1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, f.d.id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_stmt_done(st);
        return rm_error_set(err, 404, "Not Found", "dossier %s has no extension letter", f.d.receipt_no);
    }
    cal_minute at = lic_instant(sqlite3_column_text(st, 0)), nd = LIC_NONE;
    cal_parse_instant((const char *)sqlite3_column_text(st, 3), 0, &nd);
    char reason[2000], who[80];
    snprintf(reason, sizeof reason, "%s", sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
    snprintf(who, sizeof who, "%s", sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
    db_stmt_done(st);
    buf *out = &req->out;
    page_begin(out, db, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Mẫu số 04");
    buf_puts(out, "<p>Kính gửi: <b>");
    E(f.applicant);
    buf_puts(out, "</b></p><p>Ngày ");
    vn_time(out, f.d.received);
    buf_puts(out, ", cơ quan tiếp nhận hồ sơ đề nghị giải quyết thủ tục <b>");
    E(f.procedure);
    buf_puts(out, "</b>, mã hồ sơ <b>");
    E(f.d.receipt_no);
    buf_puts(out, "</b>, hẹn trả kết quả vào ");
    vn_time(out, f.d.due);
    buf_puts(out, ".</p><p>Tuy nhiên đến nay, cơ quan chưa trả kết quả giải quyết hồ sơ theo đúng thời hạn. Lý do: <b>");
    E(reason);
    buf_puts(out, "</b></p><p>Sự chậm trễ này đã gây phiền hà cho ông/bà/tổ chức. Chúng tôi xin lỗi và hẹn lại "
                  "thời gian trả kết quả vào <b>");
    vn_time(out, nd);
    buf_puts(out, "</b>.</p><p class=\"r\"><i>");
    vn_time(out, at);
    buf_puts(out, "</i></p><table class=\"sig\"><tr><td></td><td><b>THỦ TRƯỞNG CƠ QUAN</b><br><i>(Ký, ghi rõ họ tên và "
                  "đóng dấu)</i><br><br><br>");
    E(who);
    buf_puts(out, "</td></tr></table></body></html>");
    reply_html(req);
    return 0;
}
