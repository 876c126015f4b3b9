// Gradient of the training loss with respect to every parameter of a model
// for one batch: the forward pass, the loss gradient at the logits, then
// layer by layer backwards — each layer's parameter gradient from its input
// and output gradient, and its input gradient from Layer::backward under
// NonlinearRule::Gradient (the exact gradient: f'(z) for elementwise
// layers, first-maximum routing for maxpool, Wᵀ for conv/dense).
#pragma once
#include "deeplift/training/loss.hpp"
#include "deeplift/training/parameters.hpp"

namespace deeplift {

// Runs `count` one-hot sequences ([4, L*count]) with targets [tasks, count];
// adds scale · ∂(Σ per-sequence loss)/∂θ to `gradients` and returns
// Σ per-sequence loss. Thread-safe for distinct `gradients` (each thread
// keeps its own activations).
double backpropagate(const Model& model, const Loss& loss, const Matrix& inputs, const Matrix& targets, int count,
                     float scale, ParameterTensors& gradients);

}  // namespace deeplift
