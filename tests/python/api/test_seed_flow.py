"""examples/seed_notebook.py end to end (small): the seed's cells in actrt's API and its table."""

import importlib.util
import os
import subprocess
import sys

from conftest import SOURCE_DIR


def test_seed_notebook_runs_and_prints_the_table(tmp_path):
    args = [sys.executable, os.path.join(SOURCE_DIR, "examples", "seed_notebook.py"), "--out", str(tmp_path),
            "--calibration-samples", "4", "--evaluation-samples", "4", "--threads", "1"]
    have_torch = all(importlib.util.find_spec(m) for m in ("torch", "onnx"))
    if not have_torch:
        args.append("--no-torch")
    env = dict(os.environ, PYTHONPATH=os.path.join(SOURCE_DIR, "python"))
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "engine" not in line]
    names = [r.split("|")[1].strip() for r in rows]
    expected = ["actrt FP32", "actrt INT8 static calibration", "actrt INT8 random calibration"]
    assert names == (["PyTorch (act_pytorch)"] if have_torch else []) + expected
    l1 = [float(r.split("|")[3]) for r in rows]
    assert all(0 < v < 1 for v in l1), rows
    if have_torch:
        assert abs(l1[0] - l1[1]) < 1e-3  # FP32 engine equals PyTorch
    for name in ("act_int8.engine", "act_int8_random.engine", "act_int8.cache"):
        assert (tmp_path / name).exists(), name
