"""Benchmarks: the real bot driven through the Bot API stand-in, next to a bare PTB floor.

Run ``python -m bench.visits --help``. Nothing here touches anything but 127.0.0.1 and a temp dir.
"""
