"""Inside a model worker process: load the models once, then answer clips over a socket.

Messages both ways are a pickle behind its length (`HEADER`). The server sends (16-bit PCM
bytes, DeviceHint or None); the worker answers with the Recognition, or with the exception it
raised. Its first message, once the models are loaded and warmed up, is their names.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import struct

import numpy as np

from cloud.config import ModelConfig
from cloud.engine import Engine

HEADER = struct.Struct("!Q")  # the length of the pickle that follows
WORKER_NICENESS = 5
_WARMUP_SAMPLES = 8000  # half a second of silence makes the worker load and run its models once


def encode(message: object) -> bytes:
    """One message: length and pickle."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def decode(payload: bytes) -> object:
    """The message in a payload that `encode` framed (the bytes after the header)."""
    return pickle.loads(payload)


def serve(sock: socket.socket, config: ModelConfig, vocabulary: tuple[tuple[str, str], ...]) -> None:
    """A worker process's main: answer clips until the server closes its end of the socket."""
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(OSError):
        # Below the event loop's priority: on a saturated machine the loop still answers at
        # once (search, telemetry, health, refusals) and workers take every cycle it leaves.
        os.nice(WORKER_NICENESS)
    engine = Engine.from_config(config, vocabulary)
    engine.recognize(np.zeros(_WARMUP_SAMPLES, dtype=np.float32))
    with sock:
        if not _send(sock, engine.names):
            return
        while (message := _receive(sock)) is not None:
            pcm, hint = message
            try:
                reply = engine.recognize(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0, hint)
            except Exception as exc:  # noqa: BLE001 - the server re-raises it for the request
                reply = exc
            if not _send(sock, reply):
                return


def _send(sock: socket.socket, message: object) -> bool:
    """Send a message; False when the server has closed the socket (it is shutting down or gave up on us)."""
    try:
        data = encode(message)
    except Exception:  # noqa: BLE001 - an exception that does not pickle goes as its text
        data = encode(RuntimeError(f"{type(message).__name__}: {message}"))
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _receive(sock: socket.socket) -> object | None:
    """The next message, or None when the server has closed the socket."""
    header = _read_exactly(sock, HEADER.size)
    if header is None:
        return None
    payload = _read_exactly(sock, HEADER.unpack(header)[0])
    return None if payload is None else decode(payload)


def _read_exactly(sock: socket.socket, size: int) -> bytearray | None:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        try:
            n = sock.recv_into(view[got:])
        except OSError:
            return None
        if n == 0:
            return None
        got += n
    return buffer
