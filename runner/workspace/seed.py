"""Deterministic seeding of a workspace from a ``WorkspaceConfig``.

Who is who: the first user is the workspace owner (role ``admin``, an ``owner`` token);
then the bot «Раннер» (``bot`` token); then a regular user who gets the ``limited`` token
(read scopes only). The owner belongs to every group chat except a few private ones
(about 4%), so ``GET /chats`` with the owner token covers nearly everything, and
``availability=public`` still differs. The bot belongs to ``config.bot_share`` of group
chats (12% by default). Chat roles (``_give_roles``) mix what a real workspace holds:
the bot an admin of some chats, a plain member of others, an editor of channels; the
Owner a plain member of a few, and outside some closed ones.

Activity: chats are active (10%), normal (35%), quiet (30%: silent for a month or
more) or silent (25%: no messages). Messages are spread over ``history_days`` with
those weights; every chat is created before its first message, and ``last_message_at``
is the newest message's time, or ``created_at`` when the chat has no messages (the
spec makes the field non-null). Benchmarks need exact numbers instead of that mix:
``quiet_chats`` / ``active_chats`` (see ``_seed_profile``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

from runner.workspace import names
from runner.workspace.clock import MS_PER_DAY, parse_datetime
from runner.workspace.config import WorkspaceConfig
from runner.workspace.models import Chat, GroupTag, Message, User
from runner.workspace.seed_threads import seed_threads
from runner.workspace.store import Store
from runner.workspace.tasks import seed_tasks

T = TypeVar("T")

_HOUR = 3_600_000
_CATEGORIES = (
    ("active", 0.10, 40.0),
    ("normal", 0.35, 6.0),
    ("quiet", 0.30, 1.5),
    ("silent", 0.25, 0.0),
)


class _Draw:
    """Fast draws from one seeded ``Random``: ``random()`` is C, ``randint`` / ``sample``
    are pure Python and dominate seeding time for 100,000 chats."""

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def between(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``."""
        return lo + int(self.random() * (hi - lo + 1))

    def pick(self, seq: Sequence[T]) -> T:
        """One element of ``seq``."""
        return seq[int(self.random() * len(seq))]

    def some(self, seq: Sequence[T], k: int) -> set[T]:
        """Up to ``k`` distinct elements of ``seq`` (fewer when draws repeat)."""
        n, rnd = len(seq), self.random
        return {seq[int(rnd() * n)] for _ in range(k)}


def seed_store(store: Store, config: WorkspaceConfig) -> None:
    """Fill an empty ``store`` from ``config``; same seed, same workspace."""
    rng = random.Random(config.seed)
    # A pinned start is the seeding moment itself: the clock has run a few ms since it was
    # set, and every seeded time would shift with them (same seed, different workspace).
    now = parse_datetime(config.start_time) if config.start_time else store.now_ms()
    _seed_users(store, config, rng, now)
    store.bots[store.bot_id]["unfurl_domains"] = list(config.unfurl_domains)
    _seed_tags(store, config, rng)
    chats = _seed_chats(store, config, rng, now)
    if config.quiet_chats is None and config.active_chats is None:
        _seed_messages(store, config, rng, now, chats)
    else:
        _seed_profile(store, config, rng, now, chats)
    store.bulk_load_chats(chats)
    for message in sorted(store.messages.values(), key=lambda m: m.id):
        store.chat_messages[message.chat_id].append((message.id,))
    if config.quiet_chats is None and config.active_chats is None:
        seed_threads(store, config, now)
        seed_tasks(store, config.seed, now)
    for kind, user_id in (
        ("owner", store.owner_id),
        ("bot", store.bot_id),
        ("limited", store.limited_id),
    ):
        seeded = f"{kind}-{rng.getrandbits(128):032x}"  # drawn even when replaced: same data
        store.issue_token((config.tokens or {}).get(kind, seeded), kind, user_id)


def _seed_users(store: Store, config: WorkspaceConfig, rng: random.Random, now: int) -> None:
    used: set[str] = set()
    for i in range(config.users):
        uid = store.next_id("user")
        created = now - rng.randint(200, 1200) * MS_PER_DAY
        if i == 1:
            store.bot_id = uid
            store.add_user(
                User(
                    uid,
                    "Раннер",
                    "",
                    "runner_bot",
                    None,
                    None,
                    None,
                    "user",
                    created,
                    None,
                    bot=True,
                )
            )
            continue
        female = rng.random() < 0.5
        first = rng.choice(names.FEMALE_FIRST if female else names.MALE_FIRST)
        last = rng.choice(names.SURNAMES)
        if female:
            last = names.female_surname(last)
        base = f"{names.translit(first)}.{names.translit(last)}"
        nickname = base if base not in used else f"{base}{uid % 1000}"
        used.add(nickname)
        department, titles = names.DEPARTMENTS[
            0 if i == 0 else rng.randrange(len(names.DEPARTMENTS))
        ]
        title = "Генеральный директор" if i == 0 else rng.choice(titles)
        role = (
            "admin"
            if i == 0 or rng.random() < 0.03
            else ("guest" if rng.random() < 0.02 else "user")
        )
        activity = now - int(rng.expovariate(1 / (3 * MS_PER_DAY)))
        store.add_user(
            User(
                uid,
                first,
                last,
                nickname,
                f"{nickname}@example.ru",
                department if i else "Руководство",
                title,
                role,
                created,
                activity,
                suspended=rng.random() < 0.01 and i > 2,
            )
        )
        if i == 0:
            store.owner_id = uid
        elif i == 2:
            store.limited_id = uid


def _seed_tags(store: Store, config: WorkspaceConfig, rng: random.Random) -> None:
    humans = [u for u in store.users.values() if not u.bot]
    count = min(config.group_tags, len(names.DEPARTMENTS))
    members: dict[str, list[int]] = {dept: [] for dept, _ in names.DEPARTMENTS[:count]}
    for user in humans:
        if user.department in members:
            members[user.department].append(user.id)
    for dept, ids in members.items():
        store.add_tag(GroupTag(store.next_id("tag"), dept, ids))
    for extra in range(config.group_tags - count):
        ids = rng.sample([u.id for u in humans], k=max(1, len(humans) // 10))
        store.add_tag(GroupTag(store.next_id("tag"), f"Рабочая группа {extra + 1}", ids))


def _group_name(rng: random.Random, i: int, channel: bool) -> str:
    pool = names.CHANNEL_NAMES if channel else names.CONVERSATION_NAMES
    if i < len(pool):
        return pool[i]
    prefix = rng.choice(names.PROJECT_PREFIXES)
    return f"{prefix} {rng.choice(names.PROJECT_SUFFIXES)}-{i}"


def _seed_chats(store: Store, config: WorkspaceConfig, rng: random.Random, now: int) -> list[Chat]:
    humans = [u.id for u in store.users.values() if not u.bot]
    others = [uid for uid in humans if uid != store.owner_id]
    tags = list(store.tags.values())
    draw = _Draw(rng)
    chats: list[Chat] = []
    span_days = max(config.history_days + 30, 400)

    def created_at() -> int:
        # Most chats predate the history window; some are recent.
        if rng.random() < 0.15:
            return now - draw.between(2 * _HOUR, config.history_days * MS_PER_DAY)
        return now - draw.between(config.history_days * MS_PER_DAY, span_days * MS_PER_DAY)

    groups = [(False, i) for i in range(config.conversations)]
    groups += [(True, i) for i in range(config.channels)]
    for channel, i in groups:
        public = rng.random() < config.public_share
        owner_in = rng.random() >= 0.04
        owner = store.owner_id if owner_in and rng.random() < 0.5 else draw.pick(others)
        if channel:
            size = draw.between(10, 80)
        else:
            size = min(40, int(rng.paretovariate(1.5) * 4) + 2)
        members = draw.some(others, min(size, len(others)))
        tag_ids: list[int] = []
        if tags and not channel and rng.random() < 0.15:
            tag = draw.pick(tags)
            tag_ids.append(tag.id)
            members.update(tag.user_ids)
        members.add(owner)
        if owner_in:
            members.add(store.owner_id)
        else:
            members.discard(store.owner_id)
        if rng.random() < config.bot_share:
            members.add(store.bot_id)
        chat = Chat(
            store.next_id("chat"),
            _group_name(rng, i, channel),
            created_at(),
            owner,
            sorted(members),
            channel=channel,
            public=public,
            archived=rng.random() < config.archived_share,
            group_tag_ids=tag_ids,
        )
        chats.append(chat)
    _leave_some(store, chats)
    _give_roles(store, config, chats)
    pairs: set[tuple[int, int]] = set()
    limit = len(humans) * (len(humans) - 1) // 2
    bot_pairs = 0
    while len(pairs) < min(config.direct_chats, limit):
        if bot_pairs < 3 and rng.random() < 0.02:
            a, b = store.bot_id, draw.pick(humans)
            bot_pairs += 1
        elif rng.random() < 0.1:
            a, b = store.owner_id, draw.pick(others)
        else:
            a, b = draw.pick(humans), draw.pick(humans)
            if a == b:
                continue
        key = (min(a, b), max(a, b))
        if key in pairs:
            continue
        pairs.add(key)
        name = f"{store.users[key[0]].full_name}, {store.users[key[1]].full_name}"
        chats.append(
            Chat(store.next_id("chat"), name, created_at(), key[0], list(key), personal=True)
        )
    return chats


def _leave_some(store: Store, chats: list[Chat]) -> None:
    """Make sure the owner is outside at least one public and one private group chat,
    neither archived.

    Small workspaces might otherwise draw none, and then ``availability=public`` and
    ``is_member`` could not be told apart; a live closed chat the Owner is not in is
    where its refusals (everything but the member list and export) show.
    """
    owner = store.owner_id
    for public in (True, False):
        kind = [c for c in chats if c.public == public and not c.channel and not c.archived]
        if not kind or any(owner not in c.member_ids for c in kind):
            continue
        chat = ([c for c in kind if c.owner_id != owner] or kind)[-1]
        chat.member_ids.remove(owner)
        if not chat.member_ids:
            continue
        if chat.owner_id == owner:
            chat.owner_id = chat.member_ids[0]


def _give_roles(store: Store, config: WorkspaceConfig, chats: list[Chat]) -> None:
    """Chat roles: the joining ones (``Store.give_joining_role``), then what chat admins
    changed since, decided by chat id (no draws: the rest of the seed stays the same).

    The bot was made an admin in a third of its group chats (all with ``bot_admin``) and
    stays a plain member or a channel's editor elsewhere; the Owner was made a plain
    member in a tenth of the chats it did not create.
    """
    bot, owner = store.bot_id, store.owner_id
    for chat in chats:
        for uid in chat.member_ids:
            store.give_joining_role(chat, uid)
        if bot in chat.member_ids and (config.bot_admin or chat.id % 3 == 0):
            store.set_chat_role(chat, bot, "admin")
        if owner in chat.member_ids and chat.owner_id != owner and chat.id % 10 == 7:
            store.set_chat_role(chat, owner, "member")


def _seed_messages(
    store: Store, config: WorkspaceConfig, rng: random.Random, now: int, chats: list[Chat]
) -> None:
    if not chats or config.messages <= 0:
        return
    kinds = rng.choices(
        [c[0] for c in _CATEGORIES], weights=[c[1] for c in _CATEGORIES], k=len(chats)
    )
    weight = {name: w for name, _, w in _CATEGORIES}
    weights = [weight[k] for k in kinds]
    if not any(weights):
        weights = [1.0] * len(chats)
    counts = Counter(rng.choices(range(len(chats)), weights=weights, k=config.messages))
    history = config.history_days * MS_PER_DAY
    draw = _Draw(rng)
    phrases = names.PHRASES
    pending: list[tuple[int, int, int, str]] = []
    for idx, n in counts.items():
        chat, kind = chats[idx], kinds[idx]
        earliest = chat.created_ms + 60_000
        if kind == "active":
            last = now - int(rng.expovariate(1 / (6 * _HOUR)))
            span = draw.between(20 * MS_PER_DAY, max(history, 20 * MS_PER_DAY))
        elif kind == "quiet":
            last = now - draw.between(min(30 * MS_PER_DAY, history), history)
            span = draw.between(MS_PER_DAY, 30 * MS_PER_DAY)
        else:
            last = now - draw.between(0, 14 * MS_PER_DAY)
            span = draw.between(5 * MS_PER_DAY, 60 * MS_PER_DAY)
        last = min(now - 1000, max(last, earliest + 1000))
        start = max(earliest, last - span)
        authors = [uid for uid in chat.member_ids if uid != store.bot_id] or chat.member_ids
        times = [last] + [draw.between(start, last) for _ in range(n - 1)]
        for ms in times:
            pending.append((ms, chat.id, draw.pick(authors), draw.pick(phrases)))
        chat.last_message_ms = last
    pending.sort()
    for ms, chat_id, author, text in pending:
        mid = store.next_id("message")
        store.messages[mid] = Message(mid, chat_id, author, text, ms, entity_id=chat_id)


def _seed_profile(
    store: Store, config: WorkspaceConfig, rng: random.Random, now: int, chats: list[Chat]
) -> None:
    """Exact activity for benchmarks (``quiet_chats`` / ``active_chats``), not the mix.

    Quiet conversations get one message older than ``quiet_days``; active chats get
    ``active_messages`` within the last ``active_days`` and one older message; every
    other unarchived group chat gets one message in between. A chat's creation moves
    back before its first message. Archived and direct chats get none.
    """
    draw = _Draw(rng)
    groups = [c for c in chats if not c.personal and not c.archived]
    quiet: set[int] = set()
    if config.quiet_chats is not None:
        conversations = [c for c in groups if not c.channel]
        if config.quiet_chats > len(conversations):
            raise ValueError(f"quiet_chats {config.quiet_chats} exceeds the"
                             f" {len(conversations)} unarchived conversations")
        quiet = {c.id for c in rng.sample(conversations, config.quiet_chats)}
    active: set[int] = set()
    if config.active_chats is not None:
        pool = [c for c in groups if c.id not in quiet]
        if config.active_chats > len(pool):
            raise ValueError(f"active_chats {config.active_chats} exceeds the"
                             f" {len(pool)} unarchived group chats")
        active = {c.id for c in rng.sample(pool, config.active_chats)}
    minute, day = 60_000, MS_PER_DAY
    active_ms, quiet_ms = config.active_days * day, config.quiet_days * day
    # Ages (ms before now) at which the chats that are neither quiet nor active wrote.
    young = active_ms + day if config.active_chats is not None else minute
    old = quiet_ms - day if config.quiet_chats is not None else config.history_days * day
    old = max(old, young + day)
    pending: list[tuple[int, int, int, str]] = []
    for chat in groups:
        if chat.id in quiet:
            times = [now - draw.between(quiet_ms + day, quiet_ms + max(config.history_days, 30)
                                        * day)]
        elif chat.id in active:
            times = [now - draw.between(minute, active_ms - minute)
                     for _ in range(config.active_messages)]
            times.append(now - draw.between(young, old))
        else:
            times = [now - draw.between(young, old)]
        chat.created_ms = min(chat.created_ms, min(times) - draw.between(minute, 30 * day))
        chat.last_message_ms = max(times)
        authors = [uid for uid in chat.member_ids if uid != store.bot_id] or chat.member_ids
        pending.extend((ms, chat.id, draw.pick(authors), draw.pick(names.PHRASES))
                       for ms in times)
    pending.sort()
    for ms, chat_id, author, text in pending:
        mid = store.next_id("message")
        store.messages[mid] = Message(mid, chat_id, author, text, ms, entity_id=chat_id)
