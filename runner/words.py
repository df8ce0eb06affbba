"""What pachca-runner tells an operator about bad input, in English and in Russian.

Every message has an id and both texts (``str.format`` templates with the same
placeholders). The language is Russian when ``PACHCA_RUNNER_LANG`` says so, or, when
it is unset, when the locale does (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, first one set
wins, as POSIX reads them); English otherwise. ``use("ru")`` overrides both, e.g.
for a language set in ``.env``. Texts are chosen when a message is made, so a
message made under ``PACHCA_RUNNER_LANG=ru`` stays Russian.

A plain table rather than gettext catalogues: two languages, a few dozen messages,
and a test that checks every id has both texts with the same placeholders.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any

LANGS = ("en", "ru")
_chosen: ContextVar[str | None] = ContextVar("runner_words_lang", default=None)

# id -> (English, Russian). Placeholders are filled by ``text``; literal braces are doubled.
MESSAGES: dict[str, tuple[str, str]] = {
    # -- reading the file ------------------------------------------------------------------
    "file.not_utf8": ("the file is not UTF-8 text", "файл не в кодировке UTF-8"),
    "file.unreadable": ("cannot read the file: {reason}", "не удаётся прочитать файл: {reason}"),
    "yaml.empty": (
        "the file is empty — it needs at least a 'jobs:' section",
        "файл пуст — в нём нужен хотя бы раздел 'jobs:'",
    ),
    "yaml.syntax": ("YAML syntax error: {detail}", "ошибка синтаксиса YAML: {detail}"),
    "yaml.quote_open": (
        ("the quote {quote} opened on line {line} is never closed — add {quote} at the end of"
        " the value"),
        ("кавычка {quote}, открытая в строке {line}, нигде не закрыта — поставьте {quote}"
        " в конце значения"),
    ),
    "yaml.colon_in_value": (
        ("the value of '{key}' holds ': ', which YAML reads as the start of a new field"
        " — put the value in quotes: {key}: \"{value}\""),
        ("в значении '{key}' есть ': ', а YAML читает это как начало нового поля"
        " — возьмите значение в кавычки: {key}: \"{value}\""),
    ),
    "yaml.indent": (
        "'{key}' is indented {how} than {others} — line it up with them ({spaces})",
        "'{key}' сдвинуто {how}, чем {others}, — выровняйте по ним ({spaces})",
    ),
    "yaml.less": ("less", "меньше"),
    "yaml.more": ("more", "больше"),
    "yaml.others_of": ("the other fields of '{owner}'", "остальные поля '{owner}'"),
    "yaml.others_top": ("the other top-level sections", "разделы верхнего уровня"),
    "yaml.spaces": ("space|spaces|spaces", "пробел|пробела|пробелов"),
    "yaml.item_indent": (
        ("this list item is indented {how} than the item above it (line {line}) — line up"
        " the dashes"),
        ("этот элемент списка сдвинут {how}, чем элемент над ним (строка {line}), — выровняйте"
        " дефисы"),
    ),
    "yaml.no_colon": (
        ("'{word}' has no ':' after the field name — write `name: value`, or put a text that"
        " goes on from the line above in quotes"),
        ("в '{word}' нет ':' после имени поля — пишите `имя: значение`, а текст, продолжающий"
        " строку выше, возьмите в кавычки"),
    ),
    "yaml.bracket": (
        "the '{open}' opened on line {line} is not closed with '{close}' (found '{found}')",
        "'{open}', открытая в строке {line}, не закрыта знаком '{close}' (стоит '{found}')",
    ),
    "yaml.bracket_open": (
        "the '{open}' opened on line {line} is never closed — add '{close}' at the end of it",
        "'{open}', открытая в строке {line}, нигде не закрыта — добавьте '{close}' в конце",
    ),
    "yaml.tab": (
        "a tab in the indentation: YAML allows only spaces — indent with spaces",
        "в отступе табуляция, а YAML допускает только пробелы — сделайте отступ пробелами",
    ),
    "yaml.alias_undefined": (
        ("'*{name}' refers to an anchor '&{name}' that is not defined above it — define it,"
        " or put a value starting with * in quotes"),
        ("'*{name}' ссылается на якорь '&{name}', которого выше нет, — задайте его"
        " или возьмите значение, которое начинается с *, в кавычки"),
    ),
    "yaml.alias_quote": (
        "a value starting with * or & is read by YAML as an alias or anchor — put it in quotes",
        "значение, которое начинается с * или &, YAML читает как ссылку — возьмите его в кавычки",
    ),
    "yaml.two_documents": (
        "a second document starts here ('---'): jobs.yaml holds one — remove the '---' line",
        "здесь начинается второй документ ('---'), а в jobs.yaml он один — удалите строку '---'",
    ),
    "yaml.hash_cut": (
        ("' #' starts a comment in YAML, so the value ends before '{rest}' — put the whole"
        " value in quotes if that is part of the text"),
        ("' #' в YAML начинает комментарий, и значение обрывается перед '{rest}' — если это"
        " часть текста, возьмите всё значение в кавычки"),
    ),
    "yaml.unreadable": (
        "the file cannot be read as YAML: {detail}", "файл не читается как YAML: {detail}"
    ),
    "yaml.too_deep": ("the file is nested too deeply", "в файле слишком глубокая вложенность"),
    "yaml.too_many": (
        "the file expands to too many values (check its aliases)",
        "файл разворачивается в слишком много значений (проверьте алиасы * и &)",
    ),
    "yaml.alias_self": ("an alias refers to itself", "алиас ссылается сам на себя"),
    "yaml.key_plain": (
        "a key must be a plain name, not a list or mapping",
        "ключ должен быть простым именем, а не списком или словарём",
    ),
    "yaml.duplicate": (
        "duplicate key '{key}' (already set on line {line}) — keep only one",
        "ключ '{key}' повторяется (он уже есть в строке {line}) — оставьте один",
    ),
    "yaml.merge": ("'<<' must refer to a mapping", "'<<' должен ссылаться на словарь"),
    "yaml.tag": ("YAML tag '{tag}' is not supported", "тег YAML '{tag}' не поддерживается"),
    "yaml.bad_char": (
        "the file holds the character {char}, which YAML does not allow — remove it",
        "в файле символ {char}, недопустимый в YAML, — удалите его",
    ),
    "yaml.scalar": ("'{value}' cannot be read as {type}", "'{value}' не читается как {type}"),
    # -- ${VAR} ----------------------------------------------------------------------------
    "env.unclosed": (
        "'${{' is not closed with '}}' — write $${{ for a literal ${{",
        "'${{' не закрыт знаком '}}' — чтобы написать сами символы ${{, пишите $${{",
    ),
    "env.bad_ref": (
        "'${{{ref}}}' is not a variable reference — use ${{NAME}} or ${{NAME:-default}}",
        "'${{{ref}}}' — не ссылка на переменную: пишите ${{ИМЯ}} или ${{ИМЯ:-значение}}",
    ),
    "env.missing": (
        "environment variable {name} is not set — set it, or give a default: ${{{name}:-...}}",
        ("переменная окружения {name} не задана — задайте её или укажите значение"
         " по умолчанию: ${{{name}:-...}}"),
    ),
    # -- what was written, inside other messages ----------------------------------------------
    "got.env": ("the value of {names}", "значение {names}"),
    "got.empty": ("an empty value", "пустое значение"),
    "got.list": ("a list", "список"),
    "got.mapping": ("a mapping", "словарь"),
    "got.type": ("a {type}", "значение типа {type}"),
    "hint.did_you_mean": (" — did you mean '{word}'?", " — может быть, '{word}'?"),
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
    "field.int": ("must be a whole number, got {got}", "нужно целое число, а указано {got}"),
    "field.number": ("must be a number, got {got}", "нужно число, а указано {got}"),
    "field.bool": ("must be true or false, got {got}", "нужно true или false, а указано {got}"),
    "field.text": ("must be text, got {got}{quote}", "нужен текст, а указано {got}{quote}"),
    "field.list": (
        "must be a list, e.g. [a, b], got {got}", "нужен список, например [a, b], а указано {got}"
    ),
    "field.mapping": (
        "must be a mapping (lines of `key: value`), got {got}",
        "нужен словарь (строки вида `ключ: значение`), а указано {got}",
    ),
    "field.choice": (
        "must be one of {options}; got {got}{hint}",
        "допустимые значения: {options}; указано {got}{hint}",
    ),
    "field.gt": ("must be more than {limit}, got {got}", "нужно больше {limit}, а указано {got}"),
    "field.ge": ("must be at least {limit}, got {got}", "нужно не меньше {limit}, а указано {got}"),
    "field.lt": ("must be less than {limit}, got {got}", "нужно меньше {limit}, а указано {got}"),
    "field.le": ("must be at most {limit}, got {got}", "нужно не больше {limit}, а указано {got}"),
    "field.not_empty": ("must not be empty", "не может быть пустым"),
    "field.url": (
        "must be an http:// or https:// link with a host, got {got}",
        "нужна ссылка http:// или https:// с адресом сайта, а указано {got}",
    ),
    "field.min_items": (
        "must have at least {n} items/characters", "нужно хотя бы {n} элементов/символов"
    ),
    "field.max_items": (
        "must have at most {n} items/characters", "допустимо не больше {n} элементов/символов"
    ),
    "field.date": (
        "must be a date like 2026-01-31, got {got}", "нужна дата вида 2026-01-31, а указано {got}"
    ),
    "field.tag": (
        "'{key}' must be one of {options}; got {got}",
        "'{key}' может быть только одним из: {options}; указано {got}",
    ),
    "field.tag_missing": (
        "needs '{key}', which says what it is (see docs/kinds.md)",
        "нужно поле '{key}' — оно говорит, что это такое (см. docs/kinds.ru.md)",
    ),
    "field.invalid": ("{detail}", "недопустимое значение: {detail}"),
    # -- the file's layout -----------------------------------------------------------------
    "top.not_mapping": (
        "the file must be a mapping with a 'jobs:' section at the top level",
        "файл должен быть словарём с разделом 'jobs:' на верхнем уровне",
    ),
    "top.unknown": ("unknown section '{key}'{hint}", "неизвестный раздел '{key}'{hint}"),
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
    "job.not_mapping": (
        "a job must be a mapping of fields (kind, schedule, ...)",
        "задание должно быть словарём полей (kind, schedule, ...)",
    ),
    "job.kind_unknown": (
        "unknown kind '{kind}'{hint} Known kinds: {known}",
        "неизвестный вид задания '{kind}'{hint} Известные виды: {known}",
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
        "нужна длительность вроде 30s, 15m, 2h, 1d или 1h30m, а указано {got}",
    ),
    "duration.repeat": (
        "must be a duration like 30s, 15m, 2h, 1d or 1h30m (each unit once), got {got}",
        ("нужна длительность вроде 30s, 15m, 2h, 1d или 1h30m (каждая единица один раз),"
         " а указано {got}"),
    ),
    "duration.negative": ("must not be negative", "не может быть отрицательным"),
    "duration.range": (
        "must be from {low} to {high}, got {got}", "допустимо от {low} до {high}, а указано {got}"
    ),
    "zone.unknown": (
        "unknown time zone '{value}'{hint}", "неизвестный часовой пояс '{value}'{hint}"
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
        "нужен день с {low} по {high}, а указано {got}",
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
    "unfurl.domain": (
        "must be a bare domain like tracker.example.com (no https://, no path)",
        "нужен только домен, например tracker.example.com (без https:// и пути)",
    ),
    # -- fields of job kinds ---------------------------------------------------------------
    "recipients.empty": (
        "name at least one chat or user, e.g. `to: {{chats: [101]}}`",
        "укажите хотя бы один чат или пользователя, например `to: {{chats: [101]}}`",
    ),
    "message.one_source": (
        "give exactly one of `text` or `template`",
        "укажите ровно одно из двух: `text` или `template`",
    ),
    "button.one_action": (
        "a button needs exactly one of `url` or `data`",
        "у кнопки должно быть ровно одно из двух: `url` или `data`",
    ),
    "source.name": (
        "source name '{name}' must be a plain identifier like `sales`",
        "имя источника '{name}' должно быть простым идентификатором вроде `sales`",
    ),
    "source.reserved": (
        "source name '{name}' is taken by the template context; pick another",
        "имя источника '{name}' уже занято в шаблоне; выберите другое",
    ),
    "source.url": ("must be an http:// or https:// URL", "нужен адрес http:// или https://"),
    "attachment.columns": ("a column is named twice", "столбец назван дважды"),
    "attachment.source": (
        ("attachment '{file}' draws on source '{source}', which is not an `sql` source of"
         " this digest; name one of: {names}"),
        ("вложение '{file}' берёт данные из источника '{source}', а это не источник `sql`"
         " этой сводки; укажите один из: {names}"),
    ),
    "attachment.file": (
        "two attachments are both named '{file}'; give each its own `file`",
        "два вложения называются '{file}'; задайте каждому своё `file`",
    ),
    "source.sql_url": (
        "is not a SQLAlchemy database URL (like postgresql+psycopg://user:pass@host/db)",
        "это не адрес базы SQLAlchemy (вида postgresql+psycopg://user:pass@host/db)",
    ),
    "source.sql_param": (
        "parameter '{name}' is the window's bound and is set by the runner; rename it",
        "параметр '{name}' — граница окна, его задаёт сам планировщик; переименуйте",
    ),
    "source.sql_file": (
        "SQLite needs a database file (sqlite:///path/to/file.db), not memory",
        "для SQLite нужен файл базы (sqlite:///path/to/file.db), а не память",
    ),
    "regex.invalid": (
        "'{pattern}' is not a valid regular expression: {detail}",
        "'{pattern}' — неправильное регулярное выражение: {detail}",
    ),
    "chat.name_length": (
        "renders to {got} with a sample date: a chat name must be 1 to {n} characters",
        "с примерной датой получается {got}: название чата — от 1 до {n} символов",
    ),
    "chat.name_syntax": (
        "the name template has a syntax error: {detail}",
        "в шаблоне названия синтаксическая ошибка: {detail}",
    ),
    "export.ids_positive": ("chat ids are positive numbers", "id чатов — положительные числа"),
    "export.ids_twice": ("a chat is listed twice", "чат указан дважды"),
    "export.filename": ("is not a valid template: {detail}", "ошибка в шаблоне: {detail}"),
    "export.filename_path": (
        ("renders to '{name}' with sample dates, which is not a plain file name"
        " (no folders, no leading dot, at most 255 characters)"),
        ("с примерными датами получается '{name}' — это не простое имя файла"
        " (без папок, без точки в начале, не длиннее 255 символов)"),
    ),
    "export.positive": ("must be longer than 0s", "нужно больше 0s"),
    "sweep.members": (
        "min_members must not exceed max_members", "min_members не может быть больше max_members"
    ),
    # -- templates -------------------------------------------------------------------------
    "tpl.missing": (
        "template '{name}' does not exist in {folder}", "шаблона '{name}' нет в папке {folder}"
    ),
    "tpl.in_job": ("{detail} (job '{job}')", "{detail} (задание '{job}')"),
    "tpl.syntax": ("syntax error: {detail}", "синтаксическая ошибка: {detail}"),
    "tpl.too_deep": ("the template is nested too deeply", "шаблон вложен слишком глубоко"),
    "tpl.unsafe": (
        "template tried to access an unsafe attribute ({detail})",
        "шаблон обратился к небезопасному атрибуту ({detail})",
    ),
    "tpl.unsafe_attr": (
        ("template tried to access an unsafe attribute: '{attr}' of a '{type}' value is not"
        " open to templates"),
        ("шаблон обратился к небезопасному атрибуту: '{attr}' у значения типа '{type}'"
        " шаблонам недоступен"),
    ),
    "tpl.include_missing": (
        "included template '{name}' does not exist", "подключаемого шаблона '{name}' нет"
    ),
    "tpl.failed": ("rendering failed: {detail}", "шаблон не отрисовался: {detail}"),
    "tpl.undefined_detail": (
        "{detail} — the template can use: {available}", "{detail} — в шаблоне доступны: {available}"
    ),
    "tpl.undefined": (
        "'{what}' is undefined{hint} — the template can use: {available}",
        "'{what}' не определено{hint} — в шаблоне доступны: {available}",
    ),
    "tpl.undefined_in": (
        "'{what}' is undefined{hint} — {owner} has: {keys}",
        "'{what}' не определено{hint} — в {owner} есть: {keys}",
    ),
    "tpl.no_filter": (
        "there is no filter '{name}'{hint} (filters are listed in docs/templates.md)",
        "фильтра '{name}' нет{hint} (фильтры перечислены в docs/templates.md)",
    ),
    "tpl.no_test": ("there is no test '{name}'{hint}", "проверки '{name}' нет{hint}"),
    "tpl.no_tag": (
        "unknown tag '{{% {name} %}}' — tags are if, for, set, macro, include{hint}",
        "неизвестный тег '{{% {name} %}}' — есть if, for, set, macro, include{hint}",
    ),
    "tpl.unexpected_end": (
        ("the template ends before a block is closed — add the missing {{% end... %}}"
        " or }}}}{hint}"),
        ("шаблон кончается раньше, чем закрыт блок, — добавьте недостающий {{% end... %}}"
        " или }}}}{hint}"),
    ),
    "tpl.unexpected": (
        "unexpected '{name}' — check the brackets around it{hint}",
        "лишний или неуместный знак '{name}' — проверьте скобки рядом с ним{hint}",
    ),
    "tpl.it": ("it", "нём"),
    "tpl.nul": (
        "the template holds a NUL character (\\0) — remove it",
        "в шаблоне символ NUL (\\0) — удалите его",
    ),
    "tpl.number_long": (
        "a number in the template is too long (over 4,300 digits)",
        "число в шаблоне слишком длинное (больше 4300 цифр)",
    ),
    "tpl.limit_steps": (
        "the template does too much work (over {n} steps: loops, calls, long texts)",
        "шаблон делает слишком много работы (больше {n} шагов: циклы, вызовы, длинные тексты)",
    ),
    "tpl.limit_number": (
        "a number in the template grows past {n} bits", "число в шаблоне длиннее {n} бит"
    ),
    "tpl.limit_size": (
        "the template builds a text or list of over {n} items",
        "шаблон строит текст или список длиннее {n} элементов",
    ),
    "tpl.limit_width": (
        "a width or precision of {got} is too large (at most {n})",
        "ширина или точность {got} слишком велика (не больше {n})",
    ),
    "tpl.limit_output": (
        "the rendered text is longer than {n} characters — shorten the template",
        "текст шаблона длиннее {n} символов — сократите шаблон",
    ),
    "filter.date": (
        "expected a date, got {type} {value}", "ожидалась дата, а получено {type} {value}"
    ),
    "filter.mention": (
        "mention needs a user id, got {value}",
        "для mention нужен id пользователя, а получено {value}",
    ),
    "filter.number": (
        "{name} needs a number, got {value}", "для {name} нужно число, а получено {value}"
    ),
    "filter.digits": (
        "percent: digits must be a whole number from 0 to 10, got {value}",
        "percent: число знаков должно быть целым от 0 до 10, а получено {value}",
    ),
    "filter.format": (
        "{name}: the format {format} does not fit {value} ({detail})",
        "{name}: формат {format} не подходит к {value} ({detail})",
    ),
    # -- the network ---------------------------------------------------------------------------
    "net.cannot_connect": ("cannot connect", "не удаётся подключиться"),
    "net.connect_timeout": ("connecting timed out", "подключение не удалось за отведённое время"),
    "net.read_timeout": ("no answer in time", "ответа нет за отведённое время"),
    "net.write_timeout": ("sending timed out", "отправка не успела за отведённое время"),
    "net.pool_timeout": ("no free connection in time", "нет свободного соединения"),
    "net.dropped": ("connection dropped", "соединение оборвалось"),
    "net.read_error": ("connection broken while reading", "соединение прервалось при чтении"),
    "net.other": ("network failure ({name})", "сбой сети ({name})"),
    "net.where": (
        " to {url} (set by {setting}) — check the address and that the server is up",
        " к {url} (адрес задан в {setting}) — проверьте адрес и что сервер работает",
    ),
    # -- settings and the command line -------------------------------------------------------
    "settings.invalid": (
        "{field}: {detail} — fix it in the environment or in .env",
        "{field}: {detail} — исправьте в окружении или в .env",
    ),
    "settings.lang": ("must be ru or en, got {got}", "нужно ru или en, а указано {got}"),
    "settings.no_token": (
        "no Pachca token: set PACHCA_TOKEN (Automations -> Integrations -> API)",
        "нет токена Pachca: задайте PACHCA_TOKEN (Автоматизации → Интеграции → API)",
    ),
    # -- the daemon's lines (runner.logs.event: one per start, run, skip, reload, stop) ------
    "unit.seconds": ("{n} s", "{n} с"),
    "daemon.start": (
        "started: {jobs} job(s) scheduled, {disabled} disabled; next: {next}",
        "запущен: заданий в расписании — {jobs}, выключено — {disabled}; ближайшее: {next}",
    ),
    "daemon.next": ("{job} at {fire}", "{job} в {fire}"),
    "daemon.run": (
        "{job}: run {run_id} of {fire} {outcome} in {duration} ({counts})",
        "{job}: запуск {run_id} на {fire} — {outcome} за {duration} ({counts})",
    ),
    "daemon.run_failed": (
        "{job}: run {run_id} of {fire} failed after {duration}: {error}",
        "{job}: запуск {run_id} на {fire} — ошибка через {duration}: {error}",
    ),
    "daemon.unrecorded": (
        "{job}: the run of {fire} could not be recorded: {error}",
        "{job}: запуск на {fire} не удалось записать в историю: {error}",
    ),
    "daemon.skip": (
        "{job}: the fire of {fire} skipped: {reason}",
        "{job}: срабатывание {fire} пропущено: {reason}",
    ),
    "daemon.reason.overlap": ("the previous run is still going", "предыдущий запуск ещё идёт"),
    "daemon.reason.missed": (
        "missed by more than its grace time ({grace})",
        "опоздание больше допустимого ({grace})",
    ),
    "daemon.reason.merged": (
        "the scheduler woke late and merged it into the fire of {fire}",
        "планировщик опоздал и объединил его со срабатыванием {fire}",
    ),
    "daemon.reason.stopping": ("the runner is stopping", "раннер останавливается"),
    "daemon.reason.paused": (
        "the job is paused (by {by}{reason})", "задача приостановлена ({by}{reason})"),
    "cli.paused": ("{job}: paused; scheduled runs are skipped until `pachca-runner resume {job}`",
                   ("{job}: приостановлена; запуски по расписанию пропускаются до"
                    " `pachca-runner resume {job}`")),
    "cli.resumed": ("{job}: resumed; it runs on schedule again",
                    "{job}: возобновлена; снова запускается по расписанию"),
    "cli.not_paused": ("{job} was not paused", "{job} не была приостановлена"),
    "daemon.reload": (
        "catalogue reloaded: {jobs} job(s); {changes}",
        "каталог перечитан: заданий — {jobs}; {changes}",
    ),
    "daemon.change.added": ("added: {names}", "добавлены: {names}"),
    "daemon.change.removed": ("removed: {names}", "удалены: {names}"),
    "daemon.change.changed": ("changed: {names}", "изменены: {names}"),
    "daemon.change.section": ("section changed: {names}", "изменены разделы: {names}"),
    "daemon.change.none": ("nothing changed", "изменений нет"),
    "daemon.reload_refused": (
        "reload refused, the running catalogue stays: {error}",
        "каталог не перечитан, работает прежний: {error}",
    ),
    "daemon.stopping": (
        "stopping: no new runs will start; runs still going: {running}",
        "останавливаюсь: новые запуски не начнутся; ещё идут запусков — {running}",
    ),
    "daemon.stop": ("stopped: {runs} run(s) since start", "остановлен: запусков с начала — {runs}"),
    "daemon.maintenance_failed": (
        "maintenance failed, retried on the next beat: {error}",
        "обслуживание не удалось, повтор на следующем такте: {error}",
    ),
    # shown with -v only
    "daemon.disabled": ("{job}: disabled, not scheduled", "{job}: выключено, не в расписании"),
    "daemon.jitter": (
        "{job}: waiting {delay} of jitter before the run of {fire}",
        "{job}: случайная задержка {delay} перед запуском на {fire}",
    ),
    "daemon.firing": ("{job}: firing (scheduled {fire})", "{job}: срабатывание на {fire}"),
    "daemon.next_fire": ("{job}: next run {fire}", "{job}: следующий запуск {fire}"),
    "daemon.catchup": (
        "{job}: catching up the missed run of {fire}",
        "{job}: догоняю пропущенный запуск на {fire}",
    ),
    "outcome.succeeded": ("succeeded", "успешно"),
    "outcome.failed": ("failed", "ошибка"),
    "outcome.skipped": ("skipped", "пропущено"),
    "outcome.running": ("running", "идёт"),
    "outcome.abandoned": ("abandoned", "брошено"),
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
    "run.actions": ("Chat actions (for undo):", "Действия с чатами (для undo):"),
    "run.none": ("(nothing)", "(ничего)"),
    "cli.error": ("error: {detail}", "ошибка: {detail}"),
    "validate.ok_unchecked": (
        "{file}: OK, {n} jobs (recipients not checked: {why})",
        "{file}: всё в порядке, заданий: {n} (получатели не проверены: {why})",
    ),
    "validate.no_token": ("no PACHCA_TOKEN", "нет PACHCA_TOKEN"),
    "validate.cannot_post": (
        "✗ {job}: cannot post to {label}: {problem}",
        "✗ {job}: нельзя отправить в {label}: {problem}",
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
    "plan.not_taken": (
        "--plan applies a saved plan; '{job}' is a {kind} job, which takes none",
        "--plan применяет сохранённый план; '{job}' — задание вида {kind}, оно планов не берёт",
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
        ("Записано файлов: {n}, в {folder}. Дальше: скопируйте .env.example в .env и впишите"
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
    "ids.channel": ("channel", "канал"),
    "ids.group": ("group chat", "беседа"),
    "ids.archived": (" (archived)", " (в архиве)"),
    # -- token scopes (GET /oauth/token/info) ----------------------------------------------
    "scope.missing": (
        ("{what} needs the scope(s) {scopes}, which {token} ({setting}) lacks; nothing was"
         " done. Grant them in Pachca: {where}"),
        ("{what}: нужны права {scopes}, а у {token} ({setting}) их нет; ничего не сделано."
         " Выдайте их в Пачке: {where}"),
    ),
    "scope.token_bot": ("the bot's token", "токена бота"),
    "scope.token_user": ("this user's token", "токена пользователя"),
    "scope.where_bot": (
        "Automations → Integrations → the bot → API tab → scopes",
        "Автоматизации → Интеграции → бот → вкладка API → права",
    ),
    "scope.where_user": (
        "Automations → API → the token's scopes (or issue a token with them)",
        "Автоматизации → API → права токена (или выпустите токен с ними)",
    ),
    "scope.export": (
        ("only the workspace owner may export; set PACHCA_EXPORT_TOKEN to the owner's token"
         " with the scopes {scopes} (Automations → API)"),
        ("выгружать может только владелец пространства; укажите в PACHCA_EXPORT_TOKEN токен"
         " владельца с правами {scopes} (Автоматизации → API)"),
    ),
    "scope.job": ("job '{job}'", "задание «{job}»"),
}


def plural(n: int, forms: Sequence[str], language: str | None = None) -> str:
    """The form of a noun for ``n`` from three: for 1, for 2-4, for 5 and more.

    Russian picks by the last digits (21 час, 22 часа, 25 часов, 11 часов); English
    by one or not. ``language`` defaults to the current one.
    """
    if (language or lang()) != "ru":
        return forms[0] if n == 1 else forms[2]
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``word`` (ignoring case), or None if none is close."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def suggest(word: str, choices: Sequence[str]) -> str:
    """ " — did you mean 'x'?" for the closest choice, or ""."""
    found = closest(word, choices)
    return text("hint.did_you_mean", word=found) if found else ""


def _from_env() -> str:
    for name in ("PACHCA_RUNNER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip()
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def lang() -> str:
    """The language of messages now: ``"ru"`` or ``"en"``."""
    return _chosen.get() or _from_env()


def use(language: str | None) -> None:
    """Choose the language of messages for this context (None: back to the environment)."""
    if language is None:
        _chosen.set(None)
        return
    _chosen.set("ru" if language.lower().startswith("ru") else "en")


_ADDED: dict[str, tuple[str, str]] = {}
"""Messages job kinds bring (``JobKind.messages``), added when the kind is loaded."""


def add(messages: Mapping[str, tuple[str, str]]) -> None:
    """Make a kind's messages known; ValueError if one reuses another message's id."""
    for message_id, texts in messages.items():
        known = MESSAGES.get(message_id) or _ADDED.get(message_id)
        if known is not None and known != texts:
            raise ValueError(f"message id {message_id!r} is taken")
        _ADDED[message_id] = texts


def text(message_id: str, /, **values: Any) -> str:
    """The message ``message_id`` in the current language, with ``values`` filled in."""
    en, ru = MESSAGES[message_id] if message_id in MESSAGES else _ADDED[message_id]
    return (ru if lang() == "ru" else en).format(**values)
