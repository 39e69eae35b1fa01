"""The server end to end: a real `earshot serve` on a loopback port, real HTTP with aiohttp."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
import pytest

from tests.cloud.serving import GO_FORWARD, metric_value, needs_eval_clips, tone, wav_bytes

pytestmark = pytest.mark.asyncio


async def test_health_and_readiness_need_no_token(server):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/healthz") as response:
            assert response.status == 200 and (await response.json())["status"] == "ok"
        async with http.get(f"{server.url}/readyz") as response:
            body = await response.json()
            assert response.status == 200
            assert body["models"] == ["pocketsphinx"] and body["documents"] > 6000


@pytest.mark.parametrize("path", ["/v1/search?q=paris", "/metrics", "/openapi.json", "/v1/telemetry"])
async def test_every_other_endpoint_needs_a_token(server, path):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}{path}") as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert (await response.json())["error"]["code"] == "unauthorized"
        async with http.get(f"{server.url}{path}", headers=server.headers("es_not-a-real-token")) as response:
            assert response.status == 401
            assert (await response.json())["error"]["code"] == "invalid_token"
        async with http.get(f"{server.url}{path}", headers={"Authorization": "Basic dXNlcjpwYXNz"}) as response:
            assert response.status == 401


async def test_recognize_without_token_is_refused(server):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/v1/recognize", data=wav_bytes(tone(0.5)),
                             headers={"Content-Type": "audio/wav"}) as response:
            assert response.status == 401


@needs_eval_clips
async def test_recognize_real_speech_returns_transcript_words_and_results(server):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/v1/recognize", data=GO_FORWARD.read_bytes(),
                             headers=server.headers(**{"Content-Type": "audio/wav"})) as response:
            body = await response.json()
    assert response.status == 200, body
    assert body["text"] == "go forward ten meters"
    assert [w["word"] for w in body["words"]] == body["text"].split()
    assert all(0 <= w["start"] < w["end"] <= body["timings"]["audio_s"] + 0.05 for w in body["words"])
    assert 0 < body["confidence"] <= 1
    assert body["model"] == "pocketsphinx" and body["source"] == "cloud" and body["device_id"] == "test-device"
    assert isinstance(body["results"], list) and isinstance(body["alternatives"], list)
    assert body["timings"]["model_ms"] > 0 and body["timings"]["total_ms"] >= body["timings"]["model_ms"]


async def test_voice_search_finds_a_place_in_the_transcript(server):
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        async with http.get(f"{server.url}/v1/search", params={"q": "what's the weather in reykjavik"}) as response:
            body = await response.json()
        assert response.status == 200
        assert body["results"][0]["title"] == "Reykjavík, Iceland"
        scores = [r["score"] for r in body["results"]]
        assert scores == sorted(scores, reverse=True)
        async with http.get(f"{server.url}/v1/search", params=[("q", "rake yeah vic"), ("limit", "3")]) as response:
            body = await response.json()
        assert body["results"][0]["title"] == "Reykjavík, Iceland" and body["results"][0]["match"] == "phonetic"
        async with http.get(f"{server.url}/v1/search", params={"q": "capital of iceland"}) as response:
            body = await response.json()
        assert "<b>" in body["results"][0]["snippet"]


@needs_eval_clips
async def test_a_retried_clip_gets_the_first_answer_and_is_not_processed_again(server):
    clip_id = f"clip-{uuid.uuid4()}"
    form_metadata = json.dumps({"clip_id": clip_id, "device_id": "test-device",
                                "hypothesis": "go forward ten meters", "confidence": 0.4})
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        before = await (await http.get(f"{server.url}/metrics")).text()

        async def send():
            form = aiohttp.FormData()
            form.add_field("audio", GO_FORWARD.read_bytes(), content_type="audio/wav", filename="clip.wav")
            form.add_field("metadata", form_metadata, content_type="application/json")
            async with http.post(f"{server.url}/v1/recognize", data=form) as response:
                return response.status, response.headers.get("Idempotent-Replayed"), await response.json()

        # Two at once (one waits for the other) and one later: all three get the same answer.
        first, concurrent = await asyncio.gather(send(), send())
        later = await send()
        after = await (await http.get(f"{server.url}/metrics")).text()
    assert first[0] == concurrent[0] == later[0] == 200
    assert first[2] == concurrent[2] == later[2]
    assert later[1] == "true"
    assert first[2]["clip_id"] == clip_id
    processed = metric_value(after, "earshot_model_seconds_count", model=first[2]["model"]) - \
        metric_value(before, "earshot_model_seconds_count", model=first[2]["model"])
    assert processed == 1
    assert metric_value(after, "earshot_idempotent_replays_total") - \
        metric_value(before, "earshot_idempotent_replays_total") >= 1


async def test_a_clip_id_reused_for_other_audio_is_a_conflict(server):
    clip_id = f"clip-{uuid.uuid4()}"
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        for seconds, expected in ((0.5, 200), (0.7, 409)):
            async with http.post(f"{server.url}/v1/recognize", data=wav_bytes(tone(seconds)),
                                 headers={"Content-Type": "audio/wav", "X-Clip-Id": clip_id}) as response:
                assert response.status == expected
                body = await response.json()
        assert body["error"]["code"] == "clip_id_reused"


async def test_clip_ids_are_per_device(server):
    clip_id = f"clip-{uuid.uuid4()}"
    async with aiohttp.ClientSession() as http:
        for token, seconds in ((server.token, 0.5), (server.other_token, 0.7)):
            async with http.post(f"{server.url}/v1/recognize", data=wav_bytes(tone(seconds)),
                                 headers=server.headers(token, **{"Content-Type": "audio/wav",
                                                                  "X-Clip-Id": clip_id})) as response:
                assert response.status == 200


async def test_telemetry_is_stored_and_aggregated(server):
    report = {"period_start": 1000.0, "period_end": 1600.0, "utterances": 40, "escalations": 10,
              "mean_confidence": 0.75, "drift": {"score": 1.4, "rms_db": 2.0}, "health": {"cpu_temp_c": 61.5}}
    async with aiohttp.ClientSession(headers=server.headers(server.other_token)) as http:
        async with http.post(f"{server.url}/v1/telemetry", json=report) as response:
            assert response.status == 202
        async with http.post(f"{server.url}/v1/telemetry", json={**report, "escalations": 0,
                                                                  "drift": {"score": 0.2}}) as response:
            summary = (await response.json())["device"]
        assert summary["reports"] >= 2 and summary["utterances"] >= 80
        assert summary["escalation_rate"] == pytest.approx(10 / 80) if summary["reports"] == 2 else True
        assert summary["drifting"] is False and summary["latest_drift_score"] == 0.2
        async with http.get(f"{server.url}/v1/telemetry") as response:
            body = await response.json()
        assert body["device"]["device_id"] == "other-device" and body["fleet"]["devices"] >= 1
        async with http.get(f"{server.url}/metrics") as response:
            text = await response.text()
        assert metric_value(text, "earshot_telemetry_reports_total") >= 2
        assert metric_value(text, "earshot_devices_reporting") >= 1


async def test_metrics_are_prometheus_text(server):
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        async with http.get(f"{server.url}/metrics") as response:
            text = await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "# TYPE earshot_requests_total counter" in text
    assert "process_resident_memory_bytes" in text


async def test_openapi_describes_exactly_the_routes_served(server):
    async with aiohttp.ClientSession(headers=server.headers()) as http:
        async with http.get(f"{server.url}/openapi.json") as response:
            spec = await response.json()
    served = {("/v1/recognize", "post"), ("/v1/search", "get"), ("/v1/telemetry", "post"), ("/v1/telemetry", "get"),
              ("/healthz", "get"), ("/readyz", "get"), ("/metrics", "get"), ("/openapi.json", "get")}
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert described == served
    assert spec["components"]["schemas"]["RecognizeMetadata"]["properties"]["clip_id"]
    assert spec["paths"]["/healthz"]["get"]["security"] == []
