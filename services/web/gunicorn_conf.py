"""gunicorn's settings for Convene's web app: ``gunicorn -c python:services.web.gunicorn_conf``.

The app is loaded and warmed (``services.web.warmup``) once, in gunicorn's master, before
it forks the workers: each starts with the queue indexes and compiled templates made,
instead of making its own while it serves its first requests.
"""

import gc

preload_app = True


def when_ready(server) -> None:
    from services.web.warmup import warm_up

    done = warm_up(server.app.wsgi())
    # What the master made lives as long as the workers do. Frozen, the cycle collector
    # never walks it again: a full collection in a worker would otherwise walk the whole
    # index (hundreds of thousands of objects, a few hundred milliseconds) and, by touching
    # it, copy every page of it the fork shares (the advice for preforking servers).
    gc.freeze()
    server.log.info("web app warmed up: %s; %d objects frozen", done, gc.get_freeze_count())


def post_fork(server, worker) -> None:
    # The pool of the master's engine is not the worker's to use (SQLAlchemy's advice for
    # forked processes): the worker opens connections of its own.
    from services.web import get_db

    get_db(server.app.wsgi()).engine.dispose(close=False)
