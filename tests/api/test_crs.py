"""
Coordinate reference systems (OGC API - Features Part 2, issue 4): the collections' crs and
storageCrs, crs= on items and features with Content-Crs, EPSG:4326 in latitude-longitude order,
bbox-crs, 400 for an unsupported system listing the supported ones, and VN-2000 input through the
Content-Crs header of a write.

The oracle is PROJ's own command-line tools: the EPSG:6960-based pipeline that `projinfo` prints
for each system (the transformation the server pins), run through `cct`, and `cs2cs` left to itself
to show the 0.8 m trap at 11.04°N that pinning avoids.
"""
import concurrent.futures
import json
import math

import pytest
import requests

from authutil import (Realm, au_demo, cct, cs2cs_unpinned, fetch_all, metres_between, pinned_pipeline,  # noqa: F401
                      problem, route_exists, table_rows, vn2000_to_wgs84, wgs84_to_vn2000)

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/%d"
VN2000 = [4756, 3405, 3406, 5896, 5897, 5898, 5899] + list(range(9205, 9219))
GEO = {"Content-Type": "application/geo+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture(scope="module")
def cr(au_demo):
    r = Realm(au_demo, name="crs.db")
    yield r
    assert r.close() == 0, r.server.stderr()


@pytest.fixture(scope="module")
def facs(cr):
    return fetch_all(cr, "facilities", "inspector")


def to_crs(code, lonlats):
    """[(lon, lat)] -> coordinates of EPSG:code in its EPSG axis order, through the pinned pipeline."""
    return cct(pinned_pipeline(code), [(lat, lon) for lon, lat in lonlats], inverse=True)


def from_crs(code, coords):
    """Coordinates of EPSG:code in its EPSG axis order -> [(lon, lat)], through the pinned pipeline."""
    return [(lon, lat) for lat, lon in cct(pinned_pipeline(code), coords)]


def test_collections_list_crs_and_storage_crs(cr):
    r = cr.get("/collections", "inspector")
    assert r.status_code == 200
    colls = r.json()["collections"]
    assert {"facilities", "sources", "devices"} <= {c["id"] for c in colls}
    for c in colls:
        assert c["storageCrs"] == CRS84
        listed = set(c["crs"])
        want = {CRS84, EPSG % 4326} | {EPSG % k for k in VN2000}
        assert want <= listed, "%s lacks %s" % (c["id"], sorted(want - listed))
        one = cr.get("/collections/%s" % c["id"], "inspector").json()
        assert one["crs"] == c["crs"] and one["storageCrs"] == CRS84


def test_web_mercator_supported(cr, facs):
    """Issue 4 lists EPSG:3857 among the supported systems."""
    r = cr.get("/collections", "inspector")
    assert EPSG % 3857 in r.json()["collections"][0]["crs"], "EPSG:3857 is not offered"
    r = cr.get("/collections/facilities/items", "inspector", params={"crs": "EPSG:3857", "limit": 5})
    assert r.status_code == 200, r.text[:300]
    for f, g in zip(r.json()["features"], facs[:5]):
        lon, lat = g["geometry"]["coordinates"]
        x = math.radians(lon) * 6378137.0
        y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
        assert abs(f["geometry"]["coordinates"][0] - x) < 0.01 and abs(f["geometry"]["coordinates"][1] - y) < 0.01


def test_default_is_crs84(cr):
    r = cr.get("/collections/facilities/items", "inspector", params={"limit": 1})
    assert r.headers["Content-Crs"] == "<%s>" % CRS84
    r = cr.get("/collections/facilities/items/%d" % r.json()["features"][0]["id"], "inspector")
    assert r.headers["Content-Crs"] == "<%s>" % CRS84


@pytest.mark.parametrize("spelling", ["EPSG:9210", EPSG % 9210, "https://www.opengis.net/def/crs/EPSG/0/9210",
                                      "urn:ogc:def:crs:EPSG::9210", "[EPSG:9210]"])
def test_items_in_vn2000_tm3(cr, facs, spelling):
    r = cr.get("/collections/facilities/items", "inspector", params={"crs": spelling, "limit": 10000})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Crs"] == "<%s>" % (EPSG % 9210)
    got = {f["id"]: f["geometry"]["coordinates"] for f in r.json()["features"]}
    assert set(got) == {f["id"] for f in facs}
    ids = [f["id"] for f in facs]
    want = to_crs(9210, [tuple(f["geometry"]["coordinates"]) for f in facs])
    worst = max(max(abs(got[i][0] - w[0]), abs(got[i][1] - w[1])) for i, w in zip(ids, want))
    assert worst < 0.01, "EPSG:9210 output differs from PROJ's pinned pipeline by %.3f m" % worst
    # The properties do not change with the CRS.
    assert r.json()["features"][0]["properties"] == facs[0]["properties"]


@pytest.mark.parametrize("code", [4756, 3405, 5899, 9205, 9218])
def test_other_vn2000_systems(cr, facs, code):
    sample = facs[::97]
    r = cr.get("/collections/facilities/items", "inspector", params={"crs": "EPSG:%d" % code, "limit": 10000})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Crs"] == "<%s>" % (EPSG % code)
    got = {f["id"]: f["geometry"]["coordinates"] for f in r.json()["features"]}
    want = to_crs(code, [tuple(f["geometry"]["coordinates"]) for f in sample])
    for f, w in zip(sample, want):
        g = got[f["id"]]
        if code == 4756:  # geographic, latitude first as EPSG defines it
            lat, lon = g
            assert metres_between(lon, lat, w[1], w[0]) < 0.01
            assert 8 < lat < 24 and 102 < lon < 110
        else:
            assert abs(g[0] - w[0]) < 0.01 and abs(g[1] - w[1]) < 0.01, (code, f["id"], g, w)


def test_single_feature_in_vn2000(cr, facs):
    f = facs[7]
    r = cr.get("/collections/facilities/items/%d" % f["id"], "inspector", params={"crs": "EPSG:9210"})
    assert r.status_code == 200
    assert r.headers["Content-Crs"] == "<%s>" % (EPSG % 9210)
    (e, n), = to_crs(9210, [tuple(f["geometry"]["coordinates"])])
    x, y = r.json()["geometry"]["coordinates"]
    assert abs(x - e) < 0.01 and abs(y - n) < 0.01


def test_epsg4326_is_latitude_first(cr, facs):
    r = cr.get("/collections/facilities/items", "inspector", params={"crs": "EPSG:4326", "limit": 50})
    assert r.status_code == 200
    assert r.headers["Content-Crs"] == "<%s>" % (EPSG % 4326)
    for f, g in zip(r.json()["features"], facs[:50]):
        assert f["id"] == g["id"]
        assert f["geometry"]["coordinates"] == list(reversed(g["geometry"]["coordinates"]))
    r = cr.get("/collections/facilities/items/%d" % facs[0]["id"], "inspector", params={"crs": EPSG % 4326})
    assert r.json()["geometry"]["coordinates"] == list(reversed(facs[0]["geometry"]["coordinates"]))


def ids_in(cr, **params):
    p = {"limit": 10000}
    p.update(params)
    r = cr.get("/collections/facilities/items", "inspector", params=p)
    assert r.status_code == 200, r.text[:300]
    return {f["id"] for f in r.json()["features"]}


def test_bbox_crs_vn2000(cr, facs):
    box = (595000.0, 1185000.0, 605000.0, 1195000.0)
    got = ids_in(cr, bbox="%r,%r,%r,%r" % box, **{"bbox-crs": "EPSG:9210"})
    tm = to_crs(9210, [tuple(f["geometry"]["coordinates"]) for f in facs])
    inside = {f["id"] for f, (e, n) in zip(facs, tm) if box[0] <= e <= box[2] and box[1] <= n <= box[3]}
    assert inside and inside <= got, "bbox-crs=EPSG:9210 misses %s" % sorted(inside - got)[:10]
    corners = from_crs(9210, [(box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3]),
                              ((box[0] + box[2]) / 2, box[1]), ((box[0] + box[2]) / 2, box[3])])
    lo = (min(c[0] for c in corners) - 1e-6, min(c[1] for c in corners) - 1e-6)
    hi = (max(c[0] for c in corners) + 1e-6, max(c[1] for c in corners) + 1e-6)
    env = {f["id"] for f in facs if lo[0] <= f["geometry"]["coordinates"][0] <= hi[0]
           and lo[1] <= f["geometry"]["coordinates"][1] <= hi[1]}
    assert got <= env
    # A 10 km box in a TM-3 zone is nearly a lon/lat box: little beyond the exact answer.
    assert len(got - inside) <= max(3, len(inside) // 50)


def test_bbox_crs_4326_is_latitude_first(cr):
    plain = ids_in(cr, bbox="106.6,10.7,106.8,10.9")
    assert plain
    assert ids_in(cr, bbox="10.7,106.6,10.9,106.8", **{"bbox-crs": "EPSG:4326"}) == plain
    assert ids_in(cr, bbox="106.6,10.7,106.8,10.9", **{"bbox-crs": CRS84}) == plain


@pytest.mark.parametrize("param,value", [("crs", "EPSG:1234"), ("crs", "EPSG:27700"), ("crs", "foo"),
                                          ("crs", EPSG % 32648), ("crs", "EPSG:9210x"), ("crs", ""),
                                          ("bbox-crs", "EPSG:2000")])
def test_unsupported_crs_lists_supported(cr, param, value):
    params = {param: value}
    if param == "bbox-crs":
        params["bbox"] = "0,0,1,1"
    r = cr.get("/collections/facilities/items", "inspector", params=params)
    body = problem(r, 400, param)
    for code in ("CRS84", "EPSG:4326", "EPSG:9210", "EPSG:4756", "EPSG:5899"):
        assert code in body["detail"], body["detail"]
    r = cr.get("/collections/facilities/items/1", "inspector", params={"crs": "EPSG:1234"})
    problem(r, 400, "EPSG:9210")


def test_bbox_crs_needs_bbox(cr):
    problem(cr.get("/collections/facilities/items", "inspector", params={"bbox-crs": "EPSG:9210"}), 400, "bbox")


# --- VN-2000 in ------------------------------------------------------------------------------------------

def post_in(cr, coll, props, coords, crs):
    r = cr.request("POST", "/collections/%s/items" % coll, "licensing",
                   json={"type": "Feature", "geometry": {"type": "Point", "coordinates": list(coords)},
                         "properties": props}, headers=dict(GEO, **{"Content-Crs": "<%s>" % crs}))
    return r


def stored_lonlat(cr, table, fid):
    (lon, lat), = table_rows(cr.db, "SELECT lon, lat FROM %s WHERE id = ?" % table, (fid,))
    return lon, lat


_code = [0]


def fac_props():
    _code[0] += 1
    return {"code": "CRS-%d" % _code[0], "name": "Cơ sở VN-2000 %d" % _code[0], "practice": "industrial_gauge"}


def test_point_in_epsg9210_stored_where_proj_puts_it(cr):
    e, n = 601234.567, 1191234.567
    r = post_in(cr, "facilities", fac_props(), (e, n), EPSG % 9210)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    (plon, plat), = vn2000_to_wgs84(9210, [(e, n)])
    lon, lat = stored_lonlat(cr, "facility", fid)
    assert metres_between(lon, lat, plon, plat) < 0.01, "stored %.3f m from PROJ's pinned pipeline" % \
        metres_between(lon, lat, plon, plat)
    g = cr.get("/collections/facilities/items/%d" % fid, "inspector").json()["geometry"]["coordinates"]
    assert metres_between(g[0], g[1], plon, plat) < 0.01
    back = cr.get("/collections/facilities/items/%d" % fid, "inspector", params={"crs": "EPSG:9210"})
    x, y = back.json()["geometry"]["coordinates"]
    assert abs(x - e) < 0.01 and abs(y - n) < 0.01, (x, y)
    # The audit row holds the stored (CRS84) position.
    (after,), = table_rows(cr.db, "SELECT after_json FROM audit WHERE collection = 'facilities' AND feature_id = ?",
                           (fid,))
    assert metres_between(*json.loads(after)["geometry"]["coordinates"], plon, plat) < 0.01


def test_point_in_epsg4326_is_latitude_first(cr):
    r = post_in(cr, "facilities", fac_props(), (10.81234, 106.65432), EPSG % 4326)
    assert r.status_code == 201, r.text
    assert stored_lonlat(cr, "facility", r.json()["id"]) == (106.65432, 10.81234)


def test_no_jump_across_11_04_north(cr):
    """A facility moved in EPSG:9210 across 11.04°N: every stored position is where the pinned
    EPSG:6960 pipeline puts it, on both sides; PROJ left to itself would jump by about 0.8 m."""
    lats = [11.000, 11.020, 11.030, 11.038, 11.050, 11.060, 11.080]
    pts = wgs84_to_vn2000(9210, [(106.68, lat) for lat in lats])
    pinned = vn2000_to_wgs84(9210, pts)
    unpinned = cs2cs_unpinned(9210, pts)
    gaps = [metres_between(*a, *b) for a, b in zip(pinned, unpinned)]
    assert max(gaps[:3]) > 0.5 and min(gaps[-2:]) < 0.01, "the trap is not where this test expects it: %r" % gaps
    r = post_in(cr, "facilities", fac_props(), pts[0], EPSG % 9210)
    assert r.status_code == 201, r.text
    fid, etag = r.json()["id"], r.headers["ETag"]
    stored = []
    for i, (p, want) in enumerate(zip(pts, pinned)):
        if i:
            r = cr.request("PATCH", "/collections/facilities/items/%d" % fid, "licensing",
                           json={"geometry": {"type": "Point", "coordinates": list(p)}},
                           headers=dict(MERGE, **{"If-Match": etag, "Content-Crs": "<%s>" % (EPSG % 9210)}))
            assert r.status_code == 200, r.text
            etag = r.headers["ETag"]
        lon, lat = stored_lonlat(cr, "facility", fid)
        stored.append((lon, lat))
        assert metres_between(lon, lat, *want) < 0.01, "at %.3f°N stored %.3f m from the pinned pipeline" % (
            lats[i], metres_between(lon, lat, *want))
    # Step lengths match the survey coordinates' (no 0.8 m jump between 11.038 and 11.050).
    for i in range(1, len(pts)):
        d_tm = ((pts[i][0] - pts[i - 1][0]) ** 2 + (pts[i][1] - pts[i - 1][1]) ** 2) ** 0.5
        d = metres_between(*stored[i - 1], *stored[i])
        assert abs(d - d_tm) < 0.05 + d_tm * 2e-4, (lats[i - 1], lats[i], d, d_tm)
    # And read back in EPSG:9210 to the centimetre, on the north side.
    x, y = cr.get("/collections/facilities/items/%d" % fid, "inspector",
                  params={"crs": "EPSG:9210"}).json()["geometry"]["coordinates"]
    assert abs(x - pts[-1][0]) < 0.01 and abs(y - pts[-1][1]) < 0.01


def test_source_position_in_vn2000(cr):
    fid = post_in(cr, "facilities", fac_props(), (600100.0, 1190100.0), EPSG % 9210).json()["id"]
    props = {"facility_id": fid, "nuclide": "Cs-137", "activity_bq": 1e9, "reference_date": "2024-01-01",
             "serial_no": "CRS-SRC-1", "manufacturer": "M", "model": "N"}
    r = post_in(cr, "sources", props, (600200.0, 1190200.0), EPSG % 9210)
    assert r.status_code == 201, r.text
    (plon, plat), = vn2000_to_wgs84(9210, [(600200.0, 1190200.0)])
    assert metres_between(*stored_lonlat(cr, "source", r.json()["id"]), plon, plat) < 0.01


@pytest.mark.parametrize("header,status", [("<http://www.opengis.net/def/crs/EPSG/0/1234>", 400),
                                           ("EPSG:99999", 400), ("<not a uri>", 400), ("x" * 300, 400)])
def test_content_crs_unsupported(cr, header, status):
    n = table_rows(cr.db, "SELECT count(*) FROM facility")[0][0]
    r = cr.request("POST", "/collections/facilities/items", "licensing",
                   json={"type": "Feature", "geometry": {"type": "Point", "coordinates": [600000, 1190000]},
                         "properties": fac_props()}, headers=dict(GEO, **{"Content-Crs": header}))
    body = problem(r, status, "Content-Crs")
    if len(header) < 100:
        assert "EPSG:9210" in body["detail"]
    assert table_rows(cr.db, "SELECT count(*) FROM facility")[0][0] == n


def test_content_crs_coordinates_outside_vietnam(cr):
    # Valid TM-3 numbers, but far outside the service area (and the zone): a 422 naming the geometry.
    for coords in ((5.0e6, 1.19e6), (600000.0, 9.0e6), (1e300, 1e300)):
        r = cr.request("POST", "/collections/facilities/items", "licensing",
                       json={"type": "Feature", "geometry": {"type": "Point", "coordinates": list(coords)},
                             "properties": fac_props()}, headers=dict(GEO, **{"Content-Crs": "<%s>" % (EPSG % 9210)}))
        body = problem(r, 422)
        assert [e["field"] for e in body["errors"]] == ["geometry"]


def test_proximity_takes_vn2000_input(cr, facs):
    if not route_exists("GET", "/proximity"):
        pytest.skip("no /proximity")
    f = facs[3]
    (e, n), = to_crs(9210, [tuple(f["geometry"]["coordinates"])])
    r = cr.get("/proximity", "inspector", params={"easting": e, "northing": n, "crs": "EPSG:9210", "radius": 1,
                                                    "layers": "facilities"})
    assert r.status_code == 200, r.text[:300]
    assert f["id"] in {x["id"] for x in r.json()["features"]}


def test_concurrent_transforms_agree(cr, facs):
    """One PROJ context per thread: many threads transforming at once give the serial answers."""
    codes = [9210, 3405, 5899, 4756, 9205, 9210, 3406, 5896] * 3
    want = {}
    for code in set(codes):
        want[code] = cr.get("/collections/facilities/items", "inspector",
                            params={"crs": "EPSG:%d" % code, "limit": 300}).json()["features"]

    def one(code):
        r = requests.get(cr.url + "/collections/facilities/items", params={"crs": "EPSG:%d" % code, "limit": 300},
                         headers=cr.headers("inspector"), timeout=60)
        return code, r.json()["features"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for code, feats in pool.map(one, codes):
            assert [f["geometry"] for f in feats] == [f["geometry"] for f in want[code]], code
