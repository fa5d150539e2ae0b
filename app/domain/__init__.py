"""Pure domain logic: no FastAPI, SQLModel or database imports below this package."""
