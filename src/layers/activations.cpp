#include "deeplift/layers/activations.hpp"

namespace deeplift {

std::unique_ptr<Layer> Relu::create(const LayerConfig& config) {
  return std::make_unique<Relu>(config.name(), config.input());
}
void Relu::activate(const Matrix& z, Matrix& y, int) const { y = z.cwiseMax(0.0f); }
void Relu::derivative(const Matrix& z, Matrix& slope, int) const {
  slope = (z.array() > 0.0f).cast<float>().matrix();  // left derivative: 0 at z == 0
}

std::unique_ptr<Layer> Sigmoid::create(const LayerConfig& config) {
  return std::make_unique<Sigmoid>(config.name(), config.input());
}
void Sigmoid::activate(const Matrix& z, Matrix& y, int) const {
  y = (1.0f / (1.0f + (-z.array()).exp())).matrix();
}
void Sigmoid::derivative(const Matrix& z, Matrix& slope, int count) const {
  Matrix y;
  activate(z, y, count);
  slope = (y.array() * (1.0f - y.array())).matrix();
}

std::unique_ptr<Layer> Tanh::create(const LayerConfig& config) {
  return std::make_unique<Tanh>(config.name(), config.input());
}
void Tanh::activate(const Matrix& z, Matrix& y, int) const { y = z.array().tanh().matrix(); }
void Tanh::derivative(const Matrix& z, Matrix& slope, int) const {
  slope = (1.0f - z.array().tanh().square()).matrix();
}

}  // namespace deeplift
