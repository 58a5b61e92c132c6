/**
 * Just enough XML for the fake AWS server: SNS and IAM answer in the query protocol's XML, and S3's
 * notification configuration travels as REST-XML both ways. No attributes are read (only the root's
 * xmlns appears in these shapes), so a small tokenizer does.
 */
export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const decode = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : (ENTITIES[e] ?? all),
  );

export const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Parses a document into its root element. */
export function parseXml(text: string): XmlNode {
  const top: XmlNode = { name: '#document', children: [], text: '' };
  const stack = [top];
  for (const m of text.matchAll(/<\?[^>]*\?>|<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>|([^<]+)/g)) {
    const parent = stack[stack.length - 1] as XmlNode;
    if (m[4] !== undefined) parent.text += decode(m[4]);
    else if (m[1]) stack.pop();
    else if (m[2]) {
      const node: XmlNode = { name: m[2], children: [], text: '' };
      parent.children.push(node);
      if (!m[3]) stack.push(node);
    }
  }
  const root = top.children[0];
  if (!root) throw new Error('not an XML document');
  return root;
}

export const childrenNamed = (node: XmlNode | undefined, name: string): XmlNode[] => node?.children.filter((c) => c.name === name) ?? [];
export const child = (node: XmlNode | undefined, name: string): XmlNode | undefined => childrenNamed(node, name)[0];
export const textOf = (node: XmlNode | undefined, name: string): string | undefined => child(node, name)?.text.trim();

/** A value to write: text, nested elements (an array repeats the element), or nothing. */
export type XmlValue = string | number | boolean | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** Writes `{ A: 'x', B: [{ C: '1' }, { C: '2' }] }` as `<A>x</A><B><C>1</C></B><B><C>2</C></B>`. */
export function toXml(value: XmlObject): string {
  let out = '';
  for (const [name, v] of Object.entries(value)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item === undefined) continue;
      out += typeof item === 'object' && !Array.isArray(item) ? `<${name}>${toXml(item)}</${name}>` : `<${name}>${escapeXml(String(item))}</${name}>`;
    }
  }
  return out;
}
