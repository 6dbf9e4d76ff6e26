"""OpenTimelineIO interchange: our timeline to and from OTIO, FCP 7 XML and CMX 3600 EDL.

Positions are written in canvas frames and source starts in the asset's own frames, so a cut lands
on the same frame after a round trip. What OTIO cannot express (opacity, scale, position, volume,
fades, narration scripts, text and image overlays, the exact last source frame of a clip whose
rate differs from the canvas) travels in `metadata["flowai"]`; tools that drop metadata lose it.
Caption lines are markers on the top-level stack (the line's text as the marker's name, its
frames as the marked range), which FCP XML and other adapters carry where the format has markers.

Transitions: our two clips overlap by `length` frames (FFmpeg's xfade shortens the timeline by
that much). OTIO instead puts a Transition between two clips that touch at a cut and lets it reach
`in_offset` frames before and `out_offset` frames after the cut into the clips' handles. The cut
is placed `length // 2` frames into our overlap, and the mapping is undone exactly on import.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

import defusedxml.ElementTree as safe_xml
import opentimelineio as otio
from defusedxml import DefusedXmlException

from flowai.editor.timeline import (
    AssetInfo,
    CheckedTimeline,
    Issue,
    TimelineInvalid,
    format_rate,
)

ASSET_URL = "flowai://assets/"
FORMATS = {"otio": "otio_json", "fcpxml": "fcp_xml", "edl": "cmx_3600"}
DEFAULT_CANVAS: dict[str, Any] = {"width": 1920, "height": 1080, "fps": "30"}
# Limits on an imported document (it comes from a client): size, clips, nesting, rates, references.
MAX_BYTES = 5 * 1024 * 1024
MAX_CLIPS = 2000
MAX_DEPTH = 8  # compositions (stacks, tracks) inside one another below the timeline
_CLIP_PROPS = ("opacity", "x", "y", "scale", "volume", "fade_in", "fade_out", "voice_id", "script")


def _rt(frames: int | Fraction, rate: Fraction) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(float(frames), float(rate))


def _rate(value: float) -> Fraction:
    """OTIO keeps rates as floats: 29.97002997 → 30000/1001."""
    return Fraction(value).limit_denominator(1001)


def _frames(t: otio.opentime.RationalTime, rate: Fraction) -> int:
    return round(float(t.value_rescaled_to(float(rate))))


# --- to OTIO -----------------------------------------------------------------------------------


def to_otio(checked: CheckedTimeline, *, name: str, media_url: Callable[[str], str]) -> otio.schema.Timeline:
    """The timeline as OTIO; `media_url(asset_id)` gives each clip's media reference URL."""
    tl = checked.timeline
    r = tl.canvas.fps
    out = otio.schema.Timeline(name=name, global_start_time=_rt(0, r))
    out.metadata["flowai"] = {
        "version": tl.version,
        "canvas": tl.canvas.model_dump(mode="json"),
        "overlays": [o.model_dump(mode="json") for o in tl.overlays],
    }

    def reference(asset_id: str) -> otio.schema.ExternalReference:
        info = checked.asset(asset_id)
        rate = info.fps if info.kind == "video" else r
        frames = info.duration_frames if info.kind == "video" else math.floor(info.duration_seconds * r)
        return otio.schema.ExternalReference(
            target_url=media_url(asset_id),
            available_range=otio.opentime.TimeRange(_rt(0, rate), _rt(frames, rate)),
        )

    for vtrack in tl.video_tracks:
        track = otio.schema.Track(name=vtrack.id, kind=otio.schema.TrackKind.Video)
        track.metadata["flowai"] = {"hidden": vtrack.hidden}
        into = {t.to_clip: t for t in vtrack.transitions}
        cuts = {t.from_clip: checked.spans[t.to_clip].start + t.length // 2 for t in vtrack.transitions}
        cursor = 0
        for clip in sorted(vtrack.clips, key=lambda c: checked.spans[c.id].start):
            span = checked.spans[clip.id]
            info = checked.asset(clip.asset_id)
            tr = into.get(clip.id)
            start = span.start + tr.length // 2 if tr else span.start
            end = cuts.get(clip.id, span.end)
            if tr is not None:
                trans = otio.schema.Transition(
                    name=f"{tr.from_clip}->{tr.to_clip}",
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=_rt(tr.length // 2, r),
                    out_offset=_rt(tr.length - tr.length // 2, r),
                )
                trans.metadata["flowai"] = tr.model_dump(mode="json")
                track.append(trans)
            elif start > cursor:
                track.append(
                    otio.schema.Gap(source_range=otio.opentime.TimeRange(_rt(0, r), _rt(start - cursor, r)))
                )
            src_start = clip.source_in + math.floor(Fraction(start - span.start) * info.fps / r)
            item = otio.schema.Clip(
                name=clip.id,
                media_reference=reference(clip.asset_id),
                source_range=otio.opentime.TimeRange(_rt(src_start, info.fps), _rt(end - start, r)),
            )
            item.metadata["flowai"] = clip.model_dump(mode="json")
            track.append(item)
            cursor = end
        out.tracks.append(track)
    for atrack in tl.audio_tracks:
        track = otio.schema.Track(name=atrack.id, kind=otio.schema.TrackKind.Audio)
        track.metadata["flowai"] = {"volume": atrack.volume, "muted": atrack.muted}
        cursor = 0
        for aclip in sorted(atrack.clips, key=lambda c: c.start):
            if aclip.start > cursor:
                track.append(
                    otio.schema.Gap(
                        source_range=otio.opentime.TimeRange(_rt(0, r), _rt(aclip.start - cursor, r))
                    )
                )
            item = otio.schema.Clip(
                name=aclip.id,
                media_reference=reference(aclip.asset_id),
                source_range=otio.opentime.TimeRange(_rt(aclip.source_in, r), _rt(aclip.length, r)),
            )
            item.metadata["flowai"] = aclip.model_dump(mode="json")
            track.append(item)
            cursor = aclip.start + aclip.length
        out.tracks.append(track)
    if tl.captions is not None:
        out.metadata["flowai"]["captions"] = tl.captions.model_dump(mode="json", exclude={"lines"})
        for line in tl.captions.lines:  # one marker per caption line, over the whole stack
            marker = otio.schema.Marker(
                name=line.text, color=otio.schema.MarkerColor.YELLOW,
                marked_range=otio.opentime.TimeRange(_rt(line.start, r), _rt(line.length, r)),
            )  # fmt: skip
            marker.metadata["flowai"] = {"caption": line.model_dump(mode="json")}
            out.tracks.markers.append(marker)
    return out


def write(checked: CheckedTimeline, fmt: str, *, name: str, media_url: Callable[[str], str]) -> str:
    """The timeline as .otio JSON, FCP 7 XML or a CMX 3600 EDL (first video track only)."""
    tl = to_otio(checked, name=name, media_url=media_url)
    if fmt == "edl":
        video = [t for t in tl.tracks if t.kind == otio.schema.TrackKind.Video][:1]
        if not video:
            raise ValueError("an EDL needs a video track")
        edl = otio.schema.Timeline(name=name, global_start_time=tl.global_start_time)
        edl.tracks.append(video[0].deepcopy())
        tl = edl
    return cast(str, otio.adapters.write_to_string(tl, FORMATS[fmt]))


# --- from OTIO ---------------------------------------------------------------------------------

ResolveMedia = Callable[[otio.schema.Clip], tuple[str, AssetInfo] | None]
"""Maps an OTIO clip to (asset id, asset) through its media reference; None when unknown."""


def asset_id_from_url(url: str) -> str | None:
    return url[len(ASSET_URL) :] if url.startswith(ASSET_URL) else None


@dataclass
class _Importer:
    resolve: ResolveMedia
    rate: Fraction
    issues: list[Issue] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    rates: dict[str, Fraction] = field(default_factory=dict)
    """Frame rate of each video asset, by id."""

    def unique(self, wanted: str | None, fallback: str) -> str:
        base = wanted or fallback
        name, n = base, 1
        while name in self.ids:
            n += 1
            name = f"{base}-{n}"
        self.ids.add(name)
        return name

    def asset(self, clip: otio.schema.Clip, loc: tuple[str | int, ...]) -> tuple[str, AssetInfo] | None:
        found = self.resolve(clip)
        if found is None:
            ref = clip.media_reference
            where = getattr(ref, "target_url", None) or clip.name
            self.issues.append(Issue(loc, f"media {where!r} not found", "asset_not_found"))
        return found

    def video_track(self, t: int, track: otio.schema.Track) -> dict[str, Any]:
        r = self.rate
        clips: list[dict[str, Any]] = []
        transitions: list[dict[str, Any]] = []
        pos = 0
        pending: tuple[int, int, dict[str, Any]] | None = None  # in, out offsets of the last transition
        for n, item in enumerate(track):
            if isinstance(item, otio.schema.Transition):
                meta = dict(item.metadata.get("flowai", {}))
                pending = (_frames(item.in_offset, r), _frames(item.out_offset, r), meta)
                if clips:
                    clips[-1]["_out"] = pending[1]
                continue
            length = _frames(item.source_range.duration if item.source_range else item.duration(), r)
            if not isinstance(item, otio.schema.Clip):
                pos += length
                pending = None
                continue
            found = self.asset(item, ("video_tracks", t, "clips", len(clips), "asset_id"))
            meta = dict(item.metadata.get("flowai", {}))
            start_t = item.source_range.start_time if item.source_range else _rt(0, r)
            a = found[1].fps if found else r
            clip: dict[str, Any] = {
                "id": self.unique(meta.get("id"), f"{track.name or 'v'}-{n}"),
                "asset_id": found[0] if found else "?",
                "source_in": _frames(start_t, a),
                "start": pos,
                "_len": length,
                **{k: meta[k] for k in _CLIP_PROPS if k in meta and k not in ("voice_id", "script")},
            }
            if pending is not None and clips:
                before, after, tmeta = pending
                clip["start"] -= before
                clip["source_in"] -= math.floor(Fraction(before) * a / r)
                clip["_len"] += before
                transitions.append(
                    {"type": tmeta.get("type", "crossfade"), "from_clip": clips[-1]["id"],
                     "to_clip": clip["id"], "length": before + after}
                )  # fmt: skip
            pending = None
            clip["_meta_out"] = meta.get("source_out")
            clips.append(clip)
            pos += length
        for clip in clips:
            found_rate = self.rates.get(clip["asset_id"], r)
            total = clip.pop("_len") + clip.pop("_out", 0)
            computed = clip["source_in"] + max(1, round(Fraction(total) * found_rate / r))
            meta_out = clip.pop("_meta_out")
            # Our exact last frame when it agrees with the geometry (mixed rates round otherwise).
            exact = isinstance(meta_out, int) and abs(meta_out - computed) <= math.ceil(found_rate / r)
            clip["source_out"] = meta_out if exact else computed
        hidden = bool(track.metadata.get("flowai", {}).get("hidden", not track.enabled))
        return {"id": self.unique(track.name or None, f"v{t + 1}"), "clips": clips,
                "transitions": transitions, "hidden": hidden}  # fmt: skip

    def audio_track(self, t: int, track: otio.schema.Track) -> dict[str, Any]:
        r = self.rate
        clips: list[dict[str, Any]] = []
        pos = 0
        for n, item in enumerate(track):
            if isinstance(item, otio.schema.Transition):
                continue
            length = _frames(item.source_range.duration if item.source_range else item.duration(), r)
            if isinstance(item, otio.schema.Clip):
                found = self.asset(item, ("audio_tracks", t, "clips", len(clips), "asset_id"))
                meta = dict(item.metadata.get("flowai", {}))
                start_t = item.source_range.start_time if item.source_range else _rt(0, r)
                clip = {
                    "type": meta.get("type", "audio"),
                    "id": self.unique(meta.get("id"), f"{track.name or 'a'}-{n}"),
                    "asset_id": found[0] if found else "?",
                    "source_in": _frames(start_t, r),
                    "start": pos,
                    "length": length,
                    **{
                        k: meta[k]
                        for k in _CLIP_PROPS
                        if k in meta and k not in ("opacity", "x", "y", "scale")
                    },
                }
                if clip["type"] != "narration":
                    clip.pop("voice_id", None)
                    clip.pop("script", None)
                clips.append(clip)
            pos += length
        meta = track.metadata.get("flowai", {})
        return {"id": self.unique(track.name or None, f"a{t + 1}"), "clips": clips,
                "volume": meta.get("volume", 1.0), "muted": bool(meta.get("muted", False))}  # fmt: skip


def from_otio(tl: otio.schema.Timeline, resolve: ResolveMedia) -> dict[str, Any]:
    """A timeline document (not yet validated) from an OTIO timeline; raises TimelineInvalid when
    a clip's media cannot be resolved."""
    meta = dict(tl.metadata.get("flowai", {}))
    canvas = dict(meta.get("canvas") or DEFAULT_CANVAS)
    if "canvas" not in meta:
        rates = [c.source_range.duration.rate for c in tl.find_clips() if c.source_range]
        if tl.global_start_time is not None:
            rates.insert(0, tl.global_start_time.rate)
        if rates:
            canvas["fps"] = format_rate(_rate(rates[0]))
    rate = Fraction(str(canvas["fps"]))
    imp = _Importer(resolve, rate)
    for clip in tl.find_clips():
        found = resolve(clip)
        if found and found[1].kind == "video":
            imp.rates[found[0]] = found[1].fps
    video: list[dict[str, Any]] = []
    audio: list[dict[str, Any]] = []
    for track in tl.tracks:
        if track.kind == otio.schema.TrackKind.Audio:
            audio.append(imp.audio_track(len(audio), track))
        else:
            video.append(imp.video_track(len(video), track))
    if imp.issues:
        raise TimelineInvalid(imp.issues)
    doc = {"version": 1, "canvas": canvas, "video_tracks": video, "audio_tracks": audio,
           "overlays": list(meta.get("overlays", []))}  # fmt: skip
    lines = [_plain(m.metadata["flowai"]["caption"]) for m in tl.tracks.markers
             if "caption" in m.metadata.get("flowai", {})]  # fmt: skip
    if "captions" in meta or lines:
        doc["captions"] = {**_plain(meta.get("captions") or {}), "lines": lines}
    return doc


def _plain(value: Any) -> Any:
    """OTIO's AnyDictionary / AnyVector as plain dicts and lists (pydantic wants those)."""
    if isinstance(value, str):
        return value
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__iter__"):
        return [_plain(v) for v in value]
    return value


def read(data: str, fmt: str = "otio", *, edl_rate: Fraction | None = None) -> otio.schema.Timeline:
    """Parse interchange text from a client; ValueError with the reason when it is not valid or
    breaks a limit (size, XML entities, clip count, nesting, rates, media references).

    An EDL's timecodes carry no rate: they are read at `edl_rate` (the adapter's default is 24).
    """
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"the {fmt} file is larger than {MAX_BYTES // 2**20} MiB")
    if fmt == "fcpxml":
        _screen_xml(data)
    extra = {"rate": float(edl_rate)} if fmt == "edl" and edl_rate else {}
    try:
        result = otio.adapters.read_from_string(data, FORMATS[fmt], **extra)
    except Exception as exc:  # adapters raise many types
        raise ValueError(f"not a readable {fmt} file: {exc}") from exc
    if not isinstance(result, otio.schema.Timeline):
        raise ValueError(f"the {fmt} file holds a {type(result).__name__}, not a timeline")
    check_untrusted(result)
    return result


def _screen_xml(data: str) -> None:
    """Refuse entity declarations (billion laughs) and external entities/DTDs before any adapter
    parses the XML; a plain `<!DOCTYPE xmeml>` (what FCP writes, no subset, no SYSTEM id) is fine."""
    plain = re.sub(r"<!DOCTYPE\s+[\w.:-]+\s*>", "", data, count=1)
    try:
        safe_xml.fromstring(plain, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ValueError(
            "XML entity declarations, external entities and DTDs (other than a plain <!DOCTYPE xmeml>) "
            "are not allowed"
        ) from exc
    except safe_xml.ParseError as exc:
        raise ValueError(f"not a readable fcpxml file: {exc}") from exc


def _bad_rate(rate: float) -> bool:
    return not math.isfinite(rate) or rate <= 0


def _bad_time(t: otio.opentime.RationalTime | None) -> bool:
    return t is not None and (_bad_rate(t.rate) or not math.isfinite(t.value))


def _bad_range(r: otio.opentime.TimeRange | None) -> bool:
    return r is not None and (_bad_time(r.start_time) or _bad_time(r.duration))


def _local_reference(url: str) -> bool:
    """A `file:` URL or an absolute path (POSIX, Windows drive or UNC): media on some disk."""
    lowered = url.strip().lower()
    return (
        lowered.startswith("file:")
        or lowered.startswith(("/", "\\"))
        or (len(lowered) > 2 and lowered[1] == ":" and lowered[2] in "/\\")
    )


def check_untrusted(tl: otio.schema.Timeline) -> None:
    """Limits on an imported timeline: clip count, nesting depth, finite positive rates, and no
    media on the server's (or anyone's) disk. ValueError naming the first thing at fault."""
    if _bad_time(tl.global_start_time):
        raise ValueError("the timeline's start time has a zero, negative or non-finite rate")
    clips = 0

    def walk(composition: otio.core.Composition, depth: int) -> None:
        nonlocal clips
        if depth > MAX_DEPTH:
            raise ValueError(f"compositions are nested more than {MAX_DEPTH} deep")
        for item in composition:
            if isinstance(item, otio.core.Composition):
                walk(item, depth + 1)
                continue
            if _bad_range(getattr(item, "source_range", None)):
                raise ValueError(f"{item.name or 'an item'}: a zero, negative or non-finite frame rate")
            if isinstance(item, otio.schema.Clip):
                clips += 1
                if clips > MAX_CLIPS:
                    raise ValueError(f"more than {MAX_CLIPS} clips")
                ref = item.media_reference
                if _bad_range(getattr(ref, "available_range", None)):
                    raise ValueError(f"{item.name or 'a clip'}: its media has a zero or non-finite rate")
                url = str(getattr(ref, "target_url", "") or "")
                if _local_reference(url):
                    raise ValueError(
                        f"{item.name or 'a clip'}: media {url!r} is a local file; "
                        "use flowai://assets/<id> references to your assets"
                    )

    walk(tl.tracks, 1)
