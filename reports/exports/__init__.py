"""Reports in XLSX, ODS, CSV and PDF: `base` (the writer interface, XLSX and CSV, row
heights, neutralisation), `ods`, `pdf`, `formats` (the one format registry), one module
per report, `registry`, `jobs` (write side: direct writes, background jobs, cleanup)."""
