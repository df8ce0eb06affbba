"""Tasks (reminders) of the embedded workspace: the ``Task`` schema, who sees which, seed.

``GET /tasks`` has only paging: a token sees the tasks its user created or performs,
newest first, and nothing else (no filter by due date or status: the runner reads the
list once and groups it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runner.workspace.clock import format_ms

if TYPE_CHECKING:
    from runner.workspace.store import Store

KINDS = ("call", "meeting", "reminder", "event", "email")
_DAY = 86_400_000
_TEXTS = (
    "Позвонить клиенту по договору поставки", "Подготовить отчёт по продажам",
    "Согласовать макет лендинга", "Отправить счёт ООО «Ромашка»", "Встреча с подрядчиком",
    "Проверить оплату от «Северной звезды»", "Обновить прайс-лист", "Созвон с командой",
    "Написать итоги планёрки", "Продлить лицензию на CRM",
)


@dataclass(slots=True)
class Task:
    """A task: its kind, text, due time (None: no due date), author, performers, status."""

    id: int
    kind: str
    content: str
    due_ms: int | None
    user_id: int
    created_ms: int
    performer_ids: list[int] = field(default_factory=list)
    chat_id: int | None = None
    status: str = "undone"
    priority: int = 1
    all_day: bool = False

    def to_json(self) -> dict[str, Any]:
        """The ``Task`` schema."""
        return {
            "id": self.id, "kind": self.kind, "content": self.content,
            "due_at": format_ms(self.due_ms) if self.due_ms is not None else None,
            "priority": self.priority, "user_id": self.user_id, "chat_id": self.chat_id,
            "status": self.status, "created_at": format_ms(self.created_ms),
            "performer_ids": list(self.performer_ids), "all_day": self.all_day,
            "custom_properties": [],
        }


def visible(task: Task, user_id: int) -> bool:
    """Whether ``user_id``'s token lists ``task``: its author or one of its performers."""
    return task.user_id == user_id or user_id in task.performer_ids


def add_task(store: Store, **values: Any) -> Task:
    """A new task in ``store`` (ids ascend with creation)."""
    tasks: dict[int, Task] = store.tasks
    task = Task(id=max(tasks, default=0) + 1, **values)
    tasks[task.id] = task
    return task


def seed_tasks(store: Store, seed: int, now: int) -> None:
    """Tasks around ``now``: overdue, due today and this week, done; some for the bot."""
    rng = random.Random(f"{seed}:tasks")
    humans = sorted(u.id for u in store.users.values() if not u.bot)
    if not humans:
        return
    for i in range(24):
        author = store.bot_id if i % 3 == 0 else rng.choice(humans)
        performers = sorted({rng.choice(humans) for _ in range(rng.randint(1, 2))})
        due = None if i % 8 == 7 else now + rng.randint(-5 * _DAY, 6 * _DAY)
        created = now - rng.randint(6 * _DAY, 20 * _DAY)
        done = due is not None and due < now and rng.random() < 0.5
        add_task(store, kind=rng.choice(KINDS), content=rng.choice(_TEXTS), due_ms=due,
                 user_id=author, created_ms=created, performer_ids=performers,
                 status="done" if done else "undone", priority=rng.choice((1, 1, 2, 3)))
