"""Save a list of edits (JSON on stdin) as the account of this process's pywikibot config.

Used by the local stack and the tests to let ordinary users (Alice, Bob) write on the wiki,
signatures and all; prints the saved revision ids as a JSON list.
"""

import json
import sys

import pywikibot


def main() -> None:
    edits = json.load(sys.stdin)
    site = pywikibot.Site()
    site.login()
    revids = []
    for edit in edits:
        page = pywikibot.Page(site, edit["title"])
        if "append" in edit:
            page.text = (page.text.rstrip() + "\n\n" if page.exists() else "") + edit["append"]
        else:
            page.text = edit["text"]
        page.save(summary=edit.get("summary", "test edit"), minor=False, bot=False, quiet=True)
        revids.append(page.latest_revision_id)
    print(json.dumps(revids))


if __name__ == "__main__":
    main()
