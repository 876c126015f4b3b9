// Training end to end on a small synthetic task generated here with a fixed
// seed: 600 random 60 bp sequences, label gata1 = the sequence contains
// GATAAG (embedded in half of them). A small conv model must clearly lower
// its validation loss and reach auROC > 0.8 in a few epochs; runs must be
// bit-for-bit repeatable and independent of the thread count; early
// stopping must stop and keep the best epoch. A model with two convs behind
// a max pool must train every one of its parameter tensors.
#include "deeplift/training/trainer.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "../support/architectures.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/io/one_hot.hpp"
#include "deeplift/training/initialization.hpp"
#include "deeplift/training/parameters.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

constexpr int kLength = 60;
const std::string kMotif = "GATAAG";

// Rows [first, first+count) of the synthetic set (mt19937's raw output is
// fixed by the standard, so the data are the same everywhere).
Dataset synthetic(int count, uint32_t seed, bool flip_labels = false) {
  std::mt19937 rng(seed);
  Dataset data;
  data.length = kLength;
  data.inputs.resize(4, static_cast<long>(kLength) * count);
  data.targets.resize(1, count);
  for (int n = 0; n < count; ++n) {
    std::string sequence(kLength, 'A');
    for (char& base : sequence) base = "ACGT"[rng() % 4];
    if (n % 2 == 0) sequence.replace(rng() % (kLength - kMotif.size() + 1), kMotif.size(), kMotif);
    // Label by presence, so a chance occurrence in the background counts too.
    const bool positive = sequence.find(kMotif) != std::string::npos;
    data.targets(0, n) = (positive != flip_labels) ? 1.0f : 0.0f;
    data.names.push_back("seq" + std::to_string(n));
    encode_one_hot(sequence, data.inputs.data() + static_cast<long>(n) * 4 * kLength);
  }
  return data;
}

TrainingData synthetic_split(bool flip_valid = false) {
  TrainingData data;
  data.train = synthetic(500, 1);
  data.valid = synthetic(100, 2, flip_valid);
  data.split_rule = "synthetic";
  return data;
}

// conv 8×6 → relu → global maxpool → flatten → dense 1.
nlohmann::json motif_architecture() {
  return architecture(kLength, {"gata1"}, "sigmoid",
                      {{{"type", "conv1d"}, {"name", "conv1"}, {"in_channels", 4}, {"out_channels", 8}, {"kernel_size", 6}},
                       {{"type", "relu"}},
                       {{"type", "maxpool1d"}, {"kernel_size", kLength - 5}},
                       {{"type", "flatten"}},
                       {{"type", "dense"}, {"name", "out"}, {"in_features", 8}, {"out_features", 1}}});
}

// conv 4→8 k6 → relu → conv 8→6 k3 → relu → global max pool → flatten →
// dense 1: conv1's gradient reaches it through conv2's backward pass behind
// the max pool, where at most 1 in 53 of conv2's output gradients is
// non-zero (Conv1d's element-by-element backward on its transposed filters).
nlohmann::json two_conv_architecture() {
  return architecture(kLength, {"gata1"}, "sigmoid",
                      {{{"type", "conv1d"}, {"name", "conv1"}, {"in_channels", 4}, {"out_channels", 8}, {"kernel_size", 6}},
                       {{"type", "relu"}},
                       {{"type", "conv1d"}, {"name", "conv2"}, {"in_channels", 8}, {"out_channels", 6}, {"kernel_size", 3}},
                       {{"type", "relu"}},
                       {{"type", "maxpool1d"}, {"kernel_size", kLength - 7}},
                       {{"type", "flatten"}},
                       {{"type", "dense"}, {"name", "out"}, {"in_features", 6}, {"out_features", 1}}});
}

TrainOptions fast_options(int threads) {
  TrainOptions options;
  options.epochs = 8;
  options.seed = 3;
  options.batch_size = 32;
  options.sub_batch = 8;
  options.adam.learning_rate = 1e-2f;
  options.patience = 0;
  options.threads = threads;
  return options;
}

TEST(Trainer, LearnsAnEmbeddedMotif) {
  const TrainingData data = synthetic_split();
  Model model = build_untrained_model(motif_architecture(), "test");
  initialize_parameters(model, 3);
  const TrainResult result = train_model(model, data, fast_options(2));
  ASSERT_EQ(result.history.size(), 8u);
  const double initial = result.initial_valid.loss;
  const double final_loss = result.final_valid.loss;
  EXPECT_LT(final_loss, 0.6 * initial) << "initial " << initial << ", final " << final_loss;
  EXPECT_GT(result.final_valid.tasks[0].auroc, 0.8);
  EXPECT_GT(result.best_epoch, 0);
  ::testing::Test::RecordProperty("valid_loss", std::to_string(initial) + " -> " + std::to_string(final_loss));
  ::testing::Test::RecordProperty("valid_auroc", std::to_string(result.final_valid.tasks[0].auroc));
  // The returned model is the best epoch's.
  EXPECT_DOUBLE_EQ(final_loss, result.history[result.best_epoch - 1].valid.loss);
}

TEST(Trainer, TwoConvsBehindAMaxPoolTrainEveryParameterTensor) {
  const TrainingData data = synthetic_split();
  Model model = build_untrained_model(two_conv_architecture(), "test");
  initialize_parameters(model, 3);
  const ParameterTensors initial = snapshot_parameters(model);
  TrainOptions options = fast_options(2);
  options.epochs = 10;
  const TrainResult result = train_model(model, data, options);
  EXPECT_GT(result.best_epoch, 0);
  EXPECT_LT(result.final_valid.loss, 0.6 * result.initial_valid.loss)
      << "initial " << result.initial_valid.loss << ", final " << result.final_valid.loss;
  EXPECT_GT(result.final_valid.tasks[0].auroc, 0.9);
  ::testing::Test::RecordProperty("valid_loss", std::to_string(result.initial_valid.loss) + " -> " +
                                                    std::to_string(result.final_valid.loss));
  // Every tensor of every layer moved, and most of its elements did (a
  // filter that never learns would leave its whole tensor as initialised).
  const ParameterTensors trained = snapshot_parameters(model);
  int tensors = 0;
  for (size_t i = 0; i < trained.size(); ++i)
    for (size_t j = 0; j < trained[i].size(); ++j, ++tensors) {
      const std::string name = model.layer(i).parameters()[j].name;
      const Eigen::ArrayXf change = (trained[i][j] - initial[i][j]).array().abs();
      EXPECT_GT(change.maxCoeff(), 1e-3f) << name << " did not change in training";
      EXPECT_GE((change > 0.0f).count(), (3 * change.size()) / 4) << name << ": most elements did not change";
    }
  EXPECT_EQ(tensors, 6);  // conv1, conv2 and out: weight and bias each
}

TEST(Trainer, RepeatableAndIndependentOfTheThreadCount) {
  const TrainingData data = synthetic_split();
  ParameterTensors trained[3];
  std::vector<double> losses[3];
  const int threads[3] = {1, 2, 2};
  for (int run = 0; run < 3; ++run) {
    Model model = build_untrained_model(motif_architecture(), "test");
    initialize_parameters(model, 3);
    TrainOptions options = fast_options(threads[run]);
    options.epochs = 2;
    const TrainResult result = train_model(model, data, options);
    trained[run] = snapshot_parameters(model);
    for (const auto& record : result.history) losses[run].push_back(record.train_loss);
  }
  EXPECT_EQ(trained[0], trained[1]);  // bit for bit
  EXPECT_EQ(trained[1], trained[2]);
  EXPECT_EQ(losses[0], losses[1]);
  EXPECT_EQ(losses[1], losses[2]);
}

TEST(Trainer, StopsEarlyAndKeepsTheBestEpoch) {
  // Validation labels are the opposite of the rule the model learns, so the
  // validation loss soon rises and keeps rising.
  const TrainingData data = synthetic_split(/*flip_valid=*/true);
  Model model = build_untrained_model(motif_architecture(), "test");
  initialize_parameters(model, 3);
  TrainOptions options = fast_options(2);
  options.epochs = 30;
  options.patience = 2;
  const TrainResult result = train_model(model, data, options);
  EXPECT_TRUE(result.stopped_early);
  EXPECT_EQ(static_cast<int>(result.history.size()), result.best_epoch + options.patience);
  const double best_loss =
      result.best_epoch == 0 ? result.initial_valid.loss : result.history[result.best_epoch - 1].valid.loss;
  EXPECT_DOUBLE_EQ(result.final_valid.loss, best_loss);
}

TEST(Trainer, RejectsBadOptions) {
  const TrainingData data = synthetic_split();
  Model model = build_untrained_model(motif_architecture(), "test");
  TrainOptions options = fast_options(1);
  options.epochs = 0;
  options.batch_size = 0;
  try {
    train_model(model, data, options);
    FAIL();
  } catch (const UsageError& e) {
    // Every problem in one message.
    EXPECT_NE(std::string(e.what()).find("epochs"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("batch size"), std::string::npos);
  }
}

}  // namespace
}  // namespace deeplift
