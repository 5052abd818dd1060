// Helpers shared by the test binaries.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "io/json.h"

namespace seek::testing {

// Directory of generated test data (tools/ref output under the build tree).
std::string testdata_dir();
// Repository root.
std::string source_dir();
// A fresh empty directory under the system temp dir, unique per test.
std::string make_temp_dir();
// Copies every file of `from` into `to` (flat directories only).
void copy_dir(const std::string& from, const std::string& to);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

// Builds safetensors bytes: u64 header length, `header` serialised, then `data`.
std::string make_safetensors(const Json& header, const std::string& data);
// Rewrites the JSON header of the safetensors file at `path` through `edit`, keeping its data.
void edit_safetensors_header(const std::string& path, const std::function<void(Json&)>& edit);
// Rewrites a JSON file (config.json, index) through `edit`.
void edit_json_file(const std::string& path, const std::function<void(Json&)>& edit);

// Runs seek's command line in-process; captures stderr into *err and stdout into *out.
int run_seek(const std::vector<std::string>& args, std::string* out = nullptr, std::string* err = nullptr);

}  // namespace seek::testing
