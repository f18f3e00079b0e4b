# Output sizes of conv2d, conv_transpose2d, max/avg/adaptive pooling and
# upsample against PyTorch, over seeded random sweeps of their attributes
# (stride, padding, dilation, groups, output_padding, ceil_mode, scales).
# Every op is written with a fully dynamic result type; cnn-infer-shapes must
# refine it to exactly the shape PyTorch computes, and configurations PyTorch
# rejects must be rejected by the verifier too.
#
# REQUIRES: torch
# RUN: %torch_python %s cnn-opt

import random
import re
import subprocess
import sys

import torch
import torch.nn.functional as F

CNN_OPT = sys.argv[1]
rng = random.Random(1234)
cases = []  # (mlir op text, input shape, other operand shapes, torch fn)


def arr(values):
    return "[" + ", ".join(str(v) for v in values) + "]"


def ttype(shape):
    return "tensor<" + "x".join(str(s) for s in shape) + "xf32>"


def add_conv():
    groups = rng.choice([1, 1, 2, 3, 4])
    cin = groups * rng.randint(1, 3)
    cout = groups * rng.randint(1, 3)
    kh, kw = rng.randint(1, 5), rng.randint(1, 5)
    sh, sw = rng.randint(1, 3), rng.randint(1, 3)
    dh, dw = rng.randint(1, 3), rng.randint(1, 3)
    ph, pw = rng.randint(0, 3), rng.randint(0, 3)
    h, w = rng.randint(1, 20), rng.randint(1, 20)
    x, wt = (2, cin, h, w), (cout, cin // groups, kh, kw)
    op = (f"cnn.conv2d %x, %w stride {arr([sh, sw])} padding {arr([ph, pw, ph, pw])} "
          f"dilation {arr([dh, dw])} groups {groups} "
          f": ({ttype(x)}, {ttype(wt)}) -> tensor<?x?x?x?xf32>")
    fn = lambda: F.conv2d(torch.zeros(x), torch.zeros(wt), stride=(sh, sw),
                          padding=(ph, pw), dilation=(dh, dw), groups=groups)
    cases.append((op, [x, wt], fn, True))


def add_conv_transpose():
    groups = rng.choice([1, 1, 2, 3])
    cin = groups * rng.randint(1, 3)
    cout_g = rng.randint(1, 3)
    kh, kw = rng.randint(1, 4), rng.randint(1, 4)
    sh, sw = rng.randint(1, 3), rng.randint(1, 3)
    dh, dw = rng.randint(1, 2), rng.randint(1, 2)
    ph, pw = rng.randint(0, 2), rng.randint(0, 2)
    oph, opw = rng.randint(0, 2), rng.randint(0, 2)
    h, w = rng.randint(1, 10), rng.randint(1, 10)
    x, wt = (1, cin, h, w), (cin, cout_g, kh, kw)
    op = (f"cnn.conv_transpose2d %x, %w stride {arr([sh, sw])} "
          f"padding {arr([ph, pw, ph, pw])} output_padding {arr([oph, opw])} "
          f"dilation {arr([dh, dw])} groups {groups} "
          f": ({ttype(x)}, {ttype(wt)}) -> tensor<?x?x?x?xf32>")
    fn = lambda: F.conv_transpose2d(torch.zeros(x), torch.zeros(wt), stride=(sh, sw),
                                    padding=(ph, pw), output_padding=(oph, opw),
                                    dilation=(dh, dw), groups=groups)
    cases.append((op, [x, wt], fn, True))


def add_pool(kind):
    kh, kw = rng.randint(1, 5), rng.randint(1, 5)
    sh, sw = rng.randint(1, 4), rng.randint(1, 4)
    ph, pw = rng.randint(0, 3), rng.randint(0, 3)
    ceil = rng.random() < 0.5
    h, w = rng.randint(1, 24), rng.randint(1, 24)
    x = (1, 2, h, w)
    ceil_text = " ceil_mode" if ceil else ""
    # PyTorch 1.13 limits padding to half the undilated kernel; cnnc (like
    # newer PyTorch) to half the dilated window. Compare validity where the
    # two rules agree.
    comparable_validity = True
    if kind == "max":
        dh, dw = rng.randint(1, 3), rng.randint(1, 3)
        op = (f"cnn.max_pool2d %x kernel {arr([kh, kw])} stride {arr([sh, sw])} "
              f"padding {arr([ph, pw, ph, pw])} dilation {arr([dh, dw])}{ceil_text} "
              f": {ttype(x)} -> tensor<?x?x?x?xf32>")
        fn = lambda: F.max_pool2d(torch.zeros(x), (kh, kw), (sh, sw), (ph, pw),
                                  (dh, dw), ceil_mode=ceil)
        for k, d, p in ((kh, dh, ph), (kw, dw, pw)):
            if k // 2 < p <= (d * (k - 1) + 1) // 2:
                comparable_validity = False
    else:
        include = rng.random() < 0.5
        op = (f"cnn.avg_pool2d %x kernel {arr([kh, kw])} stride {arr([sh, sw])} "
              f"padding {arr([ph, pw, ph, pw])}{ceil_text} "
              f"count_include_pad = {'true' if include else 'false'} "
              f": {ttype(x)} -> tensor<?x?x?x?xf32>")
        fn = lambda: F.avg_pool2d(torch.zeros(x), (kh, kw), (sh, sw), (ph, pw),
                                  ceil_mode=ceil, count_include_pad=include)
    cases.append((op, [x], fn, comparable_validity))


def add_upsample():
    h, w = rng.randint(1, 12), rng.randint(1, 12)
    x = (1, 2, h, w)
    mode = rng.choice(["nearest", "bilinear"])
    if rng.random() < 0.5:
        sh, sw = rng.choice([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.75]), rng.choice([0.5, 2.0, 3.0, 1.25])
        attrs = f"scale [{sh}, {sw}]"
        fn = lambda: F.interpolate(torch.zeros(x), scale_factor=(sh, sw), mode=mode)
    else:
        oh, ow = rng.randint(1, 30), rng.randint(1, 30)
        attrs = f"size {arr([oh, ow])}"
        fn = lambda: F.interpolate(torch.zeros(x), size=(oh, ow), mode=mode)
    op = f"cnn.upsample %x {mode} {attrs} : {ttype(x)} -> tensor<?x?x?x?xf32>"
    cases.append((op, [x], fn, True))


def add_adaptive():
    h, w = rng.randint(1, 20), rng.randint(1, 20)
    oh, ow = rng.randint(1, 8), rng.randint(1, 8)
    x = (1, 3, h, w)
    op = f"cnn.adaptive_avg_pool2d %x output_size {arr([oh, ow])} : {ttype(x)} -> tensor<?x?x?x?xf32>"
    fn = lambda: F.adaptive_avg_pool2d(torch.zeros(x), (oh, ow))
    cases.append((op, [x], fn, True))


for _ in range(250):
    add_conv()
    add_conv_transpose()
    add_pool("max")
    add_pool("avg")
for _ in range(80):
    add_upsample()
    add_adaptive()

chunks, expected = [], []
for index, (op, shapes, fn, comparable) in enumerate(cases):
    try:
        want = tuple(fn().shape)
    except RuntimeError:
        want = None
    expected.append((want, comparable))
    names = ["%x", "%w"][: len(shapes)]
    args = ", ".join(f"{n}: {ttype(s)}" for n, s in zip(names, shapes))
    chunks.append(
        f"func.func @case{index}({args}) -> tensor<?x?x?x?xf32> {{\n"
        f"  %r = {op} loc(\"case{index}\")\n"
        f"  return %r : tensor<?x?x?x?xf32>\n}}\n")

proc = subprocess.run([CNN_OPT, "-cnn-infer-shapes", "-split-input-file", "-"],
                      input="// -----\n".join(chunks), capture_output=True, text=True)
results = dict(re.findall(r"func\.func @case(\d+)\(.*\) -> tensor<([0-9x]+)xf32>",
                          proc.stdout))
rejected = set(int(i) for i in re.findall(r'loc\("case(\d+)"\)', proc.stderr))

failures, checked_shapes, checked_errors = [], 0, 0
for index, ((want, comparable), case) in enumerate(zip(expected, cases)):
    got = results.get(str(index))
    if want is None:
        if not comparable:
            continue
        checked_errors += 1
        if index not in rejected:
            failures.append(f"case{index}: PyTorch rejects, cnnc accepts ({got}): {case[0]}")
        continue
    checked_shapes += 1
    want_text = "x".join(str(s) for s in want)
    if got != want_text:
        failures.append(f"case{index}: PyTorch {want_text}, cnnc {got}: {case[0]}")

print(f"{checked_shapes} shapes and {checked_errors} rejections compared with PyTorch")
if failures:
    print("\n".join(failures[:30]))
    sys.exit(1)
# Guard against a vacuous pass: both kinds of case must occur in the sweep.
assert checked_shapes > 500 and checked_errors > 50, (checked_shapes, checked_errors)
