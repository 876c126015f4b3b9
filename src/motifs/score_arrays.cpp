#include "deeplift/motifs/score_arrays.hpp"

#include <stdexcept>

#include "deeplift/errors.hpp"
#include "deeplift/io/npz_reader.hpp"

namespace deeplift {

std::vector<float> ScoreArrays::per_position_scores() const {
  std::vector<float> scores(static_cast<std::size_t>(count * length), 0.0f);
  for (long n = 0; n < count; ++n)
    for (int c = 0; c < 4; ++c) {
      const float* row = contrib.data() + index(n, c, 0);
      float* out = scores.data() + n * length;
      for (long l = 0; l < length; ++l) out[l] += row[l];
    }
  return scores;
}

namespace {

std::string shape_text(const std::vector<long>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

NpyArray read_checked(const std::string& path) {
  NpyArray array = read_npz_array(path);
  if (array.shape.size() != 3 || array.shape[1] != 4)
    throw FormatError("'" + path + "': array of shape " + shape_text(array.shape) +
                      "; expected (N, 4, L) as score-seqs writes (rows A, C, G, T)");
  return array;
}

}  // namespace

ScoreArrays read_score_arrays(const std::string& prefix, const std::string& task) {
  const std::string ohe_path = prefix + ".ohe.npz";
  NpyArray ohe = read_checked(ohe_path);
  ScoreArrays arrays;
  arrays.count = ohe.shape[0];
  arrays.length = ohe.shape[2];
  arrays.one_hot = std::move(ohe.values);
  for (const char* kind : {"contrib", "hyp"}) {
    const std::string path = prefix + "." + task + "." + kind + ".npz";
    NpyArray array = read_checked(path);
    if (array.shape[0] != arrays.count || array.shape[2] != arrays.length)
      throw FormatError("'" + path + "': shape " + shape_text(array.shape) + " differs from '" + ohe_path + "' " +
                        shape_text({arrays.count, 4, arrays.length}));
    (kind[0] == 'c' ? arrays.contrib : arrays.hyp) = std::move(array.values);
  }
  return arrays;
}

ScoreArrays make_score_arrays(long count, long length, std::vector<float> one_hot, std::vector<float> contrib,
                              std::vector<float> hyp) {
  const std::size_t size = static_cast<std::size_t>(count * 4 * length);
  if (count < 0 || length < 0 || one_hot.size() != size || contrib.size() != size || hyp.size() != size)
    throw std::invalid_argument("make_score_arrays: each array must hold count * 4 * length values");
  ScoreArrays arrays;
  arrays.count = count;
  arrays.length = length;
  arrays.one_hot = std::move(one_hot);
  arrays.contrib = std::move(contrib);
  arrays.hyp = std::move(hyp);
  return arrays;
}

}  // namespace deeplift
