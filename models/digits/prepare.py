#!/usr/bin/env python3
"""Data for the training demo: scikit-learn's 8x8 handwritten digits as .npy.

Writes x_train.npy, x_test.npy (float32 [N, 1, 8, 8], pixels scaled to
[0, 1]) and y_train.npy, y_test.npy (int64 [N], the digit) into --out, for
`cnnc train models/digits/digits_lenet.json`. The split is stratified and
seeded (80/20, random_state=0), so every run writes the same files.

    /usr/bin/python3 models/digits/prepare.py --out build/digits
"""

import argparse
import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="output directory (default: the current one)")
    args = parser.parse_args(argv)

    digits = load_digits()
    # Pixels are integers 0..16.
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=0, stratify=y)

    os.makedirs(args.out, exist_ok=True)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    for name, array in arrays.items():
        np.save(os.path.join(args.out, name + ".npy"), np.ascontiguousarray(array))
    print(f"{args.out}: {len(y_train)} training and {len(y_test)} test images "
          f"(1x8x8 float32 in [0, 1]; labels int64 0-9)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
