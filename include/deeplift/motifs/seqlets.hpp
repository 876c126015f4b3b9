// Seqlet calling: the windows of a per-position score track whose summed
// score is extreme (TF-MoDISco, Shrikumar et al. 2018, arXiv:1811.00416;
// tfmodisco-lite's extract_seqlets.py).
//
//   1. Sliding-window sums S[n][i] = s[n][i] + ... + s[n][i+W-1] of every
//      sequence's per-position scores s (docs/scoring.md: the sum over channels of
//      the contributions).
//   2. Null: a Laplace distribution fitted to the window sums themselves, as
//      TF-MoDISco does: centre mu = the mode (of a kernel density estimate;
//      TF-MoDISco's two-level histogram wanders too much), and for
//      each side of mu a scale b = min over the 5th..95th percentiles q of
//      that side's |S - mu| of percentile / -ln(1 - q) (TF-MoDISco's "most
//      aggressive" rate). The bulk of the windows hold no motif, so the fit
//      describes the sequences' own background, including its
//      autocorrelation, which a position-shuffled null would miss.
//      TF-MoDISco tests each side against its own fit; here both tails use
//      the smaller of the two scales, because the side that holds the motifs
//      is widened by them: with motifs in most sequences (as in the
//      GATA/TAL1 simulation) an own-side fit can push the threshold past the
//      motifs themselves, while the other side still shows the background.
//   3. p-value of a window: P(null >= S) = f+ exp(-(S - mu)/b),
//      f+ the fraction of windows at or above mu (and the mirror image for
//      negative calls).
//   4. Benjamini-Hochberg over every window (both tails when negative calls
//      are asked for) at the target false-discovery rate. Overlapping
//      windows share terms and are positively dependent, under which BH
//      still controls the FDR (Benjamini & Yekutieli 2001). The rate is over
//      windows and holds as far as the fitted Laplace describes the
//      background; its exponential tail is heavier than that of a sum of
//      many independent scores, which errs on the safe side. (TF-MoDISco
//      instead thresholds an isotonic regression of real against sampled
//      null values, default target 0.2.)
//   5. In each sequence, greedily take the most significant passing window
//      and drop every passing window that overlaps it, until none is left.
#pragma once
#include <vector>

namespace deeplift {

// Every default lives here once; find-motifs --help prints them from it.
struct SeqletOptions {
  int window = 21;         // W, bases summed per window (TF-MoDISco: 21 in the original, 20 in -lite)
  double fdr = 0.05;       // Benjamini-Hochberg false-discovery rate over windows
  bool negative = false;   // also call windows with an extreme negative sum
};

struct Seqlet {
  long sequence = 0;    // row of the (N, 4, L) score arrays
  long start = 0;       // 0-based, half-open [start, end)
  long end = 0;
  char strand = '+';    // as called; clustering finds each seqlet's orientation
  double score = 0.0;   // summed per-position score over [start, end)
};

// The fitted null and the thresholds it implies, for reporting.
struct SeqletNull {
  long windows = 0;         // window sums the null was fitted to
  double center = 0.0;      // mu
  double scale_pos = 0.0;   // Laplace scale fitted above mu
  double scale_neg = 0.0;   // and below; the null uses the smaller (0: every window beyond mu is significant)
  double frac_pos = 0.0;    // fraction of windows >= mu
  double threshold_pos = 0.0;  // smallest window sum called (+infinity: none)
  double threshold_neg = 0.0;  // largest window sum called negative (-infinity: none)
};

struct SeqletCalls {
  std::vector<Seqlet> seqlets;  // by sequence, then start
  SeqletNull null;
};

// `scores` holds `count` tracks of `length` per-position scores, one after
// the other. Throws InputError when length < options.window, std::invalid_argument
// for a window < 1 or an FDR outside (0, 1).
SeqletCalls call_seqlets(const float* scores, long count, long length, const SeqletOptions& options);

// The window sums of one track: length - window + 1 values (in double, so
// that long windows of small scores do not lose precision).
std::vector<double> window_sums(const float* track, long length, int window);

}  // namespace deeplift
