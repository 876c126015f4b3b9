// crop1d, add and concat (docs/graph-models.md): forward passes against index
// loops written here, backward passes against the brute-force transpose of
// the layer's Jacobian (a linear layer's DeepLIFT multipliers, M⁺ and M⁻
// alike, are the transposed Jacobian applied to the output's).
#include <gtest/gtest.h>

#include <random>

#include "../support/finite_difference.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/layers/add.hpp"
#include "deeplift/layers/concat.hpp"
#include "deeplift/layers/crop1d.hpp"

namespace deeplift {
namespace {

using testing_support::random_matrix;

constexpr int kCount = 3;
constexpr int kTasks = 2;

// Brute-force input multipliers of input `which` of a linear layer: the
// Jacobian column of each input element is the forward pass of a unit
// vector (all other inputs 0), dotted with each task's output multipliers.
Matrix jacobian_transpose_times(const Layer& layer, int which, const Matrix& out_multipliers) {
  const Shape in = layer.input_shapes()[which], out = layer.output_shape();
  std::vector<Matrix> inputs;
  for (const Shape& shape : layer.input_shapes()) inputs.push_back(Matrix::Zero(shape.channels, shape.length));
  std::vector<const Matrix*> pointers;
  for (const auto& input : inputs) pointers.push_back(&input);
  Matrix result = Matrix::Zero(in.channels, static_cast<long>(in.length) * kCount * kTasks);
  Matrix y;
  for (int c = 0; c < in.channels; ++c)
    for (int l = 0; l < in.length; ++l) {
      inputs[which].setZero();
      inputs[which](c, l) = 1.0f;
      layer.forward(pointers, y, 1);  // column (c, l) of the Jacobian, [out.channels, out.length]
      for (int s = 0; s < kCount * kTasks; ++s) {
        const auto m = out_multipliers.middleCols(static_cast<long>(s) * out.length, out.length);
        result(c, static_cast<long>(s) * in.length + l) = (m.array() * y.array()).sum();
      }
    }
  return result;
}

void check_backward(const Layer& layer, std::mt19937& rng) {
  const Shape out = layer.output_shape();
  Multipliers output_multipliers;
  output_multipliers.positive = random_matrix(out.channels, static_cast<long>(out.length) * kCount * kTasks, rng);
  output_multipliers.negative = random_matrix(out.channels, static_cast<long>(out.length) * kCount * kTasks, rng);
  output_multipliers.split = true;
  std::vector<Matrix> inputs;
  for (const Shape& shape : layer.input_shapes())
    inputs.push_back(random_matrix(shape.channels, static_cast<long>(shape.length) * kCount, rng));
  Matrix output;
  std::vector<const Matrix*> pointers;
  for (const auto& input : inputs) pointers.push_back(&input);
  layer.forward(pointers, output, kCount);
  LayerTrace trace{inputs[0], inputs[0], output, output, nullptr, nullptr, kCount, kTasks};
  trace.inputs = pointers;
  trace.inputs_ref = pointers;
  std::vector<Multipliers> input_multipliers;
  layer.backward(trace, NonlinearRule::Rescale, output_multipliers, input_multipliers);
  ASSERT_EQ(static_cast<int>(input_multipliers.size()), layer.input_count());
  for (int i = 0; i < layer.input_count(); ++i) {
    ASSERT_TRUE(input_multipliers[i].split) << "M⁺/M⁻ pass through " << layer.type();
    const Matrix plus = jacobian_transpose_times(layer, i, output_multipliers.positive);
    const Matrix minus = jacobian_transpose_times(layer, i, output_multipliers.negative);
    EXPECT_TRUE(input_multipliers[i].positive.isApprox(plus, 1e-6f)) << layer.type() << " input " << i;
    EXPECT_TRUE(input_multipliers[i].negative.isApprox(minus, 1e-6f)) << layer.type() << " input " << i;
  }
}

TEST(Crop1d, ForwardKeepsTheMiddlePositions) {
  std::mt19937 rng(1);
  const Crop1d crop("crop", Shape{3, 10}, 2, 5);
  EXPECT_EQ(crop.output_shape(), (Shape{3, 3}));
  const Matrix x = random_matrix(3, 10 * kCount, rng);
  Matrix y;
  crop.forward(x, y, kCount);
  ASSERT_EQ(y.cols(), 3 * kCount);
  for (int n = 0; n < kCount; ++n)
    for (int c = 0; c < 3; ++c)
      for (int l = 0; l < 3; ++l) EXPECT_EQ(y(c, n * 3 + l), x(c, n * 10 + 2 + l));
}

TEST(Crop1d, BackwardIsTheJacobianTranspose) {
  std::mt19937 rng(2);
  check_backward(Crop1d("crop", Shape{3, 10}, 2, 5), rng);
  check_backward(Crop1d("none", Shape{2, 4}, 0, 0), rng);
}

TEST(Add, ForwardSumsItsInputs) {
  std::mt19937 rng(3);
  const Add add("sum", {Shape{2, 5}, Shape{2, 5}, Shape{2, 5}});
  const Matrix a = random_matrix(2, 5 * kCount, rng), b = random_matrix(2, 5 * kCount, rng),
               c = random_matrix(2, 5 * kCount, rng);
  Matrix y;
  add.forward(std::vector<const Matrix*>{&a, &b, &c}, y, kCount);
  for (long i = 0; i < y.size(); ++i) EXPECT_FLOAT_EQ(y.data()[i], a.data()[i] + b.data()[i] + c.data()[i]);
}

TEST(Add, BackwardIsTheJacobianTranspose) {
  std::mt19937 rng(4);
  check_backward(Add("sum", {Shape{2, 5}, Shape{2, 5}}), rng);
}

TEST(Concat, ForwardStacksChannelsInInputOrder) {
  std::mt19937 rng(5);
  const Concat concat("cat", {Shape{2, 4}, Shape{3, 4}});
  EXPECT_EQ(concat.output_shape(), (Shape{5, 4}));
  const Matrix a = random_matrix(2, 4 * kCount, rng), b = random_matrix(3, 4 * kCount, rng);
  Matrix y;
  concat.forward(std::vector<const Matrix*>{&a, &b}, y, kCount);
  for (int n = 0; n < kCount; ++n)
    for (int l = 0; l < 4; ++l)
      for (int c = 0; c < 5; ++c)
        EXPECT_EQ(y(c, n * 4 + l), c < 2 ? a(c, n * 4 + l) : b(c - 2, n * 4 + l));
}

TEST(Concat, BackwardIsTheJacobianTranspose) {
  std::mt19937 rng(6);
  check_backward(Concat("cat", {Shape{2, 4}, Shape{3, 4}, Shape{1, 4}}), rng);
}

TEST(GraphLayers, ShapeAndInputCountErrors) {
  EXPECT_THROW(Add("sum", {Shape{2, 5}, Shape{2, 4}}), Error);
  EXPECT_THROW(Add("sum", {Shape{2, 5}}), Error);
  EXPECT_THROW(Concat("cat", {Shape{2, 5}, Shape{2, 4}}), Error);
  EXPECT_THROW(Crop1d("crop", Shape{2, 5}, 3, 2), Error);
  const Add add("sum", {Shape{2, 5}, Shape{2, 5}});
  const Matrix x = Matrix::Zero(2, 5);
  Matrix y;
  EXPECT_THROW(add.forward(x, y, 1), Error);  // a single input given to a two-input layer
}

}  // namespace
}  // namespace deeplift
