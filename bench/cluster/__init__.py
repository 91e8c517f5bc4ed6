"""The scale-out harness: compose.yaml's deployment without Docker, on this machine.

- ``stack``: the processes (Redis master + replica + Sentinels, PostgreSQL's database, a Celery
  worker, web nodes each in its own process group and port, nginx with compose.yaml's proxy
  configuration) and the faults (SIGKILL a node, SIGTERM and restart it, a Sentinel failover).
- ``crowd``: the load process (no Django): viewers that connect through nginx and resume with
  ``last_seq`` like the live page, accounting every event they receive (missing, duplicates), the
  viewer count they are told, and how long each took to come back; and a chat writer.

Used by ``bench/cluster.py`` (2,000 viewers by default) and ``tests/test_cluster.py`` (a smaller run).
"""
