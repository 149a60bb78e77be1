"""Khabar (خبر): cited answers over a news corpus, in Discord and a local REPL."""

__version__ = "0.1.0"
