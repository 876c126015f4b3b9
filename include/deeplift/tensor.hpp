// Dense float32 storage shared by every layer.
//
// A batch of activations of shape [channels, length] for `count` sequences is
// one column-major Eigen matrix with `channels` rows and `length * count`
// columns: sequence n occupies columns [n*length, (n+1)*length). A column is
// then the channel vector at one position, so a convolution's im2col is a
// contiguous copy and a convolution is one GEMM over the whole batch.
//
// DeepLIFT multipliers for T tasks use the same layout with count = N*T:
// task t of sequence n is "sequence" t*N + n.
#pragma once
#include <Eigen/Dense>
#include <string>

namespace deeplift {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

// Shape of one sequence's activations at some layer boundary.
struct Shape {
  int channels = 0;
  int length = 0;
  long size() const { return static_cast<long>(channels) * length; }
  bool operator==(const Shape& other) const {
    return channels == other.channels && length == other.length;
  }
  bool operator!=(const Shape& other) const { return !(*this == other); }
  std::string to_string() const {
    return "[" + std::to_string(channels) + ", " + std::to_string(length) + "]";
  }
};

}  // namespace deeplift
