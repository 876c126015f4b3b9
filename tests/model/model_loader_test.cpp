// Every loader error of docs/model-format.md has a test checking that the message
// names the file and the problem; plus a valid file's forward pass by hand.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "../support/model_file.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/model/model.hpp"

namespace deeplift {
namespace {

using testing_support::linear_architecture;
using testing_support::ramp;
using testing_support::temp_path;
using testing_support::TensorSpec;
using testing_support::write_model_file;

std::map<std::string, TensorSpec> linear_tensors(int length, int tasks) {
  return {{"out.weight", {{tasks, 4 * length}, ramp(static_cast<size_t>(tasks) * 4 * length)}},
          {"out.bias", {{tasks}, ramp(tasks, 0.5f)}}};
}

// Loads and expects a FormatError whose message contains the path and `needle`.
void expect_load_error(const std::string& path, const std::string& needle) {
  try {
    load_model(path);
    FAIL() << "no error for " << path << " (expected: " << needle << ")";
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(ModelLoader, ValidLinearModelComputesWeightedSum) {
  const std::string path = temp_path("valid.safetensors");
  write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2));
  const Model model = load_model(path);
  EXPECT_EQ(model.input_length(), 3);
  ASSERT_EQ(model.task_count(), 2);
  // Input ACG: flatten is channel-major, index c*L + l.
  Matrix x = Matrix::Zero(4, 3);
  x(0, 0) = 1;
  x(1, 1) = 1;
  x(2, 2) = 1;
  const auto w = ramp(24);
  const auto b = ramp(2, 0.5f);
  const Matrix logits = model.logits(x, 1);
  for (int t = 0; t < 2; ++t) {
    const float expected = b[t] + w[t * 12 + 0 * 3 + 0] + w[t * 12 + 1 * 3 + 1] + w[t * 12 + 2 * 3 + 2];
    EXPECT_NEAR(logits(t, 0), expected, 1e-6);
  }
}

TEST(ModelLoader, MissingFileIsIoError) {
  EXPECT_THROW(load_model("/nonexistent/dir/model.safetensors"), IoError);
}

TEST(ModelLoader, TruncatedFileShorterThanLengthField) {
  const std::string path = temp_path("tiny.safetensors");
  std::ofstream(path) << "abc";
  expect_load_error(path, "shorter than the 8-byte header length");
}

TEST(ModelLoader, ZeroLengthFile) {
  const std::string path = temp_path("empty.safetensors");
  std::ofstream(path).close();
  expect_load_error(path, "0 bytes");
}

TEST(ModelLoader, HeaderLengthPastEndOfFile) {
  const std::string path = temp_path("hugeheader.safetensors");
  std::ofstream out(path, std::ios::binary);
  const uint64_t huge = 1ull << 40;
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((huge >> (8 * i)) & 0xff));
  out << "{}";
  out.close();
  expect_load_error(path, "runs past the end of the file");
}

TEST(ModelLoader, HeaderNotJson) {
  const std::string path = temp_path("notjson.safetensors");
  std::ofstream out(path, std::ios::binary);
  const std::string text = "this is not json";
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(i == 0 ? text.size() : 0));
  out << text;
  out.close();
  expect_load_error(path, "header is not JSON");
}

TEST(ModelLoader, WrongMagicFormat) {
  const std::string path = temp_path("wrongformat.safetensors");
  write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2), {{"format", "pytorch"}});
  expect_load_error(path, "expected \"deeplift-model\"");
}

TEST(ModelLoader, WrongVersion) {
  const std::string path = temp_path("version.safetensors");
  write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2), {{"version", "3"}});
  expect_load_error(path, "version 3 is not supported");
}

TEST(ModelLoader, UnknownDtype) {
  const std::string path = temp_path("dtype.safetensors");
  write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2), {}, "F16");
  expect_load_error(path, "dtype F16");
}

TEST(ModelLoader, TensorShapeDisagreesWithArchitecture) {
  const std::string path = temp_path("shape.safetensors");
  auto tensors = linear_tensors(3, 2);
  tensors["out.weight"] = {{2, 13}, ramp(26)};
  write_model_file(path, linear_architecture(3, 2), tensors);
  expect_load_error(path, "'out.weight' has shape [2, 13], the architecture needs [2, 12]");
}

TEST(ModelLoader, MissingTensor) {
  const std::string path = temp_path("missing.safetensors");
  auto tensors = linear_tensors(3, 2);
  tensors.erase("out.bias");
  write_model_file(path, linear_architecture(3, 2), tensors);
  expect_load_error(path, "missing tensor 'out.bias'");
}

TEST(ModelLoader, ExtraTensor) {
  const std::string path = temp_path("extra.safetensors");
  auto tensors = linear_tensors(3, 2);
  tensors["stray.weight"] = {{1}, {1.0f}};
  write_model_file(path, linear_architecture(3, 2), tensors);
  expect_load_error(path, "extra tensor 'stray.weight'");
}

TEST(ModelLoader, UnknownLayerType) {
  const std::string path = temp_path("unknownlayer.safetensors");
  auto architecture = linear_architecture(3, 2);
  architecture["layers"].insert(architecture["layers"].begin(), nlohmann::json::object({{"type", "lstm"}}));
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "unknown layer type: lstm");
}

TEST(ModelLoader, UnknownLayerFieldNamesLayerAndField) {
  // A misspelt field would otherwise be ignored and its default used.
  const std::string path = temp_path("unknownfield.safetensors");
  auto architecture = linear_architecture(3, 2);
  architecture["layers"][1]["in_featrues"] = 12;
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "layer 2 (out): unknown field \"in_featrues\" for a dense layer");
  // A field another layer type has, on a type that has none.
  architecture = linear_architecture(3, 2);
  architecture["layers"][0]["kernel_size"] = 2;
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "layer 1 (flatten0): unknown field \"kernel_size\" for a flatten layer");
}

TEST(ModelLoader, ShapesThatDoNotChain) {
  const std::string path = temp_path("chain.safetensors");
  auto architecture = linear_architecture(3, 2);
  architecture["layers"][1]["in_features"] = 10;
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "in_features is 10 but the previous layer gives 12 features");
}

TEST(ModelLoader, DenseAfterConvNeedsFlatten) {
  const std::string path = temp_path("noflatten.safetensors");
  auto architecture = linear_architecture(3, 2);
  architecture["layers"].erase(architecture["layers"].begin());
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "add a \"flatten\" layer");
}

TEST(ModelLoader, NonFiniteWeights) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    const std::string path = temp_path("nan.safetensors");
    auto tensors = linear_tensors(3, 2);
    tensors["out.weight"].values[5] = bad;
    write_model_file(path, linear_architecture(3, 2), tensors);
    expect_load_error(path, "non-finite value");
  }
}

TEST(ModelLoader, TruncatedDataSection) {
  const std::string path = temp_path("truncated.safetensors");
  write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2));
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 4);
  expect_load_error(path, "outside the");
}

TEST(ModelLoader, TrailingBytes) {
  const std::string path = temp_path("trailing.safetensors");
  write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2));
  std::ofstream(path, std::ios::binary | std::ios::app) << "xxxx";
  expect_load_error(path, "4 trailing bytes");
}

TEST(ModelLoader, MissingArchitectureField) {
  const std::string path = temp_path("nofield.safetensors");
  auto architecture = linear_architecture(3, 2);
  architecture["layers"][1].erase("out_features");
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "missing field \"out_features\"");
}

TEST(ModelLoader, LastLayerOutputsMustMatchTasks) {
  const std::string path = temp_path("tasks.safetensors");
  auto architecture = linear_architecture(3, 2);
  architecture["tasks"].push_back("third");
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "2 outputs but there are 3 tasks");
}

TEST(ModelLoader, TestVectorsAreChecked) {
  const std::string path = temp_path("vectors.safetensors");
  const auto w = ramp(24);
  const auto b = ramp(2, 0.5f);
  // All-zero input: logits are the biases.
  nlohmann::json zeros = nlohmann::json::array({std::vector<float>(3, 0.0f), std::vector<float>(3, 0.0f),
                                                std::vector<float>(3, 0.0f), std::vector<float>(3, 0.0f)});
  nlohmann::json good = {{"inputs", {zeros}}, {"logits", {{b[0], b[1]}}}};
  write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2), {{"test_vectors", good.dump()}});
  EXPECT_NO_THROW(load_model(path));
  nlohmann::json wrong = {{"inputs", {zeros}}, {"logits", {{b[0] + 1.0f, b[1]}}}};
  write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2), {{"test_vectors", wrong.dump()}});
  expect_load_error(path, "test vector 0, task 'task0'");
  EXPECT_NO_THROW(load_model(path, ModelLoadOptions{false}));
}

TEST(ModelLoader, SoftmaxLogitsAreMeanNormalised) {
  const std::string path = temp_path("softmax.safetensors");
  write_model_file(path, linear_architecture(3, 2, "softmax"), linear_tensors(3, 2));
  const Model model = load_model(path);
  Matrix x = Matrix::Zero(4, 3);
  x(3, 0) = 1;
  x(0, 2) = 1;
  const Matrix logits = model.logits(x, 1);
  EXPECT_NEAR(logits.col(0).sum(), 0.0f, 1e-6);
  // Differences between logits (what softmax sees) are unchanged.
  const auto w = ramp(24);
  const auto b = ramp(2, 0.5f);
  const float raw0 = b[0] + w[0 * 12 + 3 * 3 + 0] + w[0 * 12 + 0 * 3 + 2];
  const float raw1 = b[1] + w[1 * 12 + 3 * 3 + 0] + w[1 * 12 + 0 * 3 + 2];
  EXPECT_NEAR(logits(0, 0) - logits(1, 0), raw0 - raw1, 1e-6);
}

// Found while building issue 10's bad-input matrix and by fuzzing: JSON that
// parses but has the wrong types or out-of-range numbers must still give a
// FormatError naming the file, never a bare nlohmann exception.
TEST(ModelLoader, NonStringOutputIsAFormatError) {
  const std::string path = temp_path("output_number.safetensors");
  auto architecture = linear_architecture(3, 2);
  architecture["output"] = 3;
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "architecture output must be a string");
}

TEST(ModelLoader, NonStringAlphabetIsAFormatError) {
  const std::string path = temp_path("alphabet_number.safetensors");
  auto architecture = linear_architecture(3, 2);
  architecture["input"]["alphabet"] = 4;
  write_model_file(path, architecture, linear_tensors(3, 2));
  expect_load_error(path, "alphabet must be a string");
}

TEST(ModelLoader, NumberTooLargeForJsonIsAFormatError) {
  const std::string path = temp_path("overflow.safetensors");
  const std::string text = R"({"__metadata__": {"format": "deeplift-model"}, "x": 1e309})";
  std::ofstream out(path, std::ios::binary);
  const uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << text;
  out.close();
  expect_load_error(path, "header is not JSON (number overflow parsing '1e309')");
}

TEST(ModelLoader, TestVectorsOfTheWrongTypeAreFormatErrors) {
  const std::string path = temp_path("vectors_types.safetensors");
  const std::string zeros = "[[[0,0,0],[0,0,0],[0,0,0],[0,0,0]]]";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"inputs": )" + zeros + R"(, "logits": [[0, 0]], "tolerance": "small"})", "test_vectors"},
      // 1e39 does not fit a float32; converting it would be undefined behaviour.
      {R"({"inputs": )" + zeros + R"(, "logits": [[1e39, 0]]})", "not a finite float32 number"},
      {R"({"inputs": )" + zeros + R"(, "logits": [["a", 0]]})", "not a finite float32 number"},
      {"[1, 2]", "test_vectors needs arrays"},
  };
  for (const auto& [vectors, needle] : cases) {
    write_model_file(path, linear_architecture(3, 2), linear_tensors(3, 2), {{"test_vectors", vectors}});
    expect_load_error(path, needle);
  }
}

TEST(ModelLoader, DirectoryIsAnIoErrorNamingIt) {
  try {
    load_model(::testing::TempDir());
    FAIL() << "no error for a directory";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace deeplift
