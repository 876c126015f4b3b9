#include "deeplift/io/bigwig_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;
using ChromSizes = std::vector<std::pair<std::string, std::uint32_t>>;

std::vector<float> scores_for(long length, float phase) {
  std::vector<float> scores(static_cast<std::size_t>(length));
  for (long i = 0; i < length; ++i) scores[i] = std::sin(0.05f * static_cast<float>(i) + phase) * 0.01f;
  return scores;
}

// Adds intervals to the writer and records every base in a text file that
// the Python check reads; %.9g round-trips a float32 exactly.
class Recorder {
 public:
  explicit Recorder(BigWigWriter& writer) : writer_(writer) {}
  void add(const std::string& chrom, long start, const std::vector<float>& scores) {
    writer_.add(chrom, start, scores.data(), static_cast<long>(scores.size()));
    char line[128];
    for (std::size_t i = 0; i < scores.size(); ++i) {
      std::snprintf(line, sizeof line, "%s\t%ld\t%.9g\n", chrom.c_str(), start + static_cast<long>(i),
                    static_cast<double>(scores[i]));
      text_ += line;
    }
  }
  const std::string& text() const { return text_; }

 private:
  BigWigWriter& writer_;
  std::string text_;
};

TEST(BigWigWriter, PyBigWigReadsValuesChromSizesAndZoomLevels) {
  ScratchDir dir;
  const std::string path = dir.file("out.bw");
  const std::string expected = dir.file("expected.tsv");
  {
    // Sizes in genome (.fai) order; intervals in bedGraph (byte) order.
    BigWigWriter writer(path, ChromSizes{{"chr1", 250000}, {"chr2", 1000}, {"chr10", 500}, {"chrM", 16569}});
    Recorder recorder(writer);
    recorder.add("chr1", 100, scores_for(200, 0.0f));
    recorder.add("chr1", 300, scores_for(50, 1.0f));  // continues the previous run
    recorder.add("chr1", 400, scores_for(10, 2.0f));
    recorder.add("chr1", 1000, scores_for(200000, 3.0f));  // many data blocks
    recorder.add("chr10", 0, scores_for(500, 4.0f));       // the whole chromosome
    recorder.add("chr2", 990, scores_for(10, 5.0f));       // up to the end
    test::write_file(expected, recorder.text());
    EXPECT_FALSE(test::exists(path));
    writer.commit();
  }
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"expected.tsv", "out.bw"}));

  // Zoom summaries are checked on chr10 only: libBigWig 0.4.7 leaves the sum
  // of the last zoom record of the file (and of each 1024-record zoom block)
  // at 0, so the last chromosome's and chr1's zoomed means are slightly off.
  const std::string script =
      "import numpy, pyBigWig\n"
      "bw = pyBigWig.open(" + test::shell_quote(path) + ")\n"
      "assert bw.isBigWig()\n"
      "assert bw.chroms() == {'chr1': 250000, 'chr10': 500, 'chr2': 1000, 'chrM': 16569}, bw.chroms()\n"
      "assert bw.header()['nLevels'] >= 1, bw.header()\n"
      "rows = [l.split('\\t') for l in open(" + test::shell_quote(expected) + ").read().splitlines()]\n"
      "by_chrom = {}\n"
      "for chrom, pos, val in rows:\n"
      "    by_chrom.setdefault(chrom, {})[int(pos)] = numpy.float32(val)\n"
      "for chrom, size in bw.chroms().items():\n"
      "    want = numpy.full(size, numpy.nan, dtype=numpy.float32)\n"
      "    for pos, val in by_chrom.get(chrom, {}).items():\n"
      "        want[pos] = val\n"
      "    got = numpy.array(bw.values(chrom, 0, size), dtype=numpy.float32)\n"
      "    assert numpy.array_equal(numpy.isnan(got), numpy.isnan(want)), chrom + ': coverage differs'\n"
      "    ok = ~numpy.isnan(want)\n"
      "    assert numpy.array_equal(got[ok], want[ok]), chrom + ': values differ'\n"
      "    if chrom == 'chr10':\n"
      "        mean = bw.stats(chrom, 0, size, type='mean')[0]\n"
      "        exact = want[ok].astype(float).mean()\n"
      "        assert abs(mean - exact) <= 1e-5 * abs(exact), (chrom, mean, exact)\n"
      "iv = bw.intervals('chr2')\n"
      "assert len(iv) == 10 and iv[0][:2] == (990, 991) and iv[-1][:2] == (999, 1000), iv\n"
      "print('ok')\n";
  const auto result = test::run_python(dir, script);
  EXPECT_EQ(result.status, 0) << result.output;
}

TEST(BigWigWriter, UnknownChromIsAnInputError) {
  ScratchDir dir;
  BigWigWriter writer(dir.file("out.bw"), ChromSizes{{"chr1", 100}});
  const float score = 1;
  try {
    writer.add("chr2", 0, &score, 1);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), ("'" + dir.file("out.bw") + "': chromosome 'chr2' is not in the chromosome sizes").c_str());
  }
}

TEST(BigWigWriter, IntervalPastTheChromEndIsAnInputError) {
  ScratchDir dir;
  BigWigWriter writer(dir.file("out.bw"), ChromSizes{{"chr1", 100}});
  const auto scores = scores_for(10, 0);
  EXPECT_NO_THROW(writer.add("chr1", 90, scores.data(), 10));
  try {
    writer.add("chr1", 95, scores.data(), 10);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("chr1:95-105 extends past the end of 'chr1' (length 100)"),
              std::string::npos)
        << error.what();
  }
}

TEST(BigWigWriter, OutOfOrderOrOverlappingIntervalsAreInputErrors) {
  ScratchDir dir;
  BigWigWriter writer(dir.file("out.bw"), ChromSizes{{"chr2", 1000}, {"chr1", 1000}, {"chr10", 1000}});
  const auto scores = scores_for(100, 0);
  writer.add("chr1", 100, scores.data(), 100);
  EXPECT_THROW(writer.add("chr1", 150, scores.data(), 10), InputError) << "overlap";
  EXPECT_THROW(writer.add("chr1", 0, scores.data(), 10), InputError) << "start goes back";
  writer.add("chr2", 0, scores.data(), 10);
  try {
    writer.add("chr10", 0, scores.data(), 10);  // chr10 sorts before chr2
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("chr10:0-10 added after chr2:0-10"), std::string::npos) << error.what();
  }
}

TEST(BigWigWriter, BadChromSizesAreInputErrors) {
  ScratchDir dir;
  EXPECT_THROW(BigWigWriter(dir.file("a.bw"), ChromSizes{}), InputError);
  EXPECT_THROW(BigWigWriter(dir.file("a.bw"), (ChromSizes{{"chr1", 10}, {"chr2", 5}, {"chr1", 10}})), InputError);
  EXPECT_THROW(BigWigWriter(dir.file("a.bw"), ChromSizes{{"chr1", 0}}), InputError);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(BigWigWriter, NothingAddedIsAnInputErrorAndLeavesNothing) {
  ScratchDir dir;
  {
    BigWigWriter writer(dir.file("out.bw"), ChromSizes{{"chr1", 100}});
    EXPECT_THROW(writer.commit(), InputError);
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(BigWigWriter, DestroyedWithoutCommitLeavesNothing) {
  ScratchDir dir;
  {
    BigWigWriter writer(dir.file("out.bw"), ChromSizes{{"chr1", 100000}});
    const auto scores = scores_for(50000, 0);
    writer.add("chr1", 0, scores.data(), 50000);
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(BigWigWriter, MissingDirectoryIsAnIoError) {
  ScratchDir dir;
  const std::string path = dir.file("missing/out.bw");
  try {
    BigWigWriter writer(path, ChromSizes{{"chr1", 100}});
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), ("can't write '" + path + "': No such file or directory").c_str());
  }
}

}  // namespace
}  // namespace deeplift
