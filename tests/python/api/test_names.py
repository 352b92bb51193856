"""Every public name: present, documented, and in the type stubs."""

import ast
import os

import actrt

PUBLIC = ["NetworkFromOnnxPath", "network_from_onnx_path", "EngineFromNetwork", "engine_from_network",
          "EngineFromBytes", "engine_from_bytes", "SaveEngine", "save_engine", "bytes_from_path",
          "BytesFromPath", "EngineFromPath", "engine_from_path", "CreateConfig", "create_config",
          "Calibrator", "EngineRunner", "Comparator", "compare_accuracy", "CompareFunc", "RunResults",
          "IterationResult", "AccuracyResult", "DataLoader", "ActEpisodes", "ActDataLoader", "chunk_l1",
          "split_samples", "Network", "Engine", "BuilderConfig", "TensorInfo", "ActrtError",
          "set_log_level", "version"]


def _stub_names(path):
    tree = ast.parse(open(path).read())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom) and node.module != "typing":
            names.update(a.asname or a.name for a in node.names if a.asname)  # re-exports
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
    return names


def test_every_name_is_documented():
    for name in PUBLIC:
        obj = getattr(actrt, name)
        assert obj.__doc__ and obj.__doc__.strip(), name


def test_stubs_cover_the_package_and_the_module():
    here = os.path.dirname(actrt.__file__)
    package = _stub_names(os.path.join(here, "__init__.pyi"))
    assert set(PUBLIC) <= package, set(PUBLIC) - package
    module = _stub_names(os.path.join(here, "_actrt.pyi"))
    compiled = {n for n in dir(actrt._actrt) if not n.startswith("__")}
    assert compiled == module, (compiled ^ module)
    assert os.path.exists(os.path.join(here, "py.typed"))
