import { LANGUAGES, type Language } from '../../domain/order.js';
import { renderApproval, type ApprovalData } from './approval.js';
import { renderDcvInstructions, type DcvInstructionsData } from './dcv-instructions.js';
import { renderDocumentsRequest, type DocumentsRequestData } from './documents-request.js';
import { renderExpiryNotice, type ExpiryNoticeData } from './expiry-notice.js';
import { renderFulfilment, type FulfilmentData } from './fulfilment.js';
import { renderHoldNotice, type HoldNoticeData } from './hold-notice.js';
import { renderOrderConfirmation, type OrderConfirmationData } from './order-confirmation.js';
import { renderResellerNotice, type ResellerNoticeData } from './reseller-notice.js';
import type { RenderedEmail } from './types.js';

export type { ApprovalData, DcvInstructionsData, DocumentsRequestData, ExpiryNoticeData, FulfilmentData, HoldNoticeData, OrderConfirmationData, ResellerNoticeData };
export type { EmailAttachment, RenderedEmail } from './types.js';

/** Every email the platform composes from a template (DESIGN.md Emails): the customer emails and the notice to the reseller. */
export const TEMPLATE_NAMES = ['order-confirmation', 'approval', 'dcv-instructions', 'fulfilment', 'hold-notice', 'reseller-notice', 'documents-request', 'expiry-notice'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** The data each template is rendered from. */
export interface TemplateData {
  'order-confirmation': OrderConfirmationData;
  approval: ApprovalData;
  'dcv-instructions': DcvInstructionsData;
  fulfilment: FulfilmentData;
  'hold-notice': HoldNoticeData;
  'reseller-notice': ResellerNoticeData;
  'documents-request': DocumentsRequestData;
  'expiry-notice': ExpiryNoticeData;
}

/** One renderer per template: a template added to the list without one does not compile. */
const RENDERERS: { readonly [T in TemplateName]: (data: TemplateData[T], language: Language) => RenderedEmail } = {
  'order-confirmation': renderOrderConfirmation,
  approval: renderApproval,
  'dcv-instructions': renderDcvInstructions,
  fulfilment: renderFulfilment,
  'hold-notice': renderHoldNotice,
  'reseller-notice': renderResellerNotice,
  'documents-request': renderDocumentsRequest,
  'expiry-notice': renderExpiryNotice,
};

/**
 * Renders one email from data alone: subject, sender display name, plain-text and HTML parts, and its
 * files. Every interpolated value is escaped for where it lands; the subject is one line.
 */
export function renderEmail<T extends TemplateName>(template: T, data: TemplateData[T], language: Language): RenderedEmail {
  const render = RENDERERS[template] as (data: TemplateData[T], language: Language) => RenderedEmail;
  if (render === undefined) throw new TypeError(`unknown email template ${String(template)}`);
  if (!LANGUAGES.includes(language)) throw new TypeError(`unsupported email language ${String(language)}`);
  return render(data, language);
}
