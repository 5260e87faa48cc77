/*
 * demo_receptors: the demo register's sensitive sites; see demo_receptors.h.
 *
 * The fixed sites are public landmarks; their positions were read off maps to a few hundred
 * metres and their capacities are round orders of magnitude (pupils, beds, visitors at a busy
 * hour), good enough for a demonstration and for nothing else. The generated sites take their
 * ward, streets and scatter from db/demo_names.h, so they sit among the facilities.
 */
#include "db/demo_receptors.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fold.h"
#include "db/demo_int.h"

#define RECEPTORS_CITY_GENERATED 320 /* generated sites of the demo city, beside the fixed ones */
#define RECEPTORS_PER_FACILITY 0.2   /* scaled runs */

typedef struct fixed_receptor {
    const char *kind;
    const char *name;
    int capacity;
    const char *address;
    const char *ward; /* NULL: outside the city's wards */
    double lon, lat;
} fixed_receptor;

static const fixed_receptor fixed[] = {
    /* markets */
    {"market", "Chợ Bến Thành", 10000, "Lê Lợi", "Phường Bến Thành", 106.6981, 10.7725},
    {"market", "Chợ Bình Tây", 8000, "57A Tháp Mười", "Phường Bình Tây", 106.6508, 10.7496},
    {"market", "Chợ An Đông", 5000, "34-36 An Dương Vương", "Phường An Đông", 106.6767, 10.7578},
    {"market", "Chợ Tân Định", 3000, "48 Mai Thị Lựu", "Phường Tân Định", 106.6903, 10.7893},
    {"market", "Chợ Bà Chiểu", 3000, "Bạch Đằng", "Phường Gia Định", 106.7003, 10.8014},
    {"market", "Chợ Thị Nghè", 1500, "Xô Viết Nghệ Tĩnh", "Phường Thạnh Mỹ Tây", 106.7127, 10.7915},
    {"market", "Chợ Hòa Hưng", 1500, "Cách Mạng Tháng Tám", "Phường Hòa Hưng", 106.6766, 10.7812},
    {"market", "Chợ Phạm Văn Hai", 2000, "Phạm Văn Hai", "Phường Tân Sơn Nhất", 106.6642, 10.7847},
    {"market", "Chợ Hạnh Thông Tây", 1500, "Quang Trung", "Phường Hạnh Thông", 106.6595, 10.8345},
    {"market", "Chợ đầu mối Bình Điền", 6000, "Quốc lộ 50", "Phường Chánh Hưng", 106.6150, 10.7040},
    {"market", "Chợ đầu mối nông sản Thủ Đức", 6000, "Quốc lộ 1", "Phường Linh Xuân", 106.7507, 10.8695},
    {"market", "Chợ đầu mối Hóc Môn", 4000, "Quốc lộ 22", "Xã Hóc Môn", 106.5945, 10.8880},
    {"market", "Chợ Thủ Dầu Một", 3000, "Đinh Bộ Lĩnh", "Phường Thủ Dầu Một", 106.6555, 10.9803},
    {"market", "Chợ Dĩ An", 2000, "Trần Hưng Đạo", "Phường Dĩ An", 106.7677, 10.9054},
    {"market", "Chợ Vũng Tàu", 2000, "Nam Kỳ Khởi Nghĩa", "Phường Vũng Tàu", 107.0780, 10.3540},
    /* hospitals (beds) */
    {"hospital", "Bệnh viện Chợ Rẫy", 1800, "201B Nguyễn Chí Thanh", "Phường Chợ Lớn", 106.6596, 10.7577},
    {"hospital", "Bệnh viện Nhi Đồng 1", 1400, "341 Sư Vạn Hạnh", "Phường Hòa Hưng", 106.6703, 10.7681},
    {"hospital", "Bệnh viện Nhi Đồng 2", 1400, "14 Lý Tự Trọng", "Phường Sài Gòn", 106.7035, 10.7811},
    {"hospital", "Bệnh viện Từ Dũ", 1300, "284 Cống Quỳnh", "Phường Bến Thành", 106.6872, 10.7689},
    {"hospital", "Bệnh viện Hùng Vương", 800, "128 Hồng Bàng", "Phường Chợ Lớn", 106.6612, 10.7553},
    {"hospital", "Bệnh viện Nhân dân 115", 1500, "527 Sư Vạn Hạnh", "Phường Diên Hồng", 106.6672, 10.7750},
    {"hospital", "Bệnh viện Nhân dân Gia Định", 1500, "1 Nơ Trang Long", "Phường Gia Định", 106.6960, 10.8040},
    {"hospital", "Bệnh viện Thống Nhất", 1200, "1 Lý Thường Kiệt", "Phường Tân Sơn Nhất", 106.6532, 10.7917},
    {"hospital", "Bệnh viện Đại học Y Dược", 1000, "215 Hồng Bàng", "Phường Chợ Lớn", 106.6581, 10.7556},
    {"hospital", "Bệnh viện Ung Bướu", 1500, "47 Nguyễn Huy Lượng", "Phường Bình Thạnh", 106.6980, 10.8060},
    {"hospital", "Bệnh viện Nhi đồng Thành phố", 1000, "15 Võ Trần Chí", "Xã Tân Nhựt", 106.5720, 10.7300},
    {"hospital", "Bệnh viện Đa khoa tỉnh Bình Dương", 1500, "5 Phạm Ngọc Thạch", "Phường Thủ Dầu Một", 106.6640,
     10.9820},
    {"hospital", "Bệnh viện Bà Rịa", 800, "686 Võ Văn Kiệt", "Phường Bà Rịa", 107.1680, 10.4950},
    {"hospital", "Bệnh viện Lê Lợi", 500, "22 Lê Lợi", "Phường Vũng Tàu", 107.0800, 10.3480},
    /* drinking-water intakes and plants */
    {"water_intake", "Trạm bơm nước thô Hóa An (sông Đồng Nai)", 0, "Hóa An, Biên Hòa, Đồng Nai", NULL, 106.8040,
     10.9360},
    {"water_intake", "Trạm bơm nước thô Hòa Phú (sông Sài Gòn)", 0, "Hòa Phú, Củ Chi", "Xã Củ Chi", 106.6285,
     11.0050},
    {"water_intake", "Trạm bơm nước thô Thủ Dầu Một (sông Sài Gòn)", 0, "Phú Cường, Thủ Dầu Một",
     "Phường Thủ Dầu Một", 106.6490, 10.9760},
    {"water_intake", "Trạm bơm nước thô Tân Ba (sông Đồng Nai)", 0, "Thái Hòa, Tân Uyên", "Phường Tân Uyên",
     106.7900, 11.0050},
    {"water_intake", "Nhà máy nước Tân Hiệp", 0, "Quốc lộ 22, Hóc Môn", "Xã Hóc Môn", 106.5830, 10.8920},
    {"water_intake", "Nhà máy nước Thủ Đức", 0, "Xa lộ Hà Nội", "Phường Linh Xuân", 106.7660, 10.8790},
    {"water_intake", "Nhà máy nước hồ Đá Đen", 0, "Hồ Đá Đen, Châu Đức", NULL, 107.1700, 10.5400},
    /* schools (pupils) */
    {"school", "Trường THPT Chuyên Lê Hồng Phong", 2000, "235 Nguyễn Văn Cừ", "Phường Chợ Quán", 106.6826, 10.7626},
    {"school", "Trường THPT Lê Quý Đôn", 1500, "110 Nguyễn Thị Minh Khai", "Phường Xuân Hòa", 106.6913, 10.7797},
    {"school", "Trường THPT Nguyễn Thị Minh Khai", 1800, "275 Điện Biên Phủ", "Phường Xuân Hòa", 106.6890, 10.7786},
    {"school", "Trường THPT Chuyên Trần Đại Nghĩa", 1600, "20 Lý Tự Trọng", "Phường Sài Gòn", 106.7014, 10.7803},
    {"school", "Trường THPT Marie Curie", 2500, "159 Nam Kỳ Khởi Nghĩa", "Phường Xuân Hòa", 106.6904, 10.7838},
    {"school", "Trường THPT Bùi Thị Xuân", 1800, "73-75 Bùi Thị Xuân", "Phường Bến Thành", 106.6890, 10.7705},
    {"school", "Trường THPT Gia Định", 2000, "195/29 Xô Viết Nghệ Tĩnh", "Phường Thạnh Mỹ Tây", 106.7115, 10.8015},
    {"school", "Trường THPT Nguyễn Thượng Hiền", 2200, "544 Cách Mạng Tháng Tám", "Phường Tân Sơn Nhất", 106.6620,
     10.7890},
    {"school", "Trường THPT Chuyên Hùng Vương", 1000, "Đại lộ Bình Dương", "Phường Phú Lợi", 106.6620, 10.9870},
    {"school", "Trường Tiểu học Nguyễn Bỉnh Khiêm", 1500, "1 Đinh Tiên Hoàng", "Phường Sài Gòn", 106.7010, 10.7850},
    /* stadiums (seats) */
    {"stadium", "Sân vận động Thống Nhất", 15000, "138 Đào Duy Từ", "Phường Diên Hồng", 106.6633, 10.7605},
    {"stadium", "Sân vận động Quân khu 7", 20000, "202 Hoàng Văn Thụ", "Phường Tân Sơn Nhất", 106.6637, 10.8001},
    {"stadium", "Sân vận động Gò Đậu", 18000, "Đại lộ Bình Dương", "Phường Phú Lợi", 106.6631, 10.9748},
    {"stadium", "Sân vận động Bà Rịa", 10000, "Cách Mạng Tháng Tám", "Phường Bà Rịa", 107.1700, 10.4960},
    /* shopping centres (visitors at a busy hour) */
    {"shopping_centre", "Vincom Center Đồng Khởi", 8000, "72 Lê Thánh Tôn", "Phường Sài Gòn", 106.7019, 10.7779},
    {"shopping_centre", "Saigon Centre", 6000, "65 Lê Lợi", "Phường Bến Thành", 106.7009, 10.7731},
    {"shopping_centre", "Crescent Mall", 7000, "101 Tôn Dật Tiên", "Phường Tân Mỹ", 106.7189, 10.7290},
    {"shopping_centre", "Aeon Mall Tân Phú Celadon", 9000, "30 Bờ Bao Tân Thắng", "Phường Tây Thạnh", 106.6170,
     10.8015},
    {"shopping_centre", "Aeon Mall Bình Tân", 8000, "1 Đường số 17A", "Phường An Lạc", 106.6055, 10.7430},
    {"shopping_centre", "Aeon Mall Bình Dương Canary", 8000, "Đại lộ Bình Dương", "Phường Bình Hòa", 106.7149,
     10.9319},
    {"shopping_centre", "Vạn Hạnh Mall", 6000, "11 Sư Vạn Hạnh", "Phường Hòa Hưng", 106.6703, 10.7716},
    {"shopping_centre", "Landmark 81", 6000, "720A Điện Biên Phủ", "Phường Thạnh Mỹ Tây", 106.7219, 10.7950},
    /* places of worship (people at a service) */
    {"religious_site", "Nhà thờ Đức Bà", 1200, "1 Công xã Paris", "Phường Sài Gòn", 106.6990, 10.7798},
    {"religious_site", "Nhà thờ Tân Định", 1000, "289 Hai Bà Trưng", "Phường Tân Định", 106.6910, 10.7884},
    {"religious_site", "Chùa Vĩnh Nghiêm", 1500, "339 Nam Kỳ Khởi Nghĩa", "Phường Xuân Hòa", 106.6830, 10.7906},
    {"religious_site", "Chùa Bà Thiên Hậu", 800, "710 Nguyễn Trãi", "Phường Chợ Lớn", 106.6612, 10.7533},
    {"religious_site", "Chùa Ngọc Hoàng", 600, "73 Mai Thị Lựu", "Phường Tân Định", 106.6981, 10.7920},
    {"religious_site", "Chùa Giác Lâm", 500, "565 Lạc Long Quân", "Phường Bảy Hiền", 106.6503, 10.7770},
    {"religious_site", "Nhà thờ Huyện Sỹ", 800, "1 Tôn Thất Tùng", "Phường Bến Thành", 106.6885, 10.7680},
    {"religious_site", "Chùa Bà Thiên Hậu Bình Dương", 1000, "4 Nguyễn Du", "Phường Thủ Dầu Một", 106.6540,
     10.9786},
};

/* Name parts of generated sites. */
static const char *const figures[] = {
    "Nguyễn Du", "Lê Quý Đôn", "Trần Phú", "Nguyễn Trãi", "Lý Thường Kiệt", "Trần Hưng Đạo", "Nguyễn Thị Minh Khai",
    "Võ Thị Sáu", "Nguyễn Hữu Huân", "Lê Lợi", "Phan Bội Châu", "Phan Chu Trinh", "Hùng Vương", "Nguyễn Khuyến",
    "Trưng Vương", "Chu Văn An", "Ngô Quyền", "Nguyễn Đình Chiểu", "Trương Định", "Nguyễn Văn Trỗi", "Lê Thánh Tôn",
    "Quang Trung", "Hoàng Hoa Thám", "Tôn Đức Thắng", "Võ Trường Toản", "Trần Quang Khải", "Nguyễn Công Trứ",
    "Lương Thế Vinh", "Nguyễn An Ninh", "Nguyễn Trung Trực", "Phạm Ngũ Lão", "Nguyễn Văn Cừ", "Đinh Tiên Hoàng",
    "Mạc Đĩnh Chi", "Lê Văn Tám", "Kim Đồng", "Võ Văn Tần", "Nguyễn Huệ", "Trần Văn Ơn", "Hai Bà Trưng",
    "Tô Hiến Thành", "Yết Kiêu", "Phan Đình Phùng", "Nguyễn Tri Phương", "Lê Hồng Phong", "Trần Quốc Toản",
    "Nguyễn Thái Học", "Lê Văn Sỹ", "Huỳnh Thúc Kháng", "Võ Thị Sáu", "Nguyễn Văn Linh", "Trần Khánh Dư",
};
static const char *const kindergartens[] = {
    "Hoa Sen", "Sơn Ca", "Họa Mi", "Vành Khuyên", "Hoa Mai", "Tuổi Thơ", "Bông Sen", "Rạng Đông", "Hoa Hồng",
    "Măng Non", "Búp Măng", "Hoa Cúc", "Sao Mai", "Hướng Dương", "Thỏ Ngọc", "Ánh Dương", "Hoàng Yến", "Hoa Lan",
    "Sen Hồng", "Hoa Phượng", "Bình Minh", "Ngôi Sao", "Bé Ngoan", "Hoa Thiên Lý", "Tuổi Hồng", "Hoa Mi",
};
static const char *const pagodas[] = {
    "Phước Hải", "Long Hoa", "Pháp Hoa", "Kỳ Viên", "Huệ Nghiêm", "Ấn Quang", "Phổ Quang", "Linh Sơn",
    "Thiên Phước", "Phước Tường", "Từ Ân", "Long Thạnh", "Bửu Long", "Giác Viên", "Pháp Vân", "Hưng Long",
};

/* Kinds of generated sites, by share. */
enum { GK_HIGH, GK_LOWER, GK_PRIMARY, GK_KINDER, GK_HEALTH, GK_CLINIC, GK_MARKET, GK_PAGODA, GK_CHURCH,
       GK_DINH, GK_SHOP, GK_HALL, GK_CULTURE, GK_CARE, GK_COUNT };
static const struct {
    const char *kind;
    double share;
    int cap_min, cap_max;
} gk[GK_COUNT] = {
    [GK_HIGH] = {"school", 0.07, 900, 2200},
    [GK_LOWER] = {"school", 0.11, 800, 1800},
    [GK_PRIMARY] = {"school", 0.15, 700, 1600},
    [GK_KINDER] = {"kindergarten", 0.22, 120, 450},
    [GK_HEALTH] = {"hospital", 0.06, 10, 30},
    [GK_CLINIC] = {"hospital", 0.04, 30, 150},
    [GK_MARKET] = {"market", 0.12, 300, 3000},
    [GK_PAGODA] = {"religious_site", 0.06, 100, 800},
    [GK_CHURCH] = {"religious_site", 0.04, 200, 1000},
    [GK_DINH] = {"religious_site", 0.02, 50, 300},
    [GK_SHOP] = {"shopping_centre", 0.05, 500, 5000},
    [GK_HALL] = {"stadium", 0.02, 1000, 8000},
    [GK_CULTURE] = {"other", 0.02, 100, 500},
    [GK_CARE] = {"other", 0.02, 50, 300},
};

/* The ward's name without its "Phường " / "Xã " / "Đặc khu " prefix. */
static const char *ward_short(const char *ward)
{
    static const char *const prefixes[] = {"Phường ", "Xã ", "Đặc khu ", "Thị trấn ", NULL};
    for (const char *const *p = prefixes; *p; p++) {
        size_t n = strlen(*p);
        if (strncmp(ward, *p, n) == 0)
            return ward + n;
    }
    return ward;
}

/* A set of 64-bit name hashes, to keep generated names unique within a ward. */
typedef struct name_set {
    uint64_t *slot;
    size_t cap, n;
} name_set;

static uint64_t hash2(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *s = a; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ 0x1f) * 1099511628211ull;
    for (const char *s = b ? b : ""; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

/* Add; false when already present. */
static bool set_add(name_set *s, uint64_t h)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *slot = calloc(cap, sizeof *slot);
        if (!slot)
            abort();
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i])
                for (size_t j = s->slot[i] & (cap - 1);; j = (j + 1) & (cap - 1))
                    if (!slot[j]) {
                        slot[j] = s->slot[i];
                        break;
                    }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        if (s->slot[j] == h)
            return false;
        if (!s->slot[j]) {
            s->slot[j] = h;
            s->n++;
            return true;
        }
    }
}

typedef struct rec_ctx {
    sqlite3_stmt *st;
    demo_rng rng;
    name_set names;
    buf name, addr, key;
} rec_ctx;

static int insert(rec_ctx *c, const char *kind, const char *name, int capacity, const char *address,
                  const char *ward, double lon, double lat)
{
    sqlite3_stmt *st = c->st;
    buf_reset(&c->key);
    buf tmp = BUF_INIT;
    buf_appendf(&tmp, "%s %s %s", name, address ? address : "", ward ? ward : "");
    fold_append(&c->key, tmp.data);
    buf_free(&tmp);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    if (capacity > 0)
        sqlite3_bind_int(st, 3, capacity);
    else
        sqlite3_bind_null(st, 3);
    if (address)
        sqlite3_bind_text(st, 4, address, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 4);
    if (ward)
        sqlite3_bind_text(st, 5, ward, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    /* Seven decimals (about a centimetre), as a surveyed position would be written. */
    sqlite3_bind_double(st, 6, round(lon * 1e7) / 1e7);
    sqlite3_bind_double(st, 7, round(lat * 1e7) / 1e7);
    sqlite3_bind_text(st, 8, c->key.data ? c->key.data : "", -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r == SQLITE_DONE ? 0 : -1;
}

static int pick_kind(demo_rng *r)
{
    double x = rng_unit(r), acc = 0;
    for (int k = 0; k < GK_COUNT; k++) {
        acc += gk[k].share;
        if (x < acc)
            return k;
    }
    return GK_PRIMARY;
}

#define PICK(r, a) ((a)[rng_below((r), (unsigned)(sizeof(a) / sizeof((a)[0])))])

/* The base name of a generated site of kind k in place p. */
static void base_name(rec_ctx *c, int k, const demo_place *p, buf *out)
{
    const char *w = ward_short(p->ward);
    buf_reset(out);
    switch (k) {
    case GK_HIGH: buf_appendf(out, "Trường THPT %s", PICK(&c->rng, figures)); break;
    case GK_LOWER: buf_appendf(out, "Trường THCS %s", PICK(&c->rng, figures)); break;
    case GK_PRIMARY: buf_appendf(out, "Trường Tiểu học %s", PICK(&c->rng, figures)); break;
    case GK_KINDER: buf_appendf(out, "Trường Mầm non %s", PICK(&c->rng, kindergartens)); break;
    case GK_HEALTH: buf_appendf(out, "Trạm Y tế %s", p->ward); break;
    case GK_CLINIC: buf_appendf(out, "Phòng khám Đa khoa khu vực %s", w); break;
    case GK_MARKET: buf_appendf(out, "Chợ %s", w); break;
    case GK_PAGODA: buf_appendf(out, "Chùa %s", PICK(&c->rng, pagodas)); break;
    case GK_CHURCH: buf_appendf(out, "Nhà thờ Giáo xứ %s", w); break;
    case GK_DINH: buf_appendf(out, "Đình %s", w); break;
    case GK_SHOP: buf_appendf(out, "Trung tâm thương mại %s", w); break;
    case GK_HALL: buf_appendf(out, "Nhà thi đấu đa năng %s", w); break;
    case GK_CULTURE: buf_appendf(out, "Nhà Văn hóa %s", p->ward); break;
    default: buf_appendf(out, "Trung tâm Bảo trợ xã hội %s", w); break;
    }
}

/* A position around place p: gaussian scatter, kept in the place's land box (or within three
 * sigma of its centre). */
static void scatter(rec_ctx *c, const demo_place *p, double *lon, double *lat)
{
    double s = p->sigma_deg * 1.2;
    bool boxed = p->box[0] != 0 || p->box[2] != 0;
    for (int tries = 0; tries < 50; tries++) {
        double x = p->lon + s * rng_gauss(&c->rng), y = p->lat + s * rng_gauss(&c->rng);
        bool ok = boxed ? x >= p->box[0] && y >= p->box[1] && x <= p->box[2] && y <= p->box[3]
                        : fabs(x - p->lon) <= 3 * s && fabs(y - p->lat) <= 3 * s;
        if (ok) {
            *lon = x;
            *lat = y;
            return;
        }
    }
    *lon = p->lon;
    *lat = p->lat;
}

static int generate_one(rec_ctx *c, const demo_place *p)
{
    int k = pick_kind(&c->rng);
    base_name(c, k, p, &c->name);
    /* Unique within the ward: "Trường Mầm non Hoa Sen", then "... Hoa Sen 2". */
    size_t base_len = c->name.len;
    for (int n = 2; !set_add(&c->names, hash2(c->name.data, p->ward)); n++) {
        buf_truncate(&c->name, base_len);
        buf_appendf(&c->name, " %d", n);
    }
    buf_reset(&c->addr);
    const char *street = p->streets && p->streets->n ? rng_pick(&c->rng, p->streets) : NULL;
    if (street)
        buf_appendf(&c->addr, "%d %s", rng_range(&c->rng, 1, 480), street);
    double lon, lat;
    scatter(c, p, &lon, &lat);
    int cap = rng_range(&c->rng, gk[k].cap_min, gk[k].cap_max);
    cap = cap >= 1000 ? cap / 50 * 50 : cap >= 100 ? cap / 10 * 10 : cap;
    return insert(c, gk[k].kind, c->name.data, cap, street ? c->addr.data : NULL, p->ward, lon, lat);
}

int demo_receptors_generate(sqlite3 *db, const demo_options *opt, rm_error *err)
{
    rec_ctx c;
    memset(&c, 0, sizeof c);
    double *cum = NULL;
    int rc = -1;
    /* The facility generator may run with triggers off for its bulk load; receptors are few and
     * need theirs (SpatiaLite's R*Tree and geometry checks, the layer_stat counters), so this
     * statement is prepared with triggers on (SQLite compiles them in at prepare time). */
    int triggers = 1;
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &triggers);
    if (!triggers)
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, (int *)NULL);
    if (sqlite3_prepare_v2(db, "INSERT INTO receptor(name, kind, capacity, address, ward, lon, lat, search_key, "
                               "is_demo, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, MakePoint(?6, ?7, 4326))",
                           -1, &c.st, NULL) != SQLITE_OK)
        goto fail;
    rng_seed(&c.rng, (uint64_t)opt->seed ^ 0x7265636570746f72ull); /* "receptor": a stream of its own */
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        const fixed_receptor *f = &fixed[i];
        set_add(&c.names, hash2(f->name, f->ward));
        if (insert(&c, f->kind, f->name, f->capacity, f->address, f->ward, f->lon, f->lat) < 0)
            goto fail;
    }
    /* Places weighted by their share of medical and industrial activity (a proxy for people), and
     * by their region's weight in a scaled run; the demo city keeps to its own region. */
    cum = calloc(demo_place_count, sizeof *cum);
    double *region_total = calloc(demo_region_count, sizeof *region_total);
    if (!cum || !region_total) {
        free(region_total);
        rm_error_set(err, 500, "Demo generation failed", "out of memory");
        goto done;
    }
    for (unsigned i = 0; i < demo_place_count; i++)
        region_total[demo_places[i].region] += demo_places[i].w_med + demo_places[i].w_ind / 4.0 + 5.0;
    double total = 0;
    for (unsigned i = 0; i < demo_place_count; i++) {
        const demo_place *p = &demo_places[i];
        double w = 0;
        if (opt->facilities == 0)
            w = p->region == 0 ? p->w_med + p->w_ind / 4.0 + 5.0 : 0;
        else if (region_total[p->region] > 0)
            w = demo_regions[p->region].weight * (p->w_med + p->w_ind / 4.0 + 5.0) / region_total[p->region];
        total += w;
        cum[i] = total;
    }
    free(region_total);
    long n = opt->facilities == 0 ? RECEPTORS_CITY_GENERATED : (long)(opt->facilities * RECEPTORS_PER_FACILITY);
    n -= opt->facilities == 0 ? 0 : (long)(sizeof fixed / sizeof fixed[0]);
    for (long i = 0; i < n && total > 0; i++) {
        double x = rng_unit(&c.rng) * total;
        unsigned lo = 0, hi = demo_place_count - 1;
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (cum[mid] > x)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (generate_one(&c, &demo_places[lo]) < 0)
            goto fail;
    }
    rc = 0;
    goto done;
fail:
    rm_error_set(err, 500, "Demo generation failed", "receptors: %s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(c.st);
    if (!triggers)
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    free(cum);
    free(c.names.slot);
    buf_free(&c.name);
    buf_free(&c.addr);
    buf_free(&c.key);
    return rc;
}
