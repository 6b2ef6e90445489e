"""Benchmarks behind `invoke bench`: measured figures, never timed tests."""
