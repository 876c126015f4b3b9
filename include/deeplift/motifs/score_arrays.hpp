// The per-base scores of one task as score-seqs writes them (docs/outputs.md):
// PREFIX.ohe.npz, PREFIX.<task>.contrib.npz and PREFIX.<task>.hyp.npz, each a
// float32 (N, 4, L) array in C order, rows A, C, G, T.
#pragma once
#include <string>
#include <vector>

namespace deeplift {

struct ScoreArrays {
  long count = 0;   // N scored windows
  long length = 0;  // L bases each
  // Element (n, c, l) of each array is at index (n * 4 + c) * length + l.
  std::vector<float> one_hot;
  std::vector<float> contrib;  // one-hot ⊙ per-position score
  std::vector<float> hyp;      // hypothetical contributions (docs/scoring.md)

  std::size_t index(long n, int c, long l) const {
    return static_cast<std::size_t>((n * 4 + c) * length + l);
  }
  // s[n][l] = sum over c of contrib(n, c, l): count tracks of length values.
  std::vector<float> per_position_scores() const;
};

// Reads and cross-checks the three files. Throws IoError/FormatError from
// the npz reader, and FormatError naming the file when an array is not
// (N, 4, L) or its shape differs from PREFIX.ohe.npz's.
ScoreArrays read_score_arrays(const std::string& prefix, const std::string& task);

// Builds arrays in memory (tests, other tools). Throws std::invalid_argument
// when a vector's size is not count * 4 * length.
ScoreArrays make_score_arrays(long count, long length, std::vector<float> one_hot, std::vector<float> contrib,
                              std::vector<float> hyp);

}  // namespace deeplift
