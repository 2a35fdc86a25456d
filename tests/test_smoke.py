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
    assert "no projects feature with id 'P-00000-9999'" in result.output
    assert snapshot(demo_path) == before
