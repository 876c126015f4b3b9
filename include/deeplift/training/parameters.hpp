// A model's trainable parameters as a whole: copies of them (snapshots of
// the best epoch) and gradients, both laid out like the model, one Vector
// per ParameterBlock: tensors[i][j] belongs to model.layer(i).parameters()[j].
#pragma once
#include <vector>

#include "deeplift/model/model.hpp"

namespace deeplift {

using ParameterTensors = std::vector<std::vector<Vector>>;

// Zero-filled tensors shaped like the model's parameters.
ParameterTensors zeros_like_parameters(Model& model);
void set_zero(ParameterTensors& tensors);
// total += part, block by block.
void add_to(ParameterTensors& total, const ParameterTensors& part);
long parameter_count(Model& model);

ParameterTensors snapshot_parameters(Model& model);
// Copies `snapshot` into the model and refreshes what layers derive from it.
void restore_parameters(Model& model, const ParameterTensors& snapshot);

}  // namespace deeplift
