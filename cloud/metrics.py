"""Prometheus metrics of one app, kept in its own registry so several apps can share a process."""

from __future__ import annotations

from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector,
                               disable_created_metrics, generate_latest)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# Latency buckets from 1 ms to 30 s: overhead lives at the bottom, model time in the middle.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The server's counters, gauges and histograms."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        disable_created_metrics()  # the *_created series double the output and tell Prometheus nothing
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        self.requests = Counter("earshot_requests", "HTTP requests answered", ["route", "status"],
                                registry=registry)
        self.latency = Histogram("earshot_request_seconds", "Time to answer a request", ["route"],
                                 buckets=_BUCKETS, registry=registry)
        self.overhead = Histogram("earshot_recognize_overhead_seconds",
                                  "Recognize time spent outside the models and the queue", buckets=_BUCKETS,
                                  registry=registry)
        self.queue_wait = Histogram("earshot_queue_wait_seconds", "Time a clip waited for a worker",
                                    buckets=_BUCKETS, registry=registry)
        self.model_time = Histogram("earshot_model_seconds", "Model time per clip", ["model"],
                                    buckets=_BUCKETS, registry=registry)
        self.search_time = Histogram("earshot_search_seconds", "Search time per query", buckets=_BUCKETS,
                                     registry=registry)
        self.audio_seconds = Counter("earshot_audio_seconds", "Seconds of audio recognized", registry=registry)
        self.in_flight = Gauge("earshot_inferences_in_flight", "Clips being recognized now", registry=registry)
        self.queued = Gauge("earshot_inferences_queued", "Clips waiting for a worker", registry=registry)
        self.expected_wait = Gauge("earshot_expected_wait_seconds", "Expected queue wait for a new clip",
                                   registry=registry)
        self.rtf = Gauge("earshot_model_rtf", "Running estimate of model seconds per audio second",
                         registry=registry)
        self.rejected = Counter("earshot_rejected", "Requests refused", ["reason"], registry=registry)
        self.replays = Counter("earshot_idempotent_replays", "Retried clips answered from the first result",
                               registry=registry)
        self.device_hypothesis_used = Counter("earshot_device_hypothesis_used",
                                              "Answers that took words from the device's hypothesis",
                                              registry=registry)
        self.worker_restarts = Counter("earshot_worker_restarts",
                                       "Model workers replaced after exiting or overrunning the timeout",
                                       registry=registry)
        self.telemetry_reports = Counter("earshot_telemetry_reports", "Device telemetry reports stored",
                                         registry=registry)
        self.devices_reporting = Gauge("earshot_devices_reporting", "Devices that reported in the last day",
                                       registry=registry)
        self.devices_drifting = Gauge("earshot_devices_drifting",
                                      "Devices whose latest report flags input drift", registry=registry)
        self.fleet_drift = Gauge("earshot_fleet_drift_score_max", "Highest latest drift score over devices",
                                 registry=registry)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
