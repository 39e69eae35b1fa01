"""GET /v1/search: catalog search for a typed or spoken query."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from cloud.api_errors import ApiError
from cloud.keys import CONFIG, METRICS, SEARCHER

routes = web.RouteTableDef()
MAX_QUERY_CHARS = 500
MAX_LIMIT = 50


@routes.get("/v1/search")
async def search(request: web.Request) -> web.Response:
    """Ranked catalog documents for `q` (and, with less weight, each `alt` query)."""
    query = request.query.get("q", "")
    alternatives = request.query.getall("alt", [])
    if not query.strip():
        raise ApiError(400, "missing_query", "pass the query as ?q=...")
    if len(query) > MAX_QUERY_CHARS or any(len(a) > MAX_QUERY_CHARS for a in alternatives) or len(alternatives) > 10:
        raise ApiError(400, "query_too_long", f"queries are limited to {MAX_QUERY_CHARS} characters "
                                              "and 10 alternatives")
    limit = _limit(request.query.get("limit"), request.app[CONFIG].search.limit)
    started = time.perf_counter()
    results = await asyncio.to_thread(request.app[SEARCHER].search, [query, *alternatives], limit)
    elapsed = time.perf_counter() - started
    request.app[METRICS].search_time.observe(elapsed)
    return web.json_response({"query": query, "results": [r.to_dict() for r in results],
                              "timings": {"search_ms": round(elapsed * 1000, 2)}})


def _limit(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "invalid_limit", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)
