"""The daemon's lines: one per start, run, skip, reload and stop.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- the daemon's lines (runner.logs.event: one per start, run, skip, reload, stop) ------
    "unit.seconds": ("{n} s", "{n} с"),
    "daemon.start": (
        "started: {jobs} job(s) scheduled, {disabled} disabled; next: {next}",
        "запущен: заданий в расписании — {jobs}, выключено — {disabled}; ближайшее: {next}",
    ),
    "daemon.next": ("{job} at {fire}", "{job} в {fire}"),
    "daemon.run": (
        "{job}: run {run_id} of {fire} {outcome} in {duration} ({counts})",
        "{job}: запуск {run_id} на {fire} — {outcome} за {duration} ({counts})",
    ),
    "daemon.run_failed": (
        "{job}: run {run_id} of {fire} failed after {duration}: {error}",
        "{job}: запуск {run_id} на {fire} — ошибка через {duration}: {error}",
    ),
    "daemon.unrecorded": (
        "{job}: the run of {fire} could not be recorded: {error}",
        "{job}: запуск на {fire} не удалось записать в историю: {error}",
    ),
    "daemon.skip": (
        "{job}: the fire of {fire} skipped: {reason}",
        "{job}: срабатывание {fire} пропущено: {reason}",
    ),
    "daemon.reason.overlap": ("the previous run is still going", "предыдущий запуск ещё идёт"),
    "daemon.reason.missed": (
        "missed by more than its grace time ({grace})",
        "опоздание больше допустимого ({grace})",
    ),
    "daemon.reason.merged": (
        "the scheduler woke late and merged it into the fire of {fire}",
        "планировщик опоздал и объединил его со срабатыванием {fire}",
    ),
    "daemon.reason.stopping": ("the runner is stopping", "раннер останавливается"),
    "daemon.reason.paused": (
        "the job is paused (by {by}{reason})", "задание приостановлено ({by}{reason})"),
    "cli.paused": ("{job}: paused; scheduled runs are skipped until `pachca-runner resume {job}`",
                   ("{job}: приостановлено; запуски по расписанию пропускаются до"
                    " `pachca-runner resume {job}`")),
    "cli.resumed": ("{job}: resumed; it runs on schedule again",
                    "{job}: возобновлено; снова запускается по расписанию"),
    "cli.not_paused": ("{job} was not paused", "{job} не было приостановлено"),
    "daemon.reload": (
        "catalogue reloaded: {jobs} job(s); {changes}",
        "каталог перечитан: заданий — {jobs}; {changes}",
    ),
    "daemon.change.added": ("added: {names}", "добавлены: {names}"),
    "daemon.change.removed": ("removed: {names}", "удалены: {names}"),
    "daemon.change.changed": ("changed: {names}", "изменены: {names}"),
    "daemon.change.section": ("section changed: {names}", "изменены разделы: {names}"),
    "daemon.change.none": ("nothing changed", "изменений нет"),
    "daemon.reload_refused": (
        "reload refused, the running catalogue stays: {error}",
        "каталог не перечитан, работает прежний: {error}",
    ),
    "daemon.stopping": (
        "stopping: no new runs will start; runs still going: {running}",
        "останавливаюсь: новые запуски не начнутся; ещё идут запусков — {running}",
    ),
    "daemon.stop": ("stopped: {runs} run(s) since start", "остановлен: запусков с начала — {runs}"),
    "daemon.maintenance_failed": (
        "maintenance failed, retried on the next beat: {error}",
        "обслуживание не удалось, повтор на следующем такте: {error}",
    ),
    # shown with -v only
    "daemon.disabled": ("{job}: disabled, not scheduled", "{job}: выключено, не в расписании"),
    "daemon.jitter": (
        "{job}: waiting {delay} of jitter before the run of {fire}",
        "{job}: случайная задержка {delay} перед запуском на {fire}",
    ),
    "daemon.firing": ("{job}: firing (scheduled {fire})", "{job}: срабатывание на {fire}"),
    "daemon.next_fire": ("{job}: next run {fire}", "{job}: следующий запуск {fire}"),
    "daemon.catchup": (
        "{job}: catching up the missed run of {fire}",
        "{job}: догоняю пропущенный запуск на {fire}",
    ),
    "outcome.succeeded": ("succeeded", "успешно"),
    "outcome.failed": ("failed", "ошибка"),
    "outcome.skipped": ("skipped", "пропущено"),
    "outcome.running": ("running", "идёт"),
    "outcome.abandoned": ("abandoned", "брошено"),
}
