// Synthetic score arrays for the motif tests: random one-hot sequences with
// planted patterns whose positions carry high per-position scores, plus
// Gaussian noise everywhere (the known answer the tests check against).
#pragma once
#include <random>
#include <string>
#include <vector>

#include "deeplift/motifs/score_arrays.hpp"

namespace deeplift::test {

struct PlantedInstance {
  long sequence;
  long start;  // forward-strand start
  int pattern;  // index into the patterns planted
  char strand;
};

struct SyntheticScores {
  ScoreArrays arrays;
  std::vector<PlantedInstance> planted;
};

inline std::string reverse_complement_text(const std::string& s) {
  std::string out(s.rbegin(), s.rend());
  for (char& c : out) c = c == 'A' ? 'T' : c == 'C' ? 'G' : c == 'G' ? 'C' : 'A';
  return out;
}

// Sequence n holds one instance of pattern n % (P + 1) for P patterns (on a
// random strand when both_strands, at a uniform start); every (P + 1)-th
// sequence holds none. Scores: `signal` per planted base plus N(0, noise) everywhere; the
// hypothetical contribution of every base at a planted position is `signal`
// for the planted base and -signal/3 for the others (what a model that has
// learnt the pattern reports), plus small noise.
inline SyntheticScores make_planted(long count, long length, const std::vector<std::string>& patterns,
                                    double signal, double noise, bool both_strands, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::discrete_distribution<int> base({0.3, 0.2, 0.2, 0.3});
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<int> seq(static_cast<std::size_t>(count * length));
  for (int& b : seq) b = base(rng);
  std::vector<double> score(seq.size(), 0.0), planted_signal(seq.size(), 0.0);
  SyntheticScores out;
  const long groups = static_cast<long>(patterns.size()) + 1;
  for (long n = 0; n < count; ++n) {
    const int p = static_cast<int>(n % groups);
    if (p == static_cast<int>(patterns.size())) continue;
    const std::string& pattern = patterns[p];
    const long w = static_cast<long>(pattern.size());
    std::uniform_int_distribution<long> where(0, length - w);
    const long start = where(rng);
    const char strand = both_strands && (rng() & 1) ? '-' : '+';
    const std::string text = strand == '+' ? pattern : reverse_complement_text(pattern);
    for (long j = 0; j < w; ++j) {
      const char c = text[j];
      seq[n * length + start + j] = c == 'A' ? 0 : c == 'C' ? 1 : c == 'G' ? 2 : 3;
      planted_signal[n * length + start + j] = signal;
    }
    out.planted.push_back({n, start, p, strand});
  }
  const std::size_t size = static_cast<std::size_t>(count * 4 * length);
  std::vector<float> one_hot(size, 0.0f), contrib(size, 0.0f), hyp(size, 0.0f);
  for (long n = 0; n < count; ++n)
    for (long l = 0; l < length; ++l) {
      const std::size_t at = static_cast<std::size_t>(n * length + l);
      const double s = planted_signal[at] + noise * gauss(rng);
      for (int c = 0; c < 4; ++c) {
        const std::size_t k = static_cast<std::size_t>((n * 4 + c) * length + l);
        const bool observed = seq[at] == c;
        one_hot[k] = observed ? 1.0f : 0.0f;
        contrib[k] = observed ? static_cast<float>(s) : 0.0f;
        const double h = observed ? s : -planted_signal[at] / 3 + 0.1 * noise * gauss(rng);
        hyp[k] = static_cast<float>(h);
      }
    }
  out.arrays = make_score_arrays(count, length, std::move(one_hot), std::move(contrib), std::move(hyp));
  return out;
}

// The bases of sequence n at [start, start + width) read on `strand`
// ('N' outside the sequence or where the one-hot column is empty).
inline std::string oriented_bases(const ScoreArrays& a, long n, long start, long width, char strand) {
  std::string out;
  for (long j = 0; j < width; ++j) {
    const long pos = strand == '+' ? start + j : start + width - 1 - j;
    char letter = 'N';
    if (pos >= 0 && pos < a.length)
      for (int c = 0; c < 4; ++c)
        if (a.one_hot[a.index(n, c, pos)] > 0.5f) letter = "ACGT"[strand == '+' ? c : 3 - c];
    out += letter;
  }
  return out;
}

}  // namespace deeplift::test
