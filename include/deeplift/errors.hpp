// Typed exceptions of the library. Only apps/ catches them, prints
// "<app>: <message>" and chooses the exit code; library code never prints.
#pragma once
#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

namespace deeplift {

// Base of every error the library reports to a user.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file's contents break its format (model file, FASTA, BED, MEME, ...).
// The message names the file and, where there is one, record and position.
class FormatError : public Error {
 public:
  using Error::Error;
};

// Input that is well-formed but cannot be processed as asked (a record
// shorter than the model input, a duplicate record name, an all-N window).
class InputError : public Error {
 public:
  using Error::Error;
};

// A file could not be opened, read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

// A bad option value (unknown method, reference string that does not parse).
// Option checks report every problem at once: one problem per line of
// what(), which the apps print as "<app>: <problem>" each.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Throws a UsageError listing `problems` one per line, if there are any.
inline void throw_usage_problems(const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string message = problems.front();
  for (std::size_t i = 1; i < problems.size(); ++i) message += "\n" + problems[i];
  throw UsageError(message);
}

// The run was stopped by a signal (SIGINT, SIGTERM) before any output was
// published (util/interrupt.hpp). Apps exit with 128 + signal_number(), the
// shell's convention for a process ended by that signal.
class Interrupted : public Error {
 public:
  explicit Interrupted(int signal_number)
      : Error(std::string("interrupted by ") +
              (signal_number == SIGINT ? "SIGINT" : signal_number == SIGTERM ? "SIGTERM" : "a signal") +
              "; no output was written"),
        signal_number_(signal_number) {}
  int signal_number() const { return signal_number_; }

 private:
  int signal_number_;
};

}  // namespace deeplift
