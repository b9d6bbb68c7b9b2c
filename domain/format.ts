// How careloop writes times for people, in pages and emails alike.

/** "Mon, 30 Nov 2026, 14:05 GMT" in the partnership's time zone. */
export function formatInstant(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(new Date(iso));
}
