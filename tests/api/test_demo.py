"""
The demo register (`radmap init DB --demo`) looks like today's Ho Chi Minh City inventory: about
1 500 facilities, 3 500 devices and 600 sources, one lost source, some records owned by VARANS,
Vietnamese names, every point inside the city, every row marked as demo, and the same rows for the
same seed.
"""
import os
import re
import sqlite3
import unicodedata


from conftest import run_radmap

# Ho Chi Minh City since 1 July 2025 (with the former Bình Dương and Bà Rịa-Vũng Tàu): the mainland,
# and the Côn Đảo islands.
HCMC_BOXES = [(106.2, 10.2, 107.7, 11.6), (106.4, 8.5, 106.8, 8.85)]
VIETNAMESE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


def test_health_says_demo(base_url, http):
    r = http.get(base_url + "/health", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "ok", "demo": True}
    assert "ETag" not in r.headers
    # the health of the service is never answered from a cache
    assert r.headers.get("Cache-Control") == "no-store", "Cache-Control: %r" % r.headers.get("Cache-Control")


def test_sizes(scan):
    n = {c: len(scan[c]) for c in scan}
    assert 1200 <= n["facilities"] <= 1800, n
    assert 2800 <= n["devices"] <= 4200, n
    assert 450 <= n["sources"] <= 750, n


def test_exactly_one_lost_source(scan):
    lost = [s for s in scan["sources"].values() if s["properties"]["status"] == "lost"]
    assert len(lost) == 1, [s["id"] for s in lost]


def test_varans_records(scan):
    for coll in ("facilities",):
        owners = [f["properties"]["record_owner"] for f in scan[coll].values()]
        varans = owners.count("varans")
        assert 0 < varans < len(owners) / 2, (coll, varans, len(owners))
        assert set(owners) == {"department", "varans"}


def test_every_point_in_the_city(scan):
    out = []
    for coll, feats in scan.items():
        for f in feats.values():
            lon, lat = f["geometry"]["coordinates"]
            if not any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in HCMC_BOXES):
                out.append("%s %d at %r,%r" % (coll, f["id"], lon, lat))
    assert not out, "%d points outside Ho Chi Minh City: %s" % (len(out), out[:10])


def test_every_row_is_demo(scan):
    for coll, feats in scan.items():
        not_demo = [i for i, f in feats.items() if f["properties"]["demo"] is not True]
        assert not not_demo, "%s not marked demo: %s" % (coll, not_demo[:10])


def test_vietnamese_text(scan):
    facs = [f["properties"] for f in scan["facilities"].values()]
    names = [p["name"] for p in facs]
    assert sum(1 for n in names if VIETNAMESE.search(n)) > len(names) / 2
    assert sum(1 for p in facs if p["ward"] and VIETNAMESE.search(p["ward"])) > len(facs) / 2
    assert any("đ" in n.lower() for n in names + [p["ward"] or "" for p in facs])
    not_nfc = [n for p in facs for n in (p["name"], p["address"], p["ward"])
               if n and unicodedata.normalize("NFC", n) != n]
    assert not not_nfc, "text not in NFC: %r" % not_nfc[:5]
    assert len(set(p["code"] for p in facs)) == len(facs), "facility codes repeat"


def test_holdings_sit_at_their_facility(scan):
    facs = scan["facilities"]
    for coll in ("sources", "devices"):
        away = 0
        for f in scan[coll].values():
            p = f["properties"]
            assert p["facility_id"] in facs, (coll, f["id"], p["facility_id"])
            assert p["facility"] == facs[p["facility_id"]]["properties"]["name"]
            at_facility = f["geometry"]["coordinates"] == facs[p["facility_id"]]["geometry"]["coordinates"]
            if coll == "sources":
                # a source is where its facility is unless it has a position of its own
                assert at_facility or p["own_location"], (coll, f["id"])
            away += not at_facility
        # devices do not say whether they have a position of their own; nearly all are at home
        assert away <= len(scan[coll]) * 0.05, (coll, away)


def test_mix_of_values(scan):
    src = [s["properties"] for s in scan["sources"].values()]
    dev = [d["properties"] for d in scan["devices"].values()]
    fac = [f["properties"] for f in scan["facilities"].values()]
    assert len({p["nuclide"] for p in src}) >= 5
    assert {p["form"] for p in src} == {"sealed", "unsealed"}
    assert len({p["type"] for p in dev}) >= 5
    assert len({p["practice"] for p in fac}) >= 6
    assert {p["status"] for p in fac} >= {"operating"}
    assert sum(1 for p in fac if p["practice"] == "medical_xray") > len(fac) / 3


def table_rows(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    out = {}
    for table in ("organization", "facility", "facility_practice", "source", "device"):
        cols = [r[1] for r in con.execute("PRAGMA table_info(%s)" % table)
                if r[1] not in ("created_at", "updated_at", "geom")]
        out[table] = con.execute("SELECT %s FROM %s ORDER BY 1, 2" % (", ".join(cols), table)).fetchall()
    con.close()
    return out


def test_same_seed_same_rows(demo_db, workdir):
    again = os.path.join(workdir, "demo-again.db")
    run_radmap("init", again, "--demo")
    a, b = table_rows(demo_db), table_rows(again)
    for t in a:
        assert a[t] == b[t], "table %s differs between two runs with the same seed" % t
    other = os.path.join(workdir, "demo-seed7.db")
    run_radmap("init", other, "--demo", "--seed", "7")
    assert table_rows(other)["facility"] != a["facility"], "--seed makes no difference"
