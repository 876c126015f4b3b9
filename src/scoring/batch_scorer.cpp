#include "deeplift/scoring/batch_scorer.hpp"

#include "deeplift/scoring/deeplift_scorer.hpp"
#include "deeplift/scoring/integrated_gradients.hpp"
#include "deeplift/scoring/ism.hpp"

namespace deeplift {

namespace {

// What the reference-based scorers share: the batch laid out as pairs (each
// window repeated once per reference) and the shared reference at the
// pairs' width, kept from batch to batch.
class ReferencePairs {
 public:
  explicit ReferencePairs(int length) : length_(length) {}

  void set_shared(const Matrix& reference) {
    shared_ = reference;
    shared_width_ = -1;
  }
  // Window n at pair blocks n*per_window .. n*per_window + per_window − 1;
  // without repetition the caller's matrix is used as it is.
  const Matrix& inputs(const Matrix& windows_input, int windows, int per_window) {
    if (per_window == 1) return windows_input;
    const long block = length_;
    repeated_.resize(4, block * windows * per_window);
    for (int n = 0; n < windows; ++n)
      for (int k = 0; k < per_window; ++k)
        repeated_.middleCols((static_cast<long>(n) * per_window + k) * block, block) =
            windows_input.middleCols(n * block, block);
    return repeated_;
  }
  // The references of `pairs` pairs: the caller's, or the shared one repeated.
  const Matrix& references(const Matrix* given, int pairs) {
    if (given) return *given;
    if (shared_width_ != pairs) {
      replicated_ = shared_.replicate(1, pairs);
      shared_width_ = pairs;
    }
    return replicated_;
  }

 private:
  int length_;
  Matrix shared_, replicated_, repeated_;
  int shared_width_ = -1;
};

// DeepLIFT's rules and gradient×input: multipliers from one backward pass,
// then s = Σ_c m·Δx and H (docs/scoring.md).
class DeepLiftBatchScorer final : public BatchScorer {
 public:
  DeepLiftBatchScorer(const Model& model, Method method, const std::vector<int>& tasks, const BatchScorerOptions& options)
      : scorer_(model, method, tasks, DeepLiftOptions{options.profile_target}), pairs_(model.input_length()), length_(model.input_length()),
        tasks_(static_cast<int>(tasks.size())), hypothetical_(options.hypothetical) {}

  void set_shared_reference(const Matrix& reference) override {
    scorer_.set_shared_reference(reference);
    pairs_.set_shared(reference);
  }
  void score(const Matrix& windows_input, const Matrix* references, int windows, int per_window,
             PairScores& out) override {
    const int pairs = windows * per_window;
    if (references)
      scorer_.score(windows_input, *references, windows, per_window, batch_);
    else
      scorer_.score(windows_input, windows, batch_);
    const Matrix& input = pairs_.inputs(windows_input, windows, per_window);
    std::swap(out.logits, batch_.logits);
    std::swap(out.ref_logits, batch_.ref_logits);
    contribution_scores(batch_.multipliers, input, pairs_.references(references, pairs), length_, pairs, tasks_,
                        out.scores, hypothetical_ ? &out.hypothetical : nullptr);
  }
  const std::vector<std::string>& rescale_fallbacks() const override { return scorer_.rescale_fallbacks(); }

 private:
  DeepLiftScorer scorer_;
  ReferencePairs pairs_;
  int length_, tasks_;
  bool hypothetical_;
  BatchScores batch_;
};

class IntegratedGradientsBatchScorer final : public BatchScorer {
 public:
  IntegratedGradientsBatchScorer(const Model& model, const std::vector<int>& tasks, const BatchScorerOptions& options)
      : scorer_(model, tasks, options.ig_steps), pairs_(model.input_length()), length_(model.input_length()),
        tasks_(static_cast<int>(tasks.size())), hypothetical_(options.hypothetical) {}

  void set_shared_reference(const Matrix& reference) override { pairs_.set_shared(reference); }
  void score(const Matrix& windows_input, const Matrix* references, int windows, int per_window,
             PairScores& out) override {
    const int pairs = windows * per_window;
    const Matrix& pair_references = pairs_.references(references, pairs);
    scorer_.score(windows_input, pair_references, windows, per_window, batch_);
    const Matrix& input = pairs_.inputs(windows_input, windows, per_window);
    std::swap(out.logits, batch_.logits);
    std::swap(out.ref_logits, batch_.ref_logits);
    contribution_scores(batch_.multipliers, input, pair_references, length_, pairs, tasks_, out.scores,
                        hypothetical_ ? &out.hypothetical : nullptr);
  }

 private:
  IntegratedGradientsScorer scorer_;
  ReferencePairs pairs_;
  int length_, tasks_;
  bool hypothetical_;
  BatchScores batch_;
};

// In-silico mutagenesis needs no reference: every window is one "pair".
class IsmBatchScorer final : public BatchScorer {
 public:
  IsmBatchScorer(const Model& model, const std::vector<int>& tasks, const BatchScorerOptions& options)
      : scorer_(model, tasks, options.ism_batch_size), length_(model.input_length()),
        tasks_(static_cast<int>(tasks.size())), hypothetical_(options.hypothetical) {}

  bool uses_reference() const override { return false; }
  void set_shared_reference(const Matrix&) override {}
  void score(const Matrix& windows_input, const Matrix*, int windows, int, PairScores& out) override {
    scorer_.score(windows_input, windows, batch_);
    std::swap(out.logits, batch_.logits);
    out.ref_logits.resize(0, 0);
    ism_scores(batch_.multipliers, length_, windows, tasks_, out.scores, hypothetical_ ? &out.hypothetical : nullptr);
  }

 private:
  IsmScorer scorer_;
  int length_, tasks_;
  bool hypothetical_;
  BatchScores batch_;
};

}  // namespace

std::unique_ptr<BatchScorer> make_batch_scorer(const Model& model, Method method, const std::vector<int>& tasks,
                                               const BatchScorerOptions& options) {
  switch (method) {
    case Method::Ism:
      return std::make_unique<IsmBatchScorer>(model, tasks, options);
    case Method::IntegratedGradients:
      return std::make_unique<IntegratedGradientsBatchScorer>(model, tasks, options);
    default:
      return std::make_unique<DeepLiftBatchScorer>(model, method, tasks, options);
  }
}

}  // namespace deeplift
