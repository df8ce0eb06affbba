"""What is wrong with a template or a filter's input.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
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
    "tpl.failed": ("rendering failed: {detail}", "шаблон не отрисовался, Jinja сообщает: «{detail}»"),
    "tpl.syntax_raw": ("syntax error: {detail}", "синтаксическая ошибка, Jinja сообщает: «{detail}»"),
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
    "tpl.undefined_empty": (
        "'{what}' is undefined — {owner} is empty", "'{what}' не определено — в {owner} ничего нет"
    ),
    "tpl.no_filter": (
        "there is no filter '{name}'{hint} (filters are listed in docs/templates.md)",
        "фильтра '{name}' нет{hint} (фильтры перечислены в docs/templates.ru.md)",
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
    "tpl.unclosed_block": (
        "the '{block}' block is never closed — add {{% end{block} %}} where it should end",
        "блок '{block}' не закрыт — добавьте {{% end{block} %}} там, где он должен кончаться",
    ),
    "tpl.expected_expression": (
        "a value or expression is missing before '{got}'",
        "перед '{got}' не хватает значения или выражения",
    ),
    "tpl.expected_token": (
        "expected '{want}' but found '{got}' — check the brackets and operators there",
        "ожидалось '{want}', а стоит '{got}' — проверьте скобки и операторы в этом месте",
    ),
    "tpl.unexpected_char": (
        "the character '{char}' (character {at} of the template) cannot be used there — check quotes and operators",
        "символ '{char}' ({at}-й знак шаблона) здесь недопустим — проверьте кавычки и операторы",
    ),
    "tpl.token_end": ("the end of the template", "конец шаблона"),
    "tpl.token_name": ("a name", "имя"),
    "tpl.jinja_says": ("{detail}", "Jinja сообщает: «{detail}»"),
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
    "tpl.recursion": (
        ("the template calls itself without end (a macro, or an include of itself)"
        " — give the recursion an end"),
        ("шаблон вызывает сам себя без конца (макрос или включение самого себя)"
        " — задайте рекурсии условие выхода"),
    ),
    "tpl.overflow": (
        ("a number in the template is too large for arithmetic (beyond about 10³⁰⁸)"
         " — compute with smaller numbers"),
        ("число в шаблоне слишком велико для вычислений (больше примерно 10³⁰⁸)"
         " — считайте с меньшими числами"),
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
}
