"""Middlewares: every error as JSON, request metrics, and bearer-token authentication."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from cloud.api_errors import HTTP_CODES, ApiError, error_response
from cloud.keys import METRICS, TOKENS

log = logging.getLogger(__name__)
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
STARTED = "started"  # request key: when the first middleware saw the request (time.perf_counter)


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    """Turn ApiError, aiohttp's HTTP errors and anything unexpected into a JSON error body."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after", "www-authenticate")}
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        return error_response(exc.status, HTTP_CODES.get(exc.status, "http_error"), message, headers)
    except HttpProcessingError as exc:  # a malformed body part aiohttp refused while we read it
        return error_response(400, "bad_request", f"malformed request ({exc.message})")
    except asyncio.CancelledError:
        raise
    except Exception:  # a bug: log it whole, answer without internals
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, "internal_error", "the server hit an unexpected error; it has been logged")


@web.middleware
async def metrics(request: web.Request, handler) -> web.StreamResponse:
    """Count and time every request by route (the route's pattern, not the raw path)."""
    started = request[STARTED] = time.perf_counter()
    response = await handler(request)
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    app_metrics = request.app[METRICS]
    app_metrics.requests.labels(route, str(response.status)).inc()
    app_metrics.latency.labels(route).observe(time.perf_counter() - started)
    if response.status in (413, 429, 503) or (response.status == 422 and route == "/v1/recognize"):
        app_metrics.rejected.labels(str(response.status)).inc()
    return response


@web.middleware
async def auth(request: web.Request, handler) -> web.StreamResponse:
    """Require `Authorization: Bearer <device token>` on every route but health and readiness."""
    if request.path in PUBLIC_PATHS or request.match_info.route.resource is None:
        return await handler(request)
    challenge = {"WWW-Authenticate": 'Bearer realm="earshot"'}
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send 'Authorization: Bearer <device token>' "
                                            "(create one with 'earshot tokens add NAME')", challenge)
    info = request.app[TOKENS].verify(token.strip())
    if info is None:
        raise ApiError(401, "invalid_token", "this token is not known to the server", challenge)
    if not info.active:
        raise ApiError(403, "token_revoked", f"the token of device {info.name!r} was revoked")
    request["device"] = info.name
    return await handler(request)
