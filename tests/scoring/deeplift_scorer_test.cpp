// Properties of the batched scorer on random paper-architecture models,
// checked against independent computations: summation-to-delta against the
// forward pass, gradient×input against central finite differences of the
// forward pass (float64-free: tolerance from the float32 step), ISM against
// re-running the model on every mutant one at a time, and batching
// invariance (a batch of N equals N batches of 1).
#include <gtest/gtest.h>

#include <cstring>

#include "../support/random_models.hpp"
#include "deeplift/scoring/deeplift_scorer.hpp"
#include "deeplift/scoring/ism.hpp"

namespace deeplift {
namespace {

using testing_support::paper_model;
using testing_support::random_dna;

// One-hot encoding written here independently of io/one_hot.cpp.
Matrix encode(const std::vector<std::string>& sequences) {
  const int length = static_cast<int>(sequences[0].size());
  Matrix x = Matrix::Zero(4, static_cast<long>(length) * sequences.size());
  for (size_t n = 0; n < sequences.size(); ++n)
    for (int l = 0; l < length; ++l) {
      const char* found = std::strchr("ACGT", sequences[n][l]);
      if (found && *found) x(found - "ACGT", static_cast<long>(n) * length + l) = 1;
    }
  return x;
}

Matrix gc_reference(int length, float gc = 0.4f) {
  Matrix ref(4, length);
  ref.colwise() = Eigen::Vector4f((1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2);
  return ref;
}

std::vector<std::string> random_sequences(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> sequences;
  for (int i = 0; i < count; ++i) sequences.push_back(random_dna(200, rng, i % 3 == 0 ? 0.02 : 0.0));
  return sequences;
}

TEST(DeepLiftScorer, SummationToDeltaForGcReferences) {
  const Model model = paper_model(11);
  const auto sequences = random_sequences(12, 3);
  const Matrix x = encode(sequences);
  const int count = static_cast<int>(sequences.size());
  for (float gc : {0.4f, 0.5f}) {
    const Matrix ref = gc_reference(200, gc);
    const Matrix ref_logits = model.logits(ref, 1);
    const Matrix logits = model.logits(x, count);
    for (Method method : {Method::RevealCancel, Method::Rescale, Method::GenomicsDefault}) {
      DeepLiftScorer scorer(model, method, {0, 1, 2});
      scorer.set_shared_reference(ref);
      BatchScores out;
      scorer.score(x, count, out);
      Matrix scores, hypothetical;
      contribution_scores(out.multipliers, x, ref.replicate(1, count), 200, count, 3, scores, &hypothetical);
      for (int t = 0; t < 3; ++t)
        for (int n = 0; n < count; ++n) {
          const double expected = static_cast<double>(logits(t, n)) - ref_logits(t, 0);
          const double total = scores.col(t * count + n).cast<double>().sum();
          EXPECT_NEAR(total, expected, 1e-4 * (1 + std::abs(expected)))
              << method_name(method) << " gc " << gc << " task " << t << " sequence " << n;
        }
    }
  }
}

TEST(DeepLiftScorer, PerSequenceReferencesGiveSummationToDelta) {
  const Model model = paper_model(5);
  const auto sequences = random_sequences(6, 9);
  const Matrix x = encode(sequences);
  Matrix refs(4, 200 * 6);
  for (int n = 0; n < 6; ++n) refs.middleCols(n * 200, 200) = gc_reference(200, 0.3f + 0.05f * n);
  DeepLiftScorer scorer(model, Method::RevealCancel, {2, 0});
  BatchScores out;
  scorer.score(x, refs, 6, out);
  Matrix scores, hypothetical;
  contribution_scores(out.multipliers, x, refs, 200, 6, 2, scores, &hypothetical);
  const Matrix logits = model.logits(x, 6), ref_logits = model.logits(refs, 6);
  const int task_of[2] = {2, 0};
  for (int t = 0; t < 2; ++t)
    for (int n = 0; n < 6; ++n) {
      const double expected = static_cast<double>(logits(task_of[t], n)) - ref_logits(task_of[t], n);
      EXPECT_NEAR(scores.col(t * 6 + n).cast<double>().sum(), expected, 1e-4 * (1 + std::abs(expected)));
    }
}

TEST(DeepLiftScorer, GradInputMatchesFiniteDifferences) {
  const Model model = paper_model(21, 6, 16);
  const auto sequences = random_sequences(2, 4);
  const Matrix x = encode(sequences);
  const Matrix ref = gc_reference(200);
  DeepLiftScorer scorer(model, Method::GradInput, {0, 1, 2});
  scorer.set_shared_reference(ref);
  BatchScores out;
  scorer.score(x, 2, out);
  // Central differences at a few random coordinates; the network is piecewise
  // linear (PReLU/ReLU/maxpool), so away from kinks the derivative is exact
  // and a step of 1e-2 keeps float32 rounding at ~1e-4.
  std::mt19937 rng(1);
  const float step = 1e-2f;
  int checked = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const int n = trial % 2, c = static_cast<int>(rng() % 4), l = static_cast<int>(rng() % 200);
    Matrix plus = x.middleCols(n * 200, 200), minus = plus;
    plus(c, l) += step;
    minus(c, l) -= step;
    const Matrix up = model.logits(plus, 1), down = model.logits(minus, 1);
    for (int t = 0; t < 3; ++t) {
      const double numeric = (static_cast<double>(up(t, 0)) - down(t, 0)) / (2 * step);
      const double analytic = out.multipliers(c, (t * 2 + n) * 200 + l);
      EXPECT_NEAR(analytic, numeric, 2e-3 * (1 + std::abs(numeric))) << "task " << t << " n " << n << " c " << c << " l " << l;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 120);
}

TEST(DeepLiftScorer, BatchOfManyEqualsBatchesOfOne) {
  const Model model = paper_model(8);
  const auto sequences = random_sequences(5, 12);
  const Matrix x = encode(sequences);
  const Matrix ref = gc_reference(200);
  DeepLiftScorer batched(model, Method::RevealCancel, {0, 1, 2});
  batched.set_shared_reference(ref);
  BatchScores all;
  batched.score(x, 5, all);
  for (int n = 0; n < 5; ++n) {
    BatchScores one;
    batched.score(x.middleCols(n * 200, 200), 1, one);
    for (int t = 0; t < 3; ++t)
      EXPECT_LT((one.multipliers.middleCols(t * 200, 200) - all.multipliers.middleCols((t * 5 + n) * 200, 200))
                    .cwiseAbs()
                    .maxCoeff(),
                1e-5);
  }
}

TEST(IsmScorer, EqualsOneMutantAtATime) {
  const Model model = paper_model(3, 8, 32);
  auto sequences = random_sequences(2, 77);
  sequences[1][10] = 'N';
  const Matrix x = encode(sequences);
  IsmScorer ism(model, {1, 2}, 64);
  BatchScores out;
  ism.score(x, 2, out);
  for (int n = 0; n < 2; ++n) {
    const Matrix base = model.logits(x.middleCols(n * 200, 200), 1);
    for (int l : {0, 10, 57, 199})
      for (int c = 0; c < 4; ++c) {
        Matrix mutant = x.middleCols(n * 200, 200);
        mutant.col(l).setZero();
        mutant(c, l) = 1;
        const Matrix logits = model.logits(mutant, 1);
        for (int t = 0; t < 2; ++t) {
          const int task = t + 1;
          EXPECT_NEAR(out.multipliers(c, (t * 2 + n) * 200 + l), logits(task, 0) - base(task, 0), 1e-5);
        }
      }
  }
}

}  // namespace
}  // namespace deeplift
