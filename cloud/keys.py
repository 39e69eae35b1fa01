"""Typed keys for the resources the app shares between handlers (aiohttp's AppKey pattern)."""

from __future__ import annotations

from aiohttp import web

from cloud.admission import Admission
from cloud.clips import ClipStore
from cloud.config import ServerConfig
from cloud.metrics import Metrics
from cloud.pool import InferencePool
from cloud.search.searcher import Searcher
from cloud.state import ServerState
from cloud.telemetry import TelemetryStore
from cloud.tokens import TokenStore

CONFIG = web.AppKey("config", ServerConfig)
STATE = web.AppKey("state", ServerState)
METRICS = web.AppKey("metrics", Metrics)
TOKENS = web.AppKey("tokens", TokenStore)
CLIPS = web.AppKey("clips", ClipStore)
TELEMETRY = web.AppKey("telemetry", TelemetryStore)
SEARCHER = web.AppKey("searcher", Searcher)
POOL = web.AppKey("pool", InferencePool)
ADMISSION = web.AppKey("admission", Admission)
