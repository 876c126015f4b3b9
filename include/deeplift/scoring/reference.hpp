// References to score against (docs/scoring.md (encoding, references)).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "deeplift/tensor.hpp"

namespace deeplift {

struct ReferenceSpec {
  enum class Kind { Gc, GcAuto, Frequencies, Shuffle, Zeros };
  Kind kind = Kind::Gc;
  std::array<float, 4> frequencies{0.3f, 0.2f, 0.2f, 0.3f};  // A C G T, for Gc and Frequencies
  int shuffles = 0;                                       // K, for Shuffle
  uint64_t seed = 0;                                      // for Shuffle

  // "gc:F", "gc:auto", "freqs:a,c,g,t", "shuffle:K[,seed]", "zeros";
  // throws UsageError explaining the accepted forms.
  static ReferenceSpec parse(const std::string& text);

  // The same reference for every sequence: run forward once per run.
  bool shared() const { return kind == Kind::Gc || kind == Kind::Frequencies || kind == Kind::Zeros; }
  int per_sequence() const { return kind == Kind::Shuffle ? shuffles : 1; }
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
