"""Excel/CSV reports: `base` (streaming writers), one module per report, `registry`,
`jobs` (write side: direct writes, background jobs, cleanup)."""
