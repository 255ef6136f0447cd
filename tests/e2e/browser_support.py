"""Steps the dashboard's browser tests share."""

import dashboard_factory as factory


def sign_in(page, base: str, name: str, password: str = factory.PASSWORD) -> None:
    page.goto(f"{base}/dashboard/")
    page.fill("#f-name", name)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")
