"""earshot's on-device recognition path: audio in, VAD, log-mel, model runners, CTC decoding."""

__version__ = "0.1.0"
