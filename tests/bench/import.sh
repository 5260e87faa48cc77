#!/usr/bin/env bash
# Import and offline-package throughput:
#   - rows/s importing 100 000 facilities (points) from a CSV, into an empty register (target:
#     at least 50 000 rows/s);
#   - the same rows from a GeoPackage (written from that CSV by GDAL's ogr2ogr);
#   - rows/s importing the same CSV into a register that already holds them, with --upsert-by code
#     (every row an update);
#   - seconds to write the offline MBTiles package of the demo city at zooms 8-16 (every layer an
#     inspector sees).
# Each import is the whole `radmap import` command: the sandboxed parser, validation like the API,
# one audit row per feature and one transaction. Wall-clock time and the CPU time of the command
# (parent and parser, user+system) are both printed, since a busy machine stretches the first.
# Builds nothing; cleans up after itself.
#
# usage: tests/bench/import.sh [RADMAP_BINARY]        (default build/radmap)
# environment: BENCH_ROWS (100000), BENCH_MAXZOOM (16)
set -euo pipefail

bin=${1:-build/radmap}
rows=${BENCH_ROWS:-100000}
maxzoom=${BENCH_MAXZOOM:-16}
[ -x "$bin" ] || { echo "import.sh: no radmap binary at $bin (give its path as the first argument)" >&2; exit 2; }
command -v ogr2ogr >/dev/null || { echo "import.sh: ogr2ogr (gdal-bin) is not installed" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/radmap-bench-import.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export RADMAP_TODAY=2026-06-15

# --- the input: facilities scattered over the city ---------------------------------------------
awk -v n="$rows" 'BEGIN {
    srand(20250701);
    print "code,name,practice,status,address,lon,lat";
    for (i = 0; i < n; i++)
        printf "B-%07d,Cơ sở bức xạ số %d,medical_xray,operating,%d Lê Lợi,%.6f,%.6f\n", i, i, i % 500 + 1,
               106.4 + rand() * 0.8, 10.4 + rand() * 0.9;
}' >"$tmp/facilities.csv"
ogr2ogr -f GPKG "$tmp/facilities.gpkg" "$tmp/facilities.csv" -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat \
    -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:4326 -nln facilities

# Run a command; print "wall_s cpu_s" (cpu: user+system of the command and its children).
timed() {
    local out="$tmp/time.txt"
    /usr/bin/time -f "%e %U %S" -o "$out" "$@" >"$tmp/cmd.log" 2>&1 || { cat "$tmp/cmd.log" >&2; return 1; }
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$out"
}

import_case() { # label file [options...]
    local label=$1 file=$2
    shift 2
    rm -f "$tmp/bench.db"*
    "$bin" init "$tmp/bench.db" >/dev/null
    read -r wall cpu < <(timed "$bin" import "$tmp/bench.db" "$file" --layer facilities --quiet "$@")
    grep -q "$rows created" "$tmp/cmd.log" || { cat "$tmp/cmd.log" >&2; echo "import.sh: $label did not import every row" >&2; exit 1; }
    printf "%-34s %9d rows %8.2f s %10.0f rows/s   (cpu %.2f s, %.0f rows/cpu-s)\n" "$label" "$rows" "$wall" \
        "$(awk -v r="$rows" -v t="$wall" 'BEGIN { print r / t }')" "$cpu" "$(awk -v r="$rows" -v t="$cpu" 'BEGIN { print r / t }')"
}

echo "radmap import and offline package ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
import_case "CSV points, empty register" "$tmp/facilities.csv"
import_case "GeoPackage points, empty register" "$tmp/facilities.gpkg"
# Every row an update of the register imported just above (the GeoPackage's).
read -r wall cpu < <(timed "$bin" import "$tmp/bench.db" "$tmp/facilities.csv" --layer facilities --quiet --upsert-by code)
grep -q "$rows updated" "$tmp/cmd.log" || { cat "$tmp/cmd.log" >&2; exit 1; }
printf "%-34s %9d rows %8.2f s %10.0f rows/s   (cpu %.2f s)\n" "CSV, every row an upsert" "$rows" "$wall" \
    "$(awk -v r="$rows" -v t="$wall" 'BEGIN { print r / t }')" "$cpu"

# --- the offline package of the demo city --------------------------------------------------------
"$bin" init "$tmp/demo.db" --demo >/dev/null 2>&1
read -r wall cpu < <(timed "$bin" tiles "$tmp/demo.db" "$tmp/city.mbtiles" --role inspector --minzoom 8 \
    --maxzoom "$maxzoom" --quiet)
summary=$(grep -o '[0-9]* tiles (z[0-9-]*, [0-9.]* MB)' "$tmp/cmd.log" || true)
printf "%-34s %s in %.1f s (cpu %.1f s)\n" "MBTiles of the demo city" "$summary" "$wall" "$cpu"
