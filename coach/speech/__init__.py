"""The coach's voice: synthesis, playback, earcons and voice profiles."""
