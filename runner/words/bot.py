"""What `bot status`, `bot set-webhook` and `bot poll` say.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "bot.token": ("token: {who} (user {id}), {n} scope(s)",
                  "токен: {who} (пользователь {id}), прав: {n}"),
    "bot.own_token": ("the bot's own token", "собственный токен бота"),
    "bot.user_token": ("a user's token", "токен пользователя"),
    "bot.lacks": (
        ("warning: the token lacks {scopes}, which the bot side (bot.events: {mode}) needs:"
         " grant them in Pachca ({where})"),
        ("предупреждение: у токена нет прав {scopes}, а они нужны боту (bot.events: {mode}):"
         " выдайте их в Пачке ({where})"),
    ),
    "bot.where_bot": ("Automations → Integrations → the bot → API tab",
                      "Автоматизации → Интеграции → бот → вкладка API"),
    "bot.where_user": ("Automations → API", "Автоматизации → API"),
    "bot.cannot_read": (
        ("webhook settings: a bot's token may not read them (GET /bots/{{id}} needs bots:read,"
         " which only user tokens hold); to see them run PACHCA_TOKEN=<the owner's or an"
         " admin's token> pachca-runner bot status --bot-id {id}"),
        ("настройки вебхука: токен бота не может их прочитать (для GET /bots/{{id}} нужно"
         " право bots:read, оно есть только у токенов пользователей); чтобы увидеть их,"
         " запустите `PACHCA_TOKEN=<токен владельца или администратора> pachca-runner bot"
         " status --bot-id {id}`"),
    ),
    "bot.denied": (
        ("this token may not {verb} bot {id}: Pachca lets only the users the bot's can_edit"
         " names (workspace admins by default; with chat_owners, creators of a chat the bot"
         " is in) do that; use such a user's token, e.g. PACHCA_TOKEN=<their token>"
         " pachca-runner bot ..., or the bot's own token for its own webhook"),
        ("этот токен не может {verb} бота {id}: Пачка разрешает это только тем, кого"
         " называет настройка бота can_edit (по умолчанию администраторам пространства;"
         " с chat_owners — создателям чатов, где есть бот); возьмите токен такого"
         " пользователя, например `PACHCA_TOKEN=<его токен> pachca-runner bot ...`, а свой"
         " вебхук бот задаёт своим собственным токеном"),
    ),
    "bot.verb.edit": ("edit", "изменить"),
    "bot.verb.read": ("read the settings of", "прочитать настройки"),
    "bot.verb.set_webhook": ("set the webhook of", "задать вебхук"),
    "bot.other_bot": (
        ("this is the token of bot {own}, and a bot sets only its own webhook: drop --bot-id,"
         " or use the token of a user who can edit bot {id} (its creator or an admin; scope"
         " bots:write)"),
        ("это токен бота {own}, а бот задаёт только свой вебхук: уберите --bot-id или"
         " возьмите токен пользователя, который может изменять бота {id} (его создателя или"
         " администратора; право bots:write)"),
    ),
    "bot.lacks_own": (
        ("this token may not {verb} bot {id}: it lacks {scope}; grant it in Pachca"
         " (Automations → Integrations → the bot → API tab)"),
        ("этот токен не может {verb} бота {id}: у него нет права {scope}; выдайте его в"
         " Пачке (Автоматизации → Интеграции → бот → вкладка API)"),
    ),
    "bot.lacks_user": (
        ("this token may not {verb} bot {id}: that needs {scope}, which only the owner's,"
         " an admin's or a user's token holds (Automations → API); use the bot's own token"
         " for its own webhook, or PACHCA_TOKEN=<such a token> pachca-runner bot ..."),
        ("этот токен не может {verb} бота {id}: для этого нужно право {scope}, а оно бывает"
         " только у токенов владельца, администратора или пользователя (Автоматизации →"
         " API); свой вебхук бот задаёт своим токеном, иначе"
         " `PACHCA_TOKEN=<такой токен> pachca-runner bot ...`"),
    ),
    "bot.bot": ("bot {id}", "бот {id}"),
    "bot.url": ("outgoing webhook URL: {url}", "адрес исходящего вебхука: {url}"),
    "bot.not_set": ("not set", "не задан"),
    "bot.events": ("events: {events}", "события: {events}"),
    "bot.history": ("event history (for polling): {on}", "история событий (для опроса): {on}"),
    "bot.previews": ("link previews: {on}", "превью ссылок: {on}"),
    "bot.on": ("on", "включена"),
    "bot.off": ("off", "выключена"),
    "bot.match_unknown": ("matches this runner: cannot tell (set PACHCA_RUNNER_PUBLIC_URL)",
                          ("совпадает с этим раннером: не определить (задайте"
                          " PACHCA_RUNNER_PUBLIC_URL)")),
    "bot.match": ("matches this runner ({url}): {answer}",
                  "совпадает с этим раннером ({url}): {answer}"),
    "bot.no_history": (
        ("warning: bot.events is poll but the bot keeps no event history: enable it in the"
         " bot's settings"),
        ("предупреждение: bot.events — poll, но бот не хранит историю событий: включите её"
         " в настройках бота"),
    ),
    "bot.event_off": (
        ("warning: the bot does not send {event} events, which the runner needs ({why}):"
         " tick them in the bot's settings, Outgoing webhook tab"),
        ("предупреждение: бот не присылает события {event}, а они нужны раннеру ({why}):"
         " отметьте их в настройках бота, вкладка «Исходящий webhook»"),
    ),
    "bot.event_for.button_click": ("buttons", "кнопки"),
    "bot.event_for.message_link_shared": ("unfurl", "превью ссылок"),
    "bot.pushes_elsewhere": (
        ("warning: bot.events is push but the bot pushes elsewhere: run 'pachca-runner bot"
         " set-webhook'"),
        ("предупреждение: bot.events — push, но бот шлёт события в другое место: запустите"
         " 'pachca-runner bot set-webhook'"),
    ),
    "bot.no_url": (
        ("no webhook URL: pass --url, or set PACHCA_RUNNER_PUBLIC_URL (the runner's public"
         " base URL; the path {path} is added)"),
        ("адрес вебхука не задан: укажите --url или PACHCA_RUNNER_PUBLIC_URL (публичный адрес"
         " раннера; к нему добавится путь {path})"),
    ),
    "bot.bad_url": ("the webhook URL must start with http:// or https:// (got '{url}')",
                    "адрес вебхука должен начинаться с http:// или https:// (указано '{url}')"),
    "bot.need_id": (
        ("this is a user's token: pass --bot-id (the bot's id), or run with the bot's own token"
         " in PACHCA_TOKEN"),
        ("это токен пользователя: укажите --bot-id (id бота) или запустите с собственным"
         " токеном бота в PACHCA_TOKEN"),
    ),
    "bot.poll": ("{read} event(s) read, {deleted} deleted; {detail}",
                 "прочитано событий: {read}, удалено: {deleted}; {detail}"),
    "bot.poll_nothing": ("nothing to do", "делать нечего"),
    # What a handled event came to (``PollResult`` counts them): the key in English.
    "count.decided:keep": ("decided:keep", "решено оставить чат"),
    "count.decided:archive_now": ("decided:archive_now", "решено архивировать"),
    "count.already_decided": ("already_decided", "уже решено раньше"),
    "count.already_handled": ("already_handled", "уже обработаны раньше"),
    "count.retry": ("retry", "перезапуск по кнопке"),
    "count.refused:forged": ("refused:forged", "отклонено: подпись не сходится"),
    "count.refused:mismatch": ("refused:mismatch", "отклонено: кнопка не от того сообщения"),
    "count.refused:stale": ("refused:stale", "отклонено: кнопка устарела"),
    "count.refused:not_member": ("refused:not_member", "отклонено: нажал не участник чата"),
    "count.refused:not_allowed": ("refused:not_allowed", "отклонено: нет прав"),
    "count.refused:not_chat_admin": ("refused:not_chat_admin",
                                     "отклонено: архивировать просил не администратор чата"),
    "count.refused:unknown_job": ("refused:unknown_job", "отклонено: задания нет в каталоге"),
    "count.malformed": ("malformed", "непонятных событий"),
    "count.failed": ("failed", "с ошибкой"),
    "count.ignored": ("ignored", "не для раннера"),
    "count.unfurl:posted": ("unfurl:posted", "превью ссылок"),
    "count.unfurl:nothing": ("unfurl:nothing", "ссылок без превью"),
    "count.unfurl:failed": ("unfurl:failed", "превью с ошибкой"),
    # -- what an alert in Pachca says of a fire that never ran (posted in Russian) -----------
    "alert.missed": (("missed: it could not start on time, and its allowed delay"
                      " ({grace} s) had passed"),
                     ("пропущен: вовремя запустить не удалось, а допустимая задержка"
                      " ({grace} с) уже прошла")),
    "alert.overlap": ("skipped: the previous run of this job was still going",
                      "пропущен: предыдущий запуск этого задания ещё не закончился"),
    "alert.whole_run": ("the whole run", "весь запуск"),
    # -- the alerts' own lines in the log ---------------------------------------------------
    "alert.unprocessed": ("{job}: could not process the alert for run {key}",
                          "{job}: не удалось обработать оповещение о запуске {key}"),
    "alert.missed_unprocessed": ("{job}: could not process the missed-run alert",
                                 "{job}: не удалось обработать оповещение о пропущенном запуске"),
    "alert.streak_known": ("{job}: failure {n} of a streak already announced; no new alert",
                           "{job}: ошибка {n} в серии, о которой уже сообщено; нового оповещения нет"),
    "alert.recovered": ("{job}: recovered after {n} failure(s)",
                        "{job}: снова работает после ошибок подряд: {n}"),
    "alert.not_posted": ("could not post {template} to the alerts chat {chat}: {error}",
                         "не удалось отправить {template} в чат оповещений {chat}: {error}"),
    # -- the bot's lines in the log: events, polling, previews, clicks ------------------------
    "event.again": ("event {key} was handled already; not again",
                    "событие {key} уже обработано; повторно не обрабатывается"),
    "event.malformed": ("malformed {type}/{event} event ignored: {n} problem(s), first: {first}",
                        "событие {type}/{event} с ошибками пропущено: ошибок — {n}, первая: {first}"),
    "event.field_missing": ("no field {field}", "нет поля {field}"),
    "event.field_bad": ("field {field}: {problem}", "поле {field}: {problem}"),
    "event.failed": ("handling a {type}/{event} event failed: {error}",
                     "не удалось обработать событие {type}/{event}: {error}"),
    "event.crashed": ("handling a {type}/{event} event failed unexpectedly",
                      "обработка события {type}/{event} неожиданно сорвалась"),
    "event.ignored": ("event {type}/{event} ignored: the runner does not handle it",
                      "событие {type}/{event} пропущено: раннер такие не обрабатывает"),
    "poll.too_many": (
        ("the bot's event history holds more than {n} events; handling the oldest of those read,"
         " the rest in later passes"),
        ("в истории событий бота больше {n} событий; обрабатываю самые старые из прочитанных,"
         " остальные — в следующие проходы"),
    ),
    "poll.summary": ("bot events: {summary}", "события бота: {summary}"),
    "poll.failed": ("polling the bot's events failed (next try in {seconds} s): {error}",
                    "не удалось получить события бота (следующая попытка через {seconds} с): {error}"),
    "poll.catch_up_off": (
        ("bot.events is push, and events pushed while the runner was down cannot be caught up"
         " from the event history: the token may not read it (grant webhooks:events:read and"
         " webhooks:events:delete, keep the bot's event history on): {error}"),
        ("bot.events — push, и события, присланные, пока раннер не работал, не забрать из"
         " истории событий: токену её не прочитать (выдайте webhooks:events:read и"
         " webhooks:events:delete, включите у бота историю событий): {error}"),
    ),
    "poll.crashed": ("polling the bot's events failed unexpectedly",
                     "получение событий бота неожиданно сорвалось"),
    "unfurl.failed": ("could not add link previews to message {id}: {error}",
                      "не удалось добавить превью ссылок к сообщению {id}: {error}"),
    "unfurl.added": ("added {n} link preview(s) to message {id}",
                     "к сообщению {id} добавлены превью ссылок: {n}"),
    "unfurl.source_failed": ("link preview for {url} skipped: source of rule {rule}: {error}",
                             "превью для {url} пропущено: источник правила {rule}: {error}"),
    "unfurl.again": ("link {url} of message {id} has its preview already; not added again",
                     "у ссылки {url} в сообщении {id} превью уже есть; второе не добавлено"),
    "unfurl.skipped": ("link preview for {url} skipped: {error}", "превью для {url} пропущено: {error}"),
    "unfurl.empty_title": ("link preview for {url} skipped: its title came out empty",
                           "превью для {url} пропущено: заголовок получился пустым"),
    "bot.not_updated": ("could not update message {id} in chat {chat}: {error}",
                        "не удалось изменить сообщение {id} в чате {chat}: {error}"),
    "bot.not_answered": ("could not answer user {user} ({template}): {error}",
                         "не удалось ответить пользователю {user} ({template}): {error}"),
    "button.empty": ("button data is empty or too long", "данные кнопки пусты или слишком длинны"),
    "button.version": ("button data of an unknown version ({version})",
                       "данные кнопки неизвестной версии ({version})"),
    "button.malformed": ("button data is malformed", "данные кнопки не по формату"),
    "button.bad_signature": ("button data has a malformed signature",
                             "данные кнопки: подпись не по формату"),
    "button.wrong_signature": (
        ("button data has a wrong signature: not made by this runner, or signed with a key"
         " it no longer has (the state store, which keeps the key, was replaced or emptied"
         " since; or the button is older than that key, and PACHCA_WEBHOOK_SECRET and"
         " PACHCA_TOKEN both changed since)"),
        ("данные кнопки с чужой подписью: кнопку сделал не этот раннер или он подписал её"
         " ключом, которого у него больше нет (с тех пор заменили или очистили хранилище"
         " состояния, где лежит ключ; или кнопка старше этого ключа, а PACHCA_WEBHOOK_SECRET"
         " и PACHCA_TOKEN с тех пор оба сменились)"),
    ),
    "button.bad_scope": ("button data has a malformed scope",
                         "данные кнопки: номер сообщения не по формату"),
    "button.unknown_action": ("button data names an unknown action or a bad subject ({action})",
                              "данные кнопки: неизвестное действие или объект ({action})"),
    "click.forged": ("click by user {user} on message {id} refused: {error}",
                     "нажатие пользователя {user} в сообщении {id} отклонено: {error}"),
    "click.rerun": ("job {job}: rerun asked by user {user}",
                    "задание {job}: пользователь {user} попросил перезапуск"),
    "click.mismatch": ("click by user {user}: a button for chat {chat} pressed in chat {pressed_in}; refused",
                       "нажатие пользователя {user}: кнопка для чата {chat} нажата в чате {pressed_in}; отклонено"),
    "click.stale": ("click by user {user} on a stale warning in chat {chat}",
                    "пользователь {user} нажал кнопку устаревшего предупреждения в чате {chat}"),
    "click.not_member": ("click by user {user} refused: not a member of chat {chat}",
                         "нажатие пользователя {user} отклонено: он не участник чата {chat}"),
    "click.not_chat_admin": ("«archive now» by user {user} refused: not an admin of chat {chat}",
                             "«архивировать сейчас» от {user} отклонено: не админ чата {chat}"),
    "click.decided": ("chat {chat} «{name}»: {action} by user {user}",
                      "чат {chat} «{name}»: «{action}», решил пользователь {user}"),
    "server.listening": ("runner server listening on {url} (public {public})",
                         "сервер раннера слушает {url} (снаружи — {public})"),
    "server.senders": ("webhooks accepted from {senders} ({origin})",
                       "вебхуки принимаются с {senders} ({origin})"),
    "senders.setting": ("set in PACHCA_RUNNER_WEBHOOK_SENDERS",
                        "задано в PACHCA_RUNNER_WEBHOOK_SENDERS"),
    "senders.pachca": ("Pachca's documented addresses; PACHCA_RUNNER_WEBHOOK_SENDERS changes them",
                       "документированные адреса Пачки; меняются в PACHCA_RUNNER_WEBHOOK_SENDERS"),
    "senders.loopback": ("the API is on loopback; PACHCA_RUNNER_WEBHOOK_SENDERS changes it",
                         "API на loopback; меняется в PACHCA_RUNNER_WEBHOOK_SENDERS"),
    "senders.resolved": ("the API host's addresses; PACHCA_RUNNER_WEBHOOK_SENDERS changes it",
                         "адреса хоста API; меняется в PACHCA_RUNNER_WEBHOOK_SENDERS"),
    "server.stop_failed": ("the runner's HTTP server failed while stopping",
                           "HTTP-сервер раннера сломался при остановке"),
    "server.client_gone": ("{what}: client {client} went away before sending its whole request body",
                           "{what}: клиент {client} ушёл, не дослав тело запроса"),
    "server.client_refused": ("{what}: client {client} refused ({status}): {reason}",
                              "{what}: клиенту {client} отказано ({status}): {reason}"),
    "server.sender_refused": (
        ("webhook from {client} refused (403): webhooks are accepted only from {allowed};"
         " if Pachca sends from {client}, add it to PACHCA_RUNNER_WEBHOOK_SENDERS{proxies}"),
        ("вебхук с адреса {client} отклонён (403): вебхуки принимаются только с {allowed};"
         " если Pachca присылает их с {client}, добавьте его в PACHCA_RUNNER_WEBHOOK_SENDERS"
         "{proxies}"),
    ),
    "senders.proxy_hint": (
        " (behind a reverse proxy: set PACHCA_RUNNER_TRUSTED_PROXIES to its address)",
        " (за обратным прокси: укажите его адрес в PACHCA_RUNNER_TRUSTED_PROXIES)",
    ),
    "server.slow_head": ("client {client} closed: no whole request head within {seconds} s",
                         "соединение с клиентом {client} закрыто: заголовки запроса не пришли за {seconds} с"),
    "server.bot_webhook_rejected": ("bot webhook rejected ({status}): {text}",
                                    "вебхук бота отклонён ({status}): {text}"),
    "push.content_type": ("expected Content-Type application/json",
                          "ожидался Content-Type application/json"),
    "push.too_large": ("body larger than {n} bytes", "тело запроса больше {n} байт"),
    "push.unsigned": ("missing Pachca-Signature header", "нет заголовка Pachca-Signature"),
    "push.bad_signature": ("wrong Pachca-Signature (another secret, or the body was changed)",
                           "Pachca-Signature не сходится (другой секрет или тело изменено)"),
    "push.not_json": ("the body is not JSON", "тело запроса — не JSON"),
    "push.not_object": ("the body is not a JSON object", "тело запроса — не объект JSON"),
    "push.no_timestamp": ("webhook_timestamp is missing or not a number",
                          "webhook_timestamp нет или это не число"),
    "push.stale": (
        ("webhook_timestamp is {skew} s from now, more than {limit} s: an old or replayed"
         " request, or this machine's clock is off"),
        ("webhook_timestamp расходится с текущим временем на {skew} с, больше {limit} с:"
         " запрос старый или повторённый, либо сбиты часы этой машины"),
    ),
    "server.bot_webhook_at": ("bot webhook served at {url}", "вебхук бота принимается по адресу {url}"),
    "progress.not_recorded": ("{key}: progress not recorded: {error}",
                              "{key}: ход запуска не записан: {error}"),
    "progress.not_removed": ("{key}: progress not removed: {error}",
                             "{key}: ход запуска не удалён: {error}"),
    "console.run_unrecorded": ("{what} of {job} started from the console by {who} was not recorded: {error}",
                               "{what} задания {job}, начатый с пульта пользователем {who}, не записан: {error}"),
}
