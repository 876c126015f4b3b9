// Format version 2 (docs/graph-models.md): graph models load and compute what
// an independent float64 interpreter of the same JSON computes, and every
// graph error is a FormatError naming the file, the layer and the problem.
#include <gtest/gtest.h>

#include <cmath>

#include "../support/architectures.hpp"
#include "../support/graph_models.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/model/model_writer.hpp"
#include "deeplift/training/backprop.hpp"
#include "deeplift/training/loss.hpp"
#include "deeplift/training/parameters.hpp"

namespace deeplift {
namespace {

using testing_support::GraphModelSpec;
using testing_support::ReferenceGraph;
using testing_support::TensorSpec;
using testing_support::temp_path;
using testing_support::write_model_file;

// Loads and expects a FormatError whose message contains the path and every needle.
void expect_load_error(const std::string& path, const std::vector<std::string>& needles) {
  try {
    load_model(path);
    FAIL() << "no error for " << path << " (expected: " << needles.front() << ")";
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    for (const auto& needle : needles) EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

void check_against_reference(const GraphModelSpec& spec, unsigned seed) {
  const auto architecture = testing_support::graph_architecture(spec);
  const auto tensors = testing_support::random_tensors(architecture, seed);
  const std::string path = temp_path("graph_" + spec.style + ".safetensors");
  testing_support::write_graph_model(path, architecture, tensors);
  const Model model = load_model(path);
  ASSERT_EQ(model.tasks(), (std::vector<std::string>{"profile", "counts"}));
  EXPECT_EQ(model.task_kind(0), TaskKind::Profile);
  EXPECT_EQ(model.task_kind(1), TaskKind::Scalar);
  EXPECT_FALSE(model.is_sequential());

  std::mt19937 rng(seed);
  const int count = 3;
  const Matrix x = testing_support::random_one_hot(spec.length, count, rng);
  const Matrix logits = model.logits(x, count);
  ASSERT_EQ(logits.rows(), 2);
  ASSERT_EQ(logits.cols(), count);
  const ReferenceGraph reference{architecture, tensors};
  for (int n = 0; n < count; ++n) {
    const auto expected = reference.targets(testing_support::sequence_of(x, spec.length, n));
    for (int t = 0; t < 2; ++t)
      EXPECT_NEAR(logits(t, n), expected[t], 1e-4 * (1 + std::abs(expected[t]))) << "task " << t << " seq " << n;
  }
}

TEST(GraphLoader, SamePaddingResidualModelMatchesReference) { check_against_reference(GraphModelSpec{}, 1); }

TEST(GraphLoader, ValidPaddingResidualModelMatchesReference) {
  GraphModelSpec spec;
  spec.style = "valid";
  check_against_reference(spec, 2);
}

TEST(GraphLoader, ConcatAndMultiRowOutputs) {
  // input → conv a (4→2) and conv b (4→3) → concat (5 channels) → flatten → dense (→2 tasks named in "tasks").
  nlohmann::json architecture = {
      {"input", {{"alphabet", "ACGT"}, {"length", 6}}},
      {"layers",
       {testing_support::conv_spec("a", 4, 2, 3, 1, "valid", "input"),
        testing_support::conv_spec("b", 4, 3, 3, 1, "valid", "input"),
        {{"type", "concat"}, {"name", "both"}, {"inputs", {"a", "b"}}},
        {{"type", "flatten"}, {"name", "f"}},
        {{"type", "dense"}, {"name", "out"}, {"in_features", 20}, {"out_features", 2}}}},
      {"outputs", {{{"name", "heads"}, {"layer", "out"}, {"tasks", {"x", "y"}}}}}};
  const auto tensors = testing_support::random_tensors(architecture, 3);
  const std::string path = temp_path("concat.safetensors");
  testing_support::write_graph_model(path, architecture, tensors);
  const Model model = load_model(path);
  ASSERT_EQ(model.tasks(), (std::vector<std::string>{"x", "y"}));
  std::mt19937 rng(3);
  const Matrix x = testing_support::random_one_hot(6, 2, rng);
  const Matrix logits = model.logits(x, 2);
  const ReferenceGraph reference{architecture, tensors};
  for (int n = 0; n < 2; ++n) {
    const auto expected = reference.targets(testing_support::sequence_of(x, 6, n));
    for (int t = 0; t < 2; ++t) EXPECT_NEAR(logits(t, n), expected[t], 1e-5 * (1 + std::abs(expected[t])));
  }
}

TEST(GraphLoader, WrittenGraphModelReadsBackAsVersion2) {
  const auto architecture = testing_support::graph_architecture(GraphModelSpec{});
  const auto tensors = testing_support::random_tensors(architecture, 4);
  const std::string path = temp_path("graph_rw.safetensors");
  testing_support::write_graph_model(path, architecture, tensors);
  const Model model = load_model(path);
  const std::string copy = temp_path("graph_rw_copy.safetensors");
  write_model(model, copy);
  const Model loaded = load_model(copy);
  std::mt19937 rng(4);
  const Matrix x = testing_support::random_one_hot(GraphModelSpec{}.length, 2, rng);
  EXPECT_EQ(model.logits(x, 2), loaded.logits(x, 2));
  EXPECT_EQ(architecture_format_version(loaded.architecture()), 2);
}

// A small valid graph to break in one place at a time.
struct SmallGraph {
  nlohmann::json architecture = {
      {"input", {{"alphabet", "ACGT"}, {"length", 8}}},
      {"layers",
       {testing_support::conv_spec("c0", 4, 2, 3, 1, "same", ""),
        {{"type", "relu"}, {"name", "r0"}},
        testing_support::conv_spec("c1", 2, 2, 3, 1, "same", "r0"),
        {{"type", "add"}, {"name", "sum"}, {"inputs", {"r0", "c1"}}},
        {{"type", "crop1d"}, {"name", "profile"}, {"length", 4}}}},
      {"outputs", {{{"name", "profile"}, {"layer", "profile"}}}}};
  nlohmann::json& layer(size_t i) { return architecture["layers"][i]; }
  std::string write(const std::string& name, const std::string& version = "2") const {
    const std::string path = temp_path(name + ".safetensors");
    write_model_file(path, architecture, testing_support::random_tensors(architecture, 5), {{"version", version}});
    return path;
  }
};

TEST(GraphLoader, SmallGraphIsValid) {
  const Model model = load_model(SmallGraph().write("small_graph"));
  EXPECT_EQ(model.task_kind(0), TaskKind::Profile);
  EXPECT_EQ(model.layer_inputs(3), (std::vector<int>{2, 3}));
}

TEST(GraphLoader, RejectsAnInputThatIsTheLayerItself) {
  SmallGraph g;
  g.layer(3)["inputs"] = {"r0", "sum"};
  expect_load_error(g.write("self_input"), {"layer 4 (sum)", "input 'sum' is the layer itself"});
}

TEST(GraphLoader, RejectsACycleThroughALaterLayer) {
  SmallGraph g;
  g.layer(2)["inputs"] = {"sum"};
  expect_load_error(g.write("cycle"), {"layer 3 (c1)", "input 'sum' is a later layer"});
}

TEST(GraphLoader, RejectsUnknownInput) {
  SmallGraph g;
  g.layer(3)["inputs"] = {"r0", "nowhere"};
  expect_load_error(g.write("unknown_input"), {"layer 4 (sum)", "unknown input 'nowhere'"});
}

TEST(GraphLoader, RejectsInputsThatAreNotNames) {
  SmallGraph g;
  g.layer(3)["inputs"] = {"r0", 3};
  expect_load_error(g.write("input_number"), {"layer 4 (sum)", "\"inputs\" must hold layer names"});
  g.layer(3)["inputs"] = nlohmann::json::array();
  expect_load_error(g.write("input_empty"), {"layer 4 (sum)", "non-empty array"});
}

TEST(GraphLoader, RejectsALayerThatFeedsNothing) {
  SmallGraph g;
  // c1 now reads the input directly and nothing reads r0's second consumer... make r0 dangle:
  g.layer(2)["inputs"] = {"input"};
  g.layer(2)["in_channels"] = 4;
  g.layer(3)["inputs"] = {"c1", "c1"};
  expect_load_error(g.write("dangling"), {"layer 2 (r0)", "feeds nothing"});
}

TEST(GraphLoader, RejectsAddOfDifferentShapes) {
  SmallGraph g;
  g.layer(3)["inputs"] = {"r0", "input"};
  expect_load_error(g.write("add_shapes"), {"layer 4 (sum)", "add input 2 has shape [4, 8], input 1 has [2, 8]"});
}

TEST(GraphLoader, RejectsAddWithOneInput) {
  SmallGraph g;
  g.layer(3)["inputs"] = {"c1"};
  g.layer(1)["name"] = "r0";
  expect_load_error(g.write("add_one"), {"layer 4 (sum)", "add needs at least 2 inputs"});
}

TEST(GraphLoader, RejectsConcatOfDifferentLengths) {
  SmallGraph g;
  g.layer(4) = {{"type", "crop1d"}, {"name", "short"}, {"left", 1}};
  g.architecture["layers"].push_back({{"type", "concat"}, {"name", "joined"}, {"inputs", {"short", "sum"}}});
  g.architecture["outputs"][0]["layer"] = "joined";
  expect_load_error(g.write("concat_lengths"), {"layer 6 (joined)", "concat input 2 has shape [2, 8], input 1 has [2, 7]"});
}

TEST(GraphLoader, RejectsSingleInputLayerGivenTwo) {
  SmallGraph g;
  g.layer(2)["inputs"] = {"r0", "c0"};
  expect_load_error(g.write("two_for_one"), {"layer 3 (c1)", "conv1d takes one input, not 2"});
}

TEST(GraphLoader, RejectsDuplicateAndReservedNames) {
  SmallGraph g;
  g.layer(1)["name"] = "c0";
  expect_load_error(g.write("duplicate_name"), {"layer 2 (c0)", "another layer has the same name"});
  SmallGraph h;
  h.layer(1)["name"] = "input";
  expect_load_error(h.write("reserved_name"), {"layer 2 (input)", "reserved"});
}

TEST(GraphLoader, RejectsGraphFeaturesInVersion1) {
  SmallGraph g;
  expect_load_error(g.write("v1_outputs", "1"), {"\"outputs\" needs model format version 2"});
  nlohmann::json stack = testing_support::linear_architecture(4, 1);
  stack["layers"][0]["inputs"] = {"input"};
  const std::string path = temp_path("v1_inputs.safetensors");
  write_model_file(path, stack,
                   {{"out.weight", {{1, 16}, testing_support::ramp(16)}}, {"out.bias", {{1}, {0.5f}}}});
  expect_load_error(path, {"layer 1 (flatten0)", "\"inputs\" needs model format version 2"});
  stack["layers"][0] = {{"type", "crop1d"}, {"left", 1}};
  write_model_file(path, stack, {});
  expect_load_error(path, {"layer 1 (crop1d0)", "layer type crop1d needs model format version 2"});
}

TEST(GraphLoader, RejectsUnsupportedVersion) {
  expect_load_error(SmallGraph().write("v3", "3"), {"model format version 3 is not supported"});
}

TEST(GraphLoader, RejectsBadOutputs) {
  SmallGraph g;
  g.architecture["outputs"][0]["layer"] = "missing";
  expect_load_error(g.write("output_unknown"), {"output 'profile': unknown layer 'missing'"});
  SmallGraph h;
  h.architecture["tasks"] = {"t"};
  expect_load_error(h.write("output_and_tasks"), {"both \"outputs\" and \"tasks\""});
  SmallGraph i;
  i.architecture["output"] = "sigmoid";
  expect_load_error(i.write("output_sigmoid"), {"must be \"linear\""});
  SmallGraph j;
  j.architecture["outputs"][0]["tasks"] = {"a", "b"};
  expect_load_error(j.write("profile_tasks"), {"output 'profile'", "profile output"});
  // A [2, 1] output needs its two task names.
  SmallGraph k;
  k.layer(4) = {{"type", "crop1d"}, {"name", "profile"}, {"length", 1}};
  expect_load_error(k.write("rows_unnamed"), {"output 'profile'", "gives 2 values; list their task names"});
  k.architecture["outputs"][0]["tasks"] = {"a"};
  expect_load_error(k.write("rows_short"), {"output 'profile'", "\"tasks\" lists 1"});
  k.architecture["outputs"][0]["tasks"] = {"a", "a"};
  expect_load_error(k.write("rows_twice"), {"task 'a' is listed twice"});
}

TEST(GraphLoader, RejectsBadCrops) {
  SmallGraph g;
  g.layer(4)["length"] = 9;
  expect_load_error(g.write("crop_long"), {"layer 5 (profile)", "crop length 9 exceeds the input length 8"});
  g.layer(4) = {{"type", "crop1d"}, {"name", "profile"}, {"left", 4}, {"right", 4}};
  expect_load_error(g.write("crop_all"), {"layer 5 (profile)", "leaves nothing"});
  g.layer(4) = {{"type", "crop1d"}, {"name", "profile"}, {"left", -1}};
  expect_load_error(g.write("crop_negative"), {"layer 5 (profile)", "\"left\" must be an integer >= 0"});
  g.layer(4) = {{"type", "crop1d"}, {"name", "profile"}, {"left", 1}, {"length", 2}};
  expect_load_error(g.write("crop_both"), {"layer 5 (profile)", "either \"length\" or \"left\"/\"right\""});
}

TEST(GraphLoader, RejectsActivationsTooLargeForMemory) {
  // 2^24 positions × 256 channels = 2^32 values per sequence.
  nlohmann::json architecture = {
      {"input", {{"alphabet", "ACGT"}, {"length", 1 << 24}}},
      {"layers", {testing_support::conv_spec("wide", 4, 256, 1, 1, "valid", "")}},
      {"outputs", {{{"name", "p"}, {"layer", "wide"}}}}};
  const std::string path = temp_path("huge_activation.safetensors");
  write_model_file(path, architecture,
                   {{"wide.weight", {{256, 4, 1}, std::vector<float>(1024, 0.0f)}},
                    {"wide.bias", {{256}, std::vector<float>(256, 0.0f)}}},
                   {{"version", "2"}});
  expect_load_error(path, {"layer 1 (wide)", "more than 2^31 values per sequence"});
}

TEST(GraphLoader, RejectsParameterTensorsTooLargeForMemory) {
  // dense 2^26 → 2^30: 2^56 weights, refused before any tensor is looked up or made.
  nlohmann::json architecture = testing_support::linear_architecture(1 << 24, 1);
  architecture["layers"][1]["out_features"] = 1 << 30;
  const std::string path = temp_path("huge_dense.safetensors");
  write_model_file(path, architecture, {});
  expect_load_error(path, {"layer 2 (out)", "more than 2^31 elements"});
  try {
    build_untrained_model(architecture, "arch.json");
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 2^31 elements"), std::string::npos) << e.what();
  }
}

// The fuzz seed corpus's graph files (written by tests/fuzz/make-corpus.py,
// independently of the C++ writer) load, and its nearly valid one does not.
TEST(GraphLoader, FuzzCorpusGraphFiles) {
  const std::string corpus = std::string(DEEPLIFT_SOURCE_DIR) + "/tests/fuzz/corpus/model_loader/";
  for (const char* name : {"graph_same", "graph_valid", "graph_concat"}) {
    const Model model = load_model(corpus + name + ".safetensors");
    EXPECT_FALSE(model.is_sequential()) << name;
  }
  EXPECT_EQ(load_model(corpus + "graph_same.safetensors").task_kind(0), TaskKind::Profile);
  expect_load_error(corpus + "graph_cycle.safetensors", {"layer 3 (c1)", "input 'a1' is a later layer"});
}

TEST(GraphLoader, TrainingRejectsGraphModels) {
  Model model = build_untrained_model(testing_support::graph_architecture(GraphModelSpec{}), "arch.json");
  EXPECT_FALSE(model.is_sequential());
  ParameterTensors gradients = zeros_like_parameters(model);
  const Loss loss(OutputKind::Sigmoid, 2);
  std::mt19937 rng(1);
  const Matrix x = testing_support::random_one_hot(GraphModelSpec{}.length, 1, rng);
  try {
    backpropagate(model, loss, x, Matrix::Zero(2, 1), 1, 1.0f, gradients);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trains sequential models only"), std::string::npos) << e.what();
  }
}

TEST(GraphLoader, SequentialVersion1ModelIsSequential) {
  const std::string path = temp_path("stack.safetensors");
  write_model_file(path, testing_support::linear_architecture(3, 2),
                   {{"out.weight", {{2, 12}, testing_support::ramp(24)}}, {"out.bias", {{2}, {0.1f, 0.2f}}}});
  const Model model = load_model(path);
  EXPECT_TRUE(model.is_sequential());
  EXPECT_EQ(model.task_kind(1), TaskKind::Scalar);
  EXPECT_EQ(architecture_format_version(model.architecture()), 1);
}

}  // namespace
}  // namespace deeplift
