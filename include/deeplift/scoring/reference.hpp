// References to score against (docs/scoring.md (encoding, references)).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

#include "deeplift/tensor.hpp"

namespace deeplift {

struct ReferenceSpec {
  enum class Kind { Gc, GcAuto, Frequencies, Shuffle, Zeros, Npz };
  Kind kind = Kind::Gc;
  std::array<float, 4> frequencies{0.3f, 0.2f, 0.2f, 0.3f};  // A C G T, for Gc and Frequencies
  int shuffles = 0;                                       // K, for Shuffle
  uint64_t seed = 0;                                      // for Shuffle
  std::string path;                                       // for Npz: the user's references

  // "gc:F", "gc:auto", "freqs:a,c,g,t", "shuffle:K[,seed]", "zeros", "npz:FILE";
  // throws UsageError explaining the accepted forms.
  static ReferenceSpec parse(const std::string& text);

  // The same reference for every sequence: run forward once per run.
  bool shared() const { return kind == Kind::Gc || kind == Kind::Frequencies || kind == Kind::Zeros; }
  // References per window; for Npz it is known once the file is read (ReferenceArray).
  int per_sequence() const { return kind == Kind::Shuffle ? shuffles : 1; }
};

// References a user brings (--reference npz:FILE, docs/scoring.md): array
// arr_0 of an .npz, float32, shape (N, K, 4, L) — window n's K references,
// for the N scored windows in input order — or (K, 4, L), the same K for
// every window. Held in memory.
class ReferenceArray {
 public:
  // Throws IoError/FormatError naming the file; FormatError when the shape
  // is not one of the two above with L == `length`, or a value is not finite.
  static ReferenceArray read(const std::string& path, int length);

  int per_window() const { return per_window_; }
  // Windows it holds references for; −1 when shared by every window.
  long windows() const { return windows_; }
  // Writes window `window`'s k-th reference into `out` ([4, L] column-major).
  // Throws InputError when the file holds fewer windows than are scored.
  void fill(long window, int k, float* out) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int length_ = 0, per_window_ = 0;
  long windows_ = -1;
  std::vector<float> values_;  // C order, as in the file
};

// Fills `out` (a [4, window.size()] block, 4 floats per position) with the
// reference for one scored window. `index` is the k-th of per_sequence()
// references of the window identified by `window_key` (seeds shuffles; a
// hash of record name and window start, so results depend neither on
// threads, batching nor sharding). Throws InputError for an
// all-N window under gc:auto (`where` names it).
void make_reference(const ReferenceSpec& spec, std::string_view window, uint64_t window_key, int index,
                    float* out, const std::string& where);

// A stable (FNV-1a) key for a window: record name and start.
uint64_t window_key(const std::string& record, long start);

}  // namespace deeplift
