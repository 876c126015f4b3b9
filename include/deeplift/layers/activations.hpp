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
  void values_at(const float* z, const int* index, float* y, long n) const override;
  void slopes_at(const float* z, const int* index, float* slope, long n) const override;
  void secants_at(const float* z, const float* z_ref, const int* index, float* secant, long n) const override;

 protected:
  void values_block(const float* z, float* y, long n) const override;
  void slopes_block(const float* z, float* slope, long n) const override;
};

class Sigmoid : public ElementwiseLayer {
 public:
  Sigmoid(std::string name, Shape shape) : ElementwiseLayer("sigmoid", std::move(name), shape) {}
  static std::unique_ptr<Layer> create(const LayerConfig& config);
  void values_at(const float* z, const int* index, float* y, long n) const override;
  void slopes_at(const float* z, const int* index, float* slope, long n) const override;
};

class Tanh : public ElementwiseLayer {
 public:
  Tanh(std::string name, Shape shape) : ElementwiseLayer("tanh", std::move(name), shape) {}
  static std::unique_ptr<Layer> create(const LayerConfig& config);
  void values_at(const float* z, const int* index, float* y, long n) const override;
  void slopes_at(const float* z, const int* index, float* slope, long n) const override;
};

}  // namespace deeplift
