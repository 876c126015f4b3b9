#include "deeplift/io/fasta_reader.hpp"

#include <htslib/bgzf.h>
#include <htslib/kstring.h>

#include <cerrno>
#include <cstring>

#include "deeplift/errors.hpp"

namespace deeplift {

// Line-based parsing over BGZF, which reads plain, gzip and bgzip input alike.
// kseq.h would be shorter but silently skips text before the first '>' and
// accepts FASTQ, both of which must be errors here.
struct FastaReader::Impl {
  BGZF* file = nullptr;
  kstring_t line = KS_INITIALIZE;
  long line_number = 0;
  bool started = false;
  bool have_header = false;  // `header` holds the next record's '>' line
  std::string header;
  long header_line = 0;

  ~Impl() {
    if (file != nullptr) bgzf_close(file);
    ks_free(&line);
  }

  // Next line without its '\n' (and '\r' for CRLF files); false at end of file.
  bool read_line(const std::string& path) {
    const int length = bgzf_getline(file, '\n', &line);
    if (length == -1) return false;
    if (length < -1) {
      throw FormatError("'" + path + "': read error after line " + std::to_string(line_number) +
                        " (corrupt or truncated compressed file?)");
    }
    ++line_number;
    while (line.l > 0 && line.s[line.l - 1] == '\r') --line.l;
    return true;
  }
};

FastaReader::FastaReader(const std::string& path) : impl_(std::make_unique<Impl>()), path_(path) {
  errno = 0;
  impl_->file = bgzf_open(path.c_str(), "r");
  if (impl_->file == nullptr) {
    const int err = errno != 0 ? errno : EIO;
    throw IoError("can't open '" + path + "': " + std::strerror(err));
  }
}

FastaReader::~FastaReader() = default;

bool FastaReader::next(SequenceRecord& record) {
  Impl& in = *impl_;
  if (!in.started) {
    in.started = true;
    // Blank lines are tolerated anywhere; any other text must follow a header.
    while (in.read_line(path_)) {
      if (in.line.l == 0) continue;
      if (in.line.s[0] != '>') {
        throw FormatError("'" + path_ + "': line " + std::to_string(in.line_number) +
                          ": text before the first '>' header (not a FASTA file?)");
      }
      in.header.assign(in.line.s, in.line.l);
      in.header_line = in.line_number;
      in.have_header = true;
      break;
    }
    if (!in.have_header) throw FormatError("'" + path_ + "': no FASTA records (empty file)");
  }
  if (!in.have_header) return false;

  // The name is the header's first word, as samtools faidx takes it.
  const std::size_t name_end = in.header.find_first_of(" \t", 1);
  record.name.assign(in.header, 1, name_end == std::string::npos ? std::string::npos : name_end - 1);
  if (record.name.empty()) {
    throw FormatError("'" + path_ + "': line " + std::to_string(in.header_line) + ": FASTA header with no name");
  }

  record.sequence.clear();
  in.have_header = false;
  while (in.read_line(path_)) {
    if (in.line.l > 0 && in.line.s[0] == '>') {
      in.header.assign(in.line.s, in.line.l);
      in.header_line = in.line_number;
      in.have_header = true;
      break;
    }
    record.sequence.append(in.line.s, in.line.l);
  }
  if (record.sequence.empty()) {
    throw FormatError("'" + path_ + "': record '" + record.name + "' has no sequence");
  }
  ++records_read_;
  return true;
}

}  // namespace deeplift
