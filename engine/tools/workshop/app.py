"""The workshop's web application: two pages and a small JSON API, behind access tokens.

Who may do what:

* The **facilitator's link** (``/?token=F``) opens everything.  Each
  **participant link** (``/vote?token=P``) is issued by the facilitator, one
  per person (``--links N`` at start, or "New participant link" on the
  facilitator's page); it opens only the voting page and its two API calls
  (``/api/ballot``, ``/api/vote``), which carry weights and nothing about any
  employee.  A link holds one ballot: voting again replaces it.
* Pages take their token from the query string; every API call must carry it
  in the ``X-Appraise-Token`` header (the pages' script sends it).  No token is
  ever kept in a cookie: cookies are shared by every port of a host, so any
  other local server a browser visits would receive them, and a page from it
  could use them.
* Requests must name a loopback host (``Host: 127.0.0.1:<port>``,
  ``localhost`` or ``[::1]``; DNS rebinding), API calls from a browser must be
  same-origin (``Origin`` and ``Sec-Fetch-Site``, when sent), every POST must
  be ``Content-Type: application/json`` with a body of at most
  :data:`MAX_BODY` bytes, nested at most :data:`MAX_DEPTH` levels, without
  ``NaN`` or ``Infinity``.  Anything else is refused with a 4xx and a message.

The server is meant to listen on 127.0.0.1 only (see :func:`serve`); pages load
nothing from the network (CSS and JavaScript are inline, fonts are the system's).
"""
from __future__ import annotations

import json
import math
import re
import secrets
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from appraise.i18n import normalize_locale
from appraise.tools.workshop import texts
from appraise.tools.workshop.session import SaveConflict, SaveRefused, Workshop

TEMPLATES = Path(__file__).parent / "templates"
PARTICIPANT_PATHS = {"/vote", "/api/ballot", "/api/vote"}
TOKEN_HEADER = "x-appraise-token"
MAX_BODY = 256 * 1024          # bytes of one request body (a ruleset's every weight fits many times over)
MAX_DEPTH = 16                 # nesting of a request's JSON (the API needs 2)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
FACILITATOR_VOTER = "facilitator"


@dataclass
class Tokens:
    """The secrets of one workshop (new ones every time the server starts).

    ``facilitator`` opens everything; ``links`` maps each issued participant
    token to its label ("1", "2", ...), which is also that link's voter id.
    """

    facilitator: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    links: dict[str, str] = field(default_factory=dict)

    def issue(self) -> str:
        """A new participant link's token (one ballot per link)."""
        token = secrets.token_urlsafe(24)
        self.links[token] = str(len(self.links) + 1)
        return token

    def role(self, given: str) -> tuple[str | None, str | None]:
        """("facilitator" | "participant" | None, the participant link's label)."""
        if not given:
            return None, None
        raw = given.encode()
        if secrets.compare_digest(raw, self.facilitator.encode()):
            return "facilitator", None
        label = None
        for token, name in self.links.items():  # compare with every link, in constant time each
            if secrets.compare_digest(raw, token.encode()):
                label = name
        return ("participant", label) if label is not None else (None, None)


class Refused(Exception):
    """A request refused before it reaches the workshop: HTTP ``status`` and a message key of :mod:`.texts`."""

    def __init__(self, status: int, key: str, **values):
        super().__init__(key)
        self.status, self.key, self.values = status, key, values


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def _json_for_script(data) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def parse_body(raw: bytes) -> dict:
    """The JSON object of a request body; raises :class:`Refused` (400) saying what is wrong with it.

    Refused: bodies that are not UTF-8 or not JSON, nesting deeper than
    :data:`MAX_DEPTH` (checked by a linear scan before parsing), ``NaN``,
    ``Infinity`` and numbers too large to be finite, and anything but an object.
    """
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "err_not_json") from None
    depth = deepest = 0
    for ch in _STRING.sub(b"", raw):
        if ch in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in b"]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise Refused(400, "err_too_deep", depth=MAX_DEPTH)

    def non_finite(text):
        raise Refused(400, "err_non_finite", value=text)

    def number(text):
        value = float(text)
        if not math.isfinite(value):
            non_finite(text)
        return value

    try:
        body = json.loads(raw, parse_constant=non_finite, parse_float=number)
    except (ValueError, RecursionError):
        raise Refused(400, "err_not_json") from None
    if not isinstance(body, dict):
        raise Refused(400, "err_not_object")
    return body


def _loopback(host: str) -> bool:
    """``host`` (a Host header: name and port) names this machine's loopback interface."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in LOOPBACK_HOSTS


def create_app(workshop: Workshop, tokens: Tokens | None = None) -> Starlette:
    """The Starlette application serving ``workshop``; ``app.state.tokens`` holds the tokens."""
    tokens = tokens or Tokens()
    env = _env()
    # read as text, not as Jinja templates: ``{#`` in CSS or JavaScript must not be template syntax
    assets = {name: (TEMPLATES / name).read_text(encoding="utf-8")
              for name in ("workshop.css", "common.js", "facilitator.js", "participant.js")}
    lock = threading.Lock()  # one state change at a time, whatever the server's concurrency

    def given_token(request: Request) -> str:
        # pages: the link's query string; the API: the header only (never a cookie, never the query)
        if request.url.path.startswith("/api/"):
            return request.headers.get(TOKEN_HEADER, "")
        return request.query_params.get("token", "")

    def role(request: Request) -> tuple[str | None, str | None]:
        return tokens.role(given_token(request))

    def allowed(request: Request) -> bool:
        r, _ = role(request)
        return r == "facilitator" or (r == "participant" and request.url.path in PARTICIPANT_PATHS)

    def locale_of(request: Request) -> str:
        lang = request.query_params.get("lang")
        return normalize_locale(lang, workshop.locale) if lang else workshop.locale

    def refusal(request: Request, exc: Refused) -> Response:
        locale = locale_of(request)
        message = texts.message(exc.key, locale, **exc.values)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "code": exc.key}, status_code=exc.status)
        both = " / ".join(dict.fromkeys(texts.message(exc.key, lang, **exc.values) for lang in texts.LOCALES))
        return Response(f"{exc.status} {both}\n", status_code=exc.status, media_type="text/plain; charset=utf-8")

    def check(request: Request) -> None:
        """Everything a request must pass before it reaches a page or the API; raises :class:`Refused`."""
        host = request.headers.get("host", "")
        if not _loopback(host):
            raise Refused(403, "err_host", host=host[:100])
        if not allowed(request):  # also unknown paths: nothing is answered without a token
            raise Refused(403, "err_token")
        if not request.url.path.startswith("/api/"):
            return
        origin = request.headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            raise Refused(403, "err_cross_site", origin=origin[:100])
        if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
            raise Refused(403, "err_cross_site", origin=request.headers.get("sec-fetch-site"))
        if request.method == "POST":
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                raise Refused(415, "err_content_type")
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
                raise Refused(413, "err_too_large", limit=MAX_BODY)

    def page(request: Request, template: str, boot: dict) -> Response:
        nonce = secrets.token_urlsafe(16)
        locale = locale_of(request)
        boot = {**boot, "lang": locale, "other_lang": texts.other(locale), "texts": texts.table(locale)}
        html = env.get_template(template).render(
            nonce=nonce, lang=locale, t=texts.table(locale), boot=_json_for_script(boot), css=assets["workshop.css"],
            common_js=assets["common.js"], page_js=assets[template.replace(".html", ".js")])
        return HTMLResponse(html, headers={
            "Content-Security-Policy": (f"default-src 'none'; script-src 'nonce-{nonce}'; "
                                        f"style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; "
                                        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        })

    def links_view(request: Request) -> list[dict]:
        base = f"http://{request.headers.get('host')}"
        return [{"label": label, "url": participant_link(base, token), "voted": label in workshop.votes}
                for token, label in tokens.links.items()]

    async def facilitator_page(request: Request) -> Response:
        if role(request)[0] != "facilitator":
            return refusal(request, Refused(403, "err_token"))
        with lock:
            boot = {"view": workshop.weights_view(locale_of(request)), "impact": workshop.impact(),
                    "votes": workshop.votes_view(), "links": links_view(request),
                    "file": workshop.path.name if workshop.path else ""}
        return page(request, "facilitator.html", boot)

    async def participant_page(request: Request) -> Response:
        return page(request, "participant.html", {})

    async def read_body(request: Request) -> dict:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:  # a body sent without Content-Length (chunked) stops here
                raise Refused(413, "err_too_large", limit=MAX_BODY)
            chunks.append(chunk)
        return parse_body(b"".join(chunks))

    async def api(request: Request) -> Response:
        name = request.path_params["name"]
        locale = locale_of(request)
        try:
            body = await read_body(request) if request.method == "POST" else {}
            with lock:
                return JSONResponse(handle(request, name, body, locale))
        except Refused as exc:
            return refusal(request, exc)
        except SaveConflict as exc:
            return JSONResponse({"error": "save_conflict", "messages": exc.messages}, status_code=409)
        except SaveRefused as exc:
            return JSONResponse({"error": "save_refused", "messages": exc.messages}, status_code=422)
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            return JSONResponse({"error": str(message)}, status_code=400)

    def voter_of(request: Request) -> str:
        r, label = role(request)  # a participant always has their link's label
        return label if r == "participant" and label is not None else FACILITATOR_VOTER

    def handle(request: Request, name: str, body: dict, locale: str) -> dict:
        if name == "state":
            return {"view": workshop.weights_view(locale), "impact": workshop.impact(),
                    "votes": workshop.votes_view()}
        if name == "weights":
            if request.method != "POST":
                raise ValueError("POST a weight: {\"key\": ..., \"value\": ...}")
            if "weights" in body:
                if not isinstance(body["weights"], dict):
                    raise ValueError("'weights' is an object of weight keys and numbers")
                # as exact decimals, written as the JSON number was (what the session makes of any number)
                workshop.set_all({str(k): Decimal(str(_number(v))) for k, v in body["weights"].items()})
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
        if name == "links":
            if request.method == "POST":
                tokens.issue()
            return {"links": links_view(request)}
        if name == "check":
            return {"problems": workshop.check()}
        if name == "save":
            if request.method != "POST":
                raise ValueError("POST to /api/save")
            return workshop.save()
        if name == "ballot":
            own = workshop.votes.get(voter_of(request))
            return {"view": workshop.weights_view(locale),
                    "ballot": {"name": own.name, "weights": {k: float(v) for k, v in own.weights.items()}}
                    if own else None}
        if name == "vote":
            if request.method != "POST":
                raise ValueError("POST a vote: {\"name\": ..., \"weights\": {...}}")
            weights = body.get("weights") or {}
            if not isinstance(weights, dict):
                raise ValueError("'weights' is an object of weight keys and numbers")
            ballot = workshop.vote(voter_of(request), body.get("name", ""), weights)
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
            request = Request(scope)
            try:
                check(request)
            except Refused as exc:
                return await refusal(request, exc)(scope, receive, send)

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
    """A weight sent as a JSON number (or a numeric string): finite, never a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("a weight is a number")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise ValueError(f"a weight is a number, not {str(value)[:40]!r}") from None
    if not math.isfinite(number):
        raise ValueError("a weight is a finite number between 0 and 100")
    return number


def facilitator_link(base: str, tokens: Tokens) -> str:
    """The facilitator's link for a server at ``base`` (``http://127.0.0.1:8765``)."""
    return f"{base}/?{urlencode({'token': tokens.facilitator})}"


def participant_link(base: str, token: str) -> str:
    """One participant's link (``token`` from :meth:`Tokens.issue`)."""
    return f"{base}/vote?{urlencode({'token': token})}"


def urls(base: str, tokens: Tokens) -> tuple[str, list[str]]:
    """The facilitator's link and every participant link issued so far."""
    return facilitator_link(base, tokens), [participant_link(base, t) for t in tokens.links]


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
          tokens: Tokens | None = None, links: int = 0) -> None:
    """Run the app on 127.0.0.1 (``port`` 0: a free one) until interrupted; print the links first.

    ``links`` participant links are issued at once (the facilitator's page issues more).
    """
    import uvicorn

    tokens = tokens or Tokens()
    for _ in range(links):
        tokens.issue()
    app = create_app(workshop, tokens)
    sock = listen_socket(port)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    facilitator, participants = urls(base, tokens)
    echo(f"Workshop for {workshop.path.name if workshop.path else workshop.ruleset.id}: "
         f"{workshop.rescorer.height:,} employees, period {workshop.cycle_label}")
    echo(f"  facilitator:  {facilitator}")
    if participants:
        for i, link in enumerate(participants, 1):
            echo(f"  participant {i}: {link}")
    else:
        echo("  participants: one link per person, from the facilitator's page (or start with --links N)")
    echo("Press Ctrl+C to stop.")
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(facilitator,)).start()
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
