"""`earshot quantize` end to end on a tiny random bundle, and its refusals."""

from __future__ import annotations

import json

import pytest

from edge.bundle import load_bundle
from edge.cli import main
from edge.recognizer import Recognizer
from quantize.tflite import converter_python

pytest.importorskip("onnxruntime", reason="quantization needs onnxruntime (quantize extra)")
HAVE_TF = converter_python() is not None


@pytest.fixture(scope="module")
def quantized(tiny_bundle, calibration_manifest, eval_manifest, tmp_path_factory):
    out = tmp_path_factory.mktemp("quantized") / "bundle"
    argv = ["quantize", str(tiny_bundle), "--calibration", str(calibration_manifest), "--out", str(out),
            "--eval", f"real:{eval_manifest}", "--method", "minmax", "--calibration-utterances", "8", "--no-rss"]
    assert main(argv + ([] if HAVE_TF else ["--no-tflite"])) == 0
    return out


@pytest.mark.slow
def test_output_is_a_complete_bundle_with_a_report(quantized):
    bundle = load_bundle(quantized)
    expected = {"onnx", "onnx-int8"} | ({"tflite", "tflite-int8"} if HAVE_TF else set())
    assert {name.removesuffix("-rejected") for name in bundle.networks} == expected
    meta = json.loads((quantized / "bundle.json").read_text())
    assert meta["quantization"]["default"] in expected
    for name in ("report.md", "report.json", "report.png"):
        assert (quantized / "quantization" / name).is_file()
    assert "## Quantization" in (quantized / "MODEL_CARD.md").read_text()
    assert not list(quantized.parent.glob(".*.partial"))


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["onnx", "tflite"])
def test_both_runtimes_load_the_shipped_files(quantized, runtime, speech_samples):
    if runtime == "tflite" and not HAVE_TF:
        pytest.skip("TFLite variants need TensorFlow to build: pip install tensorflow==2.21.0")
    pytest.importorskip("ai_edge_litert" if runtime == "tflite" else "onnxruntime")
    bundle = load_bundle(quantized)
    for variant in (runtime, f"{runtime}-int8", f"{runtime}-int8-rejected"):
        if variant in bundle.networks:
            from quantize.variants import Variant, open_recognizer

            precision = "int8" if "int8" in variant else "fp32"
            recognizer = open_recognizer(bundle, Variant(variant, runtime, precision, bundle.networks[variant]))
            assert recognizer.transcribe(speech_samples).timings.duration_s > 0
    assert Recognizer.load(quantized, runtime=runtime).variant.startswith(runtime)


@pytest.mark.slow
def test_report_json_has_every_measurement(quantized):
    data = json.loads((quantized / "quantization" / "report.json").read_text())
    for variant in data["variants"]:
        assert variant["size_bytes"] > 0
        assert {lat["threads"] for lat in variant["latency"]} == {1, 2}
        assert variant["accuracy"][0]["kind"] == "real" and variant["accuracy"][0]["agreement"] is not None


def test_refuses_a_folder_that_is_not_a_bundle(tmp_path, calibration_manifest, capsys):
    code = main(["quantize", str(tmp_path), "--calibration", str(calibration_manifest), "--out", str(tmp_path / "o")])
    assert code == 2 and "not a model bundle" in capsys.readouterr().err


def test_refuses_a_non_empty_output_folder(tiny_bundle, calibration_manifest, tmp_path, capsys):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x").write_text("keep me")
    code = main(["quantize", str(tiny_bundle), "--calibration", str(calibration_manifest), "--out", str(tmp_path / "o"),
                 "--no-tflite", "--no-rss"])
    assert code == 2 and "not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "o" / "x").read_text() == "keep me"


def test_refuses_to_evaluate_on_the_calibration_set(tiny_bundle, calibration_manifest, tmp_path, capsys):
    code = main(["quantize", str(tiny_bundle), "--calibration", str(calibration_manifest), "--out", str(tmp_path / "o"),
                 "--eval", str(calibration_manifest)])
    assert code == 2 and "held out" in capsys.readouterr().err


def test_missing_calibration_manifest_is_a_user_error(tiny_bundle, tmp_path, capsys):
    code = main(["quantize", str(tiny_bundle), "--calibration", str(tmp_path / "nope.jsonl"),
                 "--out", str(tmp_path / "o")])
    assert code == 2 and "no such manifest" in capsys.readouterr().err


@pytest.mark.slow
def test_ship_keeps_only_the_named_networks_and_never_drops_the_default(tiny_bundle, calibration_manifest,
                                                                       eval_manifest, tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["quantize", str(tiny_bundle), "--calibration", str(calibration_manifest), "--out", str(out),
                 "--eval", f"real:{eval_manifest}", "--method", "minmax", "--calibration-utterances", "8",
                 "--no-rss", "--no-tflite", "--ship", "onnx"])
    if code == 0:  # the rule chose fp32: the int8 file is measured and reported but not shipped
        meta = json.loads((out / "bundle.json").read_text())
        assert meta["quantization"]["default"] == "onnx"
        assert set(meta["networks"]) == {"onnx"} and not (out / "model.int8.onnx").exists()
        assert meta["quantization"]["variants"]["onnx-int8"]["shipped"] is False
    else:  # the rule chose int8: leaving it out is refused, no bundle is written, the measurements are kept
        assert code == 2
        kept = tmp_path / "o.quantize-report"
        assert f"leaves out onnx-int8, the variant the rule chose as the default; add --ship onnx-int8 " \
               f"(the measurements are in {kept})" in capsys.readouterr().err
        assert (kept / "report.md").is_file()
        assert not out.exists() and not list(tmp_path.glob(".*.partial"))


def test_ship_of_a_tflite_variant_without_tflite_is_refused_at_once(tiny_bundle, calibration_manifest, tmp_path,
                                                                     capsys):
    code = main(["quantize", str(tiny_bundle), "--calibration", str(calibration_manifest), "--out", str(tmp_path / "o"),
                 "--no-tflite", "--ship", "tflite-int8"])
    assert code == 2
    assert "--no-tflite" in capsys.readouterr().err


@pytest.mark.slow
def test_a_refused_ship_keeps_the_measurements_next_to_the_output(tiny_bundle, calibration_manifest, eval_manifest,
                                                                  tmp_path, capsys):
    """Shipping only one of the two variants: whichever the rule did not choose is refused, after
    the measurements; the report survives the refusal."""
    codes = {}
    for variant in ("onnx", "onnx-int8"):
        codes[variant] = main(["quantize", str(tiny_bundle), "--calibration", str(calibration_manifest),
                               "--out", str(tmp_path / variant), "--eval", f"real:{eval_manifest}", "--method", "minmax",
                               "--calibration-utterances", "8", "--no-rss", "--no-tflite", "--ship", variant])
    assert sorted(codes.values()) == [0, 2]
    refused = next(variant for variant, code in codes.items() if code == 2)
    kept = tmp_path / f"{refused}.quantize-report"
    assert f"(the measurements are in {kept})" in capsys.readouterr().err
    assert (kept / "report.md").is_file() and not (tmp_path / refused).exists()
