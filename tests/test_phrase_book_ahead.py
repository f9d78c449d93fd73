"""`compile_ahead` compiles the phrase book on a thread while a run waits on its
servers; a reader who asks meanwhile waits for that book, never compiles a
second, and gets the very one every later call gets."""

from __future__ import annotations

import functools
import threading

import pytest

from mailflow.reading import phrases as book


def test_a_reader_racing_the_thread_gets_the_one_book(monkeypatch):
    book._book.cache_clear()
    compiled: list[str] = []
    started = threading.Event()
    release = threading.Event()
    original = book._book.__wrapped__

    def slow(language: str) -> book.Phrases:
        compiled.append(language)
        started.set()
        release.wait(30)  # a bound, never reached: the test releases it
        return original(language)

    waiting = threading.Event()

    class Watched:
        """The book's lock, saying when the reader has come to it."""

        def __enter__(self) -> None:
            if threading.current_thread().name == "reader":
                waiting.set()
            lock.acquire()

        def __exit__(self, *exc: object) -> None:
            lock.release()

    lock = threading.Lock()
    monkeypatch.setattr(book, "_COMPILING", Watched())
    monkeypatch.setattr(book, "_book", functools.cache(slow))
    book.compile_ahead()
    assert started.wait(30)
    reader: list[book.Phrases] = []
    asking = threading.Thread(
        target=lambda: reader.append(book.phrases()), name="reader"
    )
    asking.start()
    assert waiting.wait(30)  # the reader is at the lock while the thread compiles
    release.set()
    asking.join(30)
    assert compiled == ["en"]  # once, by the thread; the reader waited for it
    assert reader == [book.phrases()]
    assert reader[0] is book.phrases()


def test_a_book_that_cannot_be_compiled_is_said_by_the_reader(monkeypatch):
    def broken(language: str) -> book.Phrases:
        raise KeyError(language)

    monkeypatch.setattr(book, "_book", broken)
    done = threading.Event()
    monkeypatch.setattr(
        threading, "excepthook", lambda args: done.set()
    )  # an exception escaping the thread would land here
    book.compile_ahead("xx")
    for thread in threading.enumerate():
        if thread.name == "phrase-book":
            thread.join(30)
    assert not done.is_set()
    with pytest.raises(KeyError, match="xx"):
        book.phrases("xx")
