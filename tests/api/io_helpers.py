"""
Helpers of the GIS file tests (test_import.py, test_export.py, test_offline.py): tokens for a role,
fresh registers, running `radmap import`, reading files back with GDAL, PROJ's own transformation
(the pinned EPSG:6960 pipeline, through cct) as the independent oracle of VN-2000 positions, and
polling background jobs.
"""
import json
import os
import sqlite3
import subprocess
import time

import pytest
import requests

from conftest import RADMAP_BIN, REPO, run_radmap

ogr = pytest.importorskip("osgeo.ogr", reason="GDAL's Python bindings (python3-gdal) read the files back")
gdal = pytest.importorskip("osgeo.gdal")
osr = pytest.importorskip("osgeo.osr")
gdal.UseExceptions()
ogr.UseExceptions()


def token(db, name, role):
    """A read-write bearer token of a new user of db with that role."""
    p = run_radmap("user", "add", db, name, "--role", role, check=False)
    if p.returncode != 0:
        p = run_radmap("user", "token", db, name)
    return p.stdout.strip().splitlines()[-1].strip()


def auth(tok):
    return {"Authorization": "Bearer " + tok}


def fresh_db(workdir, name):
    path = os.path.join(workdir, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    run_radmap("init", path)
    return path


def sql(db, query, args=()):
    """Rows of a read-only query on db (plain sqlite3: only columns without SpatiaLite functions)."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def radmap_import(db, path, *args, check=True):
    return run_radmap("import", db, path, "--quiet", *args, check=check)


def report_rows(stdout):
    """The rows named in the CSV report of `radmap import` (row,field,reason lines)."""
    rows = set()
    for line in stdout.splitlines():
        head = line.split(",", 1)[0]
        if head.isdigit():
            rows.add(int(head))
    return rows


def read_layer(path, layer=None):
    """[(fid, {field: value}, (x, y) or None)] of a file read back with GDAL."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    lyr = ds.GetLayerByName(layer) if layer else ds.GetLayer(0)
    out = []
    for f in lyr:
        g = f.GetGeometryRef()
        out.append((f.GetFID(), f.items(), (g.GetX(), g.GetY()) if g else None))
    return out


def proj_pipeline(src, dst):
    """The PROJ pipeline of the national VN-2000 transformation (EPSG:6960) from src to dst."""
    p = subprocess.run(["projinfo", "-s", src, "-t", dst, "-o", "PROJ", "--single-line", "-q",
                        "--spatial-test", "intersects"], capture_output=True, text=True, check=True)
    ops = [l for l in p.stdout.splitlines() if l.startswith("+proj=pipeline")]
    pinned = [o for o in ops if "-191.90441429" in o]
    assert pinned, "projinfo lists no EPSG:6960 pipeline:\n" + p.stdout
    return pinned[0]


def proj_to_wgs84(epsg, points):
    """[(easting, northing)] in EPSG:epsg to [(lon, lat)] by PROJ itself (cct, the EPSG:6960 pipeline)."""
    pl = proj_pipeline("EPSG:%d" % epsg, "EPSG:4326")
    data = "".join("%.4f %.4f 0 0\n" % (x, y) for x, y in points)
    p = subprocess.run(["cct", "-d", "10"] + pl.split(), input=data, capture_output=True, text=True, check=True)
    out = []
    for line in p.stdout.splitlines():
        a = line.split()
        if len(a) >= 2:
            out.append((float(a[1]), float(a[0])))  # the pipeline ends latitude first
    return out


def wait_job(http_get, url, timeout=120):
    """Poll a /jobs/{id} URL until the job ends; its JSON."""
    deadline = time.monotonic() + timeout
    while True:
        r = http_get(url)
        assert r.status_code == 200, r.text
        j = r.json()
        if j["status"] in ("done", "failed"):
            return j
        assert time.monotonic() < deadline, "job did not end: %s" % j
        time.sleep(0.1)


def multipart_import(url, tok, path, fields, filename=None, content=None):
    """POST /imports with the file at path (or content) and the form fields (a list of pairs)."""
    if content is None:
        with open(path, "rb") as f:
            content = f.read()
    files = [("file", (filename or os.path.basename(path), content, "application/octet-stream"))]
    return requests.post(url + "/imports", headers=auth(tok), files=files, data=fields, timeout=60)
