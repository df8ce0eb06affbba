"""The console's words, Russian and English, by id (Russian is the default).

The pages are read by team leads, not developers, so every label lives here once and a
template asks for it by id (``t('jobs.title')``); a missing id fails loudly in tests.
"""

from __future__ import annotations

LANGS = ("ru", "en")
DEFAULT_LANG = "ru"

TEXTS: dict[str, tuple[str, str]] = {
    # (ru, en)
    "app.title": ("Пульт pachca-runner", "pachca-runner console"),
    "nav.jobs": ("Задачи", "Jobs"),
    "nav.runs": ("Запуски", "Runs"),
    "nav.switch": ("English", "Русский"),
    "nav.readonly": ("только чтение", "read-only"),
    "jobs.title": ("Задачи", "Jobs"),
    "jobs.loaded": ("Каталог {path}", "Catalogue {path}"),
    "col.job": ("Задача", "Job"),
    "col.kind": ("Вид", "Kind"),
    "col.schedule": ("Расписание", "Schedule"),
    "col.next": ("Ближайшие запуски", "Next runs"),
    "col.last": ("Последний запуск", "Last run"),
    "col.state": ("Состояние", "State"),
    "col.started": ("Начат", "Started"),
    "col.outcome": ("Итог", "Outcome"),
    "col.duration": ("Длительность", "Duration"),
    "col.counts": ("Счётчики", "Counts"),
    "col.replica": ("Реплика", "Replica"),
    "col.attempt": ("Попытка", "Attempt"),
    "col.error": ("Ошибка", "Error"),
    "col.chat": ("Чат", "Chat"),
    "col.action": ("Действие", "Action"),
    "col.when": ("Когда", "When"),
    "col.message": ("Сообщение", "Message"),
    "state.enabled": ("включена", "enabled"),
    "state.disabled": ("выключена", "disabled"),
    "next.skipped": ("пропуск: праздник", "skipped: holiday"),
    "next.none": ("не запланировано", "not scheduled"),
    "last.never": ("ещё не запускалась", "never ran"),
    "outcome.succeeded": ("успешно", "succeeded"),
    "outcome.failed": ("ошибка", "failed"),
    "outcome.skipped": ("пропущен", "skipped"),
    "outcome.abandoned": ("брошен", "abandoned"),
    "outcome.running": ("идёт", "running"),
    "runs.title": ("Запуски", "Runs"),
    "runs.filter": ("Показать", "Show"),
    "runs.any_job": ("все задачи", "every job"),
    "runs.any_outcome": ("любой итог", "any outcome"),
    "runs.period": ("Период", "Period"),
    "period.all": ("всё время", "all time"),
    "period.day": ("сутки", "last day"),
    "period.week": ("неделя", "last week"),
    "period.month": ("месяц", "last month"),
    "runs.none": ("Запусков нет", "No runs"),
    "runs.older": ("Раньше", "Older"),
    "runs.dry": ("пробный", "dry run"),
    "run.title": ("Запуск {id}", "Run {id}"),
    "run.scheduled": ("По расписанию на", "Scheduled for"),
    "run.manual": ("вручную", "by hand"),
    "run.lines": ("Что сделано", "What it did"),
    "run.posted": ("Отправленные сообщения", "Messages posted"),
    "run.chats": ("Чаты", "Chats"),
    "run.exports": ("Файлы выгрузки", "Export files"),
    "run.open": ("открыть в Пачке", "open in Pachca"),
    "run.not_found": ("Нет запуска с номером {id}", "There is no run {id}"),
    "action.warned": ("предупреждён", "warned"),
    "action.archived": ("архивирован", "archived"),
    "action.unarchived": ("возвращён из архива", "unarchived"),
    "action.closing_message": ("прощальное сообщение", "closing message"),
    "action.created": ("создан", "created"),
    "login.title": ("Вход", "Log in"),
    "login.name": ("Имя", "Name"),
    "login.password": ("Пароль", "Password"),
    "login.submit": ("Войти", "Log in"),
    "login.wrong": ("Неверное имя или пароль", "Wrong name or password"),
    "login.locked": (
        "Слишком много неудачных попыток: попробуйте через 15 минут",
        "Too many failed attempts: try again in 15 minutes"),
    "login.none": (
        ("Учётные записи не настроены: задайте PACHCA_RUNNER_CONSOLE_USERS или"
        " PACHCA_RUNNER_CONSOLE_PASSWORD"),
        ("No accounts are configured: set PACHCA_RUNNER_CONSOLE_USERS or"
        " PACHCA_RUNNER_CONSOLE_PASSWORD")),
    "logout": ("Выйти", "Log out"),
    "do.pause": ("Приостановить", "Pause"),
    "do.resume": ("Возобновить", "Resume"),
    "do.reason": ("причина", "reason"),
    "do.run": ("Запустить сейчас", "Run now"),
    "do.dry": ("Пробный запуск", "Dry run"),
    "do.undo": ("Отменить: вернуть чаты из архива", "Undo: unarchive the chats"),
    "state.paused": ("приостановлена: {by}, {at}", "paused by {by} at {at}"),
    "audit.title": ("Действия операторов", "Operators' actions"),
    "audit.pause": ("приостановил(а)", "paused"),
    "audit.resume": ("возобновил(а)", "resumed"),
    "audit.run": ("запустил(а)", "ran"),
    "audit.dry-run": ("запустил(а) пробно", "dry-ran"),
    "audit.undo": ("отменил(а) архивацию", "undid the archiving"),
    "error.csrf": (
        "Действие отклонено: форма устарела или пришла не из пульта. Обновите страницу",
        "Action refused: the form is stale or did not come from the console. Reload the page"),
    "error.viewer": (
        "У вас права только на просмотр", "Your account may only view"),
    "error.action": ("Не получилось: {error}", "Could not do it: {error}"),
    "nav.plans": ("Планы чисток", "Sweep plans"),
    "plans.title": ("Планы чисток", "Sweep plans"),
    "plans.none": ("В каталоге нет чисток (kind: sweep)", "The catalogue has no sweeps"),
    "plans.waiting": ("ждёт запуска одобренный план ({by}, {at})",
                      "an approved plan waits for the next run ({by}, {at})"),
    "plan.title": ("План чистки {job}", "Sweep plan of {job}"),
    "plan.head": (
        "Сейчас, {at}: просмотрено чатов — {scanned}; следующий запуск сделает так:",
        "Now, {at}: {scanned} chats scanned; the next run would do this:"),
    "plan.require": (
        "Эта чистка ничего не меняет без одобренного плана (require_approval)",
        "This sweep changes nothing without an approved plan (require_approval)"),
    "plan.approved": ("Одобрен {by}, {at}: следующий запуск применит ровно его",
                      "Approved by {by} at {at}: the next run applies exactly it"),
    "plan.approve": ("Одобрить этот план", "Approve this plan"),
    "plan.abort": ("Запуск сейчас остановится и ничего не изменит: {why}",
                   "A run now would stop and change nothing: {why}"),
    "plan.stale": (
        "План изменился с тех пор, как вы его открыли: посмотрите его снова",
        "The plan changed since you opened it: review it again"),
    "plan.empty": ("Делать нечего: все чаты активны", "Nothing to do: every chat is active"),
    "col.verb": ("Что", "What"),
    "col.reason": ("Почему", "Why"),
    "verb.warn": ("предупредить", "warn"),
    "verb.archive": ("архивировать", "archive"),
    "verb.later": ("позже", "later"),
    "verb.wait": ("ждать", "wait"),
    "verb.skip": ("пропустить", "skip"),
    "audit.approve": ("одобрил(а) план", "approved the plan"),
    "seconds": ("{n} с", "{n} s"),
    "error.not_found": ("Такой страницы нет", "No such page"),
    "error.forbidden": (
        ("Пульт открыт только с этого компьютера, пока не настроены пароли"
        " (PACHCA_RUNNER_CONSOLE_USERS или PACHCA_RUNNER_CONSOLE_PASSWORD)"),
        ("The console only answers this computer until passwords are set"
        " (PACHCA_RUNNER_CONSOLE_USERS or PACHCA_RUNNER_CONSOLE_PASSWORD)"),
    ),
}


def text(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (``ru`` or ``en``), with ``values`` filled in."""
    ru, en = TEXTS[key]
    chosen = en if lang == "en" else ru
    return chosen.format(**values) if values else chosen
