"""The built-in HTML renderer: dashboards, improvement plans, team overviews, the index, payout statements.

Views come from :mod:`appraise.plugins.html.views`; this module only lays them
out with Jinja2 (autoescape always on, templates in this package's
``templates/``) and writes the files where :mod:`appraise.plugins.html.paths`
says.

A ruleset may brand and reshape the pages through its ``report:`` section::

    report:
      logo: assets/logo.png            # embedded as a data: URI
      colors: {primary: "#1f4e79", accent: "#c55a11"}
      wording: {plan.owner_default: {en: HR business partner, zh-CN: HRBP}}
      templates: report-templates      # overrides dashboard.html, plan.html...

Paths are relative to the ruleset file and must stay inside its folder.
When the ruleset brings templates they run in a
:class:`jinja2.sandbox.SandboxedEnvironment`: a ruleset is reviewed policy,
not trusted code.

Pages are self-contained (inline CSS and SVG, no script, no external URL) and
deterministic: the same request writes byte-identical files.  Large cycles are
rendered by a process pool; the views are plain data, so they travel cheaply.
The pool's workers die with the process that started them, however it dies
(SIGKILL included): on Linux the kernel kills them (``PR_SET_PDEATHSIG``),
elsewhere a thread in each worker watches its parent.
"""
from __future__ import annotations

import base64
import difflib
import gc
import hashlib
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from functools import cached_property
from importlib.resources import files
from multiprocessing import get_context
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import jinja2.visitor
import markupsafe
from jinja2.sandbox import SandboxedEnvironment

from appraise.i18n import LOCALES, MESSAGES, Texts
from appraise.plugins.html.paths import INDEX, dashboard_path, plan_path, team_path
from appraise.plugins.html.statement import TEMPLATE as STATEMENT
from appraise.plugins.html.statement import has_statements, statement_path, statement_view, with_plan
from appraise.plugins.html.views import (
    Touches,
    forget,
    given_touches,
    index_view,
    personal_views,
    team_view,
    texts,
    touches_of,
)
from appraise.present.render import (
    CohortStats,
    RenderError,
    RenderRequest,
    cohorts,
    same_file_as,
    team_groups,
)

BUILTIN_TEMPLATES = Path(str(files("appraise.plugins.html") / "templates"))
DEFAULT_PRIMARY = "#1f4e79"
DEFAULT_ACCENT = "#c55a11"
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
              ".webp": "image/webp", ".svg": "image/svg+xml"}
LOGO_MAX_BYTES = 512 * 1024
PARALLEL_FROM = 400          # employees; below this a pool costs more than it saves
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}\Z")


@dataclass(frozen=True)
class Branding:
    """Colours, logo and template folder of the pages — plain data, so it can cross to worker processes."""

    primary: str = DEFAULT_PRIMARY
    accent: str = DEFAULT_ACCENT
    on_primary: str = "#ffffff"
    logo: str | None = None          # data: URI
    logo_alt: str = ""
    templates: str | None = None     # override folder (absolute), or None

    @cached_property
    def as_dict(self) -> dict[str, Any]:
        """What templates see as ``brand`` (built once, not per page)."""
        return asdict(self)

    @classmethod
    def from_request(cls, request: RenderRequest) -> Branding:
        """Read and check ``report:`` of the ruleset; raises :class:`RenderError` saying what to fix."""
        report = request.ruleset.report or {}
        base = request.ruleset_dir
        colors = report.get("colors") or {}
        if not isinstance(colors, Mapping):
            raise RenderError("report.colors must be a mapping like {primary: '#1f4e79', accent: '#c55a11'}")
        values = {}
        for key, default in (("primary", DEFAULT_PRIMARY), ("accent", DEFAULT_ACCENT)):
            value = str(colors.get(key, default)).strip()
            if not _COLOR.match(value):
                raise RenderError(f"report.colors.{key}: '{value}' is not a colour; write a hex colour like "
                                  f"'{default}'")
            values[key] = value
        wording = report.get("wording") or {}
        for key in sorted(wording):
            if key not in MESSAGES and not str(key).startswith("competency."):  # a 360 competency's name
                close = difflib.get_close_matches(str(key), MESSAGES, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise RenderError(f"report.wording: no text is called '{key}'; {hint}the keys are listed in "
                                  "appraise.i18n.MESSAGES")
        logo = alt = None
        if report.get("logo"):
            path = _inside(base, report["logo"], "report.logo")
            mime = LOGO_TYPES.get(path.suffix.lower())
            if mime is None:
                raise RenderError(f"report.logo: '{report['logo']}' must be one of "
                                  f"{', '.join(sorted(LOGO_TYPES))}")
            if not path.is_file():
                raise RenderError(f"report.logo: file '{path}' does not exist")
            data = path.read_bytes()
            if len(data) > LOGO_MAX_BYTES:
                raise RenderError(f"report.logo: '{report['logo']}' is {len(data)} bytes; keep it under "
                                  f"{LOGO_MAX_BYTES} bytes (every page embeds it)")
            logo = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
            alt = Texts(request.locale).localized(request.ruleset.title, request.ruleset.id)
        templates = None
        if report.get("templates"):
            folder = _inside(base, report["templates"], "report.templates")
            if not folder.is_dir():
                raise RenderError(f"report.templates: folder '{folder}' does not exist")
            templates = str(folder)
        return cls(values["primary"], values["accent"], _text_on(values["primary"]), logo, alt or "", templates)


def _inside(base: Path | None, relative: Any, key: str) -> Path:
    """``relative`` resolved against the ruleset folder, refusing anything that escapes it."""
    if base is None:
        raise RenderError(f"{key}: the ruleset was not loaded from a file, so '{relative}' has no folder to "
                          "be relative to")
    text = str(relative)
    path = (base / text).resolve()
    if Path(text).is_absolute() or not path.is_relative_to(base):
        raise RenderError(f"{key}: '{text}' is outside the ruleset's folder {base}; put the file inside that "
                          "folder and write a relative path")
    return path


def _luminance(hex_color: str) -> float:
    h = hex_color.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _text_on(background: str) -> str:
    """White or near-black text, whichever contrasts more with a brand colour (WCAG ratio)."""
    lum = _luminance(background)
    white = 1.05 / (lum + 0.05)
    black = (lum + 0.05) / (_luminance("#1f2328") + 0.05)
    return "#ffffff" if white >= black else "#1f2328"


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A file loader that refuses templates resolving (through symlinks) outside its folder."""

    def get_source(self, environment, template):
        for root in self.searchpath:
            candidate = (Path(root) / template).resolve()
            if candidate.exists() and not candidate.is_relative_to(Path(root).resolve()):
                raise RenderError(f"report.templates: '{template}' points outside {root}")
        return super().get_source(environment, template)


try:  # markupsafe's C escaper without the Markup wrapper (the public escape() is the fallback)
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - pure-Python markupsafe
    def _escape_inner(s: str, /) -> str:
        return str(markupsafe.escape(s))

_DICT_ATTRIBUTES = frozenset(dir(dict))


def _output_escape(value: Any, /) -> str:
    """What ``{{ value }}`` writes with autoescape: markupsafe's :func:`~markupsafe.escape` as text.

    Jinja's compiler calls ``escape`` only on a value being written out (the pieces are then joined, and
    a macro's or block's joined output is wrapped in ``Markup`` by Jinja itself), so the ``Markup`` object
    markupsafe builds around each piece is never looked at: the same characters, without it."""
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is int or kind is float:  # digits, a sign, '.', 'e', 'inf', 'nan': nothing to escape
        return str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_inner(str(value))


class _BuiltinTemplate(jinja2.Template):
    """A built-in template whose output escaping skips the ``Markup`` wrapper (see :func:`_output_escape`)."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        namespace["escape"] = _output_escape  # the compiled code's only use of it: writing a value out
        namespace["_getattr"] = _key_first(environment)  # v.key (see _KeyFirstCodeGenerator)
        return super()._from_namespace(environment, namespace, globals)

    def new_context(self, vars=None, shared=False, locals=None):
        """Jinja's context of a render, without reading the template's globals (a ChainMap, slow to walk) twice
        a page: they are copied once, as a dict and as the set of their names.  Nothing changes a built-in
        template's globals after it is loaded (it is never asked for with ``globals=``)."""
        plain = self._plain()
        if vars is None:
            vars = {}
        parent = vars if shared else {**plain[0], **vars}  # as jinja2.runtime.new_context
        if locals:  # an include passes its caller's variables
            if shared:
                parent = dict(parent)
            for key, value in locals.items():
                if value is not jinja2.runtime.missing:
                    parent[key] = value
        context = self.environment.context_class(self.environment, parent, self.name, self.blocks)
        context.globals_keys = set(plain[1])
        return context

    def _plain(self) -> tuple[dict[str, Any], frozenset[str]]:
        plain = self.__dict__.get("_plain_globals")
        if plain is None:
            plain = self._plain_globals = (dict(self.globals), frozenset(self.globals))
        return plain

    def _get_default_module(self, ctx=None):
        """What ``{% import %}`` gives, as Jinja's: the module made once, unless the importing context has globals
        this template lacks (never, between built-in templates); the names compared as sets, not through the
        ChainMap of the template's globals at every page."""
        if ctx is not None:
            keys = ctx.globals_keys - self._plain()[1]
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
        if self._module is None:
            self._module = self.make_module()
        return self._module


class _BuiltinContext(jinja2.runtime.Context):
    """Calls ``t(key, ...)`` (the page's :class:`~appraise.i18n.Texts`) straight away: Jinja's own call looks
    for ``pass_context``-style markers first, which a ``Texts`` never has, and catches a StopIteration its
    formatting cannot raise; anything else is called as Jinja calls it.  Like Jinja, it drops the variables a
    block or loop passes along for ``pass_context`` functions (``_block_vars``, ``_loop_vars``): a message asked for
    without values is the text as it is, not formatted (a wording with braces, ``"Score {pts}"``, stays so)."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
        kind = type(__obj)
        if kind is Texts:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            return __obj(*args, **kwargs)
        if kind is jinja2.runtime.Macro:  # Jinja's call of a macro (which asks for the eval context), shorter
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(__self.eval_ctx, *args, **kwargs)
            except StopIteration:
                return __self.environment.undefined("value was undefined because a callable raised a StopIteration"
                                                    " exception")
        return super().call(__obj, *args, **kwargs)


def _key_first(environment: jinja2.Environment):
    """``environment.getattr(obj, attribute)`` of a :class:`_BuiltinEnvironment` for an ``attribute`` that is not one of
    dict's own (the code generator asks for it only then): a plain dict's key straight away, else the environment's
    answer."""
    undefined, other = environment.undefined, environment.getattr

    def getattr_(obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                return undefined(obj=obj, name=attribute)
        return other(obj, attribute)

    return getattr_


class _KeyFirstCodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, writing ``v.key`` (a view is a plain dict) as a call of the template's ``_getattr``
    (:func:`_key_first`) rather than of the environment's bound ``getattr`` method: the same answer, ~4 million times a
    10,000-person render, without looking up and binding the method and checking the name against dict's at each.
    Names of dict's own attributes (``v.items``) stay with the environment."""

    @jinja2.compiler.optimizeconst
    def visit_Getattr(self, node: jinja2.nodes.Getattr, frame: jinja2.compiler.Frame) -> None:
        if self.environment.is_async or node.attr in _DICT_ATTRIBUTES:
            return super().visit_Getattr(node, frame)
        self.write("_getattr(")
        self.visit(node.node, frame)
        self.write(f", {node.attr!r})")
        return None


class _BuiltinEnvironment(jinja2.Environment):
    """The environment of the package's own templates (never of a ruleset's overrides, which are sandboxed).

    ``v.key`` on a view (a plain dict) is looked up as a key straight away; Jinja's own lookup tries the
    attribute first, which on a dict exists only for dict's methods, so the answer is the same."""

    template_class = _BuiltinTemplate
    context_class = _BuiltinContext
    code_generator_class = _KeyFirstCodeGenerator

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class _FoldingTexts(jinja2.visitor.NodeTransformer):
    """Replaces ``t(KEY)`` (a text asked for by a constant key, without values) by the text itself."""

    def __init__(self, texts: Texts, environment: jinja2.Environment | None = None):
        self.texts = texts
        self.environment = environment

    def visit_Include(self, node: jinja2.nodes.Include) -> jinja2.nodes.Node:
        """``{% include "style.css" %}``: a file without any template syntax is its own text, put in once."""
        name = node.template
        if self.environment is None or type(name) is not jinja2.nodes.Const or type(name.value) is not str:
            return node
        try:
            source = self.environment.loader.get_source(self.environment, name.value)[0]  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            return node
        if any(mark in source for mark in ("{{", "{%", "{#")):
            return node
        text = self.environment.get_template(name.value).render()  # as Jinja reads it (line ends...)
        return jinja2.nodes.Output([jinja2.nodes.TemplateData(text, lineno=node.lineno)], lineno=node.lineno)

    def visit_Call(self, node: jinja2.nodes.Call) -> jinja2.nodes.Node:
        callee = node.node
        if (type(callee) is jinja2.nodes.Name and callee.name == "t" and callee.ctx == "load" and not node.kwargs
                and node.dyn_args is None and node.dyn_kwargs is None and len(node.args) == 1
                and type(node.args[0]) is jinja2.nodes.Const and type(node.args[0].value) is str):
            try:
                text = self.texts(node.args[0].value)
            except KeyError:  # an unknown key: left to raise where the page asks for it, as before
                return self.generic_visit(node)
            if type(text) is str:
                return jinja2.nodes.Const(text, lineno=node.lineno)
        return self.generic_visit(node)


class _FoldedEnvironment(_BuiltinEnvironment):
    """The built-in templates for one page language and wording: each ``t(KEY)`` is the text, put in when the
    template is compiled (once per process and language), not looked up, called and escaped on every page.
    Jinja joins such a text with the static HTML around it, so a page yields fewer, longer pieces.  Only
    for the package's own templates, which never assign ``t``: it is always the page's :class:`Texts`, the same
    object this environment was made for (:func:`folded_environment`), and ``t(KEY)`` without values is that
    text as it is (:class:`_BuiltinContext`)."""

    def __init__(self, texts: Texts, **options: Any):
        super().__init__(**options)
        self.texts = texts
        self._loaded: dict[str, jinja2.Template] = {}

    def _parse(self, source, name, filename):
        return _FoldingTexts(self.texts, self).visit(super()._parse(source, name, filename))

    def _generate(self, source, name, filename, defer_init=False):
        """Jinja's Python code of a template, with the page's main block and the parent template (base.html)
        each joined into one string where they are written, instead of passing their few hundred pieces one by one
        up through three nested generators (``yield from``): the same text, ~15% less of Jinja's time a page."""
        code = super()._generate(source, name, filename, defer_init)
        for nested, joined in _JOINED:
            code = code.replace(nested, joined)
        return code

    def get_template(self, name, parent=None, globals=None):
        """The template by name, remembered: every page extends, imports or includes the same few, and Jinja's
        own cache (a locked LRU) is asked each time.  The environment never reloads (``auto_reload=False``) and
        names are not joined with their parent's (:meth:`join_path` as Jinja's), so the answer is the same."""
        if globals is None and type(name) is str:
            found = self._loaded.get(name)
            if found is None:
                found = self._loaded[name] = super().get_template(name, parent)
            return found
        return super().get_template(name, parent, globals)


_JOINED = (("yield from parent_template.root_render_func(context)",
            "yield environment.concat(parent_template.root_render_func(context))"),
           ("yield from context.blocks['main'][0](context)",
            "yield environment.concat(context.blocks['main'][0](context))"))
_ENVS: dict[str | None, jinja2.Environment] = {}
_FOLDED: dict[int, tuple[Texts, jinja2.Environment]] = {}


def environment(templates: str | None) -> jinja2.Environment:
    """The Jinja environment: built-in templates, sandboxed when a ruleset folder overrides them."""
    env = _ENVS.get(templates)
    if env is None:
        builtin = jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES))
        if templates:
            env = SandboxedEnvironment(loader=jinja2.ChoiceLoader([_ConfinedLoader(templates), builtin]),
                                       autoescape=True, keep_trailing_newline=True)
        else:  # package files: loaded once per process, not checked for changes at every page
            env = _BuiltinEnvironment(loader=builtin, autoescape=True, keep_trailing_newline=True,
                                      auto_reload=False)
        _ENVS[templates] = env
    return env


def folded_environment(templates: str | None, t: Texts) -> jinja2.Environment:
    """The environment of pages in the language and wording of ``t``: the built-in templates with their fixed
    texts put in (:class:`_FoldedEnvironment`); a ruleset's own templates (sandboxed), or an environment swapped
    in for the built-in one (tests compare with Jinja's own), as :func:`environment` gives them."""
    base = environment(templates)
    if type(base) is not _BuiltinEnvironment:
        return base
    hit = _FOLDED.get(id(t))
    if hit is not None and hit[0] is t:  # held, so its id is not another's
        return hit[1]
    env = _FoldedEnvironment(t, loader=base.loader, autoescape=True, keep_trailing_newline=True, auto_reload=False)
    if len(_FOLDED) >= 16:
        _FOLDED.clear()
    _FOLDED[id(t)] = (t, env)
    return env


_MADE: set[str] = set()  # folders this process has made (a page folder is made once, not checked per page)
_FS_IOC_GETFLAGS, _FS_IOC_SETFLAGS, _FS_TOPDIR_FL = 0x80086601, 0x40086602, 0x00020000  # linux/fs.h
SPREAD_FOLDERS = True  # page_folders places the page folders where the file system spreads top-level folders


def page_folders(out_dir: str, names: list[str], spread: bool = True) -> None:
    """Make the page folders ``names`` under ``out_dir`` that do not exist yet, before any page is written.

    With ``spread`` (Linux), each is made under a temporary folder flagged as the top of a directory tree (ext4's
    ``chattr +T``), with a random name, and renamed into place: ext4 then puts it, and so the pages' inodes, in a
    block group of its own choosing among the emptier ones rather than in the group of ``out_dir`` (for a run,
    the output folder; for the benchmark, ``/tmp``).  This machine's ext4 has no journal, and such an ext4 checks at
    every new file each free inode of the group deleted in the last ~30 s to 5 minutes: where 21,000 files were
    just deleted (the last run's pages, any program's temporary files), 21,000 pages cost 1-5 s of system CPU
    against ~0.3 s in a group left alone.  Only where the folders' inodes lie differs: the same folders, names and
    pages; anything the file system refuses (tmpfs, another OS) makes the folder plainly."""
    missing = [n for n in names if not os.path.isdir(os.path.join(out_dir, n))]
    if not missing:
        return
    os.makedirs(out_dir, exist_ok=True)
    top = _spread_top(out_dir) if spread else None
    try:
        for name in missing:
            path = os.path.join(out_dir, name)
            if top is not None:
                made = os.path.join(top, os.urandom(8).hex())  # ext4 starts its search at a hash of the name
                try:
                    os.mkdir(made)
                    os.rename(made, path)
                    continue
                except OSError:
                    if os.path.isdir(made):
                        os.rmdir(made)
            os.makedirs(path, exist_ok=True)
    finally:
        if top is not None:
            os.rmdir(top)


def _spread_top(out_dir: str) -> str | None:
    """A new empty folder in ``out_dir`` flagged as the top of a directory tree, or None where that cannot be."""
    if not sys.platform.startswith("linux"):
        return None
    import fcntl
    import struct
    import tempfile

    top = tempfile.mkdtemp(prefix="appraise-tmp-pages-", dir=out_dir)
    try:
        fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
        try:
            flags = struct.unpack("i", fcntl.ioctl(fd, _FS_IOC_GETFLAGS, struct.pack("i", 0)))[0]
            fcntl.ioctl(fd, _FS_IOC_SETFLAGS, struct.pack("i", flags | _FS_TOPDIR_FL))
        finally:
            os.close(fd)
    except OSError:  # not ext4 (tmpfs...), or not allowed
        os.rmdir(top)
        return None
    return top


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


Digest = tuple[str, int, bool]  # a file's sha256 (hex), its size and whether it was linked from the folder before


def _write(out_dir: Path | str, relative: str, text: str, previous: str | None = None) -> Digest:
    """Write one page (UTF-8, ``\\n`` line ends as the templates have them) in one system call or so; when
    ``previous`` (the folder published before) holds exactly these bytes at ``relative``, link that file
    instead: a re-run rewrites only the pages whose content changed.  Returns the page's sha256, size and
    whether it was linked (:attr:`~appraise.present.render.RenderRequest.digests`): hashed here, from the bytes
    written, so the run need not read 21,000 pages again for its manifest."""
    path = f"{out_dir}/{relative}"  # relative: a page path of paths.py ("dashboards/E001.html"), "/" on every OS
    folder = os.path.dirname(path)
    if folder not in _MADE:
        os.makedirs(folder, exist_ok=True)
        _MADE.add(folder)
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    same = same_file_as(previous, relative, data)
    if same is not None:
        try:
            os.link(same, path, follow_symlinks=False)
            return digest, len(data), True
        except FileExistsError:
            os.unlink(path)
            os.link(same, path, follow_symlinks=False)
            return digest, len(data), True
        except OSError:  # no hard links here (another file system...): write it
            pass
    try:
        fd = os.open(path, _WRITE_FLAGS, 0o666)
    except FileNotFoundError:  # the folder was removed since (another render into the same place)
        os.makedirs(folder, exist_ok=True)
        fd = os.open(path, _WRITE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return digest, len(data), False


_TEMPLATES: dict[tuple[str | None, str, int], tuple[Texts, jinja2.Template]] = {}


def render_page(template: str, view: Mapping[str, Any], brand: Branding, wording: Mapping[str, Any]) -> str:
    """One page as HTML text."""
    try:
        t = texts(view["lang"], wording)
        key = (brand.templates, template, id(t))
        hit = _TEMPLATES.get(key)
        if hit is None or hit[0] is not t:  # loaded once per process, template folder and language
            hit = _TEMPLATES[key] = (t, folded_environment(brand.templates, t).get_template(template))
        return hit[1].render(v=view, t=t, brand=brand.as_dict)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" ({getattr(exc, 'filename', None)}:{line})" if line else ""
        raise RenderError(f"template {template}{where}: {exc}") from exc


class HtmlRenderer:
    """Writes ``dashboards/``, ``plans/``, ``teams/`` and ``index.html``."""

    name = "html"

    def __init__(self, workers: int | None = None):
        self.workers = workers

    def render(self, request: RenderRequest, out_dir: Path) -> list[Path]:
        """Render every page of the cycle; returns the files written, relative to ``out_dir``."""
        try:
            return self._render(request, out_dir)
        finally:
            _forget()  # what was remembered for this request goes with it

    def _workers(self) -> int:
        # `appraise run --jobs N` sets APPRAISE_JOBS; otherwise every CPU
        return self.workers if self.workers is not None else (
            int(os.environ.get("APPRAISE_JOBS") or 0) or os.cpu_count() or 1)

    def prepare(self, employees: int) -> Callable[[], None] | None:
        """Start the worker processes a render of ``employees`` people would use (each a new interpreter importing
        Jinja2 and this package: ~0.15 s of CPU) now, while the caller still works out the request
        (:func:`appraise.present.render.workers_started`); the next render with as many workers takes them.  Returns
        what lets them go if no render did, or None when such a render would not use workers."""
        workers = self._workers()
        if workers <= 1 or employees < PARALLEL_FROM:
            return None
        pool = _new_pool(workers, warm=True)
        for _ in range(workers):  # a task submitted while no worker is idle starts one
            pool.submit(os.getpid)
        entry = (workers, pool)
        _STARTED.append(entry)

        def release() -> None:
            if entry in _STARTED:
                _STARTED.remove(entry)
                pool.shutdown(wait=False, cancel_futures=True)
        return release

    def _render(self, request: RenderRequest, out_dir: Path) -> list[Path]:
        brand = Branding.from_request(request)
        wording = dict((request.ruleset.report or {}).get("wording") or {})
        employees = request.results.get("employees") or []
        people = request
        if request.pages is not None:  # a slice: whole teams, so the sub-request's cohorts are complete
            chosen = request.pages.people(request.results, request.employees_info)
            employees = [e for e in employees if str(e["id"]) in chosen]
            people = _part(request, {k: v for k, v in request.results.items() if k != "employees"}, employees)
        workers = self._workers()
        digests: dict[str, Digest] = {}
        if employees:  # the folders of the personal and team pages, made here once (see page_folders)
            samples = [dashboard_path("x"), plan_path("x"), team_path(None)]
            if has_statements(request.ruleset):
                samples.append(statement_path("x"))
            page_folders(str(out_dir), [os.path.dirname(p) for p in samples], SPREAD_FOLDERS)
        if workers <= 1 or len(employees) < PARALLEL_FROM:
            digests.update(_render_people(people, str(out_dir), brand, wording))
            digests.update(_render_overviews(request, str(out_dir), brand, wording))
        else:
            # Workers build the personal views and pages of whole teams (team comparisons need the whole
            # cohort) and those teams' overviews; this process lays out the index meanwhile.  spawn, not
            # fork: the caller may hold polars' thread pool, which does not survive a fork.
            _make_rulesets_picklable()
            touches = touches_of(people)  # the rules' effects, traced once here rather than in every task
            groups = team_groups(request.results)  # the index's, and the split's when all pages are rendered
            pool = _pool(workers)
            flusher = _Flusher(str(out_dir))
            try:
                pending = [pool.submit(_render_people, part, str(out_dir), brand, wording, True, touches)
                           for part in _split(people, BATCH, groups if people is request else None, workers)]
                digests.update(_render_overviews(request, str(out_dir), brand, wording, teams=False, groups=groups))
                for future in pending:
                    digests.update(future.result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # no worker writes on once the render has failed
                raise
            finally:
                flusher.stop()
            # every page is written: the workers end on their own (freeing what they hold) while the caller goes on
            pool.shutdown(wait=False)
        if request.digests is not None:
            request.digests.update(digests)
        # in Path order (part by part), without comparing 21,000 Path objects
        return [Path(p) for p in sorted(digests, key=_parts)]


class _Flusher:
    """Has the pages written so far sent to the disk while the workers render the rest: Linux's ``syncfs`` of the
    output's file system, called again and again on a thread of its own.  ``appraise run`` makes every page durable
    with one ``syncfs`` before it renames them into place (:func:`appraise.atomic.sync_files`), waiting for ~300 MB
    of pages at 10,000 people (0.05-0.4 s with both cores idle); begun meanwhile, that call finds only the last few
    left (~20 calls, ~0.02 s of this process's CPU).  The file system's writeback does the writing either way;
    nothing here is needed for durability, and where ``syncfs`` is missing or fails, nothing is done."""

    PAUSE = 0.2  # seconds between two calls

    def __init__(self, folder: str):
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if not sys.platform.startswith("linux"):
            return
        try:
            import ctypes

            syncfs = ctypes.CDLL(None, use_errno=True).syncfs
            fd = os.open(folder, os.O_RDONLY)
        except (OSError, AttributeError):
            return
        self._thread = threading.Thread(target=self._run, args=(syncfs, fd), daemon=True, name="page-flush")
        self._thread.start()

    def _run(self, syncfs, fd: int) -> None:
        try:
            while not self._done.wait(self.PAUSE):
                if syncfs(fd) != 0:
                    break
        finally:
            os.close(fd)

    def stop(self) -> None:
        """Stop calling; a call under way ends on its own (the thread then closes its descriptor of the folder)."""
        self._done.set()


_STARTED: list[tuple[int, ProcessPoolExecutor]] = []  # pools started ahead (HtmlRenderer.prepare), not yet taken


def _new_pool(workers: int, warm: bool = False) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_die_with_parent,
                               initargs=(os.getpid(), warm))


def _pool(workers: int) -> ProcessPoolExecutor:
    """The workers started ahead for this many workers (:meth:`HtmlRenderer.prepare`), else new ones."""
    while _STARTED:
        count, pool = _STARTED.pop()
        if count == workers:
            return pool
        pool.shutdown(wait=False, cancel_futures=True)
    return _new_pool(workers)


BATCH = 200  # employees per task at least: enough to amortise sending the ruleset and starting up
WORKER_GC_THRESHOLD = 50_000  # allocations between two young-generation collections in a worker (default 700)
_IN_WORKER = False
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int, warm: bool = False) -> None:
    """Worker initializer: end this worker when ``parent`` (the process rendering) ends, even by SIGKILL,
    so no worker goes on writing pages after the run is gone.  With ``warm`` (a pool started ahead,
    :meth:`HtmlRenderer.prepare`), compile the built-in templates as well (:func:`_warm_up`)."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            armed = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()
    # a task brings ~1 KB of nested dicts per employee and each page allocates hundreds more: with the
    # default thresholds the cyclic collector runs every 700 allocations and rescans the task's data whenever
    # it reaches the older generations (three quarters of the time spent unpickling a task; ~15% of a task)
    gc.set_threshold(WORKER_GC_THRESHOLD, 50, 50)
    global _IN_WORKER
    _IN_WORKER = True
    from appraise.run import pause_point

    pause_point("render-worker")  # crash tests
    if warm:
        _warm_up()


WARM_TEMPLATES = ("dashboard.html", "plan.html", "team.html")


def _warm_up() -> None:
    """Compile the built-in page templates of both languages without a ruleset's wording (~0.05 s each), as the first
    task would: a worker started ahead does it while the caller still works out the request, not once the pages
    are waited for.  A request with wording, or with templates of its own, compiles its own as before."""
    try:
        for locale in LOCALES:
            env = folded_environment(None, texts(locale, {}))
            for name in WARM_TEMPLATES:
                env.get_template(name)
    except Exception:  # noqa: BLE001 - only a head start: a real task reports any error where it happens
        pass


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _forget() -> None:
    forget()
    _MADE.clear()
    _TEMPLATES.clear()  # a render's own: the next may have another environment (tests swap in plain Jinja's)


def _render_people(request: RenderRequest, out_dir: str, brand: Branding, wording: Mapping[str, Any],
                   teams: bool = False, touches: Touches | None = None) -> dict[str, Digest]:
    """Dashboards and plans of every employee in ``request``, and with ``teams`` the overviews of its teams
    (whole teams: a worker's task); returns each page's digest by its relative path (worker entry point too).
    ``touches``: :func:`~appraise.plugins.html.views.touches_of` the whole request, when it was worked out."""
    if touches is not None:
        given_touches(touches)
    if _IN_WORKER:
        try:
            return _people(request, out_dir, brand, wording, teams)
        finally:
            _forget()  # a worker's next task is another request
    return _people(request, out_dir, brand, wording, teams)


def _people(request: RenderRequest, out_dir: str, brand: Branding, wording: Mapping[str, Any],
            teams: bool = False) -> dict[str, Digest]:
    written: dict[str, Digest] = {}
    statements = has_statements(request.ruleset)
    previous = request.previous
    for members in cohorts(request.results).values():
        stats = CohortStats(members, request.ruleset.min_group)
        for e in members:
            view, plan = personal_views(request, e, stats)
            if statements:  # the plan's components on the dashboard, and a payout statement
                view = with_plan(request, e, view)
                rel = statement_path(e["id"])
                written[rel] = _write(out_dir, rel, render_page(STATEMENT, statement_view(request, e), brand,
                                                                wording), previous)
            rel = dashboard_path(e["id"])
            written[rel] = _write(out_dir, rel, render_page("dashboard.html", view, brand, wording), previous)
            rel = plan_path(e["id"])
            written[rel] = _write(out_dir, rel, render_page("plan.html", plan, brand, wording), previous)
    if teams:
        for cohort, members in team_groups(request.results).items():
            rel = team_path(cohort)
            written[rel] = _write(out_dir, rel, render_page("team.html", team_view(request, cohort, members), brand,
                                                            wording), previous)
    return written


def _render_overviews(request: RenderRequest, out_dir: str, brand: Branding, wording: Mapping[str, Any],
                      teams: bool = True, groups: dict[str | None, list[Mapping[str, Any]]] | None = None
                      ) -> dict[str, Digest]:
    """Team overviews (unless ``teams`` is false: the workers render them) and the index; returns their digests.
    With a slice, the overviews of the teams in it; the index lists every team with the whole cycle's figures and
    links the overviews rendered."""
    if groups is None:
        groups = team_groups(request.results)
    chosen_teams: set[str | None] | None = None
    if request.pages is not None:
        chosen = request.pages.people(request.results, request.employees_info)
        chosen_teams = {cohort for cohort, members in groups.items() if any(str(e["id"]) in chosen for e in members)}
    written: dict[str, Digest] = {}
    for cohort, members in groups.items() if teams else ():
        if chosen_teams is not None and cohort not in chosen_teams:
            continue
        rel = team_path(cohort)
        written[rel] = _write(out_dir, rel, render_page("team.html", team_view(request, cohort, members), brand,
                                                        wording), request.previous)
    written[INDEX] = _write(out_dir, INDEX, render_page("index.html", index_view(request, groups,
                                                                                 rendered=chosen_teams),
                                                        brand, wording), request.previous)
    return written


def _parts(path: str) -> list[str]:
    return path.split("/")


def _split(request: RenderRequest, size: int, groups: dict[str | None, list[Mapping[str, Any]]] | None = None,
           workers: int = 0):
    """Sub-requests of whole teams (so of whole cohorts too) holding about ``size`` employees each, with only
    their own data; ``groups``: :func:`team_groups` of the request, when it was worked out.

    With ``workers``, each part holds about the employees not yet given out over twice the workers, never fewer than
    ``size``: large parts first, ``size`` at the end, so that the workers run out of work within a small part of
    each other (10,000 people, 2 workers: 13 parts, 2,500 down to 200; equal parts of 625 left one worker idle
    for half a part, ~0.2 s, on average) without more parts than equal ones would need."""
    header = {k: v for k, v in request.results.items() if k != "employees"}
    grouped = groups if groups is not None else team_groups(request.results)
    left = sum(len(members) for members in grouped.values()) if workers else 0
    wanted = max(size, left // (2 * workers)) if workers else size
    part: list[Mapping[str, Any]] = []
    for members in grouped.values():
        part.extend(members)
        if len(part) >= wanted:
            yield _part(request, header, part)
            if workers:
                left -= len(part)
                wanted = max(size, left // (2 * workers))
            part = []
    if part:
        yield _part(request, header, part)


def _part(request: RenderRequest, header: Mapping[str, Any], people: list) -> RenderRequest:
    ids = [e["id"] for e in people]
    return RenderRequest(dict(header, employees=people), request.ruleset,
                         {i: request.employees_info[i] for i in ids if i in request.employees_info},
                         {i: request.history[i] for i in ids if i in request.history}, request.locale,
                         request.previous, changes=None if request.changes is None else
                         {i: request.changes[i] for i in ids if i in request.changes},
                         insights={i: request.insights[i] for i in ids if i in request.insights},
                         splits={i: request.splits[i] for i in ids if i in request.splits})


def _proxy(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


def _make_rulesets_picklable() -> None:
    """Let the compiled ruleset (frozen dataclasses over read-only mappings) travel to worker processes.

    Registered on multiprocessing's own pickler only, so plain ``pickle`` keeps refusing mappingproxy.
    """
    ForkingPickler.register(MappingProxyType, lambda m: (_proxy, (dict(m),)))

