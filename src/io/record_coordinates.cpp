#include "deeplift/io/record_coordinates.hpp"

#include <charconv>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

bool is_region_number(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if ((c < '0' || c > '9') && c != ',') return false;
  return true;
}

}  // namespace

// Parsed by hand rather than with std::regex: libstdc++'s regex matcher
// recurses per character and crashed (stack overflow) on a 300 kB record
// name; std::stol threw a bare std::out_of_range ("stol") on a huge number.
RecordCoordinates record_coordinates(const std::string& name, long length, const std::string& file) {
  // chrom:start-end, where chrom is everything before the last ':' (as
  // samtools reads "HLA-A*01:01:01:01:1-100") and the numbers may hold
  // thousands separators.
  const auto colon = name.rfind(':');
  if (colon == std::string::npos || colon == 0) return {name, 0};
  const std::string_view range = std::string_view(name).substr(colon + 1);
  const auto dash = range.find('-');
  if (dash == std::string_view::npos || !is_region_number(range.substr(0, dash)) ||
      !is_region_number(range.substr(dash + 1)))
    return {name, 0};
  auto number = [&](std::string_view text) {
    std::string digits;
    for (char c : text)
      if (c != ',') digits += c;
    long value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size())
      throw FormatError("'" + file + "': record '" + name + "': region name has a bad coordinate '" +
                        std::string(text) + "'");
    return value;
  };
  const long begin = number(range.substr(0, dash)), end = number(range.substr(dash + 1));
  if (begin < 1 || end < begin)
    throw FormatError("'" + file + "': record '" + name + "': region name must have 1 <= start <= end");
  if (end - begin + 1 != length)
    throw FormatError("'" + file + "': record '" + name + "' names a region of " + std::to_string(end - begin + 1) +
                      " bp but holds " + std::to_string(length) + " bp");
  return {name.substr(0, colon), begin - 1};
}

}  // namespace deeplift
