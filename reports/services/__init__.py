"""Write side of reports (STYLE R3): alerts.py (alerts_sync), notify.py (digests, MAX bot)."""
