// Losses against direct formulas and their logit gradients against central
// finite differences (smooth in the logits: truncation error ε²·f'''/6 at
// ε = 1e-2 is < 1e-5; tolerance as in support/finite_difference.hpp).
#include "deeplift/training/loss.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "../support/finite_difference.hpp"
#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

Matrix binary_targets(int tasks, int count, std::mt19937& rng) {
  Matrix y(tasks, count);
  for (long i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(rng() % 2);
  return y;
}

void check_gradient(const Loss& loss, Matrix logits, const Matrix& targets) {
  const float scale = 0.25f;
  Matrix gradient;
  loss.evaluate(logits, targets, scale, &gradient);
  for (long i = 0; i < logits.size(); ++i) {
    const double numeric = central_difference(logits.data() + i, [&] { return scale * loss.evaluate(logits, targets, 1.0f, nullptr); });
    expect_gradient_near(gradient.data()[i], numeric, "logit " + std::to_string(i));
  }
}

TEST(BinaryCrossEntropy, EqualsTheDefinitionAndIsStableForLargeLogits) {
  const Loss loss(OutputKind::Sigmoid, 2);
  Matrix z(2, 3), y(2, 3);
  z << 0.3f, -2.0f, 100.0f, 1.5f, 0.0f, -100.0f;
  y << 1, 0, 1, 0, 1, 0;
  double expected = 0;
  for (int n = 0; n < 3; ++n)
    for (int t = 0; t < 2; ++t) {
      const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(z(t, n))));
      // log(1 − p) underflows for z = 100: use the exact tail there.
      const double term = y(t, n) > 0 ? -std::log(p) : (z(t, n) > 30 ? z(t, n) : -std::log1p(-p));
      expected += term / 2;  // per-sequence loss is the mean over tasks
    }
  EXPECT_NEAR(loss.evaluate(z, y, 1.0f, nullptr), expected, 1e-5);
  // A confidently wrong logit costs |z|, not inf.
  Matrix wrong(2, 1), target(2, 1);
  wrong << 100.0f, -100.0f;
  target << 0, 1;
  EXPECT_NEAR(loss.evaluate(wrong, target, 1.0f, nullptr), 100.0, 1e-4);
}

TEST(BinaryCrossEntropy, GradientMatchesFiniteDifferences) {
  std::mt19937 rng(51);
  const Loss loss(OutputKind::Sigmoid, 3);
  check_gradient(loss, random_matrix(3, 5, rng, 2.0f), binary_targets(3, 5, rng));
}

TEST(BinaryCrossEntropy, ClassWeightsScaleEachTerm) {
  // The paper config: w0 = [1, 2, 2] for label 0, w1 = [3, 2, 2] for label 1.
  const Loss plain(OutputKind::Sigmoid, 3);
  const Loss weighted(OutputKind::Sigmoid, 3, ClassWeights{{1, 2, 2}, {3, 2, 2}});
  Matrix z(3, 1), y(3, 1);
  z << 0.4f, -0.7f, 1.2f;
  y << 1, 0, 1;
  double expected = 0;
  const float w[] = {3, 2, 2};
  for (int t = 0; t < 3; ++t) {
    Matrix zt = z.row(t), yt = y.row(t);
    expected += w[t] * Loss(OutputKind::Sigmoid, 1).evaluate(zt, yt, 1.0f, nullptr) / 3;
  }
  EXPECT_NEAR(weighted.evaluate(z, y, 1.0f, nullptr), expected, 1e-6);
  std::mt19937 rng(52);
  check_gradient(weighted, random_matrix(3, 4, rng, 2.0f), binary_targets(3, 4, rng));
}

TEST(SoftmaxCrossEntropy, EqualsTheDefinition) {
  const Loss loss(OutputKind::Softmax, 3);
  Matrix z(3, 2), y(3, 2);
  z << 1.0f, 50.0f, 2.0f, -3.0f, 0.5f, 49.0f;
  y << 0, 1, 1, 0, 0, 0;
  double expected = 0;
  for (int n = 0; n < 2; ++n) {
    const double top = z.col(n).maxCoeff();
    double sum = 0;
    for (int t = 0; t < 3; ++t) sum += std::exp(z(t, n) - top);
    for (int t = 0; t < 3; ++t)
      if (y(t, n) > 0) expected += top + std::log(sum) - z(t, n);
  }
  EXPECT_NEAR(loss.evaluate(z, y, 1.0f, nullptr), expected, 1e-5);
}

TEST(SoftmaxCrossEntropy, GradientMatchesFiniteDifferences) {
  std::mt19937 rng(53);
  const int tasks = 4, count = 5;
  Matrix y = Matrix::Zero(tasks, count);
  for (int n = 0; n < count; ++n) y(static_cast<long>(rng() % tasks), n) = 1;
  check_gradient(Loss(OutputKind::Softmax, tasks), random_matrix(tasks, count, rng, 2.0f), y);
}

TEST(Loss, RejectsWhatItCannotTrain) {
  EXPECT_THROW(Loss(OutputKind::Linear, 2), UsageError);
  EXPECT_THROW(Loss(OutputKind::Softmax, 2, ClassWeights{{1, 1}, {}}), UsageError);
  EXPECT_THROW(Loss(OutputKind::Sigmoid, 3, ClassWeights{{1, 2}, {}}), UsageError);
  EXPECT_THROW(Loss(OutputKind::Sigmoid, 1, ClassWeights{{-1}, {}}), UsageError);
}

}  // namespace
}  // namespace deeplift
