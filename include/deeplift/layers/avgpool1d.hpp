// Average pooling over positions, floor mode, no padding (PyTorch
// AvgPool1d). Linear with positive weights 1/k, so DeepLIFT's linear rule
// spreads each output's multiplier evenly over its window.
#pragma once
#include <memory>

#include "deeplift/layers/maxpool1d.hpp"

namespace deeplift {

class AvgPool1d : public Layer {
 public:
  AvgPool1d(std::string name, Shape input, Shape output, PoolGeometry geometry);
  static std::unique_ptr<Layer> create(const LayerConfig& config);

 private:
  void forward_impl(const Matrix& input, Matrix& output, int count) const override;
  void backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const override;
  PoolGeometry geometry_;
};

}  // namespace deeplift
