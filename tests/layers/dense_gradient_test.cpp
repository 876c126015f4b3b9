// Dense training gradients (grad W = grad_out × inputᵀ, grad b = row sums)
// and its input gradient (Wᵀ) against central finite differences.
#include <gtest/gtest.h>

#include "../support/layer_gradients.hpp"
#include "deeplift/layers/dense.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

TEST(DenseGradient, ParameterGradientsMatchFiniteDifferences) {
  std::mt19937 rng(21);
  Dense dense("fc", Shape{7, 1}, random_matrix(4, 7, rng, 0.5f), random_matrix(4, 1, rng));
  const int count = 5;
  check_parameter_gradients(dense, random_matrix(7, count, rng), count, rng);
}

TEST(DenseGradient, InputGradientMatchesFiniteDifferences) {
  std::mt19937 rng(22);
  const Dense dense("fc", Shape{6, 1}, random_matrix(3, 6, rng, 0.5f), random_matrix(3, 1, rng));
  const int count = 4;
  check_input_gradient(dense, random_matrix(6, count, rng), count, rng);
}

TEST(DenseStateDict, WritesRowMajorOutByIn) {
  Matrix w(2, 3);
  w << 1, 2, 3, 4, 5, 6;
  Vector b(2);
  b << -1, -2;
  const Dense dense("fc", Shape{3, 1}, w, b);
  const auto tensors = dense.state_dict();
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].tensor.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(tensors[0].tensor.values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(tensors[1].tensor.shape, (std::vector<int64_t>{2}));
}

}  // namespace
}  // namespace deeplift
