/**
 * `ada@example.com` → `a***@example.com`: enough for a support person to recognise the
 * address, not enough to reuse it. Logs must never carry the raw address.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
