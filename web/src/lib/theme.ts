/**
 * Re-theme the running app after an admin saved the brand: no page reload, no rebuild.
 * The brand lives only in CSS variables, so fetching /theme.css again is all it takes.
 */

const THEME_HREF = "/theme.css";

/** Swap the /theme.css <link> for a cache-busted one; the old one goes once the new one loaded. */
export function reloadThemeCss(version: string | number = Date.now()): HTMLLinkElement {
  const old = Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')).filter((l) =>
    (l.getAttribute("href") ?? "").startsWith(THEME_HREF),
  );
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = `${THEME_HREF}?v=${encodeURIComponent(String(version))}`;
  link.dataset.flowaiTheme = "";
  const drop = () => old.forEach((l) => l.remove());
  link.addEventListener("load", drop, { once: true });
  link.addEventListener("error", drop, { once: true });
  // Put it where the first one was, so it keeps its place in the cascade.
  if (old[0]?.parentNode) old[0].parentNode.insertBefore(link, old[old.length - 1].nextSibling);
  else document.head.appendChild(link);
  return link;
}

/**
 * A new logo keeps the same URL (/v1/tenant/logo), which the browser has cached: point the logo
 * variable and the favicon at a cache-busted URL.
 */
export function reloadLogo(version: string | number = Date.now()): void {
  const url = `/v1/tenant/logo?v=${encodeURIComponent(String(version))}`;
  document.documentElement.style.setProperty("--flowai-logo", `url("${url}")`);
  for (const icon of document.querySelectorAll<HTMLLinkElement>('link[rel~="icon"]')) icon.href = url;
}
