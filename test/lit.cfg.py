# -*- Python -*-
# lit configuration of the cnnc regression suite.

import os
import subprocess
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "CNNC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "unittests"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.cnn_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Scripts run cnnc and cnn-opt by name.
llvm_config.with_environment("PATH", config.cnn_tools_dir, append_path=True)

config.substitutions.append(("%cnn_src_root", config.cnn_src_root))
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%cnnrt_lib", config.cnnrt_lib))

# PyTorch is the numerical oracle; it lives in Debian's python3-torch and is
# used through the system interpreter, whatever python3 comes first on PATH.
torch_python = "/usr/bin/python3"
config.substitutions.append(("%torch_python", torch_python))
try:
    subprocess.run([torch_python, "-c", "import torch"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config.available_features.add("torch")
except (OSError, subprocess.CalledProcessError):
    lit_config.warning("PyTorch not found for /usr/bin/python3: "
                       "tests that compare with it are unsupported")

# jsonschema (Debian's python3-jsonschema) checks docs/model-format.schema.json;
# those tests run with %python.
try:
    subprocess.run([sys.executable, "-c", "import jsonschema"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config.available_features.add("jsonschema")
except (OSError, subprocess.CalledProcessError):
    lit_config.warning("jsonschema not found for " + sys.executable +
                       ": tests of the model description schema are unsupported")

tool_dirs = [config.cnn_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["cnn-opt", "cnnc", "FileCheck", "not"], tool_dirs)
