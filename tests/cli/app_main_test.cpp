// The command-line parse shared by every app (cli/app_main.hpp): every
// problem of a command line is found in one pass, in command-line order, and
// the values that did parse reach the variables bound to them.
#include "deeplift/cli/app_main.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deeplift {
namespace {

namespace po = boost::program_options;

struct Parsed {
  std::vector<std::string> problems;
  po::variables_map values;
};

struct Options {
  std::string out;
  int threads = 0;
  double fdr = 0.05;
  bool quiet = false;
};

Parsed parse(std::vector<std::string> words, Options& into) {
  po::options_description described;
  described.add_options()("out,o", po::value(&into.out)->required(), "")(
      "threads,t", po::value(&into.threads)->default_value(into.threads), "")(
      "fdr", po::value(&into.fdr)->default_value(into.fdr), "")("quiet,q", po::bool_switch(&into.quiet), "");
  words.insert(words.begin(), "app");
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  Parsed parsed;
  parsed.problems = parse_command_line(static_cast<int>(argv.size()), argv.data(), described, nullptr, parsed.values);
  return parsed;
}

TEST(ParseCommandLine, EveryProblemAtOnce) {
  Options options;
  const Parsed parsed = parse({"--threads", "x", "--bogus", "--fdr", "0.1", "--fdr", "0.2", "extra"}, options);
  const std::vector<std::string> expected = {
      "unrecognised option '--bogus'",
      "unexpected argument 'extra'",
      "the argument ('x') for option '--threads' is invalid",
      "option '--fdr' cannot be specified more than once",
      "the option '--out' is required but missing",
  };
  EXPECT_EQ(parsed.problems, expected);
}

TEST(ParseCommandLine, GoodValuesReachTheirVariables) {
  Options options;
  const Parsed parsed = parse({"-o", "prefix", "--fdr", "0.25", "-q", "--threads", "nope"}, options);
  ASSERT_EQ(parsed.problems.size(), 1u);
  EXPECT_EQ(options.out, "prefix");
  EXPECT_DOUBLE_EQ(options.fdr, 0.25);
  EXPECT_TRUE(options.quiet);
  EXPECT_EQ(options.threads, 0);  // unparsable: keeps its default
  EXPECT_TRUE(parsed.values["threads"].defaulted());
  EXPECT_FALSE(parsed.values["fdr"].defaulted());
}

TEST(ParseCommandLine, NoProblems) {
  Options options;
  EXPECT_TRUE(parse({"--out=x", "-t", "3"}, options).problems.empty());
  EXPECT_EQ(options.threads, 3);
}

TEST(UsageProblems, OneLineEach) {
  EXPECT_EQ(usage_problems("a\nb\n"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(usage_problems("single"), (std::vector<std::string>{"single"}));
}

}  // namespace
}  // namespace deeplift
