// AMX tile kernels (compiled with the AMX and AVX-512 flags; reached only when matmul.cc found
// AMX and Linux granted the tile state). A tile is up to 16 rows of 64 bytes; tdpbssd
// multiplies a 16x64 int8 tile by a 64x16 one packed in 4-byte groups (16 rows of 16 x 4)
// into a 16x16 int32 tile: 16384 multiply-accumulates, tdpbf16ps 8192 for bf16 pairs.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/cpu/pack_avx512.h"
#include "kernels/cpu/peak_loops.h"

namespace seek::cpu {
namespace {

// The 64-byte operand of ldtilecfg (palette 1).
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64);

// Every tile used as 16 rows x 64 bytes.
void configure_full_tiles(int tiles) {
  TileConfig cfg;
  for (int t = 0; t < tiles; ++t) cfg.colsb[t] = 64, cfg.rows[t] = 16;
  _tile_loadconfig(&cfg);
}

// Tiles 0-3 accumulate, 4-5 are A, 6-7 are B: four independent products per round, the
// way a 32x32 block of C is computed.
template <class Dot>
int64_t peak_amx(int64_t iters, Dot dot) {
  // Random operands: the tile unit draws more power on real data than on zeros, and the clock
  // follows, so zeros would overstate what any kernel can reach.
  alignas(64) uint16_t data[16 * 32];
  uint32_t s = 12345;
  for (uint16_t& v : data) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<uint16_t>(0x3c00 | ((s >> 16) & 0x807f));  // bf16 +-[2^-7, 2^-6); as int8, any bytes
  }
  configure_full_tiles(8);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  // Tile numbers are immediates: no loop.
  _tile_loadd(4, data, 64);
  _tile_loadd(5, data, 64);
  _tile_loadd(6, data, 64);
  _tile_loadd(7, data, 64);
  for (int64_t i = 0; i < iters; ++i) dot();
  alignas(64) int32_t out[16 * 16];
  _tile_stored(0, out, 64);
  _tile_release();
  __asm__ volatile("" : : "r"(out[0]));
  return iters * 4;
}

// Weights are the A operand (16 rows x 32 bf16 per tile, row-major as stored, so BF16 weights
// need no transposing) and activations the B operand (pairs of values for 16 tokens per tile
// row, arranged once per call by prepare_bf16_pairs), so C holds 16 weight rows x 16 tokens and
// is transposed into y as it leaves the tiles.
}  // namespace

// Weight rows decoded per chunk: as many as keep about 1 MiB of bf16 in L2 beside the token
// tiles (256 rows at K = 2048), since every chunk streams all the activations once.
int64_t amx_chunk_rows(int64_t K) { return std::clamp<int64_t>((int64_t{1} << 20) / (2 * K) / 32 * 32, 32, 256); }

namespace {

// Tiles 0-3 (weight rows n + 16 i, tokens m0 + 16 j for tile 2 i + j) into y.
void store_block(const GemmArgs& a, int64_t m0, int64_t n, int64_t rows) {
  alignas(64) float c[4][16][16];
  _tile_stored(0, c[0], 64);
  _tile_stored(1, c[1], 64);
  _tile_stored(2, c[2], 64);
  _tile_stored(3, c[3], 64);
  for (int t = 0; t < 4; ++t) {
    const int64_t tokens = std::min<int64_t>(16, a.M - (m0 + 16 * (t % 2)));
    const int64_t cols = std::clamp<int64_t>(rows - 16 * (t / 2), 0, 16);
    if (tokens <= 0 || cols == 0) continue;
    __m512i v[16];
    load_transposed(c[t], 64, v);
    const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1);
    float* y = a.y + (m0 + 16 * (t % 2)) * a.ldy + n + 16 * (t / 2);
    for (int64_t m = 0; m < tokens; ++m) _mm512_mask_storeu_ps(y + m * a.ldy, mask, _mm512_castsi512_ps(v[m]));
  }
}

// y[m][n] over all tokens for weight rows [n0, n1): chunks of amx_chunk_rows rows are decoded to
// bf16 once (pack(n, rows, out) fills 16 rows), then for each pair of 16-token tiles every pair
// of 16-row groups runs the whole of K in tiles 0-3.
template <class Pack>
void bf16_gemm(const GemmArgs& a, int64_t n0, int64_t n1, Pack pack) {
  const int64_t chunks = (a.K + 31) / 32, group = chunks * 16 * 32;  // bf16 per 16-row group
  const int64_t chunk_rows = amx_chunk_rows(a.K);
  uint16_t* w = reinterpret_cast<uint16_t*>(panel_buffer(chunk_rows / 16 * group * 2));
  configure_full_tiles(8);
  for (int64_t n = n0; n < n1; n += chunk_rows) {
    const int64_t rows = std::min(chunk_rows, n1 - n), groups = (rows + 31) / 32 * 2;
    for (int64_t g = 0; g < groups; ++g) pack(n + 16 * g, std::clamp<int64_t>(rows - 16 * g, 0, 16), w + g * group);
    for (int64_t m0 = 0; m0 < a.M; m0 += 32) {
      const uint16_t* x0 = a.xb + (m0 / 16) * group;  // token tiles m0 / 16 and m0 / 16 + 1
      // The next two token tiles stream in from L3 while these are multiplied: spread over the
      // loops below, `per` cache lines each step.
      const char* next = reinterpret_cast<const char*>(x0 + 2 * group);
      const int64_t lines = m0 + 32 < a.M ? group / 16 : 0, per = (lines + groups / 2 * chunks - 1) / (groups / 2 * chunks);
      for (int64_t g = 0; g < groups; g += 2) {
        const uint16_t* w0 = w + g * group;
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        if (m0 + 16 < a.M) {
          for (int64_t c = 0; c < chunks; ++c) {
            for (int64_t l = (g / 2 * chunks + c) * per, e = std::min(lines, l + per); l < e; ++l) _mm_prefetch(next + 64 * l, _MM_HINT_T1);
            _tile_loadd(4, w0 + c * 512, 64);
            _tile_loadd(6, x0 + c * 512, 64);
            _tile_dpbf16ps(0, 4, 6);
            _tile_loadd(7, x0 + group + c * 512, 64);
            _tile_dpbf16ps(1, 4, 7);
            _tile_loadd(5, w0 + group + c * 512, 64);
            _tile_dpbf16ps(2, 5, 6);
            _tile_dpbf16ps(3, 5, 7);
          }
        } else {  // one token tile left (an expert's odd 16 tokens): half the products
          for (int64_t c = 0; c < chunks; ++c) {
            _tile_loadd(4, w0 + c * 512, 64);
            _tile_loadd(6, x0 + c * 512, 64);
            _tile_dpbf16ps(0, 4, 6);
            _tile_loadd(5, w0 + group + c * 512, 64);
            _tile_dpbf16ps(2, 5, 6);
          }
        }
        store_block(a, m0, n + 16 * g, rows - 16 * g);
      }
    }
  }
  _tile_release();
}

}  // namespace

// BF16 weights as stored; quantized ones dequantized to bf16 while packing (tdpbssd would
// multiply only 32 int8 per tile row, one 32-value group, and each group's int32 sums would
// need an AVX-512 flush costing more than the tile product itself).
void gemm_rows_amx(const GemmArgs& a, int64_t n0, int64_t n1) {
  if (a.wtype == DType::kBF16) {
    return bf16_gemm(a, n0, n1, [&](int64_t n, int64_t rows, uint16_t* out) { pack_bf16_rows(a, n, rows, out); });
  }
  with_format(a.wtype, [&](auto format) {
    bf16_gemm(a, n0, n1, [&](int64_t n, int64_t rows, uint16_t* out) {
      pack_bf16_rows_from<decltype(format)>(a, n, rows, out);
    });
  });
}

// The same four products as peak_amx's tiles, in int8 (16x16x64) or bf16 (16x16x32).
template <bool kBf16>
void four_products() {
  if constexpr (kBf16) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  } else {
    _tile_dpbssd(0, 4, 6);
    _tile_dpbssd(1, 4, 7);
    _tile_dpbssd(2, 5, 6);
    _tile_dpbssd(3, 5, 7);
  }
}

int64_t peak_int8_amx(int64_t iters) { return 16 * 16 * 64 * peak_amx(iters, four_products<false>); }
int64_t peak_bf16_amx(int64_t iters) { return 16 * 16 * 32 * peak_amx(iters, four_products<true>); }

}  // namespace seek::cpu
