// Bundled data lookup (util/bundled_data.hpp): bare names, the source-tree
// fallback the test binary sees (it does not run from an install prefix), and
// the error for a name that is nothing.
#include "deeplift/util/bundled_data.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

namespace fs = std::filesystem;

TEST(BundledData, BareNames) {
  EXPECT_TRUE(is_bare_name("gata_tal"));
  EXPECT_TRUE(is_bare_name("deeplift-paper"));
  EXPECT_FALSE(is_bare_name("gata_tal.safetensors"));
  EXPECT_FALSE(is_bare_name("models/gata_tal"));
  EXPECT_FALSE(is_bare_name("./gata_tal"));
  EXPECT_FALSE(is_bare_name(""));
  EXPECT_FALSE(is_bare_name(".."));
}

TEST(BundledData, FoundInTheSourceTree) {
  const auto found = find_bundled_data("motifs/gata_tal.meme");
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(fs::equivalent(*found, fs::path(DEEPLIFT_SOURCE_DIR) / "data" / "motifs" / "gata_tal.meme"));
  EXPECT_FALSE(find_bundled_data("motifs/no_such_file.meme").has_value());
}

TEST(BundledData, ResolvesBareNamesOnly) {
  const fs::path model = fs::path(DEEPLIFT_SOURCE_DIR) / "data" / "models" / "gata_tal.safetensors";
  EXPECT_TRUE(fs::equivalent(resolve_bundled("gata_tal", "models", ".safetensors"), model));
  EXPECT_TRUE(fs::equivalent(resolve_bundled("deeppad", "archs", ".json"),
                             fs::path(DEEPLIFT_SOURCE_DIR) / "data" / "archs" / "deeppad.json"));
  // A path or a name with an extension is taken as given, existing or not.
  EXPECT_EQ(resolve_bundled("my/gata_tal", "models", ".safetensors"), "my/gata_tal");
  EXPECT_EQ(resolve_bundled("missing.safetensors", "models", ".safetensors"), "missing.safetensors");
}

TEST(BundledData, AnExistingFileOfThatNameWins) {
  const fs::path directory = fs::temp_directory_path() / ("bundled_data_test_" + std::to_string(::getpid()));
  fs::create_directories(directory);
  const fs::path old_cwd = fs::current_path();
  fs::current_path(directory);
  std::ofstream("gata_tal") << "local";
  EXPECT_EQ(resolve_bundled("gata_tal", "models", ".safetensors"), "gata_tal");
  fs::current_path(old_cwd);
  fs::remove_all(directory);
}

TEST(BundledData, AnUnknownNameListsTheBundledOnes) {
  try {
    resolve_bundled("gata_tl", "models", ".safetensors");
    FAIL() << "no error";
  } catch (const IoError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("can't open 'gata_tl'"), std::string::npos) << message;
    EXPECT_NE(message.find("(bundled: gata_tal)"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace deeplift
