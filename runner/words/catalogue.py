"""What is wrong with a field of the catalogue: types, layout, schedules, periods.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- what was written, inside other messages ----------------------------------------------
    "got.env": ("the value of {names}", "значение {names}"),
    "got.empty": ("an empty value", "пустое значение"),
    "got.list": ("a list", "список"),
    "got.mapping": ("a mapping", "словарь"),
    "hint.did_you_mean": (" — did you mean '{word}'?", " — может быть, '{word}'?"),
    "hint.odd_character": (
        " (character {n} only looks like a Latin letter, or is invisible: retype the word)",
        " (символ {n} только похож на латинскую букву или невидим: наберите слово заново)",
    ),
    "hint.id_in_link": (
        " — that is a link; the id in it is {id}: write {id}",
        " — это ссылка; id в ней — {id}: укажите {id}",
    ),
    "hint.quote_it": (" — put it in quotes", " — возьмите значение в кавычки"),
    "word.none": ("none", "нет"),
    "word.nothing": ("nothing", "ничего"),
    # -- fields ----------------------------------------------------------------------------
    "field.missing": (
        "required field '{name}' is missing — add it, e.g. `{name}: {example}`",
        "нет обязательного поля '{name}' — добавьте его, например `{name}: {example}`",
    ),
    "field.unknown": ("unknown field '{name}'{hint}", "неизвестное поле '{name}'{hint}"),
    "field.unknown_fix": (
        " — remove it or correct its name (every field is listed in {doc}.md)",
        " — удалите его или исправьте название (все поля перечислены в {doc}.ru.md)",
    ),
    "field.int": ("must be a whole number, got {got}", "нужно целое число, а указано: {got}"),
    "field.number": ("must be a number, got {got}", "нужно число, а указано: {got}"),
    "field.finite": (
        "must be a finite number, got {got}", "нужно конечное число, а указано: {got}"
    ),
    "field.bool": ("must be true or false, got {got}", "нужно true или false, а указано: {got}"),
    "field.text": ("must be text, got {got}{quote}", "нужен текст, а указано: {got}{quote}"),
    "field.list": (
        "must be a list, e.g. [a, b], got {got}", "нужен список, например [a, b], а указано: {got}"
    ),
    "field.mapping": (
        "must be a mapping (lines of `key: value`), got {got}",
        "нужен словарь (строки вида `ключ: значение`), а указано: {got}",
    ),
    "field.choice": (
        "must be one of {options}; got {got}{hint}",
        "допустимые значения: {options}; указано {got}{hint}",
    ),
    "field.gt": ("must be more than {limit}, got {got}", "нужно больше {limit}, а указано: {got}"),
    "field.ge": ("must be at least {limit}, got {got}", "нужно не меньше {limit}, а указано: {got}"),
    "field.lt": ("must be less than {limit}, got {got}", "нужно меньше {limit}, а указано: {got}"),
    "field.le": ("must be at most {limit}, got {got}", "нужно не больше {limit}, а указано: {got}"),
    "field.not_empty": ("must not be empty", "не может быть пустым"),
    "field.url_long": (
        "is {n:,} characters long; a link may have at most {max:,}: shorten it, got {got}",
        "длина {n} символов, а ссылка может быть не длиннее {max}: сократите её, указано {got}",
    ),
    "field.url": (
        "must be an http:// or https:// link with a host, got {got}",
        "нужна ссылка http:// или https:// с адресом сайта, а указано: {got}",
    ),
    "field.min_items": (
        "must have at least {n} items, got {got}", "элементов должно быть не меньше {n}, а их {got}"
    ),
    "field.max_items": (
        "must have at most {n} items, got {got}", "элементов должно быть не больше {n}, а их {got}"
    ),
    "field.min_chars": (
        "must be at least {n} characters long, got {got}",
        "символов должно быть не меньше {n}, а их {got}",
    ),
    "field.max_chars": (
        "must be at most {n} characters long, got {got} — shorten it",
        "символов должно быть не больше {n}, а их {got} — сократите",
    ),
    "field.date": (
        "must be a date like 2026-01-31, got {got}", "нужна дата вида 2026-01-31, а указано: {got}"
    ),
    "field.tag": (
        "'{key}' must be one of {options}; got {got}",
        "'{key}' может быть только одним из: {options}; указано {got}",
    ),
    "field.tag_missing": (
        "needs '{key}', which says what it is (see docs/kinds.md)",
        "нужно поле '{key}' — оно говорит, что это такое (см. docs/kinds.ru.md)",
    ),
    "field.invalid": ("{detail}", "недопустимое значение, проверка сообщает: «{detail}»"),
    # -- the file's layout -----------------------------------------------------------------
    "top.not_mapping": (
        "the file must be a mapping with a 'jobs:' section at the top level",
        "файл должен быть словарём с разделом 'jobs:' на верхнем уровне",
    ),
    "top.unknown": ("unknown section '{key}'{hint}", "неизвестный раздел '{key}'{hint}"),
    "top.sections": (
        (" — remove it or correct its name; the sections are: {known} (a section of your own,"
         " e.g. to hold &anchors, is named x-...)"),
        (" — удалите его или исправьте название; разделы бывают такие: {known} (свой раздел,"
         " например для &якорей, называйте x-...)"),
    ),
    "unfurl.not_list": (
        "must be a list of rules, each starting with '- domain: ...'",
        "нужен список правил, каждое начинается с '- domain: ...'",
    ),
    "jobs.missing": (
        "required section 'jobs' is missing — add `jobs:` with at least one job",
        "нет обязательного раздела 'jobs' — добавьте `jobs:` хотя бы с одним заданием",
    ),
    "jobs.empty": (
        "must be a mapping of job names to jobs, with at least one job",
        "нужен словарь «имя задания: задание», хотя бы с одним заданием",
    ),
    "job.name": (
        "job name '{name}' may use only letters, digits, '-' and '_'",
        "в имени задания '{name}' допустимы только буквы, цифры, '-' и '_'",
    ),
    "job.name_long": (
        "a job name may have at most {max} characters, this one has {n} — shorten it",
        "в имени задания может быть не больше {max} символов, а в этом {n} — сократите его",
    ),
    "job.not_mapping": (
        "a job must be a mapping of fields (kind, schedule, ...)",
        "задание должно быть словарём полей (kind, schedule, ...)",
    ),
    "job.kind_unknown": (
        "unknown kind '{kind}'{hint} Known kinds: {known}",
        "неизвестный вид задания '{kind}'{hint} Известные виды: {known}",
    ),
    "job.kind_unknown_plain": (
        "unknown kind '{kind}' — write one of: {known}",
        "неизвестный вид задания '{kind}' — укажите один из: {known}",
    ),
    "job.not_found": (
        "{file}: no job named '{name}'{hint} (jobs: {known})",
        "{file}: нет задания '{name}'{hint} (задания: {known})",
    ),
    # -- schedules -------------------------------------------------------------------------
    "schedule.type": (
        'must be a cron expression like "0 9 * * 1-5", a list of them, or {{every: 15m}}',
        'нужно выражение cron вида "0 9 * * 1-5", список таких выражений или {{every: 15m}}',
    ),
    "schedule.every_only": (
        "unknown field '{key}' — a schedule mapping takes only 'every', e.g. {{every: 15m}}",
        ("неизвестное поле '{key}' — в расписании-словаре бывает только 'every',"
         " например {{every: 15m}}"),
    ),
    "schedule.every_missing": (
        "an interval needs 'every', e.g. {{every: 15m}}",
        "для интервала нужно поле 'every', например {{every: 15m}}",
    ),
    "schedule.every_small": ("must be at least 1s", "нужно не меньше 1s"),
    "cron.text": (
        'a cron expression must be text, e.g. "0 9 * * 1-5"',
        'выражение cron должно быть текстом, например "0 9 * * 1-5"',
    ),
    "cron.fields": (
        "cron needs 5 fields (minute hour day month weekday), got {n}",
        "в cron нужно 5 полей (минута час день месяц день-недели), а указано {n}",
    ),
    "cron.nickname": (
        "'{nickname}' is not a cron line here — write its five fields: \"{cron}\"",
        "'{nickname}' здесь не понимается — напишите пять полей cron: \"{cron}\"",
    ),
    "cron.every": (
        ('write a cron line, e.g. "0 9 * * *" (every day at 09:00), or {{every: 5m}} to'
         " repeat at an interval"),
        ('напишите строку cron, например "0 9 * * *" (каждый день в 09:00), или {{every: 5m}},'
         " чтобы повторять через промежуток"),
    ),
    "cron.token": (
        "cron field '{field}' has '{token}' — use {low}–{high}{hint}",
        "в поле cron '{field}' стоит '{token}' — используйте {low}–{high}{hint}",
    ),
    "cron.range": (
        "cron field '{field}' must be {low}–{high}, got {value}",
        "в поле cron '{field}' допустимо {low}–{high}, а указано {value}",
    ),
    "cron.empty_item": (
        "cron field '{field}' has an empty item in '{text}'",
        "в поле cron '{field}' пустой элемент в '{text}'",
    ),
    "cron.unreadable": (
        "cron field '{field}' cannot read '{item}'",
        "в поле cron '{field}' не удаётся прочитать '{item}'",
    ),
    "cron.step": (
        "cron field '{field}': the step after '/' must be 1 or more",
        "поле cron '{field}': шаг после '/' должен быть 1 или больше",
    ),
    "cron.backwards": (
        "cron field '{field}': range {first}-{last} goes backwards",
        "поле cron '{field}': диапазон {first}-{last} идёт в обратную сторону",
    ),
    "cron.never": (
        "cron '{expr}' never fires: no selected month has that day",
        "cron '{expr}' не сработает никогда: ни в одном из выбранных месяцев нет такого дня",
    ),
    "cron.minute": ("minute", "минута"),
    "cron.hour": ("hour", "час"),
    "cron.day": ("day", "день"),
    "cron.month": ("month", "месяц"),
    "cron.weekday": ("weekday", "день недели"),
    "cron.hint_month": (" or jan–dec", " или jan–dec"),
    "cron.hint_weekday": (" or mon–sun", " или mon–sun"),
    # -- durations, zones, countries, periods ------------------------------------------------
    "duration.bad": (
        "must be a duration like 30s, 15m, 2h, 1d or 1h30m, got {got}",
        "нужна длительность вроде 30s, 15m, 2h, 1d или 1h30m, а указано: {got}",
    ),
    "duration.spelled": (
        "must be a duration like 30s, 15m, 2h, 1d or 1h30m, got {got} — write {short}",
        "нужна длительность вроде 30s, 15m, 2h, 1d или 1h30m, а указано: {got} — пишите {short}",
    ),
    "duration.clock": (
        "must be a duration like 30s, 15m, 2h, 1d or 1h30m, got {got} — write {hm} or {ms}",
        "нужна длительность вроде 30s, 15m, 2h, 1d или 1h30m, а указано: {got} — пишите {hm} или {ms}",
    ),
    "duration.repeat": (
        "must be a duration like 30s, 15m, 2h, 1d or 1h30m (each unit once), got {got}",
        ("нужна длительность вроде 30s, 15m, 2h, 1d или 1h30m (каждая единица один раз),"
         " а указано: {got}"),
    ),
    "duration.negative": ("must not be negative", "не может быть отрицательным"),
    "duration.range": (
        "must be from {low} to {high}, got {got}", "допустимо от {low} до {high}, а указано: {got}"
    ),
    "zone.unknown": (
        "unknown time zone: '{value}'{hint}", "неизвестный часовой пояс: '{value}'{hint}"
    ),
    "zone.example": (
        " — write a zone's IANA name, e.g. 'Europe/Moscow', 'Asia/Yekaterinburg' or 'UTC'",
        " — напишите название пояса по IANA, например 'Europe/Moscow', 'Asia/Yekaterinburg' или 'UTC'",
    ),
    "zone.named": (" — write its full name: '{zone}'", " — напишите полное название: '{zone}'"),
    "zone.offset_city": (
        (" — write a city's zone, e.g. '{city}', or '{zone}' (the name of UTC{offset}: its sign"
        " is reversed)"),
        (" — напишите пояс города, например '{city}', или '{zone}' (так называется"
        " UTC{offset}: знак в названии обратный)"),
    ),
    "zone.offset": (
        " — write a city's zone, or '{zone}' (the name of UTC{offset}: its sign is reversed)",
        (" — напишите пояс города или '{zone}' (так называется UTC{offset}: знак в названии"
        " обратный)"),
    ),
    "country.bool": (
        "must be a country code like RU; write 'NO' in quotes (YAML reads NO as false)",
        "нужен код страны, например RU; 'NO' пишите в кавычках (YAML читает NO как false)",
    ),
    "country.unknown": (
        "'{value}' is not a country with a holiday calendar{hint} (use a code like RU, KZ, BY)",
        "'{value}' — не страна с календарём праздников{hint} (укажите код вроде RU, KZ, BY)",
    ),
    "period.unknown": (
        ("unknown period '{value}'{hint} Use one of {names},"
         " or fixed dates {{start: 2026-01-01, end: 2026-01-31}}"),
        ("неизвестный период '{value}'{hint} Допустимы: {names}"
         " или даты {{start: 2026-01-01, end: 2026-01-31}}"),
    ),
    "period.fixed": (
        "fixed period {where}{detail} (write {{start: 2026-01-01, end: 2026-01-31}})",
        "период с датами: {where}{detail} (пишите {{start: 2026-01-01, end: 2026-01-31}})",
    ),
    "period.type": (
        "must be a period name such as previous_week, or {{start: ..., end: ...}}",
        "нужно название периода, например previous_week, или {{start: ..., end: ...}}",
    ),
    "period.order": (
        "end ({end}) is before start ({start})", "конец ({end}) раньше начала ({start})"
    ),
    "period.date": ("must be a date like 2026-01-31", "нужна дата вида 2026-01-31"),
    "period.day_range": (
        "must be a day from {low} to {high}, got {got}",
        "нужен день с {low} по {high}, а указано: {got}",
    ),
    "period.last_days": (
        "last_N_days: N must be from 1 to {high}, got '{got}'",
        "last_N_days: N должно быть от 1 до {high}, а указано '{got}'",
    ),
    "period.required": ("is required", "обязательно"),
    # -- sections other than jobs ----------------------------------------------------------
    "bot.path": (
        "must start with '/', e.g. /pachca/events",
        "должно начинаться с '/', например /pachca/events",
    ),
    "bot.path_chars": (
        ("'{got}' is not a plain URL path: use letters, digits and - _ . ~ / only,"
        " e.g. /pachca/events"),
        ("'{got}' — не простой путь URL: допустимы буквы, цифры и - _ . ~ /,"
        " например /pachca/events"),
    ),
    "bot.path_taken": (
        ("'{got}' collides with the runner's own route {route}: pushed events would never"
        " reach the bot — choose another path, e.g. /pachca/events"),
        ("'{got}' совпадает со служебным адресом раннера {route}: события до бота не дойдут"
        " — выберите другой путь, например /pachca/events"),
    ),
    "unfurl.source_url": (
        ("renders to {got!r} for the link {link}, which is not an http:// or https:// URL"
        " — start the source with https://"),
        ("для ссылки {link} получается {got!r}, а это не адрес http:// или https://"
        " — начните source с https://"),
    ),
    "unfurl.domain": (
        "must be a bare domain like tracker.example.com (no https://, no path)",
        "нужен только домен, например tracker.example.com (без https:// и пути)",
    ),
}
