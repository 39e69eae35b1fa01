"""Telemetry reports: checked, stored, aggregated per device and across the fleet."""

from __future__ import annotations

import pytest

from cloud.api_errors import ApiError
from cloud.telemetry import TelemetryStore, parse_report


def test_a_full_report_parses():
    report = parse_report({"device_id": "pi", "period_start": 0, "period_end": 60, "utterances": 5, "escalations": 1,
                           "mean_confidence": 0.9, "drift": {"score": 0.5, "drifting": True, "rms_db": 1.5},
                           "health": {"cpu_temp_c": 50}}, "pi")
    assert report.drifting is True and report.drift == {"score": 0.5, "rms_db": 1.5} and report.health == {
        "cpu_temp_c": 50.0}


@pytest.mark.parametrize("body, status", [
    ({"device_id": "other"}, 403), ({"utterances": 1.5}, 422), ({"utterances": True}, 422),
    ({"period_start": 10, "period_end": 5}, 422), ({"mean_confidence": float("inf")}, 422),
    ({"drift": {"drifting": "yes"}}, 422), ({"drift": {"": 1}}, 422), ({"health": {"x" * 65: 1}}, 422),
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
    store.add("b", parse_report({"utterances": 1, "drift": {"mfcc": 3.0}}, "b"))
    summary = store.device_summary("a")
    assert (summary["reports"], summary["utterances"], summary["escalations"]) == (2, 40, 8)
    assert summary["escalation_rate"] == 0.2 and summary["mean_confidence"] == pytest.approx(0.8)
    assert summary["latest_drift_score"] == 0.1 and summary["drifting"] is False
    assert store.fleet_summary() == {"devices": 2, "drifting": 1, "max_drift_score": 3.0}
    assert store.device_summary("nobody")["reports"] == 0
