// Test helper: architecture JSONs (docs/model-format.md) for training tests, and one-hot
// batches. Models are built with build_untrained_model and initialised with
// a seed, so tests need no files.
#pragma once
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "deeplift/tensor.hpp"

namespace deeplift::testing_support {

inline nlohmann::json architecture(int length, const nlohmann::json& tasks, const std::string& output,
                                   const nlohmann::json& layers) {
  return {{"input", {{"alphabet", "ACGT"}, {"length", length}}}, {"tasks", tasks}, {"output", output}, {"layers", layers}};
}

// Every trainable layer type and every shape-changing one: conv (same
// padding, stride 2, dilation 2) → prelu (slopes as given) → maxpool with
// overlapping windows → conv (valid) → tanh → avgpool → flatten → dense →
// relu → dense → sigmoid → dense (3 tasks).
inline nlohmann::json mixed_architecture(const std::string& slopes = "channel", const std::string& output = "sigmoid") {
  nlohmann::json prelu = {{"type", "prelu"}, {"name", "act1"}};
  if (!slopes.empty()) prelu["slopes"] = slopes;
  return architecture(
      24, {"both", "gata1", "tal1"}, output,
      {{{"type", "conv1d"}, {"name", "conv1"}, {"in_channels", 4}, {"out_channels", 5}, {"kernel_size", 4},
        {"stride", 2}, {"dilation", 2}, {"padding", "same"}},
       prelu,
       {{"type", "maxpool1d"}, {"kernel_size", 3}, {"stride", 2}},
       {{"type", "conv1d"}, {"name", "conv2"}, {"in_channels", 5}, {"out_channels", 4}, {"kernel_size", 2}},
       {{"type", "tanh"}},
       {{"type", "avgpool1d"}, {"kernel_size", 2}},
       {{"type", "flatten"}},
       {{"type", "dense"}, {"name", "fc1"}, {"in_features", 8}, {"out_features", 6}},
       {{"type", "relu"}},
       {{"type", "dense"}, {"name", "fc2"}, {"in_features", 6}, {"out_features", 5}},
       {{"type", "sigmoid"}},
       {{"type", "dense"}, {"name", "out"}, {"in_features", 5}, {"out_features", 3}}});
}

// `count` random one-hot sequences, [4, length*count].
inline Matrix random_one_hot(int length, int count, std::mt19937& rng) {
  Matrix x = Matrix::Zero(4, static_cast<long>(length) * count);
  for (long l = 0; l < x.cols(); ++l) x(static_cast<long>(rng() % 4), l) = 1.0f;
  return x;
}

}  // namespace deeplift::testing_support
