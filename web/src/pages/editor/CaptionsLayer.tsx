/**
 * The caption track in the Remotion preview: the line on screen at the current frame, in the
 * style preset's font, size, colour, outline or box and position (captions.ts), with the spoken
 * word highlighted when karaoke is on. Lines and words change on the same frames as the libass
 * events the export burns in (captions.py), so the preview and the export show the same words.
 */
import { AbsoluteFill, useCurrentFrame } from "remotion";
import { captionCss, highlightedWord, lineAt, type CaptionTrack } from "./captions";

export function CaptionsLayer({ track, width, height }: { track: CaptionTrack | null | undefined; width: number; height: number }) {
  const frame = useCurrentFrame();
  const line = lineAt(track, frame);
  if (!track || !line) return null;
  const css = captionCss(track.style ?? "classic", width, height);
  const current = track.karaoke && line.words?.length ? highlightedWord(line, frame) : null;
  return (
    <AbsoluteFill data-captions="on" style={{ pointerEvents: "none" }}>
      <div style={css.box} data-caption-line={line.id}>
        <span style={css.text} dir="auto">
          {current === null
            ? line.text
            : (line.words ?? []).map((w, n) => (
                <span key={n} style={n === current ? { color: css.highlight } : undefined}>
                  {n > 0 ? " " : ""}
                  {w.text}
                </span>
              ))}
        </span>
      </div>
    </AbsoluteFill>
  );
}
