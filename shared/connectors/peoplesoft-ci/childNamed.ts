import type { XmlTreeElement } from './readXmlTree';

/** The first child of `element` with this local name (in any namespace, or in `ns` when given). */
export function childNamed(element: XmlTreeElement, local: string, ns?: string): XmlTreeElement | undefined {
  return element.children.find((child) => child.local === local && (ns === undefined || child.ns === ns));
}
