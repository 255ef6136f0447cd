"""The app as gunicorn serves it in bench_dashboard, plus the trivial baseline endpoint."""

from services.web import create_app

app = create_app()


@app.get("/_bench/baseline")
def baseline():
    return "ok"
