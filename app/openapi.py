"""Print the OpenAPI document the app serves (`make openapi` writes it to openapi.json)."""

import json

from app.main import create_app


def document() -> str:
    """Return the OpenAPI document as stable, indented JSON."""
    return json.dumps(create_app().openapi(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    print(document(), end="")
