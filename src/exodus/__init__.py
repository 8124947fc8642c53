"""Helpers shared by the chapters of "Belarus's tech exodus after 2020".

The package holds only what two or more chapters need: loading a dataset with
validation (`exodus.data`), the chart theme and the offline renderer
(`exodus.charts`), the build that executes notebooks and publishes the book
atomically (`exodus.build`), and the Sphinx extension that ships the chart
runtime with the book (`exodus.sphinx_ext`).
"""

__all__ = ["paths"]
