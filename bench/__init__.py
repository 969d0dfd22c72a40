"""Benchmarks: speed, accuracy and latency, printed as figures. Run with `make bench`."""
