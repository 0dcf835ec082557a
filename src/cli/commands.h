// The subcommands of the `tandem` tool, each taking the arguments after its name.
#pragma once

#include <string>
#include <vector>

namespace tandem::cli {

int fixture_command(int argc, char** argv);
int inspect_command(int argc, char** argv);
int export_command(int argc, char** argv);
int import_command(int argc, char** argv);
int score_command(int argc, char** argv);
int catalog_command(int argc, char** argv);
int split_command(int argc, char** argv);
int train_command(int argc, char** argv);
int eval_command(int argc, char** argv);
int prepare_command(int argc, char** argv);

int profiles_command(int argc, char** argv);

// Prints "tandem: message" to stderr and returns 1.
int fail(const std::string& message);

struct Command;
// Parses `command`'s options; prints its help and returns 0 for --help, 1 for an error, -1 to go on.
int parse_or_help(Command& command, int argc, char** argv, std::vector<std::string>* positional);

}  // namespace tandem::cli
