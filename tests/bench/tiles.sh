#!/usr/bin/env bash
# Vector tile throughput of radmap against its peers, on demo registers of 100 000 and 1 000 000
# facilities spread over Vietnam, over one fixed list of facilities tiles at zooms 6-15 around 25
# cities (made here from the cities' centres: the centre tile at each zoom and, from zoom 11, its
# four edge neighbours; put in a fixed pseudo-random order, so that the part of the list a slow system
# gets through in a measurement is a fair sample of all of it). Tiles without data are dropped, so
# every system answers the same non-empty tiles.
#
# Measured at the same concurrency (BENCH_CONNECTIONS connections, wrk or pgbench), all clients
# walking the list in the same order from its start:
#   radmap uncached    `radmap serve --tile-cache-mb 0`: every request encodes its tile (gzip, as map
#                      libraries ask, and again without compression)
#   PostGIS            the same tiles from PostgreSQL + PostGIS with the same data (the attributes,
#                      categories included, precomputed at load), timed with pgbench in prepared
#                      mode: from zoom 12 the ST_AsMVT(ST_AsMVTGeom(...)) query martin sends for a
#                      table in EPSG:4326; below, and from zoom 12 on in a tile whose tile proper holds
#                      more than BENCH_CLUSTER_MAX_POINTS facilities (counted per request, as radmap
#                      does; radmap is started with the same --cluster-max-points), PostGIS computing
#                      radmap's grid clusters (cells of 512 tile units of the tile proper: count,
#                      smallest category, mean position; a cell of one point shows the point with its
#                      attributes)
#   radmap cached      `radmap serve --tile-cache-mb 64`, warmed with one pass over the cached list
#                      (the tiles of the list, in order, whose raw and gzip bytes fit in half the
#                      cache, none larger than a cache shard's share)
#   nginx              the same bytes radmap sent (raw and gzip) as static files, same cached list
# radmap is asked with a read-only inspector's token (the staff view, categories included).
# Prints one table (tiles/s, p50 and p99 latency, answers other than 2xx, the ratios, radmap's peak
# RSS and its anonymous part, i.e. without the database pages SQLite maps), then per zoom the
# latency of an unloaded uncached pass over the whole list and the slowest tile. A tile the server
# refuses in that pass (503: more features than a tile may hold, or past the query time budget) is
# left out of the list and counted.
#
# PostgreSQL runs as a private cluster in a temporary directory on a unix socket (as the postgres
# user when started as root); nginx on a free loopback port. Every process started here is stopped
# on exit. PostGIS is timed without HTTP and gzip (pgbench speaks the database protocol): that
# favours it, hence the uncompressed radmap row beside it. The PostGIS tiles carry the facility
# attributes of issue 3, precomputed; radmap's carry whatever its tile attribute list holds now,
# computed per feature (the notes say how many).
#
# usage: tests/bench/tiles.sh [RADMAP_BINARY]        (default build/radmap)
# environment: BENCH_SIZES ("100000 1000000"), BENCH_DURATION seconds of each cached and nginx run
#              (8), BENCH_UNCACHED_DURATION seconds of each uncached run, radmap's two and PostGIS
#              (15), BENCH_WARMUP seconds (2), BENCH_CONNECTIONS (8), BENCH_WRK_THREADS (2),
#              BENCH_SERVER_THREADS (number of cores), BENCH_CLUSTER_MAX_POINTS (4096; radmap's
#              --cluster-max-points, 0 for never, and the same rule for PostGIS), BENCH_DB_DIR (keep generated registers there
#              and reuse them on the next run; default: generate them in the temporary directory),
#              BENCH_PG=0 / BENCH_NGINX=0 to leave a peer out
set -euo pipefail

bin=${1:-build/radmap}
sizes=${BENCH_SIZES:-100000 1000000}
duration=${BENCH_DURATION:-8}
uncached_duration=${BENCH_UNCACHED_DURATION:-15}
warmup=${BENCH_WARMUP:-2}
connections=${BENCH_CONNECTIONS:-8}
wrk_threads=${BENCH_WRK_THREADS:-2}
server_threads=${BENCH_SERVER_THREADS:-$(nproc)}
db_dir=${BENCH_DB_DIR:-}
with_pg=${BENCH_PG:-1}
with_nginx=${BENCH_NGINX:-1}
cluster_max_points=${BENCH_CLUSTER_MAX_POINTS:-4096}
pg_max_points=$cluster_max_points
[ "$cluster_max_points" = 0 ] && pg_max_points=2147483647
cache_mb=64
today=2026-06-15
seed=20250701

die() { echo "tiles.sh: $*" >&2; exit 1; }
[ -x "$bin" ] || { echo "tiles.sh: no radmap binary at $bin (give its path as the first argument)" >&2; exit 2; }
for tool in wrk curl sqlite3 awk python3; do
    command -v "$tool" >/dev/null || { echo "tiles.sh: $tool is not installed (scripts/install-deps.sh --bench)" >&2; exit 2; }
done
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ "$with_pg" = 1 ] && { [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ] || ! command -v pgbench >/dev/null; }; then
    echo "tiles.sh: PostgreSQL is not installed (scripts/install-deps.sh --bench); BENCH_PG=0 leaves it out" >&2
    exit 2
fi
if [ "$with_nginx" = 1 ] && ! command -v nginx >/dev/null; then
    echo "tiles.sh: nginx is not installed (scripts/install-deps.sh --bench); BENCH_NGINX=0 leaves it out" >&2
    exit 2
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tilebench.XXXXXX")
server_pid= nginx_pid= pg_data=
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}
stop_nginx() {
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    nginx_pid=
}
cleanup() {
    stop_server
    stop_nginx
    if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
        as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export RADMAP_TODAY=$today
export PGOPTIONS="-c client_min_messages=warning"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
to_ms() { # wrk latency (e.g. 812.00us, 3.21ms, 1.02s) in milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}
percentile() { # $1: fraction, $2: file of sorted numbers
    awk -v q="$1" '{ v[NR] = $1 } END { k = int(NR * q); if (k < 1) k = 1; printf "%.2f", v[k] }' "$2"
}
rss_mib() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
anon_mib() { awk '/^RssAnon:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# --- the tile list ------------------------------------------------------------------------------------
cities="105.852 21.029  106.700 10.776  108.221 16.068  106.683 20.845  105.784 10.034
107.585 16.463  109.196 12.239  106.824 10.945  105.692 18.679  108.038 12.667
109.219 13.776  105.844 21.594  106.168 20.420  107.084 10.346  105.435 10.386
108.442 11.940  107.084 20.951  105.776 19.807  106.076 21.186  105.081 10.012
105.152 9.177   106.360 10.360  108.000 13.983  108.100 10.928  106.652 10.980"
echo "$cities" | awk '{ for (i = 1; i < NF; i += 2) print $i, $(i + 1) }' | awk '
    function floor(v) { return v < 0 && v != int(v) ? int(v) - 1 : int(v) }
    BEGIN { srand(20250701) }
    {
        lon = $1; lat = $2; pi = atan2(0, -1); r = lat * pi / 180
        for (z = 6; z <= 15; z++) {
            n = 2 ^ z
            x = floor((lon + 180) / 360 * n)
            y = floor((1 - log(sin(r) / cos(r) + 1 / cos(r)) / pi) / 2 * n)
            d = z >= 11 ? 1 : 0
            for (dx = -d; dx <= d; dx++) for (dy = -d; dy <= d; dy++) {
                if (dx != 0 && dy != 0) continue
                key = z "/" (x + dx) "/" (y + dy)
                if (!(key in seen)) { seen[key] = 1; printf "%.9f %s\n", rand(), key }
            }
        }
    }' | sort -k1,1 | awk '{ print $2 }' >"$tmp/all-tiles.txt"

# --- PostgreSQL: one private cluster for every size -----------------------------------------------------
psql_q() { psql -h "$tmp/pg" -U postgres -d bench -v ON_ERROR_STOP=1 -qAtX "$@"; }
if [ "$with_pg" = 1 ]; then
    chmod 711 "$tmp"
    mkdir -p "$tmp/pg"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$tmp/pg"
    pg_data=$tmp/pg/data
    (
        cd "$tmp/pg"
        as_pg "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --no-sync >"$tmp/initdb.log" 2>&1 ||
            { cat "$tmp/initdb.log" >&2; exit 1; }
        as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$tmp/pg/server.log" -w start -o "-c listen_addresses='' \
            -c unix_socket_directories='$tmp/pg' -c max_connections=50 -c shared_buffers=1GB -c work_mem=64MB \
            -c maintenance_work_mem=512MB -c effective_cache_size=8GB -c jit=off -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off" >/dev/null ||
            { cat "$tmp/pg/server.log" >&2; exit 1; }
    ) || die "PostgreSQL did not start"
    psql -h "$tmp/pg" -U postgres -d postgres -qAtX -c "CREATE DATABASE bench" >/dev/null
    psql_q -c "CREATE EXTENSION postgis" -c "CREATE SEQUENCE bench_seq" >/dev/null
fi

# --- nginx ------------------------------------------------------------------------------------------------
start_nginx() { # $1: document root
    nginx_port=$(free_port)
    mkdir -p "$tmp/nginx"
    cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes $server_threads;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
$([ "$(id -u)" = 0 ] && echo "user root root;")
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    open_file_cache max=20000 inactive=60s;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    types { application/vnd.mapbox-vector-tile mvt; }
    server {
        listen 127.0.0.1:$nginx_port;
        root $1;
        gzip_static on;
        add_header Access-Control-Allow-Origin *;
        add_header Cache-Control no-cache;
    }
}
EOF
    nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' 2>"$tmp/nginx/stderr.log" &
    nginx_pid=$!
    for _ in $(seq 1 100); do
        case $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/" 2>/dev/null || true) in
        [1-5]*) return 0 ;;
        esac
        kill -0 "$nginx_pid" 2>/dev/null || { cat "$tmp/nginx/stderr.log" >&2; die "nginx did not start"; }
        sleep 0.05
    done
    die "nginx did not answer"
}

# --- radmap -------------------------------------------------------------------------------------------------
start_server() { # $1: db, then serve options
    local db=$1
    shift
    # no access log, as nginx runs with access_log off
    "$bin" serve --db "$db" --port 0 --bind 127.0.0.1 --threads "$server_threads" --access-log off \
        --cluster-max-points "$cluster_max_points" "$@" 2>"$tmp/serve.log" &
    server_pid=$!
    local port=
    for _ in $(seq 1 600); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.log")
        [ -n "$port" ] && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; die "radmap serve exited"; }
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$tmp/serve.log" >&2; die "the server did not start"; }
    base=http://127.0.0.1:$port
}
# Until the server's facility attributes are built (in the background after start: tiles meanwhile
# read them from the database, which is not what is measured), as the X-Tile-Attributes header says.
wait_attributes() {
    local t h
    t=$(awk -F/ '$1 < 12 { print; exit }' "$tmp/all-tiles.txt")
    for _ in $(seq 1 3600); do
        # a clustered tile: answered at once from the positions
        h=$(curl -s -o /dev/null -D - -H "$auth" "$base/tiles/facilities/$t.mvt" || true)
        case $h in
        *" 200"* | *" 204"*) case $h in *[Xx]-[Tt]ile-[Aa]ttributes:*building*) ;; *) return 0 ;; esac ;;
        esac
        sleep 1
    done
    die "the facility attributes were not built within an hour"
}
metric() { curl -s "$base/metrics" | awk -v m="$1" '$1 == m { printf "%.0f", $2 }'; }
# a curl config asking base for every tile of list file $2, bodies to $3 (or nowhere)
curl_cfg() {
    awk -v base="$1" -v dir="${3:-}" '{
        printf "url = \"%s%s\"\n", base, $1
        if (dir != "") { p = $1; sub(/\.mvt$/, ".body", p); printf "output = \"%s%s\"\n", dir, p }
        else printf "output = \"/dev/null\"\n" }' "$2"
}

# wrk at concurrency over the paths of list file $2 against base URL $1 for $3 seconds, with
# Accept-Encoding $4; thread k of n asks for tiles k, k + n, ... from the start of the list, looping.
# Echoes "tiles/s p50 p99 errors requests".
run_wrk() {
    {
        echo "paths = {"
        awk '{ printf "  \"%s\",\n", $1 }' "$2"
        echo "}"
    } >"$tmp/paths.lua"
    cat >"$tmp/tiles.lua" <<EOF
dofile("$tmp/paths.lua")
wrk.headers["Accept-Encoding"] = "$4"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
local nt = $wrk_threads
local next_id = 0
setup = function(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
init = function(args) i = id or 0 end
request = function()
  local k = i % #paths
  i = i + nt
  return wrk.format("GET", paths[k + 1])
end
EOF
    wrk -t"$wrk_threads" -c"$connections" -d"${3}s" --timeout 60s --latency -s "$tmp/tiles.lua" "$1" >"$tmp/wrk.txt"
    local rps p50 p99 bad count
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk.txt")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.txt")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.txt")")
    bad=$(awk '/Non-2xx or 3xx responses:/ { n += $5 } /Socket errors:/ { for (i = 3; i <= NF; i += 2) n += $(i + 1) }
               END { print n + 0 }' "$tmp/wrk.txt")
    count=$(awk '/requests in/ { print $1 }' "$tmp/wrk.txt")
    echo "$rps $p50 $p99 $bad $count"
}

results=$tmp/results.txt notes=$tmp/notes.txt perzoom=$tmp/perzoom.txt
: >"$results"
: >"$notes"
: >"$perzoom"

for n in $sizes; do
    echo "tiles.sh: $n facilities" >&2
    # --- the register ---
    if [ -n "$db_dir" ]; then
        mkdir -p "$db_dir"
        db=$db_dir/radmap-bench-$n-$seed.db
    else
        db=$tmp/bench-$n.db
    fi
    init_s=reused
    if [ ! -f "$db" ]; then
        t0=$(date +%s.%N)
        "$bin" init "$db.part" --demo --facilities "$n" --seed "$seed" >"$tmp/init.log" 2>&1 ||
            { rm -f "$db.part"*; cat "$tmp/init.log" >&2; die "radmap init failed"; }
        mv "$db.part" "$db"
        init_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f s", b - a }')
    fi
    token=$("$bin" user add "$db" tilebench --role inspector --read-only 2>/dev/null | tail -1) ||
        token=$("$bin" user token "$db" tilebench --read-only | tail -1)
    [ -n "$token" ] || die "no token for the bench user"
    auth="Authorization: Bearer $token"
    export BENCH_AUTH="Bearer $token"

    # --- radmap without cache: the first tile (builds the point snapshot), then an unloaded pass
    #     over the whole list (gzip; as many requests at a time as the server has threads) that
    #     finds the tiles with data and keeps their bytes for nginx ---
    start_server "$db" --tile-cache-mb 0
    static=$tmp/static-$n
    t0=$(date +%s.%N)
    curl -sf -o /dev/null -H "$auth" "$base/tiles/facilities/$(awk -F/ '$1 < 12 { print; exit }' "$tmp/all-tiles.txt").mvt" || true
    first_ms=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
    wait_attributes
    attrs_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
    sed 's|^|/tiles/facilities/|; s|$|.mvt|' "$tmp/all-tiles.txt" >"$tmp/all-paths.txt"
    nattrs=$(curl -s -H "$auth" "$base/tiles/facilities.json" | python3 -c 'import json, sys
f = json.load(sys.stdin)["vector_layers"][0]["fields"]
print(len([k for k in f if k not in ("cluster", "point_count")]))')
    curl_cfg "$base" "$tmp/all-paths.txt" "$static" >"$tmp/curl.cfg"
    curl -s --no-progress-meter --create-dirs --parallel --parallel-max "$server_threads" -H "$auth" -H "Accept-Encoding: gzip" \
        -K "$tmp/curl.cfg" -w '%{http_code} %{time_total} %{size_download} %header{content-encoding} %{url_effective}\n' \
        >"$tmp/pass.txt"
    : >"$tmp/data.txt"
    : >"$tmp/refused.txt"
    while read -r code secs bytes ce url; do
        [ -n "${url:-}" ] || { url=$ce; ce=; }
        path=${url#"$base"}
        f=$static${path%.mvt}.body
        case $code in
        200)
            if [ "$ce" = gzip ]; then
                mv "$f" "$static$path.gz"
                gzip -dc "$static$path.gz" >"$static$path"
            else
                mv "$f" "$static$path"
            fi
            raw=$(stat -c %s "$static$path")
            echo "$path $secs $raw $bytes" >>"$tmp/data.txt" ;;
        204) rm -f "$f" ;;
        503) rm -f "$f"; echo "$path" >>"$tmp/refused.txt" ;; # too large or too slow for the server's budget
        *) die "$path answered $code" ;;
        esac
    done <"$tmp/pass.txt"
    # back into list order (the pass finished in its own order)
    awk 'NR == FNR { t[$1] = $0; next } ($1 in t) { print t[$1] }' "$tmp/data.txt" "$tmp/all-paths.txt" >"$tmp/tiles.txt"
    ntiles=$(wc -l <"$tmp/tiles.txt")
    [ "$ntiles" -gt 100 ] || die "only $ntiles tiles with data: the list misses the register"
    awk '{ print $1 }' "$tmp/tiles.txt" >"$tmp/list.txt"
    slowest=$(sort -k2 -g "$tmp/tiles.txt" | tail -1 | awk '{ printf "%s %.0f ms (%.1f MiB)", $1, $2 * 1000, $3 / 1048576 }')
    biggest=$(sort -k3 -n "$tmp/tiles.txt" | tail -1 | awk '{ printf "%s %.1f MiB", $1, $3 / 1048576 }')
    awk '{ split($1, p, "/"); print p[4], $2 * 1000, $3 }' "$tmp/tiles.txt" | sort -k1,1n -k2,2g | awk -v n="$n" '
        { z = $1; c[z]++; v[z, c[z]] = $2; b[z] += $3 }
        END { for (z = 6; z <= 15; z++) if (c[z]) {
            k = int(c[z] * 0.9); if (k < 1) k = 1
            printf "%8s  z%-2d %4d tiles  median %8.1f ms  p90 %8.1f ms  max %8.1f ms  mean size %7.1f KiB\n", n, z, c[z],
                v[z, int((c[z] + 1) / 2)], v[z, k], v[z, c[z]], b[z] / c[z] / 1024 } }' \
        >>"$perzoom"

    # --- radmap uncached under load, gzip and identity, walking the list from its start ---
    run_wrk "$base" "$tmp/list.txt" "$warmup" gzip >/dev/null
    read -r u_rps u_p50 u_p99 u_bad u_n < <(run_wrk "$base" "$tmp/list.txt" "$uncached_duration" gzip)
    read -r i_rps i_p50 i_p99 i_bad i_n < <(run_wrk "$base" "$tmp/list.txt" "$uncached_duration" identity)
    u_rss=$(rss_mib "$server_pid")
    u_anon=$(anon_mib "$server_pid")
    stop_server

    # --- the cached list: in list order, raw + gzip within half the cache, each within a shard's share ---
    awk -v cap=$((cache_mb * 1048576 / 2)) -v shard=$((cache_mb * 1048576 / 16)) '
        { s = $3 + $4 } s < shard && total + s <= cap { total += s; print $1 }' "$tmp/tiles.txt" >"$tmp/cached.txt"
    ncached=$(wc -l <"$tmp/cached.txt")

    # --- radmap cached ---
    start_server "$db" --tile-cache-mb "$cache_mb"
    wait_attributes
    curl_cfg "$base" "$tmp/cached.txt" >"$tmp/curl-warm.cfg"
    curl -s -H "$auth" -H "Accept-Encoding: gzip" -K "$tmp/curl-warm.cfg" || true
    run_wrk "$base" "$tmp/cached.txt" "$warmup" gzip >/dev/null
    hits0=$(metric radmap_tile_cache_hits_total)
    misses0=$(metric radmap_tile_cache_misses_total)
    read -r c_rps c_p50 c_p99 c_bad c_n < <(run_wrk "$base" "$tmp/cached.txt" "$duration" gzip)
    c_hits=$(($(metric radmap_tile_cache_hits_total) - hits0))
    c_misses=$(($(metric radmap_tile_cache_misses_total) - misses0))
    c_evictions=$(metric radmap_tile_cache_evictions_total)
    cache_mib=$(curl -s "$base/metrics" | awk '$1 == "radmap_tile_cache_bytes" { printf "%.1f", $2 / 1048576 }')
    c_rss=$(rss_mib "$server_pid")
    c_anon=$(anon_mib "$server_pid")
    stop_server

    # --- PostGIS ---
    g_rps=- g_p50=- g_p99=- g_n=- pg_load=-
    if [ "$with_pg" = 1 ]; then
        t0=$(date +%s.%N)
        # the facilities with the attributes radmap's tiles carry, computed as radmap does for the day
        sqlite3 -readonly -bail -csv "$db" >"$tmp/facilities.csv" <<SQL
WITH held AS (
  SELECT s.facility_id AS fid, s.form,
         CASE WHEN n.d_value_tbq > 0 THEN s.activity_bq * pow(2.0, -(julianday('$today') - julianday(s.reference_date))
              * 86400.0 / n.half_life_s) / (n.d_value_tbq * 1e12) END AS aod
  FROM source s JOIN nuclide n ON n.nuclide = s.nuclide
  WHERE s.status IN ('in_use','stored','disused','found')
), agg AS (
  SELECT fid, count(*) AS source_count,
         min(CASE WHEN aod >= 1000 THEN 1 WHEN aod >= 10 THEN 2 WHEN aod >= 1 THEN 3 WHEN aod >= 0.01 THEN 4
                  WHEN aod >= 0 THEN 5 END) AS max_category,
         sum(CASE WHEN form = 'sealed' THEN aod END) AS aggregate_aod
  FROM held GROUP BY fid
), dev AS (
  SELECT facility_id AS fid, count(*) AS device_count FROM device WHERE status IN ('in_use','stored','disused')
  GROUP BY facility_id
)
SELECT f.id, f.lon, f.lat, f.code, f.name, f.practice, f.status, a.max_category,
       CASE WHEN a.aggregate_aod >= 1000 THEN 1 WHEN a.aggregate_aod >= 10 THEN 2 WHEN a.aggregate_aod >= 1 THEN 3
            WHEN a.aggregate_aod >= 0.01 THEN 4 WHEN a.aggregate_aod >= 0 THEN 5 END,
       coalesce(a.source_count, 0), coalesce(d.device_count, 0)
FROM facility f LEFT JOIN agg a ON a.fid = f.id LEFT JOIN dev d ON d.fid = f.id ORDER BY f.id;
SQL
        awk '{ split($1, p, "/"); sub(/\.mvt$/, "", p[6]); printf "%d,%s,%s,%s\n", NR, p[4], p[5], p[6] }' \
            "$tmp/list.txt" >"$tmp/tiles.csv"
        psql_q >/dev/null <<SQL
DROP TABLE IF EXISTS facility_load, facility, bench_tile;
CREATE UNLOGGED TABLE facility_load (id int, lon float8, lat float8, code text, name text, practice text,
  status text, max_category int, aggregate_category int, source_count int, device_count int);
\\copy facility_load FROM '$tmp/facilities.csv' CSV
CREATE TABLE facility AS
  SELECT id, code, name, practice, status, max_category, aggregate_category, source_count, device_count,
         ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geometry(Point, 4326) AS geom
  FROM facility_load ORDER BY id;
DROP TABLE facility_load;
ALTER TABLE facility ADD PRIMARY KEY (id);
CREATE INDEX facility_geom ON facility USING gist (geom);
VACUUM ANALYZE facility;
CREATE TABLE bench_tile (i int PRIMARY KEY, z int, x int, y int);
\\copy bench_tile FROM '$tmp/tiles.csv' CSV
ANALYZE bench_tile;
SQL
        pg_load=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f s", b - a }')
        loaded=$(psql_q -c "SELECT count(*) FROM facility")
        [ "$loaded" = "$n" ] || die "PostgreSQL holds $loaded facilities, not $n"
        # One transaction: the next tile of the list (a shared sequence deals them out in list order,
        # as wrk walks it), then the query martin prepares for it, or the grid clusters below zoom 12 and in
        # dense tiles.
        cat >"$tmp/pgbench.sql" <<EOF
SELECT z, x, y FROM bench_tile WHERE i = (SELECT (nextval('bench_seq') - 1) % $ntiles + 1) \\gset
\\if :z < 12
\\set dense 1
\\else
SELECT (count(*) > $pg_max_points)::int AS dense FROM facility
  WHERE geom && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) \\gset
\\endif
\\if :dense
WITH env AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e),
pts AS (
  SELECT f.id, f.max_category,
         (ST_X(p) - ST_XMin(env.e)) * (4096.0 / (ST_XMax(env.e) - ST_XMin(env.e))) AS tx,
         (ST_YMax(env.e) - ST_Y(p)) * (4096.0 / (ST_YMax(env.e) - ST_YMin(env.e))) AS ty
  FROM env, facility f, LATERAL ST_Transform(f.geom, 3857) AS p
  WHERE f.geom && ST_Transform(env.e, 4326)
),
cells AS (
  SELECT count(*) AS n, min(max_category) AS cat, avg(tx) AS mx, avg(ty) AS my, min(id) AS id
  FROM pts WHERE tx >= 0 AND tx < 4096 AND ty >= 0 AND ty < 4096
  GROUP BY floor(tx / 512), floor(ty / 512)
)
SELECT ST_AsMVT(t, 'facilities', 4096, 'geom', 'fid') FROM (
  SELECT ST_Point(round(c.mx), round(c.my)) AS geom,
         CASE WHEN c.n = 1 THEN c.id END AS fid,
         CASE WHEN c.n > 1 THEN true END AS cluster,
         CASE WHEN c.n > 1 THEN c.n END AS point_count,
         c.cat AS max_category, f.code, f.name, f.practice, f.status, f.aggregate_category, f.source_count,
         f.device_count
  FROM cells c LEFT JOIN facility f ON c.n = 1 AND f.id = c.id
) AS t;
\\else
SELECT ST_AsMVT(tile, 'facilities', 4096, 'geom', 'id') FROM (
  SELECT ST_AsMVTGeom(ST_Transform(ST_CurveToLine(geom), 3857), ST_TileEnvelope(:z, :x, :y), 4096, 64, true) AS geom,
         id, code, name, practice, status, max_category, aggregate_category, source_count, device_count
  FROM facility
  WHERE geom && ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => (64.0 / 4096)), 4326)
) AS tile;
\\endif
EOF
        pg_run() { # $1 seconds, then pgbench options; the list from its start
            local secs=$1
            shift
            psql_q -c "ALTER SEQUENCE bench_seq RESTART" >/dev/null
            pgbench -h "$tmp/pg" -U postgres -n -M prepared -c "$connections" -j "$wrk_threads" -T "$secs" \
                -f "$tmp/pgbench.sql" "$@" bench
        }
        pg_run "$warmup" >"$tmp/pgbench-warm.txt" 2>&1 || { cat "$tmp/pgbench-warm.txt" >&2; die "pgbench failed"; }
        rm -f "$tmp"/pgblog*
        pg_run "$uncached_duration" -l --log-prefix="$tmp/pgblog" >"$tmp/pgbench.txt" 2>&1 ||
            { cat "$tmp/pgbench.txt" >&2; die "pgbench failed"; }
        g_rps=$(awk '/^tps = / { printf "%.0f", $3 }' "$tmp/pgbench.txt")
        g_n=$(awk '/number of transactions actually processed:/ { print $6 }' "$tmp/pgbench.txt")
        failed=$(awk '/number of failed transactions:/ { print $5 }' "$tmp/pgbench.txt")
        [ "${failed:-0}" = 0 ] || die "pgbench: $failed failed transactions"
        cat "$tmp"/pgblog* | awk '{ print $3 / 1000 }' | sort -g >"$tmp/pglat.txt"
        g_p50=$(percentile 0.50 "$tmp/pglat.txt")
        g_p99=$(percentile 0.99 "$tmp/pglat.txt")
    fi

    # --- nginx: the bytes radmap sent, the cached list ---
    x_rps=- x_p50=- x_p99=- x_bad=0
    if [ "$with_nginx" = 1 ]; then
        chmod -R a+rX "$static"
        start_nginx "$static"
        run_wrk "http://127.0.0.1:$nginx_port" "$tmp/cached.txt" "$warmup" gzip >/dev/null
        read -r x_rps x_p50 x_p99 x_bad _ < <(run_wrk "http://127.0.0.1:$nginx_port" "$tmp/cached.txt" "$duration" gzip)
        stop_nginx
    fi
    rm -rf "$static"

    echo "$n $u_rps $u_p50 $u_p99 $u_rss $u_anon $u_bad $i_rps $i_p50 $i_p99 $i_bad $g_rps $g_p50 $g_p99" \
        "$c_rps $c_p50 $c_p99 $c_rss $c_anon $c_bad $x_rps $x_p50 $x_p99 $x_bad" >>"$results"
    {
        echo "$n facilities: $ntiles tiles with data (of $(wc -l <"$tmp/all-tiles.txt")), $(wc -l <"$tmp/refused.txt")" \
            "refused with 503 in the unloaded pass (left out); init $init_s; PostGIS load $pg_load;"
        echo "    radmap's facilities tiles carry $nattrs attributes (computed per feature), PostGIS's the 8 of issue 3" \
            "(precomputed);"
        echo "    first clustered tile after start (builds the point snapshot) $first_ms ms; facility attributes built" \
            "(in the background) $attrs_s s after start; slowest unloaded tile $slowest; biggest $biggest;"
        echo "    uncached runs got through $u_n (gzip), $i_n (identity) and PostGIS $g_n tiles;"
        echo "    cached list $ncached tiles: $c_hits hits, $c_misses misses in the measured run, $c_evictions evictions" \
            "since start, cache $cache_mib MiB"
    } >>"$notes"
done

# --- the table ------------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }
row() { printf '%-10s %-34s %9s %9s %9s %7s %14s\n' "$@"; }
printf '\nradmap vector tiles bench: facilities layer, zooms 6-15 around 25 cities, %s connections, %s client threads,\n' \
    "$connections" "$wrk_threads"
printf 'uncached runs %s s, cached and nginx %s s, after %s s warm-up; radmap and nginx %s threads on %s cores;\n' \
    "$uncached_duration" "$duration" "$warmup" "$server_threads" "$(nproc)"
printf 'load average before %s, after %s; %s\n\n' "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(date -u +%Y-%m-%dT%H:%MZ)"
row "facilities" "system" "tiles/s" "p50 ms" "p99 ms" "errors" "RSS peak/anon"
row "----------" "----------------------------------" "---------" "---------" "---------" "-------" "--------------"
while read -r n u_rps u_p50 u_p99 u_rss u_anon u_bad i_rps i_p50 i_p99 i_bad g_rps g_p50 g_p99 c_rps c_p50 c_p99 \
    c_rss c_anon c_bad x_rps x_p50 x_p99 x_bad; do
    row "$n" "radmap uncached (gzip)" "$u_rps" "$u_p50" "$u_p99" "$u_bad" "$u_rss/$u_anon MiB"
    row "$n" "radmap uncached (no compression)" "$i_rps" "$i_p50" "$i_p99" "$i_bad" ""
    row "$n" "PostGIS (martin SQL + clusters)" "$g_rps" "$g_p50" "$g_p99" "0" ""
    row "$n" "radmap cached ($cache_mb MB, gzip)" "$c_rps" "$c_p50" "$c_p99" "$c_bad" "$c_rss/$c_anon MiB"
    row "$n" "nginx static (same bytes)" "$x_rps" "$x_p50" "$x_p99" "$x_bad" ""
    row "$n" "radmap/PostGIS uncached" "$(ratio "$u_rps" "$g_rps")" "" "" "" ""
    row "$n" "  no compression/PostGIS" "$(ratio "$i_rps" "$g_rps")" "" "" "" ""
    row "$n" "radmap cached/nginx" "$(ratio "$c_rps" "$x_rps")" "" "" "" ""
done <"$results"
echo
cat "$notes"
echo
echo "radmap uncached, unloaded pass over the whole list (gzip), per zoom:"
cat "$perzoom"
echo
echo "targets (issue 3): uncached >= 3x PostGIS; every tile under 50 ms p99 at 1 000 000; cached >= 0.7x nginx;"
echo "RSS < 300 MiB at 1 000 000 with a 64 MB cache"
echo "tiles.sh: $(($(date +%s) - started)) s"
