#!/usr/bin/env python3
"""Interpolates two fine-tuned models of one architecture, weight by weight (WiSE-FT, Wortsman et
al. 2022): OUT = (1 - alpha) * BASE + alpha * TUNED. A model tuned on more sources keeps part of
its out-of-domain gain and gives back less of the base's in-domain accuracy (docs/training.md).

Usage: scripts/interpolate_models.py BASE_DIR TUNED_DIR OUT_DIR ALPHA
Both directories hold model.safetensors (f16 or f32), config.json and tokenizer.json; OUT takes
TUNED's config and tokenizer. Tensors equal in both (frozen layers, syntax heads) stay bit-identical.
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

DTYPES = {"F16": np.float16, "F32": np.float32, "BF16": None}


def read(path):
    raw = Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", None)
    base = 8 + n
    tensors = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        tensors[name] = (h["dtype"], h["shape"], raw[base + a : base + b])
    return tensors, meta


def write(path, tensors, meta):
    header, blobs, offset = {}, [], 0
    if meta:
        header["__metadata__"] = meta
    for name in sorted(tensors):
        dtype, shape, blob = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    base_dir, tuned_dir, out_dir, alpha = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
    base, _ = read(base_dir / "model.safetensors")
    tuned, meta = read(tuned_dir / "model.safetensors")
    if set(base) != set(tuned):
        raise SystemExit(f"the models hold different tensors: {sorted(set(base) ^ set(tuned))[:5]}")
    out = {}
    for name, (dtype, shape, blob) in tuned.items():
        bdtype, bshape, bblob = base[name]
        if (bdtype, bshape) != (dtype, shape) or DTYPES.get(dtype) is None:
            raise SystemExit(f"{name}: {bdtype}{bshape} against {dtype}{shape}")
        if blob == bblob:
            out[name] = (dtype, shape, blob)
            continue
        t = DTYPES[dtype]
        mixed = (1 - alpha) * np.frombuffer(bblob, t).astype(np.float32) + alpha * np.frombuffer(blob, t).astype(np.float32)
        out[name] = (dtype, shape, mixed.astype(t).tobytes())
    out_dir.mkdir(parents=True, exist_ok=True)
    write(out_dir / "model.safetensors", out, meta)
    for f in ("config.json", "tokenizer.json"):
        shutil.copyfile(tuned_dir / f, out_dir / f)
    print(f"{out_dir}: {alpha} of {tuned_dir} and {1 - alpha} of {base_dir}")


if __name__ == "__main__":
    main()
