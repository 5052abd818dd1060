// seek's command line, callable in-process (tests drive it without spawning a binary).
#pragma once

namespace seek::cli {

// Parses argv, runs the chosen subcommand, returns the exit code: 0 success, 1 failure
// (message on stderr), 2 usage error.
int seek_main(int argc, char** argv);

}  // namespace seek::cli
