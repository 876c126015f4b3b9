"""Helpers shared by the CLI script tests in tests/cli: a model-file writer
that works byte by byte (so malformed files can be made on purpose), small
fixtures, and a checker that counts passes and failures.

The writer follows docs/model-format.md directly (8-byte little-endian header length,
JSON header, raw F32 data) rather than calling scripts/write-model.py, so the
tests can produce files that a correct writer never would.
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np

# A small model: 20 bp input, conv(4→3, k=5) → relu → flatten → dense(48→2).
# Small enough that every run takes milliseconds, big enough to exercise
# every stage of scoring (conv, nonlinearity, flatten, dense).
SMALL_LENGTH = 20
SMALL_ARCH = {
    "input": {"alphabet": "ACGT", "length": SMALL_LENGTH},
    "tasks": ["task_a", "task_b"],
    "output": "sigmoid",
    "layers": [
        {"type": "conv1d", "name": "conv1", "in_channels": 4, "out_channels": 3, "kernel_size": 5},
        {"type": "relu"},
        {"type": "flatten"},
        {"type": "dense", "name": "out", "in_features": 48, "out_features": 2},
    ],
}


def small_tensors(seed=1):
    """Random float32 weights for SMALL_ARCH, by state_dict name."""
    rng = np.random.default_rng(seed)
    return {
        "conv1.weight": rng.normal(0, 0.5, (3, 4, 5)).astype(np.float32),
        "conv1.bias": rng.normal(0, 0.1, (3,)).astype(np.float32),
        "out.weight": rng.normal(0, 0.3, (2, 48)).astype(np.float32),
        "out.bias": rng.normal(0, 0.1, (2,)).astype(np.float32),
    }


def safetensors_bytes(tensors, metadata, header_extra=None):
    """A safetensors file: tensors in name order, tiling the data section."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    if header_extra:
        header.update(header_extra)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def model_metadata(arch):
    return {"format": "deeplift-model", "version": "1", "architecture": json.dumps(arch)}


def write_model(path, arch=None, tensors=None, metadata=None):
    arch = SMALL_ARCH if arch is None else arch
    tensors = small_tensors() if tensors is None else tensors
    metadata = model_metadata(arch) if metadata is None else metadata
    with open(path, "wb") as handle:
        handle.write(safetensors_bytes(tensors, metadata))
    return path


def random_dna(rng, length):
    return "".join(rng.choice(list("ACGT"), size=length))


def write_fasta(path, records, width=60):
    with open(path, "w") as handle:
        for name, sequence in records:
            handle.write(f">{name}\n")
            for i in range(0, len(sequence), width):
                handle.write(sequence[i:i + width] + "\n")
    return path


def run(args, timeout=300, **kwargs):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs)


class Checker:
    """One check per call; main() ends with `N passed, M failed` as ctest's
    script-test contract (tests/CMakeLists.txt) asks."""

    def __init__(self):
        self.passed = 0
        self.failures = []

    def check(self, condition, message):
        if condition:
            self.passed += 1
        else:
            self.failures.append(message)
            print("FAIL:", message, file=sys.stderr)
        return condition

    def finish(self):
        print(f"{self.passed} passed, {len(self.failures)} failed")
        return 1 if self.failures else 0


def listing(directory):
    """Every entry in `directory`, hidden ones (our temp files) included."""
    return sorted(os.listdir(directory))


# The paper's architecture (docs/model-format.md): 200 bp, three tasks. Heavy enough
# that a run over tens of thousands of sequences lasts seconds, which the
# interruption tests need.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "archs",
                       "example-random.json")) as _arch:
    PAPER_ARCH = json.load(_arch)  # the docs/model-format.md example, one copy in data/archs/


def paper_tensors(seed=2):
    rng = np.random.default_rng(seed)

    def normal(*shape):
        fan_in = int(np.prod(shape[1:]))
        return (rng.normal(0, 1 / np.sqrt(fan_in), shape)).astype(np.float32)

    return {
        "conv1.weight": normal(20, 4, 15), "conv1.bias": (rng.normal(0, 0.1, 20)).astype(np.float32),
        "act1.weight": np.array([0.2], np.float32),
        "fc1.weight": normal(200, 60), "fc1.bias": (rng.normal(0, 0.1, 200)).astype(np.float32),
        "fc2.weight": normal(200, 200), "fc2.bias": (rng.normal(0, 0.1, 200)).astype(np.float32),
        "out.weight": normal(3, 200), "out.bias": (rng.normal(0, 0.1, 3)).astype(np.float32),
    }


def write_paper_model(path, seed=2):
    return write_model(path, PAPER_ARCH, paper_tensors(seed))
