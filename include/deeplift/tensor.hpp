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
#include <cstdint>
#include <string>
#include <vector>

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

// A float32 tensor of any rank in row-major (C) order: a layer's state as a
// model file stores it (docs/model-format.md), independent of any container
// format. Readers and writers of files convert to and from it.
struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;  // row-major (C order)
  int64_t element_count() const {
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    return count;
  }
};

// A tensor with its name, in the order a writer lays them out.
struct NamedTensor {
  std::string name;
  FloatTensor tensor;
};

}  // namespace deeplift
