import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DeliveryRefusedError } from './DeliveryRefusedError';

/** A parsed element: its child elements by name, each name's occurrences in document order. */
export interface XmlElement {
  readonly [name: string]: XmlNode[];
}

/** An element's content: its text when it has no child elements, else its children. */
export type XmlNode = string | XmlElement;

/**
 * Declarations are refused outright, wherever they appear: a DOCTYPE is where entities (internal
 * expansion bombs, external SYSTEM / PUBLIC references) are defined, and a rowset message has none.
 */
const DECLARATION = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
const TOO_DEEP = /maximum nested tags/i;

/**
 * Parses an untrusted XML body hardened against hostile input: it must be UTF-8, carry no DOCTYPE
 * or entity declaration (refused before any parsing, so nothing is ever expanded or fetched), be
 * well-formed, and nest at most `maxDepth` elements. Entity expansion is off in the parser; the
 * five predefined references and character references are decoded by the reader of the values.
 * Comments, processing instructions and attributes are dropped, except `type` under FieldTypes
 * (kept as `@type`). Anything else is a 400.
 */
export function parseHardenedXml(source: string, body: Buffer, maxDepth: number): { readonly root: string; readonly element: XmlElement } {
  const refuse = (message: string): never => {
    throw new DeliveryRefusedError(source, 400, message);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    return refuse('the body is not UTF-8 text');
  }
  if (DECLARATION.test(text)) return refuse('XML with a DOCTYPE or entity declaration is refused');
  const valid = XMLValidator.validate(text);
  if (valid !== true) return refuse(`the body is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);

  const parser = new XMLParser({
    // Only FieldTypes' `type` attributes are kept (as `@type`): they say which fields are numbers.
    ignoreAttributes: (name: string, jPath: unknown) => !(name === 'type' && typeof jPath === 'string' && jPath.includes('.FieldTypes.')),
    attributeNamePrefix: '@',
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    trimValues: true,
    isArray: () => true,
    // The parser counts the open ancestors of an element; the root has none.
    maxNestedTags: maxDepth - 1,
  });
  let document: Record<string, unknown>;
  try {
    document = parser.parse(text) as Record<string, unknown>;
  } catch (error) {
    if (TOO_DEEP.test((error as Error).message)) return refuse(`the XML nests deeper than ${maxDepth} elements`);
    return refuse('the body is not well-formed XML');
  }
  const roots = Object.keys(document);
  const content = roots.length === 1 ? (document[roots[0]!] as XmlNode[] | undefined) : undefined;
  const element = content?.length === 1 ? content[0] : undefined;
  if (element === undefined || typeof element === 'string') return refuse('the XML has no root element with content');
  return { root: roots[0]!, element };
}
