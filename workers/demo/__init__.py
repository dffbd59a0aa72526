"""The offline demo: a small sample news site served on 127.0.0.1 and ingested for real."""
