"""
Limits with clear answers (issue 9): the server faces the network and keeps working.

- Request body: 413 from the declared Content-Length before the body is read (10 MB by default,
  100 MB on import routes: one table of route limits), and for a chunked body once it passes the
  limit; request line and headers beyond the connection memory: 414 / 431; a path over 2 KB: 414.
- Connections: an idle connection is closed after --timeout-s; at most --max-connections are open
  (the next waits in the backlog until one leaves); at most --max-per-ip from one address; 200 slow
  clients sending a byte a second do not stop normal requests.
- Work: an expensive route (POST /proximity) runs on at most half the connection threads, the rest
  get 503 with Retry-After, and tiles are served quickly meanwhile; a query past the time budget is
  cut with 503 and the server goes on; `limit` is capped.
- Storage: a full disk turns writes into 503 with a clear problem while reads go on, and writing
  works again once there is room, with nothing lost or corrupt (a small tmpfs, when the test may
  mount one); a database the server cannot write answers writes with 503 and reads go on.
"""
import math
import os
import select
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from authutil import Realm, Server, au_demo, problem, run_radmap  # noqa: F401

FAC = "/collections/facilities/items"
GEO = {"Content-Type": "application/geo+json"}


@pytest.fixture(scope="module")
def lim(au_demo):
    r = Realm(au_demo, threads=2, name="limits.db")
    r.tok = r.bearer("limits.licensing", "licensing")
    r.admin = r.bearer("limits.admin", "admin")
    yield r
    assert r.close() == 0, r.server.stderr()


def auth(tok):
    return {"Authorization": "Bearer " + tok}


def raw(port, data, timeout=5.0, read=True):
    """Send data on a new connection and read until the server closes it (or timeout). Returns
    (status, headers, body, seconds); status 0 when nothing came."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    t0 = time.monotonic()
    out = b""
    try:
        s.sendall(data)
        while read:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    took = time.monotonic() - t0
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body, took


def metric(realm, name, **labels):
    """The sum of the series of metric name whose labels include labels, from GET /metrics."""
    r = realm.http.get(realm.url + "/metrics", headers=auth(realm.admin), timeout=10)
    assert r.status_code == 200, r.text
    total = 0.0
    for line in r.text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        if series.split("{")[0] == name and all('%s="%s"' % kv in series for kv in labels.items()):
            total += float(value)
    return total


def feature(code, **props):
    p = {"code": code, "name": "Cơ sở " + code, "practice": "medical_xray"}
    p.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.7, 10.78]}, "properties": p}


# --- bodies, URLs, headers --------------------------------------------------------------------------


def test_declared_body_over_the_limit_is_refused_before_it_is_read(lim):
    before = metric(lim, "radmap_http_refused_total", reason="body_too_large")
    req = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/geo+json\r\n"
           "Content-Length: 20000000\r\n\r\n" % (FAC, lim.tok)).encode()
    status, headers, body, took = raw(lim.server.port, req)  # the 20 MB are never sent
    assert status == 413, body[:300]
    assert took < 3, "the server waited for a body it was going to refuse (%.1f s)" % took
    assert headers["content-type"] == "application/problem+json"
    assert b"10485760" in body and b"Content-Length 20000000" in body
    # A client that asks first (Expect: 100-continue, as curl does for large bodies) gets no 100.
    status, _, body, took = raw(lim.server.port, req.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n"))
    assert status == 413 and took < 3
    # An ordinary client library sending the whole body reads the same answer.
    r = requests.post(lim.url + FAC, data=b"{" + b" " * (12 << 20) + b"}", headers=dict(GEO, **auth(lim.tok)),
                      timeout=60)
    problem(r, 413, "10485760")
    assert metric(lim, "radmap_http_refused_total", reason="body_too_large") >= before + 3
    assert lim.get("/health").status_code == 200


def test_chunked_body_over_the_limit(lim):
    def chunks():
        yield b'{"type": "Feature", "properties": {"name": "'
        for _ in range(11):
            yield b"x" * (1 << 20)
        yield b'"}}'
    r = requests.post(lim.url + FAC, data=chunks(), headers=dict(GEO, **auth(lim.tok)), timeout=60)
    problem(r, 413, "10485760")


def test_import_routes_take_a_larger_body(lim):
    """One table of route limits: an import route accepts 100 MB; beyond that it is refused at once."""
    head = ("POST /dossiers/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: "
            "application/json\r\nContent-Length: %d\r\n\r\n")
    status, _, body, took = raw(lim.server.port, (head % (lim.tok, 150 << 20)).encode())
    assert status == 413 and b"104857600" in body, body[:300]
    # 50 MB is within the import limit: the server waits for the body instead of refusing.
    status, _, body, took = raw(lim.server.port, (head % (lim.tok, 50 << 20)).encode(), timeout=1.0)
    assert status == 0, (status, body[:300])


def test_oversize_request_line_and_headers(lim):
    port = lim.server.port
    status, _, _, _ = raw(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + b"a" * 70000 + b"\r\n\r\n")
    assert status == 431
    status, _, _, _ = raw(port, b"GET /health?q=" + b"a" * 70000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert status == 414
    many = b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 100) for i in range(700))
    status, _, _, _ = raw(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + b"\r\n")
    assert status == 431
    status, headers, body, _ = raw(port, b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   b"Connection: close\r\n\r\n")
    assert status == 414 and headers["content-type"] == "application/problem+json", body[:200]
    assert lim.get("/health").status_code == 200
    # headers of 16 KB (a large cookie, a long query) are within the limit
    assert lim.get("/health", headers={"X-Filler": "c" * 16384}).status_code == 200
    status, _, _, _ = raw(port, b"GET /health?q=" + b"d" * 16000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Connection: close\r\n\r\n")
    assert status == 400  # read whole and routed: /health takes no q


def test_limit_parameter_is_capped(lim):
    r = lim.get(FAC, params={"limit": 1000000}, headers=auth(lim.tok))
    assert r.status_code == 200
    assert r.json()["numberReturned"] <= 10000


# --- connections ------------------------------------------------------------------------------------


def test_idle_connections_time_out_and_the_connection_limit_holds(au_demo):
    s = Server(au_demo.copy("limits-conn.db"), args=["--timeout-s", "2", "--max-connections", "6",
                                                     "--access-log", "off"], threads=2)
    try:
        idle = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(8)]
        t0 = time.monotonic()
        # All slots taken by idle clients: a new request waits in the backlog, and is served as soon
        # as the idle ones are timed out.
        r = requests.get(s.url + "/health", timeout=15)
        waited = time.monotonic() - t0
        assert r.status_code == 200
        assert 1.0 < waited < 6, "served after %.1f s" % waited
        for c in idle[:6]:
            c.settimeout(6)
            try:
                assert c.recv(10) == b""  # closed by the server
            except ConnectionResetError:
                pass
        for c in idle:
            c.close()
    finally:
        assert s.stop() == 0, s.stderr()


def test_connections_per_address(au_demo):
    s = Server(au_demo.copy("limits-ip.db"), args=["--max-per-ip", "4", "--access-log", "off"], threads=2)
    try:
        # Four idle connections that the server keeps (one may be refused while the connection of the
        # start-up's health check is still counted: open another then).
        idle = []
        deadline = time.monotonic() + 10
        while len(idle) < 4:
            assert time.monotonic() < deadline, "the server refused idle connections below the limit"
            idle.append(socket.create_connection(("127.0.0.1", s.port)))
            time.sleep(0.2)
            closed, _, _ = select.select(idle, [], [], 0)
            for c in closed:
                idle.remove(c)
                c.close()
        with pytest.raises(requests.ConnectionError):
            requests.get(s.url + "/health", timeout=5)
        for c in idle:
            c.close()
        deadline = time.monotonic() + 5
        while True:
            try:
                assert requests.get(s.url + "/health", timeout=5).status_code == 200
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        assert s.stop() == 0, s.stderr()


def test_slow_clients_do_not_stop_normal_requests(lim):
    """200 connections dribbling a request one byte a second (loopback, 4 s): normal requests go on
    being answered at once, because connection threads multiplex and never wait on a client."""
    port = lim.server.port
    slow = []
    for _ in range(200):
        c = socket.create_connection(("127.0.0.1", port))
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        slow.append(c)
    line = b"GET /collections HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 64
    stop = threading.Event()

    def dribble():
        i = 0
        while not stop.is_set() and i < len(line):
            for c in slow:
                try:
                    c.send(line[i:i + 1])
                except OSError:
                    pass
            i += 1
            stop.wait(1.0)

    t = threading.Thread(target=dribble, daemon=True)
    t.start()
    try:
        times = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            r = requests.get(lim.url + "/collections", headers=auth(lim.tok), timeout=10)
            times.append(time.monotonic() - t0)
            assert r.status_code == 200
            time.sleep(0.05)
        times.sort()
        assert len(times) >= 10
        assert times[-1] < 1.0, "a normal request took %.2f s with 200 slow clients" % times[-1]
    finally:
        stop.set()
        t.join()
        for c in slow:
            c.close()


# --- work -------------------------------------------------------------------------------------------


def big_area(n=19000, r=0.3, cx=106.7, cy=10.8):
    pts = [[cx + r * math.cos(2 * math.pi * i / n) * (1 + 0.05 * math.sin(i)), cy + r * math.sin(2 * math.pi * i / n)]
           for i in range(n)]
    pts.append(pts[0])
    return {"geometry": {"type": "Polygon", "coordinates": [pts]}, "buffer_m": 2000}


def test_expensive_route_is_capped_and_tiles_stay_fast(lim):
    """--threads 2: at most one area query runs at once; the others get 503 with Retry-After at
    once, and the other connection thread goes on serving tiles quickly."""
    area = big_area()
    results = []
    busy_before = metric(lim, "radmap_http_refused_total", reason="route_busy")

    def query():
        t0 = time.monotonic()
        r = requests.post(lim.url + "/proximity", json=area, headers=auth(lim.tok), timeout=120)
        results.append((r.status_code, r.headers.get("Retry-After"), r.text[:300], time.monotonic() - t0))

    threads = [threading.Thread(target=query) for _ in range(6)]
    for t in threads:
        t.start()
    tile_times = []
    t_end = time.monotonic() + 1.0
    x, y = 6, 0
    while time.monotonic() < t_end or any(t.is_alive() for t in threads):
        t0 = time.monotonic()
        # Different tiles, so that they are built, not read from the cache.
        r = requests.get(lim.url + "/tiles/facilities/14/%d/%d.mvt" % (13050 + x, 7650 + y), headers=auth(lim.tok),
                         timeout=30)
        tile_times.append(time.monotonic() - t0)
        assert r.status_code in (200, 204), r.text[:200]
        x += 1
        if x > 40:
            x, y = 0, y + 1
    for t in threads:
        t.join()
    ok = [r for r in results if r[0] == 200]
    refused = [r for r in results if r[0] == 503]
    assert ok and refused, [(r[0], r[2][:100]) for r in results]
    assert len(ok) + len(refused) == len(results)
    for status, retry, text, took in refused:
        assert retry and int(retry) > 0
        assert "most this server runs at once" in text
        assert took < 1.0, "a refused request waited %.1f s" % took
    tile_times.sort()
    assert tile_times[len(tile_times) * 9 // 10] < 0.5, "tiles were slow while area queries ran: %r" % tile_times[-5:]
    assert metric(lim, "radmap_http_refused_total", reason="route_busy") >= busy_before + len(refused)


def test_capped_route_slot_is_free_once_answered(lim):
    """A client that sends its next area query as soon as it has read the answer to the last one never
    finds the route busy: the slot is given back when the answer is queued, not when the server later
    notices the connection's request is complete (the race a sequential client hit on a 2-core
    machine)."""
    sq = [[106.6, 10.7], [106.61, 10.7], [106.61, 10.71], [106.6, 10.71], [106.6, 10.7]]
    bodies = [{"geometry": {"type": "Polygon", "coordinates": [sq]}}, {"geometry": {}}]
    with requests.Session() as keep, requests.Session() as fresh:
        for i in range(400):
            client = keep if i % 2 else fresh
            if client is fresh:
                fresh.close()
            r = client.post(lim.url + "/proximity", json=bodies[i % 2], headers=auth(lim.tok), timeout=30)
            assert r.status_code in (200, 400), "request %d: %d %s" % (i, r.status_code, r.text[:200])


def test_query_time_budget(au_demo):
    s = Server(au_demo.copy("limits-budget.db"), args=["--query-budget-ms", "1", "--access-log", "off"], threads=2)
    try:
        realm_tok = run_radmap("user", "add", s.db, "budget.inspector", "--role", "inspector", "--read-only")
        tok = realm_tok.stdout.strip().splitlines()[-1]
        r = requests.get(s.url + FAC, params={"limit": 10000}, headers=auth(tok), timeout=60)
        problem(r, 503, "time budget")
        assert requests.get(s.url + "/health", timeout=10).status_code == 200
        r = requests.get(s.url + FAC, params={"limit": 1}, headers=auth(tok), timeout=60)
        assert r.status_code in (200, 503)
    finally:
        assert s.stop() == 0, s.stderr()


# --- storage ----------------------------------------------------------------------------------------


def can_mount_tmpfs():
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    d = tempfile.mkdtemp(prefix="radmap-tmpfs-probe-")
    try:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d], capture_output=True).returncode:
            return False
        subprocess.run(["umount", d], capture_output=True)
        return True
    finally:
        os.rmdir(d)


@pytest.mark.skipif(not can_mount_tmpfs(), reason="needs root and mount -t tmpfs (the read-only test covers the "
                    "write refusal without it)")
def test_disk_full_refuses_writes_and_reads_go_on(au_demo):
    mnt = tempfile.mkdtemp(prefix="radmap-full-")
    size = os.path.getsize(au_demo.path) + (4 << 20)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", mnt], check=True)
    s = None
    try:
        db = os.path.join(mnt, "full.db")
        shutil.copyfile(au_demo.path, db)
        tok = run_radmap("user", "add", db, "full.licensing", "--role", "licensing").stdout.strip().splitlines()[-1]
        s = Server(db, args=["--access-log", "off"], threads=2)
        h = dict(GEO, **auth(tok))
        r = requests.post(s.url + FAC, json=feature("FULL-0"), headers=h, timeout=30)
        assert r.status_code == 201, r.text
        # Fill the file system.
        filler = os.path.join(mnt, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * (1 << 16))
        except OSError:
            pass
        finally:
            os.close(fd)
        answers = {}
        full = None
        for i in range(1, 200):
            code = "FULL-%d" % i
            r = requests.post(s.url + FAC, json=feature(code, address="x" * 250), headers=h, timeout=30)
            answers[code] = r.status_code
            assert r.status_code in (201, 503), r.text[:300]
            if r.status_code == 503:
                full = r
                break
        assert full is not None, "200 writes on a full disk all succeeded"
        problem(full, 503, "disk", "full")
        # Reads go on.
        assert requests.get(s.url + FAC, params={"limit": 50}, headers=auth(tok), timeout=30).status_code == 200
        assert requests.get(s.url + "/tiles/facilities/10/815/481.mvt", headers=auth(tok), timeout=30).status_code \
            in (200, 204)
        assert requests.get(s.url + "/health", timeout=10).status_code == 200
        # Room again: writing works again.
        os.unlink(filler)
        r = requests.post(s.url + FAC, json=feature("FULL-after"), headers=h, timeout=30)
        assert r.status_code == 201, r.text
        answers["FULL-after"] = 201
        assert s.stop() == 0, s.stderr()
        s = None
        c = sqlite3.connect(db)
        try:
            assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            present = {row[0] for row in c.execute("SELECT code FROM facility WHERE code LIKE 'FULL-%'")}
        finally:
            c.close()
        for code, st in answers.items():
            assert (code in present) == (st == 201), (code, st)
        assert "intact" in run_radmap("audit", "verify", db).stdout
    finally:
        if s:
            s.stop()
        subprocess.run(["umount", "-l", mnt], capture_output=True)
        os.rmdir(mnt)


@pytest.fixture
def open_tmp():
    """A temporary directory that other users may enter (for a server run as nobody)."""
    d = tempfile.mkdtemp(prefix="radmap-ro-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_read_only_database_refuses_writes_and_reads_go_on(au_demo, open_tmp):
    """A database file the server may not write (permissions; as root the server runs as nobody)."""
    import pathlib
    tmp_path = pathlib.Path(open_tmp)
    d = tmp_path / "ro"
    d.mkdir()
    db = str(d / "ro.db")
    shutil.copyfile(au_demo.path, db)
    tok = run_radmap("user", "add", db, "ro.licensing", "--role", "licensing").stdout.strip().splitlines()[-1]
    c = sqlite3.connect(db)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    os.chmod(db, 0o444)
    preexec = None
    if os.geteuid() == 0:
        import pwd
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            pytest.skip("root without a 'nobody' account")
        os.chmod(str(d), 0o777)
        os.chmod(str(tmp_path), 0o755)
        p = str(tmp_path)
        while p != "/":  # nobody must reach the directory and the binary
            p = os.path.dirname(p)
            if os.stat(p).st_mode & 0o001 == 0:
                pytest.skip("%s is not searchable by other users" % p)

        def preexec():
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
    from authutil import RADMAP_BIN, radmap_env
    log = open(str(d / "serve.log"), "w+b")
    proc = subprocess.Popen([RADMAP_BIN, "serve", "--db", db, "--port", "0", "--bind", "127.0.0.1", "--threads", "2",
                             "--access-log", "off"], stderr=log, stdout=subprocess.DEVNULL, env=radmap_env(),
                            preexec_fn=preexec)
    try:
        port = None
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            log.seek(0)
            text = log.read().decode("utf-8", "replace")
            if "listening on http://" in text:
                port = int(text.split("listening on http://127.0.0.1:")[1].split("/")[0])
            elif proc.poll() is not None:
                pytest.fail("radmap serve on a read-only database exited %d: %s" % (proc.returncode, text))
            time.sleep(0.05)
        assert port, text
        url = "http://127.0.0.1:%d" % port
        r = requests.get(url + FAC, params={"limit": 5}, headers=auth(tok), timeout=30)
        assert r.status_code == 200, r.text[:300]
        r = requests.post(url + FAC, json=feature("RO-1"), headers=dict(GEO, **auth(tok)), timeout=30)
        problem(r, 503, "cannot be written")
        assert requests.get(url + FAC, params={"limit": 5}, headers=auth(tok), timeout=30).status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
        log.close()
