"""Read a deeplift-cpp model file (docs/model-format.md) into numpy, for the tests.

Independent of the C++ loader: it follows the safetensors format and
docs/model-format.md directly, and checks what a test relies on (F32, offsets that
cover the data section exactly, deeplift-model version 1 or 2).
"""
import json
import struct

import numpy as np


class ModelFileError(Exception):
    pass


def read_header(path):
    """(header dict, data bytes) of a safetensors file."""
    with open(path, "rb") as fh:
        blob = fh.read()
    if len(blob) < 8:
        raise ModelFileError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ModelFileError(f"{path}: header length {n} past the end of the file")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelFileError(f"{path}: header is not JSON: {exc}") from None
    return header, blob[8 + n:]


def load(path):
    """Return (arch dict, {name: float32 ndarray}, metadata dict)."""
    header, data = read_header(path)
    meta = header.pop("__metadata__", None)
    if not isinstance(meta, dict) or meta.get("format") != "deeplift-model" or meta.get("version") not in ("1", "2"):
        raise ModelFileError(f"{path}: not a deeplift-model version 1 or 2 file")
    arch = json.loads(meta["architecture"])
    tensors = {}
    spans = []
    for name, entry in header.items():
        if entry.get("dtype") != "F32":
            raise ModelFileError(f"{path}: tensor {name}: unknown dtype {entry.get('dtype')}")
        shape = tuple(entry["shape"])
        begin, end = entry["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != 4 * count or end > len(data):
            raise ModelFileError(f"{path}: tensor {name}: offsets {begin}..{end} disagree with shape {list(shape)}")
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(shape).copy()
        spans.append((begin, end))
    spans.sort()
    position = 0
    for begin, end in spans:
        if begin != position:
            raise ModelFileError(f"{path}: data section has a gap or overlap at byte {position}")
        position = end
    if position != len(data):
        raise ModelFileError(f"{path}: {len(data) - position} trailing bytes after the tensors")
    return arch, tensors, meta
