// Counter-based random numbers: problem i of a split, sample j of a group, ... each draw
// their own stream from a key, so results do not depend on the order things are generated in
// or on how many threads generate them, and a run is reproducible from its seed.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace seek::rl {

// splitmix64's finaliser: a bijective mix of 64 bits.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A key from several integers (order matters).
inline uint64_t hash_key(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x243f6a8885a308d3ull;
  for (uint64_t p : parts) h = mix64(h ^ mix64(p));
  return h;
}

// splitmix64 seeded by a key.
class Rng {
 public:
  explicit Rng(uint64_t key) : state_(key) {}
  uint64_t next() { return mix64(state_++); }
  // Uniform in [lo, hi] (hi - lo < 2^63); the tiny modulo bias is irrelevant here.
  int64_t uniform(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  double real() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool chance(double p) { return real() < p; }

 private:
  uint64_t state_;
};

}  // namespace seek::rl
