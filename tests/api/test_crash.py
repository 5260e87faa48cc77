"""
Crash safety (issue 9): no acknowledged write is lost, no refused one appears, nothing is corrupt.

Writers edit the register through the API (creates, patches, deletes, plus creates that must be
refused with 422 and patches with a stale If-Match that must be refused with 412), and one receives
dossiers at the counter and moves them through appraisal steps (with stale steps that must be
refused), while the server is killed with SIGKILL at random moments, 20 times. After each kill, before the restart, the
database file is checked as the next server would find it:

- every write answered 2xx is there, with its value; every write refused (4xx/5xx) is not; a write
  whose answer never came (cut by the kill) is either wholly there or wholly absent;
- PRAGMA integrity_check is ok and `radmap audit verify` passes;
- the audit trail matches the data: each facility's newest audit row holds its current name and
  version (or is its deletion), and the number of create and update rows equals its version;
- each dossier is at the last step it was acknowledged at, and its step history holds exactly the
  steps acknowledged (or cut by the kill), in order.

The server writes with synchronous=FULL in WAL mode, so an acknowledged write would also survive a
power loss; SIGKILL proves the process side (no acknowledgement before the commit is in the WAL).
"""
import json
import os
import random
import re
import sqlite3
import threading
import time

import requests

from conftest import Server, run_radmap

KILLS = 20
WRITERS = 4
GEO = {"Content-Type": "application/geo+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}


def feature(code, name, practice="medical_xray"):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.6 + random.random() * 0.2,
                                                                           10.7 + random.random() * 0.2]},
            "properties": {"code": code, "name": name, "practice": practice}}


class Model:
    """What each writer knows: per facility code, the set of states it may be in ((name, version), or
    None for absent), plus the refused writes that must never appear."""

    def __init__(self):
        self.lock = threading.Lock()
        self.possible = {}        # code -> set of (name, version) | None
        self.ids = {}             # code -> id
        self.dossiers = {}        # dossier id -> set of possible (step, version)
        self.pending_dossiers = 0 # creations cut by a kill (receipt number unknown)
        self.refused_codes = set()
        self.refused_names = set()
        self.acknowledged = 0
        self.unknown = 0
        self.refused = 0


class Writer(threading.Thread):
    def __init__(self, wid, cycle, url, token, model, stop, seed):
        super().__init__(daemon=True)
        self.wid, self.cycle, self.url, self.model, self.stop = wid, cycle, url, model, stop
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.http.headers["Authorization"] = "Bearer " + token
        self.n = 0
        self.error = None

    def uid(self, prefix):
        self.n += 1
        return "%s-%d-%d-%d" % (prefix, self.cycle, self.wid, self.n)

    def mine(self):
        """Codes of this writer's facilities whose state is known and present."""
        with self.model.lock:
            return [c for c, p in self.model.possible.items()
                    if c.startswith("CR-") and c.split("-")[2] == str(self.wid) and len(p) == 1 and None not in p]

    def call(self, method, path, **kw):
        """(status, response) or (None, None) when no answer came."""
        try:
            r = self.http.request(method, self.url + path, timeout=10, **kw)
            return r.status_code, r
        except requests.RequestException:
            return None, None

    def run(self):
        try:
            self.write()
        except Exception as e:  # reported by the test, not lost in the thread
            self.error = e
        finally:
            self.http.close()

    def write(self):
        m = self.model
        while not self.stop.is_set():
            mine = self.mine()
            x = self.rng.random()
            if len(mine) < 3 or x < 0.3:
                code = self.uid("CR")  # CR-cycle-writer-n: mine() reads the writer from it
                name = "created " + code
                with m.lock:
                    m.possible[code] = {None, (name, 1)}
                st, r = self.call("POST", "/collections/facilities/items", json=feature(code, name), headers=GEO)
                with m.lock:
                    if st is None:
                        m.unknown += 1
                    elif 200 <= st < 300:
                        m.possible[code] = {(name, 1)}
                        m.ids[code] = r.json()["id"]
                        m.acknowledged += 1
                    else:
                        m.possible[code] = {None}
                        m.refused += 1
                continue
            code = self.rng.choice(mine)
            with m.lock:
                (cur,) = m.possible[code]
                fid = m.ids.get(code)
            if fid is None:
                continue
            path = "/collections/facilities/items/%d" % fid
            name, version = cur
            if x < 0.75:
                new = self.uid("N")
                with m.lock:
                    m.possible[code] = {cur, (new, version + 1)}
                st, r = self.call("PATCH", path, json={"properties": {"name": new}},
                                  headers=dict(MERGE, **{"If-Match": '"v%d"' % version}))
                with m.lock:
                    if st is None:
                        m.unknown += 1
                    elif 200 <= st < 300:
                        m.possible[code] = {(new, version + 1)}
                        m.acknowledged += 1
                    else:
                        m.possible[code] = {cur}
                        m.refused += 1
            elif x < 0.85:
                with m.lock:
                    m.possible[code] = {cur, None}
                st, r = self.call("DELETE", path, headers={"If-Match": '"v%d"' % version})
                with m.lock:
                    if st is None:
                        m.unknown += 1
                    elif 200 <= st < 300:
                        m.possible[code] = {None}
                        m.acknowledged += 1
                    else:
                        m.possible[code] = {cur}
                        m.refused += 1
            elif x < 0.93:
                bad = self.uid("BAD")
                st, r = self.call("POST", "/collections/facilities/items",
                                  json=feature(bad, "refused " + bad, practice="not_a_practice"), headers=GEO)
                with m.lock:
                    if st is not None:
                        assert st == 422, (st, r.text[:300])
                        m.refused_codes.add(bad)
                        m.refused += 1
            else:
                stale = self.uid("STALE")
                st, r = self.call("PATCH", path, json={"properties": {"name": stale}},
                                  headers=dict(MERGE, **{"If-Match": '"v%d"' % (version + 1000)}))
                with m.lock:
                    if st is not None:
                        assert st == 412, (st, r.text[:300])
                        m.refused_names.add(stale)
                        m.refused += 1


def next_step(step):
    """The appraisal step recorded after step: received, assigned, completeness_review, then site
    visits and expert reviews in turn."""
    if step in ("received",):
        return "assigned"
    if step == "assigned":
        return "completeness_review"
    return "expert_review" if step in ("completeness_review", "site_visit") else "site_visit"


class DossierWriter(Writer):
    """Receives dossiers and records their steps (If-Match on the dossier's version); now and then a
    step with a stale version, which must be refused."""

    def write(self):
        m = self.model
        while not self.stop.is_set():
            with m.lock:
                known = [(d, next(iter(p))) for d, p in m.dossiers.items() if len(p) == 1]
            if len(known) < 2 or self.rng.random() < 0.2:
                st, r = self.call("POST", "/dossiers", json={"procedure": "xray_declaration",
                                                              "applicant": "Phòng khám " + self.uid("D")})
                with m.lock:
                    if st is None:
                        m.unknown += 1
                        m.pending_dossiers += 1
                    elif st == 201:
                        d = r.json()
                        m.dossiers[d["id"]] = {(d["step"], 1)}
                        m.acknowledged += 1
                    else:
                        raise AssertionError("POST /dossiers: %d %s" % (st, r.text[:300]))
                continue
            did, (step, version) = self.rng.choice(known)
            stale = self.rng.random() < 0.1
            new = next_step(step)
            with m.lock:
                if not stale:
                    m.dossiers[did] = {(step, version), (new, version + 1)}
            st, r = self.call("POST", "/dossiers/%d/steps" % did, json={"step": new},
                              headers={"If-Match": '"v%d"' % (version - 1 if stale else version)})
            with m.lock:
                if st is None:
                    m.unknown += 1
                    if stale:
                        continue
                elif 200 <= st < 300:
                    assert not stale, "a step with a stale version was accepted: %s" % r.text[:300]
                    m.dossiers[did] = {(new, version + 1)}
                    m.acknowledged += 1
                else:
                    assert st in (409, 412, 428), (st, r.text[:300])
                    m.dossiers[did] = {(step, version)}
                    m.refused += 1


def check_dossiers(c, model):
    """Each dossier is at an allowed step and version, and its step history is the acknowledged one."""
    with model.lock:
        for did, possible in model.dossiers.items():
            row = c.execute("SELECT step, version FROM dossier WHERE id = ?", (did,)).fetchone()
            assert row is not None, "dossier %d was acknowledged and is gone" % did
            state = (row[0], row[1])
            assert state in possible, "dossier %d is %r, expected one of %r" % (did, state, possible)
            model.dossiers[did] = {state}
            steps = [s for (s,) in c.execute("SELECT step FROM dossier_step WHERE dossier_id = ? ORDER BY id", (did,))]
            assert steps and steps[-1] == state[0], (did, steps, state)
            assert len(steps) == state[1], "dossier %d: version %d but %d steps %r" % (did, state[1], len(steps), steps)
            for a, b in zip(steps[1:], steps[2:]):
                assert b == next_step(a), "dossier %d: step %s after %s" % (did, b, a)


def check_database(db, model):
    """Check the database file after a kill (no server running) against the model, then collapse the
    model's uncertain states to what the file holds."""
    c = sqlite3.connect(db, timeout=30)
    try:
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = {code: (fid, name, version) for fid, code, name, version in
                c.execute("SELECT id, code, name, version FROM facility WHERE code LIKE 'CR-%'")}
        with model.lock:
            for code, possible in model.possible.items():
                got = rows.get(code)
                state = (got[1], got[2]) if got else None
                assert state in possible, "facility %s is %r, expected one of %r" % (code, state, possible)
                model.possible[code] = {state}
                if got:
                    model.ids[code] = got[0]
            unknown_rows = set(rows) - set(model.possible)
            assert not unknown_rows, "facilities nobody created: %r" % sorted(unknown_rows)[:5]
            for bad in model.refused_codes:
                assert not c.execute("SELECT 1 FROM facility WHERE code = ?", (bad,)).fetchone(), bad
                assert not c.execute("SELECT 1 FROM audit WHERE after_json LIKE ?", ("%" + bad + "%",)).fetchone(), bad
            for stale in model.refused_names:
                assert not c.execute("SELECT 1 FROM facility WHERE name = ?", (stale,)).fetchone(), stale
                assert not c.execute("SELECT 1 FROM audit WHERE after_json LIKE ?",
                                     ("%" + stale + "%",)).fetchone(), stale
        # The audit trail matches the data.
        trail = {}
        for fid, action, after in c.execute("SELECT feature_id, action, after_json FROM audit "
                                            "WHERE collection = 'facilities' ORDER BY id"):
            trail.setdefault(fid, []).append((action, json.loads(after) if after else None))
        if model.dossiers:
            check_dossiers(c, model)
        current = {fid: (name, version) for fid, name, version in c.execute("SELECT id, name, version FROM facility")}
        for fid, (name, version) in current.items():
            assert fid in trail, "facility %d has no audit row" % fid
            actions = trail[fid]
            # Ids are not AUTOINCREMENT: the id of a deleted newest row is given again. This row's
            # life starts after the last deletion of its id.
            deletes = [i for i, (a, _) in enumerate(actions) if a == "delete"]
            if deletes:
                actions = actions[deletes[-1] + 1:]
            assert actions[0][0] == "create", (fid, actions[0][0])
            last_action, last = actions[-1]
            assert last_action in ("create", "update", "replace"), (fid, last_action)
            assert last["properties"]["name"] == name and last["properties"]["version"] == version, \
                "facility %d is (%r, %d) but its last audit row says (%r, %r)" % (
                    fid, name, version, last["properties"]["name"], last["properties"]["version"])
            assert sum(1 for a, _ in actions if a in ("create", "update", "replace")) == version, (fid, actions)
        for fid, actions in trail.items():
            if fid not in current:
                assert actions[-1][0] == "delete", "facility %d is gone but its trail ends with %s" % (
                    fid, actions[-1][0])
    finally:
        c.close()
    p = run_radmap("audit", "verify", db)
    assert "intact" in p.stdout, p.stdout


def test_sigkill_during_writes_loses_nothing(workdir):
    db = os.path.join(workdir, "crash.db")
    run_radmap("init", db)
    token = run_radmap("user", "add", db, "crash.writer", "--role", "licensing").stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"rm_[A-Za-z0-9_-]{43}", token)
    model = Model()
    # Dossier transitions when this register has the licensing module (and its procedures).
    c = sqlite3.connect(db)
    try:
        dossiers = bool(c.execute("SELECT 1 FROM sqlite_master WHERE name = 'dossier'").fetchone()) and bool(
            c.execute("SELECT 1 FROM procedure WHERE key = 'xray_declaration'").fetchone())
    finally:
        c.close()
    rng = random.Random(int(os.environ.get("RADMAP_CRASH_SEED", "0")) or None)
    started = time.monotonic()
    for cycle in range(KILLS):
        server = Server(db, workdir, threads=2, args=("--access-log", "off"))
        stop = threading.Event()
        writers = [Writer(w, cycle, server.url, token, model, stop, rng.random()) for w in range(WRITERS)]
        if dossiers:
            writers.append(DossierWriter(WRITERS, cycle, server.url, token, model, stop, rng.random()))
        for w in writers:
            w.start()
        time.sleep(rng.uniform(0.15, 0.8))
        server.proc.kill()  # SIGKILL: no clean-up, no checkpoint, requests cut wherever they are
        server.proc.wait()
        stop.set()
        for w in writers:
            w.join(timeout=30)
            assert not w.is_alive()
            assert w.error is None, "writer %d: %r" % (w.wid, w.error)
        server.log.close()
        check_database(db, model)
    # One last clean run: the register serves what the model says, through the API.
    server = Server(db, workdir, threads=2)
    try:
        with model.lock:
            present = {code: next(iter(p)) for code, p in model.possible.items() if p != {None}}
        h = {"Authorization": "Bearer " + token}
        for code, (name, version) in list(present.items())[:50]:
            r = requests.get(server.url + "/collections/facilities/items/%d" % model.ids[code], headers=h, timeout=10)
            assert r.status_code == 200, r.text
            assert r.json()["properties"]["name"] == name
            assert r.headers["ETag"].startswith('"v%d-' % version)
    finally:
        assert server.stop() == 0, server.stderr()
    elapsed = time.monotonic() - started
    assert model.acknowledged > KILLS * 5, "too few writes to prove anything: %d" % model.acknowledged
    if dossiers:
        assert len(model.dossiers) >= KILLS, "too few dossiers: %d" % len(model.dossiers)
    print("crash test: %d kills, %d acknowledged, %d refused, %d cut by the kill, %d dossiers, %.1f s" % (
        KILLS, model.acknowledged, model.refused, model.unknown, len(model.dossiers), elapsed))
