"""
"What is near": GET/POST /proximity, GET /nearest, GET /sources/{id}/zones, GET /alerts, the
receptors collection and its demo rows, checked against a brute-force computation over every row of
the register.

The oracle reads every point straight from the database file (sqlite3, no server) and measures it
with PROJ's `geod` command (Karney's algorithm, run as a separate program), so an answer must hold
exactly the rows a full scan finds, with the same distances to a millimetre and the same order. The
points tested include the corners of the data's extent (circles that reach past the edge of the data),
a circle of radius 0 on a facility, the 100 km maximum, a point far outside the service area, and
VN-2000 input (EPSG:9210) converted with the pinned EPSG:6960 pipeline of authutil.

    RADMAP_BIN=build/radmap /usr/bin/python3 -m pytest -q tests/api/test_proximity.py
"""
import csv
import hashlib
import json
import math
import os
import sqlite3
import subprocess
import time

import pytest
import requests

import authutil
from authutil import Realm, au_demo  # noqa: F401 (a fixture)
from conftest import REPO, TODAY, fetch_all, problem, run_radmap

LAYERS = ["sources", "facilities", "devices", "receptors"]
TABLE = {"sources": "source", "facilities": "facility", "devices": "device", "receptors": "receptor"}
HELD = ("in_use", "stored", "disused", "found")


# --- the oracle -----------------------------------------------------------------------------------------

def geod_inverse(pairs):
    """[(lon1, lat1, lon2, lat2)] -> [(distance_m, bearing_deg)] by PROJ's geod (one process)."""
    if not pairs:
        return []
    inp = "".join("%.10f %.10f %.10f %.10f\n" % (a[1], a[0], a[3], a[2]) for a in pairs)
    p = subprocess.run(["geod", "-I", "+ellps=WGS84", "-f", "%.12f", "-F", "%.6f"], input=inp,
                       capture_output=True, text=True, check=True)
    out = []
    for line in p.stdout.splitlines():
        az12, _, dist = line.split()
        out.append((float(dist), float(az12) % 360.0))
    assert len(out) == len(pairs)
    return out


def geod_direct(lon, lat, az, dist):
    p = subprocess.run(["geod", "+ellps=WGS84", "-f", "%.12f", "-F", "%.6f"],
                       input="%.12f %.12f %.12f %.6f\n" % (lat, lon, az, dist), capture_output=True, text=True,
                       check=True)
    lat2, lon2 = p.stdout.split()[:2]
    return float(lon2), float(lat2)


class Register:
    """Every point of the register's four layers, read from the file."""

    def __init__(self, path):
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        self.rows = {}
        for layer in LAYERS:
            self.rows[layer] = [tuple(r) for r in con.execute(
                "SELECT id, lon, lat FROM %s ORDER BY id" % TABLE[layer])]
        self.source_status = dict(con.execute("SELECT id, status FROM source"))
        self.source_nuclide = dict(con.execute("SELECT id, nuclide FROM source"))
        self.facility_holds = {}
        for fid, nuc in con.execute("SELECT facility_id, nuclide FROM source WHERE status IN (%s)" %
                                    ",".join("'%s'" % s for s in HELD)):
            self.facility_holds.setdefault(fid, set()).add(nuc)
        self.receptor_kind = dict(con.execute("SELECT id, kind FROM receptor"))
        self.extent = {r[0]: r[1:] for r in con.execute(
            "SELECT layer, min_lon, min_lat, max_lon, max_lat FROM layer_stat")}
        con.close()

    def measure(self, lon, lat, layers=LAYERS, keep=None):
        """[(distance, layer_index, id, bearing, layer)] of every row, sorted as the server sorts."""
        items = []
        for layer in layers:
            for rid, x, y in self.rows[layer]:
                if keep is None or keep(layer, rid):
                    items.append((layer, rid, x, y))
        res = geod_inverse([(lon, lat, x, y) for _, _, x, y in items])
        out = [(d, LAYERS.index(layer), rid, b, layer) for (layer, rid, _, _), (d, b) in zip(items, res)]
        out.sort(key=lambda t: (t[0], t[1], t[2]))
        return out


@pytest.fixture(scope="session")
def reg(demo_db, demo_server):
    return Register(demo_db)


@pytest.fixture(scope="session")
def props(base_url, http, scan):
    """{layer: {id: properties}} of the items API (the receptors too)."""
    out = {c: {i: f["properties"] for i, f in feats.items()} for c, feats in scan.items()}
    out["receptors"] = {f["id"]: f["properties"] for f in fetch_all(http, base_url + "/collections/receptors/items")}
    return out


def token(db, name, role, read_only=False):
    args = ["user", "add", db, name, "--role", role] + (["--read-only"] if read_only else [])
    p = run_radmap(*args, check=False)
    if p.returncode != 0:
        p = run_radmap("user", "token", db, name, *(["--read-only"] if read_only else []))
    return p.stdout.strip().splitlines()[-1].strip()


@pytest.fixture(scope="session")
def planner(demo_db, demo_server):
    """Headers of a planner with write scope (POST /proximity is a POST)."""
    return {"Authorization": "Bearer " + token(demo_db, "proxplanner", "planner")}


@pytest.fixture(scope="session")
def viewer(demo_db, demo_server):
    return {"Authorization": "Bearer " + token(demo_db, "proxviewer", "viewer", read_only=True)}


def get(http, url, path, **params):
    r = http.get(url + path, params=params, timeout=120)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"] == "application/geo+json"
    return r.json()


def check_features(feats, expected, with_bearing=True):
    """The features are exactly expected (oracle tuples), in order, distances to 1 mm."""
    got = [(f["properties"]["layer"], f["id"]) for f in feats]
    want = [(t[4], t[2]) for t in expected]
    assert got == want, "first difference at %d" % next(
        (i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    for f, t in zip(feats, expected):
        assert abs(f["properties"]["distance_m"] - t[0]) <= 0.001, (f["id"], f["properties"]["distance_m"], t[0])
        if with_bearing and t[0] > 1:
            db = (f["properties"]["bearing_deg"] - t[3] + 540) % 360 - 180
            assert abs(db) < 1e-5, (f["id"], f["properties"]["bearing_deg"], t[3])


def within(oracle, radius):
    """Oracle rows inside the radius; None when a row is too close to the edge to decide (a
    micrometre): the caller then picks another radius."""
    if any(t[0] != radius and abs(t[0] - radius) < 1e-6 for t in oracle):
        return None
    return [t for t in oracle if t[0] <= radius]


def check_summary(summary, expected, props, layers=LAYERS):
    assert summary["total"] == len(expected)
    for layer in layers:
        mine = [t for t in expected if t[4] == layer]
        assert summary["layers"][layer]["count"] == len(mine), layer
        cat_prop = {"sources": "iaea_category", "facilities": "max_category"}.get(layer)
        if cat_prop:
            want = {str(c): 0 for c in range(1, 6)}
            want["none"] = 0
            for t in mine:
                c = props[layer][t[2]][cat_prop]
                want[str(c) if c else "none"] += 1
            assert summary["layers"][layer]["by_category"] == want, layer
    cats = [props[t[4]][t[2]][{"sources": "iaea_category", "facilities": "max_category"}[t[4]]]
            for t in expected if t[4] in ("sources", "facilities")]
    cats = [c for c in cats if c]
    assert summary["highest_category"] == (min(cats) if cats else None)
    act = {}
    for t in expected:
        if t[4] == "sources":
            p = props["sources"][t[2]]
            act[p["nuclide"]] = act.get(p["nuclide"], 0.0) + (p["activity_bq_now"] or 0.0)
    got = summary.get("activity_bq_by_nuclide", {})
    assert sorted(got) == sorted(act)
    for n, v in act.items():
        assert math.isclose(got[n], v, rel_tol=1e-9), n
    rec = [t for t in expected if t[4] == "receptors"]
    assert [r["id"] for r in summary["receptors"]] == [t[2] for t in rec][:1000]
    for r, t in zip(summary["receptors"], rec):
        assert r["name"] == props["receptors"][t[2]]["name"]
        assert r["kind"] == props["receptors"][t[2]]["kind"]
        assert abs(r["distance_m"] - t[0]) <= 0.001


# --- GET /proximity -----------------------------------------------------------------------------------

def points(reg):
    """(name, lon, lat, radius) of the tested circles."""
    e = reg.extent["facilities"]
    fac = reg.rows["facilities"][17]
    west = min(reg.rows["facilities"], key=lambda r: r[1])
    return [
        ("city centre", 106.7009, 10.7769, 3000.0),
        ("radius 0 on a facility", fac[1], fac[2], 0.0),
        ("south-west corner of the data", e[0], e[1], 15000.0),
        ("north-east corner of the data", e[2], e[3], 25000.0),
        ("north-west corner", e[0], e[3], 40000.0),
        ("westmost facility", west[1], west[2], 20000.0),
        ("Vũng Tàu, reaching the sea", 107.0843, 10.3460, 12000.0),
        ("100 km around the centre", 106.70, 10.85, 100000.0),
        ("Hanoi, outside the data", 105.8542, 21.0285, 100000.0),
    ]


def test_radius_equals_brute_force(reg, props, base_url, http):
    for name, lon, lat, radius in points(reg):
        oracle = reg.measure(lon, lat)
        expected = within(oracle, radius)
        assert expected is not None, name
        doc = get(http, base_url, "/proximity", lon=repr(lon), lat=repr(lat), radius=repr(radius), limit=10000)
        assert doc["type"] == "FeatureCollection"
        assert doc["query"]["radius_m"] == radius and doc["query"]["layers"] == LAYERS
        assert doc["numberMatched"] == len(expected), name
        assert doc["numberReturned"] == min(len(expected), 10000)
        check_features(doc["features"], expected[:10000])
        check_summary(doc["summary"], expected, props)
        if name == "Hanoi, outside the data":
            assert expected == [] and doc["features"] == []
        if name == "radius 0 on a facility":
            assert expected and all(t[0] == 0 for t in expected)


def test_without_summary_same_features(reg, base_url, http):
    """summary=false answers from the spatial index alone where it can: the same features, in the
    same order, with the same distances, and the same numberMatched."""
    for name, lon, lat, radius in points(reg):
        for limit in (1, 50, 10000):
            a = get(http, base_url, "/proximity", lon=repr(lon), lat=repr(lat), radius=repr(radius), limit=limit)
            b = get(http, base_url, "/proximity", lon=repr(lon), lat=repr(lat), radius=repr(radius), limit=limit,
                    summary="false")
            assert "summary" not in b
            assert b["numberMatched"] == a["numberMatched"], name
            assert b["features"] == a["features"], name
    problem(http.get(base_url + "/proximity", params=dict(lon=106.7, lat=10.7, radius=10, summary="no")), 400,
            "summary")


def test_properties_selection(reg, props, base_url, http):
    full = get(http, base_url, "/proximity", lon="106.7009", lat="10.7769", radius="1500", limit=10000)
    some = get(http, base_url, "/proximity", lon="106.7009", lat="10.7769", radius="1500", limit=10000,
               properties="name,nuclide,status")
    none = get(http, base_url, "/proximity", lon="106.7009", lat="10.7769", radius="1500", limit=10000, properties="")
    assert [f["id"] for f in some["features"]] == [f["id"] for f in full["features"]] == \
        [f["id"] for f in none["features"]]
    for a, b, c in zip(full["features"], some["features"], none["features"]):
        want = {k: v for k, v in a["properties"].items()
                if k in ("name", "nuclide", "status", "layer", "distance_m", "bearing_deg")}
        assert b["properties"] == want
        assert c["properties"] == {k: a["properties"][k] for k in ("layer", "distance_m", "bearing_deg")}
        assert a["geometry"] == b["geometry"] == c["geometry"]
    near = get(http, base_url, "/nearest", lon="106.7009", lat="10.7769", k=20, properties="")
    check_features(near["features"], reg.measure(106.7009, 10.7769)[:20])
    problem(http.get(base_url + "/proximity", params=dict(lon=106.7, lat=10.7, radius=10, properties="colour")),
            400, "properties", "colour", "nuclide")


def test_feature_properties_are_the_collections(reg, props, base_url, http):
    doc = get(http, base_url, "/proximity", lon="106.7009", lat="10.7769", radius="1500", limit=10000)
    assert doc["features"]
    for f in doc["features"]:
        p = dict(f["properties"])
        layer = p.pop("layer")
        p.pop("distance_m")
        p.pop("bearing_deg")
        assert p == props[layer][f["id"]], (layer, f["id"])
        assert f["geometry"]["type"] == "Point"
        assert [round(v, 7) for v in f["geometry"]["coordinates"]] == \
            [round(v, 7) for v in next(r[1:] for r in reg.rows[layer] if r[0] == f["id"])]


def test_limit_keeps_nearest_and_full_summary(reg, props, base_url, http):
    oracle = reg.measure(106.69, 10.78)
    expected = within(oracle, 4000.0)
    doc = get(http, base_url, "/proximity", lon="106.69", lat="10.78", radius="4000", limit=7)
    check_features(doc["features"], expected[:7])
    assert doc["numberMatched"] == len(expected)
    check_summary(doc["summary"], expected, props)
    doc = get(http, base_url, "/proximity", lon="106.69", lat="10.78", radius="4000", limit=0)
    assert doc["features"] == [] and doc["summary"]["total"] == len(expected)


def test_layers_and_filters(reg, props, base_url, http):
    lon, lat, radius = 106.72, 10.80, 8000.0
    oracle = within(reg.measure(lon, lat), radius)
    # one layer
    doc = get(http, base_url, "/proximity", lon=lon, lat=lat, radius=radius, layers="receptors", limit=10000)
    check_features(doc["features"], [t for t in oracle if t[4] == "receptors"])
    assert list(doc["summary"]["layers"]) == ["receptors"]
    # a filter two layers have: the others are left out by default
    doc = get(http, base_url, "/proximity", lon=lon, lat=lat, radius=radius, nuclide="Co-60", limit=10000)
    assert doc["query"]["layers"] == ["sources", "facilities"]
    want = [t for t in oracle if (t[4] == "sources" and reg.source_nuclide[t[2]] == "Co-60") or
            (t[4] == "facilities" and "Co-60" in reg.facility_holds.get(t[2], ()))]
    check_features(doc["features"], want)
    # a filter of receptors only
    doc = get(http, base_url, "/proximity", lon=lon, lat=lat, radius=radius, kind="school", limit=10000)
    assert doc["query"]["layers"] == ["receptors"]
    check_features(doc["features"], [t for t in oracle if t[4] == "receptors" and reg.receptor_kind[t[2]] == "school"])
    # category filter on sources
    doc = get(http, base_url, "/proximity", lon=lon, lat=lat, radius=radius, layers="sources", category=5,
              limit=10000)
    check_features(doc["features"], [t for t in oracle if t[4] == "sources" and
                                     props["sources"][t[2]]["iaea_category"] == 5])
    # an explicit layer without the filter is an error naming both
    problem(http.get(base_url + "/proximity", params=dict(lon=lon, lat=lat, radius=radius, layers="devices",
                                                          kind="school")), 400, "kind", "devices")
    problem(http.get(base_url + "/proximity", params=dict(lon=lon, lat=lat, radius=radius, colour="red")), 400,
            "colour")
    problem(http.get(base_url + "/proximity", params=dict(lon=lon, lat=lat, radius=radius, layers="sources",
                                                          status="misplaced")), 400, "status", "lost")


@pytest.mark.parametrize("params, words", [
    ({"lon": "106.7", "lat": "10.7"}, ["radius"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "-1"}, ["radius", "100000"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "100000.5"}, ["radius", "100000"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "abc"}, ["radius"]),
    ({"lat": "10.7", "radius": "10"}, ["lon"]),
    ({"lon": "181", "lat": "10.7", "radius": "10"}, ["lon", "180"]),
    ({"lon": "106.7", "lat": "-91", "radius": "10"}, ["lat", "90"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "10", "layers": "boundaries"}, ["layers", "boundaries"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "10", "layers": "sources,sources"}, ["twice"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "10", "limit": "-1"}, ["limit"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "10", "crs": "EPSG:3395"}, ["crs", "EPSG:9210"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "10", "crs": "EPSG:9210"}, ["easting", "northing"]),
    ({"easting": "1", "northing": "2", "radius": "10"}, ["lon", "lat"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "10", "at": "2026-13-01"}, ["at"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "10", "f": "html"}, ["f"]),
])
def test_proximity_errors(base_url, http, params, words):
    problem(http.get(base_url + "/proximity", params=params, timeout=30), 400, *words)


def test_vn2000_point(reg, base_url, http):
    lon, lat = 106.66, 10.79
    (e, n), = authutil.wgs84_to_vn2000(9210, [(lon, lat)])
    doc = get(http, base_url, "/proximity", crs="http://www.opengis.net/def/crs/EPSG/0/9210", easting="%.4f" % e,
              northing="%.4f" % n, radius=2500, limit=10000)
    (plon, plat), = authutil.vn2000_to_wgs84(9210, [(float("%.4f" % e), float("%.4f" % n))])
    assert abs(doc["query"]["lon"] - plon) < 1e-9 and abs(doc["query"]["lat"] - plat) < 1e-9
    # the datum trap: cs2cs left to itself lands elsewhere; radmap does not
    (ulon, ulat), = authutil.cs2cs_unpinned(9210, [(e, n)])
    assert authutil.metres_between(ulon, ulat, plon, plat) > 0.3
    expected = within(reg.measure(doc["query"]["lon"], doc["query"]["lat"]), 2500.0)
    check_features(doc["features"], expected)
    # the same point as EPSG:9210 in a short form, and swapped axes are caught
    doc2 = get(http, base_url, "/proximity", crs="EPSG:9210", easting="%.4f" % e, northing="%.4f" % n, radius=2500,
               limit=10000)
    assert [f["id"] for f in doc2["features"]] == [f["id"] for f in doc["features"]]
    problem(http.get(base_url + "/proximity", params=dict(crs="EPSG:9210", easting=n, northing=e, radius=10)), 400,
            "EPSG:9210", "swapped")
    # VN-2000 geographic
    (vlon, vlat), = [(b, a) for a, b in authutil.cct(authutil.pinned_pipeline(4756), [(lat, lon)], inverse=True)]
    doc = get(http, base_url, "/nearest", crs="EPSG:4756", lon=repr(vlon), lat=repr(vlat), k=1)
    assert abs(doc["query"]["lon"] - lon) < 1e-8 and abs(doc["query"]["lat"] - lat) < 1e-8


# --- GET /nearest -------------------------------------------------------------------------------------

def test_nearest_equals_brute_force(reg, base_url, http):
    e = reg.extent["facilities"]
    pts = [(106.7009, 10.7769), (e[0], e[1]), (e[2], e[3]), (e[0] - 0.3, e[3] + 0.3), (107.0843, 10.3460),
           (105.8542, 21.0285), (106.60, 10.95)]
    for lon, lat in pts:
        oracle = reg.measure(lon, lat)
        for k in (1, 10, 100):
            doc = get(http, base_url, "/nearest", lon=repr(lon), lat=repr(lat), k=k)
            check_features(doc["features"], oracle[:k])
            assert doc["numberReturned"] == k
            assert doc["query"]["index_probes"] <= 16
        for layer in ("receptors", "sources"):
            sub = [t for t in oracle if t[4] == layer]
            doc = get(http, base_url, "/nearest", lon=repr(lon), lat=repr(lat), k=25, layers=layer)
            check_features(doc["features"], sub[:25])
    # layers without conditions are walked through their R*Tree: one walk each, no circle
    doc = get(http, base_url, "/nearest", lon="106.7009", lat="10.7769", k=10)
    assert doc["query"]["index_probes"] == 4 and doc["query"]["searched_radius_m"] is None


def test_nearest_with_filter_fewer_than_k(reg, base_url, http):
    lost = sorted(i for i, s in reg.source_status.items() if s in ("lost", "stolen"))
    assert lost, "the demo register has a lost source"
    oracle = [t for t in reg.measure(105.8542, 21.0285, ["sources"])
              if reg.source_status[t[2]] == "lost"]
    doc = get(http, base_url, "/nearest", lon="105.8542", lat="21.0285", k=100, layers="sources", status="lost")
    check_features(doc["features"], oracle)
    assert doc["numberReturned"] == len(oracle) < 100
    # a filter in the city: growing circles through SQL, stopping at the first that holds k rows
    oracle = [t for t in reg.measure(106.7009, 10.7769, ["sources"]) if reg.source_status[t[2]] == "in_use"]
    doc = get(http, base_url, "/nearest", lon="106.7009", lat="10.7769", k=5, layers="sources", status="in_use")
    check_features(doc["features"], oracle[:5])
    assert doc["query"]["searched_radius_m"] is not None and doc["query"]["searched_radius_m"] >= oracle[4][0]


@pytest.mark.parametrize("params, words", [
    ({"lon": "106.7", "lat": "10.7", "k": "0"}, ["k", "100"]),
    ({"lon": "106.7", "lat": "10.7", "k": "101"}, ["k", "100"]),
    ({"lon": "106.7", "lat": "10.7", "k": "ten"}, ["k"]),
    ({"lon": "106.7", "k": "3"}, ["lat"]),
    ({"lon": "106.7", "lat": "10.7", "radius": "5"}, ["radius"]),
])
def test_nearest_errors(base_url, http, params, words):
    problem(http.get(base_url + "/nearest", params=params, timeout=30), 400, *words)


# --- GET /nearest from the point snapshots in memory ---------------------------------------------------------
#
# Layers the caller sees without conditions are answered from the tile server's point snapshot of
# the layer (sources, facilities, devices), kept current from the change log; the X-Nearest-Index
# header says which path answered each layer (memory, rtree, sql). Each answer here is compared
# with the brute-force oracle read from the file at that moment.

def index_paths(r):
    return dict(p.split("=") for p in r.headers["X-Nearest-Index"].split(", "))


@pytest.fixture(scope="module")
def edits(au_demo):
    """A server of its own on a copy of the demo register, which these tests edit."""
    r = Realm(au_demo, name="nearest-edits.db")
    yield r
    assert r.close() == 0, r.server.stderr()


def nearest_checked(realm, role, lon, lat, k, layers, want_memory=()):
    """GET /nearest as role, checked against the oracle of the register as it is now; the answer.
    A layer in want_memory must come from memory: its tree is rebuilt after an edit by the next
    request that is allowed to (at most a tenth of the time goes to rebuilding), and a request
    before that walks the R*Tree, so the request is repeated (each answer checked) until it does."""
    oracle = Register(realm.db).measure(lon, lat, layers.split(","))
    for _ in range(50):
        r = realm.get("/nearest", role, params=dict(lon=repr(lon), lat=repr(lat), k=k, layers=layers))
        assert r.status_code == 200, r.text
        check_features(r.json()["features"], oracle[:k])
        paths = index_paths(r)
        if all(paths[l] == "memory" for l in want_memory):
            return r.json(), paths
        time.sleep(0.05)
    raise AssertionError("never answered from memory: %r" % paths)


def test_nearest_from_memory_follows_edits(edits):
    p = (106.6321, 10.8123)
    # The first request builds the snapshots (none exist before it) and answers from them; the
    # receptors have none and are walked through their R*Tree.
    doc, paths = nearest_checked(edits, "planner", p[0], p[1], 10, "sources,facilities,devices,receptors",
                                 want_memory=("sources", "facilities", "devices"))
    assert paths["receptors"] == "rtree"
    assert all(f["id"] > 0 for f in doc["features"])
    fac = Register(edits.db).measure(p[0], p[1], ["facilities"])[0][2]
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p[0] + 1e-5, p[1]]},
            "properties": {"facility_id": fac, "nuclide": "Cs-137", "form": "sealed", "serial_no": "NEAR-1",
                           "manufacturer": "Eckert & Ziegler", "model": "Test model", "activity_bq": 3.7e9,
                           "reference_date": "2020-01-01", "status": "in_use"}}
    # A new source next to the point is the nearest at once.
    r = edits.request("POST", "/collections/sources/items", "licensing", json=body,
                      headers={"Content-Type": "application/geo+json"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    doc, _ = nearest_checked(edits, "planner", p[0], p[1], 5, "sources", want_memory=("sources",))
    assert doc["features"][0]["id"] == sid and doc["features"][0]["properties"]["distance_m"] < 2
    # Moved to Hà Nội: gone from here, the nearest there.
    far = (105.8542, 21.0285)
    etag = edits.get("/collections/sources/items/%d" % sid, "licensing").headers["ETag"]
    body["geometry"]["coordinates"] = [far[0], far[1]]
    r = edits.request("PUT", "/collections/sources/items/%d" % sid, "licensing", json=body,
                      headers={"Content-Type": "application/geo+json", "If-Match": etag})
    assert r.status_code == 200, r.text
    doc, _ = nearest_checked(edits, "planner", p[0], p[1], 5, "sources", want_memory=("sources",))
    assert sid not in [f["id"] for f in doc["features"]]
    doc, _ = nearest_checked(edits, "planner", far[0], far[1], 3, "sources", want_memory=("sources",))
    assert doc["features"][0]["id"] == sid and doc["features"][0]["properties"]["distance_m"] == 0
    # Deleted: gone.
    etag = edits.get("/collections/sources/items/%d" % sid, "licensing").headers["ETag"]
    r = edits.request("DELETE", "/collections/sources/items/%d" % sid, "licensing", headers={"If-Match": etag})
    assert r.status_code in (200, 204), r.text
    doc, _ = nearest_checked(edits, "planner", far[0], far[1], 3, "sources", want_memory=("sources",))
    assert sid not in [f["id"] for f in doc["features"]]
    # A facility moved (its sources without a point of their own go with it).
    fdoc = edits.get("/collections/facilities/items/%d" % fac, "licensing")
    feat = fdoc.json()
    r = edits.request("PATCH", "/collections/facilities/items/%d" % fac, "licensing",
                      json={"geometry": {"type": "Point", "coordinates": [far[0] + 2e-5, far[1]]}},
                      headers={"Content-Type": "application/merge-patch+json", "If-Match": fdoc.headers["ETag"]})
    assert r.status_code == 200, r.text
    assert feat["geometry"]["coordinates"] != r.json()["geometry"]["coordinates"]
    doc, _ = nearest_checked(edits, "planner", far[0], far[1], 20, "sources,facilities,devices",
                             want_memory=("sources", "facilities", "devices"))
    moved = [f for f in doc["features"] if f["properties"]["layer"] == "facilities" and f["id"] == fac]
    assert moved and moved[0]["properties"]["distance_m"] < 3


def test_nearest_many_points_memory_equals_brute_force(edits):
    """Points all over the data's extent and past it, k from 1 to 100 (ties and leaves of the tree)."""
    reg_ = Register(edits.db)
    e = reg_.extent["sources"]
    pts = [(e[0], e[1]), (e[2], e[3]), (e[0] - 0.5, (e[1] + e[3]) / 2), ((e[0] + e[2]) / 2, e[3] + 1.0)]
    pts += [tuple(r[1:]) for r in reg_.rows["sources"][::97][:6]]  # on a source: a distance of 0
    for lon, lat in pts:
        for k in (1, 7, 100):
            nearest_checked(edits, "inspector", lon, lat, k, "sources,devices", want_memory=("sources", "devices"))


def test_nearest_viewer_never_from_the_snapshot(edits):
    """The snapshot holds every row: a class that may not see some rows is answered through SQL with
    its own conditions, whatever the snapshot holds, and sees only its allowlist."""
    nearest_checked(edits, "planner", 106.70, 10.78, 5, "facilities", want_memory=("facilities",))
    seen = {f["id"] for f in authutil.fetch_all(edits, "facilities", "viewer")}
    reg_ = Register(edits.db)
    assert len(seen) < len(reg_.rows["facilities"])
    r = edits.get("/nearest", "viewer", params=dict(lon="106.70", lat="10.78", k=50))
    assert r.status_code == 200, r.text
    assert index_paths(r) == {"facilities": "sql", "receptors": "rtree"}
    want = [t for t in reg_.measure(106.70, 10.78, ["facilities", "receptors"])
            if t[4] == "receptors" or t[2] in seen][:50]
    check_features(r.json()["features"], want)
    for f in r.json()["features"]:
        assert "max_category" not in f["properties"] and "source_count" not in f["properties"]
    problem(edits.get("/nearest", "viewer", params=dict(lon="106.70", lat="10.78", layers="sources")), 400,
            "sources")


# --- POST /proximity ------------------------------------------------------------------------------------

def in_ring(x, y, ring):
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def in_polygon(x, y, rings):
    return in_ring(x, y, rings[0]) and not any(in_ring(x, y, h) for h in rings[1:])


# An L-shaped district with a hole (a park), around the old centre.
L_SHAPE = [[[106.680, 10.765], [106.715, 10.765], [106.715, 10.778], [106.697, 10.778], [106.697, 10.795],
            [106.680, 10.795], [106.680, 10.765]],
           [[106.700, 10.768], [106.708, 10.768], [106.708, 10.774], [106.700, 10.774], [106.700, 10.768]]]


def densify(rings, step_deg=2e-5):
    pts = []
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            n = max(1, int(math.ceil(max(abs(x2 - x1), abs(y2 - y1)) / step_deg)))
            pts.extend((x1 + (x2 - x1) * i / n, y1 + (y2 - y1) * i / n) for i in range(n + 1))
    return pts


def area_oracle(reg, polygons, buffer_m):
    """{(layer, id): distance} of every row inside the (multi)polygon or within buffer_m of it, and the
    set of rows too close to the buffer's edge to judge with the densified boundary."""
    inside, near, unsure = {}, [], set()
    allx = [p[0] for poly in polygons for ring in poly for p in ring]
    ally = [p[1] for poly in polygons for ring in poly for p in ring]
    pad_lat, pad_lon = buffer_m / 110000.0 + 1e-4, buffer_m / 108000.0 + 1e-4
    for layer in LAYERS:
        for rid, x, y in reg.rows[layer]:
            if any(in_polygon(x, y, poly) for poly in polygons):
                inside[(layer, rid)] = 0.0
            elif buffer_m > 0 and min(allx) - pad_lon <= x <= max(allx) + pad_lon and \
                    min(ally) - pad_lat <= y <= max(ally) + pad_lat:
                near.append((layer, rid, x, y))
    if near:
        boundary = [p for poly in polygons for p in densify(poly)]
        pairs = [(x, y, bx, by) for _, _, x, y in near for bx, by in boundary]
        res = geod_inverse(pairs)
        nb = len(boundary)
        for i, (layer, rid, _, _) in enumerate(near):
            d = min(r[0] for r in res[i * nb:(i + 1) * nb])
            # sampling every ~2 m overestimates the distance by at most a few centimetres
            if abs(d - buffer_m) < 0.1:
                unsure.add((layer, rid))
            elif d <= buffer_m:
                inside[(layer, rid)] = d
    return inside, unsure


def post(url, headers, body, **params):
    return requests.post(url + "/proximity", params=params, data=json.dumps(body) if not isinstance(body, (str, bytes))
                         else body, headers=dict(headers, **{"Content-Type": "application/json"}), timeout=120)


@pytest.mark.parametrize("buffer_m", [0, 250])
def test_polygon_equals_brute_force(reg, props, base_url, planner, buffer_m):
    want, unsure = area_oracle(reg, [L_SHAPE], buffer_m)
    r = post(base_url, planner, {"geometry": {"type": "Polygon", "coordinates": L_SHAPE}, "buffer_m": buffer_m},
             limit=10000)
    assert r.status_code == 200, r.text[:400]
    doc = r.json()
    got = {(f["properties"]["layer"], f["id"]): f["properties"] for f in doc["features"]}
    assert doc["numberMatched"] == len(got)
    assert set(got) - unsure == set(want) - unsure
    for key, p in got.items():
        if key in unsure:
            continue
        assert p["inside_area"] == (want[key] == 0.0)
        # the oracle samples the boundary every ~2.2 m: it overestimates by at most s²/8d
        slack = 0.01 + 2.2 ** 2 / (8 * max(p["distance_m"], 0.5))
        assert -0.001 <= want[key] - p["distance_m"] <= slack, (key, p["distance_m"], want[key])
    dists = [f["properties"]["distance_m"] for f in doc["features"]]
    assert dists == sorted(dists)
    expected = [(got[k]["distance_m"], LAYERS.index(k[0]), k[1], 0, k[0]) for k in got]
    expected.sort(key=lambda t: (t[0], t[1], t[2]))
    check_summary(doc["summary"], expected, props)


def test_multipolygon_feature_and_vn2000(reg, base_url, planner):
    a = [[[106.62, 10.74], [106.64, 10.74], [106.64, 10.76], [106.62, 10.76], [106.62, 10.74]]]
    b = [[[106.75, 10.84], [106.78, 10.84], [106.78, 10.87], [106.75, 10.87], [106.75, 10.84]]]
    want, _ = area_oracle(reg, [a, b], 0)
    r = post(base_url, planner, {"type": "Feature", "properties": {"name": "two blocks"},
                                 "geometry": {"type": "MultiPolygon", "coordinates": [a, b]}}, limit=10000)
    assert r.status_code == 200, r.text[:400]
    assert {(f["properties"]["layer"], f["id"]) for f in r.json()["features"]} == set(want)
    # the same square given in VN-2000 / TM-3 105-45: its corners as the pinned pipeline places them
    ring = a[0]
    en = authutil.wgs84_to_vn2000(9210, [tuple(p) for p in ring])
    en = [(round(x, 3), round(y, 3)) for x, y in en]
    back = [list(p) for p in authutil.vn2000_to_wgs84(9210, en)]
    back[-1] = back[0]
    want, _ = area_oracle(reg, [[back]], 0)
    r = post(base_url, planner, {"geometry": {"type": "Polygon", "coordinates": [[list(p) for p in en]]}},
             crs="EPSG:9210", limit=10000)
    assert r.status_code == 200, r.text[:400]
    assert {(f["properties"]["layer"], f["id"]) for f in r.json()["features"]} == set(want)


def test_polygon_errors(base_url, planner):
    sq = [[106.6, 10.7], [106.7, 10.7], [106.7, 10.8], [106.6, 10.8], [106.6, 10.7]]
    cases = [
        ("{", 400, ["JSON"]),
        ({}, 400, ["geometry"]),
        ({"geometry": {"type": "Point", "coordinates": [106.6, 10.7]}}, 400, ["Point", "Polygon"]),
        ({"geometry": {"type": "Polygon", "coordinates": [sq[:-1]]}}, 400, ["closed"]),
        ({"geometry": {"type": "Polygon", "coordinates": [sq[:3]]}}, 400, ["4 positions"]),
        ({"geometry": {"type": "Polygon", "coordinates": [[[106.6, 10.7], [106.7, 10.8], [106.7, 10.7],
                                                            [106.6, 10.8], [106.6, 10.7]]]}}, 400,
         ["Self-intersection"]),
        ({"geometry": {"type": "Polygon", "coordinates": [[["a", 1], [1, 2], [2, 2], ["a", 1]]]}}, 400,
         ["position"]),
        ({"geometry": {"type": "Polygon", "coordinates": [[[200, 10], [201, 10], [201, 11], [200, 10]]]}}, 400,
         ["longitude"]),
        ({"geometry": {"type": "Polygon", "coordinates": [sq]}, "buffer_m": -5}, 400, ["buffer_m"]),
        ({"geometry": {"type": "Polygon", "coordinates": [sq]}, "buffer_m": 100001}, 400, ["buffer_m", "100000"]),
        ({"geometry": {"type": "Polygon", "coordinates": [sq]}, "radius": 3}, 400, ["radius"]),
        ({"geometry": {"type": "Polygon", "coordinates": [[[100, 8], [125, 8], [125, 30], [100, 8]]]}}, 400,
         ["spans"]),
    ]
    for body, status, words in cases:
        problem(post(base_url, planner, body), status, *words)
    # too many positions, too many bytes
    n = 20001
    ring = [[106.6 + 0.1 * math.cos(2 * math.pi * i / (n - 1)), 10.7 + 0.1 * math.sin(2 * math.pi * i / (n - 1))]
            for i in range(n - 1)]
    ring.append(ring[0])
    problem(post(base_url, planner, {"geometry": {"type": "Polygon", "coordinates": [ring]}}), 413, "20000")
    big = json.dumps({"geometry": {"type": "Polygon", "coordinates": [sq]}}) + " " * (2 << 20)
    problem(post(base_url, planner, big), 413, "bytes")


# --- zones --------------------------------------------------------------------------------------------

def nuclide_table():
    with open(os.path.join(REPO, "geodata", "nuclides.csv"), newline="", encoding="utf-8") as f:
        return {r["nuclide"]: (float(r["gamma_constant_usv_m2_per_h_per_mbq"])
                               if r["gamma_constant_usv_m2_per_h_per_mbq"] else None) for r in csv.DictReader(f)}


def cordon_table():
    with open(os.path.join(REPO, "geodata", "cordons.csv"), newline="", encoding="utf-8") as f:
        return {r["key"]: float(r["radius_m"]) for r in csv.DictReader(f)}


def check_circle(feature, lon, lat, radius):
    ring = feature["geometry"]["coordinates"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert len(ring) >= 73 and ring[0] == ring[-1]
    for d, _ in geod_inverse([(lon, lat, x, y) for x, y in ring]):
        assert abs(d - radius) < 0.001 + radius * 1e-9, (d, radius)


def test_zones_of_sources(props, base_url, http):
    gamma = nuclide_table()
    cordons = cordon_table()
    src = props["sources"]
    pick = {}
    for i, p in sorted(src.items()):
        cat = p["iaea_category"]
        g = gamma.get(p["nuclide"])
        key = ("cat%d" % cat if cat else "nocat") + ("" if g else "-nogamma")
        pick.setdefault(key, i)
    assert any(k.startswith("cat1") or k.startswith("cat2") for k in pick), pick
    assert any(k.endswith("-nogamma") for k in pick), pick
    for key, sid in pick.items():
        p = src[sid]
        doc = get(http, base_url, "/sources/%d/zones" % sid)
        feature_src = doc["source"]
        lon, lat = feature_src["coordinates"]
        assert feature_src["id"] == sid and feature_src["nuclide"] == p["nuclide"]
        assert math.isclose(feature_src["activity_bq_now"], p["activity_bq_now"], rel_tol=1e-12)
        advisory = not (p["iaea_category"] and p["iaea_category"] <= 3)
        kinds = [f["properties"]["kind"] for f in doc["features"]]
        assert kinds[:4] == ["cordon"] * 4
        for f in doc["features"]:
            q = f["properties"]
            assert q["advisory"] == advisory
            if q["kind"] == "cordon":
                assert q["radius_m"] == cordons[q["scenario"]]
                assert q["unreliable"] is False and q["capped"] is False
            check_circle(f, lon, lat, q["radius_m"])
        g = gamma[p["nuclide"]]
        if g is None:
            assert kinds == ["cordon"] * 4
            assert [o["threshold_usv_h"] for o in doc["omitted"]] == [100, 20, 1]
            assert all(p["nuclide"] in o["reason"] for o in doc["omitted"])
        else:
            doses = [f["properties"] for f in doc["features"] if f["properties"]["kind"] == "dose_rate"]
            assert [d["threshold_usv_h"] for d in doses] == [100, 20, 1]
            for d in doses:
                r = math.sqrt(g * p["activity_bq_now"] / 1e6 / d["threshold_usv_h"])
                assert abs(d["estimated_radius_m"] - r) < 0.001
                assert d["unreliable"] == (r > 1000) and d["capped"] == (r > 5000)
                assert abs(d["radius_m"] - min(r, 5000)) < 0.001
                assert "no shielding" in d["estimate"].lower() and "air kerma" in d["estimate"]
            assert doc["omitted"] == []


def test_zone_cap_scenario_and_errors(props, base_url, http):
    gamma = nuclide_table()
    src = props["sources"]
    big = max((i for i in src if gamma.get(src[i]["nuclide"])), key=lambda i: src[i]["activity_bq_now"] *
              gamma[src[i]["nuclide"]])
    p = src[big]
    doc = get(http, base_url, "/sources/%d/zones" % big, scenario="fire_explosion", thresholds="0.001",
              dose_cap_m="20000")
    assert [f["properties"]["kind"] for f in doc["features"]] == ["cordon", "dose_rate"]
    assert doc["features"][0]["properties"]["scenario"] == "fire_explosion"
    d = doc["features"][1]["properties"]
    r = math.sqrt(gamma[p["nuclide"]] * p["activity_bq_now"] / 1e6 / 0.001)
    assert r > 20000 and d["capped"] and d["unreliable"] and d["radius_m"] == 20000
    check_circle(doc["features"][1], *doc["source"]["coordinates"], 20000)
    problem(http.get(base_url + "/sources/%d/zones" % big, params={"scenario": "flood"}), 400, "scenario",
            "fire_explosion")
    problem(http.get(base_url + "/sources/%d/zones" % big, params={"thresholds": "0"}), 400, "thresholds")
    problem(http.get(base_url + "/sources/%d/zones" % big, params={"dose_cap_m": "10"}), 400, "dose_cap_m")
    problem(http.get(base_url + "/sources/%d/zones" % big, params={"radius": "10"}), 400, "radius")
    problem(http.get(base_url + "/sources/999999999/zones"), 404, "999999999")
    problem(http.get(base_url + "/sources/abc/zones"), 404)


# --- alerts, on a hand-made register with receptors at known distances ----------------------------------

@pytest.fixture(scope="module")
def alert_register(workdir, start_server):
    import handmade as hm
    path = os.path.join(workdir, "alerts.db")
    run_radmap("init", path)
    hm.fill(path)
    con = sqlite3.connect(path)
    con.enable_load_extension(True)
    con.load_extension("mod_spatialite")
    lost = con.execute("SELECT lon, lat FROM source WHERE id = 11").fetchone()
    # the lost Co-60 (A/D 50 000 at the reference date, today): its 1 µSv/h distance is capped at 5 km
    ring = [(4999.0, 0.0, "Trường Tiểu học Gần"), (5001.0, 90.0, "Trường Tiểu học Xa"),
            (350.0, 200.0, "Chợ Trong"), (29.0, 300.0, "Trạm Y tế Sát")]
    rows = []
    for i, (d, az, name) in enumerate(ring, 1):
        x, y = geod_direct(lost[0], lost[1], az, d)
        con.execute("INSERT INTO receptor(id, name, kind, capacity, lon, lat, geom) VALUES (?,?,?,?,?,?,"
                    "MakePoint(?,?,4326))", (i, name, "school" if "Trường" in name else "market", 100 * i, x, y,
                                              x, y))
        rows.append((i, d))
    con.commit()
    con.close()
    server = start_server(path)
    return server, lost, rows


def test_alerts(alert_register, http):
    server, lost, rows = alert_register
    doc = get(http, server.url, "/alerts")
    points_ = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert sorted(f["id"] for f in points_) == [11, 18]  # the lost and the stolen source
    assert doc["alertCount"] == 2
    a = next(f for f in points_ if f["id"] == 11)
    p = a["properties"]
    assert p["alert"] is True and p["status"] == "lost" and p["layer"] == "sources"
    assert a["geometry"]["coordinates"] == [lost[0], lost[1]]
    assert p["largest_zone_m"] == 5000
    assert [r["id"] for r in p["receptors"]] == [4, 3, 1]  # nearest first, the one at 5 001 m left out
    for r in p["receptors"]:
        assert abs(r["distance_m"] - dict(rows)[r["id"]]) < 0.001
    assert p["receptor_count"] == 3
    zones = [f for f in doc["features"] if f["geometry"]["type"] == "Polygon" and f["properties"]["source_id"] == 11]
    assert len(zones) == len(p["zones"]) == 7
    for z in zones:
        check_circle(z, lost[0], lost[1], z["properties"]["radius_m"])
    # the alert flag in items and in tiles
    item = http.get(server.url + "/collections/sources/items/11", timeout=30).json()
    assert item["properties"]["alert"] is True
    assert http.get(server.url + "/collections/sources/items/10", timeout=30).json()["properties"]["alert"] is False
    z = 15
    x, y = authutil.lonlat_to_tile(z, lost[0], lost[1])
    r = http.get(server.url + "/tiles/sources,receptors/%d/%d/%d.mvt" % (z, x, y), timeout=30)
    assert r.status_code == 200
    layers = authutil.decode_mvt(r.content, z, x, y)
    by_id = {f["id"]: f["props"] for f in layers["sources"]}
    assert by_id[11]["alert"] in (True, 1) and by_id[10]["alert"] in (False, 0)
    names = {f["props"]["name"] for f in layers.get("receptors", [])}
    assert "Trạm Y tế Sát" in names and "Trường Tiểu học Xa" not in names
    problem(http.get(server.url + "/alerts", params={"scenario": "major_spill"}, timeout=30), 400, "scenario")


# --- visibility ------------------------------------------------------------------------------------------

def test_viewer_sees_only_its_allowlist(reg, base_url, viewer):
    r = requests.get(base_url + "/proximity", params=dict(lon="106.7009", lat="10.7769", radius=3000, limit=10000),
                     headers=viewer, timeout=60)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["query"]["layers"] == ["facilities", "receptors"]
    s = doc["summary"]
    assert "activity_bq_by_nuclide" not in s and "highest_category" not in s
    assert "by_category" not in s["layers"]["facilities"]
    for f in doc["features"]:
        assert "max_category" not in f["properties"] and "source_count" not in f["properties"]
    # the viewer sees the facilities items shows it (none holding a category 1-3 source)
    seen = requests.get(base_url + "/collections/facilities/items", params={"limit": 10000}, headers=viewer,
                        timeout=60).json()
    seen_ids = {f["id"] for f in seen["features"]}
    assert len(seen_ids) < len(reg.rows["facilities"])
    expected = [t for t in within(reg.measure(106.7009, 10.7769, ["facilities", "receptors"]), 3000.0)
                if t[4] == "receptors" or t[2] in seen_ids]
    check_features(doc["features"], expected)
    problem(requests.get(base_url + "/proximity", params=dict(lon=106.7, lat=10.7, radius=10, layers="sources"),
                         headers=viewer, timeout=30), 400, "sources")
    problem(requests.get(base_url + "/nearest", params=dict(lon=106.7, lat=10.7, category=1), headers=viewer,
                         timeout=30), 400, "category")
    problem(requests.get(base_url + "/sources/1/zones", headers=viewer, timeout=30), 404)
    doc = requests.get(base_url + "/alerts", headers=viewer, timeout=30).json()
    assert doc["features"] == [] and "note" in doc


def test_public_class(demo_db, start_server, http):
    s = start_server(demo_db, args=("--public", "on"))
    params = dict(lon="106.70", lat="10.78", radius=6000, limit=10000)
    r = requests.get(s.url + "/proximity", params=params, timeout=60)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["query"]["layers"] == ["facilities", "receptors"]
    # exactly the facilities the public sees in items, within the circle
    pub = requests.get(s.url + "/collections/facilities/items", params={"limit": 10000}, timeout=60).json()
    public_ids = {f["id"] for f in pub["features"]}
    reg = Register(demo_db)
    expected = [t for t in within(reg.measure(106.70, 10.78, ["facilities", "receptors"]), 6000.0)
                if t[4] == "receptors" or t[2] in public_ids]
    check_features(doc["features"], expected)
    assert len(public_ids) < len(reg.rows["facilities"])
    r = requests.get(s.url + "/nearest", params=dict(lon="106.70", lat="10.78", k=50), timeout=60)
    check_features(r.json()["features"], [t for t in reg.measure(106.70, 10.78, ["facilities", "receptors"])
                                          if t[4] == "receptors" or t[2] in public_ids][:50])


# --- the receptors collection and the demo's receptors ----------------------------------------------------

def test_receptors_collection(reg, props, base_url, http):
    c = http.get(base_url + "/collections/receptors", timeout=30).json()
    assert c["id"] == "receptors"
    rec = props["receptors"]
    assert len(rec) == len(reg.rows["receptors"])
    assert 300 <= len(rec) <= 600
    kinds = {p["kind"] for p in rec.values()}
    assert kinds == {"school", "kindergarten", "hospital", "market", "water_intake", "stadium", "shopping_centre",
                     "religious_site", "other"}
    names = {p["name"] for p in rec.values()}
    for n in ("Chợ Bến Thành", "Chợ Bình Tây", "Bệnh viện Chợ Rẫy", "Trạm bơm nước thô Hóa An (sông Đồng Nai)",
              "Trạm bơm nước thô Thủ Dầu Một (sông Sài Gòn)"):
        assert n in names
    assert any(n.startswith("Trường THPT ") for n in names)
    assert any(n.startswith("Trường Tiểu học ") for n in names)
    assert any(n.startswith("Trường Mầm non ") for n in names)
    assert all(p["demo"] is True for p in rec.values())
    schools = fetch_all(http, base_url + "/collections/receptors/items", {"kind": "school"})
    assert {f["id"] for f in schools} == {i for i, p in rec.items() if p["kind"] == "school"}
    hits = fetch_all(http, base_url + "/collections/receptors/items", {"q": "cho ben thanh"})
    assert "Chợ Bến Thành" in {f["properties"]["name"] for f in hits}
    # in the city: every receptor lies within the facilities' extent grown by a few kilometres
    e = reg.extent["facilities"]
    for _, x, y in reg.rows["receptors"]:
        assert e[0] - 0.3 <= x <= e[2] + 0.3 and e[1] - 0.3 <= y <= e[3] + 0.3


def test_demo_receptors_deterministic(demo_db, workdir):
    path = os.path.join(workdir, "again.db")
    run_radmap("init", path, "--demo")

    def digest(p):
        con = sqlite3.connect("file:%s?mode=ro" % p, uri=True)
        h = hashlib.sha256()
        for row in con.execute("SELECT id, name, kind, capacity, address, ward, lon, lat FROM receptor ORDER BY id"):
            h.update(repr(row).encode())
        n = con.execute("SELECT count(*) FROM receptor").fetchone()[0]
        idx = con.execute("SELECT count(*) FROM idx_receptor_geom").fetchone()[0]
        stat = con.execute("SELECT feature_count FROM layer_stat WHERE layer = 'receptors'").fetchone()[0]
        con.close()
        return h.hexdigest(), n, idx, stat

    a, b = digest(demo_db), digest(path)
    assert a == b
    assert a[1] == a[2] == a[3]  # every receptor is in the spatial index and counted
    other = os.path.join(workdir, "seed2.db")
    run_radmap("init", other, "--demo", "--seed", "7")
    assert digest(other)[0] != a[0]
