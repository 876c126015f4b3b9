#include "deeplift/scoring/integrated_gradients.hpp"

#include <algorithm>

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

void IntegratedGradientsScorer::score(const Matrix& input, const Matrix& references, int count,
                                      int references_per_input, BatchScores& out) {
  const int k = references_per_input;
  if (k < 1) throw Error("IntegratedGradientsScorer: references_per_input must be >= 1");
  if (k == 1) {
    score(input, references, count, out);
    return;
  }
  // Every path point differs per pair, so the input is simply repeated.
  const long length = input.cols() / std::max(count, 1);
  repeated_.resize(input.rows(), input.cols() * k);
  for (int n = 0; n < count; ++n)
    for (int j = 0; j < k; ++j)
      repeated_.middleCols((static_cast<long>(n) * k + j) * length, length) = input.middleCols(n * length, length);
  score(repeated_, references, count * k, out);
  Matrix logits(out.logits.rows(), count);
  for (int n = 0; n < count; ++n) logits.col(n) = out.logits.col(static_cast<long>(n) * k);
  out.logits = std::move(logits);
}

}  // namespace deeplift
