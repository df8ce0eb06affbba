"""The tables job kinds register: built by a fresh store exactly as schema version 1
built them, and left as they are (with their rows) by a store that already has them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import create_engine, inspect, text

from runner.kinds.export.table import export_chunks, upsert_export_chunk
from runner.kinds.sweep.table import actions_of, chat_state, record_action, update_chat
from runner.state.schema import SCHEMA_VERSION
from tests.state.conftest import StoreFactory
from tests.state.test_store import _sqlalchemy_url

COLUMNS = {
    "chats": ["chat_id", "warned_at", "warning_message_id", "warned_by_run", "kept_until",
              "keep_by_user", "archive_requested_at", "archive_requested_by", "archived_at",
              "archived_by_run", "unarchived_at", "updated_at"],
    "actions": ["id", "run_id", "chat_id", "action", "at", "detail"],
    "exports": ["job", "start", "end", "status", "export_id", "requested_at", "ready_at",
                "file", "sha256", "size"],
}
INDEXES = {"chats": set(), "actions": {"ix_actions_run", "ix_actions_chat"},
           "exports": {"ix_exports_export_id"}}


def test_a_fresh_store_builds_the_kinds_tables_as_version_1_did(
        open_store: StoreFactory, store_url: str) -> None:
    open_store("a").close()
    engine = create_engine(_sqlalchemy_url(store_url))
    try:
        found = inspect(engine)
        for table, columns in COLUMNS.items():
            assert [c["name"] for c in found.get_columns(table)] == columns
            assert {i["name"] for i in found.get_indexes(table)} == INDEXES[table]
        [fk] = found.get_foreign_keys("actions")
        assert (fk["referred_table"], fk["referred_columns"], fk["constrained_columns"]) == (
            "runs", ["id"], ["run_id"])
        assert found.get_pk_constraint("exports")["constrained_columns"] == ["job", "start"]
    finally:
        engine.dispose()


def test_reopening_keeps_the_kinds_rows(open_store: StoreFactory, store_url: str) -> None:
    first = open_store("a")
    run = first.claim("sweep", "s1", kind="sweep", scheduled_for=None, lease=60)
    assert run is not None
    update_chat(first, 7, warning_message_id=70, warned_by_run=run.run_id)
    record_action(first, run.run_id, 7, "warned")
    upsert_export_chunk(first, "exp", date(2026, 1, 1), date(2026, 1, 31), status="requested",
                        export_id=5)
    first.close()
    again = open_store("a")
    state = chat_state(again, 7)
    assert state is not None and state.warning_message_id == 70
    assert [a.action for a in actions_of(again, run.run_id)] == ["warned"]
    assert [(c.status, c.export_id) for c in export_chunks(again, "exp")] == [("requested", 5)]
    engine = create_engine(_sqlalchemy_url(store_url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar_one() == (
            SCHEMA_VERSION)
    engine.dispose()
