"""The implementation index (методика индекса внедрения): everything but its models.

- `scoring/`: the pure engine (no Django): criteria, rules, points, bands;
- `services`: writes (facts, verification, recompute, criteria of a methodology);
- `selectors`: reads for pages, API and exports (ranking, region page, criterion inputs);
- `inputs` + `uploads`: the index-input file (parser, then upload/apply);
- `views`, `urls`, `forms`, `admin`, `permissions`: the pages under /index/;
- `receivers`: recompute after a monitoring import (`indicators.signals`).

The models live with the app's others in `indicators/models/index.py` and `methodology.py`.
"""
