import { describe, expect, it } from 'vitest';
import { BUSINESS_CATEGORIES, isRecord, ownField, validateContact, validateEmail, validateOrganization } from './contacts.js';

function codes(errors: readonly { path: string; code: string }[]): string[][] {
  return errors.map((e) => [e.path, e.code]);
}

function emailCode(value: unknown): string | undefined {
  const result = validateEmail(value, 'email');
  expect(result.value).toBeUndefined();
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]?.path).toBe('email');
  return result.errors[0]?.code;
}

describe('validateEmail', () => {
  it('accepts a plain address and trims it', () => {
    expect(validateEmail('  jane.doe+certs@example.com ', 'email')).toEqual({ value: 'jane.doe+certs@example.com', errors: [] });
  });

  it('lower-cases the domain and keeps the local part as given', () => {
    expect(validateEmail('Jane@EXAMPLE.com', 'email').value).toBe('Jane@example.com');
  });

  it('converts an IDN domain to its A-label', () => {
    expect(validateEmail('info@bücher.de', 'email').value).toBe('info@xn--bcher-kva.de');
  });

  it('accepts every atext character in the local part (RFC 5322 3.2.3)', () => {
    expect(validateEmail("a!#$%&'*+/=?^_`{|}~-z@example.com", 'email').errors).toEqual([]);
  });

  it.each([
    [undefined, 'email.required'],
    [null, 'email.required'],
    ['  ', 'email.required'],
    [42, 'email.type'],
    [{ email: 'a@example.com' }, 'email.type'],
    ['x'.repeat(5000), 'email.too_long'],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, 'email.too_long'],
    ['Jane Doe <jane@example.com>', 'email.display_name'],
    ['<jane@example.com>', 'email.display_name'],
    ['"jane doe"@example.com', 'email.quoted_local_part'],
    ['jane@example.com\r\nBcc: victim@example.org', 'email.control_characters'],
    ['jane\u0000@example.com', 'email.control_characters'],
    ['jane doe@example.com', 'email.invalid'],
    ['jane.example.com', 'email.invalid'],
    ['jane@doe@example.com', 'email.invalid'],
    ['@example.com', 'email.invalid'],
    [`${'a'.repeat(65)}@example.com`, 'email.local_part_too_long'],
    ['.jane@example.com', 'email.invalid_local_part'],
    ['jane.@example.com', 'email.invalid_local_part'],
    ['ja..ne@example.com', 'email.invalid_local_part'],
    ['jäne@example.com', 'email.invalid_local_part'],
    ['jane(comment)@example.com', 'email.invalid_local_part'],
    ['jane@[192.0.2.1]', 'email.invalid_domain'],
    ['jane@8.8.8.8', 'email.invalid_domain'],
    ['jane@localhost', 'email.invalid_domain'],
    ['jane@example.local', 'email.invalid_domain'],
    ['jane@co.uk', 'email.invalid_domain'],
    ['jane@exa_mple.com', 'email.invalid_domain'],
    ['jane@*.example.com', 'email.invalid_domain'],
    ['jane@', 'email.invalid_domain'],
  ])('refuses %j with %s', (value, code) => {
    expect(emailCode(value)).toBe(code);
  });

  it('names the domain rule that failed', () => {
    expect(validateEmail('jane@example.local', 'email').errors[0]?.message).toContain('.local');
  });

  it('uses the given label in messages', () => {
    expect(validateEmail(undefined, 'x', 'The approver email address').errors[0]?.message).toBe('The approver email address is required.');
  });
});

const contact = {
  firstName: 'Jane',
  lastName: 'Doe',
  email: 'jane@example.com',
  phone: '+49 30 1234567',
  country: 'DE',
};

describe('validateContact', () => {
  it('accepts and normalises a complete contact', () => {
    expect(validateContact({ ...contact, country: ' de ', phone: '030 1234567', title: '  IT  Manager ' })).toEqual({
      value: { firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com', phone: '+49301234567', country: 'DE', title: 'IT Manager' },
      errors: [],
    });
  });

  it('lists every required field of a missing contact on its own path', () => {
    expect(codes(validateContact(undefined).errors)).toEqual([
      ['adminContact.firstName', 'text.required'],
      ['adminContact.lastName', 'text.required'],
      ['adminContact.email', 'email.required'],
      ['adminContact.country', 'country.required'],
      ['adminContact.phone', 'phone.required'],
    ]);
  });

  it('refuses a contact that is not an object', () => {
    expect(codes(validateContact('Jane Doe').errors)).toEqual([['adminContact', 'contact.type']]);
    expect(codes(validateContact([contact]).errors)).toEqual([['adminContact', 'contact.type']]);
  });

  it('ignores inherited fields', () => {
    const inherited = Object.create(contact) as unknown;
    expect(validateContact(inherited).errors).toHaveLength(5);
  });

  it('uses the given path', () => {
    expect(validateContact({ ...contact, email: 'x' }, 'techContact').errors[0]?.path).toBe('techContact.email');
  });

  it('accepts names in any script with hyphens, apostrophes, dots and spaces', () => {
    for (const [firstName, lastName] of [
      ['José', "O'Brien-Smith"],
      ['Zoë Anne', 'van der Berg Jr.'],
      ['Søren', 'Kierkegård'],
      ['明', '王'],
      ['Ольга', 'Иванова'],
      ['Ngô', '’t Hooft'],
    ]) {
      expect(validateContact({ ...contact, firstName, lastName }).errors).toEqual([]);
    }
  });

  it('keeps a decomposed name in NFC', () => {
    expect(validateContact({ ...contact, firstName: 'Jose\u0301' }).value?.firstName).toBe('José');
  });

  it.each([
    ['firstName', '', 'text.required'],
    ['firstName', 7, 'text.type'],
    ['firstName', 'J'.repeat(65), 'text.too_long'],
    ['firstName', 'Jane\nDoe', 'text.control_characters'],
    ['firstName', '<script>', 'name.invalid_characters'],
    ['firstName', 'Jane2', 'name.invalid_characters'],
    ['lastName', "'-.", 'name.invalid_characters'],
    ['lastName', 'Doe; DROP', 'name.invalid_characters'],
  ])('refuses %s %j with %s', (field, value, code) => {
    expect(codes(validateContact({ ...contact, [field]: value }).errors)).toEqual([[`adminContact.${field}`, code]]);
  });

  it('refuses an invalid contact email', () => {
    expect(codes(validateContact({ ...contact, email: 'jane@localhost' }).errors)).toEqual([['adminContact.email', 'email.invalid_domain']]);
  });

  it('reads a national phone number with the contact country as region', () => {
    expect(validateContact({ ...contact, country: 'US', phone: '(202) 555-0143' }).value?.phone).toBe('+12025550143');
  });

  it('reads an international phone number regardless of the country', () => {
    expect(validateContact({ ...contact, country: 'US', phone: '+44 20 7946 0958' }).value?.phone).toBe('+442079460958');
  });

  it.each([
    [undefined, 'phone.required'],
    [4930123456, 'phone.type'],
    ['+49 30 1234567 ext. 5', 'phone.invalid_characters'],
    ['call +49 30 1234567', 'phone.invalid_characters'],
    ['1'.repeat(41), 'phone.invalid_characters'],
    ['12', 'phone.invalid'],
    ['+49 1', 'phone.invalid'],
    ['+999 1234567', 'phone.invalid'],
  ])('refuses phone %j with %s', (phone, code) => {
    expect(codes(validateContact({ ...contact, phone }).errors)).toEqual([['adminContact.phone', code]]);
  });

  it('asks for the international form when there is no valid country to read a national number with', () => {
    const errors = validateContact({ ...contact, country: 'ZZ', phone: '030 1234567' }).errors;
    expect(codes(errors)).toEqual([
      ['adminContact.country', 'country.unknown'],
      ['adminContact.phone', 'phone.invalid'],
    ]);
    expect(errors[1]?.message).toContain('international form');
  });

  it.each([
    ['DEU', 'country.unknown'],
    ['ZZ', 'country.unknown'],
    ['Germany', 'country.unknown'],
    [49, 'country.unknown'],
    ['', 'country.required'],
  ])('refuses country %j with %s', (country, code) => {
    const errors = validateContact({ ...contact, country }).errors;
    expect(errors[0]).toEqual(expect.objectContaining({ path: 'adminContact.country', code }));
  });

  it('refuses an invalid optional title', () => {
    expect(codes(validateContact({ ...contact, title: 'CEO\u0007' }).errors)).toEqual([['adminContact.title', 'text.control_characters']]);
  });
});

const organization = {
  legalName: 'Example GmbH',
  registrationNumber: 'HRB 12345',
  address: 'Hauptstraße 1',
  city: 'Berlin',
  postalCode: '10115',
  country: 'de',
};

const evOrganization = {
  ...organization,
  jurisdictionCountry: 'DE',
  jurisdictionLocality: 'Berlin',
  businessCategory: 'private_organization',
  incorporationDate: '2001-02-28',
};

describe('validateOrganization', () => {
  it('returns null for DV without checking the input (BR 7.1.2.7.2: no organisation in a DV certificate)', () => {
    expect(validateOrganization(undefined, 'dv')).toEqual({ value: null, errors: [] });
    expect(validateOrganization({ legalName: 42 }, 'dv')).toEqual({ value: null, errors: [] });
  });

  it('accepts and normalises an OV organisation', () => {
    expect(validateOrganization({ ...organization, state: 'Berlin', phone: '030 1234567' }, 'ov')).toEqual({
      value: { ...organization, country: 'DE', state: 'Berlin', phone: '+49301234567' },
      errors: [],
    });
  });

  it('leaves EV-only fields out of an OV organisation', () => {
    expect(validateOrganization({ ...organization, businessCategory: 'nonsense' }, 'ov').value).toEqual({ ...organization, country: 'DE' });
  });

  it.each(['ov', 'ev'] as const)('requires the organisation for %s', (level) => {
    expect(codes(validateOrganization(undefined, level).errors)).toEqual([['organization', 'organization.required']]);
    expect(codes(validateOrganization(null, level).errors)).toEqual([['organization', 'organization.required']]);
  });

  it('refuses an organisation that is not an object', () => {
    expect(codes(validateOrganization('Example GmbH', 'ov').errors)).toEqual([['organization', 'organization.type']]);
  });

  it('lists every required OV field on its own path', () => {
    expect(codes(validateOrganization({}, 'ov').errors)).toEqual([
      ['organization.legalName', 'text.required'],
      ['organization.registrationNumber', 'text.required'],
      ['organization.address', 'text.required'],
      ['organization.city', 'text.required'],
      ['organization.postalCode', 'text.required'],
      ['organization.country', 'country.required'],
    ]);
  });

  it('lists the EV fields as well for EV', () => {
    expect(codes(validateOrganization(organization, 'ev').errors)).toEqual([
      ['organization.jurisdictionCountry', 'country.required'],
      ['organization.businessCategory', 'business_category.required'],
    ]);
  });

  it('accepts a complete EV organisation', () => {
    expect(validateOrganization(evOrganization, 'ev')).toEqual({ value: { ...evOrganization, country: 'DE' }, errors: [] });
  });

  it('accepts each EV business category (EV Guidelines 7.1.4.2.3)', () => {
    for (const businessCategory of BUSINESS_CATEGORIES) {
      expect(validateOrganization({ ...evOrganization, businessCategory }, 'ev').errors).toEqual([]);
    }
  });

  it.each([
    ['legalName', 'E'.repeat(257), 'text.too_long'],
    ['legalName', 'Example\u0000GmbH', 'text.control_characters'],
    ['registrationNumber', ['HRB'], 'text.type'],
    ['address', 'Line 1\nLine 2', 'text.control_characters'],
    ['postalCode', '1'.repeat(41), 'text.too_long'],
    ['country', 'XX', 'country.unknown'],
    ['state', 'B\u0085', 'text.control_characters'],
    ['phone', 'not a phone', 'phone.invalid_characters'],
    ['jurisdictionCountry', 'Deutschland', 'country.unknown'],
    ['jurisdictionState', 42, 'text.type'],
    ['jurisdictionLocality', 'L'.repeat(129), 'text.too_long'],
    ['businessCategory', 'Private Organization', 'business_category.unknown'],
    ['incorporationDate', '2001-02-29', 'date.invalid'],
    ['incorporationDate', '28.02.2001', 'date.invalid'],
    ['incorporationDate', 20010228, 'date.invalid'],
  ])('refuses EV %s %j with %s', (field, value, code) => {
    expect(codes(validateOrganization({ ...evOrganization, [field]: value }, 'ev').errors)).toEqual([[`organization.${field}`, code]]);
  });
});

describe('field helpers', () => {
  it('isRecord accepts objects only', () => {
    expect([{}, Object.create(null), [], null, 'x', 1].map(isRecord)).toEqual([true, true, false, false, false, false]);
  });

  it('ownField reads own properties only, including a JSON __proto__ key', () => {
    const parsed = JSON.parse('{"__proto__": "own"}') as Record<string, unknown>;
    expect(ownField(parsed, '__proto__')).toBe('own');
    expect(ownField({}, 'constructor')).toBeUndefined();
    expect(ownField({}, 'toString')).toBeUndefined();
  });
});
