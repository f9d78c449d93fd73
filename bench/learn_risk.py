# print() is this script's whole output; T201 is waived for bench/** in pyproject.toml.
"""`make learn`: learn the risk words (`mailflow/reading/risk_words.tsv`) from
the labelled first-mail corpus, never from its held-out sets.

Each case is built into a real message and parsed as a run parses it
(`bench/understand.py`); its subject and text are what is weighed, as
`mailflow.reading.classify` weighs them. `--check` learns again and says
whether the shipped file is what the corpus teaches (the tests do the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import understand  # beside this file (a script's folder is on sys.path)

from mailflow.reading import risk_words
from mailflow.reading.parse import parse_mail

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "mailflow" / "reading" / risk_words.WEIGHTS_FILE
HEADER = """\
Risk words: learned by bench/learn_risk.py (make learn) from
tests/corpus/first_mail/*.jsonl (never its held_out sets). Do not edit by hand:
edit the corpus and learn again. word<TAB>weight; (bias) is the constant."""


def corpus_mails() -> list[tuple[str, bool]]:
    """(subject and text, is a crisis) of every case in the corpus."""
    mails = []
    for case in understand.load():
        mail = parse_mail(case.raw)
        mails.append((f"{mail.subject}\n{mail.text}", case.label == "crisis"))
    return mails


def learned_text() -> str:
    return risk_words.dump(risk_words.learn(corpus_mails()), HEADER)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = learned_text()
    weights = risk_words.parse(text)
    if args.check:
        same = SHIPPED.exists() and SHIPPED.read_text("utf-8") == text
        print(f"{SHIPPED.name}: {'as learned' if same else 'NOT as learned'}")
        return 0 if same else 1
    SHIPPED.write_text(text, encoding="utf-8")
    print(
        f"{SHIPPED.relative_to(ROOT)}: {len(weights.words)} words and pairs,"
        f" {len(text) // 1024} KB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
