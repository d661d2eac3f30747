"""The apps under here are Doover app repos with their own suites, run by ``doover-fsm test``
(tests/compat/test_own_apps.py) and by the pydoover oracles; the project's suite must not collect them."""

collect_ignore_glob = ["*"]
