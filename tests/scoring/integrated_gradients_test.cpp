// Integrated gradients against its defining properties: with many path
// points the contributions sum to logit(x) − logit(ref) (completeness,
// Sundararajan et al. 2017), and with 1 point it is gradient×Δx at the input.
#include "deeplift/scoring/integrated_gradients.hpp"

#include <gtest/gtest.h>

#include "../support/random_models.hpp"

namespace deeplift {
namespace {

Matrix one_hot(const std::string& sequence) {
  Matrix x = Matrix::Zero(4, static_cast<long>(sequence.size()));
  for (size_t l = 0; l < sequence.size(); ++l) x(std::string("ACGT").find(sequence[l]), static_cast<long>(l)) = 1;
  return x;
}

TEST(IntegratedGradients, ManyStepsSatisfyCompleteness) {
  const Model model = testing_support::paper_model(4, 8, 32);
  std::mt19937 rng(2);
  const Matrix x = one_hot(testing_support::random_dna(200, rng));
  Matrix ref(4, 200);
  ref.colwise() = Eigen::Vector4f(0.3f, 0.2f, 0.2f, 0.3f);
  IntegratedGradientsScorer scorer(model, {0, 1, 2}, 400);
  BatchScores out;
  scorer.score(x, ref, 1, out);
  Matrix scores, hypothetical;
  contribution_scores(out.multipliers, x, ref, 200, 1, 3, scores, &hypothetical);
  const Matrix logits = model.logits(x, 1), ref_logits = model.logits(ref, 1);
  for (int t = 0; t < 3; ++t) {
    const double delta = static_cast<double>(logits(t, 0)) - ref_logits(t, 0);
    EXPECT_NEAR(scores.col(t).cast<double>().sum(), delta, 0.02 * std::abs(delta) + 2e-3) << "task " << t;
  }
}

TEST(IntegratedGradients, OneStepIsGradientAtTheInput) {
  const Model model = testing_support::paper_model(6, 8, 32);
  std::mt19937 rng(3);
  const Matrix x = one_hot(testing_support::random_dna(200, rng));
  Matrix ref(4, 200);
  ref.colwise() = Eigen::Vector4f(0.25f, 0.25f, 0.25f, 0.25f);
  IntegratedGradientsScorer integrated(model, {0, 2}, 1);
  DeepLiftScorer gradient(model, Method::GradInput, {0, 2});
  gradient.set_shared_reference(ref);
  BatchScores a, b;
  integrated.score(x, ref, 1, a);
  gradient.score(x, 1, b);
  EXPECT_LT((a.multipliers - b.multipliers).cwiseAbs().maxCoeff(), 1e-6);
}

}  // namespace
}  // namespace deeplift
