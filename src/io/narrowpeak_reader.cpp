#include "deeplift/io/narrowpeak_reader.hpp"

#include <htslib/bgzf.h>
#include <htslib/kstring.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <string_view>

#include "deeplift/errors.hpp"
#include "deeplift/io/input_file.hpp"

namespace deeplift {

namespace {

// narrowPeak column names (UCSC "narrowPeak" format), for messages.
const char* const kColumnNames[] = {"chrom", "chromStart", "chromEnd", "name", "score",
                                    "strand", "signalValue", "pValue", "qValue", "peak"};

long parse_whole(std::string_view field, const std::string& where, int column) {
  long value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || error != std::errc() || end != field.data() + field.size())
    throw FormatError(where + ", column " + std::to_string(column) + " (" + kColumnNames[column - 1] + "): '" +
                      std::string(field) + "' is " +
                      (error == std::errc::result_out_of_range ? "out of range" : "not a whole number"));
  return value;
}

}  // namespace

// Read through BGZF, which takes plain, gzip and bgzip input alike.
std::vector<NarrowPeak> read_narrowpeak(const std::string& path) {
  check_input_file(path);  // a directory or a missing file, with the reason
  errno = 0;
  std::unique_ptr<BGZF, int (*)(BGZF*)> file(bgzf_open(path.c_str(), "r"), bgzf_close);
  if (!file) throw IoError("can't open '" + path + "': " + std::strerror(errno != 0 ? errno : EIO));
  kstring_t buffer = KS_INITIALIZE;
  std::unique_ptr<kstring_t, void (*)(kstring_t*)> guard(&buffer, [](kstring_t* s) { ks_free(s); });

  std::vector<NarrowPeak> peaks;
  std::vector<std::string_view> fields;
  long line_number = 0;
  for (;;) {
    const int length = bgzf_getline(file.get(), '\n', &buffer);
    if (length == -1) break;
    if (length < -1)
      throw FormatError("'" + path + "': read error after line " + std::to_string(line_number) +
                        " (corrupt or truncated compressed file?)");
    ++line_number;
    std::string_view line(buffer.s, buffer.l);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line.substr(0, 5) == "track" || line.substr(0, 7) == "browser") continue;
    const std::string where = "'" + path + "' line " + std::to_string(line_number);
    fields.clear();
    for (size_t from = 0;;) {
      const size_t tab = line.find('\t', from);
      fields.push_back(line.substr(from, tab == std::string_view::npos ? std::string_view::npos : tab - from));
      if (tab == std::string_view::npos) break;
      from = tab + 1;
    }
    if (fields.size() < 10)
      throw FormatError(where + ": a narrowPeak line needs 10 tab-separated columns (the summit offset is column " +
                        "10), found " + std::to_string(fields.size()));
    if (fields[0].empty()) throw FormatError(where + ", column 1 (chrom): empty chromosome name");
    NarrowPeak peak;
    peak.chrom = std::string(fields[0]);
    peak.start = parse_whole(fields[1], where, 2);
    peak.end = parse_whole(fields[2], where, 3);
    const long offset = parse_whole(fields[9], where, 10);
    if (peak.start < 0)
      throw FormatError(where + ", column 2 (chromStart): " + std::string(fields[1]) + " is negative");
    if (peak.start >= peak.end)
      throw FormatError(where + ", column 3 (chromEnd): chromStart " + std::string(fields[1]) +
                        " is not before chromEnd " + std::string(fields[2]));
    if (offset < -1 || offset >= peak.end - peak.start)
      throw FormatError(where + ", column 10 (peak): summit offset " + std::string(fields[9]) +
                        " is outside the peak (0 to " + std::to_string(peak.end - peak.start - 1) +
                        ", or -1 for none)");
    // -1: no summit called; the peak's midpoint stands in (docs/outputs.md).
    peak.summit = offset >= 0 ? peak.start + offset : peak.start + (peak.end - peak.start) / 2;
    peak.line = line_number;
    peaks.push_back(std::move(peak));
  }
  return peaks;
}

}  // namespace deeplift
