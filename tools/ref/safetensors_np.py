"""Minimal safetensors reader/writer on top of numpy (no `safetensors` package).

File layout (see huggingface/safetensors README):
    8 bytes   N, little-endian u64: length of the JSON header
    N bytes   UTF-8 JSON: {name: {"dtype", "shape", "data_offsets": [begin, end]},
                           "__metadata__": {str: str}}
    rest      byte buffer; offsets are relative to its start, end is one-past.
Tensors are row-major, little-endian, contiguous.

Dtypes handled here and their numpy storage:
    F32      float32
    F16      float16
    BF16     uint16 bit patterns      (bf16_to_f32 / f32_to_bf16 convert)
    F8_E4M3  uint8 codes              (e4m3_to_f32 / f32_to_e4m3 convert)
    (F64, I32, I64, U8, I8, U16 also pass through unchanged.)

This module imports only numpy so that make_tiny.py can run without torch.
"""

import json
import math
import os
import struct

import numpy as np

# safetensors dtype string -> numpy storage dtype (always little-endian)
_NP_DTYPE = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "F8_E4M3": np.dtype("u1"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "I8": np.dtype("i1"),
}


# ---------------------------------------------------------------------------
# BF16 <-> F32
# ---------------------------------------------------------------------------

def bf16_to_f32(bits):
    """uint16 bf16 bit patterns -> float32 (exact: bf16 is the top half of f32)."""
    bits = np.asarray(bits, dtype=np.uint16)
    return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)


def f32_to_bf16(x):
    """float -> uint16 bf16 bit patterns, round-to-nearest-even.

    The input is first converted to float32 (itself RNE).  NaN stays a
    (quiet) NaN; values that round past the largest bf16 become +-inf, as
    IEEE round-to-nearest requires.
    """
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    u = x.view(np.uint32).astype(np.uint64)
    lsb = (u >> np.uint64(16)) & np.uint64(1)
    rounded = ((u + np.uint64(0x7FFF) + lsb) >> np.uint64(16)).astype(np.uint16)
    nan = np.isnan(x)
    if nan.any():
        rounded[nan] = ((u[nan] >> np.uint64(16)).astype(np.uint16)
                        | np.uint16(0x0040))  # keep sign, force quiet bit
    return rounded


# ---------------------------------------------------------------------------
# FP8 E4M3 ("fn" variant, OCP spec): 1 sign, 4 exponent (bias 7), 3 mantissa.
# Subnormals when exponent field == 0.  No infinities.  0x7F / 0xFF are NaN;
# 0x7E = 448 is the largest finite value.
# ---------------------------------------------------------------------------

def _build_e4m3_table():
    table = np.empty(256, dtype=np.float64)
    for code in range(256):
        sign = -1.0 if code & 0x80 else 1.0
        exp = (code >> 3) & 0xF
        man = code & 0x7
        if exp == 0xF and man == 0x7:
            val = float("nan")
        elif exp == 0:
            val = man / 8.0 * 2.0 ** (1 - 7)          # subnormal
        else:
            val = (1.0 + man / 8.0) * 2.0 ** (exp - 7)  # normal
        table[code] = sign * val
    return table


E4M3_TABLE = _build_e4m3_table()  # float64[256], code -> value
E4M3_MAX = 448.0
# Non-negative finite codes 0x00..0x7E are strictly increasing in value.
_E4M3_POS = E4M3_TABLE[:0x7F].copy()


def e4m3_to_f32(codes):
    """uint8 E4M3 codes -> float32 values (exact)."""
    codes = np.asarray(codes, dtype=np.uint8)
    return E4M3_TABLE[codes].astype(np.float32)


def e4m3_to_f64(codes):
    codes = np.asarray(codes, dtype=np.uint8)
    return E4M3_TABLE[codes]


def f32_to_e4m3(x):
    """float -> uint8 E4M3 codes, round-to-nearest-even, saturating at +-448.

    Ties between two neighbouring representable values go to the code with an
    even mantissa (lowest bit 0).  |x| >= 448 maps to 448 (0x7E); NaN -> 0x7F.
    The sign of zero is kept (-0.0 -> 0x80).
    """
    x = np.asarray(x, dtype=np.float64)
    mag = np.abs(x)
    magc = np.minimum(np.nan_to_num(mag, nan=0.0), E4M3_MAX)
    # hi = first code whose value >= magc; lo = hi - 1
    hi = np.searchsorted(_E4M3_POS, magc, side="left")
    hi = np.clip(hi, 0, 0x7E)
    lo = np.clip(hi - 1, 0, 0x7E)
    d_lo = magc - _E4M3_POS[lo]
    d_hi = _E4M3_POS[hi] - magc
    pick_hi = (d_hi < d_lo) | ((d_hi == d_lo) & (hi % 2 == 0))
    code = np.where(pick_hi, hi, lo).astype(np.uint8)
    code = np.where(np.signbit(x), code | np.uint8(0x80), code).astype(np.uint8)
    code[np.isnan(x)] = 0x7F
    return code


# ---------------------------------------------------------------------------
# FP8 128x128 block quantization (DeepSeek-V3 weight_scale_inv convention)
# ---------------------------------------------------------------------------

def fp8_block_dequant(codes, scale_inv, block=(128, 128)):
    """W[i, j] = e4m3(codes[i, j]) * scale_inv[i // bo, j // bi]  (float64)."""
    bo, bi = block
    out, inn = codes.shape
    w = e4m3_to_f64(codes)
    s = np.asarray(scale_inv, dtype=np.float64)
    assert s.shape == (math.ceil(out / bo), math.ceil(inn / bi)), (s.shape, codes.shape)
    s_full = np.repeat(np.repeat(s, bo, axis=0), bi, axis=1)[:out, :inn]
    return w * s_full


def fp8_block_quant(w, block=(128, 128)):
    """Quantize a 2-D float weight per block: scale_inv = amax / 448 (float32).

    Returns (codes uint8 [out, in], scale_inv float32 [ceil(out/bo), ceil(in/bi)]).
    Edge blocks are partial (their amax covers only the real elements).
    """
    bo, bi = block
    w = np.asarray(w, dtype=np.float64)
    out, inn = w.shape
    nbo, nbi = math.ceil(out / bo), math.ceil(inn / bi)
    scale_inv = np.zeros((nbo, nbi), dtype=np.float32)
    codes = np.zeros((out, inn), dtype=np.uint8)
    for r in range(nbo):
        for c in range(nbi):
            blk = w[r * bo:(r + 1) * bo, c * bi:(c + 1) * bi]
            amax = float(np.max(np.abs(blk)))
            s = np.float32(amax / E4M3_MAX) if amax > 0 else np.float32(1.0)
            scale_inv[r, c] = s
            codes[r * bo:(r + 1) * bo, c * bi:(c + 1) * bi] = f32_to_e4m3(blk / float(s))
    return codes, scale_inv


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

def read_header(path):
    """Return (header dict without __metadata__, metadata dict, data start offset)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > 100 * 1024 * 1024:
            raise ValueError(f"{path}: header too large ({n} bytes)")
        header = json.loads(f.read(n).decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    return header, meta, 8 + n


def read_file(path):
    """Read one .safetensors file -> (dict name -> (dtype_str, np.ndarray), metadata).

    Arrays hold the raw storage (BF16 as uint16, F8_E4M3 as uint8).
    """
    header, meta, start = read_header(path)
    with open(path, "rb") as f:
        f.seek(start)
        buf = f.read()
    tensors = {}
    for name, info in header.items():
        dt = info["dtype"]
        if dt not in _NP_DTYPE:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {dt}")
        npdt = _NP_DTYPE[dt]
        shape = tuple(int(s) for s in info["shape"])
        b, e = info["data_offsets"]
        count = int(np.prod(shape)) if shape else 1
        if e - b != count * npdt.itemsize or e > len(buf):
            raise ValueError(f"{path}: tensor {name}: bad data_offsets {b},{e}")
        arr = np.frombuffer(buf, dtype=npdt, count=count, offset=b).reshape(shape)
        tensors[name] = (dt, arr.copy())
    return tensors, meta


def read_model(path):
    """Read a checkpoint: a .safetensors file, or a directory holding either
    model.safetensors.index.json (+ shards) or model.safetensors.

    Returns dict name -> (dtype_str, raw np.ndarray).
    """
    if os.path.isfile(path):
        return read_file(path)[0]
    index = os.path.join(path, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        out = {}
        for shard in sorted(set(weight_map.values())):
            tensors, _ = read_file(os.path.join(path, shard))
            for name, v in tensors.items():
                if name in out:
                    raise ValueError(f"duplicate tensor {name}")
                out[name] = v
        missing = set(weight_map) - set(out)
        if missing:
            raise ValueError(f"index lists tensors missing from shards: {sorted(missing)[:5]}")
        return out
    single = os.path.join(path, "model.safetensors")
    if os.path.exists(single):
        return read_file(single)[0]
    raise FileNotFoundError(f"no safetensors checkpoint in {path}")


def to_f64(dtype, arr):
    """Raw storage -> float64 values (no FP8 block scaling; see fp8_block_dequant)."""
    if dtype == "BF16":
        return bf16_to_f32(arr).astype(np.float64)
    if dtype == "F8_E4M3":
        return e4m3_to_f64(arr)
    return np.asarray(arr).astype(np.float64)


def load_f64(path, block=(128, 128)):
    """Read a checkpoint and return dict name -> float64 array, with every
    F8_E4M3 tensor dequantized by its `<name>_scale_inv` companion
    (`x.weight` pairs with `x.weight_scale_inv`).  Scale tensors are dropped."""
    raw = read_model(path)
    out = {}
    for name, (dt, arr) in raw.items():
        if name.endswith("_scale_inv"):
            continue
        if dt == "F8_E4M3":
            sname = name + "_scale_inv"
            if sname not in raw:
                raise ValueError(f"FP8 tensor {name} has no {sname}")
            out[name] = fp8_block_dequant(arr, to_f64(*raw[sname]), block)
        else:
            out[name] = to_f64(dt, arr)
    return out


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

def _layout(tensors):
    """Order tensors by (descending element size, name) so every tensor starts
    at an offset aligned to its element size (what the safetensors library
    does), and build the header."""
    names = sorted(tensors, key=lambda n: (-_NP_DTYPE[tensors[n][0]].itemsize, n))
    header, offset = {}, 0
    for name in names:
        dt, arr = tensors[name]
        nbytes = arr.size * _NP_DTYPE[dt].itemsize
        header[name] = {"dtype": dt, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    return names, header


def write_file(path, tensors, metadata=None):
    """Write dict name -> (dtype_str, np.ndarray) to one .safetensors file.

    The array must already be in storage form (BF16 -> uint16 bits, F8_E4M3 ->
    uint8 codes).  The JSON header is space-padded to a multiple of 8 bytes.
    """
    for name, (dt, arr) in tensors.items():
        if dt not in _NP_DTYPE:
            raise ValueError(f"{name}: unsupported dtype {dt}")
        if np.asarray(arr).dtype.itemsize != _NP_DTYPE[dt].itemsize:
            raise ValueError(f"{name}: storage dtype {arr.dtype} does not match {dt}")
    names, header = _layout(tensors)
    if metadata is not None:
        header = dict(header)
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((-len(hbytes)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for name in names:
            dt, arr = tensors[name]
            f.write(np.ascontiguousarray(arr, dtype=_NP_DTYPE[dt]).tobytes())


def tensor_nbytes(dt, arr):
    return int(np.asarray(arr).size) * _NP_DTYPE[dt].itemsize


def write_sharded(directory, tensors, n_shards, metadata=None):
    """Split tensors (in name order) into n_shards files of roughly equal size,
    named model-0000i-of-0000n.safetensors, plus model.safetensors.index.json."""
    names = sorted(tensors)
    total = sum(tensor_nbytes(*tensors[n]) for n in names)
    target = total / n_shards
    groups, cur, cur_bytes = [], [], 0
    for n in names:
        cur.append(n)
        cur_bytes += tensor_nbytes(*tensors[n])
        if cur_bytes >= target * (len(groups) + 1) and len(groups) < n_shards - 1:
            groups.append(cur)
            cur = []
    groups.append(cur)
    while len(groups) < n_shards:  # degenerate tiny inputs
        groups.append([])
    weight_map = {}
    for i, group in enumerate(groups):
        fname = f"model-{i + 1:05d}-of-{n_shards:05d}.safetensors"
        write_file(os.path.join(directory, fname), {n: tensors[n] for n in group}, metadata)
        for n in group:
            weight_map[n] = fname
    index = {"metadata": {"total_size": total},
             "weight_map": {n: weight_map[n] for n in sorted(weight_map)}}
    with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")


def _selftest():
    # bf16 round trip and RNE ties
    x = np.array([1.0, -2.5, 3.1415926, 1e-40, 65504.0], dtype=np.float32)
    assert np.allclose(bf16_to_f32(f32_to_bf16(x)), x, rtol=1e-2, atol=1e-38)
    tie = np.array([0x3F808000, 0x3F818000], dtype=np.uint32).view(np.float32)
    assert list(f32_to_bf16(tie)) == [0x3F80, 0x3F82]  # ties to even
    # e4m3: every finite code round-trips, saturation, ties to even
    codes = np.array([c for c in range(256) if c not in (0x7F, 0xFF)], dtype=np.uint8)
    assert np.array_equal(f32_to_e4m3(e4m3_to_f32(codes)), codes)
    assert E4M3_TABLE[0x7E] == 448.0 and E4M3_TABLE[0x01] == 2.0 ** -9
    assert f32_to_e4m3(np.array([1e6, -1e6]))[0] == 0x7E
    assert f32_to_e4m3(np.array([-1e6]))[0] == 0xFE
    assert f32_to_e4m3(np.array([1.0625]))[0] == 0x38  # halfway 1 / 1.125 -> 1 (even)
    assert f32_to_e4m3(np.array([1.1875]))[0] == 0x3A  # halfway 1.125 / 1.25 -> 1.25
    print("safetensors_np self-test ok")


if __name__ == "__main__":
    _selftest()
