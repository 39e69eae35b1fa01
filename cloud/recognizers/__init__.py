"""The server's recognizers (pocketsphinx, Vosk, an earshot ONNX bundle) and how answers combine."""
