"""Fuzzing with hypothesis: the WAV parser, telemetry and metadata checks, and the live HTTP API.

Every input either parses or is refused with a 4xx ApiError; nothing raises anything else and
the server never answers 5xx. EARSHOT_FUZZ_EXAMPLES raises the example counts for a longer run.
"""

from __future__ import annotations

import asyncio
import io
import os
import struct

import aiohttp
import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloud.api_errors import ApiError
from cloud.recognize_request import _checked, decode_clip
from cloud.telemetry import parse_report
from tests.cloud.serving import tone, wav_bytes

EXAMPLES = int(os.environ.get("EARSHOT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                              HealthCheck.function_scoped_fixture])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children,
                                                                                        max_size=4), max_leaves=12)
TELEMETRY_KEYS = ["utterances", "escalations", "mean_confidence", "psi", "drift", "drifting", "profile", "health",
                  "period_start", "period_end", "device_id"]


def _check_decoded(data: bytes) -> None:
    try:
        chunk = decode_clip(data, max_clip_s=5.0)
    except ApiError as exc:
        assert exc.status == 422 and exc.message
        return
    assert chunk.sample_rate == 16000 and chunk.samples.dtype == np.float32 and chunk.samples.ndim == 1
    assert np.isfinite(chunk.samples).all() and 0.02 <= chunk.duration_s <= 5.01


@FUZZ
@given(st.binary(max_size=2048))
def test_arbitrary_bytes(data):
    _check_decoded(data)


@FUZZ
@given(st.binary(min_size=1, max_size=64), st.integers(0, 300), st.binary(max_size=8))
def test_mutated_wav_files(noise, position, insert):
    wav = bytearray(wav_bytes(tone(0.1)))
    position = min(position, len(wav) - 1)
    wav[position:position + len(noise)] = noise  # overwrite header fields or samples
    _check_decoded(bytes(wav[: len(wav) - len(insert)]) + insert)


@FUZZ
@given(rate=st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000, 96000, 4000]),
       channels=st.integers(1, 6), frames=st.integers(0, 4000),
       subtype=st.sampled_from(["PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "PCM_U8", "ULAW", "ALAW"]),
       cut=st.integers(0, 64))
def test_wav_variants_convert_or_refuse(rate, channels, frames, subtype, cut):
    samples = (np.random.default_rng(frames).uniform(-1, 1, (frames, channels)) * 0.5).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype=subtype)
    data = buffer.getvalue()
    _check_decoded(data[: len(data) - cut] if cut else data)


@FUZZ
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**16 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**16 - 1))
def test_lying_wav_headers(data_size, channels, rate, bits):
    header = b"RIFF" + struct.pack("<I", (36 + data_size) % 2**32) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * max(channels, 1) * max(bits, 8) // 8 % 2**32,
        max(channels, 1) * max(bits, 8) // 8 % 2**16, bits) + b"data" + struct.pack("<I", data_size)
    _check_decoded(header + b"\x01\x02" * 100)


@FUZZ
@given(st.one_of(JSON, st.dictionaries(st.sampled_from(TELEMETRY_KEYS), JSON, max_size=6)))
def test_telemetry_bodies(body):
    try:
        report = parse_report(body, "pi")
    except ApiError as exc:
        assert exc.status in (403, 422)
        return
    assert report.utterances >= report.escalations >= 0


@FUZZ
@given(st.dictionaries(st.sampled_from(["clip_id", "device_id", "hypothesis", "confidence", "other"]), JSON,
                       max_size=5))
def test_recognize_metadata(meta):
    try:
        request = _checked(b"x", meta)
    except ApiError as exc:
        assert exc.status == 400
        return
    assert request.confidence is None or 0 <= request.confidence <= 1


async def _send(server, method: str, path: str, body: bytes, headers: dict) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http:
        async with http.request(method, f"{server.url}{path}", data=body, headers=headers) as response:
            return response.status, response.content_type


HTTP_FUZZ = settings(max_examples=max(20, EXAMPLES // 3), deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@HTTP_FUZZ
@given(path=st.sampled_from(["/v1/recognize", "/v1/telemetry"]),
       content_type=st.sampled_from(["audio/wav", "application/json", "multipart/form-data; boundary=b",
                                     "multipart/form-data", "text/plain", "", "audio/ogg"]),
       body=st.one_of(st.binary(max_size=4096), st.builds(lambda j: repr(j).encode(), JSON),
                      st.just(wav_bytes(tone(0.2))),
                      st.builds(lambda b: b"--b\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\n" + b
                                + b"\r\n--b--\r\n", st.binary(max_size=512))),
       extra=st.dictionaries(st.sampled_from(["X-Clip-Id", "X-Device-Confidence", "X-Device-Hypothesis",
                                              "X-Device-Id"]),
                             st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20), max_size=3))
def test_live_server_never_answers_5xx(server, path, content_type, body, extra):
    headers = server.headers(**extra)
    if content_type:
        headers["Content-Type"] = content_type
    status, kind = asyncio.run(_send(server, "POST", path, body, headers))
    assert status < 500 or status == 503, status  # 503 only as deliberate backpressure
    assert kind == "application/json"


@HTTP_FUZZ
@given(q=st.text(max_size=80), limit=st.one_of(st.none(), st.text(max_size=4)))
def test_live_search_never_answers_5xx(server, q, limit):
    from urllib.parse import urlencode

    params = {"q": q} | ({"limit": limit} if limit is not None else {})
    status, kind = asyncio.run(_send(server, "GET", f"/v1/search?{urlencode(params)}", b"", server.headers()))
    assert status in (200, 400) and kind == "application/json"


@pytest.mark.asyncio
async def test_server_is_healthy_after_fuzzing(server):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/readyz") as response:
            assert response.status == 200
