/*
 * compliance_html: the inspection checklist, GET /facilities/{id}/compliance?f=html: the summary of
 * compliance.c as one self-contained printable page (inline style, no script, no external asset),
 * in Vietnamese with English, with a box per item for the inspector to tick and a column for notes.
 */
#include <stdio.h>
#include <string.h>

#include "api/compliance_int.h"
#include "core/date.h"

bool cmp_finding_matches(const cmp_finding *f, const cmp_item *it)
{
    if (strcmp(f->kind, it->kind) != 0)
        return false;
    if (strcmp(it->kind, "document") == 0)
        return f->document_kind && strcmp(f->document_kind, it->document_kind) == 0;
    return f->subject_id == it->subject_id;
}

static const char *status_vi(cr_status st)
{
    switch (st) {
    case CR_OK: return "Đạt";
    case CR_DUE: return "Sắp đến hạn";
    case CR_OVERDUE: return "Quá hạn";
    case CR_MISSING: return "Thiếu";
    }
    return "";
}

static void h(buf *b, const char *s) { cmp_html_escape(b, s ? s : ""); }

void cmp_checklist_html(buf *b, const cmp_summary *s, const cmp_header *hd, cr_status overall)
{
    char day[11];
    date_format(s->today, day);
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
                "<title>Phiếu kiểm tra an toàn bức xạ - ");
    h(b, hd->code);
    buf_puts(b, "</title><style>"
                "body{font:11pt/1.35 'Times New Roman',serif;margin:1.5cm;color:#000}"
                "h1{font-size:15pt;text-align:center;margin:0 0 .2em}"
                "h2{font-size:12pt;margin:1.2em 0 .3em;border-bottom:1px solid #000}"
                ".sub{text-align:center;font-style:italic;margin-bottom:1em}"
                "table{border-collapse:collapse;width:100%}th,td{border:1px solid #000;padding:3px 5px;"
                "vertical-align:top;text-align:left}th{background:#eee}"
                "td.n{width:2.2em;text-align:right}td.box{width:7em;white-space:nowrap}td.note{width:18%}"
                "td.due{white-space:nowrap}"
                ".st{font-weight:bold}.ok{color:#075e00}.due{color:#8a5a00}.overdue,.missing{color:#a00000}"
                ".meta td{border:none;padding:1px 6px}.f{font-size:9.5pt;color:#333}"
                ".sign{margin-top:2em;display:flex;justify-content:space-between}.sign div{width:45%;"
                "text-align:center}"
                "@media print{body{margin:1cm}h2{break-after:avoid}tr{break-inside:avoid}}"
                "</style></head><body>\n");
    buf_puts(b, "<h1>PHIẾU KIỂM TRA AN TOÀN BỨC XẠ - X-QUANG</h1><div class=\"sub\">Inspection checklist: X-ray "
                "compliance and radiation workers</div>\n<table class=\"meta\">");
    static const char *const labels[] = {"Cơ sở / Facility", "Mã / Code", "Tổ chức / Licensee", "Địa chỉ / Address",
                                         "Công việc bức xạ / Practices"};
    const char *values[] = {hd->name, hd->code, hd->organization, hd->address, hd->practices};
    for (int i = 0; i < 5; i++) {
        buf_puts(b, "<tr><td>");
        h(b, labels[i]);
        buf_puts(b, ":</td><td>");
        h(b, values[i]);
        if (i == 3 && hd->ward) {
            buf_puts(b, ", ");
            h(b, hd->ward);
        }
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "<tr><td>Giấy phép / Licence:</td><td>");
    if (hd->licence_number) {
        h(b, hd->licence_number);
        buf_puts(b, ", cấp ngày ");
        h(b, hd->licence_issued);
        if (hd->licence_expires) {
            buf_puts(b, ", hiệu lực đến ");
            h(b, hd->licence_expires);
        }
        buf_puts(b, " (");
        h(b, hd->licence_status);
        buf_puts(b, ")");
    } else {
        buf_puts(b, "không có trong sổ đăng ký / none on the register");
    }
    buf_puts(b, "</td></tr><tr><td>Lần kiểm tra trước / Last inspection:</td><td>");
    if (hd->inspection_date) {
        h(b, hd->inspection_date);
        if (hd->inspection_result) {
            buf_puts(b, " (");
            h(b, hd->inspection_result);
            buf_puts(b, ")");
        }
    } else {
        buf_puts(b, "chưa có / none");
    }
    buf_appendf(b, "</td></tr><tr><td>Ngày lập phiếu / Date:</td><td>%s</td></tr>", day);
    if (hd->status && strcmp(hd->status, "operating") == 0)
        buf_appendf(b, "<tr><td>Tình trạng chung / Overall:</td><td class=\"st %s\">%s (%s)</td></tr></table>\n",
                    cr_status_key(overall), status_vi(overall), cr_status_key(overall));
    else
        buf_puts(b, "<tr><td>Tình trạng chung / Overall:</td><td>cơ sở không hoạt động: không áp dụng / not "
                    "operating: not checked</td></tr></table>\n");
    int n = 0;
    for (int sec = 0; sec < 4; sec++) {
        buf_appendf(b, "<h2>%d. %s <span class=\"f\">/ %s</span></h2>\n", sec + 1, cmp_sections[sec].vi, cmp_sections[sec].en);
        buf_puts(b, "<table><tr><th>#</th><th>Nội dung kiểm tra / Item</th><th>Hồ sơ / Record</th>"
                    "<th>Hạn / Due</th><th>Sổ đăng ký / Register</th><th>Kết quả / Result</th>"
                    "<th>Ghi chú / Notes</th></tr>\n");
        bool any = false;
        for (size_t i = 0; i < s->n; i++) {
            const cmp_item *it = &s->items[i];
            if (it->section != sec)
                continue;
            any = true;
            buf_appendf(b, "<tr><td class=\"n\">%d</td><td>", ++n);
            h(b, it->label);
            if (it->device) {
                buf_puts(b, "<br><span class=\"f\">");
                h(b, it->device);
                buf_puts(b, "</span>");
            }
            if (strcmp(it->subject_type, "person") == 0) {
                buf_puts(b, "<br><b>");
                if (it->person_name)
                    h(b, it->person_name);
                else
                    buf_appendf(b, "person %lld", (long long)it->subject_id);
                buf_puts(b, "</b>");
            }
            if (it->person_roles && strstr(it->person_roles, "safety_officer"))
                buf_puts(b, " <span class=\"f\">(phụ trách an toàn)</span>");
            buf_puts(b, "</td><td>");
            h(b, it->detail);
            if (it->dose_flags) {
                buf_puts(b, "<br><b>");
                if (it->dose_flags & CR_FLAG_INVESTIGATION)
                    buf_puts(b, "Vượt mức điều tra / above investigation level. ");
                if (it->dose_flags & CR_FLAG_YEAR_LIMIT)
                    buf_puts(b, "Vượt giới hạn liều năm / above the year limit. ");
                if (it->dose_flags & CR_FLAG_FIVE_YEAR)
                    buf_puts(b, "Vượt giới hạn 5 năm / above the 5-year limit.");
                buf_puts(b, "</b>");
            }
            for (size_t k = 0; k < s->nf; k++) {
                if (!cmp_finding_matches(&s->findings[k], it))
                    continue;
                buf_puts(b, "<div class=\"f\">Phát hiện / Finding ");
                h(b, s->findings[k].date);
                buf_puts(b, ": ");
                h(b, s->findings[k].description);
                if (s->findings[k].closed_on) {
                    buf_puts(b, " (đã khắc phục ");
                    h(b, s->findings[k].closed_on);
                    buf_puts(b, ")");
                } else if (s->findings[k].due) {
                    buf_puts(b, " (hạn khắc phục ");
                    h(b, s->findings[k].due);
                    buf_puts(b, ")");
                }
                buf_puts(b, "</div>");
            }
            buf_puts(b, "</td><td class=\"due\">");
            h(b, it->due);
            buf_appendf(b, "</td><td class=\"st %s\">%s</td><td class=\"box\">&#9744; Đạt<br>&#9744; Không đạt</td>"
                           "<td class=\"note\"></td></tr>\n", cr_status_key(it->status), status_vi(it->status));
        }
        if (!any)
            buf_puts(b, "<tr><td colspan=\"7\"><i>Không có mục nào / nothing to check</i></td></tr>\n");
        buf_puts(b, "</table>\n");
    }
    bool other = false;
    for (size_t k = 0; k < s->nf; k++)
        if (!s->findings[k].used)
            other = true;
    if (other) {
        buf_puts(b, "<h2>Phát hiện khác / Other findings</h2><ul>");
        for (size_t k = 0; k < s->nf; k++) {
            if (s->findings[k].used)
                continue;
            buf_puts(b, "<li>");
            h(b, s->findings[k].date);
            buf_puts(b, ": ");
            h(b, s->findings[k].description);
            buf_puts(b, "</li>");
        }
        buf_puts(b, "</ul>\n");
    }
    buf_puts(b, "<div class=\"sign\"><div>ĐẠI DIỆN CƠ SỞ<br><i>Facility representative</i></div>"
                "<div>ĐOÀN KIỂM TRA<br><i>Inspectors</i></div></div>\n</body></html>\n");
}
