// Weight initialisation as PyTorch's defaults for nn.Conv1d / nn.Linear /
// nn.PReLU, so a model trained here starts where a PyTorch user's would:
// weights and biases U(−1/√fan_in, 1/√fan_in) (kaiming_uniform_ with
// a = √5 gives exactly this bound for the weights, and the bias rule is the
// same), PReLU slopes 0.25.
#pragma once
#include <cstdint>

#include "deeplift/model/model.hpp"

namespace deeplift {

constexpr float kInitialPreluSlope = 0.25f;

// Draws every parameter from a generator seeded by derive_seed(seed, 0), in
// layer order, block order and storage order. For a softmax model the last
// layer is then mean-normalised, as every softmax Model is (model.hpp).
void initialize_parameters(Model& model, uint64_t seed);

}  // namespace deeplift
