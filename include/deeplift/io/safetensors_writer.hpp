// Writer for the safetensors container, the mirror of safetensors.hpp:
// 8-byte little-endian header length N, N bytes of JSON (one entry per
// tensor plus "__metadata__"), then the F32 tensor data back to back in the
// order given, so the data section is tiled exactly as docs/model-format.md requires.
#pragma once
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "deeplift/io/safetensors.hpp"

namespace deeplift {

// Throws Error for a tensor whose values do not match its shape or a
// repeated name; the caller checks the stream for write errors.
void write_safetensors(std::FILE* out, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata);

}  // namespace deeplift
