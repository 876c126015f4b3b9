#include "temp_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "deeplift/errors.hpp"

namespace deeplift::detail {

std::string write_error(const std::string& path, int err) {
  return "can't write '" + path + "': " + std::strerror(err);
}

int make_temp_beside(const std::string& path, const char* tag, std::string& temp_path) {
  if (path.empty()) throw IoError("can't write '': empty file name");
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  // A directory in the way would only fail the final rename, after hours of
  // work and after the other outputs of the run had been renamed into place.
  struct stat existing {};
  if (name.empty() || (stat(path.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)))
    throw IoError(write_error(path, EISDIR));

  std::string pattern = dir + "." + name + tag + ".XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  const int fd = mkstemp(buffer.data());
  if (fd < 0) throw IoError(write_error(path, errno));
  temp_path.assign(buffer.data());
  return fd;
}

namespace {

mode_t read_umask() {
  // /proc avoids umask(2)'s set-and-restore, which would briefly change the
  // mask for every thread of the process.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) {
      return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
    }
  }
  const mode_t mask = umask(0);
  umask(mask);
  return mask;
}

}  // namespace

mode_t new_file_mode() {
  static const mode_t mode = 0666 & ~read_umask();
  return mode;
}

}  // namespace deeplift::detail
