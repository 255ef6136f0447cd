"""Make wiki API calls (a JSON list on stdin) as the account of this process's pywikibot config.

Run by ``extension_support.api_as`` in a child process, because pywikibot logs in one account
per process. A call with ``"token": "csrf"`` gets the account's CSRF token; prints the answers
(or ``{"error": {"code", "info"}}``) as one JSON list.
"""

import json
import sys

import pywikibot
from pywikibot.data import api
from pywikibot.exceptions import APIError


def main() -> None:
    calls = json.load(sys.stdin)
    site = pywikibot.Site()
    site.login()
    answers = []
    for params in calls:
        params = dict(params)
        if params.get("token") == "csrf":
            params["token"] = site.tokens["csrf"]
        post = params.pop("_post", "token" in params)
        try:
            answers.append(api.Request(site=site, parameters=params, use_get=not post).submit())
        except APIError as exc:
            answers.append(
                {
                    "error": {
                        "code": exc.code,
                        "info": exc.info,
                        **{
                            k: v
                            for k, v in exc.other.items()
                            if isinstance(v, (str, int, dict, list))
                        },
                    }
                }
            )
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
