#include "deeplift/layers/registry.hpp"

#include <map>

#include "deeplift/layers/activations.hpp"
#include "deeplift/layers/add.hpp"
#include "deeplift/layers/avgpool1d.hpp"
#include "deeplift/layers/concat.hpp"
#include "deeplift/layers/conv1d.hpp"
#include "deeplift/layers/crop1d.hpp"
#include "deeplift/layers/dense.hpp"
#include "deeplift/layers/flatten.hpp"
#include "deeplift/layers/maxpool1d.hpp"
#include "deeplift/layers/prelu.hpp"

namespace deeplift {

namespace {

using Factory = std::unique_ptr<Layer> (*)(const LayerConfig&);

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> registry = {
      {"conv1d", &Conv1d::create},   {"dense", &Dense::create},         {"prelu", &Prelu::create},
      {"relu", &Relu::create},       {"sigmoid", &Sigmoid::create},     {"tanh", &Tanh::create},
      {"maxpool1d", &MaxPool1d::create}, {"avgpool1d", &AvgPool1d::create}, {"flatten", &Flatten::create},
      {"add", &Add::create},         {"crop1d", &Crop1d::create},       {"concat", &Concat::create},
  };
  return registry;
}

}  // namespace

std::unique_ptr<Layer> create_layer(const LayerConfig& config) {
  const auto found = factories().find(config.type());
  if (found == factories().end()) {
    std::string known;
    for (const auto& name : known_layer_types()) known += (known.empty() ? "" : ", ") + name;
    config.fail("unknown layer type: " + config.type() + " (known: " + known + ")");
  }
  return found->second(config);
}

std::vector<std::string> known_layer_types() {
  std::vector<std::string> names;
  for (const auto& entry : factories()) names.push_back(entry.first);
  return names;
}

}  // namespace deeplift
