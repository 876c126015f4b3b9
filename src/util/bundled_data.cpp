#include "deeplift/util/bundled_data.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace fs = std::filesystem;

namespace {

// The running executable's directory (Linux: /proc/self/exe), empty if unknown.
fs::path executable_directory() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

std::vector<std::string> bundled_data_directories() {
  std::vector<std::string> directories;
  const fs::path exe_dir = executable_directory();
#ifdef DEEPLIFT_DATA_FROM_BIN
  if (!exe_dir.empty()) directories.push_back((exe_dir / DEEPLIFT_DATA_FROM_BIN).lexically_normal().string());
#endif
#ifdef DEEPLIFT_SOURCE_DIR
  directories.push_back((fs::path(DEEPLIFT_SOURCE_DIR) / "data").string());
#endif
  return directories;
}

std::optional<std::string> find_bundled_data(const std::string& relative_path) {
  for (const auto& directory : bundled_data_directories()) {
    const fs::path candidate = fs::path(directory) / relative_path;
    if (is_file(candidate)) return candidate.string();
  }
  return std::nullopt;
}

bool is_bare_name(const std::string& text) {
  return !text.empty() && text.find('/') == std::string::npos && !fs::path(text).has_extension() &&
         text != "." && text != "..";
}

std::string resolve_bundled(const std::string& given, const std::string& kind_directory, const std::string& extension) {
  if (!is_bare_name(given) || fs::exists(given)) return given;
  if (auto found = find_bundled_data(kind_directory + "/" + given + extension)) return *found;
  std::vector<std::string> names;
  std::string searched;
  for (const auto& directory : bundled_data_directories()) {
    std::error_code ec;
    if (!fs::is_directory(fs::path(directory) / kind_directory, ec)) continue;
    searched += (searched.empty() ? "" : ", ") + (fs::path(directory) / kind_directory).string();
    for (fs::directory_iterator it(fs::path(directory) / kind_directory, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == extension) names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string known;
  for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
  throw IoError("can't open '" + given + "': no such file, and no bundled '" + given + extension + "' in " +
                (searched.empty() ? std::string("any data directory (none was found)") : searched) +
                (known.empty() ? std::string() : " (bundled: " + known + ")"));
}

}  // namespace deeplift
