import {{ cookiecutter.__project_slug }} as m


def test_version():
    assert m.__version__
