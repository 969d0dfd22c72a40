"""The listening policy's thresholds (:mod:`coach.listen.policy`): every figure it weighs evidence by,
once, each with the data that chose it. Kept apart so that the rules read as rules; change a figure
here only with a benchmark or a soak's measurement, and add the case as a row of
``tests/test_policy.py``."""

from __future__ import annotations

from coach.commands import Command

#: Spoken commands acted on even while the coach is talking: they only ever make things safer.
SAFE_WHILE_SPEAKING = frozenset({Command.STOP, Command.PAIN})
#: Words whose audio, after echo cancellation, is at least this like the coach's own voice (cosine
#: similarity of voiceprints) are its voice getting through. ``python -m bench voiceprint``
#: (2026-12-07, spans of 0.5-3 s): the coach's own lines 0.67 or more in 97% (espeak-ng) and 82-96%
#: (Piper's joe) of spans; 5-9 of 1,882 spans of real people's speech (50-odd people) above it; what a
#: working canceller leaves of the coach's voice 0.03-0.68, people talking over the echo at most 0.65.
#: (coach.listen.judge.voiceprint.THRESHOLD, chosen on those figures.)
COACH_VOICE = 0.67
#: Words that the witness canceller (WebRTC's AEC3, run beside speex on the same lined-up sound: see
#: coach.listen.capture.aec3.Aec3Witness) left this little of (dB) are the coach's voice alone,
#: whatever the other figures say. Its residual-echo suppressor takes a median 60 dB out of the
#: coach's voice alone on the benchmark's echo files (2026-12-07), also through a small loudspeaker's
#: distortion. bench talk, 4 minutes (2026-12-07, seed 1, the echo through the small loudspeaker):
#: the virtual user's 17 commands heard over the coach kept -0.8 to -6.3 dB; 48 detections of the
#: coach's own voice kept -8.2 to -68.6 dB, 40 of them -12 or less (the rest were dropped by the
#: other rules). Just after the user spoke it keeps more of the coach (-2.5 and -4.6 dB twice), so it
#: is used only this way round: as evidence of the coach's voice alone, never of another voice.
WITNESS_ECHO_DB = -12.0
#: ... but a stop or pain word is taken for the coach's voice alone only below this (dB): bench
#: talk, 30 minutes (2026-12-07, seed 3): a user's "that hurts", written down, kept -12.4 dB and was
#: dropped at -12; the coach's own stop and pain words the witness dropped there kept -19.8 to -50.5
#: dB, and in the silent soak its "Step one of seven" written "stop it" kept -21.4 dB and paused
#: the session when this was -25. Midway between the two sides.
WITNESS_SAFE_ECHO_DB = -16.0
#: ... and words it kept more of than this (dB) may be another voice's: a command only fitted over the
#: coach's voice needs it, and a command written down over the coach's voice with no figures of
#: speex's (the words began before a line) needs it with ``SURE_EXCESS_DB`` too. bench talk, 30
#: minutes (2026-12-07, seed 2): commands only fitted to the coach's own voice kept -10.6 dB ("I'm"
#: as time), the users' -1.9 to -3.9; the users' "harder" written over a line's start with no
#: speex figures -3.3 and -5.7 were dropped. Never enough alone: the coach's own voice kept -5.6 dB
#: in the first seconds of a menu (the witness still learning the room) and -6.1 just after the
#: user spoke.
WITNESS_VOICE_DB = -8.0
#: The answers to the coach's yes-or-no questions.
ANSWERS = frozenset({Command.YES, Command.NO})
#: Just after the user's words were taken, the witness canceller keeps a voice's share of the coach's
#: own voice for a few seconds (AEC3 recovering from the double talk), so its figure counts as
#: another voice only this long (seconds) after the end of the user's last words. bench talk, 30
#: minutes (2026-12-07): the coach's own voice written "Next." 3 s after a user's "time left"
#: (witness -5.6 dB), and "start." and "I'll be right back." just after a user's "stop" (-5 to -6 dB).
USER_ECHO_HOLD = 4.0

#: Any other command heard while the coach is talking is acted on only when the second stage judged
#: it whole and the echo canceller left this much (dB) of its words or more: the user's voice adds
#: sound the canceller cannot take out. Users' commands over the coach kept -10.4 dB or more on the
#: benchmark's files and -9.9 dB live; the coach's own voice heard as "next" in the live soak
#: (2026-11-30, the listener starved by a busy core) kept -19.1 dB, and other misheard coach words
#: -18.7 to -23.9 dB. The same figure tells a line's own words apart (live, 2026-11-22: the coach's
#: "...came with a fever, a fall..." heard as "pain", a word of the same line said 2 s before, at
#: -21.6 dB; four such in all, -18.7 to -23.9 dB).
OVER_VOICE_DB = -15.0

#: Spoken words over the coach's voice are its own when the microphone had less than this much more
#: sound (dB), for what the coach played, than in the seconds before: the room gives its voice back
#: at a steady level, and only another voice adds to it. Replayed barge-in trials (2026-11-30, 41
#: detections): the users' commands 0.9 to 19.2 dB (those judged over a 3 s window, where the
#: command is a short part, 0.9-2.0); the coach's own voice taken for commands, also where the
#: canceller had lost the echo path (-0.3 dB left), -2.2 to 0.5 dB. The silent soak of 2026-12-07
#: (5f6d885): its count "three" written "time", all its sound in the word, at 0.7 dB, was taken at 0.7
#: (the soak of 2026-12-02 had its "...or stop again to end" written "So..." at 0.7 dB too).
MIN_EXCESS_DB = 0.8

#: ... but a stop or pain word Whisper wrote down is taken below it, down to this (dB), when the
#: witness did not take it for the coach's voice alone: pausing and easing off are safe, a stop lost is
#: not. bench talk, 30 minutes (2026-12-07): users' stops written "stop" at 0.5, 0.1 and 0.2 dB were
#: dropped (the witness at -6.0, -3.0 and -12.4 dB); seed 8 (2026-12-07): the coach's own "Thirty
#: seconds more" written "Stop it." at -2.8 dB (the witness at -10.7 dB) paused the session. Less sound
#: than the echo alone brings, by more than its measuring wobbles, is the coach's voice alone.
SAFE_WRITTEN_EXCESS_DB = -1.0

#: Words heard partly over the coach's voice (no echo figures) whose part without its voice had no
#: more than this much less sound per sample than the part with it (dB) had someone speaking where
#: the coach was not. Synthetic speech (tests/test_listen_engines.py): -30 dB with nobody there
#: after a count, -1 dB with a user at the echo's level; a user 10 dB quieter than the echo counts.
#: Not yet measured live (the session log keeps ``outside_db`` on what it drops). bench talk, seed 11
#: (2026-12-07): users' "help" and "What can I say?", written so, said as a line began or in its
#: pause, with no figures, were dropped as said while the coach spoke.
OUTSIDE_VOICE_DB = -10.0

#: ... and with this much more (dB), another voice was surely there: a command Whisper only found
#: fitting is taken over the coach's voice then too (barge-in, 2026-11-30: the users' "harder"
#: written "herder" at 2.1 dB and "pause" written "or a pass." at 14.6 dB were dropped without it)
SURE_EXCESS_DB = 2.0

#: A first-stage guess over the coach's voice acts at once only with this much more sound (dB): the
#: spotter's span is the word's own, where a user's voice stands out far more (a user's "stop" over
#: Piper's voice, live: 20.5 dB), and the coach's own voice once came out at 3.5 dB (the soak,
#: 2026-12-02, the machine loaded: an "ouch" guess eased off and Whisper judged nothing there).
GUESS_EXCESS_DB = 6.0

#: Words that kept this little (dB) after echo cancellation are the coach's own voice whatever the
#: echo around them kept. On the benchmark's echo files (2026-11-21) the user's commands kept -1.5
#: to -11.8 dB; the four commands heard in the coach's voice alone ("stop", "repeat", "easier"
#: twice) kept -21 to -40 dB, 9-17 dB less than the echo around them. A user 16 dB or more quieter
#: than the echo at the microphone falls below this (pink noise: -15 dB keeps -23). In live sessions
#: (2026-11-22) the echo suppression silenced most blocks of the coach's voice, so the typical figure
#: was -120 dB and a "pain" heard in the echo at -28 dB passed without this floor.
ECHO_SURE_DB = -25.0
#: ... and words that kept no more than this and no more than the echo typically keeps are its own
#: too (the same files: the coach's own words kept 9-17 dB less than the echo around them).
ECHO_RESIDUAL_DB = -20.0
#: After audio was skipped to catch up, the echo canceller's view of what the coach played lags for
#: a moment: commands heard over the coach's voice this long (seconds) after a skip are not trusted
#: (live, 2026-11-30: 0.5 s after a skip the canceller took 1.7 dB out of the coach's voice instead
#: of 34, and Whisper heard "stop" in it).
SETTLE_AFTER_SKIP = 1.5

#: Words that ended this long (seconds) or more before the coach's first line reached the loudspeaker
#: (with nothing played before) were said before its voice was in the room, whatever it had queued:
#: bench talk, 30 minutes (2026-12-07): a user's "help", said as the introduction was being readied,
#: written "help", was dropped as "the coach was speaking" with no line yet playing. The margin covers
#: the estimate of when a line's first sample went out.
LINE_LEAD = 0.3
#: A line's echo can still be in the room (and in the recogniser) this long (seconds) after it ended;
#: words begun this long after it left the loudspeaker (by the listener's stamps) hold none of it.
ECHO_TAIL = 0.8
#: A word of a line the coach sent out lately is its echo if the coach said that word about when the
#: heard words ended: no more than ``WORD_EARLY`` seconds after it (where the coach says a word is
#: estimated from where it stands in the line's text: within 0.27 s for every "stop" and "pain" in
#: the built-in routines, rendered by espeak-ng, 2026-11-22) and no more than ``WORD_LATE`` seconds
#: before it (the way out of the speaker, through the room and into the microphone, and a
#: recogniser running behind the audio; the coach's own "pain" heard seconds later, in the next
#: line, is still its own).
WORD_EARLY = 0.5
WORD_LATE = 2.0

#: A first-stage guess sounds like a word the coach was saying when its phones (the pronouncing
#: dictionary's) are that word's with at most this many changed, added or left out, or a run of that
#: word's phones. bench talk (2026-12-07, the echo through a small loudspeaker): the spotter took the
#: coach's own "Step one of eight" for "stop" (S T EH P against S T AA P: one phone) twice, 1.2 and
#: 2.8 s into a line, with 13.7 and 31.6 dB more sound than the echo (the small loudspeaker's
#: distortion at a line's start), and each paused the session.
LIKE_PHONES = 1
#: ... counted only for words of this many phones or more: shorter ones are a phone or two from too
#: many words ("ow" AW against "oh" OW)
LIKE_LONGEST_CHANGE = 3
