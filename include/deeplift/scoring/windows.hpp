// How a record is cut into windows of the model's input length (docs/outputs.md).
#pragma once
#include <vector>

namespace deeplift {

// Starts of the windows of a record of `record_length` bases: 0, stride,
// 2·stride, … while the window fits, plus one window ending exactly at the
// record end if the last one stops short. The record must be at least
// `window_length` long.
std::vector<long> window_starts(long record_length, int window_length, int stride);

}  // namespace deeplift
