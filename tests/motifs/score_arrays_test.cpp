// Reading score-seqs' three npz files for one task, and the checks that tie
// them together.
#include "deeplift/motifs/score_arrays.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "../io/io_test_util.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/io/npz_writer.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

// Writes PREFIX.<name>.npz holding `count` items of (rows, length) whose
// element i of item n is n * 100 + i + offset.
void write_array(const std::string& path, long count, int rows, int length, float offset) {
  NpzArrayWriter writer(path, rows, length);
  std::vector<float> item(static_cast<std::size_t>(rows) * length);
  for (long n = 0; n < count; ++n) {
    for (std::size_t i = 0; i < item.size(); ++i) item[i] = static_cast<float>(n * 100 + i) + offset;
    writer.append(item.data());
  }
  writer.commit();
}

template <class Error>
void expect_error(const std::string& prefix, const std::string& task, const std::string& part) {
  try {
    read_score_arrays(prefix, task);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what() << "\nlacks: " << part;
  }
}

TEST(ScoreArrays, ReadsTheThreeFilesOfATask) {
  ScratchDir dir;
  const std::string prefix = dir.file("run");
  write_array(prefix + ".ohe.npz", 3, 4, 6, 0.0f);
  write_array(prefix + ".both.contrib.npz", 3, 4, 6, 0.5f);
  write_array(prefix + ".both.hyp.npz", 3, 4, 6, -0.5f);
  const ScoreArrays a = read_score_arrays(prefix, "both");
  EXPECT_EQ(a.count, 3);
  EXPECT_EQ(a.length, 6);
  EXPECT_EQ(a.one_hot[a.index(2, 1, 4)], 200.0f + 6 + 4);
  EXPECT_EQ(a.contrib[a.index(1, 3, 0)], 100.0f + 18 + 0.5f);
  EXPECT_EQ(a.hyp[a.index(0, 0, 5)], 5.0f - 0.5f);
  const std::vector<float> s = a.per_position_scores();
  ASSERT_EQ(s.size(), 18u);
  // Sum over the 4 channels of item 1 at position 2: 4 * (100 + 2 + 0.5) + 6 * (0 + 1 + 2 + 3).
  EXPECT_FLOAT_EQ(s[1 * 6 + 2], 4 * 102.5f + 36.0f);
}

TEST(ScoreArrays, ProblemsNameTheFile) {
  ScratchDir dir;
  const std::string prefix = dir.file("run");
  write_array(prefix + ".ohe.npz", 3, 4, 6, 0.0f);
  expect_error<IoError>(prefix, "both", "can't open '" + prefix + ".both.contrib.npz'");
  write_array(prefix + ".both.contrib.npz", 3, 4, 6, 0.0f);
  write_array(prefix + ".both.hyp.npz", 3, 4, 7, 0.0f);
  expect_error<FormatError>(prefix, "both", "'" + prefix + ".both.hyp.npz': shape (3, 4, 7) differs from '" + prefix +
                                                ".ohe.npz' (3, 4, 6)");
  write_array(prefix + ".both.hyp.npz", 2, 4, 6, 0.0f);
  expect_error<FormatError>(prefix, "both", "shape (2, 4, 6) differs");
  write_array(prefix + ".ohe.npz", 3, 5, 6, 0.0f);
  expect_error<FormatError>(prefix, "both", "'" + prefix + ".ohe.npz': array of shape (3, 5, 6); expected (N, 4, L)");
}

TEST(ScoreArrays, MakeChecksSizes) {
  EXPECT_THROW(make_score_arrays(2, 3, std::vector<float>(24), std::vector<float>(24), std::vector<float>(23)),
               std::invalid_argument);
  EXPECT_EQ(make_score_arrays(2, 3, std::vector<float>(24), std::vector<float>(24), std::vector<float>(24)).count, 2);
}

}  // namespace
}  // namespace deeplift
