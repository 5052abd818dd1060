#include "cli/app.h"

int main(int argc, char** argv) { return seek::cli::seek_main(argc, argv); }
