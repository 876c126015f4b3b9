#include "deeplift/util/interrupt.hpp"

#include <signal.h>

#include <atomic>
#include <cstring>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

// Lock-free atomics are the one shared state a signal handler may write
// (C++17 [support.signal]) and other threads then read.
std::atomic<int> received{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int signal_number) {
  int none = 0;
  received.compare_exchange_strong(none, signal_number);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: reads and writes in progress continue instead of failing
  // with EINTR (which htslib would report as a corrupt file); the loops see
  // the flag soon after. SA_RESETHAND: a second signal takes the default
  // action, for a user who does not want to wait.
  action.sa_flags = SA_RESTART | SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void request_interrupt(int signal_number) { on_signal(signal_number); }

void clear_interrupt() { received.store(0); }

int interrupt_signal() { return received.load(std::memory_order_relaxed); }

void check_interrupt() {
  const int signal_number = interrupt_signal();
  if (signal_number != 0) throw Interrupted(signal_number);
}

}  // namespace deeplift
