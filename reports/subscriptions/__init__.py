"""Reports that arrive by themselves: schedule (pure), services, views, forms."""
