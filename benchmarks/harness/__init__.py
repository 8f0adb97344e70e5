"""The pieces of ``benchmarks/run.py``: projects, databases, timings, measurements, report."""
