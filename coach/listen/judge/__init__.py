"""Judge: the second stage that decides what a whole utterance was (Whisper, with word vectors)."""
