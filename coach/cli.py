"""Command-line interface: argument parsing, and the only place exit codes are chosen.

Exit status: 0 success; 1 problems found (``validate``) or a session ended by failure;
2 a usage or input error; 3 an audio device problem; 4 a model problem; 130 interrupted.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import importlib
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

from coach import __version__
from coach.errors import CoachError
from coach.numbers import LEVEL, NOISE_SUPPRESSION, PACE, SPEED, option_type
from coach.terminal import printable, printable_lines

Handler = Callable[[argparse.Namespace, TextIO], int]

# subcommand -> "module:function" under coach.tasks, imported only when used, so that
# `coach validate` never loads an audio library.
_HANDLERS = {
    "list": "routines:cmd_list",
    "show": "routines:cmd_show",
    "validate": "routines:cmd_validate",
    "run": "session:cmd_run",
    "resume": "session:cmd_resume",
    "say": "speech:cmd_say",
    "voices": "speech:cmd_voices",
    "devices": "speech:cmd_devices",
    "render": "speech:cmd_render",
    "listen": "listen:cmd_listen",
    "models": "listen:cmd_models",
    "notes": "profile:cmd_notes",
    "forget": "forget:cmd_forget",
    "menu": "menu:cmd_menu",   # `coach` with no command
}

#: Options of ``coach`` with no command (the menu), kept apart from the commands' own options of the
#: same names: ``--text`` before a command is a mistake, said as one.
MENU_OPTIONS = ("text", "log", "input_device", "output_device", "engine", "voice")

EPILOG = """\
With no COMMAND, coach starts a spoken menu: it offers to carry on an interrupted session, names the
routines by number, title and length, and starts the one you choose: say its number or a word of its
name (next, back, repeat and yes move through the list), or press its number key; ? for help, x or q
to leave. --text gives the same menu as printed lines and typed keys or words.

Spoken commands: harder, softer, stop, next, pause, resume, repeat, go back, slower,
faster, time left, more time, what can I say; pain words (ouch, that hurts) ease off at once.
Keys in a session: h harder, s softer, x stop, n next, space pause, c continue,
r repeat, b back, - slower, + faster, t time, m more time, ? help, o pain, y yes (when asked).
On a terminal a key acts at once (for words, press Enter first); from a pipe, one key
or words per line.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said as coach says every error: what is wrong, then the fix."""

    def error(self, message: str) -> NoReturn:
        what, _, fix = message.partition("; fix: ")
        # printable: the message quotes what was given, which may be a file name with controls in it
        self.exit(2, printable(f"{self.prog}: {what}") +
                  f"\n  fix: {printable(fix) or f'see `{self.prog} --help` for what it takes'}\n")


def _config_help() -> str:
    from coach.config import user_config_path

    where = str(user_config_path()).replace("%", "%%")
    return f"use this config file instead of the user's ({where}; COACH_CONFIG names another)"


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="coach",
        description="A voice-guided, fully offline coach for massage and self-massage. With no COMMAND, "
                    "a spoken menu to choose a routine by voice or keys (below).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"coach {__version__}")
    p.add_argument("--config", metavar="FILE", help=_config_help())
    menu = p.add_argument_group("the menu (coach with no COMMAND)")
    menu.add_argument("--text", dest="menu_text", action="store_true",
                      help="no audio: print the menu and the session, read typed keys or words")
    menu.add_argument("--log", dest="menu_log", metavar="FILE",
                      help="also write the menu's and then the session's log (JSON lines) here")
    menu.add_argument("--input-device", dest="menu_input_device", metavar="D", help="microphone, by name or index")
    menu.add_argument("--output-device", dest="menu_output_device", metavar="D", help="speaker, by name or index")
    menu.add_argument("--engine", dest="menu_engine", choices=["auto", "whisper", "pocketsphinx", "vosk"],
                      help="speech recogniser (default from config); numbers and names are heard with Whisper, "
                           "the others hear next, back, repeat and yes")
    menu.add_argument("--voice", dest="menu_voice", metavar="PROFILE",
                      help="voice profile of the menu (a routine may speak in its own)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("list", help="list the routines")

    s = sub.add_parser("show", help="print a routine's steps as plain text")
    s.add_argument("routine", help="routine name (see `coach list`) or path to a .toml file")

    s = sub.add_parser("validate", help="check routine files; print file:line: message per problem")
    s.add_argument("files", nargs="+", metavar="FILE", help="routine files (.toml) to check")

    for name, text in (("run", "run a session"), ("resume", "continue an interrupted session")):
        s = sub.add_parser(name, help=text)
        if name == "run":
            s.add_argument("routine", help="routine name (see `coach list`) or path to a .toml file")
        else:
            s.add_argument("routine", nargs="?", help="routine to resume (default: the latest)")
        s.add_argument("--role", choices=["self", "partner"], help="who the coach talks to")
        s.add_argument("--text", action="store_true",
                       help="no audio: print what would be said, read commands as typed words or keys")
        s.add_argument("--input-device", metavar="D", help="microphone, by name or index")
        s.add_argument("--output-device", metavar="D", help="speaker, by name or index")
        s.add_argument("--log", metavar="FILE", help="also write the session log (JSON lines) here")
        s.add_argument("--record-audio", metavar="DIR",
                       help="write what the microphone heard and what the coach played to DIR/mic.wav and "
                            "DIR/played.wav (to look into a command that went unheard: coach listen "
                            "DIR/mic.wav --reference DIR/played.wav)")
        s.add_argument("--voice", metavar="PROFILE", help="voice profile (see `coach voices`)")
        s.add_argument("--engine", choices=["auto", "whisper", "pocketsphinx", "vosk"],
                       help="speech recogniser (default from config: auto, Whisper where installed)")
        if name == "run":   # resume carries on at the step and level it saved
            s.add_argument("--level", type=option_type("--level", LEVEL, "3"), metavar="N", help=f"start at this "
                           f"pressure level ({LEVEL.describe()}); {LEVEL_CAPPED}")
            s.add_argument("--fresh", action="store_true", help="start from the beginning, do not ask to resume")
        else:   # taken (and checked) only to be refused with a fix: not offered (issue 38)
            s.add_argument("--level", type=option_type("--level", LEVEL, "3"), metavar="N", help=argparse.SUPPRESS)
            s.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)
        s.add_argument("--pace", type=option_type("--pace", PACE, "1.5"), metavar="X", help=PACE_HELP)
        s.add_argument("--speed", type=option_type("--speed", SPEED, "10"), default=1.0, metavar="X",
                       help=f"run the clock X times faster (for trying a routine out; text mode): "
                            f"{SPEED.describe()}")

    s = sub.add_parser("say", help="speak one line (checks that sound works)")
    s.add_argument("text", help="the words to say, in quotes")
    s.add_argument("--voice", metavar="PROFILE", help="voice profile (see `coach voices`)")
    s.add_argument("--output-device", metavar="D", help="speaker, by name or index (see `coach devices`)")

    s = sub.add_parser("notes", help="say how the safety notes are given once heard in full; or change it")
    s.add_argument("choice", nargs="?", choices=["short", "full", "ask"],
                   help="short: one line of them after the first full hearing; full: in full every time; "
                        "ask: ask again after the next full notes")

    s = sub.add_parser("forget", help="remove everything the coach keeps of you: session logs, recordings, "
                                      "profile, resume point and voice data (asks first)")
    s.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    s.add_argument("--voice", metavar="PROFILE", help="voice profile the question is asked in")
    s.add_argument("--output-device", metavar="D", help="speaker the question is asked on")

    s = sub.add_parser("voices", help="list the voice profiles, the one in use, and the voices they speak with")
    s.add_argument("--all", action="store_true", help="also list every other installed voice (espeak-ng has over "
                                                      "a hundred, one per language)")
    sub.add_parser("devices", help="list audio input and output devices")

    s = sub.add_parser("render", help="render a whole session into one audio file")
    s.add_argument("routine", help="routine name (see `coach list`) or path to a .toml file")
    s.add_argument("-o", "--output", required=True, metavar="FILE.wav",
                   help="the WAV file to write (16 kHz, mono, 16-bit)")
    s.add_argument("--voice", metavar="PROFILE", help="voice profile (see `coach voices`)")
    s.add_argument("--level", type=option_type("--level", LEVEL, "3"), metavar="N",
                   help=f"pressure level throughout ({LEVEL.describe()}); {LEVEL_CAPPED}")
    s.add_argument("--role", choices=["self", "partner"], help="who the coach talks to")
    s.add_argument("--pace", type=option_type("--pace", PACE, "1.5"), metavar="X", help=PACE_WRITTEN)

    s = sub.add_parser("listen", help="recognise commands in WAV files, or live from the microphone")
    s.add_argument("files", nargs="*", metavar="FILE.wav",
                   help="PCM WAV files (8 to 32 bits, any rate and channels); none: listen to the microphone")
    s.add_argument("--engine", choices=["auto", "whisper", "pocketsphinx", "vosk"], default=None,
                   help="speech recogniser (default from config: auto, Whisper where installed)")
    s.add_argument("--reference", metavar="SPEAKER.wav",
                   help="what the speaker played at the same time (echo cancellation)")
    s.add_argument("--language", metavar="LANG", help="command vocabulary language (default from config)")
    s.add_argument("--model", metavar="DIR", help="vosk model directory")
    s.add_argument("--input-device", metavar="D", help="microphone, by name or index (see `coach devices`)")
    s.add_argument("--noise-suppression", type=option_type("--noise-suppression", NOISE_SUPPRESSION, "2"),
                   metavar="0-4",
                   help="WebRTC noise suppression before recognition, 0 (off) to 4 (default from config: 2)")

    s = sub.add_parser("models", help="list the speech models found on this machine, what each is for and which "
                                      "this configuration uses; or download a vosk model")
    actions = s.add_subparsers(dest="action", metavar="ACTION")
    d = actions.add_parser(
        "download", help="download a vosk model into the vosk cache (the only command that uses the network)",
        description="Download a vosk model, check its checksum and unpack it where `coach listen` finds it. "
                    "The URL and MD5 come from the publisher's model list unless --url and a checksum are given.")
    d.add_argument("name", metavar="NAME", help="vosk model name, e.g. vosk-model-small-en-us-0.15")
    d.add_argument("--url", metavar="URL", help="fetch the zip from here (a mirror, or file:///path/to/NAME.zip)")
    checksum = d.add_mutually_exclusive_group()
    checksum.add_argument("--sha256", metavar="HEX", help="the zip's SHA-256 checksum")
    checksum.add_argument("--md5", metavar="HEX", help="the zip's MD5 checksum")
    d.add_argument("--index", metavar="URL", help="model list to look NAME up in (default: the publisher's)")
    d.add_argument("--dir", metavar="DIR", help="install under this directory (default: ~/.cache/vosk)")
    d.add_argument("--force", action="store_true", help="download again even if NAME is already installed")
    return p


PACE_WRITTEN = f"hold every step X times as long as written ({PACE.describe()}; default from config: 1)"
PACE_HELP = f"{PACE_WRITTEN}; during a session, say more time or press m to hold one step 30 s longer"
#: --level's range is the coach's; each routine tops out lower or at it (issue 38)
LEVEL_CAPPED = "capped at the routine's top level (`coach list` shows each routine's levels, such as 2..4)"


def _handler(command: str) -> Handler:
    module, func = _HANDLERS[command].split(":")
    mod = importlib.import_module(f"coach.tasks.{module}")
    handler: Handler = getattr(mod, func)
    return handler


#: Characters a narrow terminal encoding (ASCII, Latin-1) lacks, written as it can show them
_PLAIN = str.maketrans({"\u2014": "--", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
                        "\u201d": '"', "\u2026": "...", "\u00a0": " ", "\u2022": "*"})
_warned = False


def _shown(error: UnicodeError) -> tuple[str | bytes, int]:
    """The ``coach`` error handler for output: a lone surrogate (a file name that is not UTF-8)
    goes out as the byte it came as; a character the terminal's encoding lacks is written plainly
    ("--" for a dash) or as "?", and the first time one is, a line on stderr says how to see it."""
    global _warned
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start:error.end]
    if all(0xDC80 <= ord(c) <= 0xDCFF for c in bad):
        return bytes(ord(c) - 0xDC00 for c in bad), error.end
    if not _warned:
        _warned = True
        with contextlib.suppress(Exception):
            sys.stderr.buffer.write(f"coach: this terminal's encoding ({error.encoding}) cannot show some "
                                    "characters; they are written plainly or as ?. fix: use a UTF-8 locale, for "
                                    "example LANG=C.UTF-8\n".encode("ascii"))
            sys.stderr.flush()
    plain = bad.translate(_PLAIN)
    return "".join(c if c.isascii() else "?" for c in plain), error.end


codecs.register_error("coach", _shown)


def _bytes_as_given() -> None:
    """What the terminal's encoding cannot take never ends the program: a file name that is not
    UTF-8 reaches Python as lone surrogates ("\\udcff"), printed back (in "FILE:1: no such file") as
    the bytes it came as; a character an ASCII or Latin-1 locale lacks (the dash in `coach list`)
    is written plainly (:func:`_shown`), not a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors in ("strict", "surrogateescape"):
            stream.reconfigure(errors="coach")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    if argv is None:   # the real command line, printing to the real terminal or pipe
        _bytes_as_given()
        from coach import interrupts

        try:
            interrupts.install()   # Ctrl-C, SIGTERM, SIGHUP: the first counts, the rest never interrupt the end
            status = _main(argv, out)
        except KeyboardInterrupt:   # from the first moment: even while the options are read
            print("coach: interrupted", file=sys.stderr)
            status = 130
        finally:
            interrupts.ending()
        if interrupts.taken() is not None:
            interrupts.leave(status)
        return status
    return _main(argv, out)


def _main(argv: Sequence[str] | None, out: TextIO | None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    given = [name for name in MENU_OPTIONS if getattr(args, f"menu_{name}") not in (None, False)]
    if args.command is None:
        args.command = "menu"
        for name in MENU_OPTIONS:
            setattr(args, name, getattr(args, f"menu_{name}"))
        args.role = args.level = args.pace = args.record_audio = None
        args.speed = 1.0
    elif given:
        option = "--" + given[0].replace("_", "-")
        parser.error(f"{option} before {args.command} is an option of the menu (coach with no command); "
                     f"fix: put it after the command: coach {args.command} ... {option}")
    elif args.command == "resume" and (args.level is not None or args.fresh):
        option = "--fresh" if args.fresh else "--level"
        parser.error(f"resume carries on at the step and level the session stopped at, so it takes no {option}; "
                     f"fix: start the routine again with coach run ROUTINE {option}{' N' * (option == '--level')}")
    try:
        return _handler(args.command)(args, out)
    except CoachError as e:
        # the message names files and quotes their text: shown, never acted on by the terminal
        print(printable_lines(f"coach: {e}"), file=sys.stderr)
        return e.exit_status
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output closed early (e.g. piped into `head`): not an error worth a traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
