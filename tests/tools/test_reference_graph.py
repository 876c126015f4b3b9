#!/usr/bin/python3
"""Self-checks of the reference implementation (reference_deeplift.py) on
graph models (model format version 2) and of scripts/write-model.py's
version 2 files: against PyTorch autograd, finite differences, brute-force
formulas and summation-to-delta. Needs no C++ binary.

The BPNet-style models are tests/tools/bpnet_models.py's PyTorch modules
(bpnet-lite's 'same' layout and its Keras-style 'valid' twin); the small
graphs below exercise what those do not (concat, odd centre crops, a
nonlinearity behind pass-through layers, an add of an activation that has no
Δ⁺/Δ⁻ split).

Run: /usr/bin/python3 tests/tools/test_reference_graph.py [--bin BUILD] [--source SRC]
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpnet_models  # noqa: E402
import model_zoo  # noqa: E402
import reference_deeplift as R  # noqa: E402
import safetensors_model  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402

import torch  # noqa: E402
import torch_model  # noqa: E402

ARGS = script_test.parse_args(__doc__)
RUN = script_test.Runner("test_reference_graph", ARGS.keep)
TMP = RUN.tmp
SOURCE = ARGS.source
WRITE_MODEL = os.path.join(SOURCE, "scripts", "write-model.py")
RNG = np.random.default_rng(1717)
DEEPLIFT = ("revealcancel", "rescale", "genomics-default")
SCALE = 1.5    # random-weight scale of the BPNet models: a softmax neither flat nor one-hot
LENGTH = bpnet_models.SMALL["length"]

_cache = {}   # the BPNet models
_small = {}   # the fan-out graph


def random_ohe(length, n_columns=0, rng=RNG):
    x = np.zeros((4, length))
    x[rng.integers(0, 4, size=length), np.arange(length)] = 1.0
    if n_columns:
        x[:, rng.choice(length, size=n_columns, replace=False)] = 0.0
    return x


def shuffled(x, rng=RNG):
    """A reference: x's columns in random order (composition kept)."""
    return x[:, rng.permutation(x.shape[1])]


def close(got, want, rtol, atol, what):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    require(got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}")
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise script_test.Failure(f"{what}: {bad.sum()} of {bad.size} differ; first at {idx}: "
                                  f"got {got[idx]!r}, expected {want[idx]!r}")


def bpnets():
    """{kind: (torch module, model path, Network)} with their own random weights."""
    if not _cache:
        for kind, (module, path) in bpnet_models.write_pair(TMP, seed=5, scale=SCALE, source=SOURCE).items():
            arch, tensors, _ = safetensors_model.load(path)
            _cache[kind] = (module, path, R.Network(arch, tensors))
    return _cache


def write(arch, name, weights=None, seed=0, scale=1.0, extra=()):
    path = model_zoo.write_model(arch, os.path.join(TMP, name + ".safetensors"), seed, scale,
                                 weights=weights, source=SOURCE, extra=extra)
    arch2, tensors, meta = safetensors_model.load(path)
    return arch2, tensors, R.Network(arch2, tensors)


def conv(name, cin, cout, k, **extra):
    return dict({"type": "conv1d", "name": name, "in_channels": cin, "out_channels": cout, "kernel_size": k},
                **extra)


def fanout_model():
    if "fanout" not in _small:
        _small["fanout"] = write(model_zoo.FANOUT, "fanout", seed=9, scale=1.5)
    return _small["fanout"]


def zero_tensors(arch):
    """Zero tensors for every conv1d/dense layer of arch (shapes from the spec alone)."""
    out = {}
    for layer in arch["layers"]:
        if layer["type"] == "conv1d":
            out[layer["name"] + ".weight"] = np.zeros((layer["out_channels"], layer["in_channels"], layer["kernel_size"]))
            out[layer["name"] + ".bias"] = np.zeros(layer["out_channels"])
        elif layer["type"] == "dense":
            out[layer["name"] + ".weight"] = np.zeros((layer["out_features"], layer["in_features"]))
            out[layer["name"] + ".bias"] = np.zeros(layer["out_features"])
    return out


# ---------------------------------------------------------------------------
# scripts/write-model.py, version 2

@RUN.check
def write_model_version_2_files():
    arch, tensors, net = fanout_model()
    meta = safetensors_model.load(os.path.join(TMP, "fanout.safetensors"))[2]
    require(meta["version"] == "2", f"a graph model written as version {meta['version']}")
    require(net.tasks == ["profile", "up", "down"], f"tasks {net.tasks}")
    for kind, (module, path, net) in bpnets().items():
        arch, tensors, meta = safetensors_model.load(path)
        require(meta["version"] == "2", f"{kind}: version {meta['version']}")
        require([o["name"] for o in arch["outputs"]] == ["profile", "counts"] and "tasks" not in arch,
                f"{kind}: outputs {arch.get('outputs')}")
        tv = json.loads(meta["test_vectors"])
        x = np.array(tv["inputs"])
        require(x.shape == (2, 4, LENGTH), f"{kind}: test vector inputs {x.shape}")
        close(tv["logits"], net.logits(x), 1e-9, 1e-12,
              f"{kind}: the file's test vectors (torch's profile f, counts) vs the reference on the file")
    # write-model.py computes no test vectors for a graph (its forward pass is sequential)
    arch_path = os.path.join(TMP, "fanout.safetensors.arch.json")
    r = subprocess.run([model_zoo.PYTHON, WRITE_MODEL, arch_path, os.path.join(TMP, "tv.safetensors"),
                        "--test-vectors"], capture_output=True, text=True)
    require(r.returncode == 1 and "graph model" in r.stderr and not os.path.exists(os.path.join(TMP, "tv.safetensors")),
            f"--test-vectors on a graph: rc {r.returncode}, {r.stderr!r}")
    # a sequential architecture still gives a version 1 file
    arch, seed, scale = model_zoo.MODELS["paper"]
    path = model_zoo.write_model(arch, os.path.join(TMP, "v1.safetensors"), seed, scale, source=SOURCE)
    require(safetensors_model.load(path)[2]["version"] == "1", "a sequential model is not version 1")


@RUN.check
def write_model_version_2_errors():
    base = {"input": {"alphabet": "ACGT", "length": 20},
            "layers": [conv("c0", 4, 3, 5), {"type": "relu", "name": "r0"},
                       conv("c1", 3, 3, 3, padding="same"),
                       {"type": "add", "name": "a", "inputs": ["r0", "c1"]},
                       {"type": "flatten", "name": "f"},
                       {"type": "dense", "name": "out", "in_features": 48, "out_features": 1}],
            "outputs": [{"name": "y", "layer": "out"}]}

    def variant(edit):
        arch = json.loads(json.dumps(base))
        edit(arch)
        return arch

    cases = [
        (variant(lambda a: a["layers"][3].update(inputs=["r0", "nowhere"])), "input 'nowhere'"),
        (variant(lambda a: a["layers"][2].update(inputs=["a"])), "input 'a'"),            # a later layer: a cycle
        (variant(lambda a: a["layers"][3].update(inputs=["r0", "input"])), "one shape"),
        (variant(lambda a: a["layers"][2].update(padding="valid")), "one shape"),
        (variant(lambda a: (a["layers"].insert(2, {"type": "relu", "name": "dangling", "inputs": ["r0"]}),
                            a["layers"][3].update(inputs=["r0"]))), "feeds nothing"),
        (variant(lambda a: a.update(tasks=["y"])), "no 'tasks'"),
        (variant(lambda a: a["layers"].insert(4, {"type": "crop1d", "name": "cr", "length": 17})), "crop"),
        (variant(lambda a: a["layers"][3].update(type="concat", inputs=["r0", "input"])), "concat"),
        (variant(lambda a: a["layers"][1].update(name="c0")), "duplicate layer name"),
        (variant(lambda a: a["outputs"][0].update(layer="nope")), "output"),
        (variant(lambda a: a["outputs"].append({"name": "z", "layer": "out"})), "already an output"),
    ]
    for arch, message in cases:
        path = os.path.join(TMP, "bad-graph.json")
        json.dump(arch, open(path, "w"))
        r = subprocess.run([model_zoo.PYTHON, WRITE_MODEL, path, os.path.join(TMP, "bad-graph.safetensors")],
                           capture_output=True, text=True)
        require(r.returncode == 1 and message in r.stderr, f"expected '{message}': rc {r.returncode}, {r.stderr!r}")
        try:
            R.Network(arch, zero_tensors(arch))
        except ValueError as exc:
            require(not str(exc).startswith(("missing tensor", "extra tensors")),
                    f"the reference rejected a bad graph ({message}) for another reason: {exc}")
        else:
            raise script_test.Failure(f"the reference accepted a bad graph ({message})")
    require(not os.path.exists(os.path.join(TMP, "bad-graph.safetensors")), "a failed run left a file")
    write(base, "good-graph", seed=1)     # and the base itself is fine


# ---------------------------------------------------------------------------
# Forward pass vs torch

@RUN.check
def bpnet_forward_vs_torch():
    """The reference's profile and counts from the model files vs the PyTorch
    modules (weights as stored), on one-hot inputs with N columns and on a
    non-one-hot input; and the file loaded as a generic torch GraphNet."""
    x = np.stack([random_ohe(LENGTH, n) for n in (0, 5, 30)] + [RNG.random((4, LENGTH))])
    for kind, (module, path, net) in bpnets().items():
        profile, counts = bpnet_models.outputs(module, x)
        acts = net.forward(x)
        close(acts[net.node_of["profile"]], profile, 1e-5, 1e-5 * np.abs(profile).max(), f"{kind}: profile")
        close(acts[net.node_of["counts"]], counts, 1e-5, 1e-5, f"{kind}: counts")
        close(acts[net.node_of["profile"]], profile, 1e-10, 1e-12, f"{kind}: profile (float64 agreement)")
        close(net.logits(x), bpnet_models.task_values(module, x), 1e-10, 1e-12, f"{kind}: task values")
        require(profile.shape == (4, 2, 120) and net.tasks == ["profile", "counts"], f"{kind}: {profile.shape}")
        arch, tensors, _ = safetensors_model.load(path)
        close(torch_model.logits(torch_model.build(arch, tensors), x), net.logits(x), 1e-10, 1e-12,
              f"{kind}: GraphNet from the file")
    arch, tensors, net = fanout_model()
    x = np.stack([random_ohe(40, n) for n in (0, 4)] + [RNG.random((4, 40))])
    close(net.logits(x), torch_model.logits(torch_model.build(arch, tensors), x), 1e-10, 1e-12,
          "fan-out graph vs GraphNet")


@RUN.check
def keras_twin_computes_the_same_function():
    """With trim >= the receptive-field half-width, the 'valid' Keras layout
    and bpnet-lite's 'same' layout compute the same outputs from the same
    weights, and so the same scores under every method."""
    lite = bpnet_models.as_float32(bpnet_models.make("bpnet-lite", seed=21, scale=SCALE))
    keras = bpnet_models.make("keras")
    keras.load_state_dict(lite.state_dict())
    x = np.stack([random_ohe(LENGTH, n) for n in (0, 9)])
    for a, b in zip(bpnet_models.outputs(lite, x), bpnet_models.outputs(keras, x)):
        close(a, b, 1e-10, 1e-12, "bpnet-lite vs Keras layout (torch)")
    nets = {}
    for name, module in (("lite", lite), ("keras", keras)):
        path = bpnet_models.write(module, os.path.join(TMP, f"twin-{name}.safetensors"), 0, SOURCE)
        nets[name] = R.Network(*safetensors_model.load(path)[:2])
    x = random_ohe(LENGTH, 4)
    refs = np.stack([shuffled(x), R.reference_for("gc:0.4", x)])
    for method in R.METHODS[:-1]:
        for convention in R.PROFILE_TARGETS:
            a = R.score_references(nets["lite"], x, refs, method, profile_convention=convention)
            b = R.score_references(nets["keras"], x, refs, method, profile_convention=convention)
            for key in ("logits", "ref_logits", "s", "H"):
                close(b[key], a[key], 1e-9, 1e-12 * np.abs(a[key]).max(), f"{method} {convention}: {key}")


# ---------------------------------------------------------------------------
# grad-input against autograd and finite differences

@RUN.check
def grad_input_vs_autograd_bpnet():
    """grad-input multipliers = torch's gradient of the profile f and of the
    counts; scores = gradient × Δx (averaged over references)."""
    for kind, (module, path, net) in bpnets().items():
        for n_columns in (0, 7):
            x = random_ohe(LENGTH, n_columns)
            g = bpnet_models.gradients(module, x)
            refs = np.stack([shuffled(x), shuffled(x), R.reference_for("gc:0.4", x)])
            out = R.score_references(net, x, refs, "grad-input")
            for t, task in enumerate(net.tasks):
                scale = np.abs(g[t]).max()
                for k, m in enumerate(out["m_k"]):
                    close(m[t], g[t], 1e-8, 1e-10 * scale, f"{kind} {task}: multipliers (reference {k}) = gradient")
                close(out["s"][t], (g[t] * (x - refs.mean(axis=0))).sum(axis=0), 1e-8, 1e-10 * scale,
                      f"{kind} {task}: s = Σ_c gradient·(x − mean r)")
                close(out["H"][t], g[t] - (refs.mean(axis=0) * g[t]).sum(axis=0), 1e-8, 1e-10 * scale,
                      f"{kind} {task}: H = gradient − Σ_c mean r·gradient")


@RUN.check
def grad_input_vs_autograd_small_graph():
    arch, tensors, net = fanout_model()
    tnet = torch_model.build(arch, tensors)
    for n_columns in (0, 3):
        x = random_ohe(40, n_columns)
        out = R.score(net, x, R.reference_for("gc:0.4", x), "grad-input")
        for t, task in enumerate(net.tasks):
            g = torch_model.gradient(tnet, x, t)
            close(out["m"][t], g, 1e-9, 1e-12 * np.abs(g).max(), f"fan-out graph {task}: multipliers = gradient")


@RUN.check
def fan_out_sums_vs_finite_differences():
    """Multipliers summed where one activation feeds several layers: the
    grad-input multipliers of the fan-out graph and of the BPNet models
    against central finite differences of the reference's own forward pass
    (float64, step 1e-6), at a non-one-hot point so no ReLU sits at a kink."""
    arch, tensors, net = fanout_model()
    cases = [("fan-out", net, RNG.random((4, 40)), range(40))]
    for kind, (module, path, bnet) in bpnets().items():
        cases.append((kind, bnet, RNG.random((4, LENGTH)), RNG.choice(LENGTH, size=12, replace=False)))
    for name, model, x, positions in cases:
        m = R.score(model, x, np.zeros_like(x), "grad-input")["m"]
        step = 1e-6
        for pos in positions:
            for c in range(4):
                up, down = x.copy(), x.copy()
                up[c, pos] += step
                down[c, pos] -= step
                fd = (model.logits(up) - model.logits(down)) / (2 * step)
                close(m[:, c, pos], fd, 1e-5, 1e-7 * (1 + np.abs(m).max()), f"{name}: m[:, {c}, {pos}] vs finite differences")


@RUN.check
def ism_on_a_graph_vs_torch():
    """ism on the fan-out graph: D[t, c, l] = value_t(x with base c at l) −
    value_t(x), a profile task's value being f, against the torch GraphNet."""
    arch, tensors, net = fanout_model()
    tnet = torch_model.build(arch, tensors)
    x = random_ohe(40, 3)
    out = R.score(net, x, R.reference_for("gc:0.4", x), "ism")
    base = torch_model.logits(tnet, x[None])[0]
    for pos in (0, 7, 20, 39):
        for c in range(4):
            y = x.copy()
            y[:, pos] = 0
            y[c, pos] = 1
            close(out["D"][:, c, pos], torch_model.logits(tnet, y[None])[0] - base, 1e-9, 1e-12, f"D[:, {c}, {pos}]")


# ---------------------------------------------------------------------------
# Profile targets

def brute_force_h(zt_x, zt_r):
    """Per entry, in plain Python: hᵢ = z̃ᵢ·softmax(z̃)ᵢ at x and r."""
    def softmax(v):
        top = max(v)
        e = [math.exp(a - top) for a in v]
        total = sum(e)
        return [a / total for a in e]
    p_x, p_r = softmax(list(zt_x)), softmax(list(zt_r))
    return [a * b for a, b in zip(zt_x, p_x)], [a * b for a, b in zip(zt_r, p_r)], p_x, p_r


@RUN.check
def profile_rescale_seed_brute_force():
    """bpnet-lite: seedⱼ = mⱼ − mean(m), mᵢ = Δhᵢ/Δz̃ᵢ computed entry by entry;
    where Δz̃ᵢ = 0 the derivative of hᵢ in z̃ᵢ alone, checked by finite
    differences; Σ seed·Δz = f(x) − f(r) when no entry is under the guard."""
    rng = np.random.default_rng(3)
    for trial in range(6):
        n = 2 * 30
        z_x = rng.normal(0, 1 + trial, size=n)
        dz = rng.normal(0, 1, size=n)
        if trial % 2:
            # a mean-zero Δz with exact zeros: Δz̃ᵢ = 0 there, the guard's derivative branch
            dz[:10] = 0.0
            dz[10:] -= dz[10:].mean()
            dz[10] = -dz[11:].sum()
        z_r = z_x - dz
        zt_x, zt_r = z_x - z_x.mean(), z_r - z_r.mean()
        h_x, h_r, p_x, _ = brute_force_h(zt_x, zt_r)
        m = []
        for i in range(n):
            d = zt_x[i] - zt_r[i]
            if abs(d) >= 1e-6:
                m.append((h_x[i] - h_r[i]) / d)
            else:
                # ∂hᵢ/∂z̃ᵢ with the other entries fixed, by central differences
                eps = 1e-5
                up, down = zt_x.copy(), zt_x.copy()
                up[i] += eps
                down[i] -= eps
                m.append((brute_force_h(up, zt_r)[0][i] - brute_force_h(down, zt_r)[0][i]) / (2 * eps))
        want = np.array(m) - np.mean(m)
        seed = R.profile_seed(z_x, z_r, "rescale", "bpnet-lite")
        close(seed, want, 1e-7, 1e-9, f"trial {trial}: bpnet-lite seed vs brute force")
        # hᵢ depends on every z̃ through pᵢ: an entry under the guard (Δz̃ᵢ ≈ 0)
        # loses its Δhᵢ, which is why the sum is exact only without such entries
        guarded = np.abs(zt_x - zt_r) < 1e-6
        lost = sum(h_x[i] - h_r[i] for i in range(n) if guarded[i])
        f = lambda z: R.profile_target(z)[2]   # noqa: E731
        close((seed * dz).sum(), f(z_x) - f(z_r) - lost, 1e-10, 1e-12,
              f"trial {trial}: Σ seed·Δz = f(x) − f(r) (less the guarded entries' Δh)")
        require(guarded.sum() == (10 if trial % 2 else 0), f"trial {trial}: {guarded.sum()} entries under the guard")


@RUN.check
def profile_chrombpnet_seed_is_two_player_shapley():
    """chrombpnet: softmax weights held fixed, the product pᵢ·z̃ᵢ split
    between p and z̃ as two Shapley players. F(p, z̃) = Σ pᵢz̃ᵢ is bilinear,
    so z̃'s value ½[F(p_r, z̃_x) − F(p_r, z̃_r)] + ½[F(p_x, z̃_x) − F(p_x, z̃_r)]
    is Σ ½(p_x + p_r)ᵢ·Δz̃ᵢ; per entry that coefficient, through the mean
    subtraction, is the seed."""
    rng = np.random.default_rng(4)
    for trial in range(4):
        n = 2 * 25
        z_x, z_r = rng.normal(0, 2, size=n), rng.normal(0, 2, size=n)
        zt_x, zt_r = z_x - z_x.mean(), z_r - z_r.mean()
        _, _, p_x, p_r = brute_force_h(zt_x, zt_r)
        p_x, p_r = np.array(p_x), np.array(p_r)
        big_f = lambda p, zt: float((p * zt).sum())   # noqa: E731
        shapley = 0.5 * (big_f(p_r, zt_x) - big_f(p_r, zt_r)) + 0.5 * (big_f(p_x, zt_x) - big_f(p_x, zt_r))
        seed = R.profile_seed(z_x, z_r, "rescale", "chrombpnet")
        close((seed * (z_x - z_r)).sum(), shapley, 1e-10, 1e-12, f"trial {trial}: Σ seed·Δz = Shapley value")
        # per entry: raise one z and compare the change of the bilinear split
        for i in range(0, n, 7):
            e = np.zeros(n)
            e[i] = 1.0
            et = e - e.mean()
            close(seed[i], 0.5 * ((p_x + p_r) * et).sum(), 1e-10, 1e-14, f"trial {trial}: seed[{i}]")
        fx, fr = big_f(p_x, zt_x), big_f(p_r, zt_r)
        require(abs((seed * (z_x - z_r)).sum() - (fx - fr)) > 1e-6,
                "chrombpnet seed summed to f(x) − f(r): the check cannot tell the conventions apart")
        close(R.profile_seed(z_x, z_r, "revealcancel", "chrombpnet"), seed, 0, 0, "the seed does not depend on the method")


@RUN.check
def profile_gradient_seed_vs_autograd():
    """grad-input: the seed is torch's gradient of f = Σ softmax(z̃)·z̃ in z."""
    rng = np.random.default_rng(5)
    for trial in range(4):
        z = rng.normal(0, 1 + 2 * trial, size=(2, 40))
        zt = torch.as_tensor(z[None]).clone().requires_grad_(True)
        torch_model.profile_f(zt).sum().backward()
        close(R.profile_seed(z.reshape(-1), rng.normal(size=80), "grad-input"), zt.grad[0].numpy().reshape(-1),
              1e-10, 1e-14, f"trial {trial}: gradient seed")


# ---------------------------------------------------------------------------
# Summation-to-delta and the references

@RUN.check
def summation_to_delta_residual_models():
    """Every DeepLIFT method, counts and the bpnet-lite profile: Σ s =
    value(x) − mean_k value(r_k), per reference and averaged over K
    references (shuffles and GC backgrounds)."""
    for kind, (module, path, net) in bpnets().items():
        for trial in range(2):
            x = random_ohe(LENGTH, 6 * trial)
            refs = np.stack([shuffled(x), shuffled(x), R.reference_for("gc:0.4", x), np.zeros_like(x)])
            for method in DEEPLIFT:
                out = R.score_references(net, x, refs, method)
                delta = out["logits"] - out["ref_logits"]
                close(out["s"].sum(axis=1), delta, 1e-8, 1e-10 * (1 + np.abs(out["s"]).sum()),
                      f"{kind} {method}: Σ s = value(x) − mean value(r_k)")
            fx = R.score(net, x, refs[0], "rescale", profile_convention="chrombpnet")
            require(abs(fx["s"][0].sum() - (fx["logits"] - fx["ref_logits"])[0]) > 1e-6,
                    f"{kind}: chrombpnet's profile scores summed to Δf")
            close(fx["s"][1].sum(), (fx["logits"] - fx["ref_logits"])[1], 1e-8, 1e-10,
                  f"{kind}: chrombpnet convention, counts still sum")


@RUN.check
def summation_to_delta_small_graph():
    arch, tensors, net = fanout_model()
    for spec in ("gc:0.4", "zeros", "freqs:0.1,0.35,0.25,0.3"):
        x = random_ohe(40, 3)
        ref = R.reference_for(spec, x)
        require(R.summation_exact(net, ref), f"{spec}: the fan-out graph's maxpool sees a varying reference")
        for method in DEEPLIFT:
            out = R.score(net, x, ref, method)
            close(out["s"].sum(axis=1), out["logits"] - out["ref_logits"], 1e-8, 1e-10,
                  f"fan-out graph {spec} {method}: Σ s = Δ")


@RUN.check
def npz_references_average():
    """score_references = the mean over k of score() against each r_k:
    s, H = mean_k(m_k − Σ_c r_k·m_k), ref_logits; contrib = ohe ⊙ s."""
    module, path, net = bpnets()["bpnet-lite"]
    x = random_ohe(LENGTH, 3)
    refs = np.stack([shuffled(x) for _ in range(3)])
    for method in ("rescale", "revealcancel", "grad-input"):
        out = R.score_references(net, x, refs, method)
        runs = [R.score(net, x, r, method) for r in refs]
        hyp = np.mean([run["m"] - (r[None] * run["m"]).sum(axis=1, keepdims=True) for run, r in zip(runs, refs)], axis=0)
        close(out["H"], hyp, 1e-12, 1e-14, f"{method}: H")
        close(out["s"], np.mean([(run["m"] * (x - r)[None]).sum(axis=1) for run, r in zip(runs, refs)], axis=0),
              1e-12, 1e-14, f"{method}: s")
        close(out["ref_logits"], np.mean([run["ref_logits"] for run in runs], axis=0), 1e-12, 1e-14, "ref_logits")
        close(out["contrib"], x[None] * out["s"][:, None, :], 0, 0, "contrib")
        keep = x.sum(axis=0) > 0
        close((out["H"] * x[None]).sum(axis=1)[:, keep], out["s"][:, keep], 1e-10, 1e-12,
              f"{method}: H at the observed base = s")


# ---------------------------------------------------------------------------
# RevealCancel through pass-through layers

def equivalent(a, b, xa, refa, xb, refb, what, place=lambda m: m):
    for method in R.METHODS[:-1]:
        sa = R.score(a, xa, refa, method)
        sb = R.score(b, xb, refb, method)
        close(sa["logits"], sb["logits"], 1e-12, 1e-12, f"{what}: forward")
        close(sa["m"], place(sb["m"]), 1e-9, 1e-12, f"{what} {method}: multipliers")


@RUN.check
def revealcancel_split_through_crop():
    """conv → crop1d → relu scores as a conv over the cropped input → relu:
    the crop passes the Δz⁺/Δz⁻ split (and RevealCancel) through."""
    left, right, length = 3, 4, 30
    weights = {"c.weight": RNG.normal(size=(5, 4, 5)), "c.bias": RNG.normal(size=5) * 0.3,
               "o.weight": RNG.normal(size=(1, 5 * 19)), "o.bias": np.zeros(1)}
    cropped = {"input": {"alphabet": "ACGT", "length": length},
               "layers": [conv("c", 4, 5, 5), {"type": "crop1d", "name": "cr", "left": left, "right": right},
                          {"type": "relu", "name": "r"}, {"type": "flatten", "name": "f"},
                          {"type": "dense", "name": "o", "in_features": 95, "out_features": 1}],
               "outputs": [{"name": "y", "layer": "o"}]}
    plain = {"input": {"alphabet": "ACGT", "length": length - left - right}, "tasks": ["y"], "output": "linear",
             "layers": [conv("c", 4, 5, 5), {"type": "relu"}, {"type": "flatten"},
                        {"type": "dense", "name": "o", "in_features": 95, "out_features": 1}]}
    _, _, a = write(cropped, "crop-rc", weights=weights)
    _, _, b = write(plain, "crop-plain", weights=weights)
    require(R.nonlinearity_rule(a, 2, "revealcancel") == "revealcancel", "relu behind crop1d: not RevealCancel")
    for spec in ("gc:0.4", "zeros"):
        x = random_ohe(length, 2)
        ref = R.reference_for(spec, x)
        keep = slice(left, length - right)

        def place(m):
            out = np.zeros((m.shape[0], 4, length))
            out[:, :, keep] = m
            return out
        equivalent(a, b, x, ref, x[:, keep], ref[:, keep], f"crop {spec}", place)


@RUN.check
def revealcancel_split_through_concat_and_flatten():
    """relu(concat(conv_a(x), conv_b(x))) scores as relu(conv_ab(x)) with the
    stacked weights; conv (full width) → flatten → relu as flatten → dense →
    relu."""
    length = 24
    wa, wb = RNG.normal(size=(3, 4, 5)), RNG.normal(size=(2, 4, 5))
    ba, bb = RNG.normal(size=3) * 0.3, RNG.normal(size=2) * 0.3
    wo = RNG.normal(size=(2, 5 * 20))
    cat = {"input": {"alphabet": "ACGT", "length": length},
           "layers": [conv("a", 4, 3, 5), conv("b", 4, 2, 5, inputs=["input"]),
                      {"type": "concat", "name": "ab", "inputs": ["a", "b"]},
                      {"type": "tanh", "name": "t"}, {"type": "flatten", "name": "f"},
                      {"type": "dense", "name": "o", "in_features": 100, "out_features": 2}],
           "outputs": [{"name": "y", "layer": "o", "tasks": ["y0", "y1"]}]}
    stacked = {"input": {"alphabet": "ACGT", "length": length}, "tasks": ["y0", "y1"], "output": "linear",
               "layers": [conv("ab", 4, 5, 5), {"type": "tanh"}, {"type": "flatten"},
                          {"type": "dense", "name": "o", "in_features": 100, "out_features": 2}]}
    _, _, a = write(cat, "concat-rc", weights={"a.weight": wa, "a.bias": ba, "b.weight": wb, "b.bias": bb,
                                               "o.weight": wo, "o.bias": np.zeros(2)})
    _, _, b = write(stacked, "concat-plain", weights={"ab.weight": np.concatenate([wa, wb]),
                                                      "ab.bias": np.concatenate([ba, bb]),
                                                      "o.weight": wo, "o.bias": np.zeros(2)})
    x = random_ohe(length, 2)
    equivalent(a, b, x, R.reference_for("gc:0.4", x), x, R.reference_for("gc:0.4", x), "concat")

    wc = RNG.normal(size=(6, 4, length))
    flat_relu = {"input": {"alphabet": "ACGT", "length": length}, "tasks": ["y"], "output": "linear",
                 "layers": [conv("c", 4, 6, length), {"type": "flatten"}, {"type": "relu"},
                            {"type": "dense", "name": "o", "in_features": 6, "out_features": 1}]}
    dense_relu = {"input": {"alphabet": "ACGT", "length": length}, "tasks": ["y"], "output": "linear",
                  "layers": [{"type": "flatten"}, {"type": "dense", "name": "c", "in_features": 4 * length,
                                                   "out_features": 6},
                             {"type": "relu"}, {"type": "dense", "name": "o", "in_features": 6, "out_features": 1}]}
    common = {"c.bias": RNG.normal(size=6), "o.weight": RNG.normal(size=(1, 6)), "o.bias": np.zeros(1)}
    _, _, a = write(flat_relu, "flatten-rc", weights=dict(common, **{"c.weight": wc}))
    _, _, b = write(dense_relu, "flatten-dense", weights=dict(common, **{"c.weight": wc.reshape(6, -1)}))
    for method in ("revealcancel", "rescale", "grad-input"):   # genomics-default: conv vs dense rules differ
        x = random_ohe(length, 3)
        ref = R.reference_for("gc:0.4", x)
        close(R.score(a, x, ref, method)["m"], R.score(b, x, ref, method)["m"], 1e-9, 1e-12,
              f"flatten → relu {method}")


@RUN.check
def revealcancel_through_add_scalar_loop():
    """relu(add(relu(dense₁(x)), dense₂(x))) → dense: a second, scalar-loop
    implementation of the add rule (the inner ReLU has no split of its own:
    its Δ counts in Δz⁺ where > 0, in Δz⁻ where < 0, and takes M⁺ or M⁻ by
    that sign, the mean of both at Δ == 0), compared with the reference."""
    arch = {"input": {"alphabet": "ACGT", "length": 3},
            "layers": [{"type": "flatten", "name": "f"},
                       {"type": "dense", "name": "d1", "in_features": 12, "out_features": 5},
                       {"type": "relu", "name": "r1"},
                       {"type": "dense", "name": "d2", "in_features": 12, "out_features": 5, "inputs": ["f"]},
                       {"type": "add", "name": "s", "inputs": ["r1", "d2"]},
                       {"type": "relu", "name": "r2"},
                       {"type": "dense", "name": "out", "in_features": 5, "out_features": 2}],
            "outputs": [{"name": "out", "layer": "out", "tasks": ["a", "b"]}]}
    _, tensors, net = write(arch, "add-loop", seed=31, scale=2.0)
    w1, b1 = tensors["d1.weight"].astype(float), tensors["d1.bias"].astype(float)
    w2, b2 = tensors["d2.weight"].astype(float), tensors["d2.bias"].astype(float)
    wo = tensors["out.weight"].astype(float)
    relu = lambda z: max(z, 0.0)   # noqa: E731

    def pick(delta, mp, mm):
        return (mp + mm) / 2 if delta == 0 else (mp if delta > 0 else mm)

    def revealcancel(z0, zp, zm, m_y):
        yp = 0.5 * (relu(z0 + zp) - relu(z0)) + 0.5 * (relu(z0 + zm + zp) - relu(z0 + zm))
        ym = 0.5 * (relu(z0 + zm) - relu(z0)) + 0.5 * (relu(z0 + zp + zm) - relu(z0 + zp))
        return m_y * yp / max(zp, 1e-7), m_y * ym / min(zm, -1e-7)

    compared = 0
    for trial, spec in enumerate(("gc:0.4", "zeros", "freqs:0.1,0.35,0.25,0.3", "gc:0.6")):
        x = random_ohe(3, trial % 2)
        ref = R.reference_for(spec, x)
        xf, rf = x.reshape(-1), ref.reshape(-1)
        dx = xf - rf
        want = np.zeros((2, 12))
        for t in range(2):
            for j in range(5):
                z1x, z1r = b1[j] + w1[j] @ xf, b1[j] + w1[j] @ rf
                d_r1 = relu(z1x) - relu(z1r)
                t2 = [w2[j, i] * dx[i] for i in range(12)]
                zp = max(d_r1, 0) + sum(v for v in t2 if v > 0)
                zm = min(d_r1, 0) + sum(v for v in t2 if v < 0)
                z0 = relu(z1r) + b2[j] + w2[j] @ rf
                mp, mm = revealcancel(z0, zp, zm, wo[t, j])
                for i in range(12):                       # dense₂ takes M⁺/M⁻ by the sign of w·Δx
                    want[t, i] += w2[j, i] * pick(dx[i] if dx[i] == 0 else t2[i], mp, mm)
                m_r1 = pick(d_r1, mp, mm)                 # the inner ReLU: by the sign of its Δ
                t1 = [w1[j, i] * dx[i] for i in range(12)]
                mp1, mm1 = revealcancel(z1r, sum(v for v in t1 if v > 0), sum(v for v in t1 if v < 0), m_r1)
                for i in range(12):
                    want[t, i] += w1[j, i] * pick(dx[i] if dx[i] == 0 else t1[i], mp1, mm1)
                compared += d_r1 != 0
        got = R.score(net, x, ref, "revealcancel")["m"].reshape(2, 12)
        close(got, want, 1e-9, 1e-12, f"{spec}: add rule")
    require(compared > 0, "no inner ReLU had a non-zero Δ")


@RUN.check
def no_split_behind_a_pool_is_rescale():
    """A nonlinearity whose input comes (through crop/flatten) from a pool has
    no Δz⁺/Δz⁻: Rescale under every method."""
    arch, tensors, net = fanout_model()
    rules = {net.arch["layers"][i].get("name"): R.nonlinearity_rule(net, i, "revealcancel")
             for i, layer in enumerate(net.layers) if isinstance(layer, R.Elementwise)}
    require(rules == {"r0": "revealcancel", "t1": "revealcancel", "r2": "revealcancel", "s1": "revealcancel"},
            f"rules {rules}")
    pooled = {"input": {"alphabet": "ACGT", "length": 20},
              "layers": [conv("c", 4, 3, 3), {"type": "maxpool1d", "name": "p", "kernel_size": 2},
                         {"type": "crop1d", "name": "cr", "left": 1}, {"type": "relu", "name": "r"},
                         {"type": "flatten", "name": "f"},
                         {"type": "dense", "name": "o", "in_features": 24, "out_features": 1}],
              "outputs": [{"name": "y", "layer": "o"}]}
    _, _, net = write(pooled, "pooled", seed=2)
    require(R.nonlinearity_rule(net, 3, "revealcancel") == "rescale", "relu behind maxpool → crop: not Rescale")
    require(R.revealcancel_fallbacks(net) == ["r"] and R.revealcancel_fallbacks(fanout_model()[2]) == [],
            "revealcancel_fallbacks")
    x = random_ohe(20)
    ref = R.reference_for("gc:0.4", x)
    close(R.score(net, x, ref, "revealcancel")["m"], R.score(net, x, ref, "rescale")["m"], 0, 0,
          "revealcancel = rescale when no split can be had")


@RUN.check
def float32_emulation_of_graphs():
    """The float32 run of the reference (the tolerance's rounding spread) stays
    near the float64 one on the BPNet models, for references where the
    profile seed is well-conditioned (bpnet_models.conditioned_shuffles); and
    a reference where it is not is indeed where float32 moves the scores."""
    worst_small = 0.0
    for kind, (module, path, net) in bpnets().items():
        net32 = R.Network(*safetensors_model.load(path)[:2], dtype=np.float32)
        x = random_ohe(LENGTH, 2)
        refs = bpnet_models.conditioned_shuffles([(net, net32)], x, 2, RNG)
        for _ in range(200):
            ill = shuffled(x)
            if R.profile_seed_spread(net, net32, x, ill) > 3e-4:
                break
        a, b = R.score(net, x, ill, "rescale"), R.score(net32, x, ill, "rescale")
        worst_small = max(worst_small, np.abs(a["H"][0] - b["H"][0]).max() / np.abs(a["H"][0]).max())
        for method, convention in (("rescale", "bpnet-lite"), ("rescale", "chrombpnet"), ("revealcancel", "bpnet-lite")):
            a = R.score_references(net, x, refs, method, profile_convention=convention)
            b = R.score_references(net32, x, refs, method, profile_convention=convention)
            for key in ("s", "H"):
                scale = np.abs(a[key]).max()
                close(b[key], a[key], 1e-4, 1e-5 * scale, f"{kind} {method} {convention} {key} float32")
    require(worst_small > 1e-4, f"float32 moved the ill-conditioned references' scores by only {worst_small:.2g}")
    require(R.profile_seed_spread(net, net, x, ill) == 0, "profile_seed_spread of a model with itself")


if __name__ == "__main__":
    sys.exit(RUN.run(only=set(os.environ.get("ONLY", "").split(",")) - {""}))
