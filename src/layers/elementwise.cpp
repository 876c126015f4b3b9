#include "deeplift/layers/elementwise.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include "deeplift/errors.hpp"
#include "packet_select.hpp"

namespace deeplift {

namespace {

// 0, 1, …, block-1: the element positions of one whole sequence.
const int* iota(long block) {
  thread_local std::vector<int> positions;
  if (static_cast<long>(positions.size()) < block) {
    positions.resize(block);
    std::iota(positions.begin(), positions.end(), 0);
  }
  return positions.data();
}

// Elements whose multiplier is non-zero for some task, and the arrays the
// rules need, gathered compactly. Behind a max pool most multipliers are 0,
// and the rules only matter where one is not.
struct ActiveElements {
  std::vector<long> element;  // index into [C, L*count]
  std::vector<int> position;  // index into one sequence's [C, L] block
  std::vector<float> a, b, c, d, e, f, g;  // scratch columns for the rule

  void collect(const Matrix& multipliers, long size, long block, int tasks) {
    element.clear();
    position.clear();
    // |m| summed over tasks is non-zero exactly where some task's m is
    // (vectorised, then one pass to list the indices).
    thread_local Eigen::ArrayXf magnitude;
    magnitude = Eigen::Map<const Eigen::ArrayXf>(multipliers.data(), size).abs();
    for (int t = 1; t < tasks; ++t) magnitude += Eigen::Map<const Eigen::ArrayXf>(multipliers.data() + t * size, size).abs();
    long start = 0;  // of the sequence holding element i
    for (long i = 0; i < size; ++i) {
      if (i == start + block) start += block;
      if (magnitude[i] != 0.0f) {
        element.push_back(i);
        position.push_back(static_cast<int>(i - start));
      }
    }
    resize_columns();
  }

  // Sparse multipliers already list the elements (Multipliers): no scan.
  void take_list(const std::vector<long>& active, long block) {
    element = active;
    position.resize(element.size());
    long start = 0;  // of the sequence holding element[i]: the list ascends
    for (size_t i = 0; i < element.size(); ++i) {
      while (element[i] >= start + block) start += block;
      position[i] = static_cast<int>(element[i] - start);
    }
    resize_columns();
  }

  void resize_columns() {
    const size_t n = element.size();
    for (auto* column : {&a, &b, &c, &d, &e, &f, &g}) column->resize(n);
  }

  void gather(const Matrix& source, std::vector<float>& target) const {
    for (size_t i = 0; i < element.size(); ++i) target[i] = source.data()[element[i]];
  }

  // The same values from a reference that repeats every sequence
  // (LayerTrace::shared_reference): read from the first sequence's block,
  // which stays in cache, instead of all over the batch.
  void gather_reference(const LayerTrace& trace, const Matrix& source, std::vector<float>& target) const {
    if (!trace.shared_reference) {
      gather(source, target);
      return;
    }
    for (size_t i = 0; i < element.size(); ++i) target[i] = source.data()[position[i]];
  }
};

// target = multipliers ⊙ ratio on the active elements, per task, 0 at the
// other elements; or, when `sparse`, both compact [elements, tasks] (the
// sparse form of Multipliers, whose list travels on unchanged).
// `only_positive` clamps the products at 0 (guided backpropagation).
void scale_active(const Matrix& multipliers, const ActiveElements& active, const std::vector<float>& ratio,
                  long size, int tasks, bool sparse, Matrix& target, bool only_positive = false) {
  const long n = static_cast<long>(active.element.size());
  if (sparse) {
    target.resize(n, tasks);
    for (int t = 0; t < tasks; ++t) {
      const float* m = multipliers.col(t).data();
      float* out = target.col(t).data();
      for (long i = 0; i < n; ++i) {
        const float product = m[i] * ratio[i];
        out[i] = only_positive ? std::max(product, 0.0f) : product;
      }
    }
    return;
  }
  target.setZero(multipliers.rows(), multipliers.cols());
  for (int t = 0; t < tasks; ++t) {
    const float* m = multipliers.data() + t * size;
    float* out = target.data() + t * size;
    for (long i = 0; i < n; ++i) {
      const float product = m[active.element[i]] * ratio[i];
      out[active.element[i]] = only_positive ? std::max(product, 0.0f) : product;
    }
  }
}

}  // namespace

void ElementwiseLayer::secants_at(const float* z, const float* z_ref, const int* index, float* secant,
                                  long n) const {
  thread_local std::vector<float> y, y_ref, middle;
  y.resize(n);
  y_ref.resize(n);
  middle.resize(n);
  values_at(z, index, y.data(), n);
  values_at(z_ref, index, y_ref.data(), n);
  for (long i = 0; i < n; ++i) middle[i] = 0.5f * (z[i] + z_ref[i]);
  slopes_at(middle.data(), index, middle.data(), n);
  // Below this |Δz| the midpoint slope is closer to the true secant than
  // float32's f(z) − f(z0) (relative error ~ 1e-7·|f|/|Δy| vs ~ f'''Δz²/24).
  constexpr float kMidpointBelow = 1e-2f;
  for (long i = 0; i < n; ++i) {
    const float dz = z[i] - z_ref[i];
    secant[i] = std::abs(dz) < kMidpointBelow ? middle[i] : (y[i] - y_ref[i]) / dz;
  }
}

void ElementwiseLayer::values_block(const float* z, float* y, long n) const { values_at(z, iota(n), y, n); }

void ElementwiseLayer::slopes_block(const float* z, float* slope, long n) const { slopes_at(z, iota(n), slope, n); }

void ElementwiseLayer::activate(const Matrix& z, Matrix& y, int count) const {
  y.resize(z.rows(), z.cols());
  const long block = output_shape().size();
  for (int n = 0; n < count; ++n) values_block(z.data() + n * block, y.data() + n * block, block);
}

void ElementwiseLayer::derivative(const Matrix& z, Matrix& slope, int count) const {
  slope.resize(z.rows(), z.cols());
  const long block = output_shape().size();
  for (int n = 0; n < count; ++n) slopes_block(z.data() + n * block, slope.data() + n * block, block);
}

void ElementwiseLayer::dense_backward(const LayerTrace& trace, NonlinearRule rule, const Multipliers& out,
                                      Multipliers& in) const {
  const long block = output_shape().size();
  const long size = trace.input.size();
  const int sequences = static_cast<int>(size / block);
  thread_local std::vector<float> ratio, secant;
  ratio.resize(size);
  const int* index = iota(block);
  for (int n = 0; n < sequences; ++n) {
    const float* z = trace.input.data() + n * block;
    float* r = ratio.data() + n * block;
    if (rule != NonlinearRule::Rescale) {
      slopes_block(z, r, block);
      continue;
    }
    // As the element-list path below: Δy/Δz, the gradient at the reference where |Δz| is tiny.
    const float* z_ref = trace.input_ref.data() + (trace.shared_reference ? 0 : n * block);
    secant.resize(block);
    slopes_at(z_ref, index, r, block);
    secants_at(z, z_ref, index, secant.data(), block);
    for (long i = 0; i < block; ++i)
      if (std::abs(z[i] - z_ref[i]) >= kRescaleEpsilon) r[i] = secant[i];
  }
  const Eigen::Map<const Eigen::ArrayXf> factor(ratio.data(), size);
  in.positive.resize(out.positive.rows(), out.positive.cols());
  for (int t = 0; t < trace.tasks; ++t) {
    Eigen::Map<Eigen::ArrayXf> target(in.positive.data() + t * size, size);
    const Eigen::Map<const Eigen::ArrayXf> m(out.positive.data() + t * size, size);
    if (rule == NonlinearRule::GuidedGradient)
      target = (m * factor).max(0.0f);  // negative gradients stop here, as below
    else
      target = m * factor;
  }
}

void ElementwiseLayer::backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& out,
                                     Multipliers& in) const {
  require_unsplit(out);
  const long size = trace.input.size();
  if (!out.sparse && rule != NonlinearRule::RevealCancel) {
    // Dense multipliers (e.g. a residual trunk under a profile target): the
    // ratio of every element in whole-sequence blocks, without an element list.
    dense_backward(trace, rule, out, in);
    return;
  }
  thread_local ActiveElements active;
  // With sparse output multipliers the rules run on the listed elements
  // and the input multipliers are sparse with the same list.
  const bool sparse = out.sparse;
  if (sparse) {
    active.take_list(out.active, output_shape().size());
    in.sparse = true;
    in.active = out.active;
  } else {
    active.collect(out.positive, size, output_shape().size(), trace.tasks);
  }
  const long n = static_cast<long>(active.element.size());
  const int* index = active.position.data();
  switch (rule) {
    case NonlinearRule::Gradient: {
      active.gather(trace.input, active.a);
      slopes_at(active.a.data(), index, active.b.data(), n);
      scale_active(out.positive, active, active.b, size, trace.tasks, sparse, in.positive);
      return;
    }
    case NonlinearRule::GuidedGradient: {
      active.gather(trace.input, active.a);
      slopes_at(active.a.data(), index, active.b.data(), n);
      // Negative gradients stop here (each task's own sign). Every f here is
      // monotone (f' >= 0), so m·f' < 0 exactly where the incoming m < 0.
      scale_active(out.positive, active, active.b, size, trace.tasks, sparse, in.positive, true);
      return;
    }
    case NonlinearRule::Rescale: {
      // m = Δy/Δz (paper eq. 3); where |Δz| is tiny, the gradient at the reference.
      active.gather(trace.input, active.a);
      active.gather_reference(trace, trace.input_ref, active.b);
      slopes_at(active.b.data(), index, active.e.data(), n);
      secants_at(active.a.data(), active.b.data(), index, active.c.data(), n);
      for (long i = 0; i < n; ++i)
        if (std::abs(active.a[i] - active.b[i]) >= kRescaleEpsilon) active.e[i] = active.c[i];
      scale_active(out.positive, active, active.e, size, trace.tasks, sparse, in.positive);
      return;
    }
    case NonlinearRule::RevealCancel: {
      if (!trace.delta_plus || !trace.delta_minus)
        throw Error("layer " + name() + ": RevealCancel needs the preceding conv1d/dense layer's delta split");
      // Paper eq. 9-12 (docs/scoring.md): each part of Δz gets the mean of its
      // effect added before and after the other part.
      auto& z0 = active.a;
      auto& dz_plus = active.b;
      auto& dz_minus = active.c;
      active.gather_reference(trace, trace.input_ref, z0);
      if (sparse) {  // compact, in list order (Layer::split_delta)
        if (trace.delta_plus->size() != n || trace.delta_minus->size() != n)
          throw Error("layer " + name() + ": RevealCancel's delta split does not match the sparse multipliers");
        std::copy_n(trace.delta_plus->data(), n, dz_plus.data());
        std::copy_n(trace.delta_minus->data(), n, dz_minus.data());
      } else {
        active.gather(*trace.delta_plus, dz_plus);
        active.gather(*trace.delta_minus, dz_minus);
      }
      auto& y_plus = active.d;
      auto& y_minus = active.e;
      auto& y_both = active.f;
      auto& y0 = active.g;
      active.gather_reference(trace, trace.output_ref, y0);
      for (long i = 0; i < n; ++i) {
        y_plus[i] = z0[i] + dz_plus[i];
        y_minus[i] = z0[i] + dz_minus[i];
        y_both[i] = z0[i] + dz_minus[i] + dz_plus[i];
      }
      values_at(y_plus.data(), index, y_plus.data(), n);
      values_at(y_minus.data(), index, y_minus.data(), n);
      values_at(y_both.data(), index, y_both.data(), n);
      // Ratios into the now free columns; each part guarded separately, in
      // the denominator only, so a part that is exactly 0 gets multiplier 0.
      // (std::max(a, ε) is a < ε ? ε : a and std::min(a, −ε) is −ε < a ? −ε :
      // a; the packet loop selects the same way, packet_select.hpp.)
      namespace ei = Eigen::internal;
      using detail::FloatPacket;
      const auto half = ei::pset1<FloatPacket>(0.5f);
      const auto epsilon = ei::pset1<FloatPacket>(kRescaleEpsilon);
      const auto minus_epsilon = ei::pset1<FloatPacket>(-kRescaleEpsilon);
      detail::for_each_packet(
          n,
          [&](long i) {
            const auto yp = ei::ploadu<FloatPacket>(&y_plus[i]), ym = ei::ploadu<FloatPacket>(&y_minus[i]);
            const auto yb = ei::ploadu<FloatPacket>(&y_both[i]), base = ei::ploadu<FloatPacket>(&y0[i]);
            const auto dzp = ei::ploadu<FloatPacket>(&dz_plus[i]), dzm = ei::ploadu<FloatPacket>(&dz_minus[i]);
            const auto dy_plus = ei::pmul(half, ei::padd(ei::psub(yp, base), ei::psub(yb, ym)));
            const auto dy_minus = ei::pmul(half, ei::padd(ei::psub(ym, base), ei::psub(yb, yp)));
            const auto below = ei::pselect(ei::pcmp_lt(dzp, epsilon), epsilon, dzp);
            const auto above = ei::pselect(ei::pcmp_lt(minus_epsilon, dzm), minus_epsilon, dzm);
            ei::pstoreu(&z0[i], ei::pdiv(dy_plus, below));
            ei::pstoreu(&dz_plus[i], ei::pdiv(dy_minus, above));
          },
          [&](long i) {
            const float dy_plus = 0.5f * ((y_plus[i] - y0[i]) + (y_both[i] - y_minus[i]));
            const float dy_minus = 0.5f * ((y_minus[i] - y0[i]) + (y_both[i] - y_plus[i]));
            z0[i] = dy_plus / std::max(dz_plus[i], kRescaleEpsilon);
            dz_plus[i] = dy_minus / std::min(dz_minus[i], -kRescaleEpsilon);
          });
      scale_active(out.positive, active, z0, size, trace.tasks, sparse, in.positive);
      scale_active(out.positive, active, dz_plus, size, trace.tasks, sparse, in.negative);
      in.split = true;
      return;
    }
  }
}

}  // namespace deeplift
