"""actrt's Status codes become Python exceptions with actrt's own message."""

import numpy as np
import pytest

import actrt

KINDS = ["InvalidArgumentError", "InvalidModelError", "UnsupportedError", "VersionMismatchError",
         "IoError", "OutOfMemoryError", "DeviceError", "InternalError"]


def test_hierarchy():
    assert issubclass(actrt.ActrtError, RuntimeError)
    for name in KINDS:
        cls = getattr(actrt, name)
        assert issubclass(cls, actrt.ActrtError), name
        assert cls.__module__ == "actrt" and cls.__doc__
    assert issubclass(actrt.InvalidArgumentError, ValueError)
    assert issubclass(actrt.IoError, OSError)


def test_missing_model_is_an_io_error_naming_the_file(tmp_path):
    missing = str(tmp_path / "none.onnx")
    with pytest.raises(actrt.IoError) as e:
        actrt.network_from_onnx_path(missing)
    assert missing in str(e.value)


def test_garbage_engine_bytes(tmp_path):
    with pytest.raises(actrt.ActrtError) as e:
        actrt.engine_from_bytes(b"not an engine at all", source="junk.engine")
    assert "junk.engine" in str(e.value)
    assert isinstance(e.value, (actrt.InvalidModelError, actrt.VersionMismatchError))


def test_bad_feed_names_the_input(fp32_engine, feed):
    with actrt.EngineRunner(fp32_engine) as runner:
        with pytest.raises(actrt.InvalidArgumentError) as e:
            runner.infer({"qpos": feed["qpos"], "img": feed["image"]})
        assert "img" in str(e.value) or "image" in str(e.value)
        with pytest.raises(actrt.InvalidArgumentError) as e:
            runner.infer({"qpos": np.zeros((1, 7), np.float32), "image": feed["image"]})
        assert "qpos" in str(e.value)
        with pytest.raises(actrt.InvalidArgumentError):
            runner.infer([feed["qpos"]])


def test_bad_options():
    with pytest.raises(actrt.InvalidArgumentError, match="backend"):
        actrt.create_config(backend="tpu")
    with pytest.raises(actrt.InvalidArgumentError, match="algo"):
        actrt.Calibrator([], algo="magic").native()
    with pytest.raises(actrt.InvalidArgumentError, match="calibrator"):
        actrt.create_config(int8=True)
    with pytest.raises(actrt.InvalidArgumentError):
        actrt.set_log_level("loud")
