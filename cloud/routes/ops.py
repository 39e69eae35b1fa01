"""Operational endpoints: liveness, readiness, Prometheus metrics and the OpenAPI description."""

from __future__ import annotations

from aiohttp import web

from cloud.api_errors import error_response
from cloud.keys import ADMISSION, CONFIG, METRICS, POOL, SEARCHER, STATE, TELEMETRY
from cloud.openapi import openapi_document

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers HTTP."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Readiness: models and search index loaded, not shutting down."""
    state = request.app[STATE]
    if not state.ready or not request.app[POOL].running:
        reasons = state.missing() or ["model workers restarting"]
        return error_response(503, "not_ready", "; ".join(reasons),
                              {"Retry-After": str(request.app[CONFIG].limits.retry_after_s)})
    return web.json_response({"status": "ready", "models": request.app[POOL].model_names,
                              "workers": request.app[POOL].workers,
                              "documents": request.app[SEARCHER].documents})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition, with fleet telemetry gauges refreshed at scrape time."""
    app_metrics = request.app[METRICS]
    fleet = request.app[TELEMETRY].fleet_summary()
    app_metrics.devices_reporting.set(fleet["devices"])
    app_metrics.devices_drifting.set(fleet["drifting"])
    app_metrics.fleet_drift.set(fleet["max_drift_score"])
    admission = request.app[ADMISSION]
    app_metrics.queued.set(admission.waiting)
    app_metrics.expected_wait.set(admission.expected_wait_s())
    app_metrics.rtf.set(admission.rtf)
    return web.Response(body=app_metrics.render(), headers={"Content-Type": app_metrics.content_type})


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    """This API's OpenAPI 3.0 description."""
    return web.json_response(openapi_document(request.app[CONFIG]))
