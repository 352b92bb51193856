"""Reading and writing .safetensors files with numpy only (no safetensors package on Debian 12).

The format: 8 bytes little-endian unsigned header length N, then N bytes of UTF-8 JSON mapping each
tensor name to {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} (offsets relative to
the end of the header; an optional "__metadata__" entry maps strings to strings), then the raw
little-endian, C-ordered tensor bytes.
"""

from __future__ import annotations

import json
import struct
from typing import Dict, Mapping, Optional, Tuple

import numpy as np

# safetensors dtype codes -> numpy; BF16 is widened to float32 on reading (numpy has no bfloat16).
_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
# A header larger than this is not a safetensors file (the reference implementation caps it at 100 MB).
_MAX_HEADER = 100 * 1000 * 1000


class SafetensorsError(ValueError):
    """A malformed .safetensors file; the message names the file, tensor and byte offset."""


def read_safetensors(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Returns ({name: array}, metadata). Arrays are copies (writable), in the file's dtype except BF16 -> float32."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise SafetensorsError(f"{path}: {len(blob)} bytes, too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > _MAX_HEADER or 8 + n > len(blob):
        raise SafetensorsError(f"{path}: header length {n} at byte 0 does not fit the file's {len(blob)} bytes")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: header (bytes 8..{8 + n}) is not UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header is a JSON {type(header).__name__}, expected an object")
    meta = header.pop("__metadata__", None) or {}
    data = memoryview(blob)[8 + n:]
    out: Dict[str, np.ndarray] = {}
    for name, entry in header.items():
        where = f"{path}: tensor '{name}'"
        if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= set(entry):
            raise SafetensorsError(f"{where}: header entry needs dtype, shape and data_offsets, found {entry!r}")
        code, shape, (begin, end) = entry["dtype"], list(entry["shape"]), entry["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if code == "BF16":
            itemsize = 2
        elif code in _DTYPES:
            itemsize = np.dtype(_DTYPES[code]).itemsize
        else:
            raise SafetensorsError(f"{where}: dtype {code} is not supported (known: BF16, {', '.join(_DTYPES)})")
        if not (0 <= begin <= end <= len(data)) or end - begin != count * itemsize:
            raise SafetensorsError(
                f"{where}: data_offsets [{begin}, {end}) (file bytes {8 + n + begin}..{8 + n + end}) do not hold "
                f"{count} x {itemsize} bytes inside the {len(data)} data bytes")
        raw = data[begin:end]
        if code == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(_DTYPES[code]).newbyteorder("<")).astype(_DTYPES[code])
        out[name] = arr.reshape(shape).copy()
    return out, {str(k): str(v) for k, v in meta.items()}


def write_safetensors(path: str, tensors: Mapping[str, np.ndarray], metadata: Optional[Mapping[str, str]] = None) -> None:
    """Writes tensors (sorted by name, 8-byte aligned header as the reference writer pads it)."""
    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        if arr.dtype not in _CODES:
            raise SafetensorsError(f"{path}: tensor '{name}' has dtype {arr.dtype}, which safetensors_io cannot write")
        raw = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _CODES[arr.dtype], "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)
