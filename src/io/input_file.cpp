#include "deeplift/io/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "deeplift/errors.hpp"

namespace deeplift {

void check_input_file(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError("can't open '" + path + "': " + std::strerror(errno));
  struct stat status {};
  const int err = fstat(fd, &status) != 0 ? errno : S_ISDIR(status.st_mode) ? EISDIR : 0;
  close(fd);
  if (err != 0) throw IoError("can't open '" + path + "': " + std::strerror(err));
}

std::ifstream open_input_file(const std::string& path, std::ios::openmode mode) {
  check_input_file(path);
  std::ifstream in(path, mode);
  if (!in) throw IoError("can't open '" + path + "': " + std::strerror(errno != 0 ? errno : EIO));
  return in;
}

}  // namespace deeplift
