// Streaming FASTA reader on htslib (plain, gzip or bgzip; any line width;
// CRLF tolerated). Holds one record at a time, so memory stays bounded.
#pragma once
#include <memory>
#include <string>

namespace deeplift {

struct SequenceRecord {
  std::string name;      // first word of the header line
  std::string sequence;  // residues as written (case kept, line breaks and '\r' removed)
};

class FastaReader {
 public:
  // Throws IoError "can't open 'x.fa': <reason>".
  explicit FastaReader(const std::string& path);
  ~FastaReader();
  FastaReader(const FastaReader&) = delete;
  FastaReader& operator=(const FastaReader&) = delete;

  // Reads the next record; false at end of file. Throws FormatError naming the
  // file (and record) for: an empty file or one with no records, text before
  // the first '>', a record with no sequence, a read/decompression error.
  bool next(SequenceRecord& record);

  const std::string& path() const { return path_; }
  long records_read() const { return records_read_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  long records_read_ = 0;
};

}  // namespace deeplift
