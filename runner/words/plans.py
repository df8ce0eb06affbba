"""What `diff` and a sweep's `plan` say: jobs added, removed and changed, and what a
sweep would do to each chat and why.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- diff --------------------------------------------------------------------------
    "diff.same": (
        "No differences: both catalogues schedule the same jobs the same way.",
        "Различий нет: оба каталога запускают одни и те же задания одинаково.",
    ),
    "diff.added": ("Jobs added:", "Добавлены задания:"),
    "diff.added_job": ("  + {job} ({kind}): {schedule}; next runs {times}",
                       "  + {job} ({kind}): {schedule}; ближайшие запуски: {times}"),
    "diff.removed": ("Jobs removed:", "Удалены задания:"),
    "diff.changed": ("Jobs changed:", "Изменены задания:"),
    "diff.before": ("      next runs before: {times}", "      ближайшие запуски было:  {times}"),
    "diff.after": ("      next runs after:  {times}", "      ближайшие запуски стало: {times}"),
    "diff.section": ("Section {section} changed: {old} -> {new}",
                     "Изменён раздел {section}: {old} -> {new}"),
    "diff.unchanged": ("Unchanged: {names}", "Без изменений: {names}"),
    "diff.none_disabled": ("none (disabled)", "нет (выключено)"),
    "diff.every": ("every {duration}", "каждые {duration}"),
    "diff.affected": ("chats it would warn or archive now: {old} -> {new} ({parts})",
                      ("чаты, которые сейчас были бы предупреждены или заархивированы:"
                      " {old} -> {new} ({parts})")),
    "diff.more": (", and {n} more", " и ещё {n}"),
    "diff.no_token": (
        "cannot count the chats it would affect: PACHCA_TOKEN is not set",
        "не посчитать чаты, которые это затронет: не задан PACHCA_TOKEN",
    ),
    "diff.cannot_count": ("cannot count the chats it would affect: {error}",
                          "не посчитать чаты, которые это затронет: {error}"),
    # -- a sweep's plan ------------------------------------------------------------------
    "plan.head": (
        "Plan for {job} as of {when}: {scanned} group chats scanned; {counts}.",
        "План для {job} на {when}: просмотрено групповых чатов: {scanned}; {counts}.",
    ),
    "plan.rest": ("Chats not listed are active: nothing to do.",
                  "Остальные чаты активны: делать ничего не нужно."),
    "plan.abort": ("A run now would stop and change nothing: {why}",
                   "Запуск сейчас остановился бы и ничего не изменил: {why}"),
    "verb.warn": ("warn", "предупредить"),
    "verb.archive": ("archive", "архивировать"),
    "verb.later": ("later", "позже"),
    "verb.wait": ("wait", "ждать"),
    "verb.skip": ("skip", "пропустить"),
    # -- why, for each chat --------------------------------------------------------------
    "why.quiet": ("no messages for {days} days", "сообщений нет уже {days} дн."),
    "why.new": ("created {days} days ago", "создан {days} дн. назад"),
    "why.active": ("last message {days} days ago", "последнее сообщение {days} дн. назад"),
    "why.thread": ("active in a thread: last comment {days} days ago",
                   "активен в треде: последний комментарий {days} дн. назад"),
    "why.kept": ("kept until {date}", "оставлен до {date}"),
    "why.unarchived_by_someone": (
        "unarchived by someone after the sweep archived it",
        "кто-то вернул его из архива после уборки",
    ),
    "why.unarchived_on": ("unarchived on {date}", "возвращён из архива {date}"),
    # -- a sweep run's lines -------------------------------------------------------------
    "sweep.would_warn": ("would warn «{name}»: {note}", "было бы предупреждение «{name}»: {note}"),
    "sweep.would_archive": ("would archive «{name}»: {note}",
                            "был бы заархивирован «{name}»: {note}"),
    "sweep.waiting": ("waiting «{name}»: {note}", "ждёт «{name}»: {note}"),
    "sweep.skipped": ("skipped «{name}»: {note}", "пропущен «{name}»: {note}"),
    "sweep.more_skipped": ("... and {n} more skipped chats", "... и ещё пропущено чатов: {n}"),
    "sweep.warned": ("warned «{name}»: {note}", "предупреждён «{name}»: {note}"),
    "sweep.archived": ("archived «{name}»: {note}", "заархивирован «{name}»: {note}"),
    "sweep.could_not": ("could not {verb} «{name}» ({id}): {error}",
                        "не удалось {verb} «{name}» ({id}): {error}"),
}
