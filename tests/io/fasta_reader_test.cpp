#include "deeplift/io/fasta_reader.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

std::vector<SequenceRecord> sample_records() {
  std::mt19937 rng(7);
  const std::string alphabet = "ACGTacgtNnRY";
  std::vector<SequenceRecord> records;
  // Lengths around the usual line widths, plus one spanning several 64 KiB
  // BGZF blocks so lines cross block boundaries.
  for (int length : {1, 59, 60, 61, 250, 200000}) {
    SequenceRecord record;
    record.name = "seq" + std::to_string(records.size() + 1);
    for (int i = 0; i < length; ++i) record.sequence += alphabet[rng() % alphabet.size()];
    records.push_back(std::move(record));
  }
  return records;
}

// width 0 writes each sequence on one line.
std::string to_fasta(const std::vector<SequenceRecord>& records, std::size_t width, const std::string& eol = "\n") {
  std::string text;
  for (const auto& record : records) {
    text += ">" + record.name + " description of " + record.name + eol;
    const std::size_t step = width == 0 ? record.sequence.size() : width;
    for (std::size_t i = 0; i < record.sequence.size(); i += step) text += record.sequence.substr(i, step) + eol;
  }
  return text;
}

std::vector<SequenceRecord> read_all(const std::string& path) {
  FastaReader reader(path);
  std::vector<SequenceRecord> records;
  SequenceRecord record;
  while (reader.next(record)) records.push_back(record);
  EXPECT_EQ(reader.records_read(), static_cast<long>(records.size()));
  EXPECT_FALSE(reader.next(record)) << "end of file must stay the end";
  return records;
}

void expect_same(const std::vector<SequenceRecord>& actual, const std::vector<SequenceRecord>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].name, expected[i].name);
    EXPECT_EQ(actual[i].sequence, expected[i].sequence) << "record " << expected[i].name;
  }
}

template <typename Error>
std::string error_message(const std::string& path) {
  try {
    read_all(path);
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

class FastaLineWidth : public testing::TestWithParam<std::size_t> {};

TEST_P(FastaLineWidth, ReadsEveryRecordWhateverTheLineWidth) {
  ScratchDir dir;
  const auto records = sample_records();
  const std::string path = dir.file("in.fa");
  test::write_file(path, to_fasta(records, GetParam()));
  expect_same(read_all(path), records);
}

INSTANTIATE_TEST_SUITE_P(Widths, FastaLineWidth, testing::Values(1, 60, 0),
                         [](const testing::TestParamInfo<std::size_t>& width) {
                           return width.param == 0 ? std::string("unwrapped") : "width" + std::to_string(width.param);
                         });

TEST(FastaReader, ReadsGzip) {
  ScratchDir dir;
  const auto records = sample_records();
  const std::string path = dir.file("in.fa");
  test::write_file(path, to_fasta(records, 60));
  const auto gzip = test::run_command("gzip -c " + test::shell_quote(path) + " > " + test::shell_quote(path + ".gz"));
  ASSERT_EQ(gzip.status, 0) << gzip.output;
  expect_same(read_all(path + ".gz"), records);
}

TEST(FastaReader, ReadsConcatenatedGzipMembers) {
  ScratchDir dir;
  const auto records = sample_records();
  const std::string part1 = dir.file("part1.fa");
  const std::string part2 = dir.file("part2.fa");
  test::write_file(part1, to_fasta({records[0], records[1]}, 60));
  test::write_file(part2, to_fasta({records[2], records[3]}, 60));
  const std::string gz = dir.file("joined.fa.gz");
  const auto gzip = test::run_command("gzip -c " + test::shell_quote(part1) + " > " + test::shell_quote(gz) +
                                      " && gzip -c " + test::shell_quote(part2) + " >> " + test::shell_quote(gz));
  ASSERT_EQ(gzip.status, 0) << gzip.output;
  expect_same(read_all(gz), {records[0], records[1], records[2], records[3]});
}

TEST(FastaReader, ReadsBgzip) {
  ScratchDir dir;
  const auto records = sample_records();
  const std::string path = dir.file("in.fa");
  test::write_file(path, to_fasta(records, 60));
  const auto bgzip = test::run_command("bgzip -c " + test::shell_quote(path) + " > " + test::shell_quote(path + ".gz"));
  ASSERT_EQ(bgzip.status, 0) << bgzip.output;
  expect_same(read_all(path + ".gz"), records);
}

TEST(FastaReader, StripsCarriageReturnsOfCrlfFiles) {
  ScratchDir dir;
  const auto records = sample_records();
  const std::string path = dir.file("crlf.fa");
  test::write_file(path, to_fasta(records, 60, "\r\n"));
  expect_same(read_all(path), records);
}

TEST(FastaReader, KeepsCaseAndTakesTheFirstWordAsName) {
  ScratchDir dir;
  const std::string path = dir.file("case.fa");
  test::write_file(path, ">chr1:11-20\tsoft-masked\nacgtNNACGT\nac\n\n>r2 x y\nTTTT\n");
  expect_same(read_all(path), {{"chr1:11-20", "acgtNNACGTac"}, {"r2", "TTTT"}});
}

TEST(FastaReader, ToleratesBlankLines) {
  ScratchDir dir;
  const std::string path = dir.file("blank.fa");
  test::write_file(path, "\n\n>r1\nAC\n\nGT\n\n>r2\nA\n\n");
  expect_same(read_all(path), {{"r1", "ACGT"}, {"r2", "A"}});
}

TEST(FastaReader, ReadsAFileWithoutFinalNewline) {
  ScratchDir dir;
  const std::string path = dir.file("nonl.fa");
  test::write_file(path, ">r1\nACGT\n>r2\nGG");
  expect_same(read_all(path), {{"r1", "ACGT"}, {"r2", "GG"}});
}

TEST(FastaReader, EmptyFileIsAnError) {
  ScratchDir dir;
  const std::string path = dir.file("empty.fa");
  test::write_file(path, "");
  EXPECT_EQ(error_message<FormatError>(path), "'" + path + "': no FASTA records (empty file)");
  test::write_file(path, "\n\r\n\n");
  EXPECT_EQ(error_message<FormatError>(path), "'" + path + "': no FASTA records (empty file)");
}

TEST(FastaReader, EmptyGzipFileIsAnError) {
  ScratchDir dir;
  const std::string path = dir.file("empty.fa");
  test::write_file(path, "");
  ASSERT_EQ(test::run_command("gzip " + test::shell_quote(path)).status, 0);
  EXPECT_EQ(error_message<FormatError>(path + ".gz"), "'" + path + ".gz': no FASTA records (empty file)");
}

TEST(FastaReader, RecordWithNoSequenceIsAnError) {
  ScratchDir dir;
  const std::string path = dir.file("noseq.fa");
  test::write_file(path, ">r1\nACGT\n>r2 empty\n>r3\nAC\n");
  FastaReader reader(path);
  SequenceRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.name, "r1");
  try {
    reader.next(record);
    FAIL() << "expected FormatError";
  } catch (const FormatError& error) {
    EXPECT_STREQ(error.what(), ("'" + path + "': record 'r2' has no sequence").c_str());
  }
}

TEST(FastaReader, LastRecordWithNoSequenceIsAnError) {
  ScratchDir dir;
  const std::string path = dir.file("noseq.fa");
  test::write_file(path, ">r1\nACGT\n>r2\n\n");
  EXPECT_EQ(error_message<FormatError>(path), "'" + path + "': record 'r2' has no sequence");
}

TEST(FastaReader, TextBeforeTheFirstHeaderIsAnError) {
  ScratchDir dir;
  const std::string path = dir.file("junk.fa");
  test::write_file(path, "\nACGT\n>r1\nACGT\n");
  EXPECT_EQ(error_message<FormatError>(path),
            "'" + path + "': line 2: text before the first '>' header (not a FASTA file?)");
  test::write_file(path, "@read1\nACGT\n+\nIIII\n");
  EXPECT_NE(error_message<FormatError>(path).find("before the first '>'"), std::string::npos) << "FASTQ is not FASTA";
}

TEST(FastaReader, HeaderWithoutNameIsAnError) {
  ScratchDir dir;
  const std::string path = dir.file("noname.fa");
  test::write_file(path, ">r1\nAC\n> r2\nAC\n");
  EXPECT_EQ(error_message<FormatError>(path), "'" + path + "': line 3: FASTA header with no name");
}

TEST(FastaReader, MissingFileIsAnIoError) {
  ScratchDir dir;
  const std::string path = dir.file("missing.fa");
  try {
    FastaReader reader(path);
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), ("can't open '" + path + "': No such file or directory").c_str());
  }
}

TEST(FastaReader, TruncatedGzipIsAnError) {
  ScratchDir dir;
  const auto records = sample_records();
  const std::string path = dir.file("in.fa");
  test::write_file(path, to_fasta(records, 60));
  ASSERT_EQ(test::run_command("gzip " + test::shell_quote(path)).status, 0);
  const std::string gz = test::read_file(path + ".gz");
  test::write_file(path + ".gz", gz.substr(0, gz.size() / 2));
  EXPECT_NE(error_message<FormatError>(path + ".gz").find("read error"), std::string::npos);
}

}  // namespace
}  // namespace deeplift
