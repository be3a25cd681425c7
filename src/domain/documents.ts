/**
 * Documents of organisation validation (OV/EV, issue 7): what a supplier may ask for, and what a
 * reseller may upload in answer. Pure: the upload route and the stores check against these lists.
 */

/** What a supplier may ask for; also the `type` of an uploaded document. */
export const DOCUMENT_KINDS = ['registration_extract', 'proof_of_address', 'attestation_letter', 'callback_verification', 'other'] as const;
/** One of {@link DOCUMENT_KINDS}. */
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export function isDocumentKind(value: unknown): value is DocumentKind {
  return (DOCUMENT_KINDS as readonly unknown[]).includes(value);
}

/** How each kind reads in a sentence, per language (the notices and the timeline). */
export const DOCUMENT_KIND_LABELS: Readonly<Record<'en' | 'de', Readonly<Record<DocumentKind, string>>>> = {
  en: {
    registration_extract: 'an extract from the commercial register',
    proof_of_address: 'a proof of the organisation’s address',
    attestation_letter: 'an attestation letter (e.g. from a lawyer or accountant)',
    callback_verification: 'a call-back verification by telephone',
    other: 'further documents',
  },
  de: {
    registration_extract: 'einen Handelsregisterauszug',
    proof_of_address: 'einen Nachweis der Anschrift der Organisation',
    attestation_letter: 'ein Bestätigungsschreiben (z. B. eines Anwalts oder Steuerberaters)',
    callback_verification: 'eine telefonische Rückruf-Verifizierung',
    other: 'weitere Unterlagen',
  },
};

/** The file types an upload may have. */
export const DOCUMENT_CONTENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
/** One of {@link DOCUMENT_CONTENT_TYPES}. */
export type DocumentContentType = (typeof DOCUMENT_CONTENT_TYPES)[number];

/** DESIGN.md: document uploads up to 10 MiB a file. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** Files in one upload. */
export const MAX_DOCUMENTS_PER_UPLOAD = 5;

const SIGNATURES: readonly { readonly type: DocumentContentType; readonly magic: Buffer }[] = [
  // ISO 32000-1 7.5.2: a PDF file begins with its header, "%PDF-" and the version.
  { type: 'application/pdf', magic: Buffer.from('%PDF-', 'latin1') },
  // PNG (ISO/IEC 15948 5.2): the eight-byte signature.
  { type: 'image/png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  // JPEG (ITU T.81 B.1.1.2): SOI followed by the next marker's 0xFF.
  { type: 'image/jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];

/** The type a file's first bytes prove, whatever its name or declared type says; undefined for anything else. */
export function sniffDocumentType(content: Uint8Array): DocumentContentType | undefined {
  const head = Buffer.from(content.buffer, content.byteOffset, Math.min(content.byteLength, 16));
  return SIGNATURES.find((signature) => head.length >= signature.magic.length && head.subarray(0, signature.magic.length).equals(signature.magic))?.type;
}

/** A file name safe to keep and to offer in Content-Disposition: its last path segment, printable ASCII, at most 120 characters. */
export function cleanDocumentName(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).at(-1) ?? '';
  const clean = base.replace(/[^\x20-\x7e]/g, '_').replace(/["\\;]/g, '_').trim().slice(-120);
  return clean === '' || clean === '.' || clean === '..' ? fallback : clean;
}
