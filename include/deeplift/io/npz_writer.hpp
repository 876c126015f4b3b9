// Streams a float32 array of shape (N, rows, cols) into an .npz archive as
// member "arr_0.npy" (what numpy.load, TF-MoDISco-lite and tangermeme read).
// N grows with each append(); memory use is independent of N: each item is
// written once, straight into the archive (a stored ZIP64 member, its CRC-32
// kept as it goes), and commit() only writes the central directory and fixes
// up the two headers that hold N and the sizes, then renames the archive
// into place (docs/decisions.md, "npz archives are written in one pass").
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
