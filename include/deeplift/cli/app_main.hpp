// The genomics CLI contract shared by every app (samtools' habits):
// no arguments → usage on stderr, exit 1; -h/--help → usage on stdout, exit 0;
// bad options → every problem at once, one "app: problem" line each on
// stderr, then "Try 'app --help'.", exit 1; a failure while running (bad
// input, I/O) → "app: message" on stderr, exit 2; stopped by SIGINT or
// SIGTERM (apps that set `interruptible`) → message, exit 128 + signal.
// Every app has -q/--quiet (declare "quiet,q" yourself to bind it; app_main
// adds a no-op one otherwise). Defaults live in each app's options struct and
// are shown by --help from there (Boost's "(=value)" after the option).
#pragma once
#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

namespace deeplift {

struct AppDescription {
  std::string name;      // e.g. "score-seqs"
  std::string synopsis;  // one usage line after the name
  std::string about;     // what it does, printed above the options
  std::string epilog;    // printed below the options (examples, notes)
  // The run polls check_interrupt() (util/interrupt.hpp): install the SIGINT
  // and SIGTERM handlers so a signal stops it cleanly instead of at once.
  bool interruptible = false;
  // Checks the option values once they are parsed into the app's options
  // struct and throws UsageError listing every problem, one per line. It runs
  // even when the command line itself had problems (an unknown option, a
  // value of the wrong type, a missing required option), so that all of them
  // are reported together; options that could not be parsed keep their
  // defaults (variables_map::defaulted() tells given from default). Optional.
  std::function<void(const boost::program_options::variables_map&)> check = nullptr;
};

// Parses argv into `options` (whose defaults the caller set from its options
// struct), runs app.check, then calls `run`. Returns the process exit code.
int app_main(int argc, char** argv, const AppDescription& app, const boost::program_options::options_description& options,
             const std::function<void(const boost::program_options::variables_map&)>& run,
             const boost::program_options::positional_options_description* positional = nullptr);

// The problems of a command line, in command-line order, without running
// anything: unknown options, unparsable values, repeated options, missing
// required options (what app_main reports before app.check's). Fills
// `values` with every option that parsed and notifies its bound variable.
std::vector<std::string> parse_command_line(int argc, char** argv, const boost::program_options::options_description& options,
                                            const boost::program_options::positional_options_description* positional,
                                            boost::program_options::variables_map& values);

// Splits a UsageError's message into its problems (one per line).
std::vector<std::string> usage_problems(const std::string& message);

}  // namespace deeplift
