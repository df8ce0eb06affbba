"""What the commands print: settings, tables, validate, plan, undo, init, ids.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- settings and the command line -------------------------------------------------------
    "settings.invalid": (
        "{field}: {detail} — fix it in the environment or in .env",
        "{field}: {detail} — исправьте в окружении или в .env",
    ),
    "settings.lang": ("must be ru or en, got {got}", "нужно ru или en, а указано {got}"),
    "settings.base_url": (
        "must be an http(s) address such as {example}",
        "нужен адрес http(s), например {example}",
    ),
    "senders.not_address": (
        ("{got} is not an IP address or network (such as 37.200.70.177 or 10.0.0.0/8);"
         " separate several with commas"),
        ("{got} — не IP-адрес и не сеть (например, 37.200.70.177 или 10.0.0.0/8);"
         " несколько разделяйте запятыми"),
    ),
    "senders.item_at": ("item {position}", "элемент {position}"),
    "senders.empty_item": (
        "item {position} is empty: addresses are separated by single commas",
        "элемент {position} пуст: адреса разделяются одной запятой",
    ),
    "senders.any_alone": (
        "'any' turns the check off and cannot be listed beside addresses",
        "'any' выключает проверку и не пишется рядом с адресами",
    ),
    "senders.proxies_any": (
        "believing X-Forwarded-For from anyone lets anyone pass for Pachca: name the proxies",
        ("если верить X-Forwarded-For от кого угодно, кто угодно выдаст себя за Pachca:"
         " перечислите адреса прокси"),
    ),
    "senders.unresolved": (
        ("unset, and the API's host {host} does not resolve ({reason}); set it to the"
         " addresses webhooks come from (or 'any')"),
        ("не задано, а адрес хоста API {host} не определяется ({reason}); укажите адреса,"
         " с которых приходят вебхуки (или 'any')"),
    ),
    "settings.no_token": (
        "no Pachca token: set PACHCA_TOKEN (Automations -> Integrations -> API)",
        "нет токена Pachca: задайте PACHCA_TOKEN (Автоматизации → Интеграции → API)",
    ),
    # -- tables: jobs, history ------------------------------------------------------------
    "jobs.title": ("Jobs in {path}", "Задания в {path}"),
    "jobs.disabled": ("disabled", "выключено"),
    "jobs.paused": ("paused by {by} at {at}{reason}: scheduled runs are skipped",
                    "приостановлено ({by}, {at}){reason}: запуски по расписанию пропускаются"),
    "jobs.next": ("next: {times}", "ближайшие: {times}"),
    "jobs.skipped": ("skipped (holidays): {dates}", "пропуски (праздники): {dates}"),
    "history.title": (
        "Latest runs (times in each job's zone)", "Последние запуски (время — в зоне задания)"
    ),
    "history.empty": ("No runs recorded yet.", "Запусков в истории пока нет."),
    "history.columns": ("run|job|fire|outcome|took", "запуск|задание|на время|итог|длился"),
    "history.dry": (" (dry run)", " (пробный)"),
    "history.manual": ("manual", "вручную"),
    "history.dry_key": ("dry run", "пробный"),
    "history.attempt": ("{replica} (attempt {n})", "{replica} (попытка {n})"),
    "history.on": ("on {replica}", "на {replica}"),
    "history.error": ("error: {error}", "ошибка: {error}"),
    "history.attempt_error": ("attempt {n}: {error}", "попытка {n}: {error}"),
    "history.attempt_ended": ("attempt {n} {ended}", "попытка {n}: {ended}"),
    "history.attempt_stopped": ("stopped before it finished", "остановлена, не закончив"),
    "history.more": (
        "… (whole: pachca-runner history show {id})", "… (целиком: pachca-runner history show {id})"
    ),
    "history.unknown_job": (
        "no job '{name}' in the catalogue or the history{hint}; known: {known}",
        "задания '{name}' нет ни в каталоге, ни в истории{hint}; известные: {known}",
    ),
    "history.no_run": (
        "no run {id} in the history — `pachca-runner history` lists the runs and their ids",
        "запуска {id} нет в истории — `pachca-runner history` покажет запуски и их номера",
    ),
    "history.bad_since": (
        ("--since {value}: give a date (2026-12-01), a date and time (2026-12-01T09:00) or a"
        " duration back from now (2d, 12h, 30m)"),
        ("--since {value}: укажите дату (2026-12-01), дату и время (2026-12-01T09:00) или"
        " сколько назад от текущего момента (2d, 12h, 30m)"),
    ),
    "history.usage": (
        "give a job name, or `show RUN_ID`", "укажите имя задания или `show НОМЕР_ЗАПУСКА`"
    ),
    "run.title": ("Run {id} · {job} ({kind})", "Запуск {id} · {job} ({kind})"),
    "run.fields": (
        "key|fire|started|finished|took|replica|outcome|counts|error",
        "ключ|на время|начат|закончен|длился|реплика|итог|счётчики|ошибка",
    ),
    "run.lines": ("What it did:", "Что сделано:"),
    "run.effects": ("Effects (each made once per fire):", "Действия (каждое — один раз на срабатывание):"),
    "run.actions": ("Chat actions (for undo):", "Действия с чатами (для `undo`):"),
    "run.none": ("(nothing)", "(ничего)"),
    "run.detail.message_id": ("message {id}", "сообщение {id}"),
    "run.detail.chat_id": ("chat {id}", "чат {id}"),
    "run.detail.files": ("files: {names}", "файлы: {names}"),
    "run.detail.recovered": ("found by a later run", "найдено следующим запуском"),
    "cli.error": ("error: {detail}", "ошибка: {detail}"),
    "validate.ok_unchecked": (
        "{file}: OK, {n} jobs (recipients not checked: {why})",
        "{file}: всё в порядке, заданий: {n} (получатели не проверены: {why})",
    ),
    "validate.no_token": ("no PACHCA_TOKEN", "нет PACHCA_TOKEN"),
    "validate.cannot_post": (
        "✗ {where}: {path}: cannot post to {label}: {problem}",
        "✗ {where}: {path}: нельзя отправить: {label}: {problem}",
    ),
    "validate.problems": (
        "{file}: {n} recipient problem(s)", "{file}: проблем с получателями: {n}"
    ),
    "validate.ok": (
        "{file}: OK, {n} jobs, every recipient reachable",
        "{file}: всё в порядке, заданий: {n}, все получатели доступны",
    ),
    "plan.saved": (
        "Saved to {out}. Apply exactly this plan with: pachca-runner run-job {job} --plan {out}",
        "Сохранено в {out}. Выполнить ровно этот план: pachca-runner run-job {job} --plan {out}",
    ),
    "undo.confirm": ("Unarchive these {n} chat(s)?", "Вернуть из архива эти чаты ({n})?"),
    "undo.nothing": ("Nothing was changed.", "Ничего не изменено."),
    "cli.moment_format": (
        ("'{got}' is not a date and time: write it as 2026-12-07 09:00, 2026-12-07T09:00 or"
        " 2026-12-07 (midnight)"),
        ("'{got}' — не дата и время: пишите 2026-12-07 09:00, 2026-12-07T09:00 или"
        " 2026-12-07 (полночь)"),
    ),
    "cli.moment_range": (
        ("{got} is outside the years a schedule can be computed for: give a moment from"
        " {low} to {high}"),
        "{got} — вне лет, для которых считается расписание: укажите момент от {low} до {high}",
    ),
    "cli.warning": ("warning: {detail}", "предупреждение: {detail}"),
    "cli.problems": (
        "{n} problems found; nothing was run.", "найдено проблем: {n}; ничего не запущено."
    ),
    "cli.more": (" (and {n} more)", " (и ещё {n})"),
    # -- init, chats, users ------------------------------------------------------------------
    "init.exists": (
        ("{folder}: {files} already there — nothing was written; init a new folder"
         " (pachca-runner init DIR) or move them away"),
        ("{folder}: {files} уже есть — ничего не записано; выберите новую папку"
         " (pachca-runner init ПАПКА) или уберите эти файлы"),
    ),
    "init.not_folder": (
        "{folder} is a file, not a folder — name a folder to create",
        "{folder} — это файл, а не папка; укажите папку",
    ),
    "init.cannot_write": (
        "{folder}: cannot write: {detail}", "{folder}: не удаётся записать: {detail}"
    ),
    "init.done": (
        ("Wrote {n} files to {folder}. Next: copy .env.example to .env and set PACHCA_TOKEN,"
         " put your chat ids into jobs.yaml (pachca-runner chats --search NAME), then"
         " `pachca-runner validate` and `pachca-runner run`."),
        ("В {folder} записано файлов: {n}. Дальше: скопируйте .env.example в .env и впишите"
         " PACHCA_TOKEN, поставьте id своих чатов в jobs.yaml (pachca-runner chats --search"
         " ИМЯ), затем `pachca-runner validate` и `pachca-runner run`."),
    ),
    "ids.chats_head": (
        "id | name | kind | bot is | may post | may archive",
        "id | название | вид | бот в нём | может писать | может архивировать",
    ),
    "ids.users_head": ("id | name | nickname | role", "id | имя | ник | роль"),
    "ids.none": ("nothing matches '{search}'", "ничего не нашлось по '{search}'"),
    "ids.yes": ("yes", "да"),
    "ids.no": ("no", "нет"),
    "ids.not_member": ("not a member", "не участник"),
    "ids.role.admin": ("admin", "администратор"),
    "ids.role.editor": ("editor", "редактор"),
    "ids.role.member": ("member", "участник"),
    "ids.role.owner": ("owner", "владелец"),
    "ids.role.user": ("user", "пользователь"),
    "ids.role.guest": ("guest", "гость"),
    "ids.role.multi_guest": ("multi_guest", "мультигость"),
    "ids.role.bot": ("bot", "бот"),
    "cli.wrote": ("wrote {path}", "записано: {path}"),
    "cli.password": ("Password", "Пароль"),
    "ws.at": ("Embedded Pachca workspace at {url}", "Встроенное пространство Пачки: {url}"),
    "ws.stop": ("Stop with Ctrl+C.", "Остановка — Ctrl+C."),
    "ws.port_busy": (
        "the workspace cannot listen on {host}:{port} ({reason}); pass --port with a free port",
        ("пространство не может принимать запросы на {host}:{port} ({reason}); укажите"
         " свободный порт в --port"),
    ),
    "ids.channel": ("channel", "канал"),
    "ids.group": ("group chat", "беседа"),
    "ids.archived": (" (archived)", " (в архиве)"),
}
