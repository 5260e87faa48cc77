"""
`radmap init`: migrations step by step give the schema a fresh database gets, a second init changes
nothing, reference data is loaded, and --demo refuses a register that already holds data. The
schema is compared through sqlite_master with Python's sqlite3 (no SpatiaLite needed to read it).
"""
import os
import re
import sqlite3

import pytest

from conftest import run_radmap
from handmade import nuclides


def latest_version():
    out = run_radmap("version").stdout
    m = re.search(r"schema (\d+)", out)
    assert m, out
    return int(m.group(1))


def schema(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    return rows, version


def table(path, sql):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    rows = con.execute(sql).fetchall()
    con.close()
    return rows


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("init") / "fresh.db")
    p = run_radmap("init", path)
    latest = latest_version()
    assert "at schema version %d" % latest in p.stdout
    assert "%d migration" % latest in p.stdout
    return path


def test_fresh_schema(fresh):
    rows, version = schema(fresh)
    assert version == latest_version()
    names = {r[1] for r in rows}
    for t in ("facility", "source", "device", "nuclide", "layer_stat", "schema_migration", "spatial_ref_sys",
              "idx_facility_geom", "idx_source_geom", "idx_device_geom"):
        assert t in names, t
    migrations = table(fresh, "SELECT version FROM schema_migration ORDER BY version")
    assert [v for (v,) in migrations] == list(range(1, version + 1))
    # VN-2000 / TM-3 105°45' (the HCMC zone) is among the EPSG definitions
    assert table(fresh, "SELECT count(*) FROM spatial_ref_sys WHERE srid IN (4756, 9210)") == [(2,)]


def test_reference_nuclides_loaded(fresh):
    want = nuclides()
    got = {n: (hl, d) for n, hl, d in table(fresh, "SELECT nuclide, half_life_s, d_value_tbq FROM nuclide")}
    assert got == want


def test_stepwise_migration_gives_fresh_schema(fresh, tmp_path):
    """For every N: init --to N, then init, ends with the schema of a fresh database."""
    latest = latest_version()
    wrong = []
    for step in range(1, latest + 1):
        path = str(tmp_path / ("stepwise-%d.db" % step))
        p = run_radmap("init", path, "--to", str(step), check=False)
        if p.returncode != 0:
            wrong.append("init --to %d exited %d: %s" % (step, p.returncode, p.stderr.strip()))
            continue
        assert "at schema version %d" % step in p.stdout
        assert schema(path)[1] == step
        p = run_radmap("init", path)
        assert "at schema version %d" % latest in p.stdout
        assert "(%d migration" % (latest - step) in p.stdout
        if schema(path) != schema(fresh):
            wrong.append("schema after init --to %d, then init, differs from a fresh one" % step)
        assert table(path, "SELECT version, name FROM schema_migration ORDER BY version") == \
            table(fresh, "SELECT version, name FROM schema_migration ORDER BY version")
    assert not wrong, "\n".join(wrong)


def test_init_twice_changes_nothing(fresh, tmp_path):
    path = str(tmp_path / "twice.db")
    run_radmap("init", path)
    before = schema(path), table(path, "SELECT * FROM nuclide ORDER BY nuclide"), \
        table(path, "SELECT * FROM layer_stat ORDER BY layer"), table(path, "SELECT * FROM schema_migration")
    p = run_radmap("init", path)
    assert "(0 migrations applied" in p.stdout
    after = schema(path), table(path, "SELECT * FROM nuclide ORDER BY nuclide"), \
        table(path, "SELECT * FROM layer_stat ORDER BY layer"), table(path, "SELECT * FROM schema_migration")
    assert after == before
    assert schema(path) == schema(fresh)


def test_demo_refuses_a_register_with_data(handmade):
    before = table(handmade.path, "SELECT count(*) FROM facility")
    p = run_radmap("init", handmade.path, "--demo", check=False)
    assert p.returncode != 0
    assert "--demo" in p.stderr and ("empty" in p.stderr or "already" in p.stderr), p.stderr
    assert handmade.path in p.stderr
    assert table(handmade.path, "SELECT count(*) FROM facility") == before


def test_demo_refuses_the_demo_itself(demo_db, workdir):
    import shutil
    copy = os.path.join(workdir, "demo-copy.db")
    shutil.copy(demo_db, copy)
    p = run_radmap("init", copy, "--demo", check=False)
    assert p.returncode != 0 and "already" in p.stderr, p.stderr


@pytest.mark.parametrize("args,code", [
    (["init"], 2), (["init", "x.db", "--facilities", "10"], 2), (["init", "x.db", "--to", "0"], 2),
    (["init", "x.db", "--bogus"], 2), (["frobnicate"], 2), (["serve"], 2),
    (["serve", "--db", "/nonexistent/dir/none.db"], 1),
])
def test_command_line_errors(tmp_path, args, code):
    p = run_radmap(*args, check=False) if "x.db" not in args else \
        run_radmap(*[str(tmp_path / a) if a == "x.db" else a for a in args], check=False)
    assert p.returncode == code, (args, p.returncode, p.stderr)
    assert p.stderr.startswith("radmap: ") or p.stderr.startswith("usage:"), p.stderr
    assert not os.path.exists(tmp_path / "x.db") or code == 0
