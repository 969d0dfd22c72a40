"""The coach's ears: capture, echo cancellation and command recognition."""
