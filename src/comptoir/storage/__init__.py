"""Tables, the engine, repositories and Alembic migrations (SQLite by default, PostgreSQL)."""
