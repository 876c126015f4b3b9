#include "deeplift/io/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "deeplift/errors.hpp"
#include "temp_file.hpp"

namespace deeplift {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const int fd = detail::make_temp_beside(path_, ".tmp", temp_path_);
  stream_ = fdopen(fd, "wb");
  if (stream_ == nullptr) {
    const int err = errno;
    close(fd);
    unlink(temp_path_.c_str());
    throw IoError(detail::write_error(path_, err));
  }
  buffer_ = std::make_unique<char[]>(detail::kStreamBufferSize);
  std::setvbuf(stream_, buffer_.get(), _IOFBF, detail::kStreamBufferSize);
}

AtomicFile::~AtomicFile() {
  if (stream_ != nullptr) std::fclose(stream_);
  if (!committed_) unlink(temp_path_.c_str());
}

void AtomicFile::commit() {
  finish();
  publish();
}

void AtomicFile::finish() {
  if (finished_ || stream_ == nullptr) throw std::logic_error("AtomicFile::finish called twice for " + path_);
  int err = 0;
  if (std::fflush(stream_) != 0) err = errno;
  // A failed fwrite long before commit leaves only the error flag; its errno is gone.
  if (err == 0 && std::ferror(stream_)) err = EIO;
  if (err == 0 && fchmod(fileno(stream_), detail::new_file_mode()) != 0) err = errno;
  if (std::fclose(stream_) != 0 && err == 0) err = errno;
  stream_ = nullptr;
  if (err != 0) {
    unlink(temp_path_.c_str());
    throw IoError(detail::write_error(path_, err));
  }
  finished_ = true;
}

void AtomicFile::publish() {
  if (!finished_ || committed_) throw std::logic_error("AtomicFile::publish without finish for " + path_);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    unlink(temp_path_.c_str());
    throw IoError(detail::write_error(path_, err));
  }
  committed_ = true;
}

}  // namespace deeplift
