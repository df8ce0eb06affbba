"""What `diff` and a sweep's `plan` say: jobs added, removed and changed, and what a
sweep would do to each chat and why.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- diff --------------------------------------------------------------------------
    "diff.same": (
        "No differences: both catalogues schedule the same jobs the same way.",
        "Различий нет: оба каталога запускают одни и те же задания одинаково.",
    ),
    "diff.added": ("Jobs added:", "Добавлены задания:"),
    "diff.added_job": ("  + {job} ({kind}): {schedule}; next runs {times}",
                       "  + {job} ({kind}): {schedule}; ближайшие запуски: {times}"),
    "diff.removed": ("Jobs removed:", "Удалены задания:"),
    "diff.changed": ("Jobs changed:", "Изменены задания:"),
    "diff.before": ("      next runs before: {times}", "      ближайшие запуски было:  {times}"),
    "diff.after": ("      next runs after:  {times}", "      ближайшие запуски стало: {times}"),
    "diff.section": ("Section {section} changed: {old} -> {new}",
                     "Изменён раздел {section}: {old} -> {new}"),
    "diff.unchanged": ("Unchanged: {names}", "Без изменений: {names}"),
    "diff.none_disabled": ("none (disabled)", "нет (выключено)"),
    "diff.every": ("every {duration}", "каждые {duration}"),
    "diff.affected": ("chats it would warn or archive now: {old} -> {new} ({parts})",
                      ("чаты, которые сейчас были бы предупреждены или заархивированы:"
                      " {old} -> {new} ({parts})")),
    "diff.more": (", and {n} more", " и ещё {n}"),
    "diff.no_token": (
        "cannot count the chats it would affect: PACHCA_TOKEN is not set",
        "не посчитать чаты, которые это затронет: не задан PACHCA_TOKEN",
    ),
    "diff.cannot_count": ("cannot count the chats it would affect: {error}",
                          "не посчитать чаты, которые это затронет: {error}"),
    # -- a sweep's plan ------------------------------------------------------------------
    "plan.head": (
        "Plan for {job} as of {when}: {scanned} group chats scanned; {counts}.",
        "План для {job} на {when}: просмотрено групповых чатов: {scanned}; {counts}.",
    ),
    "plan.rest": ("Chats not listed are active: nothing to do.",
                  "Остальные чаты активны: делать ничего не нужно."),
    "plan.abort": ("A run now would stop and change nothing: {why}",
                   "Запуск сейчас остановился бы и ничего не изменил: {why}"),
    "verb.warn": ("warn", "предупредить"),
    "verb.archive": ("archive", "архивировать"),
    "verb.later": ("later", "позже"),
    "verb.wait": ("wait", "ждать"),
    "verb.skip": ("skip", "пропустить"),
    "plan.later_note": ("over max_archive_per_run: left for the next run",
                        "сверх max_archive_per_run: оставлено до следующего запуска"),
    "plan.now": ("now {verb}: {note}", "теперь «{verb}»: {note}"),
    "plan.unseen": ("no longer visible to the token", "токену больше не виден"),
    "plan.archived": ("already archived", "уже в архиве"),
    "plan.message_arrived": ("a message arrived (last message {when})",
                             "пришло сообщение (последнее — {when})"),
    "plan.not_due": ("no longer due", "уже не требует действий"),
    "plan.members_changed": ("membership changed ({then} members then, {now} now)",
                             "состав изменился (тогда участников — {then}, теперь — {now})"),
    "plan.cannot_write": ("cannot write the plan: {reason}",
                          "не удаётся записать план, система сообщает: «{reason}»"),
    "plan.cannot_read": ("cannot read the plan: {reason}",
                         "не удаётся прочитать план, система сообщает: «{reason}»"),
    "plan.not_json": ("not a plan file (not JSON)", "это не файл плана (не JSON)"),
    "plan.not_plan": ("not a plan file; make one with `pachca-runner plan NAME --out FILE`",
                      "это не файл плана; сделайте его: `pachca-runner plan NAME --out FILE`"),
    "plan.version": ("plan format version {got} is not {want}; make the plan again",
                     "версия формата плана {got}, а нужна {want}; составьте план заново"),
    "plan.damaged": ("the plan file is damaged ({detail}); make it again",
                     "файл плана повреждён («{detail}»); составьте его заново"),
    "plan.not_sweep_run": ("--plan applies sweep plans; '{job}' is a {kind} job",
                           "--plan выполняет планы уборки, а '{job}' — задание вида {kind}"),
    "plan.other_job": ("the plan is for job '{plan}', not '{job}'",
                       "план составлен для задания '{plan}', а не '{job}'"),
    "plan.not_sweep": (
        ("'{job}' is a {kind} job: plans are made for sweep jobs (see what it would do with"
         " `run-job {job} --dry-run`)"),
        ("'{job}' — задание вида {kind}: планы составляются для уборки (что оно сделает,"
         " покажет `run-job {job} --dry-run`)"),
    ),
    # -- why, for each chat --------------------------------------------------------------
    "why.quiet": ("no messages for {days} days", "сообщений нет уже {days} дн."),
    "why.new": ("created {days} days ago", "создан {days} дн. назад"),
    "why.active": ("last message {days} days ago", "последнее сообщение {days} дн. назад"),
    "why.thread": ("active in a thread: last comment {days} days ago",
                   "активен в треде: последний комментарий {days} дн. назад"),
    "why.kept": ("kept until {date}", "оставлен до {date}"),
    "why.unarchived_by_someone": (
        "unarchived by someone after the sweep archived it",
        "кто-то вернул его из архива после уборки",
    ),
    "why.unarchived_on": ("unarchived on {date}", "возвращён из архива {date}"),
    "why.excluded_by": ("excluded {how}", "исключён {how}"),
    "why.by_id": ("by id", "по id"),
    "why.by_name": ("by name", "по названию"),
    "why.by_tag": ("by group tag", "по тегу группы"),
    "why.fewer": ("{n} members, fewer than min_members", "участников {n}, меньше min_members"),
    "why.more": ("{n} members, more than max_members", "участников {n}, больше max_members"),
    "why.keep_ended": ("kept after the warning; the keep has ended",
                       "оставлен после предупреждения; срок истёк"),
    "why.requested": ("archive requested", "архивация запрошена"),
    "why.requested_by": ("archive requested by user {user}",
                         "архивацию запросил пользователь {user}"),
    "why.wrote_after": ("someone wrote on {date} after the warning",
                        "кто-то написал {date} после предупреждения"),
    "why.wrote_thread_after": ("someone wrote in a thread on {date} after the warning",
                               "кто-то написал в треде {date} после предупреждения"),
    "why.quiet_after": ("quiet for {days} days after the warning",
                        "тишина {days} дн. после предупреждения"),
    "why.due": ("warned on {warned}, archive due on {due}",
                "предупреждён {warned}, архивация {due}"),
    "why.gone": ("no longer visible to the token", "токену больше не виден"),
    "why.archived_interrupted": ("archived by an interrupted run",
                                 "заархивирован прерванным запуском"),
    "why.archived_by_someone": ("archived by someone after the warning",
                                "кто-то заархивировал его после предупреждения"),
    "why.wrote_thread": ("someone wrote in a thread on {date}", "кто-то написал в треде {date}"),
    "why.closing_interrupted": ("archive interrupted after its closing message",
                                "архивация прервана после прощального сообщения"),
    "why.wrote": ("someone wrote on {date}", "кто-то написал {date}"),
    # -- a sweep run's lines -------------------------------------------------------------
    "sweep.would_warn": ("would warn «{name}»: {note}", "было бы предупреждение «{name}»: {note}"),
    "sweep.would_archive": ("would archive «{name}»: {note}",
                            "был бы заархивирован «{name}»: {note}"),
    "sweep.waiting": ("waiting «{name}»: {note}", "ждёт «{name}»: {note}"),
    "sweep.skipped": ("skipped «{name}»: {note}", "пропущен «{name}»: {note}"),
    "sweep.more_skipped": ("... and {n} more skipped chats", "... и ещё пропущено чатов: {n}"),
    "sweep.warned": ("warned «{name}»: {note}", "предупреждён «{name}»: {note}"),
    "sweep.archived": ("archived «{name}»: {note}", "заархивирован «{name}»: {note}"),
    "sweep.applying_approved": ("applying the plan {by} approved in the console",
                                "выполняется план, одобренный {by} на пульте"),
    "sweep.unapproved": (
        ("require_approval: no approved plan, so nothing is changed; approve the plan in the"
         " console's Sweep plans page"),
        ("require_approval: одобренного плана нет, поэтому ничего не меняется; одобрите план"
         " на странице «Планы уборки» на пульте"),
    ),
    "sweep.later": (
        "{n} more chats wait for later runs (max_archive_per_run reached)",
        "ещё чатов ждут следующих запусков: {n} (достигнут max_archive_per_run)",
    ),
    "sweep.would_later": (
        "{n} more chats would wait for later runs (max_archive_per_run reached)",
        "ещё чатов ждали бы следующих запусков: {n} (достигнут max_archive_per_run)",
    ),
    "sweep.adopted_warning": (
        "recorded the warning in «{name}» posted by an interrupted run",
        "учтено предупреждение в «{name}», отправленное прерванным запуском",
    ),
    "sweep.adopted_archive": (
        "recorded «{name}» as archived by an interrupted run",
        "учтено, что «{name}» заархивирован прерванным запуском",
    ),
    "sweep.plan_fields_changed": (
        ("the job's fields changed since the plan: each planned chat is checked under the"
         " current fields"),
        ("поля задания изменились после плана: каждый чат из плана проверяется по текущим"
         " полям"),
    ),
    "sweep.changed_since": ("skipped «{name}»: changed since the plan: {why}",
                            "пропущен «{name}»: изменился после плана: {why}"),
    "sweep.not_planned": (
        "{n} more chats are due but not in the plan: left for the next run",
        "ещё чатов пора обработать, но их нет в плане: {n}; оставлены до следующего запуска",
    ),
    "sweep.applying_plan": (
        "applying the plan made {when}: {n} of {total} planned chats unchanged",
        "выполняется план от {when}: не изменились {n} из {total} чатов плана",
    ),
    "sweep.over_limit": (
        ("{acting} of {scanned} scanned chats ({share}) would be warned or archived, more than"
         " max_fraction {limit}"),
        ("предупреждены или заархивированы были бы {acting} из {scanned} просмотренных чатов"
         " ({share}), больше max_fraction {limit}"),
    ),
    "sweep.aborted": (
        ("sweep aborted, nothing changed: {why}; check the rules, then raise max_fraction if"
         " this is intended"),
        ("уборка остановлена, ничего не изменено: {why}; проверьте правила и, если так и"
         " задумано, увеличьте max_fraction"),
    ),
    "sweep.closing": ("«{name}» (closing)", "«{name}» (прощальное сообщение)"),
    "sweep.could_not": ("could not {verb} «{name}» ({id}): {error}",
                        "не удалось {verb} «{name}» ({id}): {error}"),
    "sweep.unrecorded": (
        ("the chats archived before the error could not be recorded ({error}); the next run"
         " finds them archived and records them"),
        ("не удалось записать чаты, архивированные до ошибки ({error}); следующий запуск"
         " найдёт их в архиве и запишет"),
    ),
    # -- why a sweep or an activity check stopped --------------------------------------------
    "sweep.no_threads": (
        "sweep: the token may not list threads ({error}); give it the threads:read scope",
        "sweep: токену нельзя читать треды ({error}); дайте ему право threads:read",
    ),
    "sweep.no_key": ("sweep: no key to sign buttons", "sweep: нет ключа для подписи кнопок"),
    "activity.no_threads": (
        ("the token may not list threads ({error}): give it the threads:read scope, or set"
         " include_threads: false"),
        ("токену нельзя читать треды ({error}): дайте ему право threads:read или укажите"
         " include_threads: false"),
    ),
}
