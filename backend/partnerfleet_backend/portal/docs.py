"""The API reference, served from the app's own files (the swagger-ui-py package ships
Swagger UI 5, which reads OpenAPI 3.1): it renders on a machine without internet."""

from pathlib import Path

import swagger_ui
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="partnerfleet API reference",
        swagger_js_url="/docs-static/swagger-ui-bundle.js",
        swagger_css_url="/docs-static/swagger-ui.css",
        swagger_favicon_url="/docs-static/favicon-32x32.png",
    )


def mount(app: FastAPI) -> None:
    folder = Path(swagger_ui.__file__).parent / "static"
    app.mount("/docs-static", StaticFiles(directory=folder), name="docs-static")
