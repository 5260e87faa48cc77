"""
Hostile and broken requests, tried on purpose (issue 4): malformed JSON, wrong types, huge
numbers, NaN and Infinity, coordinates out of range, geometry that is not a valid Point, SQL in
strings, a 20 MB body, wrong content types, unknown fields, missing or stale If-Match, forged,
expired and garbage tokens, path traversal, overlong URLs, duplicate keys, deep nesting and invalid
UTF-8. Each gets a clear 4xx problem (RFC 7807), the server stays up (GET /health after each), and
nothing is written: SQLite's data_version does not move after any of them and a checksum of the
whole database content is the same at the end. SQL in strings that are valid is stored verbatim
and does nothing else.
"""
import hashlib
import json
import socket
import time

import pytest
import requests

from authutil import Realm, au_demo, connect, db_checksum, problem, table_rows  # noqa: F401

GEO = "application/geo+json"


@pytest.fixture(scope="module")
def ho(au_demo):
    r = Realm(au_demo, name="hostile.db")
    yield r
    assert r.close() == 0, r.server.stderr()


@pytest.fixture(scope="module")
def target(ho):
    """Ids, ETags and tokens the cases use; all writes of the set-up happen here, before the
    checksum is taken."""
    facs = ho.get(FAC, "licensing", params={"limit": 20}).json()["features"]
    fid = next(f["id"] for f in facs if f["properties"]["record_owner"] == "department")
    path = "/collections/facilities/items/%d" % fid
    stale = ho.get(path, "licensing").headers["ETag"]
    r = ho.request("PATCH", path, "licensing", json={"properties": {"address": "12 Nguyễn Huệ"}},
                   headers={"Content-Type": "application/merge-patch+json", "If-Match": stale})
    assert r.status_code == 200, r.text
    current = r.headers["ETag"]
    sid = ho.get(SRC, "licensing", params={"limit": 1}).json()["features"][0]["id"]
    ro = ho.bearer("hostile.ro", "licensing", read_only=True)
    # An expired token, planted the way the server stores tokens (BLAKE2b-256 of the text).
    expired = "rm_" + "E" * 43
    c = connect(ho.db, readonly=False)
    uid = c.execute("SELECT id FROM app_user WHERE name = 'demo.licensing'").fetchone()[0]
    c.execute("INSERT INTO token(user_id, hash, kind, scope, label, expires_at) VALUES (?, ?, 'bearer', 'write', "
              "'expired', '2020-01-01T00:00:00Z')", (uid, hashlib.blake2b(expired.encode(), digest_size=32).hexdigest()))
    c.commit()
    c.close()
    assert ho.token("viewer") and ho.token("licensing")
    time.sleep(1.3)  # let the read log of the set-up's reads reach the database
    return {"fid": fid, "path": path, "stale": stale, "etag": current, "sid": sid, "ro": ro, "expired": expired,
            "checksum": db_checksum(ho.db)}


def feature(props=None, geometry=None, **top):
    f = {"type": "Feature", "geometry": geometry if geometry is not None else {"type": "Point", "coordinates": [106.7, 10.8]},
         "properties": props if props is not None else {"code": "HX-1", "name": "Hostile", "practice": "medical_xray"}}
    f.update(top)
    return json.dumps(f)


def source(**p):
    props = {"facility_id": 1, "nuclide": "Cs-137", "activity_bq": 1e9, "reference_date": "2020-01-01"}
    props.update(p)
    return json.dumps({"type": "Feature", "geometry": None, "properties": props})


def point(*c):
    return {"type": "Point", "coordinates": list(c)}


BOWTIE = {"type": "Polygon", "coordinates": [[[106.7, 10.7], [106.8, 10.8], [106.8, 10.7], [106.7, 10.8], [106.7, 10.7]]]}
FAC = "/collections/facilities/items"
SRC = "/collections/sources/items"


class C:
    """One hostile request. body: str/bytes; auth: a role, None (anonymous) or a header value;
    raw: bytes sent on a socket as they are (for what an HTTP client library would tidy up);
    transport: answered by the HTTP layer itself (a 4xx, but not necessarily a problem document)."""

    def __init__(self, name, method, path, status, body=None, ctype=GEO, auth="licensing", headers=None, raw=None,
                 transport=False, words=()):
        self.name, self.method, self.path, self.status = name, method, path, status
        self.body, self.ctype, self.auth, self.headers = body, ctype, auth, headers or {}
        self.raw, self.transport, self.words = raw, transport, words

    def __repr__(self):
        return self.name


def raw_request(line, extra=b""):
    return line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + b"\r\n"


CASES = [
    # malformed JSON
    C("json-truncated", "POST", FAC, 400, '{"type": "Feature", "geometry": '),
    C("json-garbage", "POST", FAC, 400, "this is not json"),
    C("json-trailing-comma", "POST", FAC, 400, '{"type": "Feature",}'),
    C("json-single-quotes", "POST", FAC, 400, "{'type': 'Feature'}"),
    C("json-array", "POST", FAC, 400, "[]"),
    C("json-string", "POST", FAC, 400, '"Feature"'),
    C("json-null", "POST", FAC, 400, "null"),
    C("json-empty-body", "POST", FAC, 400, ""),
    C("json-comment", "POST", FAC, 400, '/* x */ ' + feature()),
    C("not-a-feature", "POST", FAC, 400, '{"type": "FeatureCollection", "features": []}'),
    C("properties-array", "POST", FAC, 400, feature(props=[1, 2])),
    C("patch-not-object", "PATCH", "{path}", 400, "[1]", ctype="application/merge-patch+json",
      headers={"If-Match": "{etag}"}),
    # wrong types
    C("name-number", "POST", FAC, 422, feature({"code": "HX-2", "name": 42, "practice": "medical_xray"}), words=("name",)),
    C("code-object", "POST", FAC, 422, feature({"code": {"a": 1}, "name": "x", "practice": "medical_xray"})),
    C("facility_id-string", "POST", SRC, 422, source(facility_id="12"), words=("facility_id",)),
    C("facility_id-fraction", "POST", SRC, 422, source(facility_id=1.5)),
    C("activity-string", "POST", SRC, 422, source(activity_bq="1e9"), words=("activity_bq",)),
    C("activity-bool", "POST", SRC, 422, source(activity_bq=True)),
    C("practices-string", "POST", FAC, 422, feature({"code": "HX-3", "name": "x", "practice": "medical_xray",
                                                     "practices": "medical_xray"})),
    C("coordinates-strings", "POST", FAC, 422, feature(geometry=point("106.7", "10.8")), words=("geometry",)),
    # huge numbers
    C("huge-integer", "POST", SRC, 400, source().replace('"facility_id": 1', '"facility_id": 123456789012345678901234567890')),
    C("huge-real", "POST", SRC, 400, source().replace("1000000000.0", "1e400")),
    C("activity-too-large", "POST", SRC, 422, source(activity_bq=1e300), words=("activity_bq",)),
    C("activity-zero", "POST", SRC, 422, source(activity_bq=0), words=("activity_bq",)),
    C("activity-negative", "POST", SRC, 422, source(activity_bq=-3.7e10), words=("activity_bq",)),
    C("facility_id-negative", "POST", SRC, 422, source(facility_id=-1)),
    C("reference-date-future", "POST", SRC, 422, source(reference_date="2099-01-01"), words=("reference_date",)),
    C("reference-date-invalid", "POST", SRC, 422, source(reference_date="2026-13-45")),
    # NaN and Infinity (not JSON)
    C("nan", "POST", FAC, 400, feature().replace("106.7", "NaN")),
    C("infinity", "POST", FAC, 400, feature().replace("106.7", "Infinity")),
    C("minus-infinity", "POST", SRC, 400, source().replace("1000000000.0", "-Infinity")),
    # coordinates and geometry
    C("longitude-200", "POST", FAC, 422, feature(geometry=point(200, 10.8)), words=("geometry",)),
    C("latitude-minus-91", "POST", FAC, 422, feature(geometry=point(106.7, -91)), words=("geometry",)),
    C("one-coordinate", "POST", FAC, 422, feature(geometry=point(106.7))),
    C("no-coordinates", "POST", FAC, 422, feature(geometry={"type": "Point"})),
    C("outside-vietnam", "POST", FAC, 422, feature(geometry=point(2.35, 48.85)), words=("service area",)),
    C("linestring", "POST", FAC, 422, feature(geometry={"type": "LineString", "coordinates": [[106.7, 10.7], [106.8, 10.8]]})),
    C("self-intersecting-polygon", "POST", FAC, 422, feature(geometry=BOWTIE), words=("Point",)),
    C("multipoint", "POST", FAC, 422, feature(geometry={"type": "MultiPoint", "coordinates": [[106.7, 10.7]]})),
    C("geometry-collection", "POST", FAC, 422, feature(geometry={"type": "GeometryCollection", "geometries": []})),
    C("geometry-wkt-string", "POST", FAC, 422, feature(geometry="POINT(106.7 10.8)")),
    C("geometry-missing", "POST", FAC, 422, json.dumps({"type": "Feature", "properties":
                                                        {"code": "HX-4", "name": "x", "practice": "medical_xray"}})),
    # SQL in strings that are then refused
    C("sql-in-nuclide", "POST", SRC, 422, source(nuclide="Cs-137' OR '1'='1"), words=("Cs-137' OR '1'='1",)),
    C("sql-in-practice", "POST", FAC, 422, feature({"code": "HX-5", "name": "x",
                                                    "practice": "medical_xray'; DROP TABLE facility; --"})),
    C("sql-in-collection", "GET", "/collections/facilities;DROP%20TABLE%20facility/items", 404),
    C("sql-in-id", "GET", "/collections/facilities/items/1%20OR%201=1", 404),
    C("sql-in-filter", "GET", FAC + "?practice=x'%20OR%20'1'='1", 400),
    # size
    C("body-20mb", "POST", FAC, 413, b"{" + b" " * (20 << 20) + b"}"),
    C("string-1mb", "POST", FAC, 422, feature({"code": "HX-6", "name": "N" * (1 << 20), "practice": "medical_xray"}),
      words=("name",)),
    # content types
    C("text-plain", "POST", FAC, 415, feature(), ctype="text/plain"),
    C("xml", "POST", FAC, 415, "<Feature/>", ctype="application/xml"),
    C("no-content-type", "POST", FAC, 415, feature(), ctype=None),
    C("form", "POST", FAC, 415, "type=Feature", ctype="application/x-www-form-urlencoded"),
    C("merge-patch-on-post", "POST", FAC, 415, feature(), ctype="application/merge-patch+json"),
    C("patch-text-plain", "PATCH", "{path}", 415, '{"properties": {}}', ctype="text/plain", headers={"If-Match": "{etag}"}),
    # unknown fields
    C("unknown-property", "POST", FAC, 422, feature({"code": "HX-7", "name": "x", "practice": "medical_xray",
                                                     "colour": "red"}), words=("colour",)),
    C("unknown-nested", "POST", FAC, 422, feature({"code": "HX-8", "name": "x", "practice": "medical_xray",
                                                   "extra": {"a": [1, 2]}}), words=("extra",)),
    C("patch-unknown-property", "PATCH", "{path}", 422, '{"properties": {"owner_password": "x"}}',
      ctype="application/merge-patch+json", headers={"If-Match": "{etag}"}),
    # If-Match
    C("put-no-if-match", "PUT", "{path}", 428, feature(id="{fid}").replace('"{fid}"', "{fid}")),
    C("patch-no-if-match", "PATCH", "{path}", 428, '{"properties": {"name": "x"}}', ctype="application/merge-patch+json"),
    C("delete-no-if-match", "DELETE", "{path}", 428, None, ctype=None),
    C("patch-stale-etag", "PATCH", "{path}", 412, '{"properties": {"name": "x"}}', ctype="application/merge-patch+json",
      headers={"If-Match": "{stale}"}),
    C("delete-stale-etag", "DELETE", "{path}", 412, None, ctype=None, headers={"If-Match": "{stale}"}),
    C("put-stale-etag", "PUT", "{path}", 412, feature(id="{fid}").replace('"{fid}"', "{fid}"), headers={"If-Match": "{stale}"}),
    C("if-match-garbage", "PATCH", "{path}", 412, '{"properties": {"name": "x"}}', ctype="application/merge-patch+json",
      headers={"If-Match": "garbage"}),
    C("if-match-v0", "PATCH", "{path}", 412, '{"properties": {"name": "x"}}', ctype="application/merge-patch+json",
      headers={"If-Match": '"v0-x"'}),
    C("put-id-mismatch", "PUT", "{path}", 400, feature(id=999999), headers={"If-Match": "{etag}"}),
    C("patch-missing-feature", "PATCH", FAC + "/99999999", 404, '{"properties": {"name": "x"}}',
      ctype="application/merge-patch+json", headers={"If-Match": '"v1"'}),
    # tokens
    C("forged-token", "POST", FAC, 401, feature(), auth="Bearer rm_" + "A" * 43),
    C("garbage-token", "GET", SRC, 401, auth="Bearer hello"),
    C("expired-token", "GET", SRC, 401, auth="Bearer {expired}"),
    C("token-too-long", "GET", SRC, 401, auth="Bearer rm_" + "A" * 500),
    C("basic-auth", "GET", SRC, 401, auth="Basic ZGVtby5hZG1pbjp4"),
    C("empty-bearer", "GET", SRC, 401, auth="Bearer "),
    C("forged-cookie", "GET", SRC, 401, auth=None, headers={"Cookie": "radmap_session=rm_" + "B" * 43}),
    C("anonymous-write", "POST", FAC, 401, feature(), auth=None),
    C("read-only-token-write", "POST", FAC, 403, feature(), auth="Bearer {ro}", words=("read-only",)),
    C("viewer-write", "DELETE", "{path}", 403, None, ctype=None, auth="viewer", headers={"If-Match": "{etag}"}),
    C("viewer-reads-sources", "GET", SRC + "/{sid}", 404, auth="viewer"),
    C("login-sql-name", "POST", "/auth/login", 401, '{"name": "x\' OR \'1\'=\'1", "password": "x\' OR \'1\'=\'1"}',
      ctype="application/json", auth=None),
    # paths
    C("traversal-dots", None, None, (400, 404), raw=raw_request(b"GET /map/../../../etc/passwd HTTP/1.1")),
    C("traversal-encoded", None, None, (400, 404), raw=raw_request(b"GET /map/%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1")),
    C("traversal-slashes", None, None, (400, 404), raw=raw_request(b"GET /map/..%2f..%2f..%2fetc%2fpasswd HTTP/1.1")),
    C("traversal-collection", "GET", "/collections/..%2F..%2Fetc%2Fpasswd/items", 404),
    C("traversal-tiles", None, None, (400, 404), raw=raw_request(b"GET /tiles/../../etc/passwd HTTP/1.1")),
    C("overlong-path", None, None, 414, raw=raw_request(b"GET /collections/" + b"a" * 5000 + b"/items HTTP/1.1")),
    C("overlong-query", None, None, (414, 431), transport=True,
      raw=raw_request(b"GET /collections/facilities/items?q=" + b"a" * 100000 + b" HTTP/1.1")),
    C("overlong-header", None, None, (413, 431), transport=True,
      raw=raw_request(b"GET /health HTTP/1.1", b"X-Filler: " + b"a" * 70000 + b"\r\n")),
    C("bad-chunked", None, None, 400, transport=True,
      raw=raw_request(b"POST /collections/facilities/items HTTP/1.1",
                      b"Content-Type: application/geo+json\r\nTransfer-Encoding: chunked\r\n") + b"zz\r\nabc\r\n0\r\n\r\n"),
    C("unknown-method", None, None, (400, 405, 501), raw=raw_request(b"BREW /health HTTP/1.1")),
    C("method-not-allowed", "DELETE", "/collections", 405),
    C("unknown-parameter", "GET", FAC + "?filter=1%3D1", 400),
    C("limit-negative", "GET", FAC + "?limit=-1", 400),
    C("limit-huge", "GET", FAC + "?limit=99999999999999999999", 400),
    C("bbox-three-numbers", "GET", FAC + "?bbox=1,2,3", 400),
    C("bbox-nan", "GET", FAC + "?bbox=nan,nan,nan,nan", 400),
    C("content-crs-unknown", "POST", FAC, 400, feature(), headers={"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/1>"}),
    # duplicate keys and deep nesting
    C("duplicate-key", "POST", FAC, 400, '{"type": "Feature", "type": "Feature", "geometry": null, "properties": {}}'),
    C("duplicate-property", "POST", FAC, 400, '{"type": "Feature", "geometry": {"type": "Point", "coordinates": '
                                              '[106.7, 10.8]}, "properties": {"code": "HX-9", "name": "a", "name": "b", '
                                              '"practice": "medical_xray"}}'),
    C("deep-arrays", "POST", FAC, 400, "[" * 100000 + "]" * 100000),
    C("deep-objects", "POST", FAC, 400, '{"a":' * 5000 + "1" + "}" * 5000),
    # invalid UTF-8 and control characters
    C("utf8-invalid-body", "POST", FAC, 400, feature().encode().replace(b"Hostile", b"Host\xff\xfeile")),
    C("utf8-overlong", "POST", FAC, 400, feature().encode().replace(b"Hostile", b"Host\xc0\xafile")),
    C("utf8-invalid-path", None, None, (400, 404), raw=raw_request(b"GET /collections/\xff\xfe/items HTTP/1.1")),
    C("utf8-invalid-query", "GET", FAC + "?q=%FF%FE%FD", 400),
    C("nul-in-string", "POST", FAC, 400, feature({"code": "HX-10", "name": "a\u0000b", "practice": "medical_xray"})),
    C("control-characters", "POST", FAC, 422, feature({"code": "HX-11", "name": "a\u0007\u001bb", "practice": "medical_xray"})),
]


def fill(s, t):
    if isinstance(s, str):
        for k in ("path", "etag", "stale", "fid", "sid", "ro", "expired"):
            s = s.replace("{%s}" % k, str(t[k]))
    return s


def send_raw(port, data, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        s.sendall(data)
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


@pytest.fixture(scope="module")
def version_probe(ho, target):
    """A connection whose PRAGMA data_version moves whenever anyone else commits."""
    c = connect(ho.db)
    c.execute("PRAGMA data_version").fetchone()
    yield c
    c.close()


def test_at_least_forty_cases():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request(ho, target, version_probe, case):
    before = version_probe.execute("PRAGMA data_version").fetchone()[0]
    if case.raw is not None:
        data = case.raw.replace(b"\r\nHost: 127.0.0.1\r\n", b"\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                                % ho.token("licensing").encode(), 1)
        status, headers, body = send_raw(ho.server.port, data)
        ctype = headers.get("content-type", "")
        text = body.decode("utf-8", "replace")
    else:
        headers = {k: fill(v, target) for k, v in case.headers.items()}
        if case.ctype:
            headers["Content-Type"] = case.ctype
        if case.auth in ("licensing", "viewer", "admin"):
            headers["Authorization"] = "Bearer " + ho.token(case.auth)
        elif case.auth:
            headers["Authorization"] = fill(case.auth, target)
        body = fill(case.body, target)
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        r = requests.request(case.method, ho.url + fill(case.path, target), data=body, headers=headers, timeout=60)
        status, ctype, text = r.status_code, r.headers.get("Content-Type", ""), r.text
    want = case.status if isinstance(case.status, tuple) else (case.status,)
    assert status in want, "%s: %d, expected %s: %s" % (case.name, status, want, text[:300])
    assert 400 <= status < 500
    if not case.transport:
        assert ctype.split(";")[0] == "application/problem+json", "%s: %s %s" % (case.name, ctype, text[:200])
        doc = json.loads(text)
        assert doc["status"] == status and doc["title"] and doc["detail"], doc
        assert len(text) < 20000, "%s: the problem is %d bytes long (echoes the input?)" % (case.name, len(text))
        for w in case.words:
            assert w in doc["detail"], (w, doc["detail"])
        if status == 422:
            assert doc.get("errors"), doc
        assert "root:x:" not in text
    else:
        assert status in want
    # Still up, and nothing committed by anyone.
    assert requests.get(ho.url + "/health", timeout=10).status_code == 200, case.name
    assert ho.server.alive()
    after = version_probe.execute("PRAGMA data_version").fetchone()[0]
    assert after == before, "%s: something was written to the database" % case.name


def test_database_unchanged_by_rejected_requests(ho, target):
    assert db_checksum(ho.db) == target["checksum"]
    assert ho.server.alive()
    # No file content leaked through traversal.
    for p in ("/map/../../../../etc/passwd", "/map/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        r = requests.get(ho.url + p)
        assert "root:x:" not in r.text


def test_sql_in_strings_is_stored_verbatim(ho, target):
    """Runs after the checksum: these are valid writes whose strings look like SQL."""
    nasty = {"name": "Robert'); DROP TABLE facility; --", "address": '" OR 1=1 --',
             "ward": "x' UNION SELECT password_hash FROM app_user --", "contact_name": "%; SELECT * FROM token; _\\",
             "code": "SQL-1"}
    counts = {t: table_rows(ho.db, "SELECT count(*) FROM %s" % t)[0][0] for t in ("facility", "source", "app_user", "token")}
    props = dict(nasty, practice="medical_xray")
    r = ho.request("POST", FAC, "licensing", json={"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.7, 10.8]},
                                                    "properties": props}, headers={"Content-Type": GEO})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    got = ho.get(FAC + "/%d" % fid, "licensing").json()["properties"]
    for k, v in nasty.items():
        assert got[k] == v, k
    (name, addr), = table_rows(ho.db, "SELECT name, address FROM facility WHERE id = ?", (fid,))
    assert (name, addr) == (nasty["name"], nasty["address"])
    after = {t: table_rows(ho.db, "SELECT count(*) FROM %s" % t)[0][0] for t in counts}
    assert after == dict(counts, facility=counts["facility"] + 1)
    # Search for it with the same text: found, and only it.
    r = ho.get(FAC, "licensing", params={"q": "Robert'); DROP TABLE", "limit": 100})
    assert r.status_code == 200 and [f["id"] for f in r.json()["features"]] == [fid]
    # A serial number that looks like SQL is compared as text.
    base = {"facility_id": fid, "nuclide": "Cs-137", "activity_bq": 1e9, "reference_date": "2020-01-01",
            "manufacturer": "M' OR '1'='1", "model": "N", "serial_no": "1' OR '1'='1"}
    r = ho.request("POST", SRC, "licensing", json={"type": "Feature", "geometry": None, "properties": base},
                   headers={"Content-Type": GEO})
    assert r.status_code == 201, r.text
    first = r.json()["id"]
    r = ho.request("POST", SRC, "licensing", json={"type": "Feature", "geometry": None, "properties": base},
                   headers={"Content-Type": GEO})
    problem(r, 409, "sources %d" % first)
    r = ho.request("POST", SRC, "licensing", json={"type": "Feature", "geometry": None,
                                                   "properties": dict(base, serial_no="2")}, headers={"Content-Type": GEO})
    assert r.status_code == 201
