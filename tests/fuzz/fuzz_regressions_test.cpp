// Replays every saved fuzz input in the normal test suite: the seed corpora
// (tests/fuzz/corpus/<target>/) and each input that once crashed a target
// (tests/fuzz/regressions/<target>/, named after the bug). Each goes through
// the same entry point as the fuzzer; it must be accepted or rejected with a
// deeplift::Error, never crash. Under the sanitizer build (scripts/test's
// second stage) a memory error or undefined behaviour fails the test too.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"

namespace deeplift {
namespace {

namespace fs = std::filesystem;

using Entry = void (*)(const std::uint8_t*, std::size_t);

struct Target {
  const char* name;
  Entry entry;
};

// Names the target in test output instead of gtest's byte dump.
void PrintTo(const Target& target, std::ostream* out) { *out << target.name; }

const Target kTargets[] = {
    {"model_loader", &fuzz::model_loader},
    {"fasta", &fuzz::fasta},
    {"bed", &fuzz::bed},
    {"narrowpeak", &fuzz::narrowpeak},
    {"meme", &fuzz::meme},
};

std::vector<fs::path> saved_inputs(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(DEEPLIFT_SOURCE_DIR) / "tests" / "fuzz" / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class FuzzRegressions : public testing::TestWithParam<Target> {};

TEST_P(FuzzRegressions, EverySavedInputIsAcceptedOrRejectedWithATypedError) {
  const Target& target = GetParam();
  const auto files = saved_inputs(target.name);
  ASSERT_FALSE(files.empty()) << "no seed corpus for " << target.name;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << file;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(target.entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())) << file;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressions, testing::ValuesIn(kTargets),
                         [](const testing::TestParamInfo<Target>& target) { return std::string(target.param.name); });

}  // namespace
}  // namespace deeplift
