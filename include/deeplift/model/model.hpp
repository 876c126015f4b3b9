// A loaded model (docs/model-format.md): the layer stack, its tasks and output kind,
// and a batched forward pass.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeplift/layers/layer.hpp"
#include "deeplift/tensor.hpp"

namespace deeplift {

enum class OutputKind { Sigmoid, Softmax, Linear };

struct ModelLoadOptions {
  // Check the "test_vectors" metadata (inputs and expected logits) when present.
  bool verify_test_vectors = true;
};

class Model {
 public:
  // `architecture` is the docs/model-format.md JSON the layers were built from; a
  // model written back to a file (model_writer.hpp) needs it.
  Model(std::string path, int input_length, std::vector<std::string> tasks, OutputKind output,
        std::vector<std::unique_ptr<Layer>> layers, nlohmann::json architecture = nullptr);

  const std::string& path() const { return path_; }
  int input_length() const { return input_length_; }
  Shape input_shape() const { return Shape{4, input_length_}; }
  const std::vector<std::string>& tasks() const { return tasks_; }
  int task_count() const { return static_cast<int>(tasks_.size()); }
  OutputKind output() const { return output_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // Training changes parameters in place (Layer::parameters()).
  Layer& layer(size_t index) { return *layers_[index]; }
  const nlohmann::json& architecture() const { return architecture_; }

  // Runs `count` one-hot sequences ([4, L*count]). activations[0] is the
  // input, activations[i+1] the output of layer i; the last one holds the
  // logits [tasks, count] (mean-normalised for softmax models).
  void forward(const Matrix& input, int count, std::vector<Matrix>& activations) const;
  Matrix logits(const Matrix& input, int count) const;

 private:
  std::string path_;
  int input_length_;
  std::vector<std::string> tasks_;
  OutputKind output_;
  std::vector<std::unique_ptr<Layer>> layers_;
  nlohmann::json architecture_;
};

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
