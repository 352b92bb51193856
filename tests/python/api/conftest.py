"""Fixtures of the actrt Python API tests: the bundled act-tiny model and an FP32 CPU engine."""

import os
import sys

import pytest

SOURCE_DIR = os.environ.get("ACTRT_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
if os.path.join(SOURCE_DIR, "python") not in sys.path:
    sys.path.insert(0, os.path.join(SOURCE_DIR, "python"))

actrt = pytest.importorskip("actrt", reason="the actrt module is not built (make python)")
np = pytest.importorskip("numpy")

MODEL_DIR = os.path.join(SOURCE_DIR, "models", "act-tiny")
MODEL = os.path.join(MODEL_DIR, "act-tiny.onnx")


@pytest.fixture(scope="session")
def model_path():
    return MODEL


@pytest.fixture(scope="session")
def io_data():
    """Seeded inputs and PyTorch's actions for them (act-tiny.io.npz)."""
    d = np.load(os.path.join(MODEL_DIR, "act-tiny.io.npz"))
    return {k: d[k] for k in d.files}


@pytest.fixture(scope="session")
def fp32_engine():
    actrt.set_log_level("warning")
    return actrt.engine_from_network(actrt.network_from_onnx_path(MODEL), actrt.CreateConfig(threads=1))


@pytest.fixture
def feed(io_data):
    return {"qpos": io_data["qpos"], "image": io_data["image"]}


@pytest.fixture(scope="session")
def actrt_cli():
    """Path of the actrt CLI (ctest passes ACTRT_BIN); skips the test when it is not built."""
    cli = os.environ.get("ACTRT_BIN") or os.path.join(SOURCE_DIR, "build", "bin", "actrt")
    if not os.access(cli, os.X_OK):
        pytest.skip("the actrt CLI is not built")
    return cli
