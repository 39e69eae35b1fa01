"""Run a catalogue voice on a text and return float32 mono 16 kHz samples."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from edge.audio import to_mono_16k
from train.augment import speed_perturb
from train.voices import Voice

SAMPLE_RATE = 16000
ESPEAK_WPM = 175     # espeak-ng's default speaking rate
ESPEAK_PITCH = 50    # espeak-ng's default pitch (0-99)
TIMEOUT_S = 60
_DONE = "@@earshot-done@@"


class SynthesisError(RuntimeError):
    """A TTS engine failed or produced no audio."""


class Synthesizer:
    """Runs voices; keeps one festival process per festival voice alive between calls.

    Use as a context manager (or call close()) so festival processes end with it.
    """

    def __init__(self) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="earshot-tts-"))
        self._festival: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for process in self._festival.values():
            _stop(process)
        self._festival.clear()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __call__(self, voice: Voice, text: str, speed: float = 1.0, pitch: float = 1.0) -> np.ndarray:
        """Speak `text` at `speed` (tempo factor) and `pitch` (factor); float32 mono 16 kHz.

        Voices whose engine cannot change pitch get it by resampling afterwards, which also
        scales tempo and formants by the same factor (like vocal-tract-length perturbation).
        """
        out = self._tmp / "out.wav"
        out.unlink(missing_ok=True)
        if voice.engine == "festival":
            self._run_festival(voice, text, speed, out)
        else:
            self._run_command(voice, text, speed, pitch, out)
        try:
            data, rate = sf.read(out, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise SynthesisError(f"{voice.name}: no readable audio for {text!r} ({exc})") from None
        if len(data) == 0:
            raise SynthesisError(f"{voice.name}: empty audio for {text!r}")
        samples = to_mono_16k(data, rate, SAMPLE_RATE)
        if pitch != 1.0 and not _native_pitch(voice):
            samples = speed_perturb(samples, pitch)
        return samples

    def _run_command(self, voice: Voice, text: str, speed: float, pitch: float, out: Path) -> None:
        values = {"text": text, "out": str(out), "stretch": f"{1 / speed:.3f}",
                  "speed_pct": str(round(100 * speed)), "wpm": str(round(ESPEAK_WPM * speed)),
                  "pitch_pct": str(round(100 * pitch)),
                  "pitch50": str(int(np.clip(round(ESPEAK_PITCH + 150 * (pitch - 1)), 0, 99)))}
        argv = [arg.format(**values) for arg in voice.command]
        try:
            result = subprocess.run(argv, input=text if voice.stdin_text else None, capture_output=True,
                                    text=True, timeout=TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SynthesisError(f"{voice.name}: {argv[0]} failed: {exc}") from None
        if result.returncode != 0 or not out.exists():
            raise SynthesisError(f"{voice.name}: {argv[0]} exited {result.returncode}: {result.stderr.strip()[-300:]}")

    def _run_festival(self, voice: Voice, text: str, speed: float, out: Path) -> None:
        process = self._festival.get(voice.name)
        if process is None or process.poll() is not None:
            process = subprocess.Popen(["festival", "--pipe"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, text=True, bufsize=1)
            process.stdin.write(f"{voice.command[0]}\n")
            self._festival[voice.name] = process
        quoted = text.replace("\\", "\\\\").replace('"', '\\"')
        try:
            process.stdin.write(f"(Parameter.set 'Duration_Stretch {1 / speed:.3f})\n"
                                f'(utt.save.wave (utt.synth (Utterance Text "{quoted}")) "{out}" \'riff)\n'
                                f'(format t "{_DONE}\\n")(fflush nil)\n')
            process.stdin.flush()
            for line in process.stdout:
                if _DONE in line:
                    return
        except (BrokenPipeError, OSError):
            pass
        _stop(process)
        self._festival.pop(voice.name, None)
        raise SynthesisError(f"{voice.name}: festival stopped while speaking {text!r}")


def _native_pitch(voice: Voice) -> bool:
    return any("{pitch" in arg for arg in voice.command)


def _stop(process: subprocess.Popen) -> None:
    try:
        process.stdin.close()
        process.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()
