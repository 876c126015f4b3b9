#include "deeplift/layers/maxpool1d.hpp"

#include "deeplift/layers/conv1d.hpp"

namespace deeplift {

PoolGeometry PoolGeometry::from_config(const LayerConfig& config, Shape& output) {
  PoolGeometry geometry;
  geometry.kernel_size = config.positive_integer("kernel_size");
  geometry.stride = config.positive_integer("stride", geometry.kernel_size);  // design §2 default
  const Shape input = config.input();
  const int length = valid_output_length(input.length, geometry.kernel_size, geometry.stride, 1);
  if (length <= 0)
    config.fail("pool of size " + std::to_string(geometry.kernel_size) + " does not fit an input of length " +
                std::to_string(input.length));
  output = Shape{input.channels, length};
  return geometry;
}

MaxPool1d::MaxPool1d(std::string name, Shape input, Shape output, PoolGeometry geometry)
    : Layer("maxpool1d", std::move(name), input, output), geometry_(geometry) {}

std::unique_ptr<Layer> MaxPool1d::create(const LayerConfig& config) {
  Shape output;
  const PoolGeometry geometry = PoolGeometry::from_config(config, output);
  return std::make_unique<MaxPool1d>(config.name(), config.input(), output, geometry);
}

void MaxPool1d::forward_impl(const Matrix& input, Matrix& output, int count) const {
  const int lin = input_shape().length, lout = output_shape().length;
  for (int n = 0; n < count; ++n)
    for (int o = 0; o < lout; ++o)
      output.col(static_cast<long>(n) * lout + o) =
          input.middleCols(static_cast<long>(n) * lin + static_cast<long>(o) * geometry_.stride, geometry_.kernel_size)
              .rowwise()
              .maxCoeff();
}

void MaxPool1d::backward_impl(const LayerTrace& trace, NonlinearRule, const Multipliers& out,
                              Multipliers& in) const {
  require_unsplit(out);
  const int channels = input_shape().channels, lin = input_shape().length, lout = output_shape().length;
  const int count = trace.count;
  in.positive.setZero(channels, static_cast<long>(lin) * count * trace.tasks);
  for (int n = 0; n < count; ++n) {
    for (int o = 0; o < lout; ++o) {
      const long window = static_cast<long>(n) * lin + static_cast<long>(o) * geometry_.stride;
      for (int c = 0; c < channels; ++c) {
        // First position of the maximum (strict >), as PyTorch's argmax routing.
        int best = 0;
        float best_value = trace.input(c, window);
        for (int j = 1; j < geometry_.kernel_size; ++j) {
          const float value = trace.input(c, window + j);
          if (value > best_value) {
            best_value = value;
            best = j;
          }
        }
        for (int t = 0; t < trace.tasks; ++t) {
          const long sequence = static_cast<long>(t) * count + n;
          in.positive(c, sequence * lin + (window - static_cast<long>(n) * lin) + best) +=
              out.positive(c, sequence * lout + o);
        }
      }
    }
  }
}

}  // namespace deeplift
