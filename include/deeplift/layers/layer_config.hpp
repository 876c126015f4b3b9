// What a layer factory needs while the model file is being loaded: the
// layer's JSON spec with typed, checked field access, its input shapes, and
// the file's tensors. Every problem becomes a FormatError naming the file,
// the layer and the problem (docs/model-format.md).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "deeplift/tensor.hpp"

namespace deeplift {

// The model file's tensors; each is taken by exactly one layer, and what is
// left at the end is an "extra tensor" error.
class WeightStore {
 public:
  WeightStore(std::map<std::string, FloatTensor> tensors, std::string path);
  // For a model built from its architecture alone (train-model): every
  // tensor a layer asks for is created zero-filled in the shape it asks
  // for; training/initialization then fills it. `origin` names the
  // architecture file in errors.
  static WeightStore zeros(std::string origin);

  bool contains(const std::string& name) const { return creates_ || tensors_.count(name) > 0; }
  // `shape` is only used when creating (zeros()).
  FloatTensor take(const std::string& name, const std::vector<int64_t>& shape = {});
  std::vector<std::string> untaken() const;
  const std::string& path() const { return path_; }
  // Elements of every tensor taken so far.
  int64_t taken_elements() const { return taken_elements_; }

 private:
  std::map<std::string, FloatTensor> tensors_;
  std::set<std::string> taken_;
  std::string path_;
  bool creates_ = false;
  int64_t taken_elements_ = 0;
};

// Memory limits (docs/graph-models.md): one sequence's activations at any
// layer, one parameter tensor, and all parameters of a model, in elements.
// A shape beyond them is a FormatError at load, not a failed allocation.
constexpr int64_t kMaxActivationElements = int64_t{1} << 31;
constexpr int64_t kMaxTensorElements = int64_t{1} << 31;
constexpr int64_t kMaxParameterElements = int64_t{1} << 32;

class LayerConfig {
 public:
  // `inputs`: the shapes of the layer's inputs, in order (docs/graph-models.md).
  LayerConfig(const nlohmann::json& spec, int index, std::vector<Shape> inputs, WeightStore& weights);
  LayerConfig(const nlohmann::json& spec, int index, Shape input, WeightStore& weights)
      : LayerConfig(spec, index, std::vector<Shape>{input}, weights) {}

  const std::string& type() const { return type_; }
  const std::string& name() const { return name_; }
  // The input of a single-input layer; fails naming the layer when it was
  // given several.
  Shape input() const;
  const std::vector<Shape>& inputs() const { return inputs_; }
  bool has(const std::string& key) const {
    read_.insert(key);
    return spec_.contains(key);
  }

  // Required positive integer field.
  int positive_integer(const std::string& key) const;
  // Optional positive integer field with a default.
  int positive_integer(const std::string& key, int fallback) const;
  // Optional integer field >= 0 with a default.
  int non_negative_integer(const std::string& key, int fallback) const;
  std::string text(const std::string& key, const std::string& fallback) const;

  // Takes tensor "<name>.<suffix>", checks it has `shape` and only finite values.
  FloatTensor tensor(const std::string& suffix, const std::vector<int64_t>& shape) const;
  // Takes tensor "<name>.<suffix>" whatever its shape (the caller checks);
  // a store that creates tensors makes it `shape_when_created`.
  FloatTensor tensor_any_shape(const std::string& suffix, const std::vector<int64_t>& shape_when_created = {}) const;

  [[noreturn]] void fail(const std::string& problem) const;
  // Fails naming the first field of the spec that the layer's factory never
  // looked at (besides "type", "name" and "inputs"): a misspelt "dilaton"
  // or a field this layer type does not have would otherwise be ignored
  // and the model silently computed without it.
  void check_no_unknown_fields() const;

 private:
  const nlohmann::json& spec_;
  int index_;
  std::vector<Shape> inputs_;
  WeightStore& weights_;
  std::string type_;
  std::string name_;
  mutable std::set<std::string> read_;  // the fields the factory asked for
};

std::string shape_text(const std::vector<int64_t>& shape);

}  // namespace deeplift
