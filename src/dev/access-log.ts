/** One line per invocation, as a server's access log has: method, path, status, milliseconds, function. */
export function accessLine(method: string, path: string, status: number | string, ms: number, fn: string): string {
  // The path is the client's: control characters would let it forge a second log line.
  const safePath = path.length > 200 ? `${path.slice(0, 200)}...` : path;
  return `${method} ${safePath.replace(/[\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`)} ${status} ${ms.toFixed(ms < 10 ? 1 : 0)}ms ${fn}`;
}
