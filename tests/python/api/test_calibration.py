"""INT8: Calibrator over Python generators, calibration caches, ACT episode and random loaders."""

import os

import numpy as np
import pytest

import actrt
from conftest import MODEL_DIR

EVAL = os.path.join(MODEL_DIR, "eval")
CAMERAS = ["top", "left_wrist"]


@pytest.fixture(scope="module")
def episodes():
    return actrt.ActEpisodes(EVAL, CAMERAS, stats=os.path.join(MODEL_DIR, "stats.json"))


def test_act_episodes_preprocessing(episodes):
    assert (episodes.num_episodes, episodes.episode_length) == (4, 32)
    s = episodes.sample(1, 30, chunk=20)
    assert s["qpos"].shape == (1, 6) and s["qpos"].dtype == np.float32
    assert s["image"].shape == (1, 2, 3, 96, 128) and 0 <= s["image"].min() and s["image"].max() <= 1
    assert s["is_pad"].shape == (1, 20) and s["is_pad"][0, :2].tolist() == [False, False]
    assert s["is_pad"][0, 2:].all()  # 32 steps, t = 30, sim: steps 30 and 31 only
    st = episodes.stats
    np.testing.assert_allclose(s["action"][0, 5], -st["action_mean"] / st["action_std"], rtol=1e-6)


def test_split_matches_the_documented_shuffle():
    cal, ev = actrt.split_samples(4, 32, seed=1, n_calibration=32, n_evaluation=40)
    assert len(cal) == 32 and len(ev) == 40 and not set(cal) & set(ev)
    assert actrt.split_samples(4, 32, 1, 32, 40) == (cal, ev)  # deterministic
    with pytest.raises(actrt.InvalidArgumentError):
        actrt.split_samples(1, 4, 1, 3, 2)


def test_calibrator_over_a_generator_writes_and_reuses_a_cache(model_path, episodes, tmp_path, feed):
    cache = str(tmp_path / "act.cache")
    loader = actrt.ActDataLoader(episodes, "calibration", calibration_samples=4, evaluation_samples=4)
    drained = []

    def generator():  # the seed passes a generator
        for f in loader:
            drained.append(1)
            yield f

    calibrator = actrt.Calibrator(generator(), cache=cache, algo="minmax")
    engine = actrt.engine_from_network(actrt.network_from_onnx_path(model_path),
                                       actrt.CreateConfig(int8=True, calibrator=calibrator))
    assert len(drained) == 4
    assert os.path.isfile(cache)
    assert open(cache).readline().startswith("TRT-")
    assert any(layer["precision"] == "int8" for layer in engine.layers)
    # An existing cache: no data needed, no calibration.
    again = actrt.Calibrator(None, cache=cache)
    assert again.native().uses_existing_cache
    engine2 = actrt.engine_from_network(actrt.network_from_onnx_path(model_path),
                                        actrt.CreateConfig(int8=True, calibrator=again))
    with actrt.EngineRunner(engine) as a, actrt.EngineRunner(engine2) as b:
        np.testing.assert_array_equal(a.infer(feed)["actions"], b.infer(feed)["actions"])


def test_random_data_loader():
    meta = {"qpos": (np.dtype("float32"), (1, 6)), "n": (np.dtype("int64"), (3,))}
    loader = actrt.DataLoader(iterations=3, input_metadata=meta, val_range={"qpos": (-2, 2)})
    items = list(loader)
    assert len(items) == 3 and len(loader) == 3
    assert items[0]["qpos"].dtype == np.float32 and -2 <= items[0]["qpos"].min() < 2
    assert set(np.unique(np.concatenate([i["n"] for i in items]))) <= {0, 1}
    np.testing.assert_array_equal(loader[1]["qpos"], items[1]["qpos"])  # item i from seed + i


def test_chunk_l1_masks_padding():
    action = np.zeros((1, 3, 2), np.float32)
    pred = np.ones((1, 3, 2), np.float32)
    pred[0, 2] = 100  # padded: ignored
    is_pad = np.array([[False, False, True]])
    assert actrt.chunk_l1([pred], [(action, is_pad)]) == pytest.approx(1.0)


def test_random_data_loader_gives_the_clis_inputs(fp32_engine, model_path, actrt_cli, tmp_path):
    """`actrt run` on its random inputs (seed 1) and EngineRunner on DataLoader() agree exactly."""
    import subprocess
    out = str(tmp_path / "o.npz")
    proc = subprocess.run([actrt_cli, "run", model_path, "--save-outputs", out], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-1000:]
    with actrt.EngineRunner(fp32_engine) as runner:
        feed = actrt.DataLoader(input_metadata=runner.get_input_metadata())[0]
        np.testing.assert_array_equal(runner.infer(feed)["actions"], np.load(out)["actions"])
