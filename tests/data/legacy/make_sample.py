#!/usr/bin/python3
"""
The messy legacy sample: the registers of the three departments that became today's Ho Chi Minh
City in July 2025, each in the style it was kept in.

  hcm_so_khcn.xlsx   former HCMC department: an Excel workbook with Vietnamese headers, sheet CoSo
                     (facilities, WGS 84 degrees from a web map) and sheet Nguon (sources, activity
                     in mCi, dates written day first)
  bd_co_so.zip       former Bình Dương department: a zipped shapefile in VN-2000 / TM-3 105°45'
                     (EPSG:9210) with its .prj, ten-character DBF column names (read with the
                     saved mapping bd.mapping), some names typed without diacritics
  brvt_nguon.csv     former Bà Rịa-Vũng Tàu department: one row per source with its facility
                     repeated, UTF-8 with a BOM, ';' separated, VN-2000 / TM-3 107°45' (EPSG:5899)
                     coordinates with the northing in "Tọa độ X" as Vietnamese surveys write it
  bd.mapping         the saved mapping of the Bình Dương file
  expected.json      what a migration must find: record counts, the planted duplicates, the 2025
                     wards of some old addresses

Old district and ward names are written the ways such registers write them ("Q.1", "quận 3",
"P.Bến Nghé", "Phường 09"), tax codes lost their leading zero in Excel, statuses and practices are
Vietnamese words. Every record is valid: all of it must land.

Planted duplicates (reported by `radmap duplicates`):
  name_50m  Bệnh viện Đa khoa Tâm Đức, in the HCMC register and (typed without diacritics) in the
            Bình Dương one, 20 m apart on the boundary of Thủ Đức and Dĩ An
  tax_code  Công ty CP Kiểm định Công nghiệp Phương Nam (3600987654) in Bình Dương and Bà Rịa-Vũng Tàu
  serial    a Berthold LB 300 Cs-137 gauge, serial CS-4471 in HCMC and "CS 4471" (BERTHOLD) in
            Bà Rịa-Vũng Tàu after a transfer nobody closed

VN-2000 coordinates are computed with PROJ's pinned national transformation (EPSG:6960, the one
radmap uses), through cct.

    /usr/bin/python3 tests/data/legacy/make_sample.py OUT_DIR
"""
import csv
import json
import os
import subprocess
import sys

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

HCM = "HCM-SKHCN-2024"
BD = "BD-SKHCN-2024"
BRVT = "BRVT-SKHCN-2024"

# code, name, organization, tax code (as the register wrote it), practice, address, district, ward,
# lon, lat, status, phone, legacy id
HCM_FACILITIES = [
    ("HCM-XQ-0001", "Bệnh viện Đa khoa Sài Gòn Trung Tâm", "Công ty TNHH Y tế Sài Gòn Trung Tâm", "301234567",
     "X-quang chẩn đoán y tế", "12 Lê Lợi", "Q.1", "P.Bến Nghé", 106.7012, 10.7771, "Đang hoạt động", "028 3822 0001",
     "HS-2015-001"),
    ("HCM-XQ-0002", "Phòng khám Đa khoa Bến Thành", "Công ty CP Phòng khám Bến Thành", "0302345678",
     "X-quang chẩn đoán y tế", "45 Lê Thánh Tôn", "Quận 1", "Phường Bến Thành", 106.6978, 10.7728, "Đang hoạt động",
     "028 3822 0002", "HS-2016-014"),
    ("HCM-YH-0003", "Bệnh viện Ung bướu Nhiêu Lộc", "Bệnh viện Ung bướu Nhiêu Lộc", "0303456789", "Y học hạt nhân",
     "3 Nơ Trang Long", "quận 3", "Phường 09", 106.6822, 10.7852, "Đang hoạt động", "028 3930 0003", "HS-2014-022"),
    ("HCM-XQ-0004", "Nha khoa Chợ Lớn", "Công ty TNHH Nha khoa Chợ Lớn", "0304567890", "X-quang chẩn đoán y tế",
     "210 Trần Hưng Đạo", "Quận 5", "Phường 12", 106.6621, 10.7569, "tạm dừng", "028 3855 0004", "HS-2019-031"),
    ("HCM-CN-0005", "Xưởng Kiểm tra Không phá hủy Tân Thuận", "Công ty TNHH NDT Tân Thuận", "0305678901",
     "Chụp ảnh bức xạ công nghiệp", "KCX Tân Thuận", "Quận 7", "P. Tân Thuận Đông", 106.7461, 10.7571,
     "Đang hoạt động", "028 3770 0005", "HS-2012-007"),
    ("HCM-XQ-0006", "Bệnh viện Đa khoa Tâm Đức", "Công ty CP Bệnh viện Tâm Đức", "0306789012",
     "X-quang chẩn đoán y tế", "Khu phố 6, Linh Trung", "TP Thủ Đức", "Phường Linh Trung", 106.77600, 10.87000,
     "Đang hoạt động", "028 3896 0006", "HS-2018-040"),
    ("HCM-XQ-0007", "Phòng khám Gia Định", "Công ty TNHH Phòng khám Gia Định", "0307890123", "X-quang chẩn đoán y tế",
     "5 Phan Đăng Lưu", "Quận Bình Thạnh", "Phường 7", 106.6962, 10.8036, "Đang hoạt động", "028 3841 0007",
     "HS-2020-052"),
    ("HCM-CN-0008", "Nhà máy Bao bì Tân Tạo", "Công ty CP Bao bì Tân Tạo", "0308901234", "Thiết bị đo công nghiệp",
     "Lô 12 KCN Tân Tạo", "Q. Bình Tân", "Tân Tạo A", 106.5922, 10.7551, "Đang hoạt động", "028 3750 0008",
     "HS-2011-003"),
]

# facility code, nuclide, serial, manufacturer, model, activity, reference date, form, status, legacy id
HCM_SOURCES = [
    ("HCM-YH-0003", "Cs137", "NTP-88120", "Eckert & Ziegler", "CS-R", "0.25", "12/05/2014", "Nguồn kín",
     "Đang sử dụng", "NG-2014-101"),
    ("HCM-CN-0005", "Ir-192", "IR-55021", "QSA Global", "880 Delta", "1620", "03/01/2024", "Nguồn kín",
     "Đang sử dụng", "NG-2024-102"),
    ("HCM-CN-0008", "Cs-137", "CS-4471", "Berthold", "LB 300", "50", "20/06/2011", "Nguồn kín", "Đang sử dụng",
     "NG-2011-103"),
    ("HCM-CN-0008", "Kr85", "KR-2290", "Thermo Fisher", "BetaGauge", "500", "15/08/2016", "Nguồn kín",
     "Lưu kho", "NG-2016-104"),
    ("HCM-XQ-0006", "Co-57", "CO57-773", "Eckert & Ziegler", "MED-3709", "5", "01/02/2023", "Nguồn kín",
     "Đang sử dụng", "NG-2023-105"),
]

# Bình Dương: code, name, organization, tax code, practice, address, district, ward, lon, lat, status, legacy id
BD_FACILITIES = [
    ("BD.2018.045", "Benh vien Da khoa Tam Duc", "Cong ty CP Benh vien Tam Duc", "0306789012",
     "X-quang chẩn đoán y tế", "Khu phố Đông Tác", "Dĩ An", "Đông Hòa", 106.77615, 10.87010, "Đang hoạt động",
     "BD-0045"),
    ("BD.2017.012", "Công ty CP Kiểm định Công nghiệp Phương Nam", "Công ty CP Kiểm định Công nghiệp Phương Nam",
     "3600987654", "Chụp ảnh bức xạ công nghiệp", "KCN Sóng Thần", "TP. Dĩ An", "P. Dĩ An", 106.7648, 10.9051,
     "Đang hoạt động", "BD-0012"),
    ("BD.2019.077", "Bệnh viện Đa khoa Phú Cường", "Bệnh viện Đa khoa Phú Cường", "3700111222",
     "X-quang chẩn đoán y tế", "5 Yersin", "Thành phố Thủ Dầu Một", "Phường Phú Cường", 106.6541, 10.9812,
     "Đang hoạt động", "BD-0077"),
    ("BD.2016.030", "Nhà máy Gạch Men Lái Thiêu", "Công ty TNHH Gạch Men Lái Thiêu", "3700222333",
     "Thiết bị đo công nghiệp", "KCN Việt Hương", "TP Thuận An", "Lái Thiêu", 106.7001, 10.9061, "Đang hoạt động",
     "BD-0030"),
    ("BD.2021.101", "Phong kham Da khoa Uyen Hung", "Cong ty TNHH Phong kham Uyen Hung", "3700333444",
     "X-quang chẩn đoán y tế", "12 ĐT 746", "TX Tân Uyên", "Uyên Hưng", 106.7952, 11.0621, "tạm dừng", "BD-0101"),
    ("BD.2015.009", "Nhà máy Thép Mỹ Phước", "Công ty CP Thép Mỹ Phước", "3700444555", "Thiết bị đo công nghiệp",
     "KCN Mỹ Phước 2", "Bến Cát", "Mỹ Phước", 106.6002, 11.1402, "Đang hoạt động", "BD-0009"),
]

# Bà Rịa-Vũng Tàu: one row per source; facility columns repeated.
# facility legacy id, code, name, company, tax code, practice, address, district, ward, lon, lat,
# source id, nuclide, serial, manufacturer, model, activity (with unit), reference date
BRVT_ROWS = [
    ("VT-HS-21", "BRVT/21/007", "Trung tâm Dịch vụ Địa vật lý Giếng khoan", "Liên doanh Dầu khí Rạch Dừa",
     "3500123456", "Địa vật lý giếng khoan", "65A đường 30/4", "Thành phố Vũng Tàu", "Rạch Dừa", 107.1052, 10.3921,
     "VT-NG-01", "Am-241/Be", "AMBE-3310", "QSA Global", "AMN.CY22", "592 GBq", "2015-07-01"),
    ("VT-HS-21", "BRVT/21/007", "Trung tâm Dịch vụ Địa vật lý Giếng khoan", "Liên doanh Dầu khí Rạch Dừa",
     "3500123456", "Địa vật lý giếng khoan", "65A đường 30/4", "Thành phố Vũng Tàu", "Rạch Dừa", 107.1052, 10.3921,
     "VT-NG-02", "Cs-137", "CS-0812", "QSA Global", "CDC.CY5", "74 GBq", "2015-07-01"),
    ("VT-HS-22", "BRVT/19/003", "Chi nhánh Kiểm định Phương Nam tại Vũng Tàu",
     "Công ty CP Kiểm định Công nghiệp Phương Nam", "3600987654", "Chụp ảnh bức xạ công nghiệp",
     "Căn cứ Dịch vụ Dầu khí", "TP Vũng Tàu", "Phường 11", 107.1251, 10.4121, "VT-NG-03", "Ir-192", "IR-77310",
     "QSA Global", "880 Elite", "2.96 TBq", "2024-02-10"),
    ("VT-HS-23", "BRVT/20/015", "Nhà máy Đạm Phú Mỹ", "Tổng công ty Phân bón Phú Mỹ", "3500444888",
     "Thiết bị đo công nghiệp", "KCN Phú Mỹ 1", "Thị xã Phú Mỹ", "Phú Mỹ", 107.0621, 10.5901, "VT-NG-04", "Cs-137",
     "CS 4471", "BERTHOLD", "LB 300", "1.85 GBq", "20/06/2011"),
    ("VT-HS-23", "BRVT/20/015", "Nhà máy Đạm Phú Mỹ", "Tổng công ty Phân bón Phú Mỹ", "3500444888",
     "Thiết bị đo công nghiệp", "KCN Phú Mỹ 1", "Thị xã Phú Mỹ", "Phú Mỹ", 107.0621, 10.5901, "VT-NG-05", "Co-60",
     "CO-1187", "Berthold", "LB 444", "3.7 GBq", "2018-11-05"),
    ("VT-HS-24", "BRVT/18/002", "Bệnh viện Lê Lợi", "Bệnh viện Lê Lợi", "3500555999", "Y học hạt nhân",
     "22 Lê Lợi", "TP. Vũng Tàu", "Phường 1", 107.0801, 10.3481, "VT-NG-06", "Cs-137", "NTP-99011",
     "Eckert & Ziegler", "CS-R", "9.25 MBq", "2019-01-15"),
]

EXPECTED_WARDS = {
    # legacy id: 2025 ward the crosswalk gives
    "HS-2015-001": "Phường Sài Gòn",
    "HS-2014-022": "Phường Nhiêu Lộc",
    "HS-2012-007": "Phường Tân Thuận",
    "HS-2018-040": "Phường Linh Xuân",
    "BD-0045": "Phường Đông Hòa",
    "BD-0077": "Phường Thủ Dầu Một",
    "VT-HS-21": "Phường Rạch Dừa",
    "VT-HS-22": "Phường Phước Thắng",
}


def pipeline(src, dst):
    """PROJ's pinned (EPSG:6960) transformation between two EPSG systems, as a PROJ string."""
    p = subprocess.run(["projinfo", "-s", src, "-t", dst, "-o", "PROJ", "--single-line", "-q",
                        "--spatial-test", "intersects"], capture_output=True, text=True, check=True)
    ops = [l for l in p.stdout.splitlines() if l.startswith("+proj=pipeline")]
    # The national transformation (Helmert x=-191.90441429 ...) is EPSG:6960.
    ops = [o for o in ops if "-191.90441429" in o] or ops
    return ops[0]


def lonlat_to(epsg, points):
    """[(lon, lat)] to [(easting, northing)] in EPSG:epsg through the pinned pipeline."""
    pl = pipeline("EPSG:4326", "EPSG:%d" % epsg)
    data = "".join("%.10f %.10f 0 0\n" % (lat, lon) for lon, lat in points)
    p = subprocess.run(["cct", "-d", "4"] + pl.split(), input=data, capture_output=True, text=True, check=True)
    out = []
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out.append((float(parts[0]), float(parts[1])))
    assert len(out) == len(points), p.stderr
    return out


def write_hcm(path):
    ds = ogr.GetDriverByName("XLSX").CreateDataSource(path)
    lyr = ds.CreateLayer("CoSo", geom_type=ogr.wkbNone)
    heads = ["Mã hồ sơ", "Mã cơ sở", "Tên cơ sở", "Tổ chức", "Mã số thuế", "Lĩnh vực", "Địa chỉ", "Quận/Huyện",
             "Phường/Xã", "Vĩ độ", "Kinh độ", "Tình trạng", "Điện thoại"]
    for h in heads:
        lyr.CreateField(ogr.FieldDefn(h, ogr.OFTReal if h in ("Vĩ độ", "Kinh độ") else ogr.OFTString))
    for (code, name, org, tax, prac, addr, dist, ward, lon, lat, status, phone, lid) in HCM_FACILITIES:
        f = ogr.Feature(lyr.GetLayerDefn())
        vals = [lid, code, name, org, tax, prac, addr, dist, ward, lat, lon, status, phone]
        for h, v in zip(heads, vals):
            f.SetField(h, v)
        lyr.CreateFeature(f)
    lyr = ds.CreateLayer("Nguon", geom_type=ogr.wkbNone)
    heads = ["Mã hồ sơ", "Mã cơ sở", "Đồng vị", "Số seri", "Hãng sản xuất", "Model", "Hoạt độ (mCi)",
             "Ngày xác định hoạt độ", "Dạng nguồn", "Tình trạng"]
    for h in heads:
        lyr.CreateField(ogr.FieldDefn(h, ogr.OFTString))
    for (fcode, nuc, serial, man, model, act, ref, form, status, lid) in HCM_SOURCES:
        f = ogr.Feature(lyr.GetLayerDefn())
        for h, v in zip(heads, [lid, fcode, nuc, serial, man, model, act, ref, form, status]):
            f.SetField(h, v)
        lyr.CreateFeature(f)
    ds = None


def write_bd(dirname):
    shp_dir = os.path.join(dirname, "bd_build")
    os.makedirs(shp_dir, exist_ok=True)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(9210)
    path = os.path.join(shp_dir, "bd_co_so.shp")
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
    lyr = ds.CreateLayer("bd_co_so", srs, ogr.wkbPoint, options=["ENCODING=UTF-8"])
    names = ["MA_HS", "MA_CS", "TEN_CS", "TO_CHUC", "MST", "LINH_VUC", "DIA_CHI", "HUYEN", "XA", "TINH_TRANG"]
    for n in names:
        fd = ogr.FieldDefn(n, ogr.OFTString)
        fd.SetWidth(120)
        lyr.CreateField(fd)
    xy = lonlat_to(9210, [(r[8], r[9]) for r in BD_FACILITIES])
    for r, (e, n) in zip(BD_FACILITIES, xy):
        (code, name, org, tax, prac, addr, dist, ward, lon, lat, status, lid) = r
        f = ogr.Feature(lyr.GetLayerDefn())
        for k, v in zip(names, [lid, code, name, org, tax, prac, addr, dist, ward, status]):
            f.SetField(k, v)
        g = ogr.Geometry(ogr.wkbPoint)
        g.AddPoint_2D(e, n)
        f.SetGeometry(g)
        lyr.CreateFeature(f)
    ds = None
    import zipfile
    zpath = os.path.join(dirname, "bd_co_so.zip")
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            p = os.path.join(shp_dir, "bd_co_so." + ext)
            if os.path.exists(p):
                z.write(p, "bd_co_so." + ext)
    for fn in os.listdir(shp_dir):
        os.remove(os.path.join(shp_dir, fn))
    os.rmdir(shp_dir)
    with open(os.path.join(dirname, "bd.mapping"), "w", encoding="utf-8") as m:
        m.write("# Mapping of the former Binh Duong department's shapefile (DBF names are 10 characters)\n")
        m.write("legacy_system = %s\n" % BD)
        for field, col in [("legacy_id", "MA_HS"), ("code", "MA_CS"), ("name", "TEN_CS"), ("organization", "TO_CHUC"),
                           ("tax_code", "MST"), ("practice", "LINH_VUC"), ("address", "DIA_CHI"),
                           ("legacy_district", "HUYEN"), ("legacy_ward", "XA"), ("status", "TINH_TRANG")]:
            m.write("%s = %s\n" % (field, col))
        m.write("set.legacy_province = Bình Dương\n")


def write_brvt(path):
    xy = lonlat_to(5899, [(r[9], r[10]) for r in BRVT_ROWS])
    heads = ["STT", "Mã hồ sơ", "Mã cơ sở", "Tên cơ sở", "Tên doanh nghiệp", "MST", "Loại hình", "Địa chỉ",
             "Huyện/Thành phố", "Xã/Phường", "Tọa độ X", "Tọa độ Y", "Mã nguồn", "Đồng vị", "Số seri", "Hãng SX",
             "Model", "Hoạt độ", "Ngày xác định hoạt độ"]
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(heads)
        for i, (r, (e, n)) in enumerate(zip(BRVT_ROWS, xy), 1):
            (lid, code, name, org, tax, prac, addr, dist, ward, lon, lat, sid, nuc, serial, man, model, act, ref) = r
            # Vietnamese survey order: X is the northing, Y the easting.
            w.writerow([i, lid, code, name, org, tax, prac, addr, dist, ward, "%.3f" % n, "%.3f" % e, sid, nuc, serial,
                        man, model, act, ref])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    write_hcm(os.path.join(out, "hcm_so_khcn.xlsx"))
    write_bd(out)
    write_brvt(os.path.join(out, "brvt_nguon.csv"))
    brvt_facilities = sorted({r[0] for r in BRVT_ROWS})
    expected = {
        "registers": {"hcm": HCM, "bd": BD, "brvt": BRVT},
        "facilities": {"hcm": len(HCM_FACILITIES), "bd": len(BD_FACILITIES), "brvt": len(brvt_facilities)},
        "sources": {"hcm": len(HCM_SOURCES), "brvt": len(BRVT_ROWS)},
        "duplicates": [
            {"collection": "facilities", "rule": "name_50m", "legacy_ids": ["BD-0045", "HS-2018-040"]},
            {"collection": "facilities", "rule": "tax_code", "legacy_ids": ["BD-0012", "VT-HS-22"]},
            {"collection": "sources", "rule": "serial", "legacy_ids": ["NG-2011-103", "VT-NG-04"]},
        ],
        "wards": EXPECTED_WARDS,
        "positions": {r[11]: [r[8], r[9]] for r in BD_FACILITIES},
    }
    expected["positions"].update({r[0]: [r[9], r[10]] for r in BRVT_ROWS})
    expected["positions"].update({r[12]: [r[8], r[9]] for r in HCM_FACILITIES})
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
