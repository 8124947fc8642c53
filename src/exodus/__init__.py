"""Helpers shared by the chapters of "Belarus's tech exodus after 2020".

The package holds only what two or more chapters need: loading a dataset with
validation (`exodus.data`), the chart theme and the offline renderer
(`exodus.charts`), sentences whose numbers and citations come from the data
(`exodus.text`, `exodus.provenance`), pages generated from the metadata
(`exodus.catalogue`, `exodus.bib`), the build that executes notebooks and
publishes the book atomically (`exodus.build`), and the Sphinx extension that
keeps the book offline and light (`exodus.sphinx_ext`).
"""
