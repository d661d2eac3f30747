"""The pydoover 0.4 UI generation: ``(name, display_name)`` elements, their JSON and methods.

Made by ``ui.Action(...)`` and the other 0.4-only names, and by a ``(name, display_name)`` call of
a class both generations have (see :mod:`doover_fsm.ui.calls`). Each 0.4 class subclasses its 1.x
counterpart, so ``isinstance(x, ui.NumericVariable)`` holds for both.
"""
