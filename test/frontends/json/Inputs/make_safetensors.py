"""Writes small safetensors files for the frontend tests, without numpy.

usage: make_safetensors.py OUT NAME=DTYPE:SHAPE:VALUES ... [--truncate N]
       [--offset-past-end] [--overlap] [--header JSON]

VALUES is a comma-separated list, or "seq" for 0, 1, 2, ..., or "nan@K" for
zeros with a NaN at flat index K. SHAPE is like 6x1x5x5 ("" for a scalar).
"""

import json
import math
import struct
import sys


def encode(dtype, values):
    if dtype == "F32":
        return b"".join(struct.pack("<f", v) for v in values)
    if dtype == "F16":
        return b"".join(struct.pack("<e", v) for v in values)
    if dtype == "BF16":
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    if dtype == "I32":
        return b"".join(struct.pack("<i", int(v)) for v in values)
    raise SystemExit(f"unknown dtype {dtype}")


def main(argv):
    out, specs = argv[0], []
    truncate = offset_past_end = overlap = None
    header_override = None
    args = iter(argv[1:])
    for arg in args:
        if arg == "--truncate":
            truncate = int(next(args))
        elif arg == "--offset-past-end":
            offset_past_end = True
        elif arg == "--overlap":
            overlap = True
        elif arg == "--header":
            header_override = next(args)
        else:
            specs.append(arg)
    header, data = {}, b""
    for spec in specs:
        name, rest = spec.split("=", 1)
        dtype, shape_text, values_text = rest.split(":", 2)
        shape = [int(s) for s in shape_text.split("x")] if shape_text else []
        count = math.prod(shape)
        if values_text == "seq":
            values = [float(i) for i in range(count)]
        elif values_text.startswith("nan@"):
            values = [0.0] * count
            values[int(values_text[4:])] = float("nan")
        else:
            values = [float(v) for v in values_text.split(",")]
        blob = encode(dtype, values)
        begin = len(data)
        if overlap and header:
            begin = 0
        else:
            data += blob
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [begin, begin + len(blob)]}
    if offset_past_end:
        last = list(header.values())[-1]
        last["data_offsets"] = [last["data_offsets"][0], len(data) + 64]
    text = header_override if header_override is not None else json.dumps(header)
    raw = text.encode()
    blob = struct.pack("<Q", len(raw)) + raw + data
    if truncate is not None:
        blob = blob[:truncate]
    with open(out, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1:])
