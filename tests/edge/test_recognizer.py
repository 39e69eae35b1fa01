import json
import shutil
import threading

import numpy as np
import pytest

from edge.errors import AudioFormatError, BundleError
from edge.recognizer import Recognizer


@pytest.fixture(scope="module")
def recognizer(tiny_bundle):
    return Recognizer.load(tiny_bundle, beam=4)


def test_transcribe_returns_a_complete_result(recognizer, speech_samples):
    result = recognizer.transcribe(speech_samples)
    assert 0.0 <= result.confidence <= 1.0
    assert result.timings.duration_s == pytest.approx(len(speech_samples) / 16000)
    assert result.timings.model_ms > 0 and result.timings.feature_ms > 0 and result.timings.rtf > 0
    assert [s.start_s for s in result.segments] == [0.0]
    for word in result.words:
        assert 0.0 <= word.start_s <= word.end_s <= result.timings.duration_s + 0.05
        assert 0.0 <= word.confidence <= 1.0
    assert result.text == " ".join(w.word for w in result.words)


def test_a_wide_beam_hands_on_only_the_likeliest_alternatives(tiny_bundle, speech_samples):
    from edge.recognizer import MAX_ALTERNATIVES

    wide = Recognizer.load(tiny_bundle, beam=64)
    nbest = wide.decoder.decode(wide.window_log_probs(speech_samples)).nbest
    result = wide.transcribe(speech_samples)
    assert len(nbest) > MAX_ALTERNATIVES  # a random network leaves the beam full of rivals
    assert result.alternatives == tuple(text for text, _ in nbest[:MAX_ALTERNATIVES])


def test_long_audio_is_cut_at_vad_segments_not_sent_whole(recognizer, speech_samples):
    gap = np.zeros(16000 * 2, np.float32)
    long_clip = np.concatenate([speech_samples, gap] * 9)  # ~43 s, longer than max_window_s
    result = recognizer.transcribe(long_clip)
    assert len(result.segments) >= 2
    assert all(s.end_s - s.start_s <= recognizer.options.max_window_s + 1e-6 for s in result.segments)
    assert result.timings.vad_ms > 0


def test_wrong_audio_format_is_refused(recognizer):
    with pytest.raises(AudioFormatError, match="16000 Hz"):
        recognizer.transcribe(np.zeros(8000, np.float32), sample_rate=8000)
    with pytest.raises(AudioFormatError, match="mono"):
        recognizer.transcribe(np.zeros((100, 2), np.float32))


def test_very_short_audio_still_transcribes(recognizer):
    assert 0.0 <= recognizer.transcribe(np.zeros(100, np.float32)).confidence <= 1.0


def test_network_input_pads_only_windows_too_short_for_the_network(recognizer):
    n_mels = recognizer.bundle.frontend.n_mels
    short = np.ones((5, n_mels), np.float32)
    padded = recognizer.network_input(short)
    assert len(padded) > 5 and np.array_equal(padded[:5], short)
    assert np.all(padded[5:] == np.float32(np.log(recognizer.bundle.frontend.log_floor)))
    assert np.array_equal(recognizer.run_model(short), recognizer.run_model(padded))
    long = np.ones((200, n_mels), np.float32)
    assert recognizer.network_input(long) is long


def test_streaming_session_gives_partials_and_the_same_final_result(recognizer, speech_samples):
    session = recognizer.session()
    partials = [p for i in range(0, len(speech_samples), 1600) for p in session.accept(speech_samples[i:i + 1600])]
    assert partials and partials[-1].end_s <= len(speech_samples) / 16000
    assert session.finish().text == recognizer.transcribe(speech_samples).text


def test_a_bundle_trained_with_another_front_end_is_refused(tiny_bundle, tmp_path):
    copy = tmp_path / "other"
    shutil.copytree(tiny_bundle, copy)
    meta = json.loads((copy / "bundle.json").read_text())
    meta["frontend"]["n_mels"] = 64
    (copy / "bundle.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="n_mels=64"):
        Recognizer.load(copy)


def test_the_bundles_decoder_section_sets_the_beam_and_a_callers_beam_wins(tiny_bundle, tmp_path):
    from edge.decoding.options import DEFAULT_BEAM

    copy = tmp_path / "narrow"
    shutil.copytree(tiny_bundle, copy)
    meta = json.loads((copy / "bundle.json").read_text())
    meta["decoder"] = {"lm_weight": 0.5, "word_bonus": 1.0, "beam": 3}
    (copy / "bundle.json").write_text(json.dumps(meta))
    assert Recognizer.load(copy).decoder.options.beam == 3
    assert Recognizer.load(copy, beam=5).decoder.options.beam == 5
    assert Recognizer.load(tiny_bundle).decoder.options.beam == DEFAULT_BEAM  # it names none


def test_edge_silence_out_of_range_is_refused():
    from edge.recognizer import RecognizerOptions

    with pytest.raises(ValueError, match="edge_silence_s"):
        RecognizerOptions(edge_silence_s=-0.1)


def test_word_times_stay_inside_the_clip_with_edge_silence(tiny_bundle, speech_samples):
    recognizer = Recognizer.load(tiny_bundle, beam=4, edge_silence_s=1.0)
    result = recognizer.transcribe(speech_samples)
    for word in result.words:
        assert 0.0 <= word.start_s <= word.end_s <= len(speech_samples) / 16000


def test_edge_silence_tops_up_what_the_window_already_has():
    from edge.recognizer import _with_edge_silence

    silence, speech = np.log(1e-6), -1.0
    feats = np.concatenate([np.full((30, 80), silence), np.random.default_rng(0).normal(speech, 0.5, (50, 80))])
    padded, before = _with_edge_silence(feats.astype(np.float32), 25)
    assert before == 0 and len(padded) == 80 + 25  # 30 frames of silence before already; none after
    assert np.allclose(padded[-25:], padded[-1]) and padded[-1].max() < speech - 3  # background, not speech
    tight = feats[30:].astype(np.float32)
    padded, before = _with_edge_silence(tight, 25)
    assert before == 25 and len(padded) == 50 + 50
    assert _with_edge_silence(tight, 0) == (tight, 0)


def test_window_log_probs_are_what_transcribe_decodes(tiny_bundle, speech_samples):
    recognizer = Recognizer.load(tiny_bundle, beam=4, edge_silence_s=0.5)
    log_probs = recognizer.window_log_probs(speech_samples)
    assert recognizer.decoder.decode(log_probs).text == recognizer.transcribe(speech_samples).text
    longer = Recognizer.load(tiny_bundle, beam=4, edge_silence_s=1.0)
    assert len(longer.window_log_probs(speech_samples)) > len(log_probs)  # more silence topped up


def test_vocabulary_is_the_decoders_and_takes_in_hotwords(tiny_bundle):
    assert Recognizer.load(tiny_bundle).vocabulary == frozenset()  # no LM, no lexicon: spells freely
    from edge.bundle import default_bundle_path

    if not (default_bundle_path() / "bundle.json").is_file():
        pytest.skip("needs the shipped model")
    shipped = Recognizer.load()
    assert {"weather", "paris", "timer"} <= shipped.vocabulary and "zyxwv" not in shipped.vocabulary
    assert "zyxwv" in Recognizer.load(hotwords=[("zyxwv", 2.0)]).vocabulary


@pytest.mark.slow
def test_edge_silence_lets_the_shipped_model_hear_words_cut_tight():
    """FSDD digits are cut tight around the word; without added silence the shipped model loses
    their first and last sounds (the reason RecognizerOptions.edge_silence_s exists)."""
    from edge.audio import read_audio
    from edge.bundle import default_bundle_path
    from edge.text import normalize_text
    from tests.conftest import SHARED

    manifest = SHARED / "eval" / "digits" / "manifest.jsonl"
    if not manifest.is_file() or not (default_bundle_path() / "bundle.json").is_file():
        pytest.skip("needs ../shared/eval/digits and the shipped model")
    rows = [json.loads(line) for line in manifest.read_text().splitlines()][::10]
    clips = [(read_audio(manifest.parent / r["audio"]).samples, normalize_text(r["text"])) for r in rows]

    def wrong(recognizer):
        return sum(normalize_text(recognizer.transcribe(samples).text) != text for samples, text in clips)

    assert wrong(Recognizer.load()) < wrong(Recognizer.load(edge_silence_s=0.0))


def test_speaker_warps_keep_the_best_scoring_decoding(tiny_bundle, speech_samples):
    from edge.frontend.warp import FeatureWarp

    warps = (0.92, 1.0, 1.08)
    recognizer = Recognizer.load(tiny_bundle, beam=4, vtln_warps=warps)
    plain = Recognizer.load(tiny_bundle, beam=4)
    window, _, band = plain._window_features(speech_samples, _NoClock())  # warped by hand below
    decodings = [plain.decoder.decode(plain.run_model(FeatureWarp(a, plain.bundle.frontend)(window)), high_band=band)
                 for a in warps]
    best = max(decodings, key=lambda d: d.score)
    assert len({d.score for d in decodings}) == len(warps)  # the warps change what the network hears
    result = recognizer.transcribe(speech_samples)
    assert result.text == best.text
    assert result.confidence == pytest.approx(best.confidence)
    assert plain.transcribe(speech_samples).text == decodings[1].text  # no warps: the features as they are


def test_tempos_are_decoded_unwarped_and_their_word_times_land_on_the_clips_timeline(tiny_bundle, speech_samples):
    from edge.frontend.tempo import FeatureTempo

    plain = Recognizer.load(tiny_bundle, beam=4)
    window, before, band = plain._window_features(speech_samples, _NoClock())
    tempos = [FeatureTempo(rate) for rate in (1.0, 0.85, 1.15)]
    decodings = [plain.decoder.decode(plain.run_model(t(window)), high_band=band) for t in tempos]
    best = max(range(3), key=lambda i: decodings[i].score)
    result = Recognizer.load(tiny_bundle, beam=4, tempos=(0.85, 1.15)).transcribe(speech_samples)
    assert result.text == decodings[best].text
    offset = -before * plain.bundle.frontend.hop_ms / 1000.0
    scale = tempos[best].time_scale(len(window))
    duration = len(speech_samples) / 16000
    for word, raw in zip(result.words, decodings[best].words, strict=True):
        assert word.start_s == pytest.approx(min(max(offset + raw.start_s * scale, 0.0), duration))
        assert word.end_s == pytest.approx(min(max(offset + raw.end_s * scale, 0.0), duration))


def test_the_bundles_speaker_variants_are_used_and_a_callers_win(tiny_bundle, tmp_path):
    from edge.frontend.variants import SpeakerVariants

    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    meta = json.loads((copy / "bundle.json").read_text())
    meta["speaker_variants"] = {"vtln_warps": [0.92, 1.0, 1.08], "tempos": [0.85, 1.0], "confident_raw": 0.2}
    (copy / "bundle.json").write_text(json.dumps(meta))
    assert Recognizer.load(copy).options.speaker_variants == SpeakerVariants((0.92, 1.0, 1.08), (0.85, 1.0), 0.2)
    mine = Recognizer.load(copy, vtln_warps=(1.0,), tempos=(1.0,)).options.speaker_variants
    assert mine.pairs == ((1.0, 1.0),) and mine.confident_raw == 0.2  # the shortcuts replace only what they name
    assert Recognizer.load(tiny_bundle).options.speaker_variants == SpeakerVariants()
    for bad, problem in (({"tempos": [3]}, "tempos must be between"), ({"vtln_warps": [0.3]}, "warps must be between"),
                         ({"warps": [1.0]}, "unknown setting"), ([1.0], "an object with")):
        meta["speaker_variants"] = bad
        (copy / "bundle.json").write_text(json.dumps(meta))
        with pytest.raises(BundleError, match=rf"bundle\.json: speaker_variants: .*{problem}"):
            Recognizer.load(copy)


def test_a_confident_plain_decoding_is_not_decoded_again(tiny_bundle, speech_samples):
    """confident_raw: the plain window is decoded first; at or above that raw confidence, no variant is."""
    from edge.frontend.variants import SpeakerVariants

    def runs(recognizer) -> tuple[str, int]:
        calls = []
        network = recognizer.run_model
        recognizer.run_model = lambda feats: calls.append(len(feats)) or network(feats)
        return recognizer.transcribe(speech_samples).text, len(calls)

    warps = (0.92, 1.0, 1.08)
    plain = Recognizer.load(tiny_bundle, beam=4).transcribe(speech_samples)
    always = runs(Recognizer.load(tiny_bundle, beam=4, speaker_variants=SpeakerVariants(warps)))
    sure = runs(Recognizer.load(tiny_bundle, beam=4,
                                speaker_variants=SpeakerVariants(warps, confident_raw=max(plain.raw_confidence, 1e-6))))
    assert always[1] == 3 and sure == (plain.text, 1)
    if plain.raw_confidence < 1.0:  # below the bar: every variant, as without one
        assert runs(Recognizer.load(tiny_bundle, beam=4, speaker_variants=SpeakerVariants(warps, confident_raw=1.0))) == always


class _NoClock:
    def __call__(self, stage):
        from contextlib import nullcontext

        return nullcontext()


def test_variants_searched_on_threads_give_what_one_thread_gives(tiny_bundle, speech_samples, monkeypatch):
    """threads=2 searches the variants after the plain window side by side; with the network's outputs
    held equal (one network thread for both), every transcript, confidence and word time is the same."""
    from dataclasses import replace

    from edge.frontend.variants import SpeakerVariants
    from edge.runners import open_runner

    variants = SpeakerVariants((0.92, 1.0, 1.08), (0.85, 1.0, 1.15), confident_raw=None)
    one = Recognizer.load(tiny_bundle, beam=16, speaker_variants=variants)
    runner = open_runner(one.bundle.network_path(one.variant), one.options.runtime, 1)
    two = Recognizer(one.bundle, runner, replace(one.options, threads=2), one.variant)
    searched_on = set()
    search = two.decoder.search
    monkeypatch.setattr(two.decoder, "search", lambda lp: searched_on.add(threading.current_thread().name) or search(lp))
    rng = np.random.default_rng(3)
    for samples in (speech_samples, speech_samples[: len(speech_samples) // 2],
                    speech_samples + rng.normal(0.0, 0.02, len(speech_samples)).astype(np.float32)):
        expected, got = one.transcribe(samples), two.transcribe(samples)
        assert (got.text, got.confidence, got.words) == (expected.text, expected.confidence, expected.words)
    assert any(name.startswith("earshot-search") for name in searched_on)  # the plain window's: the caller's thread


def test_a_search_scores_as_its_finished_decoding(tiny_bundle, speech_samples):
    for beam in (1, 8):
        recognizer = Recognizer.load(tiny_bundle, beam=beam)
        log_probs = recognizer.window_log_probs(speech_samples)
        searched = recognizer.decoder.search(log_probs)
        decoded = recognizer.decoder.decode(log_probs)
        assert searched.score == decoded.score
        assert recognizer.decoder.finish(searched) == decoded
