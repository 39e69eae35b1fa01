"""Training packs: features coded small enough to travel to a GPU machine, read back, trained on, taken back."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge.errors import EarshotError
from train.features import FeatureSet, write_feature_set
from train.training_pack import FLOOR, STEP, PackError, decode, encode, read_pack, write_pack

REPO = Path(__file__).resolve().parents[2]
torch = pytest.importorskip("torch", reason="the training extra (torch) is not installed")

# What a GPU machine lacks (it has PyTorch, numpy, numba and tqdm): training from a pack must not import these.
ABSENT_ON_GPU_MACHINE = ("soundfile", "soxr", "webrtcvad", "librosa", "num2words", "platformdirs", "onnxruntime",
                         "scipy", "matplotlib")
TINY_MODEL = {"channels": 16, "block_kernels": [5], "repeats": 1, "epilog_channels": 16, "epilog_kernel": 5}


def _log_mel_like(frames: int, rng: np.random.Generator) -> np.ndarray:
    """Features shaped like log-mel: silence at the floor, speech between about -8 and 9 nats."""
    feats = rng.uniform(-8.0, 9.0, size=(frames, 80)).astype(np.float32)
    feats[: frames // 4] = np.log(1e-6)
    return feats


def _feature_set(folder, utterances: int, seed: int) -> FeatureSet:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(60, 200, size=utterances)
    texts = [("yes", "no", "stop", "go left")[i % 4] for i in range(utterances)]
    from train import tokens

    write_feature_set(folder, np.concatenate([_log_mel_like(n, rng) for n in lengths]), lengths,
                      [np.asarray(tokens.encode(t), np.int16) for t in texts], texts, [f"src{i % 3}" for i in range(utterances)])
    return FeatureSet.load(folder)


def test_coding_keeps_every_value_within_half_a_step_and_silence_at_the_floor():
    feats = _log_mel_like(500, np.random.default_rng(0))
    back = decode(encode(feats), 80)
    assert back.dtype == np.float16 and back.shape == feats.shape
    assert np.abs(back.astype(np.float32) - feats).max() <= STEP / 2 + 0.01  # float16 rounding on top
    assert np.abs(back[:125].astype(np.float32) - np.log(1e-6)).max() < 0.01
    assert FLOOR <= np.log(1e-6)
    assert len(encode(feats)) < feats.size  # under one byte per value even on random features


def test_a_pack_holds_all_of_dev_and_a_seeded_sample_of_training_in_volumes_within_their_budget(tmp_path, monkeypatch):
    import train.training_pack as training_pack

    monkeypatch.setattr(training_pack, "PART_FRAMES", 2000)
    train, dev = _feature_set(tmp_path / "train", 300, 1), _feature_set(tmp_path / "dev", 20, 2)
    budget = 600_000
    info = write_pack(tmp_path / "pack", train, dev, model=TINY_MODEL, training={"epochs": 1}, max_bytes=budget,
                      volumes=2, seed=5)
    assert [v["folder"] for v in info["volumes"]] == ["vol-000", "vol-001"]
    for volume in info["volumes"]:
        files = sum(p.stat().st_size for p in (tmp_path / "pack" / volume["folder"]).iterdir() if p.name != "pack.json")
        assert volume["bytes"] == files <= budget
    assert info["bytes"] == sum(v["bytes"] for v in info["volumes"])
    assert info["volumes"][0]["sets"]["dev"]["utterances"] == 20 and "dev" not in info["volumes"][1]["sets"]
    first, second = (v["sets"]["train"]["utterances"] for v in info["volumes"])
    assert 0 < first < second  # the first volume also carries dev
    sampled = info["train"]
    assert sampled["utterances"] == first + second < 300 and sampled["of_utterances"] == 300
    contents = read_pack(tmp_path / "pack", tmp_path / "unpacked")
    assert len(contents.dev) == 20 and contents.dev.texts == dev.texts
    order = np.random.default_rng(5).permutation(300)[: sampled["utterances"]]
    assert contents.train.texts == [train.texts[i] for i in order]
    assert contents.train.sources == [train.sources[i] for i in order]
    for k in (0, 1, first, sampled["utterances"] - 1):  # either side of the volumes' seam
        i = order[k]
        assert np.array_equal(contents.train.targets[k], train.targets[i])
        assert np.abs(contents.train.utterance(k).astype(np.float32) - train.utterance(i).astype(np.float32)).max() < 0.06
    assert contents.model == TINY_MODEL and contents.training == {"epochs": 1} and contents.init_state is None
    again = write_pack(tmp_path / "again", train, dev, model=TINY_MODEL, training={"epochs": 1}, max_bytes=budget,
                       volumes=2, seed=5)
    assert again["volumes"] == info["volumes"]  # the same parts, byte for byte (their sha256)
    shutil.rmtree(tmp_path / "pack" / "vol-001")
    with pytest.raises(PackError, match="vol-001: missing \\(the pack has 2 volumes\\); carry each one"):
        read_pack(tmp_path / "pack", tmp_path / "unpacked_again")


def test_bad_packs_are_refused_with_the_file_named(tmp_path):
    train, dev = _feature_set(tmp_path / "train", 30, 1), _feature_set(tmp_path / "dev", 5, 2)
    with pytest.raises(PackError, match="over the budget of 0.00 MiB; give a larger --pack-mb"):
        write_pack(tmp_path / "small", train, dev, model=TINY_MODEL, training={}, max_bytes=1000)
    write_pack(tmp_path / "small", train, dev, model=TINY_MODEL, training={})  # nothing left behind to refuse
    write_pack(tmp_path / "pack", train, dev, model=TINY_MODEL, training={})
    with pytest.raises(PackError, match="not empty; refusing to overwrite"):
        write_pack(tmp_path / "pack", train, dev, model=TINY_MODEL, training={})
    with pytest.raises(PackError, match="no vol-000/pack.json; not a training pack"):
        read_pack(tmp_path / "train", tmp_path / "out")
    part = tmp_path / "pack" / "vol-000" / "train-000.bz2"
    blob = bytearray(part.read_bytes())
    blob[100] ^= 1
    part.write_bytes(bytes(blob))
    with pytest.raises(PackError, match="train-000.bz2: its contents differ"):
        read_pack(tmp_path / "pack", tmp_path / "out")
    part.unlink()
    with pytest.raises(PackError, match="train-000.bz2: missing"):
        read_pack(tmp_path / "pack", tmp_path / "out")


def test_training_from_a_pack_runs_without_audio_libraries_and_its_result_is_taken_back(tmp_path, monkeypatch):
    """The GPU machine's half in a process that cannot import what that machine lacks; the weights come
    back in parts (each under the file size a call returns) and land where `earshot train` looks."""
    from train.model import ConvCtcModel, ModelConfig
    from train.pack_training import import_trained
    from train.trainer import CHECKPOINT, TrainConfig, load_trained, training_finished

    train, dev = _feature_set(tmp_path / "train", 40, 1), _feature_set(tmp_path / "dev", 8, 2)
    base = ConvCtcModel(ModelConfig.from_dict(TINY_MODEL))
    settings = {**TrainConfig(epochs=1, threads=1, device="cpu", max_frames_per_batch=2000).__dict__,
                "base_blend": [0.0, 0.5]}
    write_pack(tmp_path / "pack", train, dev, model=TINY_MODEL, training=settings, init_state=base.state_dict())
    blocked = ", ".join(repr(m) for m in ABSENT_ON_GPU_MACHINE)
    code = (f"import sys; sys.modules.update({{m: None for m in ({blocked},)}}); "
            "import train.pack_training as p; p.PART_BYTES = 20_000; "
            f"sys.exit(p.main([{str(tmp_path / 'pack')!r}, {str(tmp_path / 'out')!r}, '--work', {str(tmp_path / 'w')!r}]))")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    record = json.loads((tmp_path / "out" / "trained.json").read_text())
    assert len(record["parts"]) > 1 and all((tmp_path / "out" / name).stat().st_size <= 20_000 for name in record["parts"])
    log = [json.loads(line) for line in (tmp_path / "out" / "log.jsonl").open()]
    assert log[0]["init"] == "base model" and log[-1]["chosen_from"] == [0.0, 0.5]

    model_dir = tmp_path / "work" / "model"
    assert import_trained(tmp_path / "out", model_dir) == model_dir / CHECKPOINT
    assert training_finished(model_dir, 1)
    assert "optimizer" not in torch.load(model_dir / CHECKPOINT, weights_only=False)
    assert load_trained(model_dir).config == ModelConfig.from_dict(TINY_MODEL)
    assert (model_dir / "log.jsonl").read_text() == (tmp_path / "out" / "log.jsonl").read_text()
    with pytest.raises(EarshotError, match="already there; refusing to overwrite"):
        import_trained(tmp_path / "out", model_dir)
    (tmp_path / "out" / record["parts"][1]).unlink()
    with pytest.raises(EarshotError, match=f"{record['parts'][1]} missing"):
        import_trained(tmp_path / "out", tmp_path / "other")
    with pytest.raises(EarshotError, match="not the output of train.pack_training"):
        import_trained(tmp_path / "pack", tmp_path / "other")
