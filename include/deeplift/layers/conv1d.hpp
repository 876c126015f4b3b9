// 1-D convolution, PyTorch nn.Conv1d (cross-correlation), weight
// [out_channels, in_channels, kernel_size]; padding "valid" or "same"
// (TensorFlow's split, docs/model-format.md), any stride and dilation.
//
// Computed as GEMMs: im2col gathers each output position's receptive field
// into a column of K*Cin values (position-major, so with stride 1 and no
// dilation it is one contiguous copy) and the whole batch is one GEMM; when
// that copy would be the input itself (see im2col_is_a_view) each sequence
// is one GEMM on a strided view instead. The DeepLIFT backward pass is the
// transposed GEMM followed by col2im.
#pragma once
#include <memory>

#include "deeplift/layers/layer.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Conv1d : public Layer {
 public:
  struct Geometry {
    int kernel_size = 1;
    int stride = 1;
    int dilation = 1;
    int pad_left = 0;
  };

  // `weight` is [out_channels, kernel_size * in_channels] with column
  // k * in_channels + c holding PyTorch's weight[out, c, k].
  Conv1d(std::string name, Shape input, Shape output, Geometry geometry, Matrix weight, Vector bias);
  static std::unique_ptr<Layer> create(const LayerConfig& config);

  bool has_weights() const override { return true; }
  bool accepts_sparse_multipliers() const override { return true; }
  void split_delta(const Matrix& input_delta, const Multipliers* needed, int tasks, Matrix& delta_plus,
                   Matrix& delta_minus, int count) const override;

  // Training: weight [Cout, K*Cin] (the layout above) and bias [Cout].
  std::vector<ParameterBlock> parameters() override;
  // grad W = grad_out × im2col(input)ᵀ (one GEMM over the batch), grad b =
  // row sums of grad_out.
  void accumulate_parameter_gradients(const Matrix& input, const Matrix& output_gradient, int count,
                                      std::vector<Vector>& gradients) const override;
  void parameters_updated() override;
  // weight in PyTorch's [out_channels, in_channels, kernel_size], then bias.
  std::vector<NamedTensor> state_dict() const override;

  // Receptive fields of every output position: [K*Cin, Lout*count].
  void im2col(const Matrix& input, int count, Matrix& columns) const;
  // Adjoint of im2col: sums each column back onto the input positions it came from.
  void col2im(const Matrix& columns, int count, Matrix& input) const;

  // Sequences per chunk so that a column buffer ([K*Cin, Lout*chunk]) holds
  // at most kColumnBufferFloats (at least one sequence). Small enough to
  // stay in a core's L2 cache between the GEMM that writes it (Eigen zeroes
  // its destination first) and the col2im that reads it: with 32 MB chunks
  // the zeroing and col2im went to memory and took 15% of a Rescale run on
  // the bundled model (docs/performance.md). It also bounds memory: a k=75
  // conv on 2114 bp × 40 (pair, task) blocks would need 1.6 GB at once.
  static constexpr long kColumnBufferFloats = 128L << 10;  // 512 KB
  // Whether this layer ever fills a column buffer: not with few output
  // channels (is_narrow), which skip im2col and col2im altogether.
  bool uses_column_buffers() const { return !is_narrow(); }

 private:
  // im2col of sequences [first_sequence, first_sequence + count), and the
  // adjoint adding into those sequences of `input` (sized for all).
  void im2col(const Matrix& input, int first_sequence, int count, Matrix& columns) const;
  void col2im_add(const Matrix& columns, int first_sequence, int count, Matrix& input) const;
  int chunk_sequences(int sequences) const;

  // With valid padding and unit stride and dilation (the usual genomics
  // conv), a sequence's im2col block is its input itself, viewed with outer
  // stride Cin: the forward pass and the weight gradient then run one GEMM
  // per sequence on that view instead of building a K-fold larger buffer.
  using Im2colView = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;
  bool im2col_is_a_view() const;
  Im2colView im2col_view(const Matrix& input, int n) const;  // sequence n's [K*Cin, Lout] block

  // A conv with few output channels and unit stride and dilation (a
  // profile head: k=75 over 64 channels into 2 strands) runs one dot
  // product per output over its contiguous receptive field, and its
  // backward pass credits each non-zero output's field directly
  // (sparse_backward): as GEMMs, im2col would copy every field into a
  // K*Cin-row column (75-fold the input) and the GEMM pack it again, all to
  // multiply it by only Cout rows; the transposed GEMM likewise writes
  // K*Cin rows per output position for col2im to add up. Same products,
  // different summation order (docs/decisions.md).
  static constexpr int kNarrowChannels = 4;
  bool is_narrow() const;
  void narrow_forward(const Matrix& input, Matrix& output, int count) const;

  void forward_impl(const Matrix& input, Matrix& output, int count) const override;
  void backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const override;

  // Multipliers behind a max pool are mostly 0 (one position of each
  // window per channel): below this density the RevealCancel split works
  // element by element on the non-zero entries instead of as dense GEMMs.
  // Same arithmetic, different summation order. Sparse output multipliers
  // (Multipliers) give the elements as a list; otherwise they are found by
  // scanning.
  static constexpr double kSparseDensity = 0.08;
  // The same for the backward pass of unsplit multipliers (M⁺ = M⁻), which
  // credits each non-zero output's receptive field directly (sparse_backward). That skips the transposed
  // GEMM's K*Cin-row result and col2im, so it wins up to a higher density
  // than the split: on the bundled model, whose ReLUs leave ~20% of the
  // multipliers non-zero at the second conv, it took 17% off a Rescale run;
  // at 0.4 grad-input (denser) got slower (docs/performance.md).
  static constexpr double kSparseBackwardDensity = 0.25;

  void sparse_backward(const LayerTrace& trace, const Multipliers& out, Multipliers& in) const;

  // Every form of the weights below that is computed from weight_, in one
  // place: the constructor and parameters_updated() both call it, so none
  // can be left behind by a training update.
  void derive_cached_weights();

  Geometry geometry_;
  Matrix weight_;  // [Cout, K*Cin]
  Vector bias_;
  // Derived from weight_ (derive_cached_weights):
  Matrix weight_positive_, weight_negative_, weight_abs_;
  // Transposes ([K*Cin, Cout]): one output channel's filter is a contiguous column.
  Matrix weight_t_, weight_positive_t_, weight_negative_t_;
};

// Output length and left padding of a convolution/pooling window (docs/model-format.md).
int valid_output_length(int length, int kernel_size, int stride, int dilation);
int same_total_padding(int length, int kernel_size, int stride, int dilation);

}  // namespace deeplift
