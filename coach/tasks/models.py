"""What `coach models` says of each model it lists: what the model is for, and whether this
configuration listens with it (issue 38: a Korean vosk model was listed in an English coach as if
it were a choice). Pure: the models found and the [listen] settings in, lines out. The choice
follows :func:`coach.listen.engines.make_recognizer`'s."""

from __future__ import annotations

from coach.listen.engines import LANGUAGE_NAMES, ModelInfo

#: What each kind of model does in the coach.
PURPOSE = {
    "whisper": "judges every utterance in whole words (the commands, and the menu's numbers and routine names)",
    "pocketsphinx": "spots command words as they are said, so that stop acts at once",
    "vosk": "hears the commands in its language",
}


def _language(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code or "an unknown language")


def in_use(models: list[ModelInfo], engine: str, language: str, model: str = "") -> dict[int, str]:
    """The models (by index into ``models``) a session in ``language`` listens with, and their part
    ("in use", "in use, beside Whisper")."""
    whisper = next((i for i, m in enumerate(models) if m.engine == "whisper"), None)
    sphinx = next((i for i, m in enumerate(models) if m.engine == "pocketsphinx"), None)
    if engine == "whisper" or (engine == "auto" and language == "en" and not model and whisper is not None):
        used = {} if whisper is None else {whisper: "in use"}
        if sphinx is not None:
            used[sphinx] = "in use, beside Whisper"
        return used
    if engine in ("auto", "vosk"):
        if model:
            return {i: "in use (the configured model)" for i, m in enumerate(models)
                    if m.engine == "vosk" and m.where == model}
        vosk = next((i for i, m in enumerate(models) if m.engine == "vosk" and m.language == language), None)
        if vosk is not None:
            return {vosk: "in use"}
        if engine == "vosk":
            return {}
    return {} if sphinx is None else {sphinx: "in use, alone"}


def describe(models: list[ModelInfo], engine: str, language: str, model: str = "") -> list[str]:
    """The lines of `coach models`: what this configuration listens with, then each model (its
    engine, language and place, as before) and under it what it is for and whether it is used."""
    used = in_use(models, engine, language, model)
    names = " and ".join(models[i].engine for i in sorted(used)) or "no model found here"
    lines = [f"This configuration listens in {_language(language)} (engine {engine}) with {names}; "
             "a routine in another language listens with a model for that language."]
    for i, m in enumerate(models):
        lines.append(f"{m.engine:<13} {m.language or '?':<3} {m.where}")
        purpose = PURPOSE.get(m.engine, "a speech recogniser").replace("its language", _language(m.language))
        if i in used:
            lines.append(f"    {used[i]}: {purpose}")
        elif m.language and m.language != language:
            lines.append(f"    not used here: {purpose}, for routines and menus in {_language(m.language)}; "
                         f"this configuration listens in {_language(language)}")
        else:
            lines.append(f"    not used with engine {engine}: {purpose}")
    return lines
