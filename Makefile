# Linli — the two commands a newcomer needs are `make run` and `make test` (see README.md).
BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
LINLI      := $(BUILD)/linli

.PHONY: run test build bootstrap configure bench clean format

## Install Debian packages, build in Release, load the demo data (once) and serve on :8080.
run: build
	$(LINLI) demo
	exec $(LINLI) serve

## Build, start a throwaway PostgreSQL on loopback, run every test, print ctest's summary.
test: build
	scripts/test $(BUILD)

bootstrap:
	scripts/bootstrap

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

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
