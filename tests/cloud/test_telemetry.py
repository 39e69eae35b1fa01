"""Telemetry reports: checked, stored, aggregated per device and across the fleet."""

from __future__ import annotations

import json

import pytest

from cloud.api_errors import ApiError
from cloud.telemetry import TelemetryStore, parse_report


def test_a_full_report_parses():
    report = parse_report({"device_id": "pi", "period_start": 0, "period_end": 60, "utterances": 5, "escalations": 1,
                           "mean_confidence": 0.9, "drift": {"score": 0.5, "rms_db": 1.5}, "drifting": True,
                           "health": {"cpu_temp_c": 50}}, "pi")
    assert report.is_drifting and report.drift == {"score": 0.5, "rms_db": 1.5} and report.health == {
        "cpu_temp_c": 50.0}
    assert report.drift_score == 0.5


def test_the_edge_drift_monitor_summary_is_accepted_as_is():
    from edge.drift import DriftMonitor, Profile

    reference = Profile.empty()
    reference.add({"level_dbfs": -20.0, "duration_s": 1.0})
    monitor = DriftMonitor(reference.to_dict())
    for level in (-60.0, -62.0, -58.0):
        monitor.current.add({"level_dbfs": level, "duration_s": 1.0})
        monitor.utterances += 1
    summary = json.loads(json.dumps(monitor.summary()))
    report = parse_report(summary, "pi")
    assert report.utterances == 3 and report.drifting == ("level_dbfs",) and report.is_drifting
    assert report.drift["level_dbfs"] > 0.25 and report.profile["counts"]["level_dbfs"]


@pytest.mark.parametrize("body, status", [
    ({"device_id": "other"}, 403), ({"utterances": 1.5}, 422), ({"utterances": True}, 422),
    ({"period_start": 10, "period_end": 5}, 422), ({"mean_confidence": float("inf")}, 422),
    ({"drifting": "yes"}, 422), ({"drifting": [1]}, 422), ({"drift": {"x" * 65: 1}}, 422),
    ({"health": {"x" * 65: 1}}, 422), ({"psi": {"a": "b"}}, 422), ({"profile": {"counts": {"a": [-1]}}}, 422),
    ({"profile": {"bins": {"a": [float("nan")]}}}, 422), ({"profile": []}, 422), ({"profile": {"x": {}}}, 422),
    ({"health": [1]}, 422), ("text", 422), (None, 422),
])
def test_bad_reports(body, status):
    with pytest.raises(ApiError) as error:
        parse_report(body, "pi")
    assert error.value.status == status


def test_aggregates(tmp_path):
    store = TelemetryStore(tmp_path / "t.sqlite3")
    store.add("a", parse_report({"utterances": 10, "escalations": 5, "mean_confidence": 0.5,
                                 "drift": {"score": 2.0}}, "a"))
    store.add("a", parse_report({"utterances": 30, "escalations": 3, "mean_confidence": 0.9,
                                 "drift": {"score": 0.1}}, "a"))
    store.add("b", parse_report({"utterances": 1, "psi": {"level_dbfs": 3.0}, "drifting": ["level_dbfs"]}, "b"))
    summary = store.device_summary("a")
    assert (summary["reports"], summary["utterances"], summary["escalations"]) == (2, 40, 8)
    assert summary["escalation_rate"] == 0.2 and summary["mean_confidence"] == pytest.approx(0.8)
    assert summary["latest_drift_score"] == 0.1 and summary["drifting"] is False
    assert store.fleet_summary() == {"devices": 2, "drifting": 1, "max_drift_score": 3.0,
                                     "drifting_statistics": {"level_dbfs": 1}}
    assert store.device_summary("nobody")["reports"] == 0
