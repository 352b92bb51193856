#!/usr/bin/env python3
"""Runs one pytest file of tests/python/api; exit 77 (ctest SKIP_RETURN_CODE) when pytest, numpy
or the compiled actrt module (`make python`) cannot be imported."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("ACTRT_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SKIP = 77


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: run_pytest.py tests/python/api/test_<name>.py", file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.join(SOURCE_DIR, "python"))
    for dep in ("pytest", "numpy", "actrt"):
        try:
            __import__(dep)
        except Exception as e:  # ImportError, or a module built for another interpreter
            print(f"SKIP: cannot import {dep} ({e}) with {sys.executable}")
            return SKIP
    import pytest
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(SOURCE_DIR, "python")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    code = pytest.main(["-q", "-p", "no:cacheprovider", sys.argv[1]])
    return SKIP if code == pytest.ExitCode.NO_TESTS_COLLECTED else int(code)


if __name__ == "__main__":
    sys.exit(main())
