// Private to src/io: a file written front to back in large aligned blocks,
// each handed to the kernel in the background (POSIX AIO) while the next one
// fills, and, where the file system allows, with O_DIRECT, bypassing the page
// cache. The npz archives are hundreds of bytes per base scored; writing
// them through the page cache cost more kernel time than the scoring on
// the benchmark machine (docs/performance.md, "The npz output path").
#pragma once
#include <aio.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace deeplift::detail {

class BlockWriter {
 public:
  // Takes `fd` (open for writing, empty); `path` names the destination in
  // errors ("can't write '<path>': <reason>", IoError).
  BlockWriter(int fd, std::string path);
  // Waits for the writes in flight; does not close the descriptor.
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // Appends `size` bytes. A failed block write is reported by the append
  // after it (or by flush()), not hours later.
  void append(const void* data, std::size_t size);
  // Bytes appended so far.
  std::uint64_t size() const { return submitted_ + filled_; }
  // Writes what is buffered and waits for every write; the file then holds
  // size() bytes and is an ordinary (page-cached) file again, ready for
  // write_at. append() may not be called after it.
  void flush();
  // Writes `size` bytes at `offset`, synchronously (after flush()).
  void write_at(std::uint64_t offset, const void* data, std::size_t size);
  int fd() const { return fd_; }

 private:
  static constexpr int kBuffers = 2;
  void submit();
  void wait(int buffer);
  void set_direct(bool on);

  int fd_;
  std::string path_;
  bool direct_ = false;
  bool flushed_ = false;
  char* buffers_[kBuffers] = {};
  aiocb requests_[kBuffers] = {};
  bool pending_[kBuffers] = {};
  int current_ = 0;            // the buffer being filled
  std::size_t filled_ = 0;     // bytes in it
  std::uint64_t submitted_ = 0;  // bytes handed to the kernel (whole blocks)
};

}  // namespace deeplift::detail
