// Test helper: writes safetensors model files byte by byte, independently of
// the loader under test, so tests can build valid and broken files.
#pragma once
#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

namespace deeplift::testing_support {

struct TensorSpec {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "deeplift_" + std::to_string(::getpid()) + "_" + name;
}

// Writes header length + JSON header + tensor data; `tweak_header` can
// corrupt the header JSON before it is serialised.
inline void write_model_file(const std::string& path, const nlohmann::json& architecture,
                             const std::map<std::string, TensorSpec>& tensors,
                             const std::map<std::string, std::string>& extra_metadata = {},
                             const std::string& dtype = "F32") {
  nlohmann::json header;
  header["__metadata__"] = {{"format", "deeplift-model"}, {"version", "1"}, {"architecture", architecture.dump()}};
  for (const auto& [key, value] : extra_metadata) header["__metadata__"][key] = value;
  std::string data;
  for (const auto& [name, tensor] : tensors) {
    const size_t begin = data.size();
    data.append(reinterpret_cast<const char*>(tensor.values.data()), tensor.values.size() * sizeof(float));
    header[name] = {{"dtype", dtype}, {"shape", tensor.shape}, {"data_offsets", {begin, data.size()}}};
  }
  const std::string text = header.dump();
  std::ofstream out(path, std::ios::binary);
  uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << text << data;
}

// A dense-only model on a [4, L] input: flatten → dense(4L → tasks).
inline nlohmann::json linear_architecture(int length, int tasks, const std::string& output = "linear") {
  nlohmann::json task_names = nlohmann::json::array();
  for (int t = 0; t < tasks; ++t) task_names.push_back("task" + std::to_string(t));
  return {{"input", {{"alphabet", "ACGT"}, {"length", length}}},
          {"tasks", task_names},
          {"output", output},
          {"layers",
           {{{"type", "flatten"}},
            {{"type", "dense"}, {"name", "out"}, {"in_features", 4 * length}, {"out_features", tasks}}}}};
}

inline std::vector<float> ramp(size_t n, float scale = 0.01f) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = scale * static_cast<float>(static_cast<int>(i % 17) - 8);
  return values;
}

}  // namespace deeplift::testing_support
