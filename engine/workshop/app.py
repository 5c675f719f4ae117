"""The workshop's web application: two pages and a small JSON API, behind access tokens.

Every request needs a token, in the query string (``?token=...``) or in the
cookie the pages set: the facilitator's token opens everything, the
participants' token opens only the voting page and its two API calls
(``/api/ballot``, ``/api/vote``), which carry weights and nothing about any
employee.  Anything else gets 403.  The server is meant to listen on
127.0.0.1 only (see :func:`serve`); pages load nothing from the network (CSS
and JavaScript are inline, fonts are the system's).
"""
from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.datastructures import MutableHeaders
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..i18n import normalize_locale
from . import texts
from .session import SaveRefused, Workshop

TEMPLATES = Path(__file__).parent / "templates"
PARTICIPANT_PATHS = {"/vote", "/api/ballot", "/api/vote"}


@dataclass
class Tokens:
    """The two secrets of one workshop (new ones every time the server starts)."""

    facilitator: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    participant: str = field(default_factory=lambda: secrets.token_urlsafe(24))


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def _json_for_script(data) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")


def create_app(workshop: Workshop, tokens: Tokens | None = None) -> Starlette:
    """The Starlette application serving ``workshop``; ``app.state.tokens`` holds the tokens."""
    tokens = tokens or Tokens()
    env = _env()
    # read as text, not as Jinja templates: ``{#`` in CSS or JavaScript must not be template syntax
    assets = {name: (TEMPLATES / name).read_text(encoding="utf-8")
              for name in ("workshop.css", "common.js", "facilitator.js", "participant.js")}
    lock = threading.Lock()  # one state change at a time, whatever the server's concurrency

    def cookie(request: Request, role: str) -> str:
        # cookies are shared by every port of a host: the port keeps two workshops apart
        return f"appraise_workshop_{request.url.port or 0}_{role}"

    def role(request: Request) -> str | None:
        given = [request.query_params.get("token", ""), request.cookies.get(cookie(request, "f"), ""),
                 request.cookies.get(cookie(request, "p"), "")]
        if any(secrets.compare_digest(t.encode(), tokens.facilitator.encode()) for t in given if t):
            return "facilitator"
        if any(secrets.compare_digest(t.encode(), tokens.participant.encode()) for t in given if t):
            return "participant"
        return None

    def allowed(request: Request) -> bool:
        r = role(request)
        return r == "facilitator" or (r == "participant" and request.url.path in PARTICIPANT_PATHS)

    def forbidden() -> Response:
        return Response("403 Forbidden: this workshop needs the access link printed when it started.\n",
                        status_code=403, media_type="text/plain; charset=utf-8")

    def locale_of(request: Request) -> str:
        lang = request.query_params.get("lang")
        return normalize_locale(lang, workshop.locale) if lang else workshop.locale

    def page(request: Request, template: str, boot: dict, token_role: str) -> Response:
        nonce = secrets.token_urlsafe(16)
        locale = locale_of(request)
        boot = {**boot, "lang": locale, "other_lang": texts.other(locale), "texts": texts.table(locale)}
        html = env.get_template(template).render(
            nonce=nonce, lang=locale, t=texts.table(locale), boot=_json_for_script(boot), css=assets["workshop.css"],
            common_js=assets["common.js"], page_js=assets[template.replace(".html", ".js")])
        response = HTMLResponse(html, headers={
            "Content-Security-Policy": (f"default-src 'none'; script-src 'nonce-{nonce}'; "
                                        f"style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; "
                                        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        })
        token = tokens.facilitator if token_role == "f" else tokens.participant
        response.set_cookie(cookie(request, token_role), token, httponly=True, samesite="strict")
        return response

    def participant_url(request: Request) -> str:
        return f"{request.base_url}vote?{urlencode({'token': tokens.participant})}"

    async def facilitator_page(request: Request) -> Response:
        if role(request) != "facilitator":
            return forbidden()
        with lock:
            boot = {"view": workshop.weights_view(locale_of(request)), "impact": workshop.impact(),
                    "votes": workshop.votes_view(), "participant_url": participant_url(request),
                    "file": workshop.path.name if workshop.path else ""}
        return page(request, "facilitator.html", boot, "f")

    async def participant_page(request: Request) -> Response:
        if not allowed(request):
            return forbidden()
        response = page(request, "participant.html", {}, "p" if role(request) == "participant" else "f")
        voter_cookie = cookie(request, "voter")
        if not request.cookies.get(voter_cookie):
            response.set_cookie(voter_cookie, secrets.token_urlsafe(12), httponly=True, samesite="strict",
                                max_age=7 * 24 * 3600)
        return response

    async def api(request: Request) -> Response:
        if not allowed(request):
            return forbidden()
        name = request.path_params["name"]
        body = {}
        if request.method == "POST":
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": "the request body is not JSON"}, status_code=400)
            if not isinstance(body, dict):
                return JSONResponse({"error": "the request body must be a JSON object"}, status_code=400)
        locale = locale_of(request)
        try:
            with lock:
                return JSONResponse(handle(request, name, body, locale))
        except SaveRefused as exc:
            return JSONResponse({"error": "save_refused", "messages": exc.messages}, status_code=422)
        except (KeyError, ValueError, TypeError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            return JSONResponse({"error": str(message)}, status_code=400)

    def handle(request: Request, name: str, body: dict, locale: str) -> dict:
        if name == "state":
            return {"view": workshop.weights_view(locale), "impact": workshop.impact(),
                    "votes": workshop.votes_view()}
        if name == "weights":
            if request.method != "POST":
                raise ValueError("POST a weight: {\"key\": ..., \"value\": ...}")
            if "weights" in body:
                workshop.set_all({str(k): v for k, v in dict(body["weights"]).items()})
            else:
                workshop.move(str(body["key"]), _number(body["value"]))
            return {"weights": workshop.weights_view(locale)["weights"], "impact": workshop.impact()}
        if name in ("reset", "adopt"):
            if request.method != "POST":
                raise ValueError(f"POST to /api/{name}")
            workshop.reset() if name == "reset" else workshop.adopt()
            return {"weights": workshop.weights_view(locale)["weights"], "impact": workshop.impact()}
        if name == "votes":
            return workshop.votes_view()
        if name == "check":
            return {"problems": workshop.check()}
        if name == "save":
            if request.method != "POST":
                raise ValueError("POST to /api/save")
            return workshop.save()
        if name == "ballot":
            voter = request.cookies.get(cookie(request, "voter"), "")
            own = workshop.votes.get(voter)
            return {"view": workshop.weights_view(locale),
                    "ballot": {"name": own.name, "weights": {k: float(v) for k, v in own.weights.items()}}
                    if own else None}
        if name == "vote":
            if request.method != "POST":
                raise ValueError("POST a vote: {\"name\": ..., \"weights\": {...}}")
            voter = request.cookies.get(cookie(request, "voter"), "")
            if not voter:
                raise ValueError("open the participant link first (it gives this browser a voter id)")
            ballot = workshop.vote(voter, body.get("name", ""), dict(body.get("weights") or {}))
            return {"name": ballot.name, "votes": len(workshop.votes)}
        raise KeyError(f"no API '{name}'")

    routes = [Route("/", facilitator_page), Route("/vote", participant_page),
              Route("/api/{name}", api, methods=["GET", "POST"])]

    class Guard:
        """Pure ASGI middleware (a BaseHTTPMiddleware would stream every response in pieces)."""

        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "http":
                return await self.app(scope, receive, send)
            if not allowed(Request(scope)):  # also unknown paths: nothing is answered without a token
                return await forbidden()(scope, receive, send)

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    headers.setdefault("Cache-Control", "no-store")
                    headers.setdefault("Referrer-Policy", "no-referrer")  # the URLs carry tokens
                    headers.setdefault("X-Content-Type-Options", "nosniff")
                await send(message)

            await self.app(scope, receive, send_with_headers)

    app = Starlette(routes=routes, middleware=[Middleware(Guard)])
    app.state.tokens = tokens
    app.state.workshop = workshop
    return app


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("a weight is a number")
    return float(value)


def urls(base: str, tokens: Tokens) -> tuple[str, str]:
    """The facilitator's and the participants' links for a server at ``base`` (``http://127.0.0.1:8765``)."""
    return (f"{base}/?{urlencode({'token': tokens.facilitator})}",
            f"{base}/vote?{urlencode({'token': tokens.participant})}")


def listen_socket(port: int = 0):
    """A TCP socket bound to 127.0.0.1 only (the workshop holds everyone's results); ``port`` 0: a free one."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # answers go out at once: with Nagle's algorithm uvicorn's header and body writes wait ~40 ms
    # for the client's delayed ACK (accepted connections inherit the option on Linux)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def serve(workshop: Workshop, port: int = 0, *, open_browser: bool = False, echo=print,
          tokens: Tokens | None = None) -> None:
    """Run the app on 127.0.0.1 (``port`` 0: a free one) until interrupted; print the links first."""
    import uvicorn

    tokens = tokens or Tokens()
    app = create_app(workshop, tokens)
    sock = listen_socket(port)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    facilitator, participant = urls(base, tokens)
    echo(f"Workshop for {workshop.path.name if workshop.path else workshop.ruleset.id}: "
         f"{workshop.rescorer.height:,} employees, period {workshop.cycle_label}")
    echo(f"  facilitator:  {facilitator}")
    echo(f"  participants: {participant}")
    echo("Press Ctrl+C to stop.")
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(facilitator,)).start()
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
