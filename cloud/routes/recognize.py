"""POST /v1/recognize: a clip in; transcript, words, model, search results and timings out."""

from __future__ import annotations

import asyncio
import time
from functools import partial

from aiohttp import web

from cloud.api_errors import ApiError, busy
from cloud.engine import DeviceHint
from cloud.keys import ADMISSION, CLIPS, CONFIG, METRICS, POOL, SEARCHER, STATE
from cloud.middleware import STARTED
from cloud.recognize_request import RecognizeRequest, clip_sample_rate, decode_clip, read_recognize_request
from edge.audio import TARGET_RATE

routes = web.RouteTableDef()
REPLAY_HEADER = "Idempotent-Replayed"


@routes.post("/v1/recognize")
async def recognize(request: web.Request) -> web.Response:
    """Recognize one clip; a clip id already answered is replayed, never processed twice."""
    started = request.get(STARTED, time.perf_counter())  # overhead counts from the first middleware
    app, device = request.app, request["device"]
    config = app[CONFIG]
    if not app[STATE].ready:
        raise busy(503, "not_ready", "; ".join(app[STATE].missing()), config.limits.retry_after_s)
    clip = await read_recognize_request(request, config.limits.max_body_bytes)
    if clip.device_id is not None and clip.device_id != device:
        raise ApiError(403, "device_mismatch", f"this token belongs to device {device!r}, not {clip.device_id!r}")
    if clip.clip_id is None:
        return web.json_response(await _answer(app, device, clip, started))
    claim = await app[CLIPS].claim(device, clip.clip_id, clip.audio)
    if claim.answer is not None:
        app[METRICS].replays.inc()
        return web.json_response(claim.answer, headers={REPLAY_HEADER: "true"})
    try:
        answer = await _answer(app, device, clip, started)
    except ApiError as exc:
        app[CLIPS].release(device, clip.clip_id, exc)
        raise
    except BaseException:
        app[CLIPS].release(device, clip.clip_id, ApiError(500, "internal_error", "the first attempt failed"))
        raise
    app[CLIPS].finish(device, clip.clip_id, answer)
    return web.json_response(answer)


async def _answer(app: web.Application, device: str, clip: RecognizeRequest, started: float) -> dict:
    config, metrics = app[CONFIG], app[METRICS]
    # A clip at 16 kHz (the wire contract's rate) decodes in about 0.1 ms per second of audio, less
    # than a hand-off to a thread and back; other rates are resampled (~1.2 ms per second at 48 kHz
    # stereo), which would hold up the loop.
    decode = partial(decode_clip, clip.audio, config.limits.max_clip_s)
    if clip_sample_rate(clip.audio, config.limits.max_clip_s) == TARGET_RATE:
        audio = decode()
    else:
        audio = await asyncio.to_thread(decode)
    decoded = time.perf_counter()
    hint = DeviceHint(clip.hypothesis, clip.confidence if clip.confidence is not None else 0.5) \
        if clip.hypothesis else None
    async with app[ADMISSION].slot(device, audio.duration_s) as queue_s:
        metrics.in_flight.inc()
        try:
            sent = time.perf_counter()
            recognition = await app[POOL].recognize(audio.samples, hint)
            worker_s = time.perf_counter() - sent
        finally:
            metrics.in_flight.dec()
    transcript = recognition.transcript
    queries = [q for q in (transcript.text, *recognition.alternatives) if q]
    search_started = time.perf_counter()
    # On the loop, not in a thread: the search is ~2 ms of Python that holds the GIL, so a thread
    # would not free the loop, and the hand-off there and back added ~0.7 ms (p50) on 2 busy cores.
    results = app[SEARCHER].search(queries, config.search.limit) if queries else []
    search_s = time.perf_counter() - search_started
    model_s = transcript.timings.model_ms / 1000
    total_s = time.perf_counter() - started
    overhead_s = max(0.0, total_s - queue_s - model_s)
    metrics.queue_wait.observe(queue_s)
    metrics.model_time.labels(transcript.model).observe(model_s)
    metrics.search_time.observe(search_s)
    metrics.overhead.observe(overhead_s)
    metrics.audio_seconds.inc(audio.duration_s)
    app[ADMISSION].observe(audio.duration_s, model_s)
    if "device" in transcript.model.split("+"):
        metrics.device_hypothesis_used.inc()
    body = transcript.to_dict()
    body.pop("segments", None)
    body["timings"] = {"audio_s": round(audio.duration_s, 3), "decode_ms": _ms(decoded - started),
                       "queue_ms": _ms(queue_s), "model_ms": _ms(model_s), "ipc_ms": _ms(worker_s - model_s),
                       "search_ms": _ms(search_s), "overhead_ms": _ms(overhead_s), "total_ms": _ms(total_s),
                       "rtf": round(model_s / audio.duration_s, 4) if audio.duration_s else 0.0}
    return {"clip_id": clip.clip_id, "device_id": device, **body,
            "alternatives": list(recognition.alternatives), "results": [r.to_dict() for r in results]}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
