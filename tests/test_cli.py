"""The command line: a run from flags (their help and defaults read from the configs), errors that name the
field, the cache command, and an interrupted run that writes nothing."""

from __future__ import annotations

import dataclasses
import signal

import pytest

from cooccur import cli
from cooccur.data import DataConfig
from cooccur.flow import SimConfig
from cooccur.model import ModelConfig
from cooccur.trajectory import Trajectory

SMALL = ["simulate", "--n", "12", "--L", "4", "--d", "16", "--m", "8", "--m1", "8", "--T", "2", "--method", "gram",
         "--no-progress"]


def test_every_flag_is_a_config_field_with_its_default_in_the_help():
    text = cli.build_parser()._subparsers._group_actions[0].choices["simulate"].format_help()
    sections = {"data": DataConfig, "model": ModelConfig, "sim": SimConfig}
    for flag, (section, name, _) in cli.FLAGS.items():
        field = next(f for f in dataclasses.fields(sections[section]) if f.name == name)
        kind, help_text = cli._flag_type_and_help(section, name, "x")
        if field.default is not None:
            assert help_text.endswith(f"{field.default:g})" if kind is float else f"{field.default})")
        assert flag in text
    assert "neurons of the linear MLP (default 256)" in " ".join(text.split())


def test_a_run_from_flags_writes_its_trajectory_and_figure(tmp_path, capsys):
    out, png = tmp_path / "run.npz", tmp_path / "run.png"
    assert cli.main([*SMALL, "--out", str(out), "--figure", str(png)]) == 0
    traj = Trajectory.load(out)
    assert traj.meta["experiment"]["data"]["n"] == 12 and traj.meta["experiment"]["model"]["m1"] == 8
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {out}" in capsys.readouterr().out


def test_a_bad_value_is_refused_naming_the_field(tmp_path, capsys):
    assert cli.main([*SMALL, "--L", "2", "--out", str(tmp_path / "x.npz")]) == 2
    assert "error: L must be an integer >= 3, got 2" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()
    config = tmp_path / "c.json"
    config.write_text("[1, 2]")
    assert cli.main(["simulate", "--config", str(config)]) == 2
    assert "must hold a JSON object" in capsys.readouterr().err


def test_the_cache_command_reports_and_prunes(tmp_path, capsys):
    for k in range(3):
        (tmp_path / f"{k}.npz").write_bytes(b"x" * 1000)
    assert cli.main(["cache", "--dir", str(tmp_path), "--info"]) == 0
    assert "3 files" in capsys.readouterr().out
    assert cli.main(["cache", "--dir", str(tmp_path), "--prune", "--max-size", "1500"]) == 0
    assert "removed 2 files" in capsys.readouterr().out
    assert cli.main(["cache", "--dir", str(tmp_path), "--max-size", "lots"]) == 2
    assert "--max-size: cannot read 'lots'" in capsys.readouterr().err


@pytest.mark.parametrize(("stop", "code"), [(KeyboardInterrupt(), 130), (SystemExit(128 + signal.SIGTERM), 143)])
def test_an_interrupted_run_writes_nothing_and_says_so(tmp_path, capsys, monkeypatch, stop, code):
    def interrupted(*args, **kwargs):
        raise stop

    monkeypatch.setattr(cli.Experiment, "simulate", interrupted)
    assert cli.main([*SMALL, "--out", str(tmp_path / "x.npz")]) == code
    assert "interrupted: nothing was written" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()
