"""
What every answer carries whatever the route: HEAD without a body, OPTIONS with Allow, 404 and 405
as application/problem+json, CORS on everything (errors and 304 included), ETag and If-None-Match,
gzip, links built from the Host header, concurrent requests, and a clean stop on SIGTERM.

Some checks read the raw bytes off a socket, because an HTTP client library hides exactly what is
being tested (a body after HEAD or 304, the compressed bytes).
"""
import concurrent.futures
import gzip
import json
import socket
from urllib.parse import urlsplit

import pytest

from conftest import AUTH, Server, auth_headers, problem


def raw(base_url, method, path, headers=None, body=b""):
    """One request on a fresh connection; (status, {lower-case header: value}, body bytes as sent)."""
    u = urlsplit(base_url)
    hdrs = {"Host": u.netloc, "Connection": "close"}
    hdrs.update(auth_headers(base_url))
    hdrs.update(headers or {})
    if body:
        hdrs["Content-Length"] = str(len(body))
    req = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(req.encode("latin-1") + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    h = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        h[k.strip().lower()] = v.strip()
    return status, h, rest


@pytest.fixture(scope="module")
def some_ids(scan):
    return {c: sorted(scan[c])[len(scan[c]) // 2] for c in scan}


def test_head_has_no_body(base_url, some_ids):
    paths = ["/", "/conformance", "/api", "/collections", "/collections/facilities",
             "/collections/devices/items?limit=5", "/collections/sources/items/%d" % some_ids["sources"],
             "/health", "/nope", "/collections/facilities/items?bbox=1"]
    for path in paths:
        gs, gh, gbody = raw(base_url, "GET", path, {"Accept-Encoding": "identity"})
        hs, hh, hbody = raw(base_url, "HEAD", path, {"Accept-Encoding": "identity"})
        assert hbody == b"", "HEAD %s sent a body of %d bytes" % (path, len(hbody))
        assert hs == gs, path
        assert hh.get("content-type") == gh.get("content-type"), path
        assert hh.get("access-control-allow-origin") == "*", path
        if "content-length" in hh:
            assert int(hh["content-length"]) == len(gbody), path
        if "timeStamp" not in gbody.decode():
            assert hh.get("etag") == gh.get("etag"), path


def routed_methods(path):
    """The methods src/api/routes.c routes for a concrete path ({} is one segment, * the rest)."""
    import os
    import re
    from conftest import REPO
    with open(os.path.join(REPO, "src", "api", "routes.c"), encoding="utf-8") as f:
        table = re.findall(r'\{\s*((?:HTTP_[A-Z]+\s*\|?\s*)+),\s*"([^"]+)"', f.read())
    assert table
    methods = set()
    for ms, pattern in table:
        rx = "^" + re.escape(pattern).replace(r"\{\}", "[^/]+").replace(r"\*", ".*") + "$"
        if re.match(rx, path):
            methods |= {m.strip()[len("HTTP_"):] for m in ms.split("|")}
    if "GET" in methods:
        methods.add("HEAD")
    return methods | {"OPTIONS"}


def test_options_allow(base_url, some_ids):
    for path in ("/", "/collections", "/collections/facilities/items",
                 "/collections/facilities/items/%d" % some_ids["facilities"]):
        s, h, body = raw(base_url, "OPTIONS", path)
        assert s in (200, 204), (path, s)
        allow = {m.strip() for m in h["allow"].split(",")}
        # the methods routed there (a server may leave out those this caller may not use)
        assert {"GET", "HEAD", "OPTIONS"} <= allow <= routed_methods(path), (path, h["allow"])
        assert h.get("access-control-allow-origin") == "*"
        assert "GET" in h.get("access-control-allow-methods", "")
        assert "If-None-Match" in h.get("access-control-allow-headers", "")
        if s == 204:
            assert body == b""
    s, h, _ = raw(base_url, "OPTIONS", "/no/such/thing")
    assert s == 404 and h.get("access-control-allow-origin") == "*"


def test_methods_not_routed(base_url, http, some_ids):
    """A method that no route takes on an existing path: 405, with Allow listing those that do."""
    checked = 0
    for path in ("/", "/conformance", "/api", "/collections", "/collections/facilities",
                 "/collections/facilities/items", "/collections/sources/items/%d" % some_ids["sources"]):
        routed = routed_methods(path)
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            if method in routed:
                continue  # a write route: the editing tests' business
            r = http.request(method, base_url + path, json={"type": "Feature"}, timeout=10)
            body = problem(r, 405, method)
            allow = {m.strip() for m in r.headers["Allow"].split(",")}
            assert {"GET", "HEAD", "OPTIONS"} <= allow <= routed, (method, path, r.headers["Allow"])
            assert body["instance"] == path
            checked += 1
    assert checked >= 16


@pytest.mark.parametrize("path", [
    "/nope", "/collections/", "/collections/facilities/", "/collections/facilities/items/",
    "/collections/facilities/items/1/more", "/api/", "/conformance/x", "/COLLECTIONS", "/health/",
    "/collections/facilities/queryables/extra",
])
def test_unknown_paths(base_url, http, path):
    r = http.get(base_url + path, timeout=10, allow_redirects=False)
    body = problem(r, 404)
    assert body["type"] == "about:blank"
    assert body["instance"] == urlsplit(r.url).path


def test_long_path(base_url, http):
    path = "/collections/" + "x" * 3000
    problem(http.get(base_url + path, timeout=10), 414)


ERRORS = [
    ("GET", "/collections/facilities/items?limit=0", 400),
    ("GET", "/collections/facilities/items?bbox=1,2", 400),
    ("GET", "/collections/facilities/items?colour=red", 400),
    ("GET", "/collections/sources/items?status=misplaced", 400),
    ("GET", "/conformance?x=1", 400),
    ("GET", "/health?verbose=1", 400),
    ("GET", "/collections/facilities/items/999999999", 404),
    ("GET", "/collections/lamps", 404),
    ("GET", "/x", 404),
    ("POST", "/collections", 405),
    ("DELETE", "/collections/facilities", 405),
]


@pytest.mark.parametrize("method,path,status", ERRORS)
def test_errors_are_problem_json(base_url, http, method, path, status):
    r = http.request(method, base_url + path, timeout=10)
    body = problem(r, status)
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["instance"] == urlsplit(path).path
    assert r.headers.get("Cache-Control") == "no-store"
    assert "ETag" not in r.headers


def test_cors_on_every_answer(base_url, some_ids):
    fid = some_ids["facilities"]
    _, h, _ = raw(base_url, "GET", "/collections/facilities/items/%d" % fid)
    cases = [("GET", "/", {}), ("GET", "/collections/facilities/items?limit=3", {}),
             ("GET", "/collections/facilities/items/%d" % fid, {"If-None-Match": h["etag"]}),  # 304
             ("GET", "/collections/facilities/items?limit=x", {}), ("GET", "/none", {}),
             ("POST", "/collections", {}), ("OPTIONS", "/collections", {}), ("HEAD", "/health", {})]
    seen = set()
    for method, path, hdrs in cases:
        s, h, _ = raw(base_url, method, path, hdrs)
        seen.add(s)
        assert h.get("access-control-allow-origin") == "*", (method, path, s)
    assert {200, 304, 400, 404, 405} <= seen


def test_etag_and_if_none_match(base_url, some_ids):
    for path in ("/collections/sources/items/%d" % some_ids["sources"], "/collections", "/conformance"):
        s, h, body = raw(base_url, "GET", path)
        assert s == 200
        etag = h["etag"]
        assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
        for inm in (etag, "W/" + etag, '"nope", ' + etag, "*"):
            s2, h2, body2 = raw(base_url, "GET", path, {"If-None-Match": inm})
            assert s2 == 304, (path, inm, s2)
            assert body2 == b"", "304 with a body"
            assert h2.get("etag") == etag
        s3, _, body3 = raw(base_url, "GET", path, {"If-None-Match": '"0123456789abcdef0123456789abcdef"'})
        assert s3 == 200 and body3 == body
        s4, _, body4 = raw(base_url, "HEAD", path, {"If-None-Match": etag})
        assert s4 == 304 and body4 == b""


def test_gzip(base_url, http):
    path = "/collections/facilities/items?limit=1000"
    s, h, zbody = raw(base_url, "GET", path, {"Accept-Encoding": "gzip, deflate"})
    assert s == 200
    assert h.get("content-encoding") == "gzip"
    assert "accept-encoding" in h.get("vary", "").lower()
    assert zbody[:2] == b"\x1f\x8b"
    assert int(h["content-length"]) == len(zbody)
    unzipped = json.loads(gzip.decompress(zbody))
    s, h, plain = raw(base_url, "GET", path, {"Accept-Encoding": "identity"})
    assert "content-encoding" not in h
    plain = json.loads(plain)
    assert len(zbody) < len(json.dumps(plain)) / 3
    unzipped.pop("timeStamp"), plain.pop("timeStamp")
    assert unzipped == plain
    assert unzipped["numberReturned"] == 1000
    # refused with q=0, and not worth it on a small body
    _, h, _ = raw(base_url, "GET", path, {"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in h
    _, h, small = raw(base_url, "GET", "/health", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in h and json.loads(small)["status"] == "ok"


def test_links_follow_host_header(base_url):
    s, h, body = raw(base_url, "GET", "/", {"Host": "radmap.example.org:8443"})
    assert s == 200
    hrefs = [l["href"] for l in json.loads(body)["links"]]
    assert all(x.startswith("http://radmap.example.org:8443/") for x in hrefs), hrefs
    # a forged Host cannot put markup or another scheme into the links
    s, h, body = raw(base_url, "GET", "/", {"Host": 'evil.org/"><script>x</script>'})
    assert s in (200, 400)
    if s == 200:
        for l in json.loads(body)["links"]:
            assert "<" not in l["href"] and '"' not in l["href"] and l["href"].startswith("http://")
            assert l["href"].count("/") >= 3 and "/" not in l["href"][7:].split("/")[0]


def test_browser_gets_the_map(base_url):
    s, h, _ = raw(base_url, "GET", "/", {"Accept": "text/html,application/xhtml+xml"})
    assert s == 303 and h["location"] == base_url + "/map/"


def test_concurrent_requests(base_url, scan):
    import requests
    fids = sorted(scan["facilities"])[:64]

    def one(fid):
        r = requests.get(base_url + "/collections/facilities/items/%d" % fid, timeout=30, auth=AUTH)
        return fid, r.status_code, r.json()

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        results = list(ex.map(one, fids * 4))
    for fid, status, f in results:
        assert status == 200 and f["id"] == fid
        assert {k: v for k, v in f.items() if k != "links"} == scan["facilities"][fid]


def test_sigterm_stops_cleanly(handmade, workdir, http):
    s = Server(handmade.path, workdir, threads=3)
    assert http.get(s.url + "/collections", timeout=10).status_code == 200
    rc = s.stop()
    assert rc == 0, s.stderr()
    assert "SIGTERM" in s.stderr()


def test_cors_preflight_without_credentials(base_url):
    """A browser's preflight never carries credentials: it must still be told that GET with an
    Authorization header is allowed, or no cross-origin client can send its token."""
    import requests
    for path in ("/collections", "/collections/facilities/items"):
        r = requests.options(base_url + path, timeout=10, headers={
            "Origin": "https://map.example.org", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert r.status_code in (200, 204), (path, r.status_code)
        assert r.headers.get("Access-Control-Allow-Origin") in ("*", "https://map.example.org")
        methods = {m.strip() for m in r.headers.get("Access-Control-Allow-Methods", "").split(",")}
        assert "GET" in methods, "preflight of %s allows only %s" % (path, sorted(methods))
        assert "authorization" in r.headers.get("Access-Control-Allow-Headers", "").lower()


def test_anonymous_read_is_a_problem(base_url):
    """Without a token (and without --public on) the register is not readable, and the refusal is
    a problem+json like every other error."""
    import requests
    if not auth_headers(base_url):
        pytest.skip("this radmap has no accounts")
    r = requests.get(base_url + "/collections/facilities/items", timeout=10)
    body = problem(r, 401)
    assert body["instance"] == "/collections/facilities/items"
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
    # the open routes stay open
    for path in ("/", "/conformance", "/api", "/health"):
        assert requests.get(base_url + path, timeout=10).status_code == 200, path
