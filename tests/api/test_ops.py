"""
Operating radmap (issue 9): GET /metrics counts requests by route and status with latency
histograms and database lock waits; every request writes one JSON line to the access log (a file
reopened on SIGHUP, for log rotation); every answer carries the security headers (no framing, no
sniffing, no referrer; a deny-all policy on JSON, the web map's own policy on its pages).
"""
import json
import os
import signal
import time

import pytest
import requests

from authutil import Server, au_demo, run_radmap  # noqa: F401


@pytest.fixture(scope="module")
def ops(au_demo, tmp_path_factory):
    d = tmp_path_factory.mktemp("ops")
    web = d / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>radmap</title>\n")
    (web / "app.js").write_text("console.log('radmap');\n")
    log = str(d / "access.log")
    db = au_demo.copy("ops.db")
    s = Server(db, args=["--access-log", log, "--web", str(web)], threads=2)
    s.access_log = log
    s.admin = run_radmap("user", "add", db, "ops.admin", "--role", "admin").stdout.strip().splitlines()[-1]
    s.viewer = run_radmap("user", "add", db, "ops.viewer", "--role", "viewer").stdout.strip().splitlines()[-1]
    yield s
    assert s.stop() == 0, s.stderr()


def auth(tok):
    return {"Authorization": "Bearer " + tok}


def metrics(s):
    r = requests.get(s.url + "/metrics", headers=auth(s.admin), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            out[series] = float(value)
    return out


def read_log(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def test_requests_by_route_and_status_with_latency(ops):
    before = metrics(ops)
    for _ in range(3):
        assert requests.get(ops.url + "/collections", headers=auth(ops.viewer), timeout=10).status_code == 200
    assert requests.get(ops.url + "/collections/nope/items", headers=auth(ops.viewer), timeout=10).status_code == 404
    assert requests.get(ops.url + "/no/such/path", timeout=10).status_code == 404
    after = metrics(ops)
    key = 'radmap_http_requests_total{route="/collections",method="GET",status="200"}'
    assert after[key] - before.get(key, 0) == 3
    key = 'radmap_http_requests_total{route="/collections/{}/items",method="GET",status="404"}'
    assert after[key] - before.get(key, 0) == 1
    key = 'radmap_http_requests_total{route="other",method="any",status="404"}'
    assert after[key] - before.get(key, 0) == 1
    # A histogram per route: cumulative buckets ending in +Inf = count.
    base = 'radmap_http_request_duration_seconds'
    buckets = sorted((float(k.split('le="')[1].rstrip('"}').replace("+Inf", "inf")), v) for k, v in after.items()
                     if k.startswith(base + '_bucket{route="/collections",'))
    assert buckets[-1][0] == float("inf")
    assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:]))
    assert buckets[-1][1] == after[base + '_count{route="/collections",method="GET"}']
    assert after[base + '_sum{route="/collections",method="GET"}'] > 0
    for name in ("radmap_db_busy_waits_total", "radmap_db_busy_wait_seconds_total", "radmap_db_writer_waits_total",
                 "radmap_http_requests_in_flight", "radmap_http_connections", "radmap_tile_cache_hits_total"):
        assert name in after, name
    assert after["radmap_http_requests_in_flight"] >= 1  # this very request


def test_access_log_has_one_json_line_per_request(ops):
    n0 = len(read_log(ops.access_log))
    r = requests.get(ops.url + "/collections/facilities/items", params={"limit": 2, "q": "bệnh viện"},
                     headers=auth(ops.viewer), timeout=10)
    assert r.status_code == 200
    requests.get(ops.url + "/health", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10)
    # A line is written when the server is done with the request, which may be a moment after the
    # client has the answer.
    deadline = time.monotonic() + 5
    while True:
        lines = read_log(ops.access_log)[n0:]
        items = [l for l in lines if l["path"] == "/collections/facilities/items"]
        health = [l for l in lines if l["path"] == "/health"]
        if (items and health) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(items) == 1 and len(health) == 1, lines
    items, health = items[0], health[0]
    assert items["method"] == "GET" and items["path"] == "/collections/facilities/items"
    assert items["status"] == 200 and items["user"] == "ops.viewer"
    assert "limit=2" in items["query"] and "q=" in items["query"]
    assert items["bytes"] > 0 and items["duration_ms"] >= 0 and items["remote"] == "127.0.0.1"
    assert items["time"].endswith("Z")
    assert "user" not in health and health["forwarded_for"] == "203.0.113.7"
    # Log rotation: move the file away, SIGHUP, and the next line goes to a new file.
    rotated = ops.access_log + ".1"
    os.rename(ops.access_log, rotated)
    ops.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    requests.get(ops.url + "/health", timeout=10)
    deadline = time.monotonic() + 5
    while not (os.path.exists(ops.access_log) and read_log(ops.access_log)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "/health" in [l["path"] for l in read_log(ops.access_log)]
    assert ops.proc.poll() is None


def test_security_headers_on_json_errors_and_pages(ops):
    for r in (requests.get(ops.url + "/collections", headers=auth(ops.viewer), timeout=10),
              requests.get(ops.url + "/no/such/path", timeout=10)):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in r.headers  # plain HTTP: only HTTPS sends it
    page = requests.get(ops.url + "/map/", timeout=10)
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    script = requests.get(ops.url + "/map/app.js", timeout=10)
    # Scripts (and the map's workers) keep their fetches: no deny-all policy on them.
    assert script.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
