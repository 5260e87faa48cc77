"""
Golden answers (STYLE 15): a few stable HTTP answers, errors included, kept under tests/api/golden/
and compared as JSON after the server's address is replaced by http://HOST. A change to one of
these answers is a change to the API: look at the diff, and when it is intended regenerate with

    RADMAP_GOLDEN_UPDATE=1 RADMAP_BIN=build/radmap /usr/bin/python3 -m pytest -q tests/api/test_golden.py
"""
import json
import os

import pytest

GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")

# name, method, path (with query), headers kept in the golden file
CASES = [
    ("landing", "GET", "/", ()),
    ("conformance", "GET", "/conformance", ()),
    ("error_bbox_three_numbers", "GET", "/collections/facilities/items?bbox=106.6,10.7,106.8", ()),
    ("error_bbox_latitude_order", "GET", "/collections/facilities/items?bbox=106.6,10.9,106.8,10.7", ()),
    ("error_limit_zero", "GET", "/collections/devices/items?limit=0", ()),
    ("error_unknown_parameter", "GET", "/collections/sources/items?colour=red", ()),
    ("error_status_value", "GET", "/collections/devices/items?status=broken", ()),
    ("error_practice_value", "GET", "/collections/facilities/items?practice=dentistry", ()),
    ("error_repeated_parameter", "GET", "/collections/facilities/items?limit=5&limit=6", ()),
    ("error_unknown_collection", "GET", "/collections/lamps/items", ()),
    ("error_unknown_feature", "GET", "/collections/facilities/items/987654321", ()),
    ("error_unknown_path", "GET", "/collection", ()),
    ("error_post_collections", "POST", "/collections", ("Allow",)),
]


def normalise(text, base_url):
    return json.loads(text.replace(base_url, "http://HOST"))


@pytest.mark.parametrize("name,method,path,keep", CASES, ids=[c[0] for c in CASES])
def test_golden(base_url, http, name, method, path, keep):
    r = http.request(method, base_url + path, timeout=10, headers={"Accept-Encoding": "identity"})
    got = {
        "request": "%s %s" % (method, path),
        "status": r.status_code,
        "headers": dict([("Content-Type", r.headers.get("Content-Type"))] + [(h, r.headers.get(h)) for h in keep]),
        "body": normalise(r.text, base_url),
    }
    path_ = os.path.join(GOLDEN_DIR, name + ".json")
    if os.environ.get("RADMAP_GOLDEN_UPDATE") == "1":
        os.makedirs(GOLDEN_DIR, exist_ok=True)
        with open(path_, "w", encoding="utf-8") as f:
            json.dump(got, f, ensure_ascii=False, indent=2)
            f.write("\n")
        return
    assert os.path.exists(path_), "no golden file %s (RADMAP_GOLDEN_UPDATE=1 writes it)" % path_
    with open(path_, encoding="utf-8") as f:
        want = json.load(f)
    assert got == want
