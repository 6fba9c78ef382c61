"""Counts access-matrix probes so the test run can report them."""

TOTAL = {"probes": 0}


def add(n: int) -> None:
    TOTAL["probes"] += n
