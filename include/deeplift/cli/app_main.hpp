// The genomics CLI contract shared by every app (samtools' habits):
// no arguments → usage on stderr, exit 1; --help → usage on stdout, exit 0;
// a bad option → "app: message" on stderr, exit 1; a failure while running
// (bad input, I/O) → "app: message" on stderr, exit 2; stopped by SIGINT or
// SIGTERM (apps that set `interruptible`) → message, exit 128 + signal.
#pragma once
#include <boost/program_options.hpp>
#include <functional>
#include <string>

namespace deeplift {

struct AppDescription {
  std::string name;      // e.g. "score-seqs"
  std::string synopsis;  // one usage line after the name
  std::string about;     // what it does, printed above the options
  std::string epilog;    // printed below the options (examples, notes)
  // The run polls check_interrupt() (util/interrupt.hpp): install the SIGINT
  // and SIGTERM handlers so a signal stops it cleanly instead of at once.
  bool interruptible = false;
};

// Parses argv into `options` (whose defaults the caller set from its options
// struct), then calls `run`. Returns the process exit code.
int app_main(int argc, char** argv, const AppDescription& app, const boost::program_options::options_description& options,
             const std::function<void(const boost::program_options::variables_map&)>& run,
             const boost::program_options::positional_options_description* positional = nullptr);

}  // namespace deeplift
