"""Exceptions edge raises at its boundaries; the CLI turns them into one line and exit code 2."""


class EarshotError(Exception):
    """A user-facing problem: the message names the input and what is wrong with it."""


class AudioInputError(EarshotError):
    """An audio file or buffer cannot be used (missing, not audio, truncated, empty, ...)."""


class AudioFormatError(EarshotError, ValueError):
    """Audio does not match what a stage expects (rate, channels, dtype)."""


class BundleError(EarshotError):
    """A model bundle is missing, malformed or incompatible with this front end."""


class RuntimeMissingError(EarshotError):
    """A model runtime (ONNX Runtime, LiteRT) is not installed; the message says what to install."""
