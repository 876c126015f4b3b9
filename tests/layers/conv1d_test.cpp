// Conv1d forward against a direct loop over the cross-correlation formula,
// and col2im against its definition as the adjoint of im2col.
#include "deeplift/layers/conv1d.hpp"

#include <gtest/gtest.h>

#include <random>

namespace deeplift {
namespace {

struct Case {
  int cin, cout, length, kernel, stride, dilation;
  bool same;
};

class Conv1dTest : public ::testing::TestWithParam<Case> {};

TEST_P(Conv1dTest, ForwardEqualsDirectCrossCorrelation) {
  const Case c = GetParam();
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  const int total = c.same ? same_total_padding(c.length, c.kernel, c.stride, c.dilation) : 0;
  const int lout = valid_output_length(c.length + total, c.kernel, c.stride, c.dilation);
  // PyTorch layout weight[o][i][k].
  std::vector<float> w(static_cast<size_t>(c.cout) * c.cin * c.kernel);
  for (auto& v : w) v = normal(rng);
  Matrix packed(c.cout, c.kernel * c.cin);
  for (int o = 0; o < c.cout; ++o)
    for (int i = 0; i < c.cin; ++i)
      for (int k = 0; k < c.kernel; ++k) packed(o, k * c.cin + i) = w[(o * c.cin + i) * c.kernel + k];
  Vector bias = Vector::Random(c.cout);
  Conv1d conv("conv", Shape{c.cin, c.length}, Shape{c.cout, lout},
              Conv1d::Geometry{c.kernel, c.stride, c.dilation, total / 2}, packed, bias);
  const int count = 3;
  Matrix input(c.cin, c.length * count);
  for (long i = 0; i < input.size(); ++i) input.data()[i] = normal(rng);
  Matrix output;
  conv.forward(input, output, count);
  for (int n = 0; n < count; ++n)
    for (int o = 0; o < c.cout; ++o)
      for (int p = 0; p < lout; ++p) {
        double expected = bias(o);
        for (int i = 0; i < c.cin; ++i)
          for (int k = 0; k < c.kernel; ++k) {
            const int position = p * c.stride + k * c.dilation - total / 2;
            if (position >= 0 && position < c.length)
              expected += static_cast<double>(w[(o * c.cin + i) * c.kernel + k]) * input(i, n * c.length + position);
          }
        EXPECT_NEAR(output(o, n * lout + p), expected, 1e-4) << "n=" << n << " o=" << o << " p=" << p;
      }
  // <im2col(x), y> == <x, col2im(y)> for random y: col2im is im2col's adjoint.
  Matrix columns, y(c.kernel * c.cin, lout * count), back;
  conv.im2col(input, count, columns);
  for (long i = 0; i < y.size(); ++i) y.data()[i] = normal(rng);
  conv.col2im(y, count, back);
  const double lhs = (columns.cast<double>().array() * y.cast<double>().array()).sum();
  const double rhs = (input.cast<double>().array() * back.cast<double>().array()).sum();
  EXPECT_NEAR(lhs, rhs, 1e-6 * (1.0 + std::abs(lhs)) * 100);
}

INSTANTIATE_TEST_SUITE_P(Geometries, Conv1dTest,
                         ::testing::Values(Case{4, 5, 30, 7, 1, 1, false}, Case{4, 3, 31, 5, 2, 2, true},
                                           Case{3, 2, 20, 4, 3, 1, true}, Case{2, 4, 17, 3, 1, 3, false},
                                           Case{4, 6, 10, 6, 1, 1, true},
                                           // Few output channels (Conv1d::is_narrow): a dot product per output.
                                           Case{6, 2, 40, 9, 1, 1, true}, Case{5, 1, 19, 4, 1, 1, false},
                                           Case{3, 4, 6, 7, 1, 1, true}));

TEST(Conv1dPadding, SameFollowsTensorFlowSplit) {
  // L = 10, k = 4, s = 1: total 3 → left 1, right 2.
  EXPECT_EQ(same_total_padding(10, 4, 1, 1), 3);
  // L = 11, k = 3, s = 2: out 6, total (6-1)*2 + 3 - 11 = 2.
  EXPECT_EQ(same_total_padding(11, 3, 2, 1), 2);
  EXPECT_EQ(same_total_padding(5, 1, 1, 1), 0);
}

}  // namespace
}  // namespace deeplift
