/** SVG as a tree of elements, serialized with XML escaping: markup is never glued from strings. */

export interface XmlElement {
    readonly name: string;
    readonly attrs?: Readonly<Record<string, string | number>>;
    readonly children?: readonly (XmlElement | string)[];
}

export const el = (
    name: string,
    attrs: Readonly<Record<string, string | number>> = {},
    children: readonly (XmlElement | string)[] = [],
): XmlElement => ({ name, attrs, children });

const NAME = /^[A-Za-z_][\w.:-]*$/;

export function escapeXml(text: string, attribute = false): string {
    const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    return attribute ? escaped.replace(/"/g, "&quot;") : escaped;
}

function serialize(node: XmlElement | string): string {
    if (typeof node === "string") return escapeXml(node);
    if (!NAME.test(node.name)) throw new Error(`'${node.name}' is not an XML name`);
    const attrs = Object.entries(node.attrs ?? {}).map(([k, v]) => {
        if (!NAME.test(k)) throw new Error(`'${k}' is not an XML attribute name`);
        return ` ${k}="${escapeXml(String(v), true)}"`;
    });
    const children = node.children ?? [];
    const open = `<${node.name}${attrs.join("")}`;
    return children.length === 0 ? `${open}/>` : `${open}>${children.map(serialize).join("")}</${node.name}>`;
}

export function serializeXml(root: XmlElement): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${serialize(root)}\n`;
}
