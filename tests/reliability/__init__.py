"""Reliability tests: process-kill crash safety, API fuzzing, parser fuzzing (issue 7)."""
