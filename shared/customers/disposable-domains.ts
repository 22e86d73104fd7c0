/**
 * Throw-away mail services whose addresses Shelf refuses at sign-up: an account behind one is
 * usually a second free trial or a bot, and its order confirmations would go nowhere.
 *
 * A short excerpt of the community list at
 * https://github.com/disposable-email-domains/disposable-email-domains (disposable_email_blocklist.conf,
 * CC0), picked by hand: the best-known services. A production shop would load the whole list
 * (thousands of domains) as a data file and refresh it on a schedule; the check is the same.
 */
export const disposableDomains: ReadonlySet<string> = new Set([
  '10minutemail.com',
  'discard.email',
  'dispostable.com',
  'fakeinbox.com',
  'getnada.com',
  'guerrillamail.com',
  'guerrillamail.net',
  'maildrop.cc',
  'mailinator.com',
  'mailnesia.com',
  'mintemail.com',
  'mohmal.com',
  'sharklasers.com',
  'spamgourmet.com',
  'temp-mail.org',
  'tempmail.com',
  'throwawaymail.com',
  'trashmail.com',
  'yopmail.com',
]);
