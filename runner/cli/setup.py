"""Commands that set a project up or describe it: init, demo, schema, docs,
hash-password.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from runner.cli.group import main, settings_of
from runner.errors import InputError


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), default=".")
def init(folder: Path) -> None:
    """Start a catalogue in FOLDER (default: here): jobs.yaml with comments, its schema,
    templates/ and .env.example; never overwrites a file."""
    from runner import words
    from runner.defaults import init_folder

    written = init_folder(folder)
    for path in written:
        click.echo(f"  {path}")
    # The folder in full: "." would read as a stray full stop in the sentence.
    click.echo(words.text("init.done", n=len(written), folder=folder.resolve()))


@main.command()
@click.option("--keep", is_flag=True, help="Keep the workspace running afterwards.")
@click.pass_context
def demo(ctx: click.Context, keep: bool) -> None:
    """Start the embedded workspace and run every sample job once against it."""
    from runner import demo as demo_mod

    settings = settings_of(ctx)
    code = demo_mod.run_demo(settings, keep=keep)
    sys.exit(code)


@main.command()
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the schema to this file (e.g. jobs.schema.json) instead of printing.")
def schema(out: Path | None) -> None:
    """The JSON Schema of jobs.yaml: editors then complete fields and flag mistakes."""
    from runner.catalogue.schema import catalogue_schema, dumps

    write_or_print(dumps(catalogue_schema()), out)


@main.group()
def docs() -> None:
    """Reference pages made from the code (job kinds, settings)."""


@docs.command("kinds")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of the page.")
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file (docs/kinds.md, docs/kinds.ru.md) instead of printing.")
def docs_kinds(lang: str, out: Path | None) -> None:
    """The job-kind reference: every field, its type, default, meaning and an example."""
    from runner.catalogue.schema import catalogue_schema
    from runner.reference import kinds_markdown

    write_or_print(kinds_markdown(catalogue_schema(), lang), out)


@docs.command("templates")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of the page.")
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file (docs/templates.md, docs/templates.ru.md).")
def docs_templates(lang: str, out: Path | None) -> None:
    """The variables each template gets, the filters, and the alerts, bot and unfurl
    sections of the catalogue."""
    from runner.template_docs import templates_markdown

    write_or_print(templates_markdown(lang), out)


@docs.command("settings")
def docs_settings() -> None:
    """The settings table (environment variables) of the README."""
    from runner.reference import settings_markdown

    click.echo(settings_markdown(), nl=False)


@main.command("hash-password")
def hash_password() -> None:
    """Ask for a password; print its argon2 hash for PACHCA_RUNNER_CONSOLE_USERS."""
    from runner import words
    from runner.web.auth import hash_password as make

    password = click.prompt(words.text("cli.password"), hide_input=True,
                            confirmation_prompt=True)
    click.echo(make(password))


def write_or_print(text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out`` and say so."""
    from runner import words

    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: " + words.text("file.unwritable", reason=exc.strerror)) from None
    click.echo(words.text("cli.wrote", path=out))
