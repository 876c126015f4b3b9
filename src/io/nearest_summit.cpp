#include "deeplift/io/nearest_summit.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace deeplift {

namespace {

// The first base nearer to `right` than to `left` (left < right), a base
// exactly between them counting as nearer to `right`: ⌈(left + right)/2⌉.
long midpoint_split(long left, long right) {
  const long sum = left + right;
  return sum >= 0 ? (sum + 1) / 2 : -((-sum) / 2);
}

}  // namespace

std::vector<BaseRange> nearest_summit_ranges(const std::vector<long>& summits, long window_length) {
  const size_t count = summits.size();
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  // Stable: among equal summits the first given comes first and owns the bases.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return summits[a] < summits[b]; });
  std::vector<BaseRange> ranges(count);  // empty unless set below
  const long left_flank = window_length / 2;
  long previous = 0;
  bool has_previous = false;
  for (size_t k = 0; k < count;) {
    const long summit = summits[order[k]];
    size_t next = k + 1;
    while (next < count && summits[order[next]] == summit) ++next;  // same summit: owns nothing
    const long low = has_previous ? midpoint_split(previous, summit) : std::numeric_limits<long>::min();
    const long high = next < count ? midpoint_split(summit, summits[order[next]]) : std::numeric_limits<long>::max();
    const long window_start = summit - left_flank;
    BaseRange& range = ranges[order[k]];
    range.begin = std::max(low, window_start);
    range.end = std::min(high, window_start + window_length);
    if (range.empty()) range = BaseRange{};
    previous = summit;
    has_previous = true;
    k = next;
  }
  return ranges;
}

}  // namespace deeplift
