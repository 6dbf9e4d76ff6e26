import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import { resetCsrf } from "../api/client";

afterEach(() => {
  cleanup();
  resetCsrf();
  // Drop every cookie a test set.
  for (const part of document.cookie.split(";")) {
    const name = part.split("=")[0]?.trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
});
