// Base of elementwise nonlinearities (relu, prelu, sigmoid, tanh). A
// subclass supplies f and its left derivative f' on a list of elements; the
// forward pass and the three DeepLIFT rules (docs/scoring.md) are written once here.
#pragma once
#include "deeplift/layers/layer.hpp"

namespace deeplift {

class ElementwiseLayer : public Layer {
 public:
  bool is_elementwise() const override { return true; }
  bool accepts_sparse_multipliers() const override { return true; }

  // y[i] = f(z[i]) for n elements; index[i] is element i's flat position in
  // one sequence's column-major [C, L] block (PReLU's slopes depend on it).
  virtual void values_at(const float* z, const int* index, float* y, long n) const = 0;
  // f'(z[i]), the left derivative at a kink (as PyTorch: ReLU'(0) = 0).
  virtual void slopes_at(const float* z, const int* index, float* slope, long n) const = 0;

  // Rescale's multiplier Δy/Δz = (f(z) − f(z0))/(z − z0) for |z − z0| >=
  // kRescaleEpsilon. In float32, f(z) − f(z0) cancels when z is close to z0;
  // the default evaluates smooth functions there by the slope at the
  // midpoint (the secant up to O(Δz²)); piecewise-linear subclasses override
  // with their exact secant.
  virtual void secants_at(const float* z, const float* z_ref, const int* index, float* secant, long n) const;

  // Whole-batch versions ([C, L*count]).
  void activate(const Matrix& z, Matrix& y, int count) const;
  void derivative(const Matrix& z, Matrix& slope, int count) const;

 protected:
  ElementwiseLayer(std::string type, std::string name, Shape shape) : Layer(std::move(type), std::move(name), shape, shape) {}

  // values_at / slopes_at on one whole sequence's [C, L] block, element i
  // at position i (n == C·L). activate() and derivative() run on these: a
  // subclass whose f depends on the position (PReLU) overrides them with a
  // branch-free loop over its own contiguous parameters instead of the
  // gather through an index list. Default: the *_at versions with 0, 1, ….
  virtual void values_block(const float* z, float* y, long n) const;
  virtual void slopes_block(const float* z, float* slope, long n) const;

 private:
  void forward_impl(const Matrix& input, Matrix& output, int count) const override { activate(input, output, count); }
  void backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const override;
  // Gradient, guided gradient and Rescale on dense multipliers.
  void dense_backward(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                      Multipliers& input_multipliers) const;
};

// Below this |Δz| Rescale falls back to the gradient at the reference
// (docs/scoring.md): Δy/Δz is then numerically meaningless.
constexpr float kRescaleEpsilon = 1e-7f;

}  // namespace deeplift
