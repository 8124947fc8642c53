"""Precompressed copies of the site: exact, deterministic, and beside every large text file."""

import gzip

import brotli
from conftest import SITE, require_build

from exodus import compress


def test_large_text_files_get_exact_gzip_and_brotli_copies_and_small_ones_none(tmp_path):
    big = tmp_path / "page.html"
    big.write_text("<p>Belarus</p>\n" * 500, encoding="utf-8")
    small = tmp_path / "tiny.css"
    small.write_text("p{}", encoding="utf-8")
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG" + b"\0" * 5000)
    assert compress.precompress(tmp_path) == 2
    assert gzip.decompress((tmp_path / "page.html.gz").read_bytes()) == big.read_bytes()
    assert brotli.decompress((tmp_path / "page.html.br").read_bytes()) == big.read_bytes()
    assert not (tmp_path / "tiny.css.gz").exists() and not (tmp_path / "photo.png.gz").exists()


def test_unchanged_files_reuse_the_previous_sites_copies_and_give_the_same_bytes(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for site in (old, new):
        site.mkdir()
        (site / "same.html").write_text("<p>Park</p>\n" * 400, encoding="utf-8")
        (site / "tampered.js").write_text("var park = 1;\n" * 400, encoding="utf-8")
    (old / "changed.css").write_text("p{color:red}\n" * 400, encoding="utf-8")
    (new / "changed.css").write_text("p{color:blue}\n" * 400, encoding="utf-8")
    compress.precompress(old)
    (old / "tampered.js.br").write_bytes(brotli.compress(b"something else"))
    # A marker in the old copy of an unchanged file shows it was reused, not recompressed.
    marked = brotli.compress((old / "same.html").read_bytes(), quality=5)
    (old / "same.html.br").write_bytes(marked)
    assert compress.precompress(new, previous=old) == 6
    assert (new / "same.html.br").read_bytes() == marked
    for name in ("tampered.js", "changed.css"):
        data = (new / name).read_bytes()
        assert (new / f"{name}.br").read_bytes() == brotli.compress(data), name
        assert (new / f"{name}.gz").read_bytes() == compress.gzip_bytes(data), name


def test_gzip_copies_carry_no_name_or_time_so_rebuilds_give_the_same_bytes():
    once, again = compress.gzip_bytes(b"x" * 4096), compress.gzip_bytes(b"x" * 4096)
    assert once == again
    assert once[4:8] == b"\0\0\0\0"  # MTIME
    assert once[3] & 0x08 == 0  # no FNAME flag


def test_the_published_site_has_compressed_copies_of_its_large_assets():
    require_build()
    vega = SITE / "_static" / "exodus" / "vega.min.js"
    assert gzip.decompress(vega.with_name(vega.name + ".gz").read_bytes()) == vega.read_bytes()
    assert brotli.decompress(vega.with_name(vega.name + ".br").read_bytes()) == vega.read_bytes()
    assert len(vega.with_name(vega.name + ".br").read_bytes()) < len(vega.read_bytes()) / 3
    for page in SITE.rglob("*.html"):
        if page.stat().st_size >= compress.MIN_BYTES:
            assert gzip.decompress(page.with_name(page.name + ".gz").read_bytes()) == \
                page.read_bytes(), page
