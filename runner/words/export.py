"""What an export run says about its chunks.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "export.no_day": (
        "no UTC day ended within this period; the next run exports it",
        "в этом периоде не закончился ни один день по UTC; его выгрузит следующий запуск",
    ),
    "export.plan": ("export of {span} ({where}) in {n} chunk(s)",
                    "выгрузка {span} ({where}), частей: {n}"),
    "export.some_chats": ("{n} chat(s)", "чатов: {n}"),
    "export.all_chats": ("all chats", "все чаты"),
    "export.not_ended": (
        ("the period ends on {end} (UTC), a day that has not ended yet at {now} UTC; the last"
         " whole day is {last}"),
        ("период кончается {end} (UTC), а этот день на {now} UTC ещё не закончился;"
         " последний целый день — {last}"),
    ),
    "export.unfinished": (
        ("note: {span} from an earlier run is unfinished ({status}); rerun that fire with --at"
         " to finish it"),
        ("заметка: выгрузка {span} прошлого запуска не закончена ({status}); перезапустите то"
         " срабатывание с --at, чтобы закончить её"),
    ),
    "export.chunk": ("chunk {i} of {n}, {span}", "часть {i} из {n}, {span}"),
    "export.would_request": ("would request the export of {what} into {file}",
                             "была бы запрошена выгрузка: {what}, в {file}"),
    "export.would_wait": ("would wait for Pachca's webhook for {what} (already requested)",
                          "ждали бы вебхука Пачки: {what} (уже запрошено)"),
    "export.would_download": ("would download export {id} ({what})",
                              "была бы скачана выгрузка {id} ({what})"),
    "export.would_check": ("{what} already downloaded to {file}; would check it",
                           "{what} уже скачано в {file}; было бы проверено"),
    "export.notice_posted": ("the notice for {span} was already posted",
                             "уведомление о выгрузке {span} уже отправлено"),
    "export.downloaded_before": ("{span} already downloaded to {file}",
                                 "{span} уже скачано в {file}"),
    "export.file_changed": ("{file} is missing or changed; downloading it again",
                            "файла {file} нет или он изменился; скачиваем заново"),
    "export.gone": ("Pachca no longer has export {id} of {span}; requesting it again",
                    "у Пачки больше нет выгрузки {id} за {span}; запрашиваем снова"),
    "export.other_span": (
        ("export {id} holds {held}, not {span}: it answered an earlier request; waiting for"
         " this chunk's own"),
        ("выгрузка {id} содержит {held}, а не {span}: это ответ на прошлый запрос; ждём"
         " выгрузку этой части"),
    ),
    "export.waiting": ("waiting for Pachca's webhook for {span}, requested by an earlier run",
                       "ждём вебхука Пачки для {span}, запрошенного прошлым запуском"),
    "export.requested": ("requested the export of {span}", "запрошена выгрузка {span}"),
    "export.downloaded": ("downloaded {span} to {file} ({size})", "скачано {span} в {file} ({size})"),
    # -- why an export stopped ------------------------------------------------------------
    "export.lost": ("could not export {span}: Pachca kept losing the export",
                    "не удалось выгрузить {span}: Пачка раз за разом теряла выгрузку"),
    "export.refused": ("Pachca refused the export of {span}: {detail}",
                       "Пачка отказала в выгрузке {span}: {detail}"),
    "export.owner_only": (
        ("Pachca refused the export of {span}: only the workspace owner may export; set"
         " PACHCA_EXPORT_TOKEN to the owner's token ({detail})"),
        ("Пачка отказала в выгрузке {span}: выгружать может только владелец пространства;"
         " укажите в PACHCA_EXPORT_TOKEN токен владельца ({detail})"),
    ),
    "export.cannot_write": ("cannot write {path}: {reason}", "нельзя записать {path}: {reason}"),
    "export.download_failed": (
        "could not download export {id} ({span}): {error}; the next run downloads it again",
        "не удалось скачать выгрузку {id} ({span}): {error}; следующий запуск скачает её снова",
    ),
    "export.no_server": (
        ("an export needs the runner's HTTP server to receive Pachca's webhook; run it with"
         " run-job or the daemon"),
        ("выгрузке нужен HTTP-сервер раннера, чтобы принять вебхук Пачки; запускайте её"
         " через run-job или демон"),
    ),
    "export.cannot_create": ("cannot create {path}: {reason}", "нельзя создать {path}: {reason}"),
    "export.name_not_plain": (
        "filename renders to '{name}', which is not a plain file name",
        "filename даёт '{name}' — это не простое имя файла",
    ),
    "export.same_names": (
        "filename '{filename}' gives several chunks the same name; put {{{{ start }}}} in it",
        "filename '{filename}' даёт нескольким частям одно имя; добавьте в него {{{{ start }}}}",
    ),
    # -- the export webhook's lines in the log -------------------------------------------------
    "hub.malformed": ("export webhook rejected: not a well-formed export-ready event",
                      "вебхук выгрузки отклонён: это не событие о готовой выгрузке"),
    "hub.disowned": ("export {id}: ready webhook of a disowned export ignored",
                     "выгрузка {id}: вебхук о готовности брошенной выгрузки пропущен"),
    "hub.duplicate": ("export {id}: duplicate ready webhook ignored",
                      "выгрузка {id}: повторный вебхук о готовности пропущен"),
    "hub.unmatched": ("export {id} is ready but no export request is pending; ignored",
                      "выгрузка {id} готова, но ни одна выгрузка не ожидается; пропущено"),
    "hub.kept": (("export {id} is ready while an archive is being checked; kept for the"
                  " request that asks next"),
                 ("выгрузка {id} готова, пока проверяется другой архив; сохранена для"
                  " следующего запроса")),
    "hub.ready": ("export {id} is ready: {job} {start}–{end}",
                  "выгрузка {id} готова: {job} {start}–{end}"),
}
