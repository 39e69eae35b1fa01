"""POST/GET /v1/telemetry: a device's drift and health summaries, stored and aggregated."""

from __future__ import annotations

import json

from aiohttp import web

from cloud.api_errors import ApiError
from cloud.keys import METRICS, TELEMETRY
from cloud.telemetry import parse_report

routes = web.RouteTableDef()
MAX_TELEMETRY_BYTES = 64 * 1024


@routes.post("/v1/telemetry")
async def post_telemetry(request: web.Request) -> web.Response:
    """Store one report from the calling device; answer with its aggregate over the last day."""
    body = await read_json(request, MAX_TELEMETRY_BYTES)
    device = request["device"]
    report = parse_report(body, device)
    store = request.app[TELEMETRY]
    store.add(device, report)
    request.app[METRICS].telemetry_reports.inc()
    return web.json_response({"accepted": True, "device": store.device_summary(device)}, status=202)


@routes.get("/v1/telemetry")
async def get_telemetry(request: web.Request) -> web.Response:
    """The calling device's aggregate and fleet-wide counts over the last day."""
    store = request.app[TELEMETRY]
    return web.json_response({"device": store.device_summary(request["device"]), "fleet": store.fleet_summary()})


async def read_json(request: web.Request, max_bytes: int) -> object:
    """The JSON body of a request: 415 unless application/json, 413 if too big, 400 if malformed."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", f"Content-Type {request.content_type or 'missing'}; "
                                                      "send application/json")
    if request.content_length is not None and request.content_length > max_bytes:
        raise ApiError(413, "body_too_large", f"the body is larger than {max_bytes} bytes")
    raw = bytearray()
    while chunk := await request.content.read(16384):
        raw.extend(chunk)
        if len(raw) > max_bytes:
            raise ApiError(413, "body_too_large", f"the body is larger than {max_bytes} bytes")
    if not raw:
        raise ApiError(400, "empty_body", "the body is empty; send a JSON object")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON ({exc})") from None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")
