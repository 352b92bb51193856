"""Comparator.run / compare_accuracy and RunResults JSON (the CLI's layout)."""

import json
import os
import subprocess

import numpy as np
import pytest

import actrt


def test_run_and_compare(fp32_engine, feed, tmp_path):
    feeds = [feed, {k: v * 0.5 for k, v in feed.items()}]
    a = actrt.EngineRunner(fp32_engine, name="a")
    b = actrt.EngineRunner(actrt.engine_from_bytes(fp32_engine.serialize()), name="b")
    results = actrt.Comparator.run([a, b], (f for f in feeds))  # a generator: iterated once
    assert [name for name, _ in results] == ["a", "b"]
    assert len(results["a"]) == 2 and results["a"][0].runtime > 0
    assert not a.is_active  # activated for its turn only
    acc = actrt.Comparator.compare_accuracy(results)
    assert bool(acc) and acc.pass_rate(("a", "b")) == 1.0
    res = acc[("a", "b")][0]["actions"]
    assert res.passed and res.max_absdiff == 0
    # A different result fails unless the tolerance allows it.
    results["b"][1]["actions"] = results["b"][1]["actions"] + 1e-2
    assert not actrt.compare_accuracy(results)
    assert actrt.compare_accuracy(results, compare_func=actrt.CompareFunc.simple(atol=0.02))

    path = str(tmp_path / "results.json")
    results.save(path)
    doc = json.load(open(path))
    assert doc["polygraphy_class"] == "RunResults"
    it = doc["lst"][0][1][0]
    assert it["polygraphy_class"] == "IterationResult" and it["runner_name"] == "a"
    assert it["outputs"]["actions"]["polygraphy_class"] == "LazyArray"
    back = actrt.RunResults.load(path)
    np.testing.assert_array_equal(back["b"][1]["actions"], results["b"][1]["actions"])
    assert back.to_json() == results.to_json()


def test_run_without_data_uses_random_inputs(fp32_engine):
    results = actrt.Comparator.run([actrt.EngineRunner(fp32_engine)])
    assert len(results[0][1]) == 1


def test_loads_the_clis_json(model_path, actrt_cli, tmp_path):
    out = str(tmp_path / "cli.json")
    proc = subprocess.run([actrt_cli, "run", model_path, "--save-results", out], capture_output=True, text=True)
    if proc.returncode != 0 or not os.path.exists(out):
        pytest.skip(f"`actrt run --save-results` unavailable: {proc.stderr[-300:]}")
    loaded = actrt.RunResults.load(out)
    assert loaded and all(len(its) >= 1 for _, its in loaded)
    again = str(tmp_path / "again.json")
    loaded.save(again)
    assert open(again, "rb").read() == open(out, "rb").read()  # the CLI's bytes, to the letter


def test_bad_json_names_the_source():
    with pytest.raises(actrt.InvalidModelError, match="x.json"):
        actrt.RunResults.from_json("{}", "x.json")
