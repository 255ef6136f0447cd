"""Messages the bots write on the wiki (edit summaries), one JSON file per language."""
