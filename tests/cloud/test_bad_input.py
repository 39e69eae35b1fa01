"""Bad input gets a JSON error with the right status, never a 500, and the server keeps working."""

from __future__ import annotations

import json

import aiohttp
import numpy as np
import pytest

from tests.cloud.serving import tone, wav_bytes

pytestmark = pytest.mark.asyncio
GOOD_WAV = wav_bytes(tone(0.5))


async def _post(server, data, content_type: str | None = "audio/wav", path="/v1/recognize", **headers):
    all_headers = server.headers(**headers)
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}{path}", data=data, headers=all_headers) as response:
            assert response.content_type == "application/json"
            return response.status, await response.json(), response.headers


def _form(audio: bytes | None, metadata: str | None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if audio is not None:
        form.add_field("audio", audio, content_type="audio/wav", filename="clip.wav")
    if metadata is not None:
        form.add_field("metadata", metadata, content_type="application/json")
    return form


@pytest.mark.parametrize("body, content_type, status, code", [
    (GOOD_WAV, "text/plain", 415, "unsupported_media_type"),
    (GOOD_WAV, "application/json", 415, "unsupported_media_type"),
    (GOOD_WAV, None, 415, "unsupported_media_type"),
    (b"", "audio/wav", 400, "empty_body"),
    (b"this is not audio at all" * 10, "audio/wav", 422, "bad_audio"),
    (GOOD_WAV[:30], "audio/wav", 422, "bad_audio"),  # truncated inside the header
    (wav_bytes(np.zeros(0, dtype=np.float32)), "audio/wav", 422, "bad_audio"),  # a WAV with no samples
    (wav_bytes(tone(20.0)), "audio/wav", 422, "clip_too_long"),  # test limit: 12 s
    (b"\0" * 1_200_000, "audio/wav", 413, "body_too_large"),  # test limit: 1,000,000 bytes
])
async def test_bad_audio_bodies(server, body, content_type, status, code):
    got_status, got, _ = await _post(server, body, content_type)
    assert (got_status, got["error"]["code"]) == (status, code), got
    assert got["error"]["message"]


async def test_truncated_data_chunk_is_refused(server):
    wav = wav_bytes(tone(1.0))
    status, body, _ = await _post(server, wav[: len(wav) // 2])
    assert status in (200, 422)  # libsndfile may read the frames that are there; never a 500
    if status == 422:
        assert body["error"]["code"] == "bad_audio"


@pytest.mark.parametrize("rate, channels, subtype", [(8000, 1, "PCM_16"), (44100, 2, "PCM_16"),
                                                     (22050, 1, "FLOAT"), (48000, 2, "PCM_24")])
async def test_other_rates_and_channel_counts_are_converted(server, rate, channels, subtype):
    status, body, _ = await _post(server, wav_bytes(tone(0.6, rate, channels), rate, subtype))
    assert status == 200, body
    assert body["timings"]["audio_s"] == pytest.approx(0.6, abs=0.01)


@pytest.mark.parametrize("metadata, status, code", [
    ("{not json", 400, "invalid_json"),
    ("[1, 2]", 400, "invalid_metadata"),
    (json.dumps({"clip_id": "has spaces"}), 400, "invalid_clip_id"),
    (json.dumps({"clip_id": "x" * 200}), 400, "invalid_clip_id"),
    (json.dumps({"confidence": 1.5}), 400, "invalid_metadata"),
    (json.dumps({"confidence": "high"}), 400, "invalid_metadata"),
    (json.dumps({"hypothesis": 42}), 400, "invalid_metadata"),
    (json.dumps({"colour": "blue"}), 400, "invalid_metadata"),
    (json.dumps({"device_id": "someone-else"}), 403, "device_mismatch"),
])
async def test_bad_metadata(server, metadata, status, code):
    got_status, got, _ = await _post(server, _form(GOOD_WAV, metadata), content_type=None)
    assert (got_status, got["error"]["code"]) == (status, code), got


async def test_multipart_without_audio_is_refused(server):
    status, body, _ = await _post(server, _form(None, json.dumps({"clip_id": "a"})), content_type=None)
    assert (status, body["error"]["code"]) == (400, "empty_body")


async def test_malformed_multipart_is_refused(server):
    status, body, _ = await _post(server, b"--nope\r\ngarbage", content_type="multipart/form-data; boundary=xyz")
    assert status == 400, body


async def test_bad_raw_body_headers(server):
    status, body, _ = await _post(server, GOOD_WAV, **{"X-Device-Confidence": "nan"})
    assert (status, body["error"]["code"]) == (400, "invalid_metadata")
    status, body, _ = await _post(server, GOOD_WAV, **{"X-Clip-Id": "a/b"})
    assert (status, body["error"]["code"]) == (400, "invalid_clip_id")


@pytest.mark.parametrize("body, content_type, status, code", [
    (b"{\"utterances\": 3", "application/json", 400, "invalid_json"),
    (b"", "application/json", 400, "empty_body"),
    (b"{\"utterances\": NaN}", "application/json", 400, "invalid_json"),
    (b"[" * 50_000 + b"]" * 50_000, "application/json", 413, "body_too_large"),
    (b"[" * 30_000 + b"]" * 30_000, "application/json", 400, "invalid_json"),  # too deep to parse
    (b"\xff\xfe not utf-8", "application/json", 400, "invalid_json"),
    (b"utterances=3", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (json.dumps({"utterances": -1}).encode(), "application/json", 422, "invalid_telemetry"),
    (json.dumps({"utterances": 1, "escalations": 2}).encode(), "application/json", 422, "invalid_telemetry"),
    (json.dumps({"mean_confidence": "x"}).encode(), "application/json", 422, "invalid_telemetry"),
    (json.dumps({"drift": {"score": "high"}}).encode(), "application/json", 422, "invalid_telemetry"),
    (json.dumps({"drift": [1]}).encode(), "application/json", 422, "invalid_telemetry"),
    (json.dumps({"health": {f"m{i}": i for i in range(100)}}).encode(), "application/json", 422,
     "invalid_telemetry"),
    (json.dumps({"surprise": 1}).encode(), "application/json", 422, "invalid_telemetry"),
    (json.dumps([1, 2]).encode(), "application/json", 422, "invalid_telemetry"),
    (json.dumps({"device_id": "someone-else"}).encode(), "application/json", 403, "device_mismatch"),
])
async def test_bad_telemetry(server, body, content_type, status, code):
    got_status, got, _ = await _post(server, body, content_type, path="/v1/telemetry")
    assert (got_status, got["error"]["code"]) == (status, code), got


@pytest.mark.parametrize("query, status", [("", 400), ("?q=", 400), ("?q=paris&limit=0", 400),
                                           ("?q=paris&limit=abc", 400), ("?q=paris&limit=51", 400),
                                           ("?q=paris&limit=%C2%B9", 400),  # "¹": a digit to isdigit(), not to int()
                                           ("?q=" + "a" * 201, 400),
                                           ("?q=a" + "&alt=b" * 6, 400), ("?q=%00%01%02", 200),
                                           ("?q=%22%27*OR(NEAR", 200), ("?q=Z%C3%BCrich", 200)])
async def test_bad_search_queries(server, query, status):
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        async with http.get(f"{server.url}/v1/search{query}") as response:
            assert response.status == status
            assert response.content_type == "application/json"


async def test_unknown_route_and_method_are_json_errors(server):
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        async with http.get(f"{server.url}/v2/nothing") as response:
            assert (response.status, (await response.json())["error"]["code"]) == (404, "not_found")
        async with http.delete(f"{server.url}/v1/recognize") as response:
            assert (response.status, (await response.json())["error"]["code"]) == (405, "method_not_allowed")
            assert "POST" in response.headers["Allow"]


async def test_server_still_answers_after_all_that(server):
    status, body, _ = await _post(server, GOOD_WAV)
    assert status == 200, body


async def test_the_longest_valid_search_fits_in_the_request_line(server):
    clef = "\U0001d11e" * 200  # 200 characters, 2,400 bytes once percent-encoded
    params = [("q", clef)] + [("alt", clef)] * 5
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        async with http.get(f"{server.url}/v1/search", params=params) as response:
            assert response.status == 200 and response.content_type == "application/json"


async def test_a_blank_query_finds_nothing_rather_than_failing(server):
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        async with http.get(f"{server.url}/v1/search", params={"q": " \x1e "}) as response:
            assert response.status == 200 and (await response.json())["results"] == []
