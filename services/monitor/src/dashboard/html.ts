/** HTML that is already escaped or authored here; everything else is escaped on interpolation. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string { return this.value; }
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(value);
}

/** Tagged template: interpolated values are escaped unless they are SafeHtml (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => { out += render(value) + (strings[i + 1] ?? ""); });
  return new SafeHtml(out);
}

/** Marks trusted, authored markup (CSS, constants) as safe; never pass data from Redis. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
