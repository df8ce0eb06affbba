"""The operators' console: web pages on the runner's own server (``/console``).

Off unless ``PACHCA_RUNNER_CONSOLE`` is set. Server-rendered with Jinja2 (autoescaped),
no JavaScript build. Modules: ``app`` (routes, who may see what), ``views`` (what each
page shows, secrets hidden), ``texts`` (the pages' words in Russian and English).
"""

from runner.web.app import PREFIX, console_app

__all__ = ["PREFIX", "console_app"]
