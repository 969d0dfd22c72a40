"""Detect: the fast first stage that spots command words in the stream (pocketsphinx, or vosk)."""
