"""pydoover's top-level package, answered by doover_fsm (see :mod:`doover_fsm.compat`).

Every module in this tree only re-exports doover_fsm objects under pydoover's names; the code
lives in doover_fsm proper, so there is one copy of each class.
"""

__title__ = "pydoover"
__version__ = "1.18.3+doover_fsm"
