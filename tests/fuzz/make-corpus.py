#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/.

Small valid (and a few nearly valid) inputs that reach every branch a
fuzzer should start mutating from: each layer type, padding and output
kind for the model loader; plain, gzip, CRLF, soft-masked and region-named
FASTA; BED with comments, overlaps and both chromosomes of the fuzz genome;
narrowPeak with overlapping, equal and missing (-1) summits, headers,
windows past a chromosome end and gzip; MEME with background and optional matrix keys.

usage: tests/fuzz/make-corpus.py   (rewrites the corpus; needs numpy)
"""
import gzip
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))
from cli_support import SMALL_ARCH, model_metadata, safetensors_bytes, small_tensors  # noqa: E402


def put(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())


def small_forward(tensors, x):
    """SMALL_ARCH's logits for one-hot x [4, 20]: conv(k=5) → relu → flatten → dense."""
    w, b = tensors["conv1.weight"].astype(np.float64), tensors["conv1.bias"].astype(np.float64)
    conv = np.stack([np.array([(w[o] * x[:, l:l + 5]).sum() for l in range(16)]) + b[o] for o in range(3)])
    flat = np.maximum(conv, 0).reshape(-1)  # channel-major, as PyTorch's flatten(1)
    return tensors["out.weight"].astype(np.float64) @ flat + tensors["out.bias"]


def graph_model(style, rng, length=24, filters=3, out_length=6):
    """A BPNet-like graph (docs/graph-models.md) and random float32 tensors."""
    padding = "same" if style == "same" else "valid"

    def conv(name, cin, cout, k, dilation, source):
        return {"type": "conv1d", "name": name, "in_channels": cin, "out_channels": cout, "kernel_size": k,
                "dilation": dilation, "padding": padding, "inputs": [source]}

    layers = [conv("c0", 4, filters, 5, 1, "input"), {"type": "relu", "name": "r0"}]
    previous = "r0"
    for i in (1, 2):
        d = 2 ** i
        layers += [conv("c%d" % i, filters, filters, 3, d, previous), {"type": "relu", "name": "r%d" % i}]
        if style == "same":
            layers.append({"type": "add", "name": "a%d" % i, "inputs": [previous, "r%d" % i]})
        else:
            layers.append({"type": "crop1d", "name": "k%d" % i, "left": d, "right": d, "inputs": [previous]})
            layers.append({"type": "add", "name": "a%d" % i, "inputs": ["r%d" % i, "k%d" % i]})
        previous = "a%d" % i
    layers += [conv("pconv", filters, 2, 3, 1, previous),
               {"type": "crop1d", "name": "profile", "length": out_length},
               {"type": "crop1d", "name": "cwin", "length": out_length + 2, "inputs": [previous]},
               {"type": "avgpool1d", "name": "gap", "kernel_size": out_length + 2},
               {"type": "flatten", "name": "f"},
               {"type": "dense", "name": "counts", "in_features": filters, "out_features": 1}]
    arch = {"input": {"alphabet": "ACGT", "length": length}, "layers": layers,
            "outputs": [{"name": "profile", "layer": "profile"}, {"name": "counts", "layer": "counts"}]}
    tensors = {}
    for layer in layers:
        if layer["type"] == "conv1d":
            shape = (layer["out_channels"], layer["in_channels"], layer["kernel_size"])
            tensors[layer["name"] + ".weight"] = rng.normal(size=shape)
            tensors[layer["name"] + ".bias"] = rng.normal(size=layer["out_channels"])
        elif layer["type"] == "dense":
            tensors[layer["name"] + ".weight"] = rng.normal(size=(layer["out_features"], layer["in_features"]))
            tensors[layer["name"] + ".bias"] = rng.normal(size=layer["out_features"])
    return arch, {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}


def models():
    put("model_loader", "small.safetensors", safetensors_bytes(small_tensors(), model_metadata(SMALL_ARCH)))

    rng = np.random.default_rng(3)
    tensors = small_tensors()
    inputs = [np.eye(4)[rng.integers(0, 4, 20)].T, np.zeros((4, 20))]
    metadata = model_metadata(SMALL_ARCH)
    metadata["test_vectors"] = json.dumps({"inputs": [x.tolist() for x in inputs],
                                           "logits": [small_forward(tensors, x).tolist() for x in inputs]})
    put("model_loader", "test_vectors.safetensors", safetensors_bytes(tensors, metadata))

    # Every other layer type and option: same padding, stride, dilation,
    # per-channel PReLU, both pools, sigmoid/tanh, softmax output.
    arch = {
        "input": {"alphabet": "ACGT", "length": 12},
        "tasks": ["x", "y"],
        "output": "softmax",
        "layers": [
            {"type": "conv1d", "name": "c1", "in_channels": 4, "out_channels": 2, "kernel_size": 3,
             "stride": 1, "dilation": 2, "padding": "same"},
            {"type": "prelu", "name": "p1"},
            {"type": "maxpool1d", "kernel_size": 2},
            {"type": "conv1d", "name": "c2", "in_channels": 2, "out_channels": 2, "kernel_size": 2, "stride": 2},
            {"type": "tanh"},
            {"type": "avgpool1d", "kernel_size": 1, "stride": 1},
            {"type": "flatten"},
            {"type": "dense", "name": "d1", "in_features": 6, "out_features": 3},
            {"type": "sigmoid"},
            {"type": "dense", "name": "d2", "in_features": 3, "out_features": 2},
        ],
    }
    tensors = {
        "c1.weight": rng.normal(size=(2, 4, 3)), "c1.bias": rng.normal(size=2), "p1.weight": np.full(2, 0.2),
        "c2.weight": rng.normal(size=(2, 2, 2)), "c2.bias": rng.normal(size=2),
        "d1.weight": rng.normal(size=(3, 6)), "d1.bias": rng.normal(size=3),
        "d2.weight": rng.normal(size=(2, 3)), "d2.bias": rng.normal(size=2),
    }
    tensors = {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}
    put("model_loader", "layers.safetensors", safetensors_bytes(tensors, model_metadata(arch)))

    # PReLU with a slope per channel and position (Keras' default), linear output.
    arch = {"input": {"alphabet": "ACGT", "length": 4}, "tasks": ["t"], "output": "linear",
            "layers": [{"type": "prelu", "name": "a"}, {"type": "flatten"},
                       {"type": "dense", "name": "o", "in_features": 16, "out_features": 1}]}
    tensors = {"a.weight": np.full((4, 4), 0.1, np.float32), "o.weight": np.ones((1, 16), np.float32),
               "o.bias": np.zeros(1, np.float32)}
    put("model_loader", "prelu_position.safetensors", safetensors_bytes(tensors, model_metadata(arch)))

    # Graph models (format version 2, docs/graph-models.md): a residual
    # trunk with 'same' padding, a profile head (crop1d) and a counts head
    # (crop1d + avgpool1d + flatten + dense); its 'valid' twin with cropped
    # residuals; a concat with a multi-row output.
    for style in ("same", "valid"):
        arch, tensors = graph_model(style, rng)
        metadata = model_metadata(arch)
        metadata["version"] = "2"
        put("model_loader", "graph_%s.safetensors" % style, safetensors_bytes(tensors, metadata))
    arch = {"input": {"alphabet": "ACGT", "length": 6},
            "layers": [{"type": "conv1d", "name": "a", "in_channels": 4, "out_channels": 2, "kernel_size": 3,
                        "inputs": ["input"]},
                       {"type": "conv1d", "name": "b", "in_channels": 4, "out_channels": 1, "kernel_size": 3,
                        "inputs": ["input"]},
                       {"type": "concat", "name": "ab", "inputs": ["a", "b"]},
                       {"type": "flatten", "name": "f"},
                       {"type": "dense", "name": "o", "in_features": 12, "out_features": 2}],
            "outputs": [{"name": "heads", "layer": "o", "tasks": ["x", "y"]}]}
    tensors = {"a.weight": rng.normal(size=(2, 4, 3)), "a.bias": rng.normal(size=2),
               "b.weight": rng.normal(size=(1, 4, 3)), "b.bias": rng.normal(size=1),
               "o.weight": rng.normal(size=(2, 12)), "o.bias": rng.normal(size=2)}
    metadata = model_metadata(arch)
    metadata["version"] = "2"
    put("model_loader", "graph_concat.safetensors",
        safetensors_bytes({k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}, metadata))
    # Nearly valid graph: an input naming a later layer (a cycle).
    arch, tensors = graph_model("same", rng)
    arch["layers"][2]["inputs"] = ["a1"]
    metadata = model_metadata(arch)
    metadata["version"] = "2"
    put("model_loader", "graph_cycle.safetensors", safetensors_bytes(tensors, metadata))

    # Nearly valid: a shape that does not chain, and a header only.
    bad = json.loads(json.dumps(SMALL_ARCH))
    bad["layers"][3]["in_features"] = 47
    put("model_loader", "bad_chain.safetensors", safetensors_bytes(small_tensors(), model_metadata(bad)))
    header = json.dumps({"__metadata__": {"format": "deeplift-model", "version": "1"}}).encode()
    put("model_loader", "header_only.safetensors", struct.pack("<Q", len(header)) + header)


def fastas():
    put("fasta", "plain.fa", ">r1 description\nACGTACGTAC\nGTACGT\n>r2\nacgtnNRYSWKMBDHV\n")
    put("fasta", "crlf.fa", ">r1\r\nACGT\r\nAC\r\n\r\n>r2\r\nGG\r\n")
    put("fasta", "regions.fa", ">chr1:1-8\nACGTACGT\n>chr2:1,001-1,004\nACGT\n>HLA-A*01:01:1-2\nAC\n")
    put("fasta", "gzip.fa.gz", gzip.compress(b">g1\nACGTACGTACGT\n>g2\nTTTT\n", mtime=0))
    put("fasta", "invalid.fa", ">r1\nACGU\n")


def beds():
    put("bed", "plain.bed", "chr1\t0\t100\nchr2\t5\t20\tname\t0\t+\n")
    put("bed", "header.bed", "track name=x\nbrowser position chr1\n# comment\nchr1\t10\t60\r\n\nchr1\t250\t300\n")
    put("bed", "overlap.bed", "chr1\t0\t50\nchr1\t40\t90\nchr2\t0\t32\nchr1\t80\t120\n")
    put("bed", "past_end.bed", "chr2\t20\t40\nchr1\t290\t310\n")


def narrowpeaks():
    rest = "\tp\t0\t.\t1\t1\t1\t"
    put("narrowpeak", "overlap.narrowPeak", f"chr1\t100\t200{rest}50\nchr1\t110\t180{rest}-1\nchr1\t120\t150{rest}5\n")
    put("narrowpeak", "header_duplicate.narrowPeak",
        f"track type=narrowPeak\n# comment\nchr2\t0\t22{rest}11\r\nchr2\t0\t22{rest}11\n")
    put("narrowpeak", "past_end.narrowPeak", f"chr1\t290\t300{rest}9\nchr2\t0\t3{rest}0\n")
    put("narrowpeak", "short_line.narrowPeak", "chr1\t100\t200\n")
    put("narrowpeak", "gzip.narrowPeak.gz", gzip.compress(f"chr1\t40\t90{rest}25\n".encode(), mtime=0))


def memes():
    with open(os.path.join(HERE, "..", "..", "data", "motifs", "gata_tal.meme")) as handle:
        put("meme", "gata_tal.meme", handle.read())
    put("meme", "minimal.meme", "MEME version 5\n\nMOTIF m1 alt\nletter-probability matrix:\n"
                                "0.25 0.25 0.25 0.25\n1 0 0 0\n\nURL http://example.org\n")
    put("meme", "homer.meme", "MEME version 4\nALPHABET= ACGT\nBackground letter frequencies\n"
                              "A 0.25 C 0.25\nG 0.25 T 0.25\n\nMOTIF h1\n"
                              "letter-probability matrix: alength= 4 w= 2 nsites= 9 E= 1e-3\n"
                              " 0.501 0.2 0.2 0.1\n 0.1 0.1 0.1 0.699\n")


if __name__ == "__main__":
    models()
    fastas()
    beds()
    narrowpeaks()
    memes()
