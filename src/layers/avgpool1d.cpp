#include "deeplift/layers/avgpool1d.hpp"

namespace deeplift {

AvgPool1d::AvgPool1d(std::string name, Shape input, Shape output, PoolGeometry geometry)
    : Layer("avgpool1d", std::move(name), input, output), geometry_(geometry) {}

std::unique_ptr<Layer> AvgPool1d::create(const LayerConfig& config) {
  Shape output;
  const PoolGeometry geometry = PoolGeometry::from_config(config, output);
  return std::make_unique<AvgPool1d>(config.name(), config.input(), output, geometry);
}

void AvgPool1d::forward_impl(const Matrix& input, Matrix& output, int count) const {
  const int lin = input_shape().length, lout = output_shape().length;
  const float scale = 1.0f / static_cast<float>(geometry_.kernel_size);
  for (int n = 0; n < count; ++n)
    for (int o = 0; o < lout; ++o)
      output.col(static_cast<long>(n) * lout + o) =
          input.middleCols(static_cast<long>(n) * lin + static_cast<long>(o) * geometry_.stride, geometry_.kernel_size)
              .rowwise()
              .sum() *
          scale;
}

void AvgPool1d::backward_impl(const LayerTrace& trace, NonlinearRule, const Multipliers& out,
                              Multipliers& in) const {
  require_unsplit(out);
  const int lin = input_shape().length, lout = output_shape().length;
  const int sequences = trace.count * trace.tasks;
  const float scale = 1.0f / static_cast<float>(geometry_.kernel_size);
  in.positive.setZero(input_shape().channels, static_cast<long>(lin) * sequences);
  for (int n = 0; n < sequences; ++n)
    for (int o = 0; o < lout; ++o)
      in.positive.middleCols(static_cast<long>(n) * lin + static_cast<long>(o) * geometry_.stride, geometry_.kernel_size)
          .colwise() += out.positive.col(static_cast<long>(n) * lout + o) * scale;
}

}  // namespace deeplift
