"""Build step: the wheel carries the top-level sql/ and expectations/ inside the package.

The checkout keeps them at the top level (the project's fixed layout); an installed package has no
checkout beside it. So building copies both folders, whatever they hold, to pipelines/sql and
pipelines/expectations, and `pipelines/__init__.py` looks there first. An editable install
(`pip install -e .`, as `make setup` does) copies nothing: the package reads the checkout's folders.
Everything else about the package is in pyproject.toml; MANIFEST.in puts the folders in the sdist.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED_FOLDERS = ("sql", "expectations")
# what tools write into those folders in development (dbt's target/ and logs/, bytecode) is not shipped
NOT_SHIPPED = shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__", "*.pyc", ".user.yml")


class BuildPyWithProjectFolders(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        for folder in SHIPPED_FOLDERS:
            target = Path(self.build_lib) / "pipelines" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target, ignore=NOT_SHIPPED)


setup(cmdclass={"build_py": BuildPyWithProjectFolders})
