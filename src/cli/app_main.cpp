#include "deeplift/cli/app_main.hpp"

#include <iostream>

#include "deeplift/errors.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

namespace po = boost::program_options;

namespace {

void print_usage(std::ostream& out, const AppDescription& app, const po::options_description& options) {
  out << "Usage: " << app.name << " " << app.synopsis << "\n\n" << app.about << "\n\n" << options;
  if (!app.epilog.empty()) out << "\n" << app.epilog << "\n";
}

}  // namespace

int app_main(int argc, char** argv, const AppDescription& app, const po::options_description& options,
             const std::function<void(const po::variables_map&)>& run,
             const po::positional_options_description* positional) {
  po::options_description all(options);
  all.add_options()("help,h", "print this help and exit");
  if (argc <= 1) {
    print_usage(std::cerr, app, all);
    return 1;
  }
  po::variables_map values;
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(all);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), values);
    if (values.count("help")) {
      print_usage(std::cout, app, all);
      return 0;
    }
    po::notify(values);
  } catch (const po::error& e) {
    std::cerr << app.name << ": " << e.what() << "\nTry '" << app.name << " --help'.\n";
    return 1;
  }
  if (app.interruptible) install_interrupt_handlers();
  try {
    run(values);
  } catch (const Interrupted& e) {
    std::cerr << app.name << ": " << e.what() << "\n";
    return 128 + e.signal_number();
  } catch (const UsageError& e) {
    std::cerr << app.name << ": " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    // The hint only where there is such an option (merge-tracks has none).
    std::cerr << app.name << ": out of memory"
              << (options.find_nothrow("batch-size", false) ? " (try a smaller --batch-size)" : "") << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << app.name << ": " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace deeplift
