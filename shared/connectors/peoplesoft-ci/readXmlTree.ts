import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One element of a parsed document, with its namespace resolved. */
export interface XmlTreeElement {
  /** Local name, without a prefix: `Envelope`, `Create__CompIntfc__ML_PO`. */
  readonly local: string;
  /** Namespace URI the prefix (or the default namespace) resolves to; `''` for none. */
  readonly ns: string;
  /** Attributes by local name (namespace declarations left out), values decoded. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlTreeElement[];
  /** Text content (entity and character references decoded), `''` when there is none. */
  readonly text: string;
}

/** The document could not be read: `reason` says why, in one line, without echoing the input. */
export type XmlTreeResult = { readonly ok: true; readonly root: XmlTreeElement } | { readonly ok: false; readonly reason: string };

const DECLARATION = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

type Ordered = Record<string, unknown>;

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return safeCodePoint(parseInt(ref.slice(1), 10), whole);
    return PREDEFINED[ref] ?? whole;
  });
}

function safeCodePoint(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}

function split(name: string): { prefix: string; local: string } {
  const colon = name.indexOf(':');
  return colon < 0 ? { prefix: '', local: name } : { prefix: name.slice(0, colon), local: name.slice(colon + 1) };
}

function build(name: string, content: unknown[], rawAttributes: Record<string, string>, scope: ReadonlyMap<string, string>): XmlTreeElement {
  const inScope = new Map(scope);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttributes)) {
    if (key === 'xmlns') inScope.set('', decode(value));
    else if (key.startsWith('xmlns:')) inScope.set(key.slice(6), decode(value));
  }
  for (const [key, value] of Object.entries(rawAttributes)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    attributes[split(key).local] = decode(value);
  }
  const { prefix, local } = split(name);
  const ns = inScope.get(prefix);
  if (ns === undefined) throw new Error(`the prefix "${prefix}" of <${name}> is not declared`);
  const children: XmlTreeElement[] = [];
  let text = '';
  for (const node of content as Ordered[]) {
    if (typeof node['#text'] === 'string') text += decode(node['#text']);
    else if (Array.isArray(node['#cdata'])) text += ((node['#cdata'] as Ordered[])[0]?.['#text'] as string | undefined) ?? '';
    else {
      const childName = Object.keys(node).find((key) => key !== ':@');
      if (childName === undefined) continue;
      children.push(build(childName, node[childName] as unknown[], (node[':@'] ?? {}) as Record<string, string>, inScope));
    }
  }
  return { local, ns, attributes, children, text: text.trim() };
}

/**
 * Parses an untrusted XML document (a SOAP message) hardened against hostile input: a DOCTYPE or
 * entity declaration is refused before any parsing (so nothing is ever expanded or fetched), the
 * parser expands no entities, nesting is capped at `maxDepth` elements, and the document must be
 * well-formed with every prefix declared. Comments and processing instructions are dropped; the
 * five predefined entities and character references are decoded here.
 */
export function readXmlTree(text: string, maxDepth = 64): XmlTreeResult {
  if (DECLARATION.test(text)) return { ok: false, reason: 'XML with a DOCTYPE or entity declaration is refused' };
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, reason: `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})` };
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    cdataPropName: '#cdata',
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxDepth - 1,
  });
  let document: Ordered[];
  try {
    document = parser.parse(text) as Ordered[];
  } catch (error) {
    return { ok: false, reason: /maximum nested tags/i.test((error as Error).message) ? `the XML nests deeper than ${maxDepth} elements` : 'not well-formed XML' };
  }
  const roots = document.filter((node) => Object.keys(node).some((key) => key !== ':@' && key !== '#text'));
  if (roots.length !== 1) return { ok: false, reason: 'the XML has no single root element' };
  const node = roots[0]!;
  const name = Object.keys(node).find((key) => key !== ':@')!;
  try {
    return { ok: true, root: build(name, node[name] as unknown[], (node[':@'] ?? {}) as Record<string, string>, new Map([['', ''], ['xml', 'http://www.w3.org/XML/1998/namespace']])) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
