#include "deeplift/training/backprop.hpp"

#include <utility>

#include "deeplift/errors.hpp"

namespace deeplift {

double backpropagate(const Model& model, const Loss& loss, const Matrix& inputs, const Matrix& targets, int count,
                     float scale, ParameterTensors& gradients) {
  if (!model.is_sequential()) throw Error("train-model trains sequential models only");
  thread_local std::vector<Matrix> activations;
  thread_local Multipliers upstream, downstream;  // ∂loss/∂(output), ∂loss/∂(input) of the current layer
  model.forward(inputs, count, activations);
  const double value = loss.evaluate(activations.back(), targets, scale, &upstream.positive);
  upstream.split = false;
  const auto& layers = model.layers();
  for (size_t i = layers.size(); i-- > 0;) {
    const Layer& layer = *layers[i];
    if (!gradients[i].empty()) layer.accumulate_parameter_gradients(activations[i], upstream.positive, count, gradients[i]);
    if (i == 0) break;  // the one-hot input needs no gradient
    // A gradient is a DeepLIFT multiplier against no reference: the
    // reference slots are unused under NonlinearRule::Gradient.
    const LayerTrace trace{activations[i], activations[i], activations[i + 1], activations[i + 1], nullptr, nullptr,
                           count, 1};
    layer.backward(trace, NonlinearRule::Gradient, upstream, downstream);
    std::swap(upstream, downstream);
  }
  return value;
}

}  // namespace deeplift
