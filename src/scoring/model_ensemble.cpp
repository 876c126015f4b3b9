#include "deeplift/scoring/model_ensemble.hpp"

#include <algorithm>

#include "deeplift/errors.hpp"
#include "deeplift/scoring/batch_scorer.hpp"
#include "deeplift/scoring/method.hpp"
#include "deeplift/scoring/score_options.hpp"

namespace deeplift {

namespace {

std::string task_kind_name(TaskKind kind) { return kind == TaskKind::Profile ? "profile" : "scalar"; }

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// `other`'s index of each of `first`'s tasks `scored`, by name; throws
// InputError naming both files for a task `other` lacks or holds as
// another kind.
std::vector<int> same_tasks(const Model& first, const std::vector<int>& scored, const Model& other) {
  const std::string pair = "'" + other.path() + "' and '" + first.path() + "'";
  std::vector<int> indices;
  for (int t : scored) {
    const std::string& name = first.tasks()[t];
    const auto found = std::find(other.tasks().begin(), other.tasks().end(), name);
    if (found == other.tasks().end())
      throw InputError("--model " + pair + " differ: task '" + name + "' of '" + first.path() + "' is not in '" +
                       other.path() + "' (its tasks: " + joined(other.tasks()) +
                       "); every model must have the scored tasks (--tasks)");
    const int index = static_cast<int>(found - other.tasks().begin());
    if (other.task_kind(index) != first.task_kind(t))
      throw InputError("--model " + pair + " differ: task '" + name + "' is a " +
                       task_kind_name(other.task_kind(index)) + " task in '" + other.path() + "' but a " +
                       task_kind_name(first.task_kind(t)) + " task in '" + first.path() + "'");
    indices.push_back(index);
  }
  return indices;
}

}  // namespace

ModelEnsemble::ModelEnsemble(std::vector<const Model*> models, const std::string& tasks,
                             const ScoringSettings& settings, int batch_size, long budget_bytes) {
  if (models.empty()) throw Error("ModelEnsemble: no model");
  const Model& first = *models.front();
  const std::vector<int> scored = select_tasks(tasks, first.tasks());
  for (int t : scored) scored_tasks_.push_back(first.tasks()[t]);
  for (const Model* model : models) {
    const std::string pair = "'" + model->path() + "' and '" + first.path() + "'";
    // Every model sees the same one-hot windows and references.
    if (model->input_length() != first.input_length())
      throw InputError("--model " + pair + " differ: '" + model->path() + "' takes " +
                       std::to_string(model->input_length()) + " bp, '" + first.path() + "' " +
                       std::to_string(first.input_length()) + " bp; every model must take the same input length");
    if (model->output() != first.output())
      throw InputError("--model " + pair + " differ: '" + model->path() + "' has a " +
                       output_kind_name(model->output()) + " output, '" + first.path() + "' a " +
                       output_kind_name(first.output()) + " output; every model must have the same output kind");
    Member member{model, settings, logit_rows_};
    member.settings.tasks = model == &first ? scored : same_tasks(first, scored, *model);
    const ScoringBatch batch = scoring_batch(*model, member.settings, batch_size, budget_bytes);
    member.settings.ism_batch_size = batch.ism_mutants;
    batch_windows_ = members_.empty() ? batch.windows : std::min(batch_windows_, batch.windows);
    logit_rows_ += model->task_count();
    members_.push_back(std::move(member));

    const auto scorer = make_batch_scorer(
        *model, settings.method, members_.back().settings.tasks,
        BatchScorerOptions{settings.ig_steps, batch.ism_mutants, settings.hypothetical, settings.profile_target});
    for (const auto& name : scorer->rescale_fallbacks())
      if (std::find(rescale_fallbacks_.begin(), rescale_fallbacks_.end(), name) == rescale_fallbacks_.end())
        rescale_fallbacks_.push_back(name);
  }
}

EnsembleScorer::EnsembleScorer(const ModelEnsemble& ensemble, const Matrix* shared_reference)
    : ensemble_(ensemble), shared_reference_(shared_reference) {
  if (ensemble.size() == 1)
    single_ = std::make_unique<WindowScorer>(ensemble.model(0), ensemble.settings(0), shared_reference);
}

void EnsembleScorer::resize_results(WindowResults& out, long count) const {
  if (single_) {
    single_->resize_results(out, count);
    return;
  }
  const ScoringSettings& settings = ensemble_.settings(0);
  resize_window_results(out, count, ensemble_.logit_rows(), ensemble_.input_length(),
                        static_cast<long>(settings.tasks.size()), uses_reference(settings.method),
                        settings.hypothetical);
}

void EnsembleScorer::score(const Matrix& input, const Matrix* references, int count, WindowResults& out, long first) {
  if (single_) {
    single_->score(input, references, count, out, first);
    return;
  }
  const long length = ensemble_.input_length();
  const long tasks = static_cast<long>(ensemble_.scored_tasks().size());
  const bool hypothetical = ensemble_.settings(0).hypothetical;
  auto scores = out.scores.middleCols(first * tasks, count * tasks);
  for (int m = 0; m < ensemble_.size(); ++m) {
    {
      // A scorer keeps its workspace from batch to batch; built for this
      // batch and gone before the next model's, one worker holds one
      // model's workspace at a time (the budget of scoring_batch.hpp), not
      // the ensemble's. The cost: a shared reference's forward pass, once
      // per model and batch (docs/decisions.md).
      WindowScorer scorer(ensemble_.model(m), ensemble_.settings(m), shared_reference_);
      scorer.resize_results(model_results_, count);
      scorer.score(input, references, count, model_results_, 0);
    }
    const long row = ensemble_.logit_row(m), rows = ensemble_.model(m).task_count();
    out.logits.block(row, first, rows, count) = model_results_.logits;
    if (out.ref_logits.size() > 0) out.ref_logits.block(row, first, rows, count) = model_results_.ref_logits;
    // Summed in model order, whatever the threads (tests/cli/test_determinism.py).
    if (m == 0)
      scores = model_results_.scores;
    else
      scores += model_results_.scores;
    if (!hypothetical) continue;
    auto hyp = out.hypothetical.middleCols(first * tasks * length, count * tasks * length);
    if (m == 0)
      hyp = model_results_.hypothetical;
    else
      hyp += model_results_.hypothetical;
  }
  const float models = static_cast<float>(ensemble_.size());
  scores /= models;
  if (hypothetical) out.hypothetical.middleCols(first * tasks * length, count * tasks * length) /= models;
}

}  // namespace deeplift
