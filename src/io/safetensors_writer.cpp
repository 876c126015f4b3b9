#include "deeplift/io/safetensors_writer.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "deeplift/errors.hpp"

namespace deeplift {

void write_safetensors(std::FILE* out, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  header["__metadata__"] = metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__" || !names.insert(name).second)
      throw Error("safetensors writer: tensor name '" + name + "' is reserved or repeated");
    if (tensor.element_count() != static_cast<int64_t>(tensor.values.size()))
      throw Error("safetensors writer: tensor '" + name + "' has " + std::to_string(tensor.values.size()) +
                  " values for shape " + std::to_string(tensor.element_count()));
    const uint64_t end = offset + tensor.values.size() * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text = header.dump();
  // Pad with spaces (valid JSON whitespace) so the data section starts on an
  // 8-byte boundary, as the reference implementation does: readers that
  // memory-map the file can then view the floats in place.
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>((static_cast<uint64_t>(text.size()) >> (8 * i)) & 0xff);
  std::fwrite(length, 1, 8, out);
  std::fwrite(text.data(), 1, text.size(), out);
  // The format is little-endian; so is every platform this builds on (x86-64, aarch64).
  for (const auto& entry : tensors)
    if (!entry.tensor.values.empty()) std::fwrite(entry.tensor.values.data(), sizeof(float), entry.tensor.values.size(), out);
}

}  // namespace deeplift
