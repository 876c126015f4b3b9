// Max pooling over positions, floor mode, no padding (PyTorch MaxPool1d).
// DeepLIFT routes each output's multiplier to the first position holding the
// window maximum of the input sequence's activations (docs/scoring.md), i.e. the
// gradient's routing.
#pragma once
#include <memory>

#include "deeplift/layers/layer.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

// Window geometry shared by the pooling layers.
struct PoolGeometry {
  int kernel_size = 1;
  int stride = 1;
  static PoolGeometry from_config(const LayerConfig& config, Shape& output);
};

class MaxPool1d : public Layer {
 public:
  MaxPool1d(std::string name, Shape input, Shape output, PoolGeometry geometry);
  static std::unique_ptr<Layer> create(const LayerConfig& config);

 private:
  void forward_impl(const Matrix& input, Matrix& output, int count) const override;
  void backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const override;
  PoolGeometry geometry_;
};

}  // namespace deeplift
