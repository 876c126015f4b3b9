// Integrated gradients (Sundararajan et al. 2017), the baseline the DeepLIFT
// paper compares with "10 intervals": the multiplier of each input is the
// mean gradient at ref + (k/steps)·(x − ref), k = 1..steps (a right Riemann
// sum of the path integral, ending at the input itself); contributions are
// then m·Δx as for every other method.
#pragma once
#include <vector>

#include "deeplift/scoring/deeplift_scorer.hpp"

namespace deeplift {

class IntegratedGradientsScorer {
 public:
  IntegratedGradientsScorer(const Model& model, std::vector<int> tasks, int steps);
  // `references` is [4, L*count] (one per sequence, repeated if shared).
  void score(const Matrix& input, const Matrix& references, int count, BatchScores& out);
  // K = references_per_input references per sequence ([4, L*count*K], pair
  // n*K + k), as DeepLiftScorer: the path from each reference to its input
  // is integrated; out.logits stays one column per sequence.
  void score(const Matrix& input, const Matrix& references, int count, int references_per_input, BatchScores& out);

 private:
  const Model& model_;
  DeepLiftScorer gradients_;
  int steps_;
  Matrix point_, repeated_;
  BatchScores step_;
  std::vector<Matrix> activations_;
};

}  // namespace deeplift
