"""Comparator: run several runners on identical inputs and compare their outputs (Polygraphy's
polygraphy.comparator), with results saved in the JSON layout the CLI writes
(src/compare/comparator.h), so `actrt compare` / Polygraphy files load here and the other way.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _actrt


class IterationResult(dict):
    """One inference of one runner: {output name: array}, plus ``runtime`` (seconds) and
    ``runner_name``."""

    def __init__(self, outputs: Mapping[str, np.ndarray], runtime: float, runner_name: str):
        super().__init__(outputs)
        self.runtime = float(runtime)
        self.runner_name = runner_name


class RunResults(list):
    """[(runner name, [IterationResult, ...]), ...] in runner order (names may repeat)."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            for name, iterations in self:
                if name == key:
                    return iterations
            raise KeyError(f"RunResults: no runner named '{key}' (have {[n for n, _ in self]})")
        return super().__getitem__(key)

    def to_json(self) -> str:
        """Polygraphy's RunResults JSON (arrays as base64 of .npy bytes, outputs in name order)."""
        lst = []
        for name, iterations in self:
            its = []
            for it in iterations:
                outputs = {k: {"values": _encode_array(np.asarray(it[k])),
                               "polygraphy_class": "LazyArray"} for k in sorted(it)}
                its.append({"outputs": outputs, "runtime": it.runtime, "runner_name": name,
                            "polygraphy_class": "IterationResult"})
            lst.append([name, its])
        return json.dumps({"lst": lst, "polygraphy_class": "RunResults"}, indent=4)

    def save(self, path: str) -> None:
        """Writes to_json() to ``path``."""
        with open(path, "w") as f:
            f.write(self.to_json())
            f.write("\n")

    @staticmethod
    def from_json(text: str, source: str = "<json>") -> "RunResults":
        """Parses RunResults JSON (actrt's or Polygraphy's); errors name ``source``."""
        try:
            doc = json.loads(text)
            out = RunResults()
            for name, iterations in doc["lst"]:
                its = []
                for it in iterations:
                    outputs = {}
                    for k, v in it["outputs"].items():
                        if v.get("polygraphy_class") == "LazyArray":
                            v = v["values"]
                        outputs[k] = _decode_array(v)
                    its.append(IterationResult(outputs, it.get("runtime", 0.0), it.get("runner_name", name)))
                out.append((name, its))
            return out
        except (KeyError, TypeError, ValueError) as e:
            raise _actrt.InvalidModelError(f"{source}: not RunResults JSON ({type(e).__name__}: {e})") from e

    @staticmethod
    def load(path: str) -> "RunResults":
        """Reads a RunResults JSON file."""
        try:
            with open(path) as f:
                text = f.read()
        except OSError as e:
            raise _actrt.IoError(f"{path}: cannot read run results ({e.strerror})") from e
        return RunResults.from_json(text, path)


def _encode_array(a: np.ndarray) -> Dict[str, str]:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return {"array": base64.b64encode(buf.getvalue()).decode("ascii"), "polygraphy_class": "ndarray"}


def _decode_array(v: Mapping[str, Any]) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(v["array"])), allow_pickle=False)


class OutputCompareResult:
    """One output of one iteration of a runner pair: ``passed`` and the error statistics."""

    def __init__(self, passed: bool, max_absdiff: float, mean_absdiff: float, max_reldiff: float,
                 note: str = ""):
        self.passed, self.note = passed, note
        self.max_absdiff, self.mean_absdiff, self.max_reldiff = max_absdiff, mean_absdiff, max_reldiff

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return (f"OutputCompareResult(passed={self.passed}, max_absdiff={self.max_absdiff:.3g}, "
                f"mean_absdiff={self.mean_absdiff:.3g}, max_reldiff={self.max_reldiff:.3g})")


class AccuracyResult(dict):
    """{(runner a, runner b): [{output: OutputCompareResult} per iteration]}; truthy when all passed."""

    def __bool__(self) -> bool:
        return all(all(bool(r) for r in it.values()) for its in self.values() for it in its)

    def pass_rate(self, pair: Tuple[str, str]) -> float:
        """Passed iterations / iterations of one pair (1.0 when there are none, as Polygraphy)."""
        its = self[pair]
        return sum(all(bool(r) for r in it.values()) for it in its) / len(its) if its else 1.0


class CompareFunc:
    """Comparison functions for compare_accuracy (Polygraphy's CompareFunc)."""

    @staticmethod
    def simple(atol: float = 1e-5, rtol: float = 1e-5) -> Callable[[IterationResult, IterationResult],
                                                                   Dict[str, OutputCompareResult]]:
        """Elementwise: an element fails only if it exceeds BOTH atol and rtol, rel = |a-b| / |b|
        (b: the second runner); fp16 is upcast first. Outputs missing in b, or of another shape, fail."""

        def compare(a: IterationResult, b: IterationResult) -> Dict[str, OutputCompareResult]:
            out = {}
            for name in sorted(a):
                if name not in b:
                    out[name] = OutputCompareResult(False, np.inf, np.inf, np.inf, "missing in the second runner")
                    continue
                x = np.asarray(a[name], dtype=np.float64)
                y = np.asarray(b[name], dtype=np.float64)
                if x.shape != y.shape:
                    out[name] = OutputCompareResult(False, np.inf, np.inf, np.inf,
                                                    f"shapes differ: {x.shape} vs {y.shape}")
                    continue
                absdiff = np.abs(x - y)
                with np.errstate(divide="ignore", invalid="ignore"):
                    reldiff = np.where(absdiff == 0, 0.0, absdiff / np.abs(y))
                failed = np.logical_and(absdiff > atol, reldiff > rtol)
                out[name] = OutputCompareResult(
                    not bool(failed.any()), float(absdiff.max(initial=0)),
                    float(absdiff.mean()) if absdiff.size else 0.0, float(reldiff.max(initial=0)))
            return out

        return compare


class Comparator:
    """Polygraphy's Comparator: run() then compare_accuracy()."""

    @staticmethod
    def run(runners: Sequence[Any], data_loader: Optional[Iterable[Mapping[str, Any]]] = None,
            warm_up: int = 0, max_iterations: Optional[int] = None) -> RunResults:
        """Runs every runner on the same feeds, one runner after the other, and records outputs
        and runtimes. The data loader is iterated once and its feeds are kept, so a generator is
        fine and every runner sees identical inputs. A runner that is not active is activated for
        its turn and deactivated after it. Default data: DataLoader() over the first runner's inputs.
        """
        from .data import DataLoader
        if data_loader is None:
            first = runners[0]
            with _Active(first):
                data_loader = DataLoader(input_metadata=first.get_input_metadata())
        feeds = []
        for feed in data_loader:
            feeds.append(dict(feed))
            if max_iterations is not None and len(feeds) >= max_iterations:
                break
        results = RunResults()
        for runner in runners:
            with _Active(runner):
                for _ in range(warm_up):
                    runner.infer(feeds[0])
                its = []
                for feed in feeds:
                    outputs = runner.infer(feed)
                    its.append(IterationResult(outputs, runner.last_inference_time(), runner.name))
                results.append((runner.name, its))
        return results

    @staticmethod
    def compare_accuracy(run_results: RunResults, fail_fast: bool = False,
                         comparisons: Optional[Sequence[Tuple[int, int]]] = None,
                         compare_func: Optional[Callable[..., Dict[str, OutputCompareResult]]] = None,
                         atol: float = 1e-5, rtol: float = 1e-5) -> AccuracyResult:
        """Compares runner pairs (default: consecutive pairs (0,1), (1,2), ...) iteration by
        iteration; ``compare_func`` defaults to CompareFunc.simple(atol, rtol)."""
        compare = compare_func or CompareFunc.simple(atol=atol, rtol=rtol)
        pairs = comparisons if comparisons is not None else [(i, i + 1) for i in range(len(run_results) - 1)]
        acc = AccuracyResult()
        for ia, ib in pairs:
            (name_a, its_a), (name_b, its_b) = run_results[ia], run_results[ib]
            acc[(name_a, name_b)] = [compare(a, b) for a, b in zip(its_a, its_b)]
            if fail_fast and not acc:
                break
        return acc


def compare_accuracy(run_results: RunResults, **kwargs: Any) -> AccuracyResult:
    """Comparator.compare_accuracy as a function."""
    return Comparator.compare_accuracy(run_results, **kwargs)


class _Active:
    """Activates a runner for a block unless the caller already did (then leaves it active)."""

    def __init__(self, runner: Any):
        self.runner, self.started = runner, False

    def __enter__(self) -> Any:
        if not self.runner.is_active:
            self.runner.activate()
            self.started = True
        return self.runner

    def __exit__(self, *exc: Any) -> None:
        if self.started:
            self.runner.deactivate()
