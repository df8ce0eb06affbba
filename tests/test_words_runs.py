"""A run's own troubles (resumed, timed out, store failed) read in the chosen language,
and English stays as it was."""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest

from runner import words
from runner.execute import _done, _resumed_because
from runner.kinds.base import RunReport
from tests.catalogue.test_yaml_words import latin_words

IDS = ["resume.after_failure", "resume.after_abandoned", "resume.after_stop", "run.resuming",
       "run.not_again", "run.unreported", "run.store_failed", "run.timed_out", "run.internal",
       "run.marked_failed", "run.done_before", "run.nothing_done", "run.end_unrecorded",
       "run.running_until_expiry", "claim.renew_retrying", "claim.renew_failed", "claim.lost",
       "claim.stopping"]


@pytest.fixture
def ru() -> Iterator[None]:
    words.use("ru")
    yield
    words.use(None)


def test_english_is_unchanged() -> None:
    words.use("en")
    try:
        assert _resumed_because("failed") == "after its last attempt ended in failure"
        assert _resumed_because("abandoned") == "after it was abandoned"
        assert _resumed_because(None) == "after its runner stopped"
        assert _done(RunReport()) == "nothing was done before it stopped"
        assert words.text("run.marked_failed") == (
            "the run is marked failed: rerun this fire to finish it")
        assert words.text("run.running_until_expiry", seconds="60") == (
            "the history shows the run as running until its claim expires (60 s),"
            " then rerun this fire")
    finally:
        words.use(None)


@pytest.mark.usefixtures("ru")
@pytest.mark.parametrize("previous", ["failed", "abandoned", None])
def test_why_a_run_resumes_is_russian(previous: str | None) -> None:
    said = _resumed_because(previous)
    assert said.startswith("после") and not latin_words(said)


@pytest.mark.usefixtures("ru")
def test_what_was_done_is_russian() -> None:
    assert _done(RunReport()) == "до остановки ничего не сделано"
    report = RunReport()
    report.counts["posted"] = 2
    assert _done(report).startswith("сделано до остановки: ")


@pytest.mark.usefixtures("ru")
@pytest.mark.parametrize("message_id", IDS)
def test_every_run_trouble_has_russian_words(message_id: str) -> None:
    values = {k: "x" for k in ("job", "key", "attempt", "why", "error", "done", "seconds",
                               "type", "counts")}
    said = words.text(message_id, **values)
    assert not latin_words(said.replace("x", "")), said


STOPS = {  # why an export, a sweep or an activity check stopped: id -> English as it was
    "export.lost": "could not export S: Pachca kept losing the export",
    "export.refused": "Pachca refused the export of S: D",
    "export.owner_only": ("Pachca refused the export of S: only the workspace owner may export;"
                          " set PACHCA_EXPORT_TOKEN to the owner's token (D)"),
    "export.cannot_write": "cannot write P: R",
    "export.download_failed": ("could not download export 7 (S): E; the next run downloads it"
                               " again"),
    "export.no_server": ("an export needs the runner's HTTP server to receive Pachca's webhook;"
                         " run it with run-job or the daemon"),
    "export.cannot_create": "cannot create P: R",
    "export.name_not_plain": "filename renders to 'N', which is not a plain file name",
    "export.same_names": "filename 'F' gives several chunks the same name; put {{ start }} in it",
    "sweep.no_threads": "sweep: the token may not list threads (E); give it the threads:read scope",
    "sweep.no_key": "sweep: no key to sign buttons",
    "activity.no_threads": ("the token may not list threads (E): give it the threads:read scope,"
                            " or set include_threads: false"),
}
VALUES = {"span": "S", "detail": "D", "path": "P", "reason": "R", "id": 7, "error": "E",
          "name": "N", "filename": "F"}


@pytest.mark.parametrize("message_id", list(STOPS))
def test_why_a_run_stopped_in_both_languages(message_id: str) -> None:
    words.use("en")
    try:
        assert words.text(message_id, **VALUES) == STOPS[message_id]
        words.use("ru")
        said = words.text(message_id, **VALUES)
    finally:
        words.use(None)
    names = {"Pachca", "sweep", "filename", "include_threads", "false", "run", "job", "read",
             "threads", "start"}
    assert not [w for w in latin_words(said) if w not in names], said


SIDE_LINES = {  # the daemon's side lines at INFO and above: id -> English as it was
    "run.unexpected": "j: unexpected error",
    "replica.pruned": "pruned 3 run(s) older than 30 days from the history",
    "replica.taking_over": "j: taking over k (attempt 2 on replica r stopped)",
    "replica.abandoned": "j: run 7 (k) of stopped replica r marked abandoned: why",
    "replica.dry_not_resumed": "a dry run whose replica stopped (dry runs are not resumed)",
    "replica.manual_not_resumed": ("a manual run whose replica stopped (manual runs are not"
                                   " resumed: run it again with run-job if still needed)"),
    "replica.job_gone": "its job is no longer in the catalogue",
    "replica.job_disabled": "its job is disabled",
    "api.rate_limited_wait": "GET /chats: rate limited, waiting 1.5 s",
    "api.retrying": "GET /chats failed (why); retry 2 in 0.25 s",
    "scope.unreadable": "cannot read the token's scopes, not checking them: E",
    "post.went_through": "k: post to chat 5 had gone through before the crash",
    "alert.unprocessed": "j: could not process the alert for run k",
    "alert.missed_unprocessed": "j: could not process the missed-run alert",
    "alert.streak_known": "j: failure 3 of a streak already announced; no new alert",
    "alert.recovered": "j: recovered after 3 failure(s)",
    "alert.not_posted": "could not post t.md.j2 to the alerts chat 5: E",
    "hub.malformed": "export webhook rejected: not a well-formed export-ready event",
    "hub.disowned": "export 7: ready webhook of a disowned export ignored",
    "hub.duplicate": "export 7: duplicate ready webhook ignored",
    "hub.unmatched": "export 7 is ready but no export request is pending; ignored",
    "hub.kept": ("export 7 is ready while an archive is being checked; kept for the request"
                 " that asks next"),
    "hub.ready": "export 7 is ready: j 2026-01-01–2026-01-31",
}
SIDE_VALUES = {"job": "j", "n": 3, "days": 30, "key": "k", "attempt": 2, "replica": "r", "id": 7,
               "reason": "why", "method": "GET", "path": "/chats", "error": "E", "what": "chat 5",
               "template": "t.md.j2", "chat": 5, "start": "2026-01-01", "end": "2026-01-31"}


@pytest.mark.parametrize("message_id", list(SIDE_LINES))
def test_side_lines_in_both_languages(message_id: str) -> None:
    seconds = {"api.rate_limited_wait": "1.5", "api.retrying": "0.25"}.get(message_id, "1")
    words.use("en")
    try:
        assert words.text(message_id, **SIDE_VALUES, seconds=seconds) == SIDE_LINES[message_id]
        words.use("ru")
        said = words.text(message_id, **SIDE_VALUES, seconds=seconds)
    finally:
        words.use(None)
    names = {"j", "k", "r", "why", "GET", "run", "job", "chats", "chat"}  # values, not words
    assert not [w for w in latin_words(said) if w not in names], said


BOT_LINES = ["event.again", "event.malformed", "event.failed", "event.crashed", "event.ignored",
             "poll.too_many", "poll.summary", "poll.failed", "poll.crashed", "unfurl.failed",
             "unfurl.added", "unfurl.source_failed", "unfurl.skipped", "unfurl.empty_title",
             "bot.not_updated", "bot.not_answered", "click.forged", "click.rerun",
             "click.mismatch", "click.stale", "click.not_member", "click.decided",
             "server.listening", "server.stop_failed", "server.client_gone",
             "server.client_refused", "server.slow_head", "server.bot_webhook_rejected",
             "server.bot_webhook_at", "progress.not_recorded", "progress.not_removed",
             "console.run_unrecorded"]


@pytest.mark.usefixtures("ru")
@pytest.mark.parametrize("message_id", BOT_LINES)
def test_the_bots_log_lines_are_russian(message_id: str) -> None:
    fields = {name for _, name, _, _ in string.Formatter().parse(words.MESSAGES[message_id][1])
              if name}
    said = words.text(message_id, **dict.fromkeys(fields, "7"))
    assert not latin_words(said), said
