"""GET /v1/search: catalog search for a typed or spoken query."""

from __future__ import annotations

import time

from aiohttp import web

from cloud.api_errors import ApiError
from cloud.keys import CONFIG, METRICS, SEARCHER

routes = web.RouteTableDef()
MAX_QUERY_CHARS = 200  # a spoken query is a sentence; this keeps the request line under MAX_LINE_BYTES
MAX_ALTERNATIVES = 5
MAX_LINE_BYTES = 32 * 1024  # aiohttp's request-line limit, raised from 8 KiB by `earshot serve`
MAX_LIMIT = 50


@routes.get("/v1/search")
async def search(request: web.Request) -> web.Response:
    """Ranked catalog documents for `q` (and, with less weight, each `alt` query)."""
    query = request.query.get("q", "")
    alternatives = request.query.getall("alt", [])
    if not query:
        raise ApiError(400, "missing_query", "pass the query as ?q=...")
    if len(query) > MAX_QUERY_CHARS or any(len(a) > MAX_QUERY_CHARS for a in alternatives) \
            or len(alternatives) > MAX_ALTERNATIVES:
        raise ApiError(400, "query_too_long", f"queries are limited to {MAX_QUERY_CHARS} characters "
                                              f"and {MAX_ALTERNATIVES} alternatives")
    limit = _limit(request.query.get("limit"), request.app[CONFIG].search.limit)
    started = time.perf_counter()
    results = request.app[SEARCHER].search([query, *alternatives], limit)  # on the loop: see routes/recognize.py
    elapsed = time.perf_counter() - started
    request.app[METRICS].search_time.observe(elapsed)
    return web.json_response({"query": query, "results": [r.to_dict() for r in results],
                              "timings": {"search_ms": round(elapsed * 1000, 2)}})


def _limit(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:  # "¹".isdigit(), but int("¹") fails
        raise ApiError(400, "invalid_limit", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)
