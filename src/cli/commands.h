// The subcommands of the `tandem` tool, each taking the arguments after its name.
#pragma once

#include <string>

namespace tandem::cli {

int fixture_command(int argc, char** argv);
int inspect_command(int argc, char** argv);
int export_command(int argc, char** argv);
int import_command(int argc, char** argv);
int score_command(int argc, char** argv);
int catalog_command(int argc, char** argv);
int train_command(int argc, char** argv);
int eval_command(int argc, char** argv);

// Prints "tandem: message" to stderr and returns 1.
int fail(const std::string& message);

}  // namespace tandem::cli
