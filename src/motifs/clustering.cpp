#include "deeplift/motifs/clustering.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#ifdef __AVX__
#include <immintrin.h>
#endif

namespace deeplift {

double continuous_jaccard(const float* a, const float* b, std::size_t n) {
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = std::fabs(a[i]), y = std::fabs(b[i]);
    const double low = std::min(x, y);
    num += (a[i] * b[i] < 0.0f) ? -low : low;
    den += std::max(x, y);
  }
  return den > 0.0 ? num / den : 0.0;
}

namespace {

// Features of one column: contribution of A, C, G, T, then hypothetical
// contribution of A, C, G, T.
constexpr int kRows = 8;

struct Alignment {
  double similarity = -2.0;
  long start = 0;
  char strand = '+';
};

struct Cluster {
  std::vector<MotifMember> members;
  std::vector<float> sum;    // members' normalised features, summed (kRows x W)
  std::vector<float> proto;  // sum, normalised
  double weight = 0.0;       // sum of |seqlet score| over members (tie-break in ranking)
};

// Writes the 4 channels of `array` (one of the ScoreArrays) for sequence n
// at [start, start + width) read on `strand` into out[j * stride + offset + c];
// bases outside the sequence are 0. On '-' column j is base start + width - 1 - j and channel
// c is the complement's (3 - c in ACGT order).
void extract(const ScoreArrays& arrays, const std::vector<float>& array, long n, long start, int width, char strand,
             float* out, int stride, int offset) {
  for (int j = 0; j < width; ++j) {
    const long pos = strand == '+' ? start + j : start + width - 1 - j;
    const bool inside = pos >= 0 && pos < arrays.length;
    for (int c = 0; c < 4; ++c) {
      const int channel = strand == '+' ? c : 3 - c;
      out[j * stride + offset + c] = inside ? array[arrays.index(n, channel, pos)] : 0.0f;
    }
  }
}

void extract_features(const ScoreArrays& arrays, long n, long start, int width, char strand, float* out) {
  extract(arrays, arrays.contrib, n, start, width, strand, out, kRows, 0);
  extract(arrays, arrays.hyp, n, start, width, strand, out, kRows, 4);
}

// Each track (contributions, hypothetical contributions) to L1 norm 1, as
// TF-MoDISco normalises each track of a seqlet before comparing.
void normalise(float* features, int width) {
  double norm[2] = {0.0, 0.0};
  for (int j = 0; j < width; ++j)
    for (int r = 0; r < kRows; ++r) norm[r / 4] += std::fabs(features[j * kRows + r]);
  for (int j = 0; j < width; ++j)
    for (int r = 0; r < kRows; ++r) {
      const double n = norm[r / 4];
      features[j * kRows + r] = n > 0.0 ? static_cast<float>(features[j * kRows + r] / n) : 0.0f;
    }
}

// Numerator and denominator of the continuous Jaccard of `columns` feature
// columns x and y, y's contribution rows scaled by scale_c and its
// hypothetical rows by scale_h. This is the inner loop of the clustering
// (every seqlet x every prototype x every shift and strand); a column is
// 8 floats, one AVX register.
void jaccard_terms(const float* x, const float* y, float scale_c, float scale_h, int columns, float& num, float& den) {
#ifdef __AVX__
  const __m256 scale = _mm256_setr_ps(scale_c, scale_c, scale_c, scale_c, scale_h, scale_h, scale_h, scale_h);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 nums = _mm256_setzero_ps(), dens = _mm256_setzero_ps();
  for (int j = 0; j < columns; ++j) {
    const __m256 a = _mm256_loadu_ps(x + j * kRows);
    const __m256 b = _mm256_mul_ps(_mm256_loadu_ps(y + j * kRows), scale);
    const __m256 abs_a = _mm256_andnot_ps(sign, a), abs_b = _mm256_andnot_ps(sign, b);
    // min(|a|,|b|) carries the sign of a*b: the XOR of the two sign bits
    // (when either is 0 the minimum is 0 and its sign does not matter).
    const __m256 signed_low = _mm256_xor_ps(_mm256_min_ps(abs_a, abs_b), _mm256_and_ps(_mm256_xor_ps(a, b), sign));
    nums = _mm256_add_ps(nums, signed_low);
    dens = _mm256_add_ps(dens, _mm256_max_ps(abs_a, abs_b));
  }
  alignas(32) float n[8], d[8];
  _mm256_store_ps(n, nums);
  _mm256_store_ps(d, dens);
  num = ((n[0] + n[1]) + (n[2] + n[3])) + ((n[4] + n[5]) + (n[6] + n[7]));
  den = ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]));
#else
  float nums[kRows] = {}, dens[kRows] = {};
  for (int j = 0; j < columns; ++j)
    for (int r = 0; r < kRows; ++r) {
      const float a = x[j * kRows + r];
      const float b = y[j * kRows + r] * (r < 4 ? scale_c : scale_h);
      const float low = std::min(std::fabs(a), std::fabs(b));
      nums[r] += (a * b < 0.0f) ? -low : low;
      dens[r] += std::max(std::fabs(a), std::fabs(b));
    }
  num = ((nums[0] + nums[1]) + (nums[2] + nums[3])) + ((nums[4] + nums[5]) + (nums[6] + nums[7]));
  den = ((dens[0] + dens[1]) + (dens[2] + dens[3])) + ((dens[4] + dens[5]) + (dens[6] + dens[7]));
#endif
}

// Reverse complement of a feature matrix: columns reversed, A<->T, C<->G.
std::vector<float> reverse_features(const std::vector<float>& f, int width) {
  std::vector<float> out(f.size());
  for (int j = 0; j < width; ++j)
    for (int r = 0; r < kRows; ++r) out[j * kRows + r] = f[(width - 1 - j) * kRows + (r / 4) * 4 + 3 - r % 4];
  return out;
}

// Jaccard of two frames of `width` columns with b shifted by `shift`
// columns (b's column j on a's column j + shift). Entries outside the
// overlap count against the similarity through the denominator, as when
// TF-MoDISco pads with zeros: they add their |value| (the other side's being
// 0), i.e. the part of each L1 norm (`norm_a`, `norm_b`) not in the overlap.
double padded_jaccard(const float* a, double norm_a, const float* b, double norm_b, int width, int shift) {
  const int lo = std::max(0, shift), hi = std::min(width, width + shift);
  const float* x = a + lo * kRows;
  const float* y = b + (lo - shift) * kRows;
  const int n = std::max(0, hi - lo) * kRows;
  float num = 0.0f, den = 0.0f, in_a = 0.0f, in_b = 0.0f;
#pragma omp simd reduction(+ : num, den, in_a, in_b)
  for (int e = 0; e < n; ++e) {
    const float ax = std::fabs(x[e]), ay = std::fabs(y[e]);
    const float low = std::min(ax, ay);
    num += (x[e] * y[e] < 0.0f) ? -low : low;
    den += std::max(ax, ay);
    in_a += ax;
    in_b += ay;
  }
  const double total = den + std::max(0.0, norm_a - in_a) + std::max(0.0, norm_b - in_b);
  return total > 0.0 ? num / total : 0.0;
}

double l1_norm(const std::vector<float>& f) {
  double sum = 0.0;
  for (float v : f) sum += std::fabs(v);
  return sum;
}

class Clusterer {
 public:
  Clusterer(const ScoreArrays& arrays, const std::vector<Seqlet>& seqlets, const ClusterOptions& options)
      : arrays_(arrays), seqlets_(seqlets), options_(options) {
    width_ = static_cast<int>(seqlets.front().end - seqlets.front().start);
    shift_ = options.max_shift >= 0 ? options.max_shift : width_ / 2;
    span_ = width_ + 2 * shift_;
    for (const Seqlet& s : seqlets) {
      if (s.end - s.start != width_) throw std::invalid_argument("cluster_seqlets: seqlets differ in width");
      if (s.sequence < 0 || s.sequence >= arrays.count || s.start < 0 || s.end > arrays.length)
        throw std::invalid_argument("cluster_seqlets: seqlet outside the score arrays");
    }
    // Each seqlet's neighbourhood (its window widened by the shift on both
    // sides) on both strands, with running L1 norms of the two tracks so any
    // shifted window is normalised in O(1).
    const std::size_t n = seqlets.size();
    windows_.assign(n * 2 * span_ * kRows, 0.0f);
    norms_.assign(n * 2 * (span_ + 1) * 2, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
      for (int s = 0; s < 2; ++s) {
        float* w = window(i, s);
        extract_features(arrays, seqlets[i].sequence, seqlets[i].start - shift_, span_, s == 0 ? '+' : '-', w);
        float* prefix = norms(i, s);
        for (int j = 0; j < span_; ++j) {
          float c = 0.0f, h = 0.0f;
          for (int r = 0; r < 4; ++r) {
            c += std::fabs(w[j * kRows + r]);
            h += std::fabs(w[j * kRows + 4 + r]);
          }
          prefix[2 * (j + 1)] = prefix[2 * j] + c;
          prefix[2 * (j + 1) + 1] = prefix[2 * j + 1] + h;
        }
      }
    }
  }

  std::vector<Motif> run() {
    seed();
    drop_small();
    merge();
    for (int round = 0; round < options_.rounds; ++round) {
      reassign();
      merge();
    }
    return finish();
  }

 private:
  float* window(std::size_t i, int strand) { return windows_.data() + (i * 2 + strand) * span_ * kRows; }
  const float* window(std::size_t i, int strand) const {
    return windows_.data() + (i * 2 + strand) * span_ * kRows;
  }
  float* norms(std::size_t i, int strand) { return norms_.data() + (i * 2 + strand) * (span_ + 1) * 2; }
  const float* norms(std::size_t i, int strand) const {
    return norms_.data() + (i * 2 + strand) * (span_ + 1) * 2;
  }

  // Best placement of seqlet i against a prototype: every shift on both strands.
  Alignment align(std::size_t i, const std::vector<float>& proto) const {
    Alignment best;
    const float* p = proto.data();
    for (int s = 0; s < 2; ++s) {
      const float* w = window(i, s);
      const float* prefix = norms(i, s);
      for (int k = 0; k <= 2 * shift_; ++k) {
        const float nc = prefix[2 * (k + width_)] - prefix[2 * k];
        const float nh = prefix[2 * (k + width_) + 1] - prefix[2 * k + 1];
        const float scale_c = nc > 0.0f ? 1.0f / nc : 0.0f, scale_h = nh > 0.0f ? 1.0f / nh : 0.0f;
        float num = 0.0f, den = 0.0f;
        jaccard_terms(p, w + k * kRows, scale_c, scale_h, width_, num, den);
        const double similarity = den > 0.0f ? num / den : 0.0;
        if (similarity > best.similarity) {
          best.similarity = similarity;
          best.strand = s == 0 ? '+' : '-';
          // Shift k of the '+' neighbourhood starts at start - shift + k; on
          // '-' the neighbourhood is reversed, so it starts at start + shift - k.
          best.start = s == 0 ? seqlets_[i].start - shift_ + k : seqlets_[i].start + shift_ - k;
        }
      }
    }
    return best;
  }

  MotifMember member(std::size_t i, const Alignment& a) const {
    return {i, seqlets_[i].sequence, a.start, a.strand, a.similarity};
  }

  void add(Cluster& cluster, const MotifMember& m) {
    std::vector<float> f(static_cast<std::size_t>(width_) * kRows);
    extract_features(arrays_, m.sequence, m.start, width_, m.strand, f.data());
    normalise(f.data(), width_);
    if (cluster.sum.empty()) cluster.sum.assign(f.size(), 0.0f);
    for (std::size_t k = 0; k < f.size(); ++k) cluster.sum[k] += f[k];
    cluster.proto = cluster.sum;
    normalise(cluster.proto.data(), width_);
    cluster.members.push_back(m);
    cluster.weight += std::fabs(seqlets_[m.seqlet].score);
  }

  void rebuild(Cluster& cluster) {
    std::vector<MotifMember> members;
    members.swap(cluster.members);
    std::sort(members.begin(), members.end(),
              [](const MotifMember& a, const MotifMember& b) { return a.seqlet < b.seqlet; });
    cluster.sum.clear();
    cluster.weight = 0.0;
    for (const MotifMember& m : members) add(cluster, m);
  }

  // Moves the frame so that the prototype's contribution mass is centred:
  // a seed window rarely has its motif in the middle, and a centred
  // prototype leaves the most room for shifted seqlets to align.
  void recentre(Cluster& cluster) {
    std::vector<float> importance(width_, 0.0f);
    for (int j = 0; j < width_; ++j)
      for (int r = 0; r < 4; ++r) importance[j] += std::fabs(cluster.proto[j * kRows + r]);
    std::vector<float> sorted = importance;
    std::nth_element(sorted.begin(), sorted.begin() + width_ / 2, sorted.end());
    const float floor = sorted[width_ / 2];  // the noise level, so flat background does not pull to the middle
    double mass = 0.0, moment = 0.0;
    for (int j = 0; j < width_; ++j) {
      const double excess = std::max(0.0f, importance[j] - floor);
      mass += excess;
      moment += excess * j;
    }
    if (mass <= 0.0) return;
    const long delta = std::lround(moment / mass - (width_ - 1) / 2.0);
    if (delta == 0) return;
    for (MotifMember& m : cluster.members) m.start += m.strand == '+' ? delta : -delta;
    rebuild(cluster);
  }

  // Strongest seqlets first: each joins the best prototype or starts a cluster.
  void seed() {
    std::vector<std::size_t> order(seqlets_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
      return std::fabs(seqlets_[a].score) > std::fabs(seqlets_[b].score);
    });
    order.resize(std::min<std::size_t>(order.size(), static_cast<std::size_t>(std::max(1, options_.seed_seqlets))));
    for (std::size_t i : order) {
      Alignment best;
      int owner = -1;
      for (std::size_t c = 0; c < clusters_.size(); ++c) {
        const Alignment a = align(i, clusters_[c].proto);
        if (a.similarity > best.similarity) {
          best = a;
          owner = static_cast<int>(c);
        }
      }
      if (owner >= 0 && best.similarity >= options_.seed_similarity) {
        add(clusters_[owner], member(i, best));
      } else if (static_cast<int>(clusters_.size()) < options_.max_clusters) {
        clusters_.emplace_back();
        add(clusters_.back(), {i, seqlets_[i].sequence, seqlets_[i].start, '+', 1.0});
        recentre(clusters_.back());
      }
    }
  }

  // Every seqlet to its most similar prototype, or to none.
  void reassign() {
    const long n = static_cast<long>(seqlets_.size());
    std::vector<Alignment> best(n);
    std::vector<int> owner(n, -1);
#pragma omp parallel for schedule(dynamic, 64)
    for (long i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < clusters_.size(); ++c) {
        const Alignment a = align(static_cast<std::size_t>(i), clusters_[c].proto);
        if (a.similarity > best[i].similarity) {
          best[i] = a;
          owner[i] = static_cast<int>(c);
        }
      }
    }
    std::vector<Cluster> next(clusters_.size());
    for (long i = 0; i < n; ++i)
      if (owner[i] >= 0 && best[i].similarity >= options_.join_similarity)
        next[owner[i]].members.push_back(member(static_cast<std::size_t>(i), best[i]));
    clusters_.clear();
    for (Cluster& c : next) {
      if (c.members.empty()) continue;
      rebuild(c);
      recentre(c);
      clusters_.push_back(std::move(c));
    }
    drop_small();
  }

  // A cluster that attracts nothing beyond its own seed is noise (unless
  // single-seqlet motifs were asked for); dropping it early also keeps the
  // number of prototypes every seqlet is compared with small.
  void drop_small() {
    if (options_.min_seqlets < 2) return;
    clusters_.erase(std::remove_if(clusters_.begin(), clusters_.end(),
                                   [](const Cluster& c) { return c.members.size() < 2; }),
                    clusters_.end());
  }

  // A prototype reduced to its informative core: columns whose contribution
  // falls below trim_fraction of the largest are zeroed (TF-MoDISco compares
  // trimmed patterns when merging), so the averaged-out noise of the flanks
  // does not decide whether two clusters hold the same motif. Both
  // orientations are kept for the comparisons.
  struct Core {
    std::vector<float> forward, reverse;
    double norm = 0.0;
  };

  Core core(const std::vector<float>& proto) const {
    std::vector<float> importance(width_, 0.0f);
    for (int j = 0; j < width_; ++j)
      for (int r = 0; r < 4; ++r) importance[j] += std::fabs(proto[j * kRows + r]);
    const float cut = static_cast<float>(options_.trim_fraction) * *std::max_element(importance.begin(), importance.end());
    Core out;
    out.forward = proto;
    for (int j = 0; j < width_; ++j)
      if (importance[j] < cut) std::fill(out.forward.begin() + j * kRows, out.forward.begin() + (j + 1) * kRows, 0.0f);
    normalise(out.forward.data(), width_);
    out.reverse = reverse_features(out.forward, width_);
    out.norm = l1_norm(out.forward);
    return out;
  }

  double core_similarity(const Core& a, const Core& b) const {
    double best = -2.0;
    for (int shift = -shift_; shift <= shift_; ++shift)
      best = std::max({best, padded_jaccard(a.forward.data(), a.norm, b.forward.data(), b.norm, width_, shift),
                       padded_jaccard(a.forward.data(), a.norm, b.reverse.data(), b.norm, width_, shift)});
    return best;
  }

  // Merges the most similar pair of prototypes while it reaches
  // merge_similarity; the smaller cluster's seqlets are re-aligned to the larger.
  void merge() {
    const std::size_t k = clusters_.size();
    std::vector<Core> cores(k);
    for (std::size_t c = 0; c < k; ++c) cores[c] = core(clusters_[c].proto);
    std::vector<std::vector<double>> sim(k, std::vector<double>(k, -2.0));
#pragma omp parallel for schedule(dynamic, 1)
    for (long a = 0; a < static_cast<long>(k); ++a)
      for (std::size_t b = a + 1; b < k; ++b) sim[a][b] = core_similarity(cores[a], cores[b]);
    std::vector<bool> alive(k, true);
    while (true) {
      double best = -2.0;
      std::size_t x = 0, y = 0;
      for (std::size_t a = 0; a < k; ++a)
        for (std::size_t b = a + 1; b < k; ++b)
          if (alive[a] && alive[b] && sim[a][b] > best) {
            best = sim[a][b];
            x = a;
            y = b;
          }
      if (best < options_.merge_similarity) break;
      if (clusters_[y].members.size() > clusters_[x].members.size()) std::swap(x, y);
      Cluster& big = clusters_[x];
      for (const MotifMember& m : clusters_[y].members) big.members.push_back(member(m.seqlet, align(m.seqlet, big.proto)));
      clusters_[y].members.clear();
      alive[y] = false;
      rebuild(big);
      recentre(big);
      cores[x] = core(big.proto);
      for (std::size_t other = 0; other < k; ++other) {
        if (other == x || !alive[other]) continue;
        sim[std::min(x, other)][std::max(x, other)] = core_similarity(cores[std::min(x, other)], cores[std::max(x, other)]);
      }
    }
    std::vector<Cluster> kept;
    for (std::size_t c = 0; c < k; ++c)
      if (alive[c]) kept.push_back(std::move(clusters_[c]));
    clusters_.swap(kept);
  }

  // Averages a cluster over a frame widened by the shift on each side, then
  // trims it to its informative core.
  Motif summarise(const Cluster& cluster) const {
    const int flank = shift_;
    const int span = width_ + 2 * flank;
    std::vector<double> contrib(span * 4, 0.0), hyp(span * 4, 0.0), counts(span * 4, 0.0);
    std::vector<float> buffer(span * 4);
    for (const MotifMember& m : cluster.members) {
      const long first = m.start - flank;
      extract(arrays_, arrays_.contrib, m.sequence, first, span, m.strand, buffer.data(), 4, 0);
      for (int k = 0; k < span * 4; ++k) contrib[k] += buffer[k];
      extract(arrays_, arrays_.hyp, m.sequence, first, span, m.strand, buffer.data(), 4, 0);
      for (int k = 0; k < span * 4; ++k) hyp[k] += buffer[k];
      extract(arrays_, arrays_.one_hot, m.sequence, first, span, m.strand, buffer.data(), 4, 0);
      for (int k = 0; k < span * 4; ++k) counts[k] += buffer[k];
    }
    const double members = static_cast<double>(cluster.members.size());
    std::vector<double> importance(span, 0.0);
    for (int j = 0; j < span; ++j)
      for (int c = 0; c < 4; ++c) importance[j] += std::fabs(contrib[j * 4 + c]) / members;
    const double peak = *std::max_element(importance.begin(), importance.end());
    int first = 0, last = span - 1;
    if (peak > 0.0) {
      const double cut = options_.trim_fraction * peak;
      while (importance[first] < cut) ++first;
      while (importance[last] < cut) --last;
    }

    Motif motif;
    for (int j = first; j <= last; ++j) {
      LetterProbs cwm{}, hyp_cwm{}, ppm{};
      double covered = 0.0;
      for (int c = 0; c < 4; ++c) {
        cwm[c] = contrib[j * 4 + c] / members;
        hyp_cwm[c] = hyp[j * 4 + c] / members;
        covered += counts[j * 4 + c];
      }
      for (int c = 0; c < 4; ++c) ppm[c] = covered > 0.0 ? counts[j * 4 + c] / covered : 0.25;
      motif.cwm.push_back(cwm);
      motif.hyp_cwm.push_back(hyp_cwm);
      motif.ppm.rows.push_back(ppm);
      motif.coverage.push_back(std::lround(covered));
    }
    // Re-express each member in the trimmed frame (see MotifMember).
    for (MotifMember m : cluster.members) {
      m.start = m.strand == '+' ? m.start - flank + first : m.start - flank + (span - 1 - last);
      motif.members.push_back(m);
    }
    return motif;
  }

  std::vector<Motif> finish() const {
    std::vector<const Cluster*> ranked;
    for (const Cluster& c : clusters_)
      if (static_cast<long>(c.members.size()) >= options_.min_seqlets) ranked.push_back(&c);
    std::stable_sort(ranked.begin(), ranked.end(), [](const Cluster* a, const Cluster* b) {
      if (a->members.size() != b->members.size()) return a->members.size() > b->members.size();
      return a->weight > b->weight;
    });
    if (options_.max_motifs >= 0 && ranked.size() > static_cast<std::size_t>(options_.max_motifs))
      ranked.resize(options_.max_motifs);
    std::vector<Motif> motifs;
    for (const Cluster* c : ranked) motifs.push_back(summarise(*c));
    return motifs;
  }

  const ScoreArrays& arrays_;
  const std::vector<Seqlet>& seqlets_;
  const ClusterOptions& options_;
  int width_ = 0, shift_ = 0, span_ = 0;
  std::vector<float> windows_;
  std::vector<float> norms_;
  std::vector<Cluster> clusters_;
};

}  // namespace

std::vector<Motif> cluster_seqlets(const ScoreArrays& arrays, const std::vector<Seqlet>& seqlets,
                                   const ClusterOptions& options) {
  if (seqlets.empty()) return {};
  return Clusterer(arrays, seqlets, options).run();
}

}  // namespace deeplift
