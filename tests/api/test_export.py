"""
Features out as GIS files: ?f=csv|xlsx|gpkg|kml|shp on /collections/{c}/items (filters, bbox, crs and
the caller's visibility as for the JSON answer), `radmap export`, large exports as jobs, and the
round trip export GPKG -> import into an empty register. Every file is read back with GDAL and
compared with the API's own JSON, Vietnamese text included.

    RADMAP_BIN=build/radmap /usr/bin/python3 -m pytest -q tests/api/test_export.py
"""
import csv
import os
import time

import pytest
import requests

from conftest import AUTH, run_radmap
from io_helpers import auth, fresh_db, gdal, ogr, radmap_import, read_layer, sql, token, wait_job

BBOX = "106.66,10.74,106.72,10.80"  # the old inner districts: a few hundred facilities of the demo city
TEXT_FIELDS = ("code", "name", "practice", "status", "address", "ward")


@pytest.fixture(scope="module")
def reference(base_url, http):
    """The facilities of BBOX as the API's JSON gives them, by code."""
    r = http.get(base_url + "/collections/facilities/items", params={"bbox": BBOX, "limit": 10000}, timeout=120)
    assert r.status_code == 200
    feats = r.json()["features"]
    assert 20 <= len(feats) <= 1000, len(feats)
    return {f["properties"]["code"]: f for f in feats}


def download(http, url, params, path):
    r = http.get(url, params=params, timeout=300)
    assert r.status_code == 200, r.text[:300]
    with open(path, "wb") as f:
        f.write(r.content)
    return r


FORMATS = [("csv", "text/csv", ".csv"), ("xlsx", "application/vnd.openxmlformats", ".xlsx"),
           ("gpkg", "application/geopackage+sqlite3", ".gpkg"), ("kml", "application/vnd.google-earth.kml+xml", ".kml"),
           ("shp", "application/zip", ".shp.zip")]


def open_export(path, fmt):
    if fmt == "shp":
        return read_layer("/vsizip/" + path)
    if fmt == "csv":
        ds = gdal.OpenEx(path, gdal.OF_VECTOR, open_options=["X_POSSIBLE_NAMES=X", "Y_POSSIBLE_NAMES=Y",
                                                               "KEEP_GEOM_COLUMNS=NO"])
        out = []
        for f in ds.GetLayer(0):
            g = f.GetGeometryRef()
            out.append((f.GetFID(), f.items(), (g.GetX(), g.GetY())))
        return out
    if fmt == "xlsx":
        return [(fid, items, (float(items["lon"]), float(items["lat"]))) for fid, items, _ in read_layer(path)]
    return read_layer(path)


@pytest.mark.parametrize("fmt,mime,ext", FORMATS)
def test_export_formats_read_back(base_url, http, workdir, reference, fmt, mime, ext):
    path = os.path.join(workdir, "export_fac" + ext)
    r = download(http, base_url + "/collections/facilities/items", {"f": fmt, "bbox": BBOX}, path)
    assert r.headers["Content-Type"].startswith(mime), r.headers["Content-Type"]
    assert 'filename="facilities%s"' % ext in r.headers["Content-Disposition"]
    assert int(r.headers["X-Feature-Count"]) == len(reference)
    if fmt == "csv":
        with open(path, "rb") as f:
            assert f.read(3) == b"\xef\xbb\xbf", "the CSV has no UTF-8 BOM (Excel would garble Vietnamese)"
    rows = open_export(path, fmt)
    assert len(rows) == len(reference)
    for _, items, (x, y) in rows:
        items = {k.lower(): v for k, v in items.items()}
        ref = reference[items["code"]]
        for k in TEXT_FIELDS:
            want = ref["properties"].get(k)
            got = items.get(k)
            assert (got or None) == (want or None), (fmt, items["code"], k, got, want)
        lon, lat = ref["geometry"]["coordinates"]
        assert abs(x - lon) < 1e-7 and abs(y - lat) < 1e-7, (fmt, items["code"], (x, y), (lon, lat))
        if fmt != "kml":
            # Numbers stay numbers (KML keeps text); a shapefile cuts names to 10 characters.
            key = "source_count"[:10] if fmt == "shp" else "source_count"
            assert int(float(items[key])) == ref["properties"]["source_count"]


def test_export_filters_crs_and_visibility(base_url, http, workdir, demo_db, reference):
    # A filter: only the medical X-ray facilities of the box.
    want = {c for c, f in reference.items() if "medical_xray" in (f["properties"]["practices"] or [])}
    path = os.path.join(workdir, "xray.gpkg")
    download(http, base_url + "/collections/facilities/items", {"f": "gpkg", "bbox": BBOX, "practice": "medical_xray"},
             path)
    assert {items["code"] for _, items, _ in read_layer(path)} == want
    # crs=EPSG:9210: the same positions as the API gives in that CRS (to the millimetre).
    crs = "http://www.opengis.net/def/crs/EPSG/0/9210"
    r = http.get(base_url + "/collections/facilities/items", params={"bbox": BBOX, "limit": 10000, "crs": crs},
                 timeout=120)
    api = {f["properties"]["code"]: f["geometry"]["coordinates"] for f in r.json()["features"]}
    path = os.path.join(workdir, "tm3.gpkg")
    r = download(http, base_url + "/collections/facilities/items", {"f": "gpkg", "bbox": BBOX, "crs": crs}, path)
    assert r.headers["Content-Crs"] == "<%s>" % crs
    ds = gdal.OpenEx(path)
    assert ds.GetLayer(0).GetSpatialRef().GetAuthorityCode(None) == "9210"
    for _, items, (x, y) in read_layer(path):
        e, n = api[items["code"]]
        assert abs(x - e) < 0.002 and abs(y - n) < 0.002, (items["code"], (x, y), (e, n))
    r = http.get(base_url + "/collections/facilities/items", params={"f": "kml", "crs": crs}, timeout=30)
    assert r.status_code == 400 and "KML" in r.json()["detail"]
    # A viewer's export has no source detail; sources are not theirs to export.
    viewer = token(demo_db, "export.viewer", "viewer")
    r = requests.get(base_url + "/collections/facilities/items", params={"f": "csv", "bbox": BBOX},
                     headers=auth(viewer), timeout=120)
    assert r.status_code == 200
    header = r.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert "name" in header and "source_count" not in header and "max_category" not in header, header
    r = requests.get(base_url + "/collections/sources/items", params={"f": "csv"}, headers=auth(viewer), timeout=30)
    assert r.status_code == 404
    # Sensitive exports are read-logged like any read.
    n0 = sql(demo_db, "SELECT count(*) FROM read_log WHERE collection = 'sources'")[0][0]
    r = http.get(base_url + "/collections/sources/items", params={"f": "xlsx", "bbox": BBOX}, timeout=120)
    assert r.status_code == 200
    deadline = time.monotonic() + 10
    while sql(demo_db, "SELECT count(*) FROM read_log WHERE collection = 'sources'")[0][0] == n0:
        assert time.monotonic() < deadline, "the export of sources was not read-logged"
        time.sleep(0.2)
    r = http.get(base_url + "/collections/facilities/items", params={"f": "docx"}, timeout=10)
    assert r.status_code == 400


def test_round_trip_gpkg(base_url, http, workdir, reference):
    """Export GPKG, import it into an empty register: the same features."""
    path = os.path.join(workdir, "roundtrip.gpkg")
    download(http, base_url + "/collections/facilities/items", {"f": "gpkg", "bbox": BBOX}, path)
    db = fresh_db(workdir, "roundtrip.db")
    p = radmap_import(db, path, "--layer", "facilities")
    assert "%d created" % len(reference) in p.stdout, p.stdout + p.stderr
    got = {r[0]: r for r in sql(db, "SELECT code, name, practice, status, address, ward, legacy_district, legacy_ward, "
                                     "contact_name, contact_phone, contact_email, lon, lat FROM facility")}
    assert set(got) == set(reference)
    keys = ("code", "name", "practice", "status", "address", "ward", "legacy_district", "legacy_ward", "contact_name",
            "contact_phone", "contact_email")
    for code, f in reference.items():
        p = f["properties"]
        row = got[code]
        for i, k in enumerate(keys):
            assert row[i] == p.get(k), (code, k, row[i], p.get(k))
        assert row[11] == f["geometry"]["coordinates"][0] and row[12] == f["geometry"]["coordinates"][1]
        prac = sql(db, "SELECT group_concat(practice) FROM (SELECT fp.practice FROM facility_practice fp JOIN facility t "
                       "ON t.id = fp.facility_id WHERE t.code = ? ORDER BY fp.practice)", (code,))[0][0]
        assert sorted(prac.split(",")) == sorted(p["practices"]), code
    # Licensees come back by name (ids are local to a register).
    orgs = {n for (n,) in sql(db, "SELECT name FROM organization")}
    assert orgs == {f["properties"]["organization"] for f in reference.values() if f["properties"]["organization"]}


def test_cli_export(demo_db, workdir, base_url, http):
    out = os.path.join(workdir, "cli_sources.geojson")
    p = run_radmap("export", demo_db, "--layer", "sources", "--format", "geojson", out)
    n = int(p.stdout.split()[1])
    r = http.get(base_url + "/collections/sources/items", params={"limit": 1}, timeout=30)
    assert n == r.json()["numberMatched"]
    rows = read_layer(out)
    assert len(rows) == n and all(g is not None for _, _, g in rows)
    out = os.path.join(workdir, "cli_fac.zip")
    run_radmap("export", demo_db, "--layer", "receptors", "--format", "shp", out, "--role", "public")
    assert len(read_layer("/vsizip/" + out)) > 0
    p = run_radmap("export", demo_db, "--layer", "sources", "--format", "csv", out, "--role", "viewer", check=False)
    assert p.returncode == 2


def test_large_export_is_a_job(workdir, start_server):
    db = fresh_db(workdir, "large_export.db")
    path = os.path.join(workdir, "large.csv")
    n = 20050
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "practice", "lon", "lat"])
        for i in range(n):
            w.writerow(["L-%05d" % i, "Cơ sở %d" % i, "medical_xray", "%.6f" % (106.5 + (i % 200) * 0.002),
                        "%.6f" % (10.6 + (i // 200) * 0.004)])
    radmap_import(db, path, "--layer", "facilities")
    tok = token(db, "large.insp", "inspector")
    other = token(db, "large.other", "inspector")
    s = start_server(db)
    r = requests.get(s.url + "/collections/facilities/items", params={"f": "csv"}, headers=auth(tok), timeout=60)
    assert r.status_code == 202, r.text[:200]
    job = wait_job(lambda u: requests.get(u, headers=auth(tok), timeout=10), r.headers["Location"], timeout=600)
    assert job["status"] == "done" and job["result"]["features"] == n
    assert requests.get(r.headers["Location"], headers=auth(other), timeout=10).status_code == 404
    link = [l for l in job["links"] if l["rel"] == "enclosure"][0]
    f = requests.get(link["href"], headers=auth(tok), timeout=120)
    assert f.status_code == 200 and f.content.startswith(b"\xef\xbb\xbf")
    lines = f.content.decode("utf-8-sig").splitlines()
    assert len(lines) == n + 1 and "Cơ sở 20049" in lines[-1]
