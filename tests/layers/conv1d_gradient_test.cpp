// Conv1d training gradients (weight, bias via im2col GEMM) and its input
// gradient (Wᵀ then col2im) against central finite differences, for valid
// and same padding, strides and dilations.
#include <gtest/gtest.h>

#include "../support/layer_gradients.hpp"
#include "deeplift/layers/conv1d.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

struct Case {
  int cin, cout, length, kernel, stride, dilation;
  bool same;
};

Conv1d make_conv(const Case& c, std::mt19937& rng) {
  const int total = c.same ? same_total_padding(c.length, c.kernel, c.stride, c.dilation) : 0;
  const int lout = valid_output_length(c.length + total, c.kernel, c.stride, c.dilation);
  return Conv1d("conv", Shape{c.cin, c.length}, Shape{c.cout, lout},
                Conv1d::Geometry{c.kernel, c.stride, c.dilation, total / 2},
                random_matrix(c.cout, static_cast<long>(c.kernel) * c.cin, rng, 0.5f),
                random_matrix(c.cout, 1, rng, 0.5f));
}

class Conv1dGradientTest : public ::testing::TestWithParam<Case> {};

TEST_P(Conv1dGradientTest, ParameterGradientsMatchFiniteDifferences) {
  const Case c = GetParam();
  std::mt19937 rng(11);
  Conv1d conv = make_conv(c, rng);
  const int count = 2;
  const Matrix input = random_matrix(c.cin, static_cast<long>(c.length) * count, rng);
  check_parameter_gradients(conv, input, count, rng);
}

TEST_P(Conv1dGradientTest, InputGradientMatchesFiniteDifferences) {
  const Case c = GetParam();
  std::mt19937 rng(12);
  const Conv1d conv = make_conv(c, rng);
  const int count = 2;
  check_input_gradient(conv, random_matrix(c.cin, static_cast<long>(c.length) * count, rng), count, rng);
}

INSTANTIATE_TEST_SUITE_P(Geometries, Conv1dGradientTest,
                         ::testing::Values(Case{4, 3, 12, 5, 1, 1, false},   // valid
                                           Case{3, 2, 11, 4, 1, 1, true},    // same, uneven split
                                           Case{2, 3, 13, 3, 2, 1, true},    // same, stride 2
                                           Case{3, 2, 15, 3, 1, 3, false},   // dilation 3
                                           Case{2, 2, 14, 3, 3, 2, true}));  // same, stride 3, dilation 2

TEST(Conv1dStateDict, WritesPyTorchLayout) {
  // Packed column j*Cin + c holds PyTorch's weight[o, c, j].
  Matrix packed(2, 3 * 2);
  for (long i = 0; i < packed.size(); ++i) packed.data()[i] = static_cast<float>(i);
  Vector bias(2);
  bias << 7, 8;
  const Conv1d conv("c", Shape{2, 5}, Shape{2, 3}, Conv1d::Geometry{3, 1, 1, 0}, packed, bias);
  const auto tensors = conv.state_dict();
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].name, "c.weight");
  EXPECT_EQ(tensors[0].tensor.shape, (std::vector<int64_t>{2, 2, 3}));
  for (int o = 0; o < 2; ++o)
    for (int ch = 0; ch < 2; ++ch)
      for (int j = 0; j < 3; ++j) EXPECT_EQ(tensors[0].tensor.values[(o * 2 + ch) * 3 + j], packed(o, j * 2 + ch));
  EXPECT_EQ(tensors[1].name, "c.bias");
  EXPECT_EQ(tensors[1].tensor.values, (std::vector<float>{7, 8}));
}

}  // namespace
}  // namespace deeplift
