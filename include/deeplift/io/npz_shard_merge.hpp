// Joins the npz arrays of a sharded `score-seqs --peaks ... --shard K/N` run
// back into the unsharded order (docs/outputs.md, "Shards"): shard K holds
// peaks K, K + N, K + 2N, ..., so row i of the merged array is row ⌊i/N⌋ of
// shard (i mod N) + 1. TF-MoDISco needs one array per kind (ohe, each task's
// hyp), in the same row order for all of them.
#pragma once
#include <string>
#include <vector>

namespace deeplift {

// Reads arr_0 of each of `shard_paths` (shard order 1..N), each of shape
// (n_k, C, L), and writes one (Σ n_k, C, L) array to `out_path` through
// NpzArrayWriter, streaming one row at a time (memory is one row per shard,
// whatever the sizes). Returns the number of rows written.
//
// Every input header is checked before a row is written; all checks throw
// with the offending file named and leave no output file:
// - read_npz_array's errors (IoError, FormatError) for a missing file, a
//   non-npz file, a dtype other than float32 ...;
// - FormatError for an array that is not 3-dimensional;
// - InputError for a shard whose (C, L) differs from the first shard's, or
//   whose row count cannot come from dealing rows out in turn: n_k must be
//   n_1 or n_1 - 1 and never exceed the previous shard's.
long merge_shard_npz(const std::vector<std::string>& shard_paths, const std::string& out_path);

}  // namespace deeplift
