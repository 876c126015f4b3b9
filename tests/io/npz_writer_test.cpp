#include "deeplift/io/npz_writer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

// Item n, element i of a (rows, cols) array: distinct, exactly representable.
float value(long n, int i) { return static_cast<float>(n * 1000 + i) * 0.25f - 3.0f; }

void write_items(NpzArrayWriter& writer, long count, int rows, int cols) {
  std::vector<float> item(static_cast<std::size_t>(rows) * cols);
  for (long n = 0; n < count; ++n) {
    for (int i = 0; i < rows * cols; ++i) item[i] = value(n, i);
    writer.append(item.data());
  }
}

// numpy reads the archive the way TF-MoDISco-lite and tangermeme do.
std::string numpy_check(const std::string& path, long count, int rows, int cols) {
  return "import numpy, sys\n"
         "d = numpy.load(" + test::shell_quote(path) + ")\n"
         "assert list(d.keys()) == ['arr_0'], list(d.keys())\n"
         "a = d['arr_0']\n"
         "assert a.dtype == numpy.float32, a.dtype\n"
         "assert a.shape == (" + std::to_string(count) + ", " + std::to_string(rows) + ", " + std::to_string(cols) +
         "), a.shape\n"
         "n = numpy.arange(a.shape[0]).reshape(-1, 1, 1)\n"
         "i = numpy.arange(a.shape[1] * a.shape[2]).reshape(1, a.shape[1], a.shape[2])\n"
         "expected = ((n * 1000 + i).astype(numpy.float32) * numpy.float32(0.25) - numpy.float32(3)).astype(numpy.float32)\n"
         "assert numpy.array_equal(a, expected), 'values differ'\n"
         "assert a.flags['C_CONTIGUOUS']\n"
         "print('ok')\n";
}

TEST(NpzArrayWriter, NumpyReadsShapeDtypeAndValues) {
  ScratchDir dir;
  const std::string path = dir.file("ohe.npz");
  NpzArrayWriter writer(path, 4, 7);
  write_items(writer, 3, 4, 7);
  EXPECT_EQ(writer.count(), 3);
  EXPECT_FALSE(test::exists(path)) << "nothing at the destination before commit";
  writer.commit();
  const auto result = test::run_python(dir, numpy_check(path, 3, 4, 7));
  EXPECT_EQ(result.status, 0) << result.output;
}

TEST(NpzArrayWriter, ZeroItemsIsAValidEmptyArray) {
  ScratchDir dir;
  const std::string path = dir.file("empty.npz");
  NpzArrayWriter writer(path, 4, 200);
  writer.commit();
  const auto result = test::run_python(dir, numpy_check(path, 0, 4, 200));
  EXPECT_EQ(result.status, 0) << result.output;
}

TEST(NpzArrayWriter, ManyItems) {
  ScratchDir dir;
  const std::string path = dir.file("hyp.npz");
  NpzArrayWriter writer(path, 4, 1000);
  write_items(writer, 1500, 4, 1000);
  writer.commit();
  const auto result = test::run_python(dir, numpy_check(path, 1500, 4, 1000));
  EXPECT_EQ(result.status, 0) << result.output;
}

TEST(NpzArrayWriter, NpyHeaderIsVersion1AlignedTo64Bytes) {
  ScratchDir dir;
  const std::string path = dir.file("a.npz");
  NpzArrayWriter writer(path, 2, 3);
  write_items(writer, 12, 2, 3);
  writer.commit();
  const std::string script =
      "import zipfile, numpy.lib.format as f\n"
      "z = zipfile.ZipFile(" + test::shell_quote(path) + ")\n"
      "assert z.namelist() == ['arr_0.npy'], z.namelist()\n"
      "with z.open('arr_0.npy') as m:\n"
      "    assert f.read_magic(m) == (1, 0)\n"
      "    shape, fortran, dtype = f.read_array_header_1_0(m)\n"
      "    assert (shape, fortran, dtype.str) == ((12, 2, 3), False, '<f4'), (shape, fortran, dtype)\n"
      "    assert m.tell() % 64 == 0, m.tell()\n"
      "    assert len(m.read()) == 12 * 2 * 3 * 4\n"
      "print('ok')\n";
  const auto result = test::run_python(dir, script);
  EXPECT_EQ(result.status, 0) << result.output;
}

TEST(NpzArrayWriter, LeavesOnlyTheArchive) {
  ScratchDir dir;
  const std::string path = dir.file("a.npz");
  NpzArrayWriter writer(path, 4, 5);
  write_items(writer, 2, 4, 5);
  EXPECT_TRUE(dir.entries().empty()) << "the .npy stream is an unlinked temporary";
  writer.commit();
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.npz"});
}

TEST(NpzArrayWriter, DestroyedWithoutCommitLeavesNothing) {
  ScratchDir dir;
  const std::string path = dir.file("a.npz");
  test::write_file(path, "previous run");
  {
    NpzArrayWriter writer(path, 4, 5);
    write_items(writer, 2, 4, 5);
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.npz"});
  EXPECT_EQ(test::read_file(path), "previous run");
}

TEST(NpzArrayWriter, MissingDirectoryIsAnIoError) {
  ScratchDir dir;
  const std::string path = dir.file("missing/a.npz");
  try {
    NpzArrayWriter writer(path, 4, 5);
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), ("can't write '" + path + "': No such file or directory").c_str());
  }
}

}  // namespace
}  // namespace deeplift
