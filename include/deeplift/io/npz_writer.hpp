// Streams a float32 array of shape (N, rows, cols) into an .npz archive as
// member "arr_0.npy" (what numpy.load, TF-MoDISco-lite and tangermeme read).
// N grows with each append(); memory use is independent of N: items go to a
// temporary .npy file whose header is fixed up at commit(), which then
// stores it into the zip through libzip and renames the archive into place.
#pragma once
#include <cstdio>
#include <memory>
#include <string>

namespace deeplift {

class NpzArrayWriter {
 public:
  NpzArrayWriter(std::string path, int rows, int cols);
  ~NpzArrayWriter();
  NpzArrayWriter(const NpzArrayWriter&) = delete;
  NpzArrayWriter& operator=(const NpzArrayWriter&) = delete;

  // Appends one item: rows*cols floats in C order (row-major).
  void append(const float* item);
  long count() const { return count_; }
  const std::string& path() const { return path_; }
  // Writes the archive and renames it into place; throws IoError naming path().
  void commit();
  // commit() in two steps (see AtomicFile): finish() writes the complete
  // archive under its temporary name, publish() only renames it.
  void finish();
  void publish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  int rows_, cols_;
  long count_ = 0;
};

}  // namespace deeplift
