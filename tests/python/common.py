"""Shared helpers of the python tests."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("ACTRT_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
PYTHON_DIR = os.path.join(SOURCE_DIR, "python")
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

import torch  # noqa: E402

torch.set_num_threads(2)


def actrt_bin():
    """Path of the actrt CLI, or None."""
    candidates = [os.environ.get("ACTRT_BIN", "")]
    candidates += [os.path.join(SOURCE_DIR, d, "bin", "actrt") for d in ("build", "build-data", "build-py")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None
