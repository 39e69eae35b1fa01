"""scripts/rebuild_model.sh: the one command that rebuilds a shipped model never replaces what is not a bundle."""

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_an_out_folder_that_is_not_a_bundle_is_refused_before_any_work(tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    done = subprocess.run(["bash", str(REPO / "scripts" / "rebuild_model.sh"), "train/recipes/default.json",
                           str(tmp_path / "work"), str(out), str(tmp_path / "sets")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"rebuild_model.sh: {out} exists and is not a model bundle; refusing to replace it"
    assert (out / "mine.txt").read_text() == "keep me" and not (tmp_path / "work").exists()
