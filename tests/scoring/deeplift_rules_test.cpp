// The paper's worked toy examples as unit tests of the rules, each against
// its closed-form answer (Shrikumar et al. 2017, §2.2, §3.5.3, Fig. 1-3).
#include <gtest/gtest.h>

#include "deeplift/layers/activations.hpp"
#include "deeplift/layers/dense.hpp"
#include "deeplift/layers/flatten.hpp"
#include "deeplift/scoring/deeplift_scorer.hpp"

namespace deeplift {
namespace {

// Models on a [4, 1] input: the four "channels" serve as scalar inputs x1..x4.
Model dense_model(std::vector<std::unique_ptr<Layer>> layers) {
  return Model("toy", 1, {"y"}, OutputKind::Linear, std::move(layers));
}

Matrix weights(int rows, int cols, std::initializer_list<float> values) {
  Matrix w(rows, cols);
  auto it = values.begin();
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) w(r, c) = *it++;
  return w;
}

// Contributions m·Δx of each of the 4 inputs for the single task.
Eigen::Vector4f contributions(const Model& model, Method method, Eigen::Vector4f x, Eigen::Vector4f ref) {
  DeepLiftScorer scorer(model, method, {0});
  scorer.set_shared_reference(ref);
  BatchScores out;
  scorer.score(x, 1, out);
  return out.multipliers.col(0).array() * (x - ref).array();
}

// y = min(x1, x2) = relu(x1) − relu(x1 − x2) for x1 ≥ 0 (paper §3.5.3, Fig. 3).
Model min_model() {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Dense>("h", Shape{4, 1}, weights(2, 4, {1, 0, 0, 0, 1, -1, 0, 0}), Vector::Zero(2)));
  layers.push_back(std::make_unique<Relu>("relu", Shape{2, 1}));
  layers.push_back(std::make_unique<Dense>("out", Shape{2, 1}, weights(1, 2, {1, -1}), Vector::Zero(1)));
  return dense_model(std::move(layers));
}

TEST(PaperToyExamples, MinOfEqualInputsRevealCancelSplitsEvenly) {
  const Model model = min_model();
  const Eigen::Vector4f x(3, 3, 0, 0), ref(0, 0, 0, 0);
  // RevealCancel: each input gets half of min(3,3) − min(0,0) = 3.
  const auto reveal = contributions(model, Method::RevealCancel, x, ref);
  EXPECT_NEAR(reveal(0), 1.5f, 1e-6);
  EXPECT_NEAR(reveal(1), 1.5f, 1e-6);
  // Rescale: relu(x1 − x2) sees Δz = 0, so x2 gets nothing and x1 all of it.
  const auto rescale = contributions(model, Method::Rescale, x, ref);
  EXPECT_NEAR(rescale(0), 3.0f, 1e-6);
  EXPECT_NEAR(rescale(1), 0.0f, 1e-6);
}

TEST(PaperToyExamples, MinOfUnequalInputsRevealCancelByHand) {
  // x1 = 4, x2 = 2: for h2 = relu(x1 − x2), Δz⁺ = 4, Δz⁻ = −2:
  // Δy⁺ = ½[relu(4) − 0] + ½[relu(2) − relu(−2)] = 3, Δy⁻ = ½[0 − 0] + ½[2 − 4] = −1.
  // Through out's weight −1: x1 gets 4 − 3 = 1, x2 gets −(−1) ... = 1; sum = min(4,2) = 2.
  const auto reveal = contributions(min_model(), Method::RevealCancel, {4, 2, 0, 0}, {0, 0, 0, 0});
  EXPECT_NEAR(reveal(0), 1.0f, 1e-6);
  EXPECT_NEAR(reveal(1), 1.0f, 1e-6);
  EXPECT_NEAR(reveal.sum(), 2.0f, 1e-6);
}

// y = relu(x − 10) (paper §2.2, Fig. 2): the gradient jumps from 0 to 1 at
// x = 10, so gradient×input jumps from 0 to 10; DeepLIFT is continuous.
TEST(PaperToyExamples, ReluWithBiasMinusTenIsContinuousUnderDeepLift) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Dense>("h", Shape{4, 1}, weights(1, 4, {1, 0, 0, 0}), Vector::Constant(1, -10)));
  layers.push_back(std::make_unique<Relu>("relu", Shape{1, 1}));
  layers.push_back(std::make_unique<Dense>("out", Shape{1, 1}, weights(1, 1, {1}), Vector::Zero(1)));
  const Model model = dense_model(std::move(layers));
  const Eigen::Vector4f zero(0, 0, 0, 0);
  for (float x : {9.99f, 10.01f, 12.0f}) {
    const float expected = std::max(x - 10.0f, 0.0f);
    EXPECT_NEAR(contributions(model, Method::Rescale, {x, 0, 0, 0}, zero)(0), expected, 1e-5) << x;
    EXPECT_NEAR(contributions(model, Method::RevealCancel, {x, 0, 0, 0}, zero)(0), expected, 1e-5) << x;
    EXPECT_NEAR(contributions(model, Method::GradInput, {x, 0, 0, 0}, zero)(0), x > 10 ? x : 0.0f, 1e-5) << x;
  }
}

// A saturated sigmoid (paper §2.1, Fig. 1): the gradient is ≈ 0 so
// gradient×input misses the input, DeepLIFT credits the whole Δ.
TEST(PaperToyExamples, SaturatedSigmoidGetsFullDeltaUnderDeepLift) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Dense>("h", Shape{4, 1}, weights(1, 4, {1, 1, 0, 0}), Vector::Zero(1)));
  layers.push_back(std::make_unique<Sigmoid>("sigmoid", Shape{1, 1}));
  layers.push_back(std::make_unique<Dense>("out", Shape{1, 1}, weights(1, 1, {1}), Vector::Zero(1)));
  const Model model = dense_model(std::move(layers));
  const Eigen::Vector4f x(6, 6, 0, 0), ref(0, 0, 0, 0);
  const double delta = 1.0 / (1.0 + std::exp(-12.0)) - 0.5;
  for (Method method : {Method::Rescale, Method::RevealCancel}) {
    const auto c = contributions(model, method, x, ref);
    EXPECT_NEAR(c(0) + c(1), delta, 1e-6);
    EXPECT_NEAR(c(0), c(1), 1e-7);
  }
  const double sigmoid12 = 1.0 / (1.0 + std::exp(-12.0));
  const auto gradient = contributions(model, Method::GradInput, x, ref);
  EXPECT_NEAR(gradient(0) + gradient(1), 12.0 * sigmoid12 * (1 - sigmoid12), 1e-6);
  EXPECT_LT(gradient.sum(), 1e-3);
}

// Linear rule with Δx == 0: the input gets w·(M⁺ + M⁻)/2 (docs/scoring.md). With
// y = relu(x1 − x2 + 0·x3) ... x3 has Δx = 0 and so contributes 0 whatever its
// multiplier, but its multiplier is observable: (M⁺ + M⁻)/2 · w.
TEST(LinearRule, ZeroDeltaGetsMeanOfPositiveAndNegativeMultipliers) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Dense>("h", Shape{4, 1}, weights(1, 4, {1, -1, 2, 0}), Vector::Zero(1)));
  layers.push_back(std::make_unique<Relu>("relu", Shape{1, 1}));
  layers.push_back(std::make_unique<Dense>("out", Shape{1, 1}, weights(1, 1, {1}), Vector::Zero(1)));
  const Model model = dense_model(std::move(layers));
  DeepLiftScorer scorer(model, Method::RevealCancel, {0});
  scorer.set_shared_reference(Eigen::Vector4f(0, 0, 0, 0));
  BatchScores out;
  scorer.score(Eigen::Vector4f(4, 2, 0, 0), 1, out);
  // Δz⁺ = 4, Δz⁻ = −2; Δy⁺ = ½[4 − 0] + ½[2 − 0] = 3, Δy⁻ = ½[0 − 0] + ½[2 − 4] = −1.
  const float m_plus = 3.0f / 4.0f, m_minus = -1.0f / -2.0f;
  EXPECT_NEAR(out.multipliers(0, 0), 1 * m_plus, 1e-6);
  EXPECT_NEAR(out.multipliers(1, 0), -1 * m_minus, 1e-6);
  EXPECT_NEAR(out.multipliers(2, 0), 2 * (m_plus + m_minus) / 2, 1e-6);
  EXPECT_NEAR(out.multipliers(3, 0), 0.0f, 1e-7);
}

TEST(LinearModel, ContributionsEqualWeightTimesDeltaExactly) {
  // One dense layer over flattened one-hot input: contribution of base c at
  // l is exactly W[t, c*L + l]·Δx[c, l] for each task, under every method.
  const int length = 7;
  Matrix w = Matrix::Random(2, 4 * length);
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Flatten>("flatten", Shape{4, length}));
  layers.push_back(std::make_unique<Dense>("out", Shape{4 * length, 1}, w, Vector::Random(2)));
  const Model model("linear", length, {"a", "b"}, OutputKind::Linear, std::move(layers));
  Matrix x = Matrix::Zero(4, length);
  const int bases[length] = {0, 1, 2, 3, -1, 2, 0};
  for (int l = 0; l < length; ++l)
    if (bases[l] >= 0) x(bases[l], l) = 1;
  Matrix ref(4, length);
  ref.colwise() = Eigen::Vector4f(0.3f, 0.2f, 0.2f, 0.3f);
  for (Method method : {Method::RevealCancel, Method::Rescale, Method::GenomicsDefault, Method::GradInput}) {
    DeepLiftScorer scorer(model, method, {0, 1});
    scorer.set_shared_reference(ref);
    BatchScores out;
    scorer.score(x, 1, out);
    Matrix scores, hypothetical;
    contribution_scores(out.multipliers, x, ref, length, 1, 2, scores, &hypothetical);
    for (int t = 0; t < 2; ++t)
      for (int l = 0; l < length; ++l) {
        double expected = 0;
        for (int c = 0; c < 4; ++c) expected += w(t, c * length + l) * (x(c, l) - ref(c, l));
        EXPECT_NEAR(scores(l, t), expected, 1e-6) << method_name(method) << " task " << t << " position " << l;
        // Hypothetical at the observed base equals the per-position score.
        if (bases[l] >= 0) {
          EXPECT_NEAR(hypothetical(bases[l], t * length + l), scores(l, t), 1e-6);
        }
      }
  }
}

}  // namespace
}  // namespace deeplift

namespace deeplift {
namespace {

// Guided backprop (Springenberg et al. 2015): y = relu(x1) − relu(x2); the
// gradient reaching relu(x2) is −1, negative, so guided backprop gives x2
// nothing while the plain gradient gives it −1.
TEST(GuidedBackprop, BlocksNegativeGradientsAtNonlinearities) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Dense>("h", Shape{4, 1}, weights(2, 4, {1, 0, 0, 0, 0, 1, 0, 0}), Vector::Zero(2)));
  layers.push_back(std::make_unique<Relu>("relu", Shape{2, 1}));
  layers.push_back(std::make_unique<Dense>("out", Shape{2, 1}, weights(1, 2, {1, -1}), Vector::Zero(1)));
  const Model model = dense_model(std::move(layers));
  const Eigen::Vector4f x(2, 3, 0, 0), zero(0, 0, 0, 0);
  const auto guided = contributions(model, Method::GuidedBackprop, x, zero);
  EXPECT_NEAR(guided(0), 2.0f, 1e-6);
  EXPECT_NEAR(guided(1), 0.0f, 1e-6);
  const auto gradient = contributions(model, Method::GradInput, x, zero);
  EXPECT_NEAR(gradient(1), -3.0f, 1e-6);
}

}  // namespace
}  // namespace deeplift
