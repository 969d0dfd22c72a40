"""Capture and echo: the microphone, what the coach played, echo cancellation, noise suppression."""
