#include "deeplift/layers/elementwise.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

// target(task block t) = multipliers(task block t) ⊙ ratio, for every task.
void scale_each_task(const Matrix& multipliers, const Matrix& ratio, int tasks, Matrix& target) {
  target.resize(multipliers.rows(), multipliers.cols());
  const long block = ratio.size();
  const auto r = Eigen::Map<const Eigen::ArrayXf>(ratio.data(), block);
  for (int t = 0; t < tasks; ++t) {
    Eigen::Map<Eigen::ArrayXf>(target.data() + t * block, block) =
        Eigen::Map<const Eigen::ArrayXf>(multipliers.data() + t * block, block) * r;
  }
}

}  // namespace

void ElementwiseLayer::backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& out,
                                     Multipliers& in) const {
  require_unsplit(out);
  const int count = trace.count;
  Matrix ratio;
  switch (rule) {
    case NonlinearRule::Gradient: {
      derivative(trace.input, ratio, count);
      scale_each_task(out.positive, ratio, trace.tasks, in.positive);
      return;
    }
    case NonlinearRule::Rescale: {
      // m = Δy/Δz (paper eq. 3); where |Δz| is tiny, the gradient at the reference.
      derivative(trace.input_ref, ratio, count);
      const auto dz = (trace.input - trace.input_ref).array();
      const auto dy = (trace.output - trace.output_ref).array();
      ratio = (dz.abs() < kRescaleEpsilon).select(ratio.array(), dy / dz).matrix();
      scale_each_task(out.positive, ratio, trace.tasks, in.positive);
      return;
    }
    case NonlinearRule::RevealCancel: {
      if (!trace.delta_plus || !trace.delta_minus)
        throw Error("layer " + name() + ": RevealCancel needs the preceding conv1d/dense layer's delta split");
      // Paper eq. 9-12: the positive and negative parts of Δz each get the
      // mean of their effect added first and added after the other part.
      const Matrix& z0 = trace.input_ref;
      const Matrix& y0 = trace.output_ref;
      const Matrix& dz_plus = *trace.delta_plus;
      const Matrix& dz_minus = *trace.delta_minus;
      Matrix y_plus, y_minus, y_both;
      activate(z0 + dz_plus, y_plus, count);
      activate(z0 + dz_minus, y_minus, count);
      activate(z0 + dz_minus + dz_plus, y_both, count);
      const Eigen::ArrayXXf dy_plus = 0.5f * ((y_plus - y0).array() + (y_both - y_minus).array());
      const Eigen::ArrayXXf dy_minus = 0.5f * ((y_minus - y0).array() + (y_both - y_plus).array());
      // Each part guarded separately, in the denominator only: a part that
      // is exactly 0 has Δy part 0 and so multiplier 0.
      ratio = (dy_plus / dz_plus.array().max(kRescaleEpsilon)).matrix();
      scale_each_task(out.positive, ratio, trace.tasks, in.positive);
      ratio = (dy_minus / dz_minus.array().min(-kRescaleEpsilon)).matrix();
      scale_each_task(out.positive, ratio, trace.tasks, in.negative);
      in.split = true;
      return;
    }
  }
}

}  // namespace deeplift
