/**
 * The points each rule adds. They are fixed on purpose (only the threshold is configured) so that a
 * stored verdict keeps its meaning; with the default threshold of 50 the "strong" signs hold an order
 * on their own and the "weak" ones only together with another.
 */
export const SCORES = Object.freeze({
  /** Strong: a name that renders as a brand (`раураl`, `paypa1`, `arnazon`) has no innocent reading. */
  brandLookalike: 60,
  /** Strong: one slip from a brand (`amazom`, `paypall`); everyday words that close are on the ordinary-words list. */
  brandTypo: 50,
  /** Weak: the brand itself in someone else's name (`paypal.example.com`, `apple-farm.de`) is often a coincidence. */
  brand: 30,
  /** Weak, the least: a brand inside a longer word (`applepie`, `purchase`) is usually an ordinary word. */
  brandEmbedded: 15,
  /** With any brand sign: login, verify, wallet … next to a brand is what phishing pages are named. */
  brandLure: 30,
  /** Weak alone, damning with a brand: Latin mixed with Cyrillic, Greek or Armenian in one label has no use but disguise. */
  mixedScripts: 40,
  /** Strong: certificates may not be sold there at all. */
  sanctionedCountry: 100,
  /** Strong on OV/EV, where the contact's identity is what is being vouched for. */
  disposableEmailValidated: 50,
  /** Weak on DV: the mailbox only receives the certificate. */
  disposableEmail: 20,
  /** Weak: small organisations do use free mailboxes. */
  freeMailValidated: 20,
  velocityResellerHour: 30,
  velocityResellerDay: 30,
  velocityDomain: 30,
  newResellerLargeOrder: 30,
  /** Weak: hosts and agencies hand customers over to each other. */
  otherReseller: 25,
});
