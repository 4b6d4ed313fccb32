"""Reading monitoring exports: header aliases (`columns`) and row validation (`monitoring`)."""
