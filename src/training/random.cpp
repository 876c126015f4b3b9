#include "deeplift/training/random.hpp"

#include <utility>

namespace deeplift {

uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + (stream + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Random::below(uint64_t n) {
  // 2^64 mod n: draws under it would make small residues more likely.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    const uint64_t x = engine_();
    if (x >= threshold) return x % n;
  }
}

float Random::uniform(float low, float high) {
  const float unit = static_cast<float>(engine_() >> 40) * (1.0f / 16777216.0f);  // [0, 1), 2^-24 steps
  return low + (high - low) * unit;
}

void Random::shuffle(std::vector<int>& items) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
}

}  // namespace deeplift
