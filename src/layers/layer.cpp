#include "deeplift/layers/layer.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

Layer::Layer(std::string type, std::string name, Shape input_shape, Shape output_shape)
    : type_(std::move(type)), name_(std::move(name)), input_shape_(input_shape), output_shape_(output_shape) {}

void Layer::forward(const Matrix& input, Matrix& output, int count) const {
  if (input.rows() != input_shape_.channels || input.cols() != static_cast<long>(input_shape_.length) * count)
    throw Error("layer " + name_ + " (" + type_ + "): input is " + std::to_string(input.rows()) + "x" +
                std::to_string(input.cols()) + ", expected " + input_shape_.to_string() + " x " +
                std::to_string(count) + " sequences");
  output.resize(output_shape_.channels, static_cast<long>(output_shape_.length) * count);
  forward_impl(input, output, count);
}

void Layer::backward(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const {
  const long width = static_cast<long>(output_shape_.length) * trace.count * trace.tasks;
  if (output_multipliers.positive.rows() != output_shape_.channels || output_multipliers.positive.cols() != width)
    throw Error("layer " + name_ + " (" + type_ + "): multipliers have the wrong shape");
  input_multipliers.split = false;
  backward_impl(trace, rule, output_multipliers, input_multipliers);
}

void Layer::split_delta(const Matrix&, const Matrix*, int, Matrix&, Matrix&, int) const {
  throw Error("layer " + name_ + " (" + type_ + ") has no weights to split its delta by");
}

void Layer::accumulate_parameter_gradients(const Matrix&, const Matrix&, int, std::vector<Vector>&) const {
  throw Error("layer " + name_ + " (" + type_ + ") has no parameters to take gradients of");
}

void Layer::require_unsplit(const Multipliers& multipliers) const {
  if (multipliers.split)
    throw Error("layer " + name_ + " (" + type_ + "): received split multipliers; RevealCancel applies only after conv1d/dense");
}

}  // namespace deeplift
