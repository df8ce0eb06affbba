"""``--help`` in Russian: the commands' and options' help, and click's own words.

Keyed by the English text itself (whitespace collapsed), as gettext keys by msgid:
the English stays next to the code it describes (docstrings, ``help=``), click's own
texts are its msgids, and ``tests/cli/test_help_words.py`` fails when a command or
option has no Russian here.
"""

HELP_RU: dict[str, str] = {
    # -- the commands ------------------------------------------------------------------
    "Scheduled automation for Pachca: digests, reports, sweeps, exports.":
        "Задания по расписанию для Пачки: сводки, отчёты, уборка чатов, выгрузки.",
    "The job catalogue (default: $PACHCA_RUNNER_CATALOGUE or ./jobs.yaml).":
        "Каталог заданий (по умолчанию $PACHCA_RUNNER_CATALOGUE или ./jobs.yaml).",
    "Show full tracebacks and debug logs.":
        "Показывать трассировки ошибок целиком и отладочный журнал.",
    "Show what happens, step by step.": "Рассказывать о каждом шаге.",
    ("Check the catalogue and its templates, and (with a token) that the token may post to"
     " every recipient; list every problem."):
        ("Проверить каталог и его шаблоны, а при заданном токене — что он может писать"
         " каждому получателю; перечислить все проблемы."),
    "Do not ask Pachca whether the token may post to each recipient.":
        "Не спрашивать Пачку, может ли токен писать каждому получателю.",
    "List jobs: kind, schedule in words, next three fire times.":
        "Список заданий: вид, расписание словами, три ближайших запуска.",
    "Show fire times from this moment instead of now (job's time zone).":
        "Считать запуски от этого момента, а не от текущего (в часовом поясе задания).",
    "Print every job's row as JSON.": "Вывести строку каждого задания в JSON.",
    "Skip NAME's scheduled runs until `resume` (every replica; survives restarts).":
        ("Пропускать запуски NAME по расписанию до `resume` (на всех репликах, переживает"
         " перезапуск)."),
    "Why (shown in `jobs`, the console and the log).":
        "Причина (видна в `jobs`, на пульте и в журнале).",
    "Run NAME on schedule again after `pause`.":
        "Снова запускать NAME по расписанию после `pause`.",
    "Ask for a password; print its argon2 hash for PACHCA_RUNNER_CONSOLE_USERS.":
        "Спросить пароль и вывести его хеш argon2 для PACHCA_RUNNER_CONSOLE_USERS.",
    "Run one job once, now, and print what it did.":
        "Запустить одно задание один раз прямо сейчас и показать, что сделано.",
    "Touch nothing; print what would be done.":
        "Ничего не менять, только показать, что было бы сделано.",
    "Run as if at this time (in the job's time zone).":
        "Запустить так, будто сейчас это время (в часовом поясе задания).",
    ("Sweeps: apply exactly this saved plan (from `plan NAME --out FILE`); chats that changed"
     " since are skipped."):
        ("Для уборки чатов: выполнить ровно этот сохранённый план (из `plan NAME --out"
         " FILE`); чаты, изменившиеся с тех пор, пропускаются."),
    "Finish failed run RUN (an id from `history`): what it did is not done again.":
        ("Довести до конца неудавшийся запуск RUN (id из `history`): сделанное им не"
         " повторяется."),
    "Render the job's messages from live data; post nothing.":
        "Собрать сообщения задания по живым данным, ничего не отправляя.",
    "Sweeps: what the next run would do to which chat, and why; touches nothing.":
        ("Для уборки чатов: что следующий запуск сделает с каким чатом и почему; ничего"
         " не меняет."),
    "Also save the plan (JSON) for `run-job NAME --plan FILE`.":
        "Ещё и сохранить план (JSON) для `run-job NAME --plan FILE`.",
    "Plan as if at this time (in the job's time zone).":
        "Составить план так, будто сейчас это время (в часовом поясе задания).",
    ("What changing the catalogue from OLD to NEW does: jobs added and removed, schedules"
     " moved, and the chats a changed sweep would affect now (needs the token)."):
        ("Что изменится при замене каталога OLD на NEW: добавленные и удалённые задания,"
         " сдвинутые расписания и чаты, которые затронет изменённая уборка (нужен токен)."),
    "Count fire times and chats as of this moment (job's time zone), not now.":
        "Считать запуски и чаты на этот момент (в часовом поясе задания), а не на текущий.",
    "The JSON Schema of jobs.yaml: editors then complete fields and flag mistakes.":
        ("Схема JSON для jobs.yaml: с ней редакторы подсказывают поля и отмечают"
         " ошибки."),
    "Write the schema to this file (e.g. jobs.schema.json) instead of printing.":
        "Записать схему в этот файл (например, `jobs.schema.json`), а не выводить.",
    "Reference pages made from the code (job kinds, settings).":
        "Справочники, собранные из кода (виды заданий, настройки).",
    "The job-kind reference: every field, its type, default, meaning and an example.":
        ("Справочник видов заданий: каждое поле, его тип, значение по умолчанию, смысл"
         " и пример."),
    "Write to this file (docs/kinds.md, docs/kinds.ru.md) instead of printing.":
        "Записать в этот файл (docs/kinds.md, docs/kinds.ru.md), а не выводить.",
    ("The variables each template gets, the filters, and the alerts, bot and unfurl sections"
     " of the catalogue."):
        ("Переменные каждого шаблона, фильтры и разделы каталога alerts, bot"
         " и unfurl."),
    "Write to this file (docs/templates.md, docs/templates.ru.md).":
        "Записать в этот файл (docs/templates.md, docs/templates.ru.md).",
    "The settings table (environment variables) of the README.":
        "Таблица настроек (переменных окружения) для README.",
    "Language of the page.": "Язык справочника.",
    "Run the scheduler until stopped (SIGTERM/Ctrl+C); SIGHUP reloads the catalogue.":
        ("Работать по расписанию до остановки (SIGTERM или Ctrl+C); по SIGHUP перечитать"
         " каталог."),
    ("The latest runs: id (for `undo`), job, fire, outcome, duration, then replica, counts and"
     " error; `history show RUN_ID` prints one run whole (its lines and effects)."):
        ("Последние запуски: номер (для `undo`), задание, время, итог, длительность, затем"
         " реплика, счётчики и ошибка; `history show RUN_ID` показывает один запуск"
         " целиком (что сделано и какие действия)."),
    "How many runs to show.": "Сколько запусков показать.",
    "Only runs that failed or were abandoned.": "Только запуски с ошибкой или брошенные.",
    ("Only runs started since a date (2026-12-01), a date and time, or a duration back from"
     " now (2d, 12h)."):
        ("Только запуски начиная с даты (2026-12-01), даты со временем или столько-то"
         " назад от текущего момента (2d, 12h)."),
    "Print every field as JSON.": "Вывести все поля в JSON.",
    "Unarchive every chat a sweep run archived (shows them and asks first).":
        ("Вернуть из архива все чаты, которые заархивировал запуск уборки (сначала"
         " показывает их и спрашивает)."),
    "Do not ask; unarchive at once.": "Не спрашивать, сразу вернуть из архива.",
    "Start the embedded workspace and run every sample job once against it.":
        ("Поднять встроенное пространство Пачки и один раз запустить в нём каждое задание"
         " из примера."),
    "Keep the workspace running afterwards.": "Не останавливать пространство после этого.",
    ("Start a catalogue in FOLDER (default: here): jobs.yaml with comments, its schema,"
     " templates/ and .env.example; never overwrites a file."):
        ("Начать каталог в FOLDER (по умолчанию здесь): jobs.yaml с комментариями, его"
         " схема, templates/ и `.env.example`; существующие файлы не перезаписываются."),
    ("Chat ids for jobs.yaml: the token's chats and open ones, its role in each, and whether"
     " it may post there and archive them."):
        ("Номера чатов для jobs.yaml: чаты токена и открытые, его роль в каждом и может ли"
         " он писать туда и архивировать их."),
    "Only chats whose name holds TEXT.": "Только чаты, в названии которых есть TEXT.",
    "User ids for jobs.yaml: id, name, nickname, workspace role.":
        "Номера пользователей для jobs.yaml: номер, имя, ник, роль в пространстве.",
    "Only users whose name, nickname or email holds TEXT.":
        "Только пользователи, в имени, нике или почте которых есть TEXT.",
    "The embedded Pachca workspace (for trying things without an account).":
        "Встроенное пространство Пачки (чтобы попробовать без учётной записи).",
    "Serve the demo's workspace until Ctrl+C; prints the variables for the runner.":
        ("Держать пространство из демо до Ctrl+C; выводит переменные окружения для"
         " раннера."),
    "Address to listen on.": "Адрес, на котором слушать.",
    "Port to listen on.": "Порт, на котором слушать.",
    "Same seed, same data; the sample jobs.yaml's ids are seed 1's.":
        ("Одно зерно — одни и те же данные; номера в примере jobs.yaml — из зерна 1."),
    "Multiply the rate limits (and divide delays) by this.":
        "Умножить ограничения частоты запросов (и разделить задержки) на это число.",
    "The bot: poll its events, point its webhook at this runner, check its settings.":
        ("Бот: забрать его события, направить его вебхук на этот раннер, проверить его"
         " настройки."),
    "Handle the bot's pending events (clicks, links), deleting each once handled.":
        ("Обработать ждущие события бота (нажатия, ссылки) и удалить каждое после"
         " обработки."),
    "One pass over the event history, then exit.": "Пройти историю событий один раз и выйти.",
    "Point the bot's outgoing webhook at this runner; prints what is now configured.":
        "Направить исходящий вебхук бота на этот раннер; выводит, что теперь настроено.",
    "The bot's id (its user id); only with a user's token, not the bot's own.":
        ("Номер бота (его номер пользователя); только с токеном пользователя, не с токеном"
         " самого бота."),
    "Webhook URL (default: public URL + bot.webhook_path).":
        "Адрес вебхука (по умолчанию публичный адрес + `bot.webhook_path`).",
    ("Show the token's scopes and the bot's webhook URL, events and history, and whether they"
     " match this runner."):
        ("Показать права токена, адрес вебхука бота, его события и историю и совпадают ли"
         " они с этим раннером."),
    # -- click's own texts (its gettext msgids) -----------------------------------------
    "Show this message and exit.": "Показать эту справку и выйти.",
    "Show the version and exit.": "Показать версию и выйти.",
    "%(prog)s, version %(version)s": "%(prog)s, версия %(version)s",
    "Usage:": "Запуск:",
    "Options": "Параметры",
    "Commands": "Команды",
    "default: {default}": "по умолчанию: {default}",
    "env var: {var}": "переменная окружения: {var}",
    "required": "обязательно",
    "(dynamic)": "(вычисляется)",
    "Error: {message}": "Ошибка: {message}",
    "Try '{command} {option}' for help.": "Справка: '{command} {option}'.",
    "Missing command.": "Не указана команда.",
    "Missing argument": "Не указан аргумент",
    "Missing option": "Не указан параметр",
    "Missing parameter": "Не указан параметр",
    "Missing parameter: {param_name}": "Не указан параметр: {param_name}",
    "No such option: {name}": "Нет такого параметра: {name}",
    "No such option {name!r}.": "Нет такого параметра {name!r}.",
    "No such command {name!r}.": "Нет такой команды {name!r}.",
    "Invalid value: {message}": "Недопустимое значение: {message}",
    "Invalid value for {param_hint}: {message}":
        "Недопустимое значение {param_hint}: {message}",
    "Got unexpected extra argument ({args})": "Лишний аргумент ({args})",
    "Got unexpected extra arguments ({args})": "Лишние аргументы ({args})",
    "Option {name!r} requires an argument.": "Параметру {name!r} нужно значение.",
    "Option {name!r} requires {nargs} arguments.": "Параметру {name!r} нужно значений: {nargs}.",
    "Did you mean {possibility}?": "Может быть, {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Может быть, одно из: {possibilities}?)",
    "Missing {param_type}": "Не указан {param_type}",
    "Choose from:\n\t{choices}": "Выберите из:\n\t{choices}",
    "Option {name!r} does not take a value.": "Параметру {name!r} значение не нужно.",
    "{value} is not in the range {range}.": "{value} — вне диапазона {range}.",
    "deprecated": "устарело",
    "Could not open file {filename!r}: {message}": "Не удаётся открыть файл {filename!r}: {message}",
    "unknown error": "неизвестная ошибка",
    "(Possible options: {possibilities})": "(Возможные параметры: {possibilities})",
    "{value!r} is not a valid {number_type}.": "{value!r} — не число.",
    "{value!r} is not one of {choices}.": "{value!r} — не одно из {choices}.",
    "{value!r} is not {choice}.": "{value!r} — не {choice}.",
    "{value!r} does not match the format {format}.": "{value!r} не подходит под формат {format}.",
    "{value!r} does not match the formats {formats}.":
        "{value!r} не подходит ни под один из форматов {formats}.",
    "Aborted!": "Прервано.",
    "Repeat for confirmation": "Повторите для подтверждения",
    "Error: The two entered values do not match.": "Ошибка: введённые значения не совпадают.",
    "Error: invalid input": "Ошибка: недопустимый ввод",
    "file": "файл",
    "directory": "папка",
    "path": "путь",
    "{name} {filename!r} does not exist.": "{name} {filename!r} не существует.",
    "{name} {filename!r} is a file.": "{name} {filename!r} — это файл.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} — это папка.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} не читается.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} недоступен для записи.",
}
