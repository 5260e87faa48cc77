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


# --- admin-defined TM-3 zones, the configurable transformation, the service area ---------------------------
#
# These change the database's CRS settings, so they run on a server of their own (cz). The oracle is PROJ's
# cct again: an admin zone's pipeline is built here independently (the TM-3 projection by its definition,
# then the steps `projinfo -k operation EPSG:NNNN` prints for the pinned operation), and EPSG systems use
# the operation projinfo lists for them by name.

import re  # noqa: E402
import subprocess  # noqa: E402

from authutil import ROLES, run_radmap  # noqa: E402

ZONE_DM, ZONE_DEG = "106-45", 106.75          # no EPSG TM-3 system has this meridian
ZONE_URI = "urn:ogc:def:crs:RADMAP::VN2000-TM3-" + ZONE_DM
JSON = {"Content-Type": "application/json"}
OP_NAME = {6960: "VN-2000 to WGS 84 (2)", 5194: "VN-2000 to WGS 84 (1)"}


@pytest.fixture(scope="module")
def cz(au_demo):
    r = Realm(au_demo, name="crs-config.db")
    yield r
    assert r.close() == 0, r.server.stderr()


def op_steps(op):
    """The steps of EPSG operation op (VN-2000 to WGS 84, latitude first in and out) as projinfo prints them."""
    p = subprocess.run(["projinfo", "-k", "operation", "EPSG:%d" % op, "-o", "PROJ", "-q", "--single-line"],
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("+proj=pipeline"), p.stdout + p.stderr
    return p.stdout.strip()[len("+proj=pipeline"):]


def zone_pipeline(lon0, op=6960):
    """Independent pipeline of a VN-2000 TM-3 zone (k 0.9999, x0 500 km) to EPSG:4326 (output lat, lon)."""
    return ("+proj=pipeline +step +inv +proj=tmerc +lat_0=0 +lon_0=%r +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
            "+step +proj=unitconvert +xy_in=rad +xy_out=deg +step +proj=axisswap +order=2,1%s" % (lon0, op_steps(op)))


def epsg_pipeline(code, op):
    """The pipeline projinfo lists from EPSG:code to EPSG:4326 through operation op (output lat, lon)."""
    full = subprocess.run(["projinfo", "-s", "EPSG:%d" % code, "-t", "EPSG:4326", "-o", "PROJ", "--single-line",
                           "--spatial-test", "intersects", "--hide-ballpark"], capture_output=True, text=True)
    for part in full.stdout.split("Operation No.")[1:]:
        if OP_NAME[op] in part:
            return re.search(r"(\+proj=pipeline[^\n]*)", part).group(1).strip()
    raise AssertionError("projinfo lists no %s for EPSG:%d" % (OP_NAME[op], code))


def to_lonlat(pipeline, pts):
    return [(lon, lat) for lat, lon in cct(pipeline, pts)]


def from_lonlat(pipeline, lonlats):
    return cct(pipeline, [(lat, lon) for lon, lat in lonlats], inverse=True)


def zone_props(tag):
    _code[0] += 1
    return {"code": "ZN-%s-%d" % (tag, _code[0]), "name": "Zone test %s %d" % (tag, _code[0]),
            "practice": "industrial_gauge"}


def post_point(realm, coords, crs=None, tag="p"):
    headers = dict(GEO)
    if crs:
        headers["Content-Crs"] = "<%s>" % crs
    return realm.request("POST", "/collections/facilities/items", "licensing",
                         json={"type": "Feature", "geometry": {"type": "Point", "coordinates": list(coords)},
                               "properties": zone_props(tag)}, headers=headers)


def crs_doc(realm, role="viewer"):
    r = realm.get("/crs", role)
    assert r.status_code == 200, r.text
    return r.json()


def test_crs_list_offers_every_system(cz):
    doc = crs_doc(cz)
    labels = {s["label"] for s in doc["systems"]}
    assert {"CRS84", "EPSG:4326", "EPSG:3857"} | {"EPSG:%d" % k for k in VN2000} <= labels
    assert doc["transformation"]["spec"] == "EPSG:6960" and doc["transformation"]["default"] is True
    assert "-191.90441429" in doc["transformation"]["pipeline"]
    tm3 = {s["label"]: s["central_meridian"] for s in doc["systems"] if "central_meridian" in s}
    assert tm3["EPSG:9210"] == "105-45" and tm3["EPSG:9212"] == "106-15" and tm3["EPSG:5899"] == "107-45"


def test_zone_defined_over_http_by_admins_only(cz):
    body = {"central_meridian": "104-15", "name": "Vùng thử HTTP"}
    for role in ROLES:
        if role == "admin":
            continue
        problem(cz.request("POST", "/crs/zones", role, json=body, headers=JSON), 403)
        problem(cz.request("DELETE", "/crs/zones/1", role), 403)
        problem(cz.request("PUT", "/crs/transformation", role, json={"transformation": "EPSG:5194"}, headers=JSON),
                403)
    problem(cz.request("POST", "/crs/zones", None, json=body, headers=JSON), 401)
    assert "104-15" not in json.dumps(crs_doc(cz))
    r = cz.request("POST", "/crs/zones", "admin", json=body, headers=JSON)
    assert r.status_code == 201, r.text
    z = r.json()
    assert z["uri"] == "urn:ogc:def:crs:RADMAP::VN2000-TM3-104-15" and z["name"] == "Vùng thử HTTP"
    assert z["central_meridian_deg"] == 104.25 and z["scale_factor"] == 0.9999 and z["false_easting"] == 500000
    assert r.headers["Location"].endswith("/crs/zones/%d" % z["zone_id"])
    assert cz.get("/crs/zones/%d" % z["zone_id"], "viewer").json()["uri"] == z["uri"]
    # Listed for every reader, and in every collection's crs list.
    assert z["uri"] in {s["uri"] for s in crs_doc(cz, "viewer")["systems"]}
    for c in cz.get("/collections", "inspector").json()["collections"]:
        assert z["uri"] in c["crs"], c["id"]
    # Duplicates: an EPSG system's meridian (pointed out), the same zone again, a bad meridian.
    body = problem(cz.request("POST", "/crs/zones", "admin", json={"central_meridian": 106.25}, headers=JSON), 409,
                   "EPSG:9212")
    problem(cz.request("POST", "/crs/zones", "admin", json={"central_meridian": 104.25}, headers=JSON), 409, "104-15")
    for bad in ({"central_meridian": 99}, {"central_meridian": "106.7512"}, {"central_meridian": "x"}, {},
                {"central_meridian": "104-20", "name": ""}, {"central_meridian": "104-20", "epsg": 1}):
        r = cz.request("POST", "/crs/zones", "admin", json=bad, headers=JSON)
        assert r.status_code == 422, (bad, r.status_code, r.text)
    # Removed: no longer offered, and a request naming it gets the 400 listing what is.
    assert cz.request("DELETE", "/crs/zones/%d" % z["zone_id"], "admin").status_code == 204
    problem(cz.request("DELETE", "/crs/zones/%d" % z["zone_id"], "admin"), 404)
    assert z["uri"] not in json.dumps(crs_doc(cz))
    problem(cz.get("/collections/facilities/items", "inspector", params={"crs": z["uri"]}), 400, "104-15",
            "EPSG:9210")


def test_zone_from_cli_round_trips_and_agrees_with_cct(cz):
    """A zone defined by `radmap crs add-zone` while the server runs: accepted at once in Content-Crs, crs=
    and bbox-crs, stored where cct puts it through the same pipeline, read back to the centimetre."""
    p = run_radmap("crs", "add-zone", cz.db, "--lon0", str(ZONE_DEG), "--name", "Vùng 106°45'")
    assert ZONE_URI in p.stdout
    assert ZONE_URI in run_radmap("crs", "list", cz.db).stdout
    pipe = zone_pipeline(ZONE_DEG)
    served = [s for s in crs_doc(cz)["systems"] if s["uri"] == ZONE_URI]
    assert served and served[0]["name"] == "Vùng 106°45'"
    pts = [(512345.678, 1191234.567), (488000.0, 1250000.0), (530000.0, 1210000.0)]
    want = to_lonlat(pipe, pts)
    # The server's own pipeline (GET /crs) gives the same numbers through cct.
    assert max(metres_between(*a, *b) for a, b in zip(to_lonlat(served[0]["pipeline"] + " +step +proj=axisswap +order=2,1",
                                                                       pts), want)) < 0.001
    for spelling, (e, n), (plon, plat) in zip([ZONE_URI, "RADMAP:VN2000-TM3-106-45", "[RADMAP:VN2000-TM3-106.75]"],
                                              pts, want):
        r = post_point(cz, (e, n), spelling, "in")
        assert r.status_code == 201, r.text
        fid = r.json()["id"]
        lon, lat = stored_lonlat(cz, "facility", fid)
        assert metres_between(lon, lat, plon, plat) < 0.01, "stored %.3f m from cct" % metres_between(lon, lat,
                                                                                                      plon, plat)
        back = cz.get("/collections/facilities/items/%d" % fid, "inspector", params={"crs": ZONE_URI})
        assert back.status_code == 200 and back.headers["Content-Crs"] == "<%s>" % ZONE_URI
        x, y = back.json()["geometry"]["coordinates"]
        assert abs(x - e) < 0.01 and abs(y - n) < 0.01, (x, y, e, n)
    # Output of many features agrees with cct's inverse; bbox-crs selects in zone metres.
    feats = fetch_all(cz, "facilities", "inspector")[:300]
    r = cz.get("/collections/facilities/items", "inspector", params={"crs": ZONE_URI, "limit": 300})
    got = {f["id"]: f["geometry"]["coordinates"] for f in r.json()["features"]}
    exp = from_lonlat(pipe, [tuple(f["geometry"]["coordinates"]) for f in feats])
    assert max(max(abs(got[f["id"]][0] - w[0]), abs(got[f["id"]][1] - w[1])) for f, w in zip(feats, exp)) < 0.01
    e, n = pts[0]
    ids = {f["id"] for f in cz.get("/collections/facilities/items", "inspector", params={
        "bbox": "%r,%r,%r,%r" % (e - 50, n - 50, e + 50, n + 50), "bbox-crs": ZONE_URI}).json()["features"]}
    assert ids and all(metres_between(*stored_lonlat(cz, "facility", i), *want[0]) < 100 for i in ids)


def test_transformation_switch_reaches_running_server(cz):
    """EPSG:5194 pinned by `radmap crs set-transformation` while the server runs: every position goes
    through it (about 0.8 m from EPSG:6960 in the city), on both sides of 11.04°N, with no jump; back
    to the default afterwards."""
    lats = [10.78, 11.000, 11.030, 11.038, 11.050, 11.080]
    pts = wgs84_to_vn2000(9210, [(106.68, lat) for lat in lats])
    p6960, p5194 = epsg_pipeline(9210, 6960), epsg_pipeline(9210, 5194)
    want6960, want5194 = to_lonlat(p6960, pts), to_lonlat(p5194, pts)
    shift = [metres_between(*a, *b) for a, b in zip(want6960, want5194)]
    assert all(0.5 < d < 1.2 for d in shift), shift
    unpinned = cs2cs_unpinned(9210, pts)

    def stored_for(points, crs=EPSG % 9210):
        out = []
        for pt in points:
            r = post_point(cz, pt, crs, "sw")
            assert r.status_code == 201, r.text
            out.append(stored_lonlat(cz, "facility", r.json()["id"]))
        return out

    before = stored_for(pts)
    assert max(metres_between(*a, *b) for a, b in zip(before, want6960)) < 0.01
    p = run_radmap("crs", "set-transformation", cz.db, "EPSG:5194")
    assert "EPSG:5194" in p.stdout and "restart" in p.stdout
    assert crs_doc(cz)["transformation"]["spec"] == "EPSG:5194"
    after = stored_for(pts)
    for lat, a, w in zip(lats, after, want5194):
        assert metres_between(*a, *w) < 0.01, "at %.3f°N stored %.3f m from cct's EPSG:5194 pipeline" % (
            lat, metres_between(*a, *w))
    moved = [metres_between(*a, *b) for a, b in zip(before, after)]
    assert all(abs(m - s) < 0.01 for m, s in zip(moved, shift)), (moved, shift)
    # South of 11.04°N PROJ left to itself also takes 5194; north of it the pinned 5194 still applies.
    assert metres_between(*after[0], *unpinned[0]) < 0.01 and metres_between(*after[-1], *unpinned[-1]) > 0.5
    for i in range(1, len(pts)):
        d_tm = math.dist(pts[i], pts[i - 1])
        assert abs(metres_between(*after[i - 1], *after[i]) - d_tm) < 0.05 + d_tm * 2e-4, lats[i]
    # Output goes through it too, and so does an admin zone.
    fid = post_point(cz, pts[0], EPSG % 9210, "out").json()["id"]
    x, y = cz.get("/collections/facilities/items/%d" % fid, "inspector",
                  params={"crs": "EPSG:9210"}).json()["geometry"]["coordinates"]
    assert abs(x - pts[0][0]) < 0.01 and abs(y - pts[0][1]) < 0.01
    if any(s["uri"] == ZONE_URI for s in crs_doc(cz)["systems"]):
        zpt = (505000.0, 1195000.0)
        (wlon, wlat), = to_lonlat(zone_pipeline(ZONE_DEG, 5194), [zpt])
        r = post_point(cz, zpt, ZONE_URI, "z5194")
        assert metres_between(*stored_lonlat(cz, "facility", r.json()["id"]), wlon, wlat) < 0.01
    # The import agrees (same setting, read from the database).
    assert "EPSG:5194" in run_radmap("crs", "list", cz.db).stdout
    run_radmap("crs", "set-transformation", cz.db, "--default")
    assert crs_doc(cz)["transformation"]["spec"] == "EPSG:6960"
    assert max(metres_between(*a, *b) for a, b in zip(stored_for(pts[:2]), want6960[:2])) < 0.01


def test_explicit_helmert_parameters(cz):
    """The EPSG:6960 parameters given by hand (coordinate frame, as EPSG states them) give EPSG:6960's
    positions; the same numbers read as position vector (the +towgs84 convention) do not."""
    params = "-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278"
    pt = (603699.134687378, 1191842.445021078)
    (w6960,) = to_lonlat(epsg_pipeline(9210, 6960), [pt])
    try:
        run_radmap("crs", "set-transformation", cz.db, "--towgs84", params, "--convention", "coordinate_frame")
        r = post_point(cz, pt, EPSG % 9210, "cf")
        assert metres_between(*stored_lonlat(cz, "facility", r.json()["id"]), *w6960) < 0.001
        r = cz.request("PUT", "/crs/transformation", "admin", headers=JSON,
                       json={"transformation": "+proj=helmert +x=-191.90441429 +y=-39.30318279 +z=-111.45032835 "
                             "+rx=-0.00928836 +ry=0.01975479 +rz=-0.00427372 +s=0.252906278 "
                             "+convention=position_vector"})
        assert r.status_code == 200, r.text
        r = post_point(cz, pt, EPSG % 9210, "pv")
        assert metres_between(*stored_lonlat(cz, "facility", r.json()["id"]), *w6960) > 0.1
        problem(cz.request("PUT", "/crs/transformation", "admin", headers=JSON,
                           json={"transformation": "EPSG:1234"}), 400, "EPSG:1234")
    finally:
        r = cz.request("PUT", "/crs/transformation", "admin", headers=JSON, json={"transformation": None})
        assert r.status_code == 200 and r.json()["spec"] == "EPSG:6960"


def test_service_area_set_by_command_applies_at_once(cz):
    hanoi, hcmc = (105.85, 21.03), (106.70, 10.78)
    p = run_radmap("service-area", cz.db)
    assert "102,6,118,23.5" in p.stdout and "default" in p.stdout
    try:
        p = run_radmap("service-area", cz.db, "--bbox", "106.3,10.3,107.1,11.2")
        assert "106.3,10.3,107.1,11.2" in p.stdout
        body = problem(post_point(cz, hanoi, None, "out"), 422)
        assert [e["field"] for e in body["errors"]] == ["geometry"]
        assert "service area" in body["errors"][0]["reason"] and "106.3" in body["errors"][0]["reason"]
        assert post_point(cz, hcmc, None, "in").status_code == 201
        # The same through a VN-2000 system: the check is on the transformed position.
        (e, n), = wgs84_to_vn2000(9210, [hanoi])
        problem(post_point(cz, (e, n), EPSG % 9210, "out"), 422)
        (e, n), = wgs84_to_vn2000(9210, [hcmc])
        assert post_point(cz, (e, n), EPSG % 9210, "in").status_code == 201
        (row,) = table_rows(cz.db, "SELECT after_json FROM audit WHERE collection = 'settings' ORDER BY id DESC "
                                   "LIMIT 1")
        assert json.loads(row[0])["service_area"] == [106.3, 10.3, 107.1, 11.2]
    finally:
        run_radmap("service-area", cz.db, "--reset")
    assert post_point(cz, hanoi, None, "back").status_code == 201


def settings_state(db):
    """What a CRS or service-area command could write: meta, the zones, the audit trail's length."""
    return (table_rows(db, "SELECT key, value FROM meta ORDER BY key"),
            table_rows(db, "SELECT * FROM crs_zone ORDER BY id"), table_rows(db, "SELECT count(*) FROM audit"))


@pytest.mark.parametrize("args,words", [
    (["crs", "add-zone", "DB", "--lon0", "abc"], ["--lon0"]),
    (["crs", "add-zone", "DB", "--lon0", "99"], ["100"]),
    (["crs", "add-zone", "DB", "--lon0", "106.7512"], ["arc-minutes"]),
    (["crs", "add-zone", "DB", "--lon0", "105-45"], ["EPSG:9210"]),
    (["crs", "add-zone", "DB", "--lon0", "104-50", "--name", ""], ["name"]),
    (["crs", "add-zone", "DB"], ["--lon0"]),
    (["crs", "remove-zone", "DB", "999"], ["999"]),
    (["crs", "remove-zone", "DB", "x"], ["id"]),
    (["crs", "set-transformation", "DB", "EPSG:4326"], ["VN-2000"]),
    (["crs", "set-transformation", "DB", "EPSG:99999"], ["99999"]),
    (["crs", "set-transformation", "DB", "--towgs84", "1,2"], ["3"]),
    (["crs", "set-transformation", "DB", "--towgs84", "1,2,3", "--convention", "sideways"], ["convention"]),
    (["crs", "set-transformation", "DB", "--pipeline", "+proj=pipeline +step +proj=noop"], ["metres"]),
    (["crs", "set-transformation", "DB", "--pipeline", "+proj=pipeline +step +proj=nonsense"], ["PROJ"]),
    (["crs", "set-transformation", "DB", "EPSG:5194", "--default"], ["exactly one"]),
    (["crs", "frobnicate", "DB"], ["frobnicate"]),
    (["service-area", "DB", "--bbox", "107,10,106,11"], ["west"]),
    (["service-area", "DB", "--bbox", "106,11,107,10"], ["south"]),
    (["service-area", "DB", "--bbox", "106,10,107"], ["four"]),
    (["service-area", "DB", "--bbox", "106,10,107,11,12"], ["four"]),
    (["service-area", "DB", "--bbox", "106,-95,107,11"], ["-90..90"]),
    (["service-area", "DB", "--bbox", "106,10,190,11"], ["-180..180"]),
    (["service-area", "DB", "--bbox", "106,10,107,11", "--reset"], ["not both"]),
])
def test_cli_bad_input_writes_nothing(cz, args, words):
    before = settings_state(cz.db)
    p = run_radmap(*[cz.db if a == "DB" else a for a in args], check=False)
    assert p.returncode in (1, 2), (p.returncode, p.stdout, p.stderr)
    first = p.stderr.strip().splitlines()[0]
    assert first.startswith("radmap: "), p.stderr
    for w in words:
        assert w in first, (w, first)
    assert settings_state(cz.db) == before
