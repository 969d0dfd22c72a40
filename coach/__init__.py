"""coach: a voice-guided, fully offline audio coach for massage and self-massage routines."""

__version__ = "0.1.0"
