/** Error wording for URLs the WHATWG parser refuses. Pure. */

/**
 * Why `value` does not parse as an absolute URL, as specifically as we can
 * tell: a bad port, a missing scheme, or otherwise malformed.
 */
export function unparsableUrlReason(raw: string): string {
  const value = raw.trim(); // as the parser does
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(value);
  if (authority) {
    const port = /:([^:\]@]*)$/.exec(authority[1]);
    if (port && port[1] !== '' && (!/^\d+$/.test(port[1]) || Number(port[1]) > 65535)) {
      return `port ${JSON.stringify(port[1])} is not a number from 0 to 65535`;
    }
    return 'not a valid URL (check the host name for spaces or other characters a host cannot have)';
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
    return 'not an absolute URL (it needs a scheme, such as https://)';
  }
  return 'not a valid URL';
}
