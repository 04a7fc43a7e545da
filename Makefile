# Linli — the two commands a newcomer needs are `make run` and `make test` (see README.md).
BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
LINLI      := $(BUILD)/linli
# The clang tree with AddressSanitizer, UBSan and libFuzzer (docs/testing.md).
SANITIZE_BUILD ?= $(BUILD)-sanitize
FUZZ_SECONDS   ?= 60
CRASH_KILLS    ?= 200

.PHONY: run test build bootstrap configure bench bench-web web clean format load soak fuzz crash-long

## Install Debian packages, build in Release, build the web console, load the demo data (once) and
## serve the API and the console on :8080.
run: build web
	$(LINLI) demo
	exec $(LINLI) serve

## Build, start a throwaway PostgreSQL on loopback, run every test (with the crash, backup and short
## fuzz runs), then the unit and integration tests again in the sanitizer tree; print ctest's summaries.
test: build web
	scripts/bootstrap fuzz browser
	scripts/test $(BUILD)

## Every libFuzzer target for FUZZ_SECONDS each (docs/testing.md).
fuzz:
	scripts/bootstrap fuzz
	fuzz/run-fuzz $(SANITIZE_BUILD) $(FUZZ_SECONDS)

## The crash test with CRASH_KILLS SIGKILLs per backend, and the backup test; figures go to bench/RESULTS.md.
crash-long: build
	tests/crash/run-crash-long $(BUILD) $(CRASH_KILLS)

bootstrap:
	scripts/bootstrap

# ---- the web console (web/): `npm ci` when the lock file changes, `vite build` when a source does ----
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) \
  web/index.html web/vite.config.js web/package.json web/scripts/compress.mjs

web: web/dist/index.html

# npm rewrites node_modules/.package-lock.json on each install: it stands for "node_modules is current".
# playwright-core downloads no browser; the variable keeps it so should a dependency bring playwright.
web/node_modules/.package-lock.json: web/package-lock.json | bootstrap
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run --silent build

configure: bootstrap
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE); \
	fi

build: configure
	cmake --build $(BUILD) -j $(JOBS)

## Benchmarks: figures go to bench/RESULTS.md.
bench: build
	bench/run-http-bench $(BUILD)
	bench/run-import-bench $(BUILD)
	bench/run-orders-bench $(BUILD)

## The console: first-page JS and CSS (gzip) and the time to a usable dashboard in Chromium.
bench-web: build web
	scripts/bootstrap browser
	bench/run-web-bench $(BUILD)

## Load (issue 7): the mixed workload at 64 connections for 60 s, then shedding past saturation.
load: build
	bench/run-load-bench $(BUILD)

## Soak (issue 7): the mixed workload for 30 minutes; the server's memory from /proc, every minute.
soak: build
	bench/run-load-bench $(BUILD) soak

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) web/dist
