#include "deeplift/scoring/window_scorer.hpp"

#include <algorithm>

#include "deeplift/errors.hpp"
#include "deeplift/scoring/scoring_batch.hpp"

namespace deeplift {

WindowScorer::WindowScorer(const Model& model, const ScoringSettings& settings, const Matrix* shared_reference,
                           long group_bytes)
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
  // Depends on the model and settings only, never on threads or outputs, so
  // score-seqs and the Python module group alike (bit-identical results).
  group_references_ = per_window_;
  if (per_window_ > 1) {
    const long per_pair = std::max(1L, scoring_bytes_per_pair(model, settings));
    group_references_ = static_cast<int>(std::clamp<long>(group_bytes / per_pair, 1, per_window_));
  }
  if (shared_reference) {
    if (per_window_ != 1) throw Error("WindowScorer: a shared reference is one reference per window");
    scorer_->set_shared_reference(*shared_reference);
  }
}

void resize_window_results(WindowResults& out, long count, long logit_rows, long length, long tasks,
                           bool has_reference, bool hypothetical) {
  out.logits.resize(logit_rows, count);
  if (has_reference)
    out.ref_logits.resize(logit_rows, count);
  else
    out.ref_logits.resize(0, 0);
  out.scores.resize(length, count * tasks);
  if (hypothetical)
    out.hypothetical.resize(4, count * tasks * length);
  else
    out.hypothetical.resize(0, 0);
}

void WindowScorer::resize_results(WindowResults& out, long count) const {
  resize_window_results(out, count, model_.task_count(), length_, tasks_, scorer_->uses_reference(),
                        settings_.hypothetical);
}

void WindowScorer::score(const Matrix& input, const Matrix* references, int count, WindowResults& out, long first) {
  if (references && group_references_ < per_window_) {
    score_in_groups(input, *references, count, out, first);
    return;
  }
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

namespace deeplift {

void WindowScorer::score_in_groups(const Matrix& input, const Matrix& references, int count, WindowResults& out,
                                   long first) {
  const long block = length_;
  const float inverse = 1.0f / static_cast<float>(per_window_);
  for (int n = 0; n < count; ++n) {
    const long w = first + n;
    window_input_ = input.middleCols(n * block, block);
    for (int k0 = 0; k0 < per_window_; k0 += group_references_) {
      const int size = std::min(group_references_, per_window_ - k0);
      group_reference_matrix_ = references.middleCols((static_cast<long>(n) * per_window_ + k0) * block, size * block);
      scorer_->score(window_input_, &group_reference_matrix_, 1, size, pairs_);
      // Sums over the references in reference order, group after group;
      // the mean is taken once all groups are in.
      const bool start = k0 == 0;
      if (start) out.logits.col(w) = pairs_.logits.col(0);
      if (start)
        out.ref_logits.col(w) = pairs_.ref_logits.rowwise().sum();
      else
        out.ref_logits.col(w) += pairs_.ref_logits.rowwise().sum();
      for (int t = 0; t < tasks_; ++t) {
        const long column = static_cast<long>(t) * size;
        if (start)
          out.scores.col(w * tasks_ + t) = pairs_.scores.middleCols(column, size).rowwise().sum();
        else
          out.scores.col(w * tasks_ + t) += pairs_.scores.middleCols(column, size).rowwise().sum();
        if (!settings_.hypothetical) continue;
        auto hyp = out.hypothetical.middleCols((w * tasks_ + t) * block, block);
        for (int k = 0; k < size; ++k) {
          if (start && k == 0)
            hyp = pairs_.hypothetical.middleCols((column + k) * block, block);
          else
            hyp += pairs_.hypothetical.middleCols((column + k) * block, block);
        }
      }
    }
    out.ref_logits.col(w) *= inverse;
    for (int t = 0; t < tasks_; ++t) {
      out.scores.col(w * tasks_ + t) *= inverse;
      if (settings_.hypothetical) out.hypothetical.middleCols((w * tasks_ + t) * block, block) *= inverse;
    }
  }
}

}  // namespace deeplift
