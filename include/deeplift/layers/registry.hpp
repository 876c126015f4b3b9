// String-keyed layer registry: the architecture JSON's "type" names a
// factory; an unknown type is an error naming it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "deeplift/layers/layer.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

std::unique_ptr<Layer> create_layer(const LayerConfig& config);
std::vector<std::string> known_layer_types();

}  // namespace deeplift
