// The whole-block forward kernels (ElementwiseLayer::activate/derivative,
// vectorised for ReLU and PReLU) and the linear rule's sign select give bit
// for bit what the scalar per-element expressions give, including at the
// kink (±0), for NaN and ±inf, and on blocks whose size is not a multiple of
// the SIMD width.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "deeplift/layers/activations.hpp"
#include "deeplift/layers/linear_rule.hpp"
#include "deeplift/layers/prelu.hpp"

namespace deeplift {
namespace {

constexpr int kChannels = 3, kLength = 7, kCount = 5;  // block of 21 floats: packets plus a tail

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Random values with the special cases sprinkled in.
Matrix awkward_values(long rows, long cols, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  const float special[] = {0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min()};
  Matrix m(rows, cols);
  for (long i = 0; i < m.size(); ++i) m.data()[i] = i % 3 == 0 ? special[(i / 3) % 7] : normal(rng);
  return m;
}

// activate/derivative against values_at/slopes_at with explicit positions.
void expect_blocks_match_scalar(const ElementwiseLayer& layer, const Matrix& z) {
  const long block = layer.input_shape().size();
  std::vector<int> positions(block);
  std::iota(positions.begin(), positions.end(), 0);
  Matrix y, slope;
  layer.activate(z, y, kCount);
  layer.derivative(z, slope, kCount);
  std::vector<float> expected(block);
  for (int n = 0; n < kCount; ++n) {
    layer.values_at(z.data() + n * block, positions.data(), expected.data(), block);
    for (long i = 0; i < block; ++i)
      EXPECT_TRUE(same_bits(y.data()[n * block + i], expected[i]) ||
                  (std::isnan(y.data()[n * block + i]) && std::isnan(expected[i])))
          << layer.type() << " value at " << i << " of sequence " << n << ": " << y.data()[n * block + i] << " vs "
          << expected[i];
    layer.slopes_at(z.data() + n * block, positions.data(), expected.data(), block);
    for (long i = 0; i < block; ++i)
      EXPECT_TRUE(same_bits(slope.data()[n * block + i], expected[i]))
          << layer.type() << " slope at " << i << " of sequence " << n;
  }
}

TEST(ElementwiseBlocks, ReluMatchesScalar) {
  std::mt19937 rng(1);
  const Relu relu("act", Shape{kChannels, kLength});
  expect_blocks_match_scalar(relu, awkward_values(kChannels, kLength * kCount, rng));
}

TEST(ElementwiseBlocks, PreluMatchesScalarForEverySlopeShape) {
  std::mt19937 rng(2);
  const Matrix z = awkward_values(kChannels, kLength * kCount, rng);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  Matrix per_channel(kChannels, 1), per_position(kChannels, kLength);
  for (long i = 0; i < per_channel.size(); ++i) per_channel.data()[i] = normal(rng);
  for (long i = 0; i < per_position.size(); ++i) per_position.data()[i] = normal(rng);
  per_position(1, 2) = 0.0f;  // a zero slope: a·z is ±0
  expect_blocks_match_scalar(Prelu("a", Shape{kChannels, kLength}, Prelu::Sharing::Shared, Matrix::Constant(1, 1, 0.2f)), z);
  expect_blocks_match_scalar(Prelu("b", Shape{kChannels, kLength}, Prelu::Sharing::PerChannel, per_channel), z);
  expect_blocks_match_scalar(Prelu("c", Shape{kChannels, kLength}, Prelu::Sharing::PerPosition, per_position), z);
}

TEST(LinearRule, SelectByDeltaSignMatchesScalar) {
  std::mt19937 rng(3);
  const int tasks = 3;
  Matrix delta = awkward_values(kChannels, kLength * kCount, rng);
  const Matrix when_positive = awkward_values(kChannels, kLength * kCount * tasks, rng);
  const Matrix when_negative = Matrix::Random(kChannels, kLength * kCount * tasks);
  Matrix chosen = when_positive;
  select_by_delta_sign(delta, chosen, when_negative, tasks);
  const long block = delta.size();
  for (int t = 0; t < tasks; ++t)
    for (long i = 0; i < block; ++i) {
      const float d = delta.data()[i], a = when_positive.data()[t * block + i], b = when_negative.data()[t * block + i];
      const float expected = d > 0.0f ? a : (d < 0.0f ? b : 0.5f * (a + b));
      const float got = chosen.data()[t * block + i];
      EXPECT_TRUE(same_bits(got, expected) || (std::isnan(got) && std::isnan(expected)))
          << "task " << t << " element " << i << ": " << got << " vs " << expected;
    }
}

}  // namespace
}  // namespace deeplift
