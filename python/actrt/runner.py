"""EngineRunner: runs an engine (Polygraphy's TrtRunner), as a context manager."""

from __future__ import annotations

import itertools
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from . import _actrt

_counter = itertools.count()


class EngineRunner:
    """Runs an engine. ``engine_or_loader`` is an actrt.Engine or a loader returning one (called
    at activate()). Use as ``with EngineRunner(engine) as runner: runner.infer(feed_dict)``.

    ``name`` defaults to actrt's "<backend>-<precisions>" (e.g. "cpu-fp32"); ``threads`` sets the
    CPU threads (0: the engine's setting).
    """

    def __init__(self, engine_or_loader: Any, name: Optional[str] = None, threads: int = 0):
        self._source = engine_or_loader
        self._name = name
        self._threads = threads
        self._native: Optional[_actrt.NativeEngineRunner] = None

    @property
    def name(self) -> str:
        """The runner's name (known once the engine is loaded unless given)."""
        if self._native is not None:
            return self._native.name
        return self._name or f"engine-runner-{next(_counter)}"

    @property
    def is_active(self) -> bool:
        """Whether activate() was called and deactivate() not yet."""
        return self._native is not None and self._native.is_active

    def activate(self) -> None:
        """Loads the engine (calling the loader if one was given) and creates its context."""
        if self._native is None:
            engine = self._source() if callable(self._source) else self._source
            if not isinstance(engine, _actrt.Engine):
                raise _actrt.InvalidArgumentError(
                    f"EngineRunner: expected an actrt.Engine or a loader returning one, got "
                    f"{type(engine).__name__}")
            self._native = _actrt.NativeEngineRunner(engine, self._name or "", self._threads)
        self._native.activate()

    def deactivate(self) -> None:
        """Frees the execution context (the engine stays loaded for the next activate())."""
        if self._native is not None and self._native.is_active:
            self._native.deactivate()

    def __enter__(self) -> "EngineRunner":
        self.activate()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.deactivate()

    def _require_active(self) -> _actrt.NativeEngineRunner:
        if self._native is None or not self._native.is_active:
            raise _actrt.InvalidArgumentError(
                f"runner '{self.name}': not active; call activate() or use it in a with-block")
        return self._native

    def infer(self, feed_dict: Mapping[str, Any], check_inputs: bool = True) -> Dict[str, np.ndarray]:
        """Runs one inference: {input name: array} -> {output name: new numpy array}.

        Contiguous arrays of the input's dtype are used without a copy; others are converted once.
        The GIL is released while the engine runs. Names, dtypes and shapes are always checked
        (``check_inputs`` is accepted for Polygraphy compatibility).
        """
        native = self._native
        if native is None or not native.is_active:
            native = self._require_active()
        if type(feed_dict) is not dict and isinstance(feed_dict, Mapping):
            feed_dict = dict(feed_dict)
        return native.infer(feed_dict)  # anything else: InvalidArgumentError from the binding

    def last_inference_time(self) -> float:
        """Seconds the last infer() took inside actrt (host to host), as Polygraphy's."""
        return self._require_active().last_inference_time()

    def get_input_metadata(self) -> Dict[str, Tuple[Any, Tuple[int, ...]]]:
        """{input name: (numpy dtype, shape)} in the engine's input order."""
        return {i.name: (i.dtype, i.shape) for i in self._require_active().get_input_metadata()}

    def get_output_metadata(self) -> Dict[str, Tuple[Any, Tuple[int, ...]]]:
        """{output name: (numpy dtype, shape)}."""
        return {i.name: (i.dtype, i.shape) for i in self._require_active().get_output_metadata()}

    def _last_feed_pointers(self) -> Dict[str, int]:
        """Debug: the data addresses the C++ runner received in the last infer()."""
        return self._require_active()._last_feed_pointers()
