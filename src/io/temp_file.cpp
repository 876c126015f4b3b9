#include "temp_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
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

struct SplitPath {
  std::string dir;   // with its trailing '/', or empty
  std::string name;
};

SplitPath split_path(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash + 1), path.substr(slash + 1)};
}

}  // namespace

int open_unnamed_beside(const std::string& path) {
  const SplitPath parts = split_path(path);
  struct stat existing {};
  if (path.empty() || parts.name.empty() || (stat(path.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)))
    return -1;
  // link_beside names the file through /proc/self/fd (open(2), O_TMPFILE).
  if (access("/proc/self/fd", X_OK) != 0) return -1;
  const std::string dir = parts.dir.empty() ? "." : parts.dir;
  return open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
}

std::string link_beside(int fd, const std::string& path, const char* tag) {
  const SplitPath parts = split_path(path);
  const std::string source = "/proc/self/fd/" + std::to_string(fd);
  static const char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device entropy;
  std::mt19937_64 random(entropy() ^ (static_cast<std::uint64_t>(getpid()) << 32));
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string candidate = parts.dir + "." + parts.name + tag + ".";
    for (int i = 0; i < 6; ++i) candidate += kLetters[random() % (sizeof(kLetters) - 1)];
    if (linkat(AT_FDCWD, source.c_str(), AT_FDCWD, candidate.c_str(), AT_SYMLINK_FOLLOW) == 0) return candidate;
    if (errno != EEXIST) throw IoError(write_error(path, errno));
  }
  throw IoError(write_error(path, EEXIST));
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
