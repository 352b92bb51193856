# The two commands a new user runs: `make demo` and `make test` (README.md).
JOBS ?= $(shell nproc)
BUILD_DIR ?= build
ACTRT := $(BUILD_DIR)/bin/actrt

.PHONY: all deps configure build cli python test demo install clean fuzz-configure fuzz sanitize-test

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

# The sanitizer build (preset fuzz: clang-14, ASan + UBSan, libFuzzer coverage) in build-fuzz,
# apart from the normal build (docs/dev/fuzzing.md).
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz-configure: deps
	@cmake --preset fuzz >/dev/null

# Builds the fuzzers and runs each for FUZZ_SECONDS (scripts/fuzz prints seconds and executions).
fuzz: fuzz-configure
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzzers actrt_cli
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD_DIR=$(FUZZ_BUILD_DIR) bash scripts/fuzz

# The unit and model tests and the fuzz regressions under ASan + UBSan (README.md 'Testing' says
# which); the concurrency test runs 200 inferences per thread there instead of 10,000.
SANITIZE_TESTS ?= ^(unit|models|fuzz_regressions)\.
SANITIZE_TARGETS ?= unit models fuzz_regressions actrt_cli
sanitize-test: fuzz-configure
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target $(SANITIZE_TARGETS)
	@cd $(FUZZ_BUILD_DIR) && ACTRT_CONCURRENCY_INFERENCES=200 \
	  ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=$${UBSAN_OPTIONS:-print_stacktrace=1} \
	  ctest --output-on-failure -j $(JOBS) -R '$(SANITIZE_TESTS)'

clean:
	rm -rf $(BUILD_DIR)
