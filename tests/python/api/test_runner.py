"""EngineRunner: context manager, infer, timing, metadata, zero-copy inputs, threads."""

import threading

import numpy as np
import pytest

import actrt


def test_infer_matches_pytorch(fp32_engine, feed, io_data):
    with actrt.EngineRunner(fp32_engine) as runner:
        assert runner.is_active
        assert runner.name == "cpu-fp32"
        out = runner.infer(feed_dict=feed)
        assert set(out) == {"actions"}
        assert out["actions"].shape == (1, 20, 6) and out["actions"].dtype == np.float32
        assert np.abs(out["actions"] - io_data["actions"]).max() < 1e-3
        assert 0 < runner.last_inference_time() < 10  # seconds
        meta = runner.get_input_metadata()
        assert list(meta) == ["qpos", "image"]
        assert meta["image"] == (np.dtype("float32"), (1, 2, 3, 96, 128))
        assert runner.get_output_metadata()["actions"][1] == (1, 20, 6)
    assert not runner.is_active


def test_runner_takes_a_loader_and_activates_lazily(model_path, feed):
    build = actrt.EngineFromNetwork(actrt.NetworkFromOnnxPath(model_path))
    runner = actrt.EngineRunner(build, name="mine")
    assert not runner.is_active
    runner.activate()
    try:
        assert runner.name == "mine"
        runner.infer(feed)
    finally:
        runner.deactivate()


def test_contiguous_float32_input_is_not_copied(fp32_engine, feed):
    image = np.ascontiguousarray(feed["image"], dtype=np.float32)
    assert actrt._actrt._debug_data_pointer(image) == image.ctypes.data
    with actrt.EngineRunner(fp32_engine) as runner:
        runner.infer({"qpos": feed["qpos"], "image": image})
        seen = runner._last_feed_pointers()
        assert seen["image"] == image.ctypes.data
        assert seen["qpos"] == feed["qpos"].ctypes.data


def test_read_only_inputs_are_used_as_they_are(fp32_engine, feed):
    image = np.frombuffer(feed["image"].tobytes(), dtype=np.float32).reshape(feed["image"].shape)
    assert not image.flags["WRITEABLE"]
    with actrt.EngineRunner(fp32_engine) as runner:
        ref = runner.infer(feed)["actions"]
        out = runner.infer({"qpos": feed["qpos"], "image": image})
        assert runner._last_feed_pointers()["image"] == image.ctypes.data
        np.testing.assert_array_equal(out["actions"], ref)


def test_other_inputs_are_converted_once(fp32_engine, feed):
    as_f64 = feed["image"].astype(np.float64)
    strided = np.ascontiguousarray(np.repeat(feed["image"], 2, axis=-1))[..., ::2]
    assert not strided.flags["C_CONTIGUOUS"]
    with actrt.EngineRunner(fp32_engine) as runner:
        ref = runner.infer(feed)["actions"]
        for image in (as_f64, strided):
            out = runner.infer({"qpos": feed["qpos"].tolist(), "image": image})
            assert runner._last_feed_pointers()["image"] != image.ctypes.data
            np.testing.assert_allclose(out["actions"], ref, atol=1e-5)


def test_outputs_are_fresh_arrays(fp32_engine, feed):
    with actrt.EngineRunner(fp32_engine) as runner:
        a = runner.infer(feed)["actions"]
        b = runner.infer(feed)["actions"]
        assert a.ctypes.data != b.ctypes.data
        np.testing.assert_array_equal(a, b)


def test_two_threads_infer_at_once_on_two_runners(fp32_engine, feed):
    reference = None
    with actrt.EngineRunner(fp32_engine) as r:
        reference = r.infer(feed)["actions"]
    results, errors = {}, []
    inside = [0]
    overlap = [False]
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def work(index):
        try:
            with actrt.EngineRunner(fp32_engine, threads=1) as runner:
                barrier.wait()
                outs = []
                for _ in range(20):
                    with lock:
                        inside[0] += 1
                    outs.append(runner.infer(feed)["actions"])
                    with lock:
                        inside[0] -= 1
                results[index] = outs
        except Exception as e:  # reported below
            errors.append(e)

    # The GIL is released inside infer(), so both threads are in it at once; check by timing:
    # a second thread that spins in Python must make progress while the other is inferring.
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    spins = 0
    while any(t.is_alive() for t in threads):
        with lock:
            if inside[0] == 2:
                overlap[0] = True
        spins += 1
    for t in threads:
        t.join()
    assert not errors, errors
    for outs in results.values():
        for o in outs:
            np.testing.assert_allclose(o, reference, atol=1e-5)
    assert overlap[0], "the two infer() calls never ran at the same time"


def test_infer_needs_activation(fp32_engine, feed):
    runner = actrt.EngineRunner(fp32_engine)
    with pytest.raises(actrt.InvalidArgumentError, match="not active"):
        runner.infer(feed)
