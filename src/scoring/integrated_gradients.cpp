#include "deeplift/scoring/integrated_gradients.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

IntegratedGradientsScorer::IntegratedGradientsScorer(const Model& model, std::vector<int> tasks, int steps)
    : model_(model), gradients_(model, Method::GradInput, std::move(tasks)), steps_(steps) {
  if (steps < 1) throw UsageError("--ig-steps must be >= 1");
}

void IntegratedGradientsScorer::score(const Matrix& input, const Matrix& references, int count, BatchScores& out) {
  // One path point at a time keeps memory at one batch's worth.
  for (int k = 1; k <= steps_; ++k) {
    const float alpha = static_cast<float>(k) / static_cast<float>(steps_);
    point_ = references + alpha * (input - references);
    gradients_.score(point_, references, count, step_);
    if (k == 1) {
      out.multipliers = step_.multipliers;
      out.ref_logits = step_.ref_logits;
    } else {
      out.multipliers += step_.multipliers;
    }
  }
  out.multipliers /= static_cast<float>(steps_);
  out.logits = step_.logits;  // the last point, alpha = 1, is the input
}

}  // namespace deeplift
