#!/usr/bin/env bash
# Load test (issue 9): wrk with 200 and then 1000 connections for 30 s each against a mix of what
# clients ask (150 map tiles of three layers at zooms 10-16 around facilities, 35 item pages with and
# without bbox, 25 single items, 15 proximity queries of 100-1000 m and 10 nearest queries, in a
# fixed shuffled order) while a writer edits facilities through the API (GET for the ETag, PATCH),
# on a demo register (served with --read-quota 0: the reader's hourly quota of sensitive rows would
# otherwise answer 429 within seconds). Per run it prints requests/s, p50/p90/p99 latency, the answers that were not
# 2xx/3xx (by status), socket errors, the writer's acknowledged and failed edits, and the server's
# resident memory before and after (the growth must stay within the tile cache's bound, 256 MB by
# default; SQLite's page cache and mapped pages come on top of it). The run fails (exit 1) on any
# error answer, socket error other than the client's own timeouts, failed edit or server crash.
#
# usage: tests/bench/load.sh [RADMAP_BINARY]            (default build/radmap)
# environment: LOAD_CONNECTIONS ("200 1000"), LOAD_DURATION seconds per run (30), LOAD_WRK_THREADS (2),
#              LOAD_SERVER_THREADS (number of cores), LOAD_FACILITIES (demo size; default: the demo
#              city, 1500 facilities), LOAD_WRITE_INTERVAL seconds between edits (0.05)
set -euo pipefail

bin=${1:-build/radmap}
connections=${LOAD_CONNECTIONS:-200 1000}
duration=${LOAD_DURATION:-30}
wrk_threads=${LOAD_WRK_THREADS:-2}
server_threads=${LOAD_SERVER_THREADS:-$(nproc)}
facilities=${LOAD_FACILITIES:-}
write_interval=${LOAD_WRITE_INTERVAL:-0.05}
today=2026-06-15

[ -x "$bin" ] || { echo "load.sh: no radmap binary at $bin (give its path as the first argument)" >&2; exit 2; }
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "load.sh: $tool is not installed (scripts/install-deps.sh --bench)" >&2; exit 2; }
done
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
# 1000 connections need more descriptors than the usual 1024 (server and wrk both).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loadbench.XXXXXX")
server_pid= writer_pid=
cleanup() {
    [ -n "$writer_pid" ] && kill "$writer_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

db=$tmp/load.db
echo "load.sh: making the demo register${facilities:+ of $facilities facilities}"
RADMAP_TODAY=$today "$bin" init "$db" --demo ${facilities:+--facilities "$facilities"} --users-file "$tmp/users.txt" \
    >/dev/null
reader=$("$bin" user add "$db" load.reader --role inspector --read-only | tail -1)
writer=$("$bin" user add "$db" load.writer --role licensing | tail -1)

RADMAP_TODAY=$today "$bin" serve --db "$db" --port 0 --bind 127.0.0.1 --threads "$server_threads" \
    --access-log "$tmp/access.log" --read-quota 0 2>"$tmp/serve.log" &
server_pid=$!
port=
for _ in $(seq 200); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.log")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
    sleep 0.05
done
[ -n "$port" ] || { echo "load.sh: the server did not start" >&2; cat "$tmp/serve.log" >&2; exit 1; }
url=http://127.0.0.1:$port

rss() { awk '/^VmRSS/ {print int($2/1024)}' "/proc/$server_pid/status"; }
hwm() { awk '/^VmHWM/ {print int($2/1024)}' "/proc/$server_pid/status"; }

# The request mix, as a Lua table wrk cycles through from a random start per connection.
python3 - "$url" "$reader" "$db" >"$tmp/mix.lua" <<'EOF'
import math, random, sqlite3, sys
url, token, db = sys.argv[1:4]
random.seed(9)
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
ids = [r[0] for r in c.execute("SELECT id FROM facility ORDER BY id")]
pts = c.execute("SELECT lon, lat FROM facility ORDER BY random() LIMIT 200").fetchall()
c.close()
def tile(z, lon, lat):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return x, y
paths = []
# What a map session asks, roughly: mostly tiles, some item pages and features, a few proximity
# and nearest queries of the radii an inspector uses in a city.
for lon, lat in pts[:150]:
    z = random.choice([10, 11, 12, 13, 14, 15, 16])
    x, y = tile(z, lon, lat)
    paths.append("/tiles/facilities,sources,devices/%d/%d/%d.mvt" % (z, x, y))
for lon, lat in pts[150:175]:
    d = random.choice([0.005, 0.01, 0.02])
    paths.append("/collections/facilities/items?limit=50&bbox=%.5f,%.5f,%.5f,%.5f" % (lon - d, lat - d, lon + d, lat + d))
for i in range(10):
    paths.append("/collections/facilities/items?limit=20&offset=%d" % (i * 20))
for fid in random.sample(ids, 25):
    paths.append("/collections/facilities/items/%d" % fid)
for lon, lat in pts[175:190]:
    paths.append("/proximity?lon=%.5f&lat=%.5f&radius=%d" % (lon, lat, random.choice([100, 300, 500, 1000])))
for lon, lat in pts[190:200]:
    paths.append("/nearest?lon=%.5f&lat=%.5f&k=10" % (lon, lat))
random.shuffle(paths)
print("local paths = {")
for p in paths:
    print('  "%s",' % p)
print("}")
print('''
local counter = 0
local statuses = {}
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  i = math.random(#paths)
  codes = {}
  wrk.headers["Authorization"] = "Bearer %s"
  wrk.headers["Accept-Encoding"] = "gzip"
end
function request()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    for k, v in pairs(c) do all[k] = (all[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(all) do table.insert(parts, k .. "=" .. v) end
  table.sort(parts)
  io.write(string.format("RESULT rps=%%.0f p50=%%.1f p90=%%.1f p99=%%.1f max=%%.1f requests=%%d "
    .. "connect_err=%%d read_err=%%d write_err=%%d timeouts=%%d statuses=%%s\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, table.concat(parts, ",")))
end
''' % token)
EOF

# The writer: PATCH facilities one after another for as long as the file says so.
cat >"$tmp/writer.py" <<'EOF'
import json, random, sys, time, urllib.request
url, token, stop_file, out = sys.argv[1:5]
interval = float(sys.argv[5])
ok = failed = 0
errors = []
random.seed(3)
ids = [f["id"] for f in json.load(urllib.request.urlopen(urllib.request.Request(
    url + "/collections/facilities/items?limit=200", headers={"Authorization": "Bearer " + token})))["features"]
    if f["properties"]["record_owner"] == "department"]
import os
while not os.path.exists(stop_file):
    fid = random.choice(ids)
    h = {"Authorization": "Bearer " + token}
    try:
        with urllib.request.urlopen(urllib.request.Request(url + "/collections/facilities/items/%d" % fid, headers=h),
                                    timeout=30) as r:
            etag = r.headers["ETag"]
        body = json.dumps({"properties": {"contact_phone": "028%07d" % random.randrange(10 ** 7)}}).encode()
        req = urllib.request.Request(url + "/collections/facilities/items/%d" % fid, data=body, method="PATCH",
                                     headers=dict(h, **{"Content-Type": "application/merge-patch+json",
                                                        "If-Match": etag}))
        with urllib.request.urlopen(req, timeout=30) as r:
            ok += r.status == 200
    except Exception as e:  # 412 when wrk's reads raced nothing; anything else is an error
        failed += 1
        if len(errors) < 5:
            errors.append(str(e))
    time.sleep(interval)
with open(out, "w") as f:
    json.dump({"ok": ok, "failed": failed, "errors": errors}, f)
EOF

echo "load.sh: radmap on $url, $server_threads threads; $(grep -c '^  "' "$tmp/mix.lua") request paths; \
wrk $wrk_threads threads, ${duration}s per run"
# Warm up: one pass so that the first run does not measure opening connections and snapshots.
wrk -t1 -c4 -d3s -s "$tmp/mix.lua" "$url" >/dev/null
rss_start=$(rss)
printf '%-6s %9s %8s %8s %8s %8s %10s %-22s %-14s %s\n' conns req/s p50_ms p90_ms p99_ms max_ms sock_err \
    statuses writer rss_mb
failed=0
for c in $connections; do
    rm -f "$tmp/stop" "$tmp/writer.json"
    python3 "$tmp/writer.py" "$url" "$writer" "$tmp/stop" "$tmp/writer.json" "$write_interval" &
    writer_pid=$!
    before=$(rss)
    wrk -t"$wrk_threads" -c"$c" -d"${duration}s" --timeout 10s -s "$tmp/mix.lua" "$url" >"$tmp/wrk-$c.txt" 2>&1 || true
    touch "$tmp/stop"
    wait "$writer_pid" || true
    writer_pid=
    kill -0 "$server_pid" 2>/dev/null || { echo "load.sh: the server died" >&2; tail -20 "$tmp/serve.log" >&2; exit 1; }
    after=$(rss)
    line=$(grep '^RESULT' "$tmp/wrk-$c.txt" || true)
    [ -n "$line" ] || { cat "$tmp/wrk-$c.txt" >&2; exit 1; }
    val() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    statuses=$(val statuses)
    sock="$(val connect_err)/$(val read_err)/$(val write_err)/$(val timeouts)"
    w=$(python3 -c "import json; d = json.load(open('$tmp/writer.json')); print('%d ok %d failed' % (d['ok'], d['failed']))")
    printf '%-6s %9s %8s %8s %8s %8s %10s %-22s %-14s %s\n' "$c" "$(val rps)" "$(val p50)" "$(val p90)" "$(val p99)" \
        "$(val max)" "$sock" "$statuses" "$w" "$before -> $after"
    bad=$(echo "$statuses" | tr ',' '\n' | awk -F= '$1 !~ /^[23]/ {n += $2} END {print n + 0}')
    if [ "$bad" != 0 ] || [ "$(val connect_err)" != 0 ] || [ "$(val read_err)" != 0 ] || [ "$(val write_err)" != 0 ]; then
        echo "load.sh: $bad error answers or socket errors with $c connections" >&2
        failed=1
    fi
    if ! python3 -c "import json, sys; sys.exit(json.load(open('$tmp/writer.json'))['failed'])"; then
        python3 -c "import json; print('load.sh: writer errors:', json.load(open('$tmp/writer.json'))['errors'])" >&2
        failed=1
    fi
done
growth=$(( $(rss) - rss_start ))
cache=$(curl -s -H "Authorization: Bearer $reader" "$url/metrics" | awk '/^radmap_tile_cache_bytes / {print int($2/1048576)}')
echo "load.sh: resident memory $rss_start MB at the start, $(rss) MB at the end (peak $(hwm) MB, growth $growth MB;" \
     "tile cache now $cache MB of its 256 MB bound); $(wc -l <"$tmp/access.log") access log lines"
if [ "$growth" -gt 512 ]; then
    echo "load.sh: memory grew by $growth MB, beyond the caches' bounds" >&2
    failed=1
fi
exit $failed
