"""Invoke tasks, gathered by the top-level tasks.py."""
