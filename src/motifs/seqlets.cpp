#include "deeplift/motifs/seqlets.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// numpy.percentile's default (linear interpolation) on sorted values.
double percentile(const std::vector<double>& sorted, double q) {
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const std::size_t below = static_cast<std::size_t>(std::floor(h));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (h - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

// The mode of the window sums: the peak of a Gaussian kernel density
// estimate with bandwidth a quarter of the robust spread (IQR / 1.349),
// evaluated on a fine grid of binned counts. tfmodisco-lite takes the
// fullest of 1000 histogram bins (twice); with ~10^5 windows that bin
// wanders by +-0.4 sd from run to run (the top of a density is flat), and
// every p-value moves with it. The smoothed peak is stable, and unlike the
// median it is not dragged towards the motif windows.
double density_mode(const std::vector<double>& sorted) {
  const double spread = (percentile(sorted, 0.75) - percentile(sorted, 0.25)) / 1.349;
  if (!(spread > 0.0)) return percentile(sorted, 0.5);
  const double bandwidth = spread / 4;
  const double step = bandwidth / 8;
  const double lo = percentile(sorted, 0.005), hi = percentile(sorted, 0.995);
  const int bins = static_cast<int>(std::ceil((hi - lo) / step)) + 1;
  std::vector<double> counts(bins, 0.0);
  for (double v : sorted)
    if (v >= lo && v <= hi) counts[static_cast<int>((v - lo) / step)] += 1.0;
  constexpr int kReach = 32;  // kernel truncated at 4 bandwidths (8 bins each)
  std::vector<double> kernel(2 * kReach + 1);
  for (int k = -kReach; k <= kReach; ++k) kernel[k + kReach] = std::exp(-0.5 * (k / 8.0) * (k / 8.0));
  std::vector<double> density(bins, 0.0);
  for (int i = 0; i < bins; ++i)
    for (int k = -kReach; k <= kReach; ++k)
      if (i + k >= 0 && i + k < bins) density[i] += kernel[k + kReach] * counts[i + k];
  const int peak = static_cast<int>(std::max_element(density.begin(), density.end()) - density.begin());
  double offset = 0.0;  // parabola through the peak and its neighbours
  if (peak > 0 && peak + 1 < bins) {
    const double a = density[peak - 1], b = density[peak], c = density[peak + 1];
    if (a - 2 * b + c < 0.0) offset = 0.5 * (a - c) / (a - 2 * b + c);
  }
  return lo + (peak + 0.5 + offset) * step;
}


// Laplace scale of one side from its deviations |S - mu| (TF-MoDISco's fit:
// for a Laplace tail the q-quantile of the deviation is -b ln(1 - q); the
// smallest b over q = 5%..95% is the "most aggressive" one). Windows that
// sit exactly at the centre carry no information on the spread and are left
// out, so a large block of zero-score windows (N padding) cannot force b to 0.
double laplace_scale(std::vector<double> deviations) {
  deviations.erase(std::remove(deviations.begin(), deviations.end(), 0.0), deviations.end());
  if (deviations.empty()) return 0.0;
  std::sort(deviations.begin(), deviations.end());
  double scale = kInf;
  for (int k = 1; k <= 19; ++k) {
    const double q = 0.05 * k;
    scale = std::min(scale, percentile(deviations, q) / -std::log1p(-q));
  }
  return scale;
}

struct Window {
  long sequence;
  long start;
  double sum;
  double log_p;  // natural log of the one-sided p-value in the window's own tail
  int sign;      // +1 or -1: which tail
};

// ln P(null beyond `deviation` on a side with scale b holding fraction f).
double tail_log_p(double deviation, double scale, double fraction) {
  if (deviation <= 0.0) return 0.0;
  if (scale <= 0.0) return -kInf;
  return std::min(0.0, std::log(fraction) - deviation / scale);
}

}  // namespace

std::vector<double> window_sums(const float* track, long length, int window) {
  std::vector<double> sums;
  if (length < window) return sums;
  sums.resize(static_cast<std::size_t>(length - window + 1));
  double running = 0.0;
  for (long l = 0; l < window; ++l) running += track[l];
  sums[0] = running;
  for (long i = 1; i + window <= length; ++i) {
    running += static_cast<double>(track[i + window - 1]) - track[i - 1];
    sums[i] = running;
  }
  return sums;
}

SeqletCalls call_seqlets(const float* scores, long count, long length, const SeqletOptions& options) {
  if (options.window < 1) throw std::invalid_argument("seqlet window must be at least 1");
  if (!(options.fdr > 0.0 && options.fdr < 1.0)) throw std::invalid_argument("FDR must be in (0, 1)");
  const int W = options.window;
  SeqletCalls calls;
  calls.null.threshold_pos = kInf;
  calls.null.threshold_neg = -kInf;
  if (count == 0) return calls;
  if (length < W)
    throw InputError("sequences are " + std::to_string(length) + " bp long, shorter than the seqlet window (" +
                     std::to_string(W) + ")");

  // Window sums of every sequence; windows made only of zero scores (N
  // padding, docs/outputs.md: contrib is 0 at N) are neither tested nor fitted.
  const long per_sequence = length - W + 1;
  std::vector<Window> windows;
  windows.reserve(static_cast<std::size_t>(count * per_sequence));
  std::vector<long> nonzero_prefix(static_cast<std::size_t>(length) + 1);
  for (long n = 0; n < count; ++n) {
    const float* track = scores + n * length;
    for (long l = 0; l < length; ++l) nonzero_prefix[l + 1] = nonzero_prefix[l] + (track[l] != 0.0f);
    const std::vector<double> sums = window_sums(track, length, W);
    for (long i = 0; i < per_sequence; ++i)
      if (nonzero_prefix[i + W] > nonzero_prefix[i]) windows.push_back({n, i, sums[i], 0.0, 1});
  }
  calls.null.windows = static_cast<long>(windows.size());
  if (windows.empty()) return calls;

  std::vector<double> sums(windows.size());
  for (std::size_t k = 0; k < windows.size(); ++k) sums[k] = windows[k].sum;
  std::sort(sums.begin(), sums.end());
  const double mu = density_mode(sums);
  std::vector<double> above, below;
  for (double s : sums) (s >= mu ? above : below).push_back(std::fabs(s - mu));
  SeqletNull& null = calls.null;
  null.center = mu;
  null.frac_pos = static_cast<double>(above.size()) / static_cast<double>(sums.size());
  null.scale_pos = laplace_scale(std::move(above));
  null.scale_neg = laplace_scale(std::move(below));
  // The narrower side describes the background (see the header); a side with
  // no spread at all (every window on it equal to mu) says nothing.
  const double scale = null.scale_pos > 0.0 && null.scale_neg > 0.0 ? std::min(null.scale_pos, null.scale_neg)
                                                                     : std::max(null.scale_pos, null.scale_neg);

  // One test per window and tail; each window's smaller p-value is the one
  // that can pass (the other tail's p is ~1 and never does).
  std::vector<double> log_p;
  log_p.reserve(windows.size() * (options.negative ? 2 : 1));
  for (Window& w : windows) {
    const double up = tail_log_p(w.sum - mu, scale, null.frac_pos);
    const double down = tail_log_p(mu - w.sum, scale, 1.0 - null.frac_pos);
    if (options.negative && down < up) {
      w.log_p = down;
      w.sign = -1;
    } else {
      w.log_p = up;
    }
    log_p.push_back(w.log_p);
    if (options.negative) log_p.push_back(w.sign > 0 ? down : up);
  }

  // Benjamini-Hochberg: the largest k with p_(k) <= fdr * k / m.
  std::sort(log_p.begin(), log_p.end());
  const double m = static_cast<double>(log_p.size());
  double cutoff = -kInf;
  bool any = false;
  for (std::size_t k = log_p.size(); k-- > 0;) {
    if (log_p[k] <= std::log(options.fdr * static_cast<double>(k + 1) / m)) {
      cutoff = log_p[k];
      any = true;
      break;
    }
  }
  if (!any) return calls;

  // Greedy non-overlapping selection within each sequence, most significant
  // first (ties, e.g. when a scale is 0, by distance from the centre).
  std::vector<const Window*> passing;
  for (const Window& w : windows)
    if (w.log_p <= cutoff) passing.push_back(&w);
  std::stable_sort(passing.begin(), passing.end(), [mu](const Window* a, const Window* b) {
    if (a->sequence != b->sequence) return a->sequence < b->sequence;
    if (a->log_p != b->log_p) return a->log_p < b->log_p;
    return std::fabs(a->sum - mu) > std::fabs(b->sum - mu);
  });
  std::vector<char> taken(static_cast<std::size_t>(length), 0);
  long current = -1;
  for (const Window* w : passing) {
    if (w->sign > 0)
      null.threshold_pos = std::min(null.threshold_pos, w->sum);
    else
      null.threshold_neg = std::max(null.threshold_neg, w->sum);
    if (w->sequence != current) {
      std::fill(taken.begin(), taken.end(), 0);
      current = w->sequence;
    }
    if (std::any_of(taken.begin() + w->start, taken.begin() + w->start + W, [](char t) { return t != 0; })) continue;
    std::fill(taken.begin() + w->start, taken.begin() + w->start + W, 1);
    calls.seqlets.push_back({w->sequence, w->start, w->start + W, '+', w->sum});
  }
  std::sort(calls.seqlets.begin(), calls.seqlets.end(), [](const Seqlet& a, const Seqlet& b) {
    return a.sequence != b.sequence ? a.sequence < b.sequence : a.start < b.start;
  });
  return calls;
}

}  // namespace deeplift
