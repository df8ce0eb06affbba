"""The inactive-chat sweep behind the ``sweep`` kind (``runner/jobs/sweep.py``).

``params`` (the job's fields), ``decide`` (pure verdicts on one chat), ``scan`` (reads
Pachca and the state store, decides, touches nothing), ``act`` (the effects, each
bracketed in the state store so a crash never doubles one).
"""
