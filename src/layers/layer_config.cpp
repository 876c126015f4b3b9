#include "deeplift/layers/layer_config.hpp"

#include <algorithm>
#include <cmath>

#include "deeplift/errors.hpp"

namespace deeplift {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

WeightStore::WeightStore(std::map<std::string, FloatTensor> tensors, std::string path)
    : tensors_(std::move(tensors)), path_(std::move(path)) {}

WeightStore WeightStore::zeros(std::string origin) {
  WeightStore store({}, std::move(origin));
  store.creates_ = true;
  return store;
}

FloatTensor WeightStore::take(const std::string& name, const std::vector<int64_t>& shape) {
  // Layers named alike would otherwise silently share one tensor.
  if (taken_.count(name)) throw FormatError("'" + path_ + "': two layers use the tensor name '" + name + "'");
  if (creates_) {
    taken_.insert(name);
    FloatTensor created{shape, {}};
    taken_elements_ += created.element_count();
    created.values.assign(static_cast<size_t>(created.element_count()), 0.0f);
    return created;
  }
  auto found = tensors_.find(name);
  if (found == tensors_.end()) throw FormatError("'" + path_ + "': missing tensor '" + name + "'");
  taken_.insert(name);
  taken_elements_ += found->second.element_count();
  return found->second;
}

std::vector<std::string> WeightStore::untaken() const {
  std::vector<std::string> names;
  for (const auto& entry : tensors_)
    if (!taken_.count(entry.first)) names.push_back(entry.first);
  return names;
}

LayerConfig::LayerConfig(const nlohmann::json& spec, int index, std::vector<Shape> inputs, WeightStore& weights)
    : spec_(spec), index_(index), inputs_(std::move(inputs)), weights_(weights) {
  if (!spec.is_object()) fail("layer entry is not a JSON object");
  if (!spec.contains("type") || !spec["type"].is_string()) fail("layer has no \"type\"");
  type_ = spec["type"].get<std::string>();
  name_ = spec.contains("name") && spec["name"].is_string() ? spec["name"].get<std::string>()
                                                             : type_ + std::to_string(index);
}

void LayerConfig::fail(const std::string& problem) const {
  std::string where = "layer " + std::to_string(index_ + 1);
  if (!name_.empty()) where += " (" + name_ + ")";
  throw FormatError("'" + weights_.path() + "': " + where + ": " + problem);
}

void LayerConfig::check_no_unknown_fields() const {
  for (const auto& field : spec_.items()) {
    const std::string& key = field.key();
    if (key == "type" || key == "name" || key == "inputs" || read_.count(key)) continue;
    fail("unknown field \"" + key + "\" for a " + type_ + " layer (docs/model-format.md lists each type's fields)");
  }
}

Shape LayerConfig::input() const {
  if (inputs_.size() != 1)
    fail(type_ + " takes one input, not " + std::to_string(inputs_.size()));
  return inputs_.front();
}

int LayerConfig::non_negative_integer(const std::string& key, int fallback) const {
  read_.insert(key);
  if (!spec_.contains(key)) return fallback;
  const auto& value = spec_[key];
  if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > (1 << 30))
    fail("field \"" + key + "\" must be an integer >= 0");
  return static_cast<int>(value.get<long long>());
}

int LayerConfig::positive_integer(const std::string& key) const {
  read_.insert(key);
  if (!spec_.contains(key)) fail("missing field \"" + key + "\"");
  return positive_integer(key, 0);
}

int LayerConfig::positive_integer(const std::string& key, int fallback) const {
  read_.insert(key);
  if (!spec_.contains(key)) return fallback;
  const auto& value = spec_[key];
  if (!value.is_number_integer() || value.get<long long>() <= 0 || value.get<long long>() > (1 << 30))
    fail("field \"" + key + "\" must be a positive integer");
  return static_cast<int>(value.get<long long>());
}

std::string LayerConfig::text(const std::string& key, const std::string& fallback) const {
  read_.insert(key);
  if (!spec_.contains(key)) return fallback;
  if (!spec_[key].is_string()) fail("field \"" + key + "\" must be a string");
  return spec_[key].get<std::string>();
}

FloatTensor LayerConfig::tensor_any_shape(const std::string& suffix,
                                                const std::vector<int64_t>& shape_when_created) const {
  const std::string full = name_ + "." + suffix;
  // Checked before a store that creates tensors allocates one (each
  // dimension is <= 2^30, so the running product cannot overflow first).
  int64_t elements = 1;
  for (int64_t d : shape_when_created) {
    elements *= std::max<int64_t>(d, 0);
    if (elements > kMaxTensorElements)
      fail("tensor '" + full + "' of shape " + shape_text(shape_when_created) + " has more than 2^31 elements");
  }
  if (weights_.taken_elements() + elements > kMaxParameterElements)
    fail("tensor '" + full + "' brings the model past 2^32 parameters");
  if (!weights_.contains(full)) fail("missing tensor '" + full + "'");
  FloatTensor tensor = weights_.take(full, shape_when_created);
  for (size_t i = 0; i < tensor.values.size(); ++i)
    if (!std::isfinite(tensor.values[i]))
      fail("tensor '" + full + "' holds a non-finite value (" + std::to_string(tensor.values[i]) + ") at flat index " +
           std::to_string(i));
  return tensor;
}

FloatTensor LayerConfig::tensor(const std::string& suffix, const std::vector<int64_t>& shape) const {
  FloatTensor tensor = tensor_any_shape(suffix, shape);
  if (tensor.shape != shape)
    fail("tensor '" + name_ + "." + suffix + "' has shape " + shape_text(tensor.shape) + ", the architecture needs " +
         shape_text(shape));
  return tensor;
}

}  // namespace deeplift
