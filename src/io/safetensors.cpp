#include "deeplift/io/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "deeplift/errors.hpp"
#include "deeplift/io/input_file.hpp"
#include "json_message.hpp"

namespace deeplift {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw FormatError("'" + path + "': not a valid model file: " + problem);
}

uint64_t read_le64(const unsigned char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

SafetensorsFile read_safetensors(const std::string& path) {
  std::ifstream in = open_input_file(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  const std::streamoff file_end = in.tellg();
  in.seekg(0);
  // A pipe or other unseekable input has no size to check the header against.
  if (file_end < 0 || !in) throw IoError("can't read '" + path + "': not a seekable file");
  const auto file_size = static_cast<uint64_t>(file_end);
  if (file_size < 8) fail(path, "file is " + std::to_string(file_size) + " bytes, shorter than the 8-byte header length");

  unsigned char length_bytes[8];
  if (!in.read(reinterpret_cast<char*>(length_bytes), 8)) throw IoError("can't read '" + path + "': read error");
  const uint64_t header_length = read_le64(length_bytes);
  // The usual way to get here with a file of another kind (a PyTorch .pt zip,
  // an HDF5 Keras model): its first 8 bytes read as an absurd length.
  if (header_length > file_size - 8)
    fail(path, "header length " + std::to_string(header_length) + " runs past the end of the file (" +
                   std::to_string(file_size) + " bytes; not a safetensors file?)");

  std::string header_text(header_length, '\0');
  in.read(header_text.data(), static_cast<std::streamsize>(header_length));
  if (!in) throw IoError("can't read '" + path + "': read error");

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e309
    fail(path, "header is not JSON (" + detail::json_message(e) + ")");
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");

  SafetensorsFile file;
  const uint64_t data_size = file_size - 8 - header_length;
  std::vector<char> data(data_size);
  in.read(data.data(), static_cast<std::streamsize>(data_size));
  if (!in) throw IoError("can't read '" + path + "': read error");

  struct Span {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail(path, "__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) fail(path, "__metadata__ value '" + key + "' is not a string");
        file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets"))
      fail(path, "tensor '" + name + "' lacks dtype, shape or data_offsets");
    const auto& dtype = entry["dtype"];
    if (!dtype.is_string()) fail(path, "tensor '" + name + "' has a non-string dtype");
    if (dtype.get<std::string>() != "F32")
      fail(path, "tensor '" + name + "' has dtype " + dtype.get<std::string>() + " (only F32 is supported)");
    SafetensorsTensor tensor;
    const auto& shape = entry["shape"];
    if (!shape.is_array()) fail(path, "tensor '" + name + "' shape is not an array");
    for (const auto& d : shape) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        fail(path, "tensor '" + name + "' has a bad shape entry");
      tensor.shape.push_back(d.get<int64_t>());
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail(path, "tensor '" + name + "' data_offsets is not [begin, end]");
    const uint64_t begin = offsets[0].get<uint64_t>();
    const uint64_t end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_size)
      fail(path, "tensor '" + name + "' data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") lie outside the " + std::to_string(data_size) + "-byte data section");
    // Guard the multiplication below against absurd shapes from a hostile file.
    int64_t count = 1;
    for (int64_t d : tensor.shape) {
      if (d != 0 && count > static_cast<int64_t>(data_size) / d)
        fail(path, "tensor '" + name + "' shape is larger than the file");
      count *= d;
    }
    if (static_cast<uint64_t>(count) * 4 != end - begin)
      fail(path, "tensor '" + name + "' shape holds " + std::to_string(count) + " floats but its data_offsets span " +
                     std::to_string(end - begin) + " bytes");
    tensor.values.resize(static_cast<size_t>(count));
    // The format is little-endian; so is every platform this builds on (x86-64, aarch64).
    if (count > 0) std::memcpy(tensor.values.data(), data.data() + begin, static_cast<size_t>(count) * 4);
    spans.push_back({begin, end, name});
    file.tensors.emplace(name, std::move(tensor));
  }

  // The data section must be tiled exactly: no gaps, no overlaps, no trailing bytes.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  uint64_t cursor = 0;
  for (const auto& span : spans) {
    if (span.begin != cursor)
      fail(path, span.begin > cursor ? "gap in the data section before tensor '" + span.name + "'"
                                     : "tensor '" + span.name + "' overlaps another tensor");
    cursor = span.end;
  }
  if (cursor != data_size)
    fail(path, std::to_string(data_size - cursor) + " trailing bytes after the last tensor");
  return file;
}

}  // namespace deeplift
