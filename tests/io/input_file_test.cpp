// Opening inputs: every reader reports "can't open 'x': <reason>", including
// for a directory, which std::ifstream would open without complaint.
#include "deeplift/io/input_file.hpp"

#include <gtest/gtest.h>

#include <string>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

std::string open_error(const std::string& path) {
  try {
    open_input_file(path);
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(InputFile, DirectoryIsAnIoErrorNamingIt) {
  test::ScratchDir dir;
  EXPECT_EQ(open_error(dir.path().string()), "can't open '" + dir.path().string() + "': Is a directory");
  EXPECT_THROW(check_input_file(dir.path().string()), IoError);
}

TEST(InputFile, MissingFileIsAnIoErrorWithTheReason) {
  test::ScratchDir dir;
  const std::string path = dir.file("missing.txt");
  EXPECT_EQ(open_error(path), "can't open '" + path + "': No such file or directory");
}

TEST(InputFile, RegularFileOpens) {
  test::ScratchDir dir;
  const std::string path = dir.file("present.txt");
  test::write_file(path, "line\n");
  std::ifstream in = open_input_file(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "line");
}

}  // namespace
}  // namespace deeplift
