#!/usr/bin/env bash
# Proximity under load, side by side with PostGIS: a register of 1 000 000 sources, radius queries
# (5 km, geodesic) and k = 10 nearest over a fixed list of points, answered by `radmap serve` (timed
# with wrk + Lua) and by PostgreSQL 15 / PostGIS 3.3 on the same sources (timed with pgbench at the
# same concurrency), printed as a table of requests/s, p50 and p99 with the ratios.
#
# The register: `radmap init --demo --facilities N` gives about 0.36 sources per facility and stops at
# 1 000 000 facilities, so the sources are topped up to BENCH_SOURCES (1 000 000) with copies of the
# generated ones, each moved by up to ~220 m (own_location = 1: sources on mobile work or at temporary
# sites), through SQL with the spatial-index triggers on. The same sources go to PostGIS (exported
# with the sqlite3 CLI), into geography(Point, 4326) with a GiST index.
#
# The queries, on both sides, for each point of the list (BENCH_POINTS positions of sources, each
# moved 300 m north-east, so that queries land where the sources are):
#   radius  PostGIS: SELECT id, ST_Distance(geog, p) d FROM src WHERE ST_DWithin(geog, p, 5000)
#                   ORDER BY d LIMIT 100
#           radmap, the same answer (ids and distances of the 100 nearest, and how many match):
#                   GET /proximity?lon=&lat=&radius=5000&layers=sources&limit=100&summary=false&properties=
#           radmap, its full answer (every property of the 100, and the summary over every match:
#                   counts by category, activity per nuclide, highest category):
#                   GET /proximity?lon=&lat=&radius=5000&layers=sources&limit=100
#   nearest PostGIS: SELECT id, ST_Distance(geog, p) FROM src ORDER BY geog <-> p LIMIT 10
#           radmap: GET /nearest?lon=&lat=&k=10&layers=sources&properties= (ids and distances), and
#                   with every property (no properties=)
# Before timing, both sides answer a sample of the points and their answers are compared (the same
# matches for the radius query; the same ten for nearest). The server runs with --read-quota 0: a
# benchmark reads more source rows in a minute than the per-user hourly quota allows a person.
#
# usage: tests/bench/proximity.sh [RADMAP_BINARY]        (default build/radmap)
# environment: BENCH_DURATION seconds per run (30), BENCH_CONNECTIONS (8), BENCH_THREADS (2: wrk
#              threads, pgbench -j, and the server's threads), BENCH_FACILITIES (1000000),
#              BENCH_SOURCES (1000000), BENCH_POINTS (200), BENCH_DB (an existing register to use
#              instead of generating one; it is topped up in place), BENCH_KEEP=1 keeps the
#              temporary directory.
# needs: wrk, curl, sqlite3 (CLI) with mod_spatialite, python3, postgresql-15 and postgresql-15-postgis-3.
# Starts a private PostgreSQL cluster in a temporary directory (as user postgres when run as root)
# and stops everything it started on exit.
set -euo pipefail

bin=${1:-build/radmap}
duration=${BENCH_DURATION:-30}
connections=${BENCH_CONNECTIONS:-8}
threads=${BENCH_THREADS:-2}
facilities=${BENCH_FACILITIES:-1000000}
target_sources=${BENCH_SOURCES:-1000000}
npoints=${BENCH_POINTS:-200}
radius=5000
k=10
limit=100
pgbin=/usr/lib/postgresql/15/bin

say() { printf 'proximity.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$bin" ] || { say "no radmap binary at $bin (give its path as the first argument)"; exit 2; }
for tool in wrk curl sqlite3 python3; do
    command -v "$tool" >/dev/null || { say "$tool is not installed"; exit 2; }
done
[ -x "$pgbin/initdb" ] && [ -x "$pgbin/pgbench" ] || { say "PostgreSQL 15 is not installed ($pgbin)"; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/radmap-proxbench.XXXXXX")
chmod 755 "$tmp"
server_pid=
pg_started=
pg_user=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$pg_started" ]; then
        pg_as "$pgbin/pg_ctl" -D "$tmp/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM

# PostgreSQL refuses to run as root: run its programs as postgres then.
pg_as() {
    if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && pg_user=postgres

export RADMAP_TODAY=2026-06-15
ms() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }

# --- the register --------------------------------------------------------------------------------
if [ -n "${BENCH_DB:-}" ]; then
    db=$BENCH_DB
    [ -f "$db" ] || die "BENCH_DB=$db does not exist"
    init_note="existing register $db"
else
    db=$tmp/bench.db
    say "generating $facilities facilities (a few minutes for a million)"
    t0=$(date +%s)
    "$bin" init "$db" --demo --facilities "$facilities" --users-file /dev/null >"$tmp/init.log" 2>&1 ||
        { cat "$tmp/init.log" >&2; die "radmap init failed"; }
    init_note="generated in $(( $(date +%s) - t0 )) s"
fi
have=$(sqlite3 "$db" "SELECT count(*) FROM source")
if [ "$have" -lt "$target_sources" ]; then
    need=$((target_sources - have))
    say "topping up $have sources to $target_sources"
    # Copies k = 1, 2, ... of each source, moved deterministically by up to 0.002 degrees each way.
    sqlite3 "$db" <<EOF >/dev/null
.load mod_spatialite
PRAGMA foreign_keys = ON;
BEGIN;
WITH RECURSIVE copy(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM copy WHERE k < ($target_sources / $have) + 1),
moved AS (
  SELECT s.*, c.k,
         s.lon + (((s.id * 7919 + c.k * 104729) % 2001) - 1000) * 2e-6 AS nlon,
         s.lat + (((s.id * 6271 + c.k * 130363) % 2001) - 1000) * 2e-6 AS nlat
  FROM copy c JOIN source s ORDER BY c.k, s.id LIMIT $need)
INSERT INTO source(facility_id, nuclide, form, serial_no, manufacturer, model, activity_bq, reference_date, status,
                   own_location, lon, lat, record_owner, external_ref, is_demo, geom)
SELECT facility_id, nuclide, form, serial_no || '-' || k, manufacturer, model, activity_bq, reference_date,
       CASE WHEN status IN ('lost', 'stolen') THEN 'in_use' ELSE status END, 1, nlon, nlat, record_owner,
       external_ref, 1, MakePoint(nlon, nlat, 4326)
FROM moved;
COMMIT;
ANALYZE;
EOF
fi
nsources=$(sqlite3 "$db" "SELECT count(*) FROM source")
nindex=$(sqlite3 "$db" "SELECT count(*) FROM idx_source_geom")
[ "$nsources" = "$nindex" ] || die "source count $nsources differs from its spatial index ($nindex)"
db_mib=$(du -m "$db" | cut -f1)

# --- the points: positions of sources spread over the table, moved 300 m north-east --------------------
sqlite3 -separator ' ' "$db" "SELECT printf('%.6f', lon + 0.0027), printf('%.6f', lat + 0.0027) FROM source
  WHERE id IN (SELECT id FROM source ORDER BY (id * 2654435761) % 4294967291 LIMIT $npoints) ORDER BY id" \
    >"$tmp/points.txt"
[ "$(wc -l <"$tmp/points.txt")" = "$npoints" ] || die "could not pick $npoints points"

# --- radmap ----------------------------------------------------------------------------------------
token=$("$bin" user add "$db" "bench$$" --role planner --read-only 2>/dev/null | tail -n 1)
[ -n "$token" ] || die "radmap user add failed"
"$bin" serve --db "$db" --port 0 --bind 127.0.0.1 --threads "$threads" --read-quota 0 2>"$tmp/serve.log" &
server_pid=$!
port=
for _ in $(seq 1 600); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.log")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; die "the server stopped"; }
    sleep 0.1
done
[ -n "$port" ] || die "the server did not start"
base=http://127.0.0.1:$port
auth="Authorization: Bearer $token"

lua_paths() { # $1 = lua file, $2 = printf format of a path from lon lat
    { echo "paths = {"; while read -r lon lat; do printf "  \"$2\",\n" "$lon" "$lat"; done <"$tmp/points.txt"; echo "}"; } >"$1"
}
lua_paths "$tmp/radius_paths.lua" "/proximity?lon=%s&lat=%s&radius=$radius&layers=sources&limit=$limit&summary=false&properties="
lua_paths "$tmp/radiusfull_paths.lua" "/proximity?lon=%s&lat=%s&radius=$radius&layers=sources&limit=$limit"
lua_paths "$tmp/nearest_paths.lua" "/nearest?lon=%s&lat=%s&k=$k&layers=sources&properties="
lua_paths "$tmp/nearestfull_paths.lua" "/nearest?lon=%s&lat=%s&k=$k&layers=sources"
for q in radius radiusfull nearest nearestfull; do
    cat >"$tmp/$q.lua" <<EOF
dofile("$tmp/${q}_paths.lua")
local i = 0
setup = function(thread) thread:set("start", math.random(#paths)) end
init = function(args) i = start or 0 end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Authorization"] = "Bearer $token"})
end
EOF
done

# Warm up (every point once on each route) and keep the answers of the first 20 for the comparison.
say "warming radmap"
n=0
matched=()
nearest_ids=()
while read -r lon lat; do
    body=$(curl -sf -H "$auth" "$base/proximity?lon=$lon&lat=$lat&radius=$radius&layers=sources&limit=$limit") ||
        die "radmap /proximity failed at $lon $lat"
    body2=$(curl -sf -H "$auth" "$base/nearest?lon=$lon&lat=$lat&k=$k&layers=sources") ||
        die "radmap /nearest failed at $lon $lat"
    if [ "$n" -lt 20 ]; then
        matched+=("$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["numberMatched"])')")
        nearest_ids+=("$(printf '%s' "$body2" | python3 -c 'import json,sys; print(",".join(str(f["id"]) for f in json.load(sys.stdin)["features"]))')")
    fi
    n=$((n + 1))
done <"$tmp/points.txt"

to_ms() { # wrk latency (812.00us, 3.21ms, 1.02s) in milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}
declare -A res
run_wrk() { # $1 = name
    say "wrk: $1, $duration s, $connections connections"
    wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 30s --latency -s "$tmp/$1.lua" "$base" >"$tmp/wrk_$1.txt"
    res[radmap_$1_rps]=$(awk '/^Requests\/sec:/ { printf "%.1f", $2 }' "$tmp/wrk_$1.txt")
    res[radmap_$1_p50]=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk_$1.txt")")
    res[radmap_$1_p99]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk_$1.txt")")
    local bad
    bad=$(awk '/Non-2xx or 3xx responses:/ { print $5 } /Socket errors:/ { s = 0; for (i = 3; i <= NF; i += 2) s += $(i + 1); print s }' "$tmp/wrk_$1.txt" | awk '{ s += $1 } END { print s + 0 }')
    [ "$bad" = 0 ] || { cat "$tmp/wrk_$1.txt" >&2; die "radmap: $bad failed requests in the $1 run"; }
}
run_wrk radius
run_wrk radiusfull
run_wrk nearest
run_wrk nearestfull
rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=

# --- PostGIS ---------------------------------------------------------------------------------------
say "loading the sources into PostGIS"
mkdir -p "$tmp/pg"
sqlite3 -csv "$db" "SELECT id, lon, lat FROM source" >"$tmp/pg/src.csv"
awk '{ printf "%d,%s,%s\n", NR, $1, $2 }' "$tmp/points.txt" >"$tmp/pg/points.csv"
[ -n "$pg_user" ] && chown -R "$pg_user" "$tmp/pg"
pgport=$((20000 + $$ % 20000))
pg_as "$pgbin/initdb" -D "$tmp/pg/data" -U postgres -A trust --no-sync >"$tmp/initdb.log" 2>&1 ||
    { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
pg_as "$pgbin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w start \
    -o "-p $pgport -k $tmp/pg -c listen_addresses='' -c shared_buffers=1GB -c effective_cache_size=4GB -c jit=off -c fsync=off -c synchronous_commit=off -c max_connections=200" \
    >/dev/null || { cat "$tmp/pg/server.log" >&2; die "PostgreSQL did not start"; }
pg_started=1
psql_q() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$tmp/pg" -p "$pgport" -U postgres -d postgres "$@"; }
psql_q <<EOF
CREATE EXTENSION postgis;
CREATE TABLE src_load (id bigint, lon double precision, lat double precision);
\copy src_load FROM '$tmp/pg/src.csv' WITH (FORMAT csv)
CREATE TABLE src (id bigint PRIMARY KEY, geog geography(Point, 4326) NOT NULL);
INSERT INTO src SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography FROM src_load;
DROP TABLE src_load;
CREATE INDEX src_geog ON src USING gist (geog);
CREATE TABLE bench_pt (i int PRIMARY KEY, lon double precision, lat double precision, g geography(Point, 4326));
\copy bench_pt (i, lon, lat) FROM '$tmp/pg/points.csv' WITH (FORMAT csv)
UPDATE bench_pt SET g = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography;
VACUUM ANALYZE;
EOF
pg_version=$(psql_q -At -c "SELECT split_part(version(), ' ', 2) || ' / PostGIS ' || postgis_lib_version()")

cat >"$tmp/pg/radius.sql" <<EOF
\set i random(1, $npoints)
SELECT s.id, ST_Distance(s.geog, p.g) AS d FROM bench_pt p, src s
 WHERE p.i = :i AND ST_DWithin(s.geog, p.g, $radius) ORDER BY d LIMIT $limit;
EOF
cat >"$tmp/pg/nearest.sql" <<EOF
\set i random(1, $npoints)
SELECT s.id, ST_Distance(s.geog, p.g) AS d FROM bench_pt p CROSS JOIN LATERAL
 (SELECT id, geog FROM src ORDER BY geog <-> p.g LIMIT $k) s WHERE p.i = :i ORDER BY d;
EOF
[ -n "$pg_user" ] && chown -R "$pg_user" "$tmp/pg"

# Both plans use the GiST index (a sequential scan would be a misconfigured comparison).
plan=$(psql_q -At -c "EXPLAIN SELECT s.id, ST_Distance(s.geog, p.g) AS d FROM bench_pt p, src s WHERE p.i = 1 AND ST_DWithin(s.geog, p.g, $radius) ORDER BY d LIMIT $limit")
case $plan in *src_geog*) ;; *) printf '%s\n' "$plan" >&2; die "PostGIS does not use the GiST index for the radius query" ;; esac
plan=$(psql_q -At -c "EXPLAIN SELECT s.id FROM bench_pt p CROSS JOIN LATERAL (SELECT id, geog FROM src ORDER BY geog <-> p.g LIMIT $k) s WHERE p.i = 1")
case $plan in *src_geog*) ;; *) printf '%s\n' "$plan" >&2; die "PostGIS does not use the GiST index for <->" ;; esac

# Compare the answers of the first 20 points, and warm PostGIS with every point.
say "comparing answers and warming PostGIS"
agree_radius=0
agree_nearest=0
for i in $(seq 1 "$npoints"); do
    cnt=$(psql_q -At -c "SELECT count(*) FROM bench_pt p, src s WHERE p.i = $i AND ST_DWithin(s.geog, p.g, $radius)")
    # <-> orders geography by sphere distance: re-rank 100 of them on the spheroid before comparing
    ids=$(psql_q -At -c "SELECT string_agg(id::text, ',' ORDER BY d, id) FROM (SELECT id, d FROM (SELECT s.id, ST_Distance(s.geog, p.g, true) d FROM bench_pt p CROSS JOIN LATERAL (SELECT id, geog FROM src ORDER BY geog <-> p.g LIMIT 100) s WHERE p.i = $i) y ORDER BY d, id LIMIT $k) x")
    if [ "$i" -le 20 ]; then
        [ "$cnt" = "${matched[$((i - 1))]}" ] && agree_radius=$((agree_radius + 1)) ||
            say "point $i: radius matches differ: radmap ${matched[$((i - 1))]}, PostGIS $cnt"
        [ "$ids" = "${nearest_ids[$((i - 1))]}" ] && agree_nearest=$((agree_nearest + 1)) ||
            say "point $i: nearest differ: radmap ${nearest_ids[$((i - 1))]}, PostGIS $ids"
    fi
done

pct() { # $1 = pgbench log prefix: p50 p99 in ms from the per-transaction log (latency in us, column 3)
    cat "$1".* | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END {
        i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
        printf "%.2f %.2f\n", v[i50] / 1000, v[i99] / 1000 }'
}
run_pgbench() { # $1 = name
    say "pgbench: $1, $duration s, $connections clients"
    rm -f "$tmp/pg/log_$1".*
    (cd "$tmp/pg" && pg_as "$pgbin/pgbench" -n -M prepared -h "$tmp/pg" -p "$pgport" -U postgres -c "$connections" \
        -j "$threads" -T "$duration" -l --log-prefix="log_$1" -f "$1.sql" postgres) >"$tmp/pgbench_$1.txt" 2>&1 ||
        { cat "$tmp/pgbench_$1.txt" >&2; die "pgbench $1 failed"; }
    res[pg_$1_rps]=$(awk '/^tps = / { printf "%.1f", $3; exit }' "$tmp/pgbench_$1.txt")
    read -r a b < <(pct "$tmp/pg/log_$1")
    res[pg_$1_p50]=$a
    res[pg_$1_p99]=$b
    local failed
    failed=$(awk '/number of failed transactions:/ { print $5 }' "$tmp/pgbench_$1.txt")
    [ "${failed:-0}" = 0 ] || die "pgbench $1: $failed failed transactions"
}
run_pgbench radius
run_pgbench nearest
for m in rps p50 p99; do
    res[pg_radiusfull_$m]=${res[pg_radius_$m]}
    res[pg_nearestfull_$m]=${res[pg_nearest_$m]}
done

# --- the table -------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
printf '\nradmap proximity bench: %s sources (%s; %s MiB), %s points, %s s per run, %s connections, %s threads\n' \
    "$nsources" "$init_note" "$db_mib" "$npoints" "$duration" "$connections" "$threads"
printf 'PostGIS side: PostgreSQL %s, geography GiST index; same sources, same points\n' "$pg_version"
printf 'answers compared on 20 points: radius match counts agree %s/20, nearest 10 ids agree %s/20\n\n' \
    "$agree_radius" "$agree_nearest"
printf '%-44s %12s %12s %10s\n' "query" "radmap" "PostGIS" "radmap/PG"
printf '%-44s %12s %12s %10s\n' "--------------------------------------------" "------------" "------------" "----------"
for q in radius radiusfull nearest nearestfull; do
    case $q in
        radius) label="radius 5 km (ids, distances)" ;;
        radiusfull) label="radius 5 km (full answer)" ;;
        nearest) label="nearest k=10 (ids, distances)" ;;
        *) label="nearest k=10 (full answer)" ;;
    esac
    printf '%-44s %12s %12s %10s\n' "$label: requests/s" "${res[radmap_${q}_rps]}" "${res[pg_${q}_rps]}" \
        "$(ratio "${res[radmap_${q}_rps]}" "${res[pg_${q}_rps]}")"
    printf '%-44s %12s %12s %10s\n' "$label: p50 ms" "${res[radmap_${q}_p50]}" "${res[pg_${q}_p50]}" \
        "$(ratio "${res[pg_${q}_p50]}" "${res[radmap_${q}_p50]}")"
    printf '%-44s %12s %12s %10s\n' "$label: p99 ms" "${res[radmap_${q}_p99]}" "${res[pg_${q}_p99]}" \
        "$(ratio "${res[pg_${q}_p99]}" "${res[radmap_${q}_p99]}")"
done
printf '\n(latency ratios are PostGIS / radmap: above 1 means radmap is faster; radmap peak RSS %s MiB)\n' \
    "$(awk -v k="$rss_kib" 'BEGIN { printf "%.0f", k / 1024 }')"
