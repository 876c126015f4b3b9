"""Converters from PyTorch and ONNX to the deeplift-cpp model file (docs/model-format.md).

Used by scripts/convert-model. Each source (torch_source, onnx_source)
turns a model into the same intermediate list of layer records; common.py
folds batch normalisation, detects the output function, names the layers and
writes the file through scripts/deeplift_py/model_file.py.
"""
