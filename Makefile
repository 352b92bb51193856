# The two commands a new user runs: `make demo` and `make test` (README.md).
JOBS ?= $(shell nproc)
BUILD_DIR ?= build
ACTRT := $(BUILD_DIR)/bin/actrt

.PHONY: all deps build test demo clean python

all: build

# Installs missing Debian packages (no-op when everything is present).
deps:
	@bash scripts/setup-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The Python module, in-tree for development: PYTHONPATH=python python3 -c "import actrt"
# (docs/python.md; `pip install .` builds the same module into a venv).
python: deps
	@cmake --preset release >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target actrt_python

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo

clean:
	rm -rf $(BUILD_DIR)
