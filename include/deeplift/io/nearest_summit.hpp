// The nearest-summit rule for per-base tracks of peak windows that overlap
// (docs/outputs.md, "Coordinates"; docs/decisions.md): each base takes the
// value of the window, among those covering it, whose summit is nearest;
// at equal distance the window with the larger summit coordinate; among
// windows with the same summit (hence the same window), the first given.
//
// A window is [summit − ⌊L/2⌋, summit − ⌊L/2⌋ + L). Because it extends at
// least as far to the left of its summit as to the right, the nearest summit
// (ties to the larger) always covers a base that any window covers, so each
// window's share is its window cut to the midpoints with its neighbouring
// summits: computed from the sorted summits alone.
#pragma once
#include <vector>

namespace deeplift {

// Half-open [begin, end) on a chromosome; empty when begin >= end.
struct BaseRange {
  long begin = 0;
  long end = 0;
  bool empty() const { return begin >= end; }
};

// For the windows of length `window_length` around `summits` (positions on
// one chromosome, in any order), the bases each window owns: element i is
// the share of summit i's window. The shares are disjoint and together cover
// every base that some window covers.
std::vector<BaseRange> nearest_summit_ranges(const std::vector<long>& summits, long window_length);

}  // namespace deeplift
