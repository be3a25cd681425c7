/** A file carried by an email: an attachment, or an inline image when it has a `cid`. */
export interface EmailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
  /** Content-ID of an inline image, referenced from the HTML as `cid:…`. */
  readonly cid?: string;
}

/** A rendered email before it becomes a MIME message: all values are clean and escaped. */
export interface RenderedEmail {
  /** One line, never a CR or LF. */
  readonly subject: string;
  /** The display name of the sender: the reseller's for the order confirmation, a neutral one otherwise. */
  readonly senderName: string;
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly EmailAttachment[];
}
