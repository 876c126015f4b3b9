// In-silico mutagenesis (docs/scoring.md): D[c,l] = logit(x with base c at l) −
// logit(x), by brute-force re-evaluation of every single-base substitution,
// batched through the model's forward pass.
#pragma once
#include <vector>

#include "deeplift/model/model.hpp"
#include "deeplift/scoring/deeplift_scorer.hpp"

namespace deeplift {

class IsmScorer {
 public:
  IsmScorer(const Model& model, std::vector<int> tasks, int batch_size);
  // Fills out.logits and out.multipliers (= D, [4, L*count*tasks]); D is 0
  // at each position's observed base. out.ref_logits is left empty.
  void score(const Matrix& input, int count, BatchScores& out);

 private:
  const Model& model_;
  std::vector<int> tasks_;
  int batch_size_;
  Matrix mutants_;
  std::vector<Matrix> activations_;
};

// Per-position scores s[l] = −mean_c D[c,l] and hypothetical H = D − mean_c D.
void ism_scores(const Matrix& differences, int length, int count, int tasks, Matrix& scores, Matrix* hypothetical);

}  // namespace deeplift
