"""Everything that talks to a wiki, through pywikibot."""
