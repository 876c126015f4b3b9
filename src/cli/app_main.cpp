#include "deeplift/cli/app_main.hpp"

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "deeplift/errors.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

namespace po = boost::program_options;

namespace {

void print_usage(std::ostream& out, const AppDescription& app, const po::options_description& options) {
  out << "Usage: " << app.name << " " << app.synopsis << "\n\n" << app.about << "\n\n" << options;
  if (!app.epilog.empty()) out << "\n" << app.epilog << "\n";
}

std::string long_option(const std::string& key) { return "--" + key; }

// "--name" when `problem` is about that option: its first word, as the
// option checks write them ("--fdr must be ...", "--out '...' is a directory").
std::string option_named_by(const std::string& problem) {
  if (problem.rfind("--", 0) != 0) return {};
  const auto end = problem.find_first_of(" '=:,");
  return problem.substr(0, end);
}

}  // namespace

std::vector<std::string> usage_problems(const std::string& message) {
  std::vector<std::string> problems;
  std::istringstream lines(message);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) problems.push_back(line);
  if (problems.empty()) problems.push_back(message);
  return problems;
}

std::vector<std::string> parse_command_line(int argc, char** argv, const po::options_description& options,
                                            const po::positional_options_description* positional,
                                            po::variables_map& values) {
  std::vector<std::string> problems;
  po::parsed_options parsed(&options);
  try {
    po::command_line_parser parser(argc, argv);
    // Unknown options are collected instead of stopping the parse at the first.
    parser.options(options).allow_unregistered();
    if (positional) parser.positional(*positional);
    parsed = parser.run();
  } catch (const po::error& e) {
    // The command line cannot be split into options (a value missing at its
    // end, an ambiguous abbreviation): nothing after it can be trusted.
    problems.push_back(e.what());
    return problems;
  }
  // Defaults first, then each option's occurrences on their own, so that one
  // bad value does not hide the next.
  po::store(po::parsed_options(&options), values);
  std::vector<std::string> order;
  std::map<std::string, po::parsed_options> occurrences;
  for (const po::option& option : parsed.options) {
    // An unknown option, or a word that no positional argument takes (it
    // comes back with an empty key instead).
    if (option.unregistered || option.string_key.empty()) {
      const std::string token = option.original_tokens.empty() ? option.string_key : option.original_tokens.front();
      problems.push_back(option.position_key >= 0 || token.rfind('-', 0) != 0
                             ? "unexpected argument '" + token + "'"
                             : "unrecognised option '" + token + "'");
      continue;
    }
    auto found = occurrences.find(option.string_key);
    if (found == occurrences.end()) {
      order.push_back(option.string_key);
      found = occurrences.emplace(option.string_key, po::parsed_options(&options)).first;
    }
    found->second.options.push_back(option);
  }
  for (const std::string& key : order) {
    bool stored = false;
    try {
      po::store(occurrences.at(key), values);
      stored = true;
    } catch (po::error_with_option_name& e) {
      e.set_prefix(po::command_line_style::allow_long);  // "--threads", not "threads"
      problems.push_back(e.what());
    } catch (const po::error& e) {
      problems.push_back(e.what());
    }
    if (!stored) {  // back to its default, as if not given
      values.erase(key);
      po::store(po::parsed_options(&options), values);
    }
  }
  for (const auto& description : options.options()) {
    const std::string& key = description->long_name();
    if (description->semantic()->is_required() && values.count(key) == 0)
      problems.push_back("the option '" + long_option(key) + "' is required but missing");
  }
  // What variables_map::notify() does, minus its stop at the first missing
  // required option: hand each parsed value to the variable bound to it.
  for (const auto& [key, value] : values) {
    if (value.value().empty()) continue;
    try {
      options.find(key, false).semantic()->notify(value.value());
    } catch (const po::error& e) {
      problems.push_back(e.what());
    }
  }
  return problems;
}

int app_main(int argc, char** argv, const AppDescription& app, const po::options_description& options,
             const std::function<void(const po::variables_map&)>& run,
             const po::positional_options_description* positional) {
  po::options_description all(options);
  all.add_options()("help,h", "print this help and exit");
  if (!options.find_nothrow("quiet", false)) all.add_options()("quiet,q", "print nothing but errors");
  if (argc <= 1) {
    print_usage(std::cerr, app, all);
    return 1;
  }
  po::variables_map values;
  std::vector<std::string> problems = parse_command_line(argc, argv, all, positional, values);
  if (values.count("help")) {
    print_usage(std::cout, app, all);
    return 0;
  }
  std::vector<std::string> missing;  // options reported missing: the check need not say it again
  for (const auto& problem : problems)
    if (problem.find("is required but missing") != std::string::npos) {
      const auto start = problem.find("'--");
      missing.push_back(problem.substr(start + 1, problem.find('\'', start + 1) - start - 1));
    }
  if (app.check) {
    try {
      app.check(values);
    } catch (const UsageError& e) {
      for (const auto& problem : usage_problems(e.what()))
        if (std::find(missing.begin(), missing.end(), option_named_by(problem)) == missing.end())
          problems.push_back(problem);
    }
  }
  if (!problems.empty()) {
    for (const auto& problem : problems) std::cerr << app.name << ": " << problem << "\n";
    std::cerr << "Try '" << app.name << " --help'.\n";
    return 1;
  }
  if (app.interruptible) install_interrupt_handlers();
  try {
    run(values);
  } catch (const Interrupted& e) {
    std::cerr << app.name << ": " << e.what() << "\n";
    return 128 + e.signal_number();
  } catch (const UsageError& e) {
    for (const auto& problem : usage_problems(e.what())) std::cerr << app.name << ": " << problem << "\n";
    std::cerr << "Try '" << app.name << " --help'.\n";
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
