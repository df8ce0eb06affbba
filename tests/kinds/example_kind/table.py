"""The kind's own state table: who signed up in which chat, by which run's button."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, MetaData, String, Table, select

from runner.state import StateStore
from runner.state.aio import KindRecords

metadata = MetaData()

signups = Table(
    "example_signups",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("user_id", BigInteger, primary_key=True),
    Column("run_id", BigInteger, nullable=False),
    Column("at", String, nullable=False),  # ISO 8601, UTC
)

TABLES = (signups,)
"""The kind's own table: the registry finds it here, and the store creates it."""


def record(store: StateStore, chat_id: int, user_id: int, run_id: int, at: datetime) -> bool:
    """Record a signup; False if that person had already signed up in that chat."""
    with store.write() as conn:
        found = conn.execute(select(signups.c.user_id).where(
            signups.c.chat_id == chat_id, signups.c.user_id == user_id)).first()
        if found is not None:
            return False
        conn.execute(signups.insert().values(chat_id=chat_id, user_id=user_id, run_id=run_id,
                                             at=at.isoformat()))
        return True


def signed_up(store: StateStore, chat_id: int) -> list[int]:
    """Who signed up in ``chat_id``, by user id."""
    with store.read() as conn:
        rows = conn.execute(select(signups.c.user_id).where(signups.c.chat_id == chat_id)
                            .order_by(signups.c.user_id))
        return [int(r[0]) for r in rows]


class Signups(KindRecords):
    """The table for async code (a click): ``bot.rt.state.records(Signups)``."""

    async def record(self, chat_id: int, user_id: int, run_id: int, at: datetime) -> bool:
        """``record`` on the store's threads."""
        return await self.call(record, self.engine, chat_id, user_id, run_id, at)
