#include "infer/mla.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/ref.h"
#include "kernels/vec.h"

namespace seek {
namespace {

using Buf = std::vector<float>;

// For matmuls inside a region that is already parallel over heads: runs on the caller's
// thread. A one-thread pool has no workers and no state, so threads may share it.
ThreadPool* serial() {
  static ThreadPool pool(1);
  return &pool;
}

Tensor rows_of(const Tensor& t, int64_t first, int64_t count) {
  Tensor s = t;
  s.shape = {count, t.cols()};
  s.data = t.data + first * dtype_bytes(t.dtype, t.cols());
  return s;
}

Tensor f32_matrix(const float* data, int64_t rows, int64_t cols) {
  return Tensor{DType::kF32, {rows, cols}, reinterpret_cast<const uint8_t*>(data), {}};
}

// Causal softmax of scores row t (position p0 + t attends to [0, p0 + t]); zeroes the rest.
void causal_softmax(float* row, int64_t p0, int64_t t, int64_t n) {
  const int64_t len = p0 + t + 1;
  vec::softmax(row, len);
  std::fill(row + len, row + n, 0.0f);
}

// A query row's running state over the positions seen so far (online softmax): the largest
// score m, the sum l of e^(score - m), and acc = sum of e^(score - m) * latent (Rkv values).
struct Running {
  Buf m, l, acc;
  Running(int64_t rows, int64_t Rkv) : m(rows, -INFINITY), l(rows, 0.0f), acc(rows * Rkv, 0.0f) {}
};

// olat (HT, Rkv) = causal softmax(Q · cache^T) · latents, Q (HT, R) in rows h*T + t (position
// p0 + t attends to [0, p0 + t]), in one pass over the cache (flash decoding): each slice of
// the n positions is walked 64 rows at a time, each chunk scored and added to the slice's
// running sums while its rows are in L1/L2; the slices' sums merge at the end. The
// cache is read from memory once per step, and a bf16 or Q8_0 cache's chunk is converted to
// f32 once for both products. Queries stay f32: an int8 product would round them as well as
// the cache (on the tiny fp8 golden model that took the logits' error from 1% to 36%).
void attend_latents(float* olat, const float* Q, int64_t HT, int64_t T, int64_t p0, int64_t n, Sequence* seq,
                    const MlaContext& ctx) {
  const int64_t Rkv = ctx.config.kv_lora_rank, R = Rkv + ctx.config.qk_rope_head_dim;
  constexpr int64_t kChunk = 64;
  // The chunks form up to 4 slices per thread, each with its own running sums; threads take
  // whole slices as they finish one (a thread can run 35% slower than the other on this host),
  // and the sums merge in slice order, so the result does not depend on who took which.
  const int64_t chunks = (n + kChunk - 1) / kChunk, slices = std::min<int64_t>(chunks, 4 * ctx.pool.num_threads());
  std::vector<Running> run(slices, Running(HT, Rkv));
  std::atomic<int64_t> next_slice{0};
  ctx.pool.run([&](int) {
    const bool f32 = seq->cache_type() == CacheType::kF32;
    Buf rows_buf(f32 ? 0 : kChunk * R), S(HT * kChunk);  // a rounded cache's chunk, as f32
    for (int64_t slice; (slice = next_slice.fetch_add(1, std::memory_order_relaxed)) < slices;) {
      Running& r = run[slice];
      for (int64_t chunk = chunks * slice / slices; chunk < chunks * (slice + 1) / slices; ++chunk) {
        const int64_t j0 = chunk * kChunk, m = std::min(kChunk, n - j0);
        const float* rows = rows_buf.data();
        if (f32) {
          rows = seq->rows(ctx.layer) + j0 * R;
        } else {
          seq->read_rows(ctx.layer, j0, j0 + m, rows_buf.data());
        }
        vec::matmul_nt(S.data(), m, Q, R, rows, R, HT, m, R);  // S (HT, m)
        for (int64_t i = 0; i < HT; ++i) {
          float* s = &S[i * m];
          const int64_t last = p0 + i % T;  // the row's last visible position
          float top = -INFINITY;
          for (int64_t j = 0; j < m; ++j) {
            if (j0 + j > last) s[j] = -INFINITY;
            top = std::max(top, s[j]);
          }
          const float m_new = std::max(r.m[i], top);
          if (m_new == -INFINITY) {  // nothing visible yet: the row's sums stay empty
            std::fill(s, s + m, 0.0f);
            continue;
          }
          const float rescale = vec::exp(r.m[i] - m_new);  // 0 when the row was empty
          const float sum = vec::exp_sum(s, m, m_new);
          if (rescale != 1.0f) {
            for (int64_t c = 0; c < Rkv; ++c) r.acc[i * Rkv + c] *= rescale;
          }
          r.l[i] = r.l[i] * rescale + sum;
          r.m[i] = m_new;
        }
        vec::add_matmul(r.acc.data(), Rkv, S.data(), m, rows, R, HT, m, Rkv);  // the first Rkv of each row: latents
      }
    }
  });
  // Merge: row i = sum over slices of e^(m_s - top) acc_s / sum of e^(m_s - top) l_s.
  ctx.pool.parallel_for(HT, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      float top = -INFINITY;
      for (const Running& r : run) top = std::max(top, r.m[i]);
      float* out = olat + i * Rkv;
      std::fill(out, out + Rkv, 0.0f);
      float total = 0;
      for (const Running& r : run) {
        if (r.m[i] == -INFINITY) continue;  // saw no visible position
        const float w = vec::exp(r.m[i] - top);
        total += w * r.l[i];
        vec::axpy(out, w, &r.acc[i * Rkv], Rkv);
      }
      for (int64_t c = 0; c < Rkv; ++c) out[c] /= total;
    }
  });
}

// Absorbed: queries move into latent space; attention reads only the cache rows.
void attend_absorbed(float* o, const float* q, int64_t T, Sequence* seq, const PreparedLayer& w, const MlaContext& ctx,
                     float scale) {
  const ModelConfig& c = ctx.config;
  const int64_t H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim, Dv = c.v_head_dim;
  const int64_t Dq = Dn + Dr, Rkv = c.kv_lora_rank, R = Rkv + Dr;
  const int64_t p0 = seq->num_tokens(), n = p0 + T;

  Buf Q(H * T * R);  // row h*T + t: [q_nope_h · W_UK_h, q_pe_h] * scale
  ctx.pool.parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
    Buf qn(T * Dn);
    for (int64_t h = h0; h < h1; ++h) {
      for (int64_t t = 0; t < T; ++t) std::memcpy(&qn[t * Dn], q + (t * H + h) * Dq, Dn * sizeof(float));
      Buf lat(T * Rkv);
      matmul(lat.data(), qn.data(), T, rows_of(w.wk_b_t, h * Rkv, Rkv), serial());
      for (int64_t t = 0; t < T; ++t) {
        float* row = &Q[(h * T + t) * R];
        for (int64_t r = 0; r < Rkv; ++r) row[r] = lat[t * Rkv + r] * scale;
        for (int64_t d = 0; d < Dr; ++d) row[Rkv + d] = q[(t * H + h) * Dq + Dn + d] * scale;
      }
    }
  });
  Buf olat(H * T * Rkv);
  attend_latents(olat.data(), Q.data(), H * T, T, p0, n, seq, ctx);
  ctx.pool.parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
    Buf oh(T * Dv);
    for (int64_t h = h0; h < h1; ++h) {
      matmul(oh.data(), &olat[h * T * Rkv], T, rows_of(w.wv_b, h * Dv, Dv), serial());
      for (int64_t t = 0; t < T; ++t) std::memcpy(o + (t * H + h) * Dv, &oh[t * Dv], Dv * sizeof(float));
    }
  });
}

// Naive: rebuild per-head keys and values for every position from the cached latents.
void attend_naive(float* o, const float* q, int64_t T, Sequence* seq, const PreparedLayer& w, const MlaContext& ctx,
                  float scale) {
  const ModelConfig& c = ctx.config;
  const int64_t H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim, Dv = c.v_head_dim;
  const int64_t Dq = Dn + Dr, Rkv = c.kv_lora_rank, R = Rkv + Dr, W = Dn + Dv;
  const int64_t p0 = seq->num_tokens(), n = p0 + T;
  Buf dequantized;  // a rounded cache's rows as f32 (n, R)
  if (seq->cache_type() != CacheType::kF32) {
    dequantized.resize(n * R);
    seq->read_rows(ctx.layer, 0, n, dequantized.data());
  }
  const float* cache = dequantized.empty() ? seq->rows(ctx.layer) : dequantized.data();

  Buf latents(n * Rkv);
  for (int64_t j = 0; j < n; ++j) std::memcpy(&latents[j * Rkv], cache + j * R, Rkv * sizeof(float));
  Buf kvb(n * H * W);  // (n, H, Dn + Dv)
  matmul(kvb.data(), latents.data(), n, w.kv_b_proj, &ctx.pool);

  ctx.pool.parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
    Buf K(n * Dq), Qh(T * Dq), S(T * n), Vt(Dv * n), Oh(T * Dv);
    for (int64_t h = h0; h < h1; ++h) {
      for (int64_t j = 0; j < n; ++j) {
        std::memcpy(&K[j * Dq], &kvb[(j * H + h) * W], Dn * sizeof(float));
        std::memcpy(&K[j * Dq + Dn], cache + j * R + Rkv, Dr * sizeof(float));  // shared rope key
        for (int64_t d = 0; d < Dv; ++d) Vt[d * n + j] = kvb[(j * H + h) * W + Dn + d];
      }
      for (int64_t t = 0; t < T; ++t) {
        for (int64_t d = 0; d < Dq; ++d) Qh[t * Dq + d] = q[(t * H + h) * Dq + d] * scale;
      }
      matmul(S.data(), Qh.data(), T, f32_matrix(K.data(), n, Dq), serial());
      for (int64_t t = 0; t < T; ++t) causal_softmax(&S[t * n], p0, t, n);
      matmul(Oh.data(), S.data(), T, f32_matrix(Vt.data(), Dv, n), serial());
      for (int64_t t = 0; t < T; ++t) std::memcpy(o + (t * H + h) * Dv, &Oh[t * Dv], Dv * sizeof(float));
    }
  });
}

}  // namespace

void mla_forward_fast(float* out, const float* x, std::span<const Step> steps, std::span<const int64_t> row0,
                      const PreparedLayer& w, const MlaContext& ctx) {
  const ModelConfig& c = ctx.config;
  const int64_t H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim, Dv = c.v_head_dim;
  const int64_t Dq = Dn + Dr, Rkv = c.kv_lora_rank, R = Rkv + Dr;
  const int64_t Ttot = row0.back() + static_cast<int64_t>(steps.back().tokens.size());
  const float eps = static_cast<float>(c.rms_norm_eps);

  const bool q_lora = c.q_lora_rank > 0;
  Buf q(Ttot * H * Dq), qa(q_lora ? Ttot * c.q_lora_rank : 0);
  Buf kv(Ttot * R);  // (Ttot, Rkv + Dr): latent, then the shared rope key
  // The two products on x (q_proj or q_a_proj, and kv_a_proj) as one parallel region, on x
  // quantized once.
  const MatmulTask on_x[] = {{q_lora ? qa.data() : q.data(), x, Ttot, q_lora ? &w.q_a_proj : &w.q_proj},
                             {kv.data(), x, Ttot, &w.kv_a_proj}};
  matmul_group(on_x, &ctx.pool);
  if (q_lora) {
    for (int64_t t = 0; t < Ttot; ++t) {
      vec::rmsnorm(&qa[t * c.q_lora_rank], &qa[t * c.q_lora_rank], w.q_a_norm.data(), c.q_lora_rank, eps);
    }
    matmul(q.data(), qa.data(), Ttot, w.q_b_proj, &ctx.pool);
  }

  Buf cos(Dr / 2), sin(Dr / 2);
  for (size_t i = 0; i < steps.size(); ++i) {
    Sequence* seq = steps[i].seq;
    for (int64_t t = 0; t < static_cast<int64_t>(steps[i].tokens.size()); ++t) {
      const int64_t r = row0[i] + t, pos = seq->num_tokens() + t;
      float* row = &kv[r * R];
      vec::rmsnorm(row, row, w.kv_a_norm.data(), Rkv, eps);
      ctx.rope.angles(pos, cos.data(), sin.data());
      ref::rope_interleaved(row + Rkv, Dr, cos.data(), sin.data());
      for (int64_t h = 0; h < H; ++h) ref::rope_interleaved(&q[(r * H + h) * Dq + Dn], Dr, cos.data(), sin.data());
      seq->write_row(ctx.layer, pos, row);
    }
  }

  const float scale = static_cast<float>(mla_softmax_scale(c));
  Buf o(Ttot * H * Dv);
  for (size_t i = 0; i < steps.size(); ++i) {
    const int64_t T = static_cast<int64_t>(steps[i].tokens.size());
    const float* qi = &q[row0[i] * H * Dq];
    float* oi = &o[row0[i] * H * Dv];
    if (T <= ctx.absorb_max_tokens) {
      attend_absorbed(oi, qi, T, steps[i].seq, w, ctx, scale);
    } else {
      attend_naive(oi, qi, T, steps[i].seq, w, ctx, scale);
    }
  }
  matmul(out, o.data(), Ttot, w.o_proj, &ctx.pool);
}

}  // namespace seek
