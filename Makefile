# radmap: thin wrapper over scripts/ and CMake.
#   make demo    install what is missing, build, create the demo database, serve http://localhost:8080
#   make test    install what is missing, build, run every test (ctest)
#   make bench   the benchmarks of tests/bench (installs their peers: wrk, PostgreSQL/PostGIS, nginx)
#   make test-valgrind   the unit tests under valgrind (no leak, no invalid access)
#   make fuzz-smoke      every libFuzzer target for FUZZ_SECONDS (60) under ASan+UBSan (clang)
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_DB ?= demo/radmap-demo.sqlite
PORT ?= 8080
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DRADMAP_WERROR=ON
endif
WEB_FLAG := $(if $(wildcard web/package.json),--web,)

FUZZ_SECONDS ?= 60

.PHONY: all deps build demo demo-db test test-sanitize test-valgrind fuzz-smoke bench clean

all: build

deps:
	@scripts/install-deps.sh $(WEB_FLAG)

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) 2>&1 | grep -v '^\[' || true
	@test -x $(BUILD)/radmap
	@if [ -f web/package.json ]; then scripts/build-web.sh; fi

WORLD := web/node_modules/world-atlas/countries-10m.json

$(DEMO_DB):
	@mkdir -p $(dir $(DEMO_DB))
	@rm -f $(DEMO_DB) $(DEMO_DB).tmp*
	$(BUILD)/radmap init $(DEMO_DB).tmp --demo --users-file $(dir $(DEMO_DB))users.txt
	@if [ -f $(WORLD) ]; then $(BUILD)/radmap import $(DEMO_DB).tmp $(WORLD) --layer boundaries \
	  --set level=country --skip-invalid --source-label "Natural Earth 1:10m countries (world-atlas, public domain)"; fi
	@mv $(DEMO_DB).tmp $(DEMO_DB); rm -f $(DEMO_DB).tmp-wal $(DEMO_DB).tmp-shm

demo-db: build $(DEMO_DB)

demo: demo-db
	@if [ -f demo/users.txt ]; then echo "Demo accounts (name, password, role):"; cat demo/users.txt; fi
	@echo "radmap: the map is at http://localhost:$(PORT)/map/ and the API at http://localhost:$(PORT)/"
	exec $(BUILD)/radmap serve --db $(DEMO_DB) --port $(PORT) --bind 127.0.0.1 --public on \
	  $(if $(wildcard web/dist/index.html),--web web/dist,) --tiles tiles

test: build
	@cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900

# The whole suite again on an AddressSanitizer + UndefinedBehaviorSanitizer build.
test-sanitize: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DRADMAP_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS) 2>&1 | grep -v '^\[' || true
	@cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  ctest --output-on-failure -j 2 --timeout 900

# The unit tests under valgrind (scripts/valgrind-unit.sh): every invalid access and every leak
# of radmap's own is an error (tests/valgrind.supp: what the libraries keep for the process's life).
test-valgrind: build
	@scripts/valgrind-unit.sh $(BUILD) $(JOBS)

# libFuzzer targets (tests/fuzz/fuzz_*.c) built with clang, ASan and UBSan, each run FUZZ_SECONDS.
fuzz-smoke:
	@scripts/install-deps.sh --fuzz
	@cmake -S . -B $(BUILD)-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRADMAP_FUZZ=ON >/dev/null
	@cmake --build $(BUILD)-fuzz -j $(JOBS) 2>&1 | grep -v '^\[' || true
	@scripts/fuzz-smoke.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

bench: build
	@scripts/install-deps.sh --bench
	@for b in tests/bench/*.sh; do echo "== $$b"; bash $$b $(BUILD)/radmap || exit 1; done

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
