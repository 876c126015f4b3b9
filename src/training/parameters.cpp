#include "deeplift/training/parameters.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

ParameterTensors zeros_like_parameters(Model& model) {
  ParameterTensors tensors(model.layers().size());
  for (size_t i = 0; i < tensors.size(); ++i)
    for (const auto& block : model.layer(i).parameters()) tensors[i].push_back(Vector::Zero(block.size));
  return tensors;
}

void set_zero(ParameterTensors& tensors) {
  for (auto& layer : tensors)
    for (auto& tensor : layer) tensor.setZero();
}

void add_to(ParameterTensors& total, const ParameterTensors& part) {
  for (size_t i = 0; i < total.size(); ++i)
    for (size_t j = 0; j < total[i].size(); ++j) total[i][j] += part[i][j];
}

long parameter_count(Model& model) {
  long count = 0;
  for (size_t i = 0; i < model.layers().size(); ++i)
    for (const auto& block : model.layer(i).parameters()) count += block.size;
  return count;
}

ParameterTensors snapshot_parameters(Model& model) {
  ParameterTensors tensors(model.layers().size());
  for (size_t i = 0; i < tensors.size(); ++i)
    for (const auto& block : model.layer(i).parameters())
      tensors[i].push_back(Eigen::Map<const Vector>(block.values, block.size));
  return tensors;
}

void restore_parameters(Model& model, const ParameterTensors& snapshot) {
  if (snapshot.size() != model.layers().size()) throw Error("parameter snapshot does not match the model");
  for (size_t i = 0; i < snapshot.size(); ++i) {
    Layer& layer = model.layer(i);
    const auto blocks = layer.parameters();
    if (blocks.size() != snapshot[i].size()) throw Error("parameter snapshot does not match layer " + layer.name());
    if (blocks.empty()) continue;
    for (size_t j = 0; j < blocks.size(); ++j) {
      if (snapshot[i][j].size() != blocks[j].size) throw Error("parameter snapshot does not match " + blocks[j].name);
      Eigen::Map<Vector>(blocks[j].values, blocks[j].size) = snapshot[i][j];
    }
    layer.parameters_updated();
  }
}

}  // namespace deeplift
