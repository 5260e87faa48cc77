/*
 * demo_names: the constant tables of the demo generator; see demo_names.h.
 *
 * Coordinates are approximate centres (a few hundred metres), read off maps of the wards. The
 * 2025 ward of each entry is the unit that took in the legacy ward named beside it (Resolution
 * 1685/NQ-UBTVQH15 for Ho Chi Minh City); where an old ward was split, the entry names the part
 * the centre lies in. Coastal and riverside places carry an explicit land box: a point drawn
 * outside it is drawn again, which is how the generator keeps Vũng Tàu on its peninsula. The
 * boxes were checked by sampling them against public 10 m land and sea polygons: no box reaches
 * the sea, and the inner-city ones keep off the Sài Gòn and Đồng Nai rivers and the big canals.
 * Manufacturers and models are real products of the kind each practice uses; serial numbers,
 * tax codes, phone numbers and the companies themselves are invented by the generator.
 */
#include "db/demo_names.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/fold.h"
#include "db/demo_int.h"

#define COUNT(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))
#define LIST(name, ...)                                       \
    static const char *const name##_v[] = {__VA_ARGS__};     \
    static const demo_list name = {name##_v, COUNT(name##_v)}
#define PUBLIC_LIST(name, ...)                                \
    static const char *const name##_v[] = {__VA_ARGS__};     \
    const demo_list name = {name##_v, COUNT(name##_v)}

/* ---- provinces (pre-2025 units) and regions ------------------------------------------------ */

enum {
    PV_HCM, PV_BDU, PV_BRVT, PV_HNI, PV_HPG, PV_HDG, PV_DNG, PV_CTO, PV_DNI, PV_KHA, PV_HUE,
    PV_NAN, PV_BDI, PV_DLK, PV_TNG, PV_NDH, PV_AGG, PV_QNH, PV_THA, PV_BNH, PV_TGG, PV_LDG,
    PV_GLA, PV_CMU, PV_KGG, PV_PTO, PV_QNG
};

const demo_province demo_provinces[] = {
    [PV_HCM] = {"TP. Hồ Chí Minh", "TP. Hồ Chí Minh", "HCM", "03", "028"},
    [PV_BDU] = {"Bình Dương", "TP. Hồ Chí Minh", "HCM", "37", "0274"},
    [PV_BRVT] = {"Bà Rịa - Vũng Tàu", "TP. Hồ Chí Minh", "HCM", "35", "0254"},
    [PV_HNI] = {"Hà Nội", "TP. Hà Nội", "HNI", "01", "024"},
    [PV_HPG] = {"Hải Phòng", "TP. Hải Phòng", "HPG", "02", "0225"},
    [PV_HDG] = {"Hải Dương", "TP. Hải Phòng", "HPG", "08", "0220"},
    [PV_DNG] = {"Đà Nẵng", "TP. Đà Nẵng", "DNG", "04", "0236"},
    [PV_CTO] = {"Cần Thơ", "TP. Cần Thơ", "CTO", "18", "0292"},
    [PV_DNI] = {"Đồng Nai", "Đồng Nai", "DNI", "36", "0251"},
    [PV_KHA] = {"Khánh Hòa", "Khánh Hòa", "KHA", "42", "0258"},
    [PV_HUE] = {"Thừa Thiên Huế", "TP. Huế", "HUE", "33", "0234"},
    [PV_NAN] = {"Nghệ An", "Nghệ An", "NAN", "29", "0238"},
    [PV_BDI] = {"Bình Định", "Gia Lai", "GLA", "41", "0256"},
    [PV_DLK] = {"Đắk Lắk", "Đắk Lắk", "DLK", "60", "0262"},
    [PV_TNG] = {"Thái Nguyên", "Thái Nguyên", "TNG", "46", "0208"},
    [PV_NDH] = {"Nam Định", "Ninh Bình", "NBH", "06", "0228"},
    [PV_AGG] = {"An Giang", "An Giang", "AGG", "16", "0296"},
    [PV_QNH] = {"Quảng Ninh", "Quảng Ninh", "QNH", "57", "0203"},
    [PV_THA] = {"Thanh Hóa", "Thanh Hóa", "THA", "28", "0237"},
    [PV_BNH] = {"Bắc Ninh", "Bắc Ninh", "BNH", "23", "0222"},
    [PV_TGG] = {"Tiền Giang", "Đồng Tháp", "DTP", "12", "0273"},
    [PV_LDG] = {"Lâm Đồng", "Lâm Đồng", "LDG", "58", "0263"},
    [PV_GLA] = {"Gia Lai", "Gia Lai", "GLA", "59", "0269"},
    [PV_CMU] = {"Cà Mau", "Cà Mau", "CMU", "20", "0290"},
    [PV_KGG] = {"Kiên Giang", "An Giang", "AGG", "17", "0297"},
    [PV_PTO] = {"Phú Thọ", "Phú Thọ", "PTO", "26", "0210"},
    [PV_QNG] = {"Quảng Ngãi", "Quảng Ngãi", "QNG", "43", "0255"},
};

enum {
    RG_HCM, RG_HNI, RG_HPG, RG_DNG, RG_CTO, RG_BHA, RG_NTR, RG_HUE, RG_VIN, RG_QNH, RG_BMT,
    RG_TNG, RG_NDH, RG_LXU, RG_HLG, RG_THA, RG_BNH, RG_MTH, RG_DLT, RG_PKU, RG_CMU, RG_RGA,
    RG_VTR, RG_QNG, RG_COUNT
};

/* Weights follow urban population and the count of hospitals, not administrative rank. */
const demo_region demo_regions[] = {
    [RG_HCM] = {"TP. Hồ Chí Minh", 30.0}, [RG_HNI] = {"Hà Nội", 26.0},
    [RG_HPG] = {"Hải Phòng", 6.0},        [RG_DNG] = {"Đà Nẵng", 4.0},
    [RG_CTO] = {"Cần Thơ", 3.5},          [RG_BHA] = {"Biên Hòa", 5.0},
    [RG_NTR] = {"Nha Trang", 2.5},        [RG_HUE] = {"Huế", 2.0},
    [RG_VIN] = {"Vinh", 2.5},             [RG_QNH] = {"Quy Nhơn", 2.0},
    [RG_BMT] = {"Buôn Ma Thuột", 2.0},    [RG_TNG] = {"Thái Nguyên", 2.0},
    [RG_NDH] = {"Nam Định", 2.0},         [RG_LXU] = {"Long Xuyên", 1.5},
    [RG_HLG] = {"Hạ Long", 1.5},          [RG_THA] = {"Thanh Hóa", 2.0},
    [RG_BNH] = {"Bắc Ninh", 2.5},         [RG_MTH] = {"Mỹ Tho", 1.2},
    [RG_DLT] = {"Đà Lạt", 1.0},           [RG_PKU] = {"Pleiku", 1.0},
    [RG_CMU] = {"Cà Mau", 1.0},           [RG_RGA] = {"Rạch Giá", 1.0},
    [RG_VTR] = {"Việt Trì", 1.0},         [RG_QNG] = {"Quảng Ngãi", 1.0},
};
const unsigned demo_region_count = RG_COUNT;

/* ---- streets and industrial parks ----------------------------------------------------------- */

LIST(st_q1_bn, "Lê Duẩn", "Đồng Khởi", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Tự Trọng", "Pasteur",
     "Nam Kỳ Khởi Nghĩa", "Tôn Đức Thắng", "Nguyễn Thị Minh Khai", "Mạc Đĩnh Chi");
LIST(st_q1_bt, "Lê Lai", "Lê Thánh Tôn", "Nguyễn Trãi", "Phạm Ngũ Lão", "Cống Quỳnh", "Trần Hưng Đạo",
     "Nguyễn Thị Nghĩa", "Bùi Viện", "Lê Lợi", "Phan Chu Trinh");
LIST(st_q1_td, "Hai Bà Trưng", "Trần Quang Khải", "Trần Nhật Duật", "Đinh Tiên Hoàng", "Nguyễn Hữu Cầu",
     "Bà Lê Chân", "Trần Khắc Chân", "Điện Biên Phủ", "Nguyễn Đình Chiểu");
LIST(st_q1_col, "Trần Hưng Đạo", "Nguyễn Cư Trinh", "Trần Đình Xu", "Nguyễn Trãi", "Cô Giang", "Cô Bắc",
     "Đề Thám", "Nguyễn Văn Cừ");
LIST(st_q3, "Võ Thị Sáu", "Điện Biên Phủ", "Nam Kỳ Khởi Nghĩa", "Trần Quốc Thảo", "Lý Chính Thắng",
     "Nguyễn Đình Chiểu", "Cách Mạng Tháng Tám", "Cao Thắng", "Võ Văn Tần", "Kỳ Đồng", "Trần Quang Diệu",
     "Nguyễn Thị Minh Khai", "Bà Huyện Thanh Quan");
LIST(st_q5, "Nguyễn Chí Thanh", "Hồng Bàng", "Trần Hưng Đạo", "An Dương Vương", "Nguyễn Trãi",
     "Châu Văn Liêm", "Hải Thượng Lãn Ông", "Nguyễn Văn Cừ", "Trần Phú", "Lê Hồng Phong", "Hùng Vương",
     "Võ Văn Kiệt", "Ngô Quyền", "Trần Bình Trọng");
LIST(st_q10, "Sư Vạn Hạnh", "Đường 3 Tháng 2", "Thành Thái", "Tô Hiến Thành", "Lý Thường Kiệt",
     "Ngô Gia Tự", "Nguyễn Tri Phương", "Lê Hồng Phong", "Cao Thắng", "Hòa Hảo", "Nguyễn Duy Dương",
     "Bà Hạt");
LIST(st_pn, "Phan Đình Phùng", "Phan Xích Long", "Nguyễn Văn Trỗi", "Hoàng Văn Thụ", "Huỳnh Văn Bánh",
     "Lê Văn Sỹ", "Nguyễn Kiệm", "Phan Đăng Lưu", "Trần Huy Liệu", "Nguyễn Trọng Tuyển");
LIST(st_tb, "Cộng Hòa", "Trường Chinh", "Hoàng Văn Thụ", "Lý Thường Kiệt", "Âu Cơ", "Lạc Long Quân",
     "Trường Sơn", "Bạch Đằng", "Hoàng Hoa Thám", "Út Tịch", "Thăng Long");
LIST(st_gv, "Nguyễn Kiệm", "Quang Trung", "Nguyễn Oanh", "Phan Văn Trị", "Lê Đức Thọ", "Phạm Văn Đồng",
     "Nguyễn Văn Lượng", "Lê Quang Định", "Nguyễn Du", "Thống Nhất");
LIST(st_bth, "Nơ Trang Long", "Phan Đăng Lưu", "Xô Viết Nghệ Tĩnh", "Điện Biên Phủ", "Bạch Đằng",
     "Đinh Bộ Lĩnh", "Nguyễn Hữu Cảnh", "Ung Văn Khiêm", "Nguyễn Xí", "Phạm Văn Đồng", "Lê Quang Định",
     "Nguyễn Văn Đậu", "Bùi Đình Túy");
LIST(st_tdu, "Võ Văn Ngân", "Kha Vạn Cân", "Phạm Văn Đồng", "Xa lộ Hà Nội", "Lê Văn Việt", "Đỗ Xuân Hợp",
     "Nguyễn Duy Trinh", "Mai Chí Thọ", "Quốc Hương", "Thảo Điền", "Đặng Văn Bi", "Tô Ngọc Vân",
     "Đường 400", "Nguyễn Thị Định", "Song Hành");
LIST(st_q7, "Nguyễn Văn Linh", "Nguyễn Lương Bằng", "Huỳnh Tấn Phát", "Nguyễn Thị Thập", "Tân Thuận",
     "Lê Văn Lương", "Nguyễn Hữu Thọ", "Tôn Dật Tiên");
LIST(st_btan, "Kinh Dương Vương", "Tỉnh lộ 10", "Quốc lộ 1A", "Tên Lửa", "Hồ Học Lãm", "Lê Văn Quới",
     "Mã Lò");
LIST(st_tphu, "Lũy Bán Bích", "Tân Kỳ Tân Quý", "Lê Trọng Tấn", "Âu Cơ", "Tây Thạnh", "Nguyễn Sơn",
     "Thoại Ngọc Hầu");
LIST(st_q12, "Quốc lộ 1A", "Tô Ký", "Nguyễn Ảnh Thủ", "Lê Văn Khương", "Hà Huy Giáp", "Lê Thị Riêng");
LIST(st_cchi, "Quốc lộ 22", "Tỉnh lộ 8", "Tỉnh lộ 15", "Tỉnh lộ 2", "Nguyễn Văn Khạ", "Lê Minh Nhựt");
LIST(st_tdm, "Đại lộ Bình Dương", "Yersin", "Cách Mạng Tháng Tám", "Phạm Ngọc Thạch", "Lê Hồng Phong",
     "Huỳnh Văn Lũy", "Ngô Quyền", "Bạch Đằng", "Văn Công Khai", "Trần Văn Ơn", "Phú Lợi");
LIST(st_bdnew, "Hùng Vương", "Lê Lợi", "Đại lộ Bình Dương", "Huỳnh Văn Lũy", "Đồng Khởi");
LIST(st_dian, "Quốc lộ 1K", "Nguyễn An Ninh", "Trần Hưng Đạo", "Đường ĐT743", "Quốc lộ 1A",
     "Lý Thường Kiệt", "Nguyễn Trãi");
LIST(st_tan, "Đại lộ Bình Dương", "Quốc lộ 13", "Nguyễn Văn Tiết", "Đường ĐT743", "Thủ Khoa Huân",
     "Châu Văn Tiếp", "Gia Long");
LIST(st_bcat, "Quốc lộ 13", "Đường ĐT741", "Hùng Vương", "Đường 30 Tháng 4", "Đường NA3");
LIST(st_tuyen, "Đường ĐT746", "Đường ĐT747", "Đường ĐT742", "Đường ĐH411");
LIST(st_bbang, "Quốc lộ 13", "Đường ĐT750", "Đường ĐH613");
LIST(st_vt_c, "Lê Lợi", "Trần Hưng Đạo", "Ba Cu", "Quang Trung", "Hạ Long", "Trương Công Định",
     "Hoàng Hoa Thám", "Lê Lai", "Thùy Vân");
LIST(st_vt_m, "Nam Kỳ Khởi Nghĩa", "Lê Hồng Phong", "Nguyễn An Ninh", "Võ Thị Sáu", "Ba Cu",
     "Hoàng Hoa Thám", "Phan Chu Trinh");
LIST(st_vt_n, "Đường 30 Tháng 4", "Bình Giã", "Đường 2 Tháng 9", "Nguyễn Hữu Cảnh", "Đường 3 Tháng 2",
     "Võ Nguyên Giáp");
LIST(st_bria, "Cách Mạng Tháng Tám", "Võ Văn Kiệt", "Nguyễn Thanh Đằng", "Đường 27 Tháng 4", "Hùng Vương",
     "Bạch Đằng");
LIST(st_pmy, "Quốc lộ 51", "Độc Lập", "Trường Chinh");

LIST(pk_q7, "KCX Tân Thuận");
LIST(pk_linhtrung, "KCX Linh Trung 1", "KCX Linh Trung 2");
LIST(pk_shtp, "Khu Công nghệ cao TP. Hồ Chí Minh");
LIST(pk_catlai, "KCN Cát Lái");
LIST(pk_tantao, "KCN Tân Tạo");
LIST(pk_tanbinh, "KCN Tân Bình");
LIST(pk_q12, "KCN Tân Thới Hiệp");
LIST(pk_cchi, "KCN Tây Bắc Củ Chi", "KCN Tân Phú Trung");
LIST(pk_dian, "KCN Sóng Thần 1", "KCN Sóng Thần 2", "KCN Tân Đông Hiệp A", "KCN Tân Đông Hiệp B",
     "KCN Bình Đường");
LIST(pk_tan, "KCN VSIP", "KCN Việt Hương", "KCN Đồng An");
LIST(pk_bdnew, "KCN VSIP II", "KCN Đại Đăng", "KCN Kim Huy");
LIST(pk_bcat, "KCN Mỹ Phước", "KCN Mỹ Phước 2", "KCN Mỹ Phước 3", "KCN Thới Hòa");
LIST(pk_tuyen, "KCN Nam Tân Uyên", "KCN VSIP II-A");
LIST(pk_bbang, "KCN Bàu Bàng");
LIST(pk_vt, "KCN Đông Xuyên", "Căn cứ Dịch vụ Dầu khí Vũng Tàu");
LIST(pk_pmy, "KCN Phú Mỹ I", "KCN Phú Mỹ II", "KCN Mỹ Xuân A", "KCN Cái Mép");

LIST(st_hn_hk, "Tràng Thi", "Hàng Bài", "Lý Thường Kiệt", "Tràng Tiền", "Phủ Doãn", "Hai Bà Trưng", "Bà Triệu");
LIST(st_hn_bd, "Kim Mã", "Giảng Võ", "Đội Cấn", "Liễu Giai", "Nguyễn Thái Học", "Phan Đình Phùng");
LIST(st_hn_dd, "Giải Phóng", "Tôn Đức Thắng", "Xã Đàn", "Láng", "Tây Sơn", "Nguyễn Lương Bằng", "Phương Mai");
LIST(st_hn_hbt, "Minh Khai", "Bạch Mai", "Trần Khát Chân", "Lò Đúc", "Phố Huế", "Đại Cồ Việt");
LIST(st_hn_cg, "Cầu Giấy", "Xuân Thủy", "Trần Duy Hưng", "Nguyễn Phong Sắc", "Hoàng Quốc Việt",
     "Trần Thái Tông");
LIST(st_hn_tx, "Nguyễn Trãi", "Khuất Duy Tiến", "Lê Văn Lương", "Nguyễn Tuân", "Vũ Trọng Phụng");
LIST(st_hn_hm, "Giải Phóng", "Tam Trinh", "Kim Giang", "Nguyễn Đức Cảnh", "Lĩnh Nam");
LIST(st_hn_lb, "Nguyễn Văn Cừ", "Ngọc Lâm", "Nguyễn Văn Linh", "Ngô Gia Tự");
LIST(st_hn_hd, "Quang Trung", "Trần Phú", "Tô Hiệu", "Lê Trọng Tấn", "Nguyễn Trãi");
LIST(st_hn_sub, "Quốc lộ 3", "Quốc lộ 23", "Võ Văn Kiệt", "Đại lộ Thăng Long");
LIST(pk_hn_ml, "KCN Quang Minh");
LIST(pk_hn_da, "KCN Bắc Thăng Long");
LIST(st_hp, "Lạch Tray", "Lê Lợi", "Điện Biên Phủ", "Tô Hiệu", "Lê Thánh Tông", "Nguyễn Văn Linh",
     "Trần Nguyên Hãn", "Hai Bà Trưng");
LIST(pk_hp, "KCN Đình Vũ", "KCN Tràng Duệ");
LIST(st_hdg, "Trần Hưng Đạo", "Nguyễn Lương Bằng", "Thanh Niên", "Lê Thanh Nghị", "Điện Biên Phủ");
LIST(pk_hdg, "KCN Đại An", "KCN Nam Sách");
LIST(st_dng, "Nguyễn Văn Linh", "Lê Duẩn", "Hùng Vương", "Hải Phòng", "Điện Biên Phủ", "Nguyễn Hữu Thọ",
     "Ngô Quyền", "Võ Nguyên Giáp", "Tôn Đức Thắng", "Nguyễn Tất Thành");
LIST(pk_dng, "KCN Hòa Khánh", "KCN Liên Chiểu", "KCN Hòa Cầm");
LIST(st_cto, "Đường 30 Tháng 4", "Trần Hưng Đạo", "Nguyễn Văn Cừ", "Mậu Thân", "Hòa Bình", "Lê Hồng Phong",
     "Cách Mạng Tháng Tám", "Trần Phú");
LIST(pk_cto, "KCN Trà Nóc", "KCN Hưng Phú");
LIST(st_bha, "Phạm Văn Thuận", "Đồng Khởi", "Võ Thị Sáu", "Nguyễn Ái Quốc", "Quốc lộ 1K", "Quốc lộ 51",
     "Bùi Văn Hòa", "Xa lộ Hà Nội");
LIST(pk_bha, "KCN Biên Hòa 1", "KCN Biên Hòa 2", "KCN Amata", "KCN Loteco");
LIST(st_ntr, "Trần Phú", "Lê Thánh Tôn", "Yersin", "Thống Nhất", "Đường 2 Tháng 4", "Nguyễn Thị Minh Khai",
     "Lê Hồng Phong", "Đường 23 Tháng 10");
LIST(st_hue, "Lê Lợi", "Hùng Vương", "Trần Hưng Đạo", "Lê Duẩn", "Nguyễn Huệ", "Bà Triệu", "Điện Biên Phủ",
     "Ngô Quyền");
LIST(st_vin, "Lê Lợi", "Quang Trung", "Nguyễn Thị Minh Khai", "Trường Thi", "Lê Duẩn", "Nguyễn Du",
     "Lê Hồng Phong", "Trần Phú");
LIST(pk_vin, "KCN Bắc Vinh");
LIST(st_qnh, "Trần Hưng Đạo", "Lê Hồng Phong", "Nguyễn Huệ", "Xuân Diệu", "An Dương Vương", "Tây Sơn",
     "Nguyễn Thái Học", "Lê Duẩn");
LIST(pk_qnh, "KCN Phú Tài", "KCN Long Mỹ");
LIST(st_bmt, "Lê Duẩn", "Nguyễn Tất Thành", "Phan Chu Trinh", "Lý Thường Kiệt", "Hùng Vương", "Y Jút",
     "Ngô Quyền", "Phan Bội Châu");
LIST(pk_bmt, "KCN Hòa Phú");
LIST(st_tng, "Hoàng Văn Thụ", "Lương Ngọc Quyến", "Quang Trung", "Cách Mạng Tháng Tám", "Bến Oánh",
     "Phan Đình Phùng", "Dương Tự Minh");
LIST(st_ndh, "Trần Hưng Đạo", "Hùng Vương", "Trần Đăng Ninh", "Hàn Thuyên", "Giải Phóng", "Lê Hồng Phong",
     "Trần Thái Tông");
LIST(pk_ndh, "KCN Hòa Xá");
LIST(st_lxu, "Trần Hưng Đạo", "Hà Hoàng Hổ", "Lý Thái Tổ", "Nguyễn Huệ", "Tôn Đức Thắng", "Hùng Vương");
LIST(st_hlg, "Lê Thánh Tông", "Nguyễn Văn Cừ", "Hạ Long", "Trần Hưng Đạo", "Cao Xanh");
LIST(pk_hlg, "KCN Cái Lân");
LIST(st_tha, "Lê Lợi", "Trần Phú", "Bà Triệu", "Hạc Thành", "Quang Trung", "Nguyễn Trãi");
LIST(pk_tha, "KCN Lễ Môn");
LIST(st_bnh, "Lý Thái Tổ", "Ngô Gia Tự", "Nguyễn Văn Cừ", "Trần Hưng Đạo", "Lê Thái Tổ");
LIST(pk_bnh, "KCN Quế Võ", "KCN Tiên Sơn", "KCN VSIP Bắc Ninh");
LIST(pk_yphong, "KCN Yên Phong");
LIST(st_mth, "Ấp Bắc", "Hùng Vương", "Nam Kỳ Khởi Nghĩa", "Lê Lợi", "Trưng Trắc", "Đinh Bộ Lĩnh");
LIST(pk_mth, "KCN Mỹ Tho");
LIST(st_dlt, "Phan Đình Phùng", "Trần Phú", "Ba Tháng Hai", "Hùng Vương", "Yersin", "Bùi Thị Xuân",
     "Nguyên Tử Lực");
LIST(st_pku, "Hùng Vương", "Trần Phú", "Lê Lợi", "Phạm Văn Đồng", "Trường Chinh", "Tôn Đức Thắng");
LIST(st_cmu, "Trần Hưng Đạo", "Lý Thường Kiệt", "Nguyễn Tất Thành", "Phan Ngọc Hiển", "Ngô Quyền");
LIST(st_rga, "Nguyễn Trung Trực", "Trần Phú", "Lâm Quang Ky", "Nguyễn Bỉnh Khiêm", "Ngô Quyền");
LIST(st_vtr, "Hùng Vương", "Trần Phú", "Nguyễn Tất Thành", "Châu Phong", "Hòa Phong");
LIST(pk_vtr, "KCN Thụy Vân");
LIST(st_qng, "Quang Trung", "Hùng Vương", "Lê Lợi", "Phạm Văn Đồng", "Nguyễn Nghiêm");
LIST(pk_qng, "KCN Tịnh Phong", "KCN Quảng Phú");

/* ---- places --------------------------------------------------------------------------------- */

#define INLAND {0, 0, 0, 0}

const demo_place demo_places[] = {
    /* Ho Chi Minh City, former inner districts */
    {"Phường Sài Gòn", "Phường Bến Nghé", "Quận 1", PV_HCM, RG_HCM, 106.7010, 10.7775, 0.0035,
     {106.6930, 10.7700, 106.7075, 10.7850}, 60, 2, 0, &st_q1_bn, NULL},
    {"Phường Bến Thành", "Phường Bến Thành", "Quận 1", PV_HCM, RG_HCM, 106.6975, 10.7725, 0.003, INLAND,
     70, 2, 0, &st_q1_bt, NULL},
    {"Phường Bến Thành", "Phường Phạm Ngũ Lão", "Quận 1", PV_HCM, RG_HCM, 106.6925, 10.7680, 0.003, INLAND,
     40, 1, 0, &st_q1_bt, NULL},
    {"Phường Tân Định", "Phường Tân Định", "Quận 1", PV_HCM, RG_HCM, 106.6895, 10.7900, 0.003, INLAND,
     50, 1, 0, &st_q1_td, NULL},
    {"Phường Tân Định", "Phường Đa Kao", "Quận 1", PV_HCM, RG_HCM, 106.6960, 10.7890, 0.003,
     {106.6900, 10.7840, 106.7020, 10.7950}, 35, 1, 0, &st_q1_td, NULL},
    {"Phường Cầu Ông Lãnh", "Phường Nguyễn Cư Trinh", "Quận 1", PV_HCM, RG_HCM, 106.6880, 10.7640, 0.003,
     INLAND, 40, 1, 0, &st_q1_col, NULL},
    {"Phường Xuân Hòa", "Phường Võ Thị Sáu", "Quận 3", PV_HCM, RG_HCM, 106.6890, 10.7820, 0.004, INLAND,
     55, 1, 0, &st_q3, NULL},
    {"Phường Nhiêu Lộc", "Phường 9", "Quận 3", PV_HCM, RG_HCM, 106.6820, 10.7850, 0.003, INLAND,
     45, 1, 0, &st_q3, NULL},
    {"Phường Bàn Cờ", "Phường 2", "Quận 3", PV_HCM, RG_HCM, 106.6800, 10.7710, 0.003, INLAND,
     45, 1, 0, &st_q3, NULL},
    {"Phường Chợ Lớn", "Phường 12", "Quận 5", PV_HCM, RG_HCM, 106.6620, 10.7570, 0.003, INLAND,
     70, 3, 0, &st_q5, NULL},
    {"Phường An Đông", "Phường 9", "Quận 5", PV_HCM, RG_HCM, 106.6770, 10.7580, 0.003, INLAND,
     45, 2, 0, &st_q5, NULL},
    {"Phường Chợ Quán", "Phường 4", "Quận 5", PV_HCM, RG_HCM, 106.6830, 10.7600, 0.003, INLAND,
     40, 2, 0, &st_q5, NULL},
    {"Phường Hòa Hưng", "Phường 12", "Quận 10", PV_HCM, RG_HCM, 106.6680, 10.7760, 0.003, INLAND,
     55, 2, 0, &st_q10, NULL},
    {"Phường Diên Hồng", "Phường 14", "Quận 10", PV_HCM, RG_HCM, 106.6600, 10.7690, 0.003, INLAND,
     45, 2, 0, &st_q10, NULL},
    {"Phường Vườn Lài", "Phường 2", "Quận 10", PV_HCM, RG_HCM, 106.6730, 10.7640, 0.003, INLAND,
     40, 2, 0, &st_q10, NULL},
    {"Phường Phú Nhuận", "Phường 10", "Quận Phú Nhuận", PV_HCM, RG_HCM, 106.6750, 10.7970, 0.003, INLAND,
     45, 1, 0, &st_pn, NULL},
    {"Phường Đức Nhuận", "Phường 4", "Quận Phú Nhuận", PV_HCM, RG_HCM, 106.6830, 10.7990, 0.003, INLAND,
     35, 1, 0, &st_pn, NULL},
    {"Phường Cầu Kiệu", "Phường 1", "Quận Phú Nhuận", PV_HCM, RG_HCM, 106.6880, 10.7935, 0.0025, INLAND,
     30, 1, 0, &st_pn, NULL},
    {"Phường Bảy Hiền", "Phường 11", "Quận Tân Bình", PV_HCM, RG_HCM, 106.6500, 10.7910, 0.004, INLAND,
     45, 4, 0, &st_tb, NULL},
    {"Phường Tân Sơn Nhất", "Phường 2", "Quận Tân Bình", PV_HCM, RG_HCM, 106.6650, 10.8050, 0.004, INLAND,
     35, 4, 0, &st_tb, NULL},
    {"Phường Tân Bình", "Phường 13", "Quận Tân Bình", PV_HCM, RG_HCM, 106.6450, 10.8020, 0.004, INLAND,
     40, 6, 0, &st_tb, NULL},
    {"Phường Hạnh Thông", "Phường 3", "Quận Gò Vấp", PV_HCM, RG_HCM, 106.6790, 10.8180, 0.004, INLAND,
     45, 2, 0, &st_gv, NULL},
    {"Phường Gò Vấp", "Phường 10", "Quận Gò Vấp", PV_HCM, RG_HCM, 106.6680, 10.8360, 0.005, INLAND,
     45, 3, 0, &st_gv, NULL},
    {"Phường Gia Định", "Phường 7", "Quận Bình Thạnh", PV_HCM, RG_HCM, 106.6960, 10.8035, 0.003, INLAND,
     50, 2, 0, &st_bth, NULL},
    {"Phường Bình Thạnh", "Phường 12", "Quận Bình Thạnh", PV_HCM, RG_HCM, 106.7020, 10.8120, 0.004, INLAND,
     40, 2, 0, &st_bth, NULL},
    {"Phường Thạnh Mỹ Tây", "Phường 22", "Quận Bình Thạnh", PV_HCM, RG_HCM, 106.7170, 10.7950, 0.003,
     {106.7100, 10.7920, 106.7230, 10.7990}, 35, 2, 0, &st_bth, NULL},
    {"Phường Bình Lợi Trung", "Phường 13", "Quận Bình Thạnh", PV_HCM, RG_HCM, 106.7080, 10.8230, 0.004,
     INLAND, 30, 2, 0, &st_bth, NULL},
    {"Phường Thủ Đức", "Phường Bình Thọ", "Thành phố Thủ Đức", PV_HCM, RG_HCM, 106.7650, 10.8480, 0.005,
     INLAND, 50, 8, 0, &st_tdu, NULL},
    {"Phường Linh Xuân", "Phường Linh Trung", "Thành phố Thủ Đức", PV_HCM, RG_HCM, 106.7760, 10.8660, 0.006,
     INLAND, 25, 35, 0, &st_tdu, &pk_linhtrung},
    {"Phường Tăng Nhơn Phú", "Phường Tân Phú", "Thành phố Thủ Đức", PV_HCM, RG_HCM, 106.8040, 10.8430, 0.007,
     INLAND, 35, 40, 0, &st_tdu, &pk_shtp},
    {"Phường An Khánh", "Phường Thảo Điền", "Thành phố Thủ Đức", PV_HCM, RG_HCM, 106.7350, 10.8040, 0.004,
     {106.7280, 10.7980, 106.7440, 10.8110}, 35, 1, 0, &st_tdu, NULL},
    {"Phường Cát Lái", "Phường Cát Lái", "Thành phố Thủ Đức", PV_HCM, RG_HCM, 106.7800, 10.7780, 0.005,
     {106.7650, 10.7700, 106.7950, 10.7880}, 15, 35, 0, &st_tdu, &pk_catlai},
    {"Phường Hiệp Bình", "Phường Hiệp Bình Chánh", "Thành phố Thủ Đức", PV_HCM, RG_HCM, 106.7250, 10.8310,
     0.005, INLAND, 30, 6, 0, &st_tdu, NULL},
    {"Phường Tân Mỹ", "Phường Tân Phú", "Quận 7", PV_HCM, RG_HCM, 106.7190, 10.7330, 0.005, INLAND,
     45, 2, 0, &st_q7, NULL},
    {"Phường Tân Thuận", "Phường Tân Thuận Đông", "Quận 7", PV_HCM, RG_HCM, 106.7460, 10.7570, 0.004,
     {106.7360, 10.7540, 106.7550, 10.7650}, 20, 40, 0, &st_q7, &pk_q7},
    {"Phường Tân Tạo", "Phường Tân Tạo A", "Quận Bình Tân", PV_HCM, RG_HCM, 106.5920, 10.7550, 0.006, INLAND,
     30, 45, 0, &st_btan, &pk_tantao},
    {"Phường An Lạc", "Phường An Lạc", "Quận Bình Tân", PV_HCM, RG_HCM, 106.6140, 10.7260, 0.005, INLAND,
     35, 8, 0, &st_btan, NULL},
    {"Phường Tây Thạnh", "Phường Tây Thạnh", "Quận Tân Phú", PV_HCM, RG_HCM, 106.6240, 10.8100, 0.005,
     INLAND, 30, 35, 0, &st_tphu, &pk_tanbinh},
    {"Phường Tân Thới Hiệp", "Phường Tân Thới Hiệp", "Quận 12", PV_HCM, RG_HCM, 106.6450, 10.8620, 0.006,
     INLAND, 30, 15, 0, &st_q12, &pk_q12},
    {"Xã Củ Chi", "Thị trấn Củ Chi", "Huyện Củ Chi", PV_HCM, RG_HCM, 106.4930, 10.9730, 0.015, INLAND,
     25, 30, 0, &st_cchi, &pk_cchi},
    /* Former Bình Dương: Thủ Dầu Một, Dĩ An, Thuận An, Bến Cát, Tân Uyên, Bàu Bàng */
    {"Phường Thủ Dầu Một", "Phường Phú Cường", "Thành phố Thủ Dầu Một", PV_BDU, RG_HCM, 106.6680, 10.9820,
     0.006, {106.6580, 10.9660, 106.6840, 11.0000}, 50, 10, 0, &st_tdm, NULL},
    {"Phường Phú Lợi", "Phường Phú Lợi", "Thành phố Thủ Dầu Một", PV_BDU, RG_HCM, 106.6780, 10.9860, 0.006,
     INLAND, 30, 8, 0, &st_tdm, NULL},
    {"Phường Bình Dương", "Phường Hòa Phú", "Thành phố Thủ Dầu Một", PV_BDU, RG_HCM, 106.6850, 11.0550,
     0.010, INLAND, 20, 45, 0, &st_bdnew, &pk_bdnew},
    {"Phường Dĩ An", "Phường Dĩ An", "Thành phố Dĩ An", PV_BDU, RG_HCM, 106.7650, 10.9050, 0.007, INLAND,
     45, 45, 0, &st_dian, &pk_dian},
    {"Phường Tân Đông Hiệp", "Phường Tân Đông Hiệp", "Thành phố Dĩ An", PV_BDU, RG_HCM, 106.7600, 10.9280,
     0.007, INLAND, 25, 50, 0, &st_dian, &pk_dian},
    {"Phường Đông Hòa", "Phường Đông Hòa", "Thành phố Dĩ An", PV_BDU, RG_HCM, 106.7880, 10.8910, 0.006,
     INLAND, 25, 15, 0, &st_dian, NULL},
    {"Phường Lái Thiêu", "Phường Lái Thiêu", "Thành phố Thuận An", PV_BDU, RG_HCM, 106.7030, 10.9100, 0.006,
     {106.6900, 10.9030, 106.7160, 10.9240}, 35, 20, 0, &st_tan, &pk_tan},
    {"Phường Bình Hòa", "Phường Bình Hòa", "Thành phố Thuận An", PV_BDU, RG_HCM, 106.7140, 10.9240, 0.006,
     INLAND, 20, 60, 0, &st_tan, &pk_tan},
    {"Phường Thuận An", "Phường An Thạnh", "Thành phố Thuận An", PV_BDU, RG_HCM, 106.6880, 10.9350, 0.006,
     INLAND, 30, 25, 0, &st_tan, &pk_tan},
    {"Phường Thuận Giao", "Phường Thuận Giao", "Thành phố Thuận An", PV_BDU, RG_HCM, 106.7120, 10.9580,
     0.007, INLAND, 30, 30, 0, &st_tan, &pk_tan},
    {"Phường An Phú", "Phường An Phú", "Thành phố Thuận An", PV_BDU, RG_HCM, 106.7500, 10.9500, 0.007,
     INLAND, 25, 35, 0, &st_tan, &pk_tan},
    {"Phường Bến Cát", "Phường Mỹ Phước", "Thành phố Bến Cát", PV_BDU, RG_HCM, 106.6000, 11.1400, 0.012,
     INLAND, 25, 55, 0, &st_bcat, &pk_bcat},
    {"Phường Thới Hòa", "Phường Thới Hòa", "Thành phố Bến Cát", PV_BDU, RG_HCM, 106.6200, 11.1000, 0.010,
     INLAND, 10, 40, 0, &st_bcat, &pk_bcat},
    {"Phường Tân Uyên", "Phường Uyên Hưng", "Thành phố Tân Uyên", PV_BDU, RG_HCM, 106.7900, 11.0620, 0.010,
     {106.7650, 11.0350, 106.8050, 11.0900}, 20, 35, 0, &st_tuyen, &pk_tuyen},
    {"Phường Vĩnh Tân", "Phường Vĩnh Tân", "Thành phố Tân Uyên", PV_BDU, RG_HCM, 106.7050, 11.1050, 0.012,
     INLAND, 8, 45, 0, &st_tuyen, &pk_tuyen},
    {"Phường Tân Khánh", "Phường Khánh Bình", "Thành phố Tân Uyên", PV_BDU, RG_HCM, 106.7350, 11.0280,
     0.010, INLAND, 10, 45, 0, &st_tuyen, &pk_tuyen},
    {"Xã Bàu Bàng", "Thị trấn Lai Uyên", "Huyện Bàu Bàng", PV_BDU, RG_HCM, 106.6300, 11.2700, 0.014, INLAND,
     8, 35, 0, &st_bbang, &pk_bbang},
    /* Former Bà Rịa-Vũng Tàu: the peninsula, Bà Rịa, the Phú Mỹ port and industry belt */
    {"Phường Vũng Tàu", "Phường 1", "Thành phố Vũng Tàu", PV_BRVT, RG_HCM, 107.0805, 10.3480, 0.004,
     {107.0765, 10.3410, 107.0870, 10.3560}, 45, 2, 5, &st_vt_c, NULL},
    {"Phường Tam Thắng", "Phường 7", "Thành phố Vũng Tàu", PV_BRVT, RG_HCM, 107.0910, 10.3660, 0.004,
     {107.0830, 10.3610, 107.1000, 10.3720}, 35, 4, 15, &st_vt_m, NULL},
    {"Phường Rạch Dừa", "Phường Rạch Dừa", "Thành phố Vũng Tàu", PV_BRVT, RG_HCM, 107.1180, 10.3890, 0.006,
     {107.1060, 10.3810, 107.1350, 10.3970}, 20, 40, 60, &st_vt_n, &pk_vt},
    {"Phường Phước Thắng", "Phường 11", "Thành phố Vũng Tàu", PV_BRVT, RG_HCM, 107.1400, 10.4150, 0.006,
     {107.1240, 10.4020, 107.1620, 10.4320}, 15, 25, 40, &st_vt_n, &pk_vt},
    {"Phường Bà Rịa", "Phường Phước Trung", "Thành phố Bà Rịa", PV_BRVT, RG_HCM, 107.1720, 10.4970, 0.006,
     {107.1550, 10.4850, 107.1900, 10.5100}, 35, 10, 2, &st_bria, NULL},
    {"Phường Phú Mỹ", "Phường Phú Mỹ", "Thị xã Phú Mỹ", PV_BRVT, RG_HCM, 107.0620, 10.5900, 0.008,
     {107.0450, 10.5700, 107.0850, 10.6100}, 12, 60, 8, &st_pmy, &pk_pmy},

    /* Hà Nội */
    {"Phường Hoàn Kiếm", "Phường Hàng Trống", "Quận Hoàn Kiếm", PV_HNI, RG_HNI, 105.8510, 21.0290, 0.005,
     INLAND, 60, 1, 0, &st_hn_hk, NULL},
    {"Phường Cửa Nam", "Phường Cửa Nam", "Quận Hoàn Kiếm", PV_HNI, RG_HNI, 105.8450, 21.0250, 0.004,
     INLAND, 50, 1, 0, &st_hn_hk, NULL},
    {"Phường Ba Đình", NULL, "Quận Ba Đình", PV_HNI, RG_HNI, 105.8350, 21.0360, 0.006, INLAND,
     45, 1, 0, &st_hn_bd, NULL},
    {"Phường Giảng Võ", NULL, "Quận Ba Đình", PV_HNI, RG_HNI, 105.8200, 21.0280, 0.005, INLAND,
     45, 1, 0, &st_hn_bd, NULL},
    {"Phường Đống Đa", NULL, "Quận Đống Đa", PV_HNI, RG_HNI, 105.8260, 21.0130, 0.006, INLAND,
     55, 2, 0, &st_hn_dd, NULL},
    {"Phường Kim Liên", NULL, "Quận Đống Đa", PV_HNI, RG_HNI, 105.8380, 21.0060, 0.004, INLAND,
     50, 1, 0, &st_hn_dd, NULL},
    {"Phường Bạch Mai", NULL, "Quận Hai Bà Trưng", PV_HNI, RG_HNI, 105.8500, 21.0000, 0.005, INLAND,
     45, 2, 0, &st_hn_hbt, NULL},
    {"Phường Hai Bà Trưng", NULL, "Quận Hai Bà Trưng", PV_HNI, RG_HNI, 105.8550, 21.0100, 0.005, INLAND,
     45, 2, 0, &st_hn_hbt, NULL},
    {"Phường Cầu Giấy", NULL, "Quận Cầu Giấy", PV_HNI, RG_HNI, 105.7980, 21.0320, 0.007, INLAND,
     55, 3, 0, &st_hn_cg, NULL},
    {"Phường Thanh Xuân", NULL, "Quận Thanh Xuân", PV_HNI, RG_HNI, 105.8100, 20.9950, 0.007, INLAND,
     50, 4, 0, &st_hn_tx, NULL},
    {"Phường Hoàng Mai", NULL, "Quận Hoàng Mai", PV_HNI, RG_HNI, 105.8550, 20.9750, 0.008, INLAND,
     40, 8, 0, &st_hn_hm, NULL},
    {"Phường Long Biên", NULL, "Quận Long Biên", PV_HNI, RG_HNI, 105.8930, 21.0420, 0.008,
     {105.8750, 21.0200, 105.9200, 21.0650}, 35, 12, 0, &st_hn_lb, NULL},
    {"Phường Hà Đông", NULL, "Quận Hà Đông", PV_HNI, RG_HNI, 105.7750, 20.9680, 0.008, INLAND,
     45, 6, 0, &st_hn_hd, NULL},
    {"Xã Quang Minh", NULL, "Huyện Mê Linh", PV_HNI, RG_HNI, 105.7750, 21.1850, 0.012, INLAND,
     8, 40, 0, &st_hn_sub, &pk_hn_ml},
    {"Xã Đông Anh", NULL, "Huyện Đông Anh", PV_HNI, RG_HNI, 105.8150, 21.1300, 0.014, INLAND,
     15, 45, 0, &st_hn_sub, &pk_hn_da},
    /* Hải Phòng, with the former Hải Dương */
    {"Phường Hồng Bàng", NULL, "Quận Hồng Bàng", PV_HPG, RG_HPG, 106.6720, 20.8610, 0.005,
     {106.6550, 20.8500, 106.6900, 20.8700}, 40, 10, 0, &st_hp, NULL},
    {"Phường Lê Chân", NULL, "Quận Lê Chân", PV_HPG, RG_HPG, 106.6800, 20.8450, 0.006, INLAND,
     45, 5, 0, &st_hp, NULL},
    {"Phường Ngô Quyền", NULL, "Quận Ngô Quyền", PV_HPG, RG_HPG, 106.7000, 20.8530, 0.006,
     {106.6850, 20.8400, 106.7150, 20.8640}, 40, 10, 0, &st_hp, NULL},
    {"Phường Hải An", NULL, "Quận Hải An", PV_HPG, RG_HPG, 106.7400, 20.8350, 0.009,
     {106.7200, 20.8150, 106.7700, 20.8500}, 15, 50, 0, &st_hp, &pk_hp},
    {"Phường Kiến An", NULL, "Quận Kiến An", PV_HPG, RG_HPG, 106.6300, 20.8100, 0.008, INLAND,
     25, 10, 0, &st_hp, NULL},
    {"Phường Hải Dương", NULL, "Thành phố Hải Dương", PV_HDG, RG_HPG, 106.3300, 20.9400, 0.008, INLAND,
     35, 15, 0, &st_hdg, &pk_hdg},
    {"Phường Lê Thanh Nghị", NULL, "Thành phố Hải Dương", PV_HDG, RG_HPG, 106.3180, 20.9450, 0.007, INLAND,
     25, 10, 0, &st_hdg, NULL},
    /* Đà Nẵng: the bay to the north and the beaches to the east are outside every box */
    {"Phường Hải Châu", NULL, "Quận Hải Châu", PV_DNG, RG_DNG, 108.2150, 16.0610, 0.006,
     {108.2000, 16.0400, 108.2240, 16.0720}, 55, 2, 0, &st_dng, NULL},
    {"Phường Thanh Khê", NULL, "Quận Thanh Khê", PV_DNG, RG_DNG, 108.1850, 16.0630, 0.006,
     {108.1700, 16.0500, 108.2000, 16.0700}, 40, 5, 0, &st_dng, NULL},
    {"Phường Sơn Trà", NULL, "Quận Sơn Trà", PV_DNG, RG_DNG, 108.2380, 16.0700, 0.005,
     {108.2300, 16.0500, 108.2460, 16.0880}, 30, 15, 0, &st_dng, &pk_dng},
    {"Phường Ngũ Hành Sơn", NULL, "Quận Ngũ Hành Sơn", PV_DNG, RG_DNG, 108.2450, 16.0100, 0.006,
     {108.2360, 15.9900, 108.2540, 16.0300}, 25, 5, 0, &st_dng, NULL},
    {"Phường Cẩm Lệ", NULL, "Quận Cẩm Lệ", PV_DNG, RG_DNG, 108.2000, 16.0180, 0.008, INLAND,
     30, 20, 0, &st_dng, &pk_dng},
    {"Phường Liên Chiểu", NULL, "Quận Liên Chiểu", PV_DNG, RG_DNG, 108.1500, 16.0700, 0.008,
     {108.1250, 16.0550, 108.1660, 16.0780}, 20, 45, 0, &st_dng, &pk_dng},
    /* Cần Thơ, on the Hậu river */
    {"Phường Ninh Kiều", NULL, "Quận Ninh Kiều", PV_CTO, RG_CTO, 105.7770, 10.0300, 0.006,
     {105.7600, 10.0150, 105.7880, 10.0450}, 55, 3, 0, &st_cto, NULL},
    {"Phường Cái Khế", "Phường Cái Khế", "Quận Ninh Kiều", PV_CTO, RG_CTO, 105.7800, 10.0470, 0.005,
     {105.7650, 10.0400, 105.7900, 10.0600}, 35, 3, 0, &st_cto, NULL},
    {"Phường Bình Thủy", NULL, "Quận Bình Thủy", PV_CTO, RG_CTO, 105.7450, 10.0720, 0.008,
     {105.7200, 10.0550, 105.7650, 10.0950}, 20, 40, 0, &st_cto, &pk_cto},
    {"Phường Cái Răng", NULL, "Quận Cái Răng", PV_CTO, RG_CTO, 105.7650, 9.9980, 0.008,
     {105.7450, 9.9800, 105.7900, 10.0120}, 20, 30, 0, &st_cto, &pk_cto},
    /* Biên Hòa (Đồng Nai) */
    {"Phường Trấn Biên", NULL, "Thành phố Biên Hòa", PV_DNI, RG_BHA, 106.8350, 10.9550, 0.007,
     {106.8220, 10.9400, 106.8550, 10.9700}, 50, 10, 0, &st_bha, NULL},
    {"Phường Tam Hiệp", NULL, "Thành phố Biên Hòa", PV_DNI, RG_BHA, 106.8600, 10.9450, 0.007, INLAND,
     35, 20, 0, &st_bha, &pk_bha},
    {"Phường Long Bình", NULL, "Thành phố Biên Hòa", PV_DNI, RG_BHA, 106.8800, 10.9300, 0.010, INLAND,
     20, 60, 0, &st_bha, &pk_bha},
    {"Phường Hố Nai", NULL, "Thành phố Biên Hòa", PV_DNI, RG_BHA, 106.8850, 10.9700, 0.010, INLAND,
     25, 20, 0, &st_bha, NULL},
    /* Nha Trang: the beach road is the eastern edge */
    {"Phường Nha Trang", NULL, "Thành phố Nha Trang", PV_KHA, RG_NTR, 109.1880, 12.2450, 0.005,
     {109.1750, 12.2320, 109.1930, 12.2620}, 50, 2, 0, &st_ntr, NULL},
    {"Phường Bắc Nha Trang", NULL, "Thành phố Nha Trang", PV_KHA, RG_NTR, 109.1900, 12.2850, 0.006,
     {109.1750, 12.2720, 109.2000, 12.3000}, 25, 5, 0, &st_ntr, NULL},
    {"Phường Tây Nha Trang", NULL, "Thành phố Nha Trang", PV_KHA, RG_NTR, 109.1600, 12.2500, 0.007,
     {109.1400, 12.2350, 109.1780, 12.2650}, 25, 8, 0, &st_ntr, NULL},
    {"Phường Nam Nha Trang", NULL, "Thành phố Nha Trang", PV_KHA, RG_NTR, 109.1850, 12.2050, 0.006,
     {109.1700, 12.1900, 109.1950, 12.2250}, 25, 5, 0, &st_ntr, NULL},
    /* Huế, either side of the Perfume river */
    {"Phường Thuận Hóa", NULL, "Thành phố Huế", PV_HUE, RG_HUE, 107.5930, 16.4600, 0.006,
     {107.5800, 16.4480, 107.6100, 16.4680}, 50, 3, 0, &st_hue, NULL},
    {"Phường Phú Xuân", NULL, "Thành phố Huế", PV_HUE, RG_HUE, 107.5750, 16.4760, 0.006,
     {107.5600, 16.4690, 107.5900, 16.4900}, 35, 3, 0, &st_hue, NULL},
    /* Vinh */
    {"Phường Thành Vinh", NULL, "Thành phố Vinh", PV_NAN, RG_VIN, 105.6820, 18.6750, 0.007, INLAND,
     50, 5, 0, &st_vin, NULL},
    {"Phường Trường Vinh", NULL, "Thành phố Vinh", PV_NAN, RG_VIN, 105.6950, 18.6600, 0.007, INLAND,
     35, 5, 0, &st_vin, NULL},
    {"Phường Vinh Phú", NULL, "Thành phố Vinh", PV_NAN, RG_VIN, 105.6700, 18.6950, 0.008, INLAND,
     20, 25, 0, &st_vin, &pk_vin},
    /* Quy Nhơn (former Bình Định, now Gia Lai) */
    {"Phường Quy Nhơn", NULL, "Thành phố Quy Nhơn", PV_BDI, RG_QNH, 109.2150, 13.7700, 0.005,
     {109.2030, 13.7610, 109.2210, 13.7820}, 50, 3, 0, &st_qnh, NULL},
    {"Phường Quy Nhơn Bắc", NULL, "Thành phố Quy Nhơn", PV_BDI, RG_QNH, 109.2050, 13.7900, 0.005,
     {109.1920, 13.7800, 109.2180, 13.8000}, 25, 10, 0, &st_qnh, NULL},
    {"Phường Quy Nhơn Tây", NULL, "Thành phố Quy Nhơn", PV_BDI, RG_QNH, 109.1800, 13.7700, 0.008,
     {109.1650, 13.7500, 109.2000, 13.7900}, 20, 30, 0, &st_qnh, &pk_qnh},
    /* Buôn Ma Thuột */
    {"Phường Buôn Ma Thuột", NULL, "Thành phố Buôn Ma Thuột", PV_DLK, RG_BMT, 108.0400, 12.6800, 0.008,
     INLAND, 50, 5, 0, &st_bmt, NULL},
    {"Phường Tân Lập", NULL, "Thành phố Buôn Ma Thuột", PV_DLK, RG_BMT, 108.0550, 12.6920, 0.007, INLAND,
     30, 5, 0, &st_bmt, NULL},
    {"Phường Ea Kao", NULL, "Thành phố Buôn Ma Thuột", PV_DLK, RG_BMT, 108.0600, 12.6500, 0.009, INLAND,
     15, 20, 0, &st_bmt, &pk_bmt},
    /* Thái Nguyên */
    {"Phường Phan Đình Phùng", NULL, "Thành phố Thái Nguyên", PV_TNG, RG_TNG, 105.8450, 21.5940, 0.007,
     INLAND, 50, 5, 0, &st_tng, NULL},
    {"Phường Gia Sàng", NULL, "Thành phố Thái Nguyên", PV_TNG, RG_TNG, 105.8600, 21.5750, 0.007, INLAND,
     25, 30, 0, &st_tng, NULL},
    {"Phường Tích Lương", NULL, "Thành phố Thái Nguyên", PV_TNG, RG_TNG, 105.8500, 21.5550, 0.008, INLAND,
     20, 20, 0, &st_tng, NULL},
    /* Nam Định (now Ninh Bình) */
    {"Phường Nam Định", NULL, "Thành phố Nam Định", PV_NDH, RG_NDH, 106.1760, 20.4300, 0.006, INLAND,
     50, 8, 0, &st_ndh, NULL},
    {"Phường Thiên Trường", NULL, "Thành phố Nam Định", PV_NDH, RG_NDH, 106.1600, 20.4450, 0.007, INLAND,
     25, 20, 0, &st_ndh, &pk_ndh},
    /* Long Xuyên, on the Hậu river */
    {"Phường Long Xuyên", NULL, "Thành phố Long Xuyên", PV_AGG, RG_LXU, 105.4350, 10.3830, 0.006,
     {105.4200, 10.3650, 105.4460, 10.4000}, 50, 5, 0, &st_lxu, NULL},
    {"Phường Bình Đức", NULL, "Thành phố Long Xuyên", PV_AGG, RG_LXU, 105.4100, 10.4050, 0.006,
     {105.3980, 10.3920, 105.4250, 10.4180}, 25, 15, 0, &st_lxu, NULL},
    /* Hạ Long: narrow boxes between the hills and the bay */
    {"Phường Hồng Gai", NULL, "Thành phố Hạ Long", PV_QNH, RG_HLG, 107.0920, 20.9610, 0.004,
     {107.0830, 20.9500, 107.1050, 20.9720}, 45, 5, 0, &st_hlg, NULL},
    {"Phường Bãi Cháy", NULL, "Thành phố Hạ Long", PV_QNH, RG_HLG, 107.0330, 20.9670, 0.004,
     {107.0180, 20.9570, 107.0480, 20.9780}, 25, 25, 0, &st_hlg, &pk_hlg},
    /* Thanh Hóa */
    {"Phường Hạc Thành", NULL, "Thành phố Thanh Hóa", PV_THA, RG_THA, 105.7780, 19.8060, 0.010, INLAND,
     50, 20, 0, &st_tha, &pk_tha},
    /* Bắc Ninh */
    {"Phường Kinh Bắc", NULL, "Thành phố Bắc Ninh", PV_BNH, RG_BNH, 106.0650, 21.1830, 0.008, INLAND,
     45, 20, 0, &st_bnh, &pk_bnh},
    {"Phường Võ Cường", NULL, "Thành phố Bắc Ninh", PV_BNH, RG_BNH, 106.0500, 21.1650, 0.008, INLAND,
     25, 30, 0, &st_bnh, &pk_bnh},
    {"Xã Yên Phong", NULL, "Huyện Yên Phong", PV_BNH, RG_BNH, 105.9650, 21.2050, 0.012, INLAND,
     10, 60, 0, &st_bnh, &pk_yphong},
    /* Mỹ Tho (former Tiền Giang, now Đồng Tháp), north bank of the Tiền river */
    {"Phường Mỹ Tho", NULL, "Thành phố Mỹ Tho", PV_TGG, RG_MTH, 106.3600, 10.3600, 0.007,
     {106.3400, 10.3520, 106.3850, 10.3800}, 50, 15, 0, &st_mth, &pk_mth},
    /* Đà Lạt */
    {"Phường Xuân Hương - Đà Lạt", NULL, "Thành phố Đà Lạt", PV_LDG, RG_DLT, 108.4400, 11.9430, 0.008,
     INLAND, 50, 3, 0, &st_dlt, NULL},
    {"Phường Lâm Viên - Đà Lạt", NULL, "Thành phố Đà Lạt", PV_LDG, RG_DLT, 108.4450, 11.9600, 0.008,
     INLAND, 30, 3, 0, &st_dlt, NULL},
    /* Pleiku */
    {"Phường Pleiku", NULL, "Thành phố Pleiku", PV_GLA, RG_PKU, 108.0000, 13.9800, 0.010, INLAND,
     50, 10, 0, &st_pku, NULL},
    /* Cà Mau */
    {"Phường An Xuyên", NULL, "Thành phố Cà Mau", PV_CMU, RG_CMU, 105.1520, 9.1800, 0.010, INLAND,
     50, 10, 0, &st_cmu, NULL},
    /* Rạch Giá: the sea is to the west */
    {"Phường Rạch Giá", NULL, "Thành phố Rạch Giá", PV_KGG, RG_RGA, 105.0900, 10.0100, 0.006,
     {105.0820, 9.9950, 105.1100, 10.0300}, 50, 10, 0, &st_rga, NULL},
    /* Việt Trì */
    {"Phường Việt Trì", NULL, "Thành phố Việt Trì", PV_PTO, RG_VTR, 105.4020, 21.3200, 0.010, INLAND,
     45, 25, 0, &st_vtr, &pk_vtr},
    /* Quảng Ngãi */
    {"Phường Cẩm Thành", NULL, "Thành phố Quảng Ngãi", PV_QNG, RG_QNG, 108.8000, 15.1200, 0.008, INLAND,
     45, 20, 0, &st_qng, &pk_qng},
};
const unsigned demo_place_count = COUNT(demo_places);

/* ---- people and names ----------------------------------------------------------------------- */

/* Family names with rough national frequencies (per mille); the southern spellings Huỳnh and Võ
 * are given the weight of Hoàng and Vũ, as in Ho Chi Minh City registers. */
const demo_weighted demo_surnames[] = {
    {"Nguyễn", 380}, {"Trần", 110}, {"Lê", 95}, {"Phạm", 70}, {"Huỳnh", 30}, {"Hoàng", 25},
    {"Phan", 45},    {"Võ", 30},    {"Vũ", 20}, {"Đặng", 20}, {"Bùi", 20},   {"Đỗ", 14},
    {"Hồ", 13},      {"Ngô", 13},   {"Dương", 10}, {"Lý", 5}, {"Trương", 8}, {"Đinh", 6},
    {"Lâm", 5},      {"Mai", 4},    {"Tạ", 3},  {"Châu", 3},  {"Lương", 4},  {"Cao", 4},
};
const unsigned demo_surname_count = COUNT(demo_surnames);

PUBLIC_LIST(demo_middle_male, "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Hoàng", "Công", "Ngọc", "Tấn",
            "Quang", "Anh", "Trọng", "Xuân", "Gia");
PUBLIC_LIST(demo_middle_female, "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Minh", "Bích",
            "Mỹ", "Phương", "Thúy", "Hoài");
PUBLIC_LIST(demo_given_male, "Hùng", "Dũng", "Minh", "Tuấn", "Hải", "Long", "Nam", "Phong", "Thắng", "Trung",
            "Hiếu", "Khoa", "Phúc", "Quân", "Sơn", "Tài", "Thành", "Trí", "Vinh", "Bình", "Cường", "Đạt",
            "Duy", "Hoàng", "Huy", "Khang", "Lâm", "Lộc", "Nhân", "Tâm", "Thiện", "Tùng", "Việt", "Bảo");
PUBLIC_LIST(demo_given_female, "Lan", "Hương", "Hoa", "Mai", "Linh", "Trang", "Thảo", "Ngọc", "Hà", "Hạnh",
            "Nhung", "Phương", "Quỳnh", "Thủy", "Trinh", "Vy", "Yến", "Uyên", "Nga", "Loan", "Hằng", "Diễm",
            "Tuyết", "Châu", "Oanh", "Giang", "My", "Nhi", "Anh", "Dung");

/* Two syllables make a trade name ("Tâm Đức", "An Khang"); 45 x 32 pairs keep repeats rare. */
PUBLIC_LIST(demo_brand_first, "An", "Bình", "Phúc", "Tâm", "Minh", "Hồng", "Thiện", "Việt", "Vạn", "Thịnh",
            "Hưng", "Trường", "Hạnh", "Ánh", "Nhân", "Thuận", "Kim", "Hoàng", "Phương", "Thiên", "Đức", "Hòa",
            "Hiệp", "Lạc", "Khánh", "Ngọc", "Gia", "Quang", "Bảo", "Mỹ", "Tân", "Phú", "Đại", "Sao", "Hải",
            "Thanh", "Nam", "Đông", "Tường", "Nhật", "Long", "Thái", "Trung", "Hữu", "Song");
PUBLIC_LIST(demo_brand_second, "An", "Khang", "Phước", "Đức", "Tâm", "Phúc", "Mỹ", "Thịnh", "Hưng", "Phát",
            "Lộc", "Sinh", "Minh", "Long", "Việt", "Thành", "Hòa", "Hảo", "Bình", "Nhân", "Anh", "Châu",
            "Vinh", "Quang", "Tín", "Lợi", "Thuận", "Thọ", "Khánh", "Gia", "Nguyên", "Hiền");
PUBLIC_LIST(demo_foreign_brand, "Toyo", "Sanwa", "Daiko", "Kanto", "Hokuto", "Yamato", "Tokai", "Nissei",
            "Kyowa", "Hanil", "Daehan", "Samil", "Sewon", "Dongil", "Shinsung", "Chia Hsin", "Tai Yang",
            "Kuo Feng", "Sin Hwa", "Pacific", "Eastern", "Orient", "Mekong", "Siam", "Lotus", "Meridian",
            "Nordic", "Rhein", "Alpine", "Atlas");
PUBLIC_LIST(demo_hospital_specialty, "Phụ sản", "Nhi", "Chấn thương Chỉnh hình", "Tim mạch", "Ung bướu",
            "Phổi", "Y học Cổ truyền", "Nội tiết", "Tiêu hóa");
PUBLIC_LIST(demo_research_topic, "Vật lý Hạt nhân", "Môi trường", "Địa chất", "Khoa học Vật liệu",
            "Hóa Phân tích", "Công nghệ Sinh học", "Kỹ thuật Hạt nhân", "Đo lường Bức xạ");
PUBLIC_LIST(demo_mobile_ward, "Khoa Hồi sức tích cực", "Khoa Cấp cứu", "Khoa Chấn thương Chỉnh hình", "Khoa Nhi",
            "Khoa Nội tổng hợp", "Khoa Ngoại tổng hợp");
PUBLIC_LIST(demo_mobile_prefix, "090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "070",
            "076", "077", "078", "079", "081", "083", "084", "085", "032", "033", "034", "035", "036", "037",
            "038", "039");

const demo_sector demo_sectors[] = {
    {"Giấy", "Paper", DEMO_GAUGE_WEB},
    {"Bao bì", "Packaging", DEMO_GAUGE_WEB},
    {"Nhựa", "Plastics", DEMO_GAUGE_WEB},
    {"Màng nhựa", "Film", DEMO_GAUGE_WEB},
    {"Dệt", "Textile", DEMO_GAUGE_WEB},
    {"Thép", "Steel", DEMO_GAUGE_PROCESS},
    {"Xi măng", "Cement", DEMO_GAUGE_PROCESS},
    {"Hóa chất", "Chemical", DEMO_GAUGE_PROCESS},
    {"Phân bón", "Fertilizer", DEMO_GAUGE_PROCESS},
    {"Gạch men", "Ceramics", DEMO_GAUGE_PROCESS},
    {"Kính", "Glass", DEMO_GAUGE_PROCESS},
    {"Cao su", "Rubber", DEMO_GAUGE_PROCESS},
    {"Dầu ăn", "Edible Oil", DEMO_GAUGE_PROCESS},
    {"Khí hóa lỏng", "Gas", DEMO_GAUGE_PROCESS},
    {"Bia", "Brewery", DEMO_GAUGE_FILL},
    {"Nước giải khát", "Beverage", DEMO_GAUGE_FILL},
    {"Sữa", "Dairy", DEMO_GAUGE_FILL},
    {"Thực phẩm", "Foods", DEMO_GAUGE_FILL},
    {"Xây dựng", "Construction", DEMO_GAUGE_SOIL},
    {"Tư vấn Kiểm định Xây dựng", "Construction Testing", DEMO_GAUGE_SOIL},
};
const unsigned demo_sector_count = COUNT(demo_sectors);

/* ---- radiation generators ------------------------------------------------------------------- */

static const demo_device_model m_general[] = {
    {"Siemens Healthineers", "Multix Fusion Max", 150, 800},
    {"Siemens Healthineers", "Ysio Max", 150, 1000},
    {"GE HealthCare", "Definium 656 HD", 150, 800},
    {"Philips", "DigitalDiagnost C90", 150, 1000},
    {"Canon Medical Systems", "RADREX-i", 150, 800},
    {"Shimadzu", "RADspeed Pro", 150, 1000},
    {"Fujifilm", "FDR Smart X", 150, 640},
    {"Carestream", "DRX-Evolution Plus", 150, 800},
    {"Samsung", "GC85A", 150, 800},
    {"DRGEM", "GXR-52SD", 150, 640},
};
static const demo_device_model m_mobile[] = {
    {"GE HealthCare", "Optima XR240amx", 133, 320},
    {"Philips", "MobileDiagnost wDR", 133, 400},
    {"Shimadzu", "MobileDaRt Evolution MX8", 133, 300},
    {"Fujifilm", "FDR Go PLUS", 133, 320},
    {"Carestream", "DRX-Revolution", 150, 320},
    {"Siemens Healthineers", "Mobilett Mira Max", 133, 450},
};
static const demo_device_model m_dental[] = {
    {"Planmeca", "ProX", 70, 8},
    {"Planmeca", "ProMax 3D Mid", 90, 14},
    {"Vatech", "PaX-i3D Green", 99, 16},
    {"Vatech", "EzRay Air Portable", 60, 2},
    {"Carestream", "CS 8100", 90, 15},
    {"Carestream", "CS 2200", 70, 7},
    {"Dentsply Sirona", "Orthophos SL", 90, 16},
    {"Dentsply Sirona", "Heliodent Plus", 70, 7},
};
static const demo_device_model m_mammography[] = {
    {"Hologic", "Selenia Dimensions", 49, 200},
    {"Hologic", "3Dimensions", 49, 200},
    {"GE HealthCare", "Senographe Pristina", 49, 200},
    {"Siemens Healthineers", "MAMMOMAT Revelation", 35, 200},
    {"Fujifilm", "AMULET Innovality", 39, 200},
};
static const demo_device_model m_fluoroscopy[] = {
    {"Siemens Healthineers", "Cios Select", 110, 24},
    {"Siemens Healthineers", "Cios Alpha", 125, 250},
    {"Philips", "Zenition 50", 120, 60},
    {"Philips", "Azurion 7", 125, 1000},
    {"GE HealthCare", "OEC Elite", 120, 150},
    {"Ziehm Imaging", "Vision RFD", 120, 250},
    {"Shimadzu", "SONIALVISION G4", 150, 800},
};
static const demo_device_model m_bone[] = {
    {"Hologic", "Horizon A", 140, 3},
    {"GE HealthCare", "Lunar Prodigy Advance", 76, 3},
    {"GE HealthCare", "Lunar iDXA", 100, 3},
    {"OsteoSys", "DEXXUM T", 76, 3},
};
static const demo_device_model m_ct[] = {
    {"Siemens Healthineers", "SOMATOM go.Up", 130, 345},
    {"Siemens Healthineers", "SOMATOM Definition AS", 140, 666},
    {"Siemens Healthineers", "SOMATOM Force", 150, 1300},
    {"GE HealthCare", "Revolution EVO", 140, 560},
    {"GE HealthCare", "Optima CT660", 140, 560},
    {"GE HealthCare", "Revolution CT", 140, 742},
    {"Philips", "Incisive CT", 140, 500},
    {"Philips", "Ingenuity CT", 140, 667},
    {"Canon Medical Systems", "Aquilion Prime SP", 135, 600},
    {"Canon Medical Systems", "Aquilion ONE", 135, 900},
    {"Fujifilm", "Supria", 120, 350},
};
static const demo_device_model m_pet_ct[] = {
    {"Siemens Healthineers", "Biograph Vision 600", 140, 800},
    {"Siemens Healthineers", "Biograph Horizon", 130, 345},
    {"GE HealthCare", "Discovery MI", 140, 560},
    {"Philips", "Vereos Digital PET/CT", 140, 500},
};
static const demo_device_model m_spect_ct[] = {
    {"Siemens Healthineers", "Symbia Intevo Bold", 130, 345},
    {"GE HealthCare", "Discovery NM/CT 670", 140, 440},
    {"GE HealthCare", "NM/CT 870 DR", 140, 560},
    {"Mediso", "AnyScan SC", 140, 500},
};
static const demo_device_model m_linac[] = {
    {"Varian", "TrueBeam", 0, 0},      {"Varian", "Halcyon", 0, 0},
    {"Varian", "VitalBeam", 0, 0},     {"Varian", "Clinac iX", 0, 0},
    {"Elekta", "Versa HD", 0, 0},      {"Elekta", "Infinity", 0, 0},
    {"Elekta", "Harmony", 0, 0},       {"Accuray", "Radixact", 0, 0},
};
static const demo_device_model m_cyclotron[] = {
    {"GE HealthCare", "PETtrace 800", 0, 0},
    {"IBA", "Cyclone KIUBE", 0, 0},
    {"Siemens Healthineers", "Eclipse HP", 0, 0},
};
static const demo_device_model m_industrial[] = {
    {"Waygate Technologies", "ERESCO 65 MF4", 300, 6},
    {"Waygate Technologies", "ERESCO 42 MF4", 200, 6},
    {"Comet", "MXR-225/26", 225, 30},
    {"Balteau NDT", "GFD 306", 300, 6},
    {"YXLON", "SMART EVO 300D", 300, 3},
    {"Nordson", "Quadra 7", 160, 1},
    {"Nikon Metrology", "XT V 160", 160, 1},
    {"Viscom", "X7056", 130, 1},
};
/* Cabinet and baggage scanners first; the last two are container scanners (accelerators). */
static const demo_device_model m_security[] = {
    {"Smiths Detection", "HI-SCAN 6040-2is", 160, 1},
    {"Smiths Detection", "HI-SCAN 100100V-2is", 160, 1},
    {"Nuctech", "CX6040BI", 160, 1},
    {"Rapiscan Systems", "620DV", 160, 1},
    {"Astrophysics", "XIS-6545", 160, 1},
    {"Nuctech", "MT1213DE", 0, 0},
    {"Smiths Detection", "HCVM", 0, 0},
};
static const demo_device_model m_xrf[] = {
    {"Thermo Fisher Scientific", "Niton XL5 Plus", 50, 0.2},
    {"Evident (Olympus)", "Vanta C", 50, 0.2},
    {"Bruker", "S1 TITAN", 50, 0.2},
    {"Hitachi High-Tech", "X-MET8000", 50, 0.2},
    {"Bruker", "S8 TIGER", 60, 170},
    {"Rigaku", "ZSX Primus IV", 60, 150},
};

#define MODELS(a) a, COUNT(a)
const demo_device_type demo_device_types[DT_COUNT] = {
    [DT_GENERAL] = {"general", "Phòng X-quang", MODELS(m_general)},
    [DT_MOBILE] = {"mobile", "Khoa Hồi sức tích cực", MODELS(m_mobile)},
    [DT_DENTAL] = {"dental", "Phòng chụp phim răng", MODELS(m_dental)},
    [DT_MAMMOGRAPHY] = {"mammography", "Phòng chụp nhũ ảnh", MODELS(m_mammography)},
    [DT_FLUOROSCOPY] = {"fluoroscopy", "Phòng can thiệp", MODELS(m_fluoroscopy)},
    [DT_BONE_DENSITOMETRY] = {"bone_densitometry", "Phòng đo mật độ xương", MODELS(m_bone)},
    [DT_CT] = {"ct", "Phòng CT", MODELS(m_ct)},
    [DT_PET_CT] = {"pet_ct", "Phòng PET/CT", MODELS(m_pet_ct)},
    [DT_SPECT_CT] = {"spect_ct", "Phòng SPECT/CT", MODELS(m_spect_ct)},
    [DT_LINAC] = {"linac", "Phòng máy gia tốc", MODELS(m_linac)},
    [DT_CYCLOTRON] = {"cyclotron", "Phòng cyclotron", MODELS(m_cyclotron)},
    [DT_INDUSTRIAL_XRAY] = {"industrial_xray", "Phòng kiểm tra X-quang", MODELS(m_industrial)},
    [DT_XRAY_SECURITY] = {"xray_security", "Khu vực soi chiếu", MODELS(m_security)},
    [DT_XRF_ANALYSER] = {"xrf_analyser", "Phòng thí nghiệm", MODELS(m_xrf)},
};

/* ---- radioactive sources -------------------------------------------------------------------- */

static const demo_maker mk_gauge_cs[] = {
    {"Berthold Technologies", "LB 7440 D"}, {"VEGA", "SHLD-1"}, {"Ohmart/VEGA", "SH-F1"},
    {"Endress+Hauser", "FQG61"}, {"Thermo Fisher Scientific", "LevelPRO"},
};
static const demo_maker mk_gauge_co[] = {{"Berthold Technologies", "LB 7440 D"}, {"VEGA", "SHLD-1"}};
static const demo_maker mk_gauge_kr[] = {
    {"Honeywell", "Experion MX Basis Weight"}, {"ABB", "Smart Platform Basis Weight"},
};
static const demo_maker mk_gauge_sr[] = {{"Honeywell", "Experion MX Thickness"}, {"Mahlo", "Qualiscan QMS"}};
static const demo_maker mk_gauge_am[] = {
    {"Industrial Dynamics (Filtec)", "FT50"}, {"Thermo Fisher Scientific", "Am-241 thickness gauge"},
};
static const demo_maker mk_soil[] = {
    {"Troxler Electronic Laboratories", "3440"}, {"InstroTek", "3500 Xplorer"},
};
static const demo_maker mk_radiog_ir[] = {
    {"QSA Global", "880 Delta"}, {"QSA Global", "880 Elite"}, {"QSA Global", "880 Sigma"},
    {"Gamma-Service", "Gammamat TSI"},
};
static const demo_maker mk_radiog_se[] = {{"QSA Global", "880 Elite"}, {"Gamma-Service", "Gammamat SE"}};
static const demo_maker mk_radiog_co[] = {{"QSA Global", "Sentry 330"}};
static const demo_maker mk_log_cs[] = {
    {"Schlumberger", "Litho-Density Tool (LDT)"}, {"Halliburton", "Spectral Density Logging (SDL)"},
    {"Baker Hughes", "Z-Densilog"},
};
static const demo_maker mk_log_ambe[] = {
    {"Schlumberger", "Compensated Neutron Tool (CNT)"}, {"Halliburton", "Dual-Spaced Neutron (DSN)"},
    {"Baker Hughes", "Compensated Neutron (CN)"},
};
static const demo_maker mk_check[] = {{"Eckert & Ziegler", "Check source, disk"}};
static const demo_maker mk_tele[] = {
    {"Best Theratronics", "Equinox 100"}, {"Best Theratronics", "Theratron Equinox 80"},
    {"Panacea Medical Technologies", "Bhabhatron-II"},
};
static const demo_maker mk_hdr_ir[] = {
    {"Elekta", "Flexitron"}, {"Elekta", "microSelectron HDR V3"}, {"Varian", "GammaMedplus iX"},
    {"Varian", "BRAVOS"},
};
static const demo_maker mk_hdr_co[] = {{"Eckert & Ziegler BEBIG", "SagiNova"}};
static const demo_maker mk_seed[] = {{"Eckert & Ziegler BEBIG", "IsoSeed I25.S06"}, {"Theragenics", "AgX100"}};
static const demo_maker mk_check_sr[] = {{"PTW", "T48010"}};
static const demo_maker mk_ge68[] = {
    {"Eckert & Ziegler", "Ge-68 cylinder phantom"}, {"Eckert & Ziegler", "Ge-68 rod source"},
};
static const demo_maker mk_vial[] = {
    {"Eckert & Ziegler", "Reference vial source"}, {"Capintec", "Reference vial source"},
};
static const demo_maker mk_flood[] = {{"Eckert & Ziegler", "Co-57 flood source"}, {"RadQual", "Co-57 flood source"}};
static const demo_maker mk_point[] = {{"Eckert & Ziegler", "Point source"}};
static const demo_maker mk_i131[] = {
    {"Viện Nghiên cứu hạt nhân (Đà Lạt)", "Dung dịch NaI-131"}, {"Curium", "Sodium iodide I-131 solution"},
};
static const demo_maker mk_tc99m[] = {
    {"Curium", "Ultra-TechneKow V4"}, {"Viện Nghiên cứu hạt nhân (Đà Lạt)", "Bình chiết Tc-99m"},
};
static const demo_maker mk_f18[] = {{"GE HealthCare", "FASTlab 18F-FDG"}};
static const demo_maker mk_cal[] = {
    {"Eckert & Ziegler", "Type D disk source"}, {"Spectrum Techniques", "Disk source"},
    {"Eckert & Ziegler", "Type A point source"},
};
static const demo_maker mk_ambe[] = {{"Eckert & Ziegler", "Am-241/Be neutron source"}};
static const demo_maker mk_ra[] = {{"Không rõ nhà sản xuất", "Kim radium"}};
static const demo_maker mk_irrad[] = {{"Nordion", "C-188"}};
static const demo_maker mk_old_cs[] = {
    {"Berthold Technologies", "LB 300"}, {"Ohmart", "SH-F1"}, {"Không rõ nhà sản xuất", "Nguồn thiết bị đo cũ"},
};
static const demo_maker mk_old_co[] = {{"Không rõ nhà sản xuất", "Nguồn thiết bị đo cũ"}};
static const demo_maker mk_old_am[] = {
    {"Không rõ nhà sản xuất", "Kim thu sét phóng xạ"}, {"Không rõ nhà sản xuất", "Nguồn thiết bị đo cũ"},
};

#define Y 365
#define MAKERS(a) a, COUNT(a)
/* Activities at the reference date, Bq: gauges 0.3-110 GBq, radiography 0.4-3.7 TBq, logging
 * 60-74 GBq (Cs-137) and 0.55-0.74 TBq (Am-241/Be), teletherapy 150-280 TBq, HDR 370-444 GBq,
 * irradiator batches 1-2.6 PBq, calibration 37 kBq-3.7 MBq. Short-lived nuclides get recent
 * reference dates (Ir-192 within the year, HDR within a quarter, unsealed within days). */
const demo_source_profile demo_source_profiles[SP_COUNT] = {
    [SP_GAUGE_CS137] = {"Cs-137", 0, 1.85e9, 1.11e11, 3 * Y, 25 * Y, "CS", MAKERS(mk_gauge_cs)},
    [SP_GAUGE_CO60] = {"Co-60", 0, 3.7e8, 7.4e9, 1 * Y, 10 * Y, "CO", MAKERS(mk_gauge_co)},
    [SP_GAUGE_KR85] = {"Kr-85", 0, 7.4e9, 3.7e10, 1 * Y, 8 * Y, "KR", MAKERS(mk_gauge_kr)},
    [SP_GAUGE_SR90] = {"Sr-90 (Y-90)", 0, 7.4e8, 3.7e9, 2 * Y, 12 * Y, "SR", MAKERS(mk_gauge_sr)},
    [SP_GAUGE_AM241] = {"Am-241", 0, 3.7e8, 1.11e10, 2 * Y, 20 * Y, "AM", MAKERS(mk_gauge_am)},
    [SP_SOIL_CS137] = {"Cs-137", 0, 2.96e8, 3.33e8, 5 * Y, 25 * Y, "", MAKERS(mk_soil)},
    [SP_SOIL_AMBE] = {"Am-241/Be", 0, 1.48e9, 1.85e9, 5 * Y, 25 * Y, "", MAKERS(mk_soil)},
    [SP_RADIOG_IR192] = {"Ir-192", 0, 1.11e12, 3.7e12, 10, 330, "IR", MAKERS(mk_radiog_ir)},
    [SP_RADIOG_SE75] = {"Se-75", 0, 1.11e12, 3.0e12, 10, 300, "SE", MAKERS(mk_radiog_se)},
    [SP_RADIOG_CO60] = {"Co-60", 0, 3.7e11, 2.2e12, 1 * Y, 6 * Y, "CO", MAKERS(mk_radiog_co)},
    [SP_LOG_CS137] = {"Cs-137", 0, 5.9e10, 7.4e10, 3 * Y, 20 * Y, "CS", MAKERS(mk_log_cs)},
    [SP_LOG_AMBE] = {"Am-241/Be", 0, 5.55e11, 7.4e11, 3 * Y, 25 * Y, "AN", MAKERS(mk_log_ambe)},
    [SP_CHECK_CS137] = {"Cs-137", 0, 3.7e5, 3.7e6, 1 * Y, 15 * Y, "CK", MAKERS(mk_check)},
    [SP_TELE_CO60] = {"Co-60", 0, 1.5e14, 2.8e14, 2 * Y, 7 * Y, "T", MAKERS(mk_tele)},
    [SP_HDR_IR192] = {"Ir-192", 0, 3.7e11, 4.44e11, 5, 100, "D", MAKERS(mk_hdr_ir)},
    [SP_HDR_CO60] = {"Co-60", 0, 7.4e10, 9.2e10, 180, 4 * Y, "C", MAKERS(mk_hdr_co)},
    [SP_SEED_I125] = {"I-125", 0, 7.4e8, 2.2e9, 5, 60, "L", MAKERS(mk_seed)},
    [SP_CHECK_SR90] = {"Sr-90 (Y-90)", 0, 3.3e7, 3.4e7, 2 * Y, 12 * Y, "", MAKERS(mk_check_sr)},
    [SP_NM_GE68] = {"Ge-68", 0, 3.7e7, 1.11e8, 60, 700, "GE", MAKERS(mk_ge68)},
    [SP_NM_CS137] = {"Cs-137", 0, 7.0e6, 9.25e6, 2 * Y, 15 * Y, "V", MAKERS(mk_vial)},
    [SP_NM_BA133] = {"Ba-133", 0, 9.25e6, 1.0e7, 1 * Y, 8 * Y, "V", MAKERS(mk_vial)},
    [SP_NM_CO57] = {"Co-57", 0, 3.7e8, 7.4e8, 30, 540, "F", MAKERS(mk_flood)},
    [SP_NM_NA22] = {"Na-22", 0, 3.7e5, 1.0e6, 60, 1500, "P", MAKERS(mk_point)},
    [SP_NM_I131] = {"I-131", 1, 3.7e9, 3.7e10, 1, 20, "LO-", MAKERS(mk_i131)},
    [SP_NM_TC99M] = {"Tc-99m", 1, 1.0e10, 4.0e10, 0, 2, "LO-", MAKERS(mk_tc99m)},
    [SP_NM_F18] = {"F-18", 1, 3.7e10, 1.85e11, 0, 1, "LO-", MAKERS(mk_f18)},
    [SP_CAL_CS137] = {"Cs-137", 0, 3.7e4, 3.7e6, 1 * Y, 20 * Y, "", MAKERS(mk_cal)},
    [SP_CAL_CO60] = {"Co-60", 0, 3.7e4, 1.0e6, 1 * Y, 8 * Y, "", MAKERS(mk_cal)},
    [SP_CAL_AM241] = {"Am-241", 0, 3.7e4, 3.7e6, 1 * Y, 25 * Y, "", MAKERS(mk_cal)},
    [SP_CAL_NA22] = {"Na-22", 0, 3.7e4, 3.7e5, 100, 1500, "", MAKERS(mk_cal)},
    [SP_CAL_BA133] = {"Ba-133", 0, 3.7e4, 3.7e5, 1 * Y, 10 * Y, "", MAKERS(mk_cal)},
    [SP_CAL_SR90] = {"Sr-90 (Y-90)", 0, 3.7e4, 3.7e6, 1 * Y, 15 * Y, "", MAKERS(mk_cal)},
    [SP_RES_AMBE] = {"Am-241/Be", 0, 3.7e10, 1.85e11, 5 * Y, 30 * Y, "N", MAKERS(mk_ambe)},
    [SP_LEGACY_RA226] = {"Ra-226", 0, 3.7e6, 7.4e7, 40 * Y, 65 * Y, "RA-", MAKERS(mk_ra)},
    [SP_IRRAD_CO60] = {"Co-60", 0, 1.0e15, 2.6e15, 1 * Y, 10 * Y, "S", MAKERS(mk_irrad)},
    [SP_OLD_CS137] = {"Cs-137", 0, 1.85e9, 3.7e10, 15 * Y, 40 * Y, "CS", MAKERS(mk_old_cs)},
    [SP_OLD_CO60] = {"Co-60", 0, 3.7e8, 3.7e9, 10 * Y, 35 * Y, "CO", MAKERS(mk_old_co)},
    [SP_OLD_AM241] = {"Am-241", 0, 3.7e8, 3.7e9, 10 * Y, 35 * Y, "AM", MAKERS(mk_old_am)},
};

/* ---- anchors -------------------------------------------------------------------------------- */

/* The lost camera's last known position is on Xa lộ Hà Nội by Suối Tiên, about 5 km south-east
 * of the firm's yard on Quốc lộ 1K. */
const demo_anchor demo_anchors[] = {
    {DK_RADIOGRAPHY, 1, DA_LOST | DA_VARANS, "Công ty TNHH Kiểm định Kỹ thuật Tân Long",
     "Công ty TNHH Kiểm định Kỹ thuật Tân Long", "kiemdinhtanlong.vn", "25 Quốc lộ 1K", "Phường Dĩ An",
     "Phường Dĩ An", 106.7700, 10.9060, 106.8000, 10.8690},
    {DK_RT, 3, DA_PET | DA_CYCLOTRON | DA_VARANS, "Bệnh viện Chợ Rẫy", "Bệnh viện Chợ Rẫy", "choray.vn",
     "201B Nguyễn Chí Thanh", "Phường Chợ Lớn", "Phường 12", 106.6595, 10.7579, 0, 0},
    {DK_RT, 3, DA_PET | DA_TELETHERAPY | DA_VARANS, "Bệnh viện Ung Bướu TP. Hồ Chí Minh",
     "Bệnh viện Ung Bướu TP. Hồ Chí Minh", "benhvienungbuou.vn", "3 Nơ Trang Long", "Phường Gia Định",
     "Phường 7", 106.6952, 10.8047, 0, 0},
    {DK_RT, 2, DA_VARANS | DA_SAME_ORG, "Bệnh viện Ung Bướu TP. Hồ Chí Minh - cơ sở 2",
     "Bệnh viện Ung Bướu TP. Hồ Chí Minh", "benhvienungbuou.vn", "12 Đường 400", "Phường Tăng Nhơn Phú",
     "Phường Tân Phú", 106.8070, 10.8430, 0, 0},
    {DK_NM, 2, DA_PET, "Bệnh viện Đại học Y Dược TP. Hồ Chí Minh", "Đại học Y Dược TP. Hồ Chí Minh",
     "bvdaihoc.com.vn", "215 Hồng Bàng", "Phường Chợ Lớn", "Phường 11", 106.6645, 10.7553, 0, 0},
    {DK_NM, 2, 0, "Bệnh viện Nhân dân 115", "Bệnh viện Nhân dân 115", "benhvien115.com.vn",
     "527 Sư Vạn Hạnh", "Phường Hòa Hưng", "Phường 12", 106.6672, 10.7757, 0, 0},
    {DK_RT, 2, DA_VARANS, "Bệnh viện Quân y 175", "Bệnh viện Quân y 175", "benhvien175.vn",
     "786 Nguyễn Kiệm", "Phường Hạnh Thông", "Phường 3", 106.6784, 10.8178, 0, 0},
    {DK_HOSPITAL, 2, 0, "Bệnh viện Nhân dân Gia Định", "Bệnh viện Nhân dân Gia Định", "bvndgiadinh.org.vn",
     "1 Nơ Trang Long", "Phường Gia Định", "Phường 7", 106.6963, 10.8036, 0, 0},
    {DK_HOSPITAL, 2, 0, "Bệnh viện Từ Dũ", "Bệnh viện Từ Dũ", "tudu.com.vn", "284 Cống Quỳnh",
     "Phường Bến Thành", "Phường Phạm Ngũ Lão", 106.6866, 10.7687, 0, 0},
    {DK_RT, 2, DA_VARANS, "Bệnh viện FV", "Bệnh viện FV", "fvhospital.com", "6 Nguyễn Lương Bằng",
     "Phường Tân Mỹ", "Phường Tân Phú", 106.7194, 10.7326, 0, 0},
    {DK_HOSPITAL, 2, 0, "Bệnh viện Lê Lợi", "Bệnh viện Lê Lợi", "bvleloi.vn", "22 Lê Lợi", "Phường Vũng Tàu",
     "Phường 1", 107.0790, 10.3490, 0, 0},
    {DK_RESEARCH, 2, 0, "Phòng thí nghiệm Vật lý Hạt nhân - Trường Đại học Khoa học Tự nhiên, ĐHQG-HCM",
     "Trường Đại học Khoa học Tự nhiên, ĐHQG-HCM", "hcmus.edu.vn", "227 Nguyễn Văn Cừ", "Phường Chợ Quán",
     "Phường 4", 106.6822, 10.7626, 0, 0},
    {DK_IRRADIATOR, 1, DA_VARANS, "Trung tâm Chiếu xạ Mỹ Phước", "Công ty Cổ phần Chiếu xạ Phương Nam",
     "chieuxaphuongnam.vn", "Lô G-12, Đường NE8, KCN Mỹ Phước 2", "Phường Bến Cát", "Phường Mỹ Phước",
     106.6000, 11.1300, 0, 0},
    {DK_SECURITY, 4, 0, "Cảng hàng không quốc tế Tân Sơn Nhất", "Tổng công ty Cảng hàng không Việt Nam - CTCP",
     "vietnamairport.vn", "58 Trường Sơn", "Phường Tân Sơn Nhất", "Phường 2", 106.6630, 10.8150, 0, 0},
    {DK_SECURITY, 3, 0, "Cảng Tân Cảng - Cát Lái", "Tổng công ty Tân Cảng Sài Gòn", "saigonnewport.com.vn",
     "1295B Nguyễn Thị Định", "Phường Cát Lái", "Phường Cát Lái", 106.7880, 10.7725, 0, 0},
};
const unsigned demo_anchor_count = COUNT(demo_anchors);

/* ---- text composition (see demo_int.h) ------------------------------------------------------ */

void demo_fmt(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}

void demo_slug(demo_ctx *c, const char *s, char *out, size_t size)
{
    buf_reset(&c->slug);
    fold_append(&c->slug, s);
    size_t n = 0;
    for (size_t i = 0; i < c->slug.len && n + 1 < size; i++)
        if (c->slug.data[i] != ' ')
            out[n++] = c->slug.data[i];
    out[n] = 0;
}

void demo_person(demo_ctx *c, char *out, size_t size, char *email_local, size_t email_size)
{
    demo_rng *r = &c->rng;
    unsigned total = 0, pick;
    for (unsigned i = 0; i < demo_surname_count; i++)
        total += demo_surnames[i].weight;
    pick = rng_below(r, total);
    const char *surname = demo_surnames[0].s;
    for (unsigned i = 0; i < demo_surname_count; i++) {
        if (pick < demo_surnames[i].weight) {
            surname = demo_surnames[i].s;
            break;
        }
        pick -= demo_surnames[i].weight;
    }
    int female = rng_chance(r, 0.5);
    const char *middle = rng_pick(r, female ? &demo_middle_female : &demo_middle_male);
    const char *given = rng_pick(r, female ? &demo_given_female : &demo_given_male);
    demo_fmt(out, size, "%s %s %s", surname, middle, given);
    if (email_local) {
        char g[32], s1[32], m1[32];
        demo_slug(c, given, g, sizeof g);
        demo_slug(c, surname, s1, sizeof s1);
        demo_slug(c, middle, m1, sizeof m1);
        demo_fmt(email_local, email_size, "%s%c%c", g, s1[0], m1[0]);
    }
}

static void demo_brand(demo_ctx *c)
{
    const char *a, *b;
    do {
        a = rng_pick(&c->rng, &demo_brand_first);
        b = rng_pick(&c->rng, &demo_brand_second);
    } while (strcmp(a, b) == 0);
    demo_fmt(c->brand, sizeof c->brand, "%s %s", a, b);
}

/* Domain for the current licensee from a trade name. */
static void demo_domain(demo_ctx *c, const char *trade, const char *tld)
{
    char s[64];
    demo_slug(c, trade, s, sizeof s);
    demo_fmt(c->domain, sizeof c->domain, "%s%s", s, tld);
}

void demo_mobile(demo_ctx *c, char *out, size_t size)
{
    demo_fmt(out, size, "%s%d %03d %03d", rng_pick(&c->rng, &demo_mobile_prefix), rng_range(&c->rng, 0, 9),
             rng_range(&c->rng, 0, 999), rng_range(&c->rng, 0, 999));
}

void demo_landline(demo_ctx *c, char *out, size_t size)
{
    const char *area = c->f.province->phone_area;
    if (strlen(area) == 3) /* 028, 024: eight-digit local numbers */
        demo_fmt(out, size, "%s %d%03d %04d", area, rng_range(&c->rng, 3, 6), rng_range(&c->rng, 0, 999),
                 rng_range(&c->rng, 0, 9999));
    else
        demo_fmt(out, size, "%s %d%03d %03d", area, rng_range(&c->rng, 3, 6), rng_range(&c->rng, 0, 999),
                 rng_range(&c->rng, 0, 999));
}

void demo_street_address(demo_ctx *c)
{
    char *out = c->address;
    size_t size = sizeof c->address;
    demo_rng *r = &c->rng;
    const char *street = rng_pick(r, c->f.place->streets);
    int no = rng_chance(r, 0.6) ? rng_range(r, 1, 199) : rng_range(r, 200, 899);
    double u = rng_unit(r);
    if (u < 0.62)
        demo_fmt(out, size, "%d %s", no, street);
    else if (u < 0.72)
        demo_fmt(out, size, "%d%c %s", no, (char)('A' + rng_range(r, 0, 2)), street);
    else /* in an alley (hẻm): number/number */
        demo_fmt(out, size, "%d/%d %s", no, rng_range(r, 1, 60), street);
}

void demo_park_address(demo_ctx *c)
{
    char *out = c->address;
    size_t size = sizeof c->address;
    demo_rng *r = &c->rng;
    const char *park = rng_pick(r, c->f.place->parks);
    if (rng_chance(r, 0.6))
        demo_fmt(out, size, "Lô %c%d, Đường số %d, %s", (char)('A' + rng_range(r, 0, 13)), rng_range(r, 1, 40),
                 rng_range(r, 1, 22), park);
    else
        demo_fmt(out, size, "Lô %c-%d, %s", (char)('A' + rng_range(r, 0, 13)), rng_range(r, 1, 30), park);
}

/* ---- names of new licensees ----------------------------------------------------------------- */

/* Fill name, org_name and domain for a new licensee of the current kind. */
void demo_name_new(demo_ctx *c)
{
    demo_rng *r = &c->rng;
    demo_facility *f = &c->f;
    double u = rng_unit(r);
    demo_brand(c);
    const char *b = c->brand;
    const char *tld = rng_chance(r, 0.6) ? ".vn" : rng_chance(r, 0.5) ? ".com.vn" : ".com";
    demo_domain(c, b, tld);
    switch (f->kind) {
    case DK_HOSPITAL:
    case DK_NM:
    case DK_RT:
        if (f->kind == DK_RT && u < 0.5)
            demo_fmt(c->name, sizeof c->name, "Bệnh viện Ung bướu %s", b);
        else if (u < 0.55)
            demo_fmt(c->name, sizeof c->name, "Bệnh viện Đa khoa %s", b);
        else if (u < 0.7 || f->kind != DK_HOSPITAL)
            demo_fmt(c->name, sizeof c->name, "Bệnh viện Quốc tế %s", b);
        else
            demo_fmt(c->name, sizeof c->name, "Bệnh viện %s %s", rng_pick(r, &demo_hospital_specialty), b);
        if (rng_chance(r, 0.7))
            demo_fmt(c->org_name, sizeof c->org_name, "Công ty Cổ phần %s", c->name);
        else
            demo_fmt(c->org_name, sizeof c->org_name, "%s", c->name);
        break;
    case DK_CLINIC:
        demo_fmt(c->name, sizeof c->name,
                 u < 0.6    ? "Phòng khám Đa khoa %s"
                 : u < 0.7  ? "Phòng khám Đa khoa Quốc tế %s"
                 : u < 0.78 ? "Phòng khám Chuyên khoa Chấn thương Chỉnh hình %s"
                 : u < 0.85 ? "Phòng khám Chuyên khoa Nội %s"
                 : u < 0.95 ? "Phòng khám Chẩn đoán Hình ảnh %s"
                            : "Phòng khám Sản phụ khoa %s",
                 b);
        /* a polyclinic may carry its own name as a company; specialty clinics use a generic one */
        u = u < 0.7 && rng_chance(r, 0.35) ? 0.9 : rng_unit(r) * 0.8;
        demo_fmt(c->org_name, sizeof c->org_name,
                 u < 0.5 ? "Công ty TNHH Y tế %s" : u < 0.8 ? "Công ty Cổ phần Y khoa %s"
                                                              : "Công ty TNHH Phòng khám Đa khoa %s",
                 b);
        break;
    case DK_DENTAL:
        demo_fmt(c->name, sizeof c->name,
                 u < 0.55 ? "Nha khoa %s" : u < 0.7 ? "Nha khoa Quốc tế %s" : u < 0.8 ? "Nha khoa Thẩm mỹ %s"
                                                                                        : "Phòng khám Răng Hàm Mặt %s",
                 b);
        demo_fmt(c->org_name, sizeof c->org_name, "Công ty TNHH Nha khoa %s", b);
        break;
    case DK_IMAGING:
        demo_fmt(c->name, sizeof c->name,
                 u < 0.5 ? "Trung tâm Chẩn đoán Hình ảnh %s" : u < 0.75 ? "Trung tâm Y khoa %s"
                                                                        : "Phòng khám Chẩn đoán Hình ảnh %s",
                 b);
        demo_fmt(c->org_name, sizeof c->org_name, "Công ty Cổ phần Y khoa %s", b);
        break;
    case DK_GAUGE:
    case DK_INDXRAY: {
        const demo_sector *sec = &demo_sectors[f->sector];
        if (u < 0.5) {
            const char *foreign = rng_pick(r, &demo_foreign_brand);
            if (f->kind == DK_GAUGE)
                demo_fmt(c->org_name, sizeof c->org_name, "Công ty TNHH %s %s Việt Nam", foreign, sec->en);
            else
                demo_fmt(c->org_name, sizeof c->org_name, "Công ty TNHH %s Electronics Việt Nam", foreign);
            demo_domain(c, foreign, ".com");
        } else if (f->kind == DK_GAUGE) {
            demo_fmt(c->org_name, sizeof c->org_name, "Công ty %s %s %s", rng_chance(r, 0.5) ? "TNHH" : "Cổ phần",
                     sec->vn, b);
        } else {
            demo_fmt(c->org_name, sizeof c->org_name,
                     rng_chance(r, 0.5) ? "Công ty Cổ phần Cơ khí Chính xác %s" : "Công ty TNHH Linh kiện %s", b);
        }
        demo_fmt(c->name, sizeof c->name, "%s", c->org_name);
        break;
    }
    case DK_RADIOGRAPHY:
        demo_fmt(c->org_name, sizeof c->org_name,
                 u < 0.3 ? "Công ty TNHH Kiểm định %s" : u < 0.55 ? "Công ty Cổ phần Kỹ thuật Kiểm tra Không phá hủy %s"
                                             : u < 0.8  ? "Công ty TNHH Dịch vụ NDT %s"
                                                        : "Công ty Cổ phần Giám định %s",
                 b);
        demo_fmt(c->name, sizeof c->name, "%s", c->org_name);
        break;
    case DK_LOGGING:
        if (u < 0.5) {
            const char *foreign = rng_pick(r, &demo_foreign_brand);
            demo_fmt(c->org_name, sizeof c->org_name, "Công ty TNHH %s Oilfield Services Việt Nam", foreign);
            demo_fmt(c->name, sizeof c->name, "Căn cứ kỹ thuật - %s", c->org_name);
            demo_domain(c, foreign, "-oilfield.com");
        } else {
            demo_fmt(c->org_name, sizeof c->org_name, "Công ty TNHH Dịch vụ Địa vật lý Giếng khoan %s", b);
            demo_fmt(c->name, sizeof c->name, "%s", c->org_name);
        }
        break;
    case DK_RESEARCH:
        if (u < 0.6) {
            demo_fmt(c->org_name, sizeof c->org_name, "Trường Đại học %s", b);
            demo_fmt(c->name, sizeof c->name, "Phòng thí nghiệm %s - %s", rng_pick(r, &demo_research_topic),
                     c->org_name);
            demo_domain(c, b, ".edu.vn");
        } else {
            demo_fmt(c->org_name, sizeof c->org_name,
                     u < 0.8 ? "Trung tâm Phân tích Thí nghiệm %s" : "Trung tâm Kiểm định Hiệu chuẩn %s", b);
            demo_fmt(c->name, sizeof c->name, "%s", c->org_name);
        }
        break;
    case DK_IRRADIATOR:
        demo_fmt(c->name, sizeof c->name, "Trung tâm Chiếu xạ %s", b);
        demo_fmt(c->org_name, sizeof c->org_name, "Công ty Cổ phần Chiếu xạ %s", b);
        break;
    case DK_STORAGE:
        demo_fmt(c->org_name, sizeof c->org_name, "Công ty TNHH Thiết bị Bức xạ %s", b);
        demo_fmt(c->name, sizeof c->name, "Kho lưu giữ nguồn phóng xạ - %s", c->org_name);
        break;
    case DK_SECURITY:
        demo_fmt(c->name, sizeof c->name,
                 u < 0.3 ? "Kho ngoại quan %s" : u < 0.55 ? "Trung tâm Logistics %s" : u < 0.75 ? "Tòa nhà Văn phòng %s"
                                                           : u < 0.9 ? "Trung tâm Thương mại %s"
                                                                     : "Cảng cạn ICD %s",
                 b);
        demo_fmt(c->org_name, sizeof c->org_name,
                 u < 0.55 ? "Công ty Cổ phần Logistics %s" : "Công ty TNHH Quản lý Bất động sản %s", b);
        break;
    default:
        assert(0);
    }
}
