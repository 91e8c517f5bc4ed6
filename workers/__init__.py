"""The Celery application of Communes+: queues, routes and periodic schedules."""
