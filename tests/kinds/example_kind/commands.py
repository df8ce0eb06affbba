"""``pachca-runner signups NAME``: who signed up in the chat of the signup job NAME."""

from __future__ import annotations

import click

from runner.cli.group import load, settings_of


@click.command()
@click.argument("name")
@click.pass_context
def signups(ctx: click.Context, name: str) -> None:
    """Signup jobs: the people who pressed «Записаться», by user id."""
    from runner import app
    from tests.kinds.example_kind import table
    from tests.kinds.example_kind.kind import SignupParams

    settings = settings_of(ctx)
    job = app.find_job(load(settings), name)
    if not isinstance(job.params, SignupParams):
        raise click.UsageError(f"'{name}' is a {job.kind} job, not a signup job")
    state = app.open_state(settings)
    try:
        people = table.signed_up(state, job.params.chat_id)
    finally:
        state.close()
    click.echo(f"{len(people)} signed up in chat {job.params.chat_id}")
    for user_id in people:
        click.echo(f"  user {user_id}")


COMMANDS = (signups,)
