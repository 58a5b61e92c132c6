/**
 * Why a text is not JSON, in words that repeat none of it. V8's own messages quote the input
 * (`Unexpected token 'o', "not json" is not valid JSON`), and a problem document or a log line must
 * never echo what a client or producer sent; the position is kept where the parser gives one.
 *
 * @example
 * try { JSON.parse(text) } catch (e) { throw new HttpError(400, `Malformed JSON body: ${jsonSyntaxDetail(e)}`) }
 */
export function jsonSyntaxDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message === 'Unexpected end of JSON input') return 'not valid JSON (it ends too early)';
  const at = /at position (\d+)/.exec(message);
  return at ? `not valid JSON (at position ${at[1]})` : 'not valid JSON';
}
