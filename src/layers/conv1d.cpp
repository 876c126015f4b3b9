#include "deeplift/layers/conv1d.hpp"

#include <algorithm>
#include <cstring>

#include "deeplift/layers/linear_rule.hpp"

namespace deeplift {

int valid_output_length(int length, int kernel_size, int stride, int dilation) {
  const long span = static_cast<long>(kernel_size - 1) * dilation + 1;
  if (length < span) return 0;
  return static_cast<int>((length - span) / stride + 1);
}

int same_total_padding(int length, int kernel_size, int stride, int dilation) {
  const long out = (length + stride - 1) / stride;  // ceil(L / s)
  const long total = (out - 1) * stride + static_cast<long>(kernel_size - 1) * dilation + 1 - length;
  return static_cast<int>(std::max(total, 0L));
}

Conv1d::Conv1d(std::string name, Shape input, Shape output, Geometry geometry, Matrix weight, Vector bias)
    : Layer("conv1d", std::move(name), input, output),
      geometry_(geometry),
      weight_(std::move(weight)),
      bias_(std::move(bias)) {
  derive_cached_weights();
}

void Conv1d::derive_cached_weights() {
  weight_positive_ = positive_part(weight_);
  weight_negative_ = negative_part(weight_);
  weight_abs_ = weight_.cwiseAbs();
  weight_t_ = weight_.transpose();
  weight_positive_t_ = weight_positive_.transpose();
  weight_negative_t_ = weight_negative_.transpose();
}

namespace {

long count_nonzero(const float* values, long size) {
  return (Eigen::Map<const Eigen::ArrayXf>(values, size) != 0.0f).count();
}

// Whether any of `n` floats is non-zero (vectorised; most columns behind a
// max pool are entirely zero and are skipped whole).
bool any_nonzero(const float* values, long n) {
  return (Eigen::Map<const Eigen::ArrayXf>(values, n) != 0.0f).any();
}

}  // namespace

std::unique_ptr<Layer> Conv1d::create(const LayerConfig& config) {
  const Shape input = config.input();
  const int in_channels = config.positive_integer("in_channels");
  const int out_channels = config.positive_integer("out_channels");
  Geometry geometry;
  geometry.kernel_size = config.positive_integer("kernel_size");
  geometry.stride = config.positive_integer("stride", 1);
  geometry.dilation = config.positive_integer("dilation", 1);
  const std::string padding = config.text("padding", "valid");
  if (in_channels != input.channels)
    config.fail("in_channels is " + std::to_string(in_channels) + " but the previous layer gives " +
                std::to_string(input.channels) + " channels");
  int total_padding = 0;
  if (padding == "same") {
    total_padding = same_total_padding(input.length, geometry.kernel_size, geometry.stride, geometry.dilation);
  } else if (padding != "valid") {
    config.fail("padding \"" + padding + "\" is not \"valid\" or \"same\"");
  }
  geometry.pad_left = total_padding / 2;
  const int out_length =
      valid_output_length(input.length + total_padding, geometry.kernel_size, geometry.stride, geometry.dilation);
  if (out_length <= 0)
    config.fail("kernel of size " + std::to_string(geometry.kernel_size) + " (dilation " +
                std::to_string(geometry.dilation) + ") does not fit an input of length " + std::to_string(input.length));

  const int k = geometry.kernel_size;
  const auto weight = config.tensor("weight", {out_channels, in_channels, k});
  const auto bias = config.tensor("bias", {out_channels});
  Matrix w(out_channels, static_cast<long>(k) * in_channels);
  for (int o = 0; o < out_channels; ++o)
    for (int c = 0; c < in_channels; ++c)
      for (int j = 0; j < k; ++j)
        w(o, static_cast<long>(j) * in_channels + c) = weight.values[(static_cast<size_t>(o) * in_channels + c) * k + j];
  Vector b = Eigen::Map<const Vector>(bias.values.data(), out_channels);
  return std::make_unique<Conv1d>(config.name(), input, Shape{out_channels, out_length}, geometry, std::move(w),
                                  std::move(b));
}

std::vector<ParameterBlock> Conv1d::parameters() {
  const long fan_in = weight_.cols();  // in_channels · kernel_size, as PyTorch's fan-in
  return {{name() + ".weight", weight_.data(), weight_.size(), ParameterBlock::Role::Weight, fan_in},
          {name() + ".bias", bias_.data(), bias_.size(), ParameterBlock::Role::Bias, fan_in}};
}

void Conv1d::accumulate_parameter_gradients(const Matrix& input, const Matrix& output_gradient, int count,
                                            std::vector<Vector>& gradients) const {
  // z = W·im2col(x) + b, so dL/dW = dL/dz · im2col(x)ᵀ summed over every
  // output position of every sequence.
  auto weight_gradient = Eigen::Map<Matrix>(gradients[0].data(), weight_.rows(), weight_.cols());
  if (im2col_is_a_view()) {
    const long lout = output_shape().length;
    for (int n = 0; n < count; ++n)
      weight_gradient.noalias() += output_gradient.middleCols(n * lout, lout) * im2col_view(input, n).transpose();
  } else {
    // The general case: the whole batch is one GEMM against im2col.
    thread_local Matrix columns;
    im2col(input, count, columns);
    weight_gradient.noalias() += output_gradient * columns.transpose();
  }
  gradients[1] += output_gradient.rowwise().sum();
}

void Conv1d::parameters_updated() { derive_cached_weights(); }

std::vector<NamedTensor> Conv1d::state_dict() const {
  const int out_channels = static_cast<int>(weight_.rows());
  const int in_channels = input_shape().channels;
  const int k = geometry_.kernel_size;
  FloatTensor weight{{out_channels, in_channels, k}, std::vector<float>(weight_.size())};
  // Inverse of the packing in create(): column j*Cin + c is weight[o, c, j].
  for (int o = 0; o < out_channels; ++o)
    for (int c = 0; c < in_channels; ++c)
      for (int j = 0; j < k; ++j)
        weight.values[(static_cast<size_t>(o) * in_channels + c) * k + j] = weight_(o, static_cast<long>(j) * in_channels + c);
  FloatTensor bias{{out_channels}, std::vector<float>(bias_.data(), bias_.data() + bias_.size())};
  return {{name() + ".weight", std::move(weight)}, {name() + ".bias", std::move(bias)}};
}

bool Conv1d::im2col_is_a_view() const {
  return geometry_.stride == 1 && geometry_.dilation == 1 && geometry_.pad_left == 0 &&
         output_shape().length == input_shape().length - geometry_.kernel_size + 1;
}

Conv1d::Im2colView Conv1d::im2col_view(const Matrix& input, int n) const {
  // Output o's receptive field is the K*Cin contiguous floats from input
  // column o on: a [K*Cin, Lout] matrix whose columns start Cin floats apart.
  const long cin = input_shape().channels;
  return Im2colView(input.data() + n * input_shape().length * cin, weight_.cols(), output_shape().length,
                    Eigen::OuterStride<>(cin));
}

void Conv1d::im2col(const Matrix& input, int count, Matrix& columns) const { im2col(input, 0, count, columns); }

int Conv1d::chunk_sequences(int sequences) const {
  const long per_sequence = weight_.cols() * static_cast<long>(output_shape().length);
  return static_cast<int>(std::clamp<long>(kColumnBufferFloats / std::max(per_sequence, 1L), 1, std::max(sequences, 1)));
}

void Conv1d::im2col(const Matrix& input, int first_sequence, int count, Matrix& columns) const {
  const int cin = input_shape().channels, lin = input_shape().length, lout = output_shape().length;
  const int k = geometry_.kernel_size, s = geometry_.stride, d = geometry_.dilation, pad = geometry_.pad_left;
  const long rows = static_cast<long>(k) * cin;
  columns.resize(rows, static_cast<long>(lout) * count);
  for (int n = 0; n < count; ++n) {
    const float* sequence = input.data() + static_cast<long>(first_sequence + n) * lin * cin;
    for (int o = 0; o < lout; ++o) {
      float* column = columns.data() + (static_cast<long>(n) * lout + o) * rows;
      const int first = o * s - pad;
      const int last = first + (k - 1) * d;
      if (d == 1 && first >= 0 && last < lin) {
        // Whole window inside the sequence: K consecutive columns of the input.
        std::memcpy(column, sequence + static_cast<long>(first) * cin, sizeof(float) * rows);
        continue;
      }
      for (int j = 0; j < k; ++j) {
        const int position = first + j * d;
        float* target = column + static_cast<long>(j) * cin;
        if (position < 0 || position >= lin)
          std::fill(target, target + cin, 0.0f);
        else
          std::memcpy(target, sequence + static_cast<long>(position) * cin, sizeof(float) * cin);
      }
    }
  }
}

void Conv1d::col2im(const Matrix& columns, int count, Matrix& input) const {
  input.setZero(input_shape().channels, static_cast<long>(input_shape().length) * count);
  col2im_add(columns, 0, count, input);
}

void Conv1d::col2im_add(const Matrix& columns, int first_sequence, int count, Matrix& input) const {
  const int cin = input_shape().channels, lin = input_shape().length, lout = output_shape().length;
  const int k = geometry_.kernel_size, s = geometry_.stride, d = geometry_.dilation, pad = geometry_.pad_left;
  const long rows = static_cast<long>(k) * cin;
  for (int n = 0; n < count; ++n) {
    float* sequence = input.data() + static_cast<long>(first_sequence + n) * lin * cin;
    for (int o = 0; o < lout; ++o) {
      const float* column = columns.data() + (static_cast<long>(n) * lout + o) * rows;
      const int first = o * s - pad;
      const int last = first + (k - 1) * d;
      if (d == 1 && first >= 0 && last < lin) {
        float* target = sequence + static_cast<long>(first) * cin;
        for (long i = 0; i < rows; ++i) target[i] += column[i];
        continue;
      }
      for (int j = 0; j < k; ++j) {
        const int position = first + j * d;
        if (position < 0 || position >= lin) continue;  // padding: no input to credit
        float* target = sequence + static_cast<long>(position) * cin;
        const float* source = column + static_cast<long>(j) * cin;
        for (int c = 0; c < cin; ++c) target[c] += source[c];
      }
    }
  }
}

bool Conv1d::is_narrow() const {
  return output_shape().channels <= kNarrowChannels && geometry_.stride == 1 && geometry_.dilation == 1;
}

void Conv1d::narrow_forward(const Matrix& input, Matrix& output, int count) const {
  const int cin = input_shape().channels, lin = input_shape().length, lout = output_shape().length;
  const int k = geometry_.kernel_size, pad = geometry_.pad_left;
  for (int n = 0; n < count; ++n)
    for (int o = 0; o < lout; ++o) {
      // The field's positions inside the sequence; 'same' padding's zeros add nothing.
      const int first = o - pad;
      const int lo = std::max(first, 0), hi = std::min(first + k, lin);
      const long column = static_cast<long>(n) * lout + o;
      if (lo >= hi) {
        output.col(column).setZero();
        continue;
      }
      const long size = static_cast<long>(hi - lo) * cin;
      const Eigen::Map<const Vector> field(input.data() + (static_cast<long>(n) * lin + lo) * cin, size);
      output.col(column).noalias() =
          weight_t_.middleRows(static_cast<long>(lo - first) * cin, size).transpose() * field;
    }
}

void Conv1d::forward_impl(const Matrix& input, Matrix& output, int count) const {
  if (is_narrow()) {
    narrow_forward(input, output, count);
  } else if (im2col_is_a_view()) {
    const long lout = output_shape().length;
    for (int n = 0; n < count; ++n) output.middleCols(n * lout, lout).noalias() = weight_ * im2col_view(input, n);
  } else {
    // In chunks of sequences, so the K-fold column buffer stays bounded.
    thread_local Matrix columns;
    const long lout = output_shape().length;
    for (int first = 0, chunk = chunk_sequences(count); first < count; first += chunk) {
      const int n = std::min(chunk, count - first);
      im2col(input, first, n, columns);
      output.middleCols(first * lout, n * lout).noalias() = weight_ * columns;
    }
  }
  output.colwise() += bias_;
}

void Conv1d::split_delta(const Matrix& input_delta, const Multipliers* needed, int tasks, Matrix& delta_plus,
                         Matrix& delta_minus, int count) const {
  const int cin = input_shape().channels, lin = input_shape().length;
  const int cout = output_shape().channels, lout = output_shape().length;
  const int k = geometry_.kernel_size, s = geometry_.stride, d = geometry_.dilation, pad = geometry_.pad_left;
  // Δz± = Σ max/min(w·Δx, 0) over output element (n, o, c)'s receptive
  // field, directly from the definition (docs/scoring.md).
  auto split_at = [&](int n, int o, int c, float& plus_out, float& minus_out) {
    const float* filter = weight_t_.col(c).data();
    float plus = 0, minus = 0;
    const int first = o * s - pad;
    if (d == 1 && first >= 0 && first + k <= lin) {
      // Whole window inside: one contiguous run of K*Cin products.
      const float* x = input_delta.data() + (static_cast<long>(n) * lin + first) * cin;
      for (int i = 0; i < k * cin; ++i) {
        const float product = filter[i] * x[i];
        plus += std::max(product, 0.0f);
        minus += std::min(product, 0.0f);
      }
    } else {
      for (int j = 0; j < k; ++j) {
        const int position = o * s - pad + j * d;
        if (position < 0 || position >= lin) continue;
        const float* x = input_delta.data() + (static_cast<long>(n) * lin + position) * cin;
        for (int i = 0; i < cin; ++i) {
          const float product = filter[j * cin + i] * x[i];
          plus += std::max(product, 0.0f);
          minus += std::min(product, 0.0f);
        }
      }
    }
    plus_out = plus;
    minus_out = minus;
  };
  // Δz± of every output: im2col, then conv(W⁺, Δx⁺) + conv(W⁻, Δx⁻) and its
  // mirror as GEMMs (docs/scoring.md). (Δz⁻ = Δz − Δz⁺ would save two of
  // them, but a part that is exactly 0, which the rule gives multiplier 0,
  // would come out as rounding noise with a multiplier of the slope.)
  auto split_all = [&](Matrix& plus, Matrix& minus) {
    thread_local Matrix columns, positive, negative;
    plus.resize(cout, static_cast<long>(lout) * count);
    minus.resize(cout, static_cast<long>(lout) * count);
    for (int first = 0, chunk = chunk_sequences(count); first < count; first += chunk) {
      const int n = std::min(chunk, count - first);
      im2col(input_delta, first, n, columns);
      positive = columns.cwiseMax(0.0f);
      negative = columns.cwiseMin(0.0f);
      auto plus_part = plus.middleCols(static_cast<long>(first) * lout, static_cast<long>(n) * lout);
      auto minus_part = minus.middleCols(static_cast<long>(first) * lout, static_cast<long>(n) * lout);
      plus_part.noalias() = weight_positive_ * positive;
      plus_part.noalias() += weight_negative_ * negative;
      minus_part.noalias() = weight_positive_ * negative;
      minus_part.noalias() += weight_negative_ * positive;
    }
  };

  const long block = static_cast<long>(cout) * lout * count;  // one task's outputs
  if (needed && needed->sparse) {
    // Only the listed outputs can carry a multiplier: compact results in
    // list order (Layer::split_delta).
    const std::vector<long>& listed = needed->active;
    const long size = static_cast<long>(listed.size());
    delta_plus.resize(size, 1);
    delta_minus.resize(size, 1);
    if (size >= kSparseDensity * block) {
      thread_local Matrix all_plus, all_minus;
      split_all(all_plus, all_minus);
      gather_listed(all_plus, listed, delta_plus);
      gather_listed(all_minus, listed, delta_minus);
      return;
    }
    // Each sum is one long chain of dependent additions; four elements at
    // a time interleave four chains (each in its own order, as above).
    constexpr int kGroup = 4;
    int group_size = 0;
    long group_index[kGroup];
    const float* group_filter[kGroup];
    const float* group_x[kGroup];
    auto flush = [&]() {
      float plus[kGroup] = {}, minus[kGroup] = {};
      for (int i = 0; i < k * cin; ++i)
        for (int g = 0; g < kGroup; ++g) {
          const float product = group_filter[g][i] * group_x[g][i];
          plus[g] += std::max(product, 0.0f);
          minus[g] += std::min(product, 0.0f);
        }
      for (int g = 0; g < kGroup; ++g) {
        delta_plus.data()[group_index[g]] = plus[g];
        delta_minus.data()[group_index[g]] = minus[g];
      }
      group_size = 0;
    };
    const long per_sequence = static_cast<long>(cout) * lout;
    int n = 0;
    for (long i = 0; i < size; ++i) {
      // The list ascends, so the sequence only moves forward: one 32-bit
      // division per element instead of three 64-bit ones.
      while (listed[i] >= (n + 1) * per_sequence) ++n;
      const int offset = static_cast<int>(listed[i] - n * per_sequence);
      const int o = offset / cout, c = offset - o * cout;
      const int first = o * s - pad;
      if (!(d == 1 && first >= 0 && first + k <= lin)) {
        split_at(n, o, c, delta_plus.data()[i], delta_minus.data()[i]);
        continue;
      }
      group_index[group_size] = i;
      group_filter[group_size] = weight_t_.col(c).data();
      group_x[group_size] = input_delta.data() + (static_cast<long>(n) * lin + first) * cin;
      if (++group_size == kGroup) flush();
    }
    for (int g = 0; g < group_size; ++g) {  // the last, incomplete group
      const long i = group_index[g];
      const long column = listed[i] / cout;
      split_at(static_cast<int>(column / lout), static_cast<int>(column % lout), static_cast<int>(listed[i] % cout),
               delta_plus.data()[i], delta_minus.data()[i]);
    }
    return;
  }
  const Matrix* multipliers = needed ? &needed->positive : nullptr;
  if (multipliers && count_nonzero(multipliers->data(), multipliers->size()) < kSparseDensity * multipliers->size()) {
    // Only outputs that some task's multiplier reaches.
    delta_plus.setZero(cout, static_cast<long>(lout) * count);
    delta_minus.setZero(cout, static_cast<long>(lout) * count);
    for (int n = 0; n < count; ++n)
      for (int o = 0; o < lout; ++o) {
        const long column = (static_cast<long>(n) * lout + o) * cout;
        bool any = false;
        for (int t = 0; t < tasks && !any; ++t) any = any_nonzero(multipliers->data() + t * block + column, cout);
        if (!any) continue;
        for (int c = 0; c < cout; ++c) {
          const long element = column + c;
          bool wanted = false;
          for (int t = 0; t < tasks && !wanted; ++t) wanted = multipliers->data()[t * block + element] != 0.0f;
          if (wanted) split_at(n, o, c, delta_plus.data()[element], delta_minus.data()[element]);
        }
      }
    return;
  }
  split_all(delta_plus, delta_minus);
}

void Conv1d::backward_impl(const LayerTrace& trace, NonlinearRule, const Multipliers& output_multipliers,
                           Multipliers& in) const {
  const Multipliers* source = &output_multipliers;
  if (output_multipliers.sparse) {
    // The list bounds the non-zero entries: at most |list| per task block.
    const long block = output_shape().size() * trace.count;
    const double density = output_multipliers.split ? kSparseDensity : kSparseBackwardDensity;
    if (static_cast<long>(output_multipliers.active.size()) < density * block) {
      sparse_backward(trace, output_multipliers, in);
      return;
    }
    thread_local Multipliers dense;
    densified(output_multipliers, output_shape(), trace.count, trace.tasks, dense);
    source = &dense;
  }
  const Multipliers& out = *source;
  if (is_narrow()) {
    // Few output channels: crediting each output's field directly beats a
    // GEMM whose result is K*Cin rows per output position (is_narrow).
    sparse_backward(trace, out, in);
    return;
  }
  const int sequences = trace.count * trace.tasks;
  const long nonzero = count_nonzero(out.positive.data(), out.positive.size()) +
                       (out.split ? count_nonzero(out.negative.data(), out.negative.size()) : 0);
  const double density = out.split ? kSparseDensity : kSparseBackwardDensity;
  if (nonzero < density * out.positive.size() * (out.split ? 2 : 1)) {
    sparse_backward(trace, out, in);
    return;
  }
  // The transposed GEMM and col2im in chunks of sequences, so the K-fold
  // column buffer stays bounded.
  thread_local Matrix columns;
  const long lout = output_shape().length;
  const int chunk = chunk_sequences(sequences);
  in.positive.setZero(input_shape().channels, static_cast<long>(input_shape().length) * sequences);
  if (!out.split) {
    for (int first = 0; first < sequences; first += chunk) {
      const int n = std::min(chunk, sequences - first);
      // A task that does not reach this layer (e.g. counts at the profile
      // head) leaves whole blocks 0: nothing to credit.
      if (!any_nonzero(out.positive.data() + first * lout * out.positive.rows(), n * lout * out.positive.rows()))
        continue;
      columns.noalias() = weight_.transpose() * out.positive.middleCols(first * lout, n * lout);
      col2im_add(columns, first, n, in.positive);
    }
    return;
  }
  // The linear rule's A = W⁺ᵀM⁺ + W⁻ᵀM⁻ (for Δx > 0) and B = W⁺ᵀM⁻ + W⁻ᵀM⁺
  // (for Δx < 0) from two transposed products instead of four, as in Dense:
  // S = Wᵀ(M⁺ + M⁻) = A + B and D = |W|ᵀ(M⁺ − M⁻) = A − B, col2im being linear.
  thread_local Matrix when_negative, sum, difference;
  when_negative.setZero(in.positive.rows(), in.positive.cols());
  for (int first = 0; first < sequences; first += chunk) {
    const int n = std::min(chunk, sequences - first);
    const auto plus = out.positive.middleCols(first * lout, n * lout);
    const auto minus = out.negative.middleCols(first * lout, n * lout);
    if (!any_nonzero(plus.data(), plus.size()) && !any_nonzero(minus.data(), minus.size())) continue;
    sum = plus + minus;
    difference = plus - minus;
    columns.noalias() = weight_.transpose() * sum;
    col2im_add(columns, first, n, when_negative);  // S
    columns.noalias() = weight_abs_.transpose() * difference;
    col2im_add(columns, first, n, in.positive);  // D
  }
  in.positive = 0.5f * (when_negative + in.positive);  // A = (S + D)/2
  when_negative -= in.positive;                        // B = S − A
  const Matrix delta = trace.input - trace.input_ref;
  select_by_delta_sign(delta, in.positive, when_negative, trace.tasks);
}

void Conv1d::sparse_backward(const LayerTrace& trace, const Multipliers& out, Multipliers& in) const {
  const int count = trace.count, tasks = trace.tasks;
  const int cin = input_shape().channels, lin = input_shape().length;
  const int cout = output_shape().channels, lout = output_shape().length;
  const int k = geometry_.kernel_size, s = geometry_.stride, d = geometry_.dilation, pad = geometry_.pad_left;
  const int sequences = count * tasks;
  in.positive.setZero(cin, static_cast<long>(lin) * sequences);
  thread_local Matrix when_negative;
  if (out.split) when_negative.setZero(cin, static_cast<long>(lin) * sequences);
  // Credits output element (sequence n, position o, channel c) with
  // multipliers M⁺, M⁻ to its receptive field: the transposed convolution,
  // one output at a time.
  auto credit = [&](int n, int o, int c, float m_plus, float m_minus) {
    const int first = o * s - pad;
    if (d == 1 && first >= 0 && first + k <= lin) {
      // Whole window inside: one contiguous run of K*Cin inputs.
      const long offset = (static_cast<long>(n) * lin + first) * cin;
      float* a = in.positive.data() + offset;
      if (!out.split) {
        const float* filter = weight_t_.col(c).data();
        for (int i = 0; i < k * cin; ++i) a[i] += filter[i] * m_plus;
        return;
      }
      float* b = when_negative.data() + offset;
      const float* wp = weight_positive_t_.col(c).data();
      const float* wn = weight_negative_t_.col(c).data();
      for (int i = 0; i < k * cin; ++i) {
        a[i] += wp[i] * m_plus + wn[i] * m_minus;
        b[i] += wp[i] * m_minus + wn[i] * m_plus;
      }
      return;
    }
    for (int j = 0; j < k; ++j) {
      const int position = o * s - pad + j * d;
      if (position < 0 || position >= lin) continue;
      float* a = in.positive.data() + (static_cast<long>(n) * lin + position) * cin;
      if (!out.split) {
        const float* filter = weight_t_.col(c).data() + j * cin;
        for (int i = 0; i < cin; ++i) a[i] += filter[i] * m_plus;
        continue;
      }
      // Linear rule: W⁺ᵀM⁺ + W⁻ᵀM⁻ for Δx > 0 and W⁺ᵀM⁻ + W⁻ᵀM⁺ for Δx < 0.
      float* b = when_negative.data() + (static_cast<long>(n) * lin + position) * cin;
      const float* wp = weight_positive_t_.col(c).data() + j * cin;
      const float* wn = weight_negative_t_.col(c).data() + j * cin;
      for (int i = 0; i < cin; ++i) {
        a[i] += wp[i] * m_plus + wn[i] * m_minus;
        b[i] += wp[i] * m_minus + wn[i] * m_plus;
      }
    }
  };
  if (out.sparse) {
    // The listed elements of each task block, in the same (ascending)
    // order as the scan below visits the non-zero ones: the same sums.
    const long listed_count = static_cast<long>(out.active.size());
    const long per_sequence = static_cast<long>(cout) * lout;
    for (int t = 0; t < tasks; ++t) {
      int n = 0;
      for (long i = 0; i < listed_count; ++i) {
        const float m_plus = out.positive(i, t);
        const float m_minus = out.split ? out.negative(i, t) : m_plus;
        if (m_plus == 0.0f && m_minus == 0.0f) continue;
        // The list ascends: the sequence only moves forward.
        while (out.active[i] >= (n + 1) * per_sequence) ++n;
        const int offset = static_cast<int>(out.active[i] - n * per_sequence);
        const int o = offset / cout;
        credit(t * count + n, o, offset - o * cout, m_plus, m_minus);
      }
    }
  } else {
    for (int n = 0; n < sequences; ++n)
      for (int o = 0; o < lout; ++o) {
        const long column = (static_cast<long>(n) * lout + o) * cout;
        if (!any_nonzero(out.positive.data() + column, cout) &&
            !(out.split && any_nonzero(out.negative.data() + column, cout)))
          continue;
        for (int c = 0; c < cout; ++c) {
          const long element = column + c;
          const float m_plus = out.positive.data()[element];
          const float m_minus = out.split ? out.negative.data()[element] : m_plus;
          if (m_plus == 0.0f && m_minus == 0.0f) continue;
          credit(n, o, c, m_plus, m_minus);
        }
      }
  }
  // Δx only decides between the split branches: not computed for M⁺ = M⁻.
  if (out.split) select_by_delta_sign(trace.input - trace.input_ref, in.positive, when_negative, tasks);
}

}  // namespace deeplift
