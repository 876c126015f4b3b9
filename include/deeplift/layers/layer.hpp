// Base of every layer: a forward pass and, side by side, its DeepLIFT
// backward rule (docs/scoring.md). One file pair per layer type; a new type is one
// new file pair plus one line in layers/registry.cpp.
//
// Activations of `count` sequences are a [channels, length * count] matrix
// (see tensor.hpp). Multipliers carry one extra batch dimension for the
// tasks: [channels, length * count * tasks], task-major.
//
// A layer has one or more inputs (docs/graph-models.md): most layers take
// one and override the single-input forward_impl/backward_impl; layers that
// combine several (add, concat) override forward_inputs_impl and
// backward_inputs_impl instead, whose backward gives one set of multipliers
// per input.
#pragma once
#include <string>
#include <vector>

#include "deeplift/tensor.hpp"

namespace deeplift {

// How an elementwise nonlinearity turns the multiplier of its output into
// multipliers of its input (docs/scoring.md).
enum class NonlinearRule {
  Rescale,       // m = Δy/Δz
  RevealCancel,  // separate M⁺, M⁻ from Δz⁺, Δz⁻ of the conv/dense layer producing the input
  Gradient,      // m = f'(z) at the input sequence: gradient×input
  // Guided backpropagation (Springenberg et al. 2015): the gradient, but
  // only positive gradients pass back through a nonlinearity.
  GuidedGradient,
};

// Multipliers on one side of a layer. Elementwise layers under RevealCancel
// produce separate multipliers for the positive and negative parts of their
// input's Δ (M⁺, M⁻); everywhere else the two are equal and only `positive`
// is filled.
//
// Sparse form (docs/decisions.md): behind a max pool with disjoint windows
// each window sends its multiplier to one position per channel, so almost
// every entry of the dense [C, L·count·tasks] matrices would be 0. When
// `sparse` is set, `active` lists element indices into one task block
// [C, L·count] (ascending, unique, the same list for every task), and
// `positive` and (if split) `negative` are compact [active.size(), tasks]:
// entry (i, t) is task t's multiplier at element active[i]. Every element
// not listed has multiplier 0 for every task. Readers go through the list
// instead of scanning, and nothing is zeroed or scattered over megabytes.
// Only layers that accept_sparse_multipliers() are given this form
// (Layer::backward densifies for the others), and a layer produces it only
// when its LayerTrace allows (sparse_input_multipliers).
struct Multipliers {
  Matrix positive;
  Matrix negative;
  bool split = false;
  bool sparse = false;
  std::vector<long> active;  // when sparse: the listed elements of one task block
};

// The dense form of multipliers of `count` sequences of `shape` for `tasks`
// tasks, in place or into `dense` (a copy when already dense).
void make_dense(Multipliers& multipliers, Shape shape, int count, int tasks);
void densified(const Multipliers& multipliers, Shape shape, int count, int tasks, Multipliers& dense);
// compact[i] = full.data()[active[i]]: the listed elements of one block.
void gather_listed(const Matrix& full, const std::vector<long>& active, Matrix& compact);

// What the forward passes of the input and the reference batch leave for one
// layer's backward step.
struct LayerTrace {
  const Matrix& input;       // this layer's (first) input, input sequences
  const Matrix& input_ref;   // this layer's (first) input, references (same width)
  const Matrix& output;      // this layer's output, input sequences
  const Matrix& output_ref;  // this layer's output, references
  // Δz⁺ and Δz⁻ of this layer's input as split by the conv/dense layer that
  // produced it (looked up through pass-through layers, docs/graph-models.md);
  // set only for elementwise layers under RevealCancel. With sparse output
  // multipliers they are compact, one row per listed element
  // (Layer::split_delta).
  const Matrix* delta_plus = nullptr;
  const Matrix* delta_minus = nullptr;
  int count = 0;  // sequences in the batch
  int tasks = 0;  // targets whose multipliers travel together
  // Every sequence has the same reference: input_ref and output_ref repeat
  // one sequence's block, and readers may take the first one's values.
  bool shared_reference = false;
  // The caller accepts this layer's input multipliers in the sparse form
  // (Multipliers). Only DeepLiftScorer sets it; training and tests that call
  // backward() directly always get dense multipliers.
  bool sparse_input_multipliers = false;
  // Every input of a multi-input layer (add, concat), in input order; empty
  // for single-input layers, which read `input`/`input_ref`.
  std::vector<const Matrix*> inputs = {}, inputs_ref = {};
};

// One trainable tensor of a layer, seen in the layer's own storage order
// (which need not be PyTorch's; state_dict() converts). Training updates
// `values` in place and then calls Layer::parameters_updated().
struct ParameterBlock {
  enum class Role { Weight, Bias, Slope };
  std::string name;  // PyTorch state_dict name: "<layer>.weight", "<layer>.bias"
  float* values = nullptr;
  long size = 0;
  Role role = Role::Weight;
  long fan_in = 0;  // inputs feeding one output (conv: in_channels·kernel_size); 0 for slopes
};

class Layer {
 public:
  virtual ~Layer() = default;

  const std::string& type() const { return type_; }
  const std::string& name() const { return name_; }
  // Shapes of the inputs, in input order; input_shape() is the first.
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }
  int input_count() const { return static_cast<int>(input_shapes_.size()); }
  Shape input_shape() const { return input_shapes_.front(); }
  Shape output_shape() const { return output_shape_; }

  // Forward pass of `count` sequences, one matrix per input; checks the
  // input shapes.
  void forward(const std::vector<const Matrix*>& inputs, Matrix& output, int count) const;
  // The same for a single-input layer.
  void forward(const Matrix& input, Matrix& output, int count) const;

  // Multipliers of this layer's inputs (one entry per input, resized here)
  // from those of its output. Sparse output multipliers are densified first
  // unless the layer accepts them; sparse input multipliers are densified
  // unless the trace allows them.
  void backward(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                std::vector<Multipliers>& input_multipliers) const;
  // The same for a single-input layer.
  void backward(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                Multipliers& input_multipliers) const;

  // conv1d and dense: the layers whose Δ RevealCancel splits (docs/scoring.md).
  virtual bool has_weights() const { return false; }
  // Δz⁺ = Σ max(w·Δx, 0) and Δz⁻ = Σ min(w·Δx, 0) per output, bias excluded.
  // `needed` (optional) holds the multipliers of `tasks` tasks that will be
  // applied to this layer's outputs ([C, L*count*tasks]; its `positive`):
  // outputs whose multiplier is 0 for every task need no split and may be
  // left 0. When `needed` is sparse, only its listed outputs are split, and
  // delta_plus/delta_minus are compact [listed elements, 1] in list order.
  virtual void split_delta(const Matrix& input_delta, const Multipliers* needed, int tasks, Matrix& delta_plus,
                           Matrix& delta_minus, int count) const;
  // Linear layers that only move, crop or sum values (crop1d, flatten,
  // concat, add): the Δz⁺/Δz⁻ split of their output is their forward pass
  // applied to the splits of their inputs, and they pass split multipliers
  // M⁺/M⁻ back unchanged per element (docs/graph-models.md).
  virtual bool passes_delta_split() const { return false; }
  // Whether backward accepts split output multipliers (M⁺ ≠ M⁻): the
  // layers with weights (the linear rule) and the pass-through layers.
  bool accepts_split_multipliers() const { return has_weights() || passes_delta_split(); }
  virtual bool is_elementwise() const { return false; }
  // Whether backward_impl handles output multipliers in the sparse form.
  virtual bool accepts_sparse_multipliers() const { return false; }

  // --- Training (training/). Layers without parameters keep the defaults. ---
  // Views of the trainable tensors, in a fixed order.
  virtual std::vector<ParameterBlock> parameters() { return {}; }
  // Adds to gradients[i] (sized like parameters()[i], same flat layout) the
  // gradient of a scalar loss with respect to parameter block i, given this
  // layer's input for `count` sequences and the loss's gradient with respect
  // to its output, [out_channels, out_length * count]. The input gradient is
  // backward() under NonlinearRule::Gradient.
  virtual void accumulate_parameter_gradients(const Matrix& input, const Matrix& output_gradient, int count,
                                              std::vector<Vector>& gradients) const;
  // Recomputes what is derived from the parameters (W⁺/W⁻, broadcast
  // slopes) after they were changed through parameters().
  virtual void parameters_updated() {}
  // The parameters as a model file stores them (docs/model-format.md names and PyTorch
  // shapes), in parameters() order.
  virtual std::vector<NamedTensor> state_dict() const { return {}; }

 protected:
  Layer(std::string type, std::string name, Shape input_shape, Shape output_shape);
  Layer(std::string type, std::string name, std::vector<Shape> input_shapes, Shape output_shape);

  // Single-input layers override these two.
  virtual void forward_impl(const Matrix& input, Matrix& output, int count) const;
  virtual void backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                             Multipliers& input_multipliers) const;
  // Multi-input layers override these two instead (the defaults call the
  // single-input versions). Output multipliers arrive dense;
  // input_multipliers has one entry per input.
  virtual void forward_inputs_impl(const std::vector<const Matrix*>& inputs, Matrix& output, int count) const;
  virtual void backward_inputs_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                                    std::vector<Multipliers>& input_multipliers) const;

  // Throws unless `multipliers` is unsplit: pooling layers and
  // nonlinearities never receive split multipliers (the scorer resolves
  // them by the sign of Δ first, docs/graph-models.md).
  void require_unsplit(const Multipliers& multipliers) const;

 private:
  void check_output_multipliers(const LayerTrace& trace, const Multipliers& output_multipliers) const;

  void check_input(const Matrix& input, Shape shape, int count, int index) const;

  std::string type_;
  std::string name_;
  std::vector<Shape> input_shapes_;
  Shape output_shape_;
};

}  // namespace deeplift
