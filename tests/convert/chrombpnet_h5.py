"""ChromBPNet-layout Keras .h5 files written with h5py (no TensorFlow), for
tests/convert/test_convert_bpnet.py.

The layout is what Keras 2 writes for chrombpnet's bpnet_model.py: the root
attribute `model_config` (the functional graph as JSON, optional here), and
`model_weights/<layer>/<layer>/kernel:0`, `bias:0` with the layer group's
`weight_names` attribute; Conv1D kernels (k, C_in, C_out), Dense kernels
(in, out). The weights are a tests/tools/bpnet_models.KerasBPNet module's
(the same network, channels first): kernel = weight.transpose(2, 1, 0).

prefix "" gives the bias model's names (bpnet_1st_conv, bpnet_{i}conv,
prof_out_precrop, logcount_predictions); "wo_bias_" those of
chrombpnet_nobias.h5 (wo_bias_bpnet_1st_conv, wo_bias_bpnet_{i}conv,
wo_bias_bpnet_prof_out_precrop, wo_bias_bpnet_logcount_predictions).
"""
import json

import h5py
import numpy as np


def layer_names(n_layers, prefix=""):
    """{role: layer name} as chrombpnet names them."""
    long = "wo_bias_bpnet_" if prefix else ""
    names = {"first": f"{prefix}bpnet_1st_conv", "profile": f"{long}prof_out_precrop",
             "counts": f"{long}logcount_predictions", "crop": f"{long}logitt_before_flatten" if prefix
             else "logits_profile_predictions_preflatten",
             "flatten": f"{long}logits_profile_predictions" if prefix else "logits_profile_predictions"}
    for i in range(1, n_layers + 1):
        names[i] = f"{prefix}bpnet_{i}conv"
    return names


def _conv_config(name, filters, kernel, dilation=1, activation="relu"):
    return {"class_name": "Conv1D", "name": name,
            "config": {"name": name, "trainable": True, "dtype": "float32", "filters": filters,
                       "kernel_size": [kernel], "strides": [1], "padding": "valid", "data_format": "channels_last",
                       "dilation_rate": [dilation], "groups": 1, "activation": activation, "use_bias": True}}


def model_config(module, names, length, cropsize, flatten=True):
    """Keras 2 functional-model JSON of the ChromBPNet graph."""
    n_filters, n_strands = module.iconv.out_channels, module.fconv.out_channels
    node = lambda *inputs: [[[n, 0, 0, {}] for n in inputs]]  # noqa: E731
    layers = [{"class_name": "InputLayer", "name": "sequence", "inbound_nodes": [],
               "config": {"batch_input_shape": [None, length, 4], "dtype": "float32", "name": "sequence"}}]
    first = _conv_config(names["first"], n_filters, 21)
    first["inbound_nodes"] = node("sequence")
    layers.append(first)
    trunk = names["first"]
    for i in range(1, len(module.rconvs) + 1):
        conv = _conv_config(names[i], n_filters, 3, 2 ** i)
        conv["inbound_nodes"] = node(trunk)
        crop = names[i][:-4] + "crop"
        add = "add" if i == 1 else f"add_{i - 1}"
        layers += [conv,
                   {"class_name": "Cropping1D", "name": crop, "inbound_nodes": node(trunk),
                    "config": {"name": crop, "cropping": [2 ** i, 2 ** i]}},
                   {"class_name": "Add", "name": add, "inbound_nodes": node(names[i], crop),
                    "config": {"name": add}}]
        trunk = add
    profile = _conv_config(names["profile"], n_strands, 75, activation="linear")
    profile["inbound_nodes"] = node(trunk)
    layers += [profile,
               {"class_name": "Cropping1D", "name": names["crop"], "inbound_nodes": node(names["profile"]),
                "config": {"name": names["crop"], "cropping": [cropsize, cropsize]}}]
    out_profile = names["crop"]
    if flatten:
        layers.append({"class_name": "Flatten", "name": names["flatten"], "inbound_nodes": node(names["crop"]),
                       "config": {"name": names["flatten"], "data_format": "channels_last"}})
        out_profile = names["flatten"]
    layers += [{"class_name": "GlobalAveragePooling1D", "name": "gap", "inbound_nodes": node(trunk),
                "config": {"name": "gap", "data_format": "channels_last"}},
               {"class_name": "Dense", "name": names["counts"], "inbound_nodes": node("gap"),
                "config": {"name": names["counts"], "units": 1, "activation": "linear", "use_bias": True}}]
    return {"class_name": "Functional",
            "config": {"name": "model_wo_bias", "layers": layers, "input_layers": [["sequence", 0, 0]],
                       "output_layers": [[out_profile, 0, 0], [names["counts"], 0, 0]]}}


def write(module, path, prefix="", with_config=True, cropsize=0, flatten=True, drop=()):
    """A ChromBPNet-layout .h5 of a KerasBPNet module; `drop`: roles whose
    weights are left out (a broken file). Returns the layer names."""
    names = layer_names(len(module.rconvs), prefix)
    state = {k: v.detach().double().numpy() for k, v in module.state_dict().items()}
    weights = {names["first"]: ("iconv", True), names["profile"]: ("fconv", True),
               names["counts"]: ("linear", False)}
    for i in range(1, len(module.rconvs) + 1):
        weights[names[i]] = (f"rconvs.{i - 1}", True)
    dropped = {names[role] for role in drop}
    with h5py.File(path, "w") as f:
        if with_config:
            f.attrs["model_config"] = json.dumps(model_config(module, names, module.length, cropsize, flatten))
        f.attrs["keras_version"] = "2.8.0"
        f.attrs["backend"] = "tensorflow"
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([n.encode() for n in weights if n not in dropped] + [b"gap"])
        for name, (source, conv) in weights.items():
            if name in dropped:
                continue
            w, b = state[f"{source}.weight"], state[f"{source}.bias"]
            kernel = w.transpose(2, 1, 0) if conv else w.T
            layer = group.create_group(name)
            layer.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
            layer.create_dataset(f"{name}/kernel:0", data=kernel.astype(np.float32))
            layer.create_dataset(f"{name}/bias:0", data=b.astype(np.float32))
        gap = group.create_group("gap")
        gap.attrs["weight_names"] = np.array([], dtype="S1")
    return names
