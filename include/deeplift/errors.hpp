// Typed exceptions of the library. Only apps/ catches them, prints
// "<app>: <message>" and chooses the exit code; library code never prints.
#pragma once
#include <stdexcept>
#include <string>

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
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace deeplift
