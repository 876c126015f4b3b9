#include "block_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "deeplift/errors.hpp"
#include "temp_file.hpp"

namespace deeplift::detail {

namespace {

// O_DIRECT wants buffers, offsets and lengths aligned to the device's
// logical block size: 4096 covers 512-byte and 4K-sector devices.
constexpr std::size_t kAlignment = 4096;
// Large enough that a write costs the kernel little per byte; two of them
// per file (one filling, one being written).
constexpr std::size_t kBlockSize = std::size_t{1} << 20;

// pwrite(2) until all of it is written; a write of 0 bytes is a full disk.
void write_fully(int fd, const char* data, std::size_t size, std::uint64_t offset, const std::string& path) {
  while (size > 0) {
    const ssize_t written = pwrite(fd, data, size, static_cast<off_t>(offset));
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) throw IoError(write_error(path, written < 0 ? errno : ENOSPC));
    data += written;
    size -= static_cast<std::size_t>(written);
    offset += static_cast<std::uint64_t>(written);
  }
}

}  // namespace

BlockWriter::BlockWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  for (auto& buffer : buffers_) {
    buffer = static_cast<char*>(std::aligned_alloc(kAlignment, kBlockSize));
    if (buffer == nullptr) {
      for (auto& allocated : buffers_) std::free(allocated);
      throw std::bad_alloc();
    }
  }
  // Not every file system takes O_DIRECT (tmpfs on older kernels): those
  // are written through the page cache, still in the background.
  set_direct(true);
}

BlockWriter::~BlockWriter() {
  for (int b = 0; b < kBuffers; ++b) {
    if (!pending_[b]) continue;
    const aiocb* list[] = {&requests_[b]};
    while (aio_error(&requests_[b]) == EINPROGRESS) aio_suspend(list, 1, nullptr);
    aio_return(&requests_[b]);
  }
  for (auto& buffer : buffers_) std::free(buffer);
}

void BlockWriter::set_direct(bool on) {
  const int flags = fcntl(fd_, F_GETFL);
  direct_ = flags >= 0 && fcntl(fd_, F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) == 0 && on;
}

void BlockWriter::append(const void* data, std::size_t size) {
  if (flushed_) throw std::logic_error("BlockWriter::append after flush for " + path_);
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const std::size_t taken = std::min(size, kBlockSize - filled_);
    std::memcpy(buffers_[current_] + filled_, bytes, taken);
    filled_ += taken;
    bytes += taken;
    size -= taken;
    if (filled_ == kBlockSize) submit();
  }
}

// Hands the full current buffer to the kernel and makes the other one
// current, once its own write is done.
void BlockWriter::submit() {
  aiocb& request = requests_[current_];
  request = aiocb{};
  request.aio_fildes = fd_;
  request.aio_buf = buffers_[current_];
  request.aio_nbytes = kBlockSize;
  request.aio_offset = static_cast<off_t>(submitted_);
  if (aio_write(&request) == 0) {
    pending_[current_] = true;
  } else {
    // No AIO (EAGAIN: out of resources): write it here.
    write_fully(fd_, buffers_[current_], kBlockSize, submitted_, path_);
  }
  submitted_ += kBlockSize;
  filled_ = 0;
  current_ = (current_ + 1) % kBuffers;
  wait(current_);
}

void BlockWriter::wait(int buffer) {
  if (!pending_[buffer]) return;
  aiocb& request = requests_[buffer];
  const aiocb* list[] = {&request};
  int error;
  while ((error = aio_error(&request)) == EINPROGRESS) aio_suspend(list, 1, nullptr);
  const ssize_t written = aio_return(&request);
  pending_[buffer] = false;
  const std::size_t size = request.aio_nbytes;
  const std::uint64_t offset = static_cast<std::uint64_t>(request.aio_offset);
  if (error == EINVAL && direct_) {
    // The file system refused O_DIRECT for this write after all: the rest
    // goes through the page cache. The buffer still holds the block.
    set_direct(false);
    write_fully(fd_, buffers_[buffer], size, offset, path_);
    return;
  }
  if (error != 0) throw IoError(write_error(path_, error));
  if (static_cast<std::size_t>(written) < size)  // short: the rest, or the reason why not
    write_fully(fd_, buffers_[buffer] + written, size - written, offset + written, path_);
}

void BlockWriter::flush() {
  if (flushed_) return;
  for (int b = 0; b < kBuffers; ++b) wait(b);
  flushed_ = true;
  // The last, partial block is not a whole number of aligned blocks.
  set_direct(false);
  write_fully(fd_, buffers_[current_], filled_, submitted_, path_);
  submitted_ += filled_;
  filled_ = 0;
}

void BlockWriter::write_at(std::uint64_t offset, const void* data, std::size_t size) {
  if (!flushed_) throw std::logic_error("BlockWriter::write_at before flush for " + path_);
  write_fully(fd_, static_cast<const char*>(data), size, offset, path_);
}

}  // namespace deeplift::detail
