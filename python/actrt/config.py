"""CreateConfig / create_config: builder settings, named as Polygraphy's."""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

from . import _actrt


class CreateConfig:
    """Lazily makes a BuilderConfig (Polygraphy's CreateConfig); calling it returns one.

    fp16 / int8 / tf32 / bf16 allow those precisions (layers pick the fastest allowed one they
    support); ``calibrator`` (actrt.Calibrator) gives INT8 scales; ``backend`` is 'cpu' or
    'cuda'; ``layer_precisions`` pins layers ({node name: 'fp32'}); ``threads`` (CPU, 0 = all
    cores), ``seed``, ``deterministic``, ``timing_cache`` and ``disabled_passes`` as in the CLI.
    Keyword arguments Polygraphy takes that actrt has no use for (``builder``, ``network``,
    ``profiles``, ``memory_pool_limits``, ...) are accepted and ignored, so notebooks keep working.
    """

    def __init__(self, fp16: bool = False, int8: bool = False, tf32: bool = False, bf16: bool = False,
                 calibrator: Any = None, backend: str = "cpu",
                 layer_precisions: Optional[Dict[str, str]] = None, threads: int = 0, seed: int = 1,
                 deterministic: bool = False, timing_cache: Optional[str] = None,
                 disabled_passes: Sequence[str] = (), **polygraphy_only: Any):
        self.fp16, self.int8, self.tf32, self.bf16 = fp16, int8, tf32, bf16
        self.calibrator = calibrator
        self.backend = backend
        self.layer_precisions = dict(layer_precisions or {})
        self.threads, self.seed, self.deterministic = threads, seed, deterministic
        self.timing_cache = timing_cache
        self.disabled_passes = list(disabled_passes)
        self.ignored = sorted(polygraphy_only)

    def __call__(self, *builder_and_network: Any) -> _actrt.BuilderConfig:
        c = _actrt.BuilderConfig()
        c.backend = self.backend
        c.fp16, c.int8, c.tf32, c.bf16 = self.fp16, self.int8, self.tf32, self.bf16
        if self.int8 and self.calibrator is None:
            raise _actrt.InvalidArgumentError(
                "CreateConfig(int8=True): no calibrator; pass calibrator=Calibrator(data_loader) "
                "or Calibrator(None, cache='existing.cache')")
        if self.calibrator is not None:
            native = getattr(self.calibrator, "native", None)
            c.calibrator = native() if callable(native) else self.calibrator
        c.layer_precisions = self.layer_precisions
        c.threads, c.seed, c.deterministic = self.threads, self.seed, self.deterministic
        c.timing_cache_path = str(self.timing_cache or "")
        c.disabled_passes = self.disabled_passes
        return c


def create_config(*builder_and_network: Any, **kwargs: Any) -> _actrt.BuilderConfig:
    """Makes a BuilderConfig now (see CreateConfig; positional builder / network are ignored)."""
    return CreateConfig(**kwargs)()
