"""Build hook for the C core: setuptools has no pyproject key for cffi's out-of-line modules."""

from setuptools import setup

setup(
    cffi_modules=[
        "doover_fsm/_core/_build_tagring.py:ffibuilder",
        "doover_fsm/_core/_build_timing.py:ffibuilder",
    ],
)
