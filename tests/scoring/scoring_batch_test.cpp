// The batch cap by workspace bytes (scoring/scoring_batch.hpp): its arithmetic,
// and its estimate against what a WindowScorer really keeps allocated per
// (window, reference) pair, read from glibc's heap statistics (mallinfo2) in
// a fresh thread, so that the layers' per-thread buffers start empty.
#include <gtest/gtest.h>
#include <malloc.h>

#include <random>
#include <thread>

#include "../support/architectures.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/scoring/scoring_batch.hpp"
#include "deeplift/scoring/window_scorer.hpp"

namespace deeplift {
namespace {

using testing_support::architecture;

// A dense convolutional model like the bundled one, smaller: a valid
// convolution (its unfolded input is a view), a dilated "same" one (unfolded
// into a buffer), an average pool and two dense layers.
Model dense_conv_model() {
  const nlohmann::json layers = {
      {{"type", "conv1d"}, {"name", "conv1"}, {"in_channels", 4}, {"out_channels", 24}, {"kernel_size", 9}},
      {{"type", "relu"}},
      {{"type", "conv1d"}, {"name", "conv2"}, {"in_channels", 24}, {"out_channels", 24}, {"kernel_size", 5},
       {"dilation", 2}, {"padding", "same"}},
      {{"type", "relu"}},
      {{"type", "avgpool1d"}, {"kernel_size", 112}, {"stride", 112}},
      {{"type", "flatten"}},
      {{"type", "dense"}, {"name", "fc1"}, {"in_features", 24}, {"out_features", 16}},
      {{"type", "relu"}},
      {{"type", "dense"}, {"name", "out"}, {"in_features", 16}, {"out_features", 3}}};
  Model model = build_untrained_model(architecture(120, {"a", "b", "c"}, "sigmoid", layers), "dense_conv.json");
  std::mt19937 rng(5);
  for (size_t i = 0; i < model.layers().size(); ++i)
    for (ParameterBlock& block : model.layer(i).parameters()) {
      std::normal_distribution<float> normal(0.0f, block.fan_in > 0 ? 1.0f / std::sqrt(float(block.fan_in)) : 0.2f);
      for (long j = 0; j < block.size; ++j) block.values[j] = normal(rng);
    }
  for (size_t i = 0; i < model.layers().size(); ++i) model.layer(i).parameters_updated();
  return model;
}

ScoringSettings settings_for(Method method, int references_per_window = 1) {
  ScoringSettings settings;
  settings.method = method;
  settings.tasks = {0, 1, 2};
  settings.ig_steps = 2;
  settings.references_per_window = references_per_window;
  return settings;
}

Matrix random_one_hot(int length, int count, unsigned seed) {
  std::mt19937 rng(seed);
  Matrix x = Matrix::Zero(4, static_cast<long>(length) * count);
  for (long column = 0; column < x.cols(); ++column) x(static_cast<int>(rng() % 4), column) = 1.0f;
  return x;
}

// mallinfo2() reports glibc's main arena (plus mmapped blocks) only: the
// worker threads below must allocate from it, not from an arena of their
// own (a run once measured 0 that way). With M_ARENA_MAX 1, set before any
// other thread of this process allocated (ctest runs each test in a process
// of its own), every thread shares the main arena.
long heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return static_cast<long>(info.uordblks + info.hblkhd);
}

// Bytes per pair a WindowScorer keeps allocated after a batch of `large`
// windows beyond what it keeps after `small` windows (K references each).
double retained_bytes_per_pair(const Model& model, const ScoringSettings& settings, int small, int large) {
  const int length = model.input_length(), per_window = settings.references_per_window;
  Matrix shared = Matrix::Constant(4, length, 0.25f);
  double result = 0;
  mallopt(M_ARENA_MAX, 1);
  // A fresh thread: the layers' thread_local buffers start empty.
  std::thread worker([&] {
    WindowScorer scorer(model, settings, per_window == 1 ? &shared : nullptr);
    WindowResults results;
    scorer.resize_results(results, large);
    long in_use[2];
    int index = 0;
    for (int windows : {small, large}) {
      const Matrix input = random_one_hot(length, windows, 1);
      const Matrix references = random_one_hot(length, windows * per_window, 2);
      scorer.score(input, per_window == 1 ? nullptr : &references, windows, results, 0);
      in_use[index++] = heap_in_use();
    }
    result = static_cast<double>(in_use[1] - in_use[0]) / ((large - small) * per_window);
  });
  worker.join();
  return result;
}

TEST(ScoringBatch, EstimateCoversWhatAScorerKeepsPerPair) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer replaces malloc: glibc's mallinfo2() then sees none of
  // the scorer's allocations. The normal build runs this test.
  GTEST_SKIP() << "heap accounting through mallinfo2() needs glibc's allocator";
#endif
  const Model model = dense_conv_model();
  for (Method method : {Method::RevealCancel, Method::Rescale, Method::GenomicsDefault, Method::GradInput,
                        Method::GuidedBackprop, Method::IntegratedGradients}) {
    for (int per_window : {1, 3}) {
      const ScoringSettings settings = settings_for(method, per_window);
      const double retained = retained_bytes_per_pair(model, settings, 2, 10);
      const long estimate = scoring_bytes_per_pair(model, settings);
      SCOPED_TRACE(method_name(method) + ", " + std::to_string(per_window) + " reference(s) per window");
      EXPECT_GT(retained, 0);
      EXPECT_LE(retained, estimate);
      // Not so cautious that batches get needlessly small on a dense model.
      EXPECT_LE(estimate, 2.5 * retained);
    }
  }
}

TEST(ScoringBatch, BatchSizeIsAnUpperBoundAndBytesTheOther) {
  const Model model = dense_conv_model();
  const ScoringSettings settings = settings_for(Method::RevealCancel);
  const long per_pair = scoring_bytes_per_pair(model, settings);
  // The worker's fixed buffers come off the budget first.
  const long fixed = scoring_fixed_bytes(model, settings);
  EXPECT_GT(fixed, 0);
  // A budget that the options' batch fits in: the options decide.
  EXPECT_EQ(scoring_batch(model, settings, 40, fixed + 100 * per_pair).windows, 40);
  // A budget for 7.5 pairs: 7 windows.
  EXPECT_EQ(scoring_batch(model, settings, 40, fixed + 15 * per_pair / 2).windows, 7);
  // Never fewer than one window, even when the fixed part alone passes the budget.
  EXPECT_EQ(scoring_batch(model, settings, 40, fixed + per_pair / 3).windows, 1);
  EXPECT_EQ(scoring_batch(model, settings, 40, fixed / 2).windows, 1);
  // K references per window count K pairs: 4 per window, budget of 9 pairs.
  const ScoringSettings shuffled = settings_for(Method::RevealCancel, 4);
  const long shuffled_pair = scoring_bytes_per_pair(model, shuffled);
  EXPECT_EQ(scoring_batch(model, shuffled, 40, fixed + 9 * shuffled_pair).windows, 2);
  EXPECT_EQ(scoring_batch(model, shuffled, 6, fixed + 100 * shuffled_pair).windows, 1);
  EXPECT_THROW(scoring_batch(model, settings, 0), UsageError);
}

TEST(ScoringBatch, DoesNotDependOnOutputsOrMethodsItDoesNotRun) {
  const Model model = dense_conv_model();
  ScoringSettings settings = settings_for(Method::Rescale);
  const long without = scoring_bytes_per_pair(model, settings);
  settings.hypothetical = true;  // npz output or not: the same batches
  EXPECT_EQ(scoring_bytes_per_pair(model, settings), without);
  // RevealCancel splits multipliers: more per pair than Rescale.
  EXPECT_GT(scoring_bytes_per_pair(model, settings_for(Method::RevealCancel)), without);
}

TEST(ScoringBatch, IsmMutantsPerPassAreCappedToo) {
  const Model model = dense_conv_model();
  const ScoringSettings settings = settings_for(Method::Ism);
  const long per_mutant = ism_bytes_per_mutant(model);
  const long fixed = scoring_fixed_bytes(model, settings);
  EXPECT_EQ(scoring_batch(model, settings, 128, fixed + 1000 * per_mutant).ism_mutants, 128);
  EXPECT_EQ(scoring_batch(model, settings, 128, fixed + 50 * per_mutant).ism_mutants, 50);
  EXPECT_EQ(scoring_batch(model, settings, 128, fixed + per_mutant / 2).ism_mutants, 1);
}

}  // namespace
}  // namespace deeplift

namespace deeplift {
namespace {

// A window's references scored in groups (when all K at once would not fit
// the group budget) give the same means as all K at once, up to float32
// rounding of the sums' order; the all-at-once path is the one checked
// against the float64 reference (tests/scoring/test_npz_references.py,
// test_graph_models.py).
TEST(WindowScorer, ReferencesInGroupsEqualAllAtOnce) {
  const Model model = dense_conv_model();
  for (Method method : {Method::Rescale, Method::RevealCancel, Method::GradInput, Method::IntegratedGradients}) {
    ScoringSettings settings = settings_for(method, 5);
    settings.hypothetical = true;
    const int count = 3, length = model.input_length();
    const Matrix input = random_one_hot(length, count, 7);
    const Matrix references = random_one_hot(length, count * 5, 8);
    const long per_pair = scoring_bytes_per_pair(model, settings);
    WindowScorer all(model, settings, nullptr);
    WindowScorer grouped(model, settings, nullptr, 2 * per_pair);  // groups of 2, 2, 1
    WindowResults expected, got;
    all.resize_results(expected, count);
    grouped.resize_results(got, count);
    all.score(input, &references, count, expected, 0);
    grouped.score(input, &references, count, got, 0);
    SCOPED_TRACE(method_name(method));
    EXPECT_TRUE(got.logits.isApprox(expected.logits, 1e-5f));  // one window per forward pass instead of three
    EXPECT_TRUE(got.ref_logits.isApprox(expected.ref_logits, 1e-5f));
    const float scale = expected.scores.cwiseAbs().maxCoeff();
    EXPECT_GT(scale, 0.0f);
    EXPECT_LE((got.scores - expected.scores).cwiseAbs().maxCoeff(), 1e-5f * scale);
    EXPECT_LE((got.hypothetical - expected.hypothetical).cwiseAbs().maxCoeff(),
              1e-5f * expected.hypothetical.cwiseAbs().maxCoeff());
  }
}

}  // namespace
}  // namespace deeplift
