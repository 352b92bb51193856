# The two commands a new user runs: `make demo` and `make test` (README.md).
JOBS ?= $(shell nproc)
BUILD_DIR ?= build
ACTRT := $(BUILD_DIR)/bin/actrt

.PHONY: all deps build test demo clean

all: build

# Installs missing Debian packages (no-op when everything is present).
deps:
	@bash scripts/setup-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo

clean:
	rm -rf $(BUILD_DIR)
