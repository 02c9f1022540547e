"""What the benchmarks share: synthetic data sets and load generation.

Nothing here is, or resembles, real client data.
"""
