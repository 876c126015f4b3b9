#include "deeplift/io/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "deeplift/errors.hpp"
#include "io_test_util.hpp"

namespace deeplift {
namespace {

using test::ScratchDir;

mode_t current_umask() {
  const mode_t mask = umask(0);
  umask(mask);
  return mask;
}

TEST(AtomicFile, AppearsOnlyAtCommit) {
  ScratchDir dir;
  const std::string path = dir.file("out.txt");
  AtomicFile file(path);
  EXPECT_EQ(file.path(), path);
  ASSERT_NE(file.stream(), nullptr);
  // The temporary is hidden and in the destination directory, so rename is atomic.
  EXPECT_EQ(file.temp_path().rfind(dir.file(".out.txt.tmp."), 0), 0u) << file.temp_path();
  std::fputs("hello\n", file.stream());
  EXPECT_FALSE(test::exists(path));
  EXPECT_TRUE(test::exists(file.temp_path()));

  file.commit();
  EXPECT_EQ(test::read_file(path), "hello\n");
  EXPECT_FALSE(test::exists(file.temp_path()));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFile, CommittedFileHasTheUsualPermissions) {
  ScratchDir dir;
  const std::string path = dir.file("out.txt");
  {
    AtomicFile file(path);
    file.commit();
  }
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0666 & ~current_umask()) << "not mkstemp's 0600";
}

TEST(AtomicFile, DestructorWithoutCommitLeavesNothing) {
  ScratchDir dir;
  std::string temp;
  {
    AtomicFile file(dir.file("out.txt"));
    temp = file.temp_path();
    std::fputs("partial", file.stream());
  }
  EXPECT_FALSE(test::exists(temp));
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicFile, ReplacesAnExistingFileOnlyAtCommit) {
  ScratchDir dir;
  const std::string path = dir.file("out.txt");
  test::write_file(path, "old");
  {
    AtomicFile file(path);
    std::fputs("new", file.stream());
    EXPECT_EQ(test::read_file(path), "old");
  }
  EXPECT_EQ(test::read_file(path), "old") << "an abandoned write keeps the old file";
  AtomicFile file(path);
  std::fputs("new", file.stream());
  file.commit();
  EXPECT_EQ(test::read_file(path), "new");
}

TEST(AtomicFile, MissingDirectoryIsAnIoError) {
  ScratchDir dir;
  const std::string path = dir.file("no/such/dir/out.txt");
  try {
    AtomicFile file(path);
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), ("can't write '" + path + "': No such file or directory").c_str());
  }
}

TEST(AtomicFile, UnwritableDirectoryIsAnIoError) {
  if (geteuid() == 0) GTEST_SKIP() << "root can write anywhere";
  ScratchDir dir;
  const std::string locked = dir.file("locked");
  ASSERT_EQ(mkdir(locked.c_str(), 0555), 0);
  const std::string path = locked + "/out.txt";
  try {
    AtomicFile file(path);
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), ("can't write '" + path + "': Permission denied").c_str());
  }
  chmod(locked.c_str(), 0755);
}

TEST(AtomicFile, DirectoryInTheWayFailsAtOnce) {
  // Not only at commit: by then a run's other outputs would be published.
  ScratchDir dir;
  const std::string path = dir.file("taken");
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0);
  try {
    AtomicFile file(path);
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), ("can't write '" + path + "': Is a directory").c_str());
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"taken"});
}

TEST(AtomicFile, CommitOntoADirectoryFailsAndCleansUp) {
  ScratchDir dir;
  const std::string path = dir.file("taken");
  AtomicFile file(path);
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0);  // appears while the file is written
  std::fputs("data", file.stream());
  try {
    file.commit();
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_STREQ(error.what(), ("can't write '" + path + "': Is a directory").c_str());
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"taken"});
}

}  // namespace
}  // namespace deeplift
