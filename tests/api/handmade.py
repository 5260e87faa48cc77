"""
A small register written by hand, for answers that must be known exactly rather than recomputed:
IAEA category band edges, which source statuses and forms count in a facility's figures, nuclides
without a D-value, devices that are no longer held, and more than 10 000 facilities for the limit
clamp.

fill(path) writes it into a database that `radmap init` has just created, with Python's sqlite3 and
mod_spatialite (the spatial index triggers need it). Every source's reference date is TODAY, so its
current activity is its reference activity exactly and A/D lands exactly on the band edge chosen.
"""
import csv
import math
import os
import sqlite3
import unicodedata

from conftest import REPO, TODAY

BULK_FIRST_ID = 1000
BULK_COUNT = 10050


def fold(s):
    """The search key of a text: lower case, no diacritics (đ -> d), runs of anything that is not a
    letter or digit become one space."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    out, sep = [], False
    for c in s:
        if c.isalnum():
            if sep and out:
                out.append(" ")
            out.append(c)
            sep = False
        else:
            sep = True
    return "".join(out)


def nuclides():
    """{nuclide: (half_life_s, d_value_tbq or None)} from geodata/nuclides.csv."""
    out = {}
    with open(os.path.join(REPO, "geodata", "nuclides.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            d = row["d_value_tbq"].strip()
            out[row["nuclide"]] = (float(row["half_life_seconds"]), float(d) if d else None)
    return out


def activity_for(aod, d_value_tbq):
    """The activity (Bq) whose A/D, computed as the server does (A / (D * 1e12)), is exactly aod."""
    dbq = d_value_tbq * 1e12
    a = aod * dbq
    for _ in range(64):
        r = a / dbq
        if r == aod:
            return a
        a = math.nextafter(a, math.inf if r < aod else -math.inf)
    raise AssertionError("no activity gives A/D exactly %r" % aod)


def below(x):
    return math.nextafter(x, -math.inf)


# Special facilities: id -> (code, name, practices (first is the primary), ward, address, status,
# record_owner, lon, lat)
FACILITIES = {
    1: ("HM-0001", "Bệnh viện Đa khoa Thủ Đức", ["nuclear_medicine", "medical_xray"], "Phường Thủ Đức",
        "64 Lê Văn Chí", "operating", "department", 106.7700, 10.8500),
    2: ("HM-0002", "Công ty TNHH Kiểm định Sài Gòn", ["industrial_radiography"], "Phường Bến Thành",
        "12 Lê Lợi", "operating", "department", 106.7000, 10.7700),
    3: ("HM-0003", "Phòng khám Nha khoa Ánh Dương", ["medical_xray"], "Phường Thủ Dầu Một",
        "5 Yersin", "suspended", "department", 106.6520, 10.9800),
    4: ("HM-0004", "Trung tâm Chiếu xạ Củ Chi", ["irradiator"], "Xã Củ Chi",
        "Khu công nghệ cao", "operating", "varans", 106.4930, 11.0000),
    5: ("HM-0005", "Khoa Y học hạt nhân Chợ Rẫy", ["nuclear_medicine"], "Phường Chợ Lớn",
        "201B Nguyễn Chí Thanh", "operating", "department", 106.6600, 10.7580),
    6: ("HM-0006", "Nhà máy Xi măng Đông Hải", ["industrial_gauge"], "Phường Vũng Tàu",
        "Đường 3 tháng 2", "closed", "department", 107.0840, 10.3460),
    7: ("HM-0007", "Trường Đại học Khoa học Tự nhiên", ["research"], "Phường Chợ Quán",
        "227 Nguyễn Văn Cừ", "operating", "department", 106.6820, 10.7620),
}

# Sources: (facility, nuclide, form, aod or None (no D-value: activity 5e9 Bq), status). The band
# edge sources sit at facility 2; their ids are assigned in this order from 1.
N = nuclides()
SOURCES = [
    (2, "Cs-137", "sealed", 1000.0, "in_use"),       # 1: category 1
    (2, "Cs-137", "sealed", below(1000.0), "in_use"),  # 2: category 2
    (2, "Cs-137", "sealed", 10.0, "in_use"),         # 3: category 2
    (2, "Cs-137", "sealed", below(10.0), "in_use"),    # 4: category 3
    (2, "Cs-137", "sealed", 1.0, "stored"),          # 5: category 3
    (2, "Cs-137", "sealed", below(1.0), "stored"),     # 6: category 4
    (2, "Cs-137", "sealed", 0.01, "disused"),        # 7: category 4
    (2, "Cs-137", "sealed", below(0.01), "disused"),   # 8: category 5
    (2, "Y-90", "sealed", None, "in_use"),           # 9: no D-value
    (4, "Co-60", "sealed", 30000.0, "found"),        # 10: category 1, held (found)
    (4, "Co-60", "sealed", 50000.0, "lost"),         # 11: not held
    (5, "Ir-192", "unsealed", 20.0, "in_use"),       # 12: category 2, unsealed: not aggregated
    (5, "Cs-137", "sealed", 0.5, "in_use"),          # 13: category 4
    (6, "Co-60", "sealed", 6.0, "stored"),           # 14: category 3
    (6, "Co-60", "sealed", 6.0, "disused"),          # 15: category 3; the two add up to 12 (category 2)
    (6, "Co-60", "sealed", 5000.0, "transferred"),   # 16: not held
    (6, "Co-60", "sealed", 7000.0, "disposed"),      # 17: not held
    (6, "Co-60", "sealed", 9000.0, "stolen"),        # 18: not held
    (7, "Kr-85", "sealed", None, "in_use"),          # 19: no D-value
]

# Devices: (facility, type, status)
DEVICES = [
    (1, "ct", "in_use"), (1, "pet_ct", "stored"), (1, "general", "transferred"),
    (3, "dental", "in_use"), (3, "general", "disposed"), (3, "mobile", "disused"),
]

# What the server must say about the special facilities.
EXPECTED_FACILITY = {
    # id: (source_count, device_count, max_category, aggregate_a_over_d, aggregate_category)
    1: (0, 2, None, None, None),
    2: (9, 0, 1, sum(a for f, _, form, a, s in SOURCES[:8]), 1),
    3: (0, 2, None, None, None),
    4: (1, 0, 1, 30000.0, 1),
    5: (2, 0, 2, 0.5, 4),
    6: (2, 0, 3, 12.0, 2),
    7: (1, 0, None, None, None),
}
EXPECTED_SOURCE_CATEGORY = [1, 2, 2, 3, 3, 4, 4, 5, None, 1, 1, 2, 4, 3, 3, 1, 1, 1, None]


class Handmade:
    def __init__(self, path, server):
        self.path = path
        self.server = server
        self.url = server.url


def bulk_position(i):
    """A grid over the city for the bulk facilities."""
    return 106.40 + (i % 100) * 0.01, 10.40 + (i // 100) * 0.01


def fill(path):
    con = sqlite3.connect(path)
    con.enable_load_extension(True)
    con.load_extension("mod_spatialite")
    cur = con.cursor()
    cur.execute("BEGIN")
    cur.execute("INSERT INTO organization(id, name, record_owner) VALUES (1, 'Sở Y tế Thành phố Hồ Chí Minh', "
                "'department'), (2, 'Cục An toàn bức xạ và hạt nhân', 'varans')")
    fac_sql = ("INSERT INTO facility(id, code, name, organization_id, practice, address, ward, legacy_district, "
               "legacy_province, status, lon, lat, search_key, record_owner, geom) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,MakePoint(?,?,4326))")
    for fid, (code, name, practices, ward, address, status, owner, lon, lat) in FACILITIES.items():
        key = fold(" ".join([name, code, address, ward]))
        cur.execute(fac_sql, (fid, code, name, 2 if owner == "varans" else 1, practices[0], address, ward,
                              "Thành phố Thủ Dầu Một" if fid == 3 else None,
                              "Bình Dương" if fid == 3 else "TP. Hồ Chí Minh", status, lon, lat, key, owner,
                              lon, lat))
        for p in practices:
            cur.execute("INSERT INTO facility_practice VALUES (?,?)", (fid, p))
    for k in range(BULK_COUNT):
        fid = BULK_FIRST_ID + k
        lon, lat = bulk_position(k)
        name = "Cơ sở thử nghiệm số %d" % k
        code = "HB-%05d" % k
        cur.execute(fac_sql, (fid, code, name, 1, "other", None, "Phường Bulk", None, None, "operating", lon, lat,
                              fold(name + " " + code + " Phường Bulk"), "department", lon, lat))
        cur.execute("INSERT INTO facility_practice VALUES (?,?)", (fid, "other"))
    src_sql = ("INSERT INTO source(id, facility_id, nuclide, form, serial_no, activity_bq, reference_date, status, "
               "lon, lat, geom) SELECT ?,?,?,?,?,?,?,?, lon, lat, MakePoint(lon, lat, 4326) FROM facility WHERE id = ?")
    for sid, (fid, nuc, form, aod, status) in enumerate(SOURCES, 1):
        d = N[nuc][1]
        act = activity_for(aod, d) if aod is not None else 5e9
        cur.execute(src_sql, (sid, fid, nuc, form, "SN-%03d" % sid, act, TODAY, status, fid))
    dev_sql = ("INSERT INTO device(id, facility_id, type, status, lon, lat, geom) "
               "SELECT ?,?,?,?, lon, lat, MakePoint(lon, lat, 4326) FROM facility WHERE id = ?")
    for did, (fid, typ, status) in enumerate(DEVICES, 1):
        cur.execute(dev_sql, (did, fid, typ, status, fid))
    cur.execute("COMMIT")
    con.close()
