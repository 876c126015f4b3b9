#include "deeplift/scoring/windows.hpp"

namespace deeplift {

std::vector<long> window_starts(long record_length, int window_length, int stride) {
  std::vector<long> starts;
  long start = 0;
  for (; start + window_length <= record_length; start += stride) starts.push_back(start);
  const long last = record_length - window_length;
  if (!starts.empty() && starts.back() != last) starts.push_back(last);
  return starts;
}

}  // namespace deeplift
