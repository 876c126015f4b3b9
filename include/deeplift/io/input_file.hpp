// Opening input files with the samtools-style message every reader uses:
// "can't open 'x': <reason>". std::ifstream alone opens a directory without
// complaint and then fails on the first read with no reason to report, so
// the checks here go through open(2) and fstat(2) first.
#pragma once
#include <fstream>
#include <string>

namespace deeplift {

// Throws IoError "can't open '<path>': <reason>" unless `path` can be opened
// for reading and is not a directory. For readers built on C libraries
// (htslib's faidx) that would otherwise print their own diagnostics.
void check_input_file(const std::string& path);

// check_input_file, then the opened stream.
std::ifstream open_input_file(const std::string& path, std::ios::openmode mode = std::ios::in);

}  // namespace deeplift
