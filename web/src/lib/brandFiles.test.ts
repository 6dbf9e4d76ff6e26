import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import {
  BRAND_FILES,
  acceptOf,
  brandFileUrl,
  brandFileVersion,
  checkBrandFile,
  cssFontFormat,
  faviconHref,
  fontSource,
  formatLimit,
  formatSize,
  previewFontFamily,
  uploadErrorMessage,
  withUploadedFont,
} from "./brandFiles";

const KiB = 1024;
const MiB = 1024 * 1024;
const file = (name: string, type: string, size: number) => ({ name, type, size });

describe("brand file checks", () => {
  it("accepts each kind's formats by MIME type or, when the browser reports none, by extension", () => {
    expect(checkBrandFile(BRAND_FILES.logo, file("logo.png", "image/png", 10))).toBeNull();
    expect(checkBrandFile(BRAND_FILES.favicon, file("favicon.ico", "", 10))).toBeNull();
    expect(checkBrandFile(BRAND_FILES.favicon, file("x", "image/vnd.microsoft.icon", 10))).toBeNull();
    expect(checkBrandFile(BRAND_FILES.font, file("Brand.WOFF2", "", 10))).toBeNull();
    expect(checkBrandFile(BRAND_FILES.font, file("DejaVuSerif.ttf", "font/ttf", 10))).toBeNull();
    expect(checkBrandFile(BRAND_FILES.font, file("brand.otf", "application/octet-stream", 10))).toBeNull();
  });

  it("names the formats when a file is of another kind", () => {
    expect(checkBrandFile(BRAND_FILES.logo, file("favicon.ico", "image/x-icon", 10))).toBe(
      "Choose a PNG, JPEG, WebP or GIF image.",
    );
    expect(checkBrandFile(BRAND_FILES.favicon, file("a.svg", "image/svg+xml", 10))).toBe(
      "Choose a PNG, JPEG, WebP, GIF or ICO image.",
    );
    expect(checkBrandFile(BRAND_FILES.font, file("logo.png", "image/png", 10))).toBe(
      "Choose a WOFF2, WOFF, TTF or OTF font file.",
    );
  });

  it("refuses empty files and files over the limit, with both sizes", () => {
    expect(checkBrandFile(BRAND_FILES.font, file("a.ttf", "font/ttf", 0))).toBe("That font file is empty.");
    expect(checkBrandFile(BRAND_FILES.favicon, file("f.png", "image/png", 512 * KiB))).toBeNull();
    expect(checkBrandFile(BRAND_FILES.favicon, file("f.png", "image/png", 512 * KiB + 1))).toBe(
      "That image is 513 KiB; favicons are limited to 512 KiB.",
    );
    expect(checkBrandFile(BRAND_FILES.logo, file("l.png", "image/png", 2 * MiB + 1))).toBe(
      "That image is 2.1 MiB; logos are limited to 2 MiB.",
    );
    expect(checkBrandFile(BRAND_FILES.font, file("b.woff2", "font/woff2", 3 * MiB))).toBe(
      "That font file is 3.0 MiB; font files are limited to 2 MiB.",
    );
  });

  it("formats sizes rounded up and limits whole", () => {
    expect(formatSize(20)).toBe("20 bytes");
    expect(formatSize(1500)).toBe("2 KiB");
    expect(formatSize(MiB)).toBe("1.0 MiB");
    expect(formatLimit(512 * KiB)).toBe("512 KiB");
    expect(formatLimit(2 * MiB)).toBe("2 MiB");
  });

  it("lists extensions and MIME types for the file picker", () => {
    const accept = acceptOf(BRAND_FILES.font).split(",");
    expect(accept).toEqual(expect.arrayContaining([".woff2", ".woff", ".ttf", ".otf", "font/woff2", "font/ttf"]));
    expect(new Set(accept).size).toBe(accept.length);
    expect(acceptOf(BRAND_FILES.favicon)).toContain(".ico");
  });

  it("turns the server's problem into a sentence", () => {
    const tooLarge = new ApiError({
      status: 413,
      problem: {
        detail: "body: a favicon is limited to 512 KiB",
        errors: [{ field: "body", message: "a favicon is limited to 512 KiB" }],
      },
    });
    expect(uploadErrorMessage(tooLarge)).toBe("A favicon is limited to 512 KiB.");
    expect(uploadErrorMessage(new ApiError({ status: 403, problem: { detail: "Admins only." } }))).toBe("Admins only.");
    expect(uploadErrorMessage(new Error("boom"))).toBe("boom");
  });
});

describe("brand file URLs", () => {
  it("versions a URL by the upload's id in the storage key", () => {
    expect(brandFileVersion("t/ten_1/brand/01JABC/font")).toBe("01JABC");
    expect(brandFileUrl("font", "t/ten_1/brand/01JABC/font")).toBe("/v1/tenant/font?v=01JABC");
  });

  it("shows the uploaded favicon, else the logo, else a cache-busted default", () => {
    expect(faviconHref({ favicon_key: "t/x/brand/F1/favicon", logo_key: "t/x/brand/L1/logo" }, 7)).toBe(
      "/v1/tenant/favicon?v=F1",
    );
    expect(faviconHref({ favicon_key: null, logo_key: "t/x/brand/L1/logo" }, 7)).toBe("/v1/tenant/favicon?v=L1");
    expect(faviconHref({}, 7)).toBe("/v1/tenant/favicon?v=7");
  });

  it("describes a font source with its CSS format", () => {
    expect(cssFontFormat("ttf")).toBe("truetype");
    expect(cssFontFormat("otf")).toBe("opentype");
    expect(cssFontFormat("woff2")).toBe("woff2");
    expect(cssFontFormat("svg")).toBeNull();
    expect(fontSource("/v1/tenant/font?v=A", "woff2")).toBe('url("/v1/tenant/font?v=A") format("woff2")');
    expect(fontSource('/x"y', null)).toBe('url("/x%22y")');
  });

  it("gives the preview a family of its own, ahead of the typed stack", () => {
    const family = previewFontFamily("/v1/tenant/font?v=01JABC");
    expect(family).toBe("FlowAI Brand Preview 01JABC");
    expect(previewFontFamily('/v1/tenant/font?v=a"b;c')).toBe("FlowAI Brand Preview abc");
    expect(withUploadedFont(family, "Georgia, serif")).toBe('"FlowAI Brand Preview 01JABC", Georgia, serif');
    expect(withUploadedFont(null, "Georgia, serif")).toBe("Georgia, serif");
  });
});
