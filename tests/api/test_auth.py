"""
Accounts, roles and the sensitive-data allowlist (issue 4, DESIGN §5).

- The whole matrix route x method x caller, driven by the routing table in src/api/routes.c:
  anonymous (public access off), anonymous with --public on, each of the 7 roles, and a read-only
  token, each answered 2xx when allowed and 401/403 when not.
- For every channel that exists (items, numberMatched, q= search, tiles and clusters, TileJSON,
  /proximity, /nearest, /alerts ...) the public and viewer classes receive no source, no device, no
  category attribute and no position of a facility holding a Category 1-3 source.
- Sessions (cookie flags, logout, bearer tokens), disabling a user or changing a role through the
  command line while the server runs, the failed-login throttle, read-only tokens, passwords never
  echoed, the read log and the hourly read quota.
"""
import concurrent.futures
import json
import re
import sqlite3
import threading
import time
import zlib

import pytest
import requests

from authutil import (HELD, ROLES, ROLE_CLASS, Realm, au_demo, connect, decode_mvt, fetch_all,  # noqa: F401
                      last_line, lonlat_to_tile, login, metres_between, problem, route_exists, routes, run_radmap,
                      table_rows)

HCMC = (106.70, 10.78)


@pytest.fixture(scope="module")
def pub(au_demo):
    """The server with public access on (and a quota too large to matter here)."""
    r = Realm(au_demo, args=["--public", "on", "--read-quota", "10000000"], name="auth-public.db")
    seen = []
    r.hooks.append(seen.append)
    r.seen = seen
    yield r
    assert r.close() == 0, r.server.stderr()


@pytest.fixture(scope="module")
def mx(au_demo):
    """The server the matrix writes to (public access on), so that its edits change nothing the
    channel tests count."""
    r = Realm(au_demo, args=["--public", "on"], name="auth-matrix.db")
    yield r
    assert r.close() == 0, r.server.stderr()


@pytest.fixture(scope="module")
def priv(au_demo):
    """A server with public access off (the default)."""
    r = Realm(au_demo, name="auth-private.db")
    yield r
    assert r.close() == 0, r.server.stderr()


@pytest.fixture(scope="module")
def quota(au_demo):
    """A server with a small hourly read quota (rows of sources and devices per user)."""
    r = Realm(au_demo, args=["--read-quota", "10"], name="auth-quota.db")
    yield r
    assert r.close() == 0, r.server.stderr()


@pytest.fixture(scope="module")
def register(pub):
    """The register as an admin reads it: facilities and sources, and which facilities hold a
    Category 1-3 source."""
    facs = {f["id"]: f for f in fetch_all(pub, "facilities", "admin")}
    srcs = {f["id"]: f for f in fetch_all(pub, "sources", "admin")}
    cat13 = {s["properties"]["facility_id"] for s in srcs.values()
             if s["properties"]["status"] in HELD and s["properties"]["iaea_category"] in (1, 2, 3)}
    assert cat13, "the demo register has no facility holding a Category 1-3 source: nothing to test"
    # The facilities' own max_category agrees with the sources.
    assert cat13 == {i for i, f in facs.items() if f["properties"]["max_category"] in (1, 2, 3)}
    visible = [f for i, f in facs.items() if i not in cat13]
    # Positions that only a Category 1-3 facility (or a source) occupies: nothing public stands there.
    def far_from_visible(lon, lat):
        return all(metres_between(lon, lat, *v["geometry"]["coordinates"]) > 5 for v in visible
                   if abs(v["geometry"]["coordinates"][0] - lon) < 1e-3 and abs(v["geometry"]["coordinates"][1] - lat) < 1e-3)
    secret = [tuple(facs[i]["geometry"]["coordinates"]) for i in cat13]
    secret += [tuple(s["geometry"]["coordinates"]) for s in srcs.values()
               if s["properties"]["iaea_category"] in (1, 2, 3) and s["properties"]["status"] in HELD + ("lost", "stolen")]
    secret = sorted({p for p in secret if far_from_visible(*p)})
    assert secret
    return {"facilities": facs, "sources": srcs, "cat13": cat13, "secret": secret, "visible": visible}


# --- the matrix -----------------------------------------------------------------------------------------

def new_facility_body(tag):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.69 + (zlib.crc32(tag.encode()) % 1000) * 1e-5, 10.79]},
            "properties": {"code": "MX-%s" % tag, "name": "Matrix %s" % tag, "practice": "medical_xray"}}


class Plan:
    """The concrete request for one route and caller, and the statuses that mean "allowed"."""

    def __init__(self, method, path, ok, **kw):
        self.method, self.path, self.kw = method, path, kw
        self.ok = set(ok) if ok is not None else None


def fresh(pub, kind):
    """A new facility or organization made by the admin, for a write to use: (id, ETag)."""
    if kind == "facility":
        r = pub.request("POST", "/collections/facilities/items", "admin",
                        json=new_facility_body("f%d" % time.monotonic_ns()),
                        headers={"Content-Type": "application/geo+json"})
    else:
        r = pub.request("POST", "/organizations", "admin", json={"name": "Org %d" % time.monotonic_ns()},
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.headers["ETag"]


def plan_for(method, pattern, caller, allowed, ctx):
    """A request that exercises (method, pattern); when allowed it must succeed."""
    pub = ctx["pub"]
    fac = ctx["public_facility"]
    tx, ty = lonlat_to_tile(10, *HCMC)
    json_ct = {"Content-Type": "application/json"}
    geo_ct = {"Content-Type": "application/geo+json"}
    key = (method, pattern)
    if key in {("GET", "/"), ("GET", "/conformance"), ("GET", "/api"), ("GET", "/health"), ("GET", "/auth/me"),
               ("GET", "/collections"), ("GET", "/metrics")}:
        return Plan(method, pattern, {200})
    if key == ("GET", "/map"):
        return Plan(method, pattern, {301, 302, 303, 307, 308}, allow_redirects=False)
    if key == ("POST", "/auth/login"):
        name, pw = pub.accounts["viewer"]
        return Plan(method, pattern, {200}, json={"name": name, "password": pw}, headers=json_ct)
    if key == ("POST", "/auth/logout"):
        headers = {}
        if allowed and caller["role"] and not caller.get("read_only"):
            # Log out a token of its own, not the shared session.
            name = pub.accounts[caller["role"]][0]
            headers["Authorization"] = "Bearer " + last_line(run_radmap("user", "token", pub.db, name).stdout)
        return Plan(method, pattern, {204}, headers=headers)
    if key == ("GET", "/collections/{}"):
        return Plan(method, "/collections/facilities", {200})
    if key == ("GET", "/collections/{}/items"):
        return Plan(method, "/collections/facilities/items", {200}, params={"limit": 3})
    if key == ("GET", "/collections/{}/items/{}"):
        return Plan(method, "/collections/facilities/items/%d" % fac, {200})
    if key == ("POST", "/collections/{}/items"):
        return Plan(method, "/collections/facilities/items", {201}, json=new_facility_body(caller["name"]),
                    headers=geo_ct)
    if key in {("PUT", "/collections/{}/items/{}"), ("PATCH", "/collections/{}/items/{}"),
               ("DELETE", "/collections/{}/items/{}")}:
        if allowed:
            fid, etag = fresh(pub, "facility")
        else:
            fid, etag = ctx["edited_facility"], '"v1"'
        headers = {"If-Match": etag}
        kw = {}
        if method == "PUT":
            body = new_facility_body("put-%d" % fid)
            body["id"] = fid
            kw["json"] = body
            headers.update(geo_ct)
        elif method == "PATCH":
            kw["json"] = {"properties": {"name": "Patched by %s" % caller["name"]}}
            headers["Content-Type"] = "application/merge-patch+json"
        return Plan(method, "/collections/facilities/items/%d" % fid, {204} if method == "DELETE" else {200},
                    headers=headers, **kw)
    if key == ("GET", "/collections/{}/items/{}/history"):
        return Plan(method, "/collections/facilities/items/%d/history" % ctx["edited_facility"], {200})
    if key == ("GET", "/organizations"):
        return Plan(method, pattern, {200})
    if key == ("GET", "/organizations/{}"):
        return Plan(method, "/organizations/%d" % ctx["organization"], {200})
    if key == ("POST", "/organizations"):
        return Plan(method, pattern, {201}, json={"name": "Matrix org %s" % caller["name"]}, headers=json_ct)
    if key in {("PUT", "/organizations/{}"), ("PATCH", "/organizations/{}"), ("DELETE", "/organizations/{}")}:
        if allowed:
            oid, etag = fresh(pub, "organization")
        else:
            oid, etag = ctx["organization"], '"v1"'
        kw = {}
        headers = {"If-Match": etag}
        if method != "DELETE":
            kw["json"] = {"name": "Renamed by %s" % caller["name"]}
            headers.update(json_ct if method == "PUT" else {"Content-Type": "application/merge-patch+json"})
        return Plan(method, "/organizations/%d" % oid, {204} if method == "DELETE" else {200}, headers=headers, **kw)
    if key == ("GET", "/tiles/{}/{}/{}/{}"):
        return Plan(method, "/tiles/facilities/10/%d/%d.mvt" % (tx, ty), {200, 204})
    if key == ("GET", "/tiles/{}"):
        return Plan(method, "/tiles/facilities.json", {200})
    if key == ("GET", "/proximity"):
        return Plan(method, pattern, {200}, params={"lon": HCMC[0], "lat": HCMC[1], "radius": 500})
    if key == ("POST", "/proximity"):
        lon, lat = HCMC
        ring = [[lon - .005, lat - .005], [lon + .005, lat - .005], [lon + .005, lat + .005], [lon - .005, lat + .005],
                [lon - .005, lat - .005]]
        return Plan(method, pattern, {200}, json={"type": "Polygon", "coordinates": [ring]}, headers=geo_ct)
    if key == ("GET", "/nearest"):
        return Plan(method, pattern, {200}, params={"lon": HCMC[0], "lat": HCMC[1], "k": 3})
    if key == ("GET", "/alerts"):
        return Plan(method, pattern, {200})
    if key == ("GET", "/sources/{}/zones"):
        # The source is invisible to the public and viewer classes: 404 there.
        cls = "public" if not caller["role"] else ROLE_CLASS[caller["role"]]
        return Plan(method, "/sources/%d/zones" % ctx["source"], {200} if cls == "full" else {404})
    # A route this table does not know yet: allowed callers must at least get past authorisation.
    path = re.sub(r"\{\}", "1", pattern).replace("*", "")
    return Plan(method, path, None, headers=json_ct, data="{}" if method != "GET" else None)


def callers(pub, priv, ro_token):
    out = [{"name": "anonymous", "realm": priv, "role": None, "token": None},
           {"name": "public", "realm": pub, "role": None, "token": None}]
    for role in ROLES:
        out.append({"name": role, "realm": pub, "role": role, "token": pub.token(role)})
    out.append({"name": "licensing-read-only", "realm": pub, "role": "licensing", "token": ro_token, "read_only": True})
    return out


# POST routes that only read (a search whose query is the body): not writes.
READ_POSTS = {("POST", "/proximity")}


def expected_denial(mask, method, pattern, caller):
    """None when the caller may call the route, else 401 or 403."""
    if "open" in mask:
        return None
    write = method != "GET" and (method, pattern) not in READ_POSTS
    if caller["role"] is None:
        public_on = caller["name"] == "public"
        return None if (public_on and "public" in mask and not write) else 401
    if caller["role"] not in mask:
        return 403
    if caller.get("read_only") and write:
        return 403
    return None


@pytest.fixture(scope="module")
def matrix_ctx(mx, register):
    pub = mx
    fid, etag = fresh(pub, "facility")
    r = pub.request("PATCH", "/collections/facilities/items/%d" % fid, "admin", json={"properties": {"name": "Edited"}},
                    headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    org = None
    if route_exists("POST", "/organizations"):
        org = fresh(pub, "organization")[0]
    public_facility = min(f["id"] for f in register["visible"])
    source = min(register["sources"])
    return {"pub": pub, "edited_facility": fid, "organization": org, "public_facility": public_facility,
            "source": source}


def test_matrix_route_method_role(mx, priv, matrix_ctx):
    pub = mx
    ro = pub.bearer("matrix.ro", "licensing", read_only=True)
    table = routes()
    assert len(table) >= 20
    work = [(method, pattern, mask, caller) for method, pattern, mask in table for caller in callers(pub, priv, ro)]

    def one(item):
        method, pattern, mask, caller = item
        denial = expected_denial(mask, method, pattern, caller)
        plan = plan_for(method, pattern, caller, denial is None, matrix_ctx)
        realm = caller["realm"]
        headers = dict(plan.kw.pop("headers", {}) or {})
        if caller["token"] and "Authorization" not in headers:
            headers["Authorization"] = "Bearer " + caller["token"]
        for _ in range(20):
            r = requests.request(plan.method, realm.url + plan.path, headers=headers, timeout=60, **plan.kw)
            if r.status_code != 503:  # load shedding of heavy routes: come back, as a client would
                break
            time.sleep(min(float(r.headers.get("Retry-After", "0.2") or 0.2), 0.5))
        what = "%s %s as %s -> %d %s" % (plan.method, plan.path, caller["name"], r.status_code, r.text[:160])
        if denial is not None:
            if r.status_code != denial:
                return "expected %d: %s" % (denial, what)
            if r.headers.get("Content-Type", "").split(";")[0] != "application/problem+json":
                return "denial is not a problem: " + what
            if denial == 401 and "Bearer" not in r.headers.get("WWW-Authenticate", ""):
                return "401 without WWW-Authenticate: " + what
        elif plan.ok is None:
            if r.status_code in (401, 403) or r.status_code >= 500:
                return "allowed but refused: " + what
        elif r.status_code not in plan.ok:
            return "expected %s: %s" % (sorted(plan.ok), what)
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, work))
    failures = [f for f in results if f]
    checked = len(results)
    assert checked >= 20 * 10
    assert not failures, "%d of %d answers wrong:\n%s" % (len(failures), checked, "\n".join(failures))


def test_options_allow_reflects_role(pub, priv):
    def allow(realm, path, role=None):
        r = realm.request("OPTIONS", path, role)
        assert r.status_code in (200, 204), r.text
        return {m.strip() for m in r.headers.get("Allow", "").split(",") if m.strip()}

    items, item = "/collections/facilities/items", "/collections/facilities/items/1"
    for role in ("licensing", "admin"):
        assert {"GET", "POST"} <= allow(pub, items, role)
        assert {"GET", "PUT", "PATCH", "DELETE"} <= allow(pub, item, role)
    for role in ("viewer", "inspector", "planner", "counter", "leader"):
        assert "POST" not in allow(pub, items, role), role
        assert not {"PUT", "PATCH", "DELETE"} & allow(pub, item, role), role
        assert "GET" in allow(pub, items, role)
    # Anonymous: may read with --public on, nothing without.
    assert "GET" in allow(pub, items) and "POST" not in allow(pub, items)
    assert not {"GET", "POST"} & allow(priv, items)
    # A read-only token may not write, so OPTIONS must not offer writes either.
    ro = pub.bearer("options.ro", "licensing", read_only=True)
    r = pub.http.options(pub.url + items, headers={"Authorization": "Bearer " + ro})
    offered = {m.strip() for m in r.headers.get("Allow", "").split(",")}
    assert "POST" not in offered, "a read-only token is offered POST: Allow: %s" % r.headers.get("Allow")


# --- channels: the public and viewer classes ------------------------------------------------------------

FORBIDDEN_KEYS = re.compile(r"categor|nuclide|activity|a_over_d|serial|manufacturer|model|source|isotope|kv$|_ma$|"
                            r"highest|alert", re.I)


def forbidden_keys(obj, cls, path=""):
    """Keys anywhere in a JSON document that name source, device or category data."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if FORBIDDEN_KEYS.search(k) and not (k == "layers" or k == "type"):
                out.append(path + "/" + k)
            if k == "device_count" and cls == "public":
                out.append(path + "/" + k)
            out += forbidden_keys(v, cls, path + "/" + k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += forbidden_keys(v, cls, "%s[%d]" % (path, i))
    return out


def positions(obj):
    """Every [lon, lat] pair of GeoJSON geometries in a document."""
    out = []
    if isinstance(obj, dict):
        g = obj.get("geometry")
        if isinstance(g, dict) and g.get("type") == "Point":
            out.append(tuple(g["coordinates"][:2]))
        for k, v in obj.items():
            if k != "geometry":
                out += positions(v)
    elif isinstance(obj, list):
        for v in obj:
            out += positions(v)
    return out


def leaks(points, secret, tol_m=1.0):
    out = []
    for lon, lat in points:
        for s in secret:
            if abs(s[0] - lon) < 1e-3 and abs(s[1] - lat) < 1e-3 and metres_between(lon, lat, *s) <= tol_m:
                out.append(((lon, lat), s))
    return out


def as_class(pub, cls):
    return None if cls == "public" else "viewer"


CLASSES = ["public", "viewer"]


@pytest.mark.parametrize("cls", CLASSES)
def test_collections_hide_sources_and_devices(pub, register, cls):
    role = as_class(pub, cls)
    r = pub.get("/collections", role)
    assert r.status_code == 200
    ids = {c["id"] for c in r.json()["collections"]}
    assert "facilities" in ids and not {"sources", "devices"} & ids, ids
    sid = min(register["sources"])
    for path in ("/collections/sources", "/collections/sources/items", "/collections/devices/items",
                 "/collections/sources/items/%d" % sid, "/collections/devices/items/1",
                 "/tiles/sources/10/0/0.mvt", "/tiles/devices/10/0/0.mvt", "/tiles/sources.json",
                 "/tiles/facilities,sources/10/0/0.mvt"):
        r = pub.get(path, role)
        assert r.status_code == 404, "%s as %s -> %d %s" % (path, cls, r.status_code, r.text[:200])
        assert "Co-60" not in r.text and "Ir-192" not in r.text


@pytest.mark.parametrize("cls", CLASSES)
def test_items_and_numbermatched_hide_categories(pub, register, cls):
    role = as_class(pub, cls)
    feats = fetch_all(pub, "facilities", role)
    bad = forbidden_keys(feats, cls)
    assert not bad, "%s sees %s" % (cls, sorted(set(bad))[:10])
    r = pub.get("/collections/facilities/items", role, params={"limit": 1})
    matched = r.json()["numberMatched"]
    assert matched == len(feats)
    assert not {f["id"] for f in feats} & register["cat13"]
    assert matched == len(register["facilities"]) - len(register["cat13"])
    # A filtered count does not count them either.
    for practice in ("industrial_radiography", "radiotherapy", "irradiator"):
        want = sum(1 for f in register["visible"] if practice in f["properties"]["practices"])
        r = pub.get("/collections/facilities/items", role, params={"practice": practice, "limit": 10000})
        assert r.status_code == 200
        assert r.json()["numberMatched"] == want == len(r.json()["features"]), practice
    for fid in register["cat13"]:
        r = pub.get("/collections/facilities/items/%d" % fid, role)
        assert r.status_code == 404, (fid, r.status_code)


@pytest.mark.parametrize("cls", CLASSES)
def test_filters_cannot_probe_sources(pub, register, cls):
    """Filters on source or category data are not offered to these classes (no oracle by counting)."""
    role = as_class(pub, cls)
    probes = [("category", "1"), ("nuclide", "Co-60"), ("max_category", "2"), ("source_count", "1")]
    if cls == "public":
        probes.append(("type", "ct"))  # a device type
    for param, value in probes:
        r = pub.get("/collections/facilities/items", role, params={param: value, "limit": 1})
        assert r.status_code == 400, "%s=%s as %s -> %d %s" % (param, value, cls, r.status_code, r.text[:200])


@pytest.mark.parametrize("cls", CLASSES)
def test_search_hides_category13_facilities(pub, register, cls):
    role = as_class(pub, cls)
    for fid in sorted(register["cat13"]):
        f = register["facilities"][fid]
        for q in (f["properties"]["name"], f["properties"]["code"]):
            r = pub.get("/collections/facilities/items", role, params={"q": q, "limit": 10000})
            assert r.status_code == 200, r.text
            body = r.json()
            assert not forbidden_keys(body["features"], cls)
            assert fid not in {x["id"] for x in body["features"]}, "q=%s finds facility %d" % (q, fid)
            assert body["numberMatched"] == len(body["features"])


def tiles_covering(z, pts):
    return sorted({lonlat_to_tile(z, lon, lat) for lon, lat in pts})


def tile_features(pub, role, layer, z, x, y):
    r = pub.get("/tiles/%s/%d/%d/%d.mvt" % (layer, z, x, y), role)
    assert r.status_code in (200, 204), r.text[:200]
    if r.status_code == 204 or not r.content:
        return {}
    return decode_mvt(r.content, z, x, y)


@pytest.mark.parametrize("cls", CLASSES)
def test_tiles_unclustered_hide_category13(pub, register, cls):
    role = as_class(pub, cls)
    z = 14  # above the cluster zoom: every point is itself
    pts = [tuple(register["facilities"][i]["geometry"]["coordinates"]) for i in register["cat13"]]
    for x, y in tiles_covering(z, pts + register["secret"]):
        layers = tile_features(pub, role, "facilities", z, x, y)
        assert set(layers) <= {"facilities"}, layers.keys()
        for f in layers.get("facilities", []):
            names = set(f["names"]) - {"mvt_id"}
            assert not [n for n in names if FORBIDDEN_KEYS.search(n)], (cls, names)
            if cls == "public":
                assert "device_count" not in names
            assert f["id"] not in register["cat13"], "tile %d/%d/%d shows facility %s" % (z, x, y, f["id"])
        hits = leaks([(f["lon"], f["lat"]) for f in layers.get("facilities", []) if "lon" in f],
                     register["secret"], tol_m=3.0)
        assert not hits, "tile %d/%d/%d has a point at a Category 1-3 position: %r" % (z, x, y, hits[:3])


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("z", [6, 9, 11])
def test_tiles_clustered_count_only_visible(pub, register, cls, z):
    role = as_class(pub, cls)
    all_pts = [tuple(f["geometry"]["coordinates"]) for f in register["facilities"].values()]
    total = 0
    for x, y in tiles_covering(z, all_pts):
        layers = tile_features(pub, role, "facilities", z, x, y)
        for f in layers.get("facilities", []):
            names = set(f["names"]) - {"mvt_id"}
            assert not [n for n in names if FORBIDDEN_KEYS.search(n)], (cls, z, names)
            if f["props"].get("cluster"):
                total += f["props"]["point_count"]
            else:
                total += 1
                assert f["id"] not in register["cat13"]
    assert total == len(register["visible"]), "z%d clusters count %d facilities, %d may be shown to %s" % (
        z, total, len(register["visible"]), cls)


@pytest.mark.parametrize("cls", CLASSES)
def test_tilejson_hides_sensitive_layers(pub, cls):
    role = as_class(pub, cls)
    r = pub.get("/tiles/facilities.json", role)
    assert r.status_code == 200
    doc = r.json()
    layer_ids = {l["id"] for l in doc["vector_layers"]}
    assert not {"sources", "devices"} & layer_ids
    assert not forbidden_keys(doc, cls)


def area_ring(lon, lat, d=0.002):
    return [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]


@pytest.mark.parametrize("cls", CLASSES)
def test_proximity_nearest_alerts_hide_category13(pub, register, cls):
    role = as_class(pub, cls)
    checked = 0
    for lon, lat in register["secret"][:12]:
        docs = []
        if route_exists("GET", "/proximity"):
            r = pub.get("/proximity", role, params={"lon": lon, "lat": lat, "radius": 200})
            assert r.status_code == 200, r.text[:300]
            docs.append(r.json())
            # Sources may not even be asked for.
            r = pub.get("/proximity", role, params={"lon": lon, "lat": lat, "radius": 200, "layers": "sources"})
            assert r.status_code in (400, 404), r.text[:300]
        if route_exists("POST", "/proximity"):
            r = pub.request("POST", "/proximity", role, json={"type": "Polygon", "coordinates": [area_ring(lon, lat)]},
                            headers={"Content-Type": "application/geo+json"})
            # (Anonymous callers are refused POST /proximity today: the matrix test reports that.)
            assert r.status_code == 200 or (cls == "public" and r.status_code == 401), r.text[:300]
            if r.status_code == 200:
                docs.append(r.json())
        if route_exists("GET", "/nearest"):
            r = pub.get("/nearest", role, params={"lon": lon, "lat": lat, "k": 5})
            assert r.status_code == 200, r.text[:300]
            docs.append(r.json())
        for doc in docs:
            checked += 1
            bad = forbidden_keys(doc, cls)
            assert not bad, "%s sees %s" % (cls, sorted(set(bad))[:10])
            assert not set(doc.get("query", {}).get("layers", [])) & {"sources", "devices"}
            assert not leaks(positions(doc), register["secret"]), "a Category 1-3 position near %r" % ((lon, lat),)
            ids = {f["id"] for f in doc["features"] if f["properties"].get("layer", "facilities") == "facilities"}
            assert not ids & register["cat13"]
    if route_exists("GET", "/alerts"):
        r = pub.get("/alerts", role)
        assert r.status_code == 200
        doc = r.json()
        assert doc["features"] == [] and not forbidden_keys(doc["features"], cls)
        checked += 1
    if not checked:
        pytest.skip("no proximity, nearest or alerts routes in this build")


def test_proximity_summary_counts_only_visible(pub, register):
    if not route_exists("GET", "/proximity"):
        pytest.skip("no /proximity")
    lon, lat = register["facilities"][min(register["cat13"])]["geometry"]["coordinates"]
    r = pub.get("/proximity", None, params={"lon": lon, "lat": lat, "radius": 5000, "limit": 10000})
    doc = r.json()
    want = sum(1 for f in register["visible"]
               if metres_between(lon, lat, *f["geometry"]["coordinates"]) <= 5000)
    got = [f for f in doc["features"] if f["properties"].get("layer") == "facilities"]
    # Within a few metres of the edge the local distance formula may disagree: allow one either way.
    assert abs(len(got) - want) <= 1
    assert not {f["id"] for f in got} & register["cat13"]
    summary = json.dumps(doc.get("summary", {}))
    assert "categor" not in summary and "activity" not in summary


def test_viewer_sees_no_category13_positions(pub, register):
    """Issue 4: the viewer class, like the public one, receives no position of a facility holding a
    Category 1-3 source (items, search, tiles, clusters)."""
    feats = fetch_all(pub, "facilities", "viewer")
    shown = {f["id"] for f in feats} & register["cat13"]
    assert not shown, "the viewer class receives the positions of %d facilities holding Category 1-3 " \
                      "sources (ids %s)" % (len(shown), sorted(shown)[:10])


# --- sessions and tokens --------------------------------------------------------------------------------

def test_login_cookie_session_and_logout(pub):
    name, pw = pub.accounts["inspector"]
    s = requests.Session()
    r = login(pub.url, name, pw, s)
    assert r.status_code == 200, r.text
    body = r.json()
    token = body["token"]
    assert re.fullmatch(r"rm_[A-Za-z0-9_-]{43}", token)
    assert body["user"] == {"name": name, "role": "inspector"}
    assert pw not in r.text and "argon2" not in r.text
    cookie = r.headers["Set-Cookie"]
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0] == "radmap_session=" + token
    assert "HttpOnly" in parts and "SameSite=Strict" in parts and "Path=/" in parts, cookie
    # The cookie alone signs the browser in.
    me = s.get(pub.url + "/auth/me").json()
    assert me["signed_in"] and me["name"] == name and me["role"] == "inspector" and me["visibility"] == "full"
    assert s.get(pub.url + "/collections/sources/items", params={"limit": 1}).status_code == 200
    # The token as a bearer works too.
    assert requests.get(pub.url + "/auth/me", headers={"Authorization": "Bearer " + token}).json()["signed_in"]
    r = s.post(pub.url + "/auth/logout")
    assert r.status_code == 204
    assert "Max-Age=0" in r.headers.get("Set-Cookie", "")
    # Revoked: neither the old cookie nor the bearer works any more (401, not silently anonymous).
    r = requests.get(pub.url + "/collections/sources/items", cookies={"radmap_session": token})
    problem(r, 401)
    r = requests.get(pub.url + "/collections/facilities/items", headers={"Authorization": "Bearer " + token})
    problem(r, 401)
    r = requests.post(pub.url + "/auth/logout", headers={"Authorization": "Bearer " + token})
    problem(r, 401)


def test_login_response_not_cacheable(pub):
    name, pw = pub.accounts["planner"]
    r = login(pub.url, name, pw)
    assert r.status_code == 200
    assert "no-store" in r.headers.get("Cache-Control", ""), \
        "the sign-in answer carries a session token but no Cache-Control: no-store (%r)" % dict(r.headers)


def test_login_errors(pub):
    name, pw = pub.accounts["leader"]
    problem(requests.post(pub.url + "/auth/login", data=json.dumps({"name": name, "password": pw}),
                          headers={"Content-Type": "text/plain"}), 415)
    problem(requests.post(pub.url + "/auth/login", data="{", headers={"Content-Type": "application/json"}), 400)
    problem(requests.post(pub.url + "/auth/login", json={"name": name}), 400)
    problem(requests.post(pub.url + "/auth/login", json={"name": name, "password": 12345678}), 400)
    r = requests.post(pub.url + "/auth/login", json={"name": name, "password": pw + "x"})
    body = problem(r, 401)
    assert pw not in r.text
    r = requests.post(pub.url + "/auth/login", json={"name": "no.such.user", "password": pw})
    assert problem(r, 401)["detail"] == body["detail"], "unknown names and wrong passwords must look alike"


def test_failed_logins_are_throttled(pub):
    pw = "correct horse battery"
    pub.bearer("throttle.user", "viewer", password=pw)
    for i in range(3):
        problem(login(pub.url, "throttle.user", "wrong-%d" % i), 401)
    r = login(pub.url, "throttle.user", pw)
    body = problem(r, 429)
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 300
    assert pw not in r.text
    # Unknown names are slowed down the same way.
    for i in range(3):
        problem(login(pub.url, "ghost.user", "x%d" % i), 401)
    problem(login(pub.url, "ghost.user", "y"), 429)
    # Another name is not affected.
    assert login(pub.url, *pub.accounts["viewer"]).status_code == 200
    time.sleep(wait + 0.2)
    assert login(pub.url, "throttle.user", pw).status_code == 200
    assert "try again" in body["detail"]


def fnv1a(name):
    h = 2166136261
    for b in name.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def test_throttle_not_reset_by_another_name(pub):
    """Failures for one name must not be forgotten because another name was tried in between (a
    name whose throttle slot collides is easy to compute, so an attacker could interleave it)."""
    target = "throttle.target"
    collider = next("probe.%d" % i for i in range(100000) if fnv1a("probe.%d" % i) % 1024 == fnv1a(target) % 1024)
    for i in range(2):
        problem(login(pub.url, target, "guess-%d" % i), 401)
    problem(login(pub.url, collider, "x"), 401)
    problem(login(pub.url, target, "guess-2"), 401)
    r = login(pub.url, target, "guess-3")
    assert r.status_code == 429, "3 failed sign-ins for %s, with one for %s in between, and the next attempt is " \
                                 "answered %d" % (target, collider, r.status_code)


def test_password_hashing_does_not_block_readers(pub):
    """argon2 runs off the connection threads: /health stays fast while sign-ins hash."""
    results = []

    def bad_login(i):
        results.append(login(pub.url, "busy.%d" % i, "wrong").status_code)

    threads = [threading.Thread(target=bad_login, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    slow = []
    for _ in range(10):
        t0 = time.monotonic()
        assert requests.get(pub.url + "/health", timeout=10).status_code == 200
        slow.append(time.monotonic() - t0)
    for t in threads:
        t.join()
    assert sorted(results) == [401] * 8
    slow.sort()
    # Hashing on the connection threads would hold most of these behind a 0.1-0.3 s hash.
    assert slow[len(slow) // 2] < 0.15 and slow[-1] < 1.5, "health took %r s while passwords were hashed" % slow


def test_disable_and_set_role_end_sessions_at_once(pub):
    pw = "a long enough password"
    bearer = pub.bearer("temp.inspector", "inspector", password=pw)
    session = login(pub.url, "temp.inspector", pw).json()["token"]
    for tok in (bearer, session):
        r = requests.get(pub.url + "/collections/sources/items", params={"limit": 1},
                         headers={"Authorization": "Bearer " + tok})
        assert r.status_code == 200
    p = run_radmap("user", "disable", pub.db, "temp.inspector")
    assert "revoked" in p.stdout
    for tok in (bearer, session):
        problem(requests.get(pub.url + "/collections/facilities/items", params={"limit": 1},
                             headers={"Authorization": "Bearer " + tok}), 401)
    problem(login(pub.url, "temp.inspector", pw), 401)
    listing = run_radmap("user", "list", pub.db).stdout
    assert re.search(r"temp\.inspector\s+inspector\s+disabled", listing), listing
    assert pw not in listing
    run_radmap("user", "enable", pub.db, "temp.inspector")
    # Enabling does not bring old tokens back.
    for tok in (bearer, session):
        problem(requests.get(pub.url + "/collections", headers={"Authorization": "Bearer " + tok}), 401)
    session = login(pub.url, "temp.inspector", pw).json()["token"]
    assert requests.get(pub.url + "/collections/sources/items", params={"limit": 1},
                        headers={"Authorization": "Bearer " + session}).status_code == 200
    run_radmap("user", "set-role", pub.db, "temp.inspector", "viewer")
    problem(requests.get(pub.url + "/collections", headers={"Authorization": "Bearer " + session}), 401)
    session = login(pub.url, "temp.inspector", pw).json()
    assert session["user"]["role"] == "viewer"
    r = requests.get(pub.url + "/collections/sources/items", headers={"Authorization": "Bearer " + session["token"]})
    assert r.status_code == 404


def test_token_checks_follow_revocation_on_every_thread(priv):
    """Tokens resolved once are remembered per server thread (a cached tile then touches no
    table); a revocation, a role change or a logout is still obeyed by the very next request on
    any thread, whichever process wrote it."""
    tok = priv.bearer("cache.inspector", "inspector")
    other = priv.bearer("cache.bystander", "inspector")
    hdr = {"Authorization": "Bearer " + tok}
    x, y = lonlat_to_tile(14, *HCMC)
    tile = "%s/tiles/sources/14/%d/%d.mvt" % (priv.url, x, y)

    def every_thread(headers, want, n=12):
        # separate connections, so that every thread of the server's pool answers some
        codes = [requests.get(tile, headers=headers).status_code for _ in range(n)]
        codes += [requests.get(priv.url + "/collections", headers=headers).status_code for _ in range(n)]
        wanted = (want,) if isinstance(want, int) else want
        assert all(c in wanted for c in codes), codes

    every_thread(hdr, (200, 204))
    every_thread(hdr, (200, 204))  # now from the threads' memory, the tile from the cache
    assert requests.get(tile, headers=hdr).headers.get("X-Tile-Cache") in ("hit", None)
    run_radmap("user", "set-role", priv.db, "cache.inspector", "viewer")  # revokes its tokens
    every_thread(hdr, 401)
    # a bystander's remembered token stays good: the change only made it be looked up again
    every_thread({"Authorization": "Bearer " + other}, (200, 204))
    # a logout through the server itself (its writer connection) is obeyed by every reader thread
    tok2 = last_line(run_radmap("user", "token", priv.db, "cache.bystander").stdout)
    hdr2 = {"Authorization": "Bearer " + tok2}
    every_thread(hdr2, (200, 204))
    assert requests.post(priv.url + "/auth/logout", headers=hdr2).status_code in (200, 204)
    every_thread(hdr2, 401)
    every_thread({"Authorization": "Bearer " + other}, (200, 204))


def test_cli_tokens(pub):
    tok = pub.bearer("script.user", "licensing")
    h = {"Authorization": "Bearer " + tok}
    me = requests.get(pub.url + "/auth/me", headers=h).json()
    assert me["name"] == "script.user" and me["role"] == "licensing" and me["write_scope"] is True
    # Tokens are stored only as hashes.
    rows = table_rows(pub.db, "SELECT hash FROM token")
    assert rows and all(tok not in h for (h,) in rows)
    assert tok not in open(pub.db, "rb").read().decode("latin-1")
    # `user token` issues another one, alone on the last line.
    p = run_radmap("user", "token", pub.db, "script.user", "--read-only")
    tok2 = p.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"rm_[A-Za-z0-9_-]{43}", tok2) and tok2 != tok
    me = requests.get(pub.url + "/auth/me", headers={"Authorization": "Bearer " + tok2}).json()
    assert me["write_scope"] is False
    # Bad tokens: forged, truncated, another scheme.
    for bad in ("rm_" + "A" * 43, tok[:-1], tok + "x", "Basic " + tok, "Bearer"):
        hdr = {"Authorization": bad if bad.startswith(("Basic", "Bearer")) else "Bearer " + bad}
        problem(requests.get(pub.url + "/collections", headers=hdr), 401)
    # A name that exists already is refused with a message that says so.
    p = run_radmap("user", "add", pub.db, "script.user", "--role", "viewer", check=False)
    assert p.returncode != 0 and "exists already" in p.stderr, p.stderr


def test_read_only_token_refused_on_writes(pub, register):
    ro = pub.bearer("ro.licensing", "licensing", read_only=True)
    h = {"Authorization": "Bearer " + ro}
    assert requests.get(pub.url + "/collections/sources/items", params={"limit": 1}, headers=h).status_code == 200
    fid = min(f["id"] for f in register["visible"])
    item = pub.url + "/collections/facilities/items/%d" % fid
    etag = requests.get(item, headers=h).headers["ETag"]
    calls = [("POST", pub.url + "/collections/facilities/items", {"Content-Type": "application/geo+json"},
              json.dumps(new_facility_body("ro"))),
             ("PUT", item, {"Content-Type": "application/geo+json", "If-Match": etag}, json.dumps(new_facility_body("ro2"))),
             ("PATCH", item, {"Content-Type": "application/merge-patch+json", "If-Match": etag},
              json.dumps({"properties": {"name": "x"}})),
             ("DELETE", item, {"If-Match": etag}, None)]
    for method, url, extra, data in calls:
        r = requests.request(method, url, headers=dict(h, **extra), data=data)
        problem(r, 403, "read-only")
    assert requests.get(item, headers=h).headers["ETag"] == etag


# --- read log and quota ----------------------------------------------------------------------------------

def read_log(realm, user):
    return table_rows(realm.db, "SELECT user_name, route, collection, ids, row_count FROM read_log WHERE user_name = ? "
                                "ORDER BY id", (user,))


def test_read_log_records_sensitive_reads(pub, register):
    tok = pub.bearer("reader.one", "inspector")
    h = {"Authorization": "Bearer " + tok}
    r = requests.get(pub.url + "/collections/sources/items", params={"limit": 5}, headers=h)
    ids = [f["id"] for f in r.json()["features"]]
    sid = ids[2]
    assert requests.get(pub.url + "/collections/sources/items/%d" % sid, headers=h).status_code == 200
    r = requests.get(pub.url + "/collections/devices/items", params={"limit": 3}, headers=h)
    dids = [f["id"] for f in r.json()["features"]]
    assert requests.get(pub.url + "/collections/facilities/items", params={"limit": 3}, headers=h).status_code == 200
    time.sleep(1.5)
    rows = read_log(pub, "reader.one")
    assert ("reader.one", "GET /collections/sources/items", "sources", ",".join(map(str, ids)), 5) in rows, rows
    assert ("reader.one", "GET /collections/sources/items/%d" % sid, "sources", str(sid), 1) in rows, rows
    assert ("reader.one", "GET /collections/devices/items", "devices", ",".join(map(str, dids)), 3) in rows, rows
    assert not [r for r in rows if r[2] == "facilities"], "facility reads are not sensitive"
    # Timestamps are UTC ISO 8601.
    at = table_rows(pub.db, "SELECT at FROM read_log WHERE user_name = 'reader.one'")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", a) for (a,) in at)


def test_read_log_records_tile_reads_with_ids(pub, register):
    tok = pub.bearer("reader.tiles", "inspector")
    s = min(register["sources"].values(), key=lambda f: f["id"])
    lon, lat = s["geometry"]["coordinates"]
    x, y = lonlat_to_tile(15, lon, lat)
    r = requests.get(pub.url + "/tiles/sources/15/%d/%d.mvt" % (x, y), headers={"Authorization": "Bearer " + tok})
    assert r.status_code == 200
    shown = {f["id"] for f in decode_mvt(r.content, 15, x, y).get("sources", [])}
    assert s["id"] in shown
    time.sleep(1.5)
    rows = read_log(pub, "reader.tiles")
    assert rows, "a tile of sources left no read-log row"
    logged = {int(i) for row in rows for i in re.findall(r"\d+", row[3] or "")}
    assert shown <= logged, "the read log of a sources tile names ids %r, the tile showed %r" % (
        sorted(logged), sorted(shown))


def test_read_log_records_proximity_reads(pub, register):
    if not route_exists("GET", "/proximity"):
        pytest.skip("no /proximity")
    tok = pub.bearer("reader.prox", "inspector")
    s = min(register["sources"].values(), key=lambda f: f["id"])
    lon, lat = s["geometry"]["coordinates"]
    r = requests.get(pub.url + "/proximity", params={"lon": lon, "lat": lat, "radius": 50, "layers": "sources"},
                     headers={"Authorization": "Bearer " + tok})
    assert r.status_code == 200, r.text[:300]
    ids = {f["id"] for f in r.json()["features"]}
    assert s["id"] in ids
    time.sleep(1.5)
    rows = read_log(pub, "reader.prox")
    assert rows, "GET /proximity returned %d sources and left no read-log row" % len(ids)


def test_read_log_is_append_only(pub):
    c = connect(pub.db, readonly=False)
    try:
        n = c.execute("SELECT count(*) FROM read_log").fetchone()[0]
        assert n > 0
        for sql in ("UPDATE read_log SET user_name = 'someone else'", "DELETE FROM read_log",
                    "UPDATE read_log SET ids = '' WHERE id = (SELECT max(id) FROM read_log)"):
            with pytest.raises(sqlite3.DatabaseError) as e:
                c.execute(sql)
                c.commit()
            assert "append-only" in str(e.value)
            c.rollback()
        assert c.execute("SELECT count(*) FROM read_log").fetchone()[0] == n
    finally:
        c.close()


def test_read_quota(quota):
    a = quota.bearer("quota.a", "inspector")
    b = quota.bearer("quota.b", "inspector")
    ha, hb = {"Authorization": "Bearer " + a}, {"Authorization": "Bearer " + b}
    url = quota.url + "/collections/sources/items"
    assert requests.get(url, params={"limit": 6}, headers=ha).status_code == 200
    assert requests.get(url, params={"limit": 6}, headers=ha).status_code == 200
    r = requests.get(url, params={"limit": 1}, headers=ha)
    body = problem(r, 429, "quota.a", "10")
    assert "hour" in body["detail"]
    assert 0 < int(r.headers["Retry-After"]) <= 3600
    # Every sensitive channel is closed to that account, the rest is not; other accounts go on.
    problem(requests.get(url + "/1", headers=ha), 429)
    problem(requests.get(quota.url + "/collections/devices/items", params={"limit": 1}, headers=ha), 429)
    problem(requests.get(quota.url + "/tiles/sources/10/%d/%d.mvt" % lonlat_to_tile(10, *HCMC), headers=ha), 429)
    assert requests.get(quota.url + "/collections/facilities/items", params={"limit": 5}, headers=ha).status_code == 200
    assert requests.get(url, params={"limit": 5}, headers=hb).status_code == 200


def test_read_quota_covers_proximity(quota):
    if not route_exists("GET", "/nearest"):
        pytest.skip("no /nearest")
    c = quota.bearer("quota.c", "inspector")
    h = {"Authorization": "Bearer " + c}
    statuses = []
    for _ in range(6):
        r = requests.get(quota.url + "/nearest", params={"lon": HCMC[0], "lat": HCMC[1], "k": 5, "layers": "sources"},
                         headers=h)
        statuses.append(r.status_code)
    assert 429 in statuses, "30 sources read through /nearest with a quota of 10 rows: %r" % statuses


def test_no_password_in_any_response(pub):
    """Runs last in this module: nothing any test received through the realm's session carries a
    password or a password hash."""
    assert len(pub.seen) > 50
    secrets = [pw.encode() for _, pw in pub.accounts.values()] + [b"$argon2"]
    for resp in pub.seen:
        blob = resp.content + json.dumps(dict(resp.headers)).encode()
        for s in secrets:
            assert s not in blob, "%s %s answered a password or hash" % (resp.request.method, resp.request.url)


def test_sensitive_tiles_not_publicly_cacheable(au_demo):
    """With --tile-max-age, tiles become cacheable; a tile only staff may see must not be marked
    for shared caches (no `public` without Vary on the credentials), or a proxy hands source
    positions to the next anonymous caller."""
    r = Realm(au_demo, args=["--public", "on", "--tile-max-age", "600"], name="auth-tilecache.db")
    try:
        x, y = lonlat_to_tile(10, *HCMC)
        pub_tile = r.get("/tiles/facilities/10/%d/%d.mvt" % (x, y))
        assert pub_tile.status_code == 200 and "max-age=600" in pub_tile.headers.get("Cache-Control", "")
        for layer in ("sources", "devices", "facilities"):
            t = r.get("/tiles/%s/10/%d/%d.mvt" % (layer, x, y), "inspector")
            assert t.status_code == 200
            cc = t.headers.get("Cache-Control", "")
            vary = {v.strip().lower() for v in t.headers.get("Vary", "").split(",")}
            shared_ok = "public" in cc and not {"authorization", "cookie"} <= vary
            assert not shared_ok and ("private" in cc or "no-store" in cc or {"authorization", "cookie"} <= vary), \
                "a full-class %s tile is answered Cache-Control: %r, Vary: %r" % (layer, cc, t.headers.get("Vary"))
    finally:
        assert r.close() == 0


def test_extent_does_not_reveal_hidden_facility(mx):
    """The extent of the facilities layer (collection extent, TileJSON bounds) as the public class
    gets it must not be stretched by a facility it may not see: the corner would be its position."""
    far = (109.25, 12.25)
    r = mx.request("POST", "/collections/facilities/items", "admin", headers={"Content-Type": "application/geo+json"},
                   json={"type": "Feature", "geometry": {"type": "Point", "coordinates": list(far)},
                         "properties": {"code": "FAR-1", "name": "Kho nguồn xa", "practice": "irradiator"}})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    r = mx.request("POST", "/collections/sources/items", "admin", headers={"Content-Type": "application/geo+json"},
                   json={"type": "Feature", "geometry": None,
                         "properties": {"facility_id": fid, "nuclide": "Co-60", "activity_bq": 4e15,
                                        "reference_date": "2026-06-01", "serial_no": "FAR-S1", "manufacturer": "M",
                                        "model": "N"}})
    assert r.status_code == 201 and r.json()["properties"]["iaea_category"] == 1
    assert mx.get("/collections/facilities/items/%d" % fid).status_code == 404
    bbox = mx.get("/collections/facilities").json()["extent"]["spatial"]["bbox"][0]
    bounds = mx.get("/tiles/facilities.json").json()["bounds"]
    bad = ["the public %s %r reaches the hidden facility at %r" % (name, box, far)
           for name, box in (("collection extent", bbox), ("TileJSON bounds", bounds))
           if not (box[2] < far[0] - 0.5 and box[3] < far[1] - 0.5)]
    assert not bad, "; ".join(bad)
