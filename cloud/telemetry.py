"""Device telemetry: drift and health summaries checked, stored in SQLite and aggregated."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cloud.api_errors import ApiError

MAX_METRICS = 64  # names per map (drift features, health readings)
MAX_NAME_CHARS = 64
DRIFT_THRESHOLD = 1.0  # a drift score at or above this flags the device, unless it says otherwise
AGGREGATE_WINDOW_S = 24 * 3600.0
FIELDS = {"device_id", "period_start", "period_end", "utterances", "escalations", "mean_confidence",
          "drift", "health"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    received_at REAL NOT NULL,
    period_start REAL, period_end REAL,
    utterances INTEGER NOT NULL, escalations INTEGER NOT NULL,
    mean_confidence REAL, drift_score REAL, drifting INTEGER NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_device_time ON reports (device, received_at);
"""


@dataclass(frozen=True, slots=True)
class TelemetryReport:
    """One device's summary of a period: counts, confidence, drift scores, health readings."""

    utterances: int = 0
    escalations: int = 0
    mean_confidence: float | None = None
    period_start: float | None = None  # Unix seconds
    period_end: float | None = None
    drift: dict[str, float] = field(default_factory=dict)  # "score" is the overall one, if sent
    drifting: bool | None = None  # the device's own verdict, from drift.drifting
    health: dict[str, float] = field(default_factory=dict)


def parse_report(body: object, device: str) -> TelemetryReport:
    """Check a telemetry JSON body; raise ApiError(422) naming the first problem."""
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_telemetry", "the body must be a JSON object")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise ApiError(422, "invalid_telemetry", f"unknown field(s) {', '.join(unknown)}; "
                                                 f"expected some of {', '.join(sorted(FIELDS))}")
    if "device_id" in body and body["device_id"] != device:
        raise ApiError(403, "device_mismatch", f"this token belongs to device {device!r}, not {body['device_id']!r}")
    utterances, escalations = _count(body, "utterances"), _count(body, "escalations")
    if escalations > utterances:
        raise ApiError(422, "invalid_telemetry", "escalations cannot exceed utterances")
    confidence = _number(body, "mean_confidence")
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        raise ApiError(422, "invalid_telemetry", "mean_confidence must be in [0, 1]")
    start, end = _number(body, "period_start"), _number(body, "period_end")
    if start is not None and end is not None and end < start:
        raise ApiError(422, "invalid_telemetry", "period_end is before period_start")
    drift = dict(body.get("drift") or {}) if isinstance(body.get("drift", {}), dict) else None
    if drift is None:
        raise ApiError(422, "invalid_telemetry", "drift must be an object of name: number")
    drifting = drift.pop("drifting", None)
    if drifting is not None and not isinstance(drifting, bool):
        raise ApiError(422, "invalid_telemetry", "drift.drifting must be true or false")
    return TelemetryReport(utterances, escalations, confidence, start, end, _metrics(drift, "drift"), drifting,
                           _metrics(body.get("health", {}), "health"))


def _count(body: dict, name: str) -> int:
    value = body.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise ApiError(422, "invalid_telemetry", f"{name} must be a non-negative integer")
    return value


def _number(body: dict, name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ApiError(422, "invalid_telemetry", f"{name} must be a finite number")
    return float(value)


def _metrics(values: object, where: str) -> dict[str, float]:
    if not isinstance(values, dict):
        raise ApiError(422, "invalid_telemetry", f"{where} must be an object of name: number")
    if len(values) > MAX_METRICS:
        raise ApiError(422, "invalid_telemetry", f"{where} has more than {MAX_METRICS} entries")
    out = {}
    for name, value in values.items():
        if not name or len(name) > MAX_NAME_CHARS:
            raise ApiError(422, "invalid_telemetry", f"{where} names must be 1-{MAX_NAME_CHARS} characters")
        out[name] = _number(values, name)
        if out[name] is None:
            raise ApiError(422, "invalid_telemetry", f"{where}.{name} must be a finite number")
    return out


class TelemetryStore:
    """Reports kept in SQLite, with per-device and fleet aggregates over the last day."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def add(self, device: str, report: TelemetryReport) -> None:
        """Store one report."""
        score = report.drift.get("score", max(report.drift.values(), default=None))
        drifting = report.drifting if report.drifting is not None else (score or 0.0) >= DRIFT_THRESHOLD
        self._db.execute(
            "INSERT INTO reports (device, received_at, period_start, period_end, utterances, escalations, "
            "mean_confidence, drift_score, drifting, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (device, time.time(), report.period_start, report.period_end, report.utterances, report.escalations,
             report.mean_confidence, score, int(drifting), json.dumps(asdict(report))))

    def device_summary(self, device: str, window_s: float = AGGREGATE_WINDOW_S) -> dict:
        """One device's reports over the window: totals, escalation rate, confidence, latest drift."""
        since = time.time() - window_s
        reports, utterances, escalations, weighted = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(utterances), 0), COALESCE(SUM(escalations), 0), "
            "SUM(mean_confidence * utterances) FROM reports WHERE device = ? AND received_at >= ?",
            (device, since)).fetchone()
        latest = self._db.execute("SELECT drift_score, drifting, received_at FROM reports WHERE device = ? "
                                  "ORDER BY received_at DESC, id DESC LIMIT 1", (device,)).fetchone()
        return {"device_id": device, "window_s": window_s, "reports": reports, "utterances": utterances,
                "escalations": escalations,
                "escalation_rate": round(escalations / utterances, 4) if utterances else None,
                "mean_confidence": round(weighted / utterances, 4) if utterances and weighted is not None else None,
                "latest_drift_score": latest[0] if latest else None,
                "drifting": bool(latest[1]) if latest else False,
                "last_report_at": latest[2] if latest else None}

    def fleet_summary(self, window_s: float = AGGREGATE_WINDOW_S) -> dict:
        """Across devices that reported in the window: how many, how many drift, the worst drift."""
        rows = self._db.execute(
            "SELECT r.drift_score, r.drifting FROM reports r JOIN (SELECT device, MAX(id) AS id FROM reports "
            "WHERE received_at >= ? GROUP BY device) latest ON r.id = latest.id", (time.time() - window_s,)).fetchall()
        scores = [s for s, _ in rows if s is not None]
        return {"devices": len(rows), "drifting": sum(d for _, d in rows), "max_drift_score": max(scores, default=0.0)}

    def close(self) -> None:
        self._db.close()
