"""Element names: derived from display names, checked against the site's key rules."""

from __future__ import annotations

import re

#: What an element name may contain (pydoover checks this when an element is made).
VALID_NAME_RE = re.compile(r"^[0-9a-zA-Z_]+$")
#: What a container accepts as a child's key (also ``-``).
CHILD_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]+$")


def sanitize_display_name(name: str) -> str:
    """``"Flow Rate (L/s)"`` → ``"flow_rate_ls"``: spaces to ``_``, other non-word characters dropped."""
    return re.sub(r"[^0-9a-zA-Z_]", "", name.replace(" ", "_")).lower()
