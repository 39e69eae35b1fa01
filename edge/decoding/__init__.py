"""CTC decoding: greedy and prefix beam search with a word LM, hotwords, word times and confidence."""

from edge.decoding.decoder import CtcDecoder, Decoded
from edge.decoding.lm import LanguageModelError, NgramLM
from edge.decoding.options import DecoderOptions

__all__ = ["CtcDecoder", "Decoded", "DecoderOptions", "LanguageModelError", "NgramLM"]
