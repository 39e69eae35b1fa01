"""A file-backed ALSA microphone for tests: the real sounddevice/PortAudio/ALSA stack, no hardware.

ALSA's `file` plugin with an `infile` replaces what its slave captures with bytes read from a
file; its slave is the `null` plugin, which needs no sound card. A `plug` on top pins the format,
rate and channel count the raw bytes are in, so PortAudio sees a capture device whose default
rate is the file's. ALSA reads `$XDG_CONFIG_HOME/alsa/asoundrc` (alsa-lib >= 1.2.3), and
PortAudio reads the ALSA configuration once, in Pa_Initialize (when sounddevice is imported),
so code that uses the device runs in a child process started with that environment.

Limits found by trying (alsa-lib 1.2.8, PortAudio 19.6):
- only a stream in the file's own format gives the file's bytes: int16, its channel count and its
  rate. If the plug has to convert anything (float samples, fewer channels, another rate), the
  data goes wrong after a few periods. MicrophoneStream asks for int16 at the device's default
  rate, so a mono file gives a passthrough stream; a stereo file needs `channels=2`.
- the null plugin has no clock: the device delivers audio as fast as it is read, and once the
  file is used up it repeats stale buffer contents, so tests read less than the file holds.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEVICE_NAME = "earshot_test_mic"
REPO_ROOT = Path(__file__).resolve().parents[2]

ASOUNDRC = """\
# A capture device that reads {raw}: {rate} Hz, {channels} channel(s), S16_LE, no hardware.
pcm.{name} {{
    type plug
    slave {{
        pcm {{
            type file
            slave.pcm "null"
            file "/dev/null"
            infile "{raw}"
            format "raw"
        }}
        format S16_LE
        rate {rate}
        channels {channels}
    }}
    hint {{
        show on
        description "earshot test microphone reading {raw}"
    }}
}}
"""


def why_no_file_mic() -> str | None:
    """Why a file-backed ALSA microphone cannot work here, or None if it can."""
    if not sys.platform.startswith("linux"):
        return "the file-backed microphone needs ALSA, which only Linux has"
    if importlib.util.find_spec("sounddevice") is None:
        return "sounddevice is not installed (pip install 'earshot[mic]')"
    if ctypes.util.find_library("portaudio") is None:
        return "the PortAudio library is not installed (apt install libportaudio2)"
    if ctypes.util.find_library("asound") is None:
        return "the ALSA library is not installed (apt install libasound2)"
    alsa_conf = Path(os.environ.get("ALSA_CONFIG_DIR", "/usr/share/alsa")) / "alsa.conf"
    if not alsa_conf.is_file():
        return f"ALSA's configuration {alsa_conf} is missing (apt install libasound2-data)"
    if "XDG_CONFIG_HOME" not in alsa_conf.read_text(errors="replace"):
        return f"this alsa-lib ({alsa_conf}) does not read $XDG_CONFIG_HOME/alsa/asoundrc (needs >= 1.2.3)"
    return None


@dataclass(frozen=True)
class FileMic:
    """A written ALSA configuration that makes DEVICE_NAME capture from a raw file."""

    config_home: Path
    raw_path: Path
    sample_rate: int
    channels: int
    name: str = DEVICE_NAME

    @property
    def env(self) -> dict[str, str]:
        """The environment a child process needs to see the device."""
        return {**os.environ, "XDG_CONFIG_HOME": str(self.config_home)}

    def run_python(self, code: str, *args: str, timeout_s: float = 60) -> subprocess.CompletedProcess:
        """Run `python -c code args...` in the repo root with the device visible; fail on a non-zero exit."""
        result = self.run([sys.executable, "-c", code, *args], timeout_s=timeout_s)
        if result.returncode != 0:
            raise AssertionError(f"child failed with {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def run(self, argv: list[str], timeout_s: float = 60) -> subprocess.CompletedProcess:
        """Run a command in the repo root with the device visible; return whatever it did."""
        return subprocess.run(argv, cwd=REPO_ROOT, env=self.env, capture_output=True, text=True,
                              timeout=timeout_s)


def make_file_mic(directory: Path, samples: np.ndarray, sample_rate: int) -> FileMic:
    """Write `samples` ((frames,) or (frames, channels) float in [-1, 1]) as the microphone's audio."""
    samples = np.asarray(samples, dtype=np.float64)
    frames = samples.reshape(len(samples), -1)
    pcm = np.clip(np.rint(frames * 32767), -32768, 32767).astype("<i2")
    directory.mkdir(parents=True, exist_ok=True)
    raw_path = directory / "mic.raw"
    raw_path.write_bytes(pcm.tobytes())
    (directory / "alsa").mkdir(exist_ok=True)
    (directory / "alsa" / "asoundrc").write_text(ASOUNDRC.format(
        name=DEVICE_NAME, raw=raw_path, rate=sample_rate, channels=frames.shape[1]))
    return FileMic(directory, raw_path, sample_rate, frames.shape[1])


def main(argv: list[str]) -> int:
    """`python -m tests.edge.file_mic FILE.wav DIR`: set up DIR so ALSA captures FILE; print the export."""
    import soundfile as sf

    if len(argv) != 2:
        print("usage: python -m tests.edge.file_mic FILE.wav DIR", file=sys.stderr)
        return 2
    samples, rate = sf.read(argv[0], dtype="float64", always_2d=True)
    mic = make_file_mic(Path(argv[1]).resolve(), samples, rate)
    print(f"export XDG_CONFIG_HOME={mic.config_home}  # then: earshot listen --device {mic.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
