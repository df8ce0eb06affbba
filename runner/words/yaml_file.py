"""What is wrong with jobs.yaml as a file: its encoding, YAML syntax, ``${VAR}``.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- reading the file ------------------------------------------------------------------
    "file.not_utf8": (
        "the file is not UTF-8 text — save it as UTF-8 (in the editor: Save with Encoding → UTF-8)",
        ("файл не в кодировке UTF-8 — сохраните его в UTF-8 (в редакторе: «Сохранить с"
         " кодировкой» → UTF-8)"),
    ),
    "file.utf16": (
        "the file is saved as UTF-16 — save it as UTF-8 (in the editor: Save with Encoding → UTF-8)",
        ("файл сохранён в UTF-16 — сохраните его в UTF-8 (в редакторе: «Сохранить с кодировкой»"
         " → UTF-8)"),
    ),
    "file.missing": (
        ("there is no such file — check the path (-c FILE, PACHCA_RUNNER_CATALOGUE) or start"
         " a catalogue with `pachca-runner init`"),
        ("такого файла нет — проверьте путь (-c ФАЙЛ, PACHCA_RUNNER_CATALOGUE) или начните"
         " каталог командой `pachca-runner init`"),
    ),
    "file.unreadable": ("cannot read the file: {reason}",
                        "не удаётся прочитать файл, система сообщает: «{reason}»"),
    "file.unwritable": ("cannot write: {reason}", "не удаётся записать, система сообщает: «{reason}»"),
    "yaml.empty": (
        "the file is empty — it needs at least a 'jobs:' section",
        "файл пуст — в нём нужен хотя бы раздел 'jobs:'",
    ),
    "yaml.syntax": ("YAML syntax error: {detail}",
                    "ошибка синтаксиса YAML, разбор сообщает: «{detail}»"),
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
    "yaml.key_too_long": (
        ("the field name '{word}…' is longer than YAML allows (at most {n} characters)"
         " — shorten it"),
        ("имя поля '{word}…' длиннее, чем разрешает YAML (не больше {n} символов)"
         " — сократите его"),
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
    "yaml.env_in_brackets": (
        "{value} inside [ ] or {{ }} must be in quotes — write \"{value}\"",
        "{value} внутри [ ] или {{ }} нужно взять в кавычки — пишите \"{value}\"",
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
        "the file cannot be read as YAML: {detail}",
        "файл не читается как YAML, разбор сообщает: «{detail}»"
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
    "yaml.merge": (
        "'<<' must refer to a mapping — write `<<: *name` where `&name` marks a mapping above",
        "'<<' должен ссылаться на словарь — пишите `<<: *имя`, где `&имя` стоит у словаря выше",
    ),
    "yaml.tag": (
        "YAML tag '{tag}' is not supported — remove it and write the value itself",
        "тег YAML '{tag}' не поддерживается — удалите его и напишите само значение",
    ),
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
}
