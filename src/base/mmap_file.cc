#include "base/mmap_file.h"

#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace seek {
namespace {

// The live mappings, for release(): only their pages may be dropped.
class Mappings {
 public:
  void add(std::span<const uint8_t> m) {
    std::lock_guard lock(mu_);
    live_.push_back(m);
  }
  void remove(const uint8_t* data) {
    std::lock_guard lock(mu_);
    std::erase_if(live_, [&](std::span<const uint8_t> m) { return m.data() == data; });
  }
  bool contains(std::span<const uint8_t> bytes) {
    std::lock_guard lock(mu_);
    for (std::span<const uint8_t> m : live_) {
      if (bytes.data() >= m.data() && bytes.data() + bytes.size() <= m.data() + m.size()) return true;
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<std::span<const uint8_t>> live_;
};

Mappings& mappings() {
  static Mappings m;
  return m;
}

void unmap(const uint8_t* data, size_t size) {
  mappings().remove(data);
  munmap(const_cast<uint8_t*>(data), size);
}

}  // namespace

Result<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::not_found(fmt::format("[mmap] '{}': no such file", path));
    return Status::io_error(fmt::format("[mmap] '{}': open failed: {}", path, std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::io_error(fmt::format("[mmap] '{}': not a regular file", path));
  }
  MappedFile f;
  f.path_ = path;
  f.size_ = static_cast<size_t>(st.st_size);
  if (f.size_ > 0) {
    void* p = mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::io_error(fmt::format("[mmap] '{}': mmap of {} bytes failed: {}", path, f.size_, std::strerror(err)));
    }
    f.data_ = static_cast<const uint8_t*>(p);
    mappings().add(f.bytes());
  }
  ::close(fd);  // the mapping keeps the file alive
  return f;
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) unmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    path_ = std::move(other.path_);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) unmap(data_, size_);
}

size_t MappedFile::release(std::span<const uint8_t> bytes) {
  if (bytes.empty() || !mappings().contains(bytes)) return 0;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(bytes.data()) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(bytes.data()) + bytes.size()) / page * page;
  if (end <= begin) return 0;
  // A private read-only file mapping that was never written refaults the file's bytes.
  if (madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED) != 0) return 0;
  return end - begin;
}

Result<std::string> read_text_file(const std::string& path, size_t max_bytes) {
  SEEK_ASSIGN_OR_RETURN(MappedFile f, MappedFile::open(path));
  if (f.size() > max_bytes) {
    return Status::out_of_range(fmt::format("[read] '{}': {} bytes, more than the limit of {}", path, f.size(), max_bytes));
  }
  return std::string(reinterpret_cast<const char*>(f.bytes().data()), f.size());
}

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  SEEK_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::create(path));
  SEEK_RETURN_IF_ERROR(f.append(bytes));
  return f.commit();
}

}  // namespace seek
