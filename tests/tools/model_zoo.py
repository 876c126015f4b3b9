"""The model kinds and random fixtures the numeric tests share.

Models are written by scripts/write-model.py (the committed fixture tool) with
fixed seeds, FASTA files by random_fasta(); nothing binary is committed.
"""
import json
import os
import subprocess
import sys

import numpy as np

PYTHON = sys.executable  # the interpreter ctest runs the script tests with (tests/CMakeLists.txt)
SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# docs/model-format.md's example (the DeepPAD network on the GATA1/TAL1
# tasks): one copy, in data/archs/.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "archs",
                       "example-random.json")) as _arch:
    PAPER = json.load(_arch)

# 'same' padding with stride 2 and dilation 2 (total padding 15: 7 left, 8
# right), an even kernel, avgpool with stride < kernel dropping a tail, tanh
# and sigmoid, a tanh right after avgpool (Rescale under every method), a
# linear output (no .prob column). Defaults (stride, dilation, padding)
# omitted on purpose in conv2.
SAME = {
    "input": {"alphabet": "ACGT", "length": 200},
    "tasks": ["up", "down"],
    "output": "linear",
    "layers": [
        {"type": "conv1d", "name": "conv1", "in_channels": 4, "out_channels": 8,
         "kernel_size": 9, "stride": 2, "dilation": 2, "padding": "same"},
        {"type": "tanh"},
        {"type": "conv1d", "name": "conv2", "in_channels": 8, "out_channels": 6,
         "kernel_size": 4, "dilation": 2, "padding": "same"},
        {"type": "sigmoid"},
        {"type": "avgpool1d", "kernel_size": 5, "stride": 3},
        {"type": "tanh"},
        {"type": "flatten"},
        {"type": "dense", "name": "fc1", "in_features": 192, "out_features": 16},
        {"type": "sigmoid"},
        {"type": "dense", "name": "out", "in_features": 16, "out_features": 2},
    ],
}

# PReLU slopes per position ([C, L]), per channel ([C]) and shared ([1]);
# avgpool with the default stride.
POSITION = {
    "input": {"alphabet": "ACGT", "length": 200},
    "tasks": ["p0", "p1"],
    "output": "sigmoid",
    "layers": [
        {"type": "conv1d", "name": "conv1", "in_channels": 4, "out_channels": 10, "kernel_size": 11},
        {"type": "prelu", "name": "act1", "slope_shape": "position"},
        {"type": "avgpool1d", "kernel_size": 5},
        {"type": "conv1d", "name": "conv2", "in_channels": 10, "out_channels": 6,
         "kernel_size": 3, "dilation": 2},
        {"type": "prelu", "name": "act2", "slope_shape": "channel"},
        {"type": "flatten"},
        {"type": "dense", "name": "fc1", "in_features": 204, "out_features": 24},
        {"type": "prelu", "name": "act3"},
        {"type": "dense", "name": "out", "in_features": 24, "out_features": 2},
    ],
}

# Softmax output (mean-normalised logits), relu before an overlapping maxpool
# (windows of exact zeros: ties go to the first position), a dense-after-dense
# sigmoid.
SOFTMAX = {
    "input": {"alphabet": "ACGT", "length": 200},
    "tasks": ["c0", "c1", "c2", "c3"],
    "output": "softmax",
    "layers": [
        {"type": "conv1d", "name": "conv1", "in_channels": 4, "out_channels": 12, "kernel_size": 7},
        {"type": "relu"},
        {"type": "maxpool1d", "kernel_size": 6, "stride": 4},
        {"type": "conv1d", "name": "conv2", "in_channels": 12, "out_channels": 8, "kernel_size": 3},
        {"type": "prelu", "name": "act2", "slope_shape": "channel"},
        {"type": "maxpool1d", "kernel_size": 4},
        {"type": "flatten"},
        {"type": "dense", "name": "fc1", "in_features": 88, "out_features": 32},
        {"type": "relu"},
        {"type": "dense", "name": "fc2", "in_features": 32, "out_features": 16},
        {"type": "sigmoid"},
        {"type": "dense", "name": "out", "in_features": 16, "out_features": 4},
    ],
}

def _conv(name, cin, cout, k, **extra):
    return dict({"type": "conv1d", "name": name, "in_channels": cin, "out_channels": cout, "kernel_size": k},
                **extra)


# A graph model (format version 2) with every graph feature at once: an
# activation feeding four layers (fan-out),
# concat, an odd centre crop, a ReLU behind crop1d (RevealCancel's split
# looked up through it), an add of a ReLU output (no split of its own) and a
# conv, a tanh behind that add, two scalar outputs from one dense layer and
# a profile output (an add of two cropped branches, 2 strands); an avgpool on
# the tanh (no maxpool: summation-to-delta stays exact with 'same' padding).
FANOUT = {
    "input": {"alphabet": "ACGT", "length": 40},
    "layers": [
        _conv("c0", 4, 6, 5, padding="same"),
        {"type": "relu", "name": "r0"},
        _conv("c1", 6, 6, 3, dilation=2, padding="same", inputs=["r0"]),
        _conv("c2", 6, 2, 3, padding="same", inputs=["r0"]),
        {"type": "concat", "name": "cat", "inputs": ["c1", "r0"]},
        _conv("c3", 12, 6, 3, padding="same"),
        {"type": "add", "name": "sum", "inputs": ["r0", "c3"]},
        {"type": "tanh", "name": "t1"},
        {"type": "crop1d", "name": "odd", "length": 33, "inputs": ["c2"]},
        {"type": "relu", "name": "r2"},
        {"type": "crop1d", "name": "prof", "left": 2, "right": 0},
        _conv("pc", 6, 2, 7, inputs=["t1"]),
        {"type": "crop1d", "name": "pcrop", "length": 31},
        {"type": "add", "name": "profile", "inputs": ["pcrop", "prof"]},
        {"type": "avgpool1d", "name": "pool", "kernel_size": 4, "inputs": ["t1"]},
        {"type": "flatten", "name": "fl"},
        {"type": "dense", "name": "fc", "in_features": 60, "out_features": 8},
        {"type": "sigmoid", "name": "s1"},
        {"type": "dense", "name": "heads", "in_features": 8, "out_features": 2},
    ],
    "outputs": [{"name": "profile", "layer": "profile"},
                {"name": "heads", "layer": "heads", "tasks": ["up", "down"]}],
}

# kind -> (architecture, seed, scale)
MODELS = {
    "paper": (PAPER, 11, 1.0),
    "same": (SAME, 12, 1.5),
    "position": (POSITION, 13, 1.0),
    "softmax": (SOFTMAX, 14, 1.5),
}


def write_model(arch, path, seed=0, scale=1.0, weights=None, source=SOURCE, extra=()):
    """Run scripts/write-model.py; returns path."""
    arch_path = path + ".arch.json"
    with open(arch_path, "w") as fh:
        json.dump(arch, fh, indent=1)
    cmd = [PYTHON, os.path.join(source, "scripts", "write-model.py"), arch_path, path,
           "--seed", str(seed), "--scale", repr(scale)]
    if weights is not None:
        npz = path + ".weights.npz"
        np.savez(npz, **weights)
        cmd += ["--weights", npz]
    cmd += list(extra)
    subprocess.run(cmd, check=True)
    return path


def write_zoo(directory, source=SOURCE, kinds=None):
    """Write the MODELS into directory; returns {kind: path}."""
    out = {}
    for kind in kinds or MODELS:
        arch, seed, scale = MODELS[kind]
        out[kind] = write_model(arch, os.path.join(directory, f"{kind}.safetensors"), seed, scale, source=source)
    return out


def random_fasta(path, count, length=200, seed=0, region_name="chr2:1001-1200",
                 described=True, width=60):
    """count random records of length bases: mixed case, a few N and IUPAC
    codes; record 1 is named as a samtools region (1-based inclusive), record
    2 has a description after its name. Names sort differently in C order
    than in input order. Returns [(name, sequence)]."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(count):
        bases = rng.choice(list("ACGT"), size=length, p=[0.3, 0.2, 0.2, 0.3])
        if i % 3 == 0:
            lower = rng.random(length) < 0.3
            bases = np.where(lower, np.char.lower(bases), bases)
        if i % 4 == 1:
            spots = rng.choice(length, size=rng.integers(1, 6), replace=False)
            bases[spots] = rng.choice(list("NnRYKMSWBDHV"), size=len(spots))
        if i % 7 == 5:
            bases[10:20] = "N"
        name = region_name if i == 1 else f"seq{(count - i) * 7 % 101:03d}_{i}"
        records.append((name, "".join(bases)))
    with open(path, "w") as fh:
        for i, (name, seq) in enumerate(records):
            header = f">{name} random test record {i}" if (described and i == 2) else f">{name}"
            fh.write(header + "\n")
            for start in range(0, len(seq), width):
                fh.write(seq[start:start + width] + "\n")
    return records
