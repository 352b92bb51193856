#!/usr/bin/env python3
"""Runs one unittest module of tests/python; exit 77 (ctest SKIP_RETURN_CODE) when a dependency is missing."""

import importlib
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: run_test.py test_<name>", file=sys.stderr)
        return 2
    for dep in ("numpy", "torch", "onnx", "h5py"):
        try:
            importlib.import_module(dep)
        except Exception as e:  # ImportError, or a broken install
            print(f"SKIP: cannot import {dep} ({e}) with {sys.executable}")
            return SKIP
    sys.path.insert(0, HERE)
    import common  # noqa: F401  (puts python/ on sys.path, sets torch threads)
    module = importlib.import_module(sys.argv[1])
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    if not result.wasSuccessful():
        return 1
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        return SKIP
    return 0


if __name__ == "__main__":
    sys.exit(main())
