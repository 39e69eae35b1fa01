"""earshot's prediction server: auth, limits, larger recognizers, voice search, telemetry, metrics."""
