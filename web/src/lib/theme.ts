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
 * variable at a cache-busted URL. (The favicon has its own URL: see `setFavicon`.)
 */
export function reloadLogo(version: string | number = Date.now()): void {
  const url = `/v1/tenant/logo?v=${encodeURIComponent(String(version))}`;
  document.documentElement.style.setProperty("--flowai-logo", `url("${url}")`);
}

/**
 * Point the page's favicon at `href` (the theme's versioned `favicon_url`): browsers fetch a tab
 * icon again only when its URL changes. Adds a `<link rel="icon">` when the page has none.
 */
export function setFavicon(href: string): void {
  const icons = Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel~="icon"]'));
  if (!icons.length) {
    const link = document.createElement("link");
    link.rel = "icon";
    document.head.appendChild(link);
    icons.push(link);
  }
  for (const icon of icons) if (icon.getAttribute("href") !== href) icon.setAttribute("href", href);
}
