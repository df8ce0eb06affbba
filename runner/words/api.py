"""What went wrong talking to Pachca (the network, the token's scopes) or reading another
site's JSON (``fetch.*``: never a URL or a header value in them).

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
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
    # -- other sites' JSON (runner/pachca/fetch.py) ---------------------------------------
    "fetch.not_http": ("the source is not an http(s) URL", "источник — не адрес http(s)"),
    "fetch.bad_url": ("the URL is not valid", "адрес недопустим"),
    "fetch.timeout": ("no answer within {took}", "нет ответа за {took}"),
    "fetch.unreachable": ("cannot reach the site ({name})", "сайт недоступен ({name})"),
    "fetch.status": ("the endpoint answered HTTP {status}", "сайт ответил HTTP {status}"),
    "fetch.media": (
        "the answer is not JSON (Content-Type {media})",
        "ответ — не JSON (Content-Type {media})",
    ),
    "fetch.media_unknown": ("missing or malformed", "не указан или искажён"),
    "fetch.too_large": ("the answer is larger than {size}", "ответ больше {size}"),
    "fetch.not_json": ("the answer is not valid JSON", "ответ — не корректный JSON"),
    "fetch.redirect_scheme": (
        "the site redirected to a URL that is not http(s)",
        "сайт перенаправил на адрес не http(s)",
    ),
    "fetch.redirects": (
        "the site redirected more than {n} times",
        "сайт перенаправил больше {n} раз",
    ),
}
