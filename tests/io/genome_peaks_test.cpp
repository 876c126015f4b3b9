// open_genome_peaks: summit windows of a narrowPeak file on a genome, their
// names, bases and track ranges, checked against the genome text and the
// nearest-summit rule applied by direct search.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/io/sequence_source.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

struct Fixture {
  ScratchDir dir;
  std::string chr1, chr2;
  std::string genome = dir.file("genome.fa");
  Fixture() {
    std::mt19937 rng(11);
    for (int i = 0; i < 400; ++i) chr1 += "ACGT"[rng() % 4];
    for (int i = 0; i < 90; ++i) chr2 += "ACGT"[rng() % 4];
    test::write_file(genome, ">chr1\n" + chr1 + "\n>chr2\n" + chr2 + "\n");
  }
  std::string peaks(const std::string& text) const {
    test::write_file(dir.file("p.narrowPeak"), text);
    return dir.file("p.narrowPeak");
  }
};

std::string line(const std::string& chrom, long start, long end, long offset) {
  return chrom + "\t" + std::to_string(start) + "\t" + std::to_string(end) + "\tp\t0\t.\t1\t1\t1\t" +
         std::to_string(offset) + "\n";
}

TEST(GenomePeaks, WindowsInFileOrderWithNearestSummitShares) {
  Fixture f;
  const long length = 30;  // windows [summit − 15, summit + 15)
  // Summits 100, 110, 110 (same window), 120, chr2 45, 80 (past chr2's end), 300.
  const std::string path = f.peaks(line("chr1", 50, 150, 50) + line("chr1", 100, 121, -1) +
                                   line("chr1", 105, 115, 5) + "# comment\n" + line("chr1", 120, 130, 0) +
                                   line("chr2", 40, 50, 5) + line("chr2", 70, 90, 10) + line("chr1", 300, 301, 0));
  long skipped = -1;
  auto source = open_genome_peaks(f.genome, path, length, /*clip=*/true, skipped);
  EXPECT_EQ(skipped, 1);
  EXPECT_EQ(source->total(), 6);
  const struct {
    const char* chrom;
    long summit;
    const char* name;
  } expected[] = {{"chr1", 100, "chr1:86-115"},    {"chr1", 110, "chr1:96-125"}, {"chr1", 110, "chr1:96-125#3"},
                  {"chr1", 120, "chr1:106-135"},   {"chr2", 45, "chr2:31-60"},   {"chr1", 300, "chr1:286-315"}};
  std::vector<SourceRecord> records;
  for (SourceRecord record; source->next(record);) records.push_back(record);
  ASSERT_EQ(records.size(), 6u);
  for (size_t n = 0; n < records.size(); ++n) {
    const SourceRecord& record = records[n];
    const long start = expected[n].summit - length / 2;
    EXPECT_EQ(record.name, expected[n].name);
    EXPECT_EQ(record.coordinates.chrom, expected[n].chrom);
    EXPECT_EQ(record.coordinates.start, start);
    const std::string& chrom = std::string(expected[n].chrom) == "chr1" ? f.chr1 : f.chr2;
    EXPECT_EQ(record.sequence, chrom.substr(start, length)) << record.name;
    // Every base of the window: owned iff this window's summit is the
    // nearest among the windows covering it (ties to the larger summit,
    // equal summits to the first record).
    for (long offset = 0; offset < length; ++offset) {
      const long base = start + offset;
      size_t owner = n;
      for (size_t m = 0; m < records.size(); ++m) {
        if (std::string(expected[m].chrom) != expected[n].chrom) continue;
        const long s = expected[m].summit, o = expected[owner].summit;
        if (base < s - length / 2 || base >= s - length / 2 + length) continue;
        const long d = std::labs(base - s), d_owner = std::labs(base - o);
        if (d < d_owner || (d == d_owner && s > o) || (s == o && m < owner)) owner = m;
      }
      const bool owned = offset >= record.track.begin && offset < record.track.end;
      EXPECT_EQ(owned, owner == n) << record.name << " offset " << offset;
    }
  }
  EXPECT_EQ(records[2].track.begin, records[2].track.end);  // the shared window owns nothing
}

TEST(GenomePeaks, ErrorsNameFileAndLine) {
  Fixture f;
  long skipped = 0;
  const auto message = [&](const std::string& text, bool clip) {
    try {
      open_genome_peaks(f.genome, f.peaks(text), 30, clip, skipped);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string path = f.dir.file("p.narrowPeak");
  EXPECT_NE(message(line("chr1", 50, 150, 50) + line("chr2", 70, 90, 10), false)
                .find("'" + path + "' line 2: the 30 bp window chr2:65-95 around the summit at 80 runs past the "
                      "chromosome (length 90); use --clip"),
            std::string::npos);
  EXPECT_NE(message(line("chr1", 0, 20, 3), false).find("'" + path + "' line 1: the 30 bp window chr1:-12-18"),
            std::string::npos);
  EXPECT_NE(message(line("chrX", 50, 150, 50), false)
                .find("'" + path + "' line 1, column 1 (chrom): chromosome 'chrX' is not in '" + f.genome + "'"),
            std::string::npos);
  EXPECT_NE(message(line("chr2", 70, 90, 10), true).find("'" + path + "': no peaks to score"), std::string::npos);
  EXPECT_NE(message(line("chr1", 9223372036854775806, 9223372036854775807, 0), false).find("runs past the chromosome"),
            std::string::npos);
}

}  // namespace
}  // namespace deeplift
