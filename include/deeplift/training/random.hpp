// Seeded randomness for training that is the same on every platform:
// std::mt19937_64's output is fixed by the standard, but the std
// distributions (uniform_int_distribution, shuffle, ...) are
// implementation-defined, so they are written here on top of the raw engine.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace deeplift {

// An independent seed for stream `stream` of a run seeded with `seed`
// (SplitMix64 finaliser), so initialisation and shuffling do not share a
// sequence and adding draws to one does not shift the other.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // Uniform on {0, ..., n-1}, unbiased (rejects the top 2^64 mod n values).
  uint64_t below(uint64_t n);
  // Uniform on [low, high) from the top 24 bits of one draw (exact in float).
  float uniform(float low, float high);
  // Fisher–Yates shuffle.
  void shuffle(std::vector<int>& items);

 private:
  std::mt19937_64 engine_;
};

}  // namespace deeplift
