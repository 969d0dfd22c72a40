"""Tier 1: configuration -- defaults from config.toml, the user's file on top, errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.config import DEFAULT_CONFIG, Config, ListenConfig, SessionConfig, SpeechConfig, load_config
from coach.errors import ConfigError


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CONFIG", str(tmp_path / "absent" / "config.toml"))


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "user.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_match_the_shipped_config_toml() -> None:
    assert DEFAULT_CONFIG.exists()
    config = load_config()
    assert config == Config(SpeechConfig(voice="clear", rate=0, output_device=""),
                            ListenConfig(engine="auto", language="en", input_device="", vosk_model="",
                                         noise_suppression=2),
                            SessionConfig(routine="tennis-balls", role="", pause_timeout=600.0, countdown=True))
    assert isinstance(config.session.pause_timeout, float)


def test_user_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    p = write(tmp_path, '[speech]\nrate = 150\n\n[session]\nrole = "partner"\npause_timeout = 30\n')
    config = load_config(p)
    assert config.speech == SpeechConfig(voice="clear", rate=150, output_device="")
    assert config.session.role == "partner"
    assert config.session.pause_timeout == 30.0 and isinstance(config.session.pause_timeout, float)
    assert config.listen == ListenConfig()


def test_coach_config_environment_names_the_user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = write(tmp_path, '[listen]\nengine = "vosk"\nlanguage = "ko"\n')
    monkeypatch.setenv("COACH_CONFIG", str(p))
    config = load_config()
    assert config.listen.engine == "vosk" and config.listen.language == "ko"


def test_a_missing_user_file_from_the_environment_means_defaults() -> None:
    assert load_config() == load_config()


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "nope.toml")
    assert "nope.toml" in str(e.value) and "no such config file" in str(e.value)


def test_empty_user_file_is_fine(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "# nothing here\n")) == load_config()


@pytest.mark.parametrize(("text", "line", "words"), [
    ("[speech]\nrate = 150\n\n[sound]\nvolume = 3\n", 4, "unknown section [sound]"),
    ("[speech]\nrate = 150\nvoise = \"calm\"\n", 3, "unknown key 'voise' in [speech]"),
    ("# comment\n[listen]\n\nengine = \"auto\"\nlanguage = \"en\"\nmodel = \"x\"\n", 6, "unknown key 'model'"),
    ("[speech]\nrate = \"fast\"\n", 2, "'rate' must be 0 (the voice profile's rate) or a whole number from 80 "
                                     "to 500 words a minute, not \"fast\""),
    ("[speech]\nrate = 1.5\n", 2, "'rate'"),
    ("[session]\n\n\ncountdown = 1\n", 4, "'countdown' must be true or false, not 1"),
    ("[session]\npause_timeout = true\n", 2, "'pause_timeout'"),
    ("[session]\npause_timeout = -5\n", 2, "'pause_timeout' cannot be -5: it must be a number from 5 to 86400"),
    ("[session]\npause_timeout = nan\n", 2, "'pause_timeout' cannot be nan"),
    ("[session]\npause_timeout = -inf\n", 2, "'pause_timeout' cannot be -inf"),
    ("[speech]\nrate = -1\n", 2, "'rate' cannot be -1"),
    ("[speech]\nrate = 100000000000000000000\n", 2, "'rate' cannot be 100000000000000000000: it must be 0"),
    ("[speech]\nrate = 1" + "0" * 400 + "\n", 2, "'rate' cannot be 1000000000000000000000000000000000000...: it"),
    ("[speech]\n\nvoice = \"clearr\"\n", 3, "'voice' cannot be \"clearr\": there is no voice profile called 'clearr'"),
    ("[listen]\nengine = \"wav2vec\"\n", 2, "'engine' cannot be \"wav2vec\""),
    ("[listen]\nnoise_suppression = 7\n", 2, "'noise_suppression' cannot be 7"),
    ("[session]\nroutine = \"x\"\nrole = \"giver\"\n", 3, "'role' cannot be \"giver\""),
    ("speech = 3\n", 1, "'speech' is a section, not a value (3)"),
    ("[__class__]\n", 1, "unknown section [__class__]"),
])
def test_mistakes_are_config_errors_with_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    message = str(e.value)
    assert f"{p}:{line}:" in message, message
    assert words in message, message
    assert e.value.fix, "every error says how to fix it"


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    """tomllib in 3.11 has no ``lineno`` on its error; the line is only in the message."""
    p = write(tmp_path, "[speech]\nvoice = \"calm\"\nrate = \n")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert f"{p}:3: not valid TOML" in str(e.value)


def test_choices_name_the_allowed_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, '[listen]\nengine = "wav2vec"\n'))
    assert e.value.fix == 'use one of: "auto", "whisper", "pocketsphinx", "vosk"'   # as written in TOML


@pytest.mark.parametrize(("text", "fix"), [
    ('[session]\ncountdown = "yes"\n', "for example: countdown = true"),   # TOML, not Python's True
    ('[speech]\nvoice = 3\n', 'for example: voice = "clear"'),
    ("speech = 5\n", "write [speech] on a line of its own, and its keys (voice, rate, output_device) on the lines "
                     "below it"),
    ('[speech]\nvoice = "nosuch"\n', "use one of: calm, clear, fast, natural (see `coach voices`), or the path of a "
                                      "profile file"),
])
def test_the_fix_is_written_as_toml(tmp_path: Path, text: str, fix: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, text))
    assert e.value.fix == fix


def test_a_voice_profile_file_may_be_named_by_path(tmp_path: Path) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text("", encoding="utf-8")
    assert load_config(write(tmp_path, f'[speech]\nvoice = "{profile}"\n')).speech.voice == str(profile)
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, f'[speech]\nvoice = "{tmp_path}/gone.toml"\n'))
    assert "there is no voice profile file" in str(e.value)


def test_an_unknown_key_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, "[session]\ncount_down = true\n"))
    assert "countdown" in e.value.fix


@pytest.mark.parametrize("role", ["", "self", "partner"])
def test_every_role_choice_is_accepted(tmp_path: Path, role: str) -> None:
    assert load_config(write(tmp_path, f'[session]\nrole = "{role}"\n')).session.role == role


def test_config_is_frozen() -> None:
    config = load_config()
    with pytest.raises(AttributeError):
        config.speech.rate = 3  # type: ignore[misc]


def test_a_deeply_nested_value_is_a_config_error_on_its_line(tmp_path: Path) -> None:
    p = write(tmp_path, "[speech]\nvoice = " + "[" * 500 + "]" * 500 + "\n")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(e.value) == (f"{p}:2: values are nested more than 20 deep\n"
                            "  fix: write the value with fewer brackets and braces inside each other")


def test_a_vosk_model_under_no_users_home_is_an_error_at_its_line(tmp_path: Path) -> None:
    p = write(tmp_path, '[listen]\nvosk_model = "~nosuchuser0/model"\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(e.value).startswith(f"{p}:2: 'vosk_model' cannot be \"~nosuchuser0/model\": ~nosuchuser0 names no home")
