"""actrt.Policy on act-tiny: the policy engine computes what the plain engine computes on frames
preprocessed in numpy; chunked mode and temporal ensembling equal the original imitate_episodes.py
loop over 200 steps; frames as NumPy, strided NumPy, torch (DLPack) or written into frame_buffer."""

import glob
import json
import os

import numpy as np
import pytest

import actrt
from conftest import MODEL, MODEL_DIR

h5py = pytest.importorskip("h5py")

CAMERAS = ["top", "left_wrist"]
STEPS = 200


@pytest.fixture(scope="module")
def stats():
    with open(os.path.join(MODEL_DIR, "stats.json")) as f:
        return {k: np.array(v, np.float32) for k, v in json.load(f).items()}


@pytest.fixture(scope="module")
def trajectory():
    """200 steps of (frames, qpos): the evaluation episodes one after another."""
    steps = []
    for path in sorted(glob.glob(os.path.join(MODEL_DIR, "eval", "episode_*.hdf5"))):
        with h5py.File(path) as f:
            for t in range(f["/observations/qpos"].shape[0]):
                steps.append(({c: f[f"/observations/images/{c}"][t] for c in CAMERAS},
                              f["/observations/qpos"][t].astype(np.float32)))
    while len(steps) < STEPS:
        steps += steps
    return steps[:STEPS]


def policy_engine(**sources):
    return actrt.engine_from_network(actrt.network_from_onnx_path(MODEL, policy=sources or True),
                                     actrt.CreateConfig(threads=1))


@pytest.fixture(scope="module")
def engine():
    return policy_engine()


def numpy_preprocess(frames, qpos, stats, bgr=False):
    """ACT's caller code: HWC -> CHW, stack, /255; (qpos - mean) / std."""
    chw = [frames[c][..., ::-1] if bgr else frames[c] for c in CAMERAS]
    image = np.stack([f.transpose(2, 0, 1) for f in chw])[None].astype(np.float32) / np.float32(255)
    return {"qpos": ((qpos - stats["qpos_mean"]) / stats["qpos_std"])[None], "image": image}


def test_policy_engine_is_bit_equal_to_numpy_preprocessing(fp32_engine, engine, trajectory, stats):
    with actrt.EngineRunner(fp32_engine) as plain, actrt.EngineRunner(engine) as pol:
        for frames, qpos in trajectory[:8]:
            want = plain.infer(numpy_preprocess(frames, qpos, stats))["actions"][0]
            want = want * stats["action_std"] + stats["action_mean"]
            got = pol.infer(dict(frames, qpos=qpos))["actions"]
            assert got.shape == (20, 6)
            np.testing.assert_array_equal(got, want)


def test_bgr_cameras_are_converted_in_the_graph(fp32_engine, trajectory, stats):
    bgr = policy_engine(camera_format="bgr8")
    assert actrt.Policy(bgr).contract["camera_format"] == "bgr8"
    with actrt.EngineRunner(fp32_engine) as plain, actrt.EngineRunner(bgr) as pol:
        frames, qpos = trajectory[3]
        bgr_frames = {c: np.ascontiguousarray(f[..., ::-1]) for c, f in frames.items()}
        want = plain.infer(numpy_preprocess(frames, qpos, stats))["actions"][0]
        got = pol.infer(dict(bgr_frames, qpos=qpos))["actions"]
        np.testing.assert_array_equal(got, want * stats["action_std"] + stats["action_mean"])


def original_loop(fp32_engine, trajectory, stats, temporal_agg, query_frequency=20, k=0.01):
    """imitate_episodes.py's eval loop (chunk 20), in numpy, on the plain engine."""
    chunk, dim = 20, 6
    all_time_actions = np.zeros([STEPS, STEPS + chunk, dim])
    actions = []
    with actrt.EngineRunner(fp32_engine) as plain:
        for t, (frames, qpos) in enumerate(trajectory):
            if temporal_agg or t % query_frequency == 0:
                all_actions = plain.infer(numpy_preprocess(frames, qpos, stats))["actions"]
            if temporal_agg:
                all_time_actions[[t], t:t + chunk] = all_actions
                current = all_time_actions[:, t]
                current = current[np.all(current != 0, axis=1)]
                w = np.exp(-k * np.arange(len(current)))
                w = w / w.sum()
                raw = (current * w[:, None]).sum(axis=0)
            else:
                raw = all_actions[0, t % query_frequency]
            actions.append(raw * stats["action_std"] + stats["action_mean"])
    return np.array(actions)


@pytest.mark.parametrize("mode", ["chunked", "temporal_ensemble"])
def test_modes_equal_the_original_loop_over_200_steps(fp32_engine, engine, trajectory, stats, mode):
    want = original_loop(fp32_engine, trajectory, stats, temporal_agg=mode == "temporal_ensemble")
    policy = actrt.Policy(engine, mode=mode)
    got = np.array([policy.step(frames, qpos) for frames, qpos in trajectory])
    assert policy.counters["queries"] == (STEPS if mode == "temporal_ensemble" else STEPS // 20)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_frames_in_every_form_give_the_same_action(engine, trajectory):
    frames, qpos = trajectory[0]
    want = actrt.Policy(engine).predict_chunk(frames, qpos)
    # a list in camera order
    np.testing.assert_array_equal(actrt.Policy(engine).predict_chunk([frames[c] for c in CAMERAS], qpos), want)
    # rows padded as a camera driver does (a strided view)
    padded = {c: np.zeros((96, 140, 3), np.uint8) for c in CAMERAS}
    for c in CAMERAS:
        padded[c][:, :128] = frames[c]
    views = {c: padded[c][:, :128] for c in CAMERAS}
    assert not views["top"].flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(actrt.Policy(engine).predict_chunk(views, qpos), want)
    # written into the policy's own buffers, then step(None, qpos)
    p = actrt.Policy(engine)
    for c in CAMERAS:
        buf = p.frame_buffer(c)
        assert buf.shape == (96, 128, 3) and buf.dtype == np.uint8
        buf[:] = frames[c]
    np.testing.assert_array_equal(p.step(None, qpos), want[0])


def test_torch_frames_through_dlpack(engine, trajectory):
    torch = pytest.importorskip("torch")
    frames, qpos = trajectory[5]
    want = actrt.Policy(engine).predict_chunk(frames, qpos)
    tensors = {c: torch.from_numpy(frames[c]) for c in CAMERAS}
    np.testing.assert_array_equal(actrt.Policy(engine).predict_chunk(tensors, qpos), want)
    with pytest.raises(actrt.ActrtError, match="camera 'top': expected a uint8 tensor"):
        actrt.Policy(engine).predict_chunk(dict(tensors, top=tensors["top"].float()), qpos)


def test_bad_inputs_raise_naming_the_camera(engine, trajectory):
    frames, qpos = trajectory[0]
    p = actrt.Policy(engine)
    with pytest.raises(actrt.ActrtError, match="camera 'left_wrist' is missing"):
        p.step({"top": frames["top"]}, qpos)
    with pytest.raises(actrt.ActrtError, match="unknown camera 'front'"):
        p.step(dict(frames, front=frames["top"]), qpos)
    with pytest.raises(actrt.ActrtError, match="camera 'top': frame is 95x128"):
        p.step(dict(frames, top=frames["top"][:95]), qpos)
    with pytest.raises(actrt.ActrtError, match="camera 'top': expected dtype uint8"):
        p.step(dict(frames, top=frames["top"].astype(np.float32)), qpos)
    with pytest.raises(actrt.ActrtError, match="qpos\\[2\\] is nan"):
        p.step(frames, np.where(np.arange(6) == 2, np.nan, qpos).astype(np.float32))
    with pytest.raises(actrt.ActrtError, match="not a policy engine"):
        actrt.Policy(actrt.engine_from_network(actrt.network_from_onnx_path(MODEL)))
    assert p.counters["refused"] == 5
