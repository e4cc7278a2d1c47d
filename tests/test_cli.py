"""The `python -m core probe` contract: exact header, strict JSON, exit 2 with one line."""

import io
import json
import math
import subprocess
import sys

import pandas as pd
import pytest

from core.cli import main
from core.probe import gradient_through_time


def _run(*args):
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, check=False)


def test_csv_header_is_exact_and_values_match_the_library():
    proc = _run(
        "probe",
        "--model",
        "rnn",
        "--seq-len",
        "50",
        "--weight-scale",
        "1.5",
        "--hidden-size",
        "16",
        "--nonlinearity",
        "linear",
        "--init",
        "orthogonal",
        "--seed",
        "3",
        "--format",
        "csv",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "position,distance,grad_norm,log10_grad_norm"
    table = pd.read_csv(io.StringIO(proc.stdout))
    expected = gradient_through_time(seq_len=50, weight_scale=1.5, hidden_size=16, nonlinearity="linear", seed=3)
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=1e-15)
    assert table["log10_grad_norm"].iloc[0] == pytest.approx(49 * math.log10(1.5), abs=1e-9)


def test_json_is_strict_and_writes_overflow_as_null(capsys):
    assert (
        main(["probe", "--seq-len", "2000", "--weight-scale", "2", "--nonlinearity", "linear", "--format", "json"]) == 0
    )
    records = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert len(records) == 2000 and set(records[0]) == {"position", "distance", "grad_norm", "log10_grad_norm"}
    assert records[0]["grad_norm"] is None and records[0]["log10_grad_norm"] == pytest.approx(1999 * math.log10(2))
    assert records[-1] == {
        "position": 1999,
        "distance": 0,
        "grad_norm": pytest.approx(1.0),
        "log10_grad_norm": pytest.approx(0.0, abs=1e-12),
    }


def test_csv_marks_no_path_as_minus_inf(capsys):
    assert main(["probe", "--seq-len", "10", "--window", "4"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert (table.loc[table["distance"] >= 4, "log10_grad_norm"] == -math.inf).all()
    assert (table.loc[table["distance"] >= 4, "grad_norm"] == 0).all()


@pytest.mark.parametrize(
    "args,flag",
    [
        (["--seq-len", "abc"], "--seq-len"),
        (["--seq-len", "1"], "--seq-len"),
        (["--seq-len", "100001"], "--seq-len"),
        (["--weight-scale", "nan"], "--weight-scale"),
        (["--weight-scale", "-1"], "--weight-scale"),
        (["--hidden-size", "0"], "--hidden-size"),
        (["--nonlinearity", "sigmoid"], "--nonlinearity"),
        (["--init", "xavier"], "--init"),
        (["--model", "gpt5"], "--model"),
        (["--format", "xml"], "--format"),
        (["--input-scale", "1e309"], "--input-scale"),
        (["--window", "-1"], "--window"),
        (["--seq-len", "100000", "--hidden-size", "1024"], "cap"),
    ],
)
def test_bad_argument_exits_2_with_one_clear_line(args, flag, capsys):
    with pytest.raises(SystemExit) as exc:
        code = main(["probe", *args])
        raise SystemExit(code)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and flag in err and "error" in err


def test_bad_argument_from_the_shell_is_one_line():
    proc = _run("probe", "--seq-len", "-5")
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "--seq-len" in proc.stderr


@pytest.mark.parametrize(
    "model,extra",
    [("lstm", ["--forget-bias", "5"]), ("gru", ["--update-bias", "2"]), ("birnn", ["--nonlinearity", "relu"])],
)
def test_remedy_models_from_the_command_line(model, extra, capsys):
    assert main(["probe", "--model", model, "--seq-len", "40", "--window", "10", *extra]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table.columns) == ["position", "distance", "grad_norm", "log10_grad_norm"] and len(table) == 40


@pytest.mark.parametrize(
    "args",
    [
        ["--model", "rnn", "--forget-bias", "1"],
        ["--model", "lstm", "--init", "gaussian"],
        ["--model", "gru", "--nonlinearity", "relu"],
        ["--model", "lstm", "--forget-bias", "nan"],
    ],
)
def test_an_option_the_model_lacks_exits_2(args, capsys):
    assert main(["probe", *args]) == 2
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1


def test_a_reader_that_stops_early_gets_no_traceback():
    """`python -m core probe ... | head -2`: the closed pipe ends the command quietly (#20)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "probe", "--seq-len", "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = [proc.stdout.readline() for _ in range(2)]
    proc.stdout.close()  # what `head` does after its lines
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert lines[0].startswith("position,distance") and lines[1].startswith("0,19999,")
    assert stderr == "" and proc.returncode in (0, 1)


@pytest.mark.parametrize("width", ["100000", "0", "2000"])
def test_a_width_outside_the_range_is_refused_with_the_range(width):
    proc = _run("probe", "--hidden-size", width)
    assert proc.returncode == 2 and "--hidden-size must be a whole number from 1 to 1024" in proc.stderr
