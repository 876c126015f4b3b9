#include "deeplift/scoring/dinucleotide_shuffle.hpp"

#include <array>
#include <cctype>
#include <vector>

namespace deeplift {

uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  // Rejection of the top partial range keeps it exactly uniform.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value;
  do value = rng(); while (value >= limit);
  return value % bound;
}

std::string dinucleotide_shuffle(std::string_view sequence, std::mt19937_64& rng) {
  std::string upper(sequence);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const size_t n = upper.size();
  if (n <= 2) return upper;

  // Letters become vertices, each dinucleotide an edge; the shuffle is a
  // random Eulerian path from the first letter to the last.
  std::array<int, 256> vertex_of;
  vertex_of.fill(-1);
  std::vector<char> letters;
  for (char c : upper) {
    auto& v = vertex_of[static_cast<unsigned char>(c)];
    if (v < 0) {
      v = static_cast<int>(letters.size());
      letters.push_back(c);
    }
  }
  const int vertices = static_cast<int>(letters.size());
  std::vector<std::vector<int>> edges(vertices);
  for (size_t i = 0; i + 1 < n; ++i)
    edges[vertex_of[static_cast<unsigned char>(upper[i])]].push_back(vertex_of[static_cast<unsigned char>(upper[i + 1])]);
  const int last = vertex_of[static_cast<unsigned char>(upper[n - 1])];

  // Every vertex but the last leaves by a "last exit" edge; the exits must
  // form a tree into the final vertex (otherwise the walk gets stuck). Draw
  // each uniformly among the vertex's edges and redraw until they do
  // (Altschul & Erickson's procedure; the alphabet is tiny so this is quick).
  std::vector<int> exit_index(vertices, -1);
  for (;;) {
    for (int v = 0; v < vertices; ++v)
      if (v != last && !edges[v].empty())
        exit_index[v] = static_cast<int>(uniform_below(rng, edges[v].size()));
    bool tree = true;
    for (int v = 0; v < vertices && tree; ++v) {
      if (v == last || edges[v].empty()) continue;
      int u = v;
      for (int steps = 0; u != last; ++steps) {
        if (steps > vertices) {
          tree = false;
          break;
        }
        u = edges[u][exit_index[u]];
      }
    }
    if (tree) break;
  }

  // Shuffle the other edges of each vertex (Fisher–Yates), last exit at the end.
  for (int v = 0; v < vertices; ++v) {
    auto& list = edges[v];
    if (list.empty()) continue;
    if (v != last) std::swap(list[exit_index[v]], list.back());
    const size_t shuffled = v != last ? list.size() - 1 : list.size();
    for (size_t i = shuffled; i > 1; --i) std::swap(list[i - 1], list[uniform_below(rng, i)]);
  }

  std::string result;
  result.reserve(n);
  std::vector<size_t> next(vertices, 0);
  int current = vertex_of[static_cast<unsigned char>(upper[0])];
  result.push_back(letters[current]);
  for (size_t i = 1; i < n; ++i) {
    current = edges[current][next[current]++];
    result.push_back(letters[current]);
  }
  return result;
}

}  // namespace deeplift
