"""Everything that talks to a wiki, through pywikibot.

pywikibot reads its configuration when it is first imported, so this package points it at
the operator's directory first (``PYWIKIBOT_DIR`` if set, else the one the local stack
generated under Convene's state directory).
"""

from bots.environment import prepare_pywikibot

prepare_pywikibot()
