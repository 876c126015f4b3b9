// Scores of whole windows: each window against its references (one shared
// reference, or K of its own), the per-pair results of the method's
// BatchScorer averaged over the K references (docs/scoring.md, "References").
// score-seqs and the Python module both score through this, batch by batch,
// so the two give the same numbers bit for bit.
#pragma once
#include <memory>
#include <vector>

#include "deeplift/model/model.hpp"
#include "deeplift/scoring/batch_scorer.hpp"
#include "deeplift/scoring/method.hpp"

namespace deeplift {

struct ScoringSettings {
  Method method = Method::RevealCancel;
  std::vector<int> tasks;          // indices into model.tasks(), in output order
  int ig_steps = 10;
  int references_per_window = 1;   // K; 1 for a shared reference and for ism
  bool hypothetical = false;       // also compute hypothetical contributions
  int ism_batch_size = 128;
  ProfileTarget profile_target = ProfileTarget::BpnetLite;  // profile tasks under DeepLIFT
};

// Results of `count` windows, window-major so that one window's rows of
// every task are adjacent (what the outputs write window by window).
struct WindowResults {
  Matrix logits;        // [all tasks, count]
  Matrix ref_logits;    // [all tasks, count], mean over the window's references; empty without reference
  Matrix scores;        // [L, count*tasks]: column w*tasks + t
  Matrix hypothetical;  // [4, L*count*tasks]: block w*tasks + t of L columns; only when asked
};

// Sizes `out` for `count` windows: `logit_rows` rows of logits (and of
// ref_logits when the method takes a reference), `tasks` scored tasks of
// `length` positions, hypothetical contributions when asked.
void resize_window_results(WindowResults& out, long count, long logit_rows, long length, long tasks,
                           bool has_reference, bool hypothetical);

// A window's K references are scored in groups when all K at once would take
// more than this many bytes of workspace (scoring_batch.hpp's estimate): a
// BPNet window with 20 shuffles needs ~35 MB per reference. The window's own
// forward pass then runs once per group instead of once.
constexpr long kReferenceGroupBytes = 512L << 20;

class WindowScorer {
 public:
  // `shared_reference` ([4, L]) is used for every window when given; then
  // settings.references_per_window must be 1.
  // `group_bytes` is kReferenceGroupBytes but in tests.
  WindowScorer(const Model& model, const ScoringSettings& settings, const Matrix* shared_reference,
               long group_bytes = kReferenceGroupBytes);

  // Scores `count` windows ([4, L*count]) into columns [first, first+count)
  // of `out` (which the caller sized with resize_results). `references` is
  // [4, L*count*K] (window n's k-th reference at column block n*K + k), or
  // null with a shared reference or a method that takes none.
  void score(const Matrix& input, const Matrix* references, int count, WindowResults& out, long first);

  // Sizes `out` for `count` windows.
  void resize_results(WindowResults& out, long count) const;

  bool uses_reference() const { return scorer_->uses_reference(); }
  const std::vector<std::string>& rescale_fallbacks() const { return scorer_->rescale_fallbacks(); }

 private:
  // One window at a time, its references in groups of at most
  // group_references_ (when a window's K references at once would not fit
  // kReferenceGroupBytes).
  void score_in_groups(const Matrix& input, const Matrix& references, int count, WindowResults& out, long first);

  const Model& model_;
  ScoringSettings settings_;
  int length_, tasks_, per_window_;
  int group_references_;  // references scored together (all K unless memory says fewer)
  Matrix window_input_, group_reference_matrix_;
  std::unique_ptr<BatchScorer> scorer_;
  PairScores pairs_;
};

}  // namespace deeplift
