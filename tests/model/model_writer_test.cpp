// write_model → load_model gives back the same model: identical logits,
// docs/model-format.md tensor names and PyTorch shapes, metadata kept.
#include "deeplift/model/model_writer.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../support/architectures.hpp"
#include "../support/model_file.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/io/safetensors.hpp"
#include "deeplift/training/initialization.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

class ModelWriterRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelWriterRoundTrip, LoadsBackToIdenticalLogits) {
  Model model = build_untrained_model(mixed_architecture(GetParam()), "mixed.json");
  initialize_parameters(model, 7);
  const std::string path = temp_path("round_trip_" + GetParam() + ".safetensors");
  write_model(model, path, {{"note", "kept"}});
  const Model loaded = load_model(path);

  std::mt19937 rng(3);
  const Matrix x = random_one_hot(24, 5, rng);
  EXPECT_EQ(model.logits(x, 5), loaded.logits(x, 5));  // bit for bit
  EXPECT_EQ(loaded.architecture(), model.architecture());
  EXPECT_EQ(loaded.tasks(), model.tasks());

  const SafetensorsFile file = read_safetensors(path);
  EXPECT_EQ(file.metadata.at("format"), "deeplift-model");
  EXPECT_EQ(file.metadata.at("version"), "1");
  EXPECT_EQ(file.metadata.at("note"), "kept");
  EXPECT_EQ(file.tensors.at("conv1.weight").shape, (std::vector<int64_t>{5, 4, 4}));
  EXPECT_EQ(file.tensors.at("conv1.bias").shape, (std::vector<int64_t>{5}));
  EXPECT_EQ(file.tensors.at("conv2.weight").shape, (std::vector<int64_t>{4, 5, 2}));
  EXPECT_EQ(file.tensors.at("fc1.weight").shape, (std::vector<int64_t>{6, 8}));
  EXPECT_EQ(file.tensors.at("out.weight").shape, (std::vector<int64_t>{3, 5}));
  const std::vector<int64_t> slopes = GetParam() == "shared" ? std::vector<int64_t>{1}
                                      : GetParam() == "channel" ? std::vector<int64_t>{5}
                                                                : std::vector<int64_t>{5, 12};
  EXPECT_EQ(file.tensors.at("act1.weight").shape, slopes);
  EXPECT_EQ(file.tensors.size(), 11u);
  // PyTorch's default PReLU initialisation survives the trip.
  for (float a : file.tensors.at("act1.weight").values) EXPECT_EQ(a, 0.25f);
}

INSTANTIATE_TEST_SUITE_P(SlopeShapes, ModelWriterRoundTrip, ::testing::Values("shared", "channel", "position"));

TEST(ModelWriter, SoftmaxModelRoundTripsItsMeanNormalisedLogits) {
  Model model = build_untrained_model(mixed_architecture("", "softmax"), "mixed.json");
  initialize_parameters(model, 8);
  const std::string path = temp_path("softmax.safetensors");
  write_model(model, path);
  const Model loaded = load_model(path);
  std::mt19937 rng(4);
  const Matrix x = random_one_hot(24, 4, rng);
  const Matrix logits = model.logits(x, 4);
  // Already mean-normalised, so the loader's normalisation moves them by rounding only.
  EXPECT_TRUE(loaded.logits(x, 4).isApprox(logits, 1e-5f));
  for (long n = 0; n < logits.cols(); ++n) EXPECT_NEAR(logits.col(n).mean(), 0.0f, 1e-6f);
}

TEST(ModelWriter, DataSectionIsAlignedAndTiled) {
  Model model = build_untrained_model(mixed_architecture(), "mixed.json");
  initialize_parameters(model, 9);
  const std::string path = temp_path("aligned.safetensors");
  write_model(model, path);
  std::ifstream in(path, std::ios::binary);
  unsigned char bytes[8];
  in.read(reinterpret_cast<char*>(bytes), 8);
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | bytes[i];
  EXPECT_EQ((8 + header) % 8, 0u);  // the floats start 8-byte aligned
  // read_safetensors rejects gaps and trailing bytes; this must load.
  EXPECT_NO_THROW(read_safetensors(path));
}

TEST(ModelWriter, UnwritableDestinationIsIoErrorAndNothingIsLeft) {
  Model model = build_untrained_model(mixed_architecture(), "mixed.json");
  EXPECT_THROW(write_model(model, "/nonexistent-dir/model.safetensors"), IoError);
}

TEST(BuildUntrainedModel, ReportsArchitectureProblemsNamingTheFile) {
  nlohmann::json broken = mixed_architecture();
  broken["layers"][7]["in_features"] = 9;  // fc1 after a flatten of 8
  try {
    build_untrained_model(broken, "arch.json");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("'arch.json'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("in_features"), std::string::npos) << e.what();
  }
  nlohmann::json twice = mixed_architecture();
  twice["layers"][3]["name"] = "conv1";
  EXPECT_THROW(build_untrained_model(twice, "arch.json"), FormatError);
}

}  // namespace
}  // namespace deeplift
