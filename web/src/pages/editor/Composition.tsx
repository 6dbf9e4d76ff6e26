/**
 * The timeline drawn with React for the Remotion Player: the same document the server renders.
 * Video tracks bottom to top, each clip a <Sequence> playing the asset's 720p proxy; fades and
 * crossfades are opacity (the incoming clip is drawn over the outgoing one with opacity t, which
 * is the blend a*(1-t) + b*t); text and image overlays on top; audio clips as <Html5Audio>.
 */
import type { CSSProperties } from "react";
import { AbsoluteFill, Html5Audio, Html5Video, Img, Sequence, useCurrentFrame } from "remotion";
import { CaptionsLayer } from "./CaptionsLayer";
import {
  type AudioClip,
  type ImageOverlay,
  type TextOverlay,
  type Timeline,
  type VideoClip,
  type AssetTable,
  parseRate,
  videoClipLength,
} from "./model";

export interface MediaSource {
  /** What the preview plays: the proxy for video (the original until the proxy exists). */
  src: string;
  kind: string;
  width: number;
  height: number;
  fps: string;
}

export interface CompositionProps extends Record<string, unknown> {
  timeline: Timeline;
  assets: AssetTable;
  media: Record<string, MediaSource>;
}

/** 0..1 envelope of a clip `length` frames long at `frame` with fades and transition ramps. */
export function envelope(frame: number, length: number, fadeIn: number, fadeOut: number): number {
  let v = 1;
  if (fadeIn > 0 && frame < fadeIn) v = Math.min(v, frame / fadeIn);
  if (fadeOut > 0 && frame >= length - fadeOut) v = Math.min(v, (length - frame) / fadeOut);
  return Math.max(0, Math.min(1, v));
}

const FONT_CSS: Record<string, CSSProperties> = {
  "DejaVu Sans": { fontFamily: '"DejaVu Sans", Verdana, sans-serif' },
  "DejaVu Sans Bold": { fontFamily: '"DejaVu Sans", Verdana, sans-serif', fontWeight: 700 },
  "DejaVu Serif": { fontFamily: '"DejaVu Serif", Georgia, serif' },
  "DejaVu Serif Bold": { fontFamily: '"DejaVu Serif", Georgia, serif', fontWeight: 700 },
  "DejaVu Sans Mono": { fontFamily: '"DejaVu Sans Mono", monospace' },
};

/** #rrggbbaa → rgba() (CSS reads #rrggbbaa too, but be explicit). */
function cssColor(hex: string | undefined, fallback: string): string {
  const h = hex ?? fallback;
  if (/^#[0-9a-fA-F]{8}$/.test(h)) {
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return `rgba(${n(1)}, ${n(3)}, ${n(5)}, ${(n(7) / 255).toFixed(3)})`;
  }
  return h;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Remotion's `trimBefore` for a clip: composition frames before the media time of the clip's
 * first frame. Remotion seeks to (offset + trimBefore) / fps, which for source frame n is exactly
 * n's timestamp; the browser keeps times in whole microseconds, rounds that down and then shows
 * frame n - 1 at some positions. So aim a little past the boundary: 1 / (2 * den) of a source
 * frame, where den is the denominator of asset fps / canvas fps in lowest terms, is past the
 * rounding and still before the next source frame at every offset (half a frame at equal rates).
 */
export function mediaTrimBefore(sourceIn: number, asset: { num: number; den: number }, canvas: { num: number; den: number }): number {
  const num = asset.num * canvas.den;
  const den = asset.den * canvas.num;
  const ratioDen = Number.isInteger(num) && Number.isInteger(den) ? den / gcd(num, den) : 1000;
  // source frames → composition frames: multiply by canvas fps / asset fps
  return ((sourceIn + 1 / (2 * ratioDen)) * den) / num;
}

/**
 * The largest preview size, inside `availWidth` x `availHeight` CSS pixels, at which the Player's
 * scaled composition lands on whole pixels, or null when no such size comes close to filling the
 * space (then the Player just fits it).
 *
 * The Player scales the composition with `transform: scale(s)` around its centre and offsets it by
 * the margins (W - W*s) / 2 and (H - H*s) / 2. When those are fractional, Chromium snaps the video
 * layers to whole pixels and the preview is drawn up to a pixel off the composition's box: about
 * 25 dB against the export's picture instead of 38-40 dB. With s = k / gcd(W, H), W*s and H*s are
 * whole, and k is chosen so that both margins are whole too.
 */
export function pixelExactSize(availWidth: number, availHeight: number, width: number, height: number): { width: number; height: number } | null {
  if (!(availWidth > 0 && availHeight > 0 && Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) return null;
  const g = gcd(width, height);
  const w = width / g;
  const h = height / g;
  const fit = Math.min(availWidth / width, availHeight / height);
  for (let k = Math.floor(Math.min(availWidth / w, availHeight / h)); k >= 1; k--) {
    if (k / g < 0.85 * fit) break;
    if ((width - w * k) % 2 === 0 && (height - h * k) % 2 === 0) return { width: w * k, height: h * k };
  }
  return null;
}

function VideoClipView({
  clip,
  media,
  length,
  canvas,
  rampIn,
  assetFps,
}: {
  clip: VideoClip;
  media: MediaSource;
  length: number;
  canvas: Timeline["canvas"];
  rampIn: number;
  assetFps: string;
}) {
  const frame = useCurrentFrame();
  const env = envelope(frame, length, clip.fade_in ?? 0, clip.fade_out ?? 0);
  const ramp = rampIn > 0 && frame < rampIn ? frame / rampIn : 1;
  const srcW = media.width || canvas.width;
  const srcH = media.height || canvas.height;
  const fit = Math.min(canvas.width / srcW, canvas.height / srcH) * (clip.scale ?? 1);
  const w = srcW * fit;
  const h = srcH * fit;
  const left = clip.x ?? (canvas.width - w) / 2;
  const top = clip.y ?? (canvas.height - h) / 2;
  const trimBefore = mediaTrimBefore(clip.source_in, parseRate(assetFps), parseRate(canvas.fps));
  return (
    <Html5Video
      src={media.src}
      trimBefore={trimBefore}
      volume={(f) => Math.min(1, (clip.volume ?? 1) * envelope(f, length, clip.fade_in ?? 0, clip.fade_out ?? 0) * (rampIn > 0 && f < rampIn ? f / rampIn : 1))}
      pauseWhenBuffering
      style={{
        position: "absolute",
        left,
        top,
        width: w,
        height: h,
        opacity: (clip.opacity ?? 1) * env * ramp,
        objectFit: "fill",
      }}
    />
  );
}

function AudioClipView({ clip, src, trackVolume }: { clip: AudioClip; src: string; trackVolume: number }) {
  return (
    <Html5Audio
      src={src}
      trimBefore={clip.source_in}
      volume={(f) => Math.min(1, (clip.volume ?? 1) * trackVolume * envelope(f, clip.length, clip.fade_in ?? 0, clip.fade_out ?? 0))}
      pauseWhenBuffering
    />
  );
}

function TextView({ overlay }: { overlay: TextOverlay }) {
  const pad = overlay.box ? (overlay.box_padding ?? 8) : 0;
  const style: CSSProperties = {
    position: "absolute",
    whiteSpace: "pre",
    lineHeight: 1.17,
    fontSize: overlay.size ?? 48,
    color: cssColor(overlay.color, "#ffffff"),
    opacity: overlay.opacity ?? 1,
    padding: pad,
    background: overlay.box ? cssColor(overlay.box_color, "#000000a0") : "transparent",
    ...FONT_CSS[overlay.font ?? "DejaVu Sans"],
  };
  if (overlay.x === null || overlay.x === undefined) {
    style.left = "50%";
    style.transform = "translateX(-50%)";
  } else style.left = overlay.x - pad;
  if (overlay.y === null || overlay.y === undefined) {
    style.top = "50%";
    style.transform = `${style.transform ?? ""} translateY(-50%)`;
  } else style.top = overlay.y - pad;
  return <div style={style}>{overlay.text}</div>;
}

function ImageView({ overlay, media }: { overlay: ImageOverlay; media: MediaSource | undefined }) {
  const frame = useCurrentFrame();
  if (!media) return null;
  const w = (media.width || 100) * (overlay.scale ?? 1);
  const h = (media.height || 100) * (overlay.scale ?? 1);
  const env = envelope(frame, overlay.length, overlay.fade_in ?? 0, overlay.fade_out ?? 0);
  return (
    <Img
      src={media.src}
      alt=""
      style={{
        position: "absolute",
        width: w,
        height: h,
        left: overlay.x ?? `calc(50% - ${w / 2}px)`,
        top: overlay.y ?? `calc(50% - ${h / 2}px)`,
        opacity: (overlay.opacity ?? 1) * env,
      }}
    />
  );
}

export function TimelineComposition({ timeline, assets, media }: CompositionProps) {
  const rate = parseRate(timeline.canvas.fps);
  return (
    <AbsoluteFill data-composition="timeline" style={{ background: cssColor(timeline.canvas.background, "#000000"), overflow: "hidden" }}>
      {timeline.video_tracks.map((track) =>
        track.hidden ? null : (
          <AbsoluteFill key={track.id}>
            {[...track.clips]
              .sort((x, y) => x.start - y.start)
              .map((clip) => {
                const m = media[clip.asset_id];
                if (!m) return null;
                const length = videoClipLength(clip, assets[clip.asset_id], rate);
                const rampIn = track.transitions.find((t) => t.to_clip === clip.id)?.length ?? 0;
                return (
                  <Sequence key={clip.id} from={clip.start} durationInFrames={length} name={clip.id}>
                    <VideoClipView
                      clip={clip}
                      media={m}
                      length={length}
                      canvas={timeline.canvas}
                      rampIn={rampIn}
                      assetFps={assets[clip.asset_id]?.fps ?? timeline.canvas.fps}
                    />
                  </Sequence>
                );
              })}
          </AbsoluteFill>
        ),
      )}
      {timeline.audio_tracks.map((track) =>
        track.muted
          ? null
          : track.clips.map((clip) => {
              const m = media[clip.asset_id];
              if (!m) return null;
              return (
                <Sequence key={clip.id} from={clip.start} durationInFrames={clip.length} name={clip.id} layout="none">
                  <AudioClipView clip={clip} src={m.src} trackVolume={track.volume ?? 1} />
                </Sequence>
              );
            }),
      )}
      {timeline.overlays.map((o) => (
        <Sequence key={o.id} from={o.start} durationInFrames={o.length} name={o.id}>
          {o.type === "text" ? <TextView overlay={o} /> : <ImageView overlay={o} media={media[o.asset_id]} />}
        </Sequence>
      ))}
      <CaptionsLayer track={timeline.captions} width={timeline.canvas.width} height={timeline.canvas.height} />
    </AbsoluteFill>
  );
}
