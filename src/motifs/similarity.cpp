#include "deeplift/motifs/similarity.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace deeplift {

double column_pearson(const LetterProbs& a, const LetterProbs& b) {
  double mean_a = 0.0, mean_b = 0.0;
  for (int k = 0; k < 4; ++k) {
    mean_a += a[k] / 4;
    mean_b += b[k] / 4;
  }
  double cov = 0.0, var_a = 0.0, var_b = 0.0;
  for (int k = 0; k < 4; ++k) {
    cov += (a[k] - mean_a) * (b[k] - mean_b);
    var_a += (a[k] - mean_a) * (a[k] - mean_a);
    var_b += (b[k] - mean_b) * (b[k] - mean_b);
  }
  constexpr double kFlat = 1e-12;
  if (var_a < kFlat || var_b < kFlat) return var_a < kFlat && var_b < kFlat ? 1.0 : 0.0;
  return std::clamp(cov / std::sqrt(var_a * var_b), -1.0, 1.0);
}

Pwm reverse_complement(const Pwm& pwm) {
  Pwm out = pwm;
  const std::size_t w = pwm.width();
  for (std::size_t i = 0; i < w; ++i)
    for (int b = 0; b < 4; ++b) out.rows[i][b] = pwm.rows[w - 1 - i][3 - b];  // ACGT: complement of b is 3 - b
  return out;
}

MotifMatch compare_motifs(const Pwm& query, const Pwm& target, int min_overlap) {
  const int wq = static_cast<int>(query.width());
  const int wt = static_cast<int>(target.width());
  if (wq == 0 || wt == 0) throw std::invalid_argument("compare_motifs: empty motif");
  const int need = std::max(1, std::min({min_overlap, wq, wt}));
  MotifMatch best;
  best.similarity = -2.0;
  const Pwm reversed = reverse_complement(target);
  for (char strand : {'+', '-'}) {
    const Pwm& t = strand == '+' ? target : reversed;
    // Query column i sits on target column i + offset.
    for (int offset = need - wq; offset <= wt - need; ++offset) {
      const int first = std::max(0, -offset);
      const int last = std::min(wq, wt - offset);  // exclusive
      const int overlap = last - first;
      if (overlap < need) continue;
      double sum = 0.0;
      for (int i = first; i < last; ++i) sum += column_pearson(query.rows[i], t.rows[i + offset]);
      const double similarity = sum / overlap;
      constexpr double kTie = 1e-12;
      if (similarity > best.similarity + kTie ||
          (std::fabs(similarity - best.similarity) <= kTie && overlap > best.overlap)) {
        best = {similarity, offset, strand, overlap};
      }
    }
  }
  return best;
}

KnownMatch best_known_match(const Pwm& query, const std::vector<Pwm>& known, int min_overlap) {
  KnownMatch best;
  bool any = false;
  for (const Pwm& target : known) {
    const MotifMatch match = compare_motifs(query, target, min_overlap);
    if (!any || match.similarity > best.match.similarity) {
      best = {target.name, match};
      any = true;
    }
  }
  return best;
}

}  // namespace deeplift
