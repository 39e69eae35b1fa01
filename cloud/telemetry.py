"""Device telemetry: drift (edge.drift summaries) and health reports checked, stored, aggregated."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cloud.api_errors import ApiError
from edge.drift import DRIFT_PSI  # PSI above this is drift, as the device judges it

MAX_METRICS = 64  # names per map (drift statistics, health readings, histograms)
MAX_NAME_CHARS = 64
MAX_BINS = 128
AGGREGATE_WINDOW_S = 24 * 3600.0
# The fields of edge.drift.DriftMonitor.summary() (utterances, psi, drifting, profile), plus
# the period, escalation counts, confidence and health readings the device adds.
FIELDS = {"device_id", "period_start", "period_end", "utterances", "escalations", "mean_confidence",
          "psi", "drift", "drifting", "profile", "health"}

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
    """One device's summary of a period: counts, confidence, drift (PSI) scores, health readings."""

    utterances: int = 0
    escalations: int = 0
    mean_confidence: float | None = None
    period_start: float | None = None  # Unix seconds
    period_end: float | None = None
    drift: dict[str, float] = field(default_factory=dict)  # statistic -> PSI (or another drift score)
    drifting: tuple[str, ...] | bool | None = None  # the device's verdict: which statistics drift
    health: dict[str, float] = field(default_factory=dict)
    profile: dict | None = None  # the device's input histograms (edge.drift.Profile.to_dict())

    @property
    def drift_score(self) -> float | None:
        """The overall score: drift["score"] when sent, else the largest per-statistic score."""
        return self.drift.get("score", max(self.drift.values(), default=None))

    @property
    def is_drifting(self) -> bool:
        if self.drifting is not None:
            return bool(self.drifting)
        return (self.drift_score or 0.0) > DRIFT_PSI


def parse_report(body: object, device: str) -> TelemetryReport:
    """Check a telemetry JSON body; raise ApiError (422, or 403 for another device) naming the problem."""
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
    drift = {**_metrics(body.get("drift", {}), "drift"), **_metrics(body.get("psi", {}), "psi")}
    return TelemetryReport(utterances, escalations, confidence, start, end, drift, _drifting(body.get("drifting")),
                           _metrics(body.get("health", {}), "health"), _profile(body.get("profile")))


def _drifting(value: object) -> tuple[str, ...] | bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list) and len(value) <= MAX_METRICS and all(
            isinstance(v, str) and len(v) <= MAX_NAME_CHARS for v in value):
        return tuple(value)
    raise ApiError(422, "invalid_telemetry", "drifting must be true/false or a list of statistic names")


def _profile(value: object) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"bins", "counts"}:
        raise ApiError(422, "invalid_telemetry", "profile must be an object with 'bins' and 'counts'")
    for part in ("bins", "counts"):
        table = value.get(part, {})
        if not isinstance(table, dict) or len(table) > MAX_METRICS:
            raise ApiError(422, "invalid_telemetry", f"profile.{part} must map at most {MAX_METRICS} names to lists")
        for name, numbers in table.items():
            ok = isinstance(numbers, list) and len(numbers) <= MAX_BINS and len(name) <= MAX_NAME_CHARS and all(
                isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n)
                and (part == "bins" or (isinstance(n, int) and n >= 0)) for n in numbers)
            if not ok:
                raise ApiError(422, "invalid_telemetry", f"profile.{part}.{name} must be a list of at most "
                                                         f"{MAX_BINS} {'counts' if part == 'counts' else 'numbers'}")
    return value


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
    for name in values:
        if len(name) > MAX_NAME_CHARS:
            raise ApiError(422, "invalid_telemetry", f"{where} names must be at most {MAX_NAME_CHARS} characters")
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
        score, drifting = report.drift_score, report.is_drifting
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
        """Across devices that reported in the window: how many, how many drift, on which statistics."""
        rows = self._db.execute(
            "SELECT r.drift_score, r.drifting, r.payload FROM reports r JOIN (SELECT device, MAX(id) AS id "
            "FROM reports WHERE received_at >= ? GROUP BY device) latest ON r.id = latest.id",
            (time.time() - window_s,)).fetchall()
        statistics: dict[str, int] = {}
        for _, _, payload in rows:
            flagged = json.loads(payload).get("drifting")
            for name in flagged if isinstance(flagged, list) else ():
                statistics[name] = statistics.get(name, 0) + 1
        scores = [s for s, _, _ in rows if s is not None]
        return {"devices": len(rows), "drifting": sum(d for _, d, _ in rows),
                "max_drift_score": max(scores, default=0.0), "drifting_statistics": statistics}

    def close(self) -> None:
        self._db.close()
