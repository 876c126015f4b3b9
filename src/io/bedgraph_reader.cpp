#include "deeplift/io/bedgraph_reader.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "deeplift/errors.hpp"
#include "deeplift/io/input_file.hpp"

namespace deeplift {

namespace {

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream stream(line);
  std::string field;
  while (stream >> field) fields.push_back(field);
  return fields;
}

long whole_number(const std::string& text, const std::string& where) {
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 0) throw FormatError(where + ": '" + text + "' is not a coordinate");
  return static_cast<long>(value);
}

}  // namespace

void read_bedgraph(const std::string& path,
                   const std::function<void(const std::string&, long, long, float)>& interval) {
  std::ifstream in = open_input_file(path);
  std::string line;
  long number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#' || line.rfind("track", 0) == 0 || line.rfind("browser", 0) == 0) continue;
    const std::string where = "'" + path + "' line " + std::to_string(number);
    const auto fields = fields_of(line);
    if (fields.size() != 4) throw FormatError(where + ": a bedGraph line has 4 fields: chrom start end value");
    const long start = whole_number(fields[1], where), end = whole_number(fields[2], where);
    if (start >= end) throw FormatError(where + ": start is not before end");
    char* stop = nullptr;
    const float value = std::strtof(fields[3].c_str(), &stop);
    if (*stop != '\0') throw FormatError(where + ": '" + fields[3] + "' is not a number");
    interval(fields[0], start, end, value);
  }
  if (in.bad()) throw IoError("can't read '" + path + "'");
}

std::vector<std::pair<std::string, std::uint32_t>> read_chrom_sizes(const std::string& path) {
  std::ifstream in = open_input_file(path);
  std::vector<std::pair<std::string, std::uint32_t>> sizes;
  std::string line;
  long number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto fields = fields_of(line);
    if (fields.empty()) continue;
    if (fields.size() < 2)
      throw FormatError("'" + path + "' line " + std::to_string(number) + ": expected chrom and size");
    sizes.emplace_back(fields[0], static_cast<std::uint32_t>(
                                      whole_number(fields[1], "'" + path + "' line " + std::to_string(number))));
  }
  if (sizes.empty()) throw FormatError("'" + path + "': no chromosome sizes");
  return sizes;
}

}  // namespace deeplift
