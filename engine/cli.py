"""The ``appraise`` command line.

Each sub-command lives in its own module under :mod:`appraise.commands` and is
imported only when it runs (or when ``--help`` lists it), so ``appraise
validate`` never pays for polars.
"""
from __future__ import annotations

import importlib
import pkgutil

import click


class _LazyGroup(click.Group):
    """Finds commands as modules of :mod:`appraise.commands` exposing ``command``."""

    def _names(self) -> list[str]:
        from appraise import commands

        return sorted(m.name.replace("_", "-") for m in pkgutil.iter_modules(commands.__path__)
                      if not m.name.startswith("_"))

    def list_commands(self, ctx):
        return self._names()

    def make_context(self, info_name, args, parent=None, **extra):
        given = list(args)  # the parser consumes args
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            _speak(exc, given)
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            _speak(exc, [])  # the group's --lang is parsed by now: the context knows the language
            raise

    def get_command(self, ctx, name):
        if name not in self._names():
            return None
        module = importlib.import_module(f"appraise.commands.{name.replace('-', '_')}")
        command = module.command
        if not any(p.name == "lang" for p in command.params):  # `appraise validate --lang zh-CN` works too
            command.params.append(_lang_option(expose_value=False))
        if not getattr(command, "_appraise_help", False):  # `appraise run --help` in the chosen language
            english = command.get_help
            command.get_help = lambda ctx, c=command, e=english: _help(c, ctx, lambda: e(ctx))
            command._appraise_help = True
        return command

    def get_help(self, ctx):
        listed = [c for c in (self.get_command(ctx, n) for n in self.list_commands(ctx)) if c is not None]
        return _help(self, ctx, lambda: super(_LazyGroup, self).get_help(ctx), listed)


def _help(command: click.Command, ctx, render, listed=()) -> str:
    """``render()``'s help page in the command line's language: the commands' summaries and the options' help of
    :data:`appraise.i18n.HELP` (while their English is unchanged), click's own words; the rest as written."""
    from appraise.i18n import cli_locale, help_text, say

    locale = ctx.meta.get("appraise.lang") or cli_locale()
    if locale == "en":
        return render()
    saved: list[tuple[object, str, object]] = []

    def swap(thing, attr: str, value) -> None:
        saved.append((thing, attr, getattr(thing, attr)))
        setattr(thing, attr, value)

    for each in (command, *listed):
        if each.help and each.name:
            first, sep, rest = each.help.partition("\n\n")
            chinese = help_text(each.name, first, locale)
            body = help_text(f"{each.name}.description", rest, locale) if rest else rest  # the longer paragraphs
            if chinese != first or body != rest:
                swap(each, "help", f"{chinese}{sep}{body}")
                if each is not command and chinese != first:  # the group's list: whole, not cut at a word
                    swap(each, "short_help", chinese)
    for param in command.params:
        text = getattr(param, "help", None)
        if text and param.opts:
            chinese = help_text(f"{command.name}.{param.opts[0]}", text, locale)
            if chinese != text:
                swap(param, "help", chinese)
    try:
        text = render()
    finally:
        for thing, attr, value in reversed(saved):
            setattr(thing, attr, value)
    words = {"Options:": help_text("click.options", "Options", locale) + "：",
             "Commands:": help_text("click.commands", "Commands", locale) + "："}
    lines = []
    for line in text.split("\n"):
        if line.startswith("Usage:"):
            line = say("click.usage", locale) + line[len("Usage:"):].lstrip(" ")
        line = words.get(line, line)
        for english in ("Show this message and exit.", "Show the version and exit."):
            line = line.replace(english, help_text({"Show this message and exit.": "click.help"}.get(
                english, "click.version"), english, locale))
        line = line.replace("[default: ", f"[{help_text('click.default', 'default', locale)}: ").replace(
            "[required]", f"[{help_text('click.required', 'required', locale)}]")
        lines.append(line)
    return "\n".join(lines)


def _speak(exc: click.ClickException, args) -> None:
    """A usage error (an unknown option, a missing argument, a file that does not exist) shown in the command's
    language: click words them in English, :func:`appraise.i18n.translate` and ``CLI["click.*"]`` in Chinese."""
    from appraise.i18n import cli_locale, parse_lang

    ctx = getattr(exc, "ctx", None)
    locale = ctx.meta.get("appraise.lang") if ctx is not None else None
    if locale is None:  # the group's own arguments failed to parse: look for --lang among them
        words = list(args or [])
        for i, word in enumerate(words):
            value = words[i + 1] if word == "--lang" and i + 1 < len(words) else (
                word.split("=", 1)[1] if word.startswith("--lang=") else None)
            if value:
                try:
                    locale = parse_lang(value)
                except ValueError:
                    pass
        locale = locale or cli_locale()
    if locale == "en" or getattr(exc, "_appraise_spoken", False):
        return
    exc._appraise_spoken = True  # type: ignore[attr-defined]
    exc.show = lambda file=None: _show(exc, locale, file)  # type: ignore[method-assign]


def _show(exc: click.ClickException, locale: str, file=None) -> None:
    """What click's ``show`` prints, in ``locale``."""
    from appraise.i18n import say, translate

    ctx = getattr(exc, "ctx", None)
    if ctx is not None and isinstance(exc, click.UsageError):
        usage = ctx.get_usage()
        if usage.startswith("Usage:"):
            usage = say("click.usage", locale) + usage[len("Usage:"):].lstrip(" ")
        click.echo(usage, file=file, err=True, color=ctx.color)
        if ctx.command.get_help_option(ctx) is not None:
            option = max(ctx.help_option_names, key=len)  # --help, as click says it
            click.echo(say("click.try", locale, command=ctx.command_path, option=option), file=file, err=True)
        click.echo(file=file, err=True)
    click.echo(say("click.error", locale, message=translate(exc.format_message(), locale)), file=file, err=True)


def _lang(ctx, param, value):
    """--lang / APPRAISE_LANG: kept in the context's meta, which every sub-command's context shares."""
    from click.core import ParameterSource

    from appraise.i18n import cli_locale, parse_lang, set_message_locale

    if "appraise.lang" in ctx.meta and ctx.get_parameter_source(param.name) != ParameterSource.COMMANDLINE:
        return ctx.meta["appraise.lang"]  # the group read APPRAISE_LANG already, or was given --lang
    try:
        chosen = parse_lang(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if chosen is not None or "appraise.lang" not in ctx.meta:  # a sub-command's --lang wins over the group's
        ctx.meta["appraise.lang"] = cli_locale(chosen)
        ctx.meta["appraise.lang_chosen"] = chosen is not None or ctx.meta.get("appraise.lang_chosen", False)
    # messages made deep in the engine (the loader, the providers) speak it too, for this command only
    set_message_locale(ctx.meta["appraise.lang"])
    ctx.find_root().call_on_close(lambda: set_message_locale(None))
    return ctx.meta["appraise.lang"]


def _lang_option(expose_value: bool = True) -> click.Option:
    return click.Option(
        ["--lang"], envvar="APPRAISE_LANG", callback=_lang, is_eager=True, metavar="en|zh-CN",
        expose_value=expose_value,
        help="Language of every message: en or zh-CN (also APPRAISE_LANG; default: the locale, LC_ALL / "
             "LC_MESSAGES / LANG, zh* is Chinese). / 所有提示信息的语言：en 或 zh-CN（也可用环境变量 APPRAISE_LANG；"
             "默认按系统区域设置，zh* 为中文）。")


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             params=[_lang_option()])
@click.version_option(package_name="appraise", prog_name="appraise")  # read when asked: no importlib.metadata
def main(lang: str):
    """appraise: appraisal as code.

    Rule files declare KPI weights, OKRs, 360 sources, bonus tiers and
    reweighting rules; cycle files say which period to review and where the
    data is.  Typical use:

    \b
      appraise validate rulesets/            # check rule files (CI, pre-commit)
      appraise run cycles/2026-Q3.yaml       # score, grade, calibrate, pay, render
      appraise explain cycles/2026-Q3.yaml E001   # every number for one person
    """


if __name__ == "__main__":  # pragma: no cover
    main()
