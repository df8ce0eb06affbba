"""What a run did, as `run-job`, `preview`, `history`, `undo` and `diff` tell it.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
Counts (``posted``, ``skipped:channel``) are named by ``count.<key>``, whose English
is the key itself (as ``--json`` and the logs have it); a count without a text here
is shown by its key.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- run-job and preview -----------------------------------------------------------
    "outcome.dry_banner": (
        "Dry run: nothing was posted, archived or changed.",
        "Пробный запуск: ничего не отправлено, не заархивировано и не изменено.",
    ),
    "outcome.done": ("✓ {job} {status} in {seconds} s", "✓ {job}: {status} за {seconds} с"),
    "outcome.failed_line": ("✗ {job} failed: {error}", "✗ {job}: ошибка: {error}"),
    "outcome.not_done": ("not done: {item}", "не сделано: {item}"),
    "outcome.not_run": ("– {job} not run: {error}", "– {job} не запускалось: {error}"),
    "preview.none": ("(this run would post no message)", "(этот запуск не отправил бы ни одного сообщения)"),
    "preview.message": ("message {n}", "сообщение {n}"),
    # -- a run's own troubles (runner.execute) ------------------------------------------------
    "resume.after_failure": ("after its last attempt ended in failure",
                             "после того как прошлая попытка закончилась ошибкой"),
    "resume.after_abandoned": ("after it was abandoned", "после того как его бросили"),
    "resume.after_stop": ("after its runner stopped", "после остановки его раннера"),
    "run.attempt_lines": ("attempt {n}:", "попытка {n}:"),
    "run.resuming": ("{job}: resuming {key} (attempt {attempt}) {why}",
                     "{job}: продолжаю {key} (попытка {attempt}) {why}"),
    "run.not_again": ("{job}: {key} is already done or running elsewhere; not run again",
                      "{job}: {key} уже выполнен или идёт в другом месте; повторно не запускается"),
    "run.unreported": ("{job}: could not report the outcome: {error}",
                       "{job}: не удалось сообщить итог: {error}"),
    "run.store_failed": ("the state store failed mid-run: {error}; {done}",
                         "хранилище состояния отказало посреди запуска: {error}; {done}"),
    "run.timed_out": ("did not finish within its timeout of {seconds} s",
                      "не завершился за отведённые {seconds} с"),
    "run.internal": ("internal error: {type}: {error}", "внутренняя ошибка: {type}: {error}"),
    "run.marked_failed": ("the run is marked failed: rerun this fire to finish it",
                          ("запуск отмечен как неудачный: перезапустите это срабатывание, чтобы"
                          " завершить его")),
    "run.done_before": ("done before it stopped: {counts}", "сделано до остановки: {counts}"),
    "run.nothing_done": ("nothing was done before it stopped", "до остановки ничего не сделано"),
    "run.end_unrecorded": ("could not record the run's end in the state store: {error}; {done}",
                           ("не удалось записать окончание запуска в хранилище состояния: {error};"
                           " {done}")),
    "run.running_until_expiry": (
        ("the history shows the run as running until its claim expires ({seconds} s), then rerun"
        " this fire"),
        ("в истории запуск будет числиться идущим, пока не истечёт его захват ({seconds} с), затем"
        " перезапустите это срабатывание"),
    ),
    "claim.renew_retrying": ("{job}: could not renew the claim on {key} (retrying): {error}",
                             "{job}: не удалось продлить захват {key} (пробую снова): {error}"),
    "claim.renew_failed": ("could not renew the claim on {key} in time: {error}",
                           "не удалось вовремя продлить захват {key}: {error}"),
    "claim.lost": ("lost the claim on {key}: another replica took it over",
                   "захват {key} потерян: его взяла другая реплика"),
    "claim.stopping": ("{job}: {why}; stopping this run", "{job}: {why}; запуск останавливается"),
    # -- what posting said ---------------------------------------------------------------
    "post.empty": (
        "nothing posted: the message came out empty (check the template's conditions)",
        "ничего не отправлено: сообщение получилось пустым (проверьте условия в шаблоне)",
    ),
    "post.would": ("would post to {what}{attached}", "было бы отправлено: {what}{attached}"),
    "post.would_not": (
        "would not post to {what}: the token may not post there (see above)",
        "не было бы отправлено: {what} — туда нельзя отправить (см. выше)",
    ),
    "post.done": ("posted to {what}{attached}", "отправлено: {what}{attached}"),
    "post.attached": (" with attached {files}", " с вложениями {files}"),
    "post.undone": (
        "post to {what} (may have gone through; checked on retry)",
        "отправка: {what} (могла пройти; проверится при повторе)",
    ),
    "post.cannot": ("cannot post to {label}: {problem}", "нельзя отправить: {label}: {problem}"),
    "post.failed": ("could not post to {name}: {error}", "не удалось отправить: {name}: {error}"),
    "post.refused": (
        ("could not post to {n} of {total} recipient(s): {names}{others} ({error}); the others"
         " got it: fix access and rerun this fire to post only what is left{how}"),
        ("не удалось отправить получателям ({n} из {total}): {names}{others} ({error});"
         " остальные получили: исправьте доступ и перезапустите это срабатывание, чтобы"
         " отправить только оставшееся{how}"),
    ),
    "post.rerun_how": (" (`pachca-runner run-job {job} --rerun {id}`)",
                       " (командой `pachca-runner run-job {job} --rerun {id}`)"),
    "rerun.unknown": (
        "run {id} is not a run of {job}: see `pachca-runner history {job}`",
        "запуск {id} — не запуск задания {job}: см. `pachca-runner history {job}`",
    ),
    "rerun.not_failed": (
        ("run {id} of {job} {status}: --rerun finishes a failed run; for a new one leave"
         " --rerun out"),
        ("запуск {id} задания {job}: {status}; --rerun доводит до конца неудавшийся запуск,"
         " для нового уберите --rerun"),
    ),
    "rerun.dry": (
        "run {id} of {job} was a dry run: nothing to finish; run the job without --rerun",
        "запуск {id} задания {job} был пробным: доводить нечего; запустите без --rerun",
    ),
    "at.gap": (
        ("--at {at}: that time does not exist in {zone} (the clocks jumped over it); a fire"
         " due then ran at {fire}: give --at {fire}"),
        ("--at {at}: такого времени в {zone} нет (часы перевели вперёд); срабатывание на это"
         " время было в {fire}: укажите --at {fire}"),
    ),
    "rerun.with_at": (
        "--rerun finishes the run for its own fire: leave out --at",
        "--rerun доводит запуск для его собственного срабатывания: уберите --at",
    ),
    "post.others": (" and others", " и другим"),
    "post.blocked": (
        "may not post to {n} of {total} recipient(s): {first}{more}{how}",
        "нельзя отправить получателям ({n} из {total}): {first}{more}{how}",
    ),
    "post.blocked_how": (
        "; once fixed, `pachca-runner run-job {job} --rerun {id}` posts only what is left",
        ("; после исправления `pachca-runner run-job {job} --rerun {id}` отправит только"
         " оставшееся"),
    ),
    "post.blocked_more": (" (and {n} more, listed above)", " (и ещё {n}, см. выше)"),
    "claim.taken": ("already claimed", "уже взято другим запуском"),
    "claim.running": (
        ("already claimed: running on replica {replica} (run {id}); if that replica is gone,"
         " its claim expires in {left} s"),
        ("уже взято: идёт на реплике {replica} (запуск {id}); если этой реплики больше нет,"
         " её захват истечёт через {left} с"),
    ),
    "claim.other": (
        "already claimed: {status} on replica {replica} (run {id})",
        "уже взято: {status} на реплике {replica} (запуск {id})",
    ),
    "post.chat": ("chat {id}", "чат {id}"),
    "post.user": ("user {id}", "пользователь {id}"),
    "post.chat_named": ("chat «{name}» ({id})", "чат «{name}» ({id})"),
    "post.report_chat": ("chat {id} (report)", "чат {id} (отчёт)"),
    "post.unseen": ("{label} (not visible to the bot)", "{label} (боту не виден)"),
    "post.unknown_user": ("user {id} (not found)", "пользователь {id} (не найден)"),
    "check.no_chat": (
        ("chat {id} does not exist or the bot cannot see it (a closed chat it is not in): check"
         " the id, or add the bot to chat {id}"),
        ("чата {id} нет или бот его не видит (закрытый чат без бота): проверьте id или"
         " добавьте бота в чат {id}"),
    ),
    "check.archived": (
        ("«{name}» ({id}) is archived, nobody may post there: unarchive it or take it out of the"
        " job's `to`"),
        ("«{name}» ({id}) в архиве, туда никто не может писать: верните его из архива или"
        " уберите из `to` задания"),
    ),
    "check.not_member": (
        "the bot is not a member of «{name}» ({id}): add the bot to «{name}» ({id})",
        "бот не участник «{name}» ({id}): добавьте бота в «{name}» ({id})",
    ),
    "check.reader": (
        ("the bot only reads the channel «{name}» ({id}), as a subscriber: make it an editor or"
        " admin of the channel"),
        ("бот только читает канал «{name}» ({id}) как подписчик: сделайте его редактором или"
        " администратором канала"),
    ),
    "check.no_user": (
        "user {id} does not exist: check the id in the job's `to.users`",
        "пользователя {id} нет: проверьте id в `to.users` задания",
    ),
    "check.suspended": (
        "«{name}» ({id}) is deactivated: take them out of the job's `to.users`",
        "«{name}» ({id}) деактивирован: уберите его из `to.users` задания",
    ),
    "post.reused": (
        "reusing the text rendered by the interrupted attempt of this run",
        "взят текст, собранный прерванной попыткой этого запуска",
    ),
    # -- the live progress bar of a long run (a terminal only) ------------------------------
    "progress.post": ("posting", "отправка"),
    "progress.export": ("export chunks", "части выгрузки"),
    "progress.archive": ("archiving", "архивация"),
    "progress.scan": ("scanning chats", "просмотр чатов"),
    "progress.read": ("chats read", "прочитано чатов"),
    # -- what the kinds did ----------------------------------------------------------------
    "source.failed": ("source '{source}' failed: {reason}",
                      "источник «{source}» не прочитан: {reason}"),
    "digest.source_failed": (
        "source '{name}' failed ({reason}); mentioned in the digest",
        "источник '{name}' не ответил ({reason}); об этом сказано в сводке",
    ),
    "digest.window": ("window: {start} to {end} ({zone})", "окно: с {start} по {end} ({zone})"),
    "digest.empty": (
        "nothing to post: no activity and no data in the window",
        "отправлять нечего: в окне нет ни активности, ни данных",
    ),
    "activity.found": (
        "{chats} active chats, {messages} messages, {authors} authors from {start} to {end} ({zone})",
        "активных чатов: {chats}, сообщений: {messages}, авторов: {authors} с {start} по {end} ({zone})",
    ),
    "activity.empty": (
        "nothing to post: no chat was active in the period",
        "отправлять нечего: за период не было активных чатов",
    ),
    "chat.channel": ("channel", "канал"),
    "chat.conversation": ("conversation", "беседа"),
    "chat.would_create": (
        ("would create {what} «{name}» with {n} members ({by_id} by id, the rest from {tags}"
         " group tags, and the bot)"),
        ("был бы создан {what} «{name}», участников: {n} (по id: {by_id}, остальные из тегов"
         " групп: {tags}, и бот)"),
    ),
    "chat.exists": (
        "skipped {what} «{name}» ({id}): this job already created it on {when}",
        "пропущен {what} «{name}» ({id}): это задание уже создало его {when}",
    ),
    "chat.would_exist": (
        "would skip {what} «{name}» ({id}): this job already created it on {when}",
        "был бы пропущен {what} «{name}» ({id}): это задание уже создало его {when}",
    ),
    "chat.created_by_run": ("{what} «{name}» was already created by this run",
                            "{what} «{name}» уже создан этим запуском"),
    "chat.created_before": ("{what} «{name}» had been created before the interruption",
                            "{what} «{name}» был создан до прерывания"),
    "chat.created": ("created {what} «{name}» (chat {id}, {n} members)",
                     "создан {what} «{name}» (чат {id}, участников: {n})"),
    # -- counts ----------------------------------------------------------------------------
    "count.posted": ("posted", "отправлено"),
    "count.would_post": ("would_post", "было бы отправлено"),
    "count.already_posted": ("already_posted", "уже отправлено"),
    "count.not_posted": ("not_posted", "не отправлено"),
    "count.cannot_post": ("cannot_post", "нельзя отправить"),
    "count.scanned": ("scanned", "просмотрено"),
    "count.warned": ("warned", "предупреждено"),
    "count.would_warn": ("would_warn", "было бы предупреждено"),
    "count.archived": ("archived", "заархивировано"),
    "count.would_archive": ("would_archive", "было бы заархивировано"),
    "count.would_skip": ("would_skip", "было бы пропущено"),
    "count.waiting": ("waiting", "ждут"),
    "count.recovered": ("recovered", "восстановлено"),
    "count.created": ("created", "создано"),
    "count.would_create": ("would_create", "было бы создано"),
    "count.already_created": ("already_created", "уже создано"),
    "count.active_chats": ("active_chats", "активных чатов"),
    "count.source_errors": ("source_errors", "ошибок источников"),
    "count.chunks": ("chunks", "частей"),
    "count.requested": ("requested", "запрошено"),
    "count.would_request": ("would_request", "было бы запрошено"),
    "count.downloaded": ("downloaded", "скачано"),
    "count.uploaded": ("uploaded", "загружено"),
    "count.already_uploaded": ("already_uploaded", "уже загружено"),
    "count.bytes": ("bytes", "байт"),
    "count.skipped": ("skipped", "пропущено"),
    "count.skipped:direct": ("skipped:direct", "пропущено: личный чат"),
    "count.skipped:archived": ("skipped:archived", "пропущено: уже в архиве"),
    "count.skipped:channel": ("skipped:channel", "пропущено: канал"),
    "count.skipped:excluded": ("skipped:excluded", "пропущено: исключён"),
    "count.skipped:members": ("skipped:members", "пропущено: число участников"),
    "count.skipped:new": ("skipped:new", "пропущено: новый"),
    "count.skipped:active": ("skipped:active", "пропущено: активен"),
    "count.skipped:thread": ("skipped:thread", "пропущено: активен в треде"),
    "count.skipped:kept": ("skipped:kept", "пропущено: оставлен участником"),
    "count.skipped:unarchived": ("skipped:unarchived", "пропущено: недавно из архива"),
    "count.skipped:gone": ("skipped:gone", "пропущено: не виден"),
    "count.skipped:limit": ("skipped:limit", "пропущено: сверх лимита"),
    "count.skipped:failed": ("skipped:failed", "пропущено: отказ Пачки"),
    "count.skipped:no_rights": ("skipped:no_rights", "пропущено: нет прав"),
    "count.skipped:empty": ("skipped:empty", "пропущено: пусто"),
    "count.skipped:downloaded": ("skipped:downloaded", "пропущено: уже скачано"),
    "count.skipped:changed": ("skipped:changed", "пропущено: изменился после плана"),
    "count.skipped:not_planned": ("skipped:not_planned", "пропущено: не в плане"),
    # -- why a chat was skipped (sweeps) ---------------------------------------------------
    "skip.direct": ("a direct chat", "личный чат"),
    "skip.archived": ("already archived", "уже в архиве"),
    "skip.channel": ("a channel (include_channels is off)", "канал (include_channels выключен)"),
    "skip.excluded": ("excluded", "исключён"),
    "skip.members": ("member count outside the bounds", "число участников вне границ"),
    "skip.new": ("created less than inactive_days ago", "создан меньше inactive_days назад"),
    "skip.active": ("active", "активен"),
    "skip.thread": ("active in a thread", "активен в треде"),
    "skip.kept": ("kept by a member", "участник попросил оставить"),
    "skip.unarchived": ("unarchived recently", "недавно возвращён из архива"),
    "skip.gone": ("no longer visible to the token", "токену больше не виден"),
    "skip.limit": (
        "over max_archive_per_run: left for the next run",
        "сверх max_archive_per_run: оставлен до следующего запуска",
    ),
    "skip.failed": ("the API refused", "Пачка отказала"),
    "skip.empty": ("empty", "пусто"),
    "skip.downloaded": ("already downloaded", "уже скачано"),
    "skip.no_rights": (
        ("the token may not archive it (its user is no admin of the chat, whatever its"
         " workspace role): make the bot an admin of «{name}» ({id}), or exclude it"),
        ("токен не может его архивировать (его пользователь не администратор чата, какой бы"
         " ни была его роль в пространстве): сделайте бота администратором «{name}» ({id})"
         " или исключите чат"),
    ),
    # -- history show --------------------------------------------------------------------
    "target.done": ("done", "сделано"),
    "target.pending": ("pending", "ожидает"),
    "target.requested": ("requested", "запрошено"),
    "target.ready": ("ready", "готово"),
    "target.downloaded": ("downloaded", "скачано"),
    "action.archived": ("archived", "заархивирован"),
    "action.unarchived": ("unarchived", "возвращён из архива"),
    "action.warned": ("warned", "предупреждён"),
    "action.closing_message": ("closing message", "прощальное сообщение"),
    # -- undo ----------------------------------------------------------------------------
    "undo.chat": ("chat ", "чат "),
    "undo.invisible": (", not visible to the token", ", токену не виден"),
    "undo.head": (
        "Run {id} of '{job}' ({when}) archived {total} chat(s); {n} will be unarchived:",
        ("Запуск {id} задания '{job}' ({when}) заархивировал чатов: {total}; из архива"
        " вернутся: {n}:"),
    ),
    "undo.already_out": (" (already out of the archive)", " (уже не в архиве)"),
    "undo.before": (
        "{n} chat(s) were unarchived by an earlier undo.",
        "Чатов, возвращённых из архива прошлой отменой: {n}.",
    ),
    "undo.superseded": (
        "  chat {chat} is left archived: run {later} archived it again (undo run {later} for it)",
        ("  чат {chat} остаётся в архиве: запуск {later} заархивировал его снова (для него"
        " отмените запуск {later})"),
    ),
    "undo.days": ("{n} days (its inactive_days)", "{n} дн. (его inactive_days)"),
    "undo.days_unknown": ("its inactive_days", "его inactive_days"),
    "undo.then_warns": (
        "and then warns before archiving one again",
        "а потом предупредит, прежде чем снова архивировать",
    ),
    "undo.then_archives": (
        "and then may archive them again without a warning (warn_days is 0)",
        "а потом может снова заархивировать их без предупреждения (warn_days равно 0)",
    ),
    "undo.afterwards": (
        ("The sweep leaves these chats alone for {days}, as any chat brought back from the"
         " archive, {then}."),
        ("Уборка не трогает эти чаты {days}, как любой чат, возвращённый из архива, {then}."),
    ),
    "undo.unarchived": ("unarchived {label}", "возвращён из архива: {label}"),
    "undo.failed": ("could not unarchive {label}: {why}", "не удалось вернуть {label}: {why}"),
    "undo.summary": ("{n} chat(s) unarchived", "возвращено из архива чатов: {n}"),
    "undo.summary_failed": (
        ", {n} failed (run undo again to retry)",
        ", не удалось: {n} (запустите undo ещё раз)",
    ),
    "undo.no_run": (
        "no run {id} in the history (see `pachca-runner history`)",
        "запуска {id} в истории нет (см. `pachca-runner history`)",
    ),
    "undo.not_sweep": (
        ("run {id} is a {kind} run of '{job}', not a sweep: only what a sweep archived can be"
         " undone"),
        ("запуск {id} — это запуск '{job}' вида {kind}, а не уборка: отменить можно только то,"
         " что заархивировала уборка"),
    ),
    "undo.running": (
        "run {id} of '{job}' is still running: undo it once it ends",
        "запуск {id} задания '{job}' ещё идёт: отмените его, когда закончится",
    ),
    "undo.dry": (
        "run {id} of '{job}' was a dry run: it archived no chat, nothing to undo",
        "запуск {id} задания '{job}' был пробным: он ничего не архивировал, отменять нечего",
    ),
    "undo.none_archived": (
        "run {id} of '{job}' archived no chat: nothing to undo",
        "запуск {id} задания '{job}' не заархивировал ни одного чата: отменять нечего",
    ),
    "undo.done_before": (
        "run {id} was already undone: {n} chat(s) unarchived on {when}; nothing to do",
        "запуск {id} уже отменён: {when} из архива возвращено чатов: {n}; делать нечего",
    ),
    "undo.all_superseded": (
        ("run {id}: every chat it archived was archived again by a later run; undo that run"
        " instead"),
        ("запуск {id}: все его чаты заархивированы снова более поздним запуском; отмените"
        " лучше его"),
    ),
    # -- the daemon's side lines: replicas, retries, crashes ----------------------------------
    "run.unexpected": ("{job}: unexpected error", "{job}: непредвиденная ошибка"),
    "replica.pruned": ("pruned {n} run(s) older than {days} days from the history",
                       "из истории удалены запуски старше {days} дн.: {n}"),
    "replica.taking_over": (
        "{job}: taking over {key} (attempt {attempt} on replica {replica} stopped)",
        "{job}: перехватываю {key} (попытка {attempt} на реплике {replica} остановилась)",
    ),
    "replica.abandoned": (
        "{job}: run {id} ({key}) of stopped replica {replica} marked abandoned: {reason}",
        "{job}: запуск {id} ({key}) остановленной реплики {replica} брошен: {reason}",
    ),
    "replica.dry_not_resumed": (
        "a dry run whose replica stopped (dry runs are not resumed)",
        "пробный запуск, чья реплика остановилась (пробные запуски не продолжаются)",
    ),
    "replica.manual_not_resumed": (
        ("a manual run whose replica stopped (manual runs are not resumed: run it again with"
         " run-job if still needed)"),
        ("ручной запуск, чья реплика остановилась (ручные запуски не продолжаются: если он ещё"
         " нужен, запустите его снова через run-job)"),
    ),
    "replica.job_gone": ("its job is no longer in the catalogue", "его задания больше нет в каталоге"),
    "replica.job_disabled": ("its job is disabled", "его задание отключено"),
    "api.rate_limited_wait": ("{method} {path}: rate limited, waiting {seconds} s",
                              "{method} {path}: превышен лимит запросов, жду {seconds} с"),
    "api.retrying": ("{method} {path} failed ({reason}); retry {attempt} in {seconds} s",
                     "{method} {path} не удался ({reason}); повтор {attempt} через {seconds} с"),
    "scope.unreadable": ("cannot read the token's scopes, not checking them: {error}",
                         "не удалось прочитать права токена, они не проверяются: {error}"),
    "post.went_through": ("{key}: post to {what} had gone through before the crash",
                          "{key}: отправка ({what}) прошла ещё до сбоя"),
}
