/** The page's element with this id; T says what kind of element the caller expects. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

type Attr = string | number | boolean | null | undefined;
type Child = Node | string | null | undefined | false;

/** An element with attributes and children; strings become Text nodes, never markup. */
export function h(tag: string, attrs: Record<string, Attr> | null, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}
