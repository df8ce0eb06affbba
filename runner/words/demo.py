"""What `pachca-runner demo` tells while it runs the sample against the embedded workspace.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "demo.title": ("pachca-runner demo", "демо pachca-runner"),
    "demo.head": (
        ("Embedded Pachca workspace at {url}\n{users} people, {groups} group chats, {directs}"
         " direct chats, {messages} messages (seeded; no token, no network)\nCatalogue: {path}"
         " — {jobs} jobs"),
        ("Встроенное пространство Пачки: {url}\nлюдей: {users}, групповых чатов: {groups},"
         " личных чатов: {directs}, сообщений: {messages} (сгенерировано; без токена и сети)"
         "\nКаталог: {path} — заданий: {jobs}"),
    ),
    # the comments after the shell lines that point the runner at a served workspace
    "demo.var.bot": ("the bot", "бот"),
    "demo.var.owner": ("the Owner (exports)", "Владелец (выгрузки)"),
    "demo.more_messages": ("  … and {n} more messages", "  … и ещё сообщений: {n}"),
    "demo.more_lines": ("  … and {n} more", "  … и ещё {n}"),
    "demo.failed": ("  ✗ failed: {error}", "  ✗ ошибка: {error}"),
    "demo.reached": ("What reached Pachca", "Что дошло до Пачки"),
    "demo.effect.posted": ("messages posted", "отправлено сообщений"),
    "demo.effect.archived": ("chats archived", "заархивировано чатов"),
    "demo.effect.exports": ("exports requested", "запрошено выгрузок"),
    "demo.effect.created": ("chats created", "создано чатов"),
    "demo.effect.updated": ("messages updated", "изменено сообщений"),
    "demo.end": (
        ("\nEverything above ran against the embedded workspace. To run against your"
         " workspace: set PACHCA_TOKEN and use `pachca-runner run-job NAME` or `run`."),
        ("\nВсё это выполнено во встроенном пространстве. Чтобы работать со своим: задайте"
         " PACHCA_TOKEN и запускайте `pachca-runner run-job ИМЯ` или `run`."),
    ),
    "demo.kept": ("\nThe workspace stays up at {url} (Ctrl+C to stop). Point the runner at it:",
                  ("\nПространство остаётся работать на {url} (остановка — Ctrl+C). Направьте"
                  " на него раннер:")),
    "demo.story.title": ("The sweep, a week in fast-forward", "Уборка чатов: неделя за минуту"),
    "demo.story.buttons": ("Warning in «{name}» carries the buttons {labels}",
                           "У предупреждения в «{name}» кнопки {labels}"),
    "demo.story.press": ("User {user} presses «{button}» …",
                         "Пользователь {user} нажимает «{button}» …"),
    "demo.story.bot": ("  bot: {summary}", "  бот: {summary}"),
    "demo.story.now_reads": ("  the warning now reads: «{text}», no buttons: {gone}",
                             "  теперь в предупреждении: «{text}», кнопок нет: {gone}"),
    "demo.story.later": (
        "\n{days} days later, nobody wrote in the warned chats; the sweep runs again:",
        "\nСпустя {days} дн. в предупреждённых чатах никто не писал; уборка запускается снова:",
    ),
    "demo.story.kept": ("  «{name}» archived: {archived} (kept by its member)",
                        "  «{name}» в архиве: {archived} (участник попросил оставить)"),
}
