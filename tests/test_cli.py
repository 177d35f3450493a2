"""The command line: each subcommand through main(argv), and the real program through a subprocess."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite import rules
from autograd_lite.cli import build_expression, main, parse_expression
from tests.conftest import require, require_dot

ROOT = Path(__file__).resolve().parents[1]
draw_mod = importlib.import_module("autograd_lite.draw")


def run(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "autograd_lite.cli", *argv], capture_output=True,
                          text=True, env=env, timeout=120)


# --- graph ---------------------------------------------------------------------------------------
def test_graph_writes_svg_with_gradients(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    require_dot()
    out = tmp_path / "xy.svg"
    assert main(["graph", "x*y + tanh(x)", "x=2", "y=-3", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "∂f/∂y = 2" in text and "∂f/∂x = -2.92935" in text
    assert f"graph written to {out.resolve()}" in text
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "grad 2" in svg


def test_graph_default_is_said(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main(["graph", "x*y", "x=3", "-o", str(tmp_path / "g.gv")]) == 0
    text = capsys.readouterr().out
    assert "y not given: using the default 1" in text
    assert "∂f/∂x = 1" in text and "∂f/∂y = 3" in text
    assert (tmp_path / "g.gv").read_text().startswith("digraph")


def test_graph_step_through_html_and_steps(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    out = tmp_path / "walk.html"
    assert main(["graph", "-x**2 + exp(x)/2", "x=0.5", "--steps", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "backward" in text and "∂f/∂x" in text
    page = out.read_text()
    assert "agl-next" in page and "<script>" in page


def test_graph_without_dot_writes_dot_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(draw_mod, "dot_available", lambda: False)
    assert main(["graph", "x*y", "-o", str(tmp_path / "g.svg")]) == 0
    text = capsys.readouterr().out
    assert "`dot` is not installed" in text and "apt-get install graphviz" in text
    assert (tmp_path / "g.gv").read_text().startswith("digraph")
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("expr, message", [
    ("__import__('os').system('touch PWNED')", "unknown function"),
    ("x.real", "Attribute is not allowed"),
    ("exp + 1", "exp is a function"),
    ("[x for x in y]", "is not allowed"),
    ("x @ y", "MatMult is not allowed"),
    ("'a' * 3", "'a' is not a number"),
    ("tanh(x, y)", "tanh takes exactly one argument"),
    ("x +", "not a valid expression"),
    ("(lambda: 1)()", "unknown function"),
    ("_x", "may not start with '_'"),
])
def test_graph_rejects_anything_but_arithmetic(expr: str, message: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["graph", expr]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "graph.svg").exists()


@pytest.mark.parametrize("argv, message", [
    (["graph", "log(x)", "x=-1"], "log of -1.0"),
    (["graph", "x/y", "y=0"], "division by zero"),
    (["graph", "x", "x=abc"], "'abc' is not a number"),
    (["graph", "x", "q=1"], "q not in the expression"),
    (["graph", "x", "x2"], "name=number"),
    (["graph", "x", "-o", "g.txt"], "cannot write a graph as .txt"),
])
def test_graph_bad_input_is_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture,
                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_expression_parts() -> None:
    tree, names = parse_expression("a*b + sigmoid(a) - relu(-c) ** 2")
    assert names == ["a", "b", "c"]
    f, leaves, defaulted = build_expression("x**2 * y", {"x": -2.0}, default=3.0)
    assert defaulted == ["y"] and f.data == 12.0
    f.backward()
    assert leaves["x"].grad == -12.0 and leaves["y"].grad == 4.0  # x ** 2 with x < 0 is fine


# --- gradcheck -----------------------------------------------------------------------------------
def test_gradcheck_covers_every_value_rule(capsys: pytest.CaptureFixture) -> None:
    assert main(["gradcheck"]) == 0
    text = capsys.readouterr().out
    for name, rule in rules.RULES.items():
        if rule.forward is not None:  # every entry with a forward on floats has its Value check
            assert f"Value {name}" in text or f"Value.{name}" in text, name
    assert "no built-in check" not in text  # and every entry on arrays its Tensor check
    assert "exercise sigmoid (reference)" in text
    assert "FAIL" not in text and "checks passed" in text


def test_gradcheck_fails_on_a_wrong_derivative(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(rules.TANH, "local", lambda x, out: (1.0 + out * out,))  # sign slip
    assert main(["gradcheck"]) == 1
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if line.startswith("Value.tanh "))
    assert row.rstrip().endswith("FAIL  wrong: x0") or "FAIL" in row
    assert "FAILED" in text


# --- bench ---------------------------------------------------------------------------------------
def test_bench_runs_scripts_with_arguments(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    (tmp_path / "fast.py").write_text('"""A fast one."""\nimport sys\nprint("ratio 1.0", sys.argv[1:])\n')
    (tmp_path / "broken.py").write_text('"""Fails."""\nraise SystemExit(3)\n')
    assert main(["bench", "--dir", str(tmp_path), "--list"]) == 0
    assert "fast: A fast one." in capfd.readouterr().out
    assert main(["bench", "fast", "--dir", str(tmp_path), "--", "--reps", "1"]) == 0
    assert "ratio 1.0 ['--reps', '1']" in capfd.readouterr().out
    assert main(["bench", "--dir", str(tmp_path)]) == 1
    assert main(["bench", "nope", "--dir", str(tmp_path)]) == 2
    assert "no benchmark named nope" in capfd.readouterr().err


def test_bench_lists_the_projects_benchmarks(capsys: pytest.CaptureFixture) -> None:
    assert main(["bench", "--list"]) == 0
    assert "scalar_vs_micrograd:" in capsys.readouterr().out


# --- demo and the program itself -----------------------------------------------------------------
def test_demo_neuron_only(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["demo", "-o", str(tmp_path), "--no-train"]) == 0
    text = capsys.readouterr().out
    assert "dz/dx1 = -1.500000" in text
    assert (tmp_path / "neuron.svg").exists() or (tmp_path / "neuron.gv").exists()


def test_demo_trains_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("nn")
    require("matplotlib")
    assert main(["demo", "-o", str(tmp_path), "-q"]) == 0
    text = capsys.readouterr().out
    assert "training accuracy 100.0%" in text or "training accuracy 9" in text
    png = tmp_path / "two_moons.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"written to {png.resolve()}" in text
    assert (tmp_path / "network_steps.html").exists()
    assert (tmp_path / "network.svg").exists() or (tmp_path / "network.gv").exists()


def test_demo_without_dot(tmp_path: Path, capsys: pytest.CaptureFixture,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nn")
    monkeypatch.setattr(draw_mod, "dot_available", lambda: False)
    assert main(["demo", "-o", str(tmp_path), "-q"]) == 0
    text = capsys.readouterr().out
    assert text.count("`dot` is not installed") == 2 and "apt-get install graphviz" in text
    assert (tmp_path / "neuron.gv").read_text().startswith("digraph")
    assert (tmp_path / "network.gv").exists() and (tmp_path / "two_moons.png").exists()


def test_program_help_and_errors() -> None:
    r = run("--help")
    assert r.returncode == 0 and "graph" in r.stdout and "gradcheck" in r.stdout and "bench" in r.stdout
    r = run("graph", "--help")
    assert r.returncode == 0 and "NAME=VALUE" in r.stdout
    r = run("graph", "x +")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == ["autograd-lite graph: not a valid expression: invalid syntax "
                                             "at column 3"] or len(r.stderr.strip().splitlines()) == 1
    r = run("nosuchcommand")
    assert r.returncode == 2 and "Traceback" not in r.stderr
