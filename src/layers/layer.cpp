#include "deeplift/layers/layer.hpp"

#include <utility>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

// `target` = zero except at the listed elements of each task block, which
// get the compact [active.size(), tasks] `values`.
void scatter_listed(const Matrix& values, const std::vector<long>& active, Shape shape, int count, int tasks,
                    Matrix& target) {
  const long block = shape.size() * count;
  target.setZero(shape.channels, static_cast<long>(shape.length) * count * tasks);
  for (int t = 0; t < tasks; ++t)
    for (size_t i = 0; i < active.size(); ++i) target.data()[t * block + active[i]] = values(static_cast<long>(i), t);
}

}  // namespace

void densified(const Multipliers& multipliers, Shape shape, int count, int tasks, Multipliers& dense) {
  dense.split = multipliers.split;
  dense.sparse = false;
  dense.active.clear();
  if (!multipliers.sparse) {
    dense.positive = multipliers.positive;
    if (multipliers.split) dense.negative = multipliers.negative;
    return;
  }
  scatter_listed(multipliers.positive, multipliers.active, shape, count, tasks, dense.positive);
  if (multipliers.split) scatter_listed(multipliers.negative, multipliers.active, shape, count, tasks, dense.negative);
}

void gather_listed(const Matrix& full, const std::vector<long>& active, Matrix& compact) {
  compact.resize(static_cast<long>(active.size()), 1);
  for (size_t i = 0; i < active.size(); ++i) compact.data()[i] = full.data()[active[i]];
}

void make_dense(Multipliers& multipliers, Shape shape, int count, int tasks) {
  if (!multipliers.sparse) return;
  thread_local Multipliers dense;
  densified(multipliers, shape, count, tasks, dense);
  std::swap(multipliers.positive, dense.positive);
  std::swap(multipliers.negative, dense.negative);
  multipliers.sparse = false;
  multipliers.active.clear();
}

Layer::Layer(std::string type, std::string name, Shape input_shape, Shape output_shape)
    : Layer(std::move(type), std::move(name), std::vector<Shape>{input_shape}, output_shape) {}

Layer::Layer(std::string type, std::string name, std::vector<Shape> input_shapes, Shape output_shape)
    : type_(std::move(type)), name_(std::move(name)), input_shapes_(std::move(input_shapes)), output_shape_(output_shape) {
  if (input_shapes_.empty()) throw Error("layer " + name_ + " (" + type_ + ") has no inputs");
}

void Layer::check_input(const Matrix& input, Shape shape, int count, int index) const {
  if (input.rows() != shape.channels || input.cols() != static_cast<long>(shape.length) * count)
    throw Error("layer " + name_ + " (" + type_ + "): input " + std::to_string(index + 1) + " is " +
                std::to_string(input.rows()) + "x" + std::to_string(input.cols()) + ", expected " + shape.to_string() +
                " x " + std::to_string(count) + " sequences");
}

void Layer::forward(const Matrix& input, Matrix& output, int count) const {
  if (input_count() != 1)
    throw Error("layer " + name_ + " (" + type_ + ") takes " + std::to_string(input_count()) + " inputs, given 1");
  check_input(input, input_shapes_.front(), count, 0);
  output.resize(output_shape_.channels, static_cast<long>(output_shape_.length) * count);
  forward_impl(input, output, count);
}

void Layer::forward(const std::vector<const Matrix*>& inputs, Matrix& output, int count) const {
  if (inputs.size() != input_shapes_.size())
    throw Error("layer " + name_ + " (" + type_ + ") takes " + std::to_string(input_count()) + " inputs, given " +
                std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) check_input(*inputs[i], input_shapes_[i], count, static_cast<int>(i));
  output.resize(output_shape_.channels, static_cast<long>(output_shape_.length) * count);
  forward_inputs_impl(inputs, output, count);
}

// Multipliers of this layer's output for trace.count sequences and
// trace.tasks tasks, dense [C, L·count·tasks] or compact [listed, tasks].
void Layer::check_output_multipliers(const LayerTrace& trace, const Multipliers& output_multipliers) const {
  const long width = static_cast<long>(output_shape_.length) * trace.count * trace.tasks;
  const Matrix& m = output_multipliers.positive;
  const bool shape_ok = output_multipliers.sparse
                            ? m.rows() == static_cast<long>(output_multipliers.active.size()) && m.cols() == trace.tasks
                            : m.rows() == output_shape_.channels && m.cols() == width;
  if (!shape_ok) throw Error("layer " + name_ + " (" + type_ + "): multipliers have the wrong shape");
}

void Layer::backward(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const {
  if (input_count() != 1)
    throw Error("layer " + name_ + " (" + type_ + ") has " + std::to_string(input_count()) +
                " inputs: its backward pass gives one set of multipliers per input");
  check_output_multipliers(trace, output_multipliers);
  input_multipliers.split = false;
  input_multipliers.sparse = false;
  input_multipliers.active.clear();
  if (output_multipliers.sparse && !accepts_sparse_multipliers()) {
    thread_local Multipliers dense;
    densified(output_multipliers, output_shape_, trace.count, trace.tasks, dense);
    backward_impl(trace, rule, dense, input_multipliers);
  } else {
    backward_impl(trace, rule, output_multipliers, input_multipliers);
  }
  if (input_multipliers.sparse && !trace.sparse_input_multipliers)
    make_dense(input_multipliers, input_shapes_.front(), trace.count, trace.tasks);
}

void Layer::backward(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     std::vector<Multipliers>& input_multipliers) const {
  input_multipliers.resize(input_shapes_.size());
  if (input_count() == 1) {
    backward(trace, rule, output_multipliers, input_multipliers.front());
    return;
  }
  check_output_multipliers(trace, output_multipliers);
  for (auto& in : input_multipliers) {
    in.split = false;
    in.sparse = false;
    in.active.clear();
  }
  if (output_multipliers.sparse) {
    thread_local Multipliers dense;
    densified(output_multipliers, output_shape_, trace.count, trace.tasks, dense);
    backward_inputs_impl(trace, rule, dense, input_multipliers);
  } else {
    backward_inputs_impl(trace, rule, output_multipliers, input_multipliers);
  }
  for (size_t i = 0; i < input_multipliers.size(); ++i)
    if (input_multipliers[i].sparse) make_dense(input_multipliers[i], input_shapes_[i], trace.count, trace.tasks);
}

void Layer::forward_impl(const Matrix&, Matrix&, int) const {
  throw Error("layer " + name_ + " (" + type_ + ") has no single-input forward pass");
}

void Layer::backward_impl(const LayerTrace&, NonlinearRule, const Multipliers&, Multipliers&) const {
  throw Error("layer " + name_ + " (" + type_ + ") has no single-input backward pass");
}

void Layer::forward_inputs_impl(const std::vector<const Matrix*>& inputs, Matrix& output, int count) const {
  forward_impl(*inputs.front(), output, count);
}

void Layer::backward_inputs_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                                 std::vector<Multipliers>& input_multipliers) const {
  backward_impl(trace, rule, output_multipliers, input_multipliers.front());
}

void Layer::split_delta(const Matrix&, const Multipliers*, int, Matrix&, Matrix&, int) const {
  throw Error("layer " + name_ + " (" + type_ + ") has no weights to split its delta by");
}

void Layer::accumulate_parameter_gradients(const Matrix&, const Matrix&, int, std::vector<Vector>&) const {
  throw Error("layer " + name_ + " (" + type_ + ") has no parameters to take gradients of");
}

void Layer::require_unsplit(const Multipliers& multipliers) const {
  if (multipliers.split)
    throw Error("layer " + name_ + " (" + type_ +
                "): received split multipliers; only conv1d/dense and pass-through layers take them");
}

}  // namespace deeplift
