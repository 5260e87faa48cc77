#!/usr/bin/env bash
# Throughput of the items API under load: a 100 000-facility demo register spread over Vietnam,
# one `radmap serve` with 2 threads, and wrk cycling over a fixed list of 50 bboxes of varied sizes
# (a block to a whole region) around the country's cities, each asking
# /collections/facilities/items?limit=100&bbox=... Prints requests/s, p50 and p99 latency, errors and
# the server's peak resident memory (VmHWM) as a table. Builds nothing; cleans up after itself.
#
# usage: tests/bench/features.sh [RADMAP_BINARY]        (default build/radmap)
# environment: BENCH_DURATION seconds (30), BENCH_CONNECTIONS (64), BENCH_WRK_THREADS (2),
#              BENCH_FACILITIES (100000), BENCH_SERVER_THREADS (2)
set -euo pipefail

bin=${1:-build/radmap}
duration=${BENCH_DURATION:-30}
connections=${BENCH_CONNECTIONS:-64}
wrk_threads=${BENCH_WRK_THREADS:-2}
facilities=${BENCH_FACILITIES:-100000}
server_threads=${BENCH_SERVER_THREADS:-2}

[ -x "$bin" ] || { echo "features.sh: no radmap binary at $bin (give its path as the first argument)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "features.sh: wrk is not installed (scripts/install-deps.sh --bench)" >&2; exit 2; }
command -v curl >/dev/null || { echo "features.sh: curl is not installed" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/radmap-bench.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

export RADMAP_TODAY=2026-06-15

# --- the register -------------------------------------------------------------------------------
t0=$(date +%s.%N)
"$bin" init "$tmp/bench.db" --demo --facilities "$facilities" >"$tmp/init.log" 2>&1 ||
    { cat "$tmp/init.log" >&2; echo "features.sh: radmap init failed" >&2; exit 1; }
t1=$(date +%s.%N)
init_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
db_mib=$(du -m "$tmp/bench.db" | cut -f1)
# a read-only staff token, when this radmap has accounts
token=$("$bin" user add "$tmp/bench.db" bench --role inspector --read-only 2>/dev/null | tail -n 1) || token=
auth=()
[ -n "$token" ] && auth=(-H "Authorization: Bearer $token")

# --- the server ---------------------------------------------------------------------------------
"$bin" serve --db "$tmp/bench.db" --port 0 --bind 127.0.0.1 --threads "$server_threads" 2>"$tmp/serve.log" &
server_pid=$!
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.log")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/serve.log" >&2; echo "features.sh: the server did not start" >&2; exit 1; }
base=http://127.0.0.1:$port

# --- 50 bboxes: 25 cities, each at two of eight sizes (half-widths 0.005 to 1 degree) -----------------
# lon lat of the centre
cities="105.852 21.029  106.700 10.776  108.221 16.068  106.683 20.845  105.784 10.034
107.585 16.463  109.196 12.239  106.824 10.945  105.692 18.679  108.038 12.667
109.219 13.776  105.844 21.594  106.168 20.420  107.084 10.346  105.435 10.386
108.442 11.940  107.084 20.951  105.776 19.807  106.076 21.186  105.081 10.012
105.152 9.177   106.360 10.360  108.000 13.983  108.100 10.928  106.652 10.980"
sizes=(0.005 0.01 0.02 0.05 0.1 0.2 0.5 1.0)
paths_lua=$tmp/paths.lua
{
    echo "paths = {"
    i=0
    set -- $cities
    while [ $# -ge 2 ]; do
        lon=$1 lat=$2
        shift 2
        for k in 0 4; do
            h=${sizes[$(( (i + k) % 8 ))]}
            awk -v x="$lon" -v y="$lat" -v h="$h" 'BEGIN {
                printf "  \"/collections/facilities/items?limit=100&bbox=%.4f,%.4f,%.4f,%.4f\",\n", x - h, y - h, x + h, y + h }'
        done
        i=$((i + 1))
    done
    echo "}"
} >"$paths_lua"
npaths=$(grep -c bbox= "$paths_lua")

cat >"$tmp/bench.lua" <<EOF
dofile("$paths_lua")
local i = 0
local token = "$token"
if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
-- each wrk thread starts at another place in the list
setup = function(thread) thread:set("start", math.random(#paths)) end
init = function(args) i = start or 0 end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
EOF

# every bbox answers 200, and most of them hold facilities (else the list misses the data)
with_data=0
while read -r path; do
    body=$(curl -sf "${auth[@]}" "$base$path") || { echo "features.sh: $path failed" >&2; exit 1; }
    case $body in *'"numberReturned":0'*) ;; *) with_data=$((with_data + 1)) ;; esac
done < <(sed -n 's/^  "\(.*\)",$/\1/p' "$paths_lua")

# --- the load -----------------------------------------------------------------------------------
wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout 10s --latency -s "$tmp/bench.lua" "$base" >"$tmp/wrk.txt"
rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")

to_ms() { # wrk latency (e.g. 812.00us, 3.21ms, 1.02s) in milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}
rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.txt")
p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.txt")")
p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.txt")")
total=$(awk '/requests in/ { print $1 }' "$tmp/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' "$tmp/wrk.txt")
sockerr=$(awk '/Socket errors:/ { s = 0; for (i = 3; i <= NF; i += 2) s += $(i + 1); print s }' "$tmp/wrk.txt")

printf '\nradmap items bench: %s facilities (init %s s, %s MiB), server %s threads, wrk %s threads x %s connections, %s s, %s bboxes (%s with data)\n\n' \
    "$facilities" "$init_s" "$db_mib" "$server_threads" "$wrk_threads" "$connections" "$duration" "$npaths" "$with_data"
printf '%-22s %12s\n' "metric" "value"
printf '%-22s %12s\n' "----------------------" "------------"
printf '%-22s %12s\n' "requests/s" "$rps"
printf '%-22s %12s\n' "requests" "$total"
printf '%-22s %12s\n' "latency p50 (ms)" "$p50"
printf '%-22s %12s\n' "latency p99 (ms)" "$p99"
printf '%-22s %12s\n' "non-2xx responses" "${non2xx:-0}"
printf '%-22s %12s\n' "socket errors" "${sockerr:-0}"
printf '%-22s %12s\n' "server peak RSS (MiB)" "$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')"

if [ "${non2xx:-0}" != 0 ] || [ "${sockerr:-0}" != 0 ]; then
    echo "features.sh: some requests failed" >&2
    exit 1
fi
