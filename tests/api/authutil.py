"""
Helpers of the account, editing, CRS, audit and hostile-input tests (test_auth, test_edit,
test_crs, test_audit, test_hostile): servers on fresh demo registers with their demo accounts,
sign-in once per role, the routing table read from src/api/routes.c, a content checksum of a
register, MVT decoding through GDAL, and PROJ's command-line tools as the CRS oracle.

These helpers start their own servers (module-scoped fixtures in each test module) so that a
module can run with --public on, a small --read-quota, or edits that other modules must not see.
"""
import atexit
import hashlib
import http.cookiejar
import math
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest
import requests

REPO = os.environ.get("RADMAP_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RADMAP_BIN = os.environ.get("RADMAP_BIN") or os.path.join(REPO, "build", "radmap")
TODAY = "2026-06-15"
LISTENING = re.compile(r"radmap: listening on http://(\S+?):(\d+)/")

ROLES = ["viewer", "inspector", "planner", "counter", "licensing", "leader", "admin"]
# Visibility class of each role (DESIGN §5): viewer and counter see the viewer class.
ROLE_CLASS = {"viewer": "viewer", "counter": "viewer", "inspector": "full", "planner": "full",
              "licensing": "full", "leader": "full", "admin": "full"}
HELD = ("in_use", "stored", "disused", "found")  # a facility physically holds a source in these statuses


def radmap_env(**extra):
    env = dict(os.environ)
    env["RADMAP_TODAY"] = TODAY
    env.update(extra)
    return env


def run_radmap(*args, check=True, input=None, timeout=300):
    """Run `radmap ARGS...` and return the CompletedProcess (text)."""
    p = subprocess.run([RADMAP_BIN, *args], capture_output=True, text=True, timeout=timeout, input=input,
                       env=radmap_env())
    if check and p.returncode != 0:
        pytest.fail("radmap %s exited %d\nstdout: %s\nstderr: %s" % (" ".join(args), p.returncode, p.stdout,
                                                                      p.stderr))
    return p


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    assert lines, "no output"
    return lines[-1].strip()


def read_accounts(path):
    """{role: (name, password)} from the file `radmap init --demo --users-file` wrote."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                out[parts[2]] = (parts[0], parts[1])
    return out


class Demo:
    """A fresh demo register made once (`radmap init --demo --users-file`) and copied per server."""

    def __init__(self, workdir):
        if not os.access(RADMAP_BIN, os.X_OK):
            pytest.fail("no radmap binary at %s (set RADMAP_BIN)" % RADMAP_BIN)
        self.workdir = workdir
        self.path = os.path.join(workdir, "pristine.db")
        users = os.path.join(workdir, "demo-users.txt")
        run_radmap("init", self.path, "--demo", "--users-file", users)
        self.accounts = read_accounts(users)
        assert sorted(self.accounts) == sorted(ROLES), self.accounts
        self.n = 0

    def copy(self, name=None):
        self.n += 1
        dst = os.path.join(self.workdir, name or "register-%d.db" % self.n)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                shutil.copyfile(self.path + suffix, dst + suffix)
        return dst


class Server:
    """`radmap serve` on port 0 (the port is read from its stderr), RADMAP_TODAY pinned."""

    def __init__(self, db, args=(), threads=4):
        self.db = db
        self.args = list(args)
        self.log_path = db + ".serve-%d.log" % int(time.monotonic() * 1e6)
        self.log = open(self.log_path, "w+b")
        self.proc = subprocess.Popen([RADMAP_BIN, "serve", "--db", db, "--port", "0", "--bind", "127.0.0.1",
                                      "--threads", str(threads), *self.args],
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=radmap_env())
        self.port = self._wait_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self._wait_health()

    def stderr(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _wait_port(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            m = LISTENING.search(self.stderr())
            if m:
                return int(m.group(2))
            if self.proc.poll() is not None:
                raise RuntimeError("radmap serve exited %d:\n%s" % (self.proc.returncode, self.stderr()))
            time.sleep(0.02)
        self.proc.kill()
        raise RuntimeError("radmap serve did not say where it listens:\n" + self.stderr())

    def _wait_health(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/health", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError("/health never answered 200\n" + self.stderr())

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def login(url, name, password, session=None):
    return (session or requests).post(url + "/auth/login", json={"name": name, "password": password}, timeout=30)


class Realm:
    """A server on its own copy of the demo register, with a signed-in session token per role
    (signed in lazily, once each: argon2 is slow on purpose)."""

    def __init__(self, demo, args=(), threads=4, name=None):
        self.demo = demo
        self.db = demo.copy(name)
        self.server = Server(self.db, args, threads)
        self.url = self.server.url
        self.accounts = demo.accounts
        self._tokens = {}
        self._lock = threading.Lock()
        self.hooks = []          # response hooks of every thread's session
        self._local = threading.local()

    @property
    def http(self):
        """This thread's keep-alive session. It keeps no cookies: a sign-in answered to it must not
        turn later anonymous calls into signed-in ones."""
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
            s.hooks["response"].append(self._run_hooks)
            self._local.session = s
        return s

    def _run_hooks(self, resp, *args, **kwargs):
        for h in self.hooks:
            h(resp)
        return None  # a hook that returns something replaces the response

    def token(self, role):
        with self._lock:
            if role not in self._tokens:
                name, pw = self.accounts[role]
                r = login(self.url, name, pw)
                assert r.status_code == 200, r.text
                self._tokens[role] = r.json()["token"]
            return self._tokens[role]

    def headers(self, role=None, **extra):
        h = {}
        if role:
            h["Authorization"] = "Bearer " + self.token(role)
        h.update(extra)
        return h

    def get(self, path, role=None, headers=None, **kw):
        kw.setdefault("timeout", 60)
        return self.http.get(self.url + path, headers=self.headers(role, **(headers or {})), **kw)

    def request(self, method, path, role=None, headers=None, **kw):
        kw.setdefault("timeout", 60)
        return self.http.request(method, self.url + path, headers=self.headers(role, **(headers or {})), **kw)

    def bearer(self, user, role, read_only=False, password=None):
        """Create a user with `radmap user add` (while the server runs) and return its bearer token."""
        args = ["user", "add", self.db, user, "--role", role]
        if read_only:
            args.append("--read-only")
        if password:
            args.append("--password-stdin")
        p = run_radmap(*args, input=(password + "\n") if password else None)
        tok = last_line(p.stdout)
        assert re.fullmatch(r"rm_[A-Za-z0-9_-]{43}", tok), p.stdout
        return tok

    def close(self):
        self.http.close()
        return self.server.stop()


def problem(r, status, *words):
    """r is an RFC 7807 problem with this status whose detail names every word; the parsed body."""
    assert r.status_code == status, "%s %s -> %d %s" % (r.request.method, r.request.url[:200], r.status_code,
                                                        r.text[:400])
    ct = r.headers.get("Content-Type", "").split(";")[0].strip()
    assert ct == "application/problem+json", (ct, r.text[:300])
    body = r.json()
    assert body["status"] == status
    assert isinstance(body.get("title"), str) and body["title"]
    assert isinstance(body.get("detail"), str) and body["detail"]
    for w in words:
        assert w in body["detail"], "%r not in detail %r" % (w, body["detail"])
    return body


# --- the routing table ---------------------------------------------------------------------------------

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _masks():
    """Role-mask macros (#define R_... in src/api's headers and routes.c) as sets of caller kinds
    ("public", the role names, "open")."""
    # R_QUERY marks a POST that only reads: a flag, no caller kind of its own.
    base = {"R_PUBLIC": {"public"}, "R_OPEN": {"open"}, "R_QUERY": set()}
    for r in ROLES:
        base["R_" + r.upper()] = {r}
    text = ""
    api = os.path.join(REPO, "src", "api")
    for f in sorted(os.listdir(api)):
        if f.endswith(".h") or f == "routes.c":
            with open(os.path.join(api, f), encoding="utf-8") as fh:
                text += fh.read() + "\n"
    defs = dict(re.findall(r"#define\s+(R_[A-Z_]+)\s+\(([^)]*)\)", text))
    out = dict(base)

    def ev(expr, depth=0):
        s = set()
        for part in expr.split("|"):
            part = part.strip()
            if part in out:
                s |= out[part]
            elif part in defs and depth < 10:
                s |= ev(defs[part], depth + 1)
            else:
                raise AssertionError("unknown role mask %r in the routing table" % part)
        return s

    for k, v in defs.items():
        if k not in base:
            out[k] = ev(v)
    return out, ev


def routes():
    """[(method, pattern, set of caller kinds)] of the routing table in src/api/routes.c."""
    with open(os.path.join(REPO, "src/api/routes.c"), encoding="utf-8") as f:
        text = f.read()
    _, ev = _masks()
    out = []
    for m, pat, mask in re.findall(r"\{\s*HTTP_([A-Z]+)\s*,\s*\"([^\"]+)\"\s*,\s*\w+\s*,\s*([^}]+?)\s*\}", text):
        out.append((m, pat, ev(mask)))
    assert out, "no routes parsed from routes.c"
    return out


def route_exists(method, pattern):
    return any(m == method and p == pattern for m, p, _ in routes())


# --- database content -----------------------------------------------------------------------------------

def connect(db, readonly=True):
    if readonly:
        return sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    return sqlite3.connect(db, timeout=30)


def db_checksum(db, exclude=("read_log",)):
    """sha256 over every row of every ordinary table (virtual tables skipped; their shadow tables
    are ordinary), in table and rowid order; tables in exclude are left out."""
    h = hashlib.sha256()
    c = connect(db)
    try:
        tables = c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
        for name, sql in tables:
            if name in exclude or (sql or "").upper().startswith("CREATE VIRTUAL"):
                continue
            h.update(name.encode() + b"\0")
            try:
                rows = c.execute('SELECT * FROM "%s" ORDER BY rowid' % name.replace('"', '""'))
            except sqlite3.OperationalError:
                rows = c.execute('SELECT * FROM "%s"' % name.replace('"', '""'))
            for row in rows:
                h.update(repr(row).encode("utf-8", "surrogatepass") + b"\n")
    finally:
        c.close()
    return h.hexdigest()


def table_rows(db, sql, args=()):
    c = connect(db)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


# --- features -------------------------------------------------------------------------------------------

def fetch_all(realm, coll, role=None, **params):
    """Every feature of a collection as role sees it, following next links."""
    p = {"limit": 10000}
    p.update(params)
    r = realm.get("/collections/%s/items" % coll, role, params=p)
    assert r.status_code == 200, r.text[:300]
    page = r.json()
    feats = list(page["features"])
    while True:
        nxt = [l["href"] for l in page["links"] if l["rel"] == "next"]
        if not nxt:
            return feats
        r = realm.http.get(nxt[0], headers=realm.headers(role), timeout=60)
        assert r.status_code == 200, r.text[:300]
        page = r.json()
        feats.extend(page["features"])


def etag_version(etag):
    m = re.match(r'^"v(\d+)-', etag or "")
    assert m, "ETag %r is not of the form \"vN-...\"" % etag
    return int(m.group(1))


# --- tiles ----------------------------------------------------------------------------------------------

EARTH = 6378137.0


def lonlat_to_tile(z, lon, lat):
    n = 2 ** z
    x = (lon + 180.0) / 360.0 * n
    lr = math.radians(lat)
    y = (1.0 - math.log(math.tan(lr) + 1.0 / math.cos(lr)) / math.pi) / 2.0 * n
    return int(x), int(y)


def merc_to_lonlat(mx, my):
    lon = math.degrees(mx / EARTH)
    lat = math.degrees(2 * math.atan(math.exp(my / EARTH)) - math.pi / 2)
    return lon, lat


_gdal_lock = threading.Lock()
_mvt_n = [0]


def decode_mvt(data, z, x, y):
    """Decode one tile with GDAL's MVT driver: {layer: [{"id", "props", "lon", "lat"}]} (points
    only carry lon/lat)."""
    from osgeo import gdal, ogr
    gdal.UseExceptions()
    with _gdal_lock:
        _mvt_n[0] += 1
        path = "/vsimem/authutil-%d-%d-%d-%d.mvt" % (_mvt_n[0], z, x, y)
        gdal.FileFromMemBuffer(path, bytes(data))
        try:
            ds = gdal.OpenEx(path, gdal.OF_VECTOR, allowed_drivers=["MVT"],
                             open_options=["X=%d" % x, "Y=%d" % y, "Z=%d" % z, "CLIP=NO"])
            out = {}
            for li in range(ds.GetLayerCount()):
                lyr = ds.GetLayer(li)
                defn = lyr.GetLayerDefn()
                names = [defn.GetFieldDefn(k).GetName() for k in range(defn.GetFieldCount())]
                feats = []
                for f in lyr:
                    props = {n: f.GetField(n) for n in names if f.IsFieldSetAndNotNull(n)}
                    item = {"id": props.pop("mvt_id", None), "props": props, "names": names}
                    g = f.GetGeometryRef()
                    if g is not None and g.GetGeometryType() in (ogr.wkbPoint, ogr.wkbPoint25D):
                        item["lon"], item["lat"] = merc_to_lonlat(g.GetX(), g.GetY())
                    feats.append(item)
                out[lyr.GetName()] = feats
            ds = None
            return out
        finally:
            gdal.Unlink(path)


# --- PROJ as the oracle -----------------------------------------------------------------------------------

_pipelines = {}


def pinned_pipeline(code):
    """The PROJ pipeline from EPSG:code to EPSG:4326 that uses EPSG:6960 ("VN-2000 to WGS 84 (2)"),
    as projinfo prints it (one line)."""
    if code in _pipelines:
        return _pipelines[code]
    name = subprocess.run(["projinfo", "EPSG:6960", "-o", "PROJ", "-q"], capture_output=True, text=True)
    full = subprocess.run(["projinfo", "-s", "EPSG:%d" % code, "-t", "EPSG:4326", "-o", "PROJ", "--single-line",
                           "--spatial-test", "intersects", "--hide-ballpark"], capture_output=True, text=True)
    assert full.returncode == 0, full.stderr
    ops = full.stdout.split("Operation No.")[1:]
    chosen = None
    for op in ops:
        if "VN-2000 to WGS 84 (2)" in op:
            m = re.search(r"(\+proj=pipeline[^\n]*)", op)
            if m:
                chosen = m.group(1).strip()
                break
    assert chosen, "projinfo lists no EPSG:6960-based operation for EPSG:%d:\n%s%s" % (code, full.stdout, name.stderr)
    _pipelines[code] = chosen
    return chosen


def cct(pipeline, points, inverse=False):
    """Run PROJ's cct with pipeline over [(a, b)]; the first two output columns of each point."""
    args = ["cct", "-d", "10"] + (["-I"] if inverse else []) + pipeline.split()
    inp = "".join("%.10f %.10f 0 0\n" % p for p in points)
    p = subprocess.run(args, input=inp, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = []
    for line in p.stdout.strip().splitlines():
        a, b = line.split()[:2]
        out.append((float(a), float(b)))
    assert len(out) == len(points), p.stdout
    return out


def vn2000_to_wgs84(code, pts):
    """[(easting, northing)] in EPSG:code -> [(lon, lat)] through the pinned pipeline."""
    return [(lon, lat) for lat, lon in cct(pinned_pipeline(code), pts)]


def wgs84_to_vn2000(code, lonlats):
    """[(lon, lat)] -> [(easting, northing)] in EPSG:code through the pinned pipeline, inverted."""
    return cct(pinned_pipeline(code), [(lat, lon) for lon, lat in lonlats], inverse=True)


def cs2cs_unpinned(code, pts):
    """[(easting, northing)] in EPSG:code -> [(lon, lat)] by cs2cs EPSG:code EPSG:4326, left to choose the
    transformation per point (the trap)."""
    inp = "".join("%.4f %.4f\n" % p for p in pts)
    p = subprocess.run(["cs2cs", "-d", "10", "EPSG:%d" % code, "EPSG:4326"], input=inp, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    out = []
    for line in p.stdout.strip().splitlines():
        lat, lon = line.split()[:2]
        out.append((float(lon), float(lat)))
    return out


def metres_between(lon1, lat1, lon2, lat2):
    """Distance in metres for points metres apart (local equirectangular on WGS 84; good to 1e-6)."""
    a = 6378137.0
    e2 = 0.00669437999014
    phi = math.radians((lat1 + lat2) / 2)
    m = a * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5
    n = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    dy = math.radians(lat2 - lat1) * m
    dx = math.radians(lon2 - lon1) * n * math.cos(phi)
    return math.hypot(dx, dy)


_demo = []


@pytest.fixture(scope="session")
def au_demo():
    """One fresh demo register for all these modules (made once per test run, however many modules
    import this fixture), copied for each server."""
    if not _demo:
        d = tempfile.mkdtemp(prefix="radmap-auth-")
        atexit.register(shutil.rmtree, d, True)
        _demo.append(Demo(d))
    return _demo[0]
