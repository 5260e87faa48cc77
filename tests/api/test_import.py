"""
GIS files into the register (`radmap import`, POST /imports) and the migration of the three former
registers (tests/data/legacy/make_sample.py): validation like the API, all or nothing, reports that
name exactly the broken rows, VN-2000 positions where PROJ puts them, refused files, audit rows,
upserts, jobs, duplicates and merges.

    RADMAP_BIN=build/radmap /usr/bin/python3 -m pytest -q tests/api/test_import.py
"""
import csv
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import zipfile

import pytest
import requests

from conftest import REPO, TODAY, radmap_env, run_radmap
from io_helpers import (auth, fresh_db, gdal, multipart_import, ogr, osr, proj_to_wgs84, radmap_import, report_rows,
                        sql, token, wait_job)

# A small facility CSV row: code, name, practice, lon, lat
GOOD = ("HCM-T-%04d", "Cơ sở thử %d", "medical_xray", 106.70, 10.78)


def write_csv(path, rows, header=("code", "name", "practice", "lon", "lat", "contact_email", "status"), bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow(r)


@pytest.fixture(scope="module")
def broken_csv(workdir):
    """1 000 facilities, 10 of them broken in ten different ways; the broken data rows (1-based)."""
    rows, broken = [], {}
    bad = {
        37: ("practice", lambda r: r.__setitem__(2, "astrology")),
        101: ("name", lambda r: r.__setitem__(1, "")),
        222: ("geometry", lambda r: r.__setitem__(3, "")),
        318: ("geometry", lambda r: (r.__setitem__(3, "150.0"), r.__setitem__(4, "-30.0"))),
        404: ("contact_email", lambda r: r.__setitem__(5, "not-an-address")),
        500: ("status", lambda r: r.__setitem__(6, "exploded")),
        613: ("code", lambda r: r.__setitem__(0, "HCM T 613")),
        777: ("name", lambda r: r.__setitem__(1, "x" * 201)),
        880: ("code", lambda r: r.__setitem__(0, "HCM-T-0001")),  # the code of row 1 again
        999: ("geometry", lambda r: r.__setitem__(4, "ten north")),
    }
    for i in range(1, 1001):
        r = ["HCM-T-%04d" % i, "Cơ sở thử nghiệm số %d" % i, "medical_xray", "%.6f" % (106.60 + i * 1e-4),
             "%.6f" % (10.70 + i * 5e-5), "lienhe%d@example.vn" % i, "operating"]
        if i in bad:
            bad[i][1](r)
            broken[i] = bad[i][0]
        rows.append(r)
    path = os.path.join(workdir, "broken.csv")
    write_csv(path, rows)
    return path, broken


def counts(db):
    return {t: sql(db, "SELECT count(*) FROM %s" % t)[0][0] for t in ("facility", "audit", "gis_import")}


def test_broken_rows_report_and_all_or_nothing(workdir, broken_csv):
    path, broken = broken_csv
    db = fresh_db(workdir, "broken.db")
    before = counts(db)
    p = radmap_import(db, path, "--layer", "facilities", check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    assert report_rows(p.stdout) == set(broken), p.stdout
    # Each broken row is reported under the field that is wrong.
    lines = list(csv.reader(io.StringIO(p.stdout)))
    fields = {}
    for line in lines[1:]:
        if line and line[0].isdigit():
            fields.setdefault(int(line[0]), set()).add(line[1])
    for row, field in broken.items():
        assert field in fields[row], (row, field, fields[row])
    assert counts(db) == before, "an invalid import wrote something"
    assert "nothing was written" in p.stderr

    p = radmap_import(db, path, "--layer", "facilities", "--dry-run", check=False)
    assert report_rows(p.stdout) == set(broken)
    assert counts(db) == before, "a dry run wrote something"

    rep = os.path.join(workdir, "broken-report.csv")
    p = radmap_import(db, path, "--layer", "facilities", "--skip-invalid", "--report", rep, "--user", "tester.one")
    with open(rep, encoding="utf-8") as f:
        assert report_rows(f.read()) == set(broken)
    after = counts(db)
    assert after["facility"] == before["facility"] + 990
    assert after["gis_import"] == before["gis_import"] + 1
    # One audit row per imported feature, with the import's id, the user, the file and the row.
    imp = sql(db, "SELECT id, file_name, user_name, created, invalid FROM gis_import")[-1]
    assert imp[1:] == ("broken.csv", "tester.one", 990, 10)
    audit = sql(db, "SELECT user_name, action, collection, after_json FROM audit WHERE import_id = ?", (imp[0],))
    assert len(audit) == 990
    rows = set()
    for user, action, coll, after in audit:
        assert (user, action, coll) == ("tester.one", "create", "facilities")
        a = json.loads(after)
        assert a["import"]["file"] == "broken.csv" and a["import"]["id"] == imp[0]
        rows.add(a["import"]["row"])
    assert rows == set(range(1, 1001)) - set(broken)
    assert run_radmap("audit", "verify", db).returncode == 0


def test_same_validation_as_the_api(workdir, start_server):
    """A row the API refuses is refused by the importer with the API's reason, and the other way round."""
    db = fresh_db(workdir, "sameval.db")
    tok = token(db, "val.lic", "licensing")
    s = start_server(db)
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.7, 10.78]},
               "properties": {"code": "VAL-1", "name": "Phòng khám", "practice": "medical_xray",
                              "contact_email": "no-at-sign"}}
    r = requests.post(s.url + "/collections/facilities/items", json=feature, timeout=10,
                      headers=dict(auth(tok), **{"Content-Type": "application/geo+json"}))
    assert r.status_code == 422
    api_reason = {e["field"]: e["reason"] for e in r.json()["errors"]}["contact_email"]
    path = os.path.join(workdir, "sameval.csv")
    write_csv(path, [("VAL-1", "Phòng khám", "medical_xray", "106.7", "10.78", "no-at-sign", "operating")])
    p = radmap_import(db, path, "--layer", "facilities", check=False)
    assert p.returncode == 1
    assert "contact_email,%s" % api_reason in p.stdout, (api_reason, p.stdout)


def test_vn2000_shapefile_lands_where_proj_says(workdir):
    """A shapefile in VN-2000 / TM-3 105°45' (EPSG:9210) made here with GDAL: every point lands where
    PROJ's pinned national transformation (EPSG:6960, run by cct) puts it."""
    d = os.path.join(workdir, "vn2000")
    os.makedirs(d, exist_ok=True)
    shp = os.path.join(d, "co_so_tm3.shp")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(9210)
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(shp)
    lyr = ds.CreateLayer("co_so_tm3", srs, ogr.wkbPoint, options=["ENCODING=UTF-8"])
    for n in ("MA_CS", "TEN_CS", "LINH_VUC"):
        lyr.CreateField(ogr.FieldDefn(n, ogr.OFTString))
    # Easting/northing across the city, both sides of 11.04°N (where PROJ's two VN-2000
    # transformations meet: a per-point choice would jump by 0.8 m there).
    pts = [(598163.651, 1214391.478), (602500.0, 1221000.0), (603000.0, 1222500.0), (610000.0, 1200000.0),
           (575000.0, 1245000.0), (620100.5, 1190300.25)]
    for i, (e, n) in enumerate(pts):
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("MA_CS", "TM3-%d" % i)
        f.SetField("TEN_CS", "Cơ sở VN-2000 số %d" % i)
        f.SetField("LINH_VUC", "X-quang chẩn đoán y tế")
        g = ogr.Geometry(ogr.wkbPoint)
        g.AddPoint_2D(e, n)
        f.SetGeometry(g)
        lyr.CreateFeature(f)
    ds = None
    db = fresh_db(workdir, "vn2000.db")
    radmap_import(db, shp, "--layer", "facilities", "--map", "code=MA_CS", "--map", "name=TEN_CS",
                  "--map", "practice=LINH_VUC")
    got = dict((c, (lon, lat)) for c, lon, lat in sql(db, "SELECT code, lon, lat FROM facility"))
    want = proj_to_wgs84(9210, pts)
    for i, (lon, lat) in enumerate(want):
        glon, glat = got["TM3-%d" % i]
        # 1e-8 degree is about a millimetre.
        assert abs(glon - lon) < 1e-8 and abs(glat - lat) < 1e-8, (i, (glon, glat), (lon, lat))
    names = [r[0] for r in sql(db, "SELECT name FROM facility ORDER BY code")]
    assert names[0] == "Cơ sở VN-2000 số 0"


def test_csv_x_y_with_crs_and_bom(workdir):
    """X/Y columns in EPSG:5899 given with --crs; a UTF-8 BOM; northing written as X (Vietnamese
    survey order) is recognised."""
    pts = [(429201.606, 1149294.723), (431400.0, 1151500.0)]
    want = proj_to_wgs84(5899, pts)
    path = os.path.join(workdir, "xy.csv")
    write_csv(path, [("VT-1", "Bệnh viện Vũng Tàu", "nuclear_medicine", "%.3f" % pts[0][1], "%.3f" % pts[0][0]),
                     ("VT-2", "Phòng khám Bãi Sau", "medical_xray", "%.3f" % pts[1][1], "%.3f" % pts[1][0])],
              header=("Mã cơ sở", "Tên cơ sở", "Lĩnh vực", "Tọa độ X", "Tọa độ Y"), bom=True)
    db = fresh_db(workdir, "xy.db")
    p = radmap_import(db, path, "--layer", "facilities", "--crs", "EPSG:5899")
    assert "swapped" in p.stderr
    got = dict((c, (lon, lat)) for c, lon, lat in sql(db, "SELECT code, lon, lat FROM facility"))
    for code, (lon, lat) in zip(("VT-1", "VT-2"), want):
        assert abs(got[code][0] - lon) < 1e-8 and abs(got[code][1] - lat) < 1e-8
    assert sql(db, "SELECT name FROM facility WHERE code = 'VT-1'")[0][0] == "Bệnh viện Vũng Tàu"


def test_map_mapping_file_and_upsert(workdir):
    db = fresh_db(workdir, "upsert.db")
    path = os.path.join(workdir, "odd_headers.csv")
    write_csv(path, [("U-1", "Trạm Y tế Phường Bến Nghé", "X-quang", "106.701", "10.777", "Đang hoạt động"),
                     ("U-2", "Phòng khám Đa Kao", "Nha khoa ít gặp", "106.696", "10.789", "tạm dừng")],
              header=("Số hiệu", "Tên gọi của cơ sở", "Nghề", "Kinh độ", "Vĩ độ", "Trạng thái hoạt động"))
    saved = os.path.join(workdir, "odd.mapping")
    p = radmap_import(db, path, "--layer", "facilities", "--map", "code=Số hiệu", "--map", "name=Tên gọi của cơ sở",
                      "--map", "practice=Nghề", "--map", "status=Trạng thái hoạt động", "--save-mapping", saved,
                      "--dry-run", check=False)
    # "Nha khoa ít gặp" is no practice: reported with the allowed values.
    assert report_rows(p.stdout) == {2} and "allowed: " in p.stdout
    with open(saved, encoding="utf-8") as f:
        text = f.read()
    assert "code = Số hiệu" in text and "status = Trạng thái hoạt động" in text
    path2 = os.path.join(workdir, "odd_headers2.csv")
    write_csv(path2, [("U-1", "Trạm Y tế Phường Sài Gòn", "X-quang", "106.701", "10.777", "Đang hoạt động"),
                      ("U-2", "Phòng khám Đa Kao", "X-quang", "106.696", "10.789", "tạm dừng")],
              header=("Số hiệu", "Tên gọi của cơ sở", "Nghề", "Kinh độ", "Vĩ độ", "Trạng thái hoạt động"))
    p = radmap_import(db, path2, "--layer", "facilities", "--mapping", saved)
    assert "2 created" in p.stdout
    assert sql(db, "SELECT status, practice FROM facility WHERE code = 'U-2'")[0] == ("suspended", "medical_xray")
    # Again with a changed name: --upsert-by code updates instead of failing on the duplicate code.
    write_csv(path2, [("U-1", "Trạm Y tế Phường Sài Gòn (mới)", "X-quang", "106.7011", "10.7771", "Đang hoạt động")],
              header=("Số hiệu", "Tên gọi của cơ sở", "Nghề", "Kinh độ", "Vĩ độ", "Trạng thái hoạt động"))
    p = radmap_import(db, path2, "--layer", "facilities", "--mapping", saved, check=False)
    assert p.returncode == 1 and "exists already" in p.stdout
    p = radmap_import(db, path2, "--layer", "facilities", "--mapping", saved, "--upsert-by", "code")
    assert "1 updated" in p.stdout
    row = sql(db, "SELECT name, version, lon FROM facility WHERE code = 'U-1'")[0]
    assert row[0] == "Trạm Y tế Phường Sài Gòn (mới)" and row[1] == 2 and abs(row[2] - 106.7011) < 1e-12
    actions = [a for (a,) in sql(db, "SELECT action FROM audit WHERE collection = 'facilities' ORDER BY id")]
    assert actions == ["create", "create", "update"]


def test_other_formats(workdir):
    """GeoJSON, GeoPackage, KML and XLSX made with GDAL import as receptors; TopoJSON as boundaries."""
    d = os.path.join(workdir, "formats")
    os.makedirs(d, exist_ok=True)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    made = {}
    for drv, ext in (("GeoJSON", "geojson"), ("GPKG", "gpkg"), ("KML", "kml"), ("LIBKML", "kml")):
        path = os.path.join(d, "receptors_%s.%s" % (drv.lower(), ext))
        ds = ogr.GetDriverByName(drv).CreateDataSource(path)
        lyr = ds.CreateLayer("truong_hoc", srs, ogr.wkbPoint)
        for n in ("name", "loai", "suc_chua"):
            lyr.CreateField(ogr.FieldDefn(n, ogr.OFTString))
        for i, (nm, kind, cap) in enumerate([("Trường Tiểu học Lê Ngọc Hân", "Trường học", "1200"),
                                             ("Trường Mầm non Hoa Sen", "Mầm non", "300")]):
            f = ogr.Feature(lyr.GetLayerDefn())
            f.SetField("name", nm)
            f.SetField("loai", kind)
            f.SetField("suc_chua", cap)
            g = ogr.Geometry(ogr.wkbPoint)
            g.AddPoint_2D(106.70 + i * 0.01, 10.78)
            f.SetGeometry(g)
            lyr.CreateFeature(f)
        ds = None
        made[drv] = path
    for drv, path in made.items():
        db = fresh_db(workdir, "fmt_%s.db" % drv)
        radmap_import(db, path, "--layer", "receptors", "--map", "kind=loai", "--map", "capacity=suc_chua")
        got = sql(db, "SELECT name, kind, capacity FROM receptor ORDER BY name")
        assert got == [("Trường Mầm non Hoa Sen", "kindergarten", 300), ("Trường Tiểu học Lê Ngọc Hân", "school", 1200)], \
            (drv, got)
    topo = os.path.join(d, "wards.topojson")
    with open(topo, "w", encoding="utf-8") as f:
        json.dump({"type": "Topology", "objects": {"wards": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[0]], "properties": {"name": "Phường Sài Gòn", "level": "ward"}}]}},
            "arcs": [[[106.69, 10.77], [106.71, 10.77], [106.71, 10.79], [106.69, 10.79], [106.69, 10.77]]]}, f,
            ensure_ascii=False)
    db = fresh_db(workdir, "topo.db")
    radmap_import(db, topo, "--layer", "boundaries")
    assert sql(db, "SELECT name, level FROM boundary") == [("Phường Sài Gòn", "ward")]


def make_zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)


def test_untrusted_files_refused(workdir):
    db = fresh_db(workdir, "refuse.db")
    d = os.path.join(workdir, "refuse")
    os.makedirs(d, exist_ok=True)
    cases = []
    # A path through GDAL's network file system, or any virtual one.
    cases.append(("/vsicurl/http://127.0.0.1:9/x.shp", "virtual file systems"))
    cases.append(("/vsizip/" + os.path.join(d, "x.zip") + "/x.shp", "virtual file systems"))
    # A VRT by name, and VRT content behind a shapefile's name.
    vrt = ('<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/http://127.0.0.1:9/a.csv'
           '</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>')
    for name in ("evil.vrt", "evil.shp", "evil.csv"):
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write(vrt)
        cases.append((p, "VRT" if name.endswith(".vrt") else "virtual dataset"))
    # A zipped shapefile whose .shp is a VRT pointing at /vsicurl/.
    z = os.path.join(d, "vrt_in_zip.zip")
    make_zip(z, [("a.shp", vrt), ("a.dbf", b"")])
    cases.append((z, "virtual dataset"))
    # Path traversal inside an archive.
    z = os.path.join(d, "traversal.zip")
    make_zip(z, [("../../etc/evil.shp", b"x")])
    cases.append((z, "plain relative path"))
    # A decompression bomb: 300 MB of zeros in a small zip (ratio far above the limit).
    z = os.path.join(d, "bomb.zip")
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("big.csv", "w", force_zip64=False) as w:
            chunk = b"0" * (1 << 20)
            for _ in range(300):
                w.write(chunk)
    cases.append((z, "bomb"))
    # Not a GIS file at all.
    p = os.path.join(d, "notes.docx")
    with open(p, "wb") as f:
        f.write(b"PK\x03\x04 not really")
    cases.append((p, "archive"))
    before = sql(db, "SELECT count(*) FROM facility")[0][0]
    for path, word in cases:
        r = radmap_import(db, path, "--layer", "facilities", check=False)
        assert r.returncode == 1, (path, r.stdout, r.stderr)
        assert word in r.stderr, (path, word, r.stderr)
    assert sql(db, "SELECT count(*) FROM facility")[0][0] == before


def test_parser_is_sandboxed(workdir):
    path = os.path.join(workdir, "sandbox.csv")
    write_csv(path, [("SB-1", "Một cơ sở", "medical_xray", "106.7", "10.78", "", "operating")])
    db = fresh_db(workdir, "sandbox.db")
    p = radmap_import(db, path, "--layer", "facilities", "--dry-run")
    note = [l for l in p.stderr.splitlines() if "sandbox:" in l]
    assert note and "separate process" in note[0] and "limits cpu" in note[0], p.stderr
    # Either the kernel gave the parser an empty network namespace, or the seccomp filter is on.
    assert "empty network namespace" in note[0] or "sockets other than AF_UNIX refused" in note[0], note


@pytest.fixture(scope="module")
def legacy(workdir):
    d = os.path.join(workdir, "legacy")
    subprocess.run([sys.executable if "pytest" in sys.modules else "/usr/bin/python3",
                    os.path.join(REPO, "tests", "data", "legacy", "make_sample.py"), d], check=True)
    with open(os.path.join(d, "expected.json"), encoding="utf-8") as f:
        return d, json.load(f)


def migrate(db, d, exp):
    """The migration of the three registers, as a department would run it."""
    reg = exp["registers"]
    radmap_import(db, os.path.join(d, "hcm_so_khcn.xlsx"), "--layer", "facilities", "--source-layer", "CoSo",
                  "--legacy-system", reg["hcm"], "--set", "legacy_province=TP. Hồ Chí Minh")
    radmap_import(db, os.path.join(d, "hcm_so_khcn.xlsx"), "--layer", "sources", "--source-layer", "Nguon",
                  "--legacy-system", reg["hcm"])
    radmap_import(db, os.path.join(d, "bd_co_so.zip"), "--layer", "facilities", "--mapping", os.path.join(d, "bd.mapping"))
    csvf = os.path.join(d, "brvt_nguon.csv")
    radmap_import(db, csvf, "--layer", "facilities", "--crs", "EPSG:5899", "--legacy-system", reg["brvt"],
                  "--map", "legacy_district=Huyện/Thành phố", "--upsert-by", "legacy_id",
                  "--set", "legacy_province=Bà Rịa - Vũng Tàu")
    radmap_import(db, csvf, "--layer", "sources", "--crs", "EPSG:5899", "--legacy-system", reg["brvt"],
                  "--map", "legacy_id=Mã nguồn")


def test_legacy_sample_migrates(workdir, legacy, start_server):
    d, exp = legacy
    db = fresh_db(workdir, "legacy.db")
    migrate(db, d, exp)
    reg = exp["registers"]
    # Every record lands.
    for key in ("hcm", "bd", "brvt"):
        n = sql(db, "SELECT count(*) FROM facility WHERE legacy_system = ?", (reg[key],))[0][0]
        assert n == exp["facilities"][key], (key, n)
    for key in ("hcm", "brvt"):
        n = sql(db, "SELECT count(*) FROM source WHERE legacy_system = ?", (reg[key],))[0][0]
        assert n == exp["sources"][key], (key, n)
    # Old districts and wards, however written, give the 2025 ward.
    for lid, ward in exp["wards"].items():
        assert sql(db, "SELECT ward FROM facility WHERE legacy_id = ?", (lid,))[0][0] == ward, lid
    # Positions from two VN-2000 zones and WGS 84 land where they were surveyed (the sample was made
    # with PROJ's pinned transformation).
    for lid, (lon, lat) in exp["positions"].items():
        got = sql(db, "SELECT lon, lat FROM facility WHERE legacy_id = ?", (lid,))[0]
        assert abs(got[0] - lon) < 1e-6 and abs(got[1] - lat) < 1e-6, (lid, got, (lon, lat))
    # The planted duplicates are reported, by the command and by the API.
    p = run_radmap("duplicates", db)
    found = []
    for line in p.stdout.splitlines()[1:]:
        coll, rule, _, a, b = line.split("\t")[:5]
        lids = sorted(sql(db, "SELECT legacy_id FROM %s WHERE id IN (?, ?)" % ("facility" if coll == "facilities" else
                                                                               coll[:-1]), (int(a), int(b))))
        found.append((coll, rule, [x for (x,) in lids]))
    for dup in exp["duplicates"]:
        assert (dup["collection"], dup["rule"], sorted(dup["legacy_ids"])) in found, (dup, found)
    tok = token(db, "legacy.inspector", "inspector")
    s = start_server(db)
    r = requests.get(s.url + "/duplicates", headers=auth(tok), timeout=30)
    assert r.status_code == 200, r.text
    assert len(r.json()["duplicates"]) == len(found)
    viewer = token(db, "legacy.viewer", "viewer")
    assert requests.get(s.url + "/duplicates", headers=auth(viewer), timeout=10).status_code == 403

    # Merge the hospital registered twice: keep Bình Dương's record, drop HCMC's (it holds a source).
    keep = sql(db, "SELECT id, lon, lat FROM facility WHERE legacy_id = 'BD-0045'")[0]
    drop = sql(db, "SELECT id FROM facility WHERE legacy_id = 'HS-2018-040'")[0][0]
    held = sql(db, "SELECT id FROM source WHERE facility_id = ?", (drop,))
    assert held
    p = run_radmap("merge", db, str(keep[0]), str(drop), "--user", "merger")
    assert "merged" in p.stdout
    assert sql(db, "SELECT count(*) FROM facility WHERE id = ?", (drop,))[0][0] == 0
    # Nothing references the dropped record any more; its source moved with the kept facility's position.
    for table, col in sql(db, "SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
                              "WHERE m.type = 'table' AND f.\"table\" = 'facility'"):
        assert sql(db, "SELECT count(*) FROM \"%s\" WHERE \"%s\" = ?" % (table, col), (drop,))[0][0] == 0, table
    for (sid,) in held:
        fid, lon, lat = sql(db, "SELECT facility_id, lon, lat FROM source WHERE id = ?", (sid,))[0]
        assert fid == keep[0] and abs(lon - keep[1]) < 1e-12 and abs(lat - keep[2]) < 1e-12
    # The kept record took the dropped one's phone number (it had none).
    assert sql(db, "SELECT contact_phone FROM facility WHERE id = ?", (keep[0],))[0][0] == "028 3896 0006"
    assert sql(db, "SELECT kept_id, dropped_id FROM record_merge") == [(keep[0], drop)]
    # The merge is in the audit trail, which is intact.
    assert run_radmap("audit", "verify", db).returncode == 0
    hist = requests.get(s.url + "/collections/facilities/items/%d/history" % keep[0],
                        headers=auth(token(db, "legacy.lic", "licensing")), timeout=10).json()
    merge = [c for c in hist["changes"] if c["action"] == "merge"]
    assert merge and merge[0]["after"]["merged_from"]["id"] == drop and merge[0]["user"] == "merger"
    # The pair is no longer a candidate; the others still are.
    after = run_radmap("duplicates", db).stdout
    assert "name_50m" not in after and "tax_code" in after and "serial" in after
    # The register is consistent: counts by layer agree with the tables.
    for layer, table in (("facilities", "facility"), ("sources", "source")):
        stat = sql(db, "SELECT feature_count FROM layer_stat WHERE layer = ?", (layer,))[0][0]
        assert stat == sql(db, "SELECT count(*) FROM %s" % table)[0][0], layer


def test_post_imports_job(workdir, legacy, start_server):
    d, exp = legacy
    db = fresh_db(workdir, "http_import.db")
    lic = token(db, "imp.lic", "licensing")
    other = token(db, "imp.other", "licensing")
    viewer = token(db, "imp.viewer", "viewer")
    s = start_server(db)
    zpath = os.path.join(d, "bd_co_so.zip")
    with open(os.path.join(d, "bd.mapping"), "rb") as f:
        mapping = f.read()
    r = multipart_import(s.url, viewer, zpath, [("layer", "facilities")])
    assert r.status_code == 403
    # A dry run first: the report, nothing written.
    files = [("file", ("bd_co_so.zip", open(zpath, "rb").read(), "application/zip")),
             ("mapping", ("bd.mapping", mapping, "text/plain"))]
    r = requests.post(s.url + "/imports", headers=auth(lic), files=files,
                      data=[("layer", "facilities"), ("dry_run", "true")], timeout=30)
    assert r.status_code == 202, r.text
    loc = r.headers["Location"]
    assert "/jobs/" in loc
    job = wait_job(lambda u: requests.get(u, headers=auth(lic), timeout=10), loc)
    assert job["status"] == "done" and job["result"]["committed"] is False and job["result"]["dry_run"] is True
    assert job["result"]["rows_read"] == exp["facilities"]["bd"] and job["result"]["invalid"] == 0
    assert sql(db, "SELECT count(*) FROM facility")[0][0] == 0
    # Another user does not see the job.
    assert requests.get(loc, headers=auth(other), timeout=10).status_code == 404
    # The real import.
    files = [("file", ("bd_co_so.zip", open(zpath, "rb").read(), "application/zip")),
             ("mapping", ("bd.mapping", mapping, "text/plain"))]
    r = requests.post(s.url + "/imports", headers=auth(lic), files=files, data=[("layer", "facilities")], timeout=30)
    job = wait_job(lambda u: requests.get(u, headers=auth(lic), timeout=10), r.headers["Location"])
    assert job["result"]["committed"] is True and job["result"]["created"] == exp["facilities"]["bd"]
    assert job["progress"]["done"] == exp["facilities"]["bd"]
    r = requests.get(s.url + "/collections/facilities/items", headers=auth(lic), timeout=10)
    assert r.json()["numberReturned"] == exp["facilities"]["bd"]
    names = sorted(f["properties"]["name"] for f in r.json()["features"])
    assert "Nhà máy Thép Mỹ Phước" in names
    # Audit rows name the user of the request and the uploaded file.
    users = sql(db, "SELECT DISTINCT user_name FROM audit WHERE import_id = ?", (job["result"]["import_id"],))
    assert users == [("imp.lic",)]
    assert requests.get(s.url + "/imports", headers=auth(lic), timeout=10).json()["imports"][0]["file"] == "bd_co_so.zip"
    # A broken upload: the job's report lists the rows, and the CSV report is its result file.
    bad = "code,name,practice,lon,lat\nX-1,Tốt,medical_xray,106.7,10.8\nX-2,,medical_xray,106.7,10.8\n".encode()
    r = multipart_import(s.url, lic, None, [("layer", "facilities")], filename="bad.csv", content=bad)
    job = wait_job(lambda u: requests.get(u, headers=auth(lic), timeout=10), r.headers["Location"])
    assert job["result"]["committed"] is False and job["result"]["invalid"] == 1
    assert job["result"]["issues"] == [{"row": 2, "field": "name", "reason": "is required"}]
    res = [l for l in job["links"] if l["rel"] == "enclosure"]
    rep = requests.get(res[0]["href"], headers=auth(lic), timeout=10)
    assert rep.status_code == 200 and rep.text.splitlines()[1].startswith("2,name,")
    # Not multipart, or without a file: 400 naming what is missing.
    r = requests.post(s.url + "/imports", headers=dict(auth(lic), **{"Content-Type": "application/json"}),
                      data="{}", timeout=10)
    assert r.status_code == 400 and "multipart" in r.json()["detail"]


# --- the bulk path (issue 7): triggers off, spatial index packed or filled at the end ------------------

def bulk_rows(first, n, seed):
    """n facility rows from code number first: scattered points, some with a licensee, a ward and an
    address, so that the search key has every part."""
    rnd = random.Random(seed)
    rows = []
    for i in range(first, first + n):
        rows.append(("BULK-%05d" % i, "Cơ sở khối %d" % i, "medical_xray" if i % 3 else "industrial_radiography",
                     "%.6f" % rnd.uniform(106.40, 107.20), "%.6f" % rnd.uniform(10.40, 11.30),
                     "Công ty Đồng Khởi %d" % (i % 7) if i % 5 == 0 else "", "%d Lê Lợi" % i,
                     "Phường Bến Thành" if i % 2 else ""))
    return rows


BULK_HEADER = ("code", "name", "practice", "lon", "lat", "organization", "address", "ward")


def assert_register_consistent(db, expect):
    """Every row of facility is in the R*Tree exactly where it stands, found by a search of the tree
    around its point; the index holds nothing else; layer_stat, the practices and the audit agree."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        rows = con.execute("SELECT id, lon, lat, practice FROM facility ORDER BY id").fetchall()
        assert len(rows) == expect
        assert con.execute("SELECT rtreecheck('idx_facility_geom')").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM idx_facility_geom").fetchone()[0] == expect
        eps = 1e-4
        for fid, lon, lat, _ in rows:
            found = {r[0] for r in con.execute(
                "SELECT pkid FROM idx_facility_geom WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?",
                (lon - eps, lon + eps, lat - eps, lat + eps))}
            assert fid in found, (fid, lon, lat)
        # One larger window: the rows inside it, and no other (but for the R*Tree's float rounding).
        w = (106.6, 10.6, 106.9, 10.9)
        pos = {fid: (lon, lat) for fid, lon, lat, _ in rows}
        inside = {fid for fid, (lon, lat) in pos.items() if w[0] <= lon <= w[2] and w[1] <= lat <= w[3]}
        got = {r[0] for r in con.execute(
            "SELECT pkid FROM idx_facility_geom WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?",
            (w[0], w[2], w[1], w[3]))}
        assert inside and inside <= got
        assert all(w[0] - eps <= pos[i][0] <= w[2] + eps and w[1] - eps <= pos[i][1] <= w[3] + eps
                   for i in got - inside)
        stat = con.execute("SELECT feature_count, min_lon, min_lat, max_lon, max_lat FROM layer_stat "
                           "WHERE layer = 'facilities'").fetchone()
        assert stat[0] == expect
        assert stat[1] == pytest.approx(min(r[1] for r in rows)) and stat[3] == pytest.approx(max(r[1] for r in rows))
        assert stat[2] == pytest.approx(min(r[2] for r in rows)) and stat[4] == pytest.approx(max(r[2] for r in rows))
        prim = con.execute("SELECT count(*) FROM facility f WHERE NOT EXISTS (SELECT 1 FROM facility_practice p "
                           "WHERE p.facility_id = f.id AND p.practice = f.practice)").fetchone()[0]
        assert prim == 0
        assert con.execute("SELECT count(*) FROM facility WHERE search_key = ''").fetchone()[0] == 0
        created = con.execute("SELECT count(DISTINCT feature_id) FROM audit WHERE collection = 'facilities' "
                              "AND action = 'create' AND import_id IS NOT NULL").fetchone()[0]
        assert created == expect
    finally:
        con.close()
    assert run_radmap("audit", "verify", db).returncode == 0


def test_bulk_import_keeps_the_spatial_index_and_counters_true(workdir):
    """An import into an empty register (R*Tree packed at the end), then one into the same register
    (points added to the existing tree), then one with a refused row under --skip-invalid: after
    each, the index, the layer counters, the practices, the search keys and the audit agree with the
    rows, and the tile change log covers every row written."""
    db = fresh_db(workdir, "bulk.db")
    first = os.path.join(workdir, "bulk1.csv")
    write_csv(first, bulk_rows(1, 3000, 1), header=BULK_HEADER)
    radmap_import(db, first, "--layer", "facilities")
    assert_register_consistent(db, 3000)
    second = os.path.join(workdir, "bulk2.csv")
    write_csv(second, bulk_rows(3001, 1500, 2), header=BULK_HEADER)
    radmap_import(db, second, "--layer", "facilities")
    assert_register_consistent(db, 4500)
    # A code already in the register: that row is refused by the database, the others are written,
    # and the refused row is nowhere (not in the index, not in the counters).
    third = os.path.join(workdir, "bulk3.csv")
    rows = bulk_rows(4501, 200, 3)
    rows[57] = ("BULK-00042",) + rows[57][1:]
    write_csv(third, rows, header=BULK_HEADER)
    p = radmap_import(db, third, "--layer", "facilities", "--skip-invalid", check=False)
    assert report_rows(p.stdout) == {58}, p.stdout
    assert_register_consistent(db, 4699)
    # The server follows tile_change: each import left one box that holds every point it wrote.
    boxes = sql(db, "SELECT min_lon, min_lat, max_lon, max_lat FROM tile_change WHERE layer = 'facilities' "
                    "ORDER BY id")
    assert len(boxes) >= 3
    for path, box in zip((first, second, third), boxes[-3:]):
        with open(path, encoding="utf-8") as f:
            pts = [(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)]
        assert all(box[0] <= x <= box[2] and box[1] <= y <= box[3] for x, y in pts)


def test_bulk_search_keys_are_the_apis(workdir, start_server):
    """The search key an import computes while inserting is the one the API computes for the same row
    (a PATCH of a field outside the key recomputes it with the collection's own statement), and q=
    finds imported rows by their folded name, licensee and ward."""
    db = fresh_db(workdir, "bulkkeys.db")
    path = os.path.join(workdir, "bulkkeys.csv")
    write_csv(path, bulk_rows(1, 60, 4), header=BULK_HEADER)
    radmap_import(db, path, "--layer", "facilities")
    keys = dict(sql(db, "SELECT id, search_key FROM facility"))
    assert len(keys) == 60
    tok = token(db, "keys.lic", "licensing")
    s = start_server(db)
    for fid in sorted(keys)[:12]:
        url = s.url + "/collections/facilities/items/%d" % fid
        g = requests.get(url, headers=auth(tok), timeout=10)
        assert g.status_code == 200
        r = requests.patch(url, json={"properties": {"contact_phone": "0283829%04d" % fid}}, timeout=10,
                           headers=dict(auth(tok), **{"Content-Type": "application/merge-patch+json",
                                                      "If-Match": g.headers["ETag"]}))
        assert r.status_code == 200, r.text
        assert sql(db, "SELECT search_key FROM facility WHERE id = ?", (fid,))[0][0] == keys[fid]
    with_org = sql(db, "SELECT id FROM facility WHERE organization_id IS NOT NULL")
    assert with_org and all("cong ty dong khoi" in keys[i] for (i,) in with_org)
    r = requests.get(s.url + "/collections/facilities/items", params={"q": "co so khoi 17", "limit": 100},
                     headers=auth(tok), timeout=10)
    assert r.status_code == 200
    assert "BULK-00017" in {f["properties"]["code"] for f in r.json()["features"]}


def worker_records(path):
    """The record stream the sandboxed parser sends for path (`radmap parse-worker`), as (type, payload)."""
    p = subprocess.run([os.environ.get("RADMAP_BIN", "build/radmap"), "parse-worker", path], capture_output=True,
                       timeout=120, env=radmap_env())
    assert p.returncode == 0, p.stderr
    out, recs, i = p.stdout, [], 0
    while i < len(out):
        n = int.from_bytes(out[i + 1:i + 5], "little")
        recs.append((chr(out[i]), out[i + 5:i + 5 + n]))
        i += 5 + n
    return recs


def layer_count(payload):
    """feature_count of a layer record: after the name, the EPSG code, the CRS name and the VN-2000 flag."""
    n = int.from_bytes(payload[:4], "little")
    i = 4 + n + 4
    i += 4 + int.from_bytes(payload[i:i + 4], "little") + 1
    return int.from_bytes(payload[i:i + 8], "little", signed=True)


def test_csv_count_comes_beside_the_rows(workdir):
    """A CSV's row count takes a pass over the file: the parser starts sending rows at once and sends the
    count ('C') when its second handle has it, so the progress bar still shows percent and time left.
    Formats that know their count say it in the layer record, and send no 'C'."""
    path = os.path.join(workdir, "counted.csv")
    write_csv(path, bulk_rows(1, 20000, 9), header=BULK_HEADER)
    recs = worker_records(path)
    types = [t for t, _ in recs]
    assert types[-1] == "Z" and types.count("F") == 20000
    layer = [p for t, p in recs if t == "L"]
    assert len(layer) == 1 and layer_count(layer[0]) == -1
    counts_sent = [int.from_bytes(p, "little", signed=True) for t, p in recs if t == "C"]
    assert counts_sent == [20000]
    assert types.index("C") > types.index("L")
    # A GeoJSON file knows its count: the layer record has it.
    gj = os.path.join(workdir, "counted.geojson")
    with open(gj, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "GJ-%d" % i, "name": "Cơ sở %d" % i},
             "geometry": {"type": "Point", "coordinates": [106.7 + i * 1e-3, 10.78]}} for i in range(30)]}, f)
    recs = worker_records(gj)
    assert [t for t, _ in recs].count("C") == 0
    assert layer_count([p for t, p in recs if t == "L"][0]) == 30
    # The importer takes the count: a plain progress line gives the total and the percent.
    db = fresh_db(workdir, "counted.db")
    p = run_radmap("import", db, path, "--layer", "facilities")
    assert "/20000 rows (" in p.stderr and "20000 rows in" in p.stderr, p.stderr
    assert "note: layer 'counted': CRS EPSG:4326" in p.stderr, p.stderr


def test_bulk_ids_and_audit_order(workdir, start_server):
    """Rows written in batches get the ids AUTOINCREMENT would give them (never an id the register
    used before, even after deletions), and the audit trail follows the file: each row's audit row
    comes in file order, after the audit row of the licensee the import created for it."""
    db = fresh_db(workdir, "bulkids.db")
    first = os.path.join(workdir, "bulkids1.csv")
    write_csv(first, bulk_rows(1, 100, 5), header=BULK_HEADER)
    radmap_import(db, first, "--layer", "facilities")
    assert sql(db, "SELECT min(id), max(id), count(*) FROM facility") == [(1, 100, 100)]
    # The newest rows are deleted through the API: their ids are not given again.
    tok = token(db, "ids.lic", "licensing")
    s = start_server(db)
    for fid in (97, 98, 99, 100):
        url = s.url + "/collections/facilities/items/%d" % fid
        g = requests.get(url, headers=auth(tok), timeout=10)
        r = requests.delete(url, headers=dict(auth(tok), **{"If-Match": g.headers["ETag"]}), timeout=10)
        assert r.status_code in (200, 204), r.text
    assert sql(db, "SELECT max(id) FROM facility") == [(96,)]
    second = os.path.join(workdir, "bulkids2.csv")
    # 37 rows: two whole batches and a partial one; row 20 repeats a code, so its batch is written row by row.
    rows = bulk_rows(101, 37, 6)
    rows[19] = ("BULK-00003",) + rows[19][1:]
    # Licensees the register does not know yet, in the middle of batches.
    for i in (5, 22, 33):
        rows[i] = rows[i][:5] + ("Công ty Mới %d" % i,) + rows[i][6:]
    write_csv(second, rows, header=BULK_HEADER)
    old_orgs = {o for (o,) in sql(db, "SELECT id FROM organization")}
    p = radmap_import(db, second, "--layer", "facilities", "--skip-invalid", check=False)
    assert report_rows(p.stdout) == {20}, p.stdout
    got = sql(db, "SELECT id, code FROM facility WHERE id > 96 ORDER BY id")
    want = [r[0] for i, r in enumerate(rows) if i != 19]
    assert [c for _, c in got] == want
    assert [i for i, _ in got] == list(range(101, 101 + 36))
    assert sql(db, "SELECT seq FROM sqlite_sequence WHERE name = 'facility'") == [(136,)]
    # The server's next facility follows them.
    r = requests.post(s.url + "/collections/facilities/items", headers=auth(tok), timeout=10, json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [106.7, 10.78]},
        "properties": {"code": "AFTER-1", "name": "Cơ sở sau", "practice": "medical_xray"}})
    assert r.status_code == 201, r.text
    assert sql(db, "SELECT id FROM facility WHERE code = 'AFTER-1'") == [(137,)]
    # Audit order: file rows increasing; a licensee's creation before the first row that names it.
    imp = sql(db, "SELECT id FROM gis_import ORDER BY rowid")[-1][0]
    trail = sql(db, "SELECT collection, feature_id, after_json FROM audit WHERE import_id = ? ORDER BY id", (imp,))
    file_rows, seen_orgs = [], set()
    for k, (coll, fid, after) in enumerate(trail):
        a = json.loads(after)
        if coll == "organizations":
            seen_orgs.add(fid)
            # The rows before it are written before it: the next entry is the row that named it.
            nxt = json.loads(trail[k + 1][2])
            assert trail[k + 1][0] == "facilities" and nxt["properties"]["organization_id"] == fid, trail[k + 1]
            continue
        file_rows.append(a["import"]["row"])
        org = a["properties"].get("organization_id")
        assert org is None or org in seen_orgs or org in old_orgs, (a, seen_orgs)
    assert file_rows == sorted(file_rows) and len(file_rows) == 36
    assert len(seen_orgs) == 3
    assert run_radmap("audit", "verify", db).returncode == 0
