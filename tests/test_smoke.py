from conftest import snapshot


def test_demo_lists_layers(invoke, demo_path):
    result = invoke("layers", "--store", demo_path)
    assert result.exit_code == 0
    assert "projects" in result.output and "EPSG:2154" in result.output


def test_unknown_project_is_a_clear_error(runner, demo_path):
    from plhgis.cli import cli
    before = snapshot(demo_path)
    result = runner.invoke(cli, ["project", "show", "P-00000-9999", "--store", str(demo_path)])
    assert result.exit_code == 1
    assert "pas d'entité projects d'id 'P-00000-9999'" in result.output
    assert snapshot(demo_path) == before


def test_python_dash_m_runs_the_same_cli():
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "plhgis", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "plhgis" in result.stdout and "import" in result.stdout


def test_every_command_has_help_and_is_in_the_readme(runner):
    from pathlib import Path

    import click

    from plhgis.cli import cli
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    names = []
    for name, command in cli.commands.items():
        subs = command.commands if isinstance(command, click.Group) else {"": command}
        for sub in subs:
            full = f"{name} {sub}".strip()
            names.append(full)
            result = runner.invoke(cli, [*full.split(), "--help"])
            assert result.exit_code == 0 and "Usage :" in result.output, full
            assert f"plhgis {full}" in readme, f"README has no example of 'plhgis {full}'"
    assert len(names) >= 15


def test_demo_never_replaces_a_real_store(invoke, empty_store, tmp_path):
    from conftest import snapshot
    before = snapshot(empty_store.path)
    result = invoke("demo", "--store", empty_store.path, "-o", tmp_path / "maps")
    assert result.exit_code == 1 and "contient une base qui n'est pas la démonstration" in result.output
    assert snapshot(empty_store.path) == before and not (tmp_path / "maps").exists()
    again = invoke("demo", "--store", empty_store.path, "-o", tmp_path / "maps", "--overwrite")
    assert again.exit_code == 0, again.output
    rerun = invoke("demo", "--store", empty_store.path, "-o", tmp_path / "maps")  # a demo store: rebuilt
    assert rerun.exit_code == 0 and (tmp_path / "maps" / "territoire.html").exists()
