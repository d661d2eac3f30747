"""Bad input on the command line ends in one clear error naming what and where, never a traceback.

Each case runs the real ``doover-fsm`` (or ``python app.py``) in a subprocess, as a user would.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from doover_fsm._util.textfile import InputError, load_json_file, loads_json, read_utf8
from doover_fsm._util.usererrors import EXIT_BROKEN_PIPE, describe, exit_on_user_error, run_guarded
from doover_fsm.errors import BoardError

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "doover_fsm.cli"]
DEEP = "[" * 1000 + "]" * 1000


def run(args: list[str], tmp_path: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOOVER_FSM_DATA_DIR": str(tmp_path / "data"), "DOOVER_VIRTUAL_DIR": str(tmp_path / "v"),
           "PYTHONPATH": str(REPO)}
    env.pop("DOOVER_BOARD", None)
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO, timeout=60, **kw)  # type: ignore[call-overload]


def one_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 1, no traceback, and an ``error:`` line holding every fragment."""
    err = proc.stderr
    assert proc.returncode == 1, (proc.returncode, proc.stdout, err)
    assert "Traceback" not in err and "importlib" not in err, err
    line = next((ln for ln in err.splitlines() if "error:" in ln), "")
    for f in fragments:
        assert f in line, (f, err)
    return err


# --- JSON nested ~1000 levels -------------------------------------------------------------------
@pytest.mark.parametrize("action", ["post", "patch"])
def test_deep_json_on_a_channel_is_one_error(action: str, tmp_path: Path) -> None:
    proc = run([*CLI, "channel", action, "events", DEEP], tmp_path)
    one_error(proc, "channel 'events'", "line 1 column 129", "nested too deeply (more than 128 levels)")


def test_deep_json_config_file_is_one_error(tmp_path: Path) -> None:
    cfg = tmp_path / "deep.json"
    cfg.write_text('{"a": ' + DEEP + "}")
    proc = run([*CLI, "run", "examples.hello:MyApp", "--config", str(cfg), "--duration", "1"], tmp_path)
    one_error(proc, f"config file '{cfg}'", "line 1 column 134", "nested too deeply (more than 128 levels)")


# --- not UTF-8 ----------------------------------------------------------------------------------
def test_config_file_not_utf8_names_file_and_position(tmp_path: Path) -> None:
    cfg = tmp_path / "latin1.json"
    cfg.write_bytes(b'{\n  "site": "M\xfcnchen"\n}\n')
    proc = run([*CLI, "run", "examples.hello:MyApp", "--config", str(cfg), "--duration", "1"], tmp_path)
    one_error(proc, f"config file '{cfg}' is not UTF-8 text (byte 14")  # file and byte position


def test_board_file_not_utf8_names_file_and_position(tmp_path: Path) -> None:
    board = tmp_path / "b.toml"
    board.write_bytes(b'[board]\nname = "b"\ndescription = "caf\xe9"\n')
    proc = run([*CLI, "board", "check", str(board)], tmp_path)
    one_error(proc, f"board file '{board}'", "byte 0xe9 at line 3, column 19")


def test_channel_argument_not_utf8_names_the_byte(tmp_path: Path) -> None:
    proc = run([*CLI, "channel", "post", "events", os.fsdecode(b'{"v": "\xff"}')], tmp_path)
    one_error(proc, "channel 'events'", "not UTF-8", "byte 0xff at line 1, column 8")


# --- app files that do not import ---------------------------------------------------------------
def test_app_with_a_syntax_error_is_file_line_and_message(tmp_path: Path) -> None:
    app = tmp_path / "broken_app.py"
    app.write_text("from doover_fsm.docker import Application\n\nclass App(Application:\n    pass\n")
    proc = run([*CLI, "run", f"{app}:App", "--duration", "1"], tmp_path)
    err = one_error(proc, f"{app}, line 3", "SyntaxError")
    assert len(err.strip().splitlines()) <= 3, err  # the message, the code line, the caret


def test_script_with_a_syntax_error_is_file_line_and_message(tmp_path: Path) -> None:
    app = tmp_path / "broken_script.py"  # `doover-fsm run FILE.py`, run as __main__
    app.write_text("x = (1,\n")
    proc = run([*CLI, "run", str(app), "--duration", "1"], tmp_path)
    err = one_error(proc, f"{app}, line 1", "SyntaxError", "was never closed")
    assert len(err.strip().splitlines()) <= 3, err


def test_app_failing_at_import_names_its_line(tmp_path: Path) -> None:
    app = tmp_path / "boom_app.py"
    app.write_text("x = 1\ny = undefined_name + x\n")
    proc = run([*CLI, "run", f"{app}:App", "--duration", "1"], tmp_path)
    one_error(proc, f"{app}:2", "NameError", "undefined_name")


# --- output into a closed pipe (doover-fsm ... | head) -------------------------------------------
def _closed_reader(args: list[str], tmp_path: Path) -> tuple[int, str]:
    env = {**os.environ, "DOOVER_FSM_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first write, as with `| head -0`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return proc.wait(timeout=60), err


@pytest.mark.parametrize("args", [["board", "list"], ["board", "show", "rpi5"]])
def test_closed_pipe_is_quiet(args: list[str], tmp_path: Path) -> None:
    rc, err = _closed_reader([*CLI, *args], tmp_path)
    assert "BrokenPipeError" not in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert rc in (0, EXIT_BROKEN_PIPE)


# --- python app.py --board nope -------------------------------------------------------------------
def test_python_app_with_unknown_board_is_one_error(tmp_path: Path) -> None:
    proc = run([sys.executable, "examples/hello.py", "--board", "nope"], tmp_path)
    one_error(proc, "unknown board 'nope'", "known boards: ", "virtual")


# --- the helpers, in process ----------------------------------------------------------------------
def test_loads_json_limits_depth_refuses_nan_and_names_positions() -> None:
    nested: list[object] = []
    for _ in range(127):
        nested = [nested]
    assert loads_json("[" * 128 + "]" * 128, source="s") == nested  # exactly the limit is accepted
    with pytest.raises(InputError, match=r"^s, line 2 column 3: JSON nested too deeply \(more than 2 levels\)$"):
        loads_json('[\n [[1]]]', source="s", max_depth=2)
    assert loads_json('["[[[[", "\\"]]]"]', source="s", max_depth=1) == ["[[[[", '"]]]']  # brackets in strings
    with pytest.raises(InputError, match=r"^s: NaN is not valid JSON"):
        loads_json('{"a": NaN}', source="s")
    with pytest.raises(InputError, match=r"^s, line 1 column 7: not valid JSON: Expecting value$"):
        loads_json('{"a": }', source="s")
    with pytest.raises(BoardError, match=r"^s: not UTF-8 text: byte 0xff at line 2, column 1 \(byte offset 2\)"):
        loads_json(b"1\n\xff", source="s", error=BoardError)


def test_read_utf8_and_load_json_file_name_the_file(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    with pytest.raises(InputError, match=r"cannot read"):
        read_utf8(p, what="config file")
    p.write_bytes('{"k": "é"}'.encode())
    assert load_json_file(p) == {"k": "é"}
    p.write_bytes(b'{"k": "\xc3"}')
    with pytest.raises(InputError, match=rf"^JSON file '{p}': not UTF-8 text: byte 0xc3 at line 1, column 8"):
        load_json_file(p)


def test_describe_syntax_error_and_bare_errors() -> None:
    try:
        compile("x = (1,\n", "app.py", "exec")
    except SyntaxError as exc:
        text = describe(exc)
    assert text.startswith("app.py, line 1: SyntaxError: '(' was never closed")
    try:
        int("x")
    except ValueError as exc:
        text = describe(exc)
    assert text.startswith("ValueError: invalid literal for int() with base 10: 'x' (raised at ")


def test_run_guarded_and_exit_on_user_error(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def bad() -> int:
        raise BoardError("b.toml:3: [board].name: must not be empty")

    assert run_guarded("doover-fsm board", bad) == 1
    assert capsys.readouterr().err == "doover-fsm board: error: b.toml:3: [board].name: must not be empty\n"

    def pipe() -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", io.StringIO())  # no real fd to point at /dev/null
    assert run_guarded("doover-fsm", pipe) == EXIT_BROKEN_PIPE
    monkeypatch.undo()
    with pytest.raises(SystemExit) as info, exit_on_user_error("app.py"):
        raise BoardError("board chosen by --board: unknown board 'nope'; known boards: sim, virtual")
    assert info.value.code == 1
    assert capsys.readouterr().err == ("app.py: error: board chosen by --board: unknown board 'nope'; "
                                       "known boards: sim, virtual\n")
    with pytest.raises(KeyError), exit_on_user_error("app.py"):  # a bug keeps its traceback
        raise KeyError("x")




# --- arguments that used to be taken in or to overflow --------------------------------------------
@pytest.mark.parametrize(("args", "fragment"), [
    (["io", "set", "ai", "0", "nan"], "AI value must be a finite number, got 'nan'"),
    (["io", "set", "ai", "0", "1e999"], "AI value must be a finite number, got '1e999'"),
    (["channel", "show", "x", "--messages", "99999999999999999999"], "argument --messages: must be 0..100000"),
    (["channel", "show", "x", "--messages", "-1"], "argument --messages: must be 0..100000"),
])
def test_out_of_range_arguments_are_refused(args: list[str], fragment: str, tmp_path: Path) -> None:
    proc = run([*CLI, *args], tmp_path)
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr, proc.stderr
    assert fragment in proc.stderr, proc.stderr
