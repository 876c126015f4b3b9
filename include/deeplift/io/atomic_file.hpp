// Output files appear complete or not at all: everything is written to a
// temporary file in the destination directory and renamed into place by
// commit(). A writer destroyed without commit() removes its temporary file,
// so a failed run leaves no partial output (docs/outputs.md).
#pragma once
#include <cstdio>
#include <memory>
#include <string>

namespace deeplift {

class AtomicFile {
 public:
  // Creates "<dir>/.<name>.tmp.XXXXXX". Throws IoError "can't write 'path': <reason>".
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::FILE* stream() { return stream_; }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

  // Flushes, checks for write errors (disk full ...), closes and renames the
  // temporary file onto path(). Throws IoError naming path() on failure.
  void commit();

  // commit() in two steps, for a set of files that should appear together:
  // finish() does everything that can fail for a reason other than the
  // rename (flush, error check, close); publish() only renames. A caller
  // finishes every file of the set first and publishes them last, so the
  // set is incomplete on disk only for the microseconds of the renames.
  void finish();
  void publish();

 private:
  std::string path_;
  std::string temp_path_;
  std::unique_ptr<char[]> buffer_;  // stdio buffer; must outlive stream_
  std::FILE* stream_ = nullptr;
  bool finished_ = false;
  bool committed_ = false;
};

}  // namespace deeplift
