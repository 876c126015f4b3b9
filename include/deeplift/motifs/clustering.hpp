// From seqlets to motifs: strand-aware alignment of seqlets and clustering
// into motifs, after TF-MoDISco (Shrikumar et al. 2018, arXiv:1811.00416).
//
// Each seqlet is represented by its contribution and hypothetical-
// contribution matrices (8 x W), each of the two tracks scaled to L1 norm 1
// as TF-MoDISco does so that both weigh equally. Two such matrices are
// compared with TF-MoDISco's continuous Jaccard similarity,
//   sum min(|a|,|b|) sign(a) sign(b) / sum max(|a|,|b|),
// maximised over shifts of up to max_shift bases and over the reverse
// complement (rows A<->T, C<->G and columns reversed).
//
// TF-MoDISco builds a similarity graph of all seqlet pairs and runs Leiden on
// it; with tens of thousands of seqlets that is quadratic. Here clusters grow
// around prototypes instead (linear in the seqlets):
//   1. seeding: the strongest seqlets (by |summed score|), strongest first,
//      each join the most similar prototype if the similarity reaches
//      seed_similarity, else start a new cluster. The bar is high so that
//      motifs sharing a few letters (GATAAG and CAGATG share GAT) do not
//      mix before their prototypes have formed; clusters that split one
//      motif are merged in step 2;
//   2. refinement rounds: every seqlet is re-aligned to every prototype and
//      assigned to the best one (or none below join_similarity); prototypes
//      are re-averaged and re-centred on their contribution mass; clusters
//      whose prototypes align with similarity >= merge_similarity are merged
//      (TF-MoDISco's redundant-pattern merging; prototypes are compared on
//      their trimmed cores so averaged-out flank noise does not count);
//   3. clusters with fewer than min_seqlets members are dropped; the others
//      are ranked by size. Each motif's matrices are averaged over its
//      aligned seqlets in a frame widened by max_shift on each side, then
//      trimmed to the span of columns whose total |contribution| reaches
//      trim_fraction of the largest column's (TF-MoDISco's trim_threshold).
#pragma once
#include <vector>

#include "deeplift/motifs/score_arrays.hpp"
#include "deeplift/motifs/seqlets.hpp"
#include "deeplift/motifs/pwm.hpp"

namespace deeplift {

struct ClusterOptions {
  int max_shift = -1;              // alignment shift each way; -1: half the seqlet width
  double seed_similarity = 0.5;    // while seeding, a seqlet less similar than this to every prototype starts a cluster
  double join_similarity = 0.3;    // seqlet-to-prototype Jaccard needed to stay in a cluster after seeding
  double merge_similarity = 0.5;   // Jaccard of two prototypes' trimmed cores that merges the clusters
  int seed_seqlets = 2000;         // strongest seqlets used to seed clusters
  int max_clusters = 64;           // clusters open at once while seeding
  int rounds = 4;                  // refinement rounds
  int min_seqlets = 20;            // smallest cluster reported as a motif
  int max_motifs = 10;             // most motifs reported (largest first)
  double trim_fraction = 0.3;      // keep columns with |contribution| >= this x the largest
};

// One seqlet's place in a motif: motif column j is base start + j of the
// sequence on strand '+', or the complement of base start + width - 1 - j on '-'.
struct MotifMember {
  std::size_t seqlet = 0;   // index into the seqlets given to cluster_seqlets
  long sequence = 0;
  long start = 0;           // may be < 0 or run past the end: such columns are missing
  char strand = '+';
  double similarity = 0.0;  // to the motif's prototype when last assigned
};

struct Motif {
  std::vector<MotifMember> members;  // by seqlet index
  // Letter frequencies of the aligned seqlets' bases; a column no member
  // covers (all past sequence ends, or N) is uniform.
  Pwm ppm;
  std::vector<LetterProbs> cwm;      // mean contribution per column and base (the CWM)
  std::vector<LetterProbs> hyp_cwm;  // mean hypothetical contribution
  std::vector<long> coverage;        // members with a called base (A/C/G/T) in each column
};

// Seqlets must all be of the same width and, for meaningful motifs, of one
// sign (find-motifs clusters positive and negative seqlets separately).
// Throws std::invalid_argument for seqlets of different widths or outside
// the arrays.
std::vector<Motif> cluster_seqlets(const ScoreArrays& arrays, const std::vector<Seqlet>& seqlets,
                                   const ClusterOptions& options);

// TF-MoDISco's continuous Jaccard similarity of two equally sized arrays
// (1 for identical non-zero arrays, 0 when either is all zero).
double continuous_jaccard(const float* a, const float* b, std::size_t n);

}  // namespace deeplift
