#include "deeplift/model/model.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <map>
#include <set>

#include "deeplift/errors.hpp"
#include "deeplift/layers/dense.hpp"
#include "deeplift/layers/layer_config.hpp"
#include "deeplift/layers/registry.hpp"
#include "deeplift/io/safetensors.hpp"
#include "deeplift/model/profile.hpp"
#include "../io/json_message.hpp"

namespace deeplift {

namespace {

std::vector<ModelTask> stack_tasks(const std::vector<std::string>& names, size_t layers) {
  std::vector<ModelTask> tasks;
  for (size_t t = 0; t < names.size(); ++t)
    tasks.push_back(ModelTask{names[t], TaskKind::Scalar, static_cast<int>(layers), static_cast<int>(t)});
  return tasks;
}

std::vector<std::vector<int>> stack_inputs(size_t layers) {
  std::vector<std::vector<int>> inputs(layers);
  for (size_t i = 0; i < layers; ++i) inputs[i] = {static_cast<int>(i)};
  return inputs;
}

}  // namespace

Model::Model(std::string path, int input_length, std::vector<std::string> tasks, OutputKind output,
             std::vector<std::unique_ptr<Layer>> layers, nlohmann::json architecture)
    : path_(std::move(path)),
      input_length_(input_length),
      output_(output),
      layers_(std::move(layers)),
      architecture_(std::move(architecture)) {
  layer_inputs_ = stack_inputs(layers_.size());
  tasks_ = stack_tasks(tasks, layers_.size());
  connect();
}

Model::Model(std::string path, int input_length, std::vector<std::unique_ptr<Layer>> layers,
             std::vector<std::vector<int>> layer_inputs, std::vector<ModelTask> tasks, OutputKind output,
             nlohmann::json architecture)
    : path_(std::move(path)),
      input_length_(input_length),
      tasks_(std::move(tasks)),
      output_(output),
      layers_(std::move(layers)),
      layer_inputs_(std::move(layer_inputs)),
      architecture_(std::move(architecture)) {
  connect();
}

void Model::connect() {
  if (layer_inputs_.size() != layers_.size()) throw Error("model '" + path_ + "': one input list per layer needed");
  sequential_ = !layers_.empty();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto& inputs = layer_inputs_[i];
    if (static_cast<int>(inputs.size()) != layers_[i]->input_count())
      throw Error("model '" + path_ + "': layer " + layers_[i]->name() + " takes " +
                  std::to_string(layers_[i]->input_count()) + " inputs, given " + std::to_string(inputs.size()));
    // Shapes are the loader's to check (and the forward pass's); a model
    // built in code may use a layer alone, on a part of the input.
    for (int node : inputs)
      if (node < 0 || node > static_cast<int>(i))
        throw Error("model '" + path_ + "': layer " + layers_[i]->name() + " takes a later layer's output");
    if (inputs != std::vector<int>{static_cast<int>(i)}) sequential_ = false;
  }
  for (size_t t = 0; t < tasks_.size(); ++t) {
    const ModelTask& task = tasks_[t];
    // As for shapes, which rows exist is checked by the loader and when read (logits_from).
    if (task.node < 0 || task.node > static_cast<int>(layers_.size()) || task.row < 0)
      throw Error("model '" + path_ + "': task " + task.name + " does not name an output value");
    if (task.kind != TaskKind::Scalar || task.node != static_cast<int>(layers_.size()) ||
        task.row != static_cast<int>(t))
      sequential_ = false;
    task_names_.push_back(task.name);
  }
  if (sequential_ && node_shape(static_cast<int>(layers_.size())).channels != task_count()) sequential_ = false;
}

void Model::forward(const Matrix& input, int count, std::vector<Matrix>& activations) const {
  activations.resize(layers_.size() + 1);
  activations[0] = input;
  thread_local std::vector<const Matrix*> inputs;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto& nodes = layer_inputs_[i];
    if (nodes.size() == 1) {
      layers_[i]->forward(activations[nodes.front()], activations[i + 1], count);
      continue;
    }
    inputs.clear();
    for (int node : nodes) inputs.push_back(&activations[node]);
    layers_[i]->forward(inputs, activations[i + 1], count);
  }
}

Matrix Model::logits_from(const std::vector<Matrix>& activations, int count) const {
  Matrix logits(task_count(), count);
  for (int t = 0; t < task_count(); ++t) {
    const ModelTask& task = tasks_[t];
    const Matrix& values = activations[task.node];
    if (task.kind == TaskKind::Scalar) {
      if (task.row >= values.rows() || values.cols() != count)
        throw Error("model '" + path_ + "': task " + task.name + " reads row " + std::to_string(task.row) +
                    " of an output with " + std::to_string(values.rows()));
      logits.row(t) = values.row(task.row);
      continue;
    }
    const long block = node_shape(task.node).size();  // one sequence's [S, L], contiguous
    for (int n = 0; n < count; ++n) logits(t, n) = static_cast<float>(profile_value(values.data() + n * block, block));
  }
  return logits;
}

Matrix Model::logits(const Matrix& input, int count) const {
  std::vector<Matrix> activations;
  forward(input, count, activations);
  return logits_from(activations, count);
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

[[noreturn]] void fail_layer(const std::string& path, size_t index, const std::string& name,
                             const std::string& problem) {
  fail(path, "layer " + std::to_string(index + 1) + " (" + name + "): " + problem);
}

bool is_graph_layer_type(const std::string& type) { return type == "add" || type == "crop1d" || type == "concat"; }

// A layer's name as LayerConfig gives it: "name", or type + index.
std::string layer_name(const nlohmann::json& spec, size_t index) {
  if (!spec.is_object()) return "";
  if (spec.contains("name") && spec["name"].is_string()) return spec["name"].get<std::string>();
  const std::string type = spec.contains("type") && spec["type"].is_string() ? spec["type"].get<std::string>() : "";
  return type + std::to_string(index);
}

std::vector<std::string> task_names(const nlohmann::json& names, const std::string& path, const std::string& what) {
  if (!names.is_array() || names.empty()) fail(path, what + " needs a non-empty array of task names");
  std::vector<std::string> tasks;
  for (const auto& task : names) {
    if (!task.is_string() || task.get<std::string>().empty()) fail(path, "task names must be non-empty strings");
    tasks.push_back(task.get<std::string>());
  }
  return tasks;
}

// The layers and how they connect (docs/graph-models.md): node 0 is the
// input, node i + 1 layer i's output. Version 1 files are layer stacks.
struct Graph {
  std::vector<std::unique_ptr<Layer>> layers;
  std::vector<std::vector<int>> inputs;
  std::vector<Shape> shapes;  // per node
  std::map<std::string, int> node_of;  // layer name -> node
  std::vector<bool> consumed;          // per node: some later layer or an output reads it
};

Graph build_layers(const nlohmann::json& specs, int input_length, int version, WeightStore& weights,
                   const std::string& path) {
  Graph graph;
  graph.shapes.push_back(Shape{4, input_length});
  std::map<std::string, size_t> index_of;  // every layer's name, to tell a later layer from an unknown one
  for (size_t i = 0; i < specs.size(); ++i) index_of.emplace(layer_name(specs[i], i), i);

  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    const std::string name = layer_name(spec, i);
    const int node = static_cast<int>(i) + 1;
    std::vector<int> inputs;
    if (spec.is_object()) {
      const std::string type = spec.contains("type") && spec["type"].is_string() ? spec["type"].get<std::string>() : "";
      if (version < 2 && is_graph_layer_type(type))
        fail_layer(path, i, name, "layer type " + type + " needs model format version 2");
      if (version >= 2) {
        if (name == "input") fail_layer(path, i, name, "the name \"input\" is reserved for the model input");
        if (graph.node_of.count(name)) fail_layer(path, i, name, "another layer has the same name");
      }
      if (spec.contains("inputs")) {
        if (version < 2) fail_layer(path, i, name, "\"inputs\" needs model format version 2");
        const auto& names = spec["inputs"];
        if (!names.is_array() || names.empty())
          fail_layer(path, i, name, "\"inputs\" must be a non-empty array of layer names");
        for (const auto& input : names) {
          if (!input.is_string()) fail_layer(path, i, name, "\"inputs\" must hold layer names (strings)");
          const std::string source = input.get<std::string>();
          if (source == "input") {
            inputs.push_back(0);
          } else if (source == name) {
            fail_layer(path, i, name, "input '" + source + "' is the layer itself (a cycle)");
          } else if (graph.node_of.count(source)) {
            inputs.push_back(graph.node_of[source]);
          } else if (index_of.count(source)) {
            fail_layer(path, i, name, "input '" + source + "' is a later layer (a cycle or a forward reference: " +
                                          "layers must be listed in an order where inputs come first)");
          } else {
            fail_layer(path, i, name, "unknown input '" + source + "' (no such layer)");
          }
        }
      }
    }
    if (inputs.empty()) inputs.push_back(node - 1);  // the layer before, or the input
    std::vector<Shape> shapes;
    for (int source : inputs) shapes.push_back(graph.shapes[source]);
    LayerConfig config(spec, static_cast<int>(i), shapes, weights);
    graph.layers.push_back(create_layer(config));
    config.check_no_unknown_fields();
    const Shape shape = graph.layers.back()->output_shape();
    if (shape.size() > kMaxActivationElements)
      fail_layer(path, i, name, "output of shape " + shape.to_string() + " has more than 2^31 values per sequence");
    graph.shapes.push_back(shape);
    graph.inputs.push_back(inputs);
    graph.node_of[name] = node;
    graph.consumed.push_back(false);
    for (int source : inputs) graph.consumed[source] = true;
  }
  graph.consumed.push_back(false);  // the last node
  return graph;
}

// Version 2 "outputs": named outputs in task order (docs/graph-models.md).
std::vector<ModelTask> graph_tasks(const nlohmann::json& outputs, Graph& graph, const std::string& path) {
  if (!outputs.is_array() || outputs.empty()) fail(path, "architecture \"outputs\" must be a non-empty array");
  std::vector<ModelTask> tasks;
  std::set<std::string> names, layers;
  for (size_t o = 0; o < outputs.size(); ++o) {
    const auto& entry = outputs[o];
    const std::string where = "output " + std::to_string(o + 1);
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        entry["name"].get<std::string>().empty() || !entry.contains("layer") || !entry["layer"].is_string())
      fail(path, where + " needs a non-empty string \"name\" and a string \"layer\"");
    const std::string name = entry["name"].get<std::string>(), layer = entry["layer"].get<std::string>();
    const auto found = graph.node_of.find(layer);
    if (found == graph.node_of.end()) fail(path, "output '" + name + "': unknown layer '" + layer + "'");
    if (!layers.insert(layer).second) fail(path, "output '" + name + "': layer '" + layer + "' is already an output");
    const int node = found->second;
    const Shape shape = graph.shapes[node];
    graph.consumed[node] = true;
    if (shape.length > 1) {
      if (entry.contains("tasks"))
        fail(path, "output '" + name + "': layer '" + layer + "' has shape " + shape.to_string() +
                       ", a profile output, which is one task and takes no \"tasks\"");
      tasks.push_back(ModelTask{name, TaskKind::Profile, node, 0});
    } else if (shape.channels == 1 && !entry.contains("tasks")) {
      tasks.push_back(ModelTask{name, TaskKind::Scalar, node, 0});
    } else {
      if (!entry.contains("tasks"))
        fail(path, "output '" + name + "': layer '" + layer + "' gives " + std::to_string(shape.channels) +
                       " values; list their task names in \"tasks\"");
      const auto rows = task_names(entry["tasks"], path, "output '" + name + "'");
      if (static_cast<int>(rows.size()) != shape.channels)
        fail(path, "output '" + name + "': layer '" + layer + "' gives " + std::to_string(shape.channels) +
                       " values but \"tasks\" lists " + std::to_string(rows.size()));
      for (size_t r = 0; r < rows.size(); ++r) tasks.push_back(ModelTask{rows[r], TaskKind::Scalar, node, static_cast<int>(r)});
    }
  }
  for (const auto& task : tasks)
    if (!names.insert(task.name).second) fail(path, "task '" + task.name + "' is listed twice");
  return tasks;
}

// Everything the architecture JSON fixes: input, tasks, output kind and the
// layers, whose tensors come from `weights`.
Model build_model(const nlohmann::json& architecture, WeightStore& weights, const std::string& path, int version) {
  if (!architecture.is_object()) fail(path, "architecture is not a JSON object");

  const nlohmann::json input = architecture.contains("input") ? architecture["input"] : nlohmann::json::object();
  if (!input.is_object() || optional_text(input, "alphabet", "", path, "architecture input alphabet") != "ACGT")
    fail(path, "architecture input alphabet must be \"ACGT\"");
  if (!input.contains("length") || !input["length"].is_number_integer() || input["length"].get<long>() <= 0 ||
      input["length"].get<long>() > (1 << 24))
    fail(path, "architecture input length must be a positive integer");
  const int input_length = input["length"].get<int>();

  const bool has_outputs = architecture.contains("outputs");
  if (has_outputs && version < 2) fail(path, "architecture \"outputs\" needs model format version 2");
  const std::string output_text = optional_text(architecture, "output", has_outputs ? "linear" : "sigmoid", path,
                                                "architecture output");
  OutputKind output;
  if (output_text == "sigmoid") output = OutputKind::Sigmoid;
  else if (output_text == "softmax") output = OutputKind::Softmax;
  else if (output_text == "linear") output = OutputKind::Linear;
  else fail(path, "architecture output \"" + output_text + "\" is not sigmoid, softmax or linear");

  std::vector<std::string> stack_tasks;
  if (has_outputs) {
    if (architecture.contains("tasks"))
      fail(path, "architecture has both \"outputs\" and \"tasks\" (with \"outputs\", tasks are named there)");
    if (output != OutputKind::Linear)
      fail(path, "architecture output must be \"linear\" (or absent) when \"outputs\" is given");
  } else {
    if (!architecture.contains("tasks") || !architecture["tasks"].is_array() || architecture["tasks"].empty())
      fail(path, "architecture needs a non-empty \"tasks\" array");
    stack_tasks = task_names(architecture["tasks"], path, "architecture");
    std::set<std::string> seen;
    for (const auto& task : stack_tasks)
      if (!seen.insert(task).second) fail(path, "task '" + task + "' is listed twice");
  }

  if (!architecture.contains("layers") || !architecture["layers"].is_array() || architecture["layers"].empty())
    fail(path, "architecture needs a non-empty \"layers\" array");
  const auto& specs = architecture["layers"];
  Graph graph = build_layers(specs, input_length, version, weights, path);

  std::vector<ModelTask> tasks;
  if (has_outputs) {
    tasks = graph_tasks(architecture["outputs"], graph, path);
  } else {
    auto* last = dynamic_cast<Dense*>(graph.layers.back().get());
    if (!last) fail(path, "the last layer must be dense (it gives the logits), not " + graph.layers.back()->type());
    const Shape shape = graph.shapes.back();
    if (shape.channels != static_cast<int>(stack_tasks.size()))
      fail(path, "the last layer has " + std::to_string(shape.channels) + " outputs but there are " +
                     std::to_string(stack_tasks.size()) + " tasks");
    const int node = static_cast<int>(graph.layers.size());
    for (size_t t = 0; t < stack_tasks.size(); ++t)
      tasks.push_back(ModelTask{stack_tasks[t], TaskKind::Scalar, node, static_cast<int>(t)});
    graph.consumed[node] = true;
    if (output == OutputKind::Softmax) last->mean_normalize();
  }
  for (size_t i = 0; i < graph.layers.size(); ++i)
    if (!graph.consumed[i + 1])
      fail_layer(path, i, graph.layers[i]->name(), "feeds nothing (no later layer takes its output and it is not an output)");
  const auto extra = weights.untaken();
  if (!extra.empty()) fail(path, "extra tensor '" + extra.front() + "' is not used by any layer");
  return Model(path, input_length, std::move(graph.layers), std::move(graph.inputs), std::move(tasks), output,
               architecture);
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
  const std::string& version_text = field("version");
  if (version_text != "1" && version_text != "2")
    fail(path, "model format version " + version_text + " is not supported (only 1 and 2)");
  const int version = version_text == "1" ? 1 : 2;

  nlohmann::json architecture;
  try {
    architecture = nlohmann::json::parse(field("architecture"));
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e309
    fail(path, "architecture is not JSON (" + detail::json_message(e) + ")");
  }
  try {
    WeightStore weights(std::move(file.tensors), path);
    Model model = build_model(architecture, weights, path, version);
    const auto vectors = metadata.find("test_vectors");
    if (options.verify_test_vectors && vectors != metadata.end()) verify_test_vectors(model, vectors->second);
    return model;
  } catch (const nlohmann::json::exception& e) {
    // A JSON value of the wrong type somewhere the checks above do not reach:
    // still a FormatError naming the file, never a bare nlohmann exception.
    fail(path, "architecture or test_vectors: " + detail::json_message(e));
  }
}

int architecture_format_version(const nlohmann::json& architecture) {
  if (!architecture.is_object()) return 1;
  if (architecture.contains("outputs")) return 2;
  if (architecture.contains("layers") && architecture["layers"].is_array())
    for (const auto& spec : architecture["layers"]) {
      if (!spec.is_object()) continue;
      if (spec.contains("inputs")) return 2;
      if (spec.contains("type") && spec["type"].is_string() && is_graph_layer_type(spec["type"].get<std::string>()))
        return 2;
    }
  return 1;
}

Model build_untrained_model(const nlohmann::json& architecture, const std::string& origin) {
  WeightStore weights = WeightStore::zeros(origin);
  return build_model(architecture, weights, origin, 2);
}

}  // namespace deeplift
