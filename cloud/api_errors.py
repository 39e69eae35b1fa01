"""HTTP errors as JSON: `{"error": {"code", "message"}}` with the right status and headers."""

from __future__ import annotations

from aiohttp import web


class ApiError(Exception):
    """A request the server refuses; the handler's caller turns it into a JSON error response."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The JSON body every error carries."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


def busy(status: int, code: str, message: str, retry_after_s: int) -> ApiError:
    """A 429 or 503 that tells the client when to try again."""
    return ApiError(status, code, message, {"Retry-After": str(retry_after_s)})


# Codes for the statuses aiohttp raises itself (unknown route, wrong method, body too large, ...).
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 408: "timeout", 411: "length_required", 413: "body_too_large",
              414: "uri_too_long", 415: "unsupported_media_type", 422: "unprocessable", 429: "too_many_requests",
              431: "headers_too_large", 500: "internal_error", 503: "unavailable"}
