"""National-scale benchmark of the portal: data generator (`generator.py`) and runners."""
