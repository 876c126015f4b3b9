// The npz reader against our own writer and against files numpy writes
// (savez, savez_compressed, .npy format 2.0), and every rejected input.
#include "deeplift/io/npz_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/io/npz_writer.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

// Element i of a test array: distinct and exactly representable in float32.
float value(long i) { return static_cast<float>(i) * 0.25f - 7.0f; }

// Runs a numpy script that must print "ok"; fails the test otherwise.
void numpy(const ScratchDir& dir, const std::string& script) {
  const auto result = test::run_python(dir, "import numpy as np, zipfile, io\n" + script + "print('ok')\n");
  ASSERT_EQ(result.status, 0) << result.output;
}

// A numpy expression for the (2, 4, 5) test array.
const char* kNumpyArray = "(np.arange(40, dtype=np.float32).reshape(2, 4, 5) * np.float32(0.25) - np.float32(7))";

void expect_test_array(const NpyArray& array) {
  ASSERT_EQ(array.shape, (std::vector<long>{2, 4, 5}));
  ASSERT_EQ(array.values.size(), 40u);
  for (long i = 0; i < 40; ++i) EXPECT_EQ(array.values[i], value(i)) << i;
}

template <class Error>
void expect_error(const std::string& path, const std::string& part) {
  try {
    read_npz_array(path);
    ADD_FAILURE() << "no error reading " << path;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(part), std::string::npos) << message << "\nlacks: " << part;
    EXPECT_NE(message.find(path), std::string::npos) << message << "\ndoes not name the file";
  }
}

TEST(NpzReader, RoundTripThroughNpzArrayWriter) {
  ScratchDir dir;
  const std::string path = dir.file("a.npz");
  NpzArrayWriter writer(path, 4, 7);
  std::vector<float> item(28);
  for (long n = 0; n < 3; ++n) {
    for (int i = 0; i < 28; ++i) item[i] = value(n * 28 + i);
    writer.append(item.data());
  }
  writer.commit();
  const NpyArray array = read_npz_array(path);
  ASSERT_EQ(array.shape, (std::vector<long>{3, 4, 7}));
  ASSERT_EQ(array.size(), 84);
  for (long i = 0; i < 84; ++i) EXPECT_EQ(array.values[i], value(i));
}

TEST(NpzReader, EmptyArrayFromNpzArrayWriter) {
  ScratchDir dir;
  const std::string path = dir.file("empty.npz");
  NpzArrayWriter(path, 4, 200).commit();
  const NpyArray array = read_npz_array(path);
  EXPECT_EQ(array.shape, (std::vector<long>{0, 4, 200}));
  EXPECT_TRUE(array.values.empty());
}

TEST(NpzReader, NumpySavez) {
  ScratchDir dir;
  numpy(dir, "np.savez(" + test::shell_quote(dir.file("a.npz")) + ", " + kNumpyArray + ")\n");
  expect_test_array(read_npz_array(dir.file("a.npz")));
}

TEST(NpzReader, NumpySavezCompressed) {
  ScratchDir dir;
  numpy(dir, "np.savez_compressed(" + test::shell_quote(dir.file("a.npz")) + ", " + kNumpyArray + ")\n");
  expect_test_array(read_npz_array(dir.file("a.npz")));
}

TEST(NpzReader, NpyFormatVersion2AndOtherShapes) {
  ScratchDir dir;
  numpy(dir,
        "buf = io.BytesIO()\n"
        "np.lib.format.write_array(buf, " + std::string(kNumpyArray) + ", version=(2, 0))\n"
        "with zipfile.ZipFile(" + test::shell_quote(dir.file("v2.npz")) + ", 'w') as z:\n"
        "    z.writestr('arr_0.npy', buf.getvalue())\n"
        "np.savez(" + test::shell_quote(dir.file("vector.npz")) + ", np.array([1.5, -2], dtype=np.float32))\n"
        "np.savez(" + test::shell_quote(dir.file("named.npz")) + ", scores=np.zeros((1, 2), dtype=np.float32))\n");
  expect_test_array(read_npz_array(dir.file("v2.npz")));
  const NpyArray vector = read_npz_array(dir.file("vector.npz"));
  EXPECT_EQ(vector.shape, std::vector<long>{2});
  EXPECT_EQ(vector.values, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(read_npz_array(dir.file("named.npz"), "scores").shape, (std::vector<long>{1, 2}));
}

TEST(NpzReader, MissingFileIsAnIoError) {
  ScratchDir dir;
  expect_error<IoError>(dir.file("missing.npz"), "can't open");
  expect_error<IoError>(dir.file("missing.npz"), "No such file or directory");
}

TEST(NpzReader, RejectsWhatScoreSeqsDoesNotWrite) {
  ScratchDir dir;
  test::write_file(dir.file("text.npz"), "chr1\t0\t10\t0.5\n");
  numpy(dir,
        "np.savez(" + test::shell_quote(dir.file("f8.npz")) + ", np.zeros((2, 4, 3)))\n"
        "np.savez(" + test::shell_quote(dir.file("big.npz")) + ", np.zeros((2, 4, 3), dtype='>f4'))\n"
        "np.savez(" + test::shell_quote(dir.file("fortran.npz")) +
        ", np.asfortranarray(np.zeros((2, 4, 3), dtype=np.float32)))\n"
        "np.savez(" + test::shell_quote(dir.file("named.npz")) + ", scores=np.zeros(3, dtype=np.float32))\n"
        "buf = io.BytesIO()\n"
        "np.lib.format.write_array(buf, np.zeros((2, 4, 3), dtype=np.float32))\n"
        "with zipfile.ZipFile(" + test::shell_quote(dir.file("short.npz")) + ", 'w') as z:\n"
        "    z.writestr('arr_0.npy', buf.getvalue()[:-8])\n"
        "with zipfile.ZipFile(" + test::shell_quote(dir.file("magic.npz")) + ", 'w') as z:\n"
        "    z.writestr('arr_0.npy', b'not an npy file at all')\n"
        "with zipfile.ZipFile(" + test::shell_quote(dir.file("header.npz")) + ", 'w') as z:\n"
        "    z.writestr('arr_0.npy', b'\\x93NUMPY\\x01\\x00\\x10\\x00{\"descr\": <f4}  \\n')\n");
  expect_error<FormatError>(dir.file("text.npz"), "not an .npz file");
  expect_error<FormatError>(dir.file("f8.npz"), "dtype '<f8'");
  expect_error<FormatError>(dir.file("big.npz"), "dtype '>f4'");
  expect_error<FormatError>(dir.file("fortran.npz"), "fortran_order True");
  expect_error<FormatError>(dir.file("named.npz"), "no array 'arr_0' (member arr_0.npy); the archive holds scores.npy");
  expect_error<FormatError>(dir.file("short.npz"), "needs 96 bytes of data, the member holds 88");
  expect_error<FormatError>(dir.file("magic.npz"), "bad magic");
  expect_error<FormatError>(dir.file("header.npz"), "malformed .npy header");
}

}  // namespace
}  // namespace deeplift
