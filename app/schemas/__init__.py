"""Request and response shapes of the HTTP API (pydantic models, never table models)."""
