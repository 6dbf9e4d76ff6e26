import { useEffect, useState } from "react";
import { fontSource, previewFontFamily } from "./brandFiles";

export type FontFaceStatus = "none" | "loading" | "loaded" | "error" | "unsupported";

export interface LoadedFont {
  /** The family to name in a font stack, once the face is in `document.fonts`; else null. */
  family: string | null;
  status: FontFaceStatus;
}

/**
 * Load the font at `url` with the FontFace API under a family name of its own (see
 * `previewFontFamily`), for a preview that must show an upload before the rest of the app does.
 * The face leaves `document.fonts` when the URL changes or the component unmounts.
 */
export function useFontFace(url: string | null, format: string | null | undefined): LoadedFont {
  const [state, setState] = useState<LoadedFont & { url: string | null }>({ url: null, family: null, status: "none" });

  useEffect(() => {
    if (!url) return;
    if (typeof FontFace === "undefined" || typeof document === "undefined" || !document.fonts) {
      setState({ url, family: null, status: "unsupported" });
      return;
    }
    const family = previewFontFamily(url);
    let face: FontFace;
    try {
      face = new FontFace(family, fontSource(url, format), { display: "swap" });
    } catch {
      setState({ url, family: null, status: "error" });
      return;
    }
    let live = true;
    const fonts = document.fonts;
    fonts.add(face);
    setState({ url, family, status: "loading" });
    face.load().then(
      () => live && setState({ url, family, status: "loaded" }),
      () => live && setState({ url, family: null, status: "error" }),
    );
    return () => {
      live = false;
      fonts.delete(face);
    };
  }, [url, format]);

  // A state left from another URL (or none) is not this one's.
  if (!url) return { family: null, status: "none" };
  if (state.url !== url) return { family: null, status: "loading" };
  return { family: state.family, status: state.status };
}
