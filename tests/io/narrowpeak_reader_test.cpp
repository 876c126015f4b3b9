#include "deeplift/io/narrowpeak_reader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

const char* const kPeaks =
    "track type=narrowPeak name=\"x\"\n"
    "# a comment\n"
    "chr1\t100\t400\tpeak1\t0\t.\t5.0\t-1\t3.2\t150\n"
    "\n"
    "chr2\t10\t21\tpeak2\t0\t+\t1\t2\t3\t-1\textra\r\n"
    "chr1\t0\t1\t.\t0\t.\t0\t0\t0\t0\n";

void expect_sample(const std::vector<NarrowPeak>& peaks) {
  ASSERT_EQ(peaks.size(), 3u);
  EXPECT_EQ(peaks[0].chrom, "chr1");
  EXPECT_EQ(peaks[0].start, 100);
  EXPECT_EQ(peaks[0].end, 400);
  EXPECT_EQ(peaks[0].summit, 250);
  EXPECT_EQ(peaks[0].line, 3);
  EXPECT_EQ(peaks[1].chrom, "chr2");
  EXPECT_EQ(peaks[1].summit, 10 + 11 / 2);  // -1: the midpoint
  EXPECT_EQ(peaks[1].line, 5);
  EXPECT_EQ(peaks[2].summit, 0);
}

TEST(NarrowPeakReader, ReadsSummitsInFileOrder) {
  ScratchDir dir;
  test::write_file(dir.file("p.narrowPeak"), kPeaks);
  expect_sample(read_narrowpeak(dir.file("p.narrowPeak")));
}

TEST(NarrowPeakReader, ReadsGzipAndBgzip) {
  ScratchDir dir;
  test::write_file(dir.file("g.narrowPeak"), kPeaks);
  test::write_file(dir.file("b.narrowPeak"), kPeaks);
  ASSERT_EQ(test::run_command("gzip " + test::shell_quote(dir.file("g.narrowPeak"))).status, 0);
  ASSERT_EQ(test::run_command("bgzip " + test::shell_quote(dir.file("b.narrowPeak"))).status, 0);
  expect_sample(read_narrowpeak(dir.file("g.narrowPeak.gz")));
  expect_sample(read_narrowpeak(dir.file("b.narrowPeak.gz")));
}

// Each bad line fails with the file, line and column in the message.
TEST(NarrowPeakReader, BadLinesNameFileLineAndColumn) {
  ScratchDir dir;
  const std::string good = "chr1\t100\t400\tp\t0\t.\t1\t1\t1\t10\n";
  const struct {
    const char* line;
    const char* needle;
  } cases[] = {
      {"chr1\t100\t400\n", "line 2: a narrowPeak line needs 10 tab-separated columns"},
      {"chr1 100 400 p 0 . 1 1 1 10\n", "line 2: a narrowPeak line needs 10 tab-separated columns"},
      {"\t100\t400\tp\t0\t.\t1\t1\t1\t10\n", "line 2, column 1 (chrom): empty chromosome name"},
      {"chr1\t1e2\t400\tp\t0\t.\t1\t1\t1\t10\n", "line 2, column 2 (chromStart): '1e2' is not a whole number"},
      {"chr1\t-5\t400\tp\t0\t.\t1\t1\t1\t10\n", "line 2, column 2 (chromStart): -5 is negative"},
      {"chr1\t100\t\tp\t0\t.\t1\t1\t1\t10\n", "line 2, column 3 (chromEnd): '' is not a whole number"},
      {"chr1\t400\t100\tp\t0\t.\t1\t1\t1\t10\n", "line 2, column 3 (chromEnd): chromStart 400 is not before"},
      {"chr1\t100\t400\tp\t0\t.\t1\t1\t1\t300\n", "line 2, column 10 (peak): summit offset 300 is outside the peak"},
      {"chr1\t100\t400\tp\t0\t.\t1\t1\t1\t-2\n", "line 2, column 10 (peak): summit offset -2 is outside"},
      {"chr1\t100\t400\tp\t0\t.\t1\t1\t1\t12.5\n", "line 2, column 10 (peak): '12.5' is not a whole number"},
      {"chr1\t100\t400\tp\t0\t.\t1\t1\t1\t99999999999999999999\n", "line 2, column 10 (peak): '99999999999999999999' is out of range"},
  };
  for (const auto& c : cases) {
    const std::string path = dir.file("bad.narrowPeak");
    test::write_file(path, good + c.line);
    try {
      read_narrowpeak(path);
      ADD_FAILURE() << "accepted: " << c.line;
    } catch (const FormatError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("'" + path + "' " + c.needle), std::string::npos) << message;
    }
  }
}

TEST(NarrowPeakReader, MissingFileAndDirectoryAreIoErrors) {
  ScratchDir dir;
  EXPECT_THROW(read_narrowpeak(dir.file("missing.narrowPeak")), IoError);
  EXPECT_THROW(read_narrowpeak(dir.path().string()), IoError);
}

}  // namespace
}  // namespace deeplift
