// The background block writer under the npz archives (src/io/block_writer.hpp):
// whatever the sizes appended, the file holds exactly those bytes in order,
// plus what write_at puts after flush; a failing device is an IoError.
#include "../../src/io/block_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>
#include <string>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

TEST(BlockWriter, AppendsOfAnySizeLandInOrder) {
  ScratchDir dir;
  const std::string path = dir.file("blocks.bin");
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  std::mt19937 rng(7);
  std::string expected;
  {
    detail::BlockWriter writer(fd, path);
    // Pieces from 1 byte to 3 MB: inside a block, across one, across several.
    for (std::size_t size : {1ul, 4095ul, 4097ul, 1000000ul, 3ul << 20, 17ul, (1ul << 20) - 5, 123456ul}) {
      std::string piece(size, '\0');
      for (char& c : piece) c = static_cast<char>(rng());
      writer.append(piece.data(), piece.size());
      expected += piece;
      EXPECT_EQ(writer.size(), expected.size());
    }
    writer.flush();
    writer.write_at(writer.size(), "TAIL", 4);
    writer.write_at(0, "HEAD", 4);
  }
  close(fd);
  expected += "TAIL";
  expected.replace(0, 4, "HEAD");
  const std::string written = test::read_file(path);
  ASSERT_EQ(written.size(), expected.size());
  EXPECT_TRUE(written == expected) << "bytes differ";
}

TEST(BlockWriter, FullDeviceIsAnIoErrorNamingTheFile) {
  const int fd = open("/dev/full", O_WRONLY);
  if (fd < 0) GTEST_SKIP() << "no /dev/full";
  const std::string block(3 << 20, 'x');
  try {
    detail::BlockWriter writer(fd, "out.npz");
    writer.append(block.data(), block.size());
    writer.flush();
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), "can't write 'out.npz': No space left on device");
  }
  close(fd);
}

}  // namespace
}  // namespace deeplift
