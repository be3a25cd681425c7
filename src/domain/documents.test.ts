import { describe, expect, it } from 'vitest';
import { cleanDocumentName, sniffDocumentType } from './documents.js';

describe('sniffDocumentType', () => {
  it('knows PDF, PNG and JPEG by their first bytes, and nothing else', () => {
    expect(sniffDocumentType(Buffer.from('%PDF-1.4\n...'))).toBe('application/pdf');
    expect(sniffDocumentType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffDocumentType(Buffer.from([0xff, 0xd8, 0xff, 0xdb]))).toBe('image/jpeg');
    expect(sniffDocumentType(Buffer.from('MZ\x90\x00', 'latin1'))).toBeUndefined();
    expect(sniffDocumentType(Buffer.from('hello %PDF-1.4'))).toBeUndefined();
    expect(sniffDocumentType(Buffer.from([0x89, 0x50, 0x4e]))).toBeUndefined();
    expect(sniffDocumentType(new Uint8Array())).toBeUndefined();
  });

  it('reads a view into a larger buffer from its own offset', () => {
    const whole = Buffer.from('xxxx%PDF-1.7');
    expect(sniffDocumentType(whole.subarray(4))).toBe('application/pdf');
  });
});

describe('cleanDocumentName', () => {
  it('keeps the last path segment in printable ASCII without quotes', () => {
    expect(cleanDocumentName('../../etc/passwd', 'x')).toBe('passwd');
    expect(cleanDocumentName('C:\\Users\\a\\extract "2026".pdf', 'x')).toBe('extract _2026_.pdf');
    expect(cleanDocumentName('Auszug-Müller.pdf', 'x')).toBe('Auszug-M_ller.pdf');
    expect(cleanDocumentName('name\r\nX-Header: 1.pdf', 'x')).toBe('name__X-Header: 1.pdf');
  });

  it('falls back for an empty or dot name', () => {
    expect(cleanDocumentName(undefined, 'document.pdf')).toBe('document.pdf');
    expect(cleanDocumentName('..', 'document.pdf')).toBe('document.pdf');
    expect(cleanDocumentName('dir/', 'document.pdf')).toBe('document.pdf');
  });
});
