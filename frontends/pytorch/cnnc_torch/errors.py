"""Exceptions raised by the cnnc PyTorch frontend."""

from __future__ import annotations

from typing import List, NamedTuple, Sequence

__all__ = ["UnsupportedModelError", "UnsupportedNode"]


class UnsupportedNode(NamedTuple):
    """One torch.fx node that has no cnnc equivalent."""

    name: str    # the fx node name
    target: str  # what it calls, e.g. "torch.topk" or "nn.PReLU"
    reason: str  # why it cannot be exported

    def __str__(self) -> str:
        return f"{self.name} ({self.target}): {self.reason}"


class UnsupportedModelError(Exception):
    """The model uses operations cnnc cannot express.

    Raised once per export with every offending node (``nodes``), so a user
    sees the whole list at once instead of fixing one node per run. Also
    raised, with an empty ``nodes``, when torch.fx cannot trace the model.
    """

    def __init__(self, message: str, nodes: Sequence[UnsupportedNode] = ()):
        super().__init__(message)
        self.nodes: List[UnsupportedNode] = list(nodes)

    @classmethod
    def from_nodes(cls, nodes: Sequence[UnsupportedNode]) -> "UnsupportedModelError":
        count = len(nodes)
        noun = "node" if count == 1 else "nodes"
        lines = [f"{count} unsupported {noun}:"]
        lines += [f"  - {node}" for node in nodes]
        return cls("\n".join(lines), nodes)
