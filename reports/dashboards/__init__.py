"""Read side of the dashboards (STYLE R4): the region dashboard and the country overview."""
