// Reads the forms of the platform's own server-rendered pages (simple, well-formed HTML) the way
// a browser would submit them: action, method, named inputs and submit buttons.
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };

function unescape(text) {
  return text.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, name) => ENTITIES[name]);
}

function attributes(tag) {
  const found = {};
  for (const match of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    found[match[1].toLowerCase()] = unescape(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return found;
}

// Which page this is, from <meta name="dev-platform-page" content="...">; undefined for pages not
// rendered by us (such as the library's self-submitting form).
export function pageName(html) {
  const meta = html.match(/<meta\s+name="dev-platform-page"\s+content="([^"]*)"/);
  return meta ? unescape(meta[1]) : undefined;
}

// The text of the page's error box, if any.
export function pageError(html) {
  const box = html.match(/<p class="error" role="alert">([\s\S]*?)<\/p>/);
  return box ? unescape(box[1]).trim() : undefined;
}

export function forms(html) {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, open, body]) => {
    const form = attributes(open);
    const fields = [];
    const buttons = [];
    for (const [tag, name] of body.matchAll(/<(input|button)\b[^>]*>/gi)) {
      const attrs = attributes(tag.slice(name.length + 1, -1));
      if (name.toLowerCase() === 'button') {
        const rest = body.slice(body.indexOf(tag) + tag.length);
        const label = unescape(rest.slice(0, rest.search(/<\/button>/i)).replace(/<[^>]*>/g, '')).trim();
        buttons.push({ name: attrs.name, value: attrs.value ?? '', label });
      } else if (attrs.name) {
        fields.push({ name: attrs.name, value: attrs.value ?? '', type: (attrs.type ?? 'text').toLowerCase() });
      }
    }
    return { action: form.action ?? '', method: (form.method ?? 'get').toUpperCase(), fields, buttons };
  });
}

// The form whose submit button is labelled `label` (or the first form when label is undefined).
export function findForm(html, label) {
  const all = forms(html);
  if (label === undefined) return all[0];
  return all.find((form) => form.buttons.some((button) => button.label === label));
}

// Form data as a browser submits it: the fields, overridden by `values`, plus the pressed button.
export function formData(form, values = {}, buttonLabel = undefined) {
  const data = new URLSearchParams();
  for (const field of form.fields) {
    if (['submit', 'button', 'reset'].includes(field.type)) continue;
    data.append(field.name, field.name in values ? values[field.name] : field.value);
  }
  const button = form.buttons.find((b) => b.label === buttonLabel);
  if (button?.name) data.append(button.name, button.value);
  return data;
}
