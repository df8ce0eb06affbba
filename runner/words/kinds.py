"""What is wrong with the fields particular to a job kind.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- each kind in words (the console's pages) -----------------------------------------
    "kind_title.message": ("message", "сообщение"),
    "kind_title.digest": ("digest", "сводка"),
    "kind_title.activity_report": ("activity report", "отчёт об активности"),
    "kind_title.chat_from_template": ("new chat from a template", "новый чат по шаблону"),
    "kind_title.sweep": ("sweep of quiet chats", "уборка неактивных чатов"),
    "kind_title.export": ("message export", "выгрузка переписки"),
    # -- fields of job kinds ---------------------------------------------------------------
    "recipients.empty": (
        "name at least one chat or user, e.g. `to: {{chats: [101]}}`",
        "укажите хотя бы один чат или пользователя, например `to: {{chats: [101]}}`",
    ),
    "message.blank": (
        "is empty — write the message, or use `template` for a file",
        "пусто — напишите текст сообщения или укажите файл в `template`",
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
    "attachment.no_sql": (
        ("attachment '{file}' draws on source '{source}', but this digest has no `sql`"
         " source: add one (type: sql) or remove the attachment"),
        ("вложение '{file}' берёт данные из источника '{source}', но в этой сводке нет"
         " источника `sql`: добавьте его (type: sql) или уберите вложение"),
    ),
    "attachment.file_name": (
        ("must be a file name ending in .{ext}, without folders, at most 100 characters"
        " before it, e.g. report.{ext}; got '{got}'"),
        ("нужно имя файла с окончанием .{ext}, без папок, не длиннее 100 символов до него,"
        " например report.{ext}; получено '{got}'"),
    ),
    "attachment.file": (
        "two attachments are both named '{file}'; give each its own `file`",
        "два вложения называются '{file}'; задайте каждому своё `file`",
    ),
    "source.sql_url": (
        "is not a SQLAlchemy database URL (like postgresql+psycopg://user:pass@host/db)",
        "это не адрес базы SQLAlchemy (вида postgresql+psycopg://user:pass@host/db)",
    ),
    "source.sql_select": (
        "must be one SELECT (or WITH ... SELECT) that only reads; it starts with '{word}'",
        "нужен один SELECT (или WITH ... SELECT), который только читает, а запрос начинается с '{word}'",
    ),
    "source.sql_param": (
        "parameter '{name}' is the window's bound and is set by the runner; rename it",
        "параметр '{name}' — граница окна, его задаёт сам планировщик; переименуйте",
    ),
    "source.sql_driver": (
        ("needs the database driver '{name}', which is not installed — install it, or use"
        " sqlite:/// or postgresql+psycopg://"),
        ("нужен драйвер базы '{name}', а он не установлен — установите его или используйте"
        " sqlite:/// или postgresql+psycopg://"),
    ),
    "source.sql_file": (
        "SQLite needs a database file (sqlite:///path/to/file.db), not memory",
        "для SQLite нужен файл базы (sqlite:///path/to/file.db), а не память",
    ),
    "regex.invalid": (
        "'{pattern}' is not a valid regular expression: {detail}",
        "'{pattern}' — неправильное регулярное выражение: {detail}",
    ),
    "regex.open_group": ("a '(' is not closed with ')'", "скобка '(' не закрыта знаком ')'"),
    "regex.open_set": ("a '[' is not closed with ']'", "скобка '[' не закрыта знаком ']'"),
    "regex.close_group": ("a ')' has no '(' before it", "перед скобкой ')' нет '('"),
    "regex.repeat": (
        "{char} has nothing before it to repeat — write \\{char} for the character itself",
        "перед {char} нечего повторять — чтобы искать сам символ, пишите \\{char}",
    ),
    "regex.escape": (
        "{escape} is not a known escape — write \\\\ for a backslash itself",
        "{escape} — неизвестная последовательность, для самой обратной черты пишите \\\\",
    ),
    "regex.range": (
        "the range {range} goes backwards — write the smaller character first",
        "диапазон {range} идёт в обратную сторону — сначала пишите меньший символ",
    ),
    "regex.other": (
        ("check its brackets; write \\ before . * + ? ( ) [ ] {{ }} | ^ $ to look for the"
         " character itself"),
        ("проверьте скобки; чтобы искать сам символ . * + ? ( ) [ ] {{ }} | ^ $, ставьте перед"
         " ним \\"),
    ),
    "regex.at": (" (at character {n})", " (символ {n})"),
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
}
