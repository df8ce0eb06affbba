"""Benchmarks of pachca-runner against the embedded workspace (not part of the test run).

``python -m bench`` runs every scenario and writes ``bench/results.md`` and
``bench/results.json``; ``python -m bench --help`` lists the options. Layout:
``serve`` (the workspace in its own process), ``procs`` (processes, timing, peak RSS),
``floor`` (the least time the rate limits allow), ``scenarios`` (what each one seeds and
runs), ``sdk_baseline`` (the same work on the official ``pachca-sdk``), ``local``
(catalogue, scheduler and start-up timings), ``report`` (the results files).
"""
