// Matching FASTA records to label rows, the default validation hold-out and
// every mismatch as an error naming the file.
#include "deeplift/training/dataset.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../support/architectures.hpp"
#include "../support/model_file.hpp"
#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

Model small_model(const std::string& output = "sigmoid", int tasks = 2) {
  nlohmann::json names = nlohmann::json::array();
  for (int t = 0; t < tasks; ++t) names.push_back("t" + std::to_string(t));
  return build_untrained_model(
      architecture(4, names, output,
                   {{{"type", "flatten"}}, {{"type", "dense"}, {"name", "out"}, {"in_features", 16}, {"out_features", tasks}}}),
      "test");
}

std::string labels_text(int rows, bool split) {
  std::string text = std::string("name\tt0\tt1") + (split ? "\tsplit" : "") + "\n";
  const char* splits[] = {"train", "valid", "test"};
  for (int r = 0; r < rows; ++r)
    text += "s" + std::to_string(r) + "\t" + std::to_string(r % 2) + "\t" + std::to_string((r / 2) % 2) +
            (split ? std::string("\t") + splits[r % 3] : "") + "\n";
  return text;
}

std::string fasta_text(int rows, int length = 4) {
  std::string text;
  for (int r = rows - 1; r >= 0; --r)  // reverse order: matching is by name
    text += ">s" + std::to_string(r) + " description\n" + std::string(length, "ACGTN"[r % 5]) + "\n";
  return text;
}

TEST(Dataset, HoldsOutEveryTenthRowWithoutASplitColumn) {
  const Model model = small_model();
  const std::string labels_path = write_file("ds_labels.tsv", labels_text(25, false));
  const TrainingData data = load_training_data(write_file("ds.fa", fasta_text(25)), read_label_table(labels_path, model.tasks()), model);
  EXPECT_EQ(data.train.size(), 23);
  ASSERT_EQ(data.valid.size(), 2);
  EXPECT_EQ(data.valid.names, (std::vector<std::string>{"s9", "s19"}));
  EXPECT_EQ(data.test.size(), 0);
  // s9: labels 1, 0; sequence "NNNN" (9 % 5 = 4) encodes as zeros.
  EXPECT_EQ(data.valid.targets(0, 0), 1.0f);
  EXPECT_EQ(data.valid.targets(1, 0), 0.0f);
  EXPECT_TRUE(data.valid.inputs.leftCols(4).isZero());
  // s0 is the first training row: "AAAA".
  EXPECT_EQ(data.train.names[0], "s0");
  EXPECT_TRUE((data.train.inputs.leftCols(4).row(0).array() == 1.0f).all());
}

TEST(Dataset, FollowsTheSplitColumn) {
  const Model model = small_model();
  const std::string labels_path = write_file("ds_split.tsv", labels_text(9, true));
  const TrainingData data =
      load_training_data(write_file("ds_split.fa", fasta_text(9)), read_label_table(labels_path, model.tasks()), model);
  EXPECT_EQ(data.train.names, (std::vector<std::string>{"s0", "s3", "s6"}));
  EXPECT_EQ(data.valid.names, (std::vector<std::string>{"s1", "s4", "s7"}));
  EXPECT_EQ(data.test.names, (std::vector<std::string>{"s2", "s5", "s8"}));
}

void expect_error(const std::string& fasta, const std::string& labels, const std::string& needle,
                  const Model& model = small_model()) {
  const std::string labels_path = write_file("err_labels.tsv", labels);
  const std::string fasta_path = write_file("err.fa", fasta);
  try {
    load_training_data(fasta_path, read_label_table(labels_path, model.tasks()), model);
    FAIL() << "no error; expected: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Dataset, ReportsMismatches) {
  const std::string labels = labels_text(12, false);
  expect_error(fasta_text(13), labels, "record 's12' has no row in");
  expect_error(fasta_text(11), labels, "line 13: record 's11' is not in");
  expect_error(fasta_text(10), labels, "(nor are 1 later rows)");
  expect_error(fasta_text(12) + ">s3\nACGT\n", labels, "record name 's3' appears twice");
  expect_error(fasta_text(12, 5), labels, "is 5 bp but the model takes 4 bp");
  expect_error(">s0\nACGX\n", "name\tt0\tt1\ns0\t0\t1\n", "invalid character 'X' at position 4");
  expect_error(fasta_text(12), labels, "a softmax model needs exactly one", small_model("softmax"));
  expect_error(fasta_text(5), labels_text(5, false), "no records in the validation split");
}

}  // namespace
}  // namespace deeplift
