"""The bot side: events in (polling or signed push), button clicks, alerts, link previews.

Modules:
- ``dispatch``: one dispatcher by event type, shared by both intakes (claims each event
  in the state store, so nothing is handled twice);
- ``polling``: read, handle, then delete the bot's event history;
- ``push``: the signed outgoing-webhook endpoint on the runner's server;
- ``clicks``: a verified click goes to the kind that offers its action
  (``JobKind.button_actions``); «Повторить» on alerts is handled here;
- ``alerts``: failure alerts and recovery notes (an ``execute`` observer + ``on_missed``);
- ``unfurl``: link previews from ``unfurl:`` rules;
- ``admin``: ``bot set-webhook`` / ``bot status``;
- ``service``: assembles the above around the daemon and for ``bot poll``.
"""
