"""What went wrong talking to Pachca (its error answers, the network, the token's scopes)
or reading another site's JSON (``fetch.*``: never a URL or a header value in them).

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- Pachca's error answers ------------------------------------------------------------
    "api.refused": ("{method} {path} -> {status}: {detail}",
                    "Пачка отказала ({status}) на {method} {path}: {detail}"),
    "api.token_rejected": ("token rejected ({detail}): check PACHCA_TOKEN",
                           "токен не принят ({detail}): проверьте PACHCA_TOKEN"),
    "api.forbidden": ("token lacks the scope or permission for this call ({detail})",
                      "у токена нет права или роли для этого вызова ({detail})"),
    "api.rate_limited": ("rate limited; Pachca asks to wait {seconds} s",
                         "слишком много запросов; Пачка просит подождать {seconds} с"),
    "api.said": ("{message}", "Пачка ответила «{message}»"),
    "api.item": ("{field}: {message}", "{field}: Пачка ответила «{message}»"),
    "api.field": ("{key}", "поле '{key}'"),
    "api.field_known": ("{key} ({meaning})", "поле '{key}' ({meaning})"),
    # What the fields Pachca names in its errors hold (the rest are shown by name).
    "api.key.content": ("the message's text", "текст сообщения"),
    "api.key.entity_id": ("the recipient", "получатель"),
    "api.key.entity_type": ("the kind of recipient", "вид получателя"),
    "api.key.chat_id": ("the chat", "чат"),
    "api.key.user_id": ("the user", "пользователь"),
    "api.key.name": ("the name", "название"),
    "api.key.member_ids": ("the members", "участники"),
    "api.key.group_tag_ids": ("the group tags", "теги групп"),
    "api.key.files": ("the attachments", "вложения"),
    "api.key.buttons": ("the buttons", "кнопки"),
    "api.key.parent_message_id": ("the message replied to", "сообщение, на которое ответ"),
    "api.key.webhook_url": ("the webhook's address", "адрес вебхука"),
    "api.unexpected": ("unexpected answer from Pachca: {detail}",
                       "Пачка ответила не так, как ожидалось; проверка сообщает: «{detail}»"),
    "api.unexpected_list": ("unexpected list answer from Pachca: {detail}",
                            "Пачка прислала список не в том виде; проверка сообщает: «{detail}»"),
    "api.cursor_repeated": ("Pachca repeated a page cursor",
                            "Пачка повторила курсор страницы"),
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
        "{reason} to {url} (set by {setting}) — check the address and that the server is up",
        "{reason} к {url} (адрес задан в {setting}) — проверьте адрес и что сервер работает",
    ),
    "net.call": ("{method} {path}: {reason}", "запрос {method} {path}: {reason}"),
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
