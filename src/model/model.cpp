#include "deeplift/model/model.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "deeplift/errors.hpp"
#include "deeplift/layers/dense.hpp"
#include "deeplift/layers/layer_config.hpp"
#include "deeplift/layers/registry.hpp"
#include "deeplift/io/safetensors.hpp"
#include "../io/json_message.hpp"

namespace deeplift {

Model::Model(std::string path, int input_length, std::vector<std::string> tasks, OutputKind output,
             std::vector<std::unique_ptr<Layer>> layers, nlohmann::json architecture)
    : path_(std::move(path)),
      input_length_(input_length),
      tasks_(std::move(tasks)),
      output_(output),
      layers_(std::move(layers)),
      architecture_(std::move(architecture)) {}

void Model::forward(const Matrix& input, int count, std::vector<Matrix>& activations) const {
  activations.resize(layers_.size() + 1);
  activations[0] = input;
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->forward(activations[i], activations[i + 1], count);
}

Matrix Model::logits(const Matrix& input, int count) const {
  std::vector<Matrix> activations;
  forward(input, count, activations);
  return activations.back();
}

Matrix output_probabilities(const Matrix& logits, OutputKind kind) {
  switch (kind) {
    case OutputKind::Sigmoid:
      return (1.0f / (1.0f + (-logits.array()).exp())).matrix();
    case OutputKind::Softmax: {
      Matrix probabilities(logits.rows(), logits.cols());
      for (long n = 0; n < logits.cols(); ++n) {
        const Eigen::ArrayXf shifted = logits.col(n).array() - logits.col(n).maxCoeff();
        const Eigen::ArrayXf e = shifted.exp();
        probabilities.col(n) = (e / e.sum()).matrix();
      }
      return probabilities;
    }
    case OutputKind::Linear:
      return logits;
  }
  return logits;
}

std::string output_kind_name(OutputKind kind) {
  switch (kind) {
    case OutputKind::Sigmoid: return "sigmoid";
    case OutputKind::Softmax: return "softmax";
    case OutputKind::Linear: return "linear";
  }
  return "?";
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw FormatError("'" + path + "': " + problem);
}

// A JSON number as float. Converting a double outside float's range is
// undefined behaviour, so such values are an error here.
float json_float(const nlohmann::json& value, const std::string& path, const char* what, int index) {
  const double number = value.is_number() ? value.get<double>() : std::nan("");
  if (!(std::abs(number) <= std::numeric_limits<float>::max())) {
    std::string shown = value.dump();
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    fail(path, "test_vectors " + std::string(what) + " " + std::to_string(index) + " holds " + shown +
                   ", not a finite float32 number");
  }
  return static_cast<float>(number);
}

// Embedded test vectors (docs/model-format.md, written by converters): one-hot inputs
// [N][4][L] and the source framework's logits [N][T]. Checked so that a wrong
// conversion fails at load instead of silently in the scores.
void verify_test_vectors(const Model& model, const std::string& text) {
  const std::string& path = model.path();
  nlohmann::json vectors;
  try {
    vectors = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e309
    fail(path, "test_vectors metadata is not JSON (" + detail::json_message(e) + ")");
  }
  if (!vectors.contains("inputs") || !vectors.contains("logits") || !vectors["inputs"].is_array() ||
      !vectors["logits"].is_array() || vectors["inputs"].size() != vectors["logits"].size())
    fail(path, "test_vectors needs arrays \"inputs\" and \"logits\" of equal length");
  const double tolerance = vectors.value("tolerance", 1e-4);
  const int count = static_cast<int>(vectors["inputs"].size());
  if (count == 0) return;
  const int length = model.input_length(), tasks = model.task_count();
  Matrix input(4, static_cast<long>(length) * count);
  Matrix expected(tasks, count);
  try {
    for (int n = 0; n < count; ++n) {
      const auto& item = vectors["inputs"][n];
      if (item.size() != 4) fail(path, "test_vectors input " + std::to_string(n) + " does not have 4 rows");
      for (int c = 0; c < 4; ++c) {
        if (static_cast<int>(item[c].size()) != length)
          fail(path, "test_vectors input " + std::to_string(n) + " does not have length " + std::to_string(length));
        for (int l = 0; l < length; ++l)
          input(c, static_cast<long>(n) * length + l) = json_float(item[c][l], path, "input", n);
      }
      const auto& logits = vectors["logits"][n];
      if (static_cast<int>(logits.size()) != tasks)
        fail(path, "test_vectors logits " + std::to_string(n) + " do not have " + std::to_string(tasks) + " values");
      for (int t = 0; t < tasks; ++t) expected(t, n) = json_float(logits[t], path, "logits", n);
    }
  } catch (const nlohmann::json::type_error& e) {
    fail(path, "test_vectors hold a non-number (" + detail::json_message(e) + ")");
  }
  Matrix got = model.logits(input, count);
  if (model.output() == OutputKind::Softmax) {
    // Our logits are mean-normalised; the source's need not be.
    for (int n = 0; n < count; ++n) expected.col(n).array() -= expected.col(n).mean();
  }
  for (int n = 0; n < count; ++n)
    for (int t = 0; t < tasks; ++t) {
      const double difference = std::abs(static_cast<double>(got(t, n)) - expected(t, n));
      if (!(difference <= tolerance * (1.0 + std::abs(static_cast<double>(expected(t, n))))))
        fail(path, "test vector " + std::to_string(n) + ", task '" + model.tasks()[t] + "': logit " +
                       std::to_string(got(t, n)) + " differs from the expected " + std::to_string(expected(t, n)) +
                       " (the conversion is wrong, or use --no-verify)");
    }
}

// A string member of a JSON object, or `fallback` when absent; nlohmann's
// value() would throw a type_error that names neither the file nor the key.
std::string optional_text(const nlohmann::json& object, const char* key, const std::string& fallback,
                          const std::string& path, const std::string& what) {
  if (!object.contains(key)) return fallback;
  if (!object[key].is_string()) fail(path, what + " must be a string");
  return object[key].get<std::string>();
}

// Everything the architecture JSON fixes: input, tasks, output kind and the
// layers, whose tensors come from `weights`.
Model build_model(const nlohmann::json& architecture, WeightStore& weights, const std::string& path) {
  if (!architecture.is_object()) fail(path, "architecture is not a JSON object");

  const nlohmann::json input = architecture.contains("input") ? architecture["input"] : nlohmann::json::object();
  if (!input.is_object() || optional_text(input, "alphabet", "", path, "architecture input alphabet") != "ACGT")
    fail(path, "architecture input alphabet must be \"ACGT\"");
  if (!input.contains("length") || !input["length"].is_number_integer() || input["length"].get<long>() <= 0 ||
      input["length"].get<long>() > (1 << 24))
    fail(path, "architecture input length must be a positive integer");
  const int input_length = input["length"].get<int>();

  std::vector<std::string> tasks;
  if (!architecture.contains("tasks") || !architecture["tasks"].is_array() || architecture["tasks"].empty())
    fail(path, "architecture needs a non-empty \"tasks\" array");
  std::set<std::string> seen;
  for (const auto& task : architecture["tasks"]) {
    if (!task.is_string() || task.get<std::string>().empty()) fail(path, "task names must be non-empty strings");
    if (!seen.insert(task.get<std::string>()).second) fail(path, "task '" + task.get<std::string>() + "' is listed twice");
    tasks.push_back(task.get<std::string>());
  }

  const std::string output_text = optional_text(architecture, "output", "sigmoid", path, "architecture output");
  OutputKind output;
  if (output_text == "sigmoid") output = OutputKind::Sigmoid;
  else if (output_text == "softmax") output = OutputKind::Softmax;
  else if (output_text == "linear") output = OutputKind::Linear;
  else fail(path, "architecture output \"" + output_text + "\" is not sigmoid, softmax or linear");

  if (!architecture.contains("layers") || !architecture["layers"].is_array() || architecture["layers"].empty())
    fail(path, "architecture needs a non-empty \"layers\" array");

  std::vector<std::unique_ptr<Layer>> layers;
  Shape shape{4, input_length};
  int index = 0;
  for (const auto& spec : architecture["layers"]) {
    LayerConfig config(spec, index++, shape, weights);
    layers.push_back(create_layer(config));
    shape = layers.back()->output_shape();
  }
  auto* last = dynamic_cast<Dense*>(layers.back().get());
  if (!last) fail(path, "the last layer must be dense (it gives the logits), not " + layers.back()->type());
  if (shape.channels != static_cast<int>(tasks.size()))
    fail(path, "the last layer has " + std::to_string(shape.channels) + " outputs but there are " +
                   std::to_string(tasks.size()) + " tasks");
  const auto extra = weights.untaken();
  if (!extra.empty()) fail(path, "extra tensor '" + extra.front() + "' is not used by any layer");
  if (output == OutputKind::Softmax) last->mean_normalize();
  return Model(path, input_length, std::move(tasks), output, std::move(layers), architecture);
}

}  // namespace

Model load_model(const std::string& path, const ModelLoadOptions& options) {
  SafetensorsFile file = read_safetensors(path);
  const auto& metadata = file.metadata;
  auto field = [&](const std::string& key) -> const std::string& {
    const auto found = metadata.find(key);
    if (found == metadata.end()) fail(path, "__metadata__ lacks \"" + key + "\" (not a deeplift-model file)");
    return found->second;
  };
  if (field("format") != "deeplift-model")
    fail(path, "__metadata__ format is \"" + field("format") + "\", expected \"deeplift-model\"");
  if (field("version") != "1") fail(path, "model format version " + field("version") + " is not supported (only 1)");

  nlohmann::json architecture;
  try {
    architecture = nlohmann::json::parse(field("architecture"));
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e309
    fail(path, "architecture is not JSON (" + detail::json_message(e) + ")");
  }
  try {
    WeightStore weights(std::move(file.tensors), path);
    Model model = build_model(architecture, weights, path);
    const auto vectors = metadata.find("test_vectors");
    if (options.verify_test_vectors && vectors != metadata.end()) verify_test_vectors(model, vectors->second);
    return model;
  } catch (const nlohmann::json::exception& e) {
    // A JSON value of the wrong type somewhere the checks above do not reach:
    // still a FormatError naming the file, never a bare nlohmann exception.
    fail(path, "architecture or test_vectors: " + detail::json_message(e));
  }
}

Model build_untrained_model(const nlohmann::json& architecture, const std::string& origin) {
  WeightStore weights = WeightStore::zeros(origin);
  return build_model(architecture, weights, origin);
}

}  // namespace deeplift
