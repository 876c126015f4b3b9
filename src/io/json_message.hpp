// Private to src/io and src/model: nlohmann::json's exception text without its
// "[json.exception.parse_error.101] " prefix, which means nothing to a user
// reading why a model file was rejected.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace deeplift::detail {

inline std::string json_message(const nlohmann::json::exception& e) {
  const std::string text = e.what();
  if (text.rfind("[json.exception.", 0) == 0) {
    const auto end = text.find("] ");
    if (end != std::string::npos) return text.substr(end + 2);
  }
  return text;
}

}  // namespace deeplift::detail
