"""Synthetic data for the demo (`manage.py load_demo_data`) and the benchmark (`bench/`).

`generator` draws regions, municipalities, organisations, a season of monitoring files,
index facts and roadmaps with a fixed seed, at any scale. The benchmark imports it from
here; nothing in the portal imports `bench`.
"""
