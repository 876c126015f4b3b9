#include "deeplift/layers/flatten.hpp"

namespace deeplift {

namespace {

// Each sequence's [C, L] column-major block, read row by row, is its
// channel-major flat vector: a transpose of the block.
void channel_major(const Matrix& blocks, int channels, int length, int sequences, Matrix& flat) {
  flat.resize(static_cast<long>(channels) * length, sequences);
  for (int n = 0; n < sequences; ++n) {
    Eigen::Map<Matrix>(flat.data() + static_cast<long>(n) * channels * length, length, channels) =
        Eigen::Map<const Matrix>(blocks.data() + static_cast<long>(n) * channels * length, channels, length).transpose();
  }
}

void position_major(const Matrix& flat, int channels, int length, int sequences, Matrix& blocks) {
  blocks.resize(channels, static_cast<long>(length) * sequences);
  for (int n = 0; n < sequences; ++n) {
    Eigen::Map<Matrix>(blocks.data() + static_cast<long>(n) * channels * length, channels, length) =
        Eigen::Map<const Matrix>(flat.data() + static_cast<long>(n) * channels * length, length, channels).transpose();
  }
}

}  // namespace

Flatten::Flatten(std::string name, Shape input)
    : Layer("flatten", std::move(name), input, Shape{static_cast<int>(input.size()), 1}) {}

std::unique_ptr<Layer> Flatten::create(const LayerConfig& config) {
  return std::make_unique<Flatten>(config.name(), config.input());
}

void Flatten::forward_impl(const Matrix& input, Matrix& output, int count) const {
  channel_major(input, input_shape().channels, input_shape().length, count, output);
}

void Flatten::backward_impl(const LayerTrace& trace, NonlinearRule, const Multipliers& out,
                            Multipliers& in) const {
  // A reshape: M⁺ and M⁻ move with their elements.
  const int sequences = trace.count * trace.tasks;
  position_major(out.positive, input_shape().channels, input_shape().length, sequences, in.positive);
  if (out.split) position_major(out.negative, input_shape().channels, input_shape().length, sequences, in.negative);
  in.split = out.split;
}

}  // namespace deeplift
