"""A small synthetic district (2 schools, 51 staff, 180 students) in the roster format, for demos and
tests: ``twovisits demo`` imports it."""

from pathlib import Path

SAMPLE_ROSTER = Path(__file__).parent
