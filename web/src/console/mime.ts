/**
 * A small RFC 5322 / MIME reader for the mail log: enough to show a message as its recipient sees it
 * (headers, the HTML or text body, inline images, attachments). Display only; the raw source stays the record.
 */

export interface MimePart {
  readonly headers: ReadonlyMap<string, string>;
  readonly contentType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly bytes: Uint8Array;
  readonly parts: readonly MimePart[];
}

export interface ParsedMessage {
  readonly headers: ReadonlyMap<string, string>;
  readonly html: string | null;
  readonly text: string | null;
  readonly attachments: readonly { filename: string; contentType: string; size: number }[];
}

/** Splits a header block into lower-cased names and unfolded values (the first of each name wins). */
function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** `text/html; charset="utf-8"` → the type and its parameters. */
function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

function decodeBody(body: string, encoding: string | undefined): Uint8Array {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64': {
      const clean = body.replace(/[^A-Za-z0-9+/=]/g, '');
      try {
        return latin1Bytes(atob(clean));
      } catch {
        return latin1Bytes(body);
      }
    }
    case 'quoted-printable':
      return latin1Bytes(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))));
    default:
      return new TextEncoder().encode(body);
  }
}

/** Reads one entity (a whole message or a part), recursing into multiparts. The source is taken as Latin-1 code units of the bytes sent. */
function parseEntity(source: string): MimePart {
  const split = /\r?\n\r?\n/.exec(source);
  const headerBlock = split ? source.slice(0, split.index) : source;
  const body = split ? source.slice(split.index + split[0].length) : '';
  const headers = parseHeaders(headerBlock);
  const { type, params } = parseContentType(headers.get('content-type'));
  if (type.startsWith('multipart/') && params.boundary) {
    const delimiter = `--${params.boundary}`;
    const chunks = body.split(delimiter).slice(1);
    const parts: MimePart[] = [];
    for (const chunk of chunks) {
      if (chunk.startsWith('--')) break;
      parts.push(parseEntity(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
    }
    return { headers, contentType: type, params, bytes: new Uint8Array(), parts };
  }
  return { headers, contentType: type, params, bytes: decodeBody(body, headers.get('content-transfer-encoding')), parts: [] };
}

function textOf(part: MimePart): string {
  try {
    return new TextDecoder(part.params.charset ?? 'utf-8').decode(part.bytes);
  } catch {
    return new TextDecoder('utf-8').decode(part.bytes);
  }
}

function leaves(part: MimePart): MimePart[] {
  return part.parts.length === 0 ? [part] : part.parts.flatMap(leaves);
}

function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** RFC 2047 encoded words (`=?utf-8?B?…?=`) in a header value, decoded for display. */
export function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*(?==\?)|=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (...m: string[]) => {
    const charset = m[1] || m[4] || 'utf-8';
    const mode = (m[2] || m[5] || 'B').toUpperCase();
    const data = m[3] ?? m[6] ?? '';
    const bytes = mode === 'B' ? decodeBody(data, 'base64') : decodeBody(data.replace(/_/g, ' '), 'quoted-printable');
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      return data;
    }
  });
}

/** Parses a raw message: its headers, its HTML and text bodies (inline `cid:` images made self-contained), its attachments. */
export function parseMessage(raw: string): ParsedMessage {
  // The API returns the source as text; back to bytes as sent, so that 8-bit parts decode with their own charset.
  const root = parseEntity(utf8AsLatin1(raw));
  const all = leaves(root);
  const inline = new Map<string, string>();
  for (const part of all) {
    const id = part.headers.get('content-id');
    if (id && part.contentType.startsWith('image/')) inline.set(id.replace(/^<|>$/g, ''), `data:${part.contentType};base64,${base64Of(part.bytes)}`);
  }
  const isAttachment = (p: MimePart) => /attachment/i.test(p.headers.get('content-disposition') ?? '') || (!p.contentType.startsWith('text/') && !p.headers.has('content-id'));
  const htmlPart = all.find((p) => p.contentType === 'text/html' && !isAttachment(p));
  const textPart = all.find((p) => p.contentType === 'text/plain' && !isAttachment(p));
  const html = htmlPart ? textOf(htmlPart).replace(/cid:([^"'\s)>]+)/g, (whole, id: string) => inline.get(id) ?? whole) : null;
  return {
    headers: root.headers,
    html,
    text: textPart ? textOf(textPart) : null,
    attachments: all.filter(isAttachment).map((p) => {
      const disposition = parseContentType(p.headers.get('content-disposition'));
      return { filename: decodeWords(disposition.params.filename ?? p.params.name ?? 'attachment'), contentType: p.contentType, size: p.bytes.length };
    }),
  };
}

function utf8AsLatin1(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}
