"""Bad command lines: one line on stderr that says what is wrong, exit status 2, and no file written
or overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_lite.cli import main

CASES = [
    (["graph", "x", "x=2", "x=3"], ("x is given twice", "'x=2' and 'x=3'")),
    (["graph", "x*y", "y=1", "x=2", "y=-1"], ("y is given twice",)),
    (["graph", "x", "x = 2", "x=3"], ("given twice",)),
    (["graph", "x", "x=nan"], ("must be finite",)),
    (["graph", "x", "x=inf"], ("must be finite",)),
    (["graph", "x", "x=1e999"], ("must be finite",)),
    (["graph", "x", "x="], ("'' is not a number",)),
    (["graph", "x", "=2"], ("name=number",)),
    (["graph", "x", "x:2"], ("name=number",)),
    (["graph", "x", "2x=1"], ("name=number",)),
    (["graph", "x", "x=1,5"], ("'1,5' is not a number",)),
    (["graph", "x", "--default", "nan"], ("--default", "finite")),
    (["graph", "x", "--default", "inf"], ("--default", "finite")),
    (["graph", "x", "y=1"], ("y not in the expression",)),
    (["graph", "sqrt(x)", "x=-4"], ("sqrt",)),
    (["graph", "x**0.5", "x=-1"], ("pow",)),
    (["graph", "1/x", "x=0"], ("division by zero",)),
    (["graph", "exp(x)", "x=1000"], ("exp",)),
    (["graph", "x", "-o", "g.jpg"], ("cannot write a graph as .jpg",)),
    (["graph", "x", "-o", "new/folder/g.txt"], ("cannot write a graph as .txt",)),
    (["graph", ""], ("not a valid expression",)),
    (["graph", "x ** ** 2"], ("not a valid expression",)),
    (["graph", "f(x)"], ("unknown function 'f'",)),
    (["graph", "x if x else 1"], ("is not allowed",)),
    (["graph", "'x'"], ("is not a number",)),
    (["graph", "log(x)", "x=0", "-o", "new/g.svg"], ("log of 0.0",)),
    (["bench", "nosuch"], ("no benchmark named nosuch",)),
    (["bench", "--dir", "no_such_dir"], ("no benchmarks folder",)),
]


@pytest.mark.parametrize("argv, words", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_command_line_is_one_line_and_writes_nothing(argv, words, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "graph.svg").write_text("an old picture")
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"autograd-lite {argv[0]}:"), err
    for w in words:
        assert w in err, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]
    assert (tmp_path / "graph.svg").read_text() == "an old picture"


ARGPARSE = [
    (["graph", "x", "--default", "abc"], "invalid float value: 'abc'"),
    (["graph"], "the following arguments are required: expr"),
    (["nosuchcommand"], "invalid choice"),
    (["graph", "x", "--nosuchoption"], "unrecognized arguments"),
    ([], "the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize("argv, words", ARGPARSE, ids=[" ".join(a) or "(none)" for a, _ in ARGPARSE])
def test_argparse_errors_say_what_is_wrong(argv, words, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert words in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
