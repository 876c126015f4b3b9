// One interface for every scoring method: a batch of (window, reference)
// pairs in, logits and per-position scores (and, when asked, hypothetical
// contributions) out (docs/scoring.md). The pipeline (window_scorer.hpp)
// never branches on the method; make_batch_scorer() is the one place that
// does.
//
// One scorer per thread: it owns its workspaces, which are reused batch
// after batch.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "deeplift/model/model.hpp"
#include "deeplift/scoring/method.hpp"
#include "deeplift/scoring/profile_target.hpp"

namespace deeplift {

// Scores of `pairs` (window, reference) pairs for `tasks` selected tasks.
struct PairScores {
  Matrix logits;        // [all tasks, windows]: the scored targets of the windows themselves (docs/outputs.md)
  Matrix ref_logits;    // [all tasks, pairs]; empty for methods without a reference
  Matrix scores;        // [L, pairs*tasks], task-major: column t*pairs + p
  Matrix hypothetical;  // [4, L*pairs*tasks], task-major blocks of L columns; only when asked
};

struct BatchScorerOptions {
  int ig_steps = 10;              // integrated-gradients path points
  int ism_batch_size = 128;       // mutants per forward pass
  bool hypothetical = false;      // fill PairScores::hypothetical
  ProfileTarget profile_target = ProfileTarget::BpnetLite;  // profile tasks under DeepLIFT
};

class BatchScorer {
 public:
  virtual ~BatchScorer() = default;

  // Whether the method compares against a reference (all but ism).
  virtual bool uses_reference() const { return true; }
  // A reference used for every pair ([4, L]); methods that can, run its
  // forward pass here, once.
  virtual void set_shared_reference(const Matrix& reference) = 0;
  // Scores `windows` one-hot windows ([4, L*windows]), each against
  // `per_window` references: `references` is [4, L*windows*per_window],
  // window n's k-th reference at column block n*per_window + k, or null to
  // use the shared reference. Pair n*per_window + k is window n with its
  // k-th reference. Each window's own forward pass runs once, whatever K.
  virtual void score(const Matrix& windows_input, const Matrix* references, int windows, int per_window,
                     PairScores& out) = 0;
  // Elementwise layers whose RevealCancel rule had no Δ split to use and
  // fell back to Rescale (docs/graph-models.md); empty for other methods.
  virtual const std::vector<std::string>& rescale_fallbacks() const {
    static const std::vector<std::string> none;
    return none;
  }
};

// The scorer of `method` for the selected `tasks` (indices into model.tasks()).
std::unique_ptr<BatchScorer> make_batch_scorer(const Model& model, Method method, const std::vector<int>& tasks,
                                               const BatchScorerOptions& options);

}  // namespace deeplift
