# The two commands a new user runs: `make demo` and `make test` (README.md).
JOBS ?= $(shell nproc)
BUILD_DIR ?= build
ACTRT := $(BUILD_DIR)/bin/actrt

.PHONY: all deps configure build cli python test demo install clean

all: build

# Installs missing Debian packages (no-op when everything is present).
deps:
	@bash scripts/setup-deps

configure: deps
	@cmake --preset release >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The CLI alone (target actrt_cli): what the demo runs, without the test suite.
cli: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target actrt_cli

# The Python module, in-tree for development: PYTHONPATH=python python3 -c "import actrt"
# (docs/python.md; `pip install .` builds the same module into a venv).
python: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target actrt_python

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: cli
	@bash scripts/demo

# Installs into PREFIX (docs/install.md): headers, libraries, the CMake package, pkg-config, CLI.
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR)
