"""Peak resident memory of a fresh process while it loads one bundle variant and transcribes a clip.

`python -m quantize.rss_probe BUNDLE CLIP.npy --variant NAME --runtime RT --precision P`
prints one JSON line {"peak_rss_mb", "before_model_rss_mb", "method"}. The process first
imports edge and computes the clip's features once (numba compiles the front end, a peak that
has nothing to do with the model), then resets the kernel's high-water mark (Linux:
/proc/self/clear_refs), loads the network and transcribes: the peak is what a device running
that variant needs, and peak minus the resident size before loading is the variant's own share.
It runs in its own process because a high-water mark only ever grows.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quantize.rss_probe", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("clip", type=Path, help=".npy of float32 16 kHz mono samples")
    parser.add_argument("--variant", required=True, help="bundle.json networks key")
    parser.add_argument("--runtime", choices=("onnx", "tflite"), default="onnx", help="runtime of the variant")
    parser.add_argument("--precision", choices=("fp32", "int8"), default="fp32", help="precision of the variant")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    import numpy as np

    from edge.bundle import load_bundle
    from edge.frontend import LogMel
    from quantize.variants import Variant, open_recognizer

    bundle = load_bundle(args.bundle)
    samples = np.load(args.clip).astype(np.float32)
    LogMel(bundle.frontend)(samples)
    before_kib = _status_kib("VmRSS")
    method = "VmHWM after reset" if _reset_peak() else "ru_maxrss (peak of the whole process)"
    variant = Variant(args.variant, args.runtime, args.precision, bundle.networks[args.variant])
    open_recognizer(bundle, variant, args.threads).transcribe(samples)
    peak_kib = _status_kib("VmHWM") if method.startswith("VmHWM") else \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_rss_mb": round(peak_kib / 1024, 1),
                      "before_model_rss_mb": round(before_kib / 1024, 1), "method": method}))
    return 0


def _reset_peak() -> bool:
    """Reset this process's resident-set high-water mark; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status_kib(field: str) -> float:
    """A /proc/self/status memory field in KiB (NaN where /proc is unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
