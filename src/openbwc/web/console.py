"""Console plumbing: templates, navigation, the error page, static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from openbwc import __version__
from openbwc.kit.registry import NavEntry, Registry
from openbwc.kit.time import isoformat
from openbwc.web import csrf, vendor
from openbwc.web.http import public
from openbwc.web.names import duration

HERE = Path(__file__).parent

# The menu: Home, then what each domain declares (registry.add_nav), in their order.
HOME = NavEntry("Home", "/", None, 0)


def build_templates(domain_folders: list[Path]) -> Jinja2Templates:
    """The console's own templates (base, error), then each domain's folder, in domain order."""
    templates = Jinja2Templates(directory=[str(HERE / "templates"), *(str(f) for f in domain_folders)])
    # To the second: nobody reads microseconds on a screen (the JSON keeps them).
    templates.env.filters["when"] = (
        lambda v: "" if v is None else isoformat(v.replace(microsecond=0)).replace("T", " ").replace("Z", " UTC")
    )
    templates.env.filters["day"] = lambda v: "" if v is None else v.date().isoformat()
    # Lengths of footage as h:mm:ss, never "2376 s".
    templates.env.filters["duration"] = duration
    templates.env.globals["version"] = __version__
    return templates


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    nav = [
        {"label": e.label, "path": e.path}
        for e in request.app.state.navigation
        if principal is None or e.permission is None or principal.can(e.permission)
    ]
    ctx = {
        "request": request,
        "principal": principal,
        "nav": nav,
        "csrf_token": csrf.form_token(request),
        "banner": request.app.state.settings.system_use_banner,
        "path": request.url.path,
    }
    ctx.update(context or {})
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status_code)


def fragment(request: Request, name: str, context: dict[str, Any]) -> Markup:
    """A piece of a page (a panel another domain adds), rendered with the console's templates."""
    base = {
        "request": request,
        "principal": getattr(request.state, "principal", None),
        "csrf_token": csrf.form_token(request),
    }
    html = request.app.state.templates.get_template(name).render({**base, **context})
    return Markup(html)  # noqa: S704  (rendered by the autoescaping template environment)


def panels(request: Request, slot: str, db: Any, caller: Any, obj: Any) -> list[Markup]:
    """The sections other domains add to the page ``slot`` (registry.add_panel), in domain order."""
    out = []
    for render_panel in request.app.state.registry.panels.get(slot, []):
        html = render_panel(request, db, caller, obj)
        if html:
            if not isinstance(html, Markup):
                raise TypeError(f"panel {render_panel.__name__} must return web.console.fragment(...), not text")
            out.append(html)
    return out


def _same_site_referer(request: Request) -> str | None:
    """The page the person came from, on this site: a "Go back" link that needs no JavaScript."""
    parts = urlsplit(request.headers.get("referer", ""))
    if not parts.path or parts.netloc != request.url.netloc:
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


def mount(app: FastAPI, registry: Registry) -> None:

    app.state.templates = build_templates(registry.template_dirs)
    app.state.navigation = [HOME, *registry.navigation()]

    def render_error(request: Request, status: int, code: str, message: str) -> HTMLResponse:
        context = {"status": status, "code": code, "message": message, "back": _same_site_referer(request)}
        return render(request, "error.html", context, status)

    app.state.render_error = render_error

    # Browsers ask for /favicon.ico whatever the page says: answer with the same icon.
    @app.get("/favicon.ico", include_in_schema=False, dependencies=[public()])
    def favicon() -> FileResponse:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    vendor.mount(app)  # before /static, which would otherwise answer for /static/vendor/...
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in registry.page_routers:
        app.include_router(router)
