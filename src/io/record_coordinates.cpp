#include "deeplift/io/record_coordinates.hpp"

#include <algorithm>
#include <regex>

#include "deeplift/errors.hpp"

namespace deeplift {

RecordCoordinates record_coordinates(const std::string& name, long length, const std::string& file) {
  static const std::regex region(R"(^(.+):([0-9,]+)-([0-9,]+)$)");
  std::smatch match;
  if (!std::regex_match(name, match, region)) return {name, 0};
  auto number = [](std::string text) {
    text.erase(std::remove(text.begin(), text.end(), ','), text.end());
    return std::stol(text);
  };
  const long begin = number(match[2]), end = number(match[3]);
  if (begin < 1 || end < begin)
    throw FormatError("'" + file + "': record '" + name + "': region name must have 1 <= start <= end");
  if (end - begin + 1 != length)
    throw FormatError("'" + file + "': record '" + name + "' names a region of " + std::to_string(end - begin + 1) +
                      " bp but holds " + std::to_string(length) + " bp");
  return {match[1], begin - 1};
}

}  // namespace deeplift
