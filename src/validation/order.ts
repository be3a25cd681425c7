import type { FieldError } from '../domain/errors.js';
import { LANGUAGES } from '../domain/order.js';
import type { Language } from '../domain/order.js';
import { PRODUCT_CODES, PRODUCTS, TERM_MONTHS, isProductCode } from '../domain/products.js';
import type { Product, ProductCode, TermMonths } from '../domain/products.js';
import { resolveDcv } from './approver.js';
import type { DcvChoice } from './approver.js';
import { isRecord, ownField, validateContact, validateOrganization } from './contacts.js';
import type { Contact, Organization } from './contacts.js';
import { compareWithCsr, validateNames } from './domains.js';
import type { NormalizedName } from './domains.js';
import type { Checked, DecodedCsr } from './types.js';

/** Largest CSR text read; a CSR with 100 names and a 4096-bit key is far below this. */
export const MAX_CSR_LENGTH = 64 * 1024;

/** An order whose every field passed every check, in normalised form. Prices are not part of it. */
export interface ValidOrder {
  readonly product: ProductCode;
  readonly termMonths: TermMonths;
  readonly csr: DecodedCsr;
  /** In the order given, distinct, A-label form in `ascii`. */
  readonly domains: NormalizedName[];
  readonly approverEmail: string;
  /** For every domain (A-label key) how its control is validated; names without a `dcv` entry get email to `approverEmail`. */
  readonly dcv: Record<string, DcvChoice>;
  readonly adminContact: Contact;
  /** Null for DV products. */
  readonly organization: Organization | null;
  readonly language: Language;
}

/** Everything found while checking a (possibly partial) order. */
export interface OrderValidation {
  /** Every error found, in the order of the body's fields; empty when `order` is set. */
  readonly errors: FieldError[];
  readonly order?: ValidOrder;
  /** The chosen product, once `product` is a known code. */
  readonly product?: Product;
  /** The domain entries that are valid so far (for pricing while the order is typed). */
  readonly names?: NormalizedName[];
  /** The decoded CSR, once `csr` passed every CSR check. */
  readonly csr?: DecodedCsr;
}

/** What `validateOrder` is handed: the CSR decoder (`createCsrDecoder` from `csr.ts`, or a test double). */
export interface OrderValidationDeps {
  readonly decodeCsr: (input: string | Uint8Array) => Checked<DecodedCsr>;
}

function fail(path: string, code: string, message: string): FieldError {
  return { path, code, message };
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function readProduct(value: unknown, errors: FieldError[]): Product | undefined {
  if (isMissing(value)) {
    errors.push(fail('product', 'product.required', `Choose a product: one of ${PRODUCT_CODES.join(', ')}.`));
    return undefined;
  }
  if (!isProductCode(value)) {
    errors.push(fail('product', 'product.unknown', `Unknown product; the product must be one of ${PRODUCT_CODES.join(', ')}.`));
    return undefined;
  }
  return PRODUCTS[value];
}

function readTerm(value: unknown, errors: FieldError[]): TermMonths | undefined {
  const terms = TERM_MONTHS.join(', ');
  if (isMissing(value)) {
    errors.push(fail('termMonths', 'term.required', `Choose a term: ${terms} months.`));
    return undefined;
  }
  const term = TERM_MONTHS.find((t) => t === value);
  if (term === undefined) errors.push(fail('termMonths', 'term.unknown', `termMonths must be one of ${terms} (a number of months).`));
  return term;
}

function readCsr(value: unknown, deps: OrderValidationDeps, errors: FieldError[]): DecodedCsr | undefined {
  if (isMissing(value)) {
    errors.push(fail('csr', 'csr.required', 'Paste the certificate signing request (CSR) in PEM form, starting with -----BEGIN CERTIFICATE REQUEST-----.'));
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push(fail('csr', 'csr.type', 'The CSR must be a text in PEM form.'));
    return undefined;
  }
  if (value.length > MAX_CSR_LENGTH) {
    errors.push(fail('csr', 'csr.too_large', `The CSR is ${value.length} characters long; a CSR has at most ${MAX_CSR_LENGTH / 1024} KiB.`));
    return undefined;
  }
  const decoded = deps.decodeCsr(value);
  if (!decoded.ok) {
    errors.push(...decoded.errors);
    return undefined;
  }
  return decoded.value;
}

function readLanguage(value: unknown, errors: FieldError[]): Language | undefined {
  if (isMissing(value)) return 'en';
  const language = LANGUAGES.find((l) => l === value);
  if (language === undefined) errors.push(fail('language', 'language.unknown', `language must be one of ${LANGUAGES.join(', ')}.`));
  return language;
}

/**
 * Checks a whole or partial order (`POST /v1/orders` and `/v1/orders/validate`) and collects every
 * error, each on its field's path; a missing required field is an error like any other. `order` is
 * set only when there are none. Unknown top-level fields are ignored, so clients may send fields that
 * later versions read.
 *
 * Input that is not a JSON object gives one error, `body.not_object` on the empty path `''`: the
 * root, as in a JSON Pointer, and the same code the account validators use for the same mistake.
 *
 * It runs on every keystroke in the portal, so it stays cheap on hostile input: oversized lists and
 * texts are refused before they are read, and every regular expression is free of backtracking.
 */
export function validateOrder(input: unknown, deps: OrderValidationDeps): OrderValidation {
  if (!isRecord(input)) {
    return { errors: [fail('', 'body.not_object', 'The order must be a JSON object with product, termMonths, csr, domains, approverEmail and adminContact.')] };
  }
  const field = (key: string) => ownField(input, key);
  const errors: FieldError[] = [];

  const product = readProduct(field('product'), errors);
  const termMonths = readTerm(field('termMonths'), errors);
  const csr = readCsr(field('csr'), deps, errors);

  const domainsValue = field('domains');
  let names: NormalizedName[] = [];
  let namesComplete = false;
  if (isMissing(domainsValue)) {
    errors.push(fail('domains', 'domains.required', 'List the domains the certificate is for: the names in the CSR.'));
  } else if (!Array.isArray(domainsValue)) {
    errors.push(fail('domains', 'domains.type', 'domains must be an array of names, such as ["example.com", "www.example.com"].'));
  } else {
    const checked = validateNames(product ?? null, domainsValue);
    errors.push(...checked.errors);
    names = checked.names;
    // Every entry normalised and distinct: indexes of `names` are those of `domains`. Only then are
    // the CSR and dcv compared with them; before that, mismatches would be about entries being fixed.
    namesComplete = names.length > 0 && names.length === domainsValue.length;
    if (csr && namesComplete) errors.push(...compareWithCsr(names.map((n) => n.ascii), csr.names));
  }

  const dcv = resolveDcv(names, field('approverEmail'), field('dcv'), { namesComplete });
  errors.push(...dcv.errors);
  const adminContact = validateContact(field('adminContact'));
  errors.push(...adminContact.errors);
  const organization = product ? validateOrganization(field('organization'), product.validation) : undefined;
  if (organization) errors.push(...organization.errors);
  const language = readLanguage(field('language'), errors);

  const found = { errors, ...(product ? { product } : {}), ...(Array.isArray(domainsValue) ? { names } : {}), ...(csr ? { csr } : {}) };
  if (
    errors.length > 0 ||
    product === undefined ||
    termMonths === undefined ||
    csr === undefined ||
    dcv.value === undefined ||
    adminContact.value === undefined ||
    organization?.value === undefined ||
    language === undefined
  ) {
    return found;
  }
  return {
    ...found,
    order: {
      product: product.code,
      termMonths,
      csr,
      domains: names,
      approverEmail: dcv.value.approverEmail,
      dcv: dcv.value.dcv,
      adminContact: adminContact.value,
      organization: organization.value,
      language,
    },
  };
}
