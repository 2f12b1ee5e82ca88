"""Numbered schema migrations. Each module ``NNNN_name.py`` holds ``SQL``: statements written once and never
edited after they ship (the models may move on; migrations are history). ``{pk}`` stands for the dialect's
auto-incrementing primary key, the one difference between PostgreSQL and the SQLite of the demo that matters here.
"""
