/** Answer checks shared by the setup prompts: they return true, or what is wrong in a few words. */
import { NAME_RE } from "../config/names.js";

/** App and account names appear in URLs and env var names. */
export const validName = (v: string): true | string => NAME_RE.test(v) || "use letters, digits, '-' or '_'";

export const validUrl = (v: string): true | string => {
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:" || "must be an http(s) URL";
  } catch {
    return "must be a full URL, e.g. https://bridge.example.com";
  }
};
