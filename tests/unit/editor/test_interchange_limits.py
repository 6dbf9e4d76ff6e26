"""Interchange imports come from clients: XML entities, sizes, clip counts, nesting, rates and
media references are refused before anything reaches the timeline (issue 12)."""

from __future__ import annotations

import opentimelineio as otio
import pytest

from flowai.editor import otio as interchange

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


def _timeline(urls: list[str], rate: float = 30.0, nest: int = 0) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="t")
    track = otio.schema.Track(name="v1")
    for n, url in enumerate(urls):
        track.append(
            otio.schema.Clip(
                name=f"c{n}",
                media_reference=otio.schema.ExternalReference(
                    target_url=url, available_range=TR(RT(0, rate), RT(300, rate))
                ),
                source_range=TR(RT(0, rate), RT(30, rate)),
            )
        )
    inner: otio.core.Composition = track
    for _ in range(nest):
        outer = otio.schema.Stack(name="nest")
        outer.append(inner)
        inner = otio.schema.Track(name="wrap")
        inner.append(outer)
    tl.tracks.append(inner)
    return tl


def _json(tl: otio.schema.Timeline) -> str:
    return str(otio.adapters.write_to_string(tl, "otio_json"))


def test_a_plain_document_with_asset_references_is_read() -> None:
    tl = interchange.read(_json(_timeline(["flowai://assets/a1", "flowai://assets/a2"])))
    assert len(list(tl.find_clips())) == 2


def test_fcp_xml_with_a_plain_doctype_is_read() -> None:
    xml = str(otio.adapters.write_to_string(_timeline(["flowai://assets/a1"]), "fcp_xml"))
    xml = xml.replace("<xmeml", "<!DOCTYPE xmeml>\n<xmeml", 1)  # as Final Cut Pro 7 writes it
    assert len(list(interchange.read(xml, "fcpxml").find_clips())) == 1


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xmeml [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xmeml version="4"><sequence><name>&lol3;</name></sequence></xmeml>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE xmeml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xmeml version="4"><sequence><name>&secret;</name></sequence></xmeml>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE xmeml SYSTEM "http://169.254.169.254/latest/meta-data/">
<xmeml version="4"><sequence><name>x</name></sequence></xmeml>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL, EXTERNAL_DTD])
def test_xml_entities_and_external_references_are_refused(xml: str) -> None:
    with pytest.raises(ValueError, match="entit"):
        interchange.read(xml, "fcpxml")


def test_file_size_is_bounded() -> None:
    big = _json(_timeline(["flowai://assets/a1"])) + " " * interchange.MAX_BYTES
    with pytest.raises(ValueError, match="larger than 5 MiB"):
        interchange.read(big)


def test_clip_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interchange, "MAX_CLIPS", 10)
    interchange.read(_json(_timeline(["flowai://assets/a"] * 10)))
    with pytest.raises(ValueError, match="more than 10 clips"):
        interchange.read(_json(_timeline(["flowai://assets/a"] * 11)))


def test_nesting_depth_is_bounded() -> None:
    interchange.read(_json(_timeline(["flowai://assets/a"], nest=3)))
    with pytest.raises(ValueError, match="nested more than 8 deep"):
        interchange.read(_json(_timeline(["flowai://assets/a"], nest=5)))


@pytest.mark.parametrize("rate", ["NaN", "0.0", "-30.0", "Infinity"])
def test_nan_zero_and_negative_rates_are_refused(rate: str) -> None:
    text = _json(_timeline(["flowai://assets/a"]))
    assert '"rate": 30.0' in text
    bad = text.replace('"rate": 30.0', f'"rate": {rate}')
    with pytest.raises(ValueError, match="rate|not a readable"):
        interchange.read(bad)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "FILE://host/share/x.mp4", "/data/media/t/other/x.mp4", "C:\\media\\x.mp4",
            "\\\\server\\share\\x.mp4"],
)  # fmt: skip
def test_local_media_references_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="is a local file"):
        interchange.read(_json(_timeline(["flowai://assets/a", url])))
