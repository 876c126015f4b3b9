// Test helper: random models built directly from layer objects (no file),
// for properties that must hold for any weights.
#pragma once
#include <memory>
#include <random>
#include <vector>

#include "deeplift/layers/activations.hpp"
#include "deeplift/layers/avgpool1d.hpp"
#include "deeplift/layers/conv1d.hpp"
#include "deeplift/layers/dense.hpp"
#include "deeplift/layers/flatten.hpp"
#include "deeplift/layers/maxpool1d.hpp"
#include "deeplift/layers/prelu.hpp"
#include "deeplift/model/model.hpp"

namespace deeplift::testing_support {

inline Matrix random_matrix(int rows, int cols, float scale, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, scale);
  Matrix m(rows, cols);
  for (long i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

// The docs/model-format.md example: conv 4→20 k15 → PReLU → maxpool 50/50 → flatten →
// dense 60→200 → relu → dense 200→200 → relu → dense 200→3.
inline Model paper_model(unsigned seed, int conv_filters = 20, int hidden = 200) {
  std::mt19937 rng(seed);
  std::vector<std::unique_ptr<Layer>> layers;
  const int k = 15, length = 200, conv_length = length - k + 1, pooled = conv_length / 50;
  layers.push_back(std::make_unique<Conv1d>("conv1", Shape{4, length}, Shape{conv_filters, conv_length},
                                            Conv1d::Geometry{k, 1, 1, 0},
                                            random_matrix(conv_filters, 4 * k, 0.4f, rng),
                                            random_matrix(conv_filters, 1, 0.3f, rng)));
  layers.push_back(std::make_unique<Prelu>("act1", Shape{conv_filters, conv_length}, Prelu::Sharing::Shared,
                                           Matrix::Constant(1, 1, 0.2f)));
  layers.push_back(std::make_unique<MaxPool1d>("pool", Shape{conv_filters, conv_length},
                                               Shape{conv_filters, pooled}, PoolGeometry{50, 50}));
  layers.push_back(std::make_unique<Flatten>("flatten", Shape{conv_filters, pooled}));
  const int flat = conv_filters * pooled;
  layers.push_back(std::make_unique<Dense>("fc1", Shape{flat, 1}, random_matrix(hidden, flat, 1.0f / std::sqrt(flat), rng),
                                           random_matrix(hidden, 1, 0.1f, rng)));
  layers.push_back(std::make_unique<Relu>("relu1", Shape{hidden, 1}));
  layers.push_back(std::make_unique<Dense>("fc2", Shape{hidden, 1}, random_matrix(hidden, hidden, 1.0f / std::sqrt(hidden), rng),
                                           random_matrix(hidden, 1, 0.1f, rng)));
  layers.push_back(std::make_unique<Relu>("relu2", Shape{hidden, 1}));
  layers.push_back(std::make_unique<Dense>("out", Shape{hidden, 1}, random_matrix(3, hidden, 1.0f / std::sqrt(hidden), rng),
                                           random_matrix(3, 1, 0.1f, rng)));
  return Model("paper-random", length, {"both", "gata1", "tal1"}, OutputKind::Sigmoid, std::move(layers));
}

inline std::string random_dna(int length, std::mt19937& rng, double n_fraction = 0.0) {
  static const char bases[] = "ACGT";
  std::uniform_real_distribution<double> uniform;
  std::string sequence(length, 'A');
  for (auto& base : sequence) base = uniform(rng) < n_fraction ? 'N' : bases[static_cast<int>(uniform(rng) * 4) % 4];
  return sequence;
}

}  // namespace deeplift::testing_support
