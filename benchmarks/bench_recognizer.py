"""End to end on the device: VAD + features + model + decoding, and the CLI's cold start."""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from edge.bundle import default_bundle_path

SHIPPED = default_bundle_path()
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "weather_in_paris.wav"  # the README's, in domain
needs_default_model = pytest.mark.skipif(not (SHIPPED / "bundle.json").exists(),
                                         reason="the default model is not in edge/models/default yet")


@pytest.fixture(scope="module")
def shipped_recognizers():
    from edge.recognizer import Recognizer

    return {beam: Recognizer.load(SHIPPED, threads=1, beam=beam) for beam in (1, 8, 128, 512)}


@needs_default_model
@pytest.mark.parametrize("beam", [1, 8, 128, 512])
@pytest.mark.benchmark(group="end-to-end-10s")
def test_transcribe_10s(benchmark, shipped_recognizers, ten_seconds_of_speech, beam):
    result = benchmark(shipped_recognizers[beam].transcribe, ten_seconds_of_speech)
    assert result.timings.duration_s == pytest.approx(10.0)
    benchmark.extra_info.update(rtf=result.timings.rtf, model_ms=result.timings.model_ms,
                                decode_ms=result.timings.decode_ms, feature_ms=result.timings.feature_ms)


@pytest.fixture(scope="module")
def recognizers_by_variants():
    """The shipped bundle with its own speaker variants, on one thread and on two (the network's and
    the variants' searches); with all five decoded for every window (no confidence gate); with its
    three warps only, every window; and decoding each window once."""
    from dataclasses import replace

    from edge.recognizer import Recognizer

    shipped = Recognizer.load(SHIPPED, threads=1)
    every = replace(shipped.options.speaker_variants, confident_raw=None)
    return {"bundle": shipped, "bundle_2_threads": Recognizer.load(SHIPPED, threads=2),
            "all_five": Recognizer.load(SHIPPED, threads=1, speaker_variants=every),
            "warps_only": Recognizer.load(SHIPPED, threads=1, speaker_variants=replace(every, tempos=(1.0,))),
            "none": Recognizer.load(SHIPPED, threads=1, vtln_warps=(1.0,), tempos=(1.0,))}


@needs_default_model
@pytest.mark.parametrize("variants", ["none", "warps_only", "all_five", "bundle", "bundle_2_threads"])
@pytest.mark.parametrize("clip", ["weather_in_paris", "command_2.8s", "speech_10s"])
@pytest.mark.benchmark(group="speaker-variants")
def test_transcribe_by_speaker_variants(benchmark, recognizers_by_variants, speech_samples, ten_seconds_of_speech,
                                        variants, clip):
    """What the bundle's speaker variants (RecognizerOptions.speaker_variants) cost against one
    decoding per window. The bundle's gate skips the variants where the plain decoding is sure (the
    in-domain example; not the two real-speech clips outside the domain), so its time depends on the clip."""
    from edge.audio import read_audio

    recognizer = recognizers_by_variants[variants]
    samples = {"weather_in_paris": lambda: read_audio(EXAMPLE).samples, "command_2.8s": lambda: speech_samples,
               "speech_10s": lambda: ten_seconds_of_speech}[clip]()
    result = benchmark(recognizer.transcribe, samples)
    benchmark.extra_info.update(variants=recognizer.options.speaker_variants.to_dict(), rtf=result.timings.rtf,
                                model_ms=result.timings.model_ms, decode_ms=result.timings.decode_ms)


@pytest.fixture(scope="module")
def shipped_log_probs(shipped_recognizers, ten_seconds_of_speech):
    """The shipped network's input features and log-probabilities for 10 s of speech."""
    recognizer = shipped_recognizers[8]
    feats = recognizer.features(ten_seconds_of_speech)
    return feats, recognizer.run_model(feats)


@needs_default_model
@pytest.mark.benchmark(group="model-vs-decode-10s")
def test_model_on_10s(benchmark, shipped_recognizers, shipped_log_probs):
    """The shipped network's own time, to set the decoding times below against."""
    feats, log_probs = shipped_log_probs
    assert benchmark(shipped_recognizers[8].run_model, feats).shape == log_probs.shape


@needs_default_model
@pytest.mark.parametrize("beam", [8, 32, 64, 128, 256, 512, 1024])
@pytest.mark.benchmark(group="model-vs-decode-10s")
def test_lm_decoding_of_10s_by_beam(benchmark, shipped_recognizers, shipped_log_probs, beam):
    """Decoding the shipped network's real posteriors with its LM and decoder settings, by beam width."""
    from edge.decoding.decoder import CtcDecoder

    recognizer = shipped_recognizers[8]
    decoder = CtcDecoder.from_bundle(recognizer.bundle, replace(recognizer.options.decoder, beam=beam))
    assert decoder.lm is not None
    assert benchmark(decoder.decode, shipped_log_probs[1]).text


@needs_default_model
@pytest.mark.benchmark(group="cold-start")
def test_cli_cold_start_on_a_3s_clip(benchmark, speech_clip):
    """A fresh `earshot transcribe` process on a 2.8 s clip, imports and model load included."""
    command = [sys.executable, "-m", "edge.cli", "transcribe", str(speech_clip)]
    subprocess.run(command, check=True, capture_output=True)  # fills numba's cache once

    def run():
        return subprocess.run(command, check=True, capture_output=True, text=True)

    assert benchmark.pedantic(run, rounds=3, iterations=1).stdout.strip()


@needs_default_model
@pytest.mark.benchmark(group="cold-start")
def test_cli_first_start_on_a_3s_clip(benchmark, speech_clip, tmp_path):
    """A first `earshot transcribe` on a machine: numba compiles every kernel and the LM is parsed
    (empty numba and LM caches; one round, as a second would find them filled)."""
    command = [sys.executable, "-m", "edge.cli", "transcribe", str(speech_clip)]
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), EARSHOT_CACHE_DIR=str(tmp_path / "lm"))

    def run():
        return subprocess.run(command, check=True, capture_output=True, text=True, env=environment)

    assert benchmark.pedantic(run, rounds=1, iterations=1).stdout.strip()


# A fresh `earshot transcribe` that reports its own peak resident memory when it is done.
_PEAK_RSS_PROBE = """
import resource, sys
from edge.cli import main
code = main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)
sys.exit(code)
"""


@needs_default_model
@pytest.mark.benchmark(group="cold-start")
def test_cli_peak_memory_on_a_3s_clip(benchmark, speech_clip):
    """The peak resident memory (MB) of a fresh `earshot transcribe` process, in extra_info; the
    time is the same cold start as above."""
    command = [sys.executable, "-c", _PEAK_RSS_PROBE, "transcribe", str(speech_clip)]
    subprocess.run(command, check=True, capture_output=True)  # the LM cache and numba's are filled once
    peaks = []

    def run():
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        peaks.append(int(done.stderr.strip().splitlines()[-1]))
        return done

    assert benchmark.pedantic(run, rounds=3, iterations=1).stdout.strip()
    benchmark.extra_info["peak_rss_mb"] = max(peaks)
