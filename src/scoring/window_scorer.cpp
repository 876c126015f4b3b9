#include "deeplift/scoring/window_scorer.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

WindowScorer::WindowScorer(const Model& model, const ScoringSettings& settings, const Matrix* shared_reference)
    : model_(model),
      settings_(settings),
      length_(model.input_length()),
      tasks_(static_cast<int>(settings.tasks.size())),
      per_window_(settings.references_per_window),
      scorer_(make_batch_scorer(model, settings.method, settings.tasks,
                                BatchScorerOptions{settings.ig_steps, settings.ism_batch_size, settings.hypothetical,
                                                   settings.profile_target})) {
  if (!scorer_->uses_reference()) per_window_ = 1;
  if (per_window_ < 1) throw Error("WindowScorer: references_per_window must be >= 1");
  if (shared_reference) {
    if (per_window_ != 1) throw Error("WindowScorer: a shared reference is one reference per window");
    scorer_->set_shared_reference(*shared_reference);
  }
}

void WindowScorer::resize_results(WindowResults& out, long count) const {
  out.logits.resize(model_.task_count(), count);
  if (scorer_->uses_reference())
    out.ref_logits.resize(model_.task_count(), count);
  else
    out.ref_logits.resize(0, 0);
  out.scores.resize(length_, count * tasks_);
  if (settings_.hypothetical)
    out.hypothetical.resize(4, count * tasks_ * length_);
  else
    out.hypothetical.resize(0, 0);
}

void WindowScorer::score(const Matrix& input, const Matrix* references, int count, WindowResults& out, long first) {
  scorer_->score(input, references, count, per_window_, pairs_);
  const int pairs = count * per_window_;
  const long block = length_;
  // The mean over each window's references, summed in reference order (a
  // fixed order: results do not depend on threads or batching beyond the
  // batch's own GEMMs).
  const float inverse = 1.0f / static_cast<float>(per_window_);
  for (int n = 0; n < count; ++n) {
    const long w = first + n;
    const long pair0 = static_cast<long>(n) * per_window_;
    out.logits.col(w) = pairs_.logits.col(n);
    if (scorer_->uses_reference())
      out.ref_logits.col(w) = pairs_.ref_logits.middleCols(pair0, per_window_).rowwise().sum() * inverse;
    for (int t = 0; t < tasks_; ++t) {
      const long column = static_cast<long>(t) * pairs + pair0;
      out.scores.col(w * tasks_ + t) = pairs_.scores.middleCols(column, per_window_).rowwise().sum() * inverse;
      if (!settings_.hypothetical) continue;
      auto hyp = out.hypothetical.middleCols((w * tasks_ + t) * block, block);
      hyp = pairs_.hypothetical.middleCols(column * block, block);
      for (int k = 1; k < per_window_; ++k) hyp += pairs_.hypothetical.middleCols((column + k) * block, block);
      hyp *= inverse;
    }
  }
}

}  // namespace deeplift
