"""The OpenAPI 3.0 description of the server's HTTP API, with the configured limits filled in."""

from __future__ import annotations

from cloud.config import ServerConfig
from cloud.recognize_request import AUDIO_TYPES, CLIP_ID_PATTERN, MAX_HYPOTHESIS_CHARS
from cloud.routes.search import MAX_ALTERNATIVES, MAX_LIMIT, MAX_QUERY_CHARS
from cloud.telemetry import MAX_BINS, MAX_METRICS
from edge import __version__

_NUM = {"type": "number"}
_NAME = {"type": "string", "maxLength": 64}  # names of drift statistics and health readings (in maps too)
_NULLABLE_NUM = {"type": "number", "nullable": True}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _error(description: str, retry_after: bool = False) -> dict:
    response = {"description": description, "content": _json(_ref("Error"))}
    if retry_after:
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}
    return response


_AUTH_ERRORS = {"401": _error("missing or unknown bearer token"), "403": _error("token revoked, or device mismatch")}

_SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
    "Word": {"type": "object", "required": ["word", "start", "end", "confidence"], "properties": {
        "word": {"type": "string"}, "start": _NUM, "end": _NUM, "confidence": _NUM}},
    "SearchResult": {"type": "object", "required": ["id", "title", "score", "snippet", "tags", "match"],
                     "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "score": _NUM,
                                    "snippet": {"type": "string", "description": "matches wrapped in <b></b>"},
                                    "tags": {"type": "array", "items": {"type": "string"}},
                                    "match": {"type": "string", "enum": ["name", "phonetic", "text"]}}},
    "Recognition": {"type": "object", "required": ["text", "confidence", "words", "model", "alternatives",
                                                   "results", "timings"], "properties": {
        "clip_id": {"type": "string", "nullable": True}, "device_id": {"type": "string"},
        "text": {"type": "string", "description": "normalized: lowercase words, numbers spelled out"},
        "confidence": _NUM, "words": {"type": "array", "items": _ref("Word")},
        "model": {"type": "string", "description": "which model(s) answered, e.g. 'pocketsphinx+device'"},
        "runtime": {"type": "string"}, "source": {"type": "string", "enum": ["cloud"]},
        "alternatives": {"type": "array", "items": {"type": "string"}},
        "results": {"type": "array", "items": _ref("SearchResult")},
        "timings": {"type": "object", "additionalProperties": _NUM, "properties": {
            k: _NUM for k in ("audio_s", "decode_ms", "queue_ms", "model_ms", "ipc_ms", "search_ms",
                              "overhead_ms", "total_ms", "rtf")}}}},
    "RecognizeMetadata": {"type": "object", "additionalProperties": False, "properties": {
        "clip_id": {"type": "string", "pattern": CLIP_ID_PATTERN,
                    "description": "idempotency key: a retry gets the first answer"},
        "device_id": {"type": "string", "minLength": 1, "description": "must name the token's device"},
        "hypothesis": {"type": "string", "maxLength": MAX_HYPOTHESIS_CHARS},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1}}},
    "SearchResponse": {"type": "object", "required": ["query", "results", "timings"], "properties": {
        "query": {"type": "string"}, "results": {"type": "array", "items": _ref("SearchResult")},
        "timings": {"type": "object", "additionalProperties": _NUM}}},
    "TelemetryReport": {
        "type": "object", "additionalProperties": False,
        "description": "edge.drift.DriftMonitor.summary() plus period, escalations, confidence and health",
        "properties": {
            "device_id": {"type": "string"}, "period_start": _NUM, "period_end": _NUM,
            "utterances": {"type": "integer", "minimum": 0}, "escalations": {"type": "integer", "minimum": 0},
            "mean_confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "psi": {"type": "object", "maxProperties": MAX_METRICS, "additionalProperties": _NUM,
                    "description": "population stability index per input statistic"},
            "drift": {"type": "object", "maxProperties": MAX_METRICS, "additionalProperties": _NUM,
                      "description": "other drift scores; 'score' is taken as the overall one"},
            "drifting": {"oneOf": [{"type": "boolean"}, {"type": "array", "maxItems": MAX_METRICS,
                                                          "items": _NAME}]},
            "profile": {"type": "object", "additionalProperties": False, "properties": {
                "bins": {"type": "object", "maxProperties": MAX_METRICS,
                         "additionalProperties": {"type": "array", "maxItems": MAX_BINS, "items": _NUM}},
                "counts": {"type": "object", "maxProperties": MAX_METRICS,
                           "additionalProperties": {"type": "array", "maxItems": MAX_BINS,
                                                    "items": {"type": "integer", "minimum": 0}}}}},
            "health": {"type": "object", "maxProperties": MAX_METRICS, "additionalProperties": _NUM,
                       "description": "reading name (at most 64 characters): value"}}},
    "DeviceSummary": {"type": "object", "properties": {
        "device_id": {"type": "string"}, "window_s": _NUM, "reports": {"type": "integer"},
        "utterances": {"type": "integer"}, "escalations": {"type": "integer"},
        "escalation_rate": _NULLABLE_NUM, "mean_confidence": _NULLABLE_NUM, "latest_drift_score": _NULLABLE_NUM,
        "drifting": {"type": "boolean"}, "last_report_at": _NULLABLE_NUM}},
}


def openapi_document(config: ServerConfig) -> dict:
    """The whole document; limits come from `config` so the description matches this server."""
    limits = config.limits
    busy = {"429": _error(f"this device already has {limits.per_device_inflight} clips in flight", True),
            "503": _error("not ready, queue full, model timeout or worker restart", True)}
    audio = {t: {"schema": {"type": "string", "format": "binary"}} for t in sorted(AUDIO_TYPES)}
    audio["multipart/form-data"] = {"schema": {"type": "object", "required": ["audio"], "properties": {
        "audio": {"type": "string", "format": "binary"}, "metadata": _ref("RecognizeMetadata")}},
        "encoding": {"metadata": {"contentType": "application/json"}}}
    def header(name: str, text: str, schema: dict) -> dict:
        return {"name": name, "in": "header", "required": False, "schema": schema, "description": text}

    clip_id = {"type": "string", "pattern": CLIP_ID_PATTERN}
    paths = {
        "/v1/recognize": {"post": {
            "summary": "Recognize a clip and search the catalog with its transcript",
            "description": (f"16 kHz mono 16-bit WAV preferred; other rates and channel counts are converted. "
                            f"Limits: {limits.max_body_bytes} bytes, {limits.max_clip_s:g} s."),
            "parameters": [header("X-Clip-Id", "idempotency key (raw-body requests)", clip_id),
                           header("Idempotency-Key", "same as X-Clip-Id", clip_id),
                           header("X-Device-Id", "must name the token's device", {"type": "string"}),
                           header("X-Device-Hypothesis", "the device's transcript, percent-encoded",
                                  {"type": "string", "maxLength": MAX_HYPOTHESIS_CHARS}),
                           header("X-Device-Confidence", "the device's confidence",
                                  {"type": "number", "minimum": 0, "maximum": 1})],
            "requestBody": {"required": True, "content": audio},
            "responses": {"200": {"description": "transcript, words, model, search results, timings",
                                  "headers": {"Idempotent-Replayed": {"schema": {"type": "string"}}},
                                  "content": _json(_ref("Recognition"))},
                          "400": _error("empty body, malformed multipart or metadata"), **_AUTH_ERRORS,
                          "409": _error("clip id reused for other audio, or still being processed", True),
                          "413": _error("body too large"), "415": _error("unsupported Content-Type"),
                          "422": _error("not decodable audio, or longer than the limit"), **busy}}},
        "/v1/search": {"get": {
            "summary": "Search the catalog",
            "parameters": [
                {"name": "q", "in": "query", "required": True,
                 "schema": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS}},
                {"name": "alt", "in": "query", "required": False, "description": "alternative queries (weighted less)",
                 "schema": {"type": "array", "maxItems": MAX_ALTERNATIVES,
                            "items": {"type": "string", "maxLength": MAX_QUERY_CHARS}},
                 "style": "form", "explode": True},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": config.search.limit}}],
            "responses": {"200": {"description": "ranked results", "content": _json(_ref("SearchResponse"))},
                          "400": _error("missing or invalid query or limit"), **_AUTH_ERRORS}}},
        "/v1/telemetry": {
            "post": {"summary": "Report a device's drift and health summary",
                     "requestBody": {"required": True, "content": _json(_ref("TelemetryReport"))},
                     "responses": {"202": {"description": "stored", "content": _json({
                         "type": "object", "required": ["accepted", "device"],
                         "properties": {"accepted": {"type": "boolean"}, "device": _ref("DeviceSummary")}})},
                         "400": _error("empty body or malformed JSON"), **_AUTH_ERRORS,
                         "413": _error("body too large"), "415": _error("not application/json"),
                         "422": _error("fields of the wrong type or out of range")}},
            "get": {"summary": "The calling device's telemetry aggregate and fleet counts (last day)",
                    "responses": {"200": {"description": "aggregates", "content": _json({
                        "type": "object", "properties": {"device": _ref("DeviceSummary"), "fleet": {
                            "type": "object", "properties": {
                                "devices": {"type": "integer"}, "drifting": {"type": "integer"},
                                "max_drift_score": _NUM,
                                "drifting_statistics": {"type": "object",
                                                        "additionalProperties": {"type": "integer"}}}}}})},
                        **_AUTH_ERRORS}}},
        "/healthz": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {
            "description": "alive",
            "content": _json({"type": "object", "properties": {"status": {"type": "string"}}})}}}},
        "/readyz": {"get": {"summary": "Readiness", "security": [], "responses": {
            "200": {"description": "ready", "content": _json({"type": "object", "properties": {
                "status": {"type": "string"}, "models": {"type": "array", "items": {"type": "string"}},
                "workers": {"type": "integer"}, "documents": {"type": "integer"}}})},
            "503": _error("loading or shutting down", True)}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
            "200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}},
            **_AUTH_ERRORS}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {
            "200": {"description": "OpenAPI 3.0", "content": _json({"type": "object"})}, **_AUTH_ERRORS}}},
    }
    return {"openapi": "3.0.3",
            "info": {"title": "earshot prediction server", "version": __version__,
                     "description": "Cloud fallback for earshot devices: recognition, voice search, telemetry."},
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                           "schemas": _SCHEMAS},
            "paths": paths}
