// The labels TSV: task columns matched to the architecture by name, every
// problem reported with the file and line.
#include "deeplift/training/label_table.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../support/model_file.hpp"
#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

using testing_support::temp_path;

const std::vector<std::string> kTasks{"both", "gata1", "tal1"};

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

void expect_error(const std::string& text, const std::string& needle) {
  const std::string path = write_file("bad_labels.tsv", text);
  try {
    read_label_table(path, kTasks);
    FAIL() << "no error; expected: " << needle;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(LabelTable, ReadsColumnsInAnyOrderWithSplit) {
  const std::string path = write_file("labels.tsv",
                                      "name\ttal1\tsplit\tboth\tgata1\n"
                                      "a\t1\ttrain\t0\t0\n"
                                      "b\t0\tvalid\t1\t1\r\n"
                                      "c\t0\ttest\t0\t1\n");
  const LabelTable table = read_label_table(path, kTasks);
  EXPECT_TRUE(table.has_split);
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0].labels, (std::vector<float>{0, 0, 1}));  // model order both, gata1, tal1
  EXPECT_EQ(table.rows[1].labels, (std::vector<float>{1, 1, 0}));
  EXPECT_EQ(table.rows[1].split, Split::Valid);
  EXPECT_EQ(table.rows[2].split, Split::Test);
  EXPECT_EQ(table.rows[2].line, 4);
}

TEST(LabelTable, WithoutSplitColumn) {
  const std::string path = write_file("nosplit.tsv", "name\tboth\tgata1\ttal1\nx\t0\t1\t0\n");
  const LabelTable table = read_label_table(path, kTasks);
  EXPECT_FALSE(table.has_split);
  EXPECT_EQ(table.rows[0].name, "x");
}

TEST(LabelTable, ReportsEveryKindOfProblem) {
  expect_error("", "empty file");
  expect_error("id\tboth\tgata1\ttal1\n", "line 1: the header must start with a \"name\" column");
  expect_error("name\tboth\tgata1\tzeb2\n", "missing: tal1; not in the architecture: zeb2");
  expect_error("name\tboth\tgata1\ttal1\na\t0\t1\n", "line 2: 3 fields, the header has 4");
  expect_error("name\tboth\tgata1\ttal1\na\t0\t2\t0\n", "line 2: label '2' for task 'gata1' of record 'a' is not 0 or 1");
  expect_error("name\tboth\tgata1\ttal1\na\t0\t1\t0\nb\t0\t0\t0\na\t1\t1\t1\n",
               "line 4: record 'a' is listed again (first on line 2)");
  expect_error("name\tboth\tgata1\ttal1\tsplit\na\t0\t1\t0\ttraining\n", "split 'training' of record 'a' is not train, valid or test");
  expect_error("name\tboth\tgata1\ttal1\n", "no records");
}

TEST(LabelTable, MissingFileIsIoError) {
  EXPECT_THROW(read_label_table("/nonexistent/labels.tsv", kTasks), IoError);
}

}  // namespace
}  // namespace deeplift
