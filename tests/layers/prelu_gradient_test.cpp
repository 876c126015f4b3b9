// PReLU slope gradients for the three slope shapes of docs/model-format.md ([1], [C],
// [C, L]) and its input gradient, against central finite differences.
// Inputs are kept ≥ 3ε away from the kink at 0.
#include <gtest/gtest.h>

#include "../support/layer_gradients.hpp"
#include "deeplift/layers/prelu.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

constexpr int kChannels = 3, kLength = 5, kCount = 4;

Prelu make_prelu(Prelu::Sharing sharing, std::mt19937& rng) {
  const long rows = sharing == Prelu::Sharing::Shared ? 1 : kChannels;
  const long cols = sharing == Prelu::Sharing::PerPosition ? kLength : 1;
  Matrix slopes = random_matrix(rows, cols, rng, 0.3f);
  return Prelu("act", Shape{kChannels, kLength}, sharing, slopes);
}

Matrix away_from_kink(std::mt19937& rng) {
  Matrix input = random_matrix(kChannels, kLength * kCount, rng);
  push_away_from_zero(input, 3 * kFiniteDifferenceStep);
  return input;
}

class PreluGradientTest : public ::testing::TestWithParam<Prelu::Sharing> {};

TEST_P(PreluGradientTest, SlopeGradientsMatchFiniteDifferences) {
  std::mt19937 rng(31);
  Prelu prelu = make_prelu(GetParam(), rng);
  check_parameter_gradients(prelu, away_from_kink(rng), kCount, rng);
}

TEST_P(PreluGradientTest, InputGradientMatchesFiniteDifferences) {
  std::mt19937 rng(32);
  const Prelu prelu = make_prelu(GetParam(), rng);
  check_input_gradient(prelu, away_from_kink(rng), kCount, rng);
}

TEST_P(PreluGradientTest, StateDictKeepsTheSlopeShape) {
  std::mt19937 rng(33);
  const Prelu prelu = make_prelu(GetParam(), rng);
  const auto tensors = prelu.state_dict();
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(tensors[0].name, "act.weight");
  const std::vector<int64_t> expected = GetParam() == Prelu::Sharing::Shared       ? std::vector<int64_t>{1}
                                        : GetParam() == Prelu::Sharing::PerChannel ? std::vector<int64_t>{kChannels}
                                                                                   : std::vector<int64_t>{kChannels, kLength};
  EXPECT_EQ(tensors[0].tensor.shape, expected);
}

INSTANTIATE_TEST_SUITE_P(SlopeShapes, PreluGradientTest,
                         ::testing::Values(Prelu::Sharing::Shared, Prelu::Sharing::PerChannel,
                                           Prelu::Sharing::PerPosition));

}  // namespace
}  // namespace deeplift
