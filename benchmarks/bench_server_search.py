"""Voice search accuracy: spoken catalog queries through the recognizer and the search index.

Queries name a place from the shipped catalog ("weather in Zhumadian"), synthesized with flite's
voices (Debian package `flite`). Reports per recognizer configuration the WER on the queries and
how often the intended document is the first (hit@1) or among the first three (hit@3) results
when search gets the best transcript plus 0, 2 or 5 of the recognizer's alternatives, and the
same for the typed query (the search's own ceiling).

    python benchmarks/bench_server_search.py [--queries 120] [--configs none,0.03,0.1,0.3,1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

VOICES = ("slt", "rms", "awb", "kal16")
ALTERNATIVES = (0, 2, 5)  # how many of the recognizer's alternatives go to search with its best guess
TEMPLATES = ("{name}", "weather in {name}", "show me {name}", "how far is it to {name}", "{name} {country}")


def query_set(count: int, seed: int = 11) -> list[dict]:
    """(text, doc id) queries about random countries and cities of the shipped catalog."""
    from cloud.search.catalog import default_catalog_path, read_catalog

    docs = [d for d in read_catalog(default_catalog_path()) if d.id.split(":")[0] in ("city", "country")]
    rng = random.Random(seed)
    queries = []
    for doc in rng.sample(docs, count):
        parts = [p.strip() for p in doc.title.split(",")]
        template = rng.choice(TEMPLATES if len(parts) > 1 else TEMPLATES[:4])
        queries.append({"text": template.format(name=parts[0], country=parts[-1]), "doc": doc.id})
    return queries


def synthesize(text: str, voice: str, folder: Path) -> object:
    """flite's rendering of `text` as float32 16 kHz samples."""
    from cloud.search.keys import fold
    from edge.audio import read_audio

    out = folder / f"{abs(hash((text, voice)))}.wav"
    subprocess.run(["flite", "-voice", voice, "-t", fold(text), "-o", str(out)], check=True, capture_output=True)
    return read_audio(out).samples


def evaluate(config: str, clips: list, searcher) -> dict:
    """WER and hit@1/hit@3 of one recognizer configuration ("none" = not adapted, else a weight)."""
    import jiwer

    from cloud.recognizers.pocketsphinx_recognizer import create
    from cloud.search.keys import fold

    spec = "catalog=none" if config == "none" else f"catalog=default,weight={config}"
    recognizer = create(spec)
    refs, hyps, hits = [], [], {n: [0, 0] for n in ALTERNATIVES}
    for query, samples in clips:
        recognition = recognizer.recognize(samples, 16000)
        refs.append(fold(query["text"]))
        hyps.append(recognition.transcript.text)
        for n in ALTERNATIVES:
            ids = [r.id for r in searcher.search([recognition.transcript.text, *recognition.alternatives[:n]], 3)]
            hits[n][0] += ids[:1] == [query["doc"]]
            hits[n][1] += query["doc"] in ids
    result = {"config": config, "queries": len(clips), "wer": round(jiwer.wer(refs, hyps), 4)}
    for n, (hit1, hit3) in hits.items():
        result[f"hit@1 alt={n}"] = round(hit1 / len(clips), 3)
        result[f"hit@3 alt={n}"] = round(hit3 / len(clips), 3)
    return result


def typed_ceiling(clips: list, searcher) -> dict:
    """hit@1 and hit@3 when the query is typed exactly: what search alone can do."""
    hits = [[r.id for r in searcher.search([q["text"]], 3)] for q, _ in clips]
    return {"config": "typed", "queries": len(clips),
            "hit@1": round(sum(h[:1] == [q["doc"]] for h, (q, _) in zip(hits, clips, strict=True)) / len(clips), 3),
            "hit@3": round(sum(q["doc"] in h for h, (q, _) in zip(hits, clips, strict=True)) / len(clips), 3)}


def run(count: int, configs: list[str]) -> list[dict]:
    """Synthesize `count` queries, index the shipped catalog, evaluate each configuration."""
    from cloud.search.catalog import default_catalog_path
    from cloud.search.index import build_index
    from cloud.search.searcher import Searcher

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_index(default_catalog_path(), folder / "search.sqlite3")
        searcher = Searcher(folder / "search.sqlite3")
        queries = query_set(count)
        clips = [(q, synthesize(q["text"], VOICES[i % len(VOICES)], folder)) for i, q in enumerate(queries)]
        return [typed_ceiling(clips, searcher)] + [evaluate(c, clips, searcher) for c in configs]


@pytest.mark.skipif(shutil.which("flite") is None, reason="flite (apt-get install flite) synthesizes the queries")
@pytest.mark.skipif(importlib.util.find_spec("jiwer") is None, reason="jiwer scores WER: pip install jiwer")
def test_search_benchmark_runs():
    """Four queries end to end: the report keeps working and typed search finds what it should."""
    results = run(4, ["0.1"])
    assert results[0]["hit@3"] >= 0.75
    assert 0.0 <= results[1]["wer"] and "hit@1 alt=5" in results[1]


def main(argv: list[str] | None = None) -> int:
    """Print one JSON line per configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--configs", default="none,0.03,0.1,0.3,1")
    args = parser.parse_args(argv)
    for result in run(args.queries, args.configs.split(",")):
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
