"""quantize/tflite_ranges.py: percentile activation ranges (the arithmetic; conversion is in test_tflite)."""

from __future__ import annotations

import numpy as np

from quantize.tflite_ranges import BINS, _percentile_range


def test_percentile_ranges_drop_rare_outliers_and_keep_zero():
    histogram = np.zeros(BINS, np.int64)
    histogram[: BINS // 10] = 1000  # the bulk of the values: [0, 10) of a [0, 100] range
    histogram[-1] = 1  # one outlier at 100
    low, high = _percentile_range(histogram, 0.0, 100.0, 99.999)
    assert low == 0.0 and 9.9 < high < 10.2
    assert _percentile_range(histogram, 0.0, 100.0, 100.0) == (0.0, 100.0)
