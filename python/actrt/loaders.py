"""Loaders, named and shaped as Polygraphy's (polygraphy.backend.trt).

PascalCase loaders are lazy: constructing one does no work, calling it does, and they nest::

    build = SaveEngine(EngineFromNetwork(NetworkFromOnnxPath("act.onnx"), CreateConfig()), "act.engine")
    engine = build()

snake_case functions do the work now and accept the same arguments, where any argument that is
itself a loader (a callable) is called first: ``engine_from_network(network_from_onnx_path(p))``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence, Union

from . import _actrt


def _resolve(obj: Any) -> Any:
    """Polygraphy's convention: an argument may be the object or a loader that returns it."""
    return obj() if callable(obj) else obj


class BaseLoader:
    """A lazy loader: ``loader()`` does the work and returns the result (anew on every call)."""

    def __call__(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class NetworkFromOnnxPath(BaseLoader):
    """Lazily imports and optimizes an ONNX model; calling it returns an actrt.Network.

    ``input_shapes`` gives concrete shapes for symbolic dimensions ({name: (1, 6)});
    ``optimize=False`` keeps the graph as imported; ``disabled_passes`` names passes to skip.
    ``policy=True`` (or a dict with any of ``cameras``, ``stats``, ``camera_format``) makes a policy
    network, as ``actrt build --policy``: uint8 frames and raw qpos in, robot-unit actions out, the
    contract from the model's .config.json and stats.json (docs/policy.md).
    """

    def __init__(self, path: str, input_shapes: Optional[Dict[str, Sequence[int]]] = None,
                 optimize: bool = True, disabled_passes: Sequence[str] = (),
                 policy: Union[None, bool, Dict[str, Any]] = None):
        self.path = str(path)
        self.input_shapes = dict(input_shapes or {})
        self.optimize = optimize
        self.disabled_passes = list(disabled_passes)
        self.policy = {} if policy is True else (None if policy in (None, False) else dict(policy))

    def __call__(self) -> _actrt.Network:
        shapes = {k: [int(d) for d in v] for k, v in self.input_shapes.items()}
        return _actrt._network_from_onnx_path(self.path, shapes, self.optimize, self.disabled_passes,
                                              self.policy)


def network_from_onnx_path(path: str, input_shapes: Optional[Dict[str, Sequence[int]]] = None,
                           optimize: bool = True, disabled_passes: Sequence[str] = (),
                           policy: Union[None, bool, Dict[str, Any]] = None) -> _actrt.Network:
    """Imports and optimizes an ONNX model now (see NetworkFromOnnxPath)."""
    return NetworkFromOnnxPath(path, input_shapes, optimize, disabled_passes, policy)()


class EngineFromNetwork(BaseLoader):
    """Lazily builds an engine from a network (or a network loader) with a config.

    ``config`` is a BuilderConfig, a CreateConfig loader, or None (FP32 on the CPU).
    """

    def __init__(self, network: Any, config: Any = None, save_timing_cache: Optional[str] = None):
        self.network = network
        self.config = config
        self.save_timing_cache = save_timing_cache

    def __call__(self) -> _actrt.Engine:
        network = _resolve(self.network)
        if isinstance(network, tuple):  # Polygraphy's (builder, network, parser): the network
            network = network[1]
        config = _resolve(self.config) if self.config is not None else _actrt.BuilderConfig()
        if self.save_timing_cache:
            config.timing_cache_path = str(self.save_timing_cache)
        return _actrt._engine_from_network(network, config)


def engine_from_network(network: Any, config: Any = None,
                        save_timing_cache: Optional[str] = None) -> _actrt.Engine:
    """Builds an engine now (see EngineFromNetwork)."""
    return EngineFromNetwork(network, config, save_timing_cache)()


class BytesFromPath(BaseLoader):
    """Lazily reads a whole file as bytes."""

    def __init__(self, path: str):
        self.path = str(path)

    def __call__(self) -> bytes:
        return _actrt.bytes_from_path(self.path)


class EngineFromBytes(BaseLoader):
    """Lazily loads an engine from an engine file's bytes (or a loader of them)."""

    def __init__(self, serialized_engine: Any, source: str = "<engine bytes>"):
        self.serialized_engine = serialized_engine
        self.source = source

    def __call__(self) -> _actrt.Engine:
        data = _resolve(self.serialized_engine)
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        source = self.source
        if isinstance(self.serialized_engine, BytesFromPath) and source == "<engine bytes>":
            source = self.serialized_engine.path
        return _actrt._engine_from_bytes(data, source)


def engine_from_bytes(serialized_engine: Any, source: str = "<engine bytes>") -> _actrt.Engine:
    """Loads an engine from bytes now (see EngineFromBytes)."""
    return EngineFromBytes(serialized_engine, source)()


class EngineFromPath(BaseLoader):
    """Lazily loads an engine file."""

    def __init__(self, path: str):
        self.path = str(path)

    def __call__(self) -> _actrt.Engine:
        return _actrt._engine_from_bytes(_actrt.bytes_from_path(self.path), self.path)


def engine_from_path(path: str) -> _actrt.Engine:
    """Loads an engine file now."""
    return EngineFromPath(path)()


class SaveEngine(BaseLoader):
    """Lazily gets the engine (from an engine or a loader), writes it to ``path`` and returns it.

    An existing file is replaced only with ``overwrite=True`` (Polygraphy always replaces; actrt
    refuses by default so that a built engine is never lost by accident).
    """

    def __init__(self, engine: Any, path: str, overwrite: bool = False):
        self.engine = engine
        self.path = str(path)
        self.overwrite = overwrite

    def __call__(self) -> _actrt.Engine:
        engine = _resolve(self.engine)
        _actrt._save_engine(engine, self.path, self.overwrite)
        return engine


def save_engine(engine: Any, path: str, overwrite: bool = False) -> _actrt.Engine:
    """Writes the engine file now and returns the engine (see SaveEngine)."""
    return SaveEngine(engine, path, overwrite)()


LoaderLike = Callable[[], Any]
