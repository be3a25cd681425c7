import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DOCUMENT_CONTENT_TYPES, DOCUMENT_KINDS, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS_PER_UPLOAD } from '../../domain/documents.js';
import { CertbrokerError } from '../../domain/errors.js';
import type { DocumentsService, UploadedFile } from '../../orders/documents.service.js';
import type { DocumentRequest, OrderDocument } from '../../store/documents.repository.js';
import { resellerOf, staffOf } from '../auth.js';
import * as s from '../schemas.js';

const secured = [{ apiKey: [] }];
type Params = { id: string; docId?: string };

/** Form fields are short: a request id and a document type. */
const FIELD_BYTES = 1000;

export const documentRequestSchema = z.object({
  id: z.string().describe('name it as requestId when uploading'),
  kind: z.enum(DOCUMENT_KINDS),
  note: z.string().describe('what exactly the certificate authority needs'),
  requestedAt: z.string(),
  answeredAt: z.string().nullable(),
});

export const documentSchema = z.object({
  id: z.string(),
  requestId: z.string(),
  type: z.enum(DOCUMENT_KINDS),
  filename: z.string(),
  contentType: z.enum(DOCUMENT_CONTENT_TYPES),
  size: z.number().int(),
  sha256: z.string().describe('hex SHA-256 of the content'),
  uploadedAt: z.string(),
  forwardedAt: z.string().nullable().describe('when the certificate authority took it'),
});

const documentList = z.object({ requests: z.array(documentRequestSchema), documents: z.array(documentSchema) });

function presentRequest(r: DocumentRequest) {
  return { id: r.id, kind: r.kind, note: r.note, requestedAt: r.createdAt.toISOString(), answeredAt: r.answeredAt?.toISOString() ?? null };
}

function presentDocument(d: OrderDocument) {
  return {
    id: d.id,
    requestId: d.requestId,
    type: d.type,
    filename: d.filename,
    contentType: d.contentType,
    size: d.size,
    sha256: d.sha256,
    uploadedAt: d.createdAt.toISOString(),
    forwardedAt: d.forwardedAt?.toISOString() ?? null,
  };
}

/** The limits of the multipart reader, each turned into a sentence naming the rule. */
const MULTIPART_ERRORS: Readonly<Record<string, string>> = {
  FST_FILES_LIMIT: `Send at most ${MAX_DOCUMENTS_PER_UPLOAD} files in one upload.`,
  FST_PARTS_LIMIT: `Send at most ${MAX_DOCUMENTS_PER_UPLOAD} files and the fields requestId and type.`,
  FST_FIELDS_LIMIT: 'Send only the fields requestId and type beside the files.',
};

/** Reads the form: its fields (first value of each) and its files, each up to the limit; over the limit is a 413 naming the field. */
async function readForm(request: FastifyRequest): Promise<{ fields: Record<string, string>; files: UploadedFile[] }> {
  if (!request.isMultipart()) {
    throw new CertbrokerError('malformed', 'document.not_multipart', 'Send documents as multipart/form-data: one or more file parts and the fields requestId and type.');
  }
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  try {
    for await (const part of request.parts({ limits: { fileSize: MAX_DOCUMENT_BYTES, files: MAX_DOCUMENTS_PER_UPLOAD, fields: 4, fieldSize: FIELD_BYTES, parts: MAX_DOCUMENTS_PER_UPLOAD + 4 } })) {
      if (part.type === 'file') files.push({ field: part.fieldname, filename: part.filename, declaredType: part.mimetype, content: await part.toBuffer() });
      else if (!(part.fieldname in fields) && typeof part.value === 'string') fields[part.fieldname] = part.value;
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      const part = (error as { part?: { fieldname?: string; filename?: string } }).part;
      const path = part?.fieldname ?? 'file';
      const name = part?.filename ? `${path} (${part.filename})` : path;
      throw new CertbrokerError('payload_too_large', 'document.too_large', `${name} is larger than 10 MiB, the limit per file.`, [
        { path, code: 'document.too_large', message: `Each document may be at most 10 MiB (${MAX_DOCUMENT_BYTES} bytes).` },
      ]);
    }
    const limit = typeof code === 'string' ? MULTIPART_ERRORS[code] : undefined;
    if (limit !== undefined) throw new CertbrokerError('payload_too_large', 'document.form_too_large', limit);
    if (error instanceof CertbrokerError) throw error;
    throw new CertbrokerError('malformed', 'document.form_malformed', 'The multipart/form-data body could not be read; send the files and the fields requestId and type as one complete form.');
  }
  return { fields, files };
}

function sendDocument(reply: FastifyReply, document: OrderDocument & { content: Buffer }) {
  return reply
    .type(document.contentType)
    .header('content-disposition', `attachment; filename="${document.filename}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .header('repr-digest', `sha-256=:${Buffer.from(document.sha256, 'hex').toString('base64')}:`)
    .send(document.content);
}

/**
 * Documents of OV/EV orders: the reseller answers a document request with an upload, lists and
 * downloads its order's documents; staff see every order's. Nobody else: another reseller's order is a 404.
 */
export async function documentsRoutes(app: FastifyInstance, deps: { documents: DocumentsService }): Promise<void> {
  const { documents } = deps;
  await app.register(async (scope) => {
    // Only these routes read multipart bodies; the rest of the API stays JSON only.
    await scope.register(multipart, { limits: { fileSize: MAX_DOCUMENT_BYTES } });

    scope.post('/v1/orders/:id/documents', {
      schema: {
        tags: ['orders'],
        summary: 'Upload documents answering a document request (OV/EV)',
        description: `multipart/form-data: one or more files (PDF, PNG or JPEG, checked by their content; at most 10 MiB each, ${MAX_DOCUMENTS_PER_UPLOAD} per upload) and the fields requestId (the request answered) and type. The platform keeps each with its SHA-256 and forwards it to the certificate authority. 400: a form or file breaks a rule (fields name it); 409: a DV order, or no document request yet; 413: a file above 10 MiB.`,
        security: secured,
        consumes: ['multipart/form-data'],
        params: s.idParams,
        body: z.object({
          requestId: z.string(),
          type: z.enum(DOCUMENT_KINDS),
          file: z.string().describe('one or more file parts (binary)'),
        }),
        response: { 201: z.object({ data: z.array(documentSchema) }), 400: s.errorResponse, 404: s.errorResponse, 409: s.errorResponse, 413: s.errorResponse },
      },
      handler: async (request, reply) => {
        const { actor } = resellerOf(request);
        // Another reseller's order is a 404 whatever the body: ownership first, then the form.
        await documents.assertOwned(actor.id, (request.params as Params).id);
        const form = await readForm(request);
        const stored = await documents.upload(actor, (request.params as Params).id, { requestId: form.fields.requestId, type: form.fields.type, files: form.files });
        reply.status(201);
        return { data: stored.map(presentDocument) };
      },
    });
  });

  for (const audience of ['reseller', 'staff'] as const) {
    const base = audience === 'reseller' ? '/v1/orders/:id/documents' : '/v1/staff/orders/:id/documents';
    /** The reseller whose orders the caller may see, or null for staff (every order). */
    const callerOf = (request: FastifyRequest): string | null => {
      if (audience === 'reseller') return resellerOf(request).resellerId;
      staffOf(request);
      return null;
    };

    app.get(base, {
      schema: {
        tags: [audience === 'reseller' ? 'orders' : 'staff'],
        summary: 'The order’s document requests and documents (metadata and SHA-256; never the content)',
        security: secured,
        params: s.idParams,
        response: { 200: documentList, 404: s.errorResponse },
      },
      handler: async (request) => {
        const listed = await documents.list(callerOf(request), (request.params as Params).id);
        return { requests: listed.requests.map(presentRequest), documents: listed.documents.map(presentDocument) };
      },
    });

    app.get(`${base}/:docId`, {
      schema: {
        tags: [audience === 'reseller' ? 'orders' : 'staff'],
        summary: 'Download one document (Repr-Digest carries its SHA-256)',
        security: secured,
        params: z.object({ id: z.string(), docId: z.string() }),
        response: { 404: s.errorResponse },
      },
      handler: async (request, reply) => {
        const params = request.params as Params;
        return sendDocument(reply, await documents.download(callerOf(request), params.id, params.docId ?? ''));
      },
    });
  }
}
