"""
Fixtures of the HTTP API tests: a radmap server on a fresh demo register, and a factory for extra
servers on small hand-made registers.

The server under test is the binary named by RADMAP_BIN (ctest sets it; by hand it defaults to
build/radmap under the repository). Every server listens on port 0 and the real port is read from
its "listening on" line on stderr, so tests never race for a free port. RADMAP_TODAY pins the date
that decayed activities and IAEA categories are computed for. Each register gets a read-only
inspector (`radmap user add`) whose bearer token every request to its server carries (the `http`
session, auth_headers()): these tests read as staff.

    RADMAP_BIN=build/radmap /usr/bin/python3 -m pytest -q tests/api
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from urllib.parse import urlsplit

import pytest
import requests

REPO = os.environ.get("RADMAP_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RADMAP_BIN = os.environ.get("RADMAP_BIN") or os.path.join(REPO, "build", "radmap")
TODAY = "2026-06-15"
LISTENING = re.compile(r"radmap: listening on http://(\S+?):(\d+)/")


def radmap_env(**extra):
    env = dict(os.environ)
    env["RADMAP_TODAY"] = TODAY
    env.update(extra)
    return env


def run_radmap(*args, check=True, timeout=600, env=None):
    """Run `radmap ARGS...`; the CompletedProcess (text). With check, a non-zero exit fails the test
    with radmap's own stderr."""
    p = subprocess.run([RADMAP_BIN, *args], capture_output=True, text=True, timeout=timeout,
                       env=env or radmap_env())
    if check and p.returncode != 0:
        pytest.fail("radmap %s exited %d\nstdout: %s\nstderr: %s" % (" ".join(args), p.returncode, p.stdout,
                                                                      p.stderr))
    return p


# Bearer token of each running server, by host:port.
TOKENS = {}


def make_token(db):
    """A bearer token of a read-only inspector of db, or None when this radmap has no accounts."""
    p = run_radmap("user", "add", db, "apitest", "--role", "inspector", "--read-only", check=False)
    if p.returncode != 0:
        p2 = run_radmap("user", "token", db, "apitest", "--read-only", check=False)
        if p2.returncode != 0:
            if "unknown command" in p.stderr:
                return None
            pytest.fail("radmap user add failed: %s %s" % (p.stderr, p2.stderr))
        p = p2
    lines = p.stdout.strip().splitlines()
    assert lines, p.stdout
    return lines[-1].strip()


def auth_headers(url):
    """The Authorization header for a request to url (empty for a server without accounts)."""
    tok = TOKENS.get(urlsplit(url).netloc)
    return {"Authorization": "Bearer " + tok} if tok else {}


class TokenAuth(requests.auth.AuthBase):
    def __call__(self, r):
        r.headers.update(auth_headers(r.url))
        return r


AUTH = TokenAuth()


class Server:
    """One `radmap serve` process on port 0, with a token for its register."""

    def __init__(self, db, workdir, threads=2, env=None, args=()):
        self.db = db
        self.log_path = os.path.join(workdir, "serve-%d.log" % int(time.monotonic() * 1e6))
        self.log = open(self.log_path, "w+b")
        self.proc = subprocess.Popen(
            [RADMAP_BIN, "serve", "--db", db, "--port", "0", "--bind", "127.0.0.1", "--threads", str(threads),
             *args], stdout=subprocess.DEVNULL, stderr=self.log, env=env or radmap_env())
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
                assert m.group(1) == "127.0.0.1", m.group(0)
                port = int(m.group(2))
                assert 0 < port < 65536 and port != 0
                return port
            if self.proc.poll() is not None:
                raise RuntimeError("radmap serve exited %d before listening:\n%s" % (self.proc.returncode,
                                                                                     self.stderr()))
            time.sleep(0.02)
        self.proc.kill()
        raise RuntimeError("radmap serve did not say where it listens:\n" + self.stderr())

    def _wait_health(self):
        """Wait for /health, then give the server's register a token for the tests' requests."""
        if getattr(self, "token", None) is None:
            self.token = make_token(self.db)
        if self.token:
            TOKENS["127.0.0.1:%d" % self.port] = self.token
        deadline = time.monotonic() + 30
        last = None
        while time.monotonic() < deadline:
            try:
                r = requests.get(self.url + "/health", timeout=5)
                if r.status_code == 200:
                    return
                last = "%d %s" % (r.status_code, r.text)
            except requests.ConnectionError as e:
                last = str(e)
            time.sleep(0.05)
        raise RuntimeError("/health never answered 200 (%s)\n%s" % (last, self.stderr()))

    def stop(self):
        """SIGTERM, wait, and return the exit code (None when it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.log.close()
                return None
        self.log.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="radmap-api-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_db(workdir):
    """Path of a fresh demo register (`radmap init DB --demo`), made once per session."""
    if not os.access(RADMAP_BIN, os.X_OK):
        pytest.fail("no radmap binary at %s (set RADMAP_BIN)" % RADMAP_BIN)
    path = os.path.join(workdir, "demo.db")
    p = run_radmap("init", path, "--demo")
    assert "demo data" in p.stdout, p.stdout
    return path


@pytest.fixture(scope="session")
def demo_server(demo_db, workdir):
    s = Server(demo_db, workdir)
    yield s
    rc = s.stop()
    assert rc == 0, "radmap serve exited %r after SIGTERM:\n%s" % (rc, s.stderr())


@pytest.fixture(scope="session")
def base_url(demo_server):
    """Base URL (no trailing slash) of the server on the demo register."""
    return demo_server.url


@pytest.fixture(scope="session")
def start_server(workdir):
    """Factory: start_server(db_path) -> Server on another register; all are stopped (and must exit
    0) at the end of the session."""
    started = []

    def start(db, **kw):
        s = Server(db, workdir, **kw)
        started.append(s)
        return s

    yield start
    bad = []
    for s in started:
        rc = s.stop()
        if rc != 0:
            bad.append("%s: exit %r\n%s" % (s.db, rc, s.stderr()))
    assert not bad, "\n".join(bad)


@pytest.fixture(scope="session")
def http():
    """A keep-alive session (requests asks for gzip by default; tests that care say so)."""
    s = requests.Session()
    s.auth = AUTH
    yield s
    s.close()


def fetch_all(http, url, params=None):
    """Every feature of an items URL, following next links from a limit=10000 page."""
    p = {"limit": 10000}
    p.update(params or {})
    r = http.get(url, params=p, timeout=60)
    assert r.status_code == 200, r.text
    page = r.json()
    feats = list(page["features"])
    while True:
        nxt = [l["href"] for l in page["links"] if l["rel"] == "next"]
        if not nxt:
            break
        r = http.get(nxt[0], timeout=60)
        assert r.status_code == 200, r.text
        page = r.json()
        feats.extend(page["features"])
    return feats


@pytest.fixture(scope="session")
def scan(base_url, http):
    """The full demo register as the API gives it: {collection: {id: feature}}, in id order."""
    out = {}
    for c in ("facilities", "sources", "devices"):
        feats = fetch_all(http, base_url + "/collections/%s/items" % c)
        ids = [f["id"] for f in feats]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), "full scan of %s is not in id order" % c
        out[c] = {f["id"]: f for f in feats}
    return out


@pytest.fixture(scope="session")
def handmade(workdir, start_server):
    """A small register built by hand (see handmade.py) and a server on it."""
    import handmade as hm
    path = os.path.join(workdir, "handmade.db")
    run_radmap("init", path)
    hm.fill(path)
    return hm.Handmade(path, start_server(path))


def problem(r, status, *words):
    """Assert that r is an application/problem+json answer with status, whose detail names every
    word; return the parsed body."""
    assert r.status_code == status, "%s %s -> %d %s" % (r.request.method, r.request.url, r.status_code, r.text[:300])
    assert r.headers.get("Content-Type", "").split(";")[0].strip() == "application/problem+json", r.headers
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    body = r.json()
    assert body["status"] == status
    assert isinstance(body.get("title"), str) and body["title"]
    assert isinstance(body.get("detail"), str) and body["detail"]
    for w in words:
        assert w in body["detail"], "%r not in detail %r" % (w, body["detail"])
    return body


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
