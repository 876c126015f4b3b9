// The parameter-free elementwise nonlinearities: relu, sigmoid, tanh.
#pragma once
#include <memory>

#include "deeplift/layers/elementwise.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Relu : public ElementwiseLayer {
 public:
  Relu(std::string name, Shape shape) : ElementwiseLayer("relu", std::move(name), shape) {}
  static std::unique_ptr<Layer> create(const LayerConfig& config);
  void activate(const Matrix& z, Matrix& y, int count) const override;
  void derivative(const Matrix& z, Matrix& slope, int count) const override;
};

class Sigmoid : public ElementwiseLayer {
 public:
  Sigmoid(std::string name, Shape shape) : ElementwiseLayer("sigmoid", std::move(name), shape) {}
  static std::unique_ptr<Layer> create(const LayerConfig& config);
  void activate(const Matrix& z, Matrix& y, int count) const override;
  void derivative(const Matrix& z, Matrix& slope, int count) const override;
};

class Tanh : public ElementwiseLayer {
 public:
  Tanh(std::string name, Shape shape) : ElementwiseLayer("tanh", std::move(name), shape) {}
  static std::unique_ptr<Layer> create(const LayerConfig& config);
  void activate(const Matrix& z, Matrix& y, int count) const override;
  void derivative(const Matrix& z, Matrix& slope, int count) const override;
};

}  // namespace deeplift
