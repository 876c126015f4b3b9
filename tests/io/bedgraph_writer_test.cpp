#include "deeplift/io/bedgraph_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

std::string printf_g7(float score) {
  char text[64];
  std::snprintf(text, sizeof text, "%.7g", static_cast<double>(score));
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(BedGraphWriter, SortsByChromInByteOrderThenStart) {
  ScratchDir dir;
  const std::string path = dir.file("out.bedGraph");
  BedGraphWriter writer(path, "gata1", "DeepLIFT scores");
  const float a[] = {1.5f, -2.25f, 3.0f};
  const float b[] = {0.125f, 4.0f};
  const float c[] = {7.0f};
  writer.add("chr2", 10, a, 3);
  writer.add("chr10", 0, b, 2);
  writer.add("chr1", 5, c, 1);
  writer.add("chr2", 0, b, 2);
  writer.add("chrX", 3, c, 0);  // empty: writes nothing
  writer.add("Chr2", 0, c, 1);
  EXPECT_FALSE(test::exists(path));
  writer.commit();
  EXPECT_EQ(test::read_file(path),
            "track type=bedGraph name=\"gata1\" description=\"DeepLIFT scores\"\n"
            "Chr2\t0\t1\t7\n"
            "chr1\t5\t6\t7\n"
            "chr10\t0\t1\t0.125\n"
            "chr10\t1\t2\t4\n"
            "chr2\t0\t1\t0.125\n"
            "chr2\t1\t2\t4\n"
            "chr2\t10\t11\t1.5\n"
            "chr2\t11\t12\t-2.25\n"
            "chr2\t12\t13\t3\n");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.bedGraph"});
}

TEST(BedGraphWriter, ScoresArePrintedAsPrintfG7) {
  ScratchDir dir;
  const std::string path = dir.file("out.bedGraph");
  std::vector<float> scores = {0.0f, -0.0f, 1.0f, 0.1f, -1e-10f, 123456789.0f, 1234567.0f, 12345678.0f, 1e-5f,
                               3.4028235e38f, 1.17549435e-38f, 1e-45f, 0.30000001f, 2.5e-7f, -99999.995f};
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.01f);
  for (int i = 0; i < 2000; ++i) scores.push_back(normal(rng) * std::pow(10.0f, static_cast<float>(i % 13 - 6)));
  {
    BedGraphWriter writer(path, "t", "d");
    writer.add("chr1", 100, scores.data(), static_cast<long>(scores.size()));
    writer.commit();
  }
  const auto lines = lines_of(test::read_file(path));
  ASSERT_EQ(lines.size(), scores.size() + 1);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const std::string expected = "chr1\t" + std::to_string(100 + i) + "\t" + std::to_string(101 + i) + "\t" +
                                 printf_g7(scores[i]);
    ASSERT_EQ(lines[i + 1], expected) << "score " << i;
  }
}

TEST(BedGraphWriter, TrackLineQuotesAreNeutralised) {
  ScratchDir dir;
  const std::string path = dir.file("out.bedGraph");
  BedGraphWriter writer(path, "a\"b", "line\nbreak");
  writer.commit();
  EXPECT_EQ(test::read_file(path), "track type=bedGraph name=\"a'b\" description=\"line break\"\n");
}

TEST(BedGraphWriter, OverlapIsAnInputErrorNamingBothIntervals) {
  ScratchDir dir;
  const std::string path = dir.file("out.bedGraph");
  {
    BedGraphWriter writer(path, "t", "d");
    const std::vector<float> scores(300, 1.0f);
    writer.add("chr1", 200, scores.data(), 200);
    writer.add("chr2", 0, scores.data(), 300);
    writer.add("chr1", 100, scores.data(), 101);
    try {
      writer.commit();
      FAIL() << "expected InputError";
    } catch (const InputError& error) {
      EXPECT_STREQ(error.what(), ("'" + path +
                                  "': overlapping intervals chr1:200-400 (1st added) and chr1:100-201 (3rd added); "
                                  "are record names or regions duplicated?")
                                     .c_str());
    }
  }
  EXPECT_TRUE(dir.entries().empty()) << "a failed write leaves nothing";
}

TEST(BedGraphWriter, OverlapNamesTheSourcesWhenGiven) {
  // merge-tracks names its input files, not add() numbers.
  ScratchDir dir;
  BedGraphWriter writer(dir.file("out.bedGraph"), "t", "d");
  const std::vector<float> scores(10, 1.0f);
  writer.set_source("shard1.bedGraph");
  writer.add("chr1", 0, scores.data(), 10);
  writer.set_source("shard2.bedGraph");
  writer.add("chr1", 5, scores.data(), 10);
  try {
    writer.commit();
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("overlapping intervals chr1:0-10 (from 'shard1.bedGraph') and chr1:5-15 (from 'shard2.bedGraph')"),
              std::string::npos)
        << error.what();
  }
}

TEST(BedGraphWriter, DuplicateRecordIsAnInputError) {
  ScratchDir dir;
  BedGraphWriter writer(dir.file("out.bedGraph"), "t", "d");
  const std::vector<float> scores(10, 1.0f);
  writer.add("seq1", 0, scores.data(), 10);
  writer.add("seq1", 0, scores.data(), 10);
  EXPECT_THROW(writer.commit(), InputError);
}

TEST(BedGraphWriter, TouchingIntervalsAreFine) {
  ScratchDir dir;
  const std::string path = dir.file("out.bedGraph");
  BedGraphWriter writer(path, "t", "d");
  const float scores[] = {1, 2};
  writer.add("chr1", 2, scores, 2);
  writer.add("chr1", 0, scores, 2);
  writer.commit();
  EXPECT_EQ(lines_of(test::read_file(path)).size(), 5u);
}

TEST(BedGraphWriter, ChromWithWhiteSpaceIsAnInputError) {
  ScratchDir dir;
  BedGraphWriter writer(dir.file("out.bedGraph"), "t", "d");
  const float score = 1;
  EXPECT_THROW(writer.add("chr 1", 0, &score, 1), InputError);
  EXPECT_THROW(writer.add("", 0, &score, 1), InputError);
}

TEST(BedGraphWriter, DestroyedWithoutCommitLeavesNothing) {
  ScratchDir dir;
  {
    BedGraphWriter writer(dir.file("out.bedGraph"), "t", "d");
    const float score = 1;
    writer.add("chr1", 0, &score, 1);
    EXPECT_TRUE(dir.entries().size() == 1u) << "only the hidden output temporary";
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(BedGraphWriter, MissingDirectoryIsAnIoError) {
  ScratchDir dir;
  const std::string path = dir.file("missing/out.bedGraph");
  try {
    BedGraphWriter writer(path, "t", "d");
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), ("can't write '" + path + "': No such file or directory").c_str());
  }
}

// bedtools is the consumer: `sort` must leave the body unchanged and `merge`
// (which rejects unsorted input) must accept it and find the scored regions.
TEST(BedGraphWriter, BedtoolsAcceptsTheOutputAsSorted) {
  ScratchDir dir;
  const std::string path = dir.file("out.bedGraph");
  {
    BedGraphWriter writer(path, "t", "d");
    std::vector<float> scores(5000);
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = std::sin(0.01f * static_cast<float>(i));
    const char* chroms[] = {"chr9", "chr10", "chr1", "chrUn_x", "chr2", "chr11", "chrM"};
    long start = 4000;
    for (const char* chrom : chroms) {
      // Two windows per chromosome, the later one added first, with a gap.
      writer.add(chrom, start + 1000, scores.data(), 600);
      writer.add(chrom, start, scores.data(), 700);
      start -= 500;
    }
    writer.commit();
  }
  const std::string body = dir.file("body.bed");
  const std::string sorted = dir.file("sorted.bed");
  const auto sort = test::run_command("tail -n +2 " + test::shell_quote(path) + " > " + test::shell_quote(body) +
                                      " && bedtools sort -i " + test::shell_quote(path) + " > " +
                                      test::shell_quote(sorted));
  ASSERT_EQ(sort.status, 0) << sort.output;
  EXPECT_EQ(test::read_file(sorted), test::read_file(body)) << "bedtools sort reordered our output";

  const auto merge = test::run_command("bedtools merge -i " + test::shell_quote(path));
  ASSERT_EQ(merge.status, 0) << merge.output;
  EXPECT_EQ(merge.output,
            "chr1\t3000\t3700\n"
            "chr1\t4000\t4600\n"
            "chr10\t3500\t4200\n"
            "chr10\t4500\t5100\n"
            "chr11\t1500\t2200\n"
            "chr11\t2500\t3100\n"
            "chr2\t2000\t2700\n"
            "chr2\t3000\t3600\n"
            "chr9\t4000\t4700\n"
            "chr9\t5000\t5600\n"
            "chrM\t1000\t1700\n"
            "chrM\t2000\t2600\n"
            "chrUn_x\t2500\t3200\n"
            "chrUn_x\t3500\t4100\n");
}

}  // namespace
}  // namespace deeplift
