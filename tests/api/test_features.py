"""
OGC API - Features Part 1 over the demo register: landing page, conformance, the OpenAPI document,
collections, items (bbox, limit, offset, paging links, filters, q= search) and single features.

The oracle is a full scan (every feature of a collection, read once per session with limit=10000):
each filtered answer must be exactly the subset of the scan that the filter describes.
"""
import datetime
import os
import re
import unicodedata

import pytest
import requests

from conftest import REPO, fetch_all, problem, run_radmap
from handmade import fold

COLLECTIONS = ("facilities", "sources", "devices")
OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.0"
CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"


def links(doc, rel):
    return [l for l in doc["links"] if l["rel"] == rel]


def one_link(doc, rel):
    ls = links(doc, rel)
    assert len(ls) == 1, "want one %s link, got %r" % (rel, doc["links"])
    return ls[0]


def ids(feats):
    return [f["id"] for f in feats]


def items(http, base_url, coll, **params):
    r = http.get(base_url + "/collections/%s/items" % coll, params=params, timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/geo+json"
    return r.json()


# --- landing page, conformance, OpenAPI ---------------------------------------------------------

def test_landing_links(base_url, http):
    r = http.get(base_url + "/", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    doc = r.json()
    assert doc["title"]
    want = {
        "self": ("/", "application/json"),
        "service-desc": ("/api", OPENAPI_TYPE),
        "conformance": ("/conformance", "application/json"),
        "data": ("/collections", "application/json"),
    }
    for rel, (path, typ) in want.items():
        l = one_link(doc, rel)
        assert l["href"] == base_url + path, l
        assert l["type"] == typ, l
    # every link the landing page gives leads somewhere
    for rel in want:
        href = one_link(doc, rel)["href"]
        assert http.get(href, timeout=10).status_code == 200, href


def test_conformance(base_url, http):
    r = http.get(base_url + "/conformance", timeout=10)
    assert r.status_code == 200
    classes = r.json()["conformsTo"]
    for c in ("core", "geojson", "oas30"):
        assert CONF + c in classes
    assert len(classes) == len(set(classes))


def route_table():
    """(methods, pattern) of each route in src/api/routes.c."""
    with open(os.path.join(REPO, "src", "api", "routes.c"), encoding="utf-8") as f:
        text = f.read()
    table = [({m.strip()[len("HTTP_"):].lower() for m in ms.split("|")}, p)
             for ms, p in re.findall(r'\{\s*((?:HTTP_[A-Z]+\s*\|?\s*)+),\s*"([^"]+)"', text)]
    assert any(p == "/collections/{}/items" for _, p in table), table
    # the web map's files and its redirect are pages for a browser, not API resources
    return [(ms, p) for ms, p in table if not (p == "/map" or p.startswith("/map/"))]


@pytest.fixture(scope="module")
def openapi(base_url, http):
    r = http.get(base_url + "/api", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == OPENAPI_TYPE
    return r.json()


def test_openapi_document(openapi, base_url):
    assert openapi["openapi"].startswith("3.0.")
    assert openapi["info"]["title"] and openapi["info"]["version"]
    assert openapi["servers"][0]["url"] == base_url
    for path, item in openapi["paths"].items():
        assert path.startswith("/")
        for method, op in item.items():
            assert method in ("get", "head", "post", "put", "patch", "delete", "options"), (path, method)
            assert "200" in op["responses"], (path, method)
            for p in op.get("parameters", []):
                assert p["in"] in ("query", "path", "header"), p
                assert p["schema"]["type"] in ("string", "integer", "number", "boolean", "array"), p
                if p["in"] == "path":
                    assert p["required"] is True and "{%s}" % p["name"] in path, (path, p)


def openapi_covers(openapi, segs, method):
    """Does an OpenAPI path whose segments match segs have that method? A segment None (a route's
    {}) must be a template segment ("{z}", "{y}.pbf"); any other must be equal."""
    for path, item in openapi["paths"].items():
        psegs = path.strip("/").split("/") if path != "/" else []
        if len(psegs) == len(segs) and all(s == p if s is not None else "{" in p for p, s in zip(psegs, segs)):
            if method in item:
                return True
    return False


def test_openapi_describes_every_route(openapi, base_url, http, demo_db):
    colls = [c["id"] for c in http.get(base_url + "/collections", timeout=10).json()["collections"]]
    # Collections whose items /api documents without writes are read-only here (authorizations
    # change only through recorded results): the generic write routes must refuse them with 405.
    read_only = [c for c in colls if "put" not in openapi["paths"].get("/collections/%s/items/{featureId}" % c, {})]
    if read_only:
        admin = run_radmap("user", "add", demo_db, "openapi.admin", "--role", "admin").stdout.strip().splitlines()[-1]
        for c in read_only:
            r = requests.post(base_url + "/collections/%s/items" % c, data="{}", timeout=10,
                          headers={"Authorization": "Bearer " + admin, "Content-Type": "application/geo+json"})
            assert r.status_code == 405, (c, r.status_code, r.text)
    missing = []
    for methods, pattern in route_table():
        segs = [None if s == "{}" else s for s in pattern.strip("/").split("/")] if pattern != "/" else []
        variants = [segs]
        if segs[:2] == ["collections", None]:
            # the collection segment may be described per collection or as a template
            variants = [[segs[0], c] + segs[2:] for c in colls]
        for method in sorted(methods):
            for v in variants:
                if v[:2] != segs[:2] and v[1] in read_only and (method != "get" or v[-1] == "history"):
                    continue
                if not (openapi_covers(openapi, v, method) or openapi_covers(openapi, segs, method)):
                    missing.append("%s /%s" % (method.upper(), "/".join(s or "{}" for s in v)))
    assert not missing, "routes of src/api/routes.c missing from /api: %s" % missing


def allowed_from_error(http, url):
    """The parameter names the server lists as allowed in its unknown-parameter answer."""
    body = problem(http.get(url, params={"no_such_param": "1"}, timeout=10), 400, "no_such_param")
    m = re.search(r"allowed[^:]*: (.*)$", body["detail"])
    assert m, body["detail"]
    return {s.strip() for s in m.group(1).split(",")}


@pytest.mark.parametrize("coll", COLLECTIONS)
def test_openapi_items_parameters(openapi, base_url, http, coll):
    """Every parameter the items route accepts is described, and nothing more."""
    op = openapi["paths"]["/collections/%s/items" % coll]["get"]
    described = {p["name"]: p for p in op["parameters"]}
    assert len(described) == len(op["parameters"]), "a parameter is described twice"
    accepted = allowed_from_error(http, base_url + "/collections/%s/items" % coll)
    assert set(described) == accepted, "%s items: accepted but not in /api: %s; in /api but refused: %s" % (
        coll, sorted(accepted - set(described)), sorted(set(described) - accepted))
    for name in ("limit", "offset", "bbox", "q", "f"):
        assert name in described
    # each enum is exactly what the server accepts: every listed value passes, others are refused
    for name, p in described.items():
        enum = p["schema"].get("enum")
        if not enum:
            continue
        for v in enum:
            r = http.get(base_url + "/collections/%s/items" % coll, params={name: v, "limit": 1}, timeout=10)
            assert r.status_code == 200, (name, v, r.text)
        problem(http.get(base_url + "/collections/%s/items" % coll, params={name: "zz-not-a-value"}, timeout=10),
                400, name)


def test_openapi_item_parameters(openapi, base_url, http):
    """The single-feature route documents the query parameters it accepts."""
    for coll in COLLECTIONS:
        op = openapi["paths"]["/collections/%s/items/{featureId}" % coll]["get"]
        described = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        body = problem(http.get(base_url + "/collections/%s/items/1" % coll, params={"zz": "1"}, timeout=10),
                       400, "zz")
        accepted = {s.strip() for s in body["detail"].split("allowed here:")[1].split(",")}
        assert described == accepted, "%s single feature: accepted but not in /api: %s; in /api but refused: %s" % (
            coll, sorted(accepted - described), sorted(described - accepted))


# --- collections -----------------------------------------------------------------------------------

def test_collections(base_url, http, scan):
    r = http.get(base_url + "/collections", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    doc = r.json()
    assert one_link(doc, "self")["href"] == base_url + "/collections"
    listed = {c["id"]: c for c in doc["collections"]}
    for coll in COLLECTIONS:
        assert coll in listed
        single = http.get(base_url + "/collections/" + coll, timeout=10)
        assert single.status_code == 200
        assert single.json() == listed[coll]


@pytest.mark.parametrize("coll", COLLECTIONS)
def test_collection_extent_is_data_extent(base_url, http, scan, coll):
    c = http.get(base_url + "/collections/" + coll, timeout=10).json()
    assert c["id"] == coll and c["title"] and c["itemType"] == "feature"
    assert one_link(c, "self")["href"] == base_url + "/collections/" + coll
    it = one_link(c, "items")
    assert it["href"] == base_url + "/collections/%s/items" % coll and it["type"] == "application/geo+json"
    lons = [f["geometry"]["coordinates"][0] for f in scan[coll].values()]
    lats = [f["geometry"]["coordinates"][1] for f in scan[coll].values()]
    assert c["extent"]["spatial"]["bbox"] == [[min(lons), min(lats), max(lons), max(lats)]]
    assert c["extent"]["spatial"]["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def test_unknown_collection(base_url, http):
    problem(http.get(base_url + "/collections/nope", timeout=10), 404, "nope")
    problem(http.get(base_url + "/collections/nope/items", timeout=10), 404, "nope")
    problem(http.get(base_url + "/collections/nope/items/1", timeout=10), 404, "nope")


# --- items: page structure, limit, offset ------------------------------------------------------------

def test_items_page(base_url, http, scan):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    page = items(http, base_url, "facilities")
    after = datetime.datetime.now(datetime.timezone.utc)
    assert page["type"] == "FeatureCollection"
    total = len(scan["facilities"])
    assert total > 100
    assert page["numberReturned"] == len(page["features"]) == 100
    assert page["numberMatched"] == total
    assert ids(page["features"]) == sorted(scan["facilities"])[:100]
    for f in page["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        assert f == scan["facilities"][f["id"]]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", page["timeStamp"]), page["timeStamp"]
    ts = datetime.datetime.fromisoformat(page["timeStamp"].replace("Z", "+00:00"))
    assert before - datetime.timedelta(seconds=1) <= ts <= after + datetime.timedelta(seconds=1)
    self_ = one_link(page, "self")
    assert self_["href"] == base_url + "/collections/facilities/items"
    assert self_["type"] == "application/geo+json"
    nxt = one_link(page, "next")
    assert nxt["type"] == "application/geo+json"
    assert not links(page, "prev")
    assert one_link(page, "collection")["href"] == base_url + "/collections/facilities"
    for l in page["links"]:
        assert l["href"].startswith(base_url + "/") and l.get("type"), l


@pytest.mark.parametrize("coll", COLLECTIONS)
def test_number_matched_is_exact(base_url, http, scan, coll):
    assert items(http, base_url, coll, limit=1)["numberMatched"] == len(scan[coll])


def test_limit(base_url, http, scan):
    all_ids = sorted(scan["devices"])
    assert len(all_ids) > 1000
    for lim in (1, 7, 1000):
        page = items(http, base_url, "devices", limit=lim)
        assert ids(page["features"]) == all_ids[:lim]
        assert page["numberReturned"] == lim
        assert one_link(page, "self")["href"].endswith("limit=%d" % lim)
    page = items(http, base_url, "devices", limit=10000)
    assert ids(page["features"]) == all_ids and not links(page, "next")
    for bad in ("0", "-1", "abc", "1.5", "", "1e3", " 5"):
        problem(http.get(base_url + "/collections/devices/items", params={"limit": bad}, timeout=10), 400, "limit")


def test_limit_clamped_to_10000(handmade, http):
    from handmade import BULK_COUNT, FACILITIES
    total = BULK_COUNT + len(FACILITIES)
    page = items(http, handmade.url, "facilities", limit=20000)
    assert page["numberReturned"] == 10000 and len(page["features"]) == 10000
    assert page["numberMatched"] == total
    rest = http.get(one_link(page, "next")["href"], timeout=30).json()
    assert rest["numberReturned"] == total - 10000
    assert len(set(ids(page["features"])) | set(ids(rest["features"]))) == total
    page = items(http, handmade.url, "facilities", limit=999999999)
    assert page["numberReturned"] == 10000


def test_offset(base_url, http, scan):
    all_ids = sorted(scan["facilities"])
    for off in (0, 1, 250, len(all_ids) - 3):
        page = items(http, base_url, "facilities", limit=10, offset=off)
        assert ids(page["features"]) == all_ids[off:off + 10]
        assert page["numberMatched"] == len(all_ids)
        assert bool(links(page, "prev")) == (off > 0)
    page = items(http, base_url, "facilities", offset=len(all_ids) + 5)
    assert page["features"] == [] and page["numberReturned"] == 0 and not links(page, "next")
    for bad in ("-1", "x"):
        problem(http.get(base_url + "/collections/facilities/items", params={"offset": bad}, timeout=10), 400,
                "offset")


def test_offset_prev_link(base_url, http, scan):
    all_ids = sorted(scan["facilities"])
    page = items(http, base_url, "facilities", limit=10, offset=30)
    prev = http.get(one_link(page, "prev")["href"], timeout=10).json()
    assert ids(prev["features"]) == all_ids[20:30]


# --- paging ---------------------------------------------------------------------------------------------

def follow(http, url, rel, params=None, max_pages=1000):
    """Pages from url following rel links; returns the list of pages."""
    r = http.get(url, params=params, timeout=30)
    assert r.status_code == 200, r.text
    pages = [r.json()]
    while len(pages) < max_pages:
        ls = links(pages[-1], rel)
        if not ls:
            break
        assert ls[0]["type"] == "application/geo+json"
        r = http.get(ls[0]["href"], timeout=30)
        assert r.status_code == 200, r.text
        pages.append(r.json())
    return pages


def test_paging_all_facilities(base_url, http, scan):
    pages = follow(http, base_url + "/collections/facilities/items", "next")
    got = [i for p in pages for i in ids(p["features"])]
    assert len(got) == len(set(got)), "a facility came twice"
    assert got == sorted(scan["facilities"])
    assert len(got) == pages[0]["numberMatched"]
    assert len(pages) == -(-len(got) // 100)
    for p in pages:
        assert p["numberReturned"] == len(p["features"])
        assert p["numberMatched"] == len(got)
    assert all(p["numberReturned"] == 100 for p in pages[:-1])
    # and back: prev links from the last page walk the same pages in reverse
    back = follow(http, one_link(pages[-1], "self")["href"], "prev")
    assert len(back) == len(pages)
    for fwd, bwd in zip(pages, reversed(back)):
        assert ids(fwd["features"]) == ids(bwd["features"])


def test_prev_returns_previous_page(base_url, http):
    p1 = items(http, base_url, "devices", limit=25)
    p2 = http.get(one_link(p1, "next")["href"], timeout=10).json()
    p3 = http.get(one_link(p2, "next")["href"], timeout=10).json()
    back2 = http.get(one_link(p3, "prev")["href"], timeout=10).json()
    assert ids(back2["features"]) == ids(p2["features"])
    back1 = http.get(one_link(back2, "prev")["href"], timeout=10).json()
    assert ids(back1["features"]) == ids(p1["features"])
    assert not links(back1, "prev"), "the first page has no prev link"
    assert ids(http.get(one_link(back1, "next")["href"], timeout=10).json()["features"]) == ids(p2["features"])


def test_paging_keeps_filters(base_url, http, scan):
    want = sorted(i for i, f in scan["devices"].items() if f["properties"]["status"] == "in_use"
                  and 106.5 <= f["geometry"]["coordinates"][0] <= 107.0)
    assert len(want) > 30
    pages = follow(http, base_url + "/collections/devices/items", "next",
                   params={"status": "in_use", "bbox": "106.5,-90,107.0,90", "limit": 13})
    got = [i for p in pages for i in ids(p["features"])]
    assert got == want
    for p in pages:
        assert p["numberMatched"] == len(want)
        for l in p["links"]:
            if l["rel"] in ("next", "prev", "self"):
                assert "status=in_use" in l["href"] and "limit=13" in l["href"] and "bbox=" in l["href"], l


def test_cursor_parameters(base_url, http, scan):
    all_ids = sorted(scan["sources"])
    mid = all_ids[len(all_ids) // 2]
    page = items(http, base_url, "sources", after=mid, limit=5)
    assert ids(page["features"]) == [i for i in all_ids if i > mid][:5]
    page = items(http, base_url, "sources", before=mid, limit=5)
    assert ids(page["features"]) == [i for i in all_ids if i < mid][-5:]
    url = base_url + "/collections/sources/items"
    problem(http.get(url, params={"after": 1, "offset": 2}, timeout=10), 400, "offset")
    problem(http.get(url, params={"after": 1, "before": 9}, timeout=10), 400, "after")


# --- bbox -----------------------------------------------------------------------------------------------

def inside(f, box):
    lon, lat = f["geometry"]["coordinates"]
    minx, miny, maxx, maxy = box
    in_lon = minx <= lon <= maxx if minx <= maxx else (lon >= minx or lon <= maxx)
    return in_lon and miny <= lat <= maxy


def bbox_str(box):
    return ",".join(repr(float(v)) for v in box)


def check_bbox(http, base_url, scan, coll, box, bbox_param=None):
    want = sorted(i for i, f in scan[coll].items() if inside(f, box))
    feats = fetch_all(http, base_url + "/collections/%s/items" % coll, {"bbox": bbox_param or bbox_str(box)})
    assert ids(feats) == want, "bbox %s: %d features, want %d" % (box, len(feats), len(want))
    return want


def test_bbox_matches_full_scan(base_url, http, scan):
    lons = sorted(f["geometry"]["coordinates"][0] for f in scan["facilities"].values())
    lats = sorted(f["geometry"]["coordinates"][1] for f in scan["facilities"].values())
    mid_lon, mid_lat = lons[len(lons) // 2], lats[len(lats) // 2]
    boxes = [
        (lons[0], lats[0], lons[-1], lats[-1]),          # the extent itself: everything
        (mid_lon - 0.05, mid_lat - 0.05, mid_lon + 0.05, mid_lat + 0.05),
        (mid_lon - 0.2, mid_lat - 0.1, mid_lon + 0.01, mid_lat + 0.3),
        (lons[len(lons) // 4], lats[0], lons[3 * len(lons) // 4], mid_lat),
        (100.0, 0.0, 101.0, 1.0),                        # far away: nothing
        (-180.0, -90.0, 180.0, 90.0),
    ]
    counts = [len(check_bbox(http, base_url, scan, c, b)) for b in boxes for c in COLLECTIONS]
    assert counts[0] == len(scan["facilities"])
    assert 0 < counts[3] < len(scan["facilities"])
    assert counts[12] == 0


def test_bbox_edges_are_inclusive(base_url, http, scan):
    """A feature exactly on a box edge is inside; one a double's width outside is not (the R*Tree
    keeps float32 boxes, so this needs the exact recheck)."""
    f = scan["facilities"][sorted(scan["facilities"])[len(scan["facilities"]) // 3]]
    lon, lat = f["geometry"]["coordinates"]
    d = 0.01
    for box in [(lon, lat, lon + d, lat + d), (lon - d, lat - d, lon, lat), (lon, lat, lon, lat)]:
        got = check_bbox(http, base_url, scan, "facilities", box)
        assert f["id"] in got
    import math
    for box in [(math.nextafter(lon, 200), lat, lon + d, lat + d), (lon - d, lat - d, lon, math.nextafter(lat, -100))]:
        got = check_bbox(http, base_url, scan, "facilities", box)
        assert f["id"] not in got


def test_bbox_six_numbers(base_url, http, scan):
    box = (106.6, 10.7, 106.8, 10.9)
    want = check_bbox(http, base_url, scan, "facilities", box)
    assert want
    check_bbox(http, base_url, scan, "facilities", box, "106.6,10.7,-100,106.8,10.9,5000")


def test_bbox_across_antimeridian(base_url, http, scan):
    """minlon > maxlon wraps around the antimeridian."""
    lons = sorted(f["geometry"]["coordinates"][0] for f in scan["facilities"].values())
    mid = lons[len(lons) // 2]
    got = check_bbox(http, base_url, scan, "facilities", (mid, -90.0, mid - 0.1, 90.0))
    assert 0 < len(got) < len(lons)


@pytest.mark.parametrize("bbox", [
    "1,2,3", "1,2,3,4,5", "1,2,3,4,5,6,7", "a,b,c,d", "", "1,,3,4", "1,2,3,4,", ",1,2,3,4",
    "nan,1,2,3", "inf,1,2,3", "0x10,1,2,3", " 1,2,3,4", "1;2;3;4",
    "181,0,182,1", "-181,0,1,1", "0,-91,1,1", "0,0,1,91", "0,10,1,5",
])
def test_bbox_invalid(base_url, http, bbox):
    problem(http.get(base_url + "/collections/facilities/items", params={"bbox": bbox}, timeout=10), 400, "bbox")


# --- filters ----------------------------------------------------------------------------------------------

def sample_values(values, n=6):
    """Up to n distinct values, always including the most and least frequent."""
    from collections import Counter
    c = Counter(v for v in values if v is not None)
    common = [v for v, _ in c.most_common()]
    picked = common[:n - 1] + common[-1:]
    return list(dict.fromkeys(picked))


def check_filter(http, base_url, coll, name, value, want_ids):
    feats = fetch_all(http, base_url + "/collections/%s/items" % coll, {name: value})
    assert ids(feats) == sorted(want_ids), "%s?%s=%s: %d features, want %d" % (coll, name, value, len(feats),
                                                                               len(want_ids))
    page = items(http, base_url, coll, **{name: value, "limit": 1})
    assert page["numberMatched"] == len(want_ids)


def held(status):
    return status in ("in_use", "stored", "disused", "found")


@pytest.mark.parametrize("coll,name", [
    ("facilities", "status"), ("facilities", "ward"), ("facilities", "record_owner"), ("facilities", "code"),
    ("facilities", "organization_id"),
    ("sources", "status"), ("sources", "nuclide"), ("sources", "form"), ("sources", "facility_id"),
    ("sources", "practice"), ("sources", "ward"), ("sources", "record_owner"),
    ("devices", "status"), ("devices", "type"), ("devices", "facility_id"), ("devices", "practice"),
    ("devices", "ward"), ("devices", "record_owner"),
])
def test_property_filter(base_url, http, scan, coll, name):
    feats = scan[coll].values()
    values = sample_values([f["properties"][name] for f in feats])
    assert values, "no %s values in %s" % (name, coll)
    for v in values:
        check_filter(http, base_url, coll, name, v, [f["id"] for f in feats if f["properties"][name] == v])


def test_category_filter(base_url, http, scan):
    for cat in range(1, 6):
        check_filter(http, base_url, "sources", "category", cat,
                     [i for i, f in scan["sources"].items() if f["properties"]["iaea_category"] == cat])
        check_filter(http, base_url, "facilities", "category", cat,
                     [i for i, f in scan["facilities"].items() if f["properties"]["max_category"] == cat])
    for bad in ("0", "6", "x", "-1"):
        for coll in ("sources", "facilities"):
            problem(http.get(base_url + "/collections/%s/items" % coll, params={"category": bad}, timeout=10), 400,
                    "category")


def test_facility_practice_filter(base_url, http, scan):
    """practice= matches any of a facility's practices, not only the primary one."""
    for f in scan["facilities"].values():
        assert f["properties"]["practice"] in f["properties"]["practices"]
    pract = {p for f in scan["facilities"].values() for p in f["properties"]["practices"]}
    assert len(pract) >= 5
    for p in sorted(pract):
        check_filter(http, base_url, "facilities", "practice", p,
                     [i for i, f in scan["facilities"].items() if p in f["properties"]["practices"]])


def test_facility_nuclide_filter(base_url, http, scan):
    """nuclide= on facilities: those holding a source of it (in use, stored, disused, found)."""
    nucs = sample_values([s["properties"]["nuclide"] for s in scan["sources"].values()], 8)
    for n in nucs:
        want = {s["properties"]["facility_id"] for s in scan["sources"].values()
                if s["properties"]["nuclide"] == n and held(s["properties"]["status"])}
        check_filter(http, base_url, "facilities", "nuclide", n, want)


def test_facility_device_type_filter(base_url, http, scan):
    """type= on facilities: those with a device of that type. Whether a device no longer held
    (transferred, disposed) counts is pinned by the hand-made register; here the answer must lie
    between the two readings."""
    types = sample_values([d["properties"]["type"] for d in scan["devices"].values()], 8)
    for t in types:
        devs = [d["properties"] for d in scan["devices"].values() if d["properties"]["type"] == t]
        must = {p["facility_id"] for p in devs if p["status"] in ("in_use", "stored", "disused")}
        may = {p["facility_id"] for p in devs}
        got = set(ids(fetch_all(http, base_url + "/collections/facilities/items", {"type": t})))
        assert must <= got <= may, "type=%s: %d facilities, want %d..%d" % (t, len(got), len(must), len(may))
        assert items(http, base_url, "facilities", type=t, limit=1)["numberMatched"] == len(got)


def test_filters_combine(base_url, http, scan):
    """Several filters and a bbox are ANDed."""
    p0 = next(iter(scan["sources"].values()))["properties"]
    box = (106.0, 10.0, 106.75, 12.0)
    want = [i for i, s in scan["sources"].items()
            if s["properties"]["nuclide"] == p0["nuclide"] and s["properties"]["status"] == p0["status"]
            and s["properties"]["form"] == "sealed" and inside(s, box)]
    feats = fetch_all(http, base_url + "/collections/sources/items",
                      {"nuclide": p0["nuclide"], "status": p0["status"], "form": "sealed", "bbox": bbox_str(box)})
    assert ids(feats) == sorted(want)


@pytest.mark.parametrize("coll,name,value", [
    ("facilities", "status", "open"), ("facilities", "practice", "dentistry"), ("facilities", "record_owner", "x"),
    ("facilities", "nuclide", "Xx-999"), ("facilities", "type", "toaster"),
    ("sources", "status", "gone"), ("sources", "nuclide", "co-60"), ("sources", "form", "liquid"),
    ("devices", "type", "CT"), ("devices", "status", "lost"),
])
def test_invalid_enum_value(base_url, http, coll, name, value):
    body = problem(http.get(base_url + "/collections/%s/items" % coll, params={name: value}, timeout=10), 400, name)
    assert value in body["detail"]


@pytest.mark.parametrize("coll,name,value", [
    ("sources", "facility_id", "abc"), ("devices", "facility_id", "0"), ("facilities", "organization_id", "-4"),
    ("facilities", "status", ""),
])
def test_invalid_filter_value(base_url, http, coll, name, value):
    problem(http.get(base_url + "/collections/%s/items" % coll, params={name: value}, timeout=10), 400, name)


@pytest.mark.parametrize("coll,param", [
    ("facilities", "foo"), ("facilities", "name"), ("facilities", "source_count"), ("sources", "activity_bq"),
    ("devices", "serial_no"), ("devices", "nuclide"), ("sources", "LIMIT"),
])
def test_unknown_parameter(base_url, http, coll, param):
    body = problem(http.get(base_url + "/collections/%s/items" % coll, params={param: "1"}, timeout=10), 400, param)
    assert "'%s'" % param in body["detail"]


def test_repeated_parameter(base_url, http):
    for qs in ("limit=1&limit=2", "status=operating&status=closed", "bbox=1,2,3,4&bbox=1,2,3,4"):
        problem(http.get(base_url + "/collections/facilities/items?" + qs, timeout=10), 400, qs.split("=")[0])


@pytest.mark.parametrize("at", ["2026-13-01", "2026-02-30", "15/06/2026", "2026-6-15", "1800-01-01", "x"])
def test_invalid_at(base_url, http, at):
    problem(http.get(base_url + "/collections/sources/items", params={"at": at}, timeout=10), 400, "at")


@pytest.mark.parametrize("f", ["html", "xml", "docx"])
def test_items_invalid_f(base_url, http, f):
    problem(http.get(base_url + "/collections/facilities/items", params={"f": f}, timeout=10), 400, "f")


def test_invalid_f_elsewhere(base_url, http):
    """f= is declared with an enum on every route: an undeclared value is refused, not ignored."""
    wrong = []
    for path in ("/", "/conformance", "/api", "/collections", "/collections/facilities",
                 "/collections/facilities/items/1"):
        r = http.get(base_url + path, params={"f": "xml"}, timeout=10)
        if r.status_code != 400 or "xml" not in r.json().get("detail", ""):
            wrong.append("%s?f=xml -> %d %s" % (path, r.status_code, r.headers.get("Content-Type")))
    assert not wrong, "f=xml accepted:\n" + "\n".join(wrong)


# --- q= search ----------------------------------------------------------------------------------------

TEXT_PROPS = ("name", "code", "address", "ward")
ALL_TEXT_PROPS = TEXT_PROPS + ("legacy_district", "legacy_ward", "legacy_province", "organization")


def search_bounds(scan, q):
    """(must, may): ids whose name/code/address/ward contain fold(q), and those where any text
    property does."""
    k = fold(q)
    must, may = set(), set()
    for i, f in scan["facilities"].items():
        p = f["properties"]
        if any(k in fold(p.get(n) or "") for n in TEXT_PROPS):
            must.add(i)
        if any(k in fold(p.get(n) or "") for n in ALL_TEXT_PROPS):
            may.add(i)
    return must, may


def search(http, base_url, coll, q, **extra):
    return set(ids(fetch_all(http, base_url + "/collections/%s/items" % coll, dict(q=q, **extra))))


def test_search_thu_dau_mot(base_url, http, scan):
    must, may = search_bounds(scan, "Thủ Dầu Một")
    assert must, "the demo has no facility in Thủ Dầu Một"
    got = search(http, base_url, "facilities", "thu dau mot")
    assert must <= got <= may
    nfd = unicodedata.normalize("NFD", "Thủ Dầu Một")
    for variant in ("Thủ Dầu Một", "THỦ DẦU MỘT", "thu  dau-mot", nfd, " Thu Dau Mot "):
        assert search(http, base_url, "facilities", variant) == got, variant
    # the same search on sources and devices finds those of the facilities found
    for coll in ("sources", "devices"):
        want = {i for i, f in scan[coll].items() if f["properties"]["facility_id"] in got}
        assert search(http, base_url, coll, "thu dau mot") == want


def test_search_d_with_stroke(base_url, http, scan):
    """đ folds to d: a ward spelt with Đ is found when typed without it."""
    from collections import Counter
    wards = Counter(f["properties"]["ward"] for f in scan["facilities"].values()
                    if f["properties"]["ward"] and re.search("[Đđ]", f["properties"]["ward"]))
    assert wards, "no ward with Đ/đ in the demo"
    ward = wards.most_common(1)[0][0]
    word = next(w for w in ward.split() if re.search("[Đđ]", w))
    i = ward.index(word)
    phrase = ward[i:]                                    # e.g. "Đa Kao" out of "Phường Đa Kao"
    ascii_q = fold(phrase)
    assert "d" in ascii_q and all(ord(c) < 128 for c in ascii_q)
    must, may = search_bounds(scan, phrase)
    got = search(http, base_url, "facilities", ascii_q)
    assert {i for i, f in scan["facilities"].items() if f["properties"]["ward"] == ward} <= got
    assert must <= got <= may
    assert search(http, base_url, "facilities", phrase.upper()) == got


def test_search_combines_with_filters(base_url, http, scan):
    got = search(http, base_url, "facilities", "thu dau mot")
    want = {i for i in got if scan["facilities"][i]["properties"]["status"] == "operating"}
    assert search(http, base_url, "facilities", "thu dau mot", status="operating") == want
    page = items(http, base_url, "facilities", q="thu dau mot", limit=1)
    assert page["numberMatched"] == len(got)


def test_search_paging_keeps_q(base_url, http, scan):
    got = sorted(search(http, base_url, "facilities", "Thủ Dầu Một"))
    pages = follow(http, base_url + "/collections/facilities/items", "next", params={"q": "Thủ Dầu Một", "limit": 3})
    assert [i for p in pages for i in ids(p["features"])] == got


def test_search_nothing_and_empty(base_url, http, scan):
    assert search(http, base_url, "facilities", "zzqxj") == set()
    assert len(search(http, base_url, "facilities", "")) == len(scan["facilities"])
    assert len(search(http, base_url, "facilities", "%")) == len(scan["facilities"])


# --- single feature -----------------------------------------------------------------------------------

@pytest.mark.parametrize("coll", COLLECTIONS)
def test_single_feature(base_url, http, scan, coll):
    fid = sorted(scan[coll])[len(scan[coll]) // 2]
    r = http.get(base_url + "/collections/%s/items/%d" % (coll, fid), timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/geo+json"
    f = r.json()
    want = dict(scan[coll][fid])
    assert {k: v for k, v in f.items() if k != "links"} == want
    self_ = one_link(f, "self")
    assert self_["href"] == base_url + "/collections/%s/items/%d" % (coll, fid)
    assert self_["type"] == "application/geo+json"
    alt = one_link(f, "alternate")
    assert alt["type"] == "text/html" and alt["href"].startswith(base_url + "/")
    col = one_link(f, "collection")
    assert col["href"] == base_url + "/collections/" + coll and col["type"] == "application/json"
    etag = r.headers["ETag"]
    assert re.fullmatch(r'(W/)?"[^"]+"', etag)
    # the same request gives the same ETag
    assert http.get(base_url + "/collections/%s/items/%d" % (coll, fid), timeout=10).headers["ETag"] == etag


@pytest.mark.parametrize("fid", ["0", "999999999", "abc", "-1", "1.0", "99999999999999999999999"])
def test_missing_feature(base_url, http, fid):
    problem(http.get(base_url + "/collections/facilities/items/" + fid, timeout=10), 404)
