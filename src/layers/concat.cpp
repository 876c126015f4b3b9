#include "deeplift/layers/concat.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

Shape stacked(const std::vector<Shape>& inputs) {
  Shape shape{0, inputs.empty() ? 0 : inputs.front().length};
  for (const Shape& input : inputs) shape.channels += input.channels;
  return shape;
}

}  // namespace

Concat::Concat(std::string name, std::vector<Shape> inputs) : Layer("concat", std::move(name), inputs, stacked(inputs)) {
  if (inputs.size() < 2) throw Error("concat " + this->name() + " needs at least 2 inputs");
  for (const Shape& shape : inputs)
    if (shape.length != inputs.front().length)
      throw Error("concat " + this->name() + ": input lengths " + std::to_string(inputs.front().length) + " and " +
                  std::to_string(shape.length) + " differ");
}

std::unique_ptr<Layer> Concat::create(const LayerConfig& config) {
  const auto& inputs = config.inputs();
  if (inputs.size() < 2) config.fail("concat needs at least 2 inputs, not " + std::to_string(inputs.size()));
  long channels = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].length != inputs.front().length)
      config.fail("concat input " + std::to_string(i + 1) + " has shape " + inputs[i].to_string() + ", input 1 has " +
                  inputs.front().to_string() + " (concat needs equal lengths)");
    channels += inputs[i].channels;
  }
  if (channels > (1L << 30)) config.fail("concat output has more than 2^30 channels");
  return std::make_unique<Concat>(config.name(), inputs);
}

// Column-major [C, L·count]: stacking channels is stacking the matrices'
// rows, position by position, for the whole batch at once.
void Concat::forward_inputs_impl(const std::vector<const Matrix*>& inputs, Matrix& output, int) const {
  long row = 0;
  for (const Matrix* input : inputs) {
    output.middleRows(row, input->rows()) = *input;
    row += input->rows();
  }
}

void Concat::backward_inputs_impl(const LayerTrace&, NonlinearRule, const Multipliers& out,
                                  std::vector<Multipliers>& in) const {
  long row = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const long rows = input_shapes()[i].channels;
    in[i].positive = out.positive.middleRows(row, rows);
    if (out.split) in[i].negative = out.negative.middleRows(row, rows);
    in[i].split = out.split;
    row += rows;
  }
}

}  // namespace deeplift
