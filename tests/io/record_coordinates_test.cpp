// Record names as genomic coordinates (docs/outputs.md): "chr:start-end" is a
// 1-based inclusive samtools region; anything else is its own chromosome.
#include "deeplift/io/record_coordinates.hpp"

#include <gtest/gtest.h>

#include <string>

#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

TEST(RecordCoordinates, PlainNameIsItsOwnChromosomeFromZero) {
  const auto c = record_coordinates("seq1", 200, "x.fa");
  EXPECT_EQ(c.chrom, "seq1");
  EXPECT_EQ(c.start, 0);
}

TEST(RecordCoordinates, RegionNameIsOneBasedInclusive) {
  const auto c = record_coordinates("chr2:101-300", 200, "x.fa");
  EXPECT_EQ(c.chrom, "chr2");
  EXPECT_EQ(c.start, 100);
}

TEST(RecordCoordinates, ThousandsSeparatorsAreAllowed) {
  const auto c = record_coordinates("chr1:1,000,001-1,000,200", 200, "x.fa");
  EXPECT_EQ(c.chrom, "chr1");
  EXPECT_EQ(c.start, 1000000);
}

TEST(RecordCoordinates, TheLastColonSeparatesTheRange) {
  // HLA allele names hold colons; samtools also splits at the last one.
  const auto c = record_coordinates("HLA-A*01:01:01:01:1-10", 10, "x.fa");
  EXPECT_EQ(c.chrom, "HLA-A*01:01:01:01");
  EXPECT_EQ(c.start, 0);
}

TEST(RecordCoordinates, NamesThatAreNotRegionsStayWhole) {
  for (const std::string name : {":1-10", "chr1:1-", "chr1:-10", "chr1:1-10-20", "chr1:a-10", "chr1:1_10", "chr1:"}) {
    const auto c = record_coordinates(name, 10, "x.fa");
    EXPECT_EQ(c.chrom, name);
    EXPECT_EQ(c.start, 0);
  }
}

TEST(RecordCoordinates, LengthMismatchIsAFormatErrorNamingTheRecord) {
  try {
    record_coordinates("chr1:101-150", 30, "x.fa");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("'x.fa': record 'chr1:101-150' names a region of 50 bp but holds 30 bp"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(record_coordinates("chr1:0-9", 10, "x.fa"), FormatError);
  EXPECT_THROW(record_coordinates("chr1:10-9", 0, "x.fa"), FormatError);
}

TEST(RecordCoordinates, HugeOrEmptyCoordinatesAreFormatErrors) {
  // std::stol used to throw a bare std::out_of_range / std::invalid_argument.
  EXPECT_THROW(record_coordinates("chr1:1-99999999999999999999999", 10, "x.fa"), FormatError);
  EXPECT_THROW(record_coordinates("chr1:,-,", 10, "x.fa"), FormatError);
}

TEST(RecordCoordinates, VeryLongNamesDoNotOverflowTheStack) {
  // std::regex recursed per character and crashed on names this long.
  const std::string chrom(1 << 20, 'c');
  const auto c = record_coordinates(chrom + ":1-20", 20, "x.fa");
  EXPECT_EQ(c.chrom, chrom);
  EXPECT_EQ(record_coordinates(chrom, 20, "x.fa").chrom, chrom);
}

}  // namespace
}  // namespace deeplift
