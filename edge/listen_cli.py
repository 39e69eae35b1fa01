"""`earshot listen`: capture from a microphone, find speech with the VAD, hand on each segment.

Each speech segment goes to a callback as soon as the VAD closes it. The default callback prints
the segment's start and end times; a recognizer plugs in by passing its own:

    register(subparsers, on_segment=lambda segment: print(recognizer.transcribe(segment.samples, 16000).text))
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from typing import Callable, Iterable, Iterator

from edge.cli_args import positive_int, positive_seconds
from edge.audio import TARGET_RATE, AudioChunk, check_samples
from edge.capture import MicrophoneStream, list_input_devices
from edge.vad import SpeechSegment, StreamingVad, VadOptions

SegmentHandler = Callable[[SpeechSegment], None]


def print_segment(segment: SpeechSegment) -> None:
    """Print a segment's start and end, in seconds from the start of capture, tab-separated."""
    print(f"{segment.start_s:.2f}\t{segment.end_s:.2f}", flush=True)


def listen(chunks: Iterable[AudioChunk], on_segment: SegmentHandler,
           options: VadOptions = VadOptions()) -> int:
    """Run the VAD over 16 kHz chunks, calling `on_segment` as each segment closes; return how many.

    Ctrl-C ends the stream like its end does: the segment still open is closed and handed on.
    """
    vad, count = StreamingVad(options), 0
    try:
        for chunk in chunks:
            for segment in vad.accept(check_samples(chunk.samples, chunk.sample_rate)):
                on_segment(segment)
                count += 1
    except KeyboardInterrupt:
        pass  # the user stopped listening; flush what was heard below
    for segment in vad.finish():
        on_segment(segment)
        count += 1
    return count


def first_seconds(chunks: Iterable[AudioChunk], seconds: float | None) -> Iterator[AudioChunk]:
    """The chunks up to exactly `seconds` of 16 kHz audio (all of them when seconds is None)."""
    if seconds is None:
        yield from chunks
        return
    remaining = int(round(seconds * TARGET_RATE))
    for chunk in chunks:
        if remaining <= 0:
            return
        if len(chunk.samples) > remaining:
            chunk = AudioChunk(chunk.samples[:remaining], chunk.sample_rate, chunk.start_s)
        remaining -= len(chunk.samples)
        yield chunk


def transcribing_printer(recognizer) -> SegmentHandler:
    """A handler that transcribes each segment and prints start, end, confidence and text."""
    def on_segment(segment: SpeechSegment) -> None:
        result = recognizer.transcribe(segment.samples, TARGET_RATE)
        print(f"{segment.start_s:.2f}\t{segment.end_s:.2f}\t{result.confidence:.2f}\t{result.text}", flush=True)
    return on_segment


def register(subparsers, on_segment: SegmentHandler | None = None) -> argparse.ArgumentParser:
    """Add `earshot listen` to the `earshot` command; `on_segment` gets each speech segment."""
    parser = subparsers.add_parser("listen", help="capture from a microphone and find speech",
                                   description="Capture from a microphone, find speech with the VAD "
                                               "and report each speech segment as it ends.")
    parser.add_argument("--device", type=_device, default=None,
                        help="input device index or (part of its) name; default: the system's default input")
    parser.add_argument("--list-devices", action="store_true", help="list input devices and exit")
    parser.add_argument("--seconds", type=positive_seconds, default=None,
                        help="stop after this many seconds of audio (default: until Ctrl-C)")
    parser.add_argument("--sample-rate", type=positive_int, default=None,
                        help="capture rate in Hz (default: the device's own; converted to 16 kHz)")
    parser.add_argument("--model", metavar="BUNDLE", help="model bundle folder (default: the shipped model)")
    parser.add_argument("--vad-only", action="store_true",
                        help="only report where speech is, without transcribing it")
    parser.add_argument("--aggressiveness", type=int, choices=range(4), default=VadOptions().aggressiveness,
                        help="VAD aggressiveness, 0 (keeps most audio) to 3 (keeps least)")
    parser.set_defaults(handler=partial(run, on_segment=on_segment))
    return parser


def run(args: argparse.Namespace, on_segment: SegmentHandler | None = None) -> int:
    """Carry out `earshot listen` with parsed arguments."""
    if args.list_devices:
        return _print_devices()
    if on_segment is None:
        if args.vad_only:
            on_segment = print_segment
        else:
            from edge.first_run import announce_compiling
            from edge.recognizer import Recognizer

            announce_compiling("listen")
            on_segment = transcribing_printer(Recognizer.load(args.model))
    options = VadOptions(aggressiveness=args.aggressiveness)
    with MicrophoneStream(device=args.device, sample_rate=args.sample_rate) as mic:
        print(f"listening on {mic.device_name} ({mic.sample_rate} Hz, {mic.channels} channel(s)); "
              f"Ctrl-C to stop", file=sys.stderr, flush=True)
        count = listen(first_seconds(mic, args.seconds), on_segment, options)
    print(f"{count} speech segment(s)", file=sys.stderr)
    if mic.dropped_s or mic.overflows:
        print(f"warning: lost audio: {mic.dropped_s:.2f} s dropped because processing fell behind, "
              f"{mic.overflows} device overflow(s)", file=sys.stderr)
    return 0


def _print_devices() -> int:
    devices = list_input_devices()
    if not devices:
        print("no input devices found", file=sys.stderr)
    for device in devices:
        mark = "*" if device.is_default else " "
        print(f"{mark} {device.index:3d}  {device.name}  ({device.host_api}, {device.max_input_channels} in, "
              f"{device.default_sample_rate} Hz)")
    return 0


def _device(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text
