#include "deeplift/layers/add.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

Shape first_of(const std::vector<Shape>& inputs) { return inputs.empty() ? Shape{} : inputs.front(); }

}  // namespace

Add::Add(std::string name, std::vector<Shape> inputs) : Layer("add", std::move(name), inputs, first_of(inputs)) {
  if (inputs.size() < 2) throw Error("add " + this->name() + " needs at least 2 inputs");
  for (const Shape& shape : inputs)
    if (shape != inputs.front())
      throw Error("add " + this->name() + ": input shapes " + inputs.front().to_string() + " and " + shape.to_string() +
                  " differ");
}

std::unique_ptr<Layer> Add::create(const LayerConfig& config) {
  const auto& inputs = config.inputs();
  if (inputs.size() < 2) config.fail("add needs at least 2 inputs, not " + std::to_string(inputs.size()));
  for (size_t i = 1; i < inputs.size(); ++i)
    if (inputs[i] != inputs.front())
      config.fail("add input " + std::to_string(i + 1) + " has shape " + inputs[i].to_string() + ", input 1 has " +
                  inputs.front().to_string() + " (add needs identical shapes)");
  return std::make_unique<Add>(config.name(), inputs);
}

void Add::forward_inputs_impl(const std::vector<const Matrix*>& inputs, Matrix& output, int) const {
  output = *inputs.front();
  for (size_t i = 1; i < inputs.size(); ++i) output += *inputs[i];
}

void Add::backward_inputs_impl(const LayerTrace&, NonlinearRule, const Multipliers& out,
                               std::vector<Multipliers>& in) const {
  for (auto& input : in) {
    input.positive = out.positive;
    if (out.split) input.negative = out.negative;
    input.split = out.split;
  }
}

}  // namespace deeplift
