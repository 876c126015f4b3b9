// Where a FASTA record's bases lie on the genome (docs/outputs.md): a name of the
// form "chr:start-end" is a samtools region (1-based, inclusive); any other
// name is its own chromosome, starting at 0.
#pragma once
#include <string>

namespace deeplift {

struct RecordCoordinates {
  std::string chrom;
  long start = 0;  // 0-based
};

// Throws FormatError naming `file` and the record when a region name's
// length disagrees with the sequence's.
RecordCoordinates record_coordinates(const std::string& name, long length, const std::string& file);

}  // namespace deeplift
