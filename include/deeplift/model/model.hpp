// A loaded model (docs/model-format.md, docs/graph-models.md): the layers and
// how they connect, its tasks and output kind, and a batched forward pass.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeplift/layers/layer.hpp"
#include "deeplift/tensor.hpp"

namespace deeplift {

enum class OutputKind { Sigmoid, Softmax, Linear };

// A scalar task is one value of an output layer of shape [C, 1]; a profile
// task is a whole output of shape [S, L], L > 1, scored through
// f = Σᵢ softmax(z̃)ᵢ·z̃ᵢ with z̃ = z − mean(z) (docs/graph-models.md).
enum class TaskKind { Scalar, Profile };

struct ModelTask {
  std::string name;
  TaskKind kind = TaskKind::Scalar;
  int node = 0;  // the activation it reads: 0 = the input, i + 1 = layer i's output
  int row = 0;   // scalar tasks: the channel of that output
};

struct ModelLoadOptions {
  // Check the "test_vectors" metadata (inputs and expected logits) when present.
  bool verify_test_vectors = true;
};

// A model is a DAG of layers listed in topological order (docs/graph-models.md).
// Activations are numbered by node: node 0 is the one-hot input [4, L],
// node i + 1 the output of layer i.
class Model {
 public:
  // A sequential model: each layer takes the previous layer's output and the
  // last layer's output rows are the tasks. `architecture` is the
  // docs/model-format.md JSON the layers were built from; a model written
  // back to a file (model_writer.hpp) needs it.
  Model(std::string path, int input_length, std::vector<std::string> tasks, OutputKind output,
        std::vector<std::unique_ptr<Layer>> layers, nlohmann::json architecture = nullptr);
  // A graph model: `layer_inputs[i]` are layer i's input nodes (each <= i),
  // `tasks` say where each task's value comes from, in output order.
  Model(std::string path, int input_length, std::vector<std::unique_ptr<Layer>> layers,
        std::vector<std::vector<int>> layer_inputs, std::vector<ModelTask> tasks, OutputKind output,
        nlohmann::json architecture = nullptr);

  const std::string& path() const { return path_; }
  int input_length() const { return input_length_; }
  Shape input_shape() const { return Shape{4, input_length_}; }
  // Task names in output order.
  const std::vector<std::string>& tasks() const { return task_names_; }
  int task_count() const { return static_cast<int>(task_names_.size()); }
  const ModelTask& task(int index) const { return tasks_[index]; }
  TaskKind task_kind(int index) const { return tasks_[index].kind; }
  OutputKind output() const { return output_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // Training changes parameters in place (Layer::parameters()).
  Layer& layer(size_t index) { return *layers_[index]; }
  const nlohmann::json& architecture() const { return architecture_; }

  // Layer i's input nodes, in its input order.
  const std::vector<int>& layer_inputs(size_t index) const { return layer_inputs_[index]; }
  // Shape of node `node`'s activations (node 0: the input).
  Shape node_shape(int node) const { return node == 0 ? input_shape() : layers_[node - 1]->output_shape(); }
  // A plain layer stack whose last layer's rows are the scalar tasks (what
  // training and format version 1 without graph features describe).
  bool is_sequential() const { return sequential_; }

  // Runs `count` one-hot sequences ([4, L*count]) through the layers in list
  // order, keeping every node's activations: activations[0] is the input,
  // activations[i+1] the output of layer i. For a sequential model the last
  // one holds the logits [tasks, count] (mean-normalised for softmax models).
  void forward(const Matrix& input, int count, std::vector<Matrix>& activations) const;
  // One row per task, [tasks, count]: a scalar task's value, a profile
  // task's f (computed in double).
  Matrix logits(const Matrix& input, int count) const;
  // The same from the activations of a forward pass of `count` sequences.
  Matrix logits_from(const std::vector<Matrix>& activations, int count) const;

 private:
  // Checks the connections and tasks; sets task_names_ and sequential_.
  void connect();

  std::string path_;
  int input_length_;
  std::vector<ModelTask> tasks_;
  std::vector<std::string> task_names_;
  OutputKind output_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::vector<int>> layer_inputs_;
  nlohmann::json architecture_;
  bool sequential_ = false;
};

// The format version an architecture needs: 2 when it uses "outputs", a
// layer's "inputs", or a layer type of version 2 (add, crop1d, concat);
// otherwise 1 (docs/graph-models.md).
int architecture_format_version(const nlohmann::json& architecture);

// Throws IoError/FormatError naming `path` and the problem (docs/model-format.md).
Model load_model(const std::string& path, const ModelLoadOptions& options = {});

// The layer stack of an architecture JSON (docs/model-format.md) with every parameter
// zero, for training (training/initialization.hpp fills them). Throws
// FormatError naming `origin` (the architecture file) for every problem the
// loader would report about the architecture.
Model build_untrained_model(const nlohmann::json& architecture, const std::string& origin);

// Probabilities from logits [tasks, count]: sigmoid per task, softmax over
// tasks, or the logits themselves for a linear output.
Matrix output_probabilities(const Matrix& logits, OutputKind kind);
std::string output_kind_name(OutputKind kind);

}  // namespace deeplift
