// Reads one float32 array from an .npz archive: what NpzArrayWriter,
// numpy.savez and numpy.savez_compressed write (docs/outputs.md's PREFIX.ohe.npz,
// PREFIX.<task>.contrib.npz, PREFIX.<task>.hyp.npz). The member is an .npy
// file (numpy/lib/format.py, versions 1.0-3.0); only little-endian float32
// in C order is accepted, which is all score-seqs writes.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace deeplift {

struct NpyArray {
  std::vector<long> shape;    // () for a scalar
  std::vector<float> values;  // C order (last index fastest)

  long size() const;
};

// Reads member "<name>.npy" (default "arr_0", the name numpy.savez gives a
// positional array). Throws IoError "can't open '<path>': <reason>" when the
// file can't be opened or read, and FormatError "'<path>': <problem>" for a
// file that is not a zip archive, a missing member, an .npy header that does
// not parse, a dtype other than '<f4', fortran_order True, or a data size
// that disagrees with the shape.
NpyArray read_npz_array(const std::string& path, const std::string& name = "arr_0");

// The same array read piece by piece, so that a caller holding many archives
// at once (merge_shard_npz) keeps only what it reads in memory. The
// constructor opens the archive and checks the header as read_npz_array does
// (same errors); read() then returns the next `count` floats in C order and
// throws FormatError naming the file if the member ends early.
class NpzArrayReader {
 public:
  explicit NpzArrayReader(const std::string& path, const std::string& name = "arr_0");
  ~NpzArrayReader();
  NpzArrayReader(const NpzArrayReader&) = delete;
  NpzArrayReader& operator=(const NpzArrayReader&) = delete;

  const std::vector<long>& shape() const { return shape_; }
  const std::string& path() const { return path_; }
  void read(float* out, std::size_t count);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::vector<long> shape_;
};

}  // namespace deeplift
