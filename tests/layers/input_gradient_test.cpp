// Input gradients of the parameter-free layers through Layer::backward
// under NonlinearRule::Gradient (what training backpropagates through)
// against central finite differences: relu, sigmoid, tanh, maxpool1d
// (overlapping windows), avgpool1d, flatten.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "../support/layer_gradients.hpp"
#include "deeplift/layers/activations.hpp"
#include "deeplift/layers/avgpool1d.hpp"
#include "deeplift/layers/flatten.hpp"
#include "deeplift/layers/maxpool1d.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

constexpr int kChannels = 3, kLength = 9, kCount = 3;

Matrix random_input(std::mt19937& rng) { return random_matrix(kChannels, kLength * kCount, rng); }

TEST(InputGradient, Relu) {
  std::mt19937 rng(41);
  Matrix input = random_input(rng);
  push_away_from_zero(input, 3 * kFiniteDifferenceStep);  // ReLU'(0) is a convention, not a limit
  check_input_gradient(Relu("relu", Shape{kChannels, kLength}), input, kCount, rng);
}

TEST(InputGradient, Sigmoid) {
  std::mt19937 rng(42);
  check_input_gradient(Sigmoid("sigmoid", Shape{kChannels, kLength}), random_input(rng), kCount, rng);
}

TEST(InputGradient, Tanh) {
  std::mt19937 rng(43);
  check_input_gradient(Tanh("tanh", Shape{kChannels, kLength}), random_input(rng), kCount, rng);
}

TEST(InputGradient, MaxPoolWithOverlappingWindows) {
  std::mt19937 rng(44);
  // Distinct values 0.05 apart (> 2ε): no probe changes which input is a
  // window's maximum, so the pooled value is locally linear.
  Matrix input(kChannels, kLength * kCount);
  std::vector<int> order(input.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (long i = 0; i < input.size(); ++i) input.data()[i] = 0.05f * static_cast<float>(order[i]) - 2.0f;
  // kernel 3, stride 2 on 9: windows [0,3) [2,5) [4,7) [6,9) share an input each.
  const MaxPool1d pool("pool", Shape{kChannels, kLength}, Shape{kChannels, 4}, PoolGeometry{3, 2});
  check_input_gradient(pool, input, kCount, rng);
}

TEST(InputGradient, MaxPoolRoutesTiesToTheFirstMaximum) {
  // PyTorch's convention at a tie (docs/scoring.md).
  const MaxPool1d pool("pool", Shape{1, 4}, Shape{1, 1}, PoolGeometry{4, 4});
  Matrix input(1, 4);
  input << 0.5f, 2.0f, 2.0f, 1.0f;
  Matrix output;
  pool.forward(input, output, 1);
  const LayerTrace trace{input, input, output, output, nullptr, nullptr, 1, 1};
  Multipliers upstream, downstream;
  upstream.positive = Matrix::Constant(1, 1, 3.0f);
  pool.backward(trace, NonlinearRule::Gradient, upstream, downstream);
  Matrix expected(1, 4);
  expected << 0, 3, 0, 0;
  EXPECT_EQ(downstream.positive, expected);
}

TEST(InputGradient, AvgPool) {
  std::mt19937 rng(45);
  const AvgPool1d pool("pool", Shape{kChannels, kLength}, Shape{kChannels, 3}, PoolGeometry{4, 2});
  check_input_gradient(pool, random_input(rng), kCount, rng);
}

TEST(InputGradient, Flatten) {
  std::mt19937 rng(46);
  check_input_gradient(Flatten("flatten", Shape{kChannels, kLength}), random_input(rng), kCount, rng);
}

}  // namespace
}  // namespace deeplift
