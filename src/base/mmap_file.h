// MappedFile: a read-only memory map of a whole file. Checkpoint weights are used in place
// from the map (never copied), so a 700 GB model costs page cache, not heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"

namespace seek {

class MappedFile {
 public:
  // Maps `path` read-only. An empty file maps to an empty span.
  static Result<MappedFile> open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  // Tells the kernel that `bytes` will not be read again where they lie in a live MappedFile:
  // the whole pages among them leave this process's resident set (the page cache keeps them,
  // and a later read maps them back). Bytes outside every mapping, heap buffers say, are left
  // alone: dropping those pages would lose them. Returns the number of bytes released.
  // Weights converted at load (infer/prepare.cc) no longer count twice in RSS.
  static size_t release(std::span<const uint8_t> bytes);
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Reads a whole (small) file into a string, refusing files larger than `max_bytes`.
Result<std::string> read_text_file(const std::string& path, size_t max_bytes);

// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename.
// A crash at any moment leaves either the old file or the new one, never a torn write.
Status write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace seek
