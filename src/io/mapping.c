/*
 * mapping: column guesses and value readers of the importer; see mapping.h.
 *
 * The alias lists are written already folded (lower case ASCII words separated by one space), so a
 * header is folded once and compared with plain strcmp.
 */
#include "io/mapping.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/date.h"
#include "core/fold.h"

#define F MAP_FACILITIES
#define S MAP_SOURCES
#define D MAP_DEVICES
#define R MAP_RECEPTORS
#define B MAP_BOUNDARIES
#define A MAP_AUTHORIZATIONS
#define ALL (F | S | D | R | B | A)

unsigned mapping_layer_bit(const char *layer)
{
    static const struct { const char *name; unsigned bit; } t[] = {
        {"facilities", F}, {"sources", S}, {"devices", D}, {"receptors", R}, {"boundaries", B},
        {"authorizations", A},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (layer && strcmp(t[i].name, layer) == 0)
            return t[i].bit;
    return 0;
}

/* Folded headers per target; '|' separates alternatives. A target's own name (folded: "legacy id")
 * always matches too. */
static const struct {
    const char *target;
    unsigned layers;
    const char *aliases;
} header_aliases[] = {
    {"code", F, "ma|ma co so|ma so|ma so co so|so dang ky|ma dang ky|ma cs|facility code"},
    {"name", F, "ten|ten co so|ten don vi co so|co so|facility|facility name|ten cs"},
    {"name", R, "ten|ten diem|ten cong trinh|ten dia diem|site"},
    {"name", B, "ten|ten don vi hanh chinh|name vi|admin"},
    {"name_en", B, "name en|english name|ten tieng anh"},
    {"level", B, "cap|cap hanh chinh"},
    {"code", B, "ma|ma don vi hanh chinh|iso a3|id"},
    {"valid_from", B, "hieu luc tu|tu ngay"},
    {"valid_to", B, "hieu luc den|den ngay"},
    {"organization", F, "to chuc|ten to chuc|don vi|ten don vi|chu so huu|co quan|doanh nghiep|ten doanh nghiep|"
                        "organisation|licensee|ten to chuc ca nhan"},
    {"tax_code", F, "mst|ma so thue|ma thue|tax code|tax id"},
    {"practice", F, "linh vuc|loai hinh|loai hinh cong viec|cong viec buc xa|practice|loai hinh hoat dong"},
    {"practices", F, "cac linh vuc|cac loai hinh"},
    {"status", F | S | D, "trang thai|tinh trang|tinh trang hoat dong|tinh trang su dung"},
    {"address", F | R, "dia chi|dia chi co so|so nha duong|addr"},
    {"ward", F | R, "phuong xa|xa phuong|phuong|xa|ward commune|phuong xa moi|phuong xa 2025|ward 2025"},
    {"legacy_district", F, "quan huyen|quan|huyen|district|quan huyen cu|thi xa thanh pho|quan huyen thi xa"},
    {"legacy_ward", F, "phuong xa cu|old ward"},
    {"legacy_province", F, "tinh|tinh thanh|tinh cu|tinh thanh pho|province|tinh tp"},
    {"contact_name", F, "nguoi lien he|nguoi lien lac|lien he|contact|nguoi phu trach an toan|phu trach an toan"},
    {"contact_phone", F, "dien thoai|so dien thoai|sdt|dt|phone|tel|dien thoai lien he"},
    {"contact_email", F, "email|e mail|thu dien tu|mail"},
    {"legacy_id", ALL, "id cu|ma cu|ma ho so|so ho so|ma goc|old id|legacy|id"},
    {"legacy_system", ALL, "he thong cu|nguon du lieu|so khcn|register"},
    {"external_ref", F | S | D | R | A, "ma varans|ma quoc gia|external id|ref"},
    {"lon", F | S | D | R, "lon|long|lng|longitude|kinh do|kinhdo|kinh do wgs84|x wgs84"},
    {"lat", F | S | D | R, "lat|latitude|vi do|vido|vi do wgs84|y wgs84"},
    {"x", F | S | D | R, "x|toa do x|easting|x vn2000|x m|toa do x m|dong"},
    {"y", F | S | D | R, "y|toa do y|northing|y vn2000|y m|toa do y m|bac"},
    {"facility_code", S | D | A, "ma co so|ma cs|facility code|co so ma"},
    {"facility_legacy_id", S | D | A, "ma co so cu|id co so|facility id cu|facility legacy id|ma ho so co so"},
    {"facility_id", S | D | A, "facility id"},
    {"nuclide", S, "dong vi|dong vi phong xa|nhan phong xa|nuclide|radionuclide|isotope|nguon|ten dong vi"},
    {"form", S, "dang nguon|loai nguon|nguon kin ho|form"},
    {"serial_no", S | D, "so serial|so seri|serial|so hieu|so hieu nguon|so may|seri|sn|serial number|so sx"},
    {"manufacturer", S | D, "hang san xuat|nha san xuat|hang sx|hang|manufacturer|nsx"},
    {"model", S | D, "model|kieu|ma hieu|kieu may|model may"},
    {"activity_bq", S, "hoat do|activity|hoat do ban dau|hoat do nguon"},
    {"reference_date", S, "ngay xac dinh hoat do|ngay tham chieu|ngay do hoat do|ngay san xuat|reference date|"
                          "ngay xac dinh|ngay hoat do"},
    {"type", D, "loai thiet bi|loai may|thiet bi|loai|device type|chung loai"},
    {"max_kv", D, "kv|dien ap|dien ap cuc dai|kv max|dien ap kv|max kv|dien ap toi da kv|dien ap toi da"},
    {"max_ma", D, "ma max|dong dien|dong cuc dai|dong dien ma|cuong do dong dien|dong dien toi da ma|"
                  "dong dien toi da"},
    {"room", D, "phong|phong dat may|phong may|room"},
    {"kind", R, "loai|loai diem|loai hinh|kind|type"},
    {"capacity", R, "suc chua|quy mo|so nguoi|so hoc sinh|so giuong|capacity"},
};

static const char *const activity_units[] = {"bq", "kbq", "mbq", "gbq", "tbq", "ci", "mci", "uci", "µci", NULL};
static const char *const activity_unit_names[] = {"Bq", "kBq", "MBq", "GBq", "TBq", "Ci", "mCi", "uCi", "uCi"};

static bool alias_match(const char *folded, const char *aliases)
{
    size_t n = strlen(folded);
    const char *p = aliases;
    while (*p) {
        const char *e = strchr(p, '|');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && strncmp(p, folded, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/* The target's own name folded ("legacy_id" -> "legacy id"). */
static bool own_name(const char *folded, const char *target)
{
    char *t = fold_dup(target);
    bool same = strcmp(t, folded) == 0;
    free(t);
    return same;
}

const char *mapping_guess_target(const char *header, unsigned layer_bit, const char **unit)
{
    if (unit)
        *unit = NULL;
    char *h = fold_dup(header);
    const char *found = NULL;
    /* An activity column may say its unit: "Hoạt độ (mCi)", "Activity GBq". */
    if (layer_bit & S) {
        char *sp = strrchr(h, ' ');
        if (sp) {
            for (int i = 0; activity_units[i]; i++)
                if (strcmp(sp + 1, activity_units[i]) == 0) {
                    *sp = 0;
                    bool act = alias_match(h, "hoat do|activity|hoat do ban dau|hoat do nguon") || own_name(h, "activity_bq");
                    *sp = ' ';
                    if (act) {
                        if (unit)
                            *unit = activity_unit_names[i];
                        free(h);
                        return "activity_bq";
                    }
                }
        }
    }
    /* Own names first (an exact "code" beats an alias elsewhere), then aliases. */
    for (size_t i = 0; i < sizeof header_aliases / sizeof header_aliases[0] && !found; i++)
        if ((header_aliases[i].layers & layer_bit) && own_name(h, header_aliases[i].target))
            found = header_aliases[i].target;
    for (size_t i = 0; i < sizeof header_aliases / sizeof header_aliases[0] && !found; i++)
        if ((header_aliases[i].layers & layer_bit) && alias_match(h, header_aliases[i].aliases))
            found = header_aliases[i].target;
    free(h);
    return found;
}

bool mapping_same_name(const char *a, const char *b)
{
    char *x = fold_dup(a), *y = fold_dup(b);
    bool same = strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

static const struct {
    unsigned layers;
    const char *field;
    const char *value;
    const char *aliases;
} value_aliases[] = {
    {F, "status", "operating", "dang hoat dong|hoat dong|con hoat dong|active|operating|dang lam viec"},
    {F, "status", "suspended", "tam dung|tam ngung|dinh chi|tam dinh chi|suspended|tam ngung hoat dong"},
    {F, "status", "closed", "da dong cua|dong cua|ngung hoat dong|cham dut|cham dut hoat dong|giai the|closed"},
    {S | D, "status", "in_use", "dang su dung|su dung|dang dung|in use|hoat dong|dang hoat dong"},
    {S | D, "status", "stored", "luu kho|luu giu|cat giu|bao quan|stored|storage"},
    {S | D, "status", "disused", "khong su dung|het su dung|ngung su dung|khong con su dung|disused|hong|da hong"},
    {S | D, "status", "transferred", "da chuyen giao|chuyen giao|chuyen nhuong|da chuyen nhuong|transferred"},
    {S | D, "status", "disposed", "da xu ly|xu ly|thai bo|da thai bo|tra lai nha cung cap|disposed"},
    {S, "status", "lost", "mat|that lac|bi mat|lost"},
    {S, "status", "stolen", "bi danh cap|mat trom|bi trom|stolen"},
    {S, "status", "found", "tim thay|da tim thay|found"},
    {S, "form", "sealed", "kin|nguon kin|sealed"},
    {S, "form", "unsealed", "ho|nguon ho|nguon mo|unsealed|open"},
    {F, "practice", "medical_xray", "x quang|x quang y te|x quang chan doan|chan doan hinh anh|x quang chan doan y te"},
    {F, "practice", "nuclear_medicine", "y hoc hat nhan|nuclear medicine"},
    {F, "practice", "radiotherapy", "xa tri|radiotherapy|xa tri ung thu"},
    {F, "practice", "industrial_radiography", "chup anh phong xa|chup anh buc xa|chup anh buc xa cong nghiep|ndt|"
                                              "kiem tra khong pha huy|chup anh cong nghiep"},
    {F, "practice", "industrial_gauge", "thiet bi do|do luong|thiet bi do cong nghiep|do muc|do mat do|"
                                        "thiet bi ghi do|gauge"},
    {F, "practice", "well_logging", "dia vat ly gieng khoan|carota|well logging|do gieng khoan"},
    {F, "practice", "research", "nghien cuu|dao tao|nghien cuu dao tao|research"},
    {F, "practice", "irradiator", "chieu xa|irradiation|irradiator|may chieu xa"},
    {F, "practice", "storage", "luu giu nguon|kho nguon|luu giu|storage"},
    {F, "practice", "other", "khac|other"},
    {D, "type", "general", "x quang tong hop|x quang|chup x quang|general"},
    {D, "type", "mobile", "x quang di dong|di dong|mobile"},
    {D, "type", "dental", "x quang nha khoa|nha khoa|x quang rang|rang|chup rang|panorama|cephalo|dental"},
    {D, "type", "mammography", "chup vu|x quang vu|nhu anh|mammography"},
    {D, "type", "fluoroscopy", "c arm|tang sang|tang sang truyen hinh|x quang tang sang|fluoroscopy|dsa|"
                               "chup mach"},
    {D, "type", "bone_densitometry", "do mat do xuong|do loang xuong|dexa|bone densitometry"},
    {D, "type", "ct", "ct|may ct|cat lop|chup cat lop|chup cat lop vi tinh|ct scanner|msct"},
    {D, "type", "pet_ct", "pet ct|pet"},
    {D, "type", "spect_ct", "spect ct|spect"},
    {D, "type", "linac", "gia toc|may gia toc|gia toc xa tri|linac"},
    {D, "type", "cyclotron", "cyclotron|gia toc vong"},
    {D, "type", "industrial_xray", "x quang cong nghiep|chup anh cong nghiep|industrial x ray"},
    {D, "type", "xray_security", "soi chieu|soi chieu an ninh|soi hanh ly|soi container|may soi|security"},
    {D, "type", "xrf_analyser", "huynh quang tia x|xrf|phan tich huynh quang"},
    {R, "kind", "school", "truong hoc|truong|truong tieu hoc|truong thcs|truong thpt|dai hoc|school"},
    {R, "kind", "kindergarten", "mam non|truong mam non|mau giao|truong mau giao|nha tre|kindergarten"},
    {R, "kind", "hospital", "benh vien|tram y te|phong kham|hospital"},
    {R, "kind", "market", "cho|market"},
    {R, "kind", "water_intake", "tram cap nuoc|nha may nuoc|cong lay nuoc|water intake"},
    {R, "kind", "stadium", "san van dong|nha thi dau|stadium"},
    {R, "kind", "shopping_centre", "trung tam thuong mai|sieu thi|shopping centre|mall"},
    {R, "kind", "religious_site", "chua|nha tho|den|thanh that|religious site"},
    {B, "level", "country", "quoc gia|country"},
    {B, "level", "province", "tinh|thanh pho|province"},
    {B, "level", "ward", "phuong|xa|dac khu|ward"},
};

const char *mapping_value_alias(unsigned layer_bit, const char *field, const char *value)
{
    char *v = fold_dup(value);
    const char *found = NULL;
    for (size_t i = 0; i < sizeof value_aliases / sizeof value_aliases[0] && !found; i++)
        if ((value_aliases[i].layers & layer_bit) && strcmp(value_aliases[i].field, field) == 0) {
            char *canon = fold_dup(value_aliases[i].value); /* "in_use" -> "in use" */
            if (strcmp(v, canon) == 0 || alias_match(v, value_aliases[i].aliases))
                found = value_aliases[i].value;
            free(canon);
        }
    free(v);
    return found;
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return s;
}

/* Up to max digits as a number; *n digits read. */
static int read_int(const char **p, int max, int *ndigits)
{
    int v = 0, k = 0;
    while (k < max && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    *ndigits = k;
    return v;
}

int mapping_parse_date(const char *s, char out[11])
{
    const char *p = skip_space(s);
    int a, b, c, na, nb, nc;
    a = read_int(&p, 4, &na);
    if (!na || !*p || !strchr("-/.", *p))
        return -1;
    char sep = *p++;
    b = read_int(&p, 2, &nb);
    if (!nb || *p != sep)
        return -1;
    p++;
    c = read_int(&p, 4, &nc);
    if (!nc)
        return -1;
    /* A time may follow: "2024-03-05T08:00:00", "05/03/2024 08:00". */
    if (*p && *p != 'T' && *p != ' ')
        return -1;
    int y, m, d;
    if (na == 4 && nc <= 2)
        y = a, m = b, d = c;        /* 2024-03-05, 2024/03/05 */
    else if (nc == 4 && na <= 2)
        y = c, m = b, d = a;        /* 05/03/2024: day first, as Vietnamese write dates */
    else
        return -1;
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    int32_t days;
    if (date_parse(tmp, &days) < 0)
        return -1;
    memcpy(out, tmp, 11);
    return 0;
}

int mapping_parse_number(const char *s, double *out)
{
    /* Spaces (and no-break spaces) group thousands. Then: both '.' and ',' present, the last one is
     * the decimal mark; one kind repeated, it groups thousands; one ',' alone is a decimal comma
     * (Vietnamese usage), one '.' alone a decimal point. */
    char tmp[64];
    size_t k = 0;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            continue;
        if (ch == 0xC2 && (unsigned char)p[1] == 0xA0) {
            p++;
            continue;
        }
        if (k + 1 >= sizeof tmp)
            return -1;
        tmp[k++] = (char)ch;
    }
    tmp[k] = 0;
    if (!k)
        return -1;
    int dots = 0, commas = 0;
    char *last_dot = strrchr(tmp, '.'), *last_comma = strrchr(tmp, ',');
    for (char *q = tmp; *q; q++)
        dots += *q == '.', commas += *q == ',';
    char decimal = 0;
    if (dots && commas)
        decimal = last_dot > last_comma ? '.' : ',';
    else if (commas == 1)
        decimal = ',';
    else if (dots == 1)
        decimal = '.';
    if ((decimal == '.' && dots > 1) || (decimal == ',' && commas > 1))
        return -1;
    size_t w = 0;
    for (size_t i = 0; i < k; i++) {
        if (tmp[i] == '.' || tmp[i] == ',') {
            if (tmp[i] == decimal)
                tmp[w++] = '.';
            continue;
        }
        tmp[w++] = tmp[i];
    }
    tmp[w] = 0;
    char *end;
    double v = strtod(tmp, &end);
    if (end == tmp || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

double mapping_unit_bq(const char *unit)
{
    static const struct { const char *u; double bq; } t[] = {
        {"bq", 1}, {"kbq", 1e3}, {"mbq", 1e6}, {"gbq", 1e9}, {"tbq", 1e12}, {"ci", 3.7e10}, {"mci", 3.7e7},
        {"uci", 3.7e4}, {"µci", 3.7e4},
    };
    if (!unit)
        return 0;
    char *f = fold_dup(unit);
    double bq = 0;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(f, t[i].u) == 0)
            bq = t[i].bq;
    free(f);
    return bq;
}

int mapping_parse_activity(const char *s, const char *unit, double *bq)
{
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%s", s);
    /* Split a trailing unit off: the last run of letters (and µ). */
    size_t n = strlen(tmp);
    while (n && (tmp[n - 1] == ' ' || tmp[n - 1] == '\t'))
        tmp[--n] = 0;
    size_t u = n;
    while (u && (isalpha((unsigned char)tmp[u - 1]) || (unsigned char)tmp[u - 1] >= 0x80))
        u--;
    double factor = unit ? mapping_unit_bq(unit) : 1;
    if (u < n) {
        /* Keep an exponent ("3.7E10") as part of the number: a unit never ends in a digit. */
        double f = mapping_unit_bq(tmp + u);
        if (f == 0)
            return -1;
        factor = f;
        tmp[u] = 0;
    }
    if (factor == 0)
        return -1;
    double v;
    if (mapping_parse_number(tmp, &v) < 0)
        return -1;
    *bq = v * factor;
    return 0;
}

int mapping_parse_coord(const char *s, double *deg)
{
    double v;
    if (mapping_parse_number(s, &v) == 0) {
        *deg = v;
        return 0;
    }
    /* Degrees, minutes, seconds: numbers separated by anything, an optional hemisphere letter. */
    double part[3] = {0, 0, 0};
    int np = 0, neg = 0;
    const char *p = s;
    while (*p && np < 3) {
        while (*p && !isdigit((unsigned char)*p) && *p != '-') {
            char c = (char)toupper((unsigned char)*p);
            if (c == 'S' || c == 'W')
                neg = 1;
            p++;
        }
        if (!*p)
            break;
        if (*p == '-') {
            neg = 1;
            p++;
        }
        char *end;
        char num[32];
        size_t k = 0;
        while ((isdigit((unsigned char)*p) || *p == '.' || *p == ',') && k + 1 < sizeof num)
            num[k++] = *p == ',' ? '.' : *p, p++;
        num[k] = 0;
        part[np++] = strtod(num, &end);
        if (end == num)
            return -1;
    }
    while (*p) {
        char c = (char)toupper((unsigned char)*p);
        if (c == 'S' || c == 'W')
            neg = 1;
        else if (isdigit((unsigned char)*p))
            return -1;
        p++;
    }
    if (np < 2 || part[1] >= 60 || part[2] >= 60)
        return -1;
    v = part[0] + part[1] / 60 + part[2] / 3600;
    *deg = neg ? -v : v;
    return 0;
}

int mapping_split_line(char *line, char **key, char **value)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        p[--n] = 0;
    /* A UTF-8 BOM at the start of the file. */
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3;
    if (!*p || *p == '#')
        return 0;
    char *eq = strchr(p, '=');
    if (!eq)
        return -1;
    char *k = p, *ke = eq;
    while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
        ke--;
    *ke = 0;
    char *v = eq + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (!*k)
        return -1;
    *key = k;
    *value = v;
    return 1;
}
