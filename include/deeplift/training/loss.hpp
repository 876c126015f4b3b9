// Training losses on the logits [tasks, count] (the last dense layer's
// output), one target column per sequence:
//
// - sigmoid outputs: binary cross-entropy with logits, per sequence the mean
//   over tasks of w·ℓ(z, y) with ℓ = max(z,0) − z·y + log(1 + e^−|z|) (the
//   overflow-free form, PyTorch's BCEWithLogitsLoss), and optional per-task
//   weights w = w0[t] for y = 0 and w1[t] for y = 1 (Keras-style weighted
//   BCE of the DeepLIFT paper's training settings: docs/simulation.md, the
//   paper's model and training);
// - softmax outputs: cross-entropy logsumexp(z) − Σ_t y_t z_t, targets
//   one-hot.
//
// The batch loss is the mean of the per-sequence losses, so BCE is the mean
// over sequences × tasks as in PyTorch and Keras.
#pragma once
#include <vector>

#include "deeplift/model/model.hpp"

namespace deeplift {

struct ClassWeights {
  std::vector<float> negative;  // w0 per task (empty: all 1)
  std::vector<float> positive;  // w1 per task (empty: all 1)
};

class Loss {
 public:
  // Throws UsageError for a linear output (no training target is defined
  // for it here), class weights on a softmax output, or weight lists whose
  // length is not `tasks`.
  Loss(OutputKind output, int tasks, ClassWeights weights = {});

  // Σ over the columns of the per-sequence loss (accumulated in double).
  // With `gradient`, also sets it to scale · ∂(that sum)/∂logits.
  double evaluate(const Matrix& logits, const Matrix& targets, float scale, Matrix* gradient) const;

  OutputKind output() const { return output_; }

 private:
  OutputKind output_;
  int tasks_;
  Eigen::ArrayXf negative_, positive_;
};

}  // namespace deeplift
