# The package's public names (stubs of the pure-Python modules come from their own annotations).
from ._actrt import (ActrtError as ActrtError, BuilderConfig as BuilderConfig, DeviceError as DeviceError,
                     Engine as Engine, InternalError as InternalError,
                     InvalidArgumentError as InvalidArgumentError, InvalidModelError as InvalidModelError,
                     IoError as IoError, Network as Network, OutOfMemoryError as OutOfMemoryError, Policy as Policy,
                     TensorInfo as TensorInfo, UnsupportedError as UnsupportedError,
                     VersionMismatchError as VersionMismatchError, bytes_from_path as bytes_from_path,
                     set_log_level as set_log_level, version as version)
from .calibrator import Calibrator as Calibrator
from .comparator import (AccuracyResult as AccuracyResult, CompareFunc as CompareFunc, Comparator as Comparator,
                         IterationResult as IterationResult, OutputCompareResult as OutputCompareResult,
                         RunResults as RunResults, compare_accuracy as compare_accuracy)
from .config import CreateConfig as CreateConfig, create_config as create_config
from .data import (ActDataLoader as ActDataLoader, ActEpisodes as ActEpisodes, DataLoader as DataLoader,
                   chunk_l1 as chunk_l1, split_samples as split_samples)
from .loaders import (BytesFromPath as BytesFromPath, EngineFromBytes as EngineFromBytes,
                      EngineFromNetwork as EngineFromNetwork, EngineFromPath as EngineFromPath,
                      NetworkFromOnnxPath as NetworkFromOnnxPath, SaveEngine as SaveEngine,
                      engine_from_bytes as engine_from_bytes, engine_from_network as engine_from_network,
                      engine_from_path as engine_from_path, network_from_onnx_path as network_from_onnx_path,
                      save_engine as save_engine)
from .runner import EngineRunner as EngineRunner

__version__: str
