// Several models scored as one (scoring/model_ensemble.hpp): one model is
// exactly its WindowScorer; several give the mean of each model's
// WindowScorer results (which tests/scoring/test_score_seqs_vs_reference.py
// and test_graph_models.py check against the float64 reference; the mean
// itself against it in test_model_folds.py), each model's logits in its own
// rows; the batch is the smallest of the models'; a worker does not keep
// every model's workspace; models that disagree name both files.
#include <gtest/gtest.h>
#include <malloc.h>

#include <random>
#include <thread>

#include "../support/architectures.hpp"
#include "../support/random_models.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/scoring/model_ensemble.hpp"

namespace deeplift {
namespace {

using testing_support::paper_model;
using testing_support::random_one_hot;

ScoringSettings settings_for(Method method, int references_per_window) {
  ScoringSettings settings;
  settings.method = method;
  settings.references_per_window = references_per_window;
  settings.hypothetical = true;
  return settings;
}

// WindowScorer's results of `model` with the ensemble's settings for it.
WindowResults single(const ModelEnsemble& ensemble, int m, const Matrix& input, const Matrix* references, int count) {
  WindowScorer scorer(ensemble.model(m), ensemble.settings(m), nullptr);
  WindowResults out;
  scorer.resize_results(out, count);
  scorer.score(input, references, count, out, 0);
  return out;
}

TEST(EnsembleScorer, OneModelIsItsWindowScorer) {
  const Model model = paper_model(1);
  const ModelEnsemble ensemble({&model}, "all", settings_for(Method::RevealCancel, 2), 128);
  std::mt19937 rng(3);
  const int count = 4, length = model.input_length();
  const Matrix input = random_one_hot(length, count, rng), references = random_one_hot(length, count * 2, rng);
  EnsembleScorer scorer(ensemble, nullptr);
  WindowResults got;
  scorer.resize_results(got, count);
  scorer.score(input, &references, count, got, 0);
  const WindowResults want = single(ensemble, 0, input, &references, count);
  EXPECT_EQ(got.logits, want.logits);
  EXPECT_EQ(got.ref_logits, want.ref_logits);
  EXPECT_EQ(got.scores, want.scores);
  EXPECT_EQ(got.hypothetical, want.hypothetical);
}

TEST(EnsembleScorer, ScoresAreTheMeanOverModelsLogitsPerModel) {
  const Model a = paper_model(1), b = paper_model(2), c = paper_model(3);
  for (Method method : {Method::RevealCancel, Method::GradInput, Method::Ism}) {
    SCOPED_TRACE(method_name(method));
    const int per_window = method == Method::Ism ? 1 : 3;
    const ModelEnsemble ensemble({&a, &b, &c}, "tal1,both", settings_for(method, per_window), 128);
    std::mt19937 rng(4);
    const int count = 3, length = a.input_length(), tasks = 2;
    const Matrix input = random_one_hot(length, count, rng);
    const Matrix references = random_one_hot(length, count * per_window, rng);
    const Matrix* given = method == Method::Ism ? nullptr : &references;
    EnsembleScorer scorer(ensemble, nullptr);
    WindowResults got;
    scorer.resize_results(got, count + 2);
    scorer.score(input, given, count, got, 2);  // columns 2.. as a batch in the middle of a chunk
    Matrix scores = Matrix::Zero(length, count * tasks), hypothetical = Matrix::Zero(4, length * count * tasks);
    for (int m = 0; m < 3; ++m) {
      const WindowResults want = single(ensemble, m, input, given, count);
      EXPECT_EQ(got.logits.block(ensemble.logit_row(m), 2, 3, count), want.logits);
      if (method != Method::Ism) {
        EXPECT_EQ(got.ref_logits.block(ensemble.logit_row(m), 2, 3, count), want.ref_logits);
      }
      scores += want.scores;
      hypothetical += want.hypothetical;
    }
    EXPECT_EQ(ensemble.logit_rows(), 9);
    EXPECT_EQ(got.ref_logits.size() == 0, method == Method::Ism);
    scores /= 3.0f;
    hypothetical /= 3.0f;
    const float scale = scores.cwiseAbs().maxCoeff();
    ASSERT_GT(scale, 0.0f);
    EXPECT_LE((got.scores.middleCols(2 * tasks, count * tasks) - scores).cwiseAbs().maxCoeff(), 1e-6f * scale);
    EXPECT_LE((got.hypothetical.middleCols(2 * tasks * length, count * tasks * length) - hypothetical)
                  .cwiseAbs()
                  .maxCoeff(),
              1e-6f * hypothetical.cwiseAbs().maxCoeff());
  }
}

TEST(ModelEnsemble, BatchIsTheSmallestOfTheModels) {
  const Model small = paper_model(1, 10, 50), large = paper_model(2, 40, 400);
  const ScoringSettings settings = settings_for(Method::RevealCancel, 2);
  const long budget = 12L << 20;  // small enough that bytes, not --batch-size, decide
  const ModelEnsemble ensemble({&small, &large}, "all", settings, 128, budget);
  ScoringSettings with_tasks = settings;
  with_tasks.tasks = {0, 1, 2};
  const int small_batch = scoring_batch(small, with_tasks, 128, budget).windows;
  const int large_batch = scoring_batch(large, with_tasks, 128, budget).windows;
  ASSERT_LT(large_batch, small_batch);
  EXPECT_EQ(ensemble.batch_windows(), large_batch);
  EXPECT_EQ(ModelEnsemble({&large, &small}, "all", settings, 128, budget).batch_windows(), large_batch);
}

TEST(ModelEnsemble, ModelsThatDisagreeNameBothFiles) {
  const Model model = paper_model(1);  // its path: "paper-random"
  const nlohmann::json layers = {{{"type", "flatten"}},
                                 {{"type", "dense"}, {"name", "out"}, {"in_features", 400}, {"out_features", 3}}};
  const Model shorter = build_untrained_model(
      testing_support::architecture(100, {"both", "gata1", "tal1"}, "sigmoid", layers), "short.safetensors");
  try {
    ModelEnsemble({&model, &shorter}, "all", settings_for(Method::Rescale, 1), 128);
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'short.safetensors' takes 100 bp, 'paper-random' 200 bp"), std::string::npos) << message;
  }
}

#if !defined(__SANITIZE_ADDRESS__)
// Heap bytes in use (glibc's main arena; see scoring_batch_test.cpp for M_ARENA_MAX).
long heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return static_cast<long>(info.uordblks + info.hblkhd);
}

// Bytes still allocated after a batch, beyond before the scorer was made.
long retained_after_a_batch(const ModelEnsemble& ensemble, int count) {
  long retained = 0;
  mallopt(M_ARENA_MAX, 1);
  std::thread worker([&] {  // a fresh thread: the layers' thread_local buffers start empty
    std::mt19937 rng(5);
    const int length = ensemble.input_length(), per_window = ensemble.settings(0).references_per_window;
    const Matrix input = random_one_hot(length, count, rng);
    const Matrix references = random_one_hot(length, count * per_window, rng);
    WindowResults results;
    const long before = heap_in_use();
    EnsembleScorer scorer(ensemble, nullptr);
    scorer.resize_results(results, count);
    scorer.score(input, &references, count, results, 0);
    retained = heap_in_use() - before;
  });
  worker.join();
  return retained;
}

// Scoring several models keeps one worker's memory at one model's: the
// ensemble does not hold on to each model's workspace between batches, so
// three models retain less than one model's scorer does.
TEST(EnsembleScorer, DoesNotKeepEveryModelsWorkspace) {
  const Model a = paper_model(1), b = paper_model(2), c = paper_model(3);
  const ScoringSettings settings = settings_for(Method::RevealCancel, 4);
  const long one = retained_after_a_batch(ModelEnsemble({&a}, "all", settings, 128), 16);
  const long three = retained_after_a_batch(ModelEnsemble({&a, &b, &c}, "all", settings, 128), 16);
  EXPECT_GT(one, 0);
  EXPECT_LT(three, one) << "three models retain " << three << " bytes, one " << one;
}
#endif

}  // namespace
}  // namespace deeplift
