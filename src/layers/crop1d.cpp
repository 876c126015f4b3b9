#include "deeplift/layers/crop1d.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

Crop1d::Crop1d(std::string name, Shape input, int left, int right)
    : Layer("crop1d", std::move(name), input, Shape{input.channels, input.length - left - right}),
      left_(left),
      right_(right) {
  if (left < 0 || right < 0 || output_shape().length < 1)
    throw Error("crop1d " + this->name() + ": cannot crop " + std::to_string(left) + " + " + std::to_string(right) +
                " positions off an input of length " + std::to_string(input.length));
}

std::unique_ptr<Layer> Crop1d::create(const LayerConfig& config) {
  const Shape input = config.input();
  int left = 0, right = 0;
  if (config.has("length")) {
    if (config.has("left") || config.has("right")) config.fail("crop1d takes either \"length\" or \"left\"/\"right\", not both");
    const int length = config.positive_integer("length");
    if (length > input.length)
      config.fail("crop length " + std::to_string(length) + " exceeds the input length " + std::to_string(input.length));
    left = (input.length - length) / 2;  // floor: an odd excess leaves the extra position on the right
    right = input.length - length - left;
  } else {
    left = config.non_negative_integer("left", 0);
    right = config.non_negative_integer("right", 0);
    if (static_cast<long>(left) + right >= input.length)
      config.fail("cropping " + std::to_string(left) + " + " + std::to_string(right) +
                  " positions leaves nothing of an input of length " + std::to_string(input.length));
  }
  return std::make_unique<Crop1d>(config.name(), input, left, right);
}

namespace {

// Each sequence's kept columns [left, left + lout) of its [C, lin] block.
void crop_blocks(const Matrix& input, int lin, int lout, int left, int sequences, Matrix& output) {
  output.resize(input.rows(), static_cast<long>(lout) * sequences);
  for (int n = 0; n < sequences; ++n)
    output.middleCols(static_cast<long>(n) * lout, lout) = input.middleCols(static_cast<long>(n) * lin + left, lout);
}

// The adjoint: kept columns back in place, zeros at the cropped ones.
void uncrop_blocks(const Matrix& output, int lin, int lout, int left, int sequences, Matrix& input) {
  input.setZero(output.rows(), static_cast<long>(lin) * sequences);
  for (int n = 0; n < sequences; ++n)
    input.middleCols(static_cast<long>(n) * lin + left, lout) = output.middleCols(static_cast<long>(n) * lout, lout);
}

}  // namespace

void Crop1d::forward_impl(const Matrix& input, Matrix& output, int count) const {
  crop_blocks(input, input_shape().length, output_shape().length, left_, count, output);
}

void Crop1d::backward_impl(const LayerTrace& trace, NonlinearRule, const Multipliers& out, Multipliers& in) const {
  const int sequences = trace.count * trace.tasks;
  const int lin = input_shape().length, lout = output_shape().length;
  uncrop_blocks(out.positive, lin, lout, left_, sequences, in.positive);
  if (out.split) uncrop_blocks(out.negative, lin, lout, left_, sequences, in.negative);
  in.split = out.split;
}

}  // namespace deeplift
