#include "deeplift/layers/layer.hpp"

#include <algorithm>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

// Zeroes every entry of each of `tasks` task blocks of `values` that the
// ascending list `active` does not name.
void zero_unlisted(Matrix& values, const std::vector<long>& active, int tasks) {
  const long block = values.size() / tasks;
  for (int t = 0; t < tasks; ++t) {
    float* data = values.data() + t * block;
    long next = 0;
    for (const long element : active) {
      std::fill(data + next, data + element, 0.0f);
      next = element + 1;
    }
    std::fill(data + next, data + block, 0.0f);
  }
}

// `target` = zero except at the listed elements of each task block.
void scatter_listed(const Matrix& values, const std::vector<long>& active, int tasks, Matrix& target) {
  target.setZero(values.rows(), values.cols());
  const long block = values.size() / tasks;
  for (int t = 0; t < tasks; ++t)
    for (const long element : active) target.data()[t * block + element] = values.data()[t * block + element];
}

}  // namespace

void make_dense(Multipliers& multipliers, int tasks) {
  if (!multipliers.sparse) return;
  zero_unlisted(multipliers.positive, multipliers.active, tasks);
  if (multipliers.split) zero_unlisted(multipliers.negative, multipliers.active, tasks);
  multipliers.sparse = false;
  multipliers.active.clear();
}

void densified(const Multipliers& multipliers, int tasks, Multipliers& dense) {
  dense.split = multipliers.split;
  dense.sparse = false;
  dense.active.clear();
  if (!multipliers.sparse) {
    dense.positive = multipliers.positive;
    if (multipliers.split) dense.negative = multipliers.negative;
    return;
  }
  scatter_listed(multipliers.positive, multipliers.active, tasks, dense.positive);
  if (multipliers.split) scatter_listed(multipliers.negative, multipliers.active, tasks, dense.negative);
}

Layer::Layer(std::string type, std::string name, Shape input_shape, Shape output_shape)
    : type_(std::move(type)), name_(std::move(name)), input_shape_(input_shape), output_shape_(output_shape) {}

void Layer::forward(const Matrix& input, Matrix& output, int count) const {
  if (input.rows() != input_shape_.channels || input.cols() != static_cast<long>(input_shape_.length) * count)
    throw Error("layer " + name_ + " (" + type_ + "): input is " + std::to_string(input.rows()) + "x" +
                std::to_string(input.cols()) + ", expected " + input_shape_.to_string() + " x " +
                std::to_string(count) + " sequences");
  output.resize(output_shape_.channels, static_cast<long>(output_shape_.length) * count);
  forward_impl(input, output, count);
}

void Layer::backward(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const {
  const long width = static_cast<long>(output_shape_.length) * trace.count * trace.tasks;
  if (output_multipliers.positive.rows() != output_shape_.channels || output_multipliers.positive.cols() != width)
    throw Error("layer " + name_ + " (" + type_ + "): multipliers have the wrong shape");
  input_multipliers.split = false;
  input_multipliers.sparse = false;
  input_multipliers.active.clear();
  if (output_multipliers.sparse && !accepts_sparse_multipliers()) {
    thread_local Multipliers dense;
    densified(output_multipliers, trace.tasks, dense);
    backward_impl(trace, rule, dense, input_multipliers);
  } else {
    backward_impl(trace, rule, output_multipliers, input_multipliers);
  }
  if (input_multipliers.sparse && !trace.sparse_input_multipliers) make_dense(input_multipliers, trace.tasks);
}

void Layer::split_delta(const Matrix&, const Multipliers*, int, Matrix&, Matrix&, int) const {
  throw Error("layer " + name_ + " (" + type_ + ") has no weights to split its delta by");
}

void Layer::accumulate_parameter_gradients(const Matrix&, const Matrix&, int, std::vector<Vector>&) const {
  throw Error("layer " + name_ + " (" + type_ + ") has no parameters to take gradients of");
}

void Layer::require_unsplit(const Multipliers& multipliers) const {
  if (multipliers.split)
    throw Error("layer " + name_ + " (" + type_ + "): received split multipliers; RevealCancel applies only after conv1d/dense");
}

}  // namespace deeplift
