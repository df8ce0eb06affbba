"""The state store's, the runner's server's and the console accounts' errors.

id -> (English, Russian); placeholders are ``str.format`` fields, literal braces doubled.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- the state store (runner.state) ---------------------------------------------------
    "state.invalid_url": (
        "invalid state URL '{url}'",
        "адрес хранилища состояния '{url}' записан неверно",
    ),
    "state.unsupported_url": (
        "unsupported state URL '{url}': use sqlite:///FILE or postgresql://...",
        ("адрес хранилища состояния '{url}' не поддерживается: укажите sqlite:///ФАЙЛ"
        " или postgresql://..."),
    ),
    "state.bad_url": (
        "cannot use state URL '{url}': {error}",
        "не удаётся использовать адрес хранилища состояния '{url}': {error}",
    ),
    "state.unusable": (
        "cannot use state store '{url}': {error}",
        "не удаётся открыть хранилище состояния '{url}': {error}",
    ),
    "state.no_folder": (
        ("cannot use state store '{url}': there is no folder {folder} — create it, or set"
         " PACHCA_RUNNER_STATE_URL to a file in a folder that exists"),
        ("не удаётся открыть хранилище состояния '{url}': папки {folder} нет — создайте её"
         " или укажите в PACHCA_RUNNER_STATE_URL файл в существующей папке"),
    ),
    "state.error": ("state store error: {error}", "ошибка хранилища состояния: {error}"),
    "state.claim_lost": (
        "claim lost: run '{run}' (attempt {attempt}) is no longer held by replica '{replica}'",
        ("запуск '{run}' (попытка {attempt}) больше не закреплён за репликой '{replica}':"
        " его забрала другая"),
    ),
    "state.newer_schema": (
        ("the state store has schema version {found}, newer than this runner understands"
        " ({known}): upgrade pachca-runner"),
        ("версия схемы хранилища состояния — {found}, новее той, что знает этот раннер"
        " ({known}): обновите pachca-runner"),
    ),
    "state.bad_button_key": (
        ("the state store's button key (job_values row {owner}/{name}) is not {size} bytes"
         " in base64: delete that row to make a new one (buttons already posted then stop"
         " working)"),
        ("ключ кнопок в хранилище состояния (строка {owner}/{name} в job_values) — не {size}"
         " байт в base64: удалите эту строку, чтобы создать новый (уже отправленные кнопки"
         " тогда перестанут работать)"),
    ),
    "state.sqlite_shared": (
        ("SQLite state cannot be shared by several replicas: "
        "set PACHCA_RUNNER_STATE_URL to a PostgreSQL URL"),
        ("хранилище состояния в SQLite нельзя делить между несколькими репликами: "
        "укажите в PACHCA_RUNNER_STATE_URL адрес PostgreSQL"),
    ),
    "state.sqlite_held": (
        ("SQLite state cannot be shared by several replicas: "
        "set PACHCA_RUNNER_STATE_URL to a PostgreSQL URL"
        " (another `pachca-runner run` holds {path})"),
        ("хранилище состояния в SQLite нельзя делить между несколькими репликами: "
        "укажите в PACHCA_RUNNER_STATE_URL адрес PostgreSQL"
        " (файл {path} уже занят другим `pachca-runner run`)"),
    ),
    "state.lock_failed": (
        "cannot create the replica lock {path}: {reason}",
        "не удаётся создать файл блокировки реплики {path}: {reason}",
    ),
    # -- the runner's HTTP server (runner.server.core) --------------------------------------
    "server.not_started": (
        "the runner's HTTP server did not start on {url}",
        "HTTP-сервер раннера не запустился на {url}",
    ),
    "server.bad_host": (
        "server_host '{host}': {reason}",
        "server_host '{host}' не подходит: {reason}",
    ),
    "server.port_busy": (
        ("the runner's server cannot listen on {host}:{port} ({reason});"
        " set PACHCA_RUNNER_SERVER_PORT to a free port"),
        ("сервер раннера не может принимать запросы на {host}:{port} ({reason});"
        " укажите в PACHCA_RUNNER_SERVER_PORT свободный порт"),
    ),
    # -- the console's accounts (runner.web.auth) -------------------------------------------
    "console.draft_name": ("jobs.yaml (draft)", "jobs.yaml (черновик)"),
    "console.users_entry": (
        "PACHCA_RUNNER_CONSOLE_USERS entry '{name}'",
        "PACHCA_RUNNER_CONSOLE_USERS, запись '{name}'",
    ),
    "console.users_format": (
        "PACHCA_RUNNER_CONSOLE_USERS: '{start}…' is not name:role:hash",
        "PACHCA_RUNNER_CONSOLE_USERS: '{start}…' — нужно имя:роль:хеш",
    ),
    "console.users_role": (
        "{where}: role '{role}' is not one of {roles}",
        "{where}: роли '{role}' нет, есть только {roles}",
    ),
    "console.users_bcrypt": (
        ("{where}: a bcrypt hash needs the bcrypt package (pip install bcrypt),"
        " or use an argon2 hash from `pachca-runner hash-password`"),
        ("{where}: для хеша bcrypt нужен пакет bcrypt (pip install bcrypt),"
        " или возьмите хеш argon2 из `pachca-runner hash-password`"),
    ),
    "console.users_not_hash": (
        "{where}: not an argon2 or bcrypt hash; make one with `pachca-runner hash-password`",
        ("{where}: это не хеш argon2 или bcrypt; получите его командой"
        " `pachca-runner hash-password`"),
    ),
    "console.users_twice": ("{where}: the name is listed twice", "{where}: имя указано дважды"),
    "console.password_and_admin": (
        ("PACHCA_RUNNER_CONSOLE_PASSWORD is the password of 'admin', who is also in"
        " PACHCA_RUNNER_CONSOLE_USERS: keep one of them"),
        ("PACHCA_RUNNER_CONSOLE_PASSWORD — пароль пользователя 'admin', который есть и в"
        " PACHCA_RUNNER_CONSOLE_USERS: оставьте что-то одно"),
    ),
}
