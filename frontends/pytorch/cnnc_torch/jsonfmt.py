"""Pretty but compact JSON for model descriptions.

Top-level keys go one per line, list-of-object values (``inputs``,
``layers``) one object per line, and everything else on one line, so that a
change to one layer is a one-line diff::

    {
      "format": "cnnc-model",
      "version": 1,
      "name": "lenet5",
      "inputs": [
        {"name": "image", "shape": [1, 1, 28, 28], "dtype": "f32"}
      ],
      "layers": [
        {"name": "conv1", "op": "conv2d", "inputs": ["image"], "attrs": {...}},
        ...
      ],
      "outputs": ["fc3"]
    }

Nested objects (``training``) use two-space indentation. The output is
deterministic for a given dict and never contains NaN or infinities.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

__all__ = ["dumps"]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "), allow_nan=False, ensure_ascii=False)


def dumps(description: Dict[str, Any]) -> str:
    """Formats a description dict; the result ends with a newline."""
    lines: List[str] = ["{"]
    items = list(description.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index + 1 < len(items) else ""
        head = f"  {json.dumps(key)}: "
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(head + "[")
            for j, item in enumerate(value):
                lines.append("    " + _compact(item) + ("," if j + 1 < len(value) else ""))
            lines.append("  ]" + comma)
        elif isinstance(value, dict) and value:
            body = json.dumps(value, indent=2, allow_nan=False, ensure_ascii=False)
            lines.append(head + body.replace("\n", "\n  ") + comma)
        else:
            lines.append(head + _compact(value) + comma)
    lines.append("}")
    return "\n".join(lines) + "\n"
