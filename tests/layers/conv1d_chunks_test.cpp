// Conv1d works through its column buffer in chunks of sequences when one
// sequence's im2col is larger than the buffer: the backward pass over several
// chunks, and over a task block that is all zero (skipped), against direct
// loops in double.
#include <gtest/gtest.h>

#include <random>

#include "../support/finite_difference.hpp"
#include "deeplift/layers/conv1d.hpp"

namespace deeplift {
namespace {

using testing_support::random_matrix;

TEST(Conv1dChunks, ForwardAndBackwardAcrossChunksMatchDirectLoops) {
  // K·Cin·Lout = 11·50·300 > the 128K-float column buffer: one sequence per
  // chunk. (Cout > 4: a narrower conv skips the column buffer, Conv1d::is_narrow.)
  const int cin = 50, cout = 8, k = 11, lin = 310, lout = lin - k + 1, count = 3, tasks = 2;
  std::mt19937 rng(1);
  const Matrix weight = random_matrix(cout, static_cast<long>(k) * cin, rng, 0.05f);
  const Vector bias = random_matrix(cout, 1, rng);
  const Conv1d conv("head", Shape{cin, lin}, Shape{cout, lout}, Conv1d::Geometry{k, 1, 1, 0}, weight, bias);
  const Matrix x = random_matrix(cin, static_cast<long>(lin) * count, rng);
  Matrix y;
  conv.forward(x, y, count);
  for (int n = 0; n < count; ++n)
    for (int o = 0; o < cout; ++o)
      for (int l = 0; l < lout; l += 17) {
        double sum = bias(o);
        for (int j = 0; j < k; ++j)
          for (int c = 0; c < cin; ++c) sum += double(weight(o, j * cin + c)) * x(c, n * lin + l + j);
        EXPECT_NEAR(y(o, n * lout + l), sum, 1e-4 * (1 + std::abs(sum))) << n << " " << o << " " << l;
      }

  // Task 1's multipliers are all zero; task 0's are random.
  Multipliers out;
  out.positive = Matrix::Zero(cout, static_cast<long>(lout) * count * tasks);
  out.positive.leftCols(static_cast<long>(lout) * count) = random_matrix(cout, static_cast<long>(lout) * count, rng);
  Multipliers in;
  const LayerTrace trace{x, x, y, y, nullptr, nullptr, count, tasks};
  conv.backward(trace, NonlinearRule::Rescale, out, in);
  ASSERT_EQ(in.positive.cols(), static_cast<long>(lin) * count * tasks);
  EXPECT_EQ(in.positive.rightCols(static_cast<long>(lin) * count).cwiseAbs().maxCoeff(), 0.0f);
  for (int n = 0; n < count; ++n)
    for (int c = 0; c < cin; c += 13)
      for (int p = 0; p < lin; p += 23) {
        double sum = 0;  // Σ over outputs whose window covers p
        for (int o = 0; o < cout; ++o)
          for (int j = 0; j < k; ++j) {
            const int l = p - j;
            if (l >= 0 && l < lout) sum += double(weight(o, j * cin + c)) * out.positive(o, n * lout + l);
          }
        EXPECT_NEAR(in.positive(c, n * lin + p), sum, 1e-4 * (1 + std::abs(sum))) << n << " " << c << " " << p;
      }
}

}  // namespace
}  // namespace deeplift
