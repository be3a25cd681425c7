import type { FraudConfig } from './types.js';

/** The brands, banks and authorities that phishing pages imitate most often, German and British banks included. */
const BRANDS = [
  // Mail, cloud, shopping, social
  'paypal', 'apple', 'icloud', 'itunes', 'microsoft', 'office365', 'outlook', 'hotmail', 'google', 'gmail', 'youtube', 'amazon', 'netflix',
  'facebook', 'instagram', 'whatsapp', 'linkedin', 'twitter', 'dropbox', 'docusign', 'adobe', 'spotify', 'yahoo', 'ebay', 'walmart', 'steam', 'roblox',
  // Banks
  'chase', 'wellsfargo', 'bankofamerica', 'citibank', 'hsbc', 'barclays', 'lloyds', 'natwest', 'santander', 'deutschebank', 'sparkasse', 'volksbank',
  'postbank', 'commerzbank', 'ing', 'revolut', 'n26',
  // Cards and crypto
  'americanexpress', 'amex', 'visa', 'mastercard', 'coinbase', 'binance', 'kraken', 'metamask', 'blockchain', 'trezor',
  // Parcels
  'dhl', 'fedex', 'ups', 'usps',
  // Authorities: tax refunds and "gov" in a name that is not under a government suffix.
  'irs', 'hmrc', 'gov', 'govuk',
] as const;

/** The registrable domains those brands use themselves (names under them are theirs to order). */
const BRAND_DOMAINS = [
  'paypal.com', 'paypal.me', 'paypalobjects.com',
  'apple.com', 'icloud.com', 'me.com', 'mac.com', 'itunes.com',
  'microsoft.com', 'microsoftonline.com', 'office.com', 'office365.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'azure.com', 'windows.net', 'bing.com',
  'google.com', 'google.de', 'google.co.uk', 'google.fr', 'google.es', 'google.it', 'google.ca', 'google.com.au', 'google.co.jp', 'gmail.com', 'googlemail.com',
  'youtube.com', 'gstatic.com', 'googleusercontent.com',
  'amazon.com', 'amazon.de', 'amazon.co.uk', 'amazon.fr', 'amazon.es', 'amazon.it', 'amazon.ca', 'amazon.co.jp', 'amazonaws.com',
  'facebook.com', 'fb.com', 'instagram.com', 'whatsapp.com', 'whatsapp.net',
  'netflix.com', 'linkedin.com', 'twitter.com', 'x.com', 'dropbox.com', 'docusign.com', 'docusign.net', 'adobe.com', 'spotify.com', 'yahoo.com',
  'ebay.com', 'ebay.de', 'ebay.co.uk', 'walmart.com', 'steampowered.com', 'steamcommunity.com', 'roblox.com',
  'chase.com', 'wellsfargo.com', 'bankofamerica.com', 'citibank.com', 'citi.com', 'hsbc.com', 'hsbc.co.uk', 'barclays.com', 'barclays.co.uk',
  'lloydsbank.com', 'natwest.com', 'santander.com', 'santander.co.uk', 'santander.de', 'deutsche-bank.de', 'db.com', 'sparkasse.de', 'volksbank.de',
  'postbank.de', 'commerzbank.de', 'commerzbank.com', 'ing.com', 'ing.de', 'revolut.com', 'n26.com',
  'americanexpress.com', 'amex.com', 'visa.com', 'mastercard.com', 'coinbase.com', 'binance.com', 'kraken.com', 'metamask.io', 'blockchain.com', 'trezor.io',
  'dhl.com', 'dhl.de', 'fedex.com', 'ups.com', 'usps.com',
  'irs.gov', 'hmrc.gov.uk',
] as const;

/**
 * Everyday words within typo distance of a default brand; found by running an English dictionary
 * through the typo rule and keeping the words a real site might be named after. A brand's plural that
 * is no everyday word (`amazons`, `yahoos`) stays a typo-squat on purpose.
 */
const ORDINARY_WORDS = [
  'papal', 'ample', 'apply', 'apples', 'dapple', 'cloud', 'tunes', 'goggle', 'goggles', 'email', 'mail', 'grail', 'gail', 'twister', 'titter', 'adore',
  'adobes', 'stream', 'team', 'steak', 'steal', 'stead', 'steamy', 'steams', 'stem', 'seam', 'stern', 'sterna', 'case', 'cease', 'chafe', 'chaise',
  'chased', 'chaser', 'chases', 'chasm', 'chaste', 'chose', 'phase', 'barclay', 'lloyd', 'revolt', 'finance', 'trevor', 'tremor',
] as const;

/**
 * Countries under comprehensive EU/US sanctions, as ISO 3166-1 alpha-2 codes. The occupied regions of
 * Ukraine (Crimea, Donetsk, Luhansk, …) have no code of their own, only subdivisions of UA, so a
 * country code cannot name them.
 */
const SANCTIONED_COUNTRIES = ['CU', 'IR', 'KP', 'SY', 'RU', 'BY'] as const;

/** Throwaway mailbox services: an address there is gone tomorrow. */
const DISPOSABLE_DOMAINS = [
  'mailinator.com', 'guerrillamail.com', 'guerrillamail.net', 'guerrillamailblock.com', 'sharklasers.com', 'grr.la', '10minutemail.com', 'temp-mail.org',
  'tempmail.com', 'yopmail.com', 'yopmail.fr', 'trashmail.com', 'trashmail.de', 'getnada.com', 'dispostable.com', 'maildrop.cc', 'mintemail.com',
  'throwawaymail.com', 'fakeinbox.com', 'mailnesia.com', 'emailondeck.com', 'spamgourmet.com', 'burnermail.io', 'discard.email', 'mohmal.com',
] as const;

/** Free mailbox providers: fine for a DV order, odd for an organisation that wants OV or EV. */
const FREE_MAIL_DOMAINS = [
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.de', 'ymail.com', 'outlook.com', 'outlook.de', 'hotmail.com', 'hotmail.de',
  'hotmail.co.uk', 'live.com', 'msn.com', 'aol.com', 'icloud.com', 'me.com', 'mac.com', 'gmx.de', 'gmx.net', 'gmx.at', 'gmx.ch', 'gmx.com', 'web.de',
  't-online.de', 'freenet.de', 'mail.ru', 'yandex.ru', 'yandex.com', 'proton.me', 'protonmail.com', 'tutanota.com', 'tuta.io', 'zoho.com', 'mail.com',
  'qq.com', '163.com', 'posteo.de', 'mailbox.org',
] as const;

/**
 * The shipped settings. A hold needs 50 points: one strong sign (a look-alike or typo-squat of a brand,
 * a sanctioned country, a disposable mailbox on OV/EV) or two weaker ones together.
 */
export const DEFAULT_FRAUD_CONFIG: FraudConfig = Object.freeze({
  holdThreshold: 50,
  brands: Object.freeze(BRANDS),
  brandDomains: Object.freeze(BRAND_DOMAINS),
  ordinaryWords: Object.freeze(ORDINARY_WORDS),
  sanctionedCountries: Object.freeze(SANCTIONED_COUNTRIES),
  disposableDomains: Object.freeze(DISPOSABLE_DOMAINS),
  freeMailDomains: Object.freeze(FREE_MAIL_DOMAINS),
  // A busy reseller places dozens of orders a day; a stolen API key places hundreds in an hour.
  velocity: Object.freeze({ resellerPerHour: 30, resellerPerDay: 200, domainPerDay: 5 }),
  // 500.00 is several EV certificates: a lot for an account not yet two weeks old.
  newReseller: Object.freeze({ maxAgeDays: 14, largeOrderAmount: 50_000, averageMultiple: 10 }),
});
