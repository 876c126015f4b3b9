#include "deeplift/layers/maxpool1d.hpp"

#include <algorithm>
#include <vector>

#include "deeplift/layers/conv1d.hpp"
#include "packet_select.hpp"

namespace deeplift {

PoolGeometry PoolGeometry::from_config(const LayerConfig& config, Shape& output) {
  PoolGeometry geometry;
  geometry.kernel_size = config.positive_integer("kernel_size");
  geometry.stride = config.positive_integer("stride", geometry.kernel_size);  // docs/model-format.md default
  const Shape input = config.input();
  const int length = valid_output_length(input.length, geometry.kernel_size, geometry.stride, 1);
  if (length <= 0)
    config.fail("pool of size " + std::to_string(geometry.kernel_size) + " does not fit an input of length " +
                std::to_string(input.length));
  output = Shape{input.channels, length};
  return geometry;
}

MaxPool1d::MaxPool1d(std::string name, Shape input, Shape output, PoolGeometry geometry)
    : Layer("maxpool1d", std::move(name), input, output), geometry_(geometry) {}

std::unique_ptr<Layer> MaxPool1d::create(const LayerConfig& config) {
  Shape output;
  const PoolGeometry geometry = PoolGeometry::from_config(config, output);
  return std::make_unique<MaxPool1d>(config.name(), config.input(), output, geometry);
}

void MaxPool1d::forward_impl(const Matrix& input, Matrix& output, int count) const {
  const int lin = input_shape().length, lout = output_shape().length;
  for (int n = 0; n < count; ++n)
    for (int o = 0; o < lout; ++o)
      output.col(static_cast<long>(n) * lout + o) =
          input.middleCols(static_cast<long>(n) * lin + static_cast<long>(o) * geometry_.stride, geometry_.kernel_size)
              .rowwise()
              .maxCoeff();
}

namespace {

// first[c] for every channel c of one window: the offset j of the first
// position holding the channel's maximum (strict >, as PyTorch's argmax
// routing). `window` points at the window's first column ([C] floats per
// position); the channels are scanned side by side, a packet at a time,
// choosing with compare+blend (packet_select.hpp): the same offsets as the
// scalar loop.
void first_maxima(const float* window, int channels, int kernel_size, std::vector<int>& first) {
  namespace ei = Eigen::internal;
  using detail::FloatPacket;
  first.resize(channels);
  int c = 0;
  for (; c + detail::kFloatPacket <= channels; c += detail::kFloatPacket) {
    auto best_value = ei::ploadu<FloatPacket>(window + c);
    auto best = ei::pzero(best_value);  // offsets as floats: exact below 2^24
    for (int j = 1; j < kernel_size; ++j) {
      const auto value = ei::ploadu<FloatPacket>(window + static_cast<long>(j) * channels + c);
      const auto greater = ei::pcmp_lt(best_value, value);
      best_value = ei::pselect(greater, value, best_value);
      best = ei::pselect(greater, ei::pset1<FloatPacket>(static_cast<float>(j)), best);
    }
    alignas(64) float offsets[detail::kFloatPacket];
    ei::pstoreu(offsets, best);
    for (long i = 0; i < detail::kFloatPacket; ++i) first[c + i] = static_cast<int>(offsets[i]);
  }
  for (; c < channels; ++c) {
    int best = 0;
    float best_value = window[c];
    for (int j = 1; j < kernel_size; ++j) {
      const float value = window[static_cast<long>(j) * channels + c];
      if (value > best_value) {
        best_value = value;
        best = j;
      }
    }
    first[c] = best;
  }
}

}  // namespace

void MaxPool1d::backward_impl(const LayerTrace& trace, NonlinearRule, const Multipliers& out,
                              Multipliers& in) const {
  require_unsplit(out);
  const int channels = input_shape().channels, lin = input_shape().length, lout = output_shape().length;
  const int count = trace.count, tasks = trace.tasks;
  const long in_block = static_cast<long>(channels) * lin * count;    // one task's input multipliers
  const long out_block = static_cast<long>(channels) * lout * count;  // one task's output multipliers
  // Disjoint windows credit every input element at most once, so the input
  // multipliers can be a list of elements with their values (Multipliers'
  // sparse form) instead of a zeroed matrix with one entry per window and
  // channel.
  const bool sparse = trace.sparse_input_multipliers && geometry_.stride >= geometry_.kernel_size;
  thread_local std::vector<int> first;
  const float* m = out.positive.data();
  if (!sparse) {
    in.positive.setZero(channels, static_cast<long>(lin) * count * tasks);
    float* target = in.positive.data();
    for (int n = 0; n < count; ++n)
      for (int o = 0; o < lout; ++o) {
        const long start = static_cast<long>(n) * lin + static_cast<long>(o) * geometry_.stride;  // column
        first_maxima(trace.input.data() + start * channels, channels, geometry_.kernel_size, first);
        const long source = (static_cast<long>(n) * lout + o) * channels;  // output element of channel 0
        for (int t = 0; t < tasks; ++t)
          for (int c = 0; c < channels; ++c)
            target[t * in_block + (start + first[c]) * channels + c] += m[t * out_block + source + c];
      }
    return;
  }
  // (input element, output element) pairs in ascending order of the input
  // element: each window's are sorted (by position, then channel) and the
  // windows follow one another. Elements whose multiplier is 0 for every
  // task are left out (the list may omit zeros).
  thread_local std::vector<std::pair<long, long>> routes, window_routes;
  routes.clear();
  for (int n = 0; n < count; ++n)
    for (int o = 0; o < lout; ++o) {
      const long start = static_cast<long>(n) * lin + static_cast<long>(o) * geometry_.stride;
      first_maxima(trace.input.data() + start * channels, channels, geometry_.kernel_size, first);
      const long source = (static_cast<long>(n) * lout + o) * channels;
      window_routes.clear();
      for (int c = 0; c < channels; ++c) {
        bool any = false;
        for (int t = 0; t < tasks && !any; ++t) any = m[t * out_block + source + c] != 0.0f;
        if (any) window_routes.emplace_back((start + first[c]) * channels + c, source + c);
      }
      std::sort(window_routes.begin(), window_routes.end());
      routes.insert(routes.end(), window_routes.begin(), window_routes.end());
    }
  const long listed = static_cast<long>(routes.size());
  in.sparse = true;
  in.active.resize(listed);
  in.positive.resize(listed, tasks);
  for (long i = 0; i < listed; ++i) in.active[i] = routes[i].first;
  for (int t = 0; t < tasks; ++t) {
    float* values = in.positive.col(t).data();
    for (long i = 0; i < listed; ++i) values[i] = m[t * out_block + routes[i].second];
  }
}

}  // namespace deeplift
