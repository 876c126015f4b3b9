#include "deeplift/io/npz_shard_merge.hpp"

#include <climits>
#include <memory>
#include <stdexcept>

#include "deeplift/errors.hpp"
#include "deeplift/io/npz_reader.hpp"
#include "deeplift/io/npz_writer.hpp"

namespace deeplift {
namespace {

std::string shape_text(const std::vector<long>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

long merge_shard_npz(const std::vector<std::string>& shard_paths, const std::string& out_path) {
  if (shard_paths.empty()) throw std::invalid_argument("merge_shard_npz: no shard given");

  // All shards are open at once (one zip handle each) because their rows
  // alternate; a read consumes one row, so memory does not grow with n_k.
  std::vector<std::unique_ptr<NpzArrayReader>> shards;
  shards.reserve(shard_paths.size());
  for (const auto& path : shard_paths) {
    shards.push_back(std::make_unique<NpzArrayReader>(path));
    const auto& shape = shards.back()->shape();
    if (shape.size() != 3)
      throw FormatError("'" + path + "': arr_0 has shape " + shape_text(shape) +
                        "; expected (rows, channels, length) as score-seqs writes");
  }

  const auto& first = shards.front()->shape();
  if (first[1] > INT_MAX || first[2] > INT_MAX || first[1] == 0 || first[2] == 0)
    throw FormatError("'" + shard_paths.front() + "': arr_0 has shape " + shape_text(first) +
                      "; expected non-empty rows of at most INT_MAX channels and positions");
  long total = 0;
  for (std::size_t k = 0; k < shards.size(); ++k) {
    const auto& shape = shards[k]->shape();
    const std::string shard_name = "shard " + std::to_string(k + 1) + " of " + std::to_string(shards.size());
    if (shape[1] != first[1] || shape[2] != first[2])
      throw InputError("'" + shard_paths[k] + "' (" + shard_name + "): rows of shape " +
                       shape_text({shape[1], shape[2]}) + ", but '" + shard_paths.front() + "' has " +
                       shape_text({first[1], first[2]}));
    // Dealing rows out in turn gives the first (total mod N) shards one row
    // more than the others: counts are n_1 or n_1 - 1, non-increasing.
    const long previous = k == 0 ? first[0] : shards[k - 1]->shape()[0];
    if (shape[0] > previous || shape[0] < first[0] - 1)
      throw InputError("'" + shard_paths[k] + "' (" + shard_name + ") has " + std::to_string(shape[0]) +
                       " rows after " + std::to_string(previous) + " in the shard before" +
                       (k > 1 ? " and " + std::to_string(first[0]) + " in shard 1" : std::string()) +
                       ": shards of one run hold n or n - 1 rows, the larger ones first (are the inputs "
                       "all from one run, given in shard order 1..N?)");
    total += shape[0];
  }

  const int channels = static_cast<int>(first[1]), length = static_cast<int>(first[2]);
  NpzArrayWriter writer(out_path, channels, length);
  std::vector<float> row(static_cast<std::size_t>(channels) * static_cast<std::size_t>(length));
  for (long i = 0; i < total; ++i) {
    shards[static_cast<std::size_t>(i) % shards.size()]->read(row.data(), row.size());
    writer.append(row.data());
  }
  writer.commit();
  return total;
}

}  // namespace deeplift
