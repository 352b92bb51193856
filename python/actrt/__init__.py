"""actrt: ACT policy inference engine, with Polygraphy's Python API.

Swap ``from polygraphy.backend.trt import ...`` for ``from actrt import ...``::

    from actrt import EngineFromNetwork, NetworkFromOnnxPath, CreateConfig, EngineRunner
    build = EngineFromNetwork(NetworkFromOnnxPath("act.onnx"), CreateConfig())
    with EngineRunner(build) as runner:
        outputs = runner.infer({"qpos": qpos, "image": image})

See docs/python.md. The compiled part is actrt._actrt; every name of it is re-exported here.
"""

try:
    from . import _actrt
except ImportError as e:  # a source checkout without `make python`, or another interpreter
    raise ImportError(f"actrt's compiled module actrt._actrt cannot be imported ({e}); build it with "
                      f"`make python` (in-tree) or `pip install --no-build-isolation --no-index .` "
                      f"(docs/python.md)") from e
from ._actrt import *  # noqa: F401,F403  (errors, Network, Engine, BuilderConfig, TensorInfo, ...)
from ._actrt import (ActrtError, BuilderConfig, DeviceError, Engine, InternalError, Policy,  # noqa: F401
                     InvalidArgumentError, InvalidModelError, IoError, Network, OutOfMemoryError,
                     TensorInfo, UnsupportedError, VersionMismatchError, bytes_from_path,
                     set_log_level, version)
from .calibrator import Calibrator  # noqa: F401
from .comparator import (AccuracyResult, CompareFunc, Comparator, IterationResult,  # noqa: F401
                         OutputCompareResult, RunResults, compare_accuracy)
from .config import CreateConfig, create_config  # noqa: F401
from .data import ActDataLoader, ActEpisodes, DataLoader, chunk_l1, split_samples  # noqa: F401
from .loaders import (BytesFromPath, EngineFromBytes, EngineFromNetwork, EngineFromPath,  # noqa: F401
                      NetworkFromOnnxPath, SaveEngine, engine_from_bytes, engine_from_network,
                      engine_from_path, network_from_onnx_path, save_engine)
from .runner import EngineRunner  # noqa: F401

__version__ = version()
