"""Swagger UI and ReDoc served with their JavaScript and CSS from the installed package,
never from a CDN, so the docs work in an air-gapped cluster.

Both pages also carry a Content-Security-Policy that lets them load nothing from another
host: the ReDoc bundle would otherwise fetch its sidebar logo from cdn.redoc.ly.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
STATIC_URL = "/docs-static"
# Inline script and styles: Swagger UI's start-up script, ReDoc's styled-components; data:
# images: Swagger UI's icons; blob: workers: ReDoc's search.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


def _self_contained(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page


def install_docs(app: FastAPI) -> None:
    """Serve /docs (Swagger UI) and /redoc from bundled assets."""
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title}: Swagger UI",
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
            swagger_ui_parameters={
                "persistAuthorization": True,
                "displayRequestDuration": True,
                "tryItOutEnabled": True,
            },
        )
        return _self_contained(page)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title}: ReDoc",
            redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
        return _self_contained(page)
