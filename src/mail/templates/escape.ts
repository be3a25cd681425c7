/**
 * Escaping for the three places a value can land in an email: HTML, the plain-text part, and header
 * fields. Templates interpolate through the {@link html} and {@link text} tags, so a value is escaped
 * by construction rather than by remembering to.
 */

/** C0 controls, DEL and C1 controls, except tab and line feed (which a text block may keep). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/**
 * Bidirectional overrides and isolates reorder what a reader sees ("trojan source"): a domain or a code
 * could be displayed as something else than what it is. Line and paragraph separators break lines in
 * some clients.
 */
const INVISIBLE = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** Cuts `value` to at most `max` characters (code points), marking the cut with an ellipsis. */
export function clip(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join('')}…`;
}

/** Removes control and invisible formatting characters; line breaks and spacing stay as they are. */
function stripControls(value: string): string {
  return value.replace(CONTROL, '').replace(INVISIBLE, '');
}

/** Line breaks and tabs become single spaces, control characters are removed; edges are kept. */
function flatten(value: string): string {
  return stripControls(value.replace(/\r\n?|\n|\t/g, ' ')).replace(/ {2,}/g, ' ');
}

/** One line of text (a name, a domain): no control characters and no line breaks (they become spaces), trimmed. */
export function cleanLine(value: string): string {
  return flatten(value).trim();
}

/** A block of text that may span lines: line breaks normalised to `\n`, other control characters removed. */
export function cleanBlock(value: string): string {
  return stripControls(value.replace(/\r\n?/g, '\n').replace(/\t/g, ' ')).trim();
}

/**
 * A header field value (subject, display name): one line, never a CR or LF, so no value can end the
 * field and start another one (header injection). Long values are cut; nodemailer folds and encodes.
 */
export function headerValue(value: string, max = 200): string {
  return clip(cleanLine(value), max);
}

/** HTML that is already safe to emit: produced by the {@link html} tag or by the helpers below. */
export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

/** A value that may be interpolated into {@link html}: strings and numbers are escaped, arrays joined. */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes a text for HTML element content and for double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return stripControls(value.replace(/\r\n?/g, '\n')).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function renderHtmlValue(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => renderHtmlValue(v)).join('');
  return escapeHtml(String(value));
}

/** Tagged template for HTML: every interpolated value is escaped unless it is already {@link SafeHtml}. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += renderHtmlValue(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** A multi-line text shown in HTML: escaped, with its line breaks kept as `<br>`. */
export function htmlLines(value: string): SafeHtml {
  return new SafeHtml(
    cleanBlock(value)
      .split('\n')
      .map((l) => escapeHtml(l))
      .join('<br>\n'),
  );
}

/** Plain text that is already clean: produced by the {@link text} tag or by {@link textBlock}. */
export class SafeText {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

/** A value that may be interpolated into {@link text}: strings become one clean line, arrays are joined. */
export type TextValue = string | number | SafeText | null | undefined | false | readonly TextValue[];

function renderTextValue(value: TextValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeText) return value.value;
  if (Array.isArray(value)) return value.map((v: TextValue) => renderTextValue(v)).join('');
  return flatten(String(value));
}

/** Tagged template for the plain-text part: interpolated strings are reduced to one clean line each. */
export function text(strings: TemplateStringsArray, ...values: readonly TextValue[]): SafeText {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += renderTextValue(value) + (strings[i + 1] ?? '');
  });
  return new SafeText(out);
}

/** A multi-line text for the plain-text part (a signature): line breaks kept, control characters removed. */
export function textBlock(value: string): SafeText {
  return new SafeText(cleanBlock(value));
}
