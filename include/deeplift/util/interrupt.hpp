// Stopping a long run cleanly on SIGINT (Ctrl-C) or SIGTERM (what cluster
// schedulers send at a time limit or on scancel/qdel).
//
// A signal handler may do almost nothing safely, so it only records the
// signal. Long-running library loops call check_interrupt() between units of
// work (score-seqs: per batch, per chunk, while writing tracks); it throws
// Interrupted, and the stack unwinds through the output writers' destructors,
// which remove their temporary files: nothing is left behind (docs/outputs.md).
// The handler is installed once and resets itself, so a second Ctrl-C ends
// the process at once the default way.
#pragma once

namespace deeplift {

// Installs the SIGINT and SIGTERM handlers. Called by app_main for apps
// whose run polls check_interrupt(); apps that never poll keep the default
// action (die at once), so a signal is never silently ignored.
void install_interrupt_handlers();

// The number of the first signal received since installation, or 0.
int interrupt_signal();

// Records `signal_number` as if that signal had arrived (an embedding host
// such as the Python module forwards its own Ctrl-C this way; tests use it),
// and clears the record again for the next call.
void request_interrupt(int signal_number);
void clear_interrupt();

// Throws Interrupted if a signal has been received. Call it only where
// unwinding leaves no output behind (before any file is published).
void check_interrupt();

}  // namespace deeplift
