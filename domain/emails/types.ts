// One template per kind of email, each a pure function in its own file under domain/emails/,
// used by the activities and the API alike. No clinical detail: the participant's reference,
// the cause, deadlines and links; the link is the way in.

export interface EmailContent {
  subject: string;
  /** The plain-text part (always present). */
  text: string;
  /** An HTML part, when the template has one. */
  html?: string;
}
