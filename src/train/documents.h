// Documents of a training corpus, read from plain text or JSONL files. What counts as one
// document matters because the data pipeline puts BOS before and EOS after each, so a model
// learns where texts begin and end (and `seek generate` stops at EOS).
//
//   *.jsonl, *.ndjson   one JSON object per line, the document is its `jsonl_key` string
//                       (default "text"); blank lines are skipped
//   anything else       plain text: the whole file, or the pieces between `separator`s
//                       (e.g. "\n%\n" for fortune files) when one is given
//
// Files are memory-mapped, so reading costs no copy of the file. Bad input is an error naming
// the file, the line and what was expected.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "io/json.h"

namespace seek {

struct DocumentOptions {
  std::string jsonl_key = "text";
  std::string separator;  // plain text: split documents at this string; empty: one document per file
};

// `p` as given when absolute (or when base_dir is empty), else base_dir/p: run configs name
// files relative to their own folder.
std::string path_relative_to(const std::string& base_dir, const std::string& p);

// Calls fn once for each non-empty document of `path`, in file order; stops at fn's first error.
Status for_each_document(const std::string& path, const DocumentOptions& o,
                         const std::function<Status(std::string_view)>& fn);

// Calls fn(object, "where:line") for each non-blank line of JSON Lines text (a CR before the
// newline is ignored); a line that is not a JSON object is an error naming where:line.
Status for_each_json_line(std::string_view text, const std::string& where,
                          const std::function<Status(const Json&, const std::string&)>& fn);

// The same over file contents already in memory; `jsonl` picks the format, `where` names the
// file in messages.
Status for_each_document_in(std::string_view text, bool jsonl, const std::string& where, const DocumentOptions& o,
                            const std::function<Status(std::string_view)>& fn);

}  // namespace seek
