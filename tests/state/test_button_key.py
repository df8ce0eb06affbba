"""The button key the store keeps: random, made once, the same for every replica."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from runner.errors import StateError
from runner.state import StateStore
from runner.state.records import BUTTONS
from runner.state.schema import job_values
from tests.state.conftest import StoreFactory, race


def test_every_replica_on_one_store_gets_the_same_key_made_once(open_store: StoreFactory
                                                                ) -> None:
    replicas = [open_store(f"replica-{i}") for i in range(4)]

    # All four ask at once on a new store: one key is made, all four read that one.
    keys = race(len(replicas), lambda i: replicas[i].button_key())

    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert replicas[0].button_key() == keys[0]  # asked again: the same, not a new one
    later = open_store("replica-later")
    assert later.button_key() == keys[0]


def test_two_stores_make_different_keys(open_store: StoreFactory, tmp_path: Path) -> None:
    first = open_store().button_key()
    other = StateStore(f"sqlite:///{tmp_path / 'other.db'}", replica="x")
    try:
        assert other.button_key() != first
    finally:
        other.close()


def test_a_damaged_key_is_a_state_error_that_does_not_quote_it(open_store: StoreFactory
                                                               ) -> None:
    store = open_store()
    store.button_key()
    with store.write() as conn:
        conn.execute(update(job_values).where(job_values.c.job == BUTTONS)
                     .values(value="c2hvcnQ-not-base64!"))

    with pytest.raises(StateError, match="not 32 bytes") as caught:
        store.button_key()
    assert "c2hvcnQ" not in str(caught.value) and "delete that row" in str(caught.value)
