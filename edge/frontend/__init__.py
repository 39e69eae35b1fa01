"""The log-mel front end: one config, a NumPy reference, a numba kernel and a streaming wrapper."""

from edge.frontend.config import FrontEndConfig
from edge.frontend.stream import LogMel, StreamingLogMel

__all__ = ["FrontEndConfig", "LogMel", "StreamingLogMel"]
