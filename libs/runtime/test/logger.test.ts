import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, scrubSecrets } from "../src/index.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, log: createLogger({ name: "t", level: "info", destination }) };
}

describe("logger redaction", () => {
  it("censors tokens in known fields and in free text", () => {
    const { lines, log } = capture();
    log.info({ token: "glrt-abcdefghijkl", job: { token: "glcbt-64_secretsecret" }, apiKey: "sk-ant-api03-xyzxyzxyz" }, "runner glrt-abcdefghijkl asked");
    log.info({ url: "https://gitlab-ci-token:glcbt-64_abcdefgh@gitlab.example.com/g/p.git" }, "clone");
    const text = lines.join("");
    expect(text).not.toMatch(/glrt-abcdefghijkl|glcbt-64_secret|sk-ant-api03/);
    expect(text).toContain("[REDACTED]");
  });

  it("scrubs Switchyard-issued runner tokens and URL credentials", () => {
    expect(scrubSecrets("token syr_AAAAAAAAAAAAAAAA here")).toBe("token [REDACTED] here");
    expect(scrubSecrets("http://user:pass@host/x")).toBe("http://[REDACTED]@host/x");
  });
});
