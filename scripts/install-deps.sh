#!/usr/bin/env bash
# Installs the Debian packages radmap needs to build, run and test, when they are missing.
# Idempotent and non-interactive: a machine that already has everything returns in well under a second.
# Usage: scripts/install-deps.sh [--web] [--bench] [--fuzz]
#   --web    also Chromium and the npm packages of the web map (web/node_modules)
#   --bench  also the peers the benchmarks compare against (wrk, PostgreSQL+PostGIS, nginx)
#   --fuzz   also clang and its libFuzzer runtime (make fuzz-smoke)
set -euo pipefail
cd "$(dirname "$0")/.."

want_web=0 want_bench=0 want_fuzz=0
for a in "$@"; do
  case "$a" in
    --web) want_web=1 ;;
    --bench) want_bench=1 ;;
    --fuzz) want_fuzz=1 ;;
    *) echo "install-deps: unknown option $a" >&2; exit 2 ;;
  esac
done

pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libspatialite-dev libsqlite3-mod-spatialite
      libsqlite3-dev sqlite3 libgeos-dev libproj-dev proj-bin proj-data libgdal-dev gdal-bin libsodium-dev
      zlib1g-dev libjansson-dev libcmocka-dev python3-pytest python3-requests valgrind curl ca-certificates openssl)
[ "$want_web" = 1 ] && pkgs+=(chromium nodejs npm fonts-noto-core)
[ "$want_bench" = 1 ] && pkgs+=(wrk postgresql postgresql-15-postgis-3 nginx-light postgresql-contrib)
[ "$want_fuzz" = 1 ] && pkgs+=(clang libclang-rt-dev)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from elsewhere than Debian on a developer machine: accept them when on PATH.
if [ ${#missing[@]} -gt 0 ]; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in
      nodejs) command -v node >/dev/null || filtered+=("$p") ;;
      npm) command -v npm >/dev/null || filtered+=("$p") ;;
      *) filtered+=("$p") ;;
    esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_web" = 1 ] && [ ! -f web/node_modules/.radmap-installed ] || \
   { [ "$want_web" = 1 ] && [ web/package-lock.json -nt web/node_modules/.radmap-installed ]; }; then
  echo "install-deps: npm packages of the web map"
  (cd web && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.radmap-installed)
fi
exit 0
