// libFuzzer: arbitrary bytes through `seek train`'s parsers. The first byte picks one: the run
// configuration, a JSONL or separator-split text file, a resume file's state, a metrics file's
// records and plot history. Each must end in a value or a Status.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "train/documents.h"
#include "train/plots.h"
#include "train/run_checkpoint.h"
#include "train/run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      (void)seek::parse_run_config(text, "/fuzz/run.json");
      break;
    case 1: {
      const seek::DocumentOptions o{.jsonl_key = "text", .separator = data[0] & 4 ? "\n%\n" : ""};
      (void)seek::for_each_document_in(text, data[0] & 8, "fuzz", o, [](std::string_view) { return seek::Status::ok(); });
      break;
    }
    case 2:
      (void)seek::parse_resume_state(text, "fuzz");
      break;
    case 3: {
      seek::Result<seek::Json> j = seek::parse_json(text, "fuzz");
      if (!j.is_ok()) break;
      seek::Result<seek::RunHistory> h = seek::history_from_metrics({*j, *j}, {1, 2}, 4, 2);
      if (h.is_ok()) (void)seek::max_over_mean_load(*h, 1);
      break;
    }
  }
  return 0;
}
