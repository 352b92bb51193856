"""Loaders: lazy PascalCase callables that nest, eager snake_case functions, engine files."""

import os

import numpy as np
import pytest

import actrt


def test_pascal_case_loaders_are_lazy_and_nest(model_path, tmp_path):
    path = tmp_path / "act.engine"
    build = actrt.SaveEngine(actrt.EngineFromNetwork(actrt.NetworkFromOnnxPath(model_path),
                                                     actrt.CreateConfig()), str(path))
    assert isinstance(build, actrt.loaders.BaseLoader)
    assert not path.exists()  # constructing did no work
    engine = build()
    assert isinstance(engine, actrt.Engine)
    assert path.exists()
    assert [i.name for i in engine.inputs] == ["qpos", "image"]
    assert engine.inputs[1].shape == (1, 2, 3, 96, 128)
    assert engine.inputs[0].dtype == np.float32
    assert engine.outputs[0].name == "actions"


def test_snake_case_functions_are_eager(model_path, tmp_path):
    network = actrt.network_from_onnx_path(model_path)
    assert isinstance(network, actrt.Network)
    assert network.source.endswith("act-tiny.onnx")
    assert [o.name for o in network.outputs] == ["actions"]
    engine = actrt.engine_from_network(network)  # config=None: FP32 on the CPU
    assert engine.backend == "cpu"
    assert engine.layers and {"name", "op_type", "kernel", "precision", "output_shape"} <= set(engine.layers[0])
    # snake_case accepts loaders too (Polygraphy's convention).
    engine2 = actrt.engine_from_network(actrt.NetworkFromOnnxPath(model_path), actrt.create_config())
    assert engine2.serialize() == engine.serialize()


def test_save_and_load_round_trip(fp32_engine, tmp_path):
    path = str(tmp_path / "e.engine")
    assert actrt.save_engine(fp32_engine, path) is fp32_engine
    data = actrt.bytes_from_path(path)
    assert data == fp32_engine.serialize()
    seed_style = actrt.engine_from_bytes(open(path, "rb").read())  # the seed's cell
    assert seed_style.serialize() == data
    lazy = actrt.EngineFromBytes(actrt.BytesFromPath(path))
    assert lazy().serialize() == data
    assert actrt.engine_from_path(path).serialize() == data
    assert actrt.EngineFromPath(path)().metadata == fp32_engine.metadata


def test_save_engine_refuses_to_overwrite(fp32_engine, tmp_path):
    path = str(tmp_path / "e.engine")
    actrt.save_engine(fp32_engine, path)
    with pytest.raises(actrt.ActrtError):
        actrt.save_engine(fp32_engine, path)
    actrt.save_engine(fp32_engine, path, overwrite=True)
    assert os.path.getsize(path) == len(fp32_engine.serialize())


def test_create_config_fields_and_polygraphy_only_kwargs():
    config = actrt.create_config(builder=object(), network=object(), fp16=True, tf32=True,
                                 backend="cpu", threads=3, seed=7, layer_precisions={"x": "fp32"})
    assert isinstance(config, actrt.BuilderConfig)
    assert (config.fp16, config.tf32, config.int8, config.bf16) == (True, True, False, False)
    assert (config.threads, config.seed, config.backend) == (3, 7, "cpu")
    assert config.layer_precisions == {"x": "fp32"}
    lazy = actrt.CreateConfig(memory_pool_limits={"workspace": 1 << 30})
    assert lazy.ignored == ["memory_pool_limits"]
    assert isinstance(lazy(), actrt.BuilderConfig)


def test_network_options(model_path):
    plain = actrt.network_from_onnx_path(model_path, optimize=False)
    optimized = actrt.network_from_onnx_path(model_path)
    assert len(plain.dump()) > len(optimized.dump()) > 0
