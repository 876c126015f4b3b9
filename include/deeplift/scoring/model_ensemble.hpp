// Several models scored as one: ENCODE ships five folds of each BPNet /
// ChromBPNet experiment, and score-seqs takes --model several times. Every
// window is scored with every model against the same references; its
// per-base scores and hypothetical contributions are the mean over the
// models of each model's reference-averaged result, its predictions are
// kept per model (docs/scoring.md, "Several models"; docs/outputs.md).
// One model is scored exactly as by a WindowScorer alone.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "deeplift/model/model.hpp"
#include "deeplift/scoring/scoring_batch.hpp"
#include "deeplift/scoring/window_scorer.hpp"

namespace deeplift {

// The models, checked to agree, and each one's scoring settings.
class ModelEnsemble {
 public:
  // `tasks` is --tasks: "all" (the first model's tasks) or names separated
  // by commas, looked up by name in every model (select_tasks for the first:
  // an unknown name is its UsageError). `settings` holds what all models
  // share; its tasks and ism_batch_size are set per model here. Throws
  // InputError naming both files when a model differs from the first in
  // input length, output kind, or a scored task (missing, or of another
  // kind). `budget_bytes` caps each model's workspace (scoring_batch.hpp).
  ModelEnsemble(std::vector<const Model*> models, const std::string& tasks, const ScoringSettings& settings,
                int batch_size, long budget_bytes = kScoringWorkspaceBytes);

  int size() const { return static_cast<int>(members_.size()); }
  const Model& model(int m) const { return *members_[m].model; }
  // Model m's settings: its own indices of the scored tasks, its ism batch.
  const ScoringSettings& settings(int m) const { return members_[m].settings; }
  int input_length() const { return members_.front().model->input_length(); }
  // Names of the scored tasks, in --tasks order (the same in every model).
  const std::vector<std::string>& scored_tasks() const { return scored_tasks_; }
  // Windows per batch: the fewest of the models' scoring_batch(), so that
  // no model's workspace passes the budget. The models are scored one after
  // another, so one worker's peak is one model's.
  int batch_windows() const { return batch_windows_; }
  // Model m's logits are rows [logit_row(m), logit_row(m) + model(m).task_count())
  // of WindowResults::logits and ref_logits: every model's, stacked in order.
  long logit_row(int m) const { return members_[m].logit_row; }
  long logit_rows() const { return logit_rows_; }
  // Elementwise layers that use Rescale under RevealCancel
  // (BatchScorer::rescale_fallbacks), over all models, each name once.
  const std::vector<std::string>& rescale_fallbacks() const { return rescale_fallbacks_; }

 private:
  struct Member {
    const Model* model;
    ScoringSettings settings;
    long logit_row = 0;
  };
  std::vector<Member> members_;
  std::vector<std::string> scored_tasks_;
  std::vector<std::string> rescale_fallbacks_;
  int batch_windows_ = 1;
  long logit_rows_ = 0;
};

// One worker's scorer of an ensemble (one per thread), batch by batch.
class EnsembleScorer {
 public:
  // `shared_reference` ([4, L]) as for WindowScorer; the ensemble must
  // outlive the scorer.
  EnsembleScorer(const ModelEnsemble& ensemble, const Matrix* shared_reference);

  // As WindowScorer::score: `count` windows ([4, L*count]) and their
  // references into columns [first, first+count) of `out`, sized by
  // resize_results. Scores and hypothetical contributions are the mean over
  // the models, summed in model order; logits and ref_logits are each
  // model's, stacked (ModelEnsemble::logit_row).
  void score(const Matrix& input, const Matrix* references, int count, WindowResults& out, long first);

  void resize_results(WindowResults& out, long count) const;

 private:
  const ModelEnsemble& ensemble_;
  const Matrix* shared_reference_;
  // One model: its scorer, kept from batch to batch (exactly WindowScorer).
  std::unique_ptr<WindowScorer> single_;
  // Several: one model's results of the batch at hand.
  WindowResults model_results_;
};

}  // namespace deeplift
