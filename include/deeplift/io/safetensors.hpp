// Reader for the safetensors container (https://github.com/huggingface/safetensors):
// 8-byte little-endian header length N, N bytes of JSON, then raw
// little-endian tensor data. Only what docs/model-format.md allows is accepted: F32
// tensors whose data_offsets exactly tile the data section.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "deeplift/tensor.hpp"

namespace deeplift {

// The container's tensors are the neutral FloatTensor (tensor.hpp).
using SafetensorsTensor = FloatTensor;

struct SafetensorsFile {
  std::map<std::string, SafetensorsTensor> tensors;
  std::map<std::string, std::string> metadata;  // "__metadata__" (string values)
};

// Throws IoError if the file cannot be read and FormatError naming `path`
// for every violation: header length past the end of the file, header not
// JSON, unknown dtype, offsets out of range/overlapping/leaving gaps or
// trailing bytes, shape/size disagreement.
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace deeplift
