"""Calibrator: INT8 calibration over any Python iterable of feed dicts (Polygraphy's Calibrator)."""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping, Optional

from . import _actrt


class Calibrator:
    """INT8 calibration data and algorithm, for CreateConfig(int8=True, calibrator=...).

    ``data_loader`` is any iterable of feed dicts {input name: numpy array} (a generator is
    fine: it is drained once, when the engine is built, and only if calibration runs).
    ``cache`` names a TensorRT-format calibration cache: when the file exists its scales are used
    and no data is needed (data_loader may be None); otherwise it is written after calibration.
    ``algo``: 'entropy' (TensorRT's EntropyCalibration2, default), 'minmax' or 'percentile'
    (with ``percentile``). ``samples`` caps the feeds used (0: all).
    """

    def __init__(self, data_loader: Optional[Iterable[Mapping[str, Any]]], cache: Optional[str] = None,
                 algo: str = "entropy", percentile: float = 99.99, samples: int = 0,
                 show_progress: bool = False, **polygraphy_only: Any):
        self.data_loader = data_loader
        self.cache = os.fspath(cache) if cache is not None else None
        self.algo = algo
        self.percentile = percentile
        self.samples = samples
        self.show_progress = show_progress
        self._native: Optional[_actrt.NativeCalibrator] = None

    def native(self) -> _actrt.NativeCalibrator:
        """The C++ calibrator (made on first use: drains the data loader unless the cache exists)."""
        if self._native is None:
            cache = self.cache or ""
            feeds = None
            if self.data_loader is not None and not (cache and os.path.isfile(cache)):
                feeds = []
                for feed in self.data_loader:
                    feeds.append(dict(feed))
                    if self.samples and len(feeds) >= self.samples:
                        break
            self._native = _actrt._make_calibrator(feeds, cache, self.algo, self.percentile,
                                                   self.samples, self.show_progress)
        return self._native

    def reset(self) -> None:
        """Forgets the native calibrator, so the next build drains the data loader again."""
        self._native = None
