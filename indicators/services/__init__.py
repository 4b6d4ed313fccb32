"""Write side of the indicators app (STYLE R3)."""
