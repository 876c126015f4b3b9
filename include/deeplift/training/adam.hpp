// Adam (Kingma & Ba 2015, Algorithm 1) as PyTorch's torch.optim.Adam
// without weight decay:
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
//   θ ← θ − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε).
#pragma once
#include "deeplift/training/parameters.hpp"

namespace deeplift {

struct AdamOptions {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
};

class Adam {
 public:
  Adam(Model& model, AdamOptions options = {});

  // One update of every parameter of `model` from `gradients` (laid out as
  // zeros_like_parameters(model)); refreshes the layers afterwards.
  void step(Model& model, const ParameterTensors& gradients);
  long steps() const { return steps_; }
  const AdamOptions& options() const { return options_; }

 private:
  AdamOptions options_;
  ParameterTensors first_moment_, second_moment_;
  long steps_ = 0;
};

}  // namespace deeplift
