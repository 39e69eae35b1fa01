"""Parse a POST /v1/recognize request (WAV body plus headers, or multipart) into a RecognizeRequest."""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass
from urllib.parse import unquote

import soundfile as sf
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from cloud.api_errors import ApiError
from edge.audio import AudioChunk, decode_audio
from edge.errors import AudioInputError
from edge.text import normalize_text

AUDIO_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/flac",
                         "audio/x-flac", "audio/ogg"})
MULTIPART = "multipart/form-data"
MAX_HYPOTHESIS_CHARS = 2000
MAX_METADATA_BYTES = 16 * 1024
MIN_CLIP_S = 0.02  # two 10 ms frames: anything shorter cannot hold a word (and may resample to nothing)
CLIP_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
_CLIP_ID = re.compile(CLIP_ID_PATTERN)
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class RecognizeRequest:
    """A clip and what the device says about it."""

    audio: bytes
    clip_id: str | None = None  # idempotency key
    device_id: str | None = None
    hypothesis: str | None = None  # the device's own transcript
    confidence: float | None = None  # the device's confidence in it


async def read_recognize_request(request: web.Request, max_body_bytes: int) -> RecognizeRequest:
    """Read the body within `max_body_bytes`; 4xx ApiError for anything malformed."""
    if request.content_length is not None and request.content_length > max_body_bytes + MAX_METADATA_BYTES:
        raise ApiError(413, "body_too_large", f"the body is {request.content_length} bytes; "
                                              f"the limit is {max_body_bytes}")
    content_type = request.content_type.lower()
    if content_type in AUDIO_TYPES:
        audio, meta = await _read_limited(request.content, max_body_bytes), _header_metadata(request)
    elif content_type == MULTIPART:
        audio, meta = await _read_multipart(request, max_body_bytes)
    else:
        raise ApiError(415, "unsupported_media_type",
                       f"Content-Type {content_type or 'missing'}; send audio/wav (or audio/flac, audio/ogg) "
                       "or multipart/form-data with an 'audio' part")
    if not audio:
        raise ApiError(400, "empty_body", "no audio: the body (or its 'audio' part) is empty")
    return _checked(audio, meta)


def clip_sample_rate(audio: bytes, max_clip_s: float) -> int | None:
    """The sample rate a clip's header states (None without a readable header: decoding says why);
    422 ApiError when the header says the clip is longer than `max_clip_s`."""
    try:
        info = sf.info(io.BytesIO(audio))
    except Exception:  # noqa: BLE001 - libsndfile reports unreadable data in several types
        return None
    if info.samplerate > 0 and info.frames / info.samplerate > max_clip_s:
        raise ApiError(422, "clip_too_long", f"the clip is {info.frames / info.samplerate:.1f} s; "
                                             f"the limit is {max_clip_s:g} s")
    return info.samplerate


def decode_clip(audio: bytes, max_clip_s: float) -> AudioChunk:
    """Decode to float32 mono 16 kHz (converting rate and channels); 422 ApiError when unusable."""
    clip_sample_rate(audio, max_clip_s)
    try:
        chunk = decode_audio(audio, name="clip", max_duration_s=max_clip_s)
    except AudioInputError as exc:
        raise ApiError(422, "bad_audio", str(exc)) from None
    if chunk.duration_s < MIN_CLIP_S:
        raise ApiError(422, "clip_too_short", f"the clip is {chunk.duration_s * 1000:.0f} ms; "
                                              f"the minimum is {MIN_CLIP_S * 1000:.0f} ms")
    return chunk


def _header_metadata(request: web.Request) -> dict:
    """Metadata sent as headers with a raw audio body; an empty header counts as not sent."""
    def header(name: str) -> str | None:
        return request.headers.get(name, "").strip() or None

    return {"clip_id": header("X-Clip-Id") or header("Idempotency-Key"), "device_id": header("X-Device-Id"),
            "hypothesis": unquote(header("X-Device-Hypothesis") or "") or None,
            "confidence": header("X-Device-Confidence")}


async def _read_limited(stream, limit: int) -> bytes:
    """Read a request body (StreamReader) or multipart part (BodyPartReader), refusing over `limit`."""
    read = stream.read_chunk if hasattr(stream, "read_chunk") else stream.read
    data = bytearray()
    while chunk := await read(_READ_CHUNK):
        data.extend(chunk)
        if len(data) > limit:
            raise ApiError(413, "body_too_large", f"the audio is larger than the limit of {limit} bytes")
    return bytes(data)


async def _read_multipart(request: web.Request, max_body_bytes: int) -> tuple[bytes, dict]:
    audio, meta = b"", {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.name == "audio":
                audio = await _read_limited(part, max_body_bytes)
            elif part.name == "metadata":
                raw = await _read_limited(part, MAX_METADATA_BYTES)
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    raise ApiError(400, "invalid_json", "the 'metadata' part is not valid JSON") from None
                if not isinstance(parsed, dict):
                    raise ApiError(400, "invalid_metadata", "the 'metadata' part must be a JSON object")
                meta.update(parsed)
            elif part.name in ("clip_id", "device_id", "hypothesis", "confidence"):
                meta[part.name] = (await _read_limited(part, MAX_METADATA_BYTES)).decode("utf-8", "replace")
            else:
                await _read_limited(part, MAX_METADATA_BYTES)  # drain; unknown parts are ignored
    except ApiError:
        raise
    except (ValueError, AssertionError, RuntimeError, HttpProcessingError) as exc:  # aiohttp's parse errors
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ApiError(400, "bad_multipart", f"malformed multipart body ({reason})") from None
    return audio, meta


def _checked(audio: bytes, meta: dict) -> RecognizeRequest:
    unknown = sorted(set(meta) - {"clip_id", "device_id", "hypothesis", "confidence"})
    if unknown:
        raise ApiError(400, "invalid_metadata", f"unknown metadata field(s) {', '.join(unknown)}")
    clip_id, device_id, hypothesis, confidence = (meta.get(k) for k in ("clip_id", "device_id", "hypothesis",
                                                                         "confidence"))
    if clip_id is not None and (not isinstance(clip_id, str) or not _CLIP_ID.match(clip_id)):
        raise ApiError(400, "invalid_clip_id", "clip_id must be 1-128 letters, digits, '.', '_', ':' or '-'")
    if device_id is not None and (not isinstance(device_id, str) or not device_id):
        raise ApiError(400, "invalid_metadata", "device_id must be a non-empty string")
    if hypothesis is not None:
        if not isinstance(hypothesis, str) or len(hypothesis) > MAX_HYPOTHESIS_CHARS:
            raise ApiError(400, "invalid_metadata", f"hypothesis must be a string of at most "
                                                    f"{MAX_HYPOTHESIS_CHARS} characters")
        hypothesis = normalize_text(hypothesis) or None
    if confidence is not None:
        try:
            confidence = float(confidence)
        except (TypeError, ValueError):
            confidence = math.nan
        if isinstance(meta.get("confidence"), bool) or not 0.0 <= confidence <= 1.0:
            raise ApiError(400, "invalid_metadata", "confidence must be a number in [0, 1]")
    return RecognizeRequest(audio, clip_id, device_id, hypothesis, confidence)
