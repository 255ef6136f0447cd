"""gunicorn's settings for Convene's web app: ``gunicorn -c python:services.web.gunicorn_conf``.

The app is loaded and warmed (``services.web.warmup``) once, in gunicorn's master, before
it forks the workers: each starts with the queue indexes and compiled templates made,
instead of making its own while it serves its first requests.
"""

preload_app = True


def when_ready(server) -> None:
    from services.web.warmup import warm_up

    server.log.info("web app warmed up: %s", warm_up(server.app.wsgi()))


def post_fork(server, worker) -> None:
    # The pool of the master's engine is not the worker's to use (SQLAlchemy's advice for
    # forked processes): the worker opens connections of its own.
    from services.web import get_db

    get_db(server.app.wsgi()).engine.dispose(close=False)
