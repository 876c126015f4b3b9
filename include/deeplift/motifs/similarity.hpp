// Motif-to-motif similarity in the manner of Tomtom (Gupta, Stamatoyannopoulos,
// Bailey & Noble 2007, Genome Biology 8:R24) with its Pearson column score:
// the Pearson correlation of two columns' letter probabilities, averaged over
// the aligned columns, maximised over every offset that leaves at least a
// minimum overlap and over both orientations of the target. Tomtom turns the
// score into a p-value against the target database; ranking a handful of
// known motifs needs only the score, which is 1 for identical columns and
// falls towards 0 (or below) for unrelated ones.
#pragma once
#include <string>
#include <vector>

#include "deeplift/motifs/pwm.hpp"

namespace deeplift {

struct MotifMatch {
  double similarity = 0.0;  // mean column Pearson r over the overlap, in [-1, 1]
  // Column of the oriented target that the query's first column aligns to;
  // negative when the query starts before the target.
  int offset = 0;
  char strand = '+';        // '-': the target was reverse-complemented
  int overlap = 0;          // aligned columns
};

// Pearson correlation of two columns (4 letters). A constant column has no
// defined correlation: two constant columns score 1 (they are equal, each
// summing to 1), a constant against a varying one scores 0.
double column_pearson(const LetterProbs& a, const LetterProbs& b);

// The reverse complement: rows reversed, A<->T and C<->G swapped.
Pwm reverse_complement(const Pwm& pwm);

inline constexpr int kDefaultMinOverlap = 5;

// Best alignment of `query` against `target` and its reverse complement.
// The overlap must be at least min(min_overlap, query width, target width)
// columns. Ties go to '+', then to the longer overlap. Throws
// std::invalid_argument for an empty motif.
MotifMatch compare_motifs(const Pwm& query, const Pwm& target, int min_overlap = kDefaultMinOverlap);

struct KnownMatch {
  std::string name;  // empty when there are no known motifs
  MotifMatch match;
};

// The known motif most similar to `query` (first in file order on ties).
KnownMatch best_known_match(const Pwm& query, const std::vector<Pwm>& known, int min_overlap = kDefaultMinOverlap);

}  // namespace deeplift
