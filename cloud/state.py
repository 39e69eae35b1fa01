"""Whether the server can take work: what has started, and whether it is shutting down."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class ServerState:
    """Readiness: every part in `needed` has reported in, and the server is not draining."""

    needed: frozenset[str] = frozenset({"search", "models"})
    started: set[str] = field(default_factory=set)
    draining: bool = False
    started_at: float = field(default_factory=time.time)

    @property
    def ready(self) -> bool:
        return not self.draining and self.needed <= self.started

    def missing(self) -> list[str]:
        """What readiness still waits for, in words."""
        reasons = sorted(self.needed - self.started)
        return (["shutting down"] if self.draining else []) + [f"{part} not loaded" for part in reasons]
