# mailflow: `make demo` to see it work, `make test` for the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install dovecot courier demo test core lint typecheck fmt bench understand learn hostile reliability clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

install: $(STAMP) ## create .venv with mailflow and the dev tools

dovecot: ## install Dovecot (the local IMAP server the demo and tests use) if missing
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { \
		echo "Installing Dovecot (dovecot-imapd, dovecot-lmtpd) with apt-get..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq dovecot-imapd dovecot-lmtpd >/dev/null; }

courier: ## unpack Courier-IMAP (the tests' second IMAP server) if missing; it conflicts with dovecot-imapd
	@test -x /opt/mailflow-courier/usr/bin/imapd || test -x "$$COURIER_IMAPD" || { \
		echo "Unpacking courier-imap into /opt/mailflow-courier (not installed: it conflicts with dovecot-imapd)..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -qq --no-install-recommends courier-authlib libcourier-unicode4 libgamin0 libgdbm6 libidn12 >/dev/null && \
		work=$$(mktemp -d) && (cd $$work && apt-get download -qq courier-imap) && \
		$$SUDO mkdir -p /opt/mailflow-courier && $$SUDO dpkg-deb -x $$work/courier-imap_*.deb /opt/mailflow-courier && rm -rf $$work; }

demo: install dovecot ## a whole conversation on a throwaway local mail server
	$(BIN)/mailflow demo

lint: install ## ruff
	$(BIN)/ruff check mailflow tests bench
	$(BIN)/ruff format --check mailflow tests bench

typecheck: install ## mypy --strict on the package
	$(BIN)/mypy mailflow

test: install dovecot courier lint typecheck ## lint, types and the whole suite against real Dovecot + SMTP
	$(BIN)/python -m pytest -n auto --dist worksteal

core: install ## the fast core tests only: no server started (-m "not integration")
	$(BIN)/python -m pytest -n auto --dist worksteal -m "not integration"

fmt: install ## format and autofix
	$(BIN)/ruff format mailflow tests bench
	$(BIN)/ruff check --fix mailflow tests bench

bench: install dovecot ## benchmarks: figures beside measured floors (no pass/fail)
	$(BIN)/python bench/poll.py
	@echo
	$(BIN)/python bench/busy.py

understand: install ## how well mail is read: first mail (precision, recall, crisis), replies (and crises in them), the safety letter that asks; every miss
	$(BIN)/python bench/understand.py
	@echo
	$(BIN)/python bench/replies.py
	@echo
	$(BIN)/python bench/reply_risk.py
	@echo
	$(BIN)/python bench/asking_letter.py

learn: install ## learn the risk words and the leave words again from the labelled sets learned from (after editing one); ARGS=--cv or --leave reruns a threshold's choice
	$(BIN)/python bench/learn_risk.py $(ARGS)

hostile: install ## worst cost of each hostile mail kind at the caps, beside a normal mail's (#14)
	$(BIN)/python bench/hostile.py

reliability: install dovecot ## SIGKILL, overlap and outage trials (ARGS="--seed 7 --trials 60")
	$(BIN)/python bench/reliability.py $(ARGS)

clean: ## remove the venv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
