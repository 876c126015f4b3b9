// merge_shard_npz against numpy: shards cut from a random array by numpy
// slicing (orig[k::N], independent of the code under test) merge back to the
// array itself; inputs that cannot come from one sharded run fail naming the
// file and leave no output.
#include "deeplift/io/npz_shard_merge.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;
using test::shell_quote;

void numpy(const ScratchDir& dir, const std::string& script) {
  const auto result = test::run_python(dir, "import numpy as np\n" + script + "print('ok')\n");
  ASSERT_EQ(result.status, 0) << result.output;
}

// Writes orig.npz, a random (rows, 4, 7) float32 array, and shard1..N.npz = orig[k-1::N].
void write_dealt_shards(const ScratchDir& dir, int rows, int shards) {
  numpy(dir, "rng = np.random.default_rng(3)\n"
             "orig = rng.standard_normal((" + std::to_string(rows) + ", 4, 7)).astype(np.float32)\n"
             "np.savez(" + shell_quote(dir.file("orig.npz")) + ", orig)\n"
             "for k in range(" + std::to_string(shards) + "):\n"
             "    np.savez(" + shell_quote(dir.file("shard")) + " + str(k + 1) + '.npz', orig[k::" +
             std::to_string(shards) + "])\n");
}

std::vector<std::string> shard_files(const ScratchDir& dir, int shards) {
  std::vector<std::string> files;
  for (int k = 1; k <= shards; ++k) files.push_back(dir.file("shard" + std::to_string(k) + ".npz"));
  return files;
}

TEST(NpzShardMerge, UnequalShardsMergeBackToTheOriginalOrder) {
  for (int rows : {11, 12, 2, 0}) {  // 4/4/3, 4/4/4, 1/1/0, 0/0/0 rows per shard
    ScratchDir dir;
    write_dealt_shards(dir, rows, 3);
    EXPECT_EQ(merge_shard_npz(shard_files(dir, 3), dir.file("merged.npz")), rows);
    numpy(dir, "a = np.load(" + shell_quote(dir.file("orig.npz")) + ")['arr_0']\n"
               "b = np.load(" + shell_quote(dir.file("merged.npz")) + ")['arr_0']\n"
               "assert b.dtype == np.float32 and b.shape == a.shape, (b.dtype, b.shape, a.shape)\n"
               "assert np.array_equal(a, b)\n");
  }
}

TEST(NpzShardMerge, OneShardIsACopy) {
  ScratchDir dir;
  write_dealt_shards(dir, 5, 1);
  EXPECT_EQ(merge_shard_npz(shard_files(dir, 1), dir.file("merged.npz")), 5);
  numpy(dir, "assert np.array_equal(np.load(" + shell_quote(dir.file("orig.npz")) + ")['arr_0'], np.load(" +
                 shell_quote(dir.file("merged.npz")) + ")['arr_0'])\n");
}

// Merging `inputs` throws Error naming `culprit` and `part`, and writes nothing.
template <class Error>
void expect_failure(const ScratchDir& dir, const std::vector<std::string>& inputs, const std::string& culprit,
                    const std::string& part) {
  const auto before = dir.entries();
  const std::string out = dir.file("merged.npz");
  try {
    merge_shard_npz(inputs, out);
    ADD_FAILURE() << "no error for " << culprit;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'" + culprit + "'"), std::string::npos) << message << "\ndoes not name " << culprit;
    EXPECT_NE(message.find(part), std::string::npos) << message << "\nlacks: " << part;
  }
  EXPECT_FALSE(test::exists(out));
  EXPECT_EQ(dir.entries(), before) << "a temporary file was left behind";
}

TEST(NpzShardMerge, BadInputsFailNamingTheFileAndWriteNothing) {
  ScratchDir dir;
  write_dealt_shards(dir, 10, 3);  // 4, 3, 3 rows
  numpy(dir, "np.savez('" + dir.file("length8.npz") + "', np.zeros((3, 4, 8), np.float32))\n"
             "np.savez('" + dir.file("rows5.npz") + "', np.zeros((5, 4, 7), np.float32))\n"
             "np.savez('" + dir.file("rows2.npz") + "', np.zeros((2, 4, 7), np.float32))\n"
             "np.savez('" + dir.file("f8.npz") + "', np.zeros((3, 4, 7)))\n"
             "np.savez('" + dir.file("flat.npz") + "', np.zeros((3, 28), np.float32))\n");
  const auto shards = shard_files(dir, 3);
  expect_failure<InputError>(dir, {shards[0], dir.file("length8.npz"), shards[2]}, dir.file("length8.npz"),
                             "rows of shape (4, 8)");
  // More rows than the shard before: shards given out of order.
  expect_failure<InputError>(dir, {shards[1], shards[0], shards[2]}, shards[0], "has 4 rows after 3");
  expect_failure<InputError>(dir, {shards[0], dir.file("rows5.npz"), shards[2]}, dir.file("rows5.npz"),
                             "has 5 rows");
  // Two rows fewer than shard 1: not from dealing rows out in turn.
  expect_failure<InputError>(dir, {shards[0], shards[1], dir.file("rows2.npz")}, dir.file("rows2.npz"),
                             "has 2 rows");
  expect_failure<FormatError>(dir, {shards[0], dir.file("f8.npz"), shards[2]}, dir.file("f8.npz"), "dtype '<f8'");
  expect_failure<FormatError>(dir, {shards[0], shards[1], dir.file("flat.npz")}, dir.file("flat.npz"),
                              "shape (3, 28)");
  expect_failure<IoError>(dir, {shards[0], dir.file("missing.npz")}, dir.file("missing.npz"), "can't open");
}

}  // namespace
}  // namespace deeplift
