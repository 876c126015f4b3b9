// The whole-block forward kernels (ElementwiseLayer::activate/derivative,
// vectorised for ReLU and PReLU), the linear rule's sign select and
// RevealCancel's ratios give bit for bit what the scalar per-element
// expressions give, including at the kink (±0), for NaN and ±inf, and on
// blocks whose size is not a multiple of the SIMD width.
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

TEST(ElementwiseBlocks, ReluSecantsMatchScalar) {
  std::mt19937 rng(5);
  const Relu relu("act", Shape{kChannels, kLength});
  const Matrix z = awkward_values(kChannels, kLength * kCount, rng);
  Matrix z_ref = awkward_values(kChannels, kLength * kCount, rng);
  z_ref.col(2) = z.col(2);  // z == z0 on both sides of the kink
  std::vector<float> secant(z.size());
  relu.secants_at(z.data(), z_ref.data(), nullptr, secant.data(), z.size());
  for (long i = 0; i < z.size(); ++i) {
    const float a = z.data()[i], b = z_ref.data()[i];
    const float y = a > 0.0f ? a : 0.0f, y_ref = b > 0.0f ? b : 0.0f;
    const float expected = (a > 0.0f) == (b > 0.0f) ? (a > 0.0f ? 1.0f : 0.0f) : (y - y_ref) / (a - b);
    EXPECT_TRUE(same_bits(secant[i], expected) || (std::isnan(secant[i]) && std::isnan(expected)))
        << "secant at " << i << ": " << secant[i] << " vs " << expected;
  }
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

// RevealCancel (docs/scoring.md, paper eq. 9-12) on a single task, against the
// rule written out per element in float, in the same operation order.
TEST(ElementwiseBlocks, RevealCancelRatiosMatchScalar) {
  std::mt19937 rng(4);
  const Prelu prelu("act", Shape{kChannels, kLength}, Prelu::Sharing::PerPosition,
                    Matrix::Random(kChannels, kLength).cwiseAbs() * 0.5f);
  const long size = static_cast<long>(kChannels) * kLength * kCount;
  std::normal_distribution<float> normal;
  Matrix z(kChannels, kLength * kCount), z_ref(kChannels, kLength * kCount);
  Matrix plus(kChannels, kLength * kCount), minus(kChannels, kLength * kCount);
  for (long i = 0; i < size; ++i) {
    z_ref.data()[i] = normal(rng);
    // Exact zeros and parts below the 1e-7 guard among the ordinary ones.
    plus.data()[i] = i % 7 == 0 ? 0.0f : i % 7 == 1 ? 3e-8f : std::abs(normal(rng));
    minus.data()[i] = i % 5 == 0 ? 0.0f : i % 5 == 1 ? -3e-8f : -std::abs(normal(rng));
    z.data()[i] = z_ref.data()[i] + plus.data()[i] + minus.data()[i];
  }
  Matrix y, y_ref;
  prelu.activate(z, y, kCount);
  prelu.activate(z_ref, y_ref, kCount);
  Multipliers out, in;
  out.positive = Matrix::Random(kChannels, kLength * kCount);
  const LayerTrace trace{z, z_ref, y, y_ref, &plus, &minus, kCount, 1};
  prelu.backward(trace, NonlinearRule::RevealCancel, out, in);
  ASSERT_TRUE(in.split);
  const long block = static_cast<long>(kChannels) * kLength;
  for (long i = 0; i < size; ++i) {
    const int position = static_cast<int>(i % block);
    auto f = [&](float value) {
      float result;
      prelu.values_at(&value, &position, &result, 1);
      return result;
    };
    const float z0 = z_ref.data()[i], dp = plus.data()[i], dm = minus.data()[i], y0 = y_ref.data()[i];
    const float y_plus = f(z0 + dp), y_minus = f(z0 + dm), y_both = f(z0 + dm + dp);
    const float dy_plus = 0.5f * ((y_plus - y0) + (y_both - y_minus));
    const float dy_minus = 0.5f * ((y_minus - y0) + (y_both - y_plus));
    const float m = out.positive.data()[i];
    const float expected_plus = m * (dy_plus / std::max(dp, 1e-7f));
    const float expected_minus = m * (dy_minus / std::min(dm, -1e-7f));
    EXPECT_TRUE(same_bits(in.positive.data()[i], expected_plus)) << "M+ at " << i;
    EXPECT_TRUE(same_bits(in.negative.data()[i], expected_minus)) << "M- at " << i;
  }
}

}  // namespace
}  // namespace deeplift
