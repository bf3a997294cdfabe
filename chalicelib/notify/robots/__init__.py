"""A unit's group robot (DESIGN.md, Channels): the weekly notice it is posted
(`notice.py`) and how the providers' answers are read (`answers.py`). Pure; the posting
itself is chalicelib/channels/robots.py."""
